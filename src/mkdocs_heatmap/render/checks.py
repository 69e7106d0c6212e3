"""The checks before drawing: what a block asks that its figure cannot show.

Colors and color names, mathtext, glyphs, the widest text a ``fmt`` writes,
the norm, and the pixels of a PNG: each a ``RenderError`` naming the key at
fault, raised before any figure is built, so ``check`` and the build report
the same problems.  ``render.precheck`` runs them in order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..data.derive import hidden_cells
from ..errors import RenderError
from ..fonts import NoGlyph, is_math, with_fallback
from ..model import MAX_FORMATTED, MAX_PIXELS, LabelledMatrix, Plot, Rc
from ..numbers import format_value, message_number
from ..spec import HeatmapSpec
from .colors import Colors, FloatArray, check_norm, colormap, limits


def validate(spec: HeatmapSpec) -> None:
    """Checks that need matplotlib but not the data: colormap and color names."""
    from matplotlib.colors import is_color_like

    colormap(spec, "light")
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
                _check_width(
                    spec.fmt, value, f"the {what} value {message_number(value)} ({where})", "fmt"
                )
    _check_bar(spec, colors.norm.vmin, colors.norm.vmax)


def check_own_scale(spec: HeatmapSpec, matrix: LabelledMatrix) -> None:
    """A grid's panel drawn on the shared scale, checked as on its own: its
    norm on its own cells and its colorbar ``format`` on its own range.  No
    colors are computed: only the scale's ends."""
    values = matrix.values
    shown = np.isfinite(values) & ~hidden_cells(spec, matrix)
    visible = values[shown]
    vmin, vmax = limits(spec, visible)
    check_norm(spec, matrix, visible, shown, vmin)
    _check_bar(spec, vmin, vmax)


def _check_bar(spec: HeatmapSpec, vmin: float | None, vmax: float | None) -> None:
    bar = spec.colorbar
    if bar is not None and bar.format is not None:
        for what, end in (("bottom", vmin), ("top", vmax)):
            value = float(end or 0.0)
            _check_width(
                bar.format, value, f"the colorbar's {what}, {message_number(value)},", "colorbar"
            )


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


def check_pixels(size_in: Any, dpi: float, scale: int) -> None:
    """A PNG of ``size_in`` inches at ``dpi`` (``scale`` times the block's)
    within ``MAX_PIXELS``."""
    width, height = (round(float(side) * dpi) for side in size_in)
    if width * height > MAX_PIXELS:
        doubled = " (doubled for high-density screens)" if scale == 2 else ""
        raise RenderError(
            f"the PNG would be {width:,} x {height:,} pixels at {dpi / scale:g} dpi{doubled}, "
            f"over the limit of {MAX_PIXELS // 1_000_000} megapixels; lower 'dpi' or 'figsize'",
            key="dpi",
        )
