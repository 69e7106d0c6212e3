"""The Markdown extension (Python-Markdown, Zensical) and ProperDocs running the plugin."""

from __future__ import annotations

import base64
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import markdown
import pytest

from conftest import Site
from mkdocs_heatmap.extension import fence_format
from mkdocs_heatmap.fence import HeatmapBuildError

EXAMPLE = Path(__file__).parents[1] / "example_site"
BLOCK = "```heatmap\nmatrix: [[1, 2], [3, 4]]\ntitle: Same everywhere\n```\n"
DATA_URI = re.compile(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')


def convert(text: str, tmp_path: Path, **options: Any) -> str:
    options.setdefault("base_dir", str(tmp_path))
    return markdown.markdown(
        text,
        extensions=["mkdocs_heatmap.extension"],
        extension_configs={"mkdocs_heatmap.extension": options},
    )


def test_no_options_inline_matrix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    html = markdown.markdown("# T\n\n" + BLOCK, extensions=["mkdocs_heatmap.extension"])
    (svg,) = DATA_URI.findall(html)
    assert base64.b64decode(svg).startswith(b"<?xml")
    assert 'alt="Heatmap of Same everywhere: 2 rows by 2 columns.' in html


def test_data_files_resolve_from_docs_dir(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "m.csv").write_text(",a,b\nx,1,2\n")
    html = convert("```heatmap\ndata: m.csv\ndownload: true\n```\n", tmp_path)
    assert len(DATA_URI.findall(html)) == 1
    assert 'href="data:text/csv;base64,' in html


def test_output_dir_writes_files(tmp_path: Path) -> None:
    html = convert(BLOCK, tmp_path, output_dir="site/figures", base_url="/figures")
    (src,) = re.findall(r'<img src="([^"]+)"', html)
    assert src.startswith("/figures/") and src.endswith(".svg")
    assert (tmp_path / "site/figures" / src.rsplit("/", 1)[1]).is_file()


def test_superfences_custom_fence_nested(tmp_path: Path) -> None:
    text = "!!! note\n\n    " + BLOCK.replace("\n", "\n    ")
    html = markdown.markdown(
        text,
        extensions=["admonition", "pymdownx.superfences", "mkdocs_heatmap.extension"],
        extension_configs={
            "pymdownx.superfences": {
                "custom_fences": [{"name": "heatmap", "class": "heatmap", "format": fence_format}]
            },
            "mkdocs_heatmap.extension": {"base_dir": str(tmp_path)},
        },
    )
    assert re.search(r'class="admonition note".*<figure class="heatmap">', html, re.S)


def test_errors_warn_with_line_and_box(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="mkdocs_heatmap"):
        html = convert("# T\n\n```heatmap\nmatrix: [[1]]\ncmapp: x\n```\n", tmp_path)
    assert [r.getMessage() for r in caplog.records] == [
        "page:5: heatmap: unknown key 'cmapp' (did you mean 'cmap'?)"
    ]
    assert "heatmap-error" in html


def test_on_error_fail_raises(tmp_path: Path) -> None:
    with pytest.raises(HeatmapBuildError, match="unknown key 'cmapp'"):
        convert("```heatmap\nmatrix: [[1]]\ncmapp: x\n```\n", tmp_path, on_error="fail")


def test_bad_extension_options_are_refused(tmp_path: Path) -> None:
    from mkdocs_heatmap.errors import ConfigError

    with pytest.raises(ConfigError, match=r"extension: option 'on_error': .*'fial'"):
        convert(BLOCK, tmp_path, on_error="fial")
    with pytest.raises(ConfigError, match=r"defaults\.cmap: unknown colormap 'Bluez' \(did you"):
        convert(BLOCK, tmp_path, defaults={"cmap": "Bluez"})


def test_limits_and_numbering_options(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="mkdocs_heatmap"):
        html = convert(
            BLOCK + "\n" + BLOCK.replace("[[1, 2], [3, 4]]", "[[1, 2, 3]]"),
            tmp_path,
            max_cells=3,
            numbering=True,
        )
    assert "Figure 1." in html
    (message,) = [r.getMessage() for r in caplog.records]
    assert "over the limit" in message


def test_theme_auto_embeds_both_variants(tmp_path: Path) -> None:
    html = convert(BLOCK, tmp_path, theme="auto")
    assert len(re.findall(r'<img src="[^"]*#only-light"', html)) == 1
    assert len(re.findall(r'<img src="[^"]*#only-dark"', html)) == 1
    # Paper is light: the page carries the print rules that say so.
    assert '<style media="print">' in html
    assert 'img[src$="#only-dark"]{display:none!important}' in html


def test_same_image_as_the_mkdocs_plugin(site: Site, build: Any, tmp_path: Path) -> None:
    site.page("index.md", BLOCK)
    assert build(site, strict=True).ok
    (plugin_svg,) = site.images()
    html = convert(BLOCK, tmp_path / "ext")
    (svg,) = DATA_URI.findall(html)
    assert base64.b64decode(svg) == plugin_svg.read_bytes()


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(Path(sys.executable).parent))
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


