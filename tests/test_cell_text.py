"""Annotated statistics (issue 23): ``cell_text``, the texts written in the
cells from a second source ("0.82 ± 0.03", significance stars, counts over
a rate map), while the colors come from the data.  The data step, the key,
the drawn pixels and texts, the layout, the page (alt text, table, hover,
downloads) and real MkDocs and Sphinx builds, with files written by pandas."""

from __future__ import annotations

import html as htmllib
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

from conftest import Site, check, drawn, figures, site_settings, svg_texts
from mkdocs_heatmap.api import render_spec
from mkdocs_heatmap.data.texts import Grid, follow, match_texts, written
from mkdocs_heatmap.errors import DataError, SpecError
from mkdocs_heatmap.keys import CellText, Invalid, TextTable
from mkdocs_heatmap.model import LabelledMatrix
from mkdocs_heatmap.pipeline import prepare_block
from mkdocs_heatmap.spec import parse_block

MODELS = ["BERT", "RoBERTa", "DeBERTa", "T5"]
TASKS = ["SST-2", "MNLI", "QNLI", "RTE", "CoLA"]


def scores() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A results table as a paper has it: mean accuracy over seeds, and its
    "mean ± sd" texts, both from pandas."""
    rng = np.random.default_rng(23)
    index = pd.Index(MODELS, name="model")
    mean = pd.DataFrame(rng.uniform(0.6, 0.95, (4, 5)), index=index, columns=TASKS)
    sd = pd.DataFrame(rng.uniform(0.005, 0.04, (4, 5)), index=index, columns=TASKS)
    text = mean.map(lambda v: f"{v:.2f}") + " ± " + sd.map(lambda v: f"{v:.2f}")
    return mean, text


def matrix_of(frame: pd.DataFrame) -> LabelledMatrix:
    return LabelledMatrix(
        frame.to_numpy(dtype=np.float64),
        tuple(map(str, frame.columns)),
        tuple(map(str, frame.index)),
    )


def grid_of(text: str, header: bool | None = None, index: bool | None = None) -> Grid:
    """A CSV of texts as ``read_texts`` gives it (cells typed, nothing told apart)."""
    rows = [row.split(",") for row in text.strip().splitlines()]

    def cell(raw: str) -> str | float | None:
        raw = raw.strip()
        if not raw:
            return None
        try:
            return float(raw)
        except ValueError:
            return raw

    return Grid(
        [[cell(c) for c in row] for row in rows], list(range(1, len(rows) + 1)), header, index
    )


# --------------------------------------------------------------------------
# The key


def test_the_key_takes_paths_sources_and_inline_texts() -> None:
    option = CellText(lambda: ("data", "header", "index"))
    assert option.validate("stats/texts.csv") == "stats/texts.csv"
    assert option.validate({"data": "t.csv", "index": False}) == {"data": "t.csv", "index": False}
    table = option.validate([["a", 1], [None, "n.d."], ["", "NaN"]])
    assert table == TextTable((("a", 1.0), (None, "n.d."), (None, None)))
    labelled = option.validate({"values": [["*"]], "x_labels": ["c"], "y_labels": ["r"]})
    assert labelled == TextTable((("*",),), ("c",), ("r",))


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ([["a"], ["b", "c"]], "row 2 has 2 texts, row 1 has 1"),
        ([[True]], "row 1, column 1 is true, which YAML read from an unquoted word"),
        ([[{"a": 1}]], "row 1, column 1 is a mapping"),
        ([["x" * 101]], "is 101 characters long"),
        ([["a\x07"]], "holds the control character U+0007"),
        ({"dta": "t.csv"}, "unknown key 'dta' (did you mean 'data'?)"),
        ({"header": False}, "needs 'data' (a file)"),
        ({"values": [["a"]], "x_labels": ["a", "b"]}, "x_labels has 2 labels but the texts have 1"),
        ("stars", "expected a data file path"),
        ([], "expected a non-empty list of rows"),
    ],
)
def test_the_key_refuses(value: Any, fragment: str) -> None:
    with pytest.raises(Invalid, match=re.escape(fragment)):
        CellText(lambda: ("data", "header", "index")).validate(value)


def test_the_key_comes_last_and_is_keyed_as_the_texts(tmp_path: Path) -> None:
    """Figures without ``cell_text`` keep their keys; with it, the key holds
    the texts themselves, so the same texts from a file or inline key alike
    and an edited text file is a new figure."""
    from dataclasses import fields

    from mkdocs_heatmap.model import HeatmapSpec

    names = [f.name for f in fields(HeatmapSpec)]
    assert names.index("cell_text") > names.index("panel_labels")
    settings_ = site_settings(tmp_path)
    plain = prepare_block("matrix: [[1, 2]]", settings_)
    (tmp_path / "t.csv").write_text("a,b\n")
    inline = prepare_block('matrix: [[1, 2]]\ncell_text: [["a", "b"]]', settings_)
    from_file = prepare_block(
        "matrix: [[1, 2]]\ncell_text: {data: t.csv, header: false}", settings_
    )
    assert inline.key == from_file.key != plain.key
    (tmp_path / "t.csv").write_text("a,c\n")
    edited = prepare_block("matrix: [[1, 2]]\ncell_text: {data: t.csv, header: false}", settings_)
    assert edited.key != from_file.key


def test_facets_are_refused_with_their_key() -> None:
    with pytest.raises(SpecError) as caught:
        parse_block("data: m.csv\nfacet: task\npivot: {x: a, y: b, value: c}\ncell_text: t.csv")
    assert caught.value.key == "cell_text"
    assert "give each panel its texts under 'panels'" in caught.value.message


# --------------------------------------------------------------------------
# Matching texts to the matrix


def test_pandas_csv_is_matched_by_its_labels_in_any_order() -> None:
    mean, text = scores()
    shuffled = text.iloc[[2, 0, 3, 1], [4, 1, 0, 3, 2]]
    grid = grid_of(shuffled.to_csv())
    assert match_texts(grid, matrix_of(mean), "t.csv") == tuple(map(tuple, text.to_numpy()))


@pytest.mark.parametrize(
    ("csv", "header", "index"),
    [
        ("to_csv", None, None),
        ("index_false", None, None),
        ("header_false", None, None),
        ("neither", None, None),
        ("neither", False, False),
        ("to_csv", True, True),
    ],
)
def test_header_and_label_column_are_told_apart_by_the_matrix(
    csv: str, header: bool | None, index: bool | None
) -> None:
    mean, text = scores()
    written_csv = {
        "to_csv": text.to_csv(),
        "index_false": text.to_csv(index=False),
        "header_false": text.to_csv(header=False),
        "neither": text.to_csv(header=False, index=False),
    }[csv]
    matched = match_texts(grid_of(written_csv, header, index), matrix_of(mean), "t.csv")
    assert matched == tuple(map(tuple, text.to_numpy()))


def test_texts_of_a_matrix_without_labels_match_by_shape() -> None:
    """A matrix with no labels of its own (an inline one: 0, 1, ...) takes a
    pandas export's texts by position, its labels notwithstanding."""
    mean, text = scores()
    bare = LabelledMatrix(mean.to_numpy(), tuple("01234"), tuple("0123"))
    assert match_texts(grid_of(text.to_csv()), bare, "t.csv") == tuple(map(tuple, text.to_numpy()))


