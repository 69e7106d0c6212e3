"""Values on hover: what the page carries so a pointer or keyboard can read cells.

With ``hover: true`` a figure carries, per panel, its row and column labels
in the order they are drawn (top to bottom, left to right, after
clustering and ``origin``) and each cell's value as text; where the cells
are in the image comes from the layout (``Image.maps``).  One small script
(``assets/heatmap.js``) maps a pointer or a keyboard cursor to a cell;
nothing is computed in the page.  Cells ``mask`` hides carry no value and
read as nothing.

A value reads with ``fmt`` when the block has one, else with the data's own
precision (``numbers.readout``): up to 4 significant digits, never rounding
away an integer digit, so 0.123 reads 0.123 where the cell text may say 0.12.

The data goes into one attribute of the figure, not a ``<script>`` element:
search indexes read the text of scripts, never attributes.  It is JSON in
a single-quoted attribute, so the many double quotes of a list of strings
need no escaping, and it is bounded (``MAX_BYTES``).  Over the bound, a
block that says ``hover: true`` itself is an error at the key; when
``hover`` comes from the site's or the page's defaults the figure reads in
blocks of cells instead (each block's mean, min and max; ``BLOCK_BYTES``),
or, when even its labels are too heavy, has no hover, with a line of
information either way.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from json.encoder import encode_basestring

import numpy as np
import numpy.typing as npt

from .errors import SpecError
from .markup import attribute
from .model import Box, Panel, Plot
from .notes import note
from .numbers import readout as readout  # callers know it as hover.readout
from .numbers import readout_text

MAX_BYTES = 256_000
"""The most hover data one figure may add to its page."""
EXACT_CELLS = 250_000
"""Past this many cells a size over the limit is estimated from a sample."""
BLOCK_BYTES = 64_000
"""The most the values of a figure read in blocks may add (labels aside)."""

HIDDEN = ""  # a cell `mask` hides: no readout, no outline
# A missing cell (NaN) is None.  A block of cells is (mean, min, max, cells
# with a value[, missing cells]): HIDDEN when mask hides all its cells, None
# when all it shows are missing.
Block = tuple[str, str, str, int] | tuple[str, str, str, int, int]
Readout = str | Block | None


@dataclass(frozen=True)
class HoverPanel:
    """One panel's cells as a reader sees them."""

    title: str | None
    x_title: str | None
    y_title: str | None
    x_labels: tuple[str, ...]  # left to right
    y_labels: tuple[str, ...]  # top to bottom
    values: tuple[Readout, ...]  # row by row, top row first: cells, or blocks
    block: tuple[int, int] = (1, 1)  # rows and columns of cells per readout


@dataclass(frozen=True)
class _Drawn:
    """A panel's values and hidden cells in drawn order (top row first)."""

    panel: Panel
    rows: list[int]
    values: npt.NDArray[np.float64]
    hidden: npt.NDArray[np.bool_]

    @property
    def fmt(self) -> str | None:
        # With cell_text, fmt writes the texts' numbers; values read as themselves.
        return self.panel.spec.fmt if self.panel.texts is None else None

    @property
    def texts(self) -> tuple[tuple[str | None, ...], ...] | None:
        """The panel's ``cell_text`` in drawn order (top row first)."""
        texts = self.panel.texts
        return None if texts is None else tuple(texts[i] for i in self.rows)


