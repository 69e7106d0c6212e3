"""The Python API: blocks as YAML text or mappings, to image bytes or a Figure."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mkdocs_heatmap.api import figure, render_spec
from mkdocs_heatmap.errors import ConfigError, DataError, HeatmapError, RenderError, SpecError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
BLOCK = {
    "matrix": [[1, 2, 3], [4, 5, 6]],
    "x_labels": ["a", "b", "c"],
    "y_labels": ["r1", "r2"],
    "title": "API",
}
TEXT = "matrix: [[1, 2, 3], [4, 5, 6]]\nx_labels: [a, b, c]\ny_labels: [r1, r2]\ntitle: API\n"


def test_mapping_and_text_give_the_same_svg() -> None:
    from_mapping = render_spec(BLOCK)
    from_text = render_spec(TEXT)
    assert from_mapping.lstrip().startswith(b"<?xml")
    assert b"<svg" in from_mapping
    assert from_mapping == from_text


def test_png_from_format_argument_and_from_the_block() -> None:
    assert render_spec(BLOCK, format="png").startswith(PNG_MAGIC)
    assert render_spec({**BLOCK, "format": "png"}).startswith(PNG_MAGIC)
    # The argument wins over the block's own key.
    assert b"<svg" in render_spec({**BLOCK, "format": "png"}, format="svg")


def test_rendering_is_reproducible() -> None:
    assert render_spec(TEXT, format="png") == render_spec(TEXT, format="png")


def test_dark_theme_differs_from_light() -> None:
    assert render_spec(BLOCK, theme="dark") != render_spec(BLOCK, theme="light")


def test_figure_has_the_tick_labels() -> None:
    from matplotlib.figure import Figure

    fig = figure(TEXT)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["r1", "r2"]
    assert ax.get_title() == "API"


PANELS = {
    "title": "Two runs",
    "panels": [
        {"matrix": [[1, 2], [3, 4]], "title": "A"},
        {"matrix": [[5, 6], [7, 8]], "title": "B"},
    ],
}


def test_figure_of_a_panels_block_has_every_panel() -> None:
    """figure() draws through the same entry point as the site: every panel,
    one shared colorbar, the block's title over the grid (it used to draw one
    axes titled with the first panel's title)."""
    fig = figure(PANELS)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles.count("A") == titles.count("B") == 1
    assert fig.get_suptitle() == "Two runs"
    assert len(fig.axes) == 3  # two panels and the shared colorbar
    # The figure is the one render_spec() encodes.
    import io

    out = io.BytesIO()
    fig.savefig(out, format="png")
    assert out.getvalue().startswith(PNG_MAGIC)
    assert render_spec(PANELS, format="png").startswith(PNG_MAGIC)


def test_figure_can_be_saved_without_pyplot(tmp_path: Path) -> None:
    fig = figure(BLOCK, theme="dark")
    out = tmp_path / "fig.png"
    fig.savefig(out)
    assert out.read_bytes().startswith(PNG_MAGIC)


def test_numpy_arrays_and_tuples_are_accepted() -> None:
    values = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, 6.0]])
    spec = {**BLOCK, "matrix": values, "x_labels": ("a", "b", "c"), "vmin": np.float64(0)}
    fig = figure(spec)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["a", "b", "c"]
    assert b"<svg" in render_spec(spec)


def test_data_file_relative_to_base_dir(tmp_path: Path) -> None:
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "m.csv").write_text(",x,y\nr,1,2\ns,3,4\n", encoding="utf-8")
    fig = figure("data: results/m.csv", base_dir=tmp_path)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["x", "y"]
    assert b"<svg" in render_spec({"data": "results/m.csv"}, base_dir=str(tmp_path))


def test_style_from_a_file_and_a_mapping(tmp_path: Path) -> None:
    (tmp_path / "paper.mplstyle").write_text("font.size: 14\n", encoding="utf-8")
    plain = render_spec(BLOCK)
    assert render_spec(BLOCK, style="paper.mplstyle", base_dir=tmp_path) != plain
    assert render_spec(BLOCK, style={"font.size": 14}) != plain
    assert render_spec(BLOCK, style="paper") != plain


@pytest.mark.parametrize(
    ("spec", "kwargs", "error", "fragment", "line"),
    [
        ("matrix: [[1]]\ncmapp: Blues", {}, SpecError, "did you mean 'cmap'?", 1),
        ({"matrix": [[1]], "cmapp": "Blues"}, {}, SpecError, "did you mean 'cmap'?", None),
        ("matrix: [[1]]\nvmin: x", {}, SpecError, "'vmin': expected a number", 1),
        ("data: [1, 2\n", {}, SpecError, "invalid YAML", 1),
        ("data: nope.csv", {}, DataError, "nope.csv", 0),
        ({"data": "nope.csv"}, {}, DataError, "not found", None),
        ("matrix: [[1]]\ncmap: Bleus", {}, RenderError, "did you mean 'Blues'?", 1),
        ("matrix: [[1]]", {"style": "papr"}, ConfigError, "did you mean 'paper'?", None),
        ("matrix: [[1]]", {"style": {"font.sise": 3}}, ConfigError, "'font.sise'", None),
        ("matrix: [[1]]", {"format": "tiff"}, SpecError, "'format' must be one of", None),
        ("matrix: [[1]]", {"theme": "auto"}, SpecError, "'theme' must be one of", None),
    ],
)
def test_errors_are_heatmap_errors(
    tmp_path: Path,
    spec: str | dict[str, object],
    kwargs: dict[str, Any],
    error: type[HeatmapError],
    fragment: str,
    line: int | None,
) -> None:
    with pytest.raises(error) as info:
        render_spec(spec, base_dir=tmp_path, **kwargs)
    assert fragment in str(info.value)
    assert info.value.block_line == line
    if "format" not in kwargs:  # figure() has no format
        with pytest.raises(error, match=re.escape(fragment)):
            figure(spec, base_dir=tmp_path, **kwargs)


def test_data_outside_base_dir_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    with pytest.raises(DataError, match="outside the project"):
        render_spec({"data": "../outside.csv"}, base_dir=project)


def test_spec_of_the_wrong_type() -> None:
    with pytest.raises(TypeError, match="YAML text or a mapping"):
        render_spec(42)  # type: ignore[arg-type]


def test_import_does_not_load_matplotlib() -> None:
    code = "import sys, mkdocs_heatmap.api; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(("fmt", "magic"), [("pdf", b"%PDF-"), ("eps", b"%!PS-Adobe")])
def test_pdf_and_eps_for_papers_are_reproducible(fmt: str, magic: bytes) -> None:
    one = render_spec(TEXT, format=fmt)
    assert one.startswith(magic)
    assert b"CreationDate" not in one
    assert one == render_spec(TEXT, format=fmt)


def test_a_light_file_has_a_white_background_even_for_theme_auto() -> None:
    """A file of its own is dark ink on white (the site's auto variants are
    transparent to sit on either page color)."""
    from PIL import Image as PILImage

    png = render_spec({**BLOCK, "theme": "auto"}, format="png", theme="light")
    with PILImage.open(io.BytesIO(png)) as image:
        assert image.convert("RGBA").getpixel((0, 0)) == (255, 255, 255, 255)
