"""Values on hover: what the page carries so a pointer or keyboard can read cells.

With ``hover: true`` a figure carries, per panel, its row and column labels
in the order they are drawn (top to bottom, left to right, after
clustering and ``origin``) and each cell's value as text; where the cells
are in the image comes from the layout (``Image.maps``).  One small script
(``assets/heatmap.js``) maps a pointer or a keyboard cursor to a cell;
nothing is computed in the page.  Cells ``mask`` hides carry no value and
read as nothing.

A value reads with ``fmt`` when the block has one, else with the data's own
precision (``readout``): up to 4 significant digits, never rounding away an
integer digit, so 0.123 reads 0.123 where the cell text may say 0.12.

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
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .errors import SpecError
from .model import Box, Panel, Plot
from .notes import note
from .spec import format_value

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


def readout(value: float) -> str:
    """``value`` with the data's own precision: up to 4 significant digits
    without trailing zeros (0.5, 0.123, 0.1235, 12.35), whole from 1,000 up
    with thousands separators (12,346), in exponent form below 0.0001 and
    from 10^15 (1.235e-05)."""
    size = abs(value)
    if size == 0:
        return "0"
    if size < 1e-4 or size >= 1e15:
        return format(value, ".4g")
    digits = math.floor(math.log10(size))
    if digits < 3:
        text = f"{value:.{3 - digits}f}".rstrip("0").rstrip(".")
        if abs(float(text)) < 1000:  # not rounded up to 1000
            return text
    return f"{round(value):,}"


def _text(value: float, fmt: str | None) -> str:
    if fmt:
        try:
            return format_value(value, fmt)
        except ValueError:  # a block's mean under an integer format
            pass
    return readout(value)


@dataclass(frozen=True)
class _Drawn:
    """A panel's values and hidden cells in drawn order (top row first)."""

    panel: Panel
    rows: list[int]
    values: npt.NDArray[np.float64]
    hidden: npt.NDArray[np.bool_]

    @property
    def fmt(self) -> str | None:
        return self.panel.spec.fmt


def hover_panels(plot: Plot) -> tuple[HoverPanel, ...] | None:
    """Every panel's labels and cell readouts, in drawn order.

    Over ``MAX_BYTES``, a ``SpecError`` at the ``hover`` key when the block
    says ``hover`` itself; when ``hover`` is a default, the figure read in
    blocks of cells, or ``None`` (no hover), with a note."""
    from .data.derive import hidden_cells

    drawn = []
    for panel in plot.panels:
        count = panel.matrix.shape[0]
        rows = list(range(count)) if panel.spec.origin == "upper" else list(range(count))[::-1]
        hidden = hidden_cells(panel.spec, panel.matrix)[rows]
        drawn.append(_Drawn(panel, rows, panel.matrix.values[rows], hidden))
    by_default = plot.spec.line_of("hover") is None
    # A cell takes 4 bytes at least ("1",): a map over the limit whatever
    # its values need not have them all formatted to be read in blocks, nor,
    # when large, to be refused.
    estimate = plot.cells * 4 > MAX_BYTES and (by_default or plot.cells > EXACT_CELLS)
    if estimate:
        size = int(plot.cells * (3 + _typical_length(drawn)))
    else:
        found = tuple(_hover_panel(plot, d, _cells(d), (1, 1)) for d in drawn)
        size = sum(len(p.values) * 3 + sum(len(str(v or "")) for v in p.values) for p in found)
        if size <= MAX_BYTES:
            return found
    if not by_default:
        raise SpecError(
            f"'hover': the values of {plot.cells:,} cells would add "
            f"{'about ' if estimate else ''}{size // 1000:,} kB to the page, over the limit "
            f"of {MAX_BYTES // 1000:,} kB; select rows or columns, or leave hover off for "
            "this figure",
            key="hover",
        )
    return _in_blocks(plot, drawn, size)


