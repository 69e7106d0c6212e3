"""What the site gets: file names, the ``<figure>`` HTML, alt text, tables, error boxes.

Pure functions over strings and bytes: the host (MkDocs plugin, Markdown
extension) decides where files go and how URLs are made relative.  Every
attribute value and text node is escaped: labels and captions come from the
page author but also from data files, which may come from anyone.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .markup import attribute
from .model import LabelledMatrix, Plot
from .numbers import alt_number, cell_fmt, format_value
from .spec import CSS_LENGTH, NAME, HeatmapSpec

TABLE_CELL_LIMIT = 10_000


@dataclass(frozen=True)
class PictureDoc:
    """One rendered variant of a figure and where it is published."""

    variant: str  # "light" | "dark"
    path: str  # site path
    width: int  # CSS pixels
    height: int
    path_2x: str | None = None  # PNG at twice the resolution, for srcset


@dataclass(frozen=True)
class TableDoc:
    """A data table, as text: the accessible fallback for one panel."""

    title: str | None
    x_labels: tuple[str, ...]
    y_labels: tuple[str, ...]
    cells: tuple[tuple[str | None, ...], ...] | None  # None: too many for a table


@dataclass(frozen=True)
class FigureDoc:
    """Everything a figure's HTML says, as data.

    The HTML is written from it (escaping every value) where the figure is
    placed, so a block memo stores this, not markup: a memo read back from
    a shared cache cannot put anything but escaped text into a page.
    """

    classes: str
    id: str | None
    width: str | None
    alt: str
    caption: str | None
    pictures: tuple[PictureDoc, ...]
    downloads: tuple[tuple[str, str], ...] = ()  # (label, site path)
    tables: tuple[TableDoc, ...] = ()
    hover: str | None = None  # the cells' labels and values, as JSON (``hover``)
    # Panels with an id of their own: (id, letter), the letter "" without
    # panel_labels; each id a target that reads "Figure 3b".
    panels: tuple[tuple[str, str], ...] = ()

    @property
    def paths(self) -> list[str]:
        """Every site path the figure links to."""
        found = [p.path for p in self.pictures] + [p.path_2x for p in self.pictures if p.path_2x]
        return found + [path for _, path in self.downloads]

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_data(cls, raw: Any) -> FigureDoc:
        """A doc from ``to_data``'s output, every field checked: ``ValueError``
        (or ``TypeError``) for anything a doc cannot hold."""
        classes = _text_of(raw["classes"])
        if any(not NAME.match(name) for name in classes.split()):
            raise ValueError("classes")
        ident = _optional(raw["id"])
        if ident is not None and not NAME.match(ident):
            raise ValueError("id")
        width = _optional(raw["width"])
        if width is not None and not CSS_LENGTH.match(width):
            raise ValueError("width")
        pictures = tuple(
            PictureDoc(
                _text_of(p["variant"]),
                _text_of(p["path"]),
                _int_of(p["width"]),
                _int_of(p["height"]),
                _optional(p["path_2x"]),
            )
            for p in raw["pictures"]
        )
        if not 1 <= len(pictures) <= 2 or {p.variant for p in pictures} - {"light", "dark"}:
            raise ValueError("pictures")
        tables = tuple(
            TableDoc(
                _optional(t["title"]),
                tuple(_text_of(x) for x in t["x_labels"]),
                tuple(_text_of(y) for y in t["y_labels"]),
                None
                if t["cells"] is None
                else tuple(tuple(_optional(c) for c in row) for row in t["cells"]),
            )
            for t in raw["tables"]
        )
        panels = tuple((_text_of(i), _text_of(x)) for i, x in raw.get("panels", ()))
        if any(not NAME.match(i) or not _letters(x) for i, x in panels):
            raise ValueError("panels")
        hover = _optional(raw["hover"])
        if hover is not None:
            parsed = json.loads(hover)
            if not isinstance(parsed, dict) or not isinstance(parsed.get("p"), list):
                raise ValueError("hover")
        return cls(
            classes,
            ident,
            width,
            _text_of(raw["alt"]),
            _optional(raw["caption"]),
            pictures,
            tuple((_text_of(label), _text_of(path)) for label, path in raw["downloads"]),
            tables,
            hover,
            panels,
        )


def _letters(value: str) -> bool:
    return value == "" or (value.isascii() and value.isalpha())


def _text_of(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("text")
    return value


def _optional(value: object) -> str | None:
    return None if value is None else _text_of(value)


def _int_of(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 100_000:
        raise ValueError("size")
    return value


def content_name(content: bytes, ext: str) -> str:
    """A file name that changes exactly when the bytes do."""
    return f"{hashlib.sha256(content).hexdigest()[:20]}.{ext}"


def figure_doc(
    plot: Plot,
    pictures: Sequence[PictureDoc],
    downloads: Sequence[tuple[str, str]] = (),
    hover: str | None = None,
) -> FigureDoc:
    """The doc of a figure: its keys, its pictures, alt text, tables."""
    spec = plot.spec
    tables: tuple[TableDoc, ...] = ()
    if spec.table:
        tables = tuple(
            table_doc(
                panel.matrix,
                spec.fmt,
                panel.spec.title if plot.multi else spec.title,
                panel.texts,
            )
            for panel in plot.panels
        )
    return FigureDoc(
        classes="heatmap" + (f" {spec.css_class}" if spec.css_class else ""),
        id=spec.id,
        width=spec.width,
        alt=spec.alt if spec.alt is not None else figure_alt(plot),
        caption=spec.caption,
        pictures=tuple(pictures),
        downloads=tuple(downloads),
        tables=tables,
        hover=hover,
        panels=panel_ids(plot),
    )


def panel_ids(plot: Plot) -> tuple[tuple[str, str], ...]:
    """The ids the panels of ``panels:`` give themselves, with each panel's
    letter as references write it (a, b, ...; A, B, ... when the pattern has
    the capital; "" without ``panel_labels``)."""
    spec = plot.spec
    if spec.panels is None:
        return ()
    from .keys import panel_letter

    bare = "A" if isinstance(spec.panel_labels, str) and "A" in spec.panel_labels else "a"
    found = []
    for n, panel in enumerate(spec.panels):
        if panel.id is not None and panel.id != spec.id:  # not the figure's, shared
            found.append((panel.id, panel_letter(bare, n) if spec.panel_labels else ""))
    return tuple(found)


def figure_html(
    doc: FigureDoc,
    url_of: Callable[[str], str],
    *,
    dark_markup: str = "media",
    number: int | None = None,
    label: str = "Figure",
) -> str:
    """The ``<figure class="heatmap">`` element of a doc; ``url_of`` turns a
    site path into the URL the page sees; ``number`` prefixes the caption
    with "Figure N." (``label``: the word, the site's ``figure_label``)."""
    figure_attrs = f' class="{_attr(doc.classes)}"'
    if doc.id:
        figure_attrs += f' id="{_attr(doc.id)}"'
    if doc.width:
        # The image's width is a share of the text column, so the figure must
        # span the column: Material and Zensical shrink figures to their
        # content (width: fit-content), where 50% would be half the image
        # itself.  Inline, as Zensical gets no stylesheet from the plugin.
        figure_attrs += ' style="width: auto"'
    images = _images(doc, url_of, dark_markup)
    if doc.hover is not None:
        images = _hover_area(doc, images)
    parts = [f"<figure{figure_attrs}>"]
    # Each panel's own id: a target for links to the panel ("Figure 3b").
    parts += [f'<span class="heatmap-panel-target" id="{_attr(i)}"></span>' for i, _ in doc.panels]
    parts.append(images)
    caption = _text(doc.caption or "")
    if doc.downloads:
        links = [
            f'<a class="heatmap-download" href="{_attr(url_of(path))}" download>'
            f"{'Download data (CSV)' if len(doc.downloads) == 1 else _text(label)}</a>"
            for label, path in doc.downloads
        ]
        joined = links[0] if len(links) == 1 else f"Download data (CSV): {', '.join(links)}"
        caption = f"{caption} {joined}" if caption else joined
    if number is not None:
        mark = f'<span class="heatmap-number">{_text(label)} {number}.</span>'
        caption = f"{mark} {caption}" if caption else mark
    if caption:
        parts.append(f"<figcaption>{caption}</figcaption>")
    parts.extend(table_html(table) for table in doc.tables)
    parts.append("</figure>")
    return "".join(parts)


def _images(doc: FigureDoc, url_of: Callable[[str], str], dark_markup: str) -> str:
    style = f' style="width: {_attr(doc.width)}"' if doc.width else ""

    def img(picture: PictureDoc, fragment: str = "") -> str:
        url = url_of(picture.path)
        srcset = ""
        if picture.path_2x:
            url_2x = url_of(picture.path_2x)
            srcset = f' srcset="{_attr(url + fragment)} 1x, {_attr(url_2x + fragment)} 2x"'
        return (
            f'<img src="{_attr(url + fragment)}"{srcset} alt="{_attr(doc.alt)}" '
            f'width="{picture.width}" height="{picture.height}" '
            f'loading="lazy"{style}>'
        )

    if len(doc.pictures) == 1:
        return img(doc.pictures[0])
    light, dark = doc.pictures
    if dark_markup == "material":
        # Material hides img[src$="#only-dark"] on light palettes and vice versa,
        # following its palette toggle, not only the OS setting.
        return img(light, "#only-light") + img(dark, "#only-dark")
    dark_set = _attr(url_of(dark.path))
    if dark.path_2x:
        dark_set += f" 1x, {_attr(url_of(dark.path_2x))} 2x"
    return (
        # "screen and": paper is light, so print takes the light image.
        f'<picture><source srcset="{dark_set}" media="screen and (prefers-color-scheme: dark)">'
        f"{img(light)}</picture>"
    )


# The readout's live region is inside the figure, visually hidden without
# relying on a stylesheet (the Markdown extension ships none).
_VISUALLY_HIDDEN = (
    "position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;"
    "clip:rect(0 0 0 0);white-space:nowrap;border:0"
)


def _hover_area(doc: FigureDoc, images: str) -> str:
    """The images in a focusable area that carries the cells' values; the
    script (``assets/heatmap.js``) reads them on pointer and key events."""
    assert doc.hover is not None
    return hover_open(doc.hover, doc.caption) + images + hover_close()


def hover_open(data: str, caption: str | None) -> str:
    """The start of a hover area around a figure's images (``data``: the
    figure's hover JSON)."""
    label = f"{caption or 'Heatmap'}: point at a cell, or use the arrow keys, to read its value"
    return (
        '<div class="heatmap-hover" tabindex="0" role="group" '
        f'aria-roledescription="heatmap" aria-label="{_attr(label)}" '
        f"style=\"position:relative\" data-heatmap='{attribute(data)}'>"
    )


def hover_close() -> str:
    """The end of a hover area: the live region the keyboard readout is
    announced through, then the area's end tag."""
    live = f'<div class="heatmap-readout" aria-live="polite" style="{_VISUALLY_HIDDEN}"></div>'
    return live + "</div>"


def table_doc(
    matrix: LabelledMatrix,
    fmt: str | None,
    title: str | None,
    texts: tuple[tuple[str | None, ...], ...] | None = None,
) -> TableDoc:
    """The data table of one matrix, values formatted as the figure shows
    them; with ``cell_text``, each value with the data's own precision and
    the cell's text after it."""
    rows, cols = matrix.shape
    if rows * cols > TABLE_CELL_LIMIT:
        return TableDoc(title, matrix.x_labels, matrix.y_labels, None)
    if texts is None:
        return TableDoc(title, matrix.x_labels, matrix.y_labels, cell_texts(matrix, fmt))
    return TableDoc(title, matrix.x_labels, matrix.y_labels, value_and_text(matrix, texts))


def value_and_text(
    matrix: LabelledMatrix, texts: tuple[tuple[str | None, ...], ...]
) -> tuple[tuple[str | None, ...], ...]:
    """Each cell's value (the data's own precision) and its ``cell_text``:
    "0.8213 (0.82 ± 0.03)"; the text alone where the value is missing, the
    value alone where there is no text or it says the same."""
    from .numbers import readout

    def one(value: float, text: str | None) -> str | None:
        shown = readout(value) if math.isfinite(value) else None
        if text is None or text == shown:
            return shown
        return text if shown is None else f"{shown} ({text})"

    return tuple(
        tuple(one(v, t) for v, t in zip(row, text_row, strict=True))
        for row, text_row in zip(matrix.values.tolist(), texts, strict=True)
    )


def cell_texts(matrix: LabelledMatrix, fmt: str | None) -> tuple[tuple[str | None, ...], ...]:
    """Each cell's value as the figure writes it (``fmt``, else the automatic
    format); ``None`` where a cell is missing.  Tables read these; hover reads
    with ``fmt`` too, else with the data's own precision (``numbers.readout``)."""
    fmt = cell_fmt(fmt, matrix.values)
    return tuple(
        tuple(format_value(float(v), fmt) if math.isfinite(v) else None for v in row)
        for row in matrix.values
    )


def table_html(table: TableDoc) -> str:
    """A collapsible data table: the accessible fallback for the figure."""
    summary = "Data table" + (f": {_text(table.title)}" if table.title else "")
    if table.cells is None:
        count = len(table.x_labels) * len(table.y_labels)
        return (
            f'<details class="heatmap-table"><summary>{summary}</summary>'
            f"<p>The matrix has {count:,} cells, too many for a table; "
            "use the CSV download instead.</p></details>"
        )
    head = "".join(f'<th scope="col">{_text(label)}</th>' for label in table.x_labels)
    body = []
    for label, row in zip(table.y_labels, table.cells, strict=True):
        cells = "".join(
            f"<td>{_text(v)}</td>" if v is not None else '<td class="heatmap-missing">–</td>'
            for v in row
        )
        body.append(f'<tr><th scope="row">{_text(label)}</th>{cells}</tr>')
    return (
        f'<details class="heatmap-table"><summary>{summary}</summary>'
        f'<div class="heatmap-table-scroll"><table><thead><tr><td></td>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div></details>"
    )


def error_html(location: str, message: str, source: str) -> str:
    """A visible box in place of the figure, echoing the block (escaped)."""
    return (
        '<div class="admonition failure heatmap-error" role="alert">'
        f'<p class="admonition-title">heatmap: {_text(message)}</p>'
        f"<p><code>{_text(location)}</code></p>"
        f"<pre><code>{_text(source.rstrip())}</code></pre>"
        "</div>"
    )


def figure_alt(plot: Plot) -> str:
    """Alt text for a figure: one heatmap, or what a grid shows, then each panel."""
    from .hover import isolated

    spec, panels = plot.spec, plot.panels
    if not plot.multi:
        return default_alt(spec, panels[0].matrix, panels[0].texts)
    names = ", ".join(isolated(p.spec.title or f"panel {n}") for n, p in enumerate(panels, start=1))
    head = f"{len(panels)} heatmap panels" + (f" of {isolated(spec.title)}" if spec.title else "")
    parts = [f"{head}: {names}."]
    for n, panel in enumerate(panels, start=1):
        one = default_alt(panel.spec, panel.matrix, panel.texts).replace("Heatmap of ", "", 1)
        parts.append(f"Panel {n}, {one}")
    return " ".join(parts)


def default_alt(
    spec: HeatmapSpec,
    matrix: LabelledMatrix,
    texts: tuple[tuple[str | None, ...], ...] | None = None,
) -> str:
    """Alt text a screen-reader user can act on: what, shape, range, extremes
    (and their cells' texts, with ``cell_text``), gaps.  User text in it is
    isolated as in the hover data: the alt text too puts labels side by side,
    and a screen reader or a browser's tooltip shows it as one line."""
    from .hover import isolated

    rows, cols = matrix.shape
    subject = isolated(spec.title or "values")
    axes = f"{rows} rows" + (f" ({isolated(spec.ylabel)})" if spec.ylabel else "")
    axes += f" by {cols} columns" + (f" ({isolated(spec.xlabel)})" if spec.xlabel else "")
    text = f"Heatmap of {subject}: {axes}."
    if spec.subtract is not None:
        other = (
            isolated(spec.subtract) if isinstance(spec.subtract, str) else "the second data source"
        )
        text = f"Difference heatmap of {subject} (the block's data minus {other}): {axes}."
    import numpy as np

    from .data.derive import hidden_cells

    values = matrix.values
    hidden = hidden_cells(spec, matrix)
    finite = np.isfinite(values) & ~hidden
    if finite.any():
        masked = np.where(finite, values, np.nan)
        hi = np.unravel_index(int(np.nanargmax(masked)), values.shape)
        lo = np.unravel_index(int(np.nanargmin(masked)), values.shape)

        def said(at: tuple[Any, ...]) -> str:
            row, col = isolated(matrix.y_labels[at[0]]), isolated(matrix.x_labels[at[1]])
            where = f"row {row}, column {col}"
            written = texts[at[0]][at[1]] if texts is not None else None
            return where if written is None else f'{where}, written "{isolated(written)}"'

        text += (
            f" Values range from {alt_number(values[lo])} ({said(lo)})"
            f" to {alt_number(values[hi])} ({said(hi)})."
        )
        if texts is not None:
            text += " Each cell is labelled with a text of its own."
    else:
        text += " No finite values."
    missing = int((~np.isfinite(values) & ~hidden).sum())
    if missing:
        text += f" {missing} missing cell{'s' if missing != 1 else ''}."
    return text + _groups_alt(spec)


def _groups_alt(spec: HeatmapSpec) -> str:
    """The groups the strips show, with how many rows (columns) each holds."""
    from .hover import isolated
    from .keys import Groups

    text = ""
    for groups, what in ((spec.row_groups, "Rows"), (spec.col_groups, "Columns")):
        if not isinstance(groups, Groups):
            continue
        counts = ", ".join(f"{isolated(g)} ({groups.names.count(g)})" for g in groups.order)
        title = f" ({isolated(groups.title)})" if groups.title else ""
        count = len(groups.order)
        text += f" {what} in {count} group{'s' if count != 1 else ''}{title}: {counts}."
    return text


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _text(value: str) -> str:
    return html.escape(value, quote=False)
