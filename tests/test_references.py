"""References to figures: "[](#fig-id)" filled in with the figure's number."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import MATERIAL, Site
from mkdocs_heatmap.references import fill_references

FIGURES = {"a.md": {"fig-x": 3, "fig-plain": None}, "b.md": {"fig-y": 7}}


def same_or_b(href: str) -> tuple[str, str] | None:
    if href.startswith("#"):
        return "a.md", href[1:]
    if href.startswith("b/#"):
        return "b.md", href[3:]
    return None


def fill(page: str, source: str = "", anchors: Any = None) -> tuple[str, list[Any]]:
    return fill_references(page, "a.md", source, same_or_b, FIGURES, anchors)


def test_empty_links_to_figures_read_their_number() -> None:
    out, problems = fill('<p>See <a href="#fig-x"></a> and <a href="b/#fig-y"></a>.</p>')
    assert out == (
        '<p>See <a href="#fig-x" class="heatmap-ref">Figure\u00a03</a> and '
        '<a href="b/#fig-y" class="heatmap-ref">Figure\u00a07</a>.</p>'
    )
    assert problems == []


def test_links_with_text_and_external_links_are_left_alone() -> None:
    page = '<a href="#fig-x">the map</a> <a href="https://x.org/#fig-x"></a>'
    assert fill(page) == (page, [])


def test_unknown_id_is_a_problem_at_its_line_with_a_suggestion() -> None:
    source = "# T\n\ntext [](#fig-x)\n\nmore [](#fig-z) and\n[](#fig-z)\n"
    page = '<a href="#fig-x"></a><a href="#fig-z"></a><a href="#fig-z"></a>'
    out, problems = fill(page, source)
    assert [(p.line, p.message) for p in problems] == [
        (5, "reference to '#fig-z': no figure has that id on this page (did you mean 'fig-x'?)"),
        (6, "reference to '#fig-z': no figure has that id on this page (did you mean 'fig-x'?)"),
    ]
    assert out.count("Figure\u00a03") == 1 and out.count('<a href="#fig-z"></a>') == 2


def test_a_figure_without_number_asks_for_one() -> None:
    _, problems = fill('<a href="#fig-plain"></a>', "[](#fig-plain)\n")
    assert problems[0].line == 1
    assert "has no number: add 'numbered: true'" in problems[0].message


def test_links_to_other_anchors_are_not_references() -> None:
    page = '<a href="#setup"></a>'
    assert fill(page, anchors={"a.md": frozenset({"setup"})}) == (page, [])


def test_other_page_is_named() -> None:
    _, problems = fill('<a href="b/#fig-q"></a>')
    assert "no figure has that id on b.md" in problems[0].message


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_any_html_comes_back_unchanged_unless_it_references(text: str) -> None:
    out, _ = fill(text)
    if "></a>" not in text:
        assert out == text


# --------------------------------------------------------------------------
# Real builds.

FIG = "```heatmap\nmatrix: [[1, 2], [3, 4]]\nid: {id}\n{extra}```\n"


def _pages(site: Site) -> None:
    site.page(
        "index.md",
        "# Home\n\nSee [](#fig-a) and [](sub/other.md#fig-b).\n\n"
        + FIG.format(id="fig-a", extra=""),
    )
    site.page(
        "sub/other.md",
        "# Other\n\n" + FIG.format(id="fig-b", extra="") + "\nBack: [](../index.md#fig-a)\n",
    )


@pytest.mark.parametrize("directory_urls", [True, False])
def test_references_across_pages_number_by_site(
    site: Site, build: Any, directory_urls: bool
) -> None:
    site.config.update(
        use_directory_urls=directory_urls,
        nav=["index.md", "sub/other.md"],
        validation={"anchors": "warn"},
        plugins=[{"heatmap": {"numbering": "site"}}],
    )
    _pages(site)
    result = build(site, strict=True)
    assert result.ok, result.warnings
    home = site.html("index.md")
    other = site.html("sub/other.md")
    assert re.findall(r'class="heatmap-ref">([^<]*)</a>', home) == [
        "Figure\u00a01",
        "Figure\u00a02",
    ]
    assert re.findall(r'class="heatmap-ref">([^<]*)</a>', other) == ["Figure\u00a01"]
    assert "Figure 2." in other  # its caption, counted across the site
    href = re.search(r'<a href="([^"]*)" class="heatmap-ref">Figure\u00a02', home)[1]
    assert href == ("sub/other/#fig-b" if directory_urls else "sub/other.html#fig-b")


def test_numbering_per_page_restarts(site: Site, build: Any) -> None:
    site.config.update(nav=["index.md", "sub/other.md"], plugins=[{"heatmap": {"numbering": True}}])
    _pages(site)
    assert build(site, strict=True).ok
    assert re.findall(r'class="heatmap-ref">([^<]*)</a>', site.html("index.md")) == [
        "Figure\u00a01",
        "Figure\u00a01",
    ]


def test_unknown_reference_warns_at_its_line_and_fails_strict(site: Site, build: Any) -> None:
    site.config.update(plugins=[{"heatmap": {"numbering": True}}])
    site.page("index.md", "# Home\n\n" + FIG.format(id="fig-a", extra="") + "\nSee [](#fig-b).\n")
    result = build(site, strict=True)
    assert not result.ok
    assert (
        "index.md:8: heatmap: reference to '#fig-b': no figure has that id on this page "
        "(did you mean 'fig-a'?)" in result.warnings
    )


def test_reference_to_unnumbered_figure_warns(site: Site, build: Any) -> None:
    site.page("index.md", "# Home\n\n" + FIG.format(id="fig-a", extra="") + "\n[](#fig-a)\n")
    result = build(site, strict=True)
    assert not result.ok
    assert any(
        "index.md:8: heatmap: reference to figure '#fig-a', which has no number" in w
        for w in result.warnings
    )


def test_duplicate_id_warns(site: Site, build: Any) -> None:
    body = FIG.format(id="fig-a", extra="") + "\n" + FIG.format(id="fig-a", extra="title: again\n")
    site.page("index.md", body)
    result = build(site, strict=True)
    assert not result.ok
    assert any(
        "index.md:8: heatmap: id 'fig-a' is used twice on this page" in w for w in result.warnings
    )


def test_figure_ids_are_anchors_for_mkdocs_validation(site: Site, build: Any) -> None:
    site.config.update(theme=MATERIAL, validation={"anchors": "warn"})
    site.page(
        "index.md",
        "# Home\n\n[the map](#fig-a) [there](other.md#fig-b)\n\n"
        + FIG.format(id="fig-a", extra=""),
    )
    site.page("other.md", "# Other\n\n" + FIG.format(id="fig-b", extra=""))
    result = build(site, strict=True)
    assert result.ok, result.warnings
    # And the check can fail: a missing anchor still warns.
    site.page("index.md", "# Home\n\n[the map](#fig-q)\n\n" + FIG.format(id="fig-a", extra=""))
    result = build(site, strict=True)
    assert not result.ok
    assert any("there is no such anchor on this page" in w for w in result.warnings)


# --------------------------------------------------------------------------
# References that never lie: attr_list, code, collisions, excluded pages.


def test_an_attr_list_reference_is_filled_in_with_its_classes_kept() -> None:
    out, problems = fill('<a class="wide" href="#fig-x" title="t"></a>')
    assert out == '<a class="wide heatmap-ref" href="#fig-x" title="t">Figure\u00a03</a>'
    assert problems == []


def test_a_reference_shown_as_code_is_not_the_one_at_fault() -> None:
    source = (
        "# T\n\nWrite `[](#fig-q)` to refer.\n\n```markdown\n[](#fig-q)\n```\n\n"
        "Here [](#fig-q) is real.\n"
    )
    _, problems = fill('<a href="#fig-q"></a>', source)
    assert [p.line for p in problems] == [9]


def test_many_references_each_at_its_own_line() -> None:
    count = 3000
    source = "".join(f"line {n}: [](#fig-z)\n" for n in range(count))
    _, problems = fill('<a href="#fig-z"></a>' * count, source)
    assert [p.line for p in problems] == list(range(1, count + 1))


def test_attr_list_reference_in_a_real_build(site: Site, build: Any) -> None:
    site.config.update(
        markdown_extensions=["attr_list"], plugins=[{"heatmap": {"numbering": True}}]
    )
    site.page("index.md", FIG.format(id="fig-a", extra="") + "\nSee [](#fig-a){: .wide }.\n")
    result = build(site, strict=True)
    assert result.ok, result.warnings
    assert '<a class="wide heatmap-ref" href="#fig-a">Figure\u00a01</a>' in site.html()


def test_a_figure_id_that_a_heading_has_too_warns(site: Site, build: Any) -> None:
    site.config.update(plugins=[{"heatmap": {"numbering": True}}])
    site.page("index.md", "# Results\n\n" + FIG.format(id="results", extra=""))
    result = build(site, strict=True)
    assert not result.ok
    assert (
        "index.md:5: heatmap: id 'results' is also the id of a heading or another anchor on "
        "this page: links and references would reach only one; give the figure another id"
        in result.warnings
    )


def test_a_reference_into_an_excluded_page_warns(site: Site, build: Any) -> None:
    site.config.update(exclude_docs="drafts.md\n", plugins=[{"heatmap": {"numbering": True}}])
    site.page("index.md", "# Home\n\nSee [](drafts.md#fig-d).\n")
    site.page("drafts.md", "# Drafts\n\n" + FIG.format(id="fig-d", extra=""))
    result = build(site, strict=True)
    assert not result.ok
    assert any(
        w.startswith("index.md:3: heatmap: reference to '#fig-d' on drafts.md, a page left out")
        for w in result.warnings
    ), result.warnings


def test_the_summary_counts_references_apart_from_blocks(site: Site, build: Any) -> None:
    site.page("index.md", "# Home\n\n" + FIG.format(id="fig-a", extra="") + "\nSee [](#fig-b).\n")
    result = build(site)
    summary = [r.getMessage() for r in result.records if "figure(s):" in r.getMessage()]
    assert summary and summary[0].endswith("; 1 reference problem(s)"), summary
    assert "block(s) with errors" not in summary[0]


def test_the_extension_warns_of_a_figure_id_a_heading_has_too(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    import markdown

    page = "# Results\n\n" + FIG.format(id="results", extra="")
    with caplog.at_level(logging.WARNING, logger="mkdocs_heatmap"):
        markdown.markdown(
            page,
            extensions=["toc", "mkdocs_heatmap.extension"],
            extension_configs={"mkdocs_heatmap.extension": {"base_dir": str(tmp_path)}},
        )
    assert [r.getMessage() for r in caplog.records] == [
        "page:5: heatmap: id 'results' is also the id of a heading or another anchor on this "
        "page: links and references would reach only one; give the figure another id"
    ]


# --------------------------------------------------------------------------
# figure_label: the word of "Figure N." and of references.


def test_figure_label_is_the_word_references_read() -> None:
    out, problems = fill_references(
        '<a href="#fig-x"></a>', "a.md", "", same_or_b, FIGURES, None, label="Fig. <b>"
    )
    assert out == '<a href="#fig-x" class="heatmap-ref">Fig. &lt;b&gt;\u00a03</a>'
    assert problems == []


def test_figure_label_in_captions_and_references(site: Site, build: Any) -> None:
    site.config.update(
        nav=["index.md", "sub/other.md"],
        plugins=[{"heatmap": {"numbering": "site", "figure_label": "Abb."}}],
    )
    _pages(site)
    result = build(site, strict=True)
    assert result.ok, result.warnings
    home, other = site.html("index.md"), site.html("sub/other.md")
    assert re.findall(r'class="heatmap-ref">([^<]*)</a>', home) == ["Abb.\u00a01", "Abb.\u00a02"]
    assert '<span class="heatmap-number">Abb. 2.</span>' in other
    assert "Figure" not in re.sub(r"<[^>]*>", "", other.split("<article", 1)[-1])


def test_bad_figure_label_stops_the_build(site: Site, build: Any) -> None:
    site.config.update(plugins=[{"heatmap": {"figure_label": ""}}])
    site.page("index.md", "# Home\n")
    result = build(site)
    assert not result.ok
    assert any("option 'figure_label': expected a word" in w for w in result.warnings)
