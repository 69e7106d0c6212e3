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
import heapq
import io
import json
import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .colormaps import colormap_problem
from .errors import OUT_OF_MEMORY, HeatmapError, RenderError
from .messages import one_line
from .model import MAX_PIXELS, Image, LabelledMatrix, Panel, Plot, Rc
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
MAX_WIDTH_IN = 6.8  # fits a typical docs content column at 1:1
HATCH_LIMIT = 2_000
ANNOTATE_AUTO_LIMIT = 1_000
MAX_ANNOTATED = 2_500  # cells `annotate: true` may write a value into
MEASURED = 1_000  # labels measured exactly; beyond, the longest of them
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


def precheck(plot: Plot, rc: Rc) -> None:
    """Everything that can be checked without drawing, once per figure, so
    `check` and the build report the same problems: colors, style, math,
    mask, norm, fmt and glyphs.  Raises ``RenderError`` naming the key at
    fault."""
    import matplotlib as mpl

    try:
        check_rc(rc, "style")
    except HeatmapError as exc:
        raise RenderError(exc.message, key="style") from None
    with mpl.rc_context(rc_for(rc, "light")):
        for panel in plot.panels:
            part, values = panel.spec, panel.matrix
            validate(part)
            check_math(part, values)
            colors = cell_colors(part, values)
            notes = _annotations(part, values, colors) if part.annotate is not False else None
            check_glyphs(part, values)
            if plot.spec.format == "png" and not plot.multi:
                # A grid's size is known once its panels are laid out together;
                # the renderer checks that one.
                dpi = 2.0 * (plot.spec.dpi or CSS_PX_PER_INCH)
                _check_pixels(Layout.compute(panel, mpl.rcParams, notes).figsize, dpi, 2)


def check_glyphs(spec: HeatmapSpec, matrix: LabelledMatrix) -> None:
    """Every character of the titles and labels exists in the style's fonts
    (matplotlib would only warn and draw a box)."""
    import matplotlib as mpl
    from matplotlib.font_manager import FontProperties, findfont, get_font

    covered: set[int] = set()
    for family in mpl.rcParams["font.family"]:
        path = findfont(FontProperties(family=family), fallback_to_default=True)
        covered.update(get_font(path).get_charmap())
    for _key, text in _texts(spec, matrix):
        if _is_math(text):
            continue  # mathtext has fonts of its own
        for char in text:
            if ord(char) not in covered and not char.isspace():
                raise RenderError(
                    f"the font has no glyph for {char!r} (U+{ord(char):04X}) in {text!r}; "
                    "remove it or pick a font that has it, e.g. "
                    "style: {font.family: Noto Sans CJK JP}"
                )


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


def _is_math(text: str) -> bool:
    """matplotlib reads text with two unescaped ``$`` as mathtext."""
    return text.replace("\\$", "").count("$") >= 2


def check_math(spec: HeatmapSpec, matrix: LabelledMatrix) -> None:
    """Text between ``$`` signs is mathtext; one that does not parse would only
    fail deep inside drawing, so check each text up front and name its key."""
    from matplotlib.mathtext import MathTextParser

    parser = None
    for key, text in _texts(spec, matrix):
        if not _is_math(text):
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
            fig = build_figure(plot, variant=variant, vector_cells=vectors)
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
            else:
                # Vector for print: embedded rasters (large matrices) at 300 dpi.
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
    )


# PostScript writes the time it was made; reproducible files leave it out.
_EPS_DATE = re.compile(rb"%%CreationDate:[^\n]*\n")


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
        precheck(plot, rc)
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
            plot, rc, variant=variant, transparent=transparent, scale=scale, salt=salt, format=fmt
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
    from PIL import Image as PILImage

    def shrink(match: re.Match[bytes]) -> bytes:
        raw = base64.b64decode(match[2])
        with PILImage.open(io.BytesIO(raw)) as original:
            pixels = np.asarray(original.convert("RGBA"))
        flat = pixels.reshape(-1, 4)
        colors, index = np.unique(flat, axis=0, return_inverse=True)
        if len(colors) > 256:
            return match[0]
        indexed = PILImage.fromarray(index.reshape(pixels.shape[:2]).astype(np.uint8), "P")
        indexed.putpalette(colors[:, :3].astype(np.uint8).tobytes())
        out = io.BytesIO()
        indexed.save(
            out, format="png", optimize=True, transparency=colors[:, 3].astype(np.uint8).tobytes()
        )
        if out.tell() >= len(raw):
            return match[0]
        return match[1] + base64.encodebytes(out.getvalue()).rstrip(b"\n") + b'"'

    return _EMBEDDED_PNG.sub(shrink, svg)


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
    hidden = _mask(spec, matrix)
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


