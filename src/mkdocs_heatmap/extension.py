"""``heatmap`` fences for any Python-Markdown host: Zensical, plain Markdown, ...

The same core as the MkDocs plugin (one options schema, the build batch, the
fence installer); only publishing differs.  A Markdown extension has no file
collection to register images with, so by default each figure is embedded in
its ``<img>`` as a ``data:`` URI: the page is self-contained, works under any
host, URL scheme or deploy path, and (unlike inline ``<svg>``) no element ids
or styles of one figure can clash with another's or the page's.  Large sites
can set ``output_dir`` (and ``base_url``) to write image files instead.

Configure it as ``markdown_extensions: [mkdocs_heatmap.extension]`` (with
options under it), or as a superfences custom fence with ``format:
!!python/name:mkdocs_heatmap.extension.fence_format``.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
from collections import Counter
from html import escape as html_escape
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor

from .batch import Batch, PageContext
from .errors import ConfigError, Problem
from .fence import PlainFenceExtension
from .files import publish
from .formats import data_uri
from .model import LANGUAGE, Output
from .options import EXTENSION, default_of, options_of, page_defaults, read_options
from .references import fill_references
from .site import Site

log = logging.getLogger("mkdocs_heatmap")

_NAME = "mkdocs_heatmap.extension"


def _markdown_options() -> dict[str, list[Any]]:
    """Python-Markdown's option table, from the plugin's schema.  "" stands for
    an unset option: Python-Markdown turns a ``None`` default's values into
    booleans."""
    table: dict[str, list[Any]] = {}
    for option in options_of(EXTENSION):
        default = default_of(option, EXTENSION)
        table[option.name] = ["" if default is None else default, option.help]
    return table


class HeatmapExtension(Extension):
    def __init__(self, **kwargs: Any) -> None:
        self.config = _markdown_options()
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        if self.getConfig("enabled") is False:
            return
        batch = _batch_for(md, self.getConfigs())
        if not _superfences_owns_heatmap(md):
            PlainFenceExtension(batch.collector).extendMarkdown(md)


def makeExtension(**kwargs: Any) -> HeatmapExtension:
    return HeatmapExtension(**kwargs)


def fence_format(
    source: str, language: str, class_name: str, options: Any, md: Markdown, **kwargs: Any
) -> str:
    """A pymdownx.superfences custom-fence formatter (for blocks nested in
    admonitions, tabs, lists): the same batch as the extension's."""
    batch = getattr(md, "heatmap_batch", None) or _batch_for(md, {})
    return batch.collector.handle(source)


# --------------------------------------------------------------------------


class _Finish(Postprocessor):
    """Puts the figures into the page's final HTML (the placeholders survive
    Markdown untouched), then forgets the page."""

    def __init__(self, md: Markdown, batch: Batch, host: _Host) -> None:
        super().__init__(md)
        self.batch = batch
        self.host = host

    def run(self, text: str) -> str:
        # Other extensions run the postprocessors on fragments too (toc on
        # each heading): only the page's own HTML holds the placeholders.
        if not self.batch.collector.has_placeholders(text):
            return text
        reported = len(self.batch.problems)
        page = self.batch.page = self.host.page_context(self.md, self.batch)
        html = self.batch.finish_page(text)
        _collisions(html, page.src_path, self.batch)
        html = _references(html, page.src_path, page.source, self.batch, page.settings.figure_label)
        problems = self.batch.problems[reported:]
        return html + _page_assets(html) + _strict_markers(self.md, problems)


class _Host:
    """Settings and publishing for one Markdown instance."""

    def __init__(self, raw: dict[str, Any]) -> None:
        given = {key: value for key, value in raw.items() if value != ""}
        options = read_options(given, EXTENSION, _NAME)
        base = Path(options["base_dir"] or os.getcwd()).resolve()
        docs = (base / options["docs_dir"]) if options["docs_dir"] else base / "docs"
        if not docs.is_dir():
            docs = base
        try:
            # Images are named at the site root of this host: no folder
            # prefix.  Material (and Zensical, its successor) hide
            # img[src$="#only-dark"] on light palettes and the reverse; both
            # variants are in the page.
            self.site = Site.open(
                options, project_root=base, docs_dir=docs, dark_markup="material", output_dir=""
            )
        except ConfigError as exc:
            raise ConfigError(f"{_NAME}: option 'style': {exc.message}") from None
        if "workers" not in given:
            # A page is converted on its own: a pool per page costs more than
            # it saves unless the author asks for one.
            self.site.workers = 1
        self.settings = self.site.settings
        self.output_dir = (base / options["output_dir"]) if options["output_dir"] else None
        self.base_url = str(options["base_url"] or options["output_dir"]).rstrip("/")
        self.fail_fast = options["on_error"] == "fail"
        self._content: dict[str, bytes] = {}

    def publish(self, output: Output) -> None:
        self._content[output.path] = output.content
        if self.output_dir is not None:
            publish(self.output_dir, output.path, output.content)

    def url_of(self, site_path: str) -> str:
        name = site_path.lstrip("/")
        if self.output_dir is not None:
            return f"{self.base_url}/{name}" if self.base_url else name
        return data_uri(name, self._content[site_path])  # published before its URL is asked for

    def page_context(self, md: Markdown, batch: Batch) -> PageContext:
        page = _zensical_page(md)
        path = str(getattr(page, "path", "") or "page")
        meta = getattr(page, "meta", {}) or {}
        source = getattr(md, "heatmap_source", "") or "\n".join(getattr(md, "lines", []))
        page_dir = None
        if page is not None:
            file = self.settings.roots.docs_dir / path
            page_dir = file.parent
            with contextlib.suppress(OSError, UnicodeDecodeError):
                # The page as written, front matter included, for line numbers.
                source = file.read_text(encoding="utf-8-sig")
        context = PageContext(path, source, self.settings.for_page(page_dir), self.url_of)
        defaults, problem = page_defaults(meta if isinstance(meta, dict) else {}, source)
        context.defaults = defaults
        if problem is not None:
            batch.fail(context, *problem)
        return context


