"""The shared look: built-in styles, ``.mplstyle`` files, rcParams mappings.

A style resolves to a plain ``dict`` of rcParams so it can be hashed into
cache keys and shipped to worker processes.  Importing this module does not
import matplotlib; validating a non-built-in style does.
"""

from __future__ import annotations

import errno
import functools
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .keys import MAX_PATH_PART as MAX_PATH_PART
from .keys import MAX_STYLE_NAME as MAX_STYLE_NAME
from .keys import check_style_name as check_style_name
from .messages import q, reason, size, suggest
from .model import Rc

_COMMENT = re.compile(r"(^|\s)#.*$")

# Settings no style may change: they make output reproducible and keep
# rendering inside the process (usetex would shell out to LaTeX).  PDF and
# EPS embed their fonts as TrueType (Type 42), never Type 3 (which journal
# checks refuse) and never left out (the 14 core fonts / AFM metrics).
PINNED: Rc = {
    "text.usetex": False,
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "pdf.use14corefonts": False,
    "ps.useafm": False,
    "svg.fonttype": "path",
    "svg.image_inline": True,
    "path.simplify": True,
    "image.resample": False,
    "figure.max_open_warning": 0,
}

_BASE: Rc = {
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.titleweight": "bold",
    "axes.titlepad": 8.0,
    "axes.labelsize": 9.0,
    "axes.labelpad": 6.0,
    "axes.linewidth": 0.6,
    "axes.edgecolor": "#333333",
    "axes.labelcolor": "#222222",
    "text.color": "#222222",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "xtick.labelcolor": "#222222",
    "ytick.labelcolor": "#222222",
    "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0,
    "xtick.major.size": 0.0,
    "ytick.major.size": 0.0,
    "xtick.major.pad": 3.0,
    "ytick.major.pad": 3.0,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.facecolor": "white",
    "image.cmap": "viridis",
    "figure.constrained_layout.h_pad": 0.04,
    "figure.constrained_layout.w_pad": 0.04,
}

BUILTIN_STYLES: dict[str, Rc] = {
    # Clean sans-serif, readable on screen; the default.
    "default": dict(_BASE),
    # A journal figure: Times-like text and math (STIX, bundled with
    # matplotlib, so the same on every machine) to sit in a Times document,
    # smaller type, thin frame.
    "paper": {
        **_BASE,
        "font.family": "STIXGeneral",
        "mathtext.fontset": "stix",
        "font.size": 8.0,
        "axes.titlesize": 9.0,
        "axes.titleweight": "normal",
        "axes.labelsize": 8.0,
        "xtick.labelsize": 7.0,
        "ytick.labelsize": 7.0,
        "axes.linewidth": 0.5,
        "image.cmap": "cividis",
    },
}


def resolve_style(style: str | Mapping[str, Any] | None, base_dir: Path | None = None) -> Rc:
    """The site style: the default style, then ``style`` over it, pinned settings on top.

    ``style`` is a built-in name, a path to a ``.mplstyle`` file (relative to
    ``base_dir``, the folder of ``mkdocs.yml``) or a mapping of rcParams.
    Values are kept as written (matplotlib validates them when they are
    applied; ``check_style`` validates them up front), so resolving a style
    never imports matplotlib and gives the same cache keys every time.
    """
    return {**BUILTIN_STYLES["default"], **style_layer(style, base_dir), **PINNED}


def layer(rc: Rc, style: str | Mapping[str, Any] | None, base_dir: Path | None = None) -> Rc:
    """A block's own ``style`` over the site's resolved rc."""
    if style is None:
        return rc
    return {**rc, **style_layer(style, base_dir), **PINNED}


def style_layer(style: str | Mapping[str, Any] | None, base_dir: Path | None = None) -> Rc:
    """Just the settings a style reference sets, as written."""
    if style is None:
        return {}
    if isinstance(style, str):
        check_style_name(style)
    if isinstance(style, Mapping):
        layer = {str(key): value for key, value in style.items()}
    elif not isinstance(style, str):
        raise ConfigError(
            "style must be a built-in name, a .mplstyle path or a mapping of rcParams"
        )
    elif style in BUILTIN_STYLES:
        return dict(BUILTIN_STYLES[style])
    else:
        settings = _parse_mplstyle(_style_path(style, base_dir), style)
        layer = {key: value for _line, key, value in settings}
    return _confine_font_files(layer, base_dir)


# A fontconfig pattern (mathtext.rm, .it, ...) may name a font file.
_FONT_FILE = re.compile(r"(?:^|:)file=([^:]*)")
MAX_STYLE_BYTES = 1024 * 1024


def _confine_font_files(layer: Rc, base_dir: Path | None) -> Rc:
    """Font files a style names must be files of the project, named as data
    files are (a leading '/' is the project root): matplotlib opens them, and
    a page must not make the build open, or probe for, files elsewhere.  The
    layer comes back with each such file as the absolute path checked."""
    root = (base_dir or Path.cwd()).resolve()

    def confined(key: str, match: re.Match[str]) -> str:
        name = match[1].strip()
        path = (root / name.lstrip("/")).resolve()
        if not path.is_relative_to(root):
            raise ConfigError(
                f"{q(key, 60)}: the font file {q(name, 60)} resolves outside the project; "
                "font files must be inside it"
            )
        if not path.is_file():
            raise ConfigError(f"{q(key, 60)}: the font file {q(name, 60)} not found")
        return match[0].replace(match[1], str(path))

    out: Rc = {}
    for key, value in layer.items():
        if isinstance(value, str):
            value = _FONT_FILE.sub(functools.partial(confined, key), value)
        out[key] = value
    return out


