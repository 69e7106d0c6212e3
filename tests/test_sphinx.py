"""The Sphinx host: real ``sphinx-build`` runs, reST and MyST, every builder."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import put
from mkdocs_heatmap.cli import main

pytest.importorskip("sphinx")
pytest.importorskip("myst_parser")

SEED = Path(__file__).parents[1] / "example_site" / "docs" / "results" / "probe_auc.csv"
ROOT = Path(__file__).parents[1]

CONF = """\
project = "Heatmaps"
extensions = ["myst_parser", "mkdocs_heatmap.sphinx"]
numfig = True
"""

INDEX = """\
Results
=======

The probe reads best in the middle layers (:numref:`fig-auc`, :ref:`fig-auc`).

.. heatmap::
   :name: fig-auc

   data: /results/probe_auc.csv
   title: Probe AUC by layer and token
   xlabel: Token
   ylabel: Layer
   cmap: Blues
   yticks: 2
   caption: Error-detection AUC of a linear probe.

.. toctree::

   myst
"""

MYST = """\
# In MyST

See {numref}`fig-small`.

```{heatmap}
:name: fig-small

matrix: [[1, 2], [3, 4]]
caption: A small one
```
"""


def project(root: Path, *, conf: str = "", index: str = INDEX, myst: str = MYST) -> Path:
    """A project: pyproject.toml at ``root`` (the project root), the seed CSV
    in results/, and Sphinx sources in docs/."""
    put(root, "pyproject.toml", "")
    put(root, "results/probe_auc.csv", SEED.read_bytes())
    put(root, "docs/conf.py", CONF + textwrap.dedent(conf))
    put(root, "docs/index.rst", index)
    put(root, "docs/myst.md", myst)
    return root / "docs"


def build(
    src: Path, builder: str = "html", *extra: str, out: str = "out"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-N",
            "-b",
            builder,
            *extra,
            str(src),
            str(src.parent / out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def warnings(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if ": WARNING: heatmap: " in line]


def test_rest_and_myst_figures_are_numbered_and_referenced(tmp_path: Path) -> None:
    src = project(tmp_path)
    result = build(src, "html", "-W")
    assert result.returncode == 0, result.stderr
    index = (tmp_path / "out" / "index.html").read_text()
    assert '<figure class="heatmap align-default" id="fig-auc">' in index
    assert '<span class="caption-number">Fig. 1 </span>' in index
    assert re.search(
        r'<a class="reference internal" href="#fig-auc"><span class="std std-numref">Fig\. 1', index
    )
    assert "Error-detection AUC of a linear probe." in index
    (src_attr,) = re.findall(
        r'<img alt="Heatmap of Probe AUC[^>]*src="(_images/[^"]+\.svg)"', index
    )
    assert (tmp_path / "out" / src_attr).read_bytes().startswith(b"<?xml")
    myst = (tmp_path / "out" / "myst.html").read_text()
    assert '<span class="caption-number">Fig. 2 </span>' in myst
    assert 'href="#fig-small"><span class="std std-numref">Fig. 2' in myst


def test_the_same_block_draws_the_same_image_as_mkdocs(tmp_path: Path) -> None:
    """Every host goes through one core: the seed block's SVG is the bytes the
    Python API draws for it."""
    from mkdocs_heatmap.api import render_spec

    src = project(tmp_path)
    assert build(src).returncode == 0
    index = (tmp_path / "out" / "index.html").read_text()
    (svg,) = re.findall(r'src="(_images/[^"]+\.svg)"', index)
    body = textwrap.dedent(INDEX.split(":name: fig-auc\n\n", 1)[1].split("\n\n", 1)[0])
    assert (tmp_path / "out" / svg).read_bytes() == render_spec(body, base_dir=tmp_path)


def test_problems_are_one_warning_at_document_and_line(tmp_path: Path) -> None:
    index = INDEX + "\n.. heatmap::\n\n   matrix: [[1, 2]]\n   cmapp: Blues\n"
    myst = MYST + "\n```{heatmap}\n:class: wide\n\nmatrix: [[1]]\nvmin: high\n```\n"
    src = project(tmp_path, index=index, myst=myst)
    result = build(src)
    assert result.returncode == 0, result.stderr
    assert warnings(result) == [
        f"{src / 'index.rst'}:24: WARNING: heatmap: unknown key 'cmapp' (did you mean 'cmap'?)"
        " [heatmap.block]",
        f"{src / 'myst.md'}:16: WARNING: heatmap: 'vmin': expected a number, got the text "
        "'high' [heatmap.block]",
    ]
    html = (tmp_path / "out" / "index.html").read_text()
    assert "heatmap-error" in html and 'id="fig-auc"' in html  # the rest is built
    strict = build(src, "html", "-W", "-E", out="strict")
    assert strict.returncode == 1
    assert "Traceback" not in strict.stderr


def test_on_error_fail_stops_the_build(tmp_path: Path) -> None:
    index = INDEX + "\n.. heatmap::\n\n   matrix: [[1, 2]]\n   cmapp: Blues\n"
    src = project(tmp_path, index=index, conf='heatmap_on_error = "fail"\n')
    result = build(src)
    assert result.returncode == 2
    assert "index.rst:24: heatmap: unknown key 'cmapp'" in result.stderr


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        ('heatmap_theme = "dark"\n', "'heatmap_theme': expected one of light, auto"),
        (
            'heatmap_defaults = {"cmap": "Bluez"}\n',
            "'heatmap_defaults': heatmap_defaults.cmap: unknown colormap 'Bluez' "
            "(did you mean 'Blues'?)",
        ),
        ('heatmap_style = "papr"\n', "'heatmap_style': unknown style 'papr'"),
        ("heatmap_max_cells = 0\n", "'heatmap_max_cells': expected a whole number >= 1"),
        # Of a wrong type: the same one error, never a crash of ours.
        ("heatmap_project_root = 5\n", "'heatmap_project_root': expected a folder path"),
        ("heatmap_check_only = 'yes'\n", "'heatmap_check_only': expected True or False"),
        ("heatmap_cache = 'maybe'\n", "'heatmap_cache'"),
        ("heatmap_data_dir = 3\n", "'heatmap_data_dir'"),
    ],
)
def test_conf_values_are_checked_when_the_config_is_read(
    tmp_path: Path, conf: str, message: str
) -> None:
    src = project(tmp_path, conf=conf)
    result = build(src)
    assert result.returncode == 2
    # Sphinx's own report of a configuration error, with our one line in it;
    # not a crash of ours (TypeError, AttributeError).
    assert "Configuration error!" in result.stderr
    assert f"sphinx.errors.ConfigError: conf.py: {message}" in result.stderr
    assert not (tmp_path / "out" / "index.html").exists()


def test_theme_auto_dark_variants_for_furo_and_pydata(tmp_path: Path) -> None:
    for theme in ("furo", "pydata_sphinx_theme"):
        pytest.importorskip(theme)
        src = project(tmp_path / theme, conf=f'html_theme = "{theme}"\nheatmap_theme = "auto"\n')
        result = build(src, "html", "-W")
        assert result.returncode == 0, result.stderr
        html = (tmp_path / theme / "out" / "index.html").read_text()
        box = re.search(r'<div class="heatmap-variants docutils container">(.*?)</div>', html, re.S)
        assert box is not None
        light, dark = re.findall(r"<img [^>]*>", box[1])
        assert "only-light" in light and "heatmap-light" in light
        assert "only-dark" in dark and "heatmap-dark" in dark
        assert (tmp_path / theme / "out" / "_static" / "heatmap-sphinx.css").is_file()
        assert "heatmap-sphinx.css" in html


def test_png_gets_a_2x_srcset(tmp_path: Path) -> None:
    myst = "# P\n\n```{heatmap}\nmatrix: [[1, 2], [3, 4]]\nformat: png\ncaption: PNG\n```\n"
    src = project(tmp_path, myst=myst)
    assert build(src, "html", "-W").returncode == 0
    html = (tmp_path / "out" / "myst.html").read_text()
    (one, two) = re.search(r'srcset="(_images/\S+\.png) 1x, (_images/\S+\.png) 2x"', html).groups()
    assert (tmp_path / "out" / one).is_file() and (tmp_path / "out" / two).is_file()


def test_latex_gets_a_vector_pdf(tmp_path: Path) -> None:
    src = project(tmp_path, conf='heatmap_theme = "auto"\n')
    result = build(src, "latex", "-W")
    assert result.returncode == 0, result.stderr
    tex = next((tmp_path / "out").glob("*.tex")).read_text()
    pdfs = re.findall(r"\\sphinxincludegraphics\{\{(\w+)\}\.pdf\}", tex)
    assert len(pdfs) == 2  # the light variant of each figure, and no dark one
    assert "\\label{\\detokenize{index:fig-auc}}" in tex
    pdf = (tmp_path / "out" / f"{pdfs[0]}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and b"/CreationDate" not in pdf
    # The 32 x 15 cells are vector paths, not a bitmap a viewer would blur;
    # the one image is the colorbar's gradient.
    assert pdf.count(b"/Subtype /Image") == 1
    if shutil.which("pdflatex"):
        compiled = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", next((tmp_path / "out").glob("*.tex")).name],
            cwd=tmp_path / "out",
            capture_output=True,
            check=False,
        )
        assert compiled.returncode == 0


@pytest.mark.parametrize("builder", ["text", "singlehtml", "epub", "man", "texinfo"])
def test_other_builders(tmp_path: Path, builder: str) -> None:
    src = project(tmp_path, conf='heatmap_theme = "auto"\n')
    result = build(src, builder, "-d", str(tmp_path / "doctrees"))
    assert result.returncode == 0, result.stderr
    assert not warnings(result)
    if builder == "text":
        text = (tmp_path / "out" / "index.txt").read_text()
        assert "[image: Heatmap of Probe AUC by layer and token: 32 rows" in text


def test_a_data_edit_rereads_exactly_the_page_that_uses_it(tmp_path: Path) -> None:
    conf = (
        "import os, sys\n"
        "sys.path.insert(0, os.path.dirname(__file__))\n"
        "extensions.append('recorder')\n"
    )
    src = project(tmp_path, conf=conf)
    put(
        src,
        "recorder.py",
        "import sys\n"
        "def setup(app):\n"
        "    def read(app, env, docnames):\n"
        "        open('reread.txt', 'w').write(' '.join(sorted(docnames)))\n"
        "    app.connect('env-before-read-docs', read)\n"
        "    def done(app, exc):\n"
        "        open('imports.txt', 'w').write(str('matplotlib' in sys.modules))\n"
        "    app.connect('build-finished', done)\n"
        "    return {'parallel_read_safe': True}\n",
    )
    reread = src.parent / "reread.txt"
    assert build_in(src).returncode == 0
    assert reread.read_text() == "index myst"
    first = _images(tmp_path)

    assert build_in(src).returncode == 0
    assert reread.read_text() == ""  # nothing changed: nothing read again
    assert (src.parent / "imports.txt").read_text() == "False"  # and nothing drawn

    csv = tmp_path / "results" / "probe_auc.csv"
    old = csv.stat().st_mtime
    csv.write_text(csv.read_text().replace("0.9", "0.8"))
    os.utime(csv, (old - 100, old - 100))  # even with an older time: content counts
    assert build_in(src).returncode == 0
    assert reread.read_text() == "index"
    assert _images(tmp_path) != first


def build_in(src: Path) -> subprocess.CompletedProcess[str]:
    """Build with the current directory at the project root (the recorder
    writes there)."""
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-N", "-b", "html", str(src), str(src.parent / "out")],
        cwd=src.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _images(root: Path) -> dict[str, bytes]:
    html = (root / "out" / "index.html").read_text()
    return {
        src: (root / "out" / src).read_bytes() for src in re.findall(r'src="(_images/[^"]+)"', html)
    }


def test_a_failed_block_heals_when_its_file_appears(tmp_path: Path) -> None:
    index = INDEX.replace("/results/probe_auc.csv", "/results/later.csv")
    src = project(tmp_path, index=index)
    first = build(src)
    assert len(warnings(first)) == 1 and "later.csv" in warnings(first)[0]
    again = build(src, "html", "-W")  # no edit: the problem is still reported
    assert again.returncode == 1
    shutil.copy(SEED, tmp_path / "results" / "later.csv")
    healed = build(src, "html", "-W")
    assert healed.returncode == 0, healed.stderr
    assert "heatmap-error" not in (tmp_path / "out" / "index.html").read_text()


def test_parallel_build_gives_the_same_files(tmp_path: Path) -> None:
    pages = "".join(
        f"\n.. heatmap::\n\n   matrix: [[{i}, 2], [3, {i + 4}]]\n   caption: Figure {i}\n"
        for i in range(6)
    )
    src = project(tmp_path, index=INDEX + pages)
    one = build(src, "html", "-j", "1", "-d", str(tmp_path / "d1"), out="one")
    two = build(src, "html", "-j", "2", "-d", str(tmp_path / "d2"), out="two")
    assert one.returncode == two.returncode == 0
    assert "parallel" not in two.stderr  # no "doing serial read" warning

    def files(out: str) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in (tmp_path / out / "_images").iterdir()}

    assert files("one") == files("two")
    assert len(files("one")) == 8


def test_a_builds_misses_are_drawn_together_before_reading(tmp_path: Path) -> None:
    """Sphinx reads one document at a time; the figures the caches lack are
    found in the sources first and drawn together, in worker processes, so
    no directive draws its own (reST with options, MyST with options, a
    plain fence read as a directive, a page with front-matter defaults)."""
    pages = "".join(
        f"\n.. heatmap::\n   :name: fig-{i}\n\n   matrix: [[{i}, 2], [3, {i + 4}]]\n"
        f"   caption: Figure {i}\n"
        for i in range(4)
    )
    myst = MYST + (
        "\n```heatmap\nmatrix: [[5, 6], [7, 8]]\n```\n\n"
        ":::{heatmap}\n:name: fig-colon\nmatrix: [[9, 1], [1, 9]]\n:::\n"
    )
    myst = "---\nheatmap: {cmap: Reds}\n---\n" + myst
    conf = 'heatmap_workers = 2\nheatmap_cache = False\nmyst_fence_as_directive = ["heatmap"]\n'
    conf += 'myst_enable_extensions = ["colon_fence"]\n'
    src = project(tmp_path, conf=conf, index=INDEX + pages, myst=myst)
    result = build(src)
    assert result.returncode == 0, result.stderr
    assert "heatmap: 8 figure(s) drawn ahead" in result.stdout
    assert "heatmap: 8 figure(s) drawn; the others were at hand" in result.stdout
    serial = project(
        tmp_path / "serial", conf=conf.replace("= 2", "= 1"), index=INDEX + pages, myst=myst
    )
    assert build(serial).returncode == 0

    def files(root: Path) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in (root / "out" / "_images").iterdir()}

    assert files(tmp_path) == files(tmp_path / "serial")
    assert len(files(tmp_path)) == 8


def test_data_paths_and_confinement(tmp_path: Path) -> None:
    myst = (
        "# Paths\n\n```{heatmap}\ndata: here.csv\n```\n\n"
        "```{heatmap}\ndata: ../../outside.csv\n```\n"
    )
    src = project(tmp_path / "project", myst=myst)
    put(src, "here.csv", ",a\nx,1\n")
    put(tmp_path, "outside.csv", ",a\nx,1\n")
    result = build(src)
    (warning,) = warnings(result)
    assert "myst.md:8:" in warning and "resolves outside the project" in warning


def test_check_reads_a_sphinx_source_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    index = INDEX + "\n.. heatmap::\n\n   matrix: [[1, 2]]\n   cmapp: Blues\n"
    src = project(tmp_path, index=index)
    built = build(src)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "docs"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "index.rst:24: heatmap: unknown key 'cmapp' (did you mean 'cmap'?)",
        "heatmap: checked 3 block(s) on 2 page(s): 1 problem(s)",
    ]
    assert len(warnings(built)) == 1


def test_example_sphinx_project_builds_strict(tmp_path: Path) -> None:
    copy = tmp_path / "example"
    shutil.copytree(ROOT / "example_sphinx", copy, ignore=shutil.ignore_patterns("_build"))
    result = build(copy / "docs", "html", "-W")
    assert result.returncode == 0, result.stderr
    html = (copy / "out" / "index.html").read_text()
    assert 'class="heatmap' in html


HOVER_MYST = """\
# Hover

