"""Labels in any script: fallback fonts chosen for characters the style lacks."""

from __future__ import annotations

import os

import numpy as np
import pytest
from matplotlib import font_manager
from matplotlib.text import Text

from mkdocs_heatmap import fonts
from mkdocs_heatmap.api import figure, render_spec
from mkdocs_heatmap.errors import RenderError
from mkdocs_heatmap.style import resolve_style

LABELS = ["中文", "日本語", "한국어"]


def _cjk_font() -> bool:
    return any(f.name.startswith("Noto Sans CJK") for f in font_manager.fontManager.ttflist) or any(
        "NotoSansCJK" in path for path in font_manager.findSystemFonts()
    )


needs_cjk = pytest.mark.skipif(
    not _cjk_font() and not os.environ.get("CI"),
    reason="no CJK font installed (Debian: fonts-noto-cjk; .ci/run installs it)",
)


def test_families_accepts_one_string() -> None:
    assert fonts.families({"font.family": "DejaVu Sans"}) == ["DejaVu Sans"]
    assert fonts.families({"font.family": ["A", "B"]}) == ["A", "B"]


def test_generic_family_resolves_through_the_style() -> None:
    rc = {"font.family": ["sans-serif"], "font.sans-serif": ["Helvetica", "DejaVu Sans"]}
    assert fonts.concrete(rc) == ["Helvetica", "DejaVu Sans"]


def test_latin_greek_cyrillic_need_no_fallback() -> None:
    rc = resolve_style(None, None)
    assert fonts.with_fallback(rc, ["Résumé", "Ελληνικά", "Кириллица", "−0.5 µm"]) is rc


def test_mathtext_is_not_checked() -> None:
    assert fonts.missing(["$\\alpha$", "$x_{中}$"], ["DejaVu Sans"]) == []


def test_placeholder_fonts_never_cover() -> None:
    assert not any(name.startswith(fonts.PLACEHOLDERS) for name, _ in fonts._installed())


def test_character_no_font_has_is_an_error_naming_it() -> None:
    rc = resolve_style(None, None)
    with pytest.raises(
        RenderError, match=r"no installed font has a glyph for '\\ue000' \(U\+E000\)"
    ):
        fonts.with_fallback(rc, ["private \ue000"])


@needs_cjk
def test_cjk_labels_get_a_cjk_font() -> None:
    rc = resolve_style(None, None)
    chosen = fonts.with_fallback(rc, LABELS)
    assert chosen["font.family"][0] == "DejaVu Sans"
    assert any("CJK" in family for family in chosen["font.family"][1:])
    assert fonts.missing(LABELS, fonts.concrete(chosen)) == []


@needs_cjk
def test_cjk_figure_draws_every_label_glyph_from_a_real_font() -> None:
    spec = {"matrix": np.arange(6).reshape(2, 3).tolist(), "x_labels": LABELS, "title": "中文"}
    fig = figure(spec)
    texts = [t for t in fig.findobj(Text) if t.get_text() and t.get_visible()]
    drawn = {t.get_text() for t in texts}
    assert {*LABELS, "中文"} <= drawn
    for text in texts:
        # The fonts matplotlib draws this text with, in fallback order.
        found = font_manager.fontManager._find_fonts_by_props(text.get_fontproperties())
        real = [
            f
            for f in found
            if not font_manager.get_font(f).family_name.startswith(fonts.PLACEHOLDERS)
        ]
        glyphs: set[int] = set()
        for path in real:
            glyphs |= set(font_manager.get_font(path).get_charmap())
        assert all(ord(c) in glyphs for c in text.get_text() if not c.isspace()), text.get_text()


@needs_cjk
def test_cjk_figure_is_reproducible() -> None:
    spec = {"matrix": [[1, 2, 3]], "x_labels": LABELS}
    assert render_spec(spec, format="png") == render_spec(spec, format="png")


def test_text_measures_do_not_outlive_a_rescan_of_the_fonts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A font installed since the last reading changes how text is drawn: the
    layout's cached text sizes belong to one reading of the system fonts."""
    from mkdocs_heatmap import layout

    measure = layout.Fonts(resolve_style(None))
    measure.extent("a label measured once", 9.0)
    cache = layout._extent
    misses = cache.cache_info().misses
    measure.extent("a label measured once", 9.0)
    assert cache.cache_info().misses == misses  # the same reading: cached
    monkeypatch.setattr(fonts, "_generation", fonts.generation() + 1)
    measure.extent("a label measured once", 9.0)
    assert cache.cache_info().misses == misses + 1  # measured again
