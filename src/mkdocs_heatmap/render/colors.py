"""Each panel's colors, norm and cell texts, computed once per variant.

Cells are colored here (colormap, norm, missing and masked cells) as one
RGBA array; the colorbar gets the norm and colormap.  That keeps the
missing-cell color, the mask and the colormap independent.

A ``Scene`` is a figure in one variant as it will be drawn: each panel with
the keys it is drawn with (a grid's shared color scale filled in, axis
titles the grid shows once taken out), its colors and its cell texts, and
the grid's shared scale.  The checks before drawing, the layout and the
drawing all read the one scene of a variant.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..colormaps import colormap_problem
from ..data.derive import hidden_cells
from ..errors import RenderError
from ..model import LabelledMatrix, Panel, Plot
from ..numbers import cell_fmt, format_value, message_number
from ..spec import HeatmapSpec

if TYPE_CHECKING:
    from matplotlib.colors import Colormap, Normalize

DEFAULT_DIVERGING = "RdBu_r"
# Missing cells: a neutral gray with a faint hatch, so they never read as a
# colormap value (the ends of Greys, Blues, ... are white, black or tinted).
NAN_COLOR = {"light": "#d9d9d9", "dark": "#4d4d4d"}
ANNOTATE_AUTO_LIMIT = 1_000
MAX_ANNOTATED = 2_500  # cells `annotate: true` may write a value into
# Keys that set a panel's color scale: panels that leave them as the block
# has them share one scale and one colorbar.
SCALE_KEYS = ("cmap", "vmin", "vmax", "robust", "center", "norm")
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


# --------------------------------------------------------------------------
# Colors: norm, colormap, cell RGBA.


@dataclass(frozen=True)
class Colors:
    cmap: Colormap
    norm: Normalize
    rgba: npt.NDArray[np.float64]  # rows x cols x 4
    hidden: BoolArray  # masked by `mask`
    missing: BoolArray  # NaN / inf and not hidden
    extend: str


def cell_colors(spec: HeatmapSpec, matrix: LabelledMatrix, variant: str = "light") -> Colors:
    """Every cell's RGBA after colormap, norm, missing cells and mask."""
    from matplotlib.colors import to_rgba

    values = matrix.values
    hidden = hidden_cells(spec, matrix)
    finite = np.isfinite(values)
    missing = ~finite & ~hidden
    visible = values[finite & ~hidden]
    cmap = colormap(spec, variant)
    norm = _norm(spec, matrix, visible, finite & ~hidden)
    with np.errstate(invalid="ignore", divide="ignore"):
        rgba = np.asarray(cmap(norm(np.where(finite, values, np.nan))), dtype=np.float64)
    rgba[missing] = to_rgba(spec.nan_color or NAN_COLOR[variant])
    rgba[hidden] = (0.0, 0.0, 0.0, 0.0)
    lo, hi = float(norm.vmin or 0.0), float(norm.vmax or 0.0)
    below = bool(visible.size and visible.min() < lo - 1e-12 * max(1.0, abs(lo)))
    above = bool(visible.size and visible.max() > hi + 1e-12 * max(1.0, abs(hi)))
    extend = {(False, False): "neither", (True, False): "min", (False, True): "max"}.get(
        (below, above), "both"
    )
    return Colors(cmap, norm, rgba, hidden, missing, extend)


def limits(spec: HeatmapSpec, visible: FloatArray) -> tuple[float, float]:
    """The ends of the color scale: the norm's ``vmin`` and ``vmax``."""
    if visible.size == 0:
        lo, hi = 0.0, 1.0
    elif spec.robust:
        lo, hi = (float(v) for v in np.percentile(visible, [2, 98]))
    else:
        lo, hi = float(visible.min()), float(visible.max())
    vmin = spec.vmin if spec.vmin is not None else lo
    vmax = spec.vmax if spec.vmax is not None else hi
    if spec.center is not None:
        c = spec.center
        if spec.vmin is None or spec.vmax is None:
            reach = max(abs(vmax - c), abs(c - vmin)) or 1.0
            return c - reach, c + reach
        return vmin, vmax
    if vmin >= vmax:
        # A constant matrix, or one explicit limit past the data: widen so the
        # colorbar still has a range, on the side the block left open.
        if spec.vmin is None:
            vmin = vmax - (abs(vmax) * 0.5 or 1.0)
        else:
            vmax = vmin + (abs(vmin) * 0.5 or 1.0)
    return vmin, vmax


def check_norm(
    spec: HeatmapSpec, matrix: LabelledMatrix, visible: FloatArray, shown: BoolArray, vmin: float
) -> None:
    """What the block's ``norm`` refuses in the cells it shows (``shown``,
    their values ``visible``) and in the scale's bottom end ``vmin``."""
    if spec.center is not None and spec.vmin is not None and spec.vmax is not None:
        return  # a two-slope norm, whatever `norm` says
    if spec.norm == "log":
        bad = np.argwhere(shown & (matrix.values <= 0))
        if bad.size:
            i, j = bad[0]
            raise RenderError(
                f"'norm: log' needs positive values, but row {matrix.y_labels[i]!r}, "
                f"column {matrix.x_labels[j]!r} is {message_number(matrix.values[i, j])} "
                "(use norm: symlog, or select positive rows/columns)",
                key="norm",
            )
        if vmin <= 0:
            raise RenderError(f"'norm: log' needs vmin > 0, got {message_number(vmin)}", key="vmin")
    if spec.norm == "sqrt" and ((visible.size and visible.min() < 0) or vmin < 0):
        raise RenderError(
            "'norm: sqrt' needs values >= 0 (use norm: symlog for signed data)", key="norm"
        )


