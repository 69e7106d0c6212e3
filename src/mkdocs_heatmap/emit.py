"""What the site gets: file names, the ``<figure>`` HTML, alt text, error boxes.

Pure functions over strings and bytes: the host (MkDocs plugin, Markdown
extension) decides where files go and how URLs are made relative.
"""

from __future__ import annotations

import hashlib
import html
import math

import numpy as np

from .model import LabelledMatrix
from .render import Image
from .spec import HeatmapSpec


def content_name(content: bytes, ext: str) -> str:
    """A file name that changes exactly when the bytes do."""
    return f"{hashlib.sha256(content).hexdigest()[:20]}.{ext}"


def figure_html(
    spec: HeatmapSpec,
    image: Image,
    image_url: str,
    alt: str,
    *,
    csv_url: str | None = None,
) -> str:
    """The ``<figure class="heatmap">`` element for one block.

    Every attribute value and text node is escaped: labels and captions come
    from the page author but also from data files, which may come from anyone.
    """
    classes = "heatmap" + (f" {spec.css_class}" if spec.css_class else "")
    figure_attrs = f' class="{_attr(classes)}"'
    if spec.id:
        figure_attrs += f' id="{_attr(spec.id)}"'
    style = f' style="width: {_attr(spec.width)}"' if spec.width else ""
    img = (
        f'<img src="{_attr(image_url)}" alt="{_attr(alt)}" '
        f'width="{image.width}" height="{image.height}" loading="lazy"{style}>'
    )
    parts = [f"<figure{figure_attrs}>", img]
    if spec.caption or csv_url:
        caption = html.escape(spec.caption or "", quote=False)
        if csv_url:
            link = (
                f'<a class="heatmap-download" href="{_attr(csv_url)}" download>'
                "Download data (CSV)</a>"
            )
            caption = f"{caption} {link}" if caption else link
        parts.append(f"<figcaption>{caption}</figcaption>")
    parts.append("</figure>")
    return "".join(parts)


def error_html(location: str, message: str, source: str) -> str:
    """A visible box in place of the figure, echoing the block (escaped)."""
    return (
        '<div class="admonition failure heatmap-error" role="alert">'
        f'<p class="admonition-title">heatmap: {html.escape(message, quote=False)}</p>'
        f"<p><code>{html.escape(location, quote=False)}</code></p>"
        f"<pre><code>{html.escape(source.rstrip(), quote=False)}</code></pre>"
        "</div>"
    )


def default_alt(spec: HeatmapSpec, matrix: LabelledMatrix) -> str:
    """Alt text a screen-reader user can act on: what, shape, range, extremes, gaps."""
    rows, cols = matrix.shape
    subject = spec.title or "values"
    axes = f"{rows} rows" + (f" ({spec.ylabel})" if spec.ylabel else "")
    axes += f" by {cols} columns" + (f" ({spec.xlabel})" if spec.xlabel else "")
    text = f"Heatmap of {subject}: {axes}."
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
