"""(figure, style) -> image bytes, with matplotlib's object API on Agg.

No pyplot: figures are plain ``Figure`` objects drawn by the backend's
canvas, so nothing is shared between renders and nothing leaks between
blocks.  Every rcParam comes from the resolved style (pinned settings on
top), so the same input gives byte-identical files.

Cells are colored here (colormap, norm, missing and masked cells) and drawn
as one RGBA mesh or image; the colorbar gets its own ScalarMappable.  That
keeps the missing-cell color, the mask and the colormap independent.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt

from .colormaps import colormap_problem
from .data.derive import hidden_cells
from .errors import OUT_OF_MEMORY, HeatmapError, RenderError
from .fonts import NoGlyph, is_math, postscript_outlined, with_fallback
from .layout import (
    BarPlace,
    Box,
    ColorbarAsk,
    FigureLayout,
    Fonts,
    Label,
    PanelAsk,
    PanelPlace,
    bar_ticks,
    plan,
    prune_tree,
)
from .messages import one_line
from .model import MAX_FORMATTED, MAX_PIXELS, Image, LabelledMatrix, Panel, Plot, Rc
from .model import Box as ImageBox
from .spec import HeatmapSpec, format_value
from .style import check_rc, theme_rc

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.colors import Colormap, Normalize
    from matplotlib.figure import Figure

# Up to this many cells each cell is a vector rectangle (exact in print and
# PDF, cheap for confusion matrices); above it one embedded raster drawn with
# interpolation="none" and pixelated scaling keeps cells crisp at any zoom in
# a fraction of the bytes (a 16x14 map: 32 KB instead of 74 KB; 1000x1000:
# 1.4 MB instead of hundreds) and draws faster.
VECTOR_CELL_LIMIT = 100
# In print (PDF, EPS) cells stay vectors much longer: a viewer smooths an
# embedded raster when it scales it, which blurs the cells of a small map.
PRINT_VECTOR_CELL_LIMIT = 40_000
CSS_PX_PER_INCH = 96
DEFAULT_DIVERGING = "RdBu_r"
# Missing cells: a neutral gray with a faint hatch, so they never read as a
# colormap value (the ends of Greys, Blues, ... are white, black or tinted).
NAN_COLOR = {"light": "#d9d9d9", "dark": "#4d4d4d"}
HATCH_COLOR = {"light": "#b3b3b3", "dark": "#6e6e6e"}
GRID_COLOR = {"light": "#ffffff", "dark": "#1e2129"}
HATCH_LIMIT = 2_000
ANNOTATE_AUTO_LIMIT = 1_000
MAX_ANNOTATED = 2_500  # cells `annotate: true` may write a value into
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def validate(spec: HeatmapSpec) -> None:
    """Checks that need matplotlib but not the data: colormap and color names."""
    import matplotlib as mpl
    from matplotlib.colors import is_color_like

    _colormap(spec, mpl, "light")
    colors = {"nan_color": spec.nan_color}
    if spec.annotate_color != "auto":
        colors["annotate_color"] = spec.annotate_color
    if spec.gridlines is not None:
        colors["gridlines"] = spec.gridlines.color
    for key, color in colors.items():
        if color is not None and not is_color_like(color):
            raise RenderError(
                f"'{key}': {color!r} is not a color (try a name like gray or a hex code "
                "like '#d9d9d9' in quotes)",
                key=key,
            )


class Checked(NamedTuple):
    """What ``precheck`` found the figure needs: the style to draw with
    (fallback fonts added for characters the style's fonts lack) and the
    layout every variant and scale shares."""

    rc: Rc
    layout: FigureLayout


def precheck(plot: Plot, rc: Rc) -> Checked:
    """Everything that can be checked without drawing, once per figure, so
    `check` and the build report the same problems: colors, style, math,
    mask, norm, fmt, glyphs and the PNG's size.  Raises ``RenderError``
    naming the key at fault."""
    import matplotlib as mpl

    try:
        check_rc(rc, "style")
    except HeatmapError as exc:
        raise RenderError(exc.message, key="style") from None
    rc = with_fonts(plot, rc)
    with mpl.rc_context(rc_for(rc, "light")):
        for panel in plot.panels:
            part, values = panel.spec, panel.matrix
            validate(part)
            check_math(part, values)
            colors = cell_colors(part, values)
            check_formats(part, values, colors)
            if part.annotate is not False:
                _annotations(part, values, colors)
        layout = figure_layout(plot, mpl.rcParams)
    if plot.spec.format == "png":
        _check_pixels(layout.size, 2.0 * (plot.spec.dpi or CSS_PX_PER_INCH), 2)
    return Checked(rc, layout)


def check_formats(spec: HeatmapSpec, matrix: LabelledMatrix, colors: Colors) -> None:
    """``fmt`` (cell texts, hover, the data table) and a colorbar's
    ``format`` (its ticks) on the values they will meet.  The spec tried each
    on a few samples; the widest text comes from the data's extremes
    (``,.0f`` writes 1e197 as 266 characters), so try those: the smallest,
    the largest, the largest and the smallest magnitude.  Cheap: four
    values, whatever the size of the matrix."""
    values = matrix.values
    if spec.fmt is not None:
        finite = np.isfinite(values)
        if finite.any():
            picks = _extremes(np.where(finite, values, np.nan))
            for what, (i, j) in picks:
                value = float(values[i, j])
                where = f"row {matrix.y_labels[i]!r}, column {matrix.x_labels[j]!r}"
                _check_width(spec.fmt, value, f"the {what} value {_num(value)} ({where})", "fmt")
    bar = spec.colorbar
    if bar is not None and bar.format is not None:
        ends = (("bottom", colors.norm.vmin), ("top", colors.norm.vmax))
        for what, end in ends:
            value = float(end or 0.0)
            _check_width(bar.format, value, f"the colorbar's {what}, {_num(value)},", "colorbar")


def _extremes(values: FloatArray) -> list[tuple[str, tuple[int, int]]]:
    """The cells (row, column) of the smallest value, the largest, the
    largest magnitude and the smallest nonzero magnitude; NaN left out."""
    shape = values.shape
    size = np.abs(values)
    picks = [
        ("smallest", int(np.nanargmin(values))),
        ("largest", int(np.nanargmax(values))),
        ("largest-magnitude", int(np.nanargmax(size))),
    ]
    nonzero = np.where(size > 0, size, np.nan)
    if not np.isnan(nonzero).all():
        picks.append(("smallest-magnitude", int(np.nanargmin(nonzero))))
    seen: set[int] = set()
    out: list[tuple[str, tuple[int, int]]] = []
    for what, flat in picks:
        if flat not in seen:
            seen.add(flat)
            i, j = np.unravel_index(flat, shape)
            out.append((what, (int(i), int(j))))
    return out


def _check_width(fmt: str, value: float, what: str, key: str) -> None:
    try:
        text = format_value(value, fmt)
    except (ValueError, OverflowError, TypeError):
        return  # a value it cannot format: reported where the figure meets it
    if len(text) > MAX_FORMATTED:
        name = f"'{key}': format {fmt!r}" if key == "colorbar" else f"'{key}' {fmt!r}"
        raise RenderError(
            f"{name} writes {what} as {len(text):,} characters; at most {MAX_FORMATTED} fit a "
            "cell or a tick (try .3g or .2e)",
            key=key,
        )


def with_fonts(plot: Plot, rc: Rc) -> Rc:
    """The style with fallback fonts for every character the figure's texts
    need (``fonts.with_fallback``); ``RenderError`` when no installed font has
    one.  matplotlib itself would only warn and draw a box."""
    keyed = [item for panel in plot.panels for item in _texts(panel.spec, panel.matrix)]
    spec = plot.spec
    if plot.multi:  # the grid's own title, axis titles and shared colorbar label
        keyed += [(key, t) for key in ("title", "xlabel", "ylabel") if (t := getattr(spec, key))]
        if spec.colorbar is not None and spec.colorbar.label:
            keyed.append(("colorbar", spec.colorbar.label))
    try:
        return dict(with_fallback(rc, [text for _key, text in keyed]))
    except NoGlyph as exc:
        # Name the key (and the text) the first such character is in.
        key, text = next(
            ((k, t) for k, t in keyed if any(c in t for c in exc.characters)), (None, "")
        )
        raise NoGlyph(exc.characters, key, text) from None


def _texts(spec: HeatmapSpec, matrix: LabelledMatrix) -> list[tuple[str, str]]:
    """Every text drawn from the block, with the key it comes from."""
    texts: list[tuple[str, str]] = [
        (key, value)
        for key in ("title", "xlabel", "ylabel")
        if (value := getattr(spec, key)) is not None
    ]
    if spec.colorbar is not None and spec.colorbar.label:
        texts.append(("colorbar", spec.colorbar.label))
    for axis, labels in (("x", matrix.x_labels), ("y", matrix.y_labels)):
        key = f"{axis}_labels" if getattr(spec, f"{axis}_labels") else "data"
        texts.extend((key, label) for label in labels)
    return texts


def check_math(spec: HeatmapSpec, matrix: LabelledMatrix) -> None:
    """Text between ``$`` signs is mathtext; one that does not parse would only
    fail deep inside drawing, so check each text up front and name its key."""
    from matplotlib.mathtext import MathTextParser

    parser = None
    for key, text in _texts(spec, matrix):
        if not is_math(text):
            continue
        parser = parser or MathTextParser("path")
        try:
            parser.parse(text)
        except ValueError as exc:
            detail = " ".join(str(exc).split())[:120]
            raise RenderError(
                f"{key!r}: {text!r} holds math ($...$) that does not parse ({detail}); "
                "escape a literal dollar as \\$",
                key=key,
            ) from None


def render(
    plot: Plot,
    rc: Rc,
    *,
    variant: str = "light",
    transparent: bool = False,
    scale: int = 1,
    salt: str = "",
    format: str | None = None,
    layout: FigureLayout | None = None,
) -> Image:
    """Draw one figure and return the encoded image (``precheck`` it first).

    ``variant`` is ``light`` or ``dark``; ``transparent`` drops the
    background (both variants of ``theme: auto``).  ``scale`` multiplies the
    PNG resolution (2 for the ``srcset`` 2x file).  ``salt`` makes SVG element
    ids unique per figure while keeping them reproducible.  ``format``
    overrides the block's (``svg``, ``png``, or for print ``pdf``, ``eps``).
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    spec = plot.spec
    fmt = format or spec.format
    settings = rc_for(rc, variant, transparent=transparent, salt=salt or _default_salt(plot))
    try:
        with mpl.rc_context(settings), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            vectors = VECTOR_CELL_LIMIT if fmt in ("svg", "png") else PRINT_VECTOR_CELL_LIMIT
            fig = build_figure(plot, variant=variant, vector_cells=vectors, layout=layout)
            FigureCanvasAgg(fig)
            buffer = io.BytesIO()
            if fmt == "svg":
                fig.savefig(buffer, format="svg", metadata={"Date": None})
                svg = crisp_cells(buffer.getvalue())
                if any(p.matrix.values.size > VECTOR_CELL_LIMIT for p in plot.panels):
                    svg = compact_embedded_images(svg)
                buffer = io.BytesIO(svg)
            elif fmt == "png":
                dpi = float(spec.dpi or CSS_PX_PER_INCH) * scale
                _check_pixels(fig.get_size_inches(), dpi, scale)
                fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
                buffer = io.BytesIO(compact_png(buffer.getvalue()))
            else:
                # Vector for print: embedded rasters (large matrices) at 300 dpi.
                seal_cells(fig)
                with mpl.rc_context(print_fonts(fmt, mpl.rcParams)):
                    fig.savefig(buffer, format=fmt, dpi=300, metadata={"CreationDate": None})
                buffer = io.BytesIO(_EPS_DATE.sub(b"", buffer.getvalue()))
        _raise_for(caught)
    except RenderError:
        raise
    except MemoryError:
        raise RenderError(OUT_OF_MEMORY) from None
    except Exception as exc:  # matplotlib's, on input it could not handle
        raise RenderError(f"matplotlib could not draw the figure: {_reason(exc)}") from None
    width_in, height_in = fig.get_size_inches()
    return Image(
        content=buffer.getvalue(),
        format=fmt,
        width=round(width_in * CSS_PX_PER_INCH),
        height=round(height_in * CSS_PX_PER_INCH),
        maps=map_boxes(layout) if layout is not None else (),
    )


def map_boxes(layout: FigureLayout) -> tuple[ImageBox, ...]:
    """Each panel's cell area as (left, top, right, bottom) fractions of the
    image, from the top-left corner (as a browser measures it), rounded to
    what a pointer can tell apart on any screen."""
    boxes = (_fraction(p.map, layout.size) for p in layout.panels)
    return tuple(
        (round(x, 5), round(1 - y - h, 5), round(x + w, 5), round(1 - y, 5)) for x, y, w, h in boxes
    )


# PostScript writes the time it was made; reproducible files leave it out.
_EPS_DATE = re.compile(rb"%%CreationDate:[^\n]*\n")

# Cells in print overlap their neighbours by half this stroke (points), in
# their own color: PDF and PostScript viewers antialias every cell's edges on
# their own, so without it the page shows through as hairline seams between
# cells (measured in poppler, MuPDF and Ghostscript at 72-600 dpi: 0.5 pt
# still leaves a faint seam in MuPDF at 150 dpi, 0.75 pt none anywhere).
PRINT_CELL_EDGE = 0.75


def seal_cells(fig: Figure) -> None:
    """Close the seams between vector cells for PDF and EPS: each cell is
    stroked in its own color, so neighbours overlap by ``PRINT_CELL_EDGE / 2``
    points (a shift of a boundary by 0.1 mm at most, invisible in print).
    Cells that are not opaque (masked ones) get no stroke, so none darkens
    its own border.  Maps drawn with grid lines keep them; a raster map has
    no seams to close."""
    from matplotlib.collections import QuadMesh

    for ax in fig.axes:
        if not str(ax.get_gid() or "").startswith("heatmap-panel-"):
            continue
        for mesh in ax.collections:
            if not isinstance(mesh, QuadMesh) or np.asarray(mesh.get_linewidth()).any():
                continue
            rgba = np.asarray(mesh.get_array(), dtype=np.float64)
            if rgba.ndim != 3 or rgba.shape[-1] != 4:
                continue
            edges = rgba.reshape(-1, 4).copy()
            edges[edges[:, 3] < 1.0] = 0.0
            mesh.set_edgecolor(edges)
            mesh.set_linewidth(PRINT_CELL_EDGE)


def print_fonts(fmt: str, rc: Any) -> Any:
    """Font embedding for a print file: TrueType (Type 42) as the style pins
    it, except in EPS when a font the figure uses has PostScript (CFF)
    outlines (Noto Sans CJK, Latin Modern's OpenType files): PostScript's
    Type 42 holds TrueType outlines only, so that file gets Type 3."""
    if fmt == "eps" and postscript_outlined(rc):
        return {"ps.fonttype": 3}
    return {}


def render_all(
    plot: Plot,
    rc: Rc,
    variants: Sequence[str],
    *,
    transparent: bool,
    salt: str,
    format: str | None = None,
    scales: Sequence[int] | None = None,
) -> list[Image]:
    """Every image of a figure: each variant, and for PNG a 2x file after each.
    The checks before drawing run once for all of them; any exception
    becomes a ``RenderError``.  ``format`` overrides the block's."""
    try:
        # One layout for every variant and scale: only colors and resolution differ.
        rc, layout = precheck(plot, rc)
    except HeatmapError:
        raise
    except MemoryError:
        raise RenderError(OUT_OF_MEMORY) from None
    except Exception as exc:
        raise RenderError(f"matplotlib could not check the figure: {_reason(exc)}") from None
    fmt = format or plot.spec.format
    if scales is None:
        scales = (1, 2) if fmt == "png" else (1,)
    return [
        render(
            plot,
            rc,
            variant=variant,
            transparent=transparent,
            scale=scale,
            salt=salt,
            format=fmt,
            layout=layout,
        )
        for variant in variants
        for scale in scales
    ]


def _check_pixels(size_in: Any, dpi: float, scale: int) -> None:
    width, height = (round(float(side) * dpi) for side in size_in)
    if width * height > MAX_PIXELS:
        doubled = " (doubled for high-density screens)" if scale == 2 else ""
        raise RenderError(
            f"the PNG would be {width:,} x {height:,} pixels at {dpi / scale:g} dpi{doubled}, "
            f"over the limit of {MAX_PIXELS // 1_000_000} megapixels; lower 'dpi' or 'figsize'",
            key="dpi",
        )


def rc_for(rc: Rc, variant: str, *, transparent: bool = False, salt: str = "") -> Any:
    """The rcParams to draw one variant under (``build_figure`` needs them active)."""
    return {
        **rc,
        **theme_rc(variant, transparent=transparent),
        "svg.hashsalt": f"{salt}{variant}",
    }


def crisp_cells(svg: bytes) -> bytes:
    """Draw the cell mesh without antialiasing.

    Browsers antialias each cell's edges on their own, so the page shows
    through as hairline seams between cells (a dark grid on dark pages);
    crispEdges butts the cells together exactly.
    """
    return svg.replace(b'<g id="QuadMesh_', b'<g shape-rendering="crispEdges" id="QuadMesh_')


_EMBEDDED_PNG = re.compile(rb'(data:image/png;base64,\n)([A-Za-z0-9+/=\n]+)"')


def compact_embedded_images(svg: bytes) -> bytes:
    """Re-encode embedded rasters as palette PNGs, losslessly.

    matplotlib embeds RGBA PNGs; a heatmap raster holds at most the colormap's
    256 colors plus the missing and masked colors, so an indexed PNG carries
    the same pixels in about a quarter of the bytes.
    """

    def shrink(match: re.Match[bytes]) -> bytes:
        raw = base64.b64decode(match[2])
        smaller = compact_png(raw)
        if smaller is raw:
            return match[0]
        return match[1] + base64.encodebytes(smaller).rstrip(b"\n") + b'"'

    return _EMBEDDED_PNG.sub(shrink, svg)


def compact_png(raw: bytes) -> bytes:
    """The same pixels in fewer bytes: a palette PNG when the image has at
    most 256 colors, else the RGBA PNG compressed harder; ``raw`` itself
    when neither is smaller.  Lossless either way."""
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(raw)) as original:
        rgba = original.convert("RGBA")
    pixels = np.asarray(rgba)
    flat = pixels.reshape(-1, 4)
    out = io.BytesIO()
    if rgba.getcolors(256) is not None:
        colors, index = np.unique(flat, axis=0, return_inverse=True)
        indexed = PILImage.fromarray(index.reshape(pixels.shape[:2]).astype(np.uint8), "P")
        indexed.putpalette(colors[:, :3].astype(np.uint8).tobytes())
        alpha = colors[:, 3].astype(np.uint8).tobytes()
        indexed.save(out, format="png", optimize=True, transparency=alpha)
    else:
        rgba.save(out, format="png", optimize=True)
    return out.getvalue() if out.tell() < len(raw) else raw


