"""Matrices made from other matrices: differences (``subtract``), fractions
of sums (``normalize``), clustered orders (``cluster``), triangles without
their empty row and column (``trim_mask``), and a facet's matrix on the whole
table's labels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..errors import DataError, RenderError
from ..keys import MASK_NAMES
from ..messages import q, quoted_list
from ..model import MAX_CLUSTERED, LabelledMatrix, Tree

if TYPE_CHECKING:
    from ..spec import HeatmapSpec


def subtract(matrix: LabelledMatrix, other: LabelledMatrix) -> LabelledMatrix:
    """``matrix`` minus ``other``, cell by cell, matched by labels."""
    rows = _align(matrix.y_labels, other.y_labels, "row")
    cols = _align(matrix.x_labels, other.x_labels, "column")
    values = matrix.values - other.values[np.ix_(rows, cols)]
    return LabelledMatrix(values, matrix.x_labels, matrix.y_labels)


def normalize(matrix: LabelledMatrix, how: str, name: str) -> LabelledMatrix:
    """Each cell divided by the sum of its row (``rows``), of its column
    (``columns``) or of the whole matrix (``all``), as scikit-learn's
    confusion matrices do.

    Missing cells are left out of the sums and stay missing; a row or column
    that sums to 0 has no fractions, so its cells become missing.  Values must
    be >= 0 (counts): with negative ones a sum can be near 0 and its
    "fractions" huge, which is never what a share of a total means.
    """
    values = matrix.values
    with np.errstate(invalid="ignore"):
        negative = np.argwhere(values < 0)
    if negative.size:
        i, j = negative[0]
        raise DataError(
            f"'normalize' divides by sums of counts, but {name}: row {q(matrix.y_labels[i])}, "
            f"column {q(matrix.x_labels[j])} is {values[i, j]:g}; values must be >= 0",
            key="normalize",
        )
    if how == "rows":
        sums = np.nansum(values, axis=1, keepdims=True)
    elif how == "columns":
        sums = np.nansum(values, axis=0, keepdims=True)
    else:
        sums = np.full((1, 1), np.nansum(values))
    fractions = np.full(values.shape, np.nan)
    np.divide(values, sums, out=fractions, where=sums > 0)
    if not np.isfinite(fractions).any():
        whose = {"rows": "every row of", "columns": "every column of"}.get(how, "the cells of")
        raise DataError(
            f"'normalize': {whose} {name} sums to 0, so every cell is missing; nothing to draw",
            key="normalize",
        )
    return LabelledMatrix(fractions, matrix.x_labels, matrix.y_labels)


def triangle(shape: tuple[int, int], mask: str) -> npt.NDArray[np.bool_]:
    """The cells a named ``mask`` hides: ``upper`` or ``lower``, a triangle
    with its diagonal; ``upper_strict`` or ``lower_strict``, without it (a
    causal attention map: ``np.triu(..., k=1)``)."""
    ones = np.ones(shape, dtype=bool)
    strict = 1 if mask.endswith("_strict") else 0
    return np.triu(ones, k=strict) if mask.startswith("upper") else np.tril(ones, k=-strict)


def trim_mask(
    matrix: LabelledMatrix, mask: str
) -> tuple[LabelledMatrix, tuple[tuple[bool, ...], ...]]:
    """The matrix without the rows and columns that ``mask`` hides entirely,
    and the mask of what is left.

    For a square matrix, ``upper`` leaves the first row and the last column
    empty, ``lower`` the last row and the first column.  The mask of the
    smaller matrix is the same cells as before, which is now the triangle
    *without* its diagonal: ``mask: upper`` on it would hide cells that were
    shown, so it is returned as a matrix of its own.
    """
    hidden = triangle(matrix.shape, mask)
    rows = np.flatnonzero(~hidden.all(axis=1))
    cols = np.flatnonzero(~hidden.all(axis=0))
    if rows.size == 0:
        height, width = matrix.shape
        raise DataError(
            f"'trim_mask': mask: {mask} hides every cell of this {height} x {width} matrix, "
            "so nothing is left to draw",
            key="trim_mask",
        )
    trimmed = LabelledMatrix(
        matrix.values[np.ix_(rows, cols)],
        tuple(matrix.x_labels[j] for j in cols),
        tuple(matrix.y_labels[i] for i in rows),
    )
    kept = hidden[np.ix_(rows, cols)]
    return trimmed, tuple(tuple(bool(cell) for cell in row) for row in kept.tolist())


def _align(mine: tuple[str, ...], theirs: tuple[str, ...], what: str) -> list[int]:
    """Where each of the block's labels sits in the subtracted data."""
    for labels, whose in ((mine, "the block's data"), (theirs, "the 'subtract' data")):
        repeated = sorted({label for label in labels if labels.count(label) > 1})
        if repeated:
            raise DataError(
                f"'subtract' matches cells by label, but {whose} has the {what} label "
                f"{repeated[0]!r} more than once",
                key="subtract",
            )
    only_mine = [label for label in mine if label not in theirs]
    only_theirs = [label for label in theirs if label not in mine]
    if only_mine or only_theirs:
        parts = []
        if only_mine:
            parts.append(f"only in the block's data: {quoted_list(only_mine, 5)}")
        if only_theirs:
            parts.append(f"only in the 'subtract' data: {quoted_list(only_theirs, 5)}")
        raise DataError(
            f"'subtract': the {what} labels differ ({'; '.join(parts)})", key="subtract"
        )
    where = {label: n for n, label in enumerate(theirs)}
    return [where[label] for label in mine]


