"""The one options table every host reads, and what it turns into.

``OPTIONS`` lists each site option once (SPEC's names): its default, its
check and which hosts have it.  The MkDocs plugin's typed config
(``plugin.PluginConfig``) is built from it, the Markdown extension's and
Sphinx's ``heatmap_<name>`` values are checked by it (``read_options``), the
command line reads the plugin's options from ``mkdocs.yml`` through it and
the API passes its keyword arguments through it.  Nothing here imports
MkDocs: a Sphinx project or an API user does not need it.

``settings_from_options`` is the one way options become the pipeline's
``Settings``; ``page_defaults`` the one way a page's front matter becomes
block defaults.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

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

StyleOption: TypeAlias = (
    "str | dict[str, Any] | None"  # a built-in name, a .mplstyle path, rcParams
)


class OptionError(ValueError):
    """An option's value is not one it takes; the message says what it takes."""


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


# --------------------------------------------------------------------------
# Checks: each returns the value as the pipeline takes it, or raises
# ``OptionError``.  ``name`` is the option as the host spells it (for
# messages that name a key inside it).


def _defaults(value: object, name: str) -> dict[str, Any]:
    """Block keys applied to every block; checked when the config loads (key
    names, types and colormap names, without importing matplotlib)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise OptionError(f"expected a mapping of block keys, got {_shown(value)}")
    problem = defaults_problem(value, name)
    if problem is not None:
        raise OptionError(problem)
    return value


def _style(value: object, name: str) -> Any:
    """A built-in style name, a ``.mplstyle`` path or a mapping of rcParams.

    Only the shape is checked here; ``check_site_style`` checks the values
    (it needs the project root, and matplotlib for anything not built in).
    """
    if isinstance(value, dict):
        try:
            check_value(value)
        except TooLarge as exc:
            raise OptionError(f"too large: {exc}") from None
    if value is None or isinstance(value, (str, dict)):
        return value
    raise OptionError(
        f"expected one of {', '.join(BUILTIN_STYLES)}, a .mplstyle path or a mapping "
        f"of rcParams, got {value!r}"
    )


def _workers(value: object, name: str) -> str | int:
    if value == "auto" or (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        return value
    raise OptionError(f"expected auto or a number >= 1, got {value!r}")


def _positive(value: object, name: str) -> int:
    """A whole number >= 1 (a limit: 0 does not mean "the default")."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise OptionError(f"expected a whole number >= 1, got {value!r}")
    return value


def _inside(value: object, name: str) -> str:
    """A folder below the one it is relative to: no absolute path, no '..'."""
    if not isinstance(value, str):
        raise OptionError(f"expected a folder path, got {value!r}")
    parts = value.replace("\\", "/").split("/")
    if value.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", value) or ".." in parts:
        raise OptionError(
            f"{value!r} must be a folder inside the site (a relative path without '..')"
        )
    return value


def _numbering(value: object, name: str = "numbering") -> str:
    """``false``, ``true`` (the same as ``page``), ``page`` or ``site``: whether
    figures are numbered, and whether the count restarts on every page."""
    if value is False or value is None:
        return "off"
    if value is True:
        return "page"
    if value in ("page", "site", "off"):
        return str(value)
    raise OptionError(f"expected true, false, page or site, got {value!r}")


MAX_FIGURE_LABEL = 40


def _figure_label(value: object, name: str) -> str:
    """The word before a figure's number: one line of text, not empty."""
    if not isinstance(value, str) or not value.strip():
        raise OptionError(f"expected a word such as Figure or Fig., got {_shown(value)}")
    if len(value) > MAX_FIGURE_LABEL or any(c in value for c in "\n\r\t"):
        raise OptionError(
            f"expected one line of at most {MAX_FIGURE_LABEL} characters, got {value!r:.60}"
        )
    return value.strip()


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise OptionError(f"expected true or false, got {_shown(value)}")
    return value


def _text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise OptionError(f"expected text, got {_shown(value)}")
    return value


def _optional_text(value: object, name: str) -> str | None:
    return None if value is None else _text(value, name)


def _one_of(choices: tuple[str, ...]) -> Callable[[object, str], str]:
    def check(value: object, name: str) -> str:
        if value not in choices:
            raise OptionError(f"expected one of {', '.join(choices)}, got {value!r}")
        return str(value)

    return check


def _shown(value: object) -> str:
    return f"{type(value).__name__} {value!r:.40}"


# --------------------------------------------------------------------------
# The table.

MKDOCS, EXTENSION, SPHINX = "mkdocs", "extension", "sphinx"
# Pandoc (``heatmap-<option>`` metadata) and MyST-MD (``myst.yml``).
PANDOC, MYST = "pandoc", "myst"
_ALL = frozenset({MKDOCS, EXTENSION, SPHINX, PANDOC, MYST})
_MARKDOWN = frozenset({MKDOCS, EXTENSION})


