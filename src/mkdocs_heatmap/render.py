"""(spec, matrix, style) -> image bytes, with matplotlib's object API on Agg.

No pyplot: figures are plain ``Figure`` objects drawn by the backend's
canvas, so nothing is shared between renders and nothing leaks between
blocks.  Every rcParam comes from the resolved style (pinned settings on
top), so the same input gives byte-identical files.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import RenderError
from .model import LabelledMatrix
from .spec import HeatmapSpec
from .style import Rc

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Above this many cells, one vector rectangle per cell makes huge SVGs; an
# embedded raster with interpolation="none" keeps cells crisp at any size.
VECTOR_CELL_LIMIT = 10_000
NAN_COLOR = "#d4d4d4"
CSS_PX_PER_INCH = 96
PNG_DEFAULT_DPI = 2 * CSS_PX_PER_INCH  # crisp on 2x screens, displayed at 1x size


@dataclass(frozen=True)
class Image:
    content: bytes
    format: str  # "svg" | "png"
    width: int  # CSS pixels the image is displayed at
    height: int


def render(spec: HeatmapSpec, matrix: LabelledMatrix, rc: Rc, *, salt: str = "") -> Image:
    """Draw one heatmap and return the encoded image.

    ``salt`` makes SVG element ids unique per figure (several figures on one
    page must not share ids) while keeping them reproducible.
    """
    import matplotlib as mpl

    # Agg is set per call rather than at import so an application embedding
    # the core (a notebook) keeps its own backend for pyplot.
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    cmap = _colormap(spec, mpl)
    try:
        settings: Any = {**rc, "svg.hashsalt": salt or _default_salt(spec, matrix)}
        with mpl.rc_context(settings):
            fig = _figure(spec, matrix, rc, cmap)
            FigureCanvasAgg(fig)
            buffer = io.BytesIO()
            if spec.format == "svg":
                fig.savefig(buffer, format="svg", metadata={"Date": None})
                dpi = 72.0
            else:
                dpi = float(spec.dpi or PNG_DEFAULT_DPI)
                fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    except RenderError:
        raise
    except (ValueError, RuntimeError, OSError, KeyError, TypeError) as exc:
        raise RenderError(f"matplotlib could not draw the figure: {_one_line(exc)}") from None
    width_in, height_in = fig.get_size_inches()
    return Image(
        content=buffer.getvalue(),
        format=spec.format,
        width=round(width_in * CSS_PX_PER_INCH),
        height=round(height_in * CSS_PX_PER_INCH),
    )


def _figure(spec: HeatmapSpec, matrix: LabelledMatrix, rc: Rc, cmap: Any) -> Figure:
    from matplotlib.figure import Figure

    rows, cols = matrix.shape
    values = np.ma.masked_invalid(matrix.values)
    layout = _Layout.compute(spec, matrix, rc)
    fig = Figure(figsize=layout.figsize, layout="constrained")
    ax = fig.add_subplot()
    vmin, vmax = _limits(spec, matrix)
    if rows * cols > VECTOR_CELL_LIMIT:
        mappable: Any = ax.imshow(
            values,
            cmap=cmap,
            vmin=vmin,
            vmax=vmax,
            interpolation="none",
            aspect="auto",
            origin=spec.origin,
        )
    else:
        mappable = ax.pcolormesh(
            np.arange(cols + 1) - 0.5,
            np.arange(rows + 1) - 0.5,
            values,
            cmap=cmap,
            vmin=vmin,
            vmax=vmax,
            edgecolors="none",
            antialiased=False,
        )
        ax.set_xlim(-0.5, cols - 0.5)
        if spec.origin == "upper":
            ax.set_ylim(rows - 0.5, -0.5)
        else:
            ax.set_ylim(-0.5, rows - 0.5)
    ax.set_facecolor(NAN_COLOR)
    for spine in ax.spines.values():
        spine.set_visible(False)
    _ticks(ax, matrix, layout)
    if spec.title:
        ax.set_title(spec.title)
    if spec.xlabel:
        ax.set_xlabel(spec.xlabel)
    if spec.ylabel:
        ax.set_ylabel(spec.ylabel)
    if spec.colorbar is not None:
        bar = spec.colorbar
        cb = fig.colorbar(
            mappable,
            ax=ax,
            orientation=bar.orientation,
            fraction=0.05 if bar.orientation == "vertical" else 0.08,
            pad=0.02 if bar.orientation == "vertical" else 0.04,
            aspect=30,
            ticks=list(bar.ticks) if bar.ticks else None,
            format=_tick_format(bar.format),
        )
        cb.outline.set_linewidth(0.5)
        cb.ax.tick_params(length=2.5, width=0.5)
        if bar.label:
            cb.set_label(bar.label)
    return fig


@dataclass(frozen=True)
class _Layout:
    figsize: tuple[float, float]
    xstep: int  # 0 = no labels
    ystep: int
    xrotation: float

    @classmethod
    def compute(cls, spec: HeatmapSpec, matrix: LabelledMatrix, rc: Rc) -> _Layout:
        rows, cols = matrix.shape
        xfont = _points(rc.get("xtick.labelsize"), rc)
        yfont = _points(rc.get("ytick.labelsize"), rc)
        xwidth = max((_text_width(lab, xfont) for lab in matrix.x_labels), default=0.0)
        ywidth = max((_text_width(lab, yfont) for lab in matrix.y_labels), default=0.0)

        # The plotting area: cells between ~0.14 and 0.6 inch, the whole map
        # near 5.5 x 4 inches unless the matrix is small.
        cell_w = min(max(5.5 / cols, 0.14), 0.6)
        cell_h = min(max(4.0 / rows, 0.14), 0.6)
        area_w = min(cols * cell_w, 9.0)
        area_h = min(rows * cell_h, 9.0)
        rotation = _rotation(spec, xwidth, area_w / cols * 72)
        xstep = _step(spec.xticks, cols, area_w * 72, xfont if rotation else xwidth + xfont)
        ystep = _step(spec.yticks, rows, area_h * 72, yfont)

        shown_x = matrix.x_labels[::xstep] if xstep else ()
        xextent = max((_text_width(lab, xfont) for lab in shown_x), default=0.0)
        bottom = (
            (xextent * math.sin(math.radians(abs(rotation))) + xfont) if rotation else xfont * 1.6
        ) / 72
        left = (ywidth + yfont) / 72 if ystep else 0.1
        extra_w = left + 0.25 + (0.35 if spec.ylabel else 0.0)
        extra_h = bottom + 0.2 + (0.3 if spec.xlabel else 0.0) + (0.35 if spec.title else 0.0)
        if spec.colorbar is not None:
            if spec.colorbar.orientation == "vertical":
                extra_w += 0.75 + (0.25 if spec.colorbar.label else 0.0)
            else:
                extra_h += 0.6 + (0.25 if spec.colorbar.label else 0.0)
        width = max(area_w + extra_w, 2.4)
        height = max(area_h + extra_h, 1.8)
        return cls((round(width, 2), round(height, 2)), xstep, ystep, rotation)


def _ticks(ax: Axes, matrix: LabelledMatrix, layout: _Layout) -> None:
    rows, cols = matrix.shape
    if layout.xstep:
        positions = list(range(0, cols, layout.xstep))
        ax.set_xticks(positions, [matrix.x_labels[i] for i in positions])
        if layout.xrotation:
            ax.tick_params(axis="x", labelrotation=layout.xrotation)
            for label in ax.get_xticklabels():
                label.set_horizontalalignment("right")
                label.set_rotation_mode("anchor")
    else:
        ax.set_xticks([])
    if layout.ystep:
        positions = list(range(0, rows, layout.ystep))
        ax.set_yticks(positions, [matrix.y_labels[i] for i in positions])
    else:
        ax.set_yticks([])


def _step(setting: str | int, count: int, length_pt: float, per_label_pt: float) -> int:
    """Every Nth label; ``auto`` thins so neighbouring labels never touch."""
    if setting == "none":
        return 0
    if setting == "all":
        return 1
    if isinstance(setting, int):
        return setting
    room = length_pt / max(count, 1)
    return max(1, math.ceil(per_label_pt * 1.15 / room))


def _rotation(spec: HeatmapSpec, widest_pt: float, cell_pt: float) -> float:
    if spec.xtick_rotation != "auto":
        return float(spec.xtick_rotation)
    return 0.0 if widest_pt <= cell_pt * 0.9 else 45.0


def _limits(spec: HeatmapSpec, matrix: LabelledMatrix) -> tuple[float, float]:
    finite = matrix.values[np.isfinite(matrix.values)]
    lo = float(finite.min()) if finite.size else 0.0
    hi = float(finite.max()) if finite.size else 1.0
    vmin = spec.vmin if spec.vmin is not None else lo
    vmax = spec.vmax if spec.vmax is not None else hi
    if vmin >= vmax:
        # A constant matrix (or a one-sided explicit limit past the data):
        # widen so the colorbar still has a range.
        if spec.vmin is None:
            vmin = vmax - 1.0 if vmax == 0 else vmax - abs(vmax) * 0.5
        else:
            vmax = vmin + 1.0 if vmin == 0 else vmin + abs(vmin) * 0.5
    return vmin, vmax


def _colormap(spec: HeatmapSpec, mpl: Any) -> Any:
    name = spec.cmap or mpl.rcParams["image.cmap"]
    try:
        cmap = mpl.colormaps[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(mpl.colormaps), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise RenderError(
            f"unknown colormap '{name}'{hint}", key="cmap", block_line=spec.line_of("cmap")
        ) from None
    return cmap.with_extremes(bad=NAN_COLOR)


def _tick_format(fmt: str | None) -> Any:
    if fmt is None:
        return None
    from matplotlib.ticker import FuncFormatter

    try:
        format(1.5, fmt)
    except ValueError:
        raise RenderError(
            f"colorbar format '{fmt}' is not a Python format spec (try .2f or .0%)",
            key="colorbar",
        ) from None
    return FuncFormatter(lambda value, _pos: format(value, fmt))


def _points(size: Any, rc: Rc) -> float:
    if isinstance(size, (int, float)):
        return float(size)
    base = float(rc.get("font.size", 10.0))
    scale = {
        "xx-small": 0.579,
        "x-small": 0.694,
        "small": 0.833,
        "medium": 1.0,
        "large": 1.2,
        "x-large": 1.44,
        "xx-large": 1.728,
    }
    return base * scale.get(str(size), 1.0)


def _text_width(text: str, size_pt: float) -> float:
    # A deliberately cheap estimate (DejaVu Sans averages ~0.6 em per glyph):
    # exact extents would need a draw, and layout only needs to be close.
    return len(text) * size_pt * 0.6


def _default_salt(spec: HeatmapSpec, matrix: LabelledMatrix) -> str:
    digest = hashlib.sha256(json.dumps(spec.as_dict(), sort_keys=True, default=str).encode())
    digest.update(matrix.values.tobytes())
    return digest.hexdigest()[:16]


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] or type(exc).__name__
