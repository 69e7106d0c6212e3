"""``cell_text``: the texts written in the cells, from a second source.

A table of texts rarely says which of its rows and columns are labels the
way a table of numbers does (a column of text is the index of a table of
numbers, but every column of "0.82 ± 0.03" is text).  So a CSV or TSV of
texts is read as a grid of cells and told apart against the matrix it
labels: a first row holding the matrix's column labels is the header, a
first column holding its row labels is the index (pandas' ``to_csv()``
writes both); without them the grid must have the matrix's shape.  A
mapping with ``header`` or ``index`` says so itself.  Other formats (JSON,
YAML, NPY, NPZ) are read as the data is, so they hold numbers: counts, or
p-values to be written with ``fmt``.

Texts are matched to the matrix as it was read (before ``normalize``,
``subtract``, ``cluster`` and ``trim_mask``), then follow its rows and
columns by their labels wherever those steps move them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import DataError
from ..messages import q
from ..model import MISSING, LabelledMatrix, Limits, TextTable
from ..numbers import cell_fmt, format_value, message_number
from .cells import Ctx, decode, numbered, text_number
from .delimited import read_rows, same_width
from .derive import label_positions

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ..spec import HeatmapSpec
    from .paths import Source

TextCell = str | float | None
Texts = tuple[tuple[str | None, ...], ...]
KEY = "cell_text"


@dataclass(frozen=True)
class Grid:
    """A CSV or TSV of texts as written: rows of cells, header and index not
    yet told apart (``header``/``index``: what the block says, None: auto)."""

    rows: list[list[TextCell]]
    lines: list[int]
    header: bool | None
    index: bool | None


def read_texts(
    spec: HeatmapSpec, source: Source | None, limits: Limits, name: str
) -> TextTable | Grid:
    """The texts of ``spec.cell_text``; ``spec`` is the texts' own source
    spec for a file (``spec.text_spec``), ``source`` the file as read."""
    from .load import parse_source

    own = spec.cell_text if source is None else None
    if isinstance(own, TextTable):
        return own
    assert source is not None
    if source.fmt in ("csv", "tsv"):
        ctx = Ctx(name, KEY, limits, source.fmt)
        rows, lines = read_rows(
            decode(source.content, ctx), "," if source.fmt == "csv" else "\t", ctx
        )
        if not rows:
            raise DataError(f"{name} holds no texts", key=KEY)
        same_width(rows, lines, len(rows[0]), f"line {lines[0]}", ctx)
        told = {
            k: None if spec.line_of(k) is None else getattr(spec, k) for k in ("header", "index")
        }
        index = told["index"]
        return Grid(
            [[_cell(cell) for cell in row] for row in rows],
            lines,
            told["header"],
            None if index == "auto" else index,
        )
    matrix = parse_source(spec, source, limits)
    labelled = not (_numbered(matrix.x_labels) and _numbered(matrix.y_labels))
    cells = tuple(
        tuple(None if not math.isfinite(v) else float(v) for v in row)
        for row in matrix.values.tolist()
    )
    if labelled:
        return TextTable(cells, matrix.x_labels, matrix.y_labels)
    return TextTable(cells)


def _cell(text: str) -> TextCell:
    if not text or text.lower() in MISSING:
        return None
    number = text_number(text)
    return text if number is None or math.isnan(number) else number


def _numbered(labels: Sequence[str]) -> bool:
    return tuple(labels) == tuple(numbered(len(labels)))


def match_texts(
    texts: TextTable | Grid, matrix: LabelledMatrix, name: str
) -> tuple[tuple[TextCell, ...], ...]:
    """The texts of each cell of ``matrix`` (as read), row by row."""
    table = texts if isinstance(texts, TextTable) else _told_apart(texts, matrix, name)
    rows, cols = matrix.shape
    if table.x_labels is None and table.y_labels is None:
        _same_shape(table, matrix, name)
        return table.cells
    picked_rows = _positions(table.y_labels, matrix.y_labels, "row", name)
    picked_cols = _positions(table.x_labels, matrix.x_labels, "column", name)
    if (picked_rows is None and len(table.cells) != rows) or (
        picked_cols is None and len(table.cells[0]) != cols
    ):
        _same_shape(table, matrix, name)
    return tuple(
        tuple(table.cells[i][j] for j in (picked_cols or range(cols)))
        for i in (picked_rows or range(rows))
    )


def _told_apart(grid: Grid, matrix: LabelledMatrix, name: str) -> TextTable:
    """The grid as a table: a header row where its first row holds the
    matrix's column labels, or where the grid has one row more than the
    matrix; a label column likewise (unless the block says which).  Labels
    the matrix does not have (it has none of its own: 0, 1, ...) are not
    matched by."""
    rows, cols = matrix.shape
    first = grid.rows[0]

    def has(cells: Sequence[TextCell], labels: Sequence[str]) -> bool:
        written = {_label(cell) for cell in cells}
        return all(label in written for label in labels)

    header = grid.header
    if header is None:
        header = has(first, matrix.x_labels) or len(grid.rows) == rows + 1
    body = grid.rows[1:] if header else grid.rows
    index = grid.index
    if index is None:
        index = bool(body) and (
            has([row[0] for row in body], matrix.y_labels) or len(first) == cols + 1
        )
    start = 1 if index else 0
    if not body or len(first) <= start:
        raise DataError(f"'cell_text': {name} holds no texts besides its labels", key=KEY)
    x_labels = None
    if header and not _numbered(matrix.x_labels):
        x_labels = tuple(_label(cell) for cell in first[start:])
    y_labels = None
    if index and not _numbered(matrix.y_labels):
        y_labels = tuple(_label(row[0]) for row in body)
    return TextTable(tuple(tuple(row[start:]) for row in body), x_labels, y_labels)


def _label(cell: TextCell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    return cell


def _positions(
    theirs: tuple[str, ...] | None, mine: tuple[str, ...], what: str, name: str
) -> list[int] | None:
    """Where each of the matrix's rows (or columns) is in the texts, by
    label; None when the texts have no labels on that axis."""
    if theirs is None:
        return None
    return label_positions(mine, theirs, what, KEY, name, "texts with labels are")


def _same_shape(table: TextTable, matrix: LabelledMatrix, name: str) -> None:
    rows, cols = matrix.shape
    have = (len(table.cells), len(table.cells[0]))
    if have != (rows, cols):
        raise DataError(
            f"'cell_text': {name} has {have[0]} x {have[1]} texts, but the matrix is "
            f"{rows} x {cols}; texts without the matrix's row and column labels are "
            "matched by shape",
            key=KEY,
        )


def follow(
    texts: tuple[tuple[TextCell, ...], ...], read: LabelledMatrix, drawn: LabelledMatrix
) -> tuple[tuple[TextCell, ...], ...]:
    """``texts`` of the matrix as ``read``, for its rows and columns as
    ``drawn`` (reordered by ``cluster``, trimmed, matched by ``subtract``)."""
    rows = _follow_axis(read.y_labels, drawn.y_labels, "row")
    cols = _follow_axis(read.x_labels, drawn.x_labels, "column")
    if rows is None and cols is None:
        return texts
    return tuple(
        tuple(texts[i][j] for j in (cols if cols is not None else range(len(texts[0]))))
        for i in (rows if rows is not None else range(len(texts)))
    )


def _follow_axis(before: tuple[str, ...], after: tuple[str, ...], what: str) -> list[int] | None:
    if before == after:
        return None
    where: dict[str, int] = {}
    for n, label in enumerate(before):
        if label in where:
            raise DataError(
                f"'cell_text' cannot follow the {what}s as they are reordered: the {what} "
                f"label {q(label)} appears twice",
                key=KEY,
            )
        where[label] = n
    return [where[label] for label in after]


def written(texts: tuple[tuple[TextCell, ...], ...], fmt: str | None) -> Texts:
    """Each text as the cell writes it: numbers with ``fmt`` (else the
    automatic format of the texts' numbers)."""
    import numpy as np

    numbers: npt.NDArray[np.float64] = np.array(
        [cell for row in texts for cell in row if isinstance(cell, float)] or [0.0]
    )
    chosen = cell_fmt(fmt, numbers.reshape(1, -1))

    def one(cell: TextCell) -> str | None:
        if not isinstance(cell, float):
            return cell
        try:
            return format_value(cell, chosen)
        except (ValueError, OverflowError, TypeError):
            raise DataError(
                f"'fmt' {chosen!r} cannot format {message_number(cell)} in 'cell_text'; "
                "use e.g. .0f for rounded values",
                key="fmt",
            ) from None

    return tuple(tuple(one(cell) for cell in row) for row in texts)
