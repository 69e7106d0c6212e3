"""What the figure vocabulary puts into built pages: themes, srcset, tables, style precedence."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from conftest import MATERIAL, Site, drawn, figure_text, figures, resolve, site_settings
from mkdocs_heatmap.pipeline import prepare_block

BLOCK = "```heatmap\nmatrix: [[1, 2], [3, null]]\ntitle: T\n{extra}```\n"


def block(extra: str = "") -> str:
    return BLOCK.format(extra=extra)


def test_theme_auto_on_material_uses_palette_fragments(site: Site, build: Any) -> None:
    site.config["theme"] = MATERIAL
    site.page("index.md", block("theme: auto\n"))
    assert build(site, strict=True).ok
    html = site.html()
    srcs = re.findall(r'<img src="([^"]+)"', html)
    assert len(srcs) == 2
    light, dark = srcs
    assert light.endswith("#only-light") and dark.endswith("#only-dark")
    light_svg = resolve(site, "index.html", light.split("#")[0]).read_text()
    dark_svg = resolve(site, "index.html", dark.split("#")[0]).read_text()
    assert light_svg != dark_svg
    assert "#e6e6e6" in dark_svg  # light ink for the dark page
    assert "#e6e6e6" not in light_svg


def test_theme_auto_elsewhere_uses_prefers_color_scheme(site: Site, build: Any) -> None:
    site.config["plugins"] = [{"heatmap": {"theme": "auto"}}]
    site.page("index.md", block())
    assert build(site, strict=True).ok
    html = site.html()
    match = re.search(
        r'<picture><source srcset="([^"]+)" media="screen and \(prefers-color-scheme: dark\)">'
        r'<img src="([^"]+)"',
        html,
    )
    assert match, html
    assert resolve(site, "index.html", match[1]).is_file()
    assert resolve(site, "index.html", match[2]).is_file()


def test_theme_dark_alone_and_block_overrides_site(site: Site, build: Any) -> None:
    site.config["plugins"] = [{"heatmap": {"theme": "auto"}}]
    site.page("index.md", block("theme: dark\n"))
    assert build(site, strict=True).ok
    fig = figures(site.html()).figures
    assert len(fig) == 1 and "<picture>" not in site.html()
    svg = resolve(site, "index.html", fig[0]["img"]["src"]).read_text()
    assert "#e6e6e6" in svg


def test_png_srcset_has_a_2x_file(site: Site, build: Any) -> None:
    site.page("index.md", block("format: png\n"))
    assert build(site, strict=True).ok
    img = figures(site.html()).figures[0]["img"]
    one, two = (part.split()[0] for part in img["srcset"].split(","))
    assert one == img["src"] and img["srcset"].endswith(" 2x")
    from PIL import Image

    with (
        Image.open(resolve(site, "index.html", one)) as a,
        Image.open(resolve(site, "index.html", two)) as b,
    ):
        small, big = a.size, b.size
    assert abs(big[0] - 2 * small[0]) <= 1
    assert abs(int(img["width"]) - small[0]) <= 1


def test_table_is_an_accessible_fallback(site: Site, build: Any) -> None:
    site.page(
        "index.md",
        "```heatmap\nmatrix: [[1.5, 2], [3, null]]\nx_labels: [a, '<b>']\ny_labels: [r1, r2]\n"
        "table: true\nfmt: .1f\n```\n",
    )
    assert build(site, strict=True).ok
    html = site.html()
    table = re.search(r'<details class="heatmap-table">.*?</details>', html, re.S)
    assert table
    text = table[0]
    assert '<th scope="col">a</th><th scope="col">&lt;b&gt;</th>' in text
    assert '<th scope="row">r1</th><td>1.5</td><td>2.0</td>' in text
    assert '<td class="heatmap-missing">–</td>' in text


def _fill(site: Site, page: str) -> set[str]:
    src = figures(site.html(page)).figures[0]["img"]["src"]
    html_path = "index.html" if page == "index.md" else page[:-3] + "/index.html"
    svg = resolve(site, html_path, src).read_text()
    return set(re.findall(r"fill: (#0[0-9]{5})", svg))


def test_style_precedence_block_page_defaults_style(site: Site, build: Any) -> None:
    site.config["plugins"] = [
        {
            "heatmap": {
                "style": {"text.color": "#000001"},
                "defaults": {"style": {"text.color": "#000002"}},
            }
        }
    ]
    site.page("index.md", block())
    site.page("page.md", "---\nheatmap:\n  style: {text.color: '#000003'}\n---\n" + block())
    site.page(
        "own.md",
        "---\nheatmap:\n  style: {text.color: '#000003'}\n---\n"
        + block("style: {text.color: '#000004'}\n"),
    )
    assert build(site, strict=True).ok
    assert _fill(site, "index.md") == {"#000002"}
    assert _fill(site, "page.md") == {"#000003"}
    assert _fill(site, "own.md") == {"#000004"}
    site.config["plugins"] = [{"heatmap": {"style": {"text.color": "#000001"}}}]
    assert build(site, strict=True).ok
    assert _fill(site, "index.md") == {"#000001"}


def test_builtin_and_file_styles(site: Site, build: Any) -> None:
    site.write("paper.mplstyle", "# a comment\ntext.color: 000005\nfont.size: 7  # small\n")
    site.config["plugins"] = [{"heatmap": {"style": "paper.mplstyle"}}]
    site.page("index.md", block())
    site.page("paper.md", block("style: paper\n"))
    assert build(site, strict=True).ok
    assert _fill(site, "index.md") == {"#000005"}
    assert _fill(site, "paper.md") == set()


def test_numbered_figures_per_page(site: Site, build: Any) -> None:
    site.config["plugins"] = [{"heatmap": {"numbering": True}}]
    site.page(
        "index.md",
        block("caption: First\nid: fig-a\n")
        + "\n"
        + block("numbered: false\ncaption: Not counted\n")
        + "\n"
        + block("\n"),
    )
    site.page("other.md", block("caption: Again one\n"))
    assert build(site, strict=True).ok
    captions = [f["caption"] for f in figures(site.html()).figures]
    assert captions == ["Figure 1. First", "Not counted", "Figure 2."]
    assert figures(site.html()).figures[0]["figure"]["id"] == "fig-a"
    assert figures(site.html("other.md")).figures[0]["caption"] == "Figure 1. Again one"
    # Warm build: numbers come from the page, not from the memo.
    assert build(site, strict=True).ok
    assert [f["caption"] for f in figures(site.html()).figures] == captions


def test_numbered_per_block_without_site_numbering(site: Site, build: Any) -> None:
    site.page("index.md", block("numbered: true\ncaption: Only me\n") + "\n" + block())
    assert build(site, strict=True).ok
    captions = [f["caption"] for f in figures(site.html()).figures]
    assert captions == ["Figure 1. Only me", ""]


def test_subtract_by_label_diverging_at_zero(site: Site, build: Any) -> None:
    site.write("docs/a.csv", ",x,y\nr1,5,7\nr2,1,2\n")
    site.write("docs/b.csv", ",y,x\nr2,1,1\nr1,4,3\n")  # other order: matched by label
    site.page("index.md", "```heatmap\ndata: a.csv\nsubtract: b.csv\ndownload: true\n```\n")
    assert build(site, strict=True).ok
    fig = figures(site.html()).figures[0]
    assert fig["img"]["alt"].startswith(
        "Difference heatmap of values (the block's data minus b.csv)"
    )
    (link,) = fig["links"]
    rows = resolve(site, "index.html", link["href"]).read_text().splitlines()
    assert rows == [",x,y", "r1,2.0,3.0", "r2,0.0,1.0"]


def test_subtract_mismatched_labels_name_them(site: Site, build: Any) -> None:
    site.write("docs/a.csv", ",x,y\nr1,5,7\n")
    site.write("docs/b.csv", ",x,z\nr1,1,1\n")
    site.page("index.md", "```heatmap\ndata: a.csv\nsubtract: b.csv\n```\n")
    (warning,) = build(site).heatmap_warnings()
    assert warning == (
        "index.md:3: heatmap: 'subtract': the column labels differ "
        "(only in the block's data: 'y'; only in the 'subtract' data: 'z')"
    )


def test_subtract_mapping_and_center_override(site: Site, build: Any) -> None:
    settings = site_settings(site.root)
    prepared = prepare_block("matrix: [[3, 4]]\nsubtract: {matrix: [[1, 1]]}", settings)
    assert prepared.plot.panels[0].matrix.values.tolist() == [[2.0, 3.0]]
    assert prepared.spec.center == 0.0
    own = prepare_block("matrix: [[3, 4]]\nsubtract: {matrix: [[1, 1]]}\ncenter: 1", settings)
    assert own.spec.center == 1.0


def test_trim_mask_shrinks_the_table_csv_and_alt_text(site: Site, build: Any) -> None:
    site.page(
        "index.md",
        "```heatmap\nmatrix: [[1, 0.5, 0.2], [0.5, 1, 0.3], [0.2, 0.3, 1]]\n"
        "x_labels: [a, b, c]\ny_labels: [a, b, c]\nmask: upper\ntrim_mask: true\n"
        "download: true\ntable: true\n```\n",
    )
    assert build(site, strict=True).ok
    fig = figures(site.html()).figures[0]
    assert "2 rows by 2 columns" in fig["img"]["alt"]
    # The extremes are among the cells drawn: the hidden diagonal is not one.
    assert "from 0.2 (row c, column a) to 0.5 (row b, column a)" in fig["img"]["alt"]
    (link,) = fig["links"]
    rows = resolve(site, "index.html", link["href"]).read_text().splitlines()
    assert rows == [",a,b", "b,0.5,1.0", "c,0.2,0.3"]
    assert re.findall(r'<th scope="row">([a-c])</th>', site.html()) == ["b", "c"]


CLUSTERED = (
    "```heatmap\nmatrix: [[1, 1, 9], [9, 9, 1], [1.2, 1, 8], [9, 8.5, 1]]\n"
    "y_labels: [a, b, c, d]\nx_labels: [x, y, z]\ncluster: {how}\n{extra}```\n"
)


def test_cluster_reorders_and_labels_travel(site: Site, build: Any) -> None:
    site.page("index.md", CLUSTERED.format(how="rows", extra="download: true\ntable: true\n"))
    assert build(site, strict=True).ok
    fig = figures(site.html()).figures[0]
    (link,) = fig["links"]
    rows = resolve(site, "index.html", link["href"]).read_text().splitlines()
    order = [row.split(",")[0] for row in rows[1:]]
    # a and c are alike, b and d are alike: each pair ends up adjacent.
    assert {tuple(order[:2]), tuple(order[2:])} in (
        {("a", "c"), ("b", "d")},
        {("c", "a"), ("d", "b")},
        {("a", "c"), ("d", "b")},
        {("c", "a"), ("b", "d")},
    )
    table_rows = re.findall(r'<th scope="row">([a-d])</th>', site.html())
    assert table_rows == order
    assert rows[0] == ",x,y,z"  # columns untouched with cluster: rows


def test_dendrogram_axes(tmp_path: Path) -> None:
    body = CLUSTERED.format(how="both", extra="dendrogram: true\n").split("\n", 1)[1]
    prepared = prepare_block(body.rsplit("```", 1)[0], site_settings(tmp_path))
    fig = drawn(prepared.plot)
    trees = [ax for ax in fig.axes[1:] if not ax.axison]
    assert len(trees) == 2  # the row tree and the column tree
    (panel,) = prepared.plot.panels
    assert panel.row_tree and panel.col_tree
    assert "row_tree" not in dir(prepared.spec)  # derived data is not a block key


def test_cluster_without_scipy_says_how_to_install(
    site: Site, build: Any, monkeypatch: Any
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_scipy(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("scipy"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_scipy)
    site.config["plugins"] = [{"heatmap": {"workers": 1}}]
    site.page("index.md", CLUSTERED.format(how="rows", extra=""))
    (warning,) = build(site).heatmap_warnings()
    assert warning == (
        "index.md:5: heatmap: 'cluster' needs SciPy; install it with: "
        "pip install 'mkdocs-heatmap[cluster]'"
    )


PANELS = """```heatmap
title: Three runs
xlabel: Token
ylabel: Layer
panels:
  - {data: a.csv, title: A}
  - {data: b.csv, title: B}
  - {data: c.csv, title: C, cmap: Reds}
download: true
table: true
```
"""


def _three_runs(site: Site) -> None:
    site.write("docs/a.csv", ",t1,t2\n0,0.1,0.2\n1,0.3,0.4\n")
    site.write("docs/b.csv", ",t1,t2\n0,0.5,0.6\n1,0.7,0.9\n")
    site.write("docs/c.csv", ",t1,t2\n0,5,6\n1,7,8\n")


def test_panels_share_one_colorbar_over_the_union(site: Site, build: Any) -> None:
    _three_runs(site)
    site.page("index.md", PANELS)
    assert build(site, strict=True).ok
    fig = figures(site.html()).figures[0]
    assert fig["img"]["alt"].startswith("3 heatmap panels of Three runs: A, B, C.")
    labels = [link["href"] for link in fig["links"]]
    assert len(labels) == 3
    assert "Download data (CSV): " in fig["caption"]
    tables = re.findall(r"<summary>Data table: ([ABC])</summary>", site.html())
    assert tables == ["A", "B", "C"]


def test_panel_figure_structure(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    _three_runs(Site(tmp_path))
    settings = site_settings(tmp_path, tmp_path / "docs")
    prepared = prepare_block(PANELS.split("\n", 1)[1].rsplit("```", 1)[0], settings)
    fig = drawn(prepared.plot)
    heatmaps = [ax for ax in fig.axes if (ax.get_gid() or "").startswith("heatmap-panel-")]
    bars = [ax for ax in fig.axes if ax not in heatmaps]
    titles = [t.get_text() for t in fig.texts if t.get_gid() == "heatmap-title"]
    assert titles == ["A", "B", "C", "Three runs"]
    assert len(heatmaps) == 3
    assert len(bars) == 2  # one shared by A and B, C's own (it overrides cmap)
    shared = bars[0] if bars[0].get_ylim()[1] < 2 else bars[1]
    assert shared.get_ylim() == pytest.approx((0.1, 0.9))  # the union of A and B
    assert figure_text(fig, "xlabel") == "Token"  # once, for the grid
    assert [t.get_text() for t in fig.texts].count("Token") == 1
    # B sits right of A with the same row labels: only A shows them.
    assert [t.get_text() for t in heatmaps[0].get_yticklabels()] == ["0", "1"]
    assert heatmaps[1].get_yticklabels() == []


def test_facet_one_panel_per_value_in_first_appearance_order(site: Site, build: Any) -> None:
    site.write(
        "docs/long.csv",
        "dataset,model,layer,auc\nTQA,m1,0,0.9\nTQA,m1,1,0.8\nHQA,m1,0,0.7\nTQA,m2,0,0.6\n"
        "HQA,m2,1,0.5\n",
    )
    site.page(
        "index.md",
        "```heatmap\ndata: long.csv\npivot: {x: layer, y: model, value: auc}\nfacet: dataset\n"
        "download: true\n```\n",
    )
    assert build(site, strict=True).ok
    fig = figures(site.html()).figures[0]
    assert fig["img"]["alt"].startswith("2 heatmap panels: TQA, HQA.")
    first, second = (resolve(site, "index.html", link["href"]).read_text() for link in fig["links"])
    # Every facet has the whole table's rows and columns, in one order.
    assert first.splitlines() == [",0,1", "m1,0.9,0.8", "m2,0.6,"]
    assert second.splitlines() == [",0,1", "m1,0.7,", "m2,,0.5"]
