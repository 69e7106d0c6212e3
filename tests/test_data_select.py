"""The inline matrix, selection, transpose, labels and the CSV download
(``mkdocs_heatmap.data.select``)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from conftest import (
    LONG,
    check_error,
    inline,
    load,
    load_error,
    make_roots,
    put,
    same,
)
from mkdocs_heatmap.data import (
    Source,
    load_matrix,
    matrix_to_csv,
    parse_source,
    read_source,
)
from mkdocs_heatmap.errors import DataError
from mkdocs_heatmap.model import InlineMatrix, LabelledMatrix
from mkdocs_heatmap.spec import HeatmapSpec, Pivot

NAN = math.nan


# --------------------------------------------------------------------------
# Selection, transpose, labels.

GRID = ",c1,c2,c3\nr1,1,2,3\nr2,4,5,6\nr3,7,8,9\n"


def test_rows_and_columns_select_and_reorder(tmp_path: Path) -> None:
    m = load(tmp_path, "g.csv", GRID, rows=("r3", "r1"), columns=("c3", " c1 "))
    assert m.y_labels == ("r3", "r1")
    assert m.x_labels == ("c3", "c1")
    same(m.values, [[9, 7], [3, 1]])


def test_selection_refers_to_labels_before_transpose(tmp_path: Path) -> None:
    m = load(tmp_path, "g.csv", GRID, rows=("r2",), transpose=True)
    assert m.x_labels == ("r2",)
    assert m.y_labels == ("c1", "c2", "c3")
    same(m.values, [[4], [5], [6]])


def test_transpose(tmp_path: Path) -> None:
    m = load(tmp_path, "g.csv", GRID, transpose=True)
    assert m.x_labels == ("r1", "r2", "r3")
    same(m.values, [[1, 4, 7], [2, 5, 8], [3, 6, 9]])
    assert m.values.flags["C_CONTIGUOUS"]


def test_x_and_y_labels_replace(tmp_path: Path) -> None:
    m = load(tmp_path, "g.csv", GRID, x_labels=("A", "B", "C"), y_labels=(" one ", "two", "3"))
    assert m.x_labels == ("A", "B", "C")
    assert m.y_labels == ("one", "two", "3")


def test_labels_apply_after_transpose(tmp_path: Path) -> None:
    m = load(tmp_path, "g.csv", GRID, columns=("c1",), transpose=True, y_labels=("first",))
    assert m.y_labels == ("first",)


def test_unknown_row_label_suggests(tmp_path: Path) -> None:
    err = load_error(
        tmp_path, "g.csv", GRID, "'rows': 'r4' is not a row label of g.csv", key="rows",
        rows=("r1", "r4"),
    )  # fmt: skip
    assert "did you mean" not in str(err)
    assert "'r1', 'r2', 'r3'" in str(err)


def test_unknown_row_label_with_typo(tmp_path: Path) -> None:
    load_error(tmp_path, "g.csv", GRID, "'rw2' is not a row label", key="rows", rows=("rw2",))


def test_unknown_column_label(tmp_path: Path) -> None:
    load_error(tmp_path, "g.csv", GRID, "(did you mean 'c2'?)", key="columns", columns=("C2",))


def test_duplicate_data_labels_cannot_be_selected(tmp_path: Path) -> None:
    load_error(
        tmp_path, "d.csv", ",a,a\nr,1,2\n", "labels 2 columns", key="columns", columns=("a",)
    )


def test_label_count_mismatch(tmp_path: Path) -> None:
    load_error(
        tmp_path, "g.csv", GRID, "'x_labels' has 2 labels but the matrix has 3 columns",
        key="x_labels", x_labels=("a", "b"),
    )  # fmt: skip
    load_error(
        tmp_path, "g.csv", GRID, "'y_labels' has 1 labels but the matrix has 2 rows after "
        "transpose", key="y_labels", y_labels=("a",), columns=("c1", "c2"), transpose=True,
    )  # fmt: skip


def test_inline_matrix() -> None:
    m = inline([[1, NAN], [3, 4]])
    assert m.x_labels == ("0", "1")
    assert m.y_labels == ("0", "1")
    same(m.values, [[1, NAN], [3, 4]])


def test_inline_matrix_selection_transpose_labels() -> None:
    m = inline([[1, 2, 3], [4, 5, 6]], columns=("2", "0"), transpose=True, x_labels=("a", "b"))
    assert m.x_labels == ("a", "b")
    assert m.y_labels == ("2", "0")
    same(m.values, [[3, 6], [1, 4]])


def test_inline_matrix_errors() -> None:
    with pytest.raises(DataError) as info:
        inline([[1, 2]], rows=("5",))
    check_error(info.value, "not a row label of the inline matrix", "rows")
    with pytest.raises(DataError) as info:
        parse_source(HeatmapSpec(matrix=((1.0,), (1.0, 2.0))), None)
    check_error(info.value, "rows of different lengths", "matrix")
    with pytest.raises(DataError) as info:
        parse_source(HeatmapSpec(matrix=((),)), None)
    check_error(info.value, "holds no values", "matrix")


def test_labelled_inline_matrix_selects_by_its_labels() -> None:
    own = InlineMatrix(((1.0, 2.0, 3.0), (4.0, 5.0, 6.0)), (" a", "b", "c"), ("r", "s"))
    m = parse_source(HeatmapSpec(matrix=own, rows=("s",), columns=("c", "a")), None)
    assert (m.x_labels, m.y_labels) == (("c", "a"), ("s",))
    same(m.values, [[6, 4]])
    numbered = parse_source(HeatmapSpec(matrix=InlineMatrix(((1.0, 2.0),), None, ("r",))), None)
    assert (numbered.x_labels, numbered.y_labels) == (("0", "1"), ("r",))


@pytest.mark.parametrize(
    ("own", "fragment"),
    [
        (InlineMatrix(((1.0, 2.0),), ("a",)), "has 2 columns but 1 labels for them"),
        (InlineMatrix(((1.0, 2.0),), None, ("r", "s")), "has 1 rows but 2 labels for them"),
    ],
)
def test_labelled_inline_matrix_label_counts(own: InlineMatrix, fragment: str) -> None:
    """The block's validation catches these first; the data step stands on its own."""
    with pytest.raises(DataError) as info:
        parse_source(HeatmapSpec(matrix=own), None)
    check_error(info.value, fragment, "matrix")