def test_a_bigger_table_of_texts_covers_the_selected_rows() -> None:
    mean, text = scores()
    part = mean.loc[["T5", "BERT"], ["RTE"]]
    assert match_texts(grid_of(text.to_csv()), matrix_of(part), "t.csv") == (
        (text.loc["T5", "RTE"],),
        (text.loc["BERT", "RTE"],),
    )


@pytest.mark.parametrize(
    ("texts", "fragment"),
    [
        (TextTable((("a",),)), "the inline texts has 1 x 1 texts, but the matrix is 4 x 5"),
        (
            TextTable((("a",) * 5,) * 4, tuple(TASKS), ("BERT", "GPT", "T5", "XL")),
            "has no row 'RoBERTa', 'DeBERTa' of the plotted matrix (texts with labels are "
            "matched by them; it has 'GPT', 'XL' instead)",
        ),
    ],
)
def test_texts_that_do_not_fit_are_refused(texts: TextTable, fragment: str) -> None:
    mean, _ = scores()
    name = "the inline texts"
    with pytest.raises(DataError) as caught:
        match_texts(texts, matrix_of(mean), name)
    assert fragment in caught.value.message
    assert caught.value.key == "cell_text"


def test_texts_follow_rows_and_columns_as_clustering_moves_them() -> None:
    mean, text = scores()
    read = matrix_of(mean)
    moved = matrix_of(mean.iloc[[3, 1, 0, 2], [2, 0, 1, 4, 3]])
    texts = tuple(map(tuple, text.to_numpy()))
    assert follow(texts, read, moved) == tuple(
        map(tuple, text.iloc[[3, 1, 0, 2], [2, 0, 1, 4, 3]].to_numpy())
    )
    assert follow(texts, read, read) is texts


def test_numbers_are_written_with_fmt_and_texts_as_they_are() -> None:
    texts = ((0.00123, "***", None), (12.0, 0.5, "n.s."))
    assert written(texts, ".1e") == (("1.2e-03", "***", None), ("1.2e+01", "5.0e-01", "n.s."))
    # Without fmt, the automatic format of the texts' own numbers.
    assert written(((3.0, 12.0), (7.0, "–")), None) == (("3", "12"), ("7", "–"))