def _references(html: str, path: str, source: str, batch: Batch, label: str = "Figure") -> str:
    """Same-page references (``[](#fig-id)``) filled in.  A page is converted
    on its own here, so links to other pages' figures are left as written."""
    if "></a>" not in html:
        return html

    def same_page(href: str) -> tuple[str, str] | None:
        return (path, unquote(href[1:])) if href.startswith("#") else None

    anchors = {path: frozenset(_ID.findall(html))}
    html, problems = fill_references(
        html, path, source, same_page, batch.figures, anchors, label=label
    )
    for problem in problems:
        batch.warn(path, problem.line, problem.message, about="reference")
    return html


def _collisions(html: str, path: str, batch: Batch) -> None:
    """Figure ids the finished page holds twice (the figure's and another
    element's)."""
    if batch.figures.get(path):
        twice = [ident for ident, count in Counter(_ID.findall(html)).items() if count > 1]
        batch.warn_id_collisions(path, twice)


_ID = re.compile(r'\sid="([^"]+)"')


def _strict_markers(md: Markdown, problems: list[Problem]) -> str:
    """Under Zensical, each problem as an unresolvable, hidden cross-reference.

    ``zensical build --strict`` fails only on its own issues (broken links,
    unresolved cross-references), never on a logged warning, and a page it
    takes from its cache runs no extension at all.  With Zensical's autorefs
    extension on, an ``<autoref>`` that names no target is such an issue: it
    is reported with its text (the problem, ``PAGE:LINE: heatmap: ...``) on
    every build, cached or not, and fails ``--strict``.  Without autorefs, a
    one-time hint says how to get that."""
    if not problems or _zensical_page(md) is None:
        return ""
    if "mkdocs-autorefs" not in md.inlinePatterns:
        global _hinted
        if not _hinted:
            _hinted = True
            log.warning(STRICT_HINT)
        return ""
    return "".join(
        f'<span hidden><autoref identifier="{html_escape(str(problem), quote=True)}">'
        "</autoref></span>"
        for problem in problems
    )


STRICT_HINT = (
    "heatmap: 'zensical build --strict' fails on these problems only with Zensical's "
    "autorefs on: add '- zensical.extensions.autorefs' under markdown_extensions"
)
_hinted = False


def _page_assets(html: str) -> str:
    """What the page's figures need that a stylesheet or script would bring
    under the plugin: the print rules, and the hover script (a few kB, once
    per page; it installs itself once however often it is included)."""
    extra = ""
    if "#only-dark" in html:
        # The print rules the plugin's stylesheet has; the extension has none.
        extra += f'<style media="print">{_asset("heatmap-print.css")}</style>'
    if "data-heatmap=" in html:
        extra += f"<script>{_asset('heatmap.js')}</script>"
    return extra


@functools.cache
def _asset(name: str) -> str:
    return (Path(__file__).parent / "assets" / name).read_text(encoding="utf-8")


def _batch_for(md: Markdown, options: dict[str, Any]) -> Batch:
    existing = getattr(md, "heatmap_batch", None)
    if isinstance(existing, Batch):
        return existing
    host = _Host(options)
    batch = Batch(log, host.publish, host.site, fail_fast=host.fail_fast)
    md.heatmap_batch = batch  # type: ignore[attr-defined]
    md.postprocessors.register(_Finish(md, batch, host), "heatmap_finish", 1)
    # Keep the page as Markdown received it, for line numbers in messages.
    md.preprocessors.register(_Source(md), "heatmap_source", 40)
    return batch


class _Source(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        self.md.heatmap_source = "\n".join(lines)  # type: ignore[attr-defined]
        return lines


def _superfences_owns_heatmap(md: Markdown) -> bool:
    for extension in md.registeredExtensions:
        if type(extension).__name__ == "SuperFencesCodeExtension":
            fences = extension.getConfig("custom_fences") or []
            return any(fence.get("name") == LANGUAGE for fence in fences)
    return False


def _zensical_page(md: Markdown) -> Any:
    """Zensical's page (path, url, meta), from its rendering-context
    preprocessor; ``None`` under any other host."""
    if "rendering_context" in md.preprocessors:
        return getattr(md.preprocessors["rendering_context"], "page", None)
    return None