def hover_panels(plot: Plot) -> tuple[HoverPanel, ...] | None:
    """Every panel's labels and cell readouts, in drawn order.

    What the page would carry is measured first, labels, titles and the
    escaping of JSON and of the attribute included (``_bare_size``,
    ``_values_size``), without building it.  Over ``MAX_BYTES``, a
    ``SpecError`` at the ``hover`` key when the block says ``hover`` itself;
    when ``hover`` is a default, the figure read in blocks of cells, or
    ``None`` (no hover), with a note."""
    from .data.derive import hidden_cells

    drawn = []
    for panel in plot.panels:
        count = panel.matrix.shape[0]
        rows = list(range(count)) if panel.spec.origin == "upper" else list(range(count))[::-1]
        hidden = hidden_cells(panel.spec, panel.matrix)[rows]
        drawn.append(_Drawn(panel, rows, panel.matrix.values[rows], hidden))
    by_default = plot.spec.line_of("hover") is None
    bare = tuple(_hover_panel(plot, d, (), (1, 1)) for d in drawn)
    fixed = _bare_size(bare)  # everything but the values
    # A cell takes 4 bytes at least ("1",): a map over the limit whatever
    # its values need not have them all formatted to be read in blocks, nor,
    # when large, to be refused.
    estimate = fixed + plot.cells * 4 > MAX_BYTES and (
        by_default or plot.cells > EXACT_CELLS or fixed > MAX_BYTES
    )
    if estimate:
        values = int(plot.cells * (3 + _typical_length(drawn)))
    else:
        found = tuple(replace(p, values=_cells(d)) for p, d in zip(bare, drawn, strict=True))
        values = sum(_values_size(p.values) for p in found)
        if fixed + values <= MAX_BYTES:
            return found
    if not by_default:
        raise SpecError(_too_heavy(plot.cells, values, fixed, estimate), key="hover")
    return _in_blocks(plot, drawn, bare, fixed, fixed + values)


def _kb(size: int) -> str:
    return f"{-(-size // 1000):,} kB"  # rounded up: what is over stays over


def _too_heavy(cells: int, values: int, fixed: int, estimate: bool) -> str:
    about = "about " if estimate else ""
    total = f"{about}{_kb(values + fixed)} in all, over the limit of {_kb(MAX_BYTES)}"
    if values >= fixed:
        return (
            f"'hover': the values of {cells:,} cells would add {about}{_kb(values)} to the "
            f"page, their labels and titles {_kb(fixed)}: {total}; select rows or columns, "
            "or leave hover off for this figure"
        )
    return (
        f"'hover': the row and column labels and titles would add {_kb(fixed)} to the "
        f"page, the values of its {cells:,} cells {about}{_kb(values)}: {total}; shorten "
        "the labels (x_labels, y_labels), select rows or columns, or leave hover off for "
        "this figure"
    )


def _hover_panel(
    plot: Plot, drawn: _Drawn, values: tuple[Readout, ...], block: tuple[int, int]
) -> HoverPanel:
    own, matrix = drawn.panel.spec, drawn.panel.matrix
    return HoverPanel(
        title=_isolated(own.title) if plot.multi else None,
        x_title=_isolated(own.xlabel or plot.spec.xlabel),
        y_title=_isolated(own.ylabel or plot.spec.ylabel),
        x_labels=tuple(map(isolated, matrix.x_labels)),
        y_labels=tuple(isolated(matrix.y_labels[i]) for i in drawn.rows),
        values=values,
        block=block,
    )


# Bidirectional text.  The readout puts labels side by side ("row · column"):
# a label's explicit controls would reach past its end (U+202E RIGHT-TO-LEFT
# OVERRIDE reverses the rest of the line) and two right-to-left labels would
# swap places around the "·".  So the controls that open or close a scope
# are removed (an unmatched U+2069 would close the isolate below early), and
# a label with right-to-left letters or a direction mark is wrapped in
# U+2068 FIRST STRONG ISOLATE ... U+2069 POP DIRECTIONAL ISOLATE: it reads
# in its own direction and leaves its neighbours alone.  Left-to-right
# labels are carried as they are.
_SCOPED_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_RIGHT_TO_LEFT = re.compile(
    "[\u0590-\u08ff\u200e\u200f\u061c\ufb1d-\ufdff\ufe70-\ufefe"
    "\U00010800-\U00010fff\U0001e800-\U0001efff]"
)
FSI, PDI = "\u2068", "\u2069"


def isolated(text: str) -> str:
    """``text`` as the hover data carries it: bidirectional controls with a
    scope removed, and, when it holds right-to-left letters or a direction
    mark, wrapped in FSI ... PDI so it cannot reorder the rest of a readout."""
    if text.isascii():
        return text
    text = _SCOPED_CONTROLS.sub("", text)
    return f"{FSI}{text}{PDI}" if _RIGHT_TO_LEFT.search(text) else text


def _isolated(text: str | None) -> str | None:
    return None if text is None else isolated(text)