def _norm(
    spec: HeatmapSpec, matrix: LabelledMatrix, visible: FloatArray, shown: BoolArray
) -> Normalize:
    from matplotlib.colors import LogNorm, Normalize, PowerNorm, SymLogNorm, TwoSlopeNorm

    vmin, vmax = limits(spec, visible)
    check_norm(spec, matrix, visible, shown, vmin)
    if spec.center is not None and spec.vmin is not None and spec.vmax is not None:
        return TwoSlopeNorm(vcenter=spec.center, vmin=vmin, vmax=vmax)
    if spec.norm == "log":
        return LogNorm(vmin=vmin, vmax=vmax)
    if spec.norm == "sqrt":
        return PowerNorm(gamma=0.5, vmin=vmin, vmax=vmax)
    if spec.norm == "symlog":
        magnitudes = np.abs(visible[visible != 0])
        top = max(abs(vmin), abs(vmax), 1e-300)
        linthresh = float(max(magnitudes.min(), top * 1e-3)) if magnitudes.size else 1.0
        return SymLogNorm(linthresh=linthresh, vmin=vmin, vmax=vmax, base=10)
    return Normalize(vmin=vmin, vmax=vmax)


def colormap(spec: HeatmapSpec, variant: str = "light") -> Colormap:
    """The block's colormap (a diverging one around a ``center``); call under
    the style, whose ``image.cmap`` is the default."""
    import matplotlib as mpl

    default = DEFAULT_DIVERGING if spec.center is not None else mpl.rcParams["image.cmap"]
    name = spec.cmap or default
    problem = colormap_problem(name)
    if problem is not None:
        raise RenderError(problem, key="cmap")
    cmap: Colormap = mpl.colormaps[name]
    return cmap


