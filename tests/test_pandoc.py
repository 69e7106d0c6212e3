"""The Pandoc host: real ``pandoc --filter mkdocs-heatmap-pandoc`` runs.

Pandoc 3 comes from PyPI (``pypandoc-binary``, in the ``test`` extra); the
filter is the console script installed next to this Python.  Each output
format gets what it can show (HTML: the MkDocs figure, images as ``data:``
URIs; LaTeX: a vector PDF in a figure with ``\\label``; DOCX: a 2x PNG; plain
text: the alt text), with captions, numbers and ``[](#id)`` references as
under MkDocs, the same image bytes as the API draws, and problems on stderr
as ``FILE:LINE: heatmap: message``.  Without Pandoc the tests are skipped,
unless ``CI`` is set.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from catalog import CASES, FENCE_LINE
from conftest import Site, put
from mkdocs_heatmap.api import render_spec
from mkdocs_heatmap.pandoc import (
    heatmap_fences,
    meta_value,
    pandoc_inputs,
    read_metadata,
)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required when CI is set)", pytrace=False)
    pytest.skip(reason)


def _pandoc() -> str:
    found = shutil.which("pandoc")
    if found is None:
        try:
            import pypandoc  # type: ignore[import-untyped]

            found = pypandoc.get_pandoc_path()
        except (ImportError, OSError):
            found = None
    if not found:
        _unavailable("pandoc is not installed (pypandoc-binary is in the 'test' extra)")
    return str(found)


def _env() -> dict[str, str]:
    """PATH with this Python's scripts first: the filter is found by name."""
    scripts = Path(sys.executable).parent
    if shutil.which("mkdocs-heatmap-pandoc", path=str(scripts)) is None:
        _unavailable("the mkdocs-heatmap-pandoc script is missing: pip install -e .")
    return {**os.environ, "PATH": f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}"}


