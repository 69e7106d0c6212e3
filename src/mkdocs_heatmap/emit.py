"""What the site gets: file names, the ``<figure>`` HTML, alt text, tables, error boxes.

Pure functions over strings and bytes: the host (MkDocs plugin, Markdown
extension) decides where files go and how URLs are made relative.  Every
attribute value and text node is escaped: labels and captions come from the
page author but also from data files, which may come from anyone.
"""

from __future__ import annotations

import hashlib
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from .model import Image, LabelledMatrix, Plot
from .spec import HeatmapSpec, format_value

TABLE_CELL_LIMIT = 10_000


@dataclass(frozen=True)
class Picture:
    """One rendered variant of a figure and where it was published."""

    variant: str  # "light" | "dark"
    image: Image
    url: str
    url_2x: str | None = None  # PNG at twice the resolution, for srcset


def content_name(content: bytes, ext: str) -> str:
    """A file name that changes exactly when the bytes do."""
    return f"{hashlib.sha256(content).hexdigest()[:20]}.{ext}"


def figure_html(
    spec: HeatmapSpec,
    pictures: Sequence[Picture],
    alt: str,
    *,
    matrices: Sequence[tuple[str | None, LabelledMatrix]] = (),
    downloads: Sequence[tuple[str, str]] = (),
    dark_markup: str = "media",
) -> str:
    """The ``<figure class="heatmap">`` element for one block.

    ``matrices`` are the plotted matrices with their panel titles (for the
    data table); ``downloads`` the (label, URL) of each CSV download.
    """
    classes = "heatmap" + (f" {spec.css_class}" if spec.css_class else "")
    figure_attrs = f' class="{_attr(classes)}"'
    if spec.id:
        figure_attrs += f' id="{_attr(spec.id)}"'
    parts = [f"<figure{figure_attrs}>", _images(spec, pictures, alt, dark_markup)]
    if spec.caption or downloads:
        caption = html.escape(spec.caption or "", quote=False)
        if downloads:
            links = ", ".join(
                f'<a class="heatmap-download" href="{_attr(url)}" download>{_text(label)}</a>'
                for label, url in downloads
            )
            if len(downloads) == 1:
                links = links.replace(f">{_text(downloads[0][0])}</a>", ">Download data (CSV)</a>")
            else:
                links = f"Download data (CSV): {links}"
            caption = f"{caption} {links}" if caption else links
        parts.append(f"<figcaption>{caption}</figcaption>")
    if spec.table:
        for title, matrix in matrices:
            parts.append(table_html(matrix, spec.fmt, title))
    parts.append("</figure>")
    return "".join(parts)


def _images(spec: HeatmapSpec, pictures: Sequence[Picture], alt: str, dark_markup: str) -> str:
    style = f' style="width: {_attr(spec.width)}"' if spec.width else ""

    def img(picture: Picture, fragment: str = "") -> str:
        srcset = ""
        if picture.url_2x:
            srcset = f' srcset="{_attr(picture.url)} 1x, {_attr(picture.url_2x)} 2x"'
            if fragment:
                srcset = (
                    f' srcset="{_attr(picture.url + fragment)} 1x, '
                    f'{_attr(picture.url_2x + fragment)} 2x"'
                )
        return (
            f'<img src="{_attr(picture.url + fragment)}"{srcset} alt="{_attr(alt)}" '
            f'width="{picture.image.width}" height="{picture.image.height}" '
            f'loading="lazy"{style}>'
        )

    if len(pictures) == 1:
        return img(pictures[0])
    light, dark = pictures
    if dark_markup == "material":
        # Material hides img[src$="#only-dark"] on light palettes and vice versa,
        # following its palette toggle, not only the OS setting.
        return img(light, "#only-light") + img(dark, "#only-dark")
    dark_set = _attr(dark.url) + (f" 1x, {_attr(dark.url_2x)} 2x" if dark.url_2x else "")
    return (
        f'<picture><source srcset="{dark_set}" media="(prefers-color-scheme: dark)">'
        f"{img(light)}</picture>"
    )


def table_html(matrix: LabelledMatrix, fmt: str | None, title: str | None) -> str:
    """A collapsible data table: the accessible fallback for the figure."""
    rows, cols = matrix.shape
    summary = "Data table" + (f": {html.escape(title, quote=False)}" if title else "")
    if rows * cols > TABLE_CELL_LIMIT:
        return (
            f'<details class="heatmap-table"><summary>{summary}</summary>'
            f"<p>The matrix has {rows * cols:,} cells, too many for a table; "
            "use the CSV download instead.</p></details>"
        )
    from .render import auto_fmt

    fmt = fmt or auto_fmt(matrix.values)
    head = "".join(f'<th scope="col">{_text(label)}</th>' for label in matrix.x_labels)
    body = []
    for label, row in zip(matrix.y_labels, matrix.values, strict=True):
        cells = "".join(
            f"<td>{_text(format_value(float(v), fmt))}</td>"
            if math.isfinite(v)
            else '<td class="heatmap-missing">–</td>'
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
    spec, panels = plot.spec, plot.panels
    if not plot.multi:
        return default_alt(spec, panels[0].matrix)
    names = ", ".join(p.spec.title or f"panel {n}" for n, p in enumerate(panels, start=1))
    head = f"{len(panels)} heatmap panels" + (f" of {spec.title}" if spec.title else "")
    parts = [f"{head}: {names}."]
    for n, panel in enumerate(panels, start=1):
        one = default_alt(panel.spec, panel.matrix).replace("Heatmap of ", "", 1)
        parts.append(f"Panel {n}, {one}")
    return " ".join(parts)


def default_alt(spec: HeatmapSpec, matrix: LabelledMatrix) -> str:
    """Alt text a screen-reader user can act on: what, shape, range, extremes, gaps."""
    rows, cols = matrix.shape
    subject = spec.title or "values"
    axes = f"{rows} rows" + (f" ({spec.ylabel})" if spec.ylabel else "")
    axes += f" by {cols} columns" + (f" ({spec.xlabel})" if spec.xlabel else "")
    text = f"Heatmap of {subject}: {axes}."
    if spec.subtract is not None:
        other = spec.subtract if isinstance(spec.subtract, str) else "the second data source"
        text = f"Difference heatmap of {subject} (the block's data minus {other}): {axes}."
    import numpy as np

    values = matrix.values
    finite = np.isfinite(values)
    if finite.any():
        masked = np.where(finite, values, np.nan)
        hi = np.unravel_index(int(np.nanargmax(masked)), values.shape)
        lo = np.unravel_index(int(np.nanargmin(masked)), values.shape)
        text += (
            f" Values range from {_num(values[lo])} (row {matrix.y_labels[lo[0]]},"
            f" column {matrix.x_labels[lo[1]]}) to {_num(values[hi])}"
            f" (row {matrix.y_labels[hi[0]]}, column {matrix.x_labels[hi[1]]})."
        )
    else:
        text += " No finite values."
    missing = int((~finite).sum())
    if missing:
        text += f" {missing} missing cell{'s' if missing != 1 else ''}."
    return text


def _num(value: float) -> str:
    if math.isfinite(value) and float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}"


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _text(value: str) -> str:
    return html.escape(value, quote=False)
