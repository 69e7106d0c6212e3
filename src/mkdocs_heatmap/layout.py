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

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .fonts import concrete, is_math

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
def _extent(family: tuple[str, ...], size: float, weight: str, text: str) -> tuple[float, float]:
    """Width and height in points of one line of text, as Agg lays it out."""
    from matplotlib.font_manager import FontProperties

    renderer = _renderer()
    prop = FontProperties(family=list(family), size=size, weight=weight)
    math_text = is_math(text)
    w, h, _d = renderer.get_text_width_height_descent(text, prop, ismath=math_text)
    if not math_text:
        # A line is at least as tall as "lp", as matplotlib lays text out.
        _w, lp, _ = renderer.get_text_width_height_descent("lp", prop, ismath=False)
        h = max(h, lp)
    return float(w), float(h)


@lru_cache(maxsize=1)
def _renderer() -> Any:
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(10, 10, 72.0)  # type: ignore[no-untyped-call]


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
        sizes = [_extent(self.family, size, weight, line) for line in lines]
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
        return _extent(self.family, size, "normal", "lp")[1]


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


@dataclass(frozen=True)
class BarPlace:
    box: Box
    orientation: str
    ticks: tuple[float, ...]
    labels: tuple[str, ...]
    label: Label | None


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


@dataclass(frozen=True)
class PanelAsk:
    """A panel as the layout sees it: shape, labels, texts, what it needs."""

    rows: int
    cols: int
    x_labels: tuple[str, ...]
    y_labels: tuple[str, ...]
    xticks: str | int = "auto"
    yticks: str | int = "auto"
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


def _y_ticks(ask: PanelAsk, fonts: Fonts, cell_h: float) -> _AxisChoice:
    size = fonts.size("ytick.labelsize")
    if ask.yticks == "none" or not ask.show_y:
        return _AxisChoice((), 0.0, 0.0)
    fixed = _fixed_step(ask.yticks)
    numeric = _numbers(ask.y_labels) is not None
    if fixed is None:
        # Numbers are an ordered scale: every other one reads fine.  Names
        # are each worth showing: closer together, as long as they don't touch.
        needed = fonts.line(size) * (1.6 if numeric else 1.15)
        fixed = _nice(needed / max(cell_h / PT, 1e-9))
    positions = _positions(ask.y_labels, fixed)
    widest = fonts.widest([ask.y_labels[i] for i in positions], size)
    return _AxisChoice(positions, 0.0, widest)


def _x_ticks(ask: PanelAsk, fonts: Fonts, cell_w: float) -> _AxisChoice:
    size = fonts.size("xtick.labelsize")
    if ask.xticks == "none" or not ask.show_x:
        return _AxisChoice((), 0.0, 0.0)
    line = fonts.line(size)
    room = cell_w / PT
    fixed = _fixed_step(ask.xticks)
    numeric = _numbers(ask.x_labels) is not None

    def horizontal(step: int) -> bool:
        if step * room < 0.8 * line:
            return False  # not even the gap between labels fits: skip measuring
        kept = [ask.x_labels[i] for i in _positions(ask.x_labels, step)]
        return step * room >= fonts.widest(kept, size) + 0.8 * line

    if ask.rotation != "auto":
        rotation = float(ask.rotation)
        step = fixed or _nice(
            line * 1.3 / max(math.sin(math.radians(abs(rotation))), 0.2) / room if rotation else 1.0
        )
        if fixed is None and not rotation:
            step = next((s for s in NICE_STEPS if horizontal(s)), NICE_STEPS[-1])
    elif fixed is not None:
        step = fixed
        rotation = 0.0 if horizontal(step) else 45.0
    else:
        flat = next((s for s in NICE_STEPS if horizontal(s)), NICE_STEPS[-1])
        slanted = _nice(line * 1.3 / math.sin(math.radians(45)) / room)
        if flat == 1 or numeric or flat <= slanted:
            # All labels fit flat, or the axis is a number scale: thinned
            # numbers read best level.
            step, rotation = flat, 0.0
        else:
            step, rotation = slanted, 45.0
    positions = _positions(ask.x_labels, step)
    widest = fonts.widest([ask.x_labels[i] for i in positions], size)
    if rotation:
        angle = math.radians(abs(rotation))
        extent = widest * math.sin(angle) + line * math.cos(angle)
    else:
        extent = line
    return _AxisChoice(positions, rotation, extent)


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


