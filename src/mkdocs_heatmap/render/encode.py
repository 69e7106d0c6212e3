"""A built figure to bytes: saved as its format says, then smaller and reproducible.

How a format is saved (resolution, the metadata left out) and the byte
steps after saving come from ``formats.FORMATS``; the steps are named
there and defined here.  What is fragile about matplotlib's output (the
ids of its SVG, how it embeds rasters, the date in a PostScript file) is
handled in ``mplx``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import mplx
from ..fonts import postscript_outlined
from ..formats import CSS_PX_PER_INCH, OutputFormat

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def save(
    fig: Figure, fmt: OutputFormat, *, block_dpi: float | None, scale: int, raster_cells: bool
) -> bytes:
    """``fig`` as a ``fmt`` file, at ``scale`` times the block's ``dpi``
    where the format follows it; ``raster_cells``: a panel is drawn as an
    embedded raster (``fmt.vector_cells``).  Call under the style."""
    import matplotlib as mpl

    buffer = io.BytesIO()
    options: dict[str, Any] = {"metadata": dict(fmt.metadata)}
    dpi = resolution(fmt, block_dpi, scale)
    if dpi is not None:
        options["dpi"] = dpi
    with mpl.rc_context(print_fonts(fmt, mpl.rcParams)):
        fig.savefig(buffer, format=fmt.name, **options)
    content = buffer.getvalue()
    for step in fmt.compact:
        content = STEPS[step](content, raster_cells)
    return content


def resolution(fmt: OutputFormat, block_dpi: float | None, scale: int) -> float | None:
    """The dpi ``fmt`` is saved at; ``None``: the style's ``savefig.dpi``."""
    if fmt.dpi == "block":
        return pixel_dpi(block_dpi, scale)
    if fmt.dpi == "style":
        return None
    return fmt.dpi


def pixel_dpi(block_dpi: float | None, scale: int) -> float:
    """A PNG's pixels per inch: the block's ``dpi`` (CSS pixels by default)
    times ``scale``."""
    return float(block_dpi or CSS_PX_PER_INCH) * scale


def print_fonts(fmt: OutputFormat, rc: Any) -> Any:
    """Font embedding for a print file: TrueType (Type 42) as the style pins
    it, except where the format holds TrueType outlines only and a font the
    figure uses has PostScript (CFF) outlines: that file gets Type 3."""
    if fmt.cff_as_type3 and postscript_outlined(rc):
        return {"ps.fonttype": 3}
    return {}


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


def _compact_rasters(svg: bytes, raster_cells: bool) -> bytes:
    """Embedded cell rasters re-encoded as palette PNGs, losslessly.

    matplotlib embeds RGBA PNGs; a heatmap raster holds at most the colormap's
    256 colors plus the missing and masked colors, so an indexed PNG carries
    the same pixels in about a quarter of the bytes.  Skipped unless the
    figure has raster cells: its other rasters (a colorbar's gradient) are small.
    """
    return mplx.replace_embedded_pngs(svg, compact_png) if raster_cells else svg


STEPS: Mapping[str, Callable[[bytes, bool], bytes]] = {
    "crisp_cells": lambda svg, _raster: mplx.crisp_cells(svg),
    "compact_embedded_rasters": _compact_rasters,
    "compact_png": lambda png, _raster: compact_png(png),
    "drop_eps_date": lambda eps, _raster: mplx.drop_eps_date(eps),
}
"""The byte steps ``formats.OutputFormat.compact`` names: (bytes, whether
the figure has raster cells) -> bytes."""
