"""Heatmap blocks from Python: notebooks, scripts and other tools.

The same core as the MkDocs plugin (``pipeline.prepare_block``: parse,
validate, load the data, resolve the style; then the renderer's one drawing
entry point, ``render.build_figure``), without a site::

    from mkdocs_heatmap.api import figure, render_spec

    svg = render_spec({"matrix": [[1, 2], [3, 4]], "cmap": "Blues"})
    png = render_spec("data: results/auc.csv\\ntitle: AUC", format="png")
    fig = figure({"matrix": [[1, 2], [3, 4]], "x_labels": ["a", "b"]})

A block is given either as its YAML text (exactly what sits between the fences)
or as a mapping of block keys; in a mapping, NumPy arrays and tuples are
accepted where the block expects lists (``matrix``, ``mask``, labels), and
``matrix`` (and ``subtract``) may be a pandas DataFrame, whose index and
columns are its labels::

    svg = render_spec({"matrix": df, "cmap": "Blues", "rows": ["a", "b"]})

A NumPy ``matrix`` of three or more axes is read as an ``.npy`` file of it
would be: ``slice`` picks a 2-D part, ``facet_axis`` draws one panel per
position along an axis::

    svg = render_spec({"matrix": attn, "facet_axis": 0, "mask": "upper_strict"})

Every problem the caller can fix raises a ``HeatmapError`` subclass
(``SpecError``, ``DataError``, ``RenderError``, ``ConfigError``) with a one-line
message; for YAML text, ``block_line`` is the 0-based line of the key at fault.

Importing this module does not import matplotlib; drawing does.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypeVar, cast

from .errors import (
    OUT_OF_MEMORY,
    DataError,
    HeatmapError,
    HeatmapWarning,
    RenderError,
    SpecError,
    internal_error,
)
from .keys import FloatRows
from .model import OUTPUT_FORMATS, Settings
from .pipeline import Prepared, at_key_line, prepare_block, prepare_spec
from .site import Site
from .spec import validate

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .model import Image

__all__ = ["HeatmapError", "HeatmapWarning", "SpecInput", "figure", "render_spec"]

T = TypeVar("T")
SpecInput: TypeAlias = "str | Mapping[str, Any]"
"""A block: its YAML text, or a mapping of block keys."""

Theme = Literal["light", "dark"]
_THEMES: tuple[Theme, ...] = ("light", "dark")


def render_spec(
    spec: SpecInput,
    *,
    format: str | None = None,
    theme: str = "light",
    style: str | Mapping[str, Any] | None = None,
    base_dir: str | Path | None = None,
) -> bytes:
    """Render one block to image bytes, exactly as the site would draw it.

    ``spec``
        The block: YAML text or a mapping of block keys.
    ``format``
        ``"svg"``, ``"png"``, ``"pdf"`` or ``"eps"``; overrides the block's
        ``format`` key (default: the block's, which defaults to SVG).  PNG is
        drawn at the block's ``dpi`` (96 unless set); PDF and EPS are vector
        files for papers, with no creation date (the same input gives the
        same bytes).
    ``theme``
        ``"light"`` or ``"dark"``: which variant to draw.  Overrides the
        block's ``theme`` key.  A light file is dark ink on white, also for a
        block whose site draws ``theme: auto`` on a transparent background.
    ``style``
        The site style: a built-in name (``default``, ``paper``), a
        ``.mplstyle`` path (relative to ``base_dir``) or a mapping of rcParams.
        The block's own ``style`` key is layered over it.
    ``base_dir``
        The project root (default: the current directory).  ``data`` paths
        are looked up there, and the resolved file must lie inside it.

    Raises a ``HeatmapError`` subclass for anything wrong with the block, its
    data or the style.
    """
    settings = site_settings(style=style, base_dir=base_dir)
    prepared = prepare(spec, settings)
    _tell(prepared)
    return draw(prepared, format=format, theme=theme).content


def _tell(prepared: Prepared) -> None:
    """The block's warning notes as Python warnings (``HeatmapWarning``): a
    choice the block did not spell out, shown once in a notebook."""
    for note in prepared.notes:
        if note.level == "warning":
            warnings.warn(note.message, HeatmapWarning, stacklevel=3)


def _guarded(call: Callable[[], T]) -> T:
    """``call()``, with any exception but a ``HeatmapError`` turned into one:
    callers catch one type for anything a block can cause."""
    try:
        return call()
    except HeatmapError:
        raise
    except MemoryError:
        raise RenderError(OUT_OF_MEMORY) from None
    except Exception as exc:
        raise HeatmapError(internal_error(exc)) from exc


def figure(
    spec: SpecInput,
    *,
    theme: str = "light",
    style: str | Mapping[str, Any] | None = None,
    base_dir: str | Path | None = None,
) -> Figure:
    """The matplotlib ``Figure`` for one block, for display or further editing.

    Arguments as for ``render_spec``; the figure is the one the site draws
    (every panel of a multi-panel block), under the site style, with an Agg
    canvas attached, so ``fig.savefig(...)`` works without pyplot.  Settings
    that matplotlib reads only when saving (``savefig.*``) come from the
    caller's rcParams then; use ``render_spec`` for files byte-identical to
    the site's.
    """
    prepared = prepare(spec, site_settings(style=style, base_dir=base_dir))
    _tell(prepared)
    return _guarded(lambda: _figure(prepared, _variant(prepared, theme)))


def _figure(prepared: Prepared, variant: str) -> Figure:
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from .render import build_figure, precheck, rc_for

    job = prepared.job
    with at_key_line(prepared.spec):
        rc, layout, scene = precheck(prepared.plot, job.rc, variant)
        try:
            with mpl.rc_context(rc_for(rc, variant, transparent=job.transparent)):
                fig = build_figure(prepared.plot, variant=variant, layout=layout, scene=scene)
                # Lay out and draw once under the style, so what would fail
                # when saving (a bad rcParam value, mathtext) fails here.
                FigureCanvasAgg(fig)
                fig.draw_without_rendering()
        except HeatmapError:
            raise
        except Exception as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise RenderError(f"matplotlib could not draw the figure: {reason}") from None
    return fig


# --------------------------------------------------------------------------
# Building blocks, shared with the command line.


def site_settings(
    *, style: str | Mapping[str, Any] | None = None, base_dir: str | Path | None = None
) -> Settings:
    """``Settings`` for drawing outside a site: ``base_dir`` is the project
    root and docs folder (default: the current directory); the style is
    resolved against it and checked as the plugin checks its ``style``
    option (``ConfigError``)."""
    root = Path(base_dir if base_dir is not None else ".").resolve()
    return Site.open({"style": style, "cache": False}, project_root=root, docs_dir=root).settings


def prepare(spec: SpecInput, settings: Settings) -> Prepared:
    """Parse and validate a block (text or mapping), load its data and resolve
    its style, through the pipeline the plugin uses.

    A mapping is validated as it is (no YAML text in between): a NumPy array
    or DataFrame goes into the core as rows of floats, refused before any
    per-cell work when it has more cells than ``max_cells``.  Its errors
    carry the key at fault but no line.
    """
    if isinstance(spec, str):
        return _guarded(lambda: prepare_block(spec, settings))
    if not isinstance(spec, Mapping):
        raise TypeError(
            f"spec must be YAML text or a mapping of block keys, not {type(spec).__name__}"
        )
    _refuse_too_many_cells(spec, settings.limits.max_cells)

    def validated() -> Prepared:
        plain = cast("dict[str, Any]", _plain(_picked(spec, settings)))  # a mapping: a dict
        return prepare_spec(validate({**settings.defaults, **plain}), settings)

    try:
        return _guarded(validated)
    except HeatmapError as exc:
        exc.block_line = None  # a mapping has no lines
        raise


def _picked(spec: Mapping[str, Any], settings: Settings) -> Mapping[str, Any]:
    """A NumPy ``matrix`` of three or more axes as an .npy file of it is
    read: ``slice`` picks a 2-D ``matrix`` from it, ``facet_axis`` makes one
    panel per position (titled from ``panel_titles``, else "axis N = i")."""
    given = spec.get("matrix")
    if _is_frame(given) or getattr(given, "ndim", 0) < 3 or not hasattr(given, "dtype"):
        return spec
    import numpy as np

    from .data.arrays import facet_arrays, facet_titles, picked
    from .data.cells import Ctx

    array = np.asarray(given)

    shown = " x ".join(str(n) for n in array.shape)
    if spec.get("slice") is None and spec.get("facet_axis") is None:
        raise DataError(
            f"the matrix is a {array.ndim}-D array ({shown}); only 1-D and 2-D arrays can be "
            "drawn (pick a 2-D part with 'slice', or one panel per position along an axis "
            "with 'facet_axis')",
            key="matrix",
        )
    if array.dtype.kind not in "biuf":
        raise DataError(f"the matrix holds {array.dtype} values, not real numbers", key="matrix")
    axes = {k: _plain(spec[k]) for k in ("slice", "facet_axis", "panel_titles") if k in spec}
    # The keys checked as for a file of the array (an inline matrix has two axes).
    keys = validate({"data": "matrix.npy", **axes})
    ctx = Ctx("the matrix", "matrix", settings.limits, "npy")
    rest = {k: v for k, v in spec.items() if k not in ("matrix", *axes)}
    if keys.facet_axis is None:
        return {**rest, "matrix": picked(array, keys, ctx, "")}
    parts = facet_arrays(array, keys, ctx, "")
    names = facet_titles(keys, len(parts))
    panels = [{"matrix": part, "title": name} for part, name in zip(parts, names, strict=True)]
    return {**rest, "panels": panels}


def _refuse_too_many_cells(spec: Mapping[str, Any], limit: int) -> None:
    """The arrays a mapping's ``matrix`` (and its panels') hold, counted
    before they are read: over ``limit`` is the data step's message."""
    arrays = [spec.get("matrix")]
    panels = spec.get("panels")
    if isinstance(panels, (list, tuple)):
        arrays += [p.get("matrix") for p in panels if isinstance(p, Mapping)]
    used = 0
    for array in arrays:
        shape = getattr(array, "shape", None)
        if not isinstance(shape, tuple) or len(shape) != 2 or isinstance(array, (str, bytes)):
            continue
        rows, cols = (int(n) for n in shape)
        used += rows * cols
        if used > limit:
            raise DataError(
                f"the inline matrix has {rows:,} x {cols:,} = {rows * cols:,} cells, "
                f"over the limit of {limit:,}",
                key="matrix",
            )