def test_read_source_is_none_for_inline(tmp_path: Path) -> None:
    assert read_source(HeatmapSpec(matrix=((1.0,),)), make_roots(tmp_path)) is None


# --------------------------------------------------------------------------
# Download CSV.


def test_matrix_to_csv_layout() -> None:
    m = LabelledMatrix(
        np.array([[1.0, np.nan], [0.1, -np.inf]]), x_labels=("a", "b,c"), y_labels=("r1", 'r"2')
    )
    assert matrix_to_csv(m) == ',a,"b,c"\nr1,1.0,\n"r""2",0.1,-inf\n'


def test_matrix_to_csv_full_precision_round_trip(tmp_path: Path) -> None:
    values = np.array([[1 / 3, 1e-300, 123456789.123456789], [np.nan, 2.0, -0.0]])
    m = LabelledMatrix(values, x_labels=("x", "", "Größe"), y_labels=("", "line\r\nbreak"))
    text = matrix_to_csv(m)
    assert "\r\n" not in text.replace('"line\r\nbreak"', "")
    back = parse_source(HeatmapSpec(data="d.csv"), Source(Path("d.csv"), text.encode(), "csv"))
    assert back.x_labels == m.x_labels
    assert back.y_labels == m.y_labels
    np.testing.assert_array_equal(back.values, m.values)


def test_download_of_a_loaded_file_round_trips(tmp_path: Path) -> None:
    m = load(tmp_path, "long.csv", LONG, pivot=Pivot(x="token", y="layer", value="auc"))
    put(tmp_path, "docs/again.csv", matrix_to_csv(m))
    back = load_matrix(HeatmapSpec(data="again.csv"), make_roots(tmp_path))
    assert (back.x_labels, back.y_labels) == (m.x_labels, m.y_labels)
    np.testing.assert_array_equal(back.values, m.values)


@pytest.mark.parametrize("value", ["1.7e308", "-1e201", "123e250"])
def test_values_too_large_to_draw_are_refused_naming_the_cell(tmp_path: Path, value: str) -> None:
    """matplotlib's tickers and norms overflow near the float limit: refuse the
    value with its cell, before anything is drawn (and in `check`)."""
    load_error(tmp_path, "x.csv", f",a,b\nr,{value},1\n", "row 'r', column 'a'")
    with pytest.raises(DataError, match="too large to draw"):
        inline([[float(value), 1.0]])
