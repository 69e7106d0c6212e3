"""The MkDocs plugin: MkDocs' hooks wired to the host-independent core.

on_config   site settings and style; the fence hooked into Markdown
on_files    per-build state; the stylesheet
on_page_markdown / on_page_content   each page's blocks and final HTML
on_nav      the reading order, for numbering figures across the site
on_env      render every collected figure in one batch, put them in the pages;
            fill in references to figures, register figure ids as anchors
on_serve    watch data and style files, also outside docs_dir
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import unquote, urljoin, urlsplit

from mkdocs.config import base
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from .batch import Batch, PageContext, Stats
from .errors import HeatmapError
from .fence import install_fence
from .model import LANGUAGE, Output, Settings
from .options import MKDOCS, OPTION, OptionError, StyleOption, options_of, page_defaults
from .references import fill_references
from .site import Site

log = get_plugin_logger(__name__)

T = TypeVar("T")


class _Option(base.BaseConfigOption[T], Generic[T]):
    """One option of the host-independent table (``options.OPTIONS``), as
    MkDocs' config machinery wants it: the same default, check and message
    under every host."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.option = OPTION[name]
        self.default = self.option.default

    def run_validation(self, value: object) -> T:
        try:
            checked: T = self.option.check(value, f"plugins.heatmap.{self.option.name}")
        except OptionError as exc:
            raise base.ValidationError(str(exc)) from None
        return checked


class PluginConfig(base.Config):
    """The options of ``plugins: [heatmap]`` in ``mkdocs.yml`` (typed; a test
    keeps the names those of ``options.options_of("mkdocs")``)."""

    style = _Option[StyleOption]("style")
    defaults = _Option[dict[str, Any]]("defaults")
    theme = _Option[str]("theme")
    cache = _Option[bool]("cache")
    cache_dir = _Option[str]("cache_dir")  # relative to mkdocs.yml
    output_dir = _Option[str]("output_dir")  # inside site_dir
    data_dir = _Option["str | None"]("data_dir")  # an extra allowed data root
    workers = _Option["str | int"]("workers")
    on_error = _Option[str]("on_error")
    enabled = _Option[bool]("enabled")
    numbering = _Option[str]("numbering")  # "Figure N." on captions: off, page or site
    figure_label = _Option[str]("figure_label")  # the "Figure" of "Figure N."
    max_file_size = _Option[int]("max_file_size")  # bytes
    max_cells = _Option[int]("max_cells")
    max_label_length = _Option[int]("max_label_length")


assert [name for name, _ in PluginConfig._schema] == [o.name for o in options_of(MKDOCS)]

_CSS_PATH = "assets/stylesheets/heatmap.css"
_JS_PATH = "assets/javascripts/heatmap.js"
_ASSETS = Path(__file__).parent / "assets"


