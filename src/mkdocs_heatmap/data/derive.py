"""Matrices made from other matrices: differences (``subtract``), clustered
orders (``cluster``), and a facet's matrix on the whole table's labels."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DataError
from ..messages import quoted_list
from ..model import MAX_CLUSTERED, LabelledMatrix, Tree

if TYPE_CHECKING:
    from ..spec import HeatmapSpec


def subtract(matrix: LabelledMatrix, other: LabelledMatrix) -> LabelledMatrix:
    """``matrix`` minus ``other``, cell by cell, matched by labels."""
    rows = _align(matrix.y_labels, other.y_labels, "row")
    cols = _align(matrix.x_labels, other.x_labels, "column")
    values = matrix.values - other.values[np.ix_(rows, cols)]
    return LabelledMatrix(values, matrix.x_labels, matrix.y_labels)


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
    spec: HeatmapSpec, matrix: LabelledMatrix
) -> tuple[LabelledMatrix, Tree | None, Tree | None]:
    """Reorder rows and/or columns by hierarchical clustering (SciPy).

    Labels travel with their rows and columns, so the table, the CSV download
    and the alt text all follow the displayed order.  Missing cells take their
    column's mean for the distances only.  Returns the reordered matrix and
    the row and column trees as dendrogram segments in cell coordinates.
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

    rows, cols = list(range(matrix.shape[0])), list(range(matrix.shape[1]))
    row_tree = col_tree = None
    if spec.cluster in ("rows", "both"):
        rows, row_tree = tree(filled, "rows")
    if spec.cluster in ("columns", "both"):
        cols, col_tree = tree(filled.T, "columns")
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