def style_files(style: str | Mapping[str, Any] | None, base_dir: Path | None = None) -> list[Path]:
    """The file a style reference reads, if any (for watching and cache keys)."""
    if isinstance(style, str) and style not in BUILTIN_STYLES:
        return [_style_path(style, base_dir)]
    return []


def check_style(style: str | Mapping[str, Any] | None, base_dir: Path | None = None) -> None:
    """Validate every setting a style sets; raises ``ConfigError`` naming the
    setting (and the line, for a file).  Imports matplotlib."""
    if style is None or (isinstance(style, str) and style in BUILTIN_STYLES):
        return
    if isinstance(style, Mapping):
        check_rc(style_layer(style), "style")
        return
    for line, key, value in _parse_mplstyle(_style_path(style, base_dir), style):
        check_rc({key: value}, f"style file '{style}', line {line}")


def _style_path(style: str, base_dir: Path | None) -> Path:
    check_style_name(style)
    if not style.endswith(".mplstyle"):
        raise ConfigError(
            f"unknown style {q(style)}{suggest(style, list(BUILTIN_STYLES))}; "
            f"use one of {', '.join(BUILTIN_STYLES)}, "
            "a .mplstyle file, or a mapping of rcParams"
        )
    path = Path(style.lstrip("/")) if base_dir is None else base_dir / style.lstrip("/")
    loop = f"style file '{style}' is a symlink loop (a link that leads back to itself)"
    try:
        inside = base_dir is None or path.resolve().is_relative_to(base_dir.resolve())
    except RuntimeError:  # Python before 3.13: Path.resolve meets a loop
        raise ConfigError(loop) from None
    except OSError as exc:
        raise ConfigError(f"style file '{style}' cannot be read: {reason(exc)}") from None
    if not inside:
        # Same rule as data files: a page must not make the build read (and
        # echo in messages) files from outside the project.
        raise ConfigError(f"style file '{style}' resolves outside the project")
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ConfigError(loop) from None
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise ConfigError(f"style file '{style}' not found") from None
        raise ConfigError(f"style file '{style}' cannot be read: {reason(exc)}") from None
    if stat.S_ISDIR(mode):
        raise ConfigError(f"style file '{style}' is a folder, not a .mplstyle file")
    if not stat.S_ISREG(mode):
        raise ConfigError(f"style file '{style}' is not a regular file")
    return path


# The dark variant keeps the style's fonts and sizes and swaps only the ink,
# on a transparent background so it sits on any dark page color.
DARK_INK = "#e6e6e6"


def theme_rc(variant: str, *, transparent: bool) -> Rc:
    """Settings for one variant of a figure: ``dark`` swaps the ink for a light
    one; both variants of ``theme: auto`` get a transparent background."""
    rc: Rc = {}
    if variant == "dark":
        rc.update(
            {
                key: DARK_INK
                for key in (
                    "text.color",
                    "axes.labelcolor",
                    "axes.edgecolor",
                    "xtick.color",
                    "ytick.color",
                    "xtick.labelcolor",
                    "ytick.labelcolor",
                )
            }
        )
    if transparent or variant == "dark":
        rc.update(
            {"figure.facecolor": "none", "savefig.facecolor": "none", "axes.facecolor": "none"}
        )
    return rc


def check_rc(rc: Mapping[str, Any], where: str) -> None:
    """Raise ``ConfigError`` for an unknown rcParam or a value matplotlib refuses."""
    import matplotlib as mpl

    from .mplx import validate_rc

    for key, value in rc.items():
        if key not in mpl.rcParams:
            hint = suggest(str(key), list(mpl.rcParams))
            raise ConfigError(f"{where}: unknown rcParam {q(str(key), 80)}{hint}")
        try:
            validate_rc(key, value)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{where}: bad value for '{key}': {exc}") from None


def _parse_mplstyle(path: Path, name: str) -> list[tuple[int, str, str]]:
    # rc_params_from_file would accept bad lines with only a warning; read the
    # file ourselves so a typo is an error with a line number.
    try:
        length = path.stat().st_size
        if length > MAX_STYLE_BYTES:
            raise ConfigError(
                f"style file '{name}' is {size(length)}, over the limit of "
                f"{size(MAX_STYLE_BYTES)} for a style"
            )
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"style file '{name}' cannot be read: {reason(exc)}") from None
    settings: list[tuple[int, str, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        # A comment starts at a '#' at the line start or after whitespace, so
        # quoted hex colors ("#333333") survive.
        line = _COMMENT.sub("", raw).strip()
        if not line:
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ConfigError(f"style file '{name}', line {number}: expected 'key: value'")
        settings.append((number, key.strip(), value.strip().strip("\"'")))
    return settings
