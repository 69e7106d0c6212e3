"""(figure, style) -> image bytes, with matplotlib's object API on Agg.

The renderer is four concerns, a module each: the checks before drawing
(``checks``); each panel's colors, norm and cell texts (``colors``);
building the figure (``draw``); its bytes (``encode``).  This module puts
them in order: ``precheck`` once per figure (it lays the figure out and
paints its first variant), then one ``render`` per image, every image of a
variant drawn from that variant's one ``Scene``.

Every rcParam comes from the resolved style (pinned settings on top), so the
same input gives byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import NamedTuple

from ..errors import OUT_OF_MEMORY, HeatmapError, RenderError
from ..formats import CSS_PX_PER_INCH, VECTOR_CELL_LIMIT, output_format
from ..layout import FigureLayout
from ..messages import one_line
from ..model import Image, Plot, Rc
from ..mplx import missing_glyph
from ..style import check_rc
from .checks import (
    check_formats,
    check_math,
    check_own_scale,
    check_pixels,
    validate,
    with_fonts,
)
from .colors import (
    NAN_COLOR,
    Scene,
    cell_colors,
    contrast_ratio,
    highlight_cells,
    paint,
    relative_luminance,
    shared_panels,
)
from .draw import build_figure, figure_layout, map_boxes, rc_for, seal_cells
from .encode import pixel_dpi, save

__all__ = [
    "NAN_COLOR",
    "VECTOR_CELL_LIMIT",
    "Checked",
    "build_figure",
    "cell_colors",
    "contrast_ratio",
    "highlight_cells",
    "precheck",
    "rc_for",
    "relative_luminance",
    "render",
    "render_all",
    "seal_cells",
]


class Checked(NamedTuple):
    """What ``precheck`` found the figure needs: the style to draw with
    (fallback fonts added for characters the style's fonts lack), the
    layout every variant and scale shares, and the scene of the variant it
    checked."""

    rc: Rc
    layout: FigureLayout
    scene: Scene


def precheck(plot: Plot, rc: Rc, variant: str = "light") -> Checked:
    """Everything that can be checked without drawing, once per figure, so
    `check` and the build report the same problems: colors, style, math,
    mask, norm, fmt, glyphs and the PNG's size.  Raises ``RenderError``
    naming the key at fault.  The checks read the scene of ``variant`` (any
    variant: they find the same), which its images are then drawn from."""
    import matplotlib as mpl

    try:
        check_rc(rc, "style")
    except HeatmapError as exc:
        raise RenderError(exc.message, key="style") from None
    rc = with_fonts(plot, rc)
    with mpl.rc_context(rc_for(rc, "light")):
        for panel in plot.panels:
            validate(panel.spec)
            check_math(panel.spec, panel.matrix)
        # Panels drawn on a grid's shared scale: what their own scale would
        # have refused is still theirs to report, in their own words.
        for panel, shared in zip(plot.panels, shared_panels(plot), strict=True):
            if shared:
                check_own_scale(panel.spec, panel.matrix)
        scene = paint(plot, variant, lambda one, cells: check_formats(one.spec, one.matrix, cells))
        layout = figure_layout(plot, mpl.rcParams, scene)
    fmt = output_format(plot.spec.format)
    if fmt.dpi == "block":  # the largest file's pixels
        top = max(fmt.scales)
        check_pixels(layout.size, pixel_dpi(plot.spec.dpi, top), top)
    return Checked(rc, layout, scene)


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
    return _render(plot, rc, variant, transparent, scale, salt, format, layout, {})


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
    The checks before drawing run once for all of them, and each variant is
    painted once for all its scales; any exception becomes a ``RenderError``.
    ``format`` overrides the block's."""
    with _as_render_error("check"):
        # One layout for every variant and scale: only colors and resolution differ.
        rc, layout, scene = precheck(plot, rc, variants[0])
    fmt = output_format(format or plot.spec.format)
    scenes = {scene.variant: scene}
    return [
        _render(plot, rc, variant, transparent, scale, salt, fmt.name, layout, scenes)
        for variant in variants
        for scale in (fmt.scales if scales is None else scales)
    ]


def _render(
    plot: Plot,
    rc: Rc,
    variant: str,
    transparent: bool,
    scale: int,
    salt: str,
    format: str | None,
    layout: FigureLayout | None,
    scenes: dict[str, Scene],
) -> Image:
    """``render``, with the scenes painted so far (one per variant, shared
    by its scales); a variant not among them is painted and added."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    spec = plot.spec
    fmt = output_format(format or spec.format)
    settings = rc_for(rc, variant, transparent=transparent, salt=salt or _default_salt(plot))
    try:
        with mpl.rc_context(settings), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            scene = scenes.get(variant) or scenes.setdefault(variant, paint(plot, variant))
            fig = build_figure(
                plot, variant=variant, vector_cells=fmt.vector_cells, layout=layout, scene=scene
            )
            FigureCanvasAgg(fig)
            if fmt.dpi == "block":
                check_pixels(fig.get_size_inches(), pixel_dpi(spec.dpi, scale), scale)
            if fmt.print:
                seal_cells(fig)
            raster = any(p.matrix.values.size > fmt.vector_cells for p in plot.panels)
            content = save(fig, fmt, block_dpi=spec.dpi, scale=scale, raster_cells=raster)
        _raise_for(caught)
    except RenderError:
        raise
    except MemoryError:
        raise RenderError(OUT_OF_MEMORY) from None
    except Exception as exc:  # matplotlib's, on input it could not handle
        raise RenderError(f"matplotlib could not draw the figure: {_reason(exc)}") from None
    width_in, height_in = fig.get_size_inches()
    return Image(
        content=content,
        format=fmt.name,
        width=round(width_in * CSS_PX_PER_INCH),
        height=round(height_in * CSS_PX_PER_INCH),
        maps=map_boxes(layout) if layout is not None else (),
        variant=variant,
        scale=scale,
    )


@contextmanager
def _as_render_error(doing: str) -> Iterator[None]:
    """matplotlib's exceptions (on input it could not handle) as a ``RenderError``."""
    try:
        yield
    except HeatmapError:
        raise
    except MemoryError:
        raise RenderError(OUT_OF_MEMORY) from None
    except Exception as exc:
        raise RenderError(f"matplotlib could not {doing} the figure: {_reason(exc)}") from None


def _raise_for(caught: list[warnings.WarningMessage]) -> None:
    """matplotlib warns (and draws a box) for a character its font lacks; a
    figure with boxes for labels is broken, so say which character and how to
    fix it.  Other warnings are matplotlib's business, not the reader's."""
    for warning in caught:
        found = missing_glyph(str(warning.message))
        if found:
            code, font = found
            raise RenderError(
                f"the font {font} has no glyph for {chr(code)!r} (U+{code:04X}) in a label "
                "or title; remove it or pick a font that has it, e.g. "
                "style: {font.family: Noto Sans CJK JP}"
            )


def _default_salt(plot: Plot) -> str:
    digest = hashlib.sha256(json.dumps(plot.spec.as_dict(), sort_keys=True, default=str).encode())
    for panel in plot.panels:
        digest.update(panel.matrix.values.tobytes())
    return digest.hexdigest()[:16]


def _reason(exc: BaseException) -> str:
    return one_line(" ".join(str(exc).split()))[:300] or type(exc).__name__
