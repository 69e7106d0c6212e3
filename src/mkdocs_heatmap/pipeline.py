"""One block, end to end, without any host: text -> spec -> data -> image -> files + HTML.

The MkDocs plugin and the Markdown extension both call ``process_block``; they
differ only in how they publish files and make URLs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from .data import DataRoots, Limits, load_matrix, matrix_to_csv
from .emit import Picture, content_name, default_alt, figure_html
from .errors import HeatmapError
from .model import LabelledMatrix
from .render import render, validate
from .spec import HeatmapSpec, parse_block
from .style import Rc, layer

DarkMarkup = Literal["material", "media"]


@dataclass(frozen=True)
class Settings:
    """Everything about the site that a block's output depends on."""

    roots: DataRoots
    rc: Rc
    defaults: Mapping[str, Any] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    output_dir: str = "assets/heatmaps"
    theme: Literal["light", "dark", "auto"] = "light"
    # How a light/dark pair is shown: Material's #only-light/#only-dark
    # (follows its palette toggle) or <picture> with prefers-color-scheme.
    dark_markup: DarkMarkup = "media"


@dataclass(frozen=True)
class Output:
    """A file to publish, at a posix path relative to the site root."""

    path: str
    content: bytes


@dataclass(frozen=True)
class Result:
    html: str
    outputs: tuple[Output, ...]


def load_block(
    body: str, settings: Settings, page_defaults: Mapping[str, Any] | None = None
) -> tuple[HeatmapSpec, LabelledMatrix]:
    """Parse a block and load its data; raises ``HeatmapError`` with the key's line."""
    spec = parse_block(body, {**settings.defaults, **(page_defaults or {})})
    with _at_key_line(spec):
        return spec, load_matrix(spec, settings.roots, settings.limits)


def check_block(
    body: str, settings: Settings, page_defaults: Mapping[str, Any] | None = None
) -> None:
    """Everything ``process_block`` checks, short of drawing the figure."""
    spec, _matrix = load_block(body, settings, page_defaults)
    with _at_key_line(spec):
        validate(spec)
        _block_rc(spec, settings)


def process_block(
    body: str,
    settings: Settings,
    url_of: Callable[[str], str],
    page_defaults: Mapping[str, Any] | None = None,
) -> Result:
    """Render one block's body; raises ``HeatmapError`` for anything the user can fix.

    ``url_of`` turns a site path into the URL the page should use for it.
    """
    spec, matrix = load_block(body, settings, page_defaults)
    outputs: list[Output] = []

    def publish(content: bytes, ext: str) -> str:
        outputs.append(Output(_site_path(settings, content_name(content, ext)), content))
        return url_of(outputs[-1].path)

    theme = spec.theme or settings.theme
    variants = ("light", "dark") if theme == "auto" else (theme,)
    pictures: list[Picture] = []
    with _at_key_line(spec):
        rc = _block_rc(spec, settings)
        for variant in variants:
            image = render(spec, matrix, rc, variant=variant, transparent=theme == "auto")
            url_2x = None
            if spec.format == "png":
                retina = render(
                    spec, matrix, rc, variant=variant, transparent=theme == "auto", scale=2
                )
                url_2x = publish(retina.content, "png")
            pictures.append(Picture(variant, image, publish(image.content, image.format), url_2x))
    csv_url = publish(matrix_to_csv(matrix).encode("utf-8"), "csv") if spec.download else None
    alt = spec.alt if spec.alt is not None else default_alt(spec, matrix)
    html = figure_html(
        spec, pictures, alt, matrix=matrix, csv_url=csv_url, dark_markup=settings.dark_markup
    )
    return Result(html, tuple(outputs))


def _block_rc(spec: HeatmapSpec, settings: Settings) -> Rc:
    try:
        return layer(settings.rc, spec.style, settings.roots.project_root)
    except HeatmapError as exc:
        raise HeatmapError(f"'style': {exc.message}", key="style") from None


@contextmanager
def _at_key_line(spec: HeatmapSpec) -> Iterator[None]:
    """Data and render errors know the key at fault; the spec knows its line."""
    try:
        yield
    except HeatmapError as exc:
        if exc.block_line is None:
            exc.block_line = spec.line_of(exc.key)
        raise


def _site_path(settings: Settings, name: str) -> str:
    return f"{settings.output_dir.strip('/')}/{name}"