def pandoc(root: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_pandoc(), *args, "--filter", "mkdocs-heatmap-pandoc"],
        cwd=root,
        env=_env(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


AUC = "layer,a,b\n1,0.5,0.7\n2,0.9,0.6\n"
AUC_BLOCK = "data: auc.csv\nindex: true\ntitle: Probe AUC\ncaption: Probe AUC per layer."
PAPER = f"""---
title: Paper
heatmap:
  cmap: Blues
heatmap-numbering: true
---

# Results

As [](#fig-auc) shows, and [](#fig-b) too.

```{{.heatmap #fig-auc}}
{AUC_BLOCK}
```

```heatmap
matrix: [[1, 2], [3, 4]]
id: fig-b
theme: auto
caption: Second.
```
"""
# What the first block draws, as the API draws it (the document's defaults
# and the attribute's id added as keys).
AUC_SPEC = f"{AUC_BLOCK}\ncmap: Blues\nid: fig-auc"


@pytest.fixture(scope="module")
def paper(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with the paper, its data and one figure cache for the module."""
    root = tmp_path_factory.mktemp("pandoc")
    put(root, "auc.csv", AUC)
    put(root, "paper.md", PAPER)
    return root


def data_uris(html: str, mime: str = "image/svg+xml") -> list[bytes]:
    found = re.findall(rf'src="data:{re.escape(mime)};base64,([^"]+)"', html)
    return [base64.b64decode(item) for item in found]


def test_html_figures_numbers_references_and_bytes(paper: Path) -> None:
    proc = pandoc(paper, "paper.md", "-o", "paper.html")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    html = (paper / "paper.html").read_text(encoding="utf-8")
    figures = re.findall(r'<figure class="heatmap" id="([^"]+)">', html)
    assert figures == ["fig-auc", "fig-b"]
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", html)
    assert captions[0] == '<span class="heatmap-number">Figure 1.</span> Probe AUC per layer.'
    assert captions[1].startswith('<span class="heatmap-number">Figure 2.</span>')
    links = re.findall(r'<a\s+href="#(fig-[a-z]+)"\s+class="heatmap-ref">([^<]*)</a>', html)
    assert links == [("fig-auc", "Figure\u00a01"), ("fig-b", "Figure\u00a02")]
    # Self-contained: images are data: URIs, no file is written.
    assert not (paper / "heatmaps").exists()
    light = data_uris(html)
    assert light[0] == render_spec(AUC_SPEC, base_dir=paper)
    # theme: auto: the dark variant for a dark screen, as MkDocs writes it.
    assert 'media="screen and (prefers-color-scheme: dark)"' in html
    assert 'srcset="data:image/svg+xml;base64,' in html
    assert "<style>" in html and "figure.heatmap" in html


def test_html_output_dir_writes_files(paper: Path) -> None:
    proc = pandoc(paper, "paper.md", "-M", "heatmap-output-dir=figs", "-o", "files.html")
    assert proc.returncode == 0, proc.stderr
    html = (paper / "files.html").read_text(encoding="utf-8")
    sources = re.findall(r'<img src="(figs/[0-9a-f]{20}\.svg)"', html)
    assert len(sources) == 2
    assert (paper / sources[0]).read_bytes() == render_spec(AUC_SPEC, base_dir=paper)
    umask = os.umask(0o022)
    os.umask(umask)
    mode = (paper / sources[0]).stat().st_mode & 0o777
    assert mode == 0o666 & ~umask  # as any file the user writes, not a private temp file


def test_latex_vector_pdf_label_and_ref(paper: Path) -> None:
    proc = pandoc(paper, "paper.md", "-t", "latex", "-o", "paper.tex")
    assert proc.returncode == 0, proc.stderr
    tex = (paper / "paper.tex").read_text(encoding="utf-8")
    assert "As Figure~\\ref{fig-auc} shows, and Figure~\\ref{fig-b} too." in tex
    pdfs = re.findall(r"\\includegraphics(?:\[[^\]]*\])?\{(heatmaps/[0-9a-f]{20}\.pdf)\}", tex)
    assert len(pdfs) == 2
    assert "\\caption{Probe AUC per layer.}\\label{fig-auc}" in tex
    assert "Figure 1." not in tex  # LaTeX numbers its figures itself
    pdf = (paper / pdfs[0]).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert pdf == render_spec(AUC_SPEC, base_dir=paper, format="pdf")


def test_docx_png_at_twice_the_resolution(paper: Path) -> None:
    proc = pandoc(paper, "paper.md", "-o", "paper.docx")
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(paper / "paper.docx") as docx:
        media = sorted(n for n in docx.namelist() if n.startswith("word/media/"))
        document = docx.read("word/document.xml").decode("utf-8")
        pngs = [docx.read(name) for name in media]
    assert len(pngs) == 2 and all(png.startswith(b"\x89PNG") for png in pngs)
    text = re.sub(r"<[^>]+>", "", document)
    assert "Figure 1. Probe AUC per layer." in text
    assert "As Figure\u00a01 shows, and Figure\u00a02 too." in text
    one_x = render_spec(AUC_SPEC, base_dir=paper, format="png")
    assert _png_width(pngs[0]) == 2 * _png_width(one_x)


def _png_width(png: bytes) -> int:
    return int.from_bytes(png[16:20], "big")


def test_plain_text_is_the_alt_text_and_caption(paper: Path) -> None:
    before = set(paper.rglob("*"))
    proc = pandoc(paper, "paper.md", "-t", "plain")
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())
    assert "Heatmap of Probe AUC: 2 rows by 2 columns." in text
    assert "Figure 1. Probe AUC per layer." in text
    assert "As Figure 1 shows" in text
    assert set(paper.rglob("*")) == before  # nothing drawn for text


# --------------------------------------------------------------------------
# Problems.

ROWS = {case[0]: case for case in CASES}
PICKED = [
    "unknown-key",
    "wrong-type",
    "yaml-syntax",
    "duplicate-key",
    "missing-file",
    "ragged-csv",
    "mathtext",
    "id-markup",
]
FENCE = 8  # the line of each bad block's fence in its document


def _bad_document(body: str) -> str:
    return f"---\ntitle: Bad\n---\n\n# Errors\n\nText.\n```heatmap\n{body}\n```\n\nAfter.\n"


@pytest.mark.parametrize("row", PICKED)
def test_catalog_rows(tmp_path: Path, row: str) -> None:
    _, body, files, fragment, line = ROWS[row]
    for rel, content in files.items():
        put(tmp_path, rel.removeprefix("docs/"), content)
    put(tmp_path, "bad.md", _bad_document(body))
    expected = FENCE + (line - FENCE_LINE)
    proc = pandoc(tmp_path, "bad.md", "-o", "bad.html")
    assert proc.returncode == 0, proc.stderr
    problems = proc.stderr.strip().split("\n")
    assert len(problems) == 1, proc.stderr
    assert problems[0].startswith(f"bad.md:{expected}: heatmap: "), problems
    assert fragment in problems[0]
    html = (tmp_path / "bad.html").read_text(encoding="utf-8")
    assert 'class="admonition failure heatmap-error"' in html
    assert f"<code>bad.md:{expected}</code>" in html
    assert "After." in html
    # heatmap-strict: the same message, and Pandoc fails.
    strict = pandoc(tmp_path, "bad.md", "-M", "heatmap-strict=true", "-o", "strict.html")
    assert strict.returncode != 0
    assert problems[0] in strict.stderr
    assert not (tmp_path / "strict.html").exists()


def test_error_box_in_latex_and_unresolved_reference(tmp_path: Path) -> None:
    text = _bad_document("matrix: [[1, 2]]\ncmapp: Reds") + "\nSee [](#fig-nope).\n"
    put(tmp_path, "bad.md", text)
    proc = pandoc(tmp_path, "bad.md", "-t", "latex")
    assert proc.returncode == 0
    assert proc.stderr.split("\n")[:2] == [
        "bad.md:10: heatmap: unknown key 'cmapp' (did you mean 'cmap'?)",
        "bad.md:15: heatmap: reference to '#fig-nope': no figure has that id in this document",
    ]
    assert "\\textbf{heatmap:} unknown key" in proc.stdout
    assert "\\texttt{bad.md:10}" in proc.stdout


def test_latex_refers_to_any_captioned_figure(tmp_path: Path) -> None:
    """LaTeX numbers every figure with a caption: no 'numbered' needed there."""
    put(
        tmp_path,
        "doc.md",
        "```{.heatmap #fig-a}\nmatrix: [[1]]\ncaption: c\n```\n\nSee [](#fig-a).\n",
    )
    latex = pandoc(tmp_path, "doc.md", "-t", "latex")
    assert (latex.returncode, latex.stderr) == (0, "")
    assert "See Figure~\\ref{fig-a}." in latex.stdout
    html = pandoc(tmp_path, "doc.md", "-t", "html")
    assert "doc.md:6: heatmap: reference to figure '#fig-a', which has no number" in html.stderr


def test_stdin_names_the_block(tmp_path: Path) -> None:
    """Read from stdin, no file to name: the block's number and its line."""
    proc = pandoc(tmp_path, "-t", "html", stdin=_bad_document("matrix: [[1]]\ncmapp: x"))
    assert proc.returncode == 0
    assert proc.stderr.startswith("input block 1:2: heatmap: unknown key 'cmapp'")


def test_sourcepos_names_file_and_line(tmp_path: Path) -> None:
    put(tmp_path, "bad.md", _bad_document("matrix: [[1]]\ncmapp: x"))
    proc = pandoc(tmp_path, "-f", "commonmark_x+sourcepos", "bad.md", "-t", "html")
    assert proc.stderr.startswith("bad.md:10: heatmap: unknown key 'cmapp'")


def test_bad_metadata_stops_pandoc(paper: Path) -> None:
    proc = pandoc(paper, "paper.md", "-M", "heatmap-theme=sepia", "-t", "html")
    assert proc.returncode != 0
    assert "metadata: option 'heatmap-theme': expected one of light, auto, got 'sepia'" in (
        proc.stderr
    )


def test_on_error_fail_stops_at_the_first_problem(tmp_path: Path) -> None:
    put(tmp_path, "bad.md", _bad_document("matrix: [[1]]\ncmapp: x"))
    proc = pandoc(tmp_path, "bad.md", "-M", "heatmap-on-error=fail", "-t", "html")
    assert proc.returncode != 0
    assert "bad.md:10: heatmap: unknown key 'cmapp'" in proc.stderr


# --------------------------------------------------------------------------
# The filter's parts, without Pandoc.


def test_metadata_values_read_as_yaml_wrote_them() -> None:
    inlines = {"t": "MetaInlines", "c": [{"t": "Str", "c": "0.5"}]}
    assert meta_value(inlines) == 0.5
    assert meta_value({"t": "MetaInlines", "c": [{"t": "Str", "c": "12"}]}) == 12
    assert meta_value({"t": "MetaBool", "c": True}) is True
    words = [{"t": "Str", "c": "Probe"}, {"t": "Space"}, {"t": "Str", "c": "AUC"}]
    assert meta_value({"t": "MetaInlines", "c": words}) == "Probe AUC"
    mapping = {"t": "MetaMap", "c": {"vmin": inlines, "cmap": {"t": "MetaString", "c": "Reds"}}}
    assert meta_value(mapping) == {"vmin": 0.5, "cmap": "Reds"}
    options, strict, own = read_metadata({"heatmap-theme": "auto", "heatmap-strict": True})
    assert (options["theme"], strict, own, options["output_dir"]) == (
        "auto",
        True,
        False,
        "heatmaps",
    )


def test_pandoc_command_line_inputs() -> None:
    args = ["-f", "markdown", "a.md", "--output=x.html", "-o", "y.html", "--filter", "f",
            "-dopts", "--metadata", "k=v", "b.md", "--standalone", "--", "-c.md"]  # fmt: skip
    assert pandoc_inputs(args) == (["a.md", "b.md", "-c.md"], ["opts"])
    assert pandoc_inputs(["--out", "o.html", "--defaults=d.yaml", "p.md"]) == (["p.md"], ["d.yaml"])


def test_fences_found_with_their_lines() -> None:
    text = "# T\n\n```{.heatmap #fig-a}\nmatrix: [[1]]\n```\n\n~~~~ heatmap\n  a: 1\n~~~~\n"
    text += "````markdown\n```heatmap\nshown: 1\n```\n````\n"
    assert heatmap_fences(text) == [(3, "matrix: [[1]]"), (7, "a: 1")]


def test_cache_is_shared_with_the_mkdocs_plugin(tmp_path: Path, build: object) -> None:
    """A figure Pandoc drew is not drawn again by a MkDocs build of the same
    project (one content cache, ``.cache/heatmap``)."""
    put(tmp_path, "auc.csv", AUC)
    put(tmp_path, "paper.md", f"```heatmap\n{AUC_BLOCK}\n```\n")
    assert pandoc(tmp_path, "paper.md", "-o", "paper.html").returncode == 0
    site = Site(tmp_path)
    site.page("index.md", f"# A\n\n```heatmap\n{AUC_BLOCK}\n```\n")
    result = build(site)  # type: ignore[operator]
    assert result.ok, result.error
    summary = [r.getMessage() for r in result.records if "figure(s)" in r.getMessage()]
    assert any("1 figure(s): 0 rendered" in line for line in summary), summary
    (image,) = site.images()
    assert data_uris((tmp_path / "paper.html").read_text(encoding="utf-8")) == [image.read_bytes()]


def test_a_document_without_blocks_costs_no_matplotlib(tmp_path: Path) -> None:
    """Promise 8 under Pandoc: nothing to draw, nothing heavy imported."""
    code = (
        "import io, sys\n"
        "from pathlib import Path\n"
        "from mkdocs_heatmap.pandoc import filter_document\n"
        "doc = {'pandoc-api-version': [1, 23, 1], 'meta': {}, 'blocks': []}\n"
        "assert filter_document(doc, 'html', root=Path('.'), err=io.StringIO()) == 0\n"
        "print(sorted(m for m in ('matplotlib', 'numpy') if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "[]"


def test_figure_label_metadata_in_captions_and_references(paper: Path) -> None:
    label = ("-M", "heatmap-figure-label=Fig.")
    proc = pandoc(paper, "paper.md", *label, "-o", "label.html")
    assert proc.returncode == 0, proc.stderr
    html = (paper / "label.html").read_text(encoding="utf-8")
    assert '<span class="heatmap-number">Fig. 1.</span> Probe AUC per layer.' in html
    links = re.findall(r'<a\s+href="#(fig-[a-z]+)"\s+class="heatmap-ref">([^<]*)</a>', html)
    assert links == [("fig-auc", "Fig.\u00a01"), ("fig-b", "Fig.\u00a02")]
    proc = pandoc(paper, "paper.md", *label, "-t", "plain")
    assert proc.returncode == 0, proc.stderr
    assert "Fig. 1. Probe AUC per layer." in proc.stdout
    proc = pandoc(paper, "paper.md", *label, "-t", "latex")
    assert "As Fig.~\\ref{fig-auc} shows" in proc.stdout


# --------------------------------------------------------------------------
# Panels: a panel's own id is a target too.

PANELS = """---
heatmap-numbering: true
---

See [](#fig-probe), its panels [](#panel-movies) and [](#panel-trivia).

```heatmap
id: fig-probe
panel_labels: true
caption: Probe AUC on two datasets.
panels:
  - {matrix: [[1, 2], [3, 4]], title: TriviaQA, id: panel-trivia}
  - {matrix: [[4, 3], [2, 1]], title: Movies, id: panel-movies}
```

```heatmap
caption: Unlettered, without an id of its own.
panels:
  - {matrix: [[1]], id: panel-x}
  - {matrix: [[2]], id: panel-y}
```

Later: [](#panel-y) and [](#panel-x).
"""


def _links(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<a\s+href="#([^"]+)"\s+class="heatmap-ref">([^<]*)</a>', html)


def test_html_panel_references_read_number_and_letter(tmp_path: Path) -> None:
    put(tmp_path, "doc.md", PANELS)
    proc = pandoc(tmp_path, "doc.md", "-M", "heatmap-figure-label=Fig.", "-t", "html")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert _links(proc.stdout) == [
        ("fig-probe", "Fig.\u00a01"),
        ("panel-movies", "Fig.\u00a01b"),
        ("panel-trivia", "Fig.\u00a01a"),
        ("panel-y", "Fig.\u00a02"),
        ("panel-x", "Fig.\u00a02"),
    ]
    # Each link goes to its panel's own anchor, in its figure.
    figures = re.findall(r"<figure.*?</figure>", proc.stdout, re.DOTALL)
    assert len(figures) == 2
    for n, ids in enumerate([("panel-trivia", "panel-movies"), ("panel-x", "panel-y")]):
        for ident in ids:
            assert f'<span class="heatmap-panel-target" id="{ident}"></span>' in figures[n]


def test_latex_panel_references_are_latex_numbers_and_the_letter(tmp_path: Path) -> None:
    put(tmp_path, "doc.md", PANELS)
    proc = pandoc(tmp_path, "doc.md", "-t", "latex")
    assert (proc.returncode, proc.stderr) == (0, "")
    tex = " ".join(proc.stdout.split())
    assert (
        "See Figure~\\ref{fig-probe}, its panels Figure~\\ref{fig-probe}b and "
        "Figure~\\ref{fig-probe}a." in tex
    )
    # A figure without an id is labelled with its first panel's.
    assert "\\caption{Unlettered, without an id of its own.}\\label{panel-x}" in tex
    assert "Later: Figure~\\ref{panel-x} and Figure~\\ref{panel-x}." in tex


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("context", "\\in{Figure}[fig-probe]b and \\in{Figure}[fig-probe]a."),
        # Typst's `@fig-probeb` would name another label.
        ("typst", "#ref(<fig-probe>)b and #ref(<fig-probe>)a."),
    ],
)
def test_typesetters_panel_references(tmp_path: Path, fmt: str, expected: str) -> None:
    put(tmp_path, "doc.md", PANELS)
    proc = pandoc(tmp_path, "doc.md", "-t", fmt)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert expected in " ".join(proc.stdout.split())


