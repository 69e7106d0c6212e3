"""A read source (or the inline matrix) -> the matrix a block plots."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from ..errors import DataError
from ..messages import one_line, q
from ..model import DATA_FORMATS, DEFAULT_LIMITS, DataRoots, InlineMatrix, LabelledMatrix, Limits
from .arrays import array_matrix, facet_arrays, load_array, parse_npy, parse_npz
from .cells import Ctx
from .delimited import parse_csv, parse_tsv
from .paths import Source, read_source
from .select import inline_matrix, select
from .structured import parse_json, parse_yaml

if TYPE_CHECKING:
    from ..spec import HeatmapSpec


PARSERS: Mapping[str, Callable[[HeatmapSpec, bytes, Ctx], LabelledMatrix]] = {
    "csv": parse_csv,
    "tsv": parse_tsv,
    "json": parse_json,
    "yaml": parse_yaml,
    "npy": parse_npy,
    "npz": parse_npz,
}


def parse_source(
    spec: HeatmapSpec,
    source: Source | None,
    limits: Limits = DEFAULT_LIMITS,
    *,
    facet_value: str | None = None,
) -> LabelledMatrix:
    """Turn a read data file (or the inline ``matrix`` when ``source`` is None)
    into the matrix to plot, after pivot, selection, transpose and labels;
    ``facet_value`` keeps only that facet's records of a tidy table."""
    if source is None:
        if spec.matrix is None:
            raise DataError("the block needs 'data' (a file) or 'matrix' (inline rows)", key="data")
        ctx = Ctx("the inline matrix", "matrix", limits, "matrix")
        if isinstance(spec.matrix, InlineMatrix):
            own = spec.matrix
            base = inline_matrix(own.values, ctx, own.x_labels, own.y_labels)
        else:
            base = inline_matrix(spec.matrix, ctx)
    else:
        name = one_line(spec.data if spec.data is not None else source.path.name)
        ctx = Ctx(name, "data", limits, source.fmt, facet_value)
        parser = PARSERS.get(source.fmt)
        _refuse_axes(spec, ctx)
        if parser is None:
            raise DataError(
                f"{name}: unknown data format {q(source.fmt)}; "
                f"data_format is one of {', '.join(DATA_FORMATS)}",
                key="data_format",
            )
        base = parser(spec, source.content, ctx)
    return select(spec, base, ctx)


def _refuse_axes(spec: HeatmapSpec, ctx: Ctx) -> None:
    """``slice`` and ``facet_axis`` pick from arrays of more than two axes."""
    for key in ("slice", "facet_axis"):
        if getattr(spec, key) is not None and ctx.fmt not in ("npy", "npz"):
            raise DataError(
                f"'{key}' picks from an array of more than two axes (a .npy or .npz file); "
                f"{ctx.name} is a {ctx.fmt.upper()} file, which has two",
                key=key,
            )


def parse_axis_facets(
    spec: HeatmapSpec, source: Source, limits: Limits = DEFAULT_LIMITS
) -> list[LabelledMatrix]:
    """One matrix per position along ``facet_axis`` of the block's array, each
    after ``rows``, ``columns``, ``transpose`` and labels."""
    name = one_line(spec.data if spec.data is not None else source.path.name)
    ctx = Ctx(name, "data", limits, source.fmt)
    _refuse_axes(spec, ctx)
    array, what = load_array(spec, source.content, ctx)
    return [
        select(spec, array_matrix(part, ctx, what), ctx)
        for part in facet_arrays(array, spec, ctx, what)
    ]


def load_matrix(
    spec: HeatmapSpec, roots: DataRoots, limits: Limits = DEFAULT_LIMITS
) -> LabelledMatrix:
    """``read_source`` then ``parse_source``."""
    return parse_source(spec, read_source(spec, roots, limits), limits)