@dataclass(frozen=True)
class Option:
    name: str
    default: Any
    check: Callable[[object, str], Any]
    help: str
    hosts: frozenset[str] = _ALL
    # Sphinx: whether a change can change a figure (documents are read again).
    reread: bool = True
    # The Markdown extension's own default where it differs from the plugin's.
    extension_default: Any = None


OPTIONS: tuple[Option, ...] = (
    Option("style", None, _style, "site style: default, paper, a .mplstyle path or rcParams"),
    # Pandoc's document defaults are its ``heatmap:`` metadata mapping.
    Option("defaults", {}, _defaults, "block keys applied to every block", _ALL - {PANDOC}),
    Option("theme", "light", _one_of(SITE_THEMES), "light, or auto for light and dark figures"),
    Option("cache", True, _flag, "keep drawn figures between builds", reread=False),
    Option(
        "cache_dir", DEFAULT_CACHE_DIR, _text, "cache folder, from the project root", reread=False
    ),
    Option(
        "output_dir",
        DEFAULT_OUTPUT_DIR,
        _inside,
        "write image files here instead of embedding them",
        _MARKDOWN | {PANDOC},
        extension_default="",
    ),
    Option("data_dir", None, _optional_text, "an extra folder data may come from"),
    Option("workers", "auto", _workers, "processes that draw figures", reread=False),
    Option("on_error", "warn", _one_of(ON_ERROR), "warn, or fail at the first bad block"),
    Option("enabled", True, _flag, "draw the blocks (false: show them as code)"),
    Option(
        "numbering", "off", _numbering, "number figures: false, page or site", _MARKDOWN | {PANDOC}
    ),
    Option(
        "figure_label",
        "Figure",
        _figure_label,
        "the word in numbered captions and references",
        _MARKDOWN | {PANDOC},
    ),
    Option("max_file_size", DEFAULT_LIMITS.max_file_bytes, _positive, "largest data file (bytes)"),
    Option("max_cells", DEFAULT_LIMITS.max_cells, _positive, "most cells a figure may have"),
    Option(
        "max_label_length",
        DEFAULT_LIMITS.max_label_length,
        _positive,
        "longest row or column label",
    ),
    Option(
        "base_dir",
        "",
        _text,
        "project root: data and style paths resolve from it (default: cwd)",
        frozenset({EXTENSION}),
    ),
    Option(
        "docs_dir",
        "",
        _text,
        "folder of the pages (default: BASE_DIR/docs if it exists)",
        frozenset({EXTENSION}),
    ),
    Option(
        "base_url",
        "",
        _text,
        "URL of output_dir as seen from pages (with output_dir)",
        frozenset({EXTENSION}),
    ),
)
OPTION: Mapping[str, Option] = {option.name: option for option in OPTIONS}


def options_of(host: str) -> tuple[Option, ...]:
    """The options ``host`` takes (``mkdocs``, ``extension``, ``sphinx``,
    ``pandoc``, ``myst``)."""
    return tuple(option for option in OPTIONS if host in option.hosts)


def default_of(option: Option, host: str) -> Any:
    if host == EXTENSION and option.extension_default is not None:
        return option.extension_default
    return option.default


def read_options(
    raw: Mapping[str, Any], host: str, where: str, name: Callable[[str], str] = str
) -> dict[str, Any]:
    """Every option of ``host``: ``raw``'s values checked, the rest their
    defaults; ``ConfigError("WHERE: option 'NAME': why")`` for the first bad
    one.  ``name`` spells an option as the host does (Sphinx: ``heatmap_x``)."""
    known = options_of(host)
    unknown = sorted(set(raw) - {option.name for option in known})
    if unknown:
        raise ConfigError(f"{where}: unknown option {unknown[0]!r}")
    checked: dict[str, Any] = {}
    for option in known:
        if option.name not in raw:
            checked[option.name] = default_of(option, host)
            continue
        try:
            checked[option.name] = option.check(raw[option.name], name(option.name))
        except OptionError as exc:
            raise ConfigError(
                f"{where}: option {name(option.name)!r}: {one_line(str(exc))}"
            ) from None
    return checked


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
        numbering=_numbering_of(options.get("numbering")) != "off",
        numbering_scope="site" if _numbering_of(options.get("numbering")) == "site" else "page",
        dark_markup=dark_markup,
        figure_label=_figure_label_of(options.get("figure_label")),
    )


def _figure_label_of(value: object) -> str:
    try:
        return _figure_label(value, "figure_label")
    except OptionError:
        return "Figure"


def _numbering_of(value: object) -> str:
    try:
        return _numbering(value)
    except OptionError:
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