def _hover_panel(
    plot: Plot, drawn: _Drawn, values: tuple[Readout, ...], block: tuple[int, int]
) -> HoverPanel:
    own, matrix = drawn.panel.spec, drawn.panel.matrix
    return HoverPanel(
        title=own.title if plot.multi else None,
        x_title=own.xlabel or plot.spec.xlabel,
        y_title=own.ylabel or plot.spec.ylabel,
        x_labels=matrix.x_labels,
        y_labels=tuple(matrix.y_labels[i] for i in drawn.rows),
        values=values,
        block=block,
    )


def _cells(drawn: _Drawn) -> tuple[Readout, ...]:
    return tuple(
        HIDDEN if hide else _text(v, drawn.fmt) if math.isfinite(v) else None
        for row, hide_row in zip(drawn.values.tolist(), drawn.hidden.tolist(), strict=True)
        for v, hide in zip(row, hide_row, strict=True)
    )


def _typical_length(drawn: list[_Drawn]) -> float:
    """The mean length of a value's text, from a sample of the cells."""
    lengths = []
    for d in drawn:
        values = d.values[np.isfinite(d.values) & ~d.hidden]
        sample = values[:: max(1, values.size // 400)].tolist()
        lengths += [len(_text(v, d.fmt)) for v in sample]
    return sum(lengths) / len(lengths) if lengths else 1.0


def _in_blocks(plot: Plot, drawn: list[_Drawn], size: int) -> tuple[HoverPanel, ...] | None:
    """The figure read in blocks of f × f cells (fewer at the map's edges),
    the smallest f whose values fit ``BLOCK_BYTES`` and whole data
    ``MAX_BYTES``; ``None`` when no f does."""
    shapes = [d.values.shape for d in drawn]
    longest = max(max(shape) for shape in shapes)
    per_block = 3 * (_typical_length(drawn) + 3) + 8

    def blocks(f: int) -> int:
        return sum(-(-r // min(f, r)) * -(-c // min(f, c)) for r, c in shapes)

    f = 2
    while f < longest and per_block * blocks(f) > BLOCK_BYTES:
        f += 1
    default = "hover (a site or page default)"
    while True:
        found = tuple(
            _hover_panel(plot, d, _blocks(d, *k), k)
            for d in drawn
            for k in [(min(f, d.values.shape[0]), min(f, d.values.shape[1]))]
        )
        text = hover_json(found, tuple((0.0, 0.0, 1.0, 1.0) for _ in found))
        payload = json.loads(text)
        values = sum(len(json.dumps(p["v"], separators=(",", ":"))) for p in payload["p"])
        total = len(attribute(text).encode("utf-8"))  # as the page carries it
        if values <= BLOCK_BYTES and total <= MAX_BYTES:
            rows, cols = found[0].block
            note(
                f"{default} reads this figure in blocks of {rows} × {cols} cells, each with "
                f"its mean, min and max: a value per cell for its {plot.cells:,} cells would "
                f"add about {size // 1000:,} kB to the page, over the limit of "
                f"{MAX_BYTES // 1000:,} kB; select rows or columns to read single cells",
                key="hover",
                level="info",
            )
            return found
        if f >= longest:
            labels = sum(len(p["x"]) + len(p["y"]) for p in payload["p"])
            note(
                f"{default} is left off for this figure: even read in blocks of cells, "
                f"its {labels:,} row and column labels would add {total // 1000:,} kB to the "
                f"page, over the limit of {MAX_BYTES // 1000:,} kB",
                key="hover",
                level="info",
            )
            return None
        f = min(longest, max(f + 1, math.ceil(f * 1.2)))


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
                    _text(float(means[i, j]), fmt),
                    _text(float(lows[i, j]), fmt),
                    _text(float(highs[i, j]), fmt),
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


def attribute(text: str) -> str:
    """``text`` for a single-quoted HTML attribute: double quotes stay as
    they are (most of a JSON list of strings), everything else that could
    end the attribute or start markup is escaped."""
    return (
        text.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;").replace(">", "&gt;")
    )
