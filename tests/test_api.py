"""The Python API: blocks as YAML text or mappings, to image bytes or a Figure."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import figure_text
from mkdocs_heatmap.api import figure, prepare, render_spec, site_settings
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
    assert figure_text(fig, "title") == "API"


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
    titles = [t.get_text() for t in fig.texts if t.get_gid() == "heatmap-title"]
    assert titles == ["A", "B", "Two runs"]
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


def _ticks(fig: Any) -> tuple[list[str], list[str]]:
    ax = fig.axes[0]
    return (
        [t.get_text() for t in ax.get_xticklabels()],
        [t.get_text() for t in ax.get_yticklabels()],
    )


def test_dataframe_labels_come_from_its_index_and_columns() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame([[1, 2, 3], [4, np.nan, 6]], index=["r1", "r2"], columns=["a", "b", "c"])
    assert _ticks(figure({"matrix": frame})) == (["a", "b", "c"], ["r1", "r2"])
    # The same figure as the block with the labels written out.
    block = {**BLOCK, "matrix": [[1, 2, 3], [4, None, 6]], "x_labels": ["a", "b", "c"]}
    block["y_labels"] = ["r1", "r2"]
    assert render_spec({**block, "title": None}) == render_spec({"matrix": frame})


def test_dataframe_labels_select_and_transpose_like_a_data_file() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame([[1, 2, 3], [4, 5, 6]], index=["r1", "r2"], columns=["a", "b", "c"])
    spec = {"matrix": frame, "rows": ["r2"], "columns": ["c", "a"], "transpose": True}
    assert _ticks(figure(spec)) == (["r2"], ["c", "a"])
    # Explicit labels win over the frame's, counted after selection.
    assert _ticks(figure({**spec, "y_labels": ["C", "A"]})) == (["r2"], ["C", "A"])
    with pytest.raises(DataError, match="its rows are 'r1', 'r2'") as info:
        render_spec({"matrix": frame, "rows": ["r3"]})
    assert info.value.block_line is None


def test_dataframe_multiindex_numbers_and_dates_as_the_loaders_write_them() -> None:
    pd = pytest.importorskip("pandas")
    rows = pd.MultiIndex.from_tuples([("x", 1), ("x", 2.0)])
    columns = pd.Index([0.5, 1.0])
    assert _ticks(figure({"matrix": pd.DataFrame([[1, 2], [3, 4]], rows, columns)})) == (
        ["0.5", "1"],
        ["x / 1", "x / 2"],
    )
    days = pd.to_datetime(["2024-01-01", "2024-01-02"])
    dates = pd.DataFrame([[1, 2]], index=["r"], columns=days)
    nullable = pd.DataFrame({"a": pd.array([1, None], dtype="Int64")}, index=["r", "s"])
    values = prepare({"matrix": nullable}, site_settings()).plot.panels[0].matrix.values
    assert values[0, 0] == 1.0 and np.isnan(values[1, 0])
    assert _ticks(figure({"matrix": dates}))[0] == ["2024-01-01", "2024-01-02"]


def test_dataframe_as_a_mask() -> None:
    pd = pytest.importorskip("pandas")
    hide = pd.DataFrame([[True, False], [False, True]])
    prepared = prepare({"matrix": [[1, 2], [3, 4]], "mask": hide}, site_settings())
    assert prepared.spec.mask == ((True, False), (False, True))


def test_dataframe_in_panels_and_subtract_matches_by_label() -> None:
    pd = pytest.importorskip("pandas")
    a = pd.DataFrame([[5, 7], [1, 2]], index=["r1", "r2"], columns=["x", "y"])
    b = pd.DataFrame([[1, 1], [4, 3]], index=["r2", "r1"], columns=["y", "x"])
    prepared = prepare({"matrix": a, "subtract": b}, site_settings())
    assert prepared.plot.panels[0].matrix.values.tolist() == [[2.0, 3.0], [0.0, 1.0]]
    mapping = prepare({"matrix": a, "subtract": {"matrix": b}}, site_settings())
    assert mapping.plot.panels[0].matrix.values.tolist() == [[2.0, 3.0], [0.0, 1.0]]
    panels = prepare({"panels": [{"matrix": a}, {"matrix": b}]}, site_settings()).plot.panels
    assert [p.matrix.y_labels for p in panels] == [("r1", "r2"), ("r2", "r1")]


@pytest.mark.parametrize(
    ("columns", "fragment"),
    [
        ({"a": [1.0], "b": ["text"]}, "the DataFrame's column 'b' holds str values, not numbers"),
        ({"a": [True], "b": [1]}, "column 'a' holds true/false values, not numbers"),
    ],
)
def test_dataframe_that_is_not_numbers(columns: dict[str, list[object]], fragment: str) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(columns)
    # pandas names its text dtype "object" or "str" by version.
    fragment = fragment.replace("holds str", f"holds {frame.dtypes['b']}")
    with pytest.raises(SpecError) as info:
        render_spec({"matrix": frame})
    assert fragment in info.value.message
    assert (info.value.key, info.value.block_line) == ("matrix", None)
    assert "\n" not in info.value.message


def test_pandas_is_imported_only_for_a_dataframe() -> None:
    code = (
        "import sys\n"
        "from mkdocs_heatmap.api import prepare, site_settings\n"
        "import numpy as np\n"
        "prepare({'matrix': np.eye(2), 'rows': ('0',)}, site_settings())\n"
        "print('pandas' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_nested_tuples_and_arrays_in_a_mapping() -> None:
    spec = {"matrix": ((1, 2), np.array([3.0, np.nan])), "x_labels": np.array(["a", "b"])}
    assert _ticks(figure(spec)) == (["a", "b"], ["0", "1"])


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
        ({"matrix": [[1]], "ylabel": True}, {}, SpecError, "expected text, got true", None),
        ({"matrix": [[1]], "normalize": "row"}, {}, SpecError, "did you mean 'rows'?", None),
        ({"matrix": [[1]], "trim_mask": True}, {}, SpecError, "'trim_mask' drops", None),
        ({"matrix": [[-1]], "normalize": "all"}, {}, DataError, "must be >= 0", None),
        ("matrix: [[1]]\nnormalize: all\nnorm: sqrt\nvmin: -1", {}, RenderError, "sqrt", 2),
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


def test_an_array_goes_into_the_core_as_it_is() -> None:
    """An ndarray or DataFrame is not written out as YAML text and read
    again: the same figure as the written block, byte for byte."""
    values = np.arange(12, dtype=np.int64).reshape(3, 4) * 1.5
    values[1, 2] = np.nan
    written = "matrix: " + str(values.tolist()).replace("nan", "null") + "\ncmap: Blues\n"
    assert render_spec({"matrix": values, "cmap": "Blues"}) == render_spec(written)
    frame = pd.DataFrame(values, index=["a", "b", "c"], columns=["w", "x", "y", "z"])
    labelled = {"values": values.tolist(), "x_labels": list("wxyz"), "y_labels": list("abc")}
    labelled_text = yaml.safe_dump({"matrix": labelled}).replace(".nan", "null")
    assert render_spec({"matrix": frame}) == render_spec(labelled_text)


class _Untouchable(np.ndarray):
    def tolist(self) -> list[object]:
        raise AssertionError("the cells were read")

    def astype(self, *args: object, **kwargs: object) -> np.ndarray:
        raise AssertionError("the cells were read")


def test_an_array_over_the_cell_limit_is_refused_before_its_cells_are_read() -> None:
    huge = np.broadcast_to(np.float64(1.0), (5_000, 1_000)).view(_Untouchable)
    with pytest.raises(DataError) as info:
        render_spec({"matrix": huge})
    assert info.value.message == (
        "the inline matrix has 5,000 x 1,000 = 5,000,000 cells, over the limit of 4,000,000"
    )
    panels = {"panels": [{"matrix": huge[:3_000]}, {"matrix": huge[:1_500]}]}
    with pytest.raises(DataError, match="cells, over the limit"):
        render_spec(panels)
