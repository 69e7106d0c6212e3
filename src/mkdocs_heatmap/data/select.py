"""The inline matrix, and what a block selects from any matrix: rows and
columns by label, transpose, replacement labels; the CSV download."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..errors import DataError
from ..messages import q, quoted_list, suggest
from ..model import MAX_MAGNITUDE, LabelledMatrix
from .cells import Ctx, FloatArray, build_matrix, check_cells, check_label_lengths, numbered

if TYPE_CHECKING:
    from ..spec import HeatmapSpec


def inline_matrix(
    matrix: Sequence[Sequence[float]],
    ctx: Ctx,
    x_labels: Sequence[str] | None = None,
    y_labels: Sequence[str] | None = None,
) -> LabelledMatrix:
    """The block's ``matrix``; without labels of its own, rows and columns
    are numbered from 0."""
    rows = len(matrix)
    cols = len(matrix[0]) if rows else 0
    if any(len(row) != cols for row in matrix):
        raise DataError("the inline matrix has rows of different lengths", key="matrix")
    check_cells(rows, cols, ctx)
    for labels, count, axis in ((x_labels, cols, "columns"), (y_labels, rows, "rows")):
        if labels is not None and len(labels) != count:
            raise DataError(
                f"the inline matrix has {count} {axis} but {len(labels)} labels for them",
                key="matrix",
            )
    values = np.array(matrix, dtype=np.float64).reshape(rows, cols)
    x = numbered(cols) if x_labels is None else [label.strip() for label in x_labels]
    y = numbered(rows) if y_labels is None else [label.strip() for label in y_labels]
    return build_matrix(values, x, y, ctx)


def select(spec: HeatmapSpec, m: LabelledMatrix, ctx: Ctx) -> LabelledMatrix:
    values = m.values
    x_labels, y_labels = list(m.x_labels), list(m.y_labels)
    if spec.rows is not None:
        picked = _pick(spec.rows, y_labels, "rows", "row", ctx)
        values, y_labels = values[picked, :], [y_labels[i] for i in picked]
    if spec.columns is not None:
        picked = _pick(spec.columns, x_labels, "columns", "column", ctx)
        values, x_labels = values[:, picked], [x_labels[i] for i in picked]
    if spec.transpose:
        values, x_labels, y_labels = values.T, y_labels, x_labels
    rows, cols = values.shape
    after = " after transpose" if spec.transpose else ""
    if spec.x_labels is not None:
        x_labels = _replacement(spec.x_labels, cols, "x_labels", f"columns{after}", ctx)
    if spec.y_labels is not None:
        y_labels = _replacement(spec.y_labels, rows, "y_labels", f"rows{after}", ctx)
    values = np.array(values, dtype=np.float64)
    # One bit pattern for every missing cell: YAML's .nan is a negative NaN,
    # and the cache key hashes the bytes, so `null` and `.nan` would differ.
    values[np.isnan(values)] = np.nan
    _check_values(values, x_labels, y_labels, ctx)
    return build_matrix(values, x_labels, y_labels, ctx)


def _check_values(values: FloatArray, x: Sequence[str], y: Sequence[str], ctx: Ctx) -> None:
    # An infinity has no color, and an all-missing map shows nothing: both are
    # almost always a broken export, so say so instead of drawing gray.
    infinite = np.argwhere(np.isinf(values))
    if infinite.size:
        i, j = infinite[0]
        # The source may have written infinity, or a number no float holds
        # (a 400-digit integer reads as inf too): the message fits both.
        raise DataError(
            f"{ctx.name}: row {q(y[i])}, column {q(x[j])} is {values[i, j]:g} (infinite, "
            "or beyond the ±1.8e308 a float holds); cells must be finite numbers or missing "
            "(leave the cell empty)",
            key=ctx.key,
        )
    if not np.isfinite(values).any():
        raise DataError(
            f"{ctx.name}: every cell of the plotted matrix is missing; nothing to draw",
            key=ctx.key,
        )
    with np.errstate(invalid="ignore"):
        huge = np.argwhere(np.abs(values) > MAX_MAGNITUDE)
    if huge.size:
        i, j = huge[0]
        raise DataError(
            f"{ctx.name}: row {q(y[i])}, column {q(x[j])} is {values[i, j]:.3g}, too large to "
            f"draw; values must lie within ±{MAX_MAGNITUDE:g} (rescale them, e.g. to log10)",
            key=ctx.key,
        )


def _pick(wanted: Sequence[str], labels: Sequence[str], key: str, axis: str, ctx: Ctx) -> list[int]:
    positions: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        positions.setdefault(label, []).append(i)
    picked: list[int] = []
    for label in wanted:
        label = label.strip()
        found = positions.get(label)
        if found is None:
            raise DataError(
                f"'{key}': {q(label)} is not a {axis} label of {ctx.name}"
                f"{suggest(label, list(positions))}; its {axis}s are {quoted_list(labels)}",
                key=key,
            )
        if len(found) > 1:
            raise DataError(
                f"'{key}': {q(label)} labels {len(found)} {axis}s of {ctx.name}; "
                "select by labels only when they are unique",
                key=key,
            )
        picked.append(found[0])
    return picked


def _replacement(labels: Sequence[str], count: int, key: str, axis: str, ctx: Ctx) -> list[str]:
    if len(labels) != count:
        raise DataError(
            f"'{key}' has {len(labels)} labels but the matrix has {count} {axis}", key=key
        )
    stripped = [label.strip() for label in labels]
    check_label_lengths(stripped, f"'{key}': label", key, ctx.limits)
    return stripped


def matrix_to_csv(
    m: LabelledMatrix, texts: tuple[tuple[str | None, ...], ...] | None = None
) -> str:
    """The matrix as the ``download`` CSV (or, given ``texts``, the cell
    texts of ``cell_text`` in the matrix's rows and columns).

    First row: an empty cell, then the column labels; then one row per row
    label: the label, then its values.  Missing cells are empty.  Values are
    written with ``repr(float)``, the shortest text that reads back to the
    same float, so whole numbers appear as ``1.0`` and infinities as ``inf``
    and ``-inf``.  Lines end with ``\\n``.  ``parse_source`` reads the text
    back to the same matrix.
    """
    out = io.StringIO()
    line = io.StringIO()
    # The csv module quotes a field holding '\r' only when '\r' is part of the
    # line terminator, so each row is written with '\r\n' and re-ended.
    writer = csv.writer(line, lineterminator="\r\n")

    def write(row: Iterable[str]) -> None:
        line.seek(0)
        line.truncate()
        writer.writerow(row)
        out.write(line.getvalue()[:-2] + "\n")

    write(["", *m.x_labels])
    if texts is not None:
        for label, written in zip(m.y_labels, texts, strict=True):
            write([label, *(text or "" for text in written)])
        return out.getvalue()
    for label, row in zip(m.y_labels, m.values.tolist(), strict=True):
        write([label, *("" if math.isnan(v) else repr(float(v)) for v in row)])
    return out.getvalue()