class HeatmapPlugin(BasePlugin[PluginConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self._batch = Batch(log.logger, self._publish)
        self._settings: Settings | None = None
        self._files: Files | None = None
        self._config: MkDocsConfig | None = None
        self._published: set[str] = set()
        self._server: Any = None
        self._watching: set[Path] = set()
        self._order: list[str] = []

    @property
    def stats(self) -> Stats:
        """The last build's figures: placed, drawn, reused, with errors."""
        return self._batch.stats

    # Defining on_startup keeps one plugin object across `mkdocs serve`
    # rebuilds, so the in-memory figure cache survives them.
    def on_startup(self, *, command: str, dirty: bool) -> None:
        return None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
        try:
            site = Site.open(
                self.config,
                project_root=Path(config.config_file_path or ".").resolve().parent,
                docs_dir=Path(config.docs_dir),
                dark_markup="material" if config.theme.name == "material" else "media",
            )
        except HeatmapError as exc:
            raise PluginError(f"heatmap: 'style': {exc}") from None
        # `mkdocs serve` loads the config again for every build: the new
        # site takes over what the last one has at hand.
        self._batch.site = site.carry(self._batch.site)
        self._settings = site.settings
        self._page_settings: dict[Path | None, Settings] = {}  # one per folder of pages
        self._batch.fail_fast = self.config.on_error == "fail"
        install_fence(config.markdown_extensions, config.mdx_configs, self._batch.collector)
        config.extra_css.append(_CSS_PATH)
        # Global, not per page: Material's instant navigation swaps pages
        # without running their scripts; the script listens on the document.
        config.extra_javascript.append(_JS_PATH)
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled:
            return None
        # One build's state: under `mkdocs serve` the plugin object lives on.
        self._files = files
        self._config = config
        self._published = set()
        self._batch.reset()
        css = _asset("heatmap.css") + f"@media print {{\n{_asset('heatmap-print.css')}}}\n"
        files.append(File.generated(config, _CSS_PATH, content=css))
        files.append(File.generated(config, _JS_PATH, content=_asset("heatmap.js")))
        return files

    def on_nav(self, nav: Any, *, config: MkDocsConfig, files: Files) -> Any:
        if self.config.enabled:
            self._order = [page.file.src_uri for page in nav.pages]
        return None

    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if not self.config.enabled or self._settings is None:
            return None
        if LANGUAGE not in markdown and LANGUAGE not in page.meta:
            self._batch.page = None  # no block and no defaults: nothing to read again
            return None
        source = _page_source(page, markdown)
        page_dir = Path(page.file.abs_src_path).parent if page.file.abs_src_path else None
        page_url = page.file.url

        def url_of(site_path: str) -> str:
            return get_relative_url(site_path, page_url)

        settings = self._page_settings.get(page_dir)
        if settings is None:
            settings = self._page_settings[page_dir] = self._settings.for_page(page_dir)
        context = PageContext(page.file.src_uri, source, settings, url_of)
        self._batch.page = context
        defaults, problem = page_defaults(page.meta, source)
        context.defaults = defaults
        if problem is not None:
            self._batch.fail(context, *problem)
        return None

    def on_page_content(
        self, html: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if self.config.enabled:
            self._batch.end_page(html)
        return None

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        if not self.config.enabled:
            return None
        finished = self._batch.flush(self._order)
        pages = [f.page for f in files.documentation_pages() if f.page is not None]
        for page in pages:
            if page.file.src_uri in finished:
                page.content = finished[page.file.src_uri]
        self._references(pages, files)
        self._watch_new_files()
        return None

    def _references(self, pages: list[Page], files: Files) -> None:
        """Fill in ``[](#fig-id)`` links; make figure ids anchors MkDocs'
        link validation knows (it collected them before the figures existed),
        and warn of a figure id that another anchor of its page has too."""
        figures = self._batch.figures
        by_url = {_url_key(page.file.url): page.file.src_uri for page in pages}
        left_out = [f for f in files if f.is_documentation_page() and _excluded(f)]
        by_url.update({_url_key(f.url): f.src_uri for f in left_out})
        excluded = frozenset(f.src_uri for f in left_out)
        anchors = {page.file.src_uri: frozenset(page.present_anchor_ids or ()) for page in pages}
        for page in pages:
            ids = figures.get(page.file.src_uri)
            self._batch.warn_id_collisions(page.file.src_uri, anchors[page.file.src_uri])
            if ids and page.present_anchor_ids is not None:
                page.present_anchor_ids.update(ids)
            if not page.content or "></a>" not in page.content:
                continue

            def target_of(href: str, page: Page = page) -> tuple[str, str] | None:
                return _target_of(href, page, by_url)

            page.content, problems = fill_references(
                page.content,
                page.file.src_uri,
                _page_source(page, ""),
                target_of,
                figures,
                anchors,
                excluded,
                label=self._settings.figure_label if self._settings else "Figure",
            )
            for problem in problems:
                self._batch.warn(
                    page.file.src_uri, problem.line, problem.message, about="reference"
                )

    def _publish(self, output: Output) -> None:
        if output.path in self._published or self._files is None or self._config is None:
            return
        self._published.add(output.path)
        self._files.append(File.generated(self._config, output.path, content=output.content))

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if not self.config.enabled:
            return
        stats = self._batch.stats
        if stats.figures or stats.errors or stats.references:
            summary = (
                f"{stats.figures} figure(s): {stats.drawn} rendered in "
                f"{stats.seconds:.1f} s, {stats.reused} reused (cache or identical blocks)"
            )
            if stats.errors:
                summary += f"; {stats.errors} block(s) with errors"
            if stats.notes:
                summary += f"; {stats.notes} warning(s) about drawn figures"
            if stats.references:
                summary += f"; {stats.references} reference problem(s)"
            log.info(summary)
        if self._batch.site is not None:
            self._batch.site.prune()

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        self._server = server
        self._watch_new_files()
        return server

    def _watch_new_files(self) -> None:
        """Watch data and style files outside docs_dir (MkDocs watches docs_dir)."""
        if self._server is None or self._settings is None:
            return
        docs = self._settings.roots.docs_dir
        for path in self._batch.files - self._watching:
            if not path.resolve().is_relative_to(docs):
                self._server.watch(str(path))
            self._watching.add(path)


def _excluded(file: File) -> bool:
    """Left out of the site by ``exclude_docs`` (MkDocs 1.6+ knows)."""
    inclusion = getattr(file, "inclusion", None)
    return bool(inclusion is not None and inclusion.is_excluded())


def _asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")


def _url_key(url: str) -> str:
    """A page URL as links reach it: "a/", "a/index.html" and "a" alike."""
    path = posixpath.normpath("/" + url.lstrip("/"))
    if path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return path.rstrip("/")


def _target_of(href: str, page: Page, by_url: dict[str, str]) -> tuple[str, str] | None:
    """The (page, fragment) a link of ``page`` points to, if it is one of the site's pages."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    fragment = unquote(parts.fragment)
    if not parts.path:
        return page.file.src_uri, fragment
    path = urlsplit(urljoin("http://site/" + page.file.url, parts.path)).path
    target = by_url.get(_url_key(unquote(path)))
    return (target, fragment) if target is not None else None


def _page_source(page: Page, markdown: str) -> str:
    """The page as written, front matter included, so line numbers match the file."""
    try:
        return page.file.content_string
    except (OSError, ValueError, AttributeError):
        return markdown