def draw(prepared: Prepared, *, format: str | None = None, theme: str | None = None) -> Image:
    """Render a prepared block to one image file, as the site's renderer does.

    ``format`` (``svg``, ``png``, ``pdf``, ``eps``) overrides the block's;
    ``theme`` (``light`` or ``dark``) picks the variant, by default the
    first the site would draw (the block's theme, else the site's; ``auto``
    draws light first).  The file has its own background: white for light.
    """
    fmt = _checked(format, OUTPUT_FORMATS, "format") if format else prepared.spec.format
    variant = _variant(prepared, theme)
    return _guarded(lambda: prepared.job.one(fmt, variant))


def _variant(prepared: Prepared, theme: str | None) -> str:
    if theme is None:
        return prepared.job.variants[0]
    return str(_checked(theme, _THEMES, "theme"))


def _checked(value: str, allowed: tuple[str, ...], key: str) -> Any:
    if value not in allowed:
        raise SpecError(f"'{key}' must be one of {', '.join(allowed)}, got {value!r}", key=key)
    return value


def _plain(value: object) -> object:
    """NumPy arrays and scalars, tuples, mappings and pandas DataFrames as
    plain YAML data.  A DataFrame as a ``matrix`` keeps its labels, as a data
    file would (``rows``, ``columns`` and ``subtract`` match by them)."""
    if isinstance(value, Mapping):
        out: dict[str, object] = {}
        for key, item in value.items():
            if key == "matrix" and _is_frame(item):
                out[str(key)] = _labelled(item)
            elif key == "subtract" and _is_frame(item):
                out[str(key)] = {"matrix": _labelled(item)}
            elif key == "cell_text" and _is_frame(item):
                # Texts keep the frame's labels: matched by them, not by shape.
                out[str(key)] = {
                    "values": _plain(item.to_numpy()),
                    "x_labels": _frame_labels(item.columns),
                    "y_labels": _frame_labels(item.index),
                }
            elif key in ("row_groups", "col_groups") and _is_series(item):
                # A pandas Series of groups by label, as a samples table's column is.
                out[str(key)] = {_frame_label(k): _plain(v) for k, v in item.items()}
            else:
                out[str(key)] = _plain(item)
        return out
    if _is_frame(value):  # elsewhere than `matrix`, such as a boolean `mask`
        return _plain(value.to_numpy())  # type: ignore[attr-defined]
    if _numeric_array(value):
        return FloatRows.of(value)
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and not isinstance(value, (str, bytes)):
        value = tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return _plain(value)
    return value