```{heatmap}
:name: fig-hover

matrix: [[1, 2], [3, 4]]
x_labels: [a, b]
y_labels: [r, s]
hover: true
theme: auto
```
"""


@pytest.mark.parametrize("builder", ["html", "latex", "text"])
def test_hover_area_in_html_and_images_alone_elsewhere(tmp_path: Path, builder: str) -> None:
    src = project(tmp_path, myst=HOVER_MYST)
    result = build(src, builder, "-W")
    assert result.returncode == 0, result.stderr
    if builder != "html":
        return  # built without error: the area gave way to its images
    page = (tmp_path / "out" / "myst.html").read_text()
    (area,) = re.findall(r'<div class="heatmap-hover"[^>]*>', page)
    assert 'tabindex="0"' in area and "data-heatmap='" in area
    assert '"x":["a","b"]' in area and '"y":["r","s"]' in area
    # The area holds both variants, and the live region follows them.
    inner = page.split(area, 1)[1]
    assert inner.index("heatmap-variants") < inner.index('class="heatmap-readout"')
    assert 'src="_static/heatmap.js' in page and "defer" in page
    assert (tmp_path / "out" / "_static" / "heatmap.js").is_file()


# --------------------------------------------------------------------------
# Inside its folders, never stale by content, outputs as data.


def _doctree_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "out" / ".doctrees" / "_heatmap").rglob("*") if p.is_file())


def test_figures_are_written_under_the_doctree_folder_only(tmp_path: Path) -> None:
    src = project(tmp_path)
    before = set(os.listdir("/"))
    assert build(src, "html", "-W").returncode == 0
    assert (
        build(src, "latex", "-W", "-d", str(tmp_path / "out" / ".doctrees"), out="tex").returncode
        == 0
    )
    assert set(os.listdir("/")) == before
    written = _doctree_files(tmp_path)
    assert {p.suffix for p in written} == {".svg", ".pdf"}
    assert not [p for p in written if p.name.startswith(".tmp-")]
    # Each file's name is its bytes' hash.
    from mkdocs_heatmap.emit import content_name

    for path in written:
        assert path.name == content_name(path.read_bytes(), path.suffix[1:])


def test_a_site_style_edit_is_seen_without_a_fresh_environment(tmp_path: Path) -> None:
    src = project(tmp_path, conf='heatmap_style = "site.mplstyle"\n')
    put(tmp_path, "site.mplstyle", "font.size: 9\n")
    assert build(src, "html", "-W").returncode == 0
    first = _images(tmp_path)
    put(tmp_path, "site.mplstyle", "font.size: 16\n")
    result = build(src, "html", "-W")
    assert result.returncode == 0, result.stderr
    assert _images(tmp_path) != first
    assert _images(tmp_path) == _images_of_fresh_build(tmp_path, src)


def _images_of_fresh_build(tmp_path: Path, src: Path) -> dict[str, bytes]:
    fresh = build(src, "html", "-E", "-d", str(tmp_path / "fresh-doctrees"), out="fresh")
    assert fresh.returncode == 0, fresh.stderr
    html = (tmp_path / "fresh" / "index.html").read_text()
    return {
        s: (tmp_path / "fresh" / s).read_bytes() for s in re.findall(r'src="(_images/[^"]+)"', html)
    }


def test_a_same_size_same_time_data_swap_is_seen(tmp_path: Path) -> None:
    src = project(tmp_path)
    assert build(src, "html", "-W").returncode == 0
    first = _images(tmp_path)
    csv = tmp_path / "results" / "probe_auc.csv"
    stat = csv.stat()
    text = csv.read_text()
    swapped = text.replace("0.9", "0.8")
    assert swapped != text and len(swapped) == len(text)
    csv.write_text(swapped)
    os.utime(csv, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # touch -r: same size, same time
    assert build(src, "html", "-W").returncode == 0
    assert _images(tmp_path) != first


def test_a_retargeted_symlink_is_seen(tmp_path: Path) -> None:
    index = INDEX.replace("/results/probe_auc.csv", "/results/current.csv")
    src = project(tmp_path, index=index)
    put(tmp_path, "results/other.csv", SEED.read_text().replace("0.9", "0.1"))
    link = tmp_path / "results" / "current.csv"
    link.symlink_to("probe_auc.csv")
    assert build(src, "html", "-W").returncode == 0
    first = _images(tmp_path)
    link.unlink()
    link.symlink_to("other.csv")
    assert build(src, "html", "-W").returncode == 0
    assert _images(tmp_path) != first


def test_a_tampered_print_file_is_written_again(tmp_path: Path) -> None:
    src = project(tmp_path)
    doctrees = str(tmp_path / "doctrees")
    assert build(src, "latex", "-W", "-d", doctrees).returncode == 0
    pdf = sorted((tmp_path / "doctrees" / "_heatmap" / "print").glob("*.pdf"))[0]
    good = pdf.read_bytes()
    pdf.write_bytes(good.replace(b"%PDF-", b"%XXX-", 1))  # same size, other bytes
    for out in (tmp_path / "out").glob("*.pdf"):
        out.unlink()
    assert build(src, "latex", "-W", "-d", doctrees).returncode == 0
    assert pdf.read_bytes() == good
    shipped = [p.read_bytes() for p in (tmp_path / "out").glob("*.pdf")]
    assert good in shipped and not [b for b in shipped if b.startswith(b"%XXX")]


@pytest.mark.parametrize("kind", ["folder", "fifo", "symlink"])
def test_whatever_is_in_the_way_of_an_output_is_replaced_or_reported(
    tmp_path: Path, kind: str
) -> None:
    src = project(tmp_path)
    assert build(src, "html", "-W").returncode == 0
    (svg,) = [p for p in _doctree_files(tmp_path) if "probe" not in p.name and p.suffix == ".svg"][
        :1
    ] or _doctree_files(tmp_path)[:1]
    good = svg.read_bytes()
    svg.unlink()
    if kind == "folder":
        (svg / "inside").mkdir(parents=True)
    elif kind == "fifo":
        os.mkfifo(svg)
    else:
        put(tmp_path, "elsewhere.svg", "<svg/>")
        svg.symlink_to(tmp_path / "elsewhere.svg")
    result = build(src, "html", "-E")
    assert "Traceback" not in result.stderr and "Exception occurred" not in result.stderr
    assert not [p for p in svg.parent.iterdir() if p.name.startswith(".tmp-")]
    if kind == "folder":
        (warning,) = warnings(result)
        assert "a folder is in the way" in warning and f"_heatmap/{svg.name}" in warning
        return
    assert result.returncode == 0 and not warnings(result), result.stderr
    assert not svg.is_symlink() and svg.read_bytes() == good
    assert (tmp_path / "elsewhere.svg").read_text() == "<svg/>" if kind == "symlink" else True


MYST_DEFAULTS = """\
---
heatmap: {cmap: Reds}
---
# With defaults