def _mask(spec: HeatmapSpec, matrix: LabelledMatrix) -> BoolArray:
    rows, cols = matrix.shape
    if spec.mask is None:
        return np.zeros((rows, cols), dtype=bool)
    if spec.mask == "upper":
        return np.triu(np.ones((rows, cols), dtype=bool))
    if spec.mask == "lower":
        return np.tril(np.ones((rows, cols), dtype=bool))
    mask = np.array(spec.mask, dtype=bool)
    if mask.shape != (rows, cols) or mask.ndim != 2:
        raise RenderError(
            f"'mask' is {len(spec.mask)}x{len(spec.mask[0]) if spec.mask else 0}, "
            f"but the plotted matrix is {rows}x{cols}",
            key="mask",
        )
    return mask


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
    plot: Plot, *, variant: str = "light", vector_cells: int = VECTOR_CELL_LIMIT
) -> Figure:
    """The matplotlib Figure of a block, one heatmap or a grid of panels: the
    one drawing entry point.  Call inside ``rc_context`` of the style.  Maps
    of up to ``vector_cells`` cells draw each cell as a vector, larger ones
    as one raster."""
    import matplotlib as mpl
    from matplotlib.cm import ScalarMappable
    from matplotlib.figure import Figure

    if plot.multi:
        return _panels_figure(plot.spec, plot.panels, variant, vector_cells)
    (panel,) = plot.panels
    spec, matrix = panel.spec, panel.matrix
    colors = cell_colors(spec, matrix, variant)
    annotations = _annotations(spec, matrix, colors)
    layout = Layout.compute(panel, mpl.rcParams, annotations)
    fig = Figure(figsize=layout.figsize, layout="constrained")
    ax = fig.add_subplot()
    _draw(ax, panel, colors, layout, annotations, variant, vector_cells)
    if spec.colorbar is not None:
        _colorbar(fig, ax, spec, ScalarMappable(norm=colors.norm, cmap=colors.cmap), colors)
    return fig


# Keys that set a panel's color scale: panels that leave them as the block
# has them share one scale and one colorbar.
_SCALE_KEYS = ("cmap", "vmin", "vmax", "robust", "center", "norm")


