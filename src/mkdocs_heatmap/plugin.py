"""The MkDocs plugin: wiring between MkDocs' hooks and the host-independent core."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from mkdocs.config import base
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from .config import PluginConfig
from .data import DataRoots
from .errors import HeatmapError
from .fence import LANGUAGE, FenceHandler, PageContext, PlainFenceExtension, superfences_entry
from .pipeline import Output, Settings
from .spec import validate_defaults
from .style import resolve_style

log = get_plugin_logger(__name__)

_SUPERFENCES = "pymdownx.superfences"
_CSS_PATH = "heatmap.css"


class HeatmapPlugin(BasePlugin[PluginConfig]):
    def __init__(self) -> None:
        self._handler = FenceHandler(log.logger, self._publish)
        self._settings: Settings | None = None
        self._files: Files | None = None
        self._config: MkDocsConfig | None = None
        self._outputs: dict[str, Output] = {}

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
        project_root = Path(config.config_file_path or ".").resolve().parent
        try:
            rc = resolve_style(self.config.style, project_root)
        except HeatmapError as exc:
            raise PluginError(f"heatmap: 'style': {exc}") from None
        data_dirs: tuple[Path, ...] = ()
        if self.config.data_dir:
            data_dirs = ((project_root / self.config.data_dir).resolve(),)
        self._settings = Settings(
            roots=DataRoots(
                docs_dir=Path(config.docs_dir).resolve(),
                project_root=project_root,
                data_dirs=data_dirs,
            ),
            rc=rc,
            defaults=dict(self.config.defaults),
            output_dir=self.config.output_dir.strip("/"),
            theme="auto" if self.config.theme == "auto" else "light",
            dark_markup="material" if config.theme.name == "material" else "media",
        )
        self._handler.fail_fast = self.config.on_error == "fail"
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
        self._handler.errors = 0
        css = (Path(__file__).parent / "assets" / _CSS_PATH).read_text(encoding="utf-8")
        files.append(File.generated(config, _CSS_PATH, content=css))
        return files

    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if not self.config.enabled or self._settings is None:
            return None
        source = _page_source(page, markdown)
        src_path = page.file.src_uri
        page_dir = Path(page.file.abs_src_path).parent if page.file.abs_src_path else None
        settings = replace(self._settings, roots=replace(self._settings.roots, page_dir=page_dir))
        page_url = page.file.url

        def url_of(site_path: str) -> str:
            return get_relative_url(site_path, page_url)

        defaults = page.meta.get(LANGUAGE) or {}
        self._handler.page = PageContext(src_path, source, settings, url_of)
        if LANGUAGE in page.meta:
            try:
                if not isinstance(defaults, dict):
                    raise HeatmapError("front matter 'heatmap:' must be a mapping of block keys")
                validate_defaults(defaults)
            except HeatmapError as exc:
                self._handler.fail(self._handler.page, _front_matter_line(source), str(exc), "")
                defaults = {}
        self._handler.page.defaults = defaults
        return None

    def on_page_content(
        self, html: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if not self.config.enabled:
            return None
        html = self._handler.finish_page(html)
        self._handler.page = None
        return html

    def _publish(self, output: Output) -> None:
        if output.path in self._outputs or self._files is None or self._config is None:
            return
        self._outputs[output.path] = output
        self._files.append(File.generated(self._config, output.path, content=output.content))

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self._outputs or self._handler.errors:
            log.info(
                f"{len(self._outputs)} file(s) written to {self.config.output_dir}/"
                + (f", {self._handler.errors} block(s) with errors" if self._handler.errors else "")
            )


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


__all__ = ["HeatmapPlugin", "PluginConfig", "base"]