_MISSING_GLYPH = re.compile(r"Glyph (\d+) .*missing from font\(s\) (.+?)\.?$")


def _raise_for(caught: list[warnings.WarningMessage]) -> None:
    """matplotlib warns (and draws a box) for a character its font lacks; a
    figure with boxes for labels is broken, so say which character and how to
    fix it.  Other warnings are matplotlib's business, not the reader's."""
    for warning in caught:
        match = _MISSING_GLYPH.search(str(warning.message))
        if match:
            code = int(match[1])
            raise RenderError(
                f"the font {match[2]} has no glyph for {chr(code)!r} (U+{code:04X}) in a label "
                "or title; remove it or pick a font that has it, e.g. "
                "style: {font.family: Noto Sans CJK JP}"
            )


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
    import matplotlib as mpl
    from matplotlib.colors import to_rgba

    values = matrix.values
    hidden = hidden_cells(spec, matrix)
    finite = np.isfinite(values)
    missing = ~finite & ~hidden
    visible = values[finite & ~hidden]
    cmap = _colormap(spec, mpl, variant)
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


def _limits(spec: HeatmapSpec, visible: FloatArray) -> tuple[float, float]:
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


def _norm(
    spec: HeatmapSpec, matrix: LabelledMatrix, visible: FloatArray, shown: BoolArray
) -> Normalize:
    from matplotlib.colors import LogNorm, Normalize, PowerNorm, SymLogNorm, TwoSlopeNorm

    vmin, vmax = _limits(spec, visible)
    if spec.center is not None and spec.vmin is not None and spec.vmax is not None:
        return TwoSlopeNorm(vcenter=spec.center, vmin=vmin, vmax=vmax)
    if spec.norm == "log":
        bad = np.argwhere(shown & (matrix.values <= 0))
        if bad.size:
            i, j = bad[0]
            raise RenderError(
                f"'norm: log' needs positive values, but row {matrix.y_labels[i]!r}, "
                f"column {matrix.x_labels[j]!r} is {_num(matrix.values[i, j])} "
                "(use norm: symlog, or select positive rows/columns)",
                key="norm",
            )
        if vmin <= 0:
            raise RenderError(f"'norm: log' needs vmin > 0, got {_num(vmin)}", key="vmin")
        return LogNorm(vmin=vmin, vmax=vmax)
    if spec.norm == "sqrt":
        if (visible.size and visible.min() < 0) or vmin < 0:
            raise RenderError(
                "'norm: sqrt' needs values >= 0 (use norm: symlog for signed data)", key="norm"
            )
        return PowerNorm(gamma=0.5, vmin=vmin, vmax=vmax)
    if spec.norm == "symlog":
        magnitudes = np.abs(visible[visible != 0])
        top = max(abs(vmin), abs(vmax), 1e-300)
        linthresh = float(max(magnitudes.min(), top * 1e-3)) if magnitudes.size else 1.0
        return SymLogNorm(linthresh=linthresh, vmin=vmin, vmax=vmax, base=10)
    return Normalize(vmin=vmin, vmax=vmax)


