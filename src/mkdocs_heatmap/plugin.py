"""The MkDocs plugin: wiring between MkDocs' hooks and the host-independent core.

on_config   resolve the site style and options, hook the fence into Markdown
on_files    per-build state; the stylesheet
on_page_markdown / on_page_content   collect each page's blocks
on_env      render every collected figure in one batch, put them in the pages
on_serve    watch data and style files, also outside docs_dir
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from .cache import DiskCache, make_key
from .config import PluginConfig
from .errors import HeatmapError
from .fence import LANGUAGE, FenceHandler, PageContext, PlainFenceExtension, superfences_entry
from .pipeline import Output, Settings, matplotlib_version, site_settings
from .spec import validate_defaults
from .style import BUILTIN_STYLES, check_style, style_files

log = get_plugin_logger(__name__)

_SUPERFENCES = "pymdownx.superfences"
_CSS_PATH = "assets/stylesheets/heatmap.css"


class HeatmapPlugin(BasePlugin[PluginConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self._handler = FenceHandler(log.logger, self._publish)
        self._settings: Settings | None = None
        self._files: Files | None = None
        self._config: MkDocsConfig | None = None
        self._outputs: dict[str, Output] = {}
        self._style_files: list[Path] = []
        self._server: Any = None
        self._watching: set[Path] = set()

    # Defining on_startup keeps one plugin object across `mkdocs serve`
    # rebuilds, so the in-memory figure cache survives them.
    def on_startup(self, *, command: str, dirty: bool) -> None:
        return None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
        project_root = Path(config.config_file_path or ".").resolve().parent
        cache = None
        if self.config.cache:
            cache = DiskCache(project_root / self.config.cache_dir)
        try:
            self._settings = site_settings(
                self.config,
                project_root=project_root,
                docs_dir=Path(config.docs_dir),
                dark_markup="material" if config.theme.name == "material" else "media",
            )
            self._style_files = style_files(self.config.style, project_root)
            _check_style_once(self.config.style, project_root, self._settings.rc, cache)
        except HeatmapError as exc:
            raise PluginError(f"heatmap: 'style': {exc}") from None
        self._handler.fail_fast = self.config.on_error == "fail"
        self._handler.cache = cache
        self._handler.workers = self.config.workers
        self._hook_markdown(config)
        config.extra_css.append(_CSS_PATH)
        return config

    def _hook_markdown(self, config: MkDocsConfig) -> None:
        if _SUPERFENCES in config.markdown_extensions:
            options = config.mdx_configs.setdefault(_SUPERFENCES, {})
            fences = [
                fence for fence in options.get("custom_fences", []) if fence.get("name") != LANGUAGE
            ]
            options["custom_fences"] = [*fences, superfences_entry(self._handler)]
        else:
            config.markdown_extensions.append(PlainFenceExtension(self._handler))  # type: ignore[arg-type]

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled:
            return None
        # One build's state: under `mkdocs serve` the plugin object lives on.
        self._files = files
        self._config = config
        self._outputs = {}
        self._handler.reset()
        css = (Path(__file__).parent / "assets" / "heatmap.css").read_text(encoding="utf-8")
        files.append(File.generated(config, _CSS_PATH, content=css))
        return files

    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if not self.config.enabled or self._settings is None:
            return None
        source = _page_source(page, markdown)
        page_dir = Path(page.file.abs_src_path).parent if page.file.abs_src_path else None
        settings = replace(self._settings, roots=replace(self._settings.roots, page_dir=page_dir))
        page_url = page.file.url

        def url_of(site_path: str) -> str:
            return get_relative_url(site_path, page_url)

        context = PageContext(page.file.src_uri, source, settings, url_of)
        self._handler.page = context
        defaults = page.meta.get(LANGUAGE)
        if defaults is not None:
            try:
                if not isinstance(defaults, dict):
                    raise HeatmapError("front matter 'heatmap:' must be a mapping of block keys")
                validate_defaults(defaults)
                context.defaults = defaults
            except HeatmapError as exc:
                self._handler.fail(context, _front_matter_line(source), exc.message, "")
        return None

    def on_page_content(
        self, html: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if self.config.enabled:
            self._handler.end_page(html)
        return None

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        if not self.config.enabled:
            return None
        finished = self._handler.flush()
        for file in files.documentation_pages():
            page = file.page
            if page is not None and file.src_uri in finished:
                page.content = finished[file.src_uri]
        self._watch_new_files()
        return None

    def _publish(self, output: Output) -> None:
        if output.path in self._outputs or self._files is None or self._config is None:
            return
        self._outputs[output.path] = output
        self._files.append(File.generated(self._config, output.path, content=output.content))

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if not self.config.enabled:
            return
        stats = self._handler.stats
        if stats.figures or stats.errors:
            summary = (
                f"{stats.figures} figure(s): {stats.rendered} rendered in "
                f"{stats.seconds:.1f} s, {stats.cached} reused (cache or identical blocks)"
            )
            if stats.errors:
                summary += f"; {stats.errors} block(s) with errors"
            log.info(summary)
        if self._handler.cache is not None:
            self._handler.cache.prune()

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        self._server = server
        self._watch_new_files()
        return server

    def _watch_new_files(self) -> None:
        """Watch data and style files outside docs_dir (MkDocs watches docs_dir)."""
        if self._server is None or self._settings is None:
            return
        docs = self._settings.roots.docs_dir
        for path in {*self._handler.files, *self._style_files} - self._watching:
            if not path.resolve().is_relative_to(docs):
                self._server.watch(str(path))
            self._watching.add(path)


def _check_style_once(
    style: Any, project_root: Path, rc: dict[str, Any], cache: DiskCache | None
) -> None:
    """Validate the site style at config load, importing matplotlib only the
    first time a given style is seen (a marker in the cache remembers it)."""
    if style is None or (isinstance(style, str) and style in BUILTIN_STYLES):
        return
    marker = None
    if cache is not None:
        key = make_key("style-ok", sorted(rc.items()), matplotlib_version())
        marker = cache.root / "styles" / key
        if marker.exists():
            return
    check_style(style, project_root)
    if marker is not None:
        with contextlib.suppress(OSError):
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()


def _page_source(page: Page, markdown: str) -> str:
    """The page as written, front matter included, so line numbers match the file."""
    try:
        return page.file.content_string
    except (OSError, ValueError, AttributeError):
        return markdown


def _front_matter_line(source: str) -> int:
    for number, line in enumerate(source.split("\n"), start=1):
        if line.startswith(f"{LANGUAGE}:"):
            return number
    return 1
