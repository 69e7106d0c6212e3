"""End to end: real MkDocs sites with heatmap blocks, built into temp folders."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import MATERIAL, Site, build_cli, figures, resolve, svg_texts

SEED_CSV = Path(__file__).parents[1] / "example_site" / "docs" / "results" / "probe_auc.csv"

SUPERFENCES = {
    "markdown_extensions": [
        "admonition",
        "pymdownx.details",
        "pymdownx.superfences",
        {"pymdownx.tabbed": {"alternate_style": True}},
    ]
}


SEED_BLOCK = """\
```heatmap
data: results/probe_auc.csv
title: Probe AUC by layer and token
xlabel: Token
ylabel: Layer
cmap: Blues
vmin: 0.5
vmax: 1.0
yticks: 2
colorbar: {label: AUC}
caption: Error-detection AUC of a linear probe, per layer and token.
```
"""


def test_seed_figure_plain_mkdocs_theme(site: Site, build: Any) -> None:
    """The SPEC's example with no markdown_extensions and the plain mkdocs theme."""
    site.write("docs/results/probe_auc.csv", SEED_CSV.read_bytes())
    site.page("index.md", "# Results\n\n" + SEED_BLOCK + "\nAfter the figure.\n")
    result = build(site, strict=True)
    assert result.ok, result.error
    html = site.html()
    found = figures(html)
    assert len(found.figures) == 1
    fig = found.figures[0]
    img = fig["img"]
    assert img["src"].startswith("assets/heatmaps/") and img["src"].endswith(".svg")
    assert img["loading"] == "lazy"
    assert int(img["width"]) > 300 and int(img["height"]) > 200
    assert "32 rows (Layer) by 15 columns (Token)" in img["alt"]
    assert fig["caption"].strip() == "Error-detection AUC of a linear probe, per layer and token."
    svg = resolve(site, "index.html", img["src"]).read_bytes()
    texts = svg_texts(svg)
    # yticks: 2 shows layers 0, 2, ..., 30 and not the odd ones.
    for layer in range(0, 32, 2):
        assert str(layer) in texts
    assert "31" not in texts and "1" not in texts
    assert "exact_answer_before_first" in texts
    assert "Probe AUC by layer and token" in texts
    assert "AUC" in texts
    assert "<p>After the figure.</p>" in html
    assert 'href="assets/stylesheets/heatmap.css"' in html


def test_nested_blocks_with_superfences(site: Site, build: Any) -> None:
    block = "```heatmap\nmatrix: [[1, 2], [3, 4]]\n```"
    indented = "\n".join("    " + line for line in block.split("\n"))
    site.config.update(SUPERFENCES)
    site.page(
        "index.md",
        f"""
# Nested

{block}

!!! note "In an admonition"

{indented}

??? info "In details"

{indented}

=== "Tab A"

{indented}

=== "Tab B"

    Plain text.

- A list item

{indented}
""",
    )
    result = build(site, strict=True)
    assert result.ok, result.error
    html = site.html()
    assert len(figures(html).figures) == 5
    assert re.search(r'class="admonition note".*?<figure class="heatmap"', html, re.S)
    assert re.search(r"<details.*?<figure class=\"heatmap\".*?</details>", html, re.S)
    assert re.search(r'class="tabbed-block".*?<figure class="heatmap"', html, re.S)
    assert re.search(r"<li>.*?<figure class=\"heatmap\".*?</li>", html, re.S)
    # Identical blocks give one image, published once.
    assert len(site.images()) == 1


@pytest.mark.parametrize("extensions", [[], ["pymdownx.superfences"]], ids=["plain", "superfences"])
def test_examples_inside_longer_fences_and_indented_code_stay_code(
    site: Site, build: Any, extensions: list[str]
) -> None:
    site.config["markdown_extensions"] = extensions
    site.page(
        "index.md",
        """
# Docs

````markdown
```heatmap
matrix: [[1, 2]]
```
````

An indented example:

    ```heatmap
    nonsense: [
    ```

~~~~
```heatmap
also: not a block
```
~~~~
""",
    )
    result = build(site, strict=True)
    assert result.ok, result.error
    html = site.html()
    assert figures(html).figures == []
    assert html.count("```heatmap") == 3
    assert result.heatmap_warnings() == []


