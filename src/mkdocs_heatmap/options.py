"""The one options schema every host reads, and what it turns into.

``PluginConfig`` is the MkDocs plugin's typed config (SPEC's option names);
the Markdown extension's options are derived from it (``ExtensionConfig``),
the command line reads the plugin's validated options from ``mkdocs.yml``,
the API passes its keyword arguments through it.  ``settings_from_options``
is the one way options become the pipeline's ``Settings``; ``page_defaults``
the one way a page's front matter becomes block defaults.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from mkdocs.config import base
from mkdocs.config import config_options as c

from .cache import DiskCache, make_key, matplotlib_version
from .errors import ConfigError, HeatmapError
from .messages import one_line
from .model import (
    DEFAULT_CACHE_DIR,
    DEFAULT_LIMITS,
    DEFAULT_OUTPUT_DIR,
    LANGUAGE,
    ON_ERROR,
    SITE_THEMES,
    DarkMarkup,
    DataRoots,
    Limits,
    Settings,
)
from .safeyaml import TooLarge, check_value
from .spec import validate_defaults
from .style import BUILTIN_STYLES, check_style, resolve_style

C = TypeVar("C", bound=base.Config)


def defaults_problem(defaults: Mapping[str, Any], where: str) -> str | None:
    """Why block defaults are invalid, naming the key as ``WHERE.KEY``, or ``None``."""
    try:
        check_value(defaults)
    except TooLarge as exc:
        return f"{where}: too large: {exc}"
    try:
        validate_defaults(defaults)
    except HeatmapError as exc:
        if exc.key is None:
            return f"{where}: {exc.message}"
        message = exc.message.removeprefix(f"'{exc.key}': ")
        return f"{where}.{one_line(exc.key)}: {message}"
    return None


class _Defaults(c.Type[dict[str, Any]]):
    """Block keys applied to every block; checked when the config loads (key
    names, types and colormap names, without importing matplotlib)."""

    def __init__(self, where: str) -> None:
        super().__init__(dict, default={})
        self.where = where

    def run_validation(self, value: object) -> dict[str, Any]:
        checked = super().run_validation(value)
        problem = defaults_problem(checked, self.where)
        if problem is not None:
            raise base.ValidationError(problem)
        return checked


class _Style(base.BaseConfigOption[Any]):
    """A built-in style name, a ``.mplstyle`` path or a mapping of rcParams.

    Only the shape is checked here; ``check_site_style`` checks the values
    (it needs the project root, and matplotlib for anything not built in).
    """

    def run_validation(self, value: object) -> Any:
        if isinstance(value, dict):
            try:
                check_value(value)
            except TooLarge as exc:
                raise base.ValidationError(f"too large: {exc}") from None
        if isinstance(value, (str, dict)):
            return value
        raise base.ValidationError(
            f"expected one of {', '.join(BUILTIN_STYLES)}, a .mplstyle path or a mapping "
            f"of rcParams, got {value!r}"
        )


class _Workers(base.BaseConfigOption["str | int"]):
    def __init__(self) -> None:
        super().__init__()
        self.default = "auto"

    def run_validation(self, value: object) -> str | int:
        if value == "auto" or (
            isinstance(value, int) and not isinstance(value, bool) and value >= 1
        ):
            return value
        raise base.ValidationError(f"expected auto or a number >= 1, got {value!r}")


class _Positive(base.BaseConfigOption[int]):
    """A whole number >= 1 (a limit: 0 does not mean "the default")."""

    def __init__(self, default: int) -> None:
        super().__init__()
        self.default = default

    def run_validation(self, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise base.ValidationError(f"expected a whole number >= 1, got {value!r}")
        return value


class _Inside(base.BaseConfigOption[str]):
    """A folder below the one it is relative to: no absolute path, no '..'."""

    def __init__(self, default: str) -> None:
        super().__init__()
        self.default = default

    def run_validation(self, value: object) -> str:
        if not isinstance(value, str):
            raise base.ValidationError(f"expected a folder path, got {value!r}")
        parts = value.replace("\\", "/").split("/")
        if value.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", value) or ".." in parts:
            raise base.ValidationError(
                f"{value!r} must be a folder inside the site (a relative path without '..')"
            )
        return value


class _Numbering(base.BaseConfigOption[str]):
    """``false``, ``true`` (the same as ``page``), ``page`` or ``site``: whether
    figures are numbered, and whether the count restarts on every page."""

    def __init__(self) -> None:
        super().__init__()
        self.default = "off"

    def run_validation(self, value: object) -> str:
        if value is False or value is None:
            return "off"
        if value is True:
            return "page"
        if value in ("page", "site", "off"):
            return str(value)
        raise base.ValidationError(f"expected true, false, page or site, got {value!r}")


class PluginConfig(base.Config):
    """The options of ``plugins: [heatmap]`` in ``mkdocs.yml``."""

    style = c.Optional(_Style())
    defaults = _Defaults("plugins.heatmap.defaults")
    theme = c.Choice(SITE_THEMES, default="light")
    cache = c.Type(bool, default=True)
    cache_dir = c.Type(str, default=DEFAULT_CACHE_DIR)  # relative to mkdocs.yml
    output_dir = _Inside(DEFAULT_OUTPUT_DIR)  # inside site_dir
    data_dir = c.Optional(c.Type(str))  # an extra allowed data root
    workers = _Workers()
    on_error = c.Choice(ON_ERROR, default="warn")
    enabled = c.Type(bool, default=True)
    numbering = _Numbering()  # "Figure N." on every figure's caption: off, page or site
    # Limits, checked before memory is spent.
    max_file_size = _Positive(DEFAULT_LIMITS.max_file_bytes)  # bytes
    max_cells = _Positive(DEFAULT_LIMITS.max_cells)
    max_label_length = _Positive(DEFAULT_LIMITS.max_label_length)


class ExtensionConfig(PluginConfig):
    """The Markdown extension's options: the plugin's, where the host has no
    config file or site folder of its own to tell them."""

    defaults = _Defaults("mkdocs_heatmap.extension: defaults")
    base_dir = c.Type(str, default="")  # project root (default: the current directory)
    docs_dir = c.Type(str, default="")  # folder of the pages (default: BASE_DIR/docs)
    output_dir = _Inside("")  # write image files here (inside base_dir) instead of embedding
    base_url = c.Type(str, default="")  # URL of output_dir as seen from pages


EXTENSION_HELP: Mapping[str, str] = {
    "base_dir": "project root: data and style paths resolve from it (default: cwd)",
    "docs_dir": "folder of the pages (default: BASE_DIR/docs if it exists)",
    "output_dir": "write image files here instead of embedding them",
    "base_url": "URL of output_dir as seen from pages (with output_dir)",
}


def validated(schema: type[C], raw: Mapping[str, Any], where: str) -> C:
    """``raw`` options checked by ``schema``; ``ConfigError`` for the first bad one."""
    config = schema()
    config.load_dict(dict(raw))
    failed, _warnings = config.validate()
    if failed:
        key, err = failed[0]
        raise ConfigError(f"{where}: option {key!r}: {one_line(str(err))}")
    return config


def settings_from_options(
    options: Mapping[str, Any],
    *,
    project_root: Path,
    docs_dir: Path,
    dark_markup: DarkMarkup = "media",
) -> Settings:
    """``Settings`` from validated options (a ``PluginConfig`` or a mapping with
    its names; missing ones take its defaults).  The style is resolved
    against ``project_root`` but not checked: see ``check_site_style``."""
    root = project_root.resolve()
    data_dir = options.get("data_dir")
    return Settings(
        roots=DataRoots(
            docs_dir=docs_dir.resolve(),
            project_root=root,
            data_dirs=((root / data_dir).resolve(),) if data_dir else (),
        ),
        rc=resolve_style(options.get("style"), root),
        defaults=dict(options.get("defaults") or {}),
        limits=Limits(
            max_file_bytes=options.get("max_file_size") or DEFAULT_LIMITS.max_file_bytes,
            max_cells=options.get("max_cells") or DEFAULT_LIMITS.max_cells,
            max_label_length=options.get("max_label_length") or DEFAULT_LIMITS.max_label_length,
        ),
        output_dir=str(options.get("output_dir") or DEFAULT_OUTPUT_DIR).strip("/"),
        theme="auto" if options.get("theme") == "auto" else "light",
        numbering=_numbering(options.get("numbering")) != "off",
        numbering_scope="site" if _numbering(options.get("numbering")) == "site" else "page",
        dark_markup=dark_markup,
    )


def _numbering(value: object) -> str:
    try:
        return _Numbering().run_validation(value)
    except base.ValidationError:
        return "off"


def site_cache(options: Mapping[str, Any], project_root: Path) -> DiskCache | None:
    """The figure cache the options ask for, if any."""
    if not options.get("cache", True):
        return None
    return DiskCache(project_root / (options.get("cache_dir") or DEFAULT_CACHE_DIR))


def check_site_style(
    style: Any, project_root: Path, rc: Mapping[str, Any], cache: DiskCache | None
) -> None:
    """Validate the site style (``ConfigError`` naming the setting), importing
    matplotlib only the first time a given style is seen: a marker in the
    cache remembers it, so warm builds stay free of matplotlib."""
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


_FRONT_MATTER_KEY = re.compile(rf"""^(?:{LANGUAGE}|"{LANGUAGE}"|'{LANGUAGE}')\s*:""")


def page_defaults(
    meta: Mapping[str, Any], source: str
) -> tuple[Mapping[str, Any], tuple[int, str] | None]:
    """A page's front-matter ``heatmap:`` defaults, checked like the site's:
    ``(defaults, None)``, or ``({}, (line, message))`` with the line of the
    ``heatmap:`` key in ``source`` (the page as written)."""
    defaults = meta.get(LANGUAGE)
    if defaults is None:
        return {}, None
    try:
        if not isinstance(defaults, dict):
            raise HeatmapError("front matter 'heatmap:' must be a mapping of block keys")
        check_value(defaults)
        validate_defaults(defaults)
    except TooLarge as exc:
        return {}, (front_matter_line(source), f"front matter 'heatmap:' is too large: {exc}")
    except HeatmapError as exc:
        return {}, (front_matter_line(source), exc.message)
    return defaults, None


def front_matter_line(source: str) -> int:
    """The 1-based line of the ``heatmap:`` key in a page's front matter."""
    for number, line in enumerate(source.split("\n"), start=1):
        if _FRONT_MATTER_KEY.match(line):
            return number
    return 1
