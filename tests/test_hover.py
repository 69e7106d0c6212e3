"""Values on hover: the data a figure carries, checked against its own pixels."""

from __future__ import annotations

import html as htmllib
import io
import json
import logging
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from matplotlib import colormaps
from PIL import Image as PILImage

from conftest import Site, cell_center, site_settings
from mkdocs_heatmap import hover
from mkdocs_heatmap.emit import FigureDoc
from mkdocs_heatmap.errors import SpecError
from mkdocs_heatmap.pipeline import finish_block, prepare_block

# Twelve distinct values, so each cell's color names its value.
VALUES = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
LABELS = "x_labels: [a, b, c, d]\ny_labels: [r0, r1, r2]\n"


def prepared_png(tmp_path: Path, body: str) -> tuple[Any, Any, list[Any]]:
    prepared = prepare_block(body, site_settings(tmp_path))
    images = prepared.job.run()
    return (
        prepared,
        images,
        json.loads(finish_block(prepared, images, site_settings(tmp_path)).doc.hover),
    )


def pixel_value(png: bytes, fx: float, fy: float, vmin: float, vmax: float) -> float:
    """The value whose viridis color is at (fx, fy) of the image."""
    with PILImage.open(io.BytesIO(png)) as image:
        rgb = np.array(image.convert("RGB"), dtype=float)
    h, w, _ = rgb.shape
    color = rgb[int(fy * h), int(fx * w)] / 255
    table = colormaps["viridis"](np.linspace(0, 1, 256))[:, :3]
    nearest = int(np.argmin(((table - color) ** 2).sum(axis=1)))
    return vmin + (vmax - vmin) * nearest / 255


@pytest.mark.parametrize(
    "extra",
    [
        "",
        "origin: lower\n",
        "transpose: true\n",
        "cluster: both\n",
        "figsize: [5, 2]\ntitle: A long title over the map\nxlabel: Token\nylabel: Layer\n",
        "colorbar: {orientation: horizontal}\n",
        "dpi: 150\n",
    ],
)
def test_each_cell_center_shows_the_value_the_data_names(tmp_path: Path, extra: str) -> None:
    labels = LABELS
    if "transpose" in extra:  # labels name the matrix as drawn
        labels = "x_labels: [r0, r1, r2]\ny_labels: [a, b, c, d]\n"
    body = f"matrix: {VALUES}\n{labels}format: png\nannotate: false\nhover: true\n{extra}"
    if "cluster" in extra:
        pytest.importorskip("scipy")
    _, images, data = prepared_png(tmp_path, body)
    (panel,) = data["p"]
    for i in range(len(panel["y"])):
        for j in range(len(panel["x"])):
            fx, fy = cell_center(panel, i, j)
            seen = pixel_value(images[0].content, fx, fy, 0, 11)
            assert abs(seen - float(panel["v"][i * len(panel["x"]) + j])) < 0.3, (i, j)


def test_labels_follow_origin_and_clustering(tmp_path: Path) -> None:
    _, _, data = prepared_png(tmp_path, f"matrix: {VALUES}\n{LABELS}format: png\nhover: true\n")
    assert data["p"][0]["y"] == ["r0", "r1", "r2"]
    _, _, data = prepared_png(
        tmp_path, f"matrix: {VALUES}\n{LABELS}format: png\nhover: true\norigin: lower\n"
    )
    assert data["p"][0]["y"] == ["r2", "r1", "r0"]
    assert data["p"][0]["v"][:4] == ["8", "9", "10", "11"]


def test_panels_each_carry_their_box_and_values(tmp_path: Path) -> None:
    body = (
        "hover: true\nformat: png\nannotate: false\nxlabel: Token\n"
        f"panels:\n  - matrix: {VALUES}\n    title: A\n"
        "  - matrix: [[11, 10, 9, 8], [7, 6, 5, 4], [3, 2, 1, 0]]\n    title: B\n"
    )
    _, images, data = prepared_png(tmp_path, body)
    first, second = data["p"]
    assert (first["t"], second["t"]) == ("A", "B")
    assert first["b"][2] <= second["b"][0]  # A left of B
    for panel in data["p"]:
        for i, j in ((0, 0), (2, 3), (1, 2)):
            fx, fy = cell_center(panel, i, j)
            seen = pixel_value(images[0].content, fx, fy, 0, 11)
            assert abs(seen - float(panel["v"][i * 4 + j])) < 0.3


