"""CSV and TSV files: header, index column, ragged rows, long tables."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from ..errors import DataError
from ..messages import one_line, q
from ..model import DEFAULT_LIMITS, LabelledMatrix, Limits
from .cells import (
    Ctx,
    build_matrix,
    check_cells,
    decode,
    numbered,
    refuse,
    text_missing,
    text_number,
    too_many_cells,
)
from .index import Columns, label_columns
from .paths import Source
from .pivot import pivot_column, pivot_table

if TYPE_CHECKING:
    from ..spec import HeatmapSpec


def facet_values(spec: HeatmapSpec, source: Source, limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """The values of the ``facet`` column of a tidy CSV/TSV, in order of first
    appearance (one panel each)."""
    assert spec.facet is not None
    if source.fmt not in ("csv", "tsv"):
        raise DataError(
            f"'facet' works with tidy CSV or TSV files; {q(spec.data or '')} is {source.fmt}",
            key="facet",
        )
    ctx = Ctx(q(spec.data or ""), "data", limits, source.fmt)
    rows, _lines = read_rows(decode(source.content, ctx), "\t" if source.fmt == "tsv" else ",", ctx)
    if not rows or not spec.header:
        raise DataError(f"'facet' needs a header row naming the columns of {ctx.name}", key="facet")
    try:
        column = pivot_column(rows[0], spec.facet, "facet", ctx)
    except DataError as exc:
        raise DataError(exc.message.replace("pivot facet:", "'facet':"), key="facet") from None
    seen: dict[str, None] = {}
    for row in rows[1:]:
        if column < len(row) and row[column].strip():
            seen.setdefault(row[column].strip(), None)
    if not seen:
        raise DataError(f"{ctx.name}: the facet column {q(spec.facet)} is empty", key="facet")
    return list(seen)


def parse_csv(spec: HeatmapSpec, content: bytes, ctx: Ctx) -> LabelledMatrix:
    return _parse_delimited(spec, content, ctx, ",")


def parse_tsv(spec: HeatmapSpec, content: bytes, ctx: Ctx) -> LabelledMatrix:
    return _parse_delimited(spec, content, ctx, "\t")


def _parse_delimited(spec: HeatmapSpec, content: bytes, ctx: Ctx, delimiter: str) -> LabelledMatrix:
    refuse("key", spec, ctx)
    rows, lines = read_rows(decode(content, ctx), delimiter, ctx)
    if not rows:
        raise DataError(f"{ctx.name} is empty", key="data")
    header: list[str] | None = None
    data, data_lines = rows, lines
    levels = header_levels(rows, spec.index) if spec.header and spec.pivot is None else None
    if levels is not None:
        # pandas' MultiIndex columns: a header row per level (and a row of
        # the index's names), each column's labels joined into one.
        count, labelled, names = levels
        header = [""] * labelled + [
            " / ".join(row[j] for row in rows[:count]) for j in range(labelled, len(rows[0]))
        ]
        del rows[: count + names]
        data_lines = lines[count + names :]
        if not data:
            raise DataError(f"{ctx.name} has header rows but no data rows", key="data")
    elif spec.header:
        # In place, not a slice: the rows' strings are the largest thing a
        # big file becomes, and they are let go of row by row below.
        header, data_lines = rows.pop(0), lines[1:]
        if not data:
            raise DataError(f"{ctx.name} has a header row but no data rows", key="data")
        # R's write.table leaves out the header cell above the row labels.
        if spec.index is not False and all(len(r) == len(header) + 1 for r in data):
            header = ["", *header]
    width = len(header) if header is not None else len(data[0])
    first = f"the header (line {lines[0]})" if header is not None else f"line {lines[0]}"
    same_width(data, data_lines, width, first, ctx)
    if spec.pivot is not None:
        columns = header if header is not None else numbered(width)
        records = ((row, f"line {line}") for row, line in zip(data, data_lines, strict=True))
        if spec.facet is not None and ctx.facet_value is not None:
            fc = pivot_column(columns, spec.facet, "facet", ctx)
            records = ((r, w) for r, w in records if r[fc].strip() == ctx.facet_value)
        return pivot_table(
            columns, records, _text_label, _text_number_of, _text_missing_of, spec.pivot, ctx
        )
    if levels is not None:
        labels = (0, levels[1])
    elif header is not None:
        labels = label_columns(Columns(header, data, _text_number_of, str), spec.index, ctx)
    else:
        index = spec.index
        if index == "auto":
            index = not all(text_number(row[0]) is not None for row in data)
        labels = (0, 1 if index else 0)
    return _delimited_matrix(header, data, data_lines, width, labels, ctx, delimiter)


def same_width(rows: list[list[str]], lines: list[int], width: int, first: str, ctx: Ctx) -> None:
    """Every row has ``width`` cells, as ``first`` (the row that set it) has."""
    for row, line in zip(rows, lines, strict=True):
        if len(row) != width:
            raise DataError(
                f"{ctx.name}: line {line} has {len(row)} cells but {first} has {width}; "
                "every row needs the same number of cells",
                key=ctx.key,
            )


def header_levels(rows: list[list[str]], index: object) -> tuple[int, int, int] | None:
    """pandas' ``to_csv()`` of a frame with a MultiIndex in the columns:
    ``(header rows, label columns, 1 if a row of the index's names follows
    them else 0)``, or None for one header row.

    pandas writes one row per column level, each starting with the level's
    name (or an empty cell) over the index columns; then, when the index has
    names, a row of them over empty cells.  Rows of numbers pass for header
    rows only where that row of names, or a repeated label (the outer level
    of a MultiIndex), says so.
    """
    first = rows[0]
    width = len(first)
    if len(rows) < 3 or width < 2:
        return None
    labelled = 0
    if index is not False:
        labelled = 1
        while labelled < width - 1 and first[labelled] == "":
            labelled += 1
    if any(cell == "" for cell in first[labelled:]):
        return None
    if labelled and first[0] != "" and text_number(first[0]) is not None:
        return None
    if labelled == 1 and index == "auto" and first[0] == first[1]:
        return header_levels(rows, False)  # to_csv(index=False): no level names
    repeats = any(a == b for a, b in pairwise(first[labelled:]))

    def level_row(row: list[str]) -> bool:
        return (
            len(row) == width
            and (not labelled or row[0] == "" or text_number(row[0]) is None)
            and all(cell == "" for cell in row[1:labelled])
            and all(cell != "" for cell in row[labelled:])
        )

    def text(row: list[str]) -> list[bool]:
        return [text_number(cell) is None for cell in row[labelled:]]

    def labels(row: list[str]) -> bool:
        # Text, or whole numbers as pandas writes an integer level: values
        # ("0.5", and "1.0" as matrix_to_csv writes them) are data.
        kinds = text(row)
        return (
            any(kinds)
            if not repeats
            else all(
                is_text or _WHOLE.fullmatch(cell) is not None
                for is_text, cell in zip(kinds, row[labelled:], strict=True)
            )
        )

    if labelled:
        count = 1
        while count < len(rows) and level_row(rows[count]) and labels(rows[count]):
            count += 1
        if count >= 2 and count < len(rows):
            names = rows[count]
            if (
                len(names) == width
                and all(cell == "" for cell in names[labelled:])
                and any(names[:labelled])
                and all(cell == "" or text_number(cell) is None for cell in names[:labelled])
            ):
                return count, labelled, 1

    def unnamed_level_row(row: list[str]) -> bool:
        # Without the row of names, a header row must not pass for data: all
        # text, or under a repeated outer label whole numbers too, in a row
        # with some text or pandas' empty cell for an unnamed level.
        if not level_row(row):
            return False
        empty_name = labelled > 0 and row[0] == ""
        if all(text(row)):
            return repeats or empty_name
        return repeats and labels(row) and (any(text(row)) or empty_name)

    count = 1
    while count < len(rows) and unnamed_level_row(rows[count]):
        count += 1
    return (count, labelled, 0) if count >= 2 else None


_WHOLE = re.compile(r"[+-]?[0-9]+")
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+\Z")


def read_rows(text: str, delimiter: str, ctx: Ctx) -> tuple[list[list[str]], list[int]]:
    """Non-blank rows of stripped cells, with the line each starts on."""
    limit = ctx.limits.max_cells

    def physical_lines() -> Iterator[str]:
        # Lines as csv wants them (\n, \r\n or \r kept), one at a time: a
        # StringIO would hold the whole text again, four bytes a character.
        for match in _LINE.finditer(text):
            line = match[0]
            # One line with more cells than the whole budget cannot fit; stop
            # before the csv module builds a list of millions of strings.
            if line.count(delimiter) > limit:
                raise too_many_cells(ctx)
            yield line

    reader = csv.reader(physical_lines(), delimiter=delimiter, skipinitialspace=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for raw in reader:
            if raw and (len(raw) > 1 or raw[0].strip()):
                rows.append([cell.strip() for cell in raw])
                lines.append(start)
                # A lower bound of the values whatever header/index turn out to
                # be (a lone label column is an error anyway).
                if (len(rows) - 1) * max(len(rows[0]) - 1, 1) > limit:
                    raise too_many_cells(ctx)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataError(
            f"{ctx.name}: line {reader.line_num}: cannot read it as {ctx.fmt.upper()}: "
            f"{one_line(str(exc))}",
            key="data",
        ) from None
    return rows, lines


def _delimited_matrix(
    header: list[str] | None,
    data: list[list[str]],
    data_lines: list[int],
    width: int,
    labels: tuple[int, int],
    ctx: Ctx,
    delimiter: str,
) -> LabelledMatrix:
    start, first = labels
    if width - first == 0:
        raise DataError(
            f"{ctx.name} has no value columns: its only column holds row labels", key="data"
        )
    x_labels = header[first:] if header is not None else numbered(width - first)
    y_labels = [" / ".join(row[start:first]) for row in data] if first else numbered(len(data))
    check_cells(len(data), width - first, ctx)
    values = np.empty((len(data), width - first), dtype=np.float64)
    for i, row in enumerate(data):
        numbers = [text_number(cell) for cell in row[first:]]
        data[i] = []  # this row's text is no longer needed
        if None in numbers:
            j = numbers.index(None)
            cell = row[first + j]
            raise DataError(
                f"{ctx.name}: line {data_lines[i]}, row {q(y_labels[i])}, column "
                f"{q(x_labels[j])}: {q(cell)} is not a number"
                f"{_delimiter_hint(cell, width, delimiter)}",
                key="data",
            )
        values[i] = numbers
    return build_matrix(values, x_labels, y_labels, ctx)


def _delimiter_hint(cell: str, width: int, delimiter: str) -> str:
    if width > 2:
        return ""
    if delimiter == "," and "\t" in cell:
        return " (the values seem to be separated by tabs: set data_format: tsv)"
    if delimiter == "\t" and "," in cell:
        return " (the values seem to be separated by commas: set data_format: csv)"
    if ";" in cell:
        sep = "commas" if delimiter == "," else "tabs"
        return f" (the values seem to be separated by ';'; the file must use {sep})"
    return ""


def _text_label(text: object) -> str | None:
    return str(text) or None


def _text_number_of(text: object) -> float | None:
    return text_number(str(text))


def _text_missing_of(text: object) -> bool:
    return text_missing(str(text))