```{heatmap}
matrix: [[1, 2], [3, 4]]
```
"""

REST_DEFAULTS = """\
:heatmap: {cmap: Reds}

With defaults
=============

.. heatmap::

   matrix: [[1, 2], [3, 4]]

.. toctree::

   myst
"""


def test_page_defaults_in_myst_front_matter_and_a_rest_field_list(tmp_path: Path) -> None:
    from mkdocs_heatmap.api import render_spec

    src = project(tmp_path, index=REST_DEFAULTS, myst=MYST_DEFAULTS)
    result = build(src, "html", "-W")
    assert result.returncode == 0, result.stderr
    red = render_spec("matrix: [[1, 2], [3, 4]]\ncmap: Reds\n", base_dir=tmp_path)
    for page in ("index", "myst"):
        html = (tmp_path / "out" / f"{page}.html").read_text()
        (image,) = re.findall(r'src="(_images/[^"]+\.svg)"', html)
        assert (tmp_path / "out" / image).read_bytes() == red, page
    # An edit of the defaults alone is seen without -E.
    put(src, "myst.md", MYST_DEFAULTS.replace("Reds", "Greens"))
    assert build(src, "html", "-W").returncode == 0
    html = (tmp_path / "out" / "myst.html").read_text()
    (image,) = re.findall(r'src="(_images/[^"]+\.svg)"', html)
    green = render_spec("matrix: [[1, 2], [3, 4]]\ncmap: Greens\n", base_dir=tmp_path)
    assert (tmp_path / "out" / image).read_bytes() == green


def test_bad_page_defaults_are_one_warning_at_their_line(tmp_path: Path) -> None:
    myst = (
        MYST_DEFAULTS.replace("cmap: Reds", "cmapp: Reds") + "\n```{heatmap}\nmatrix: [[1]]\n```\n"
    )
    index = REST_DEFAULTS.replace("cmap: Reds", "cmap: Bluez")
    src = project(tmp_path, index=index, myst=myst)
    result = build(src)
    assert result.returncode == 0, result.stderr
    assert warnings(result) == [
        f"{src / 'index.rst'}:1: WARNING: heatmap: unknown colormap 'Bluez' (did you mean "
        "'Blues'?) [heatmap.block]",
        f"{src / 'myst.md'}:2: WARNING: heatmap: unknown key 'cmapp' (did you mean 'cmap'?) "
        "[heatmap.block]",
    ]
    # The blocks still draw, with the site's defaults.
    assert "heatmap-error" not in (tmp_path / "out" / "myst.html").read_text()


def test_error_boxes_name_the_page_from_the_source_folder(tmp_path: Path) -> None:
    index = INDEX + "\n.. heatmap::\n\n   matrix: [[1, 2]]\n   cmapp: Blues\n"
    src = project(tmp_path, index=index)
    assert build(src).returncode == 0
    html = (tmp_path / "out" / "index.html").read_text()
    assert "index.rst:24" in html
    assert str(tmp_path) not in html


def test_print_builders_get_no_download_link_or_html_table(tmp_path: Path) -> None:
    myst = MYST.replace("caption: A small one", "caption: A small one\ndownload: true\ntable: true")
    src = project(tmp_path, myst=myst)
    html = build(src, "html", "-W", "-d", str(tmp_path / "d-html"))
    assert html.returncode == 0, html.stderr
    page = (tmp_path / "out" / "myst.html").read_text()
    assert "Download data (CSV)" in page and "<table" in page
    latex = build(src, "latex", "-W", out="tex")
    assert latex.returncode == 0, latex.stderr
    tex = next((tmp_path / "tex").glob("*.tex")).read_text()
    assert "A small one" in tex
    assert "Download data" not in tex and ".csv" not in tex
    text = build(src, "text", "-W", out="txt")
    assert text.returncode == 0, text.stderr
    assert "Download data" not in (tmp_path / "txt" / "myst.txt").read_text()


def test_the_hover_area_is_named_by_the_caption_shown(tmp_path: Path) -> None:
    myst = HOVER_MYST.replace(":name: fig-hover\n", ":name: fig-hover\n:caption: The *shown* one\n")
    myst = myst.replace("hover: true\n", "hover: true\ncaption: the YAML one\n")
    src = project(tmp_path, myst=myst)
    assert build(src, "html", "-W").returncode == 0
    page = (tmp_path / "out" / "myst.html").read_text()
    (area,) = re.findall(r'<div class="heatmap-hover"[^>]*>', page)
    assert 'aria-label="' in area and "The shown one" in area
    assert "YAML one" not in area


def test_a_note_is_a_warning_at_its_key_and_fails_w_with_the_figure_drawn(
    tmp_path: Path,
) -> None:
    """A choice the block did not spell out (a pandas export's named index
    of whole numbers) is a warning at the data key, heatmap.note, with the
    figure drawn; -W fails until the block says which."""
    import pandas as pd

    myst = "# Notes\n\n```{heatmap}\ntitle: by layer\ndata: /results/by_layer.csv\n```\n"
    src = project(tmp_path, myst=myst)
    frame = pd.DataFrame({"a": [0.5, 0.25, 0.75], "b": [0.1, 0.2, 0.3]})
    frame.index.name = "layer"
    frame.to_csv(tmp_path / "results" / "by_layer.csv")
    result = build(src, "html", "-W")
    assert result.returncode == 1
    (warning,) = warnings(result)
    assert warning.startswith(f"{src / 'myst.md'}:5: WARNING: heatmap: ")
    assert "read as row labels" in warning and warning.endswith("[heatmap.note]")
    page = (tmp_path / "out" / "myst.html").read_text()
    assert '<figure class="heatmap' in page and "heatmap-error" not in page
    put(src, "myst.md", myst.replace("data:", "index: true\ndata:"))
    assert build(src, "html", "-W").returncode == 0