def test_zensical_builds_the_same_figures(site: Site, build: Any, tmp_path: Path) -> None:
    zensical = _tool("zensical")
    root = tmp_path / "zensical"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "m.csv").write_text(",a,b\nx,1,2\ny,3,4\n")
    page = "# Zensical\n\n" + BLOCK + "\n!!! note\n\n    ```heatmap\n    data: m.csv\n    ```\n"
    (root / "docs" / "index.md").write_text(page)
    # A page in a sub folder, with front matter defaults and a bad block: the
    # data path resolves from its folder and the message names page and line.
    (root / "docs" / "sub").mkdir()
    (root / "docs" / "sub" / "n.csv").write_text(",a\nx,1\n")
    (root / "docs" / "sub" / "page.md").write_text(
        "---\nheatmap:\n  caption: from front matter\n---\n# Sub\n\n```heatmap\ndata: n.csv\n```\n"
        "\n```heatmap\nmatrix: [[1]]\ncmapp: x\n```\n"
    )
    (root / "mkdocs.yml").write_text(
        "site_name: Z\nmarkdown_extensions:\n  - admonition\n  - pymdownx.superfences:\n"
        "      custom_fences:\n        - name: heatmap\n          class: heatmap\n"
        "          format: !!python/name:mkdocs_heatmap.extension.fence_format\n"
        "  - mkdocs_heatmap.extension\n"
    )
    proc = subprocess.run(
        [zensical, "build"], cwd=root, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = (root / "site" / "index.html").read_text()
    svgs = [base64.b64decode(s) for s in DATA_URI.findall(html)]
    assert len(svgs) == 2
    sub = (root / "site" / "sub" / "page" / "index.html").read_text()
    assert len(DATA_URI.findall(sub)) == 1
    assert "from front matter" in sub
    assert "sub/page.md:13: heatmap: unknown key 'cmapp'" in proc.stdout + proc.stderr
    site.page("index.md", BLOCK)
    assert build(site, strict=True).ok
    assert svgs[0] == site.images()[0].read_bytes()


def test_properdocs_runs_the_plugin_unchanged(tmp_path: Path) -> None:
    properdocs = _tool("properdocs")
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE / "docs", root / "docs")
    shutil.copy(EXAMPLE / "mkdocs.yml", root / "mkdocs.yml")
    proc = subprocess.run(
        [properdocs, "build", "--strict", "-f", "mkdocs.yml"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = (root / "site" / "index.html").read_text()
    (src,) = re.findall(r'<figure class="heatmap"[^>]*><img src="([^"#]+)', html)[:1]
    assert (root / "site" / src).is_file()


def test_zensical_front_matter_problem_obeys_on_error_fail(tmp_path: Path) -> None:
    """Front matter is read by the same ``page_defaults`` as the plugin's: a
    non-mapping ``heatmap:`` is a problem at its line, and ``on_error: fail``
    stops the build (it used to be a warning the option could not stop)."""
    zensical = _tool("zensical")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text(
        "---\ntitle: T\nheatmap: not-a-mapping\n---\n# T\n\n" + BLOCK
    )
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: Z\nmarkdown_extensions:\n  - mkdocs_heatmap.extension:\n      on_error: fail\n"
    )
    proc = subprocess.run(
        [zensical, "build"], cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode != 0
    message = "index.md:3: heatmap: front matter 'heatmap:' must be a mapping of block keys"
    assert message in proc.stdout + proc.stderr


def test_output_dir_repairs_a_file_that_does_not_match_its_name(tmp_path: Path) -> None:
    """A write cut short (a killed build) leaves a truncated image under its
    content-hash name; the next build writes it again."""
    html = convert(BLOCK, tmp_path, output_dir="site/figures", base_url="/figures")
    (src,) = re.findall(r'<img src="([^"]+)"', html)
    image = tmp_path / "site/figures" / src.rsplit("/", 1)[1]
    whole = image.read_bytes()
    image.write_bytes(whole[: len(whole) // 2])
    convert(BLOCK, tmp_path, output_dir="site/figures", base_url="/figures")
    assert image.read_bytes() == whole
    assert [p.name for p in image.parent.iterdir()] == [image.name]


def test_same_page_references_and_their_problems(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = (
        '<h2 id="top">T</h2>\n\nSee [](#fig-a), [](#top) and [](#fig-b).\n\n'
        "```heatmap\nmatrix: [[1, 2]]\nid: fig-a\nnumbered: true\n```\n"
    )
    with caplog.at_level(logging.WARNING, logger="mkdocs_heatmap"):
        html = convert(text, tmp_path, on_error="warn")
    assert '<a href="#fig-a" class="heatmap-ref">Figure\u00a01</a>' in html
    assert '<a href="#top"></a>' in html  # a heading: not a figure reference
    assert [r.getMessage() for r in caplog.records] == [
        "page:3: heatmap: reference to '#fig-b': no figure has that id on this page "
        "(did you mean 'fig-a'?)"
    ]


@pytest.mark.parametrize("kind", ["folder", "output_dir-is-a-file", "fifo", "symlink"])
def test_whatever_is_in_the_way_of_an_output_is_replaced_or_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    page = "# Page\n\n" + BLOCK + "\nText after.\n"
    html = convert(page, tmp_path, output_dir="site/figures")
    (src,) = re.findall(r'<img src="([^"]+)"', html)
    image = tmp_path / "site/figures" / src.rsplit("/", 1)[1]
    whole = image.read_bytes()
    image.unlink()
    if kind == "folder":
        (image / "inside").mkdir(parents=True)
    elif kind == "output_dir-is-a-file":
        shutil.rmtree(image.parent)
        image.parent.write_text("not a folder")
    elif kind == "fifo":
        os.mkfifo(image)
    else:
        (tmp_path / "elsewhere.svg").write_text("<svg/>")
        image.symlink_to(tmp_path / "elsewhere.svg")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mkdocs_heatmap"):
        html = convert(page, tmp_path, output_dir="site/figures")
    assert "Text after." in html
    warnings = [r.getMessage() for r in caplog.records]
    if kind in ("folder", "output_dir-is-a-file"):
        (warning,) = warnings
        reason = "a folder is in the way" if kind == "folder" else "figures is a file, not a folder"
        assert warning.startswith("page:3: heatmap: cannot write figures/") and reason in warning
        assert "heatmap-error" in html
        if kind == "folder":
            assert not [p for p in image.parent.iterdir() if p.name.startswith(".tmp-")]
        return
    assert not warnings and "heatmap-error" not in html
    assert not image.is_symlink() and image.read_bytes() == whole
    assert (tmp_path / "elsewhere.svg").read_text() == "<svg/>" if kind == "symlink" else True


def test_figure_label_in_caption_and_reference(tmp_path: Path) -> None:
    text = "See [](#fig-a).\n\n```heatmap\nmatrix: [[1, 2]]\nid: fig-a\ncaption: Two.\n```\n"
    html = convert(text, tmp_path, numbering=True, figure_label="Fig.")
    assert '<a href="#fig-a" class="heatmap-ref">Fig.\u00a01</a>' in html
    assert '<figcaption><span class="heatmap-number">Fig. 1.</span> Two.</figcaption>' in html