def test_crlf_page_and_bom(site: Site, build: Any) -> None:
    site.write("docs/m.csv", "\ufeff,a,b\r\nx,1,2\r\ny,3,4\r\n")
    site.write(
        "docs/index.md",
        "# CRLF\r\n\r\n```heatmap\r\ndata: m.csv\r\ntitle: Windows\r\n```\r\n\r\ntext\r\n",
    )
    result = build(site, strict=True)
    assert result.ok, result.error
    fig = figures(site.html()).figures
    assert len(fig) == 1
    assert "2 rows by 2 columns" in fig[0]["img"]["alt"]


@pytest.mark.parametrize("directory_urls", [True, False])
def test_sub_folder_pages_and_url_styles(site: Site, build: Any, directory_urls: bool) -> None:
    site.config["use_directory_urls"] = directory_urls
    site.write("docs/a/b/data.csv", ",x,y\nr1,1,2\nr2,3,4\n")
    block = "```heatmap\ndata: data.csv\ndownload: true\n```\n"
    site.page("a/b/deep.md", "# Deep\n\n" + block)
    site.page("a/b/index.md", "# Index\n\n" + block)
    site.page("index.md", "# Home\n\n```heatmap\ndata: a/b/data.csv\n```\n")
    result = build(site, strict=True)
    assert result.ok, result.error
    for page in ("a/b/deep.md", "a/b/index.md", "index.md"):
        html_rel = site.html(page) and _out_path(page, directory_urls)
        fig = figures(site.html(page)).figures[0]
        assert resolve(site, html_rel, fig["img"]["src"]).is_file(), (page, fig)
        for link in fig["links"]:
            assert resolve(site, html_rel, link["href"]).is_file()


def _out_path(page: str, directory_urls: bool) -> str:
    stem = page[:-3]
    if not directory_urls or stem == "index" or stem.endswith("/index"):
        return f"{stem}.html"
    return f"{stem}/index.html"


def test_download_csv_layout(site: Site, build: Any) -> None:
    site.write("docs/t.csv", "model,task,score\nA,x,0.1\nA,y,0.25\nB,x,\nB,y,0.123456789012\n")
    site.page(
        "index.md",
        """
```heatmap
data: t.csv
pivot: {x: task, y: model, value: score}
transpose: true
download: true
caption: Scores
```
""",
    )
    result = build(site, strict=True)
    assert result.ok, result.error
    fig = figures(site.html()).figures[0]
    assert "Download data (CSV)" in fig["caption"]
    (link,) = fig["links"]
    rows = list(csv.reader(io.StringIO(resolve(site, "index.html", link["href"]).read_text())))
    assert rows[0] == ["", "A", "B"]
    assert rows[1][0] == "x" and float(rows[1][1]) == 0.1 and rows[1][2] == ""
    assert rows[2][0] == "y" and float(rows[2][2]) == 0.123456789012


def test_block_keys_reach_the_html(site: Site, build: Any) -> None:
    site.page(
        "index.md",
        """
```heatmap
matrix: [[1, 2], [3, null]]
alt: A <b>custom</b> alt
caption: Caption with <script>alert(1)</script>
id: fig-one
class: wide framed
width: 60%
format: png
dpi: 100
```
""",
    )
    result = build(site, strict=True)
    assert result.ok, result.error
    html = site.html()
    fig = figures(html).figures[0]
    assert fig["figure"]["id"] == "fig-one"
    assert fig["figure"]["class"] == "heatmap wide framed"
    assert fig["img"]["alt"] == "A <b>custom</b> alt"
    assert fig["img"]["style"] == "width: 60%"
    assert fig["figure"]["style"] == "width: auto"  # spans the column the 60% is of
    assert fig["img"]["src"].endswith(".png")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html
    png = resolve(site, "index.html", fig["img"]["src"]).read_bytes()
    assert png.startswith(b"\x89PNG")


def test_generated_alt_mentions_missing_cells_and_extremes(site: Site, build: Any) -> None:
    site.page("index.md", "```heatmap\nmatrix: [[1, 5], [null, -2]]\n```\n")
    assert build(site, strict=True).ok
    alt = figures(site.html()).figures[0]["img"]["alt"]
    assert "from -2 (row 1, column 1) to 5 (row 0, column 1)" in alt
    assert "1 missing cell." in alt