def _numeric_array(value: object) -> bool:
    """A 2-D NumPy array of numbers (not of booleans: a ``mask``)."""
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    return kind in ("i", "u", "f") and getattr(value, "ndim", None) == 2


def _is_series(value: object) -> bool:
    return type(value).__module__.startswith("pandas") and type(value).__name__ == "Series"


def _is_frame(value: object) -> bool:
    """A pandas DataFrame, told without importing pandas (not a dependency)."""
    return type(value).__module__.startswith("pandas") and all(
        hasattr(value, name) for name in ("index", "columns", "to_numpy", "dtypes")
    )


def _labelled(frame: Any) -> dict[str, object]:
    """A DataFrame as a labelled inline matrix: its values, and its columns
    and index as labels, written as the data loaders write them (a MultiIndex
    level by level, joined with " / ")."""
    return {
        "values": _frame_rows(frame),
        "x_labels": _frame_labels(frame.columns),
        "y_labels": _frame_labels(frame.index),
    }


def _frame_rows(frame: Any) -> FloatRows:
    import numpy as np

    for column, dtype in frame.dtypes.items():
        # Numbers only, as in the block's own `matrix`: true/false is not one.
        kind = getattr(dtype, "kind", "O")
        if kind == "b":
            raise SpecError(
                f"'matrix': the DataFrame's column {_frame_label(column)!r} holds true/false "
                "values, not numbers; convert them first, e.g. df.astype(float)",
                key="matrix",
            )
        if kind not in "iuf":
            raise SpecError(
                f"'matrix': the DataFrame's column {_frame_label(column)!r} holds {dtype} "
                "values, not numbers; select the numeric columns, e.g. "
                "df.select_dtypes('number')",
                key="matrix",
            )
    values = np.asarray(frame.to_numpy(dtype="float64", na_value=np.nan), dtype=np.float64)
    return FloatRows.of(values)


def _frame_labels(index: Any) -> list[str]:
    return [_frame_label(label) for label in index.tolist()]


def _frame_label(label: object) -> str:
    from datetime import datetime, time

    # The data loaders' rules (whole floats without ".0", MultiIndex tuples
    # joined), so a frame and the CSV it was saved to give the same labels.
    from .data.cells import Ctx, value_label
    from .model import DEFAULT_LIMITS

    if isinstance(label, tuple):
        label = list(label)
    if isinstance(label, datetime) and label.tzinfo is None and label.time() == time():
        label = label.date().isoformat()  # as pandas writes a day's dates to CSV
    if not isinstance(label, (str, int, float, bool, list)) and label is not None:
        label = str(label)  # dates, categories: as pandas prints them
    return value_label(label, Ctx("the DataFrame", "matrix", DEFAULT_LIMITS, "matrix"), "label")
