"""Where everything goes: our own layout for heatmaps and grids of panels.

matplotlib's constrained layout measures every text by drawing the figure,
then draws it again; with an equal aspect and a colorbar it can still push an
axis title off the canvas.  Here each distinct text is measured once from the
font (cached per font, size and string), tick steps and label rotation are
chosen, cells are sized from the content within bounds, and the title, axis
titles, tick labels, colorbar and dendrograms are placed around the cell grid
with fixed gaps.  The figure's size follows from that, so every text lies
inside the canvas by construction, and the figure is drawn once.

Pure geometry, in inches from the figure's bottom-left corner (points where
a name says so): nothing here makes a Figure.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from .fonts import concrete, generation, is_math
from .model import Plot
from .mplx import text_renderer

PT = 1 / 72  # inches per point

# Cells: a target size (for a font of 9 pt; scaled with the font), bounds, and
# the largest map a docs column holds at 1:1.
CELL_W, CELL_H = 0.36, 0.17
SMALL = 10  # rows and columns up to which a matrix gets roomy, near-square cells
FEW, WIDE_CELL = 8, 1.4  # up to FEW columns, cells widen (to WIDE_CELL) for level labels
MIN_CELL, MAX_CELL = 0.012, 0.6
MAX_WIDTH = 6.8  # inches: a typical docs content column
MAX_MAP_HEIGHT = 7.0
SMALL_MAP_HEIGHT = 3.2  # inches: the tallest a small matrix's map grows to be near-square
EDGE = 4.0  # pt of margin at every edge of the canvas
# Text drawn at screen and print resolutions runs up to a few percent wider
# than measured at 72 dpi (hinting): long texts placed against an edge keep
# this much extra room.
SLACK = 1.04
NOTE_FLOOR = 6.0  # pt: cell text never gets smaller than this
# Round steps: 1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, ... up to ten million.
NICE_STEPS: tuple[int, ...] = tuple(
    sorted(
        {int(m * 10**e) for e in range(8) for m in (1, 2, 5)} | {int(25 * 10**e) for e in range(7)}
    )
)
TINY_CELL = 1e-9  # inches: a floor above zero, for maps wider than a column in any case


# --------------------------------------------------------------------------
# Measuring text.


@lru_cache(maxsize=20_000)
def _extent(
    fonts_read: int, family: tuple[str, ...], size: float, weight: str, text: str
) -> tuple[float, float]:
    """Width and height in points of one line of text, as Agg lays it out
    with the ``fonts_read``-th reading of the system fonts."""
    from matplotlib.font_manager import FontProperties

    renderer = text_renderer()
    prop = FontProperties(family=list(family), size=size, weight=weight)
    math_text = is_math(text)
    w, h, _d = renderer.get_text_width_height_descent(text, prop, ismath=math_text)
    if not math_text:
        # A line is at least as tall as "lp", as matplotlib lays text out.
        _w, lp, _ = renderer.get_text_width_height_descent("lp", prop, ismath=False)
        h = max(h, lp)
    return float(w), float(h)


class Fonts:
    """Text sizes under the current style (its rcParams)."""

    def __init__(self, rc: Any) -> None:
        self.family = tuple(concrete(rc))
        self.rc = rc

    def size(self, key: str) -> float:
        return points(self.rc[key], self.rc)

    def extent(self, text: str, size: float, weight: str = "normal") -> tuple[float, float]:
        """(width, height) in points; several lines stack at 1.2 line spacing."""
        lines = text.split("\n")
        sizes = [_extent(generation(), self.family, size, weight, line) for line in lines]
        width = max(w for w, _ in sizes)
        height = sizes[0][1] + sum(h * 1.2 for _, h in sizes[1:])
        return width, height

    def widest(self, texts: Sequence[str], size: float, limit: int = 1_000) -> float:
        """The widest of ``texts``; past ``limit`` of them, the widest of the
        longest ``limit`` (a hundred thousand labels cannot all be shown)."""
        if len(texts) > limit:
            texts = sorted(set(texts), key=len, reverse=True)[:limit]
        return max((self.extent(t, size)[0] for t in texts), default=0.0)

    def line(self, size: float) -> float:
        return _extent(generation(), self.family, size, "normal", "lp")[1]


_SIZES = {
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


def points(size: Any, rc: Any) -> float:
    """A font size (number or name such as "small") in points."""
    if isinstance(size, (int, float)):
        return float(size)
    try:
        return float(size)
    except (TypeError, ValueError):
        return float(rc["font.size"]) * _SIZES.get(str(size), 1.0)


# --------------------------------------------------------------------------
# The result.


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def top(self) -> float:
        return self.y + self.h


@dataclass(frozen=True)
class Label:
    """A text placed at (x, y) inches with an alignment and rotation."""

    text: str
    x: float
    y: float
    size: float
    ha: str = "center"
    va: str = "baseline"
    rotation: float = 0.0
    weight: str = "normal"
    role: str = ""  # title, xlabel, ylabel, colorbar


@dataclass(frozen=True)
class Ticks:
    positions: tuple[int, ...]  # cell indices that get a label
    labels: tuple[str, ...]
    rotation: float = 0.0
    side: str = ""  # bottom | left | right
    size: float | None = None  # pt, when smaller than the style's (labels shrunk to fit)
    # Listed labels (``yticks: [a, b]``) too close to stand at their cells:
    # where each is drawn instead (cell units), with a leader line to its cell.
    places: tuple[float, ...] | None = None
    offset: float = 0.0  # pt past the usual pad: a group strip between them and the map


@dataclass(frozen=True)
class BarPlace:
    box: Box
    orientation: str
    ticks: tuple[float, ...]
    labels: tuple[str, ...]
    label: Label | None


@dataclass(frozen=True)
class LegendPlace:
    """A legend of groups: each group's color swatch and name, and a title."""

    swatches: tuple[Box, ...]
    labels: tuple[Label, ...]
    title: Label | None = None


@dataclass(frozen=True)
class PanelPlace:
    map: Box
    xticks: Ticks
    yticks: Ticks
    note_size: float | None  # cell text in points; None: no cell text
    texts: tuple[Label, ...] = ()  # the panel's title and axis titles
    bar: BarPlace | None = None  # a colorbar of its own
    row_tree: Box | None = None
    col_tree: Box | None = None
    row_strip: Box | None = None  # row_groups' strip, left of the map
    col_strip: Box | None = None  # col_groups' strip, above it
    legends: tuple[LegendPlace, ...] = ()  # the groups' legends, right of everything


@dataclass(frozen=True)
class FigureLayout:
    size: tuple[float, float]
    panels: tuple[PanelPlace, ...]
    bar: BarPlace | None = None  # one colorbar shared by the panels
    texts: tuple[Label, ...] = ()  # the figure's own title and axis titles


# --------------------------------------------------------------------------
# What a panel asks for.


@dataclass(frozen=True)
class ColorbarAsk:
    ticks: tuple[float, ...]
    labels: tuple[str, ...]
    label: str | None
    orientation: str
    places: tuple[float, ...] = ()  # each tick's place along the bar, 0 to 1 (its norm)


@dataclass(frozen=True)
class LegendAsk:
    """A legend the panel needs: its title and the names of its groups."""

    title: str | None
    entries: tuple[str, ...]


@dataclass(frozen=True)
class PanelAsk:
    """A panel as the layout sees it: shape, labels, texts, what it needs."""

    rows: int
    cols: int
    x_labels: tuple[str, ...]
    y_labels: tuple[str, ...]
    xticks: str | int | tuple[str, ...] = "auto"
    yticks: str | int | tuple[str, ...] = "auto"
    rotation: str | float = "auto"
    square: bool = False
    title: str | None = None
    xlabel: str | None = None
    ylabel: str | None = None
    notes: tuple[str, ...] = ()  # every cell text; empty: none wanted
    notes_required: bool = False  # annotate: true (else: only if they fit)
    bar: ColorbarAsk | None = None
    row_tree: bool = False
    col_tree: bool = False
    show_x: bool = True  # tick labels (a grid shows them once per row/column)
    show_y: bool = True
    x_span: int = 0  # cells laid out along the axis (a grid's row of panels); 0: cols
    y_span: int = 0  # ... (a grid's column of panels); 0: rows
    letter: str | None = None  # the panel's label ("(a)"), at its top left
    row_strip: bool = False  # a strip of row groups' colors beside the map
    col_strip: bool = False  # ... of column groups' colors above it
    legends: tuple[LegendAsk, ...] = ()