@settings(max_examples=60, deadline=None)
@given(
    st.permutations(range(4)),
    st.permutations(range(5)),
    st.sampled_from(["to_csv", "index_false", "header_false"]),
)
def test_any_order_of_a_pandas_export_lands_on_its_cells(
    rows: list[int], cols: list[int], how: str
) -> None:
    """An axis with labels may come in any order; one without is matched by position."""
    mean, text = scores()
    csv = {
        "to_csv": text.iloc[rows, cols].to_csv(),
        "index_false": text.iloc[:, cols].to_csv(index=False),
        "header_false": text.iloc[rows, :].to_csv(header=False),
    }[how]
    matched = match_texts(grid_of(csv), matrix_of(mean), "t.csv")
    assert matched == tuple(map(tuple, text.to_numpy()))


# --------------------------------------------------------------------------
# Drawn


def write_scores(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    mean, text = scores()
    mean.to_csv(folder / "mean.csv")
    text.to_csv(folder / "mean_sd.csv")


def test_the_cells_write_the_texts_not_the_values(tmp_path: Path) -> None:
    write_scores(tmp_path)
    svg = render_spec({"data": "mean.csv", "cell_text": "mean_sd.csv"}, base_dir=tmp_path)
    texts = svg_texts(svg)
    _, text = scores()
    for value in text.to_numpy().ravel():
        assert value in texts
    mean, _ = scores()
    assert f"{mean.iloc[0, 0]:.2f}" not in texts  # the value's own text is not written


def test_texts_follow_a_clustered_map(tmp_path: Path) -> None:
    write_scores(tmp_path)
    body = "data: mean.csv\ncell_text: mean_sd.csv\ncluster: both\nformat: png"
    prepared = prepare_block(body, site_settings(tmp_path))
    (panel,) = prepared.plot.panels
    _, text = scores()
    assert panel.matrix.y_labels != tuple(MODELS)  # clustering moved the rows
    expected = text.loc[list(panel.matrix.y_labels), list(panel.matrix.x_labels)]
    assert panel.texts == tuple(map(tuple, expected.to_numpy()))


def ink_in_cell(png: bytes, box: Any, shape: tuple[int, int], i: int, j: int) -> int:
    """Pixels of cell (i, j) that differ from the cell's own color: its text."""
    left, top, right, bottom = box
    rows, cols = shape
    with PILImage.open(io.BytesIO(png)) as image:
        rgb = np.array(image.convert("RGBA"))[..., :3].astype(int)
    h, w, _ = rgb.shape
    x0, x1 = (
        int((left + j * (right - left) / cols) * w),
        int((left + (j + 1) * (right - left) / cols) * w),
    )
    y0, y1 = (
        int((top + i * (bottom - top) / rows) * h),
        int((top + (i + 1) * (bottom - top) / rows) * h),
    )
    cell = rgb[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2]
    fill = cell[1, 1]
    return int((np.abs(cell - fill).sum(axis=-1) > 60).sum())


def test_pixels_stars_where_given_nothing_where_not_and_colors_from_the_data(
    tmp_path: Path,
) -> None:
    """Significance stars over a map of effects: ink in the starred cells
    only, contrasting with each cell; the cells' colors are the data's."""
    effects = [[0.1, 0.9], [0.5, 0.2]]
    stars = '[["***", ""], ["*", null]]'
    body = f"matrix: {effects}\ncell_text: {stars}\ncmap: viridis\nformat: png\ncolorbar: false"
    image = prepare_block(body, site_settings(tmp_path)).job.run()[0]
    (box,) = image.maps
    assert ink_in_cell(image.content, box, (2, 2), 0, 0) > 20
    assert ink_in_cell(image.content, box, (2, 2), 1, 0) > 5
    assert ink_in_cell(image.content, box, (2, 2), 0, 1) == 0
    assert ink_in_cell(image.content, box, (2, 2), 1, 1) == 0
    plain = prepare_block(
        f"matrix: {effects}\ncmap: viridis\nformat: png\ncolorbar: false\nannotate: false",
        site_settings(tmp_path),
    ).job.run()[0]
    # The same cells, the same colors: the texts change the ink, not the fill.
    with (
        PILImage.open(io.BytesIO(image.content)) as a,
        PILImage.open(io.BytesIO(plain.content)) as b,
    ):
        assert a.size == b.size
        left, top, right, bottom = box
        for i, j in ((0, 1), (1, 1)):
            x = int((left + (j + 0.5) * (right - left) / 2) * a.size[0])
            y = int((top + (i + 0.5) * (bottom - top) / 2) * a.size[1])
            assert a.convert("RGBA").getpixel((x, y)) == b.convert("RGBA").getpixel((x, y))


@pytest.mark.parametrize("shape", [(4, 5), (10, 10), (2, 12), (24, 3)])
def test_long_texts_fit_inside_the_canvas(tmp_path: Path, shape: tuple[int, int]) -> None:
    rows, cols = shape
    values = np.random.default_rng(rows * cols).random(shape).round(3).tolist()
    texts = [
        [f"{v:.2f} ± 0.0{(i + j) % 9 + 1}" for j, v in enumerate(row)]
        for i, row in enumerate(values)
    ]
    body = (
        f"matrix: {values}\ncell_text: {json.dumps(texts)}\ntitle: Mean ± sd\nxlabel: X\nylabel: Y"
    )
    prepared = prepare_block(body, site_settings(tmp_path))
    fig = drawn(prepared.plot)
    check(fig)
    shown = [t.get_text() for t in fig.axes[0].texts if t.get_visible()]
    assert len(shown) == rows * cols  # asked-for texts shrink, never vanish


# --------------------------------------------------------------------------
# The page: alt text, table, hover, downloads (a real MkDocs build)


def test_mkdocs_build_gives_value_and_text_everywhere(site: Site, build: Any) -> None:
    write_scores(site.docs)
    site.page(
        "index.md",
        """
        # Results

        ```heatmap
        data: mean.csv
        cell_text: mean_sd.csv
        cluster: rows
        table: true
        hover: true
        download: true
        ```
        """,
    )
    result = build(site, strict=True)
    assert result.ok, result.error
    page = site.html()
    mean, text = scores()
    (fig,) = figures(page).figures
    alt = htmllib.unescape(fig["img"]["alt"])
    low = mean.stack().idxmin()
    assert f'column {low[1]}, written "{text.loc[low]}"' in alt
    assert "Each cell is labelled with a text of its own." in alt
    cell = f"{mean.loc['T5', 'CoLA']:.4f}".rstrip("0")
    assert f"<td>{cell} ({text.loc['T5', 'CoLA']})</td>" in page
    raw = re.search(r"data-heatmap='([^']*)'", page)
    assert raw is not None
    hover = json.loads(htmllib.unescape(raw.group(1)))["p"][0]
    where = hover["y"].index("T5") * len(hover["x"]) + hover["x"].index("CoLA")
    assert hover["v"][where] == f"{cell} ({text.loc['T5', 'CoLA']})"
    links = {a["href"]: a for a in fig["links"]}
    assert len(links) == 2 and "values, cell texts" in fig["caption"].replace("\n", "")
    texts_csv = [site.out / href for href in links if (site.out / href).read_text().count("±")]
    assert len(texts_csv) == 1
    back = pd.read_csv(texts_csv[0], index_col=0)
    assert back.loc["T5", "CoLA"] == text.loc["T5", "CoLA"]
    # An edit of the texts is seen by the next build.
    before = {p.name for p in site.images()}
    text.iloc[0, 0] = "0.00 ± 9.99"
    text.to_csv(site.docs / "mean_sd.csv")
    result = build(site, strict=True)
    assert result.ok, result.error
    assert len({p.name for p in site.images()} - before) == 1


def test_mkdocs_build_reports_texts_that_do_not_fit_at_the_key(site: Site, build: Any) -> None:
    write_scores(site.docs)
    _, text = scores()
    text.drop(index="T5").to_csv(site.docs / "mean_sd.csv")
    site.page(
        "index.md",
        "# Results\n\n```heatmap\ndata: mean.csv\ntitle: t\ncell_text: mean_sd.csv\n```\n",
    )
    result = build(site, strict=True)
    assert not result.ok
    (warning,) = result.heatmap_warnings()
    assert "index.md:6" in warning
    assert "'cell_text': mean_sd.csv has no row 'T5' of the plotted matrix" in warning


def test_sphinx_draws_cell_texts(tmp_path: Path) -> None:
    pytest.importorskip("sphinx")
    src = tmp_path / "docs"
    src.mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    write_scores(src)
    (src / "conf.py").write_text('extensions = ["mkdocs_heatmap.sphinx"]\n')
    (src / "index.rst").write_text(
        "Results\n=======\n\n.. heatmap::\n\n   data: mean.csv\n   cell_text: mean_sd.csv\n"
        "   table: true\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-b", "html", str(src), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "out" / "index.html").read_text()
    _, text = scores()
    assert f"({text.loc['BERT', 'SST-2']})</td>" in page
    images = list((tmp_path / "out").rglob("*.svg"))
    assert any(text.loc["BERT", "SST-2"] in svg_texts(p.read_bytes()) for p in images)
