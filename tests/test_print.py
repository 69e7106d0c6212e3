"""Figures for a paper: PDF and EPS as print viewers and journal checks see them.

The files are rasterised by the three renderers a paper meets (poppler's
``pdftoppm``, MuPDF's ``mutool draw`` and Ghostscript) and their pixels
checked: no seams between cells.  Fonts are checked with poppler's
``pdffonts`` and in the PostScript itself: TrueType (Type 42), never Type 3.

Without the renderers the module is skipped, except under CI (``CI`` set),
where a missing one is a failure (``.ci/run`` installs them).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mkdocs_heatmap.api import figure, render_spec
from mkdocs_heatmap.render import seal_cells

ROOT = Path(__file__).parents[1]
TOOLS = {
    "pdftoppm": "poppler-utils",
    "pdffonts": "poppler-utils",
    "mutool": "mupdf-tools",
    "gs": "ghostscript",
}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required when CI is set)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


for _tool, _package in TOOLS.items():
    if shutil.which(_tool) is None:
        _unavailable(f"{_tool} is missing: install Debian's {_package}")

# The cells' color may differ from the exact colormap value by rounding in a
# renderer (and in Ghostscript's EPS-to-PDF step); a seam is far more.  Before
# the cells were sealed, seams measured 12-62 levels in every renderer.
TOLERANCE = 3
DPIS = (150, 300, 600)
EQUAL_CELLS = {
    # A dark colormap end: a seam shows as a light grid line on it.
    "viridis": {"matrix": [[0.0, 0.0], [0.0, 0.0]], "cmap": "viridis", "vmin": 0, "vmax": 1},
    "Blues": {"matrix": [[1.0] * 3] * 3, "cmap": "Blues", "vmin": 0, "vmax": 1},
}


def _run(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, timeout=120)


def rasterise(path: Path, renderer: str, dpi: int) -> np.ndarray[Any, Any]:
    """The page as RGB pixels.  EPS goes to poppler and MuPDF through
    Ghostscript's PDF writer, as ``epstopdf`` (pdfLaTeX) does."""
    from PIL import Image

    out = path.with_name(f"{path.name}.{renderer}.{dpi}.png")
    if path.suffix == ".eps" and renderer != "gs":
        pdf = path.with_name(f"{path.name}.pdf")
        if not pdf.exists():
            _run("gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-dEPSCrop",
                 "-sDEVICE=pdfwrite", f"-sOutputFile={pdf}", path)  # fmt: skip
        path = pdf
    if renderer == "poppler":
        _run("pdftoppm", "-r", str(dpi), "-png", "-singlefile", path, out.with_suffix(""))
    elif renderer == "mupdf":
        _run("mutool", "draw", "-q", "-r", str(dpi), "-o", out, path)
    else:
        crop = ["-dEPSCrop"] if path.suffix == ".eps" else []
        _run("gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", *crop, "-sDEVICE=png16m",
             f"-r{dpi}", "-dTextAlphaBits=4", "-dGraphicsAlphaBits=4",
             f"-sOutputFile={out}", path)  # fmt: skip
    with Image.open(out) as image:
        return np.asarray(image.convert("RGB")).astype(int)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    folder = tmp_path_factory.mktemp("print")
    made = {}
    for name, spec in EQUAL_CELLS.items():
        for fmt in ("pdf", "eps"):
            path = folder / f"{name}.{fmt}"
            block = {**spec, "annotate": False, "colorbar": False}
            path.write_bytes(render_spec(block, format=fmt))
            made[name, fmt] = path
    return made


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("renderer", ["poppler", "mupdf", "gs"])
@pytest.mark.parametrize("fmt", ["pdf", "eps"])
@pytest.mark.parametrize("cmap", list(EQUAL_CELLS))
def test_no_seams_between_equal_cells(
    files: dict[tuple[str, str], Path], cmap: str, fmt: str, renderer: str, dpi: int
) -> None:
    import matplotlib as mpl

    spec = EQUAL_CELLS[cmap]
    value = spec["matrix"][0][0]
    color = np.array([round(255 * c) for c in mpl.colormaps[cmap](value)[:3]])
    pixels = rasterise(files[cmap, fmt], renderer, dpi)
    # The cells: every pixel of their color; the map is the box around them.
    ys, xs = np.nonzero(np.abs(pixels - color).max(axis=2) <= TOLERANCE)
    top, bottom, left, right = ys.min(), ys.max(), xs.min(), xs.max()
    inch = dpi  # the map of these blocks is over an inch on each side
    assert bottom - top > inch and right - left > inch, "the cells were not found"
    edge = 2  # the map's own outer edge is antialiased against the page
    inside = pixels[top + edge : bottom - edge + 1, left + edge : right - edge + 1]
    off = np.abs(inside - color).max(axis=2)
    rows = len(spec["matrix"])
    # The boundaries between the cells, where seams would be.
    lines = [round(k * (bottom - top) / rows) - edge for k in range(1, rows)]
    assert all(int(off[line - 2 : line + 3].max()) <= TOLERANCE for line in lines)
    assert all(int(off[:, line - 2 : line + 3].max()) <= TOLERANCE for line in lines)
    worst = np.unravel_index(int(off.argmax()), off.shape)
    assert off.max() <= TOLERANCE, (
        f"{renderer} at {dpi} dpi: a pixel at {worst} differs from the cells' color "
        f"{tuple(color)} by {off.max()}: {tuple(inside[worst])}"
    )