# --------------------------------------------------------------------------
# Ticks.


def _numbers(labels: Sequence[str]) -> list[float] | None:
    try:
        return [float(label) for label in labels]
    except ValueError:
        return None


def _positions(labels: Sequence[str], step: int) -> tuple[int, ...]:
    """Every ``step``-th label; on an evenly spaced whole-number axis, the
    labels whose value is a multiple of the step (0, 10, 20 rather than 1, 11,
    21), so steps read as round numbers."""
    count = len(labels)
    if step <= 1:
        return tuple(range(count))
    values = _numbers(labels)
    if values and count > 1 and all(v.is_integer() for v in values):
        diffs = {values[i + 1] - values[i] for i in range(count - 1)}
        if len(diffs) == 1 and 0 not in diffs:
            (diff,) = diffs
            stride = abs(diff) * step
            picked = tuple(i for i, v in enumerate(values) if v % stride == 0)
            if len(picked) >= max(1, count // step - 1):
                return picked
    return tuple(range(0, count, step))


def _fixed_step(setting: str | int) -> int | None:
    if setting == "all":
        return 1
    if isinstance(setting, int):
        return setting
    return None


def _nice(minimum: float) -> int:
    """The smallest round step that is at least ``minimum``."""
    for step in NICE_STEPS:
        if step >= minimum:
            return step
    return math.ceil(minimum)


@dataclass(frozen=True)
class _AxisChoice:
    positions: tuple[int, ...]
    rotation: float
    extent: float  # pt: how far the labels reach from the axis
    size: float | None = None  # pt: the labels' font size, when not the style's
    before: float = 0.0  # inches slanted labels reach past the map's start
    after: float = 0.0  # ... and past its end
    places: tuple[float, ...] | None = None  # listed labels moved apart (Ticks.places)


# --------------------------------------------------------------------------
# Which labels an axis shows: decided before any font is measured, so the
# build can say so when the block is prepared (``tick_notes``).

TICK_FLOOR = 6.0  # pt: tick labels shrink to this before the figure grows
LINE_EM = 1.2  # a line of text is at most this many times its font size
LABEL_GAP = 1.1  # neighbouring labels: a line and a tenth apart, centre to centre
SLANT_GAP = 1.3  # ... at 45 degrees, measured across the slant
GROWN_MAP_WIDTH = 7.5  # inches: a map widens this far for every category label
GROWN_MAP_HEIGHT = 10.0  # inches: ... and grows this tall


@dataclass(frozen=True)
class AxisPlan:
    """What an axis does with its labels, before measuring them.

    ``every``: the step is kept (1 for categories under ``auto`` and for
    ``all``, N for ``N``): the labels rotate, shrink to ``TICK_FLOOR`` and the
    map grows until they fit.  ``thinned``: category labels that do not fit
    even then; a round step is chosen and the build log says so.  Neither:
    a number scale, thinned to round steps."""

    every: bool
    step: int = 1
    thinned: bool = False
    floor: float = TICK_FLOOR
    listed: bool = False  # a list of labels: exactly those, never thinned


def axis_plan(
    labels: Sequence[str],
    setting: str | int | tuple[str, ...],
    size: float,
    *,
    rotation: str | float | None = None,
    span: int = 0,
) -> AxisPlan:
    """The plan of one axis: ``labels`` under ``xticks``/``yticks`` =
    ``setting`` at a style font of ``size`` pt.  ``rotation`` is the
    x axis' ``xtick_rotation`` (None for the y axis); ``span`` the cells the
    figure lays out along this axis (a grid's row of panels), default the
    labels' count.  Pure: no fonts are measured."""
    floor = min(TICK_FLOOR, size)
    if setting == "none" or not labels:
        return AxisPlan(False, floor=floor)
    if isinstance(setting, tuple):
        return AxisPlan(False, floor=floor, listed=True)
    fixed = _fixed_step(setting)
    if fixed is not None:
        return AxisPlan(True, fixed, floor=floor)
    if _numbers(labels) is not None:
        return AxisPlan(False, floor=floor)
    span = max(span, len(labels))
    limit = GROWN_MAP_WIDTH if rotation is not None else GROWN_MAP_HEIGHT
    if span * _floor_pitch(labels, floor, rotation) * PT <= limit + 1e-9:
        return AxisPlan(True, 1, floor=floor)
    return AxisPlan(False, thinned=True, floor=floor)


def _floor_pitch(labels: Sequence[str], floor: float, rotation: str | float | None) -> float:
    """Points per label that ``labels`` need at the floor size, estimated."""
    line = floor * LINE_EM
    if rotation is None or rotation == "auto":
        return line * LABEL_GAP  # level rows, or columns rotated to 90 degrees
    angle = abs(float(rotation)) % 180
    slant = math.sin(math.radians(angle))
    if slant < 0.2:  # level labels side by side: their width counts
        longest = max(len(label) for label in labels)
        return longest * 0.62 * floor + 0.8 * line
    return line * (LABEL_GAP if slant > 0.99 else SLANT_GAP) / slant


def grown_length(count: int, floor: float) -> float:
    """Inches a map of ``count`` category labels needs at the floor size."""
    return count * floor * LINE_EM * LABEL_GAP * PT


LEADER = 8.0  # pt between the map and listed labels moved apart: their leader lines


def listed(labels: Sequence[str], setting: str | int | tuple[str, ...]) -> tuple[int, ...]:
    """The cells whose labels ``xticks``/``yticks`` list, in axis order."""
    if not isinstance(setting, tuple):
        return ()
    wanted = set(setting)
    return tuple(i for i, label in enumerate(labels) if label in wanted)


def spread(wanted: Sequence[float], gap: float, lo: float, hi: float) -> tuple[float, ...]:
    """Places for labels wanted at ``wanted`` (ascending) at least ``gap``
    apart, within ``lo``..``hi``, each moved as little as it can be: runs of
    labels too close are centred on where they want to be, as a block."""
    runs: list[list[float]] = []  # [start, count, sum of (wanted - index in run * gap)]
    for place in wanted:
        runs.append([place, 1.0, place])
        while True:
            run = runs[-1]
            count = int(run[1])
            run[0] = min(max(run[2] / count, lo), hi - (count - 1) * gap)
            if len(runs) > 1 and runs[-2][0] + runs[-2][1] * gap > run[0] + 1e-12:
                before = runs.pop(-2)
                merged = before[2] + run[2] - before[1] * run[1] * gap
                runs[-1] = [before[0], before[1] + run[1], merged]
                continue
            break
    return tuple(run[0] + k * gap for run in runs for k in range(int(run[1])))


def check_listed(plot: Plot) -> None:
    """Every label ``xticks``/``yticks`` list is one of its axis' labels (of
    the matrix as drawn: selected, clustered, trimmed): else a ``SpecError``
    at the key, with the closest label."""
    from .errors import SpecError
    from .messages import q, suggest

    for n, panel in enumerate(plot.panels, start=1):
        spec, matrix = panel.spec, panel.matrix
        for axis, labels, setting in (
            ("x", matrix.x_labels, spec.xticks),
            ("y", matrix.y_labels, spec.yticks),
        ):
            if not isinstance(setting, tuple):
                continue
            known = set(labels)
            for label in setting:
                if label in known:
                    continue
                what = "column" if axis == "x" else "row"
                where = f"panel {n}: " if plot.spec.panels is not None else ""
                key = f"{axis}ticks"
                if where and plot.spec.line_of(key) is None:
                    key = "panels"
                raise SpecError(
                    f"{where}'{axis}ticks': {q(label)} is not a {what} label of the "
                    f"matrix{suggest(label, labels)}",
                    key=key,
                )


def tick_notes(plot: Plot, rc: Any) -> None:
    """Tell the author (``notes.note``, level info) about category labels the
    figure will thin: called while a block is prepared (``rc`` its resolved
    style), before anything is drawn, with the same decision the layout
    makes (``axis_plan``).  Labels listed that the matrix does not have are
    an error (``check_listed``)."""
    from .notes import note

    check_listed(plot)
    panels = plot.panels
    count = len(panels)
    across = min(plot.spec.ncols or min(count, 4), count) if plot.multi else 1
    for n, panel in enumerate(panels):
        spec, matrix = panel.spec, panel.matrix
        row = range((n // across) * across, min((n // across + 1) * across, count))
        column = range(n % across, count, across)
        for axis, labels, setting, size, span, rotation in (
            (
                "x",
                matrix.x_labels,
                spec.xticks,
                points(rc.get("xtick.labelsize", 8.0), rc),
                sum(len(panels[k].matrix.x_labels) for k in row),
                spec.xtick_rotation,
            ),
            (
                "y",
                matrix.y_labels,
                spec.yticks,
                points(rc.get("ytick.labelsize", 8.0), rc),
                sum(len(panels[k].matrix.y_labels) for k in column),
                None,
            ),
        ):
            plan_ = axis_plan(labels, setting, size, rotation=rotation, span=span)
            if not plan_.thinned:
                continue
            what = "column" if axis == "x" else "row"
            limit = GROWN_MAP_WIDTH if axis == "x" else GROWN_MAP_HEIGHT
            side = "wide" if axis == "x" else "tall"
            grown = grown_length(span, plan_.floor)
            note(
                f"{len(labels):,} {what} labels do not fit at {plan_.floor:g} pt in a map "
                f"{limit:g} in {side}, so only some are shown; set {axis}ticks: all to show "
                f"every one (the map grows to about {grown:.0f} in), or {axis}ticks: N for "
                "every Nth",
                key=f"{axis}ticks",
                level="info",
            )


def _sizes(base: float, floor: float) -> list[float]:
    """Font sizes to try, the style's first, in half points down to the floor."""
    sizes = [base]
    while sizes[-1] - 0.5 >= floor - 1e-9:
        sizes.append(round(sizes[-1] - 0.5, 3))
    if sizes[-1] > floor:
        sizes.append(floor)
    return sizes


def _y_ticks(ask: PanelAsk, fonts: Fonts, cell_h: float) -> _AxisChoice:
    size = fonts.size("ytick.labelsize")
    if ask.yticks == "none" or not ask.show_y:
        return _AxisChoice((), 0.0, 0.0)
    axis = axis_plan(ask.y_labels, ask.yticks, size, span=ask.y_span)
    room = cell_h / PT
    if axis.listed:
        # Exactly the labels asked for: the style's size if they fit at
        # their rows, smaller down to the floor; else at the style's size,
        # moved apart.
        positions = listed(ask.y_labels, ask.yticks)
        gap = min((b - a for a, b in itertools.pairwise(positions)), default=math.inf)
        chosen = next(
            (s for s in _sizes(size, axis.floor) if gap * room >= fonts.line(s) * LABEL_GAP),
            size,
        )
        widest = fonts.widest([ask.y_labels[i] for i in positions], chosen)
        need = fonts.line(chosen) * LABEL_GAP
        places = None
        if gap * room < need:
            places = spread(positions, need / max(room, 1e-9), 0.0, max(ask.rows - 1, 0))
            widest += LEADER
        small = None if chosen == size else chosen
        return _AxisChoice(positions, 0.0, widest, small, places=places)
    if axis.every:
        positions = _positions(ask.y_labels, axis.step)
        chosen = next(
            (s for s in _sizes(size, axis.floor) if axis.step * room >= fonts.line(s) * LABEL_GAP),
            axis.floor,
        )
        widest = fonts.widest([ask.y_labels[i] for i in positions], chosen)
        return _AxisChoice(positions, 0.0, widest, None if chosen == size else chosen)
    # A number scale reads fine with every other number; names that do not
    # fit (the build log says so) as many as fit.
    needed = fonts.line(size) * (1.15 if axis.thinned else 1.6)
    positions = _positions(ask.y_labels, _nice(needed / max(room, 1e-9)))
    widest = fonts.widest([ask.y_labels[i] for i in positions], size)
    return _AxisChoice(positions, 0.0, widest)


def _x_fits(
    labels: Sequence[str], fonts: Fonts, size: float, rotation: float, pitch: float
) -> bool:
    """Whether ``labels`` at ``size`` and ``rotation`` fit ``pitch`` points apart."""
    line = fonts.line(size)
    slant = abs(math.sin(math.radians(rotation)))
    if slant < 0.2:
        if pitch < 0.8 * line:
            return False  # not even the gap between labels fits: skip measuring
        return pitch >= fonts.widest(labels, size) + 0.8 * line
    return pitch * slant >= line * (LABEL_GAP if slant > 0.99 else SLANT_GAP)


def _x_ticks(ask: PanelAsk, fonts: Fonts, cell_w: float) -> _AxisChoice:
    size = fonts.size("xtick.labelsize")
    if ask.xticks == "none" or not ask.show_x:
        return _AxisChoice((), 0.0, 0.0)
    line = fonts.line(size)
    room = cell_w / PT
    axis = axis_plan(ask.x_labels, ask.xticks, size, rotation=ask.rotation, span=ask.x_span)
    chosen = size
    places = None
    if axis.listed:
        positions, chosen, rotation, places = _x_listed(ask, fonts, axis, size, room)
    elif axis.every:
        # Every label (or every Nth, as asked): level if they fit, else at
        # 45 degrees, else upright; then smaller, down to the floor.
        step = axis.step
        kept = [ask.x_labels[i] for i in _positions(ask.x_labels, step)]
        angles = [0.0, 45.0, 90.0] if ask.rotation == "auto" else [float(ask.rotation)]
        found = next(
            (
                (s, a)
                for s in _sizes(size, axis.floor)
                for a in angles
                if _x_fits(kept, fonts, s, a, step * room)
            ),
            (axis.floor, angles[-1]),
        )
        chosen, rotation = found
    elif ask.rotation != "auto":
        rotation = float(ask.rotation)
        step = next(
            (
                s
                for s in NICE_STEPS
                if _x_fits(_kept(ask.x_labels, s), fonts, size, rotation, s * room)
            ),
            NICE_STEPS[-1],
        )
    else:
        flat = next(
            (s for s in NICE_STEPS if _x_fits(_kept(ask.x_labels, s), fonts, size, 0.0, s * room)),
            NICE_STEPS[-1],
        )
        if axis.thinned:
            # Names that do not all fit (the build log says so): upright,
            # as many as fit.
            upright = _nice(line * LABEL_GAP / room)
            step, rotation = (flat, 0.0) if flat <= upright else (upright, 90.0)
        else:
            # A number scale: thinned numbers read best level.
            step, rotation = flat, 0.0
    if not axis.listed:
        positions = _positions(ask.x_labels, step)
    spots: Sequence[float] = positions if places is None else places
    line = fonts.line(chosen)
    widths = [fonts.extent(ask.x_labels[i], chosen)[0] for i in _longest(ask.x_labels, positions)]
    widest = max(widths, default=0.0)
    before = after = 0.0
    if rotation:
        angle = math.radians(abs(rotation) % 180)
        extent = widest * abs(math.sin(angle)) + line * abs(math.cos(angle))
        # Slanted labels end at their tick and reach back over the axis' start
        # (or, turned the other way, past its end).
        for i, spot in zip(positions, spots, strict=True):
            reach = fonts.extent(ask.x_labels[i], chosen)[0] * abs(math.cos(angle)) * PT
            reach += line / 2 * abs(math.sin(angle)) * PT
            if rotation > 0:
                before = max(before, reach - (spot + 0.5) * cell_w)
            else:
                after = max(after, reach - (ask.cols - spot - 0.5) * cell_w)
    else:
        extent = line
        at = list(zip(positions, spots, strict=True))
        widths_at = [(s, fonts.extent(ask.x_labels[i], chosen)[0]) for i, s in at[:1]]
        widths_at += [(s, fonts.extent(ask.x_labels[i], chosen)[0]) for i, s in at[-1:]]
        for spot, w in widths_at:
            before = max(before, w / 2 * PT - (spot + 0.5) * cell_w)
            after = max(after, w / 2 * PT - (ask.cols - spot - 0.5) * cell_w)
    if places is not None:
        extent += LEADER
    return _AxisChoice(
        positions, rotation, extent, None if chosen == size else chosen, before, after, places
    )


def _x_need(labels: Sequence[str], fonts: Fonts, size: float, rotation: float) -> float:
    """Points ``labels`` at ``size`` and ``rotation`` need from one to the next."""
    line = fonts.line(size)
    slant = abs(math.sin(math.radians(rotation)))
    if slant < 0.2:
        return fonts.widest(labels, size) + 0.8 * line
    return line * (LABEL_GAP if slant > 0.99 else SLANT_GAP) / slant


def _x_listed(
    ask: PanelAsk, fonts: Fonts, axis: AxisPlan, size: float, room: float
) -> tuple[tuple[int, ...], float, float, tuple[float, ...] | None]:
    """Listed column labels: (cells, font size, rotation, places when moved
    apart).  Level if they fit at their columns, else at 45 then 90 degrees,
    then smaller down to the floor; closer than that, moved apart at the
    style's size."""
    positions = listed(ask.x_labels, ask.xticks)
    kept = [ask.x_labels[i] for i in positions]
    gap = min((b - a for a, b in itertools.pairwise(positions)), default=math.inf)
    pitch = gap * room if gap != math.inf else math.inf
    angles = [0.0, 45.0, 90.0] if ask.rotation == "auto" else [float(ask.rotation)]
    chosen, rotation = next(
        (
            (s, a)
            for s in _sizes(size, axis.floor)
            for a in angles
            if pitch == math.inf or _x_fits(kept, fonts, s, a, pitch)
        ),
        (size, angles[-1]),
    )
    places = None
    if pitch != math.inf and not _x_fits(kept, fonts, chosen, rotation, pitch):
        need = _x_need(kept, fonts, chosen, rotation) / max(room, 1e-9)
        places = spread(positions, need, 0.0, max(ask.cols - 1, 0))
    return positions, chosen, rotation, places


def _kept(labels: Sequence[str], step: int) -> list[str]:
    return [labels[i] for i in _positions(labels, step)]


def _longest(labels: Sequence[str], positions: Sequence[int], limit: int = 1_000) -> list[int]:
    """``positions``, or past ``limit`` of them those of the longest labels."""
    if len(positions) <= limit:
        return list(positions)
    return sorted(positions, key=lambda i: len(labels[i]), reverse=True)[:limit]


def _pitch(ask: PanelAsk, fonts: Fonts, axis: str) -> float:
    """Inches per cell the labels of an axis shown in full need at the floor
    size (0 when the axis is thinned or has none): the cells grow to it."""
    if axis == "x":
        if ask.xticks == "none" or not ask.show_x:
            return 0.0
        size = fonts.size("xtick.labelsize")
        plan_ = axis_plan(ask.x_labels, ask.xticks, size, rotation=ask.rotation, span=ask.x_span)
        if plan_.listed:
            kept = [ask.x_labels[i] for i in listed(ask.x_labels, ask.xticks)]
            angle = 90.0 if ask.rotation == "auto" else float(ask.rotation)
            need = _x_need(kept, fonts, size, angle) if kept else 0.0
            return need * PT * (len(kept) - 1) / max(ask.cols - 1, 1)
        if not plan_.every:
            return 0.0
        line = fonts.line(plan_.floor)
        if ask.rotation == "auto":
            need = line * LABEL_GAP
        else:
            slant = abs(math.sin(math.radians(float(ask.rotation))))
            if slant < 0.2:
                kept = _kept(ask.x_labels, plan_.step)
                need = fonts.widest(kept, plan_.floor) + 0.8 * line
            else:
                need = line * (LABEL_GAP if slant > 0.99 else SLANT_GAP) / slant
        return need * PT / plan_.step
    if ask.yticks == "none" or not ask.show_y:
        return 0.0
    size = fonts.size("ytick.labelsize")
    plan_ = axis_plan(ask.y_labels, ask.yticks, size, span=ask.y_span)
    if plan_.listed:
        count = len(listed(ask.y_labels, ask.yticks))
        return fonts.line(size) * LABEL_GAP * PT * max(count - 1, 0) / max(ask.rows - 1, 1)
    if not plan_.every:
        return 0.0
    return fonts.line(plan_.floor) * LABEL_GAP * PT / plan_.step


# --------------------------------------------------------------------------
# One panel's margins.


@dataclass(frozen=True)
class _Margins:
    left: float
    right: float
    top: float
    bottom: float
    x: _AxisChoice
    y: _AxisChoice
    bar_w: float  # vertical colorbar's share of `right`
    bar_h: float  # horizontal colorbar's share of `bottom`
    legend_w: float = 0.0  # the groups' legends' share of `right`


LETTER_PAD = 3.0  # pt between a panel's letter and what is below it


def letter_size(fonts: Fonts) -> float:
    """Panel letters: bold, the size of a panel's title."""
    return fonts.size("axes.titlesize")


BAR_THICK = 0.12  # inches
BAR_MIN = 0.9  # inches: the shortest vertical colorbar
BAR_GAP = 0.1
TREE = 0.6  # inches of dendrogram
# Group strips sit between the map and its tick labels or tree, as in
# seaborn's clustermap and ComplexHeatmap: a band of colored cells, a hair
# apart from the map so the strip does not read as one more row of data.
STRIP = 0.12  # inches
STRIP_GAP = 0.03
LEGEND_GAP = 0.18  # inches between what is right of the map and a legend
SWATCH = 0.9  # a legend's swatch: this many lines square
LEGEND_PITCH = 1.35  # lines from one legend entry to the next
LEGEND_SPACE = 0.8  # lines between two legends


def _strip(on: bool) -> float:
    return STRIP + STRIP_GAP if on else 0.0


def _legend_metrics(fonts: Fonts) -> tuple[float, float]:
    """The legends' font size and line height, in points."""
    size = fonts.size("ytick.labelsize")
    return size, fonts.line(size)


def _legend_extent(legends: Sequence[LegendAsk], fonts: Fonts) -> tuple[float, float]:
    """(width, height) in inches of the legends stacked, past LEGEND_GAP."""
    size, line = _legend_metrics(fonts)
    width = height = 0.0
    for n, legend in enumerate(legends):
        swatch = line * SWATCH + 0.4 * line
        width = max(width, swatch + fonts.widest(legend.entries, size))
        if legend.title:
            width = max(width, fonts.extent(legend.title, size, "bold")[0])
            height += line * LEGEND_PITCH
        height += line * LEGEND_PITCH * len(legend.entries) + (LEGEND_SPACE * line if n else 0.0)
    return LEGEND_GAP + width * PT * SLACK, height * PT


def _bar_extent(ask: ColorbarAsk, fonts: Fonts) -> float:
    """How far a colorbar reaches from the map, in inches, across its length."""
    size = fonts.size("ytick.labelsize")
    pad = float(fonts.rc["ytick.major.pad"]) + 2.5
    vertical = ask.orientation == "vertical"
    reach = fonts.widest(ask.labels, size) if vertical else fonts.line(size)
    total = BAR_GAP + BAR_THICK + (pad + reach) * PT
    if ask.label:
        label_size = fonts.size("axes.labelsize")
        total += (float(fonts.rc["axes.labelpad"]) + fonts.line(label_size)) * PT
    return total


def _margins(ask: PanelAsk, fonts: Fonts, cell_w: float, cell_h: float) -> _Margins:
    x = _x_ticks(ask, fonts, cell_w)
    y = _y_ticks(ask, fonts, cell_h)
    tick_pad = float(fonts.rc["xtick.major.pad"])
    label_pad = float(fonts.rc["axes.labelpad"])
    label_line = fonts.line(fonts.size("axes.labelsize"))
    y_reach = (tick_pad + y.extent) * PT if y.positions else 0.0
    left = y_reach if not ask.row_tree else TREE + 0.05
    if ask.row_strip:
        left += _strip(True)
    right = y_reach if ask.row_tree else 0.0
    if ask.ylabel:
        # Beside its axis, outside the tick labels and outside a row tree
        # (whose labels sit on the right, by the colorbar): always on the left.
        left += (label_pad + label_line) * PT
    # Slanted or wide labels at the ends reach past the map.
    left, right = max(left, x.before), max(right, x.after)
    bottom = (tick_pad + x.extent) * PT if x.positions else 0.0
    if ask.xlabel:
        bottom += (label_pad + label_line) * PT
    top = 0.0
    if ask.col_strip:
        top += _strip(True)
    if ask.col_tree:
        top += TREE + 0.05
    if ask.title:
        title_size = fonts.size("axes.titlesize")
        weight = str(fonts.rc["axes.titleweight"])
        top += (
            float(fonts.rc["axes.titlepad"]) + fonts.extent(ask.title, title_size, weight)[1]
        ) * PT
    if ask.letter:
        # A band of its own above the title: clear of it, of trees and ticks.
        top += (LETTER_PAD + fonts.extent(ask.letter, letter_size(fonts), "bold")[1]) * PT
    bar_w = bar_h = 0.0
    if ask.bar is not None:
        if ask.bar.orientation == "vertical":
            bar_w = _bar_extent(ask.bar, fonts)
            right += bar_w
            # A flat map still gets a colorbar long enough to read.
            over = max(0.0, BAR_MIN - ask.rows * cell_h) / 2
            top, bottom = max(top, over), max(bottom, over)
        else:
            bar_h = _bar_extent(ask.bar, fonts) + 0.05
            bottom += bar_h
    legend_w = 0.0
    if ask.legends:
        legend_w, legend_h = _legend_extent(ask.legends, fonts)
        # Top-aligned with the map; one taller than the map reaches down
        # past it, beside the column labels and clear of the axis title.
        over = legend_h - ask.rows * cell_h
        if over > 0:
            bottom = max(bottom, over)
            if ask.xlabel:
                size = fonts.size("axes.labelsize")
                half = fonts.extent(ask.xlabel, size)[0] * PT * SLACK / 2
                right = max(right, half - ask.cols * cell_w / 2)
        right += legend_w
    return _Margins(left, right, top, bottom, x, y, bar_w, bar_h, legend_w)


# --------------------------------------------------------------------------
# Cell size and the whole figure.


@dataclass
class _Sizing:
    cell_w: float
    cell_h: float
    note_size: float | None = None
    fixed: list[bool] = field(default_factory=lambda: [False, False])


def _note_needs(ask: PanelAsk, fonts: Fonts, size: float) -> tuple[float, float]:
    """The cell (width, height) in inches the cell texts need at ``size``."""
    if not ask.notes:
        return 0.0, 0.0
    widest = fonts.widest(ask.notes, size)
    return (widest + 0.4 * size) * PT, fonts.line(size) * 1.3 * PT


def _note_size(ask: PanelAsk, fonts: Fonts, cell_w: float, cell_h: float) -> float | None:
    """Cell text size: the style's font size when it fits, smaller (not below
    NOTE_FLOOR) only when the block asks for text in every cell."""
    if not ask.notes:
        return None
    base = fonts.size("font.size")
    size = base
    while size >= NOTE_FLOOR:
        need_w, need_h = _note_needs(ask, fonts, size)
        if need_w <= cell_w + 1e-9 and need_h <= cell_h + 1e-9:
            return size
        if not ask.notes_required:
            return None
        size -= 0.5
    return NOTE_FLOOR


def plan(
    asks: Sequence[PanelAsk],
    fonts: Fonts,
    *,
    ncols: int = 1,
    figsize: tuple[float, float] | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    bar: ColorbarAsk | None = None,
) -> FigureLayout:
    """Lay out panels (one, or a grid of ``ncols``) around a common cell size.

    ``title``, ``xlabel``, ``ylabel`` and ``bar`` belong to a grid (one
    figure-level title and axis titles, one shared colorbar); a single panel
    carries its own in its ask.
    """
    asks = _spans(asks, ncols)
    scale = fonts.size("font.size") / 9.0
    most_cols = max(a.cols for a in asks)
    cell_w = max(CELL_W, 2.0 / most_cols) * scale
    cell_h = CELL_H * scale
    wide = cell_w
    if most_cols <= FEW and all(a.rotation == "auto" for a in asks):
        # Few columns: wide enough for their labels to stay level.
        size = fonts.size("xtick.labelsize")
        room = max(fonts.widest(a.x_labels, size) for a in asks) + fonts.line(size)
        wide = min(max(cell_w, room * PT), WIDE_CELL)
    for ask in asks:
        if ask.notes_required:
            # Cells grow for the text a block asks for; "auto" text only
            # goes into cells that already have room for it.
            need_w, need_h = _note_needs(ask, fonts, fonts.size("font.size"))
            cell_w, cell_h = max(cell_w, need_w), max(cell_h, need_h)
    square = all(a.square for a in asks)
    cell_w = max(min(max(cell_w, MIN_CELL), MAX_CELL), wide)
    if all(a.rows <= SMALL and a.cols <= SMALL for a in asks):
        # Small matrices (confusion matrices) read best with near-square
        # cells, but a map no taller than SMALL_MAP_HEIGHT: eight rows of
        # cells widened for long column labels would fill a screen.
        most_rows = max(a.rows for a in asks)
        cell_h = max(cell_h, min(0.75 * cell_w, 0.8, SMALL_MAP_HEIGHT * scale / most_rows))
    cell_h = min(max(cell_h, MIN_CELL), MAX_CELL + 0.2)
    if square:
        cell_w = cell_h = max(cell_w, cell_h)
    grid = _Grid(asks, fonts, ncols, title, xlabel, ylabel, bar)
    start = (cell_w, cell_h)
    cell_w, cell_h = _cells(grid, start, figsize, square)
    # Titles wider than the figure wrap to its width (the map's size does
    # not depend on them, only the height above it).
    wrapped = grid.wrapped(cell_w, cell_h, figsize)
    if wrapped is not grid:
        grid = wrapped
        cell_w, cell_h = _cells(grid, start, figsize, square)
    return grid.place(cell_w, cell_h, figsize, grid.least(cell_w, cell_h))


def _spans(asks: Sequence[PanelAsk], ncols: int) -> list[PanelAsk]:
    """Each ask with the cells its axes share with the grid's other panels."""
    count = len(asks)
    across = max(1, min(ncols, count))
    out = []
    for n, ask in enumerate(asks):
        first = (n // across) * across
        row = asks[first : min(first + across, count)]
        column = asks[n % across :: across]
        out.append(
            replace(ask, x_span=sum(a.cols for a in row), y_span=sum(a.rows for a in column))
        )
    return out


def _cells(
    grid: _Grid,
    start: tuple[float, float],
    figsize: tuple[float, float] | None,
    square: bool,
) -> tuple[float, float]:
    """The cell size: the block's figsize filled, or the content's size kept
    within a docs column; then grown for tick labels shown in full."""
    cell_w, cell_h = start
    if figsize is not None and figsize[1] <= 0:
        # A width alone (figsize: column): the cells fill it, their height
        # is the content's, within the map's usual height.
        cell_w = grid.cells_for(figsize, square)[0]
        if square:
            cell_h = cell_w
        map_h = grid.map_extent(cell_w, cell_h)[1]
        if map_h > MAX_MAP_HEIGHT + 1e-6:
            cell_h = max(TINY_CELL, cell_h * MAX_MAP_HEIGHT / map_h)
            if square:
                cell_w = cell_h = min(cell_w, cell_h)
    elif figsize is not None:
        cell_w, cell_h = grid.cells_for(figsize, square)
    else:
        for _ in range(4):
            width, _height = grid.size(cell_w, cell_h)
            map_w, map_h = grid.map_extent(cell_w, cell_h)
            wide = width > MAX_WIDTH + 1e-6
            tall = map_h > MAX_MAP_HEIGHT + 1e-6
            if not wide and not tall:
                break
            # Below MIN_CELL only when nothing else fits the column: a map of
            # 100,000 columns is one raster of one pixel per cell either way.
            if wide:
                room = MAX_WIDTH - (width - map_w)
                cell_w = max(TINY_CELL, cell_w * max(room, 0.5) / map_w)
            if tall:
                cell_h = max(TINY_CELL, cell_h * MAX_MAP_HEIGHT / map_h)
            if square:
                cell_w = cell_h = min(cell_w, cell_h)
    # Labels shown in full that do not fit even at the floor size: the map
    # grows (within GROWN_MAP_WIDTH/HEIGHT for categories under auto, as far
    # as needed for `all` and N).
    need_w = max(_pitch(a, grid.fonts, "x") for a in grid.asks)
    need_h = max(_pitch(a, grid.fonts, "y") for a in grid.asks)
    if need_w > cell_w or need_h > cell_h:
        cell_w, cell_h = max(cell_w, need_w), max(cell_h, need_h)
        if square:
            cell_w = cell_h = max(cell_w, cell_h)
    return cell_w, cell_h


_WORD = re.compile(r"(?:\$[^$]*\$|[^\s$])+|\$")


def wrap(text: str, fonts: Fonts, size: float, weight: str, width: float) -> str:
    """``text`` broken at spaces into lines no wider than ``width`` inches
    (a word longer than that keeps a line of its own; math stays whole)."""
    width /= SLACK
    out = []
    for line in text.split("\n"):
        if fonts.extent(line, size, weight)[0] * PT <= width:
            out.append(line)
            continue
        current = ""
        for word in _WORD.findall(line):
            trial = f"{current} {word}" if current else word
            if current and fonts.extent(trial, size, weight)[0] * PT > width:
                out.append(current)
                current = word
            else:
                current = trial
        out.append(current)
    return "\n".join(out)


def _longest_word(text: str, fonts: Fonts, size: float, weight: str) -> float:
    """Inches of the widest word of ``text`` (what wrapping cannot shorten)."""
    words = [w for line in text.split("\n") for w in _WORD.findall(line)]
    return max((fonts.extent(w, size, weight)[0] * PT * SLACK for w in words), default=0.0)


class _Grid:
    """Panels in rows and columns, each with its margins; the figure's own
    title, axis titles and shared colorbar around them."""

    GAP = 0.25  # inches between panels

    def __init__(
        self,
        asks: Sequence[PanelAsk],
        fonts: Fonts,
        ncols: int,
        title: str | None,
        xlabel: str | None,
        ylabel: str | None,
        bar: ColorbarAsk | None,
    ) -> None:
        self.asks = list(asks)
        self.fonts = fonts
        self.ncols = max(1, min(ncols, len(asks)))
        self.nrows = -(-len(asks) // self.ncols)
        self.title, self.xlabel, self.ylabel, self.bar = title, xlabel, ylabel, bar

    def _cells(self) -> list[list[int]]:
        return [
            list(range(r * self.ncols, min((r + 1) * self.ncols, len(self.asks))))
            for r in range(self.nrows)
        ]

    def _outer(self) -> tuple[float, float, float, float]:
        """The figure's own margins (left, right, top, bottom) beyond the panels."""
        fonts = self.fonts
        edge = EDGE * PT
        left = right = top = bottom = edge
        label_line = fonts.line(fonts.size("axes.labelsize"))
        pad = float(fonts.rc["axes.labelpad"])
        if self.ylabel:
            left += (label_line + pad) * PT
        if self.xlabel:
            bottom += (label_line + pad) * PT
        if self.title:
            size = fonts.size("axes.titlesize")
            weight = str(fonts.rc["axes.titleweight"])
            top += (
                fonts.extent(self.title, size, weight)[1] + float(fonts.rc["axes.titlepad"])
            ) * PT
        if self.bar is not None:
            if self.bar.orientation == "vertical":
                right += _bar_extent(self.bar, fonts)
            else:
                bottom += _bar_extent(self.bar, fonts) + 0.05
        return left, right, top, bottom

    def _columns(self, cw: float, ch: float) -> tuple[list[_Margins], list[float], list[float]]:
        margins = [_margins(a, self.fonts, cw, ch) for a in self.asks]
        widths = [0.0] * self.ncols
        lefts = [0.0] * self.ncols
        for n, m in enumerate(margins):
            c = n % self.ncols
            lefts[c] = max(lefts[c], m.left)
            widths[c] = max(widths[c], self.asks[n].cols * cw + m.right)
        return margins, lefts, widths

    def _rows(self, margins: list[_Margins], ch: float) -> tuple[list[float], list[float]]:
        tops = [0.0] * self.nrows
        heights = [0.0] * self.nrows
        for n, m in enumerate(margins):
            r = n // self.ncols
            tops[r] = max(tops[r], m.top)
            heights[r] = max(heights[r], self.asks[n].rows * ch + m.bottom)
        return tops, heights

    def map_extent(self, cw: float, ch: float) -> tuple[float, float]:
        width = sum(
            max(self.asks[n].cols for n in range(c, len(self.asks), self.ncols)) * cw
            for c in range(self.ncols)
        )
        height = sum(max(self.asks[n].rows for n in row) * ch for row in self._cells())
        return width, height

    def size(self, cw: float, ch: float) -> tuple[float, float]:
        margins, lefts, widths = self._columns(cw, ch)
        tops, heights = self._rows(margins, ch)
        left, right, top, bottom = self._outer()
        width = left + right + sum(lefts) + sum(widths) + self.GAP * (self.ncols - 1)
        height = top + bottom + sum(tops) + sum(heights) + self.GAP * (self.nrows - 1)
        return width, height

    def cells_for(self, figsize: tuple[float, float], square: bool) -> tuple[float, float]:
        """Cell size that fills a given figure size (the block's figsize)."""
        cw, ch = CELL_W, CELL_H
        for _ in range(4):
            width, height = self.size(cw, ch)
            map_w, map_h = self.map_extent(cw, ch)
            cw = max(MIN_CELL, (figsize[0] - (width - map_w)) / max(map_w / cw, 1))
            if figsize[1] > 0:  # 0: a width alone, the height the content's
                ch = max(MIN_CELL, (figsize[1] - (height - map_h)) / max(map_h / ch, 1))
            if square:
                cw = ch = min(cw, ch)
        return cw, ch

    def wrapped(self, cw: float, ch: float, figsize: tuple[float, float] | None) -> _Grid:
        """This grid with titles wrapped to the figure's width (a panel's to
        its column of the grid); itself when every title fits."""
        fonts = self.fonts
        size = fonts.size("axes.titlesize")
        weight = str(fonts.rc["axes.titleweight"])
        width = max(self.size(cw, ch)[0], figsize[0] if figsize else 0.0)
        room = max(width - 2 * EDGE * PT, 0.5)
        title = wrap(self.title, fonts, size, weight, room) if self.title else self.title
        _, lefts, widths = self._columns(cw, ch)
        asks = []
        for n, ask in enumerate(self.asks):
            if ask.title:
                c = n % self.ncols
                slot = room if len(self.asks) == 1 else max(lefts[c] + widths[c], 1.0)
                ask = replace(ask, title=wrap(ask.title, fonts, size, weight, slot))
            asks.append(ask)
        if title == self.title and all(
            a.title == b.title for a, b in zip(asks, self.asks, strict=True)
        ):
            return self
        return _Grid(asks, fonts, self.ncols, title, self.xlabel, self.ylabel, self.bar)

    def least(self, cw: float, ch: float) -> tuple[float, float]:
        """The smallest canvas every text fits in: the widest word of a title,
        an axis title (they are not wrapped), each with the canvas' margins."""
        fonts = self.fonts
        size = fonts.size("axes.titlesize")
        weight = str(fonts.rc["axes.titleweight"])
        label_size = fonts.size("axes.labelsize")
        edge = 2 * EDGE * PT
        titles = [self.title] + [a.title for a in self.asks]
        wide = [_longest_word(t, fonts, size, weight) for t in titles if t]
        wide += [
            fonts.extent(t, label_size)[0] * PT * SLACK
            for t in [self.xlabel] + [a.xlabel for a in self.asks]
            if t
        ]
        tall = [
            fonts.extent(t, label_size)[0] * PT * SLACK
            for t in [self.ylabel]
            + [a.ylabel for a in self.asks]
            + [b.label for b in [self.bar] + [a.bar for a in self.asks] if b is not None]
            if t
        ]
        return max(wide, default=0.0) + edge, max(tall, default=0.0) + edge

    def place(
        self,
        cw: float,
        ch: float,
        figsize: tuple[float, float] | None,
        least: tuple[float, float] = (0.0, 0.0),
    ) -> FigureLayout:
        fonts = self.fonts
        margins, lefts, widths = self._columns(cw, ch)
        tops, heights = self._rows(margins, ch)
        out_left, out_right, out_top, out_bottom = self._outer()
        width = out_left + out_right + sum(lefts) + sum(widths) + self.GAP * (self.ncols - 1)
        height = out_top + out_bottom + sum(tops) + sum(heights) + self.GAP * (self.nrows - 1)
        shift_x = shift_y = 0.0
        if least[0] > width or least[1] > height:
            # A title or axis title longer than the figure: it widens (or
            # heightens) the canvas, the content centred in it.
            given = figsize or (0.0, 0.0)
            figsize = (max(given[0], least[0]), max(given[1], least[1]))
        if figsize is not None:
            # A given size: the content centred in it.
            shift_x = max(0.0, (figsize[0] - width) / 2)
            shift_y = max(0.0, (figsize[1] - height) / 2)
            width, height = max(width, figsize[0]), max(height, figsize[1])
        panels: list[PanelPlace] = []
        for n, (ask, m) in enumerate(zip(self.asks, margins, strict=True)):
            r, c = divmod(n, self.ncols)
            x0 = shift_x + out_left + sum(lefts[:c]) + sum(widths[:c]) + self.GAP * c + lefts[c]
            y_top = height - shift_y - out_top - sum(tops[:r]) - sum(heights[:r]) - self.GAP * r
            map_box = Box(x0, y_top - tops[r] - ask.rows * ch, ask.cols * cw, ask.rows * ch)
            panels.append(self._panel(ask, m, map_box, cw, ch, x0 - lefts[c]))
        maps = [p.map for p in panels]
        left = min(b.x for b in maps)
        right = max(b.right for b in maps)
        lowest = min(b.y for b in maps)
        highest = max(b.top for b in maps)
        texts = []
        title_size = fonts.size("axes.titlesize")
        weight = str(fonts.rc["axes.titleweight"])
        label_size = fonts.size("axes.labelsize")
        edge = EDGE * PT
        if self.title:
            texts.append(
                Label(
                    self.title,
                    (left + right) / 2,
                    height - edge,
                    title_size,
                    va="top",
                    weight=weight,
                    role="title",
                )
            )
        if self.ylabel:
            texts.append(
                Label(
                    self.ylabel,
                    shift_x + edge,
                    (lowest + highest) / 2,
                    label_size,
                    ha="left",
                    va="center",
                    rotation=90,
                    role="ylabel",
                )
            )
        bar_place = None
        if self.bar is not None:
            if self.bar.orientation == "vertical":
                x = width - shift_x - out_right + BAR_GAP
                box = Box(x, lowest, BAR_THICK, highest - lowest)
            else:
                y = shift_y + out_bottom - BAR_GAP - BAR_THICK
                box = Box(left, y, right - left, BAR_THICK)
            bar_place = self._bar(self.bar, box)
        if self.xlabel:
            texts.append(
                Label(
                    self.xlabel,
                    (left + right) / 2,
                    shift_y + edge,
                    label_size,
                    va="bottom",
                    role="xlabel",
                )
            )
        # Every text inside the canvas: one wider than its place shifts in.
        panels = [
            replace(
                p,
                texts=tuple(self._inside(t, width, height) for t in p.texts),
                bar=self._bar_inside(p.bar, width, height),
            )
            for p in panels
        ]
        return FigureLayout(
            (round(width, 3), round(height, 3)),
            tuple(panels),
            self._bar_inside(bar_place, width, height),
            tuple(self._inside(t, width, height) for t in texts),
        )

    def _inside(self, label: Label, width: float, height: float) -> Label:
        """``label`` moved along its line as far as it takes to be on the canvas."""
        w, _h = self.fonts.extent(label.text, label.size, label.weight)
        w *= PT * SLACK
        edge = EDGE * PT
        if label.rotation % 180 == 0 and label.ha == "center":
            lo, hi = edge + w / 2, width - edge - w / 2
            if lo <= hi:
                return replace(label, x=min(max(label.x, lo), hi))
            return replace(label, x=width / 2)
        if label.rotation % 180 == 90 and label.va == "center":
            lo, hi = edge + w / 2, height - edge - w / 2
            if lo <= hi:
                return replace(label, y=min(max(label.y, lo), hi))
            return replace(label, y=height / 2)
        return label

    def _bar_inside(self, bar: BarPlace | None, width: float, height: float) -> BarPlace | None:
        if bar is None or bar.label is None:
            return bar
        return replace(bar, label=self._inside(bar.label, width, height))

    def _panel(
        self, ask: PanelAsk, m: _Margins, box: Box, cw: float, ch: float, start: float
    ) -> PanelPlace:
        fonts = self.fonts
        tick_pad = float(fonts.rc["xtick.major.pad"])
        label_pad = float(fonts.rc["axes.labelpad"])
        label_size = fonts.size("axes.labelsize")
        label_line = fonts.line(label_size)
        texts = []
        top = box.top + _strip(ask.col_strip) + (TREE + 0.05 if ask.col_tree else 0.0)
        if ask.title:
            size = fonts.size("axes.titlesize")
            weight = str(fonts.rc["axes.titleweight"])
            texts.append(
                Label(
                    ask.title,
                    box.x + box.w / 2,
                    top + float(fonts.rc["axes.titlepad"]) * PT,
                    size,
                    va="bottom",
                    weight=weight,
                    role="title",
                )
            )
        if ask.letter:
            # At the panel's top left (the start of its column: its tick
            # labels' and axis title's edge), above its title.
            above = top
            if ask.title:
                size = fonts.size("axes.titlesize")
                weight = str(fonts.rc["axes.titleweight"])
                above += (
                    float(fonts.rc["axes.titlepad"]) + fonts.extent(ask.title, size, weight)[1]
                ) * PT
            texts.append(
                Label(
                    ask.letter,
                    start,
                    above + LETTER_PAD * PT,
                    letter_size(fonts),
                    ha="left",
                    va="bottom",
                    weight="bold",
                    role="panel_label",
                )
            )
        row_strip, col_strip = _strip(ask.row_strip), _strip(ask.col_strip)
        x_reach = (tick_pad + m.x.extent) * PT if m.x.positions else 0.0
        if ask.xlabel:
            y = box.y - x_reach - label_pad * PT
            texts.append(
                Label(ask.xlabel, box.x + box.w / 2, y, label_size, va="top", role="xlabel")
            )
        y_reach = (tick_pad + m.y.extent) * PT if m.y.positions else 0.0
        if ask.ylabel:
            beside = (TREE + 0.05 if ask.row_tree else y_reach) + _strip(ask.row_strip)
            x = box.x - beside - label_pad * PT - label_line * PT / 2
            texts.append(
                Label(
                    ask.ylabel,
                    x,
                    box.y + box.h / 2,
                    label_size,
                    va="center",
                    rotation=90,
                    role="ylabel",
                )
            )
        bar = None
        if ask.bar is not None:
            if ask.bar.orientation == "vertical":
                x = box.right + (m.right - m.bar_w - m.legend_w) + BAR_GAP
                length = max(box.h, BAR_MIN)
                bar = self._bar(ask.bar, Box(x, box.y + (box.h - length) / 2, BAR_THICK, length))
            else:
                y = box.y - (m.bottom - m.bar_h) - BAR_GAP - BAR_THICK
                bar = self._bar(ask.bar, Box(box.x, y, box.w, BAR_THICK))
        return PanelPlace(
            map=box,
            xticks=Ticks(
                m.x.positions,
                tuple(ask.x_labels[i] for i in m.x.positions),
                m.x.rotation,
                "bottom",
                m.x.size,
                m.x.places,
            ),
            yticks=Ticks(
                m.y.positions,
                tuple(ask.y_labels[i] for i in m.y.positions),
                0.0,
                "right" if ask.row_tree else "left",
                m.y.size,
                m.y.places,
                0.0 if ask.row_tree else _strip(ask.row_strip) / PT,
            ),
            note_size=_note_size(ask, fonts, cw, ch),
            texts=tuple(texts),
            bar=bar,
            row_tree=Box(box.x - row_strip - TREE - 0.05, box.y, TREE, box.h)
            if ask.row_tree
            else None,
            col_tree=Box(box.x, box.top + col_strip + 0.05, box.w, TREE) if ask.col_tree else None,
            row_strip=Box(box.x - row_strip, box.y, STRIP, box.h) if ask.row_strip else None,
            col_strip=Box(box.x, box.top + STRIP_GAP, box.w, STRIP) if ask.col_strip else None,
            legends=self._legends(ask.legends, box.right + m.right - m.legend_w, box.top),
        )

    def _legends(self, asks: Sequence[LegendAsk], x: float, top: float) -> tuple[LegendPlace, ...]:
        """The legends stacked from ``top`` down, LEGEND_GAP right of ``x``."""
        size, line = _legend_metrics(self.fonts)
        pitch = line * LEGEND_PITCH * PT
        side = line * SWATCH * PT
        x += LEGEND_GAP
        y = top
        out = []
        for n, ask in enumerate(asks):
            y -= LEGEND_SPACE * line * PT if n else 0.0
            title = None
            if ask.title:
                title = Label(
                    ask.title,
                    x,
                    y - pitch / 2,
                    size,
                    ha="left",
                    va="center",
                    weight="bold",
                    role="group_legend_title",
                )
                y -= pitch
            swatches, labels = [], []
            for entry in ask.entries:
                middle = y - pitch / 2
                swatches.append(Box(x, middle - side / 2, side, side))
                labels.append(
                    Label(
                        entry,
                        x + side + 0.4 * line * PT,
                        middle,
                        size,
                        ha="left",
                        va="center",
                        role="group_legend",
                    )
                )
                y -= pitch
            out.append(LegendPlace(tuple(swatches), tuple(labels), title))
        return tuple(out)

    def _bar(self, ask: ColorbarAsk, box: Box) -> BarPlace:
        fonts = self.fonts
        label = None
        if ask.label:
            size = fonts.size("axes.labelsize")
            pad = float(fonts.rc["ytick.major.pad"]) + 2.5
            tick_size = fonts.size("ytick.labelsize")
            if ask.orientation == "vertical":
                reach = (pad + fonts.widest(ask.labels, tick_size)) * PT
                x = box.right + reach + float(fonts.rc["axes.labelpad"]) * PT
                label = Label(
                    ask.label,
                    x + fonts.line(size) * PT / 2,
                    box.y + box.h / 2,
                    size,
                    va="center",
                    rotation=90,
                    role="colorbar",
                )
            else:
                reach = (pad + fonts.line(tick_size)) * PT
                y = box.y - reach - float(fonts.rc["axes.labelpad"]) * PT
                label = Label(ask.label, box.x + box.w / 2, y, size, va="top", role="colorbar")
        ticks, labels = self._thin(ask, box)
        return BarPlace(box, ask.orientation, ticks, labels, label)

    def _thin(self, ask: ColorbarAsk, box: Box) -> tuple[tuple[float, ...], tuple[str, ...]]:
        """Every k-th colorbar tick, so neighbouring labels never touch."""
        count = len(ask.ticks)
        if count < 3:
            return ask.ticks, ask.labels
        size = self.fonts.size("ytick.labelsize")
        line = self.fonts.line(size)
        if ask.orientation == "vertical":
            length, needed = box.h / PT, line * 1.3
        else:
            length, needed = box.w / PT, self.fonts.widest(ask.labels, size) + line
        if len(ask.places) != count:
            spacing = length / (count - 1)
            every = max(1, math.ceil(needed / max(spacing, 1e-9)))
            return ask.ticks[::every], ask.labels[::every]
        # Where the ticks really are (inside the range, or on a log scale).
        for every in range(1, count):
            kept = ask.places[::every]
            gaps = [abs(b - a) * length for a, b in itertools.pairwise(kept)]
            if min(gaps, default=needed) >= needed:
                return ask.ticks[::every], ask.labels[::every]
        return ask.ticks[:1], ask.labels[:1]


# --------------------------------------------------------------------------
# Dendrograms that read.

TREE_LEAVES = 100  # a tree over this many leaves is drawn cut ...
TREE_BRANCHES = 40  # ... to its top this many clusters


def prune_tree(
    segments: Sequence[Sequence[float]], most: int = TREE_BRANCHES
) -> tuple[tuple[float, ...], ...]:
    """A dendrogram of more than ``TREE_LEAVES`` leaves cut at the height
    where ``most`` branches remain: the merges below it (a solid comb at any
    size a page can give them) are left out, and each branch crossing the
    cut ends there, above the block of rows or columns its cluster holds.

    ``segments`` as the clustering gives them: per merge, the four positions
    along the map then the four heights of a U (child, merge, merge, child)."""
    out = tuple(tuple(float(v) for v in s) for s in segments)
    if len(out) + 1 <= TREE_LEAVES or most < 2:
        return out
    heights = sorted((s[5] for s in out), reverse=True)
    cut = heights[min(most, len(heights)) - 1]
    if cut >= heights[0]:
        return out  # every merge at one height: nothing to cut
    kept = []
    for s in out:
        if s[5] <= cut:
            continue
        kept.append((*s[:4], max(s[4], cut), s[5], s[6], max(s[7], cut)))
    return tuple(kept)


# --------------------------------------------------------------------------
# Colorbar ticks, with labels we can measure before drawing.


def bar_ticks(
    norm: Any, kind: str, fmt: str | None, given: Sequence[float] | None
) -> tuple[tuple[float, ...], tuple[str, ...]]:
    """The colorbar's tick values and their labels."""
    lo, hi = float(norm.vmin), float(norm.vmax)
    if given:
        ticks = [float(t) for t in given]
    elif kind == "log":
        ticks = _log_ticks(lo, hi)
    elif kind == "symlog":
        ticks = _symlog_ticks(lo, hi, float(norm.linthresh))
    else:
        from matplotlib.ticker import MaxNLocator

        found = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
        span = hi - lo
        ticks = [float(t) for t in found if lo - 1e-9 * span <= t <= hi + 1e-9 * span]
    ticks = [t for t in ticks if min(lo, hi) - 1e-12 <= t <= max(lo, hi) + 1e-12] or [lo, hi]
    return tuple(ticks), tuple(_tick_labels(ticks, kind, fmt))


def _log_ticks(lo: float, hi: float) -> list[float]:
    first, last = math.ceil(math.log10(lo)), math.floor(math.log10(hi))
    decades = list(range(first, last + 1))
    if len(decades) > 7:
        every = math.ceil(len(decades) / 6)
        decades = decades[::every]
    ticks = [10.0**k for k in decades]
    return ticks or [lo, hi]


def _symlog_ticks(lo: float, hi: float, linthresh: float) -> list[float]:
    """0 and whole decades beyond the linear zone, so labels never crowd at 0."""
    first = math.ceil(math.log10(linthresh * 10))
    ticks = [0.0] if lo <= 0 <= hi else []
    top = max(abs(lo), abs(hi))
    for k in range(first, math.floor(math.log10(top)) + 1 if top > 0 else first):
        ticks += [v for v in (10.0**k, -(10.0**k)) if lo <= v <= hi]
    ticks = sorted(ticks) or [lo, hi]
    if len(ticks) > 9:
        ticks = ticks[:: math.ceil(len(ticks) / 8)]
    return ticks


_TRAILING = re.compile(r"\.?0+$")


def _tick_labels(ticks: Sequence[float], kind: str, fmt: str | None) -> list[str]:
    return [_minus(text) for text in _plain_labels(ticks, kind, fmt)]


def _minus(text: str) -> str:
    """A typographic minus, as matplotlib's own tick labels have."""
    return "\u2212" + text[1:] if text.startswith("-") else text


def _plain_labels(ticks: Sequence[float], kind: str, fmt: str | None) -> list[str]:
    if fmt:
        from .numbers import format_value

        return [format_value(t, fmt) for t in ticks]
    if kind == "log":
        labels = []
        for t in ticks:
            exponent = math.log10(t) if t > 0 else 0.0
            if abs(exponent - round(exponent)) < 1e-9:
                labels.append(f"$\\mathdefault{{10^{{{round(exponent)}}}}}$")
            else:
                labels.append(f"{t:.3g}")
        return labels
    top = max((abs(t) for t in ticks), default=0.0)
    if top >= 1e5 or (0 < top < 1e-3):
        return [f"{t:.2g}" if t else "0" for t in ticks]
    for decimals in range(0, 7):
        texts = [f"{t:.{decimals}f}" for t in ticks]
        if len(set(texts)) == len(texts) and all(
            abs(float(text) - t) <= 1e-9 * max(1.0, abs(t))
            for text, t in zip(texts, ticks, strict=True)
        ):
            return texts
    return [f"{t:g}" for t in ticks]
