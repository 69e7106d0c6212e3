"""``row_groups`` and ``col_groups``: which group each row (column) of the
map belongs to, from the block's mapping or a table's column, and the order
and colors' order of the groups.

A mapping may name more labels than the map has (one samples table serves
every figure of a study); a label of the map it lacks is an error naming
them, never a group made up for it: a figure that silently files a sample
under "other" misreports the study.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from ..errors import DataError
from ..keys import Groups
from ..messages import q, quoted_list, suggest
from ..model import Limits
from .cells import Ctx, check_label_lengths, decode

MAX_GROUPS = 20
"""Groups a strip may show: more colors than this cannot be told apart."""

AXES = {"row_groups": "row", "col_groups": "column"}


def read_groups_table(
    content: bytes, fmt: str, name: str, column: str, key: str, limits: Limits
) -> dict[str, str]:
    """Label -> group from a CSV or TSV table: the labels in its first
    column (a pandas index, named or not), the groups in ``column``."""
    if fmt not in ("csv", "tsv"):
        raise DataError(
            f"'{key}': {name} is a {fmt.upper()} file; a groups table is a CSV or TSV file "
            "(labels in the first column, one column per grouping)",
            key=key,
        )
    text = decode(content, Ctx(name, key, limits, fmt))
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter="," if fmt == "csv" else "\t"))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise DataError(f"'{key}': {name} is empty", key=key)
    header = [cell.strip() for cell in rows[0]]
    if column not in header[1:]:
        others = [h for h in header[1:] if h]
        raise DataError(
            f"'{key}': {name} has no column {q(column)}{suggest(column, others)} (its columns: "
            f"{quoted_list(others, 8) or 'none besides the labels'})",
            key=key,
        )
    at = header.index(column, 1)
    groups: dict[str, str] = {}
    for line, row in enumerate(rows[1:], start=2):
        label = row[0].strip() if row else ""
        group = row[at].strip() if at < len(row) else ""
        if not label:
            continue
        if not group:
            raise DataError(
                f"'{key}': {name}: {q(label)} (line {line}) has no group in column {q(column)}",
                key=key,
            )
        if label in groups and groups[label] != group:
            raise DataError(
                f"'{key}': {name} puts {q(label)} in two groups, {q(groups[label])} and {q(group)}",
                key=key,
            )
        groups[label] = group
    check_label_lengths(groups, f"'{key}': {name}: label", key, limits)
    check_label_lengths(groups.values(), f"'{key}': {name}: group", key, limits)
    return groups


def names_for(groups: Mapping[str, str], labels: Sequence[str], key: str) -> tuple[str, ...]:
    """The group of each of ``labels``; every one must be in ``groups``."""
    missing = [label for label in labels if label not in groups]
    if missing:
        what = AXES.get(key, "label")
        count = f"{len(missing)} {what}s" if len(missing) > 1 else f"the {what}"
        raise DataError(
            f"'{key}' has no group for {count} {quoted_list(missing, 5)} of the map; "
            f"give every {what} label of the map a group",
            key=key,
        )
    return tuple(groups[label] for label in labels)


def group_order(groups: Mapping[str, str], names: Sequence[str], key: str) -> tuple[str, ...]:
    """The groups ``names`` holds, in the order the mapping (or table)
    first gives them: the order blocks of a clustered map and the colors
    follow.  More than ``MAX_GROUPS`` is an error."""
    present = set(names)
    order = tuple(dict.fromkeys(g for g in groups.values() if g in present))
    if len(order) > MAX_GROUPS:
        raise DataError(
            f"'{key}' makes {len(order)} groups on this map; at most {MAX_GROUPS} colors "
            "can be told apart in a strip (merge groups, or show fewer rows or columns)",
            key=key,
        )
    return order


def resolve(
    groups: Mapping[str, str], labels: Sequence[str], key: str, title: str | None = None
) -> Groups:
    """``Groups`` for the map's ``labels`` (in the order drawn)."""
    names = names_for(groups, labels, key)
    return Groups(names, group_order(groups, names, key), title)


def blocks(names: Sequence[str], order: Sequence[str]) -> list[list[int]]:
    """The positions of each group's members, group by group in ``order``,
    each in the data's order: what ``cluster`` orders within."""
    where: dict[str, list[int]] = {group: [] for group in order}
    for n, name in enumerate(names):
        where[name].append(n)
    return [where[group] for group in order if where[group]]