BAR_THICK = 0.12  # inches
BAR_MIN = 0.9  # inches: the shortest vertical colorbar
BAR_GAP = 0.1
TREE = 0.6  # inches of dendrogram


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
    right = y_reach if ask.row_tree else 0.0
    if ask.ylabel:
        room = (label_pad + label_line) * PT
        if ask.row_tree:
            right += room
        else:
            left += room
    bottom = (tick_pad + x.extent) * PT if x.positions else 0.0
    if ask.xlabel:
        bottom += (label_pad + label_line) * PT
    top = 0.0
    if ask.col_tree:
        top += TREE + 0.05
    if ask.title:
        title_size = fonts.size("axes.titlesize")
        weight = str(fonts.rc["axes.titleweight"])
        top += (
            float(fonts.rc["axes.titlepad"]) + fonts.extent(ask.title, title_size, weight)[1]
        ) * PT
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
    return _Margins(left, right, top, bottom, x, y, bar_w, bar_h)


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
    if figsize is not None:
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
    return grid.place(cell_w, cell_h, figsize)


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
            ch = max(MIN_CELL, (figsize[1] - (height - map_h)) / max(map_h / ch, 1))
            if square:
                cw = ch = min(cw, ch)
        return cw, ch

    def place(self, cw: float, ch: float, figsize: tuple[float, float] | None) -> FigureLayout:
        fonts = self.fonts
        margins, lefts, widths = self._columns(cw, ch)
        tops, heights = self._rows(margins, ch)
        out_left, out_right, out_top, out_bottom = self._outer()
        width = out_left + out_right + sum(lefts) + sum(widths) + self.GAP * (self.ncols - 1)
        height = out_top + out_bottom + sum(tops) + sum(heights) + self.GAP * (self.nrows - 1)
        shift_x = shift_y = 0.0
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
            panels.append(self._panel(ask, m, map_box, cw, ch))
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
        return FigureLayout(
            (round(width, 3), round(height, 3)), tuple(panels), bar_place, tuple(texts)
        )

    def _panel(self, ask: PanelAsk, m: _Margins, box: Box, cw: float, ch: float) -> PanelPlace:
        fonts = self.fonts
        tick_pad = float(fonts.rc["xtick.major.pad"])
        label_pad = float(fonts.rc["axes.labelpad"])
        label_size = fonts.size("axes.labelsize")
        label_line = fonts.line(label_size)
        texts = []
        top = box.top + (TREE + 0.05 if ask.col_tree else 0.0)
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
        x_reach = (tick_pad + m.x.extent) * PT if m.x.positions else 0.0
        if ask.xlabel:
            y = box.y - x_reach - label_pad * PT
            texts.append(
                Label(ask.xlabel, box.x + box.w / 2, y, label_size, va="top", role="xlabel")
            )
        y_reach = (tick_pad + m.y.extent) * PT if m.y.positions else 0.0
        if ask.ylabel:
            if ask.row_tree:
                x = box.right + y_reach + label_pad * PT + label_line * PT / 2
            else:
                x = box.x - y_reach - label_pad * PT - label_line * PT / 2
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
                x = box.right + (m.right - m.bar_w) + BAR_GAP
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
            ),
            yticks=Ticks(
                m.y.positions,
                tuple(ask.y_labels[i] for i in m.y.positions),
                0.0,
                "right" if ask.row_tree else "left",
            ),
            note_size=_note_size(ask, fonts, cw, ch),
            texts=tuple(texts),
            bar=bar,
            row_tree=Box(box.x - TREE - 0.05, box.y, TREE, box.h) if ask.row_tree else None,
            col_tree=Box(box.x, box.top + 0.05, box.w, TREE) if ask.col_tree else None,
        )

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
        spacing = length / (count - 1)
        every = max(1, math.ceil(needed / max(spacing, 1e-9)))
        return ask.ticks[::every], ask.labels[::every]


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
        from .spec import format_value

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