def cluster(
    spec: HeatmapSpec,
    matrix: LabelledMatrix,
    row_blocks: list[list[int]] | None = None,
    col_blocks: list[list[int]] | None = None,
) -> tuple[LabelledMatrix, Tree | None, Tree | None]:
    """Reorder rows and/or columns by hierarchical clustering (SciPy).

    Labels travel with their rows and columns, so the table, the CSV download
    and the alt text all follow the displayed order.  Missing cells take their
    column's mean for the distances only.  Returns the reordered matrix and
    the row and column trees as dendrogram segments in cell coordinates.

    ``row_blocks``/``col_blocks`` (positions per group, ``groups.blocks``)
    keep groups together: each is clustered on its own and they follow one
    another in their order; the tree is then one per group, side by side.
    """
    try:
        from scipy.cluster.hierarchy import dendrogram, linkage
    except ImportError:
        raise DataError(
            "'cluster' needs SciPy; install it with: pip install 'mkdocs-heatmap[cluster]'",
            key="cluster",
        ) from None
    for axis, count in zip(("rows", "columns"), matrix.shape, strict=True):
        if spec.cluster in (axis, "both") and count > MAX_CLUSTERED:
            raise DataError(
                f"'cluster' would order {count:,} {axis}; at most {MAX_CLUSTERED:,} rows or "
                "columns are clustered (its cost grows with the cube of their number)",
                key="cluster",
            )
    values = matrix.values
    with np.errstate(invalid="ignore"):
        means = np.nanmean(np.where(np.isfinite(values), values, np.nan), axis=0)
    filled = np.where(np.isfinite(values), values, np.nan_to_num(means)[np.newaxis, :])

    def tree(data: Any, what: str) -> tuple[list[int], Tree]:
        if len(data) < 2:
            return list(range(len(data))), ()
        try:
            links = linkage(
                data, method=spec.cluster_method, metric=spec.cluster_metric, optimal_ordering=True
            )
        except ValueError as exc:
            raise DataError(
                f"'cluster': cannot cluster the {what} with {spec.cluster_metric} distances "
                f"({' '.join(str(exc).split())[:120]}); try cluster_metric: euclidean",
                key="cluster",
            ) from None
        shape = dendrogram(links, no_plot=True)
        # scipy puts leaf k at 5 + 10 k; cells sit at k.
        segments = tuple(
            tuple((x - 5) / 10 for x in xs) + tuple(float(y) for y in ys)
            for xs, ys in zip(shape["icoord"], shape["dcoord"], strict=True)
        )
        return [int(leaf) for leaf in shape["leaves"]], segments

    def grouped(data: Any, what: str, parts: list[list[int]] | None) -> tuple[list[int], Tree]:
        if parts is None:
            return tree(data, what)
        order: list[int] = []
        segments: list[tuple[float, ...]] = []
        for part in parts:
            leaves, own = tree(data[part], what)
            start = float(len(order))
            segments += [tuple(x + start for x in s[:4]) + tuple(s[4:]) for s in own]
            order += [part[leaf] for leaf in leaves]
        return order, tuple(segments)

    rows, cols = list(range(matrix.shape[0])), list(range(matrix.shape[1]))
    row_tree = col_tree = None
    if spec.cluster in ("rows", "both"):
        rows, row_tree = grouped(filled, "rows", row_blocks)
    if spec.cluster in ("columns", "both"):
        cols, col_tree = grouped(filled.T, "columns", col_blocks)
    ordered = LabelledMatrix(
        values[np.ix_(rows, cols)],
        tuple(matrix.x_labels[j] for j in cols),
        tuple(matrix.y_labels[i] for i in rows),
    )
    return ordered, row_tree or None, col_tree or None


