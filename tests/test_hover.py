"""Values on hover: the data a figure carries, checked against its own pixels."""

from __future__ import annotations

import html as htmllib
import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
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


def test_too_much_hover_data_is_an_error_at_the_key(tmp_path: Path) -> None:
    body = "data: big.npy\nhover: true\n"
    np.save(tmp_path / "big.npy", np.random.default_rng(0).random((300, 300)))
    with pytest.raises(
        SpecError, match=r"'hover': the values of 90,000 cells would add \d+ kB"
    ) as info:
        prepare_block(body, site_settings(tmp_path))
    assert info.value.block_line == 1


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
