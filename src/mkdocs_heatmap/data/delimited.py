"""CSV and TSV files: header, index column, ragged rows, long tables."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
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
    if spec.header:
        # In place, not a slice: the rows' strings are the largest thing a
        # big file becomes, and they are let go of row by row below.
        header, data_lines = rows.pop(0), lines[1:]
        if not data:
            raise DataError(f"{ctx.name} has a header row but no data rows", key="data")
        # R's write.table leaves out the header cell above the row labels.
        if spec.index is not False and all(len(r) == len(header) + 1 for r in data):
            header = ["", *header]
    width = len(header) if header is not None else len(data[0])
    for row, line in zip(data, data_lines, strict=True):
        if len(row) != width:
            first = f"the header (line {lines[0]})" if header is not None else f"line {lines[0]}"
            raise DataError(
                f"{ctx.name}: line {line} has {len(row)} cells but {first} has {width}; "
                "every row needs the same number of cells",
                key="data",
            )
    if spec.pivot is not None:
        columns = header if header is not None else numbered(width)
        records = ((row, f"line {line}") for row, line in zip(data, data_lines, strict=True))
        if spec.facet is not None and ctx.facet_value is not None:
            fc = pivot_column(columns, spec.facet, "facet", ctx)
            records = ((r, w) for r, w in records if r[fc].strip() == ctx.facet_value)
        return pivot_table(
            columns, records, _text_label, _text_number_of, _text_missing_of, spec.pivot, ctx
        )
    return _delimited_matrix(spec, header, data, data_lines, width, ctx, delimiter)


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
    spec: HeatmapSpec,
    header: list[str] | None,
    data: list[list[str]],
    data_lines: list[int],
    width: int,
    ctx: Ctx,
    delimiter: str,
) -> LabelledMatrix:
    index = spec.index
    if index == "auto":
        index = (header is not None and header[0] == "") or not all(
            text_number(row[0]) is not None for row in data
        )
    first = 1 if index else 0
    if width - first == 0:
        raise DataError(
            f"{ctx.name} has no value columns: its only column holds row labels", key="data"
        )
    x_labels = header[first:] if header is not None else numbered(width - first)
    y_labels = [row[0] for row in data] if index else numbered(len(data))
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
