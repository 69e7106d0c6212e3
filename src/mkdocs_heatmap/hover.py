"""Values on hover: what the page carries so a pointer or keyboard can read cells.

With ``hover: true`` a figure carries, per panel, its row and column labels
in the order they are drawn (top to bottom, left to right, after
clustering and ``origin``) and each cell's value as the cell text shows it
(``fmt``); where the cells are in the image comes from the layout
(``Image.maps``).  One small script (``assets/heatmap.js``) maps a pointer
or a keyboard cursor to a cell; nothing is computed in the page.

The data goes into one attribute of the figure, not a ``<script>`` element:
search indexes read the text of scripts, never attributes.  It is JSON in
a single-quoted attribute, so the many double quotes of a list of strings
need no escaping, and it is bounded (``MAX_BYTES``) with a clear error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .errors import SpecError
from .model import Box, Plot

MAX_BYTES = 256_000
"""The most hover data one figure may add to its page."""

HIDDEN = ""  # a cell `mask` hides: no readout
# A missing cell (NaN) is None.


@dataclass(frozen=True)
class HoverPanel:
    """One panel's cells as a reader sees them."""

    title: str | None
    x_title: str | None
    y_title: str | None
    x_labels: tuple[str, ...]  # left to right
    y_labels: tuple[str, ...]  # top to bottom
    values: tuple[str | None, ...]  # row by row, top row first


def hover_panels(plot: Plot) -> tuple[HoverPanel, ...]:
    """Every panel's labels and cell texts, in drawn order; ``SpecError`` at
    the ``hover`` key when they would make the page too heavy."""
    from .data.derive import hidden_cells
    from .emit import cell_texts

    spec = plot.spec
    panels = []
    for panel in plot.panels:
        matrix, own = panel.matrix, panel.spec
        texts = cell_texts(matrix, own.fmt)
        hidden = hidden_cells(own, matrix)
        order = range(matrix.shape[0])
        rows = list(order) if own.origin == "upper" else list(reversed(order))
        values = [HIDDEN if hidden[i, j] else text for i in rows for j, text in enumerate(texts[i])]
        panels.append(
            HoverPanel(
                title=own.title if plot.multi else None,
                x_title=own.xlabel or spec.xlabel,
                y_title=own.ylabel or spec.ylabel,
                x_labels=matrix.x_labels,
                y_labels=tuple(matrix.y_labels[i] for i in rows),
                values=tuple(values),
            )
        )
    found = tuple(panels)
    size = sum(len(p.values) * 3 + sum(len(v or "") for v in p.values) for p in found)
    if size > MAX_BYTES:
        cells = sum(len(p.values) for p in found)
        raise SpecError(
            f"'hover': the values of {cells:,} cells would add {size // 1000:,} kB to the "
            f"page, over the limit of {MAX_BYTES // 1000:,} kB; select rows or columns, "
            "or leave hover off for this figure",
            key="hover",
        )
    return found


def hover_json(panels: tuple[HoverPanel, ...], maps: tuple[Box, ...]) -> str:
    """The figure's hover data, compact: per panel its cell area in the image
    (``b``: left, top, right, bottom fractions), labels (``x``, ``y``), axis
    titles (``xt``, ``yt``), title (``t``) and values (``v``)."""
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
        data.append(item)
    return json.dumps({"p": data}, ensure_ascii=False, separators=(",", ":"))


def attribute(text: str) -> str:
    """``text`` for a single-quoted HTML attribute: double quotes stay as
    they are (most of a JSON list of strings), everything else that could
    end the attribute or start markup is escaped."""
    return (
        text.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;").replace(">", "&gt;")
    )