def _colormap(spec: HeatmapSpec, mpl: Any, variant: str) -> Colormap:
    default = DEFAULT_DIVERGING if spec.center is not None else mpl.rcParams["image.cmap"]
    name = spec.cmap or default
    problem = colormap_problem(name)
    if problem is not None:
        raise RenderError(problem, key="cmap")
    cmap: Colormap = mpl.colormaps[name]
    return cmap


# --------------------------------------------------------------------------
# The figure.


def build_figure(
    plot: Plot,
    *,
    variant: str = "light",
    vector_cells: int = VECTOR_CELL_LIMIT,
    layout: FigureLayout | None = None,
) -> Figure:
    """The matplotlib Figure of a block, one heatmap or a grid of panels: the
    one drawing entry point.  Call inside ``rc_context`` of the style.  Maps
    of up to ``vector_cells`` cells draw each cell as a vector, larger ones
    as one raster.  ``layout`` (from ``figure_layout``) may be shared by the
    variants and scales of one figure: only colors and resolution differ."""
    import matplotlib as mpl
    from matplotlib.cm import ScalarMappable
    from matplotlib.figure import Figure

    parts = _parts(plot, variant)
    layout = layout or figure_layout(plot, mpl.rcParams)
    fig = Figure(figsize=layout.size)
    for n, (part, place) in enumerate(zip(parts, layout.panels, strict=True)):
        ax = fig.add_axes(_fraction(place.map, layout.size), gid=f"heatmap-panel-{n}")
        _draw(ax, part, place, variant, vector_cells)
        _frame(ax, variant)
        _trees(fig, part.panel, place, layout.size)
        for label in place.texts:
            _text(fig, label, layout.size)
        if place.bar is not None:
            mappable = ScalarMappable(norm=part.colors.norm, cmap=part.colors.cmap)
            _colorbar(fig, place.bar, mappable, part.colors.extend, layout.size)
    for label in layout.texts:
        _text(fig, label, layout.size)
    if layout.bar is not None:
        shared = _shared_colors(plot, variant)
        assert shared is not None
        mappable = ScalarMappable(norm=shared.norm, cmap=shared.cmap)
        _colorbar(fig, layout.bar, mappable, shared.extend, layout.size)
    return fig