def test_builds_are_reproducible(site: Site, build: Any) -> None:
    site.write("docs/results/probe_auc.csv", SEED_CSV.read_bytes())
    site.page("index.md", SEED_BLOCK + "\n```heatmap\nmatrix: [[1,2]]\nformat: png\n```\n")
    assert build(site).ok
    first = {p.name: p.read_bytes() for p in site.images()}
    assert len(first) == 3  # the SVG, and the PNG at 1x and 2x
    import shutil

    shutil.rmtree(site.out)
    assert build(site).ok
    second = {p.name: p.read_bytes() for p in site.images()}
    assert first == second
    svg = next(v for k, v in first.items() if k.endswith(".svg"))
    assert b"<dc:date>" not in svg


def test_pages_without_blocks_are_unchanged(site: Site, build: Any) -> None:
    site.config.update(SUPERFENCES)
    body = "# Plain\n\n```python\nprint(1)\n```\n\n!!! note\n    text\n"
    site.page("index.md", body)
    site.config["plugins"] = []
    assert build(site).ok
    without = site.html()
    site.config["plugins"] = ["heatmap"]
    assert build(site).ok
    with_plugin = site.html()

    def strip(html: str) -> str:
        # The stylesheet and script links are the allowed differences; MkDocs'
        # own footer comment carries the build time.
        return "\n".join(
            line
            for line in html.split("\n")
            if "heatmap.css" not in line
            and "heatmap.js" not in line
            and not line.startswith("Build Date UTC")
        )

    assert '<link href="assets/stylesheets/heatmap.css" rel="stylesheet">' in with_plugin
    assert '<script src="assets/javascripts/heatmap.js"></script>' in with_plugin
    assert strip(with_plugin) == strip(without)


def test_keeps_users_custom_fences(site: Site, build: Any) -> None:
    site.extra_yaml = """
markdown_extensions:
  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          class: mermaid
          format: !!python/name:pymdownx.superfences.fence_code_format
"""
    site.page("index.md", "```mermaid\ngraph TD; A-->B\n```\n\n```heatmap\nmatrix: [[1]]\n```\n")
    assert build(site, strict=True).ok
    html = site.html()
    assert '<pre class="mermaid"><code>graph TD; A--&gt;B</code></pre>' in html
    assert len(figures(html).figures) == 1


def test_site_and_page_defaults(site: Site, build: Any) -> None:
    site.config["plugins"] = [{"heatmap": {"defaults": {"format": "png", "caption": "site"}}}]
    site.page("index.md", "```heatmap\nmatrix: [[1]]\n```\n")
    site.page(
        "page.md",
        "---\nheatmap:\n  caption: page\n---\n# P\n\n```heatmap\nmatrix: [[1]]\ncaption: own\n```\n"
        "\n```heatmap\nmatrix: [[2]]\n```\n",
    )
    assert build(site, strict=True).ok
    home = figures(site.html()).figures[0]
    assert home["img"]["src"].endswith(".png") and home["caption"] == "site"
    own, inherited = figures(site.html("page.md")).figures
    assert own["caption"] == "own" and inherited["caption"] == "page"


def test_theme_material_builds(site: Site, build: Any) -> None:
    site.config["theme"] = MATERIAL
    site.config.update(SUPERFENCES)
    site.write("docs/results/probe_auc.csv", SEED_CSV.read_bytes())
    site.page("index.md", SEED_BLOCK)
    result = build(site, strict=True)
    assert result.ok, result.error
    assert len(figures(site.html()).figures) == 1


def test_disabled_plugin_leaves_blocks_as_code(site: Site, build: Any) -> None:
    site.config["plugins"] = [{"heatmap": {"enabled": False}}]
    site.page("index.md", "```heatmap\nmatrix: [[1]]\n```\n")
    assert build(site, strict=True).ok
    assert figures(site.html()).figures == []
    assert "matrix: [[1]]" in site.html()


def test_cli_build_succeeds(site: Site) -> None:
    site.page("index.md", "```heatmap\nmatrix: [[1, 2]]\n```\n")
    result = build_cli(site, "--strict")
    assert result.returncode == 0, result.output
    assert "Traceback" not in result.output
