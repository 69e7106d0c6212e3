"""Colormap names, known without importing matplotlib.

A site's ``defaults: {cmap: ...}`` is checked when the config loads, and a
site without blocks must not pay for a matplotlib import to do it, so the
names matplotlib registers are listed here (a test keeps the list equal to
the installed matplotlib's).  A name outside it may still be a colormap a
third-party package registered: only then is matplotlib asked.
"""

from __future__ import annotations

from .messages import q, suggest

_NAMES = """
Accent Blues BrBG BuGn BuPu CMRmap Dark2 GnBu Grays Greens Greys OrRd Oranges PRGn Paired
Pastel1 Pastel2 PiYG PuBu PuBuGn PuOr PuRd Purples RdBu RdGy RdPu RdYlBu RdYlGn Reds Set1
Set2 Set3 Spectral Wistia YlGn YlGnBu YlOrBr YlOrRd afmhot autumn berlin binary bone brg bwr
cividis cool coolwarm copper cubehelix flag gist_earth gist_gray gist_grey gist_heat
gist_ncar gist_rainbow gist_stern gist_yarg gist_yerg gnuplot gnuplot2 gray grey hot hsv
inferno jet magma managua nipy_spectral ocean okabe_ito pink plasma prism rainbow seismic
spring summer tab10 tab20 tab20b tab20c terrain turbo twilight twilight_shifted vanimo
viridis winter
"""

BUILTIN_COLORMAPS: frozenset[str] = frozenset(
    name + suffix for name in _NAMES.split() for suffix in ("", "_r")
)
"""matplotlib's own colormaps, each also reversed (``_r``)."""


def colormap_problem(name: str) -> str | None:
    """Why ``name`` is not a colormap (with the closest name), or ``None``."""
    if name in BUILTIN_COLORMAPS:
        return None
    import matplotlib as mpl

    if name in mpl.colormaps:
        return None
    return f"unknown colormap {q(name)}{suggest(name, sorted(mpl.colormaps))}"