def test_docx_panel_references_go_to_the_figure(tmp_path: Path) -> None:
    put(tmp_path, "doc.md", PANELS)
    proc = pandoc(tmp_path, "doc.md", "-o", "doc.docx")
    assert (proc.returncode, proc.stderr) == (0, "")
    with zipfile.ZipFile(tmp_path / "doc.docx") as docx:
        document = docx.read("word/document.xml").decode("utf-8")
    links = re.findall(
        r'<w:hyperlink w:anchor="([^"]+)">.*?<w:t(?: [^>]*)?>([^<]*)</w:t>', document
    )
    assert links == [
        ("fig-probe", "Figure\u00a01"),
        ("fig-probe", "Figure\u00a01b"),
        ("fig-probe", "Figure\u00a01a"),
        ("panel-x", "Figure\u00a02"),
        ("panel-x", "Figure\u00a02"),
    ]
    bookmarks = re.findall(r'<w:bookmarkStart [^>]*w:name="([^"]+)"', document)
    assert {"fig-probe", "panel-x"} <= set(bookmarks)


def test_panel_id_used_twice_and_unnumbered_panel_warn(tmp_path: Path) -> None:
    twice = PANELS.replace("id: panel-y}", "id: panel-movies}").replace("[](#panel-y) and ", "")
    put(tmp_path, "doc.md", twice)
    proc = pandoc(tmp_path, "doc.md", "-t", "html")
    assert proc.returncode == 0
    assert proc.stderr.strip().split("\n") == [
        "doc.md:20: heatmap: id 'panel-movies' is used twice in this document"
    ]
    put(tmp_path, "plain.md", PANELS.replace("heatmap-numbering: true", "title: Plain"))
    proc = pandoc(tmp_path, "plain.md", "-t", "html")
    problems = proc.stderr.strip().split("\n")
    panel = "plain.md:5: heatmap: reference to panel '#panel-movies', whose figure has no number"
    assert sum(problem.startswith(panel) for problem in problems) == 1, problems


def test_alt_text_isolates_bidirectional_controls(tmp_path: Path) -> None:
    """U+202E in a row label would reverse the rest of the alt text, in the
    HTML ``alt`` and Word's image description alike."""
    put(tmp_path, "bidi.csv", "m,x,y\nab\u202ecd,1,2\nef,3,4\n")
    put(tmp_path, "doc.md", "# T\n\n```heatmap\ndata: bidi.csv\nindex: true\nhover: true\n```\n")
    html = pandoc(tmp_path, "doc.md", "-o", "out.html")
    docx = pandoc(tmp_path, "doc.md", "-o", "out.docx")
    assert (html.returncode, html.stderr, docx.returncode, docx.stderr) == (0, "", 0, "")
    page = (tmp_path / "out.html").read_text(encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "out.docx") as z:
        word = z.read("word/document.xml").decode("utf-8")
    for text in (page, word):
        assert "\u202e" not in text
        assert "(row abcd, column x)" in text
