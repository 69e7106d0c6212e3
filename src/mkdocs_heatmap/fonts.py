"""Labels in any script: a fallback font for characters the style's fonts lack.

matplotlib takes glyphs a font lacks from the next family in ``font.family``
(a list), so a figure whose labels hold characters the style's fonts do not
cover gets an installed font that covers them appended to its families.  The
choice is deterministic (the same installed fonts give the same font, so the
same bytes).  matplotlib keeps its font list in a cache file: a font
installed after that file was written is unknown to it, so before giving up
the system fonts are scanned once more.  Only when no installed font has a
character is it an error, naming the character and what to install.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from . import mplx
from .errors import RenderError

# Families tried first for a missing character, in order: broad coverage,
# the look of the default style.  Any other installed font comes after.
PREFERRED = (
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK KR",
    "Noto Sans",
    "Noto Sans Arabic",
    "Noto Sans Hebrew",
    "Noto Sans Devanagari",
    "Noto Sans Thai",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "Arial Unicode MS",
    "DejaVu Sans",
)
# Fonts that never count as covering a character: those that draw every
# character as a box naming its block (a label set in them shows nothing),
# and matplotlib's STIX math font, whose private-use glyphs are its own
# math symbols, not the characters those code points mean to the author.
PLACEHOLDERS = ("Last Resort", "Adobe Blank", "STIXNonUnicode")
SUGGESTION = "install a font that has it, e.g. Noto (Debian: fonts-noto-core, fonts-noto-cjk)"


@lru_cache(maxsize=512)
def _charmap(path: str) -> frozenset[int]:
    from matplotlib.font_manager import get_font

    try:
        return frozenset(get_font(path).get_charmap())
    except (OSError, RuntimeError, ValueError):
        return frozenset()


def _family_path(family: str) -> str | None:
    found = mplx.font_file(family)
    return found[0] if found else None


def covered(families: Iterable[str]) -> frozenset[int]:
    """Characters the style's families have glyphs for."""
    found: set[int] = set()
    for family in families:
        path = _family_path(family)
        if path is not None:
            found |= _charmap(path)
    return frozenset(found)


def is_math(text: str) -> bool:
    """matplotlib reads text with two unescaped ``$`` as mathtext."""
    return text.replace("\\$", "").count("$") >= 2


def missing(texts: Iterable[str], families: Iterable[str]) -> list[str]:
    """Characters of ``texts`` (mathtext left out) no family covers, in order."""
    have = covered(tuple(families))
    seen: dict[str, None] = {}
    for text in texts:
        if is_math(text):
            continue  # mathtext has fonts of its own
        for char in text:
            if ord(char) not in have and not char.isspace():
                seen.setdefault(char, None)
    return list(seen)


def _installed() -> list[tuple[str, str]]:
    """(family, file) of every installed font, in a stable order."""
    fonts = {
        (name, path) for name, path in mplx.installed_fonts() if not name.startswith(PLACEHOLDERS)
    }
    return sorted(fonts)


_rescanned = False
_generation = 0


def generation() -> int:
    """Which reading of the system fonts is in use: part of every cached text
    measure, so none outlives a rescan (a font installed since changes
    how text is drawn)."""
    return _generation


def _rescan() -> None:
    """Read the system fonts again (once per process): matplotlib's cached
    list does not know fonts installed after it was written."""
    global _rescanned, _generation
    if _rescanned:
        return
    _rescanned = True
    _generation += 1
    mplx.reload_system_fonts()
    _charmap.cache_clear()


def fallbacks(chars: list[str]) -> tuple[list[str], list[str]]:
    """Installed families that together have ``chars`` (each the one that has
    most of what is still lacking, a preferred one on a tie), and the
    characters no installed font has."""
    by_family: dict[str, set[int]] = {}
    for family, path in _installed():
        by_family.setdefault(family, set()).update(_charmap(path))
    rank = {family: n for n, family in enumerate(PREFERRED)}
    lacking = {ord(c) for c in chars}
    chosen: list[str] = []
    while lacking:
        best = max(
            by_family,
            key=lambda f: (len(lacking & by_family[f]), -rank.get(f, len(rank)), f),
            default=None,
        )
        if best is None or not lacking & by_family[best]:
            break
        chosen.append(best)
        lacking -= by_family[best]
    return chosen, [c for c in chars if ord(c) in lacking]


GENERIC = ("sans-serif", "serif", "monospace", "cursive", "fantasy")


def families(rc: Any) -> list[str]:
    """The style's ``font.family`` as a list (rcParams allow one string, and
    a ``.mplstyle`` file writes a list as ``cmr10, STIXGeneral``)."""
    value = rc["font.family"]
    if isinstance(value, str):
        return [name.strip() for name in value.split(",") if name.strip()]
    return list(value)


def concrete(rc: Any) -> list[str]:
    """The style's families with generic names ("sans-serif") replaced by the
    fonts the style lists for them, as matplotlib resolves them."""
    found: list[str] = []
    for family in families(rc):
        if family.lower() in GENERIC:
            found.extend(rc.get(f"font.{family.lower()}", []))
        else:
            found.append(family)
    return found


class NoGlyph(RenderError):
    """Characters no installed font has; the message names the key and the
    text the first of them is in, when given."""

    def __init__(self, characters: list[str], key: str | None = None, text: str = "") -> None:
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in characters[:5])
        where = f" in {text!r}" if text else ""
        prefix = f"{key!r}: " if key else ""
        super().__init__(
            f"{prefix}no installed font has a glyph for {shown}{where}; {SUGGESTION}", key=key
        )
        self.characters = characters


def with_fallback(rc: Any, texts: list[str]) -> Any:
    """``rc`` with fallback families after the style's own when ``texts`` need
    characters those lack; ``NoGlyph`` when no installed font has one."""
    own = families(rc)
    lacking = missing(texts, concrete(rc))
    if not lacking:
        return rc
    chosen, unknown = fallbacks(lacking)
    if unknown:
        _rescan()
        chosen, unknown = fallbacks(lacking)
    if unknown:
        raise NoGlyph(unknown)
    return {**rc, "font.family": [*own, *chosen]}


@lru_cache(maxsize=256)
def _postscript_outlines(path: str, face: int) -> bool:
    from fontTools.ttLib import TTFont, TTLibError  # type: ignore[import-untyped]

    try:
        with TTFont(path, fontNumber=face, lazy=True) as font:
            return "glyf" not in font and ("CFF " in font or "CFF2" in font)
    except (OSError, TTLibError, ValueError):
        return False


def postscript_outlined(rc: Any) -> list[str]:
    """The figure's families whose font has PostScript (CFF) outlines, such as
    Noto Sans CJK or Latin Modern's OpenType files.  A PDF embeds those as
    they are; EPS can embed only TrueType outlines as Type 42, so an EPS
    with one of them has to fall back to Type 3."""
    names = list(families(rc))
    if rc.get("mathtext.fontset") == "custom":
        names += [
            str(rc[key]) for key in ("mathtext.rm", "mathtext.it", "mathtext.bf") if key in rc
        ]
    found: list[str] = []
    for name in names:
        font = mplx.font_file(name)
        if font is not None and _postscript_outlines(*font):
            found.append(name)
    return found
