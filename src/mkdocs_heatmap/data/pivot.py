"""Long ("tidy") tables to a matrix: one cell per (x, y), aggregated."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..errors import DataError
from ..messages import q, quoted_list, suggest
from ..model import AGGREGATES, LabelledMatrix
from .cells import Ctx, build_matrix, describe_cell, too_many_cells

if TYPE_CHECKING:
    from ..spec import Pivot


def pivot_table(
    columns: Sequence[str],
    records: Iterator[tuple[Sequence[object], str]],
    as_label: Callable[[object], str | None],
    as_number: Callable[[object], float | None],
    is_missing: Callable[[object], bool],
    pivot: Pivot,
    ctx: Ctx,
) -> LabelledMatrix:
    if pivot.agg not in AGGREGATES:
        raise DataError(
            f"unknown pivot agg {q(pivot.agg)}; use one of {', '.join(AGGREGATES)}",
            key="pivot",
        )
    xc = pivot_column(columns, pivot.x, "x", ctx)
    yc = pivot_column(columns, pivot.y, "y", ctx)
    vc = pivot_column(columns, pivot.value, "value", ctx)
    count = pivot.agg == "count"
    xs: dict[str, int] = {}
    ys: dict[str, int] = {}
    cells: dict[tuple[int, int], list[float]] = {}
    for record, where in records:
        x, y = as_label(record[xc]), as_label(record[yc])
        if x is None or y is None:
            continue  # like pandas: a record without a category has no cell
        raw = record[vc]
        # count needs no numbers: it counts the values that are present.
        number = (math.nan if is_missing(raw) else 1.0) if count else as_number(raw)
        if number is None:
            raise DataError(
                f"{ctx.name}: {where}, column {q(columns[vc])}: "
                f"{describe_cell(raw)} is not a number",
                key="data",
            )
        xi = xs.setdefault(x, len(xs))
        yi = ys.setdefault(y, len(ys))
        if len(xs) * len(ys) > ctx.limits.max_cells:
            raise too_many_cells(ctx)
        cells.setdefault((yi, xi), []).append(number)
    if not cells:
        raise DataError(
            f"{ctx.name} has no records with both {q(pivot.x)} and {q(pivot.y)} filled in",
            key="data",
        )
    values = np.full((len(ys), len(xs)), np.nan)
    for (yi, xi), numbers in cells.items():
        values[yi, xi] = aggregate(numbers, pivot.agg)
    return build_matrix(values, list(xs), list(ys), ctx)


def pivot_column(columns: Sequence[str], wanted: str, role: str, ctx: Ctx) -> int:
    wanted = wanted.strip()
    try:
        return list(columns).index(wanted)
    except ValueError:
        raise DataError(
            f"pivot {role}: {ctx.name} has no column {q(wanted)}"
            f"{suggest(wanted, columns)}; its columns are {quoted_list(columns)}",
            key="pivot",
        ) from None


def aggregate(numbers: list[float], agg: str) -> float:
    """Combine one cell's values; missing values are skipped.

    A cell whose values are all missing is NaN (for ``count``: 0), so ``sum``
    of nothing is "no data", not 0.
    """
    present = [v for v in numbers if not math.isnan(v)]
    if agg == "count":
        return float(len(present))
    if not present:
        return math.nan
    if agg == "first" or len(present) == 1:
        return present[0]
    if agg == "min":
        return min(present)
    if agg == "max":
        return max(present)
    array = np.asarray(present, dtype=np.float64)
    # inf - inf and overflow are legitimate NaN/inf results here, not bugs.
    with np.errstate(all="ignore"):
        if agg == "sum":
            return float(np.sum(array))
        if agg == "mean":
            return float(np.mean(array))
        return float(np.median(array))