# Keys that set a panel's color scale: panels that leave them as the block
# has them share one scale and one colorbar.
_SCALE_KEYS = ("cmap", "vmin", "vmax", "robust", "center", "norm")


@dataclass(frozen=True)
class _Part:
    """A panel as drawn: its keys (with a shared scale filled in), colors, cell text."""

    panel: Panel
    colors: Colors
    notes: Annotations | None


def _shared(plot: Plot) -> list[bool]:
    """Which panels of a grid share the figure's color scale."""
    if not plot.multi:
        return [False]
    spec = plot.spec
    return [all(getattr(p.spec, k) == getattr(spec, k) for k in _SCALE_KEYS) for p in plot.panels]


def _shared_colors(plot: Plot, variant: str) -> Colors | None:
    """One scale over the union of the sharing panels' data, so colors compare."""
    shared = _shared(plot)
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


def _parts(plot: Plot, variant: str) -> list[_Part]:
    """Every panel with the keys it is drawn with: a grid's shared scale, and
    axis titles that the grid shows once."""
    shared = _shared(plot)
    union = _shared_colors(plot, variant)
    specs = [p.spec for p in plot.panels]
    if union is not None:
        lo, hi = float(union.norm.vmin or 0), float(union.norm.vmax or 1)
        specs = [
            replace(s, vmin=lo, vmax=hi, robust=False, colorbar=None) if share else s
            for s, share in zip(specs, shared, strict=True)
        ]
    if plot.multi:
        same_x, same_y = _same_titles(specs)
        specs = [
            replace(
                s,
                xlabel=None if same_x else s.xlabel,
                ylabel=None if same_y else s.ylabel,
            )
            for s in specs
        ]
    parts = []
    for spec, panel in zip(specs, plot.panels, strict=True):
        one = replace(panel, spec=spec)
        colors = cell_colors(spec, panel.matrix, variant)
        parts.append(_Part(one, colors, _annotations(spec, panel.matrix, colors)))
    return parts


