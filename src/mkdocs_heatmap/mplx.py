"""Every private or fragile use of matplotlib, each behind one small named function.

Each function leans on something matplotlib does not promise: a private
function, an undocumented attribute, the wording of a warning, the ids and
the encoding its SVG writer uses, the comment its PostScript writer dates a
file with.  Keeping them here means one file to read when matplotlib
changes, and ``tests/test_mplx.py`` holds a test per function that fails
when the behaviour it relies on is gone.  matplotlib is imported inside each
function: importing this module costs nothing.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

# --------------------------------------------------------------------------
# Style.


def validate_rc(key: str, value: Any) -> Any:
    """``value`` as matplotlib would store it for the rcParam ``key``;
    ``ValueError`` or ``TypeError`` when matplotlib refuses it.  The
    validators are a class attribute of ``RcParams``, not public API."""
    import matplotlib as mpl

    return mpl.rcParams.validate[key](value)


def svg_id_salt(salt: str) -> dict[str, str]:
    """rcParams that make the ids matplotlib gives SVG elements (clip paths,
    glyphs, hatches) derive from ``salt``: unique per figure on a page,
    the same bytes every time."""
    return {"svg.hashsalt": salt}


# --------------------------------------------------------------------------
# Fonts.


@lru_cache(maxsize=1)
def text_renderer() -> Any:
    """An Agg renderer to measure text with, as the figure will draw it,
    without a figure: matplotlib has no public way to measure a text."""
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(10, 10, 72.0)  # type: ignore[no-untyped-call]


def installed_fonts() -> list[tuple[str, str]]:
    """(family, file) of every font matplotlib knows (its ``ttflist``)."""
    from matplotlib import font_manager

    return [(entry.name, entry.fname) for entry in font_manager.fontManager.ttflist]


def font_file(family: str) -> tuple[str, int] | None:
    """The file and face (in a collection such as a ``.ttc``) matplotlib
    draws ``family`` from, or ``None`` when no installed font is it."""
    from matplotlib.font_manager import FontProperties, findfont

    try:
        path = findfont(FontProperties(family=[family]), fallback_to_default=False)
    except ValueError:
        return None
    # matplotlib 3.10+ returns a str carrying the face's index in a collection.
    return str(path), int(getattr(path, "face_index", 0) or 0)


def reload_system_fonts() -> None:
    """Read the system fonts again (and rewrite matplotlib's font cache
    file), for fonts installed after that file was written.

    The live font manager is updated in place, as matplotlib restores one
    from its cache file (its whole state is its ``__dict__``): its backends
    and ``findfont`` hold that object, so swapping the module's
    ``fontManager`` for a new one would leave them with the old list."""
    from matplotlib import font_manager

    fresh = font_manager._load_fontmanager(try_read_cache=False)  # type: ignore[attr-defined]
    live = font_manager.fontManager
    live.__dict__.update(fresh.__dict__)
    live._findfont_cached.cache_clear()  # type: ignore[attr-defined]


# matplotlib's warning for a character no font of the text has, e.g.
# "Glyph 20013 (\N{CJK UNIFIED IDEOGRAPH-4E2D}) missing from font(s) DejaVu Sans."
_MISSING_GLYPH = re.compile(r"Glyph (\d+) .*missing from font\(s\) (.+?)\.?$")


def missing_glyph(message: str) -> tuple[int, str] | None:
    """(code point, fonts) when ``message`` is matplotlib's warning that a
    character has no glyph in the text's fonts (it draws a box instead)."""
    match = _MISSING_GLYPH.search(message)
    return (int(match[1]), match[2]) if match else None


# --------------------------------------------------------------------------
# Saved files.


def crisp_cells(svg: bytes) -> bytes:
    """Draw the cell mesh without antialiasing.

    Browsers antialias each cell's edges on their own, so the page shows
    through as hairline seams between cells (a dark grid on dark pages);
    crispEdges butts the cells together exactly.  matplotlib names the
    group of a ``pcolormesh`` ``QuadMesh_<n>``.
    """
    return svg.replace(b'<g id="QuadMesh_', b'<g shape-rendering="crispEdges" id="QuadMesh_')


# How matplotlib's SVG writer embeds a raster: a data URL, base64 in lines.
_EMBEDDED_PNG = re.compile(rb'(data:image/png;base64,\n)([A-Za-z0-9+/=\n]+)"')


def replace_embedded_pngs(svg: bytes, change: Callable[[bytes], bytes]) -> bytes:
    """``svg`` with each embedded PNG replaced by ``change(png)``; one that
    ``change`` returns as it was given keeps its text as matplotlib wrote it."""

    def one(match: re.Match[bytes]) -> bytes:
        raw = base64.b64decode(match[2])
        changed = change(raw)
        if changed is raw:
            return match[0]
        return match[1] + base64.encodebytes(changed).rstrip(b"\n") + b'"'

    return _EMBEDDED_PNG.sub(one, svg)


# PostScript writes the time it was made (whatever the metadata says);
# reproducible files leave it out.
_EPS_DATE = re.compile(rb"%%CreationDate:[^\n]*\n")


def drop_eps_date(eps: bytes) -> bytes:
    """``eps`` without the ``%%CreationDate`` comment matplotlib writes."""
    return _EPS_DATE.sub(b"", eps)