SEED = {
    "data": "example_site/docs/results/probe_auc.csv",
    "title": r"Probe AUC by layer ($\alpha = 0.05$)",
    "xlabel": "Token",
    "ylabel": "Layer",
    "cmap": "Blues",
    "vmin": 0.5,
    "vmax": 1.0,
    "colorbar": {"label": "AUC"},
}


def _pdffonts(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "figure.pdf"
    path.write_bytes(pdf)
    lines = _run("pdffonts", path).stdout.decode().splitlines()[2:]
    assert lines, "no fonts in the PDF"
    return [line.split() for line in lines]


@pytest.mark.parametrize("style", ["default", "paper"])
def test_pdf_fonts_are_embedded_truetype(style: str, tmp_path: Path) -> None:
    pdf = render_spec(SEED, format="pdf", style=style, base_dir=ROOT)
    fonts = _pdffonts(pdf, tmp_path)
    # name, type ("CID TrueType"), encoding, emb, sub, uni, object, generation
    assert all(" ".join(row[1:3]) == "CID TrueType" for row in fonts), fonts
    assert all(row[-5] == "yes" for row in fonts), "a font is not embedded"
    assert b"/FontType 3" not in pdf and b"/Subtype /Type3" not in pdf


@pytest.mark.parametrize("style", ["default", "paper"])
def test_eps_fonts_are_type_42(style: str) -> None:
    eps = render_spec(SEED, format="eps", style=style, base_dir=ROOT)
    assert b"/FontType 42 def" in eps
    assert b"/FontType 3 def" not in eps


def test_the_paper_style_sets_text_and_math_in_stix(tmp_path: Path) -> None:
    fonts = _pdffonts(render_spec(SEED, format="pdf", style="paper", base_dir=ROOT), tmp_path)
    names = {row[0].partition("+")[2] for row in fonts}
    # Text and mathtext's alpha both in STIX, Times-like, for a Times document.
    assert names == {"STIXGeneral-Regular", "STIXGeneral-Italic"}, names


def test_an_eps_with_a_postscript_outlined_font_is_still_valid(tmp_path: Path) -> None:
    """PostScript's Type 42 holds TrueType outlines only: an EPS whose labels
    need a CFF-outlined font (Noto Sans CJK) embeds Type 3 and still opens."""
    from mkdocs_heatmap.fonts import postscript_outlined

    rc = {"font.family": ["DejaVu Sans", "Noto Sans CJK JP"]}
    if postscript_outlined(rc) != ["Noto Sans CJK JP"]:
        _unavailable("Noto Sans CJK is missing: install Debian's fonts-noto-cjk")
    block = {"matrix": [[1, 2], [3, 4]], "x_labels": ["日本語", "b"]}
    eps = tmp_path / "cjk.eps"
    eps.write_bytes(render_spec(block, format="eps"))
    assert b"/FontType 42 def" not in eps.read_bytes()
    rasterise(eps, "gs", 72)  # raises when Ghostscript cannot read it
    pdf = render_spec(block, format="pdf")
    assert not any("Type 3" in " ".join(row) for row in _pdffonts(pdf, tmp_path))


# Small enough to draw eight times in two processes; text, math and cells as
# the seed has them.
SMALL = (
    "matrix: [[0.52, 0.61, 0.9], [0.7, 0.55, 0.81]]\n"
    "x_labels: [last_q, first_answer, '-1']\n"
    "title: 'AUC $\\alpha$ by layer'\n"
    "colorbar: {label: AUC}\n"
)


def test_print_files_are_byte_identical_across_processes() -> None:
    code = (
        "import hashlib, sys\n"
        "from mkdocs_heatmap.api import render_spec\n"
        f"spec = {SMALL!r}\n"
        "for style in ('default', 'paper'):\n"
        "    for fmt in ('pdf', 'eps'):\n"
        f"        data = render_spec(spec, format=fmt, style=style, base_dir={str(ROOT)!r})\n"
        "        print(hashlib.sha256(data).hexdigest())\n"
    )
    there = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout.split()
    here = [
        hashlib.sha256(render_spec(SMALL, format=fmt, style=style, base_dir=ROOT)).hexdigest()
        for style in ("default", "paper")
        for fmt in ("pdf", "eps")
    ]
    assert there == here


def test_sealing_strokes_opaque_cells_in_their_own_color_only() -> None:
    fig = figure({"matrix": [[1, 2], [3, 4]], "mask": "upper"})
    (mesh,) = fig.axes[0].collections
    assert not np.asarray(mesh.get_linewidth()).any()  # the screen figure: no stroke
    seal_cells(fig)
    edges = np.asarray(mesh.get_edgecolor())
    faces = np.asarray(mesh.get_array()).reshape(-1, 4)
    assert np.asarray(mesh.get_linewidth()).max() > 0
    assert np.array_equal(edges[faces[:, 3] == 1], faces[faces[:, 3] == 1])
    assert not edges[faces[:, 3] < 1][:, 3].any()  # the masked cell: no stroke


def test_sealing_leaves_grid_lines_alone() -> None:
    fig = figure({"matrix": [[1, 2], [3, 4]], "gridlines": {"width": 2, "color": "red"}})
    (mesh,) = fig.axes[0].collections
    before = np.asarray(mesh.get_edgecolor()).copy()
    seal_cells(fig)
    assert np.array_equal(np.asarray(mesh.get_edgecolor()), before)
    assert np.asarray(mesh.get_linewidth()).max() == 2


def test_svg_and_png_cells_are_not_stroked() -> None:
    svg = render_spec({"matrix": [[1, 2], [3, 4]]}, format="svg")
    mesh = svg.split(b'id="QuadMesh_', 1)[1].split(b"</g>", 1)[0]
    assert b"stroke" not in mesh


@pytest.mark.parametrize(("preset", "inches"), [("column", 3.5), ("page", 7.0)])
def test_figsize_presets_fix_the_width_and_leave_the_height(
    tmp_path: Path, preset: str, inches: float
) -> None:
    """A journal's column and page width: the figure is exactly that wide;
    its height follows the content (a 3 x 3 map is short, the seed map tall)."""
    from mkdocs_heatmap.api import figure

    small = figure({"matrix": [[1, 2, 3], [4, 5, 6], [7, 8, 9]], "figsize": preset})
    rows = {"matrix": [[float(i + j) for j in range(15)] for i in range(32)], "figsize": preset}
    tall = figure(rows)
    for fig in (small, tall):
        assert fig.get_figwidth() == pytest.approx(inches, abs=0.01)
    assert small.get_figheight() < tall.get_figheight()
    pdf = render_spec({**rows, "figsize": preset}, format="pdf", base_dir=tmp_path)
    assert pdf.startswith(b"%PDF-")


def test_an_unknown_figsize_word_names_the_presets() -> None:
    from mkdocs_heatmap.errors import SpecError

    with pytest.raises(SpecError, match=r"or column \(3.5 in wide\) or page \(7 in wide\)"):
        render_spec({"matrix": [[1]], "figsize": "colum"})