def _same_titles(specs: Sequence[HeatmapSpec]) -> tuple[str | None, str | None]:
    same_x = specs[0].xlabel if len({s.xlabel for s in specs}) == 1 else None
    same_y = specs[0].ylabel if len({s.ylabel for s in specs}) == 1 else None
    return same_x, same_y


def figure_layout(plot: Plot, rc: Any) -> FigureLayout:
    """Where everything of the figure goes (``layout.plan``), from its texts
    and shapes alone: the same for every variant and resolution."""
    fonts = Fonts(rc)
    parts = _parts(plot, "light")
    spec = plot.spec
    if not plot.multi:
        (part,) = parts
        return plan([_ask(part, part.panel.spec, title=spec.title)], fonts, figsize=spec.figsize)
    shared = _shared(plot)
    asks = []
    count = len(parts)
    ncols = min(spec.ncols or min(count, 4), count)
    for n, part in enumerate(parts):
        left = parts[(n // ncols) * ncols].panel.matrix
        below = parts[n + ncols].panel.matrix if n + ncols < count else None
        ask = _ask(part, part.panel.spec, title=part.panel.spec.title, own_bar=not shared[n])
        asks.append(
            replace(
                ask,
                show_y=not (n % ncols and left.y_labels == part.panel.matrix.y_labels),
                show_x=not (below is not None and below.x_labels == part.panel.matrix.x_labels),
            )
        )
    same_x, same_y = _same_titles([p.spec for p in plot.panels])
    bar = None
    union = _shared_colors(plot, "light")
    if union is not None and spec.colorbar is not None:
        bar = _bar_ask(spec, union)
    return plan(
        asks,
        fonts,
        ncols=ncols,
        figsize=spec.figsize,
        title=spec.title,
        xlabel=same_x,
        ylabel=same_y,
        bar=bar,
    )


def _ask(part: _Part, spec: HeatmapSpec, *, title: str | None, own_bar: bool = True) -> PanelAsk:
    matrix = part.panel.matrix
    rows, cols = matrix.shape
    notes = part.notes
    return PanelAsk(
        rows=rows,
        cols=cols,
        x_labels=matrix.x_labels,
        y_labels=matrix.y_labels,
        xticks=spec.xticks,
        yticks=spec.yticks,
        rotation=spec.xtick_rotation,
        square=spec.square,
        title=title,
        xlabel=spec.xlabel,
        ylabel=spec.ylabel,
        notes=tuple(text for _, _, text, _ in notes.cells) if notes else (),
        notes_required=bool(notes and notes.required),
        bar=_bar_ask(spec, part.colors) if own_bar and spec.colorbar is not None else None,
        row_tree=bool(spec.dendrogram and part.panel.row_tree),
        col_tree=bool(spec.dendrogram and part.panel.col_tree),
    )


def _bar_ask(spec: HeatmapSpec, colors: Colors) -> ColorbarAsk:
    bar = spec.colorbar
    assert bar is not None
    kind = spec.norm if spec.center is None else "linear"
    ticks, labels = bar_ticks(colors.norm, kind, bar.format, bar.ticks)
    # Each tick's place along the bar, so the layout thins them where they crowd.
    with np.errstate(invalid="ignore", divide="ignore"):
        places = np.asarray(colors.norm(np.asarray(ticks, dtype=float)), dtype=float)
    if not np.all(np.isfinite(places)):
        places = np.asarray([])
    return ColorbarAsk(
        ticks, labels, bar.label, bar.orientation, tuple(float(p) for p in np.ravel(places))
    )


def _fraction(box: Box, size: tuple[float, float]) -> tuple[float, float, float, float]:
    width, height = size
    return (box.x / width, box.y / height, box.w / width, box.h / height)


def _text(fig: Figure, label: Label, size: tuple[float, float]) -> None:
    import matplotlib as mpl

    rc = mpl.rcParams
    if label.role == "title":
        color = rc["axes.titlecolor"]
        color = rc["text.color"] if color == "auto" else color
    elif label.role in ("xlabel", "ylabel", "colorbar"):
        color = rc["axes.labelcolor"]
    else:
        color = rc["text.color"]
    fig.text(
        label.x / size[0],
        label.y / size[1],
        label.text,
        ha=label.ha,
        va=label.va,
        rotation=label.rotation,
        fontsize=label.size,
        fontweight=label.weight,
        color=color,
        gid=f"heatmap-{label.role}" if label.role else None,
    )


def _draw(ax: Axes, part: _Part, place: PanelPlace, variant: str, vector_cells: int) -> None:
    """One heatmap into one Axes: cells, ticks, cell text, outlines."""
    panel, colors = part.panel, part.colors
    spec, matrix = panel.spec, panel.matrix
    rows, cols = matrix.shape
    grid = spec.gridlines
    grid_color = (grid.color if grid and grid.color else GRID_COLOR[variant]) if grid else None
    if rows * cols <= vector_cells:
        ax.pcolormesh(
            np.arange(cols + 1) - 0.5,
            np.arange(rows + 1) - 0.5,
            colors.rgba,
            edgecolors=grid_color or "none",
            linewidth=grid.width if grid else 0.0,
            antialiased=False,
        )
    else:
        ax.imshow(
            colors.rgba,
            interpolation="none",
            aspect="auto",
            origin=spec.origin,
            resample=False,
        )
        if grid and rows + cols <= 600:
            ax.hlines(np.arange(rows + 1) - 0.5, -0.5, cols - 0.5, colors=grid_color, lw=grid.width)
            ax.vlines(np.arange(cols + 1) - 0.5, -0.5, rows - 0.5, colors=grid_color, lw=grid.width)
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim((rows - 0.5, -0.5) if spec.origin == "upper" else (-0.5, rows - 0.5))
    ax.set_aspect("auto")
    if 0 < int(colors.missing.sum()) <= HATCH_LIMIT:
        _hatch_missing(ax, colors.missing, variant)
    for spine in ax.spines.values():
        spine.set_visible(False)
    _ticks(ax, place)
    notes = part.notes
    if notes is not None and place.note_size is not None:
        for i, j, text, color in notes.cells:
            ax.text(j, i, text, ha="center", va="center", color=color, size=place.note_size)
    if spec.highlight:
        _highlight(ax, spec, matrix, colors)


def _ticks(ax: Axes, place: PanelPlace) -> None:
    x, y = place.xticks, place.yticks
    ax.set_xticks(list(x.positions), list(x.labels))
    if x.rotation:
        upright = abs(x.rotation) % 180 == 90
        for label in ax.get_xticklabels():
            label.set_rotation(x.rotation)
            label.set_horizontalalignment("right" if x.rotation > 0 else "left")
            label.set_rotation_mode("anchor")
            if upright:
                label.set_verticalalignment("center")  # centred on its column
    ax.set_yticks(list(y.positions), list(y.labels))
    if y.side == "right":
        ax.yaxis.tick_right()
    ax.tick_params(length=0)
    # Labels the layout shrank to fit (never below its floor).
    if x.size is not None:
        ax.tick_params(axis="x", labelsize=x.size)
    if y.size is not None:
        ax.tick_params(axis="y", labelsize=y.size)


def _frame(ax: Axes, variant: str) -> None:
    """A thin frame around the map in the dark variant, as the colorbar has:
    near-black cells would otherwise run into a dark page with no edge.  It
    lies on the map's border (half over the outer cells), so the layout is
    the same for both variants."""
    import matplotlib as mpl

    if variant != "dark":
        return
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color(mpl.rcParams["axes.edgecolor"])
        spine.set_linewidth(0.5)


def _trees(fig: Figure, panel: Panel, place: PanelPlace, size: tuple[float, float]) -> None:
    """Dendrograms of a clustered block beside the map: rows on the left,
    columns on top; over ``TREE_LEAVES`` leaves cut to their top clusters
    (``layout.prune_tree``)."""
    import matplotlib as mpl

    ink = mpl.rcParams["axes.edgecolor"]
    rows, cols = panel.matrix.shape
    if place.row_tree is not None and panel.row_tree:
        side = fig.add_axes(_fraction(place.row_tree, size))
        for segment in prune_tree(panel.row_tree):
            side.plot(segment[4:], segment[:4], color=ink, linewidth=0.7)
        upper = panel.spec.origin == "upper"
        side.set_ylim((rows - 0.5, -0.5) if upper else (-0.5, rows - 0.5))
        side.invert_xaxis()
        side.set_axis_off()
    if place.col_tree is not None and panel.col_tree:
        top = fig.add_axes(_fraction(place.col_tree, size))
        for segment in prune_tree(panel.col_tree):
            top.plot(segment[:4], segment[4:], color=ink, linewidth=0.7)
        top.set_xlim(-0.5, cols - 0.5)
        top.set_axis_off()


def _colorbar(
    fig: Figure, place: BarPlace, mappable: Any, extend: str, size: tuple[float, float]
) -> None:
    cax = fig.add_axes(_fraction(place.box, size))
    vertical = place.orientation == "vertical"
    cb = fig.colorbar(
        mappable,
        cax=cax,
        orientation=place.orientation,
        extend=extend,
        extendfrac=0.04,
        ticks=list(place.ticks),
    )
    cb.set_ticks(list(place.ticks), labels=list(place.labels))
    cb.minorticks_off()
    cb.outline.set_linewidth(0.5)
    cb.ax.tick_params(length=2.5, width=0.5, size=2.5)
    if not vertical:
        cb.ax.xaxis.set_ticks_position("bottom")
    if place.label is not None:
        _text(fig, place.label, size)


def _hatch_missing(ax: Axes, missing: BoolArray, variant: str) -> None:
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    cells = [Rectangle((j - 0.5, i - 0.5), 1, 1) for i, j in np.argwhere(missing)]
    hatch = PatchCollection(
        cells, facecolor="none", edgecolor=HATCH_COLOR[variant], linewidth=0.0, hatch="////"
    )
    ax.add_collection(hatch)


def _highlight(ax: Axes, spec: HeatmapSpec, matrix: LabelledMatrix, colors: Colors) -> None:
    from matplotlib.patches import Rectangle

    for i, j in highlight_cells(spec.highlight, matrix.values, colors.hidden):
        ink = contrast_ink(colors.rgba[i, j])
        ax.add_patch(
            Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=ink, linewidth=1.6, zorder=3)
        )


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


def _annotations(spec: HeatmapSpec, matrix: LabelledMatrix, colors: Colors) -> Annotations | None:
    """Cell texts, when the block wants them: ``annotate: true``; a ``fmt``
    with ``annotate: auto`` (asking for a format asks for the numbers); or
    ``auto`` alone, when they fit (the layout decides)."""
    if spec.annotate is False:
        return None
    rows, cols = matrix.shape
    if spec.annotate == "auto" and rows * cols > ANNOTATE_AUTO_LIMIT:
        return None
    if spec.annotate is True and rows * cols > MAX_ANNOTATED:
        raise RenderError(
            f"'annotate: true' would write {rows * cols:,} values into cells; at most "
            f"{MAX_ANNOTATED:,} cells are annotated (use annotate: auto, or select rows "
            "and columns)",
            key="annotate",
        )
    fmt = spec.fmt or auto_fmt(matrix.values)
    shown = ~colors.hidden & ~colors.missing
    cells: list[tuple[int, int, str, Any]] = []
    for i, j in np.argwhere(shown):
        value = float(matrix.values[i, j])
        try:
            text = format_value(value, fmt)
        except (ValueError, OverflowError, TypeError):
            raise RenderError(
                f"'fmt' {fmt!r} cannot format {_num(value)} (row {matrix.y_labels[i]!r}, "
                f"column {matrix.x_labels[j]!r}); use e.g. .0f for rounded values",
                key="fmt",
            ) from None
        color = contrast_ink(colors.rgba[i, j]) if spec.annotate_color == "auto" else None
        cells.append((int(i), int(j), text, color or spec.annotate_color))
    return Annotations(cells, required=spec.annotate is True or spec.fmt is not None)


def auto_fmt(values: FloatArray) -> str:
    """Integers stay integers; otherwise two decimals, fewer for hundreds and
    thousands, and 3 significant digits only for very large or small values."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return ".2f"
    if np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e6:
        return ".0f"
    top = float(np.abs(finite).max())
    if 0.01 <= top < 100:
        return ".2f"
    if 100 <= top < 1e6:
        return ".0f" if top >= 1000 else ".1f"
    return ".3g"


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


# --------------------------------------------------------------------------
# Size and ticks.


def _default_salt(plot: Plot) -> str:
    digest = hashlib.sha256(json.dumps(plot.spec.as_dict(), sort_keys=True, default=str).encode())
    for panel in plot.panels:
        digest.update(panel.matrix.values.tobytes())
    return digest.hexdigest()[:16]


def _num(value: float) -> str:
    return f"{value:.6g}"


def _reason(exc: BaseException) -> str:
    return one_line(" ".join(str(exc).split()))[:300] or type(exc).__name__