def reindex(matrix: LabelledMatrix, xs: tuple[str, ...], ys: tuple[str, ...]) -> LabelledMatrix:
    """``matrix`` on the labels ``xs`` and ``ys``; cells it lacks are missing."""
    values = np.full((len(ys), len(xs)), np.nan)
    col = {label: j for j, label in enumerate(matrix.x_labels)}
    row = {label: i for i, label in enumerate(matrix.y_labels)}
    for i, y in enumerate(ys):
        for j, x in enumerate(xs):
            if y in row and x in col:
                values[i, j] = matrix.values[row[y], col[x]]
    return LabelledMatrix(values, xs, ys)


def hidden_cells(spec: HeatmapSpec, matrix: LabelledMatrix) -> npt.NDArray[np.bool_]:
    """The cells ``mask`` hides (true), as drawn: alt text and hover leave them out too."""
    rows, cols = matrix.shape
    if spec.mask is None:
        return np.zeros((rows, cols), dtype=bool)
    if isinstance(spec.mask, str) and spec.mask in MASK_NAMES:
        return triangle((rows, cols), spec.mask)
    if not isinstance(spec.mask, tuple):
        # A data source: the pipeline reads it into a matrix before anything draws.
        raise RenderError("'mask': its data file was not read", key="mask")
    mask = np.array(spec.mask, dtype=bool)
    if mask.shape != (rows, cols) or mask.ndim != 2:
        raise RenderError(
            f"'mask' is {len(spec.mask)}x{len(spec.mask[0]) if spec.mask else 0}, "
            f"but the plotted matrix is {rows}x{cols}",
            key="mask",
        )
    return mask


def mask_cells(
    mask: LabelledMatrix, matrix: LabelledMatrix, name: str
) -> tuple[tuple[bool, ...], ...]:
    """A mask read from a data source (``name`` as messages say it), as the
    matrix of true/false ``mask`` holds for ``matrix``: matched by labels
    when the mask has labels of its own (it may cover more rows and columns
    than the matrix shows), else by shape.  Its cells must be true/false or
    0/1."""
    values = mask.values
    bad = np.argwhere(~np.isin(values, (0.0, 1.0)))
    if bad.size:
        i, j = bad[0]
        cell = values[i, j]
        shown = "missing" if np.isnan(cell) else f"{cell:g}"
        raise DataError(
            f"'mask': {name}: row {q(mask.y_labels[i])}, column {q(mask.x_labels[j])} is "
            f"{shown}; a mask holds only true/false or 0/1",
            key="mask",
        )
    hidden = values == 1.0
    rows, cols = matrix.shape
    numbered_x = mask.x_labels == tuple(str(n) for n in range(mask.shape[1]))
    numbered_y = mask.y_labels == tuple(str(n) for n in range(mask.shape[0]))
    if (numbered_x and numbered_y) or (
        mask.x_labels == matrix.x_labels and mask.y_labels == matrix.y_labels
    ):
        if mask.shape != (rows, cols):
            raise DataError(
                f"'mask': {name} is {mask.shape[0]} x {mask.shape[1]}, but the plotted matrix "
                f"is {rows} x {cols}",
                key="mask",
            )
    else:
        picked = [
            label_positions(mine, theirs, what, "mask", name, "a mask with labels is")
            for mine, theirs, what in (
                (matrix.y_labels, mask.y_labels, "row"),
                (matrix.x_labels, mask.x_labels, "column"),
            )
        ]
        hidden = hidden[np.ix_(picked[0], picked[1])]
    return tuple(tuple(bool(cell) for cell in row) for row in hidden.tolist())


def label_positions(
    mine: Sequence[str], theirs: Sequence[str], what: str, key: str, name: str, matched: str
) -> list[int]:
    """Where each of the plotted matrix's row (or column) labels ``mine`` is
    among the labels ``theirs`` of a second source of ``key`` (a mask, cell
    texts), which may have more; a ``DataError`` naming the ones it lacks
    (``matched`` says what is matched by labels: "a mask with labels is")."""
    where = {label: n for n, label in enumerate(theirs)}
    unknown = [label for label in mine if label not in where]
    if unknown:
        extra = [label for label in theirs if label not in set(mine)]
        also = f"; it has {quoted_list(extra, 5)} instead" if extra else ""
        raise DataError(
            f"'{key}': {name} has no {what} {quoted_list(unknown, 5)} of the plotted "
            f"matrix ({matched} matched by them{also})",
            key=key,
        )
    return [where[label] for label in mine]
