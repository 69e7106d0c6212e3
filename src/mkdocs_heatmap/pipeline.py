"""One block, end to end, without any host: text -> spec -> data -> image -> files + HTML.

The MkDocs plugin and the Markdown extension both call ``process_block``; they
differ only in how they publish files and make URLs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .data import DataRoots, Limits, load_matrix, matrix_to_csv
from .emit import content_name, default_alt, figure_html
from .errors import HeatmapError
from .render import render
from .spec import parse_block
from .style import Rc


@dataclass(frozen=True)
class Settings:
    """Everything about the site that a block's output depends on."""

    roots: DataRoots
    rc: Rc
    defaults: Mapping[str, Any] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    output_dir: str = "assets/heatmaps"


@dataclass(frozen=True)
class Output:
    """A file to publish, at a posix path relative to the site root."""

    path: str
    content: bytes


@dataclass(frozen=True)
class Result:
    html: str
    outputs: tuple[Output, ...]


def process_block(
    body: str,
    settings: Settings,
    url_of: Callable[[str], str],
    page_defaults: Mapping[str, Any] | None = None,
) -> Result:
    """Render one block's body; raises ``HeatmapError`` for anything the user can fix.

    ``url_of`` turns a site path into the URL the page should use for it.
    """
    spec = parse_block(body, {**settings.defaults, **(page_defaults or {})})
    try:
        matrix = load_matrix(spec, settings.roots, settings.limits)
        image = render(spec, matrix, settings.rc)
    except HeatmapError as exc:
        # Data and render errors know the key at fault; the spec knows its line.
        if exc.block_line is None:
            exc.block_line = spec.line_of(exc.key)
        raise
    outputs = [
        Output(_site_path(settings, content_name(image.content, image.format)), image.content)
    ]
    csv_url = None
    if spec.download:
        csv = matrix_to_csv(matrix).encode("utf-8")
        outputs.append(Output(_site_path(settings, content_name(csv, "csv")), csv))
        csv_url = url_of(outputs[-1].path)
    alt = spec.alt if spec.alt is not None else default_alt(spec, matrix)
    html = figure_html(spec, image, url_of(outputs[0].path), alt, csv_url=csv_url)
    return Result(html, tuple(outputs))


def _site_path(settings: Settings, name: str) -> str:
    return f"{settings.output_dir.strip('/')}/{name}"
