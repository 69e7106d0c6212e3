"""``heatmap`` fences for any Python-Markdown host: Zensical, plain Markdown, ...

The same core as the MkDocs plugin (spec, data, style, cache, render, error
messages); only publishing differs.  A Markdown extension has no file
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

import base64
import contextlib
import logging
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor

from .cache import DiskCache
from .errors import ConfigError, HeatmapError
from .fence import FenceHandler, PageContext, PlainFenceExtension
from .pipeline import Output, site_settings
from .spec import validate_defaults
from .style import check_style

log = logging.getLogger("mkdocs_heatmap")

_MIME = {"svg": "image/svg+xml", "png": "image/png", "csv": "text/csv"}


class HeatmapExtension(Extension):
    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "base_dir": ["", "project root: data and style paths resolve from it (default: cwd)"],
            "docs_dir": ["", "folder of the pages (default: BASE_DIR/docs if it exists)"],
            "data_dir": ["", "an extra folder data files may come from"],
            "output_dir": ["", "write image files here instead of embedding them"],
            "base_url": ["", "URL of output_dir as seen from pages (with output_dir)"],
            "style": [None, "built-in style name, .mplstyle path or rcParams mapping"],
            "defaults": [{}, "block keys applied to every block"],
            "theme": ["light", "light or auto"],
            "cache": [True, "keep drawn figures in cache_dir"],
            "cache_dir": [".cache/heatmap", "cache folder, relative to base_dir"],
            "on_error": ["warn", "warn or fail"],
            "numbering": [False, "prefix every caption with 'Figure N.'"],
            "max_file_size": [50 * 1024 * 1024, "largest data file, in bytes"],
            "max_cells": [4_000_000, "most cells a matrix may have"],
            "max_label_length": [200, "longest tick label, in characters"],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        handler = _handler_for(md, self.getConfigs())
        if not _superfences_owns_heatmap(md):
            PlainFenceExtension(handler).extendMarkdown(md)


def makeExtension(**kwargs: Any) -> HeatmapExtension:
    return HeatmapExtension(**kwargs)


def fence_format(
    source: str, language: str, class_name: str, options: Any, md: Markdown, **kwargs: Any
) -> str:
    """A pymdownx.superfences custom-fence formatter (for blocks nested in
    admonitions, tabs, lists): the same handler as the extension's."""
    handler = getattr(md, "heatmap_handler", None) or _handler_for(md, {})
    return handler.handle(source)


# --------------------------------------------------------------------------


class _Finish(Postprocessor):
    """Puts the figures into the page's final HTML (the placeholders survive
    Markdown untouched), then forgets the page."""

    def __init__(self, md: Markdown, handler: FenceHandler, host: _Host) -> None:
        super().__init__(md)
        self.handler = handler
        self.host = host

    def run(self, text: str) -> str:
        # Other extensions run the postprocessors on fragments too (toc on
        # each heading): only the page's own HTML holds the placeholders.
        if not self.handler.has_placeholders(text):
            return text
        self.handler.page = self.host.page_context(self.md)
        return self.handler.finish_page(text)


class _Host:
    """Settings and publishing for one Markdown instance."""

    def __init__(self, options: dict[str, Any]) -> None:
        base = Path(options.get("base_dir") or os.getcwd()).resolve()
        docs_option = options.get("docs_dir") or ""
        docs = (base / docs_option) if docs_option else base / "docs"
        if not docs.is_dir():
            docs = base
        style = options.get("style")
        validate_defaults(dict(options.get("defaults") or {}))
        cache = None
        if options.get("cache", True):
            cache = DiskCache(base / (options.get("cache_dir") or ".cache/heatmap"))
        if style is not None:
            check_style(style, base)
        output_dir = options.get("output_dir") or ""
        self.output_dir = (base / output_dir) if output_dir else None
        self.base_url = str(options.get("base_url") or output_dir).rstrip("/")
        # Images are named at the site root of this host: no folder prefix.
        # Material (and Zensical, its successor) hide img[src$="#only-dark"]
        # on light palettes and the reverse; both variants are in the page.
        self.settings = replace(
            site_settings(options, project_root=base, docs_dir=docs, dark_markup="material"),
            output_dir="",
        )
        for option, allowed in (("theme", ("light", "auto")), ("on_error", ("warn", "fail"))):
            if options.get(option, allowed[0]) not in allowed:
                raise ConfigError(
                    f"mkdocs_heatmap.extension: '{option}' must be one of "
                    f"{', '.join(allowed)}, got {options.get(option)!r}"
                )
        self.cache = cache
        self.fail_fast = options.get("on_error") == "fail"
        self._content: dict[str, bytes] = {}

    def publish(self, output: Output) -> None:
        self._content[output.path] = output.content
        if self.output_dir is not None:
            path = self.output_dir / output.path.lstrip("/")
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(output.content)

    def url_of(self, site_path: str) -> str:
        name = site_path.lstrip("/")
        if self.output_dir is not None:
            return f"{self.base_url}/{name}" if self.base_url else name
        content = self._content.get(site_path)
        if content is None:
            # The URL is asked for before the file is published: the HTML is
            # written with placeholders and filled in after publishing.
            return f"heatmap-pending:{name}"
        mime = _MIME.get(name.rsplit(".", 1)[-1], "application/octet-stream")
        return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"

    def page_context(self, md: Markdown) -> PageContext:
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
        settings = replace(self.settings, roots=replace(self.settings.roots, page_dir=page_dir))
        defaults = meta.get("heatmap") if isinstance(meta, dict) else None
        context = PageContext(path, source, settings, self.url_of)
        if isinstance(defaults, dict):
            try:
                validate_defaults(defaults)
                context.defaults = defaults
            except HeatmapError as exc:
                log.warning(f"{path}: heatmap: front matter: {exc.message}")
        return context


def _handler_for(md: Markdown, options: dict[str, Any]) -> FenceHandler:
    existing = getattr(md, "heatmap_handler", None)
    if isinstance(existing, FenceHandler):
        return existing
    host = _Host(options)
    handler = FenceHandler(log, host.publish, fail_fast=host.fail_fast, cache=host.cache)
    md.heatmap_handler = handler  # type: ignore[attr-defined]
    md.postprocessors.register(_Finish(md, handler, host), "heatmap_finish", 1)
    # Keep the page as Markdown received it, for line numbers in messages.
    md.preprocessors.register(_Source(md), "heatmap_source", 40)
    return handler


class _Source(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        self.md.heatmap_source = "\n".join(lines)  # type: ignore[attr-defined]
        return lines


def _superfences_owns_heatmap(md: Markdown) -> bool:
    for extension in md.registeredExtensions:
        if type(extension).__name__ == "SuperFencesCodeExtension":
            fences = extension.getConfig("custom_fences") or []
            return any(fence.get("name") == "heatmap" for fence in fences)
    return False


def _zensical_page(md: Markdown) -> Any:
    """Zensical's page (path, url, meta), from its rendering-context
    preprocessor; ``None`` under any other host."""
    if "rendering_context" in md.preprocessors:
        return getattr(md.preprocessors["rendering_context"], "page", None)
    return None