# The size of what the page carries, measured without building it: strings
# are encoded (JSON, then the attribute's escaping, then UTF-8) a chunk at a
# time, joined by "," (which neither escaping touches), so the cost is a pass
# over the text and the memory a chunk, however long the labels.
_CHUNK = 2048
_WIDEST_BOX = (-1.2345678901234567e-300,) * 4  # no float is written longer


def _encoded(text: str) -> int:
    return len(attribute(encode_basestring(text)).encode("utf-8", "surrogatepass"))


def _strings_size(texts: Sequence[str]) -> int:
    """Bytes of ``texts`` as quoted JSON strings in the attribute, each with
    the comma after it."""
    total = 0
    for start in range(0, len(texts), _CHUNK):
        part = texts[start : start + _CHUNK]
        # '"a,b"' is '"a","b",' less 2 bytes per string and 1 more.
        total += _encoded(",".join(part)) + 2 * len(part) - 1
    return total


def _bare_size(panels: tuple[HoverPanel, ...]) -> int:
    """Bytes the hover attribute takes for ``panels`` without their values
    (labels, titles, boxes as wide as a float can be written, the JSON
    around them), exact but for the boxes."""
    empty = tuple(replace(p, x_labels=(), y_labels=(), values=()) for p in panels)
    size = len(attribute(hover_json(empty, (_WIDEST_BOX,) * len(panels))).encode("utf-8"))
    for p in panels:
        for labels in (p.x_labels, p.y_labels):
            size += max(0, _strings_size(labels) - 1)  # commas between, not after
    return size


def _values_size(values: tuple[Readout, ...]) -> int:
    """Bytes of ``values`` as the hover attribute carries them, with the
    commas between them."""
    texts = [v for v in values if isinstance(v, str)]
    blocks = [v for v in values if isinstance(v, tuple)]
    size = _strings_size(texts) + 5 * (len(values) - len(texts) - len(blocks))  # "null,"
    if blocks:
        text = json.dumps(blocks, ensure_ascii=False, separators=(",", ":"))
        size += len(attribute(text).encode("utf-8")) - 1  # its brackets, a comma after
    return max(0, size - 1)  # no comma after the last


def _cells(drawn: _Drawn) -> tuple[Readout, ...]:
    readouts = tuple(
        HIDDEN if hide else readout_text(v, drawn.fmt) if math.isfinite(v) else None
        for row, hide_row in zip(drawn.values.tolist(), drawn.hidden.tolist(), strict=True)
        for v, hide in zip(row, hide_row, strict=True)
    )
    texts = drawn.texts
    if texts is None:
        return readouts
    # A cell's text after its value: "0.8213 (0.82 ± 0.03)", as the table has it.
    return tuple(
        value
        if value == HIDDEN or text is None or text == value
        else text
        if value is None
        else f"{value} ({text})"
        for value, text in zip(readouts, (t for row in texts for t in row), strict=True)
    )