def test_values_read_as_the_cell_text_and_hidden_or_missing_cells_say_so(tmp_path: Path) -> None:
    body = (
        "matrix: [[0.123, null], [0.5, 1]]\nfmt: .1%\nhover: true\n"
        "mask: [[false, false], [false, true]]\n"
    )
    _, _, data = prepared_png(tmp_path, body)
    assert data["p"][0]["v"] == ["12.3%", None, "50.0%", hover.HIDDEN]


def test_axis_titles_and_labels_escape_safely(tmp_path: Path) -> None:
    body = (
        'matrix: [[1, 2]]\nhover: true\nxlabel: "it\'s <b>"\nylabel: Layer\n'
        'x_labels: ["a\'b", \'"q"\']\n'
    )
    prepared = prepare_block(body, site_settings(tmp_path))
    doc = finish_block(prepared, prepared.job.run(), site_settings(tmp_path)).doc
    from mkdocs_heatmap.emit import figure_html

    page = figure_html(doc, lambda path: path)
    (raw,) = re.findall(r"data-heatmap='([^']*)'", page)
    data = json.loads(htmllib.unescape(raw))
    assert data["p"][0]["x"] == ["a'b", '"q"']
    assert data["p"][0]["xt"] == "it's <b>" and data["p"][0]["yt"] == "Layer"
    assert "<b>" not in page


def test_without_fmt_a_value_reads_with_the_data_precision(tmp_path: Path) -> None:
    body = "matrix: [[0.123, 0.5], [12345.678, 0.1234567]]\nhover: true\n"
    _, _, data = prepared_png(tmp_path, body)
    assert data["p"][0]["v"] == ["0.123", "0.5", "12,346", "0.1235"]
    _, _, data = prepared_png(tmp_path, body + "fmt: .2f\n")
    assert data["p"][0]["v"] == ["0.12", "0.50", "12345.68", "0.12"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.123, "0.123"),
        (0.5, "0.5"),
        (12345.678, "12,346"),
        (1 / 3, "0.3333"),
        (0.1 + 0.2, "0.3"),
        (-0.25, "-0.25"),
        (99.996, "100"),
        (999.96, "1,000"),
        (7.0, "7"),
        (0.0001234, "0.0001234"),
        (0.00001234, "1.234e-05"),
        (2.5e15, "2.5e+15"),
        (0.0, "0"),
        (np.float32(0.1).item(), "0.1"),
    ],
)
def test_the_readout_keeps_up_to_4_significant_digits(value: float, text: str) -> None:
    assert hover.readout(value) == text


def test_masked_cells_carry_nothing_and_drawn_missing_cells_read_missing(tmp_path: Path) -> None:
    body = "matrix: [[1, 2, 3], [4, null, 6], [7, 8, 9]]\nmask: upper\nhover: true\n"
    _, _, data = prepared_png(tmp_path, body)
    assert data["p"][0]["v"] == ["", "", "", "4", "", "", "7", "8", ""]
    _, _, data = prepared_png(tmp_path, body.replace("upper", "lower"))
    assert data["p"][0]["v"] == ["", "2", "3", "", "", "6", "", "", ""]
    _, _, data = prepared_png(tmp_path, body.replace("mask: upper\n", ""))
    assert data["p"][0]["v"][4] is None


def _big(tmp_path: Path, shape: tuple[int, int] = (300, 200)) -> npt.NDArray[np.float64]:
    """A map of 3-decimal values, too large to read cell by cell."""
    values = np.round(np.random.default_rng(0).random(shape), 3)
    values[0, 0] = np.nan
    np.save(tmp_path / "big.npy", values)
    return values