def group_colors(count: int, start: int = 0) -> list[tuple[float, float, float, float]]:
    """The colors of ``count`` groups in the groups' order, from the
    ``start``-th on: tab10's ten, then tab20's lighter partner of each,
    then round again.  The k-th group has the same color however many groups
    there are; column groups start after the row groups', so no color means
    both a row group and a column group."""
    import matplotlib as mpl

    pairs = mpl.colormaps["tab20"]
    colors = []
    for k in range(start, start + count):
        r, g, b, a = pairs(2 * (k % 10) + (k // 10) % 2)
        colors.append((float(r), float(g), float(b), float(a)))
    return colors


def relative_luminance(rgb: Any) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(float(c)) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: float, b: float) -> float:
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


def contrast_ink(rgba: Any) -> str:
    """Black or white, whichever has the larger WCAG contrast with the cell."""
    lum = relative_luminance(rgba)
    return "black" if contrast_ratio(lum, 0.0) >= contrast_ratio(lum, 1.0) else "white"


def highlight_cells(
    kinds: tuple[str, ...], values: FloatArray, hidden: BoolArray
) -> list[tuple[int, int]]:
    """Cells to outline, ties included, missing and masked cells never."""
    usable = np.where(np.isfinite(values) & ~hidden, values, np.nan)
    found: set[tuple[int, int]] = set()
    for kind in kinds:
        if not np.isfinite(usable).any():
            break
        pick = np.nanmax if kind.endswith("max") else np.nanmin
        if kind in ("max", "min"):
            target = pick(usable)
            found.update((int(i), int(j)) for i, j in np.argwhere(usable == target))
            continue
        axis = 1 if kind.startswith("row") else 0
        with np.errstate(invalid="ignore"):
            has: BoolArray = np.asarray(np.isfinite(usable).any(axis=axis))
            best = pick(np.where(np.isfinite(usable), usable, np.nan), axis=axis, keepdims=True)
        hits = np.argwhere(usable == best)
        found.update((int(i), int(j)) for i, j in hits if has[i if axis == 1 else j])
    return sorted(found)


# --------------------------------------------------------------------------
# Cell text.


@dataclass(frozen=True)
class Annotations:
    cells: list[tuple[int, int, str, Any]]  # (row, column, text, color)
    # The block asks for them (annotate: true, or a fmt): text shrinks to fit
    # rather than being left out.
    required: bool


def annotate_cells(
    spec: HeatmapSpec,
    matrix: LabelledMatrix,
    colors: Colors,
    texts: tuple[tuple[str | None, ...], ...] | None = None,
) -> Annotations | None:
    """Cell texts, when the block wants them: ``annotate: true``; a ``fmt``
    or ``cell_text`` with ``annotate: auto`` (asking for a format or for
    texts asks for them); or ``auto`` alone, when they fit (the layout
    decides).  ``texts`` (``cell_text``) replace the values' own texts."""
    if spec.annotate is False:
        return None
    rows, cols = matrix.shape
    asked = spec.annotate is True or texts is not None
    if not asked and rows * cols > ANNOTATE_AUTO_LIMIT:
        return None
    if asked and rows * cols > MAX_ANNOTATED:
        key = "annotate" if texts is None else "cell_text"
        raise RenderError(
            f"'{key}' would write {rows * cols:,} texts into cells; at most "
            f"{MAX_ANNOTATED:,} cells are annotated (select rows and columns"
            f"{', or use annotate: auto' if texts is None else ''})",
            key=key,
        )
    shown = ~colors.hidden & ~colors.missing
    if texts is not None:
        # A cell with no value may still have a text to show ("n.d.").
        shown = ~colors.hidden
    fmt = cell_fmt(spec.fmt, matrix.values) if texts is None else ""
    cells: list[tuple[int, int, str, Any]] = []
    for i, j in np.argwhere(shown):
        if texts is not None:
            text = texts[i][j]
            if text is None:
                continue
        else:
            value = float(matrix.values[i, j])
            try:
                text = format_value(value, fmt)
            except (ValueError, OverflowError, TypeError):
                raise RenderError(
                    f"'fmt' {fmt!r} cannot format {message_number(value)} (row "
                    f"{matrix.y_labels[i]!r}, column {matrix.x_labels[j]!r}); use e.g. .0f for "
                    "rounded values",
                    key="fmt",
                ) from None
        color = contrast_ink(colors.rgba[i, j]) if spec.annotate_color == "auto" else None
        cells.append((int(i), int(j), text, color or spec.annotate_color))
    return Annotations(cells, required=asked or spec.fmt is not None)


# --------------------------------------------------------------------------
# A figure in one variant.


@dataclass(frozen=True)
class Part:
    """A panel as drawn: its keys (with a shared scale filled in), colors, cell text."""

    panel: Panel
    colors: Colors
    notes: Annotations | None


@dataclass(frozen=True)
class Scene:
    """A figure's panels as drawn in one variant, and a grid's shared scale
    (``None`` when no panel shares it)."""

    variant: str
    parts: tuple[Part, ...]
    shared: Colors | None


def shared_panels(plot: Plot) -> list[bool]:
    """Which panels of a grid share the figure's color scale."""
    if not plot.multi:
        return [False]
    spec = plot.spec
    return [all(getattr(p.spec, k) == getattr(spec, k) for k in SCALE_KEYS) for p in plot.panels]


def same_titles(specs: Sequence[HeatmapSpec]) -> tuple[str | None, str | None]:
    """The axis titles every panel has alike, which a grid shows once."""
    same_x = specs[0].xlabel if len({s.xlabel for s in specs}) == 1 else None
    same_y = specs[0].ylabel if len({s.ylabel for s in specs}) == 1 else None
    return same_x, same_y


def _shared_colors(plot: Plot, shared: list[bool], variant: str) -> Colors | None:
    """One scale over the union of the sharing panels' data, so colors compare."""
    if not plot.multi or not any(shared):
        return None
    visible = [
        p.matrix.values[np.isfinite(p.matrix.values)]
        for p, s in zip(plot.panels, shared, strict=True)
        if s
    ]
    union = np.concatenate(visible)[np.newaxis, :] if visible else np.zeros((1, 1))
    row = LabelledMatrix(union, tuple(str(j) for j in range(union.shape[1])), ("all",))
    return cell_colors(replace(plot.spec, mask=None), row, variant)


def _drawn_specs(plot: Plot, shared: list[bool], union: Colors | None) -> list[HeatmapSpec]:
    """Every panel's keys as drawn: a grid's shared scale, and axis titles
    that the grid shows once."""
    specs = [p.spec for p in plot.panels]
    if union is not None:
        lo, hi = float(union.norm.vmin or 0), float(union.norm.vmax or 1)
        specs = [
            replace(s, vmin=lo, vmax=hi, robust=False, colorbar=None) if share else s
            for s, share in zip(specs, shared, strict=True)
        ]
    if plot.multi:
        same_x, same_y = same_titles(specs)
        specs = [
            replace(
                s,
                xlabel=None if same_x else s.xlabel,
                ylabel=None if same_y else s.ylabel,
            )
            for s in specs
        ]
    return specs


def paint(plot: Plot, variant: str, check: Callable[[Panel, Colors], None] | None = None) -> Scene:
    """The figure in ``variant``: the shared scale, then each panel's colors
    and cell texts.  ``check`` sees each panel's colors before its cell
    texts are written (the checks before drawing, in the order a block's
    problems are reported).  Call under the style."""
    shared = shared_panels(plot)
    union = _shared_colors(plot, shared, variant)
    parts = []
    for spec, panel in zip(_drawn_specs(plot, shared, union), plot.panels, strict=True):
        one = replace(panel, spec=spec)
        colors = cell_colors(spec, panel.matrix, variant)
        if check is not None:
            check(one, colors)
        parts.append(Part(one, colors, annotate_cells(spec, panel.matrix, colors, panel.texts)))
    return Scene(variant, tuple(parts), union)