def _typical_length(drawn: list[_Drawn]) -> float:
    """The mean length of a value's text, from a sample of the cells."""
    lengths = []
    for d in drawn:
        values = d.values[np.isfinite(d.values) & ~d.hidden]
        sample = values[:: max(1, values.size // 400)].tolist()
        lengths += [len(readout_text(v, d.fmt)) for v in sample]
    return sum(lengths) / len(lengths) if lengths else 1.0


def _in_blocks(
    plot: Plot, drawn: list[_Drawn], bare: tuple[HoverPanel, ...], fixed: int, size: int
) -> tuple[HoverPanel, ...] | None:
    """The figure read in blocks of f × f cells (fewer at the map's edges),
    the smallest f whose values fit ``BLOCK_BYTES`` and whole data
    ``MAX_BYTES``; ``None`` when no f does (``fixed``: the bytes of all but
    the values, ``size``: of a value per cell)."""
    shapes = [d.values.shape for d in drawn]
    longest = max(max(shape) for shape in shapes)
    per_block = 3 * (_typical_length(drawn) + 3) + 8
    budget = min(BLOCK_BYTES, MAX_BYTES - fixed)
    default = "hover (a site or page default)"
    labels = sum(len(p.x_labels) + len(p.y_labels) for p in bare)

    def blocks(f: int) -> int:
        return sum(-(-r // min(f, r)) * -(-c // min(f, c)) for r, c in shapes)

    f = 2
    while budget > 0 and f < longest and per_block * blocks(f) > budget:
        f += 1
    while budget > 0:
        found = tuple(
            replace(p, values=_blocks(d, *k), block=k)
            for p, d in zip(bare, drawn, strict=True)
            for k in [(min(f, d.values.shape[0]), min(f, d.values.shape[1]))]
        )
        values = sum(_values_size(p.values) for p in found)
        if values <= BLOCK_BYTES and fixed + values <= MAX_BYTES:
            rows, cols = found[0].block
            note(
                f"{default} reads this figure in blocks of {rows} × {cols} cells, each with "
                f"its mean, min and max: a value per cell for its {plot.cells:,} cells would "
                f"add about {_kb(size)} to the page, over the limit of {_kb(MAX_BYTES)}; "
                "select rows or columns to read single cells",
                key="hover",
                level="info",
            )
            return found
        if f >= longest:
            fixed += values
            break
        f = min(longest, max(f + 1, math.ceil(f * 1.2)))
    note(
        f"{default} is left off for this figure: even read in blocks of cells, "
        f"its {labels:,} row and column labels would add {_kb(fixed)} to the "
        f"page, over the limit of {_kb(MAX_BYTES)}",
        key="hover",
        level="info",
    )
    return None


def _blocks(drawn: _Drawn, rows: int, cols: int) -> tuple[Readout, ...]:
    """Each block's readout, row by row: mean, min and max of the cells it
    shows with a value, their count and its missing cells."""
    height, width = drawn.values.shape
    across, down = -(-width // cols), -(-height // rows)
    values = np.full((down * rows, across * cols), np.nan)
    values[:height, :width] = drawn.values
    shown = np.zeros(values.shape, dtype=bool)
    shown[:height, :width] = ~drawn.hidden

    def grouped(a: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
        blocks: npt.NDArray[np.generic] = a.reshape(down, rows, across, cols).swapaxes(1, 2)
        return blocks.reshape(down, across, -1)

    v = grouped(values)
    drawn_count = grouped(shown).sum(axis=-1)
    valued = grouped(shown & np.isfinite(values))
    counts = valued.sum(axis=-1)
    means = np.where(valued, v, 0.0).sum(axis=-1) / np.maximum(counts, 1)
    lows = np.where(valued, v, np.inf).min(axis=-1)
    highs = np.where(valued, v, -np.inf).max(axis=-1)
    out: list[Readout] = []
    fmt = drawn.fmt
    for i in range(down):
        for j in range(across):
            n, shown_n = int(counts[i, j]), int(drawn_count[i, j])
            if shown_n == 0:
                out.append(HIDDEN)
            elif n == 0:
                out.append(None)
            else:
                texts = (
                    readout_text(float(means[i, j]), fmt),
                    readout_text(float(lows[i, j]), fmt),
                    readout_text(float(highs[i, j]), fmt),
                )
                out.append((*texts, n) if n == shown_n else (*texts, n, shown_n - n))
    return tuple(out)


def hover_json(panels: tuple[HoverPanel, ...], maps: tuple[Box, ...]) -> str:
    """The figure's hover data, compact: per panel its cell area in the image
    (``b``: left, top, right, bottom fractions), labels (``x``, ``y``), axis
    titles (``xt``, ``yt``), title (``t``), values (``v``) and, read in
    blocks, the rows and columns of cells per block (``k``)."""
    data = []
    for panel, box in zip(panels, maps, strict=True):
        item: dict[str, object] = {
            "b": list(box),
            "x": list(panel.x_labels),
            "y": list(panel.y_labels),
            "v": list(panel.values),
        }
        for key, value in (("t", panel.title), ("xt", panel.x_title), ("yt", panel.y_title)):
            if value:
                item[key] = value
        if panel.block != (1, 1):
            item["k"] = list(panel.block)
        data.append(item)
    return json.dumps({"p": data}, ensure_ascii=False, separators=(",", ":"))