def _blocks_match(data: dict[str, Any], values: npt.NDArray[np.float64]) -> None:
    """Each block's readout is the mean, min and max of its cells as drawn."""
    rows, cols = data["k"]
    across = -(-values.shape[1] // cols)
    for bi, bj in ((0, 0), (1, 2), (-1, -1)):
        bi, bj = bi % -(-values.shape[0] // rows), bj % across
        cells = values[bi * rows : (bi + 1) * rows, bj * cols : (bj + 1) * cols]
        finite = cells[np.isfinite(cells)]
        expected = [hover.readout(float(f(finite))) for f in (np.mean, np.min, np.max)]
        expected += [finite.size] + ([cells.size - finite.size] if finite.size < cells.size else [])
        assert data["v"][bi * across + bj] == expected, (bi, bj)


@pytest.mark.parametrize("where", ["site", "page"])
def test_a_default_over_the_limit_reads_in_blocks_with_a_line_of_information(
    tmp_path: Path, where: str
) -> None:
    values = _big(tmp_path)
    settings = site_settings(tmp_path)
    if where == "site":
        settings = replace(settings, defaults={"hover": True})
    page = {"hover": True} if where == "page" else None
    prepared = prepare_block("data: big.npy\norigin: lower\n", settings, page)
    (found,) = [n for n in prepared.notes if n.key == "hover"]
    assert (found.level, found.key, found.block_line) == ("info", "hover", None)
    assert re.match(
        r"hover \(a site or page default\) reads this figure in blocks of 6 × 6 cells, each "
        r"with its mean, min and max: a value per cell for its 60,000 cells would add about "
        r"\d+ kB to the page, over the limit of 256 kB",
        found.message,
    ), found.message
    doc = finish_block(prepared, prepared.job.run(), settings).doc
    assert doc.hover is not None and len(doc.hover.encode()) <= hover.MAX_BYTES
    (panel,) = json.loads(doc.hover)["p"]
    assert len(json.dumps(panel["v"])) <= hover.BLOCK_BYTES
    assert panel["k"] == [6, 6] and len(panel["v"]) == 50 * 34
    assert panel["y"][0] == "299" and len(panel["x"]) == 200  # every label, as drawn
    _blocks_match(panel, values[::-1])
    assert panel["v"][-34][3:] == [35, 1]  # the bottom left block: its missing cell


def test_blocks_leave_out_what_the_mask_hides(tmp_path: Path) -> None:
    values = _big(tmp_path)
    settings = replace(site_settings(tmp_path), defaults={"hover": True})
    prepared = prepare_block("data: big.npy\nmask: lower\n", settings)
    assert prepared.hover is not None
    (panel,) = prepared.hover
    assert panel.block == (6, 6)
    assert panel.values[34] == hover.HIDDEN  # below the diagonal: nothing drawn
    diagonal = values[:6, :6][~np.tril(np.ones((6, 6), dtype=bool))]
    assert panel.values[0] == (
        hover.readout(float(diagonal.mean())),
        hover.readout(float(diagonal.min())),
        hover.readout(float(diagonal.max())),
        15,
    )


def test_a_default_leaves_hover_off_when_even_the_labels_are_too_heavy(tmp_path: Path) -> None:
    labels = [f"{n:0>200}" for n in range(700)]
    np.save(tmp_path / "big.npy", np.ones((700, 700)))
    body = f"data: big.npy\nx_labels: {labels}\ny_labels: {labels}\n"
    prepared = prepare_block(body, replace(site_settings(tmp_path), defaults={"hover": True}))
    assert prepared.hover is None
    (found,) = [n for n in prepared.notes if n.key == "hover"]
    assert found.level == "info"
    assert re.match(
        r"hover \(a site or page default\) is left off for this figure: even read in blocks "
        r"of cells, its 1,400 row and column labels would add 2\d\d kB to the page, over the "
        r"limit of 256 kB$",
        found.message,
    ), found.message


def test_a_small_map_reads_cell_by_cell_as_a_default_too(tmp_path: Path) -> None:
    settings = replace(site_settings(tmp_path), defaults={"hover": True})
    prepared = prepare_block(f"matrix: {VALUES}\n", settings)
    assert prepared.hover is not None and prepared.hover[0].block == (1, 1)
    assert not [n for n in prepared.notes if n.key == "hover"]


def test_too_much_hover_data_is_an_error_at_the_key(tmp_path: Path) -> None:
    body = "data: big.npy\nhover: true\n"
    np.save(tmp_path / "big.npy", np.random.default_rng(0).random((300, 300)))
    with pytest.raises(
        SpecError, match=r"'hover': the values of 90,000 cells would add \d+ kB"
    ) as info:
        prepare_block(body, site_settings(tmp_path))
    assert info.value.block_line == 1
    # Said in the block, over a site default: still the block's own error.
    settings = replace(site_settings(tmp_path), defaults={"hover": True})
    with pytest.raises(SpecError, match="would add"):
        prepare_block(body, settings)


def test_hover_changes_no_image_bytes(tmp_path: Path) -> None:
    plain = prepare_block(f"matrix: {VALUES}\n", site_settings(tmp_path))
    hovering = prepare_block(f"matrix: {VALUES}\nhover: true\n", site_settings(tmp_path))
    assert plain.key == hovering.key


def test_a_memo_with_hover_data_round_trips_and_bad_data_is_refused(tmp_path: Path) -> None:
    prepared = prepare_block(f"matrix: {VALUES}\nhover: true\n", site_settings(tmp_path))
    doc = finish_block(prepared, prepared.job.run(), site_settings(tmp_path)).doc
    assert FigureDoc.from_data(doc.to_data()) == doc
    with pytest.raises(ValueError, match="hover"):
        FigureDoc.from_data({**doc.to_data(), "hover": "[1, 2]"})


def test_built_page_has_a_focusable_area_and_the_script(site: Site, build: Any) -> None:
    site.page("index.md", f"```heatmap\nmatrix: {VALUES}\n{LABELS}hover: true\n```\n")
    assert build(site, strict=True).ok
    page = site.html()
    assert re.search(r'<div class="heatmap-hover" tabindex="0" role="group"', page)
    assert 'aria-live="polite"' in page
    assert '<script src="assets/javascripts/heatmap.js"></script>' in page
    script = (site.out / "assets/javascripts/heatmap.js").read_text()
    assert 'getAttribute("data-heatmap")' in script and ".heatmap-readout" in script


def test_the_asset_is_small() -> None:
    import gzip

    from mkdocs_heatmap import hover as module

    script = (Path(module.__file__).parent / "assets" / "heatmap.js").read_bytes()
    assert len(gzip.compress(script, 9)) < 4_000


# --------------------------------------------------------------------------
# Hover as a default over a large map, under every host.

BIG_PAGE = "# Big\n\n```heatmap\ndata: big.npy\ntitle: Expression\n```\n"
BLOCKS_NOTE = "hover (a site or page default) reads this figure in blocks of 6 × 6 cells"


def _hover_data(page: str) -> dict[str, Any]:
    (raw,) = re.findall(r"data-heatmap='([^']*)'", page)
    assert len(raw.encode()) <= hover.MAX_BYTES
    data: dict[str, Any] = json.loads(htmllib.unescape(raw))
    return data


def test_mkdocs_strict_build_reads_a_large_map_in_blocks(site: Site, build: Any) -> None:
    site.page("index.md", BIG_PAGE)
    values = _big(site.docs)
    site.page("front.md", "---\nheatmap: {hover: true}\n---\n" + BIG_PAGE)
    site.config["plugins"] = [{"heatmap": {"defaults": {"hover": True}}}]
    result = build(site, strict=True)
    assert result.ok, result.error
    info = [r.getMessage() for r in result.records if r.levelno == logging.INFO]
    for page, fence in (("index.md", 3), ("front.md", 6)):
        assert [m for m in info if m.startswith(f"{page}:{fence}: heatmap: {BLOCKS_NOTE}")]
        (panel,) = _hover_data(site.html(page))["p"]
        assert panel["k"] == [6, 6]
        _blocks_match(panel, values)
    assert not result.heatmap_warnings()


def test_the_markdown_extension_reads_a_large_map_in_blocks(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import markdown

    values = _big(tmp_path)
    with caplog.at_level(logging.INFO, logger="mkdocs_heatmap"):
        page = markdown.markdown(
            BIG_PAGE,
            extensions=["mkdocs_heatmap.extension"],
            extension_configs={
                "mkdocs_heatmap.extension": {"base_dir": str(tmp_path), "defaults": {"hover": True}}
            },
        )
    assert [r.levelno for r in caplog.records if BLOCKS_NOTE in r.getMessage()] == [logging.INFO]
    (panel,) = _hover_data(page)["p"]
    _blocks_match(panel, values)


def test_sphinx_reads_a_large_map_in_blocks_without_failing_w(tmp_path: Path) -> None:
    pytest.importorskip("sphinx")
    from conftest import put

    values = _big(put(tmp_path, "docs/conf.py", CONF).parent)
    put(tmp_path, "pyproject.toml", "")
    put(tmp_path, "docs/index.rst", "Big\n===\n\n.. heatmap::\n\n   data: big.npy\n")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-N", "-W", "-b", "html", "docs", "out"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert BLOCKS_NOTE in result.stdout + result.stderr
    (panel,) = _hover_data((tmp_path / "out" / "index.html").read_text())["p"]
    _blocks_match(panel, values)


CONF = """\
project = "Big"
extensions = ["mkdocs_heatmap.sphinx"]
heatmap_defaults = {"hover": True}
"""


# -- what the page really carries: labels and escaping count


def _page_bytes(doc: FigureDoc) -> int:
    from mkdocs_heatmap.emit import figure_html

    (raw,) = re.findall(r"data-heatmap='([^']*)'", figure_html(doc, lambda path: path))
    return len(raw.encode("utf-8"))


@pytest.mark.parametrize("label", ["x" * 150, "&<'\"\\é" * 25, "\u05e9" * 150])
def test_the_measured_size_is_what_the_page_carries(tmp_path: Path, label: str) -> None:
    body = (
        "matrix: [[1, 0.5, null], [3, 4, 5]]\nhover: true\nmask: [[false, false, false], "
        f"[false, false, true]]\nx_labels: {json.dumps([label + 'a', 'b', 'c'])}\n"
        f"y_labels: {json.dumps([label, 'r'])}\nxlabel: {json.dumps(label)}\nfmt: '&<5.1f'\n"
    )
    prepared = prepare_block(body, site_settings(tmp_path))
    assert prepared.hover is not None
    measured = hover._bare_size(prepared.hover) + sum(
        hover._values_size(p.values) for p in prepared.hover
    )
    widest = (hover._WIDEST_BOX,) * len(prepared.hover)
    exact = len(hover.attribute(hover.hover_json(prepared.hover, widest)).encode("utf-8"))
    assert measured == exact
    doc = finish_block(prepared, prepared.job.run(), site_settings(tmp_path)).doc
    assert _page_bytes(doc) <= measured  # real boxes are written shorter


def _long_labels(tmp_path: Path, count: int, char: str = "x") -> None:
    labels = [f"{n:05}" + char * 95 for n in range(count)]
    row = ",".join(str(n % 7) for n in range(count))
    (tmp_path / "l.csv").write_text(f",{','.join(labels)}\na,{row}\nb,{row}\n")


def test_long_labels_over_the_limit_are_an_error_at_the_key(tmp_path: Path) -> None:
    _long_labels(tmp_path, 3000)
    with pytest.raises(SpecError) as info:
        prepare_block("data: l.csv\nhover: true\n", site_settings(tmp_path))
    assert str(info.value) == (
        "'hover': the row and column labels and titles would add 310 kB to the page, the "
        "values of its 6,000 cells about 24 kB: about 334 kB in all, over the limit of 256 "
        "kB; shorten "
        "the labels (x_labels, y_labels), select rows or columns, or leave hover off for "
        "this figure"
    )
    assert info.value.block_line == 1


def test_escaping_counts_toward_the_limit(tmp_path: Path) -> None:
    # 100 kB of labels as text, 484 kB in the page: every '&' is written '&amp;'.
    _long_labels(tmp_path, 1000, "&")
    with pytest.raises(SpecError, match="labels and titles would add 484 kB"):
        prepare_block("data: l.csv\nhover: true\n", site_settings(tmp_path))
    _long_labels(tmp_path, 1000)
    prepared = prepare_block("data: l.csv\nhover: true\n", site_settings(tmp_path))
    doc = finish_block(prepared, prepared.job.run(), site_settings(tmp_path)).doc
    assert 100_000 < _page_bytes(doc) <= hover.MAX_BYTES


def test_a_default_leaves_hover_off_when_the_labels_alone_are_too_heavy(tmp_path: Path) -> None:
    _long_labels(tmp_path, 3000)
    settings = replace(site_settings(tmp_path), defaults={"hover": True})
    prepared = prepare_block("data: l.csv\n", settings)
    assert prepared.hover is None
    (found,) = [n for n in prepared.notes if n.key == "hover"]
    assert found.level == "info" and found.message == (
        "hover (a site or page default) is left off for this figure: even read in blocks of "
        "cells, its 3,002 row and column labels would add 310 kB to the page, over the limit "
        "of 256 kB"
    )


def test_blocks_fit_what_the_labels_leave(tmp_path: Path) -> None:
    # 220 kB of labels: the values must fit the 36 kB left, not BLOCK_BYTES.
    labels = [f"{n:05}" + "y" * 95 for n in range(2150)]
    np.save(tmp_path / "big.npy", np.random.default_rng(0).random((100, 2150)))
    settings = replace(site_settings(tmp_path), defaults={"hover": True})
    prepared = prepare_block(f"data: big.npy\nx_labels: {labels}\n", settings)
    assert prepared.hover is not None and prepared.hover[0].block != (1, 1)
    doc = finish_block(prepared, prepared.job.run(), settings).doc
    assert _page_bytes(doc) <= hover.MAX_BYTES


# -- bidirectional text: no label reorders the readout around it

RLO, LRI, PDI, FSI = "\u202e", "\u2066", "\u2069", "\u2068"


@pytest.mark.parametrize(
    ("label", "carried"),
    [
        ("plain", "plain"),
        ("caf\u00e9", "caf\u00e9"),  # left to right: carried as it is
        (f"evil{RLO}gnp.exe", "evilgnp.exe"),  # an override: removed
        (f"a\u202ab\u202c{LRI}c{PDI}", "abc"),  # embeddings, isolates: removed
        ("\u05e9\u05dc\u05d5\u05dd", f"{FSI}\u05e9\u05dc\u05d5\u05dd{PDI}"),  # Hebrew
        (f"\u0627{PDI}{RLO}x", f"{FSI}\u0627x{PDI}"),  # a stray PDI cannot end the isolate
        ("mark\u200f", f"{FSI}mark\u200f{PDI}"),  # a direction mark stays inside
    ],
)
def test_labels_are_isolated_in_the_hover_data(label: str, carried: str) -> None:
    assert hover.isolated(label) == carried


def test_the_hover_json_isolates_labels_and_titles(tmp_path: Path) -> None:
    rows, columns = json.dumps(["r" + RLO + "x", "r2"]), json.dumps(["\u05d0", "b"])
    body = (
        f"matrix: [[1, 2], [3, 4]]\nhover: true\ny_labels: {rows}\nx_labels: {columns}\n"
        f"xlabel: {json.dumps('T' + RLO)}\n"
    )
    prepared = prepare_block(body, site_settings(tmp_path))
    data = json.loads(finish_block(prepared, prepared.job.run(), site_settings(tmp_path)).doc.hover)
    (panel,) = data["p"]
    assert panel["y"] == ["rx", "r2"]
    assert panel["x"] == [f"{FSI}\u05d0{PDI}", "b"]
    assert panel["xt"] == "T"
    text = json.dumps(data, ensure_ascii=False)
    assert not any(c in text for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067")