def _panels_figure(
    spec: HeatmapSpec, panels: tuple[Panel, ...], variant: str, vector_cells: int
) -> Figure:
    import matplotlib as mpl
    from matplotlib.cm import ScalarMappable
    from matplotlib.figure import Figure

    shared = [all(getattr(p.spec, k) == getattr(spec, k) for k in _SCALE_KEYS) for p in panels]
    union_colors = None
    specs = [p.spec for p in panels]
    if any(shared):
        # One scale over the union of the shared panels' data, so colors
        # compare across panels.
        visible = [
            p.matrix.values[np.isfinite(p.matrix.values)]
            for p, s in zip(panels, shared, strict=True)
            if s
        ]
        union = np.concatenate(visible)[np.newaxis, :] if visible else np.zeros((1, 1))
        row = LabelledMatrix(union, tuple(str(j) for j in range(union.shape[1])), ("all",))
        union_colors = cell_colors(replace(spec, mask=None), row, variant)
        lo, hi = float(union_colors.norm.vmin or 0), float(union_colors.norm.vmax or 1)
        specs = [
            replace(p, vmin=lo, vmax=hi, robust=False, colorbar=None) if s else p
            for p, s in zip(specs, shared, strict=True)
        ]
    count = len(panels)
    ncols = min(spec.ncols or min(count, 4), count)
    nrows = -(-count // ncols)
    same_x = len({p.xlabel for p in specs}) == 1 and specs[0].xlabel
    same_y = len({p.ylabel for p in specs}) == 1 and specs[0].ylabel
    drawn = []
    for p, panel in zip(specs, panels, strict=True):
        q = replace(p, xlabel=None if same_x else p.xlabel, ylabel=None if same_y else p.ylabel)
        one = replace(panel, spec=q)
        colors = cell_colors(q, one.matrix, variant)
        notes = _annotations(q, one.matrix, colors)
        drawn.append((one, colors, notes, Layout.compute(one, mpl.rcParams, notes)))
    width = max(d[3].figsize[0] for d in drawn)
    height = max(d[3].figsize[1] for d in drawn)
    extra_w = 0.9 if union_colors is not None and spec.colorbar is not None else 0.0
    # Small multiples: each panel a little smaller than alone, the whole
    # figure still within a wide content column.
    scale = min(1.0, 11.0 / (ncols * width + extra_w))
    panel_size = (round(width * scale, 2), round(height * max(scale, 0.75), 2))
    if scale < 1.0:
        # Thin the ticks for the size each panel really gets, not its size alone.
        drawn = [
            (
                one,
                colors,
                notes,
                Layout.compute(
                    replace(one, spec=replace(one.spec, figsize=panel_size)), mpl.rcParams, notes
                ),
            )
            for one, colors, notes, _layout in drawn
        ]
    fig = Figure(
        figsize=(
            round(ncols * panel_size[0] + extra_w * scale, 2),
            round(nrows * panel_size[1] + (0.4 if spec.title else 0), 2),
        ),
        layout="constrained",
    )
    axes = fig.subplots(nrows, ncols, squeeze=False)
    shared_axes = []
    for n, (one, colors, notes, layout) in enumerate(drawn):
        ax = axes[n // ncols][n % ncols]
        q, m = one.spec, one.matrix
        _draw(ax, one, colors, layout, notes, variant, vector_cells)
        left = drawn[(n // ncols) * ncols][0].matrix
        if n % ncols and left.y_labels == m.y_labels:
            ax.tick_params(axis="y", labelleft=False)  # the row's first panel shows them
        if n + ncols < count and drawn[n + ncols][0].matrix.x_labels == m.x_labels:
            ax.tick_params(axis="x", labelbottom=False)  # the panel below shows them
        if shared[n]:
            shared_axes.append(ax)
        elif q.colorbar is not None:
            _colorbar(fig, ax, q, ScalarMappable(norm=colors.norm, cmap=colors.cmap), colors)
    for n in range(count, nrows * ncols):
        axes[n // ncols][n % ncols].set_visible(False)
    if union_colors is not None and spec.colorbar is not None and shared_axes:
        mappable = ScalarMappable(norm=union_colors.norm, cmap=union_colors.cmap)
        _colorbar(fig, shared_axes, spec, mappable, union_colors)
    if same_x:
        fig.supxlabel(str(same_x), fontsize=mpl.rcParams["axes.labelsize"])
    if same_y:
        fig.supylabel(str(same_y), fontsize=mpl.rcParams["axes.labelsize"])
    if spec.title:
        fig.suptitle(spec.title, fontsize=mpl.rcParams["axes.titlesize"], fontweight="bold")
    return fig


def _draw(
    ax: Axes,
    panel: Panel,
    colors: Colors,
    layout: Layout,
    annotations: Annotations | None,
    variant: str,
    vector_cells: int = VECTOR_CELL_LIMIT,
) -> None:
    """One heatmap into one Axes: cells, ticks, text, outlines, trees, titles."""
    spec, matrix = panel.spec, panel.matrix
    rows, cols = matrix.shape
    if annotations is not None and spec.annotate == "auto" and not layout.fits(annotations):
        annotations = None
    vector = rows * cols <= vector_cells
    grid = spec.gridlines
    grid_color = (grid.color if grid and grid.color else GRID_COLOR[variant]) if grid else None
    if vector:
        ax.pcolormesh(
            np.arange(cols + 1) - 0.5,
            np.arange(rows + 1) - 0.5,
            colors.rgba,
            edgecolors=grid_color or "none",
            linewidth=grid.width if grid else 0.0,
            antialiased=False,
        )
        ax.set_xlim(-0.5, cols - 0.5)
        ax.set_ylim((rows - 0.5, -0.5) if spec.origin == "upper" else (-0.5, rows - 0.5))
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
    if spec.square:
        ax.set_aspect("equal")
    if 0 < int(colors.missing.sum()) <= HATCH_LIMIT:
        _hatch_missing(ax, colors.missing, variant)
    for spine in ax.spines.values():
        spine.set_visible(False)
    _ticks(ax, matrix, layout)
    if annotations is not None:
        for i, j, text, color in annotations.cells:
            ax.text(j, i, text, ha="center", va="center", color=color, size=annotations.size)
    if spec.highlight:
        _highlight(ax, spec, matrix, colors)
    if spec.dendrogram:
        _dendrograms(ax, panel)
    if spec.title:
        ax.set_title(spec.title)
    if spec.xlabel:
        ax.set_xlabel(spec.xlabel)
    if spec.ylabel:
        ax.set_ylabel(spec.ylabel)


def _colorbar(fig: Figure, ax: Any, spec: HeatmapSpec, mappable: Any, colors: Colors) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    bar = spec.colorbar
    assert bar is not None
    vertical = bar.orientation == "vertical"
    ticks: Any = list(bar.ticks) if bar.ticks else None
    if ticks is None and spec.norm in ("linear", "sqrt"):
        ticks = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10])
    elif ticks is None and spec.norm == "symlog":
        ticks = _symlog_ticks(colors.norm)
    fmt = bar.format
    formatter = FuncFormatter(lambda v, _pos: format_value(v, fmt)) if fmt else None
    cb = fig.colorbar(
        mappable,
        ax=ax,
        orientation=bar.orientation,
        fraction=0.05 if vertical else 0.08,
        pad=0.02 if vertical else 0.04,
        aspect=28,
        extend=colors.extend,
        extendfrac=0.04,
        ticks=ticks,
        format=formatter,
    )
    cb.outline.set_linewidth(0.5)
    cb.ax.tick_params(length=2.5, width=0.5, size=2.5)
    if bar.label:
        cb.set_label(bar.label)


def _dendrograms(ax: Axes, panel: Panel) -> None:
    """Trees of a clustered block beside the map: rows on the left (the row
    labels move to the right), columns on top."""
    import matplotlib as mpl

    ink = mpl.rcParams["axes.edgecolor"]
    if panel.row_tree:
        side = ax.inset_axes((-0.2, 0.0, 0.18, 1.0))
        for segment in panel.row_tree:
            side.plot(segment[4:], segment[:4], color=ink, linewidth=0.7)
        side.set_ylim(ax.get_ylim())
        side.invert_xaxis()
        side.set_axis_off()
        ax.yaxis.tick_right()
        ax.yaxis.set_label_position("right")
    if panel.col_tree:
        top = ax.inset_axes((0.0, 1.02, 1.0, 0.18))
        for segment in panel.col_tree:
            top.plot(segment[:4], segment[4:], color=ink, linewidth=0.7)
        top.set_xlim(ax.get_xlim())
        top.set_axis_off()


def _symlog_ticks(norm: Any) -> list[float]:
    """0 and whole decades beyond the linear zone, so labels never crowd at 0."""
    lo, hi, linthresh = float(norm.vmin), float(norm.vmax), float(norm.linthresh)
    first = math.ceil(math.log10(linthresh * 10))
    ticks = [0.0] if lo <= 0 <= hi else []
    top = max(abs(lo), abs(hi))
    for k in range(first, math.floor(math.log10(top)) + 1 if top > 0 else first):
        ticks += [v for v in (10.0**k, -(10.0**k)) if lo <= v <= hi]
    return sorted(ticks) or [lo, hi]


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
    size: float
    cells: list[tuple[int, int, str, Any]]
    widest_pt: float


def _annotations(spec: HeatmapSpec, matrix: LabelledMatrix, colors: Colors) -> Annotations | None:
    import matplotlib as mpl

    if spec.annotate is False:
        return None
    rows, cols = matrix.shape
    if spec.annotate == "auto" and rows * cols > ANNOTATE_AUTO_LIMIT:
        return None
    if rows * cols > MAX_ANNOTATED:
        raise RenderError(
            f"'annotate: true' would write {rows * cols:,} values into cells; at most "
            f"{MAX_ANNOTATED:,} cells are annotated (use annotate: auto, or select rows "
            "and columns)",
            key="annotate",
        )
    fmt = spec.fmt or auto_fmt(matrix.values)
    size = max(_points(mpl.rcParams["font.size"]) * 0.85, 6.0)
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
    widest = _Measure(size).widest([text for _, _, text, _ in cells])
    return Annotations(size, cells, widest)


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


class _Measure:
    """Text extents in points for the current rc font, without drawing."""

    def __init__(self, size: float) -> None:
        from matplotlib.backends.backend_agg import RendererAgg
        from matplotlib.font_manager import FontProperties

        self.prop = FontProperties(size=size)
        self.renderer = RendererAgg(10, 10, 72.0)  # type: ignore[no-untyped-call]
        self._widths: dict[str, float] = {}

    def width(self, text: str) -> float:
        if not text:
            return 0.0
        if text not in self._widths:
            w, _h, _d = self.renderer.get_text_width_height_descent(  # type: ignore[no-untyped-call]
                text, self.prop, ismath=False
            )
            self._widths[text] = float(w)
        return self._widths[text]

    def widest(self, texts: Sequence[str]) -> float:
        """The widest of ``texts``; past ``MEASURED`` of them, the widest of the
        longest ``MEASURED`` (a hundred thousand labels cannot all be shown,
        and measuring each costs more than drawing the figure)."""
        if len(texts) > MEASURED:
            texts = heapq.nlargest(MEASURED, set(texts), key=len)
        return max((self.width(text) for text in texts), default=0.0)

    def height(self) -> float:
        _w, h, _d = self.renderer.get_text_width_height_descent(  # type: ignore[no-untyped-call]
            "Ag", self.prop, ismath=False
        )
        return float(h)


@dataclass(frozen=True)
class Layout:
    figsize: tuple[float, float]
    xstep: int  # 0 = no labels
    ystep: int
    xrotation: float
    cell_pt: tuple[float, float]  # width, height of one cell

    def fits(self, notes: Annotations) -> bool:
        """Whether every cell's text fits inside its cell."""
        width, height = self.cell_pt
        return notes.widest_pt + 3 <= width and notes.size * 1.25 <= height

    @classmethod
    def compute(cls, panel: Panel, rc: Any, notes: Annotations | None) -> Layout:
        spec, matrix = panel.spec, panel.matrix
        rows, cols = matrix.shape
        xm = _Measure(_points(rc["xtick.labelsize"], rc))
        ym = _Measure(_points(rc["ytick.labelsize"], rc))
        ywidth = ym.widest(matrix.y_labels) / 72
        xheight, yheight = xm.height(), ym.height()
        widest_x = xm.widest(matrix.x_labels)
        note_w = (notes.widest_pt + 4) / 72 if notes else 0.0

        # Cells: wide enough for the text asked for, small enough that the
        # whole map fits a content column.
        cell_w = min(max(5.0 / cols, 0.12), 0.55)
        cell_h = min(max(3.6 / rows, 0.12), 0.45)
        if notes is not None and spec.annotate is True:
            cell_w = max(cell_w, note_w)
            cell_h = max(cell_h, (notes.size * 1.6) / 72)
        if cols <= 8 and spec.xtick_rotation == "auto":
            # Few columns: widen them so labels stay horizontal.
            cell_w = max(cell_w, min(_label_room(widest_x, xheight) * 1.1 / 72, 1.4))
        if rows <= 10 and cols <= 10:
            # Small matrices (confusion matrices) read best with square-ish cells.
            cell_h = max(cell_h, min(cell_w, 0.8))
        if spec.square:
            cell_w = cell_h = min(max(cell_w, cell_h), 0.55)
        colorbar_w = 0.0
        if spec.dendrogram and panel.row_tree:
            colorbar_w += 0.8  # the tree on the left pushes the labels right
        if spec.colorbar is not None and spec.colorbar.orientation == "vertical":
            colorbar_w += 0.75 + (0.22 if spec.colorbar.label else 0.0)
        left = ywidth + 0.15 + (0.3 if spec.ylabel else 0.0)
        area_w = min(cols * cell_w, MAX_WIDTH_IN - left - colorbar_w - 0.1)
        area_h = min(rows * cell_h, 7.0)
        if spec.square:
            side = min(area_w / cols, area_h / rows)
            area_w, area_h = side * cols, side * rows
        if spec.figsize is not None:
            area_w = max(spec.figsize[0] - left - colorbar_w - 0.2, 0.5)
            area_h = max(spec.figsize[1] - 1.0, 0.5)

        room_x = area_w * 72 / cols
        rotation = _rotation(spec, _label_room(widest_x, xheight), room_x)
        if rotation:
            # Rotated labels are one text height apart across their baselines
            # at best; leave a third of a line between them.
            per_label = 1.3 * xheight / max(math.sin(math.radians(abs(rotation))), 0.2)
        else:
            per_label = _label_room(widest_x, xheight)
        xstep = _step(spec.xticks, cols, area_w * 72, per_label)
        ystep = _step(spec.yticks, rows, area_h * 72, yheight * 1.25)
        cell_pt = (area_w * 72 / cols, area_h * 72 / rows)
        if spec.figsize is not None:
            return cls(spec.figsize, xstep, ystep, rotation, cell_pt)

        shown = matrix.x_labels[::xstep] if xstep else ()
        drop = (
            xm.widest(shown) * math.sin(math.radians(abs(rotation))) + xheight
            if rotation
            else xheight * 1.5
        )
        bottom = drop / 72 + 0.15 + (0.3 if spec.xlabel else 0.0)
        top = (
            0.15
            + (0.35 if spec.title else 0.0)
            + (0.7 if spec.dendrogram and panel.col_tree else 0.0)
        )
        if spec.colorbar is not None and spec.colorbar.orientation == "horizontal":
            bottom += 0.55 + (0.22 if spec.colorbar.label else 0.0)
        width = max(left + area_w + colorbar_w + 0.1, 2.0)
        height = max(top + area_h + bottom, 1.6)
        return cls((round(width, 2), round(height, 2)), xstep, ystep, rotation, cell_pt)


def _ticks(ax: Axes, matrix: LabelledMatrix, layout: Layout) -> None:
    rows, cols = matrix.shape
    if layout.xstep:
        positions = list(range(0, cols, layout.xstep))
        ax.set_xticks(positions, [matrix.x_labels[i] for i in positions])
        if layout.xrotation:
            for label in ax.get_xticklabels():
                label.set_rotation(layout.xrotation)
                label.set_horizontalalignment("right" if layout.xrotation > 0 else "left")
                label.set_rotation_mode("anchor")
    else:
        ax.set_xticks([])
    if layout.ystep:
        positions = list(range(0, rows, layout.ystep))
        ax.set_yticks(positions, [matrix.y_labels[i] for i in positions])
    else:
        ax.set_yticks([])


def _label_room(width_pt: float, height_pt: float) -> float:
    """Space a horizontal label needs along the axis, with a gap to the next."""
    return width_pt + height_pt * 0.8


def _step(setting: str | int, count: int, length_pt: float, per_label_pt: float) -> int:
    """Every Nth label; ``auto`` thins so neighbouring labels never touch."""
    if setting == "none":
        return 0
    if setting == "all":
        return 1
    if isinstance(setting, int):
        return setting
    room = length_pt / max(count, 1)
    return max(1, math.ceil(per_label_pt * 1.05 / room))


def _rotation(spec: HeatmapSpec, needed_pt: float, cell_pt: float) -> float:
    if spec.xtick_rotation != "auto":
        return float(spec.xtick_rotation)
    return 0.0 if needed_pt * 1.05 <= cell_pt else 45.0


def _points(size: Any, rc: Any = None) -> float:
    if isinstance(size, (int, float)):
        return float(size)
    import matplotlib as mpl

    base = float((rc or mpl.rcParams)["font.size"])
    scale = {
        "xx-small": 0.579,
        "x-small": 0.694,
        "small": 0.833,
        "medium": 1.0,
        "large": 1.2,
        "x-large": 1.44,
        "xx-large": 1.728,
        "smaller": 0.833,
        "larger": 1.2,
    }
    return base * scale.get(str(size), 1.0)


def _default_salt(plot: Plot) -> str:
    digest = hashlib.sha256(json.dumps(plot.spec.as_dict(), sort_keys=True, default=str).encode())
    for panel in plot.panels:
        digest.update(panel.matrix.values.tobytes())
    return digest.hexdigest()[:16]


def _num(value: float) -> str:
    return f"{value:.6g}"


def _reason(exc: BaseException) -> str:
    return one_line(" ".join(str(exc).split()))[:300] or type(exc).__name__
