"""Data files and inline matrices -> LabelledMatrix (``mkdocs_heatmap.data``)."""

from __future__ import annotations

import ast
import io
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import mkdocs_heatmap.data as data_module
from conftest import put
from mkdocs_heatmap.data import (
    DataRoots,
    Limits,
    Source,
    load_matrix,
    matrix_to_csv,
    parse_source,
    read_source,
    resolve_data_path,
)
from mkdocs_heatmap.errors import DataError
from mkdocs_heatmap.model import LabelledMatrix
from mkdocs_heatmap.spec import HeatmapSpec, Pivot

NAN = math.nan


# --------------------------------------------------------------------------
# Helpers.


def make_roots(root: Path) -> DataRoots:
    """A project at ``root`` with docs/ and a page in docs/guide/."""
    (root / "docs" / "guide").mkdir(parents=True, exist_ok=True)
    return DataRoots(docs_dir=root / "docs", project_root=root, page_dir=root / "docs" / "guide")


def load(
    tmp_path: Path,
    name: str,
    content: str | bytes,
    limits: Limits | None = None,
    **spec: Any,
) -> LabelledMatrix:
    """Write ``docs/<name>`` and load it as ``data: <name>``.

    ``data_key`` stands for the block's ``key`` (taken by pytest helpers' own
    ``key`` argument).
    """
    if "data_key" in spec:
        spec["key"] = spec.pop("data_key")
    roots = make_roots(tmp_path)
    put(tmp_path, f"docs/{name}", content)
    return load_matrix(HeatmapSpec(data=name, **spec), roots, limits or Limits())


def load_error(
    tmp_path: Path,
    name: str,
    content: str | bytes,
    fragment: str,
    key: str = "data",
    limits: Limits | None = None,
    **spec: Any,
) -> DataError:
    with pytest.raises(DataError) as info:
        load(tmp_path, name, content, limits, **spec)
    return check_error(info.value, fragment, key)


def check_error(err: DataError, fragment: str, key: str) -> DataError:
    message = str(err)
    assert fragment in message, message
    assert "\n" not in message
    assert "\r" not in message
    assert "Traceback" not in message
    assert err.key == key, (err.key, message)
    return err


def same(actual: np.ndarray[Any, Any], expected: list[list[float]]) -> None:
    """Equal values, NaN matching NaN."""
    np.testing.assert_array_equal(actual, np.array(expected, dtype=np.float64))


def inline(cells: list[list[float]], **spec: Any) -> LabelledMatrix:
    matrix = tuple(tuple(float(v) for v in row) for row in cells)
    return parse_source(HeatmapSpec(matrix=matrix, **spec), None)


# --------------------------------------------------------------------------
# CSV / TSV layouts.


def test_csv_with_row_labels_under_empty_corner(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", ",x,y\nr1,1,2\nr2,3,4\n")
    assert m.x_labels == ("x", "y")
    assert m.y_labels == ("r1", "r2")
    same(m.values, [[1, 2], [3, 4]])
    assert m.values.dtype == np.float64


def test_seed_layout_header_of_tokens_without_index(tmp_path: Path) -> None:
    text = "last_q,first_answer,-8,-1\n0.51,0.62,0.7,0.93\n0.55,0.68,0.75,0.97\n0.6,0.7,0.8,0.99\n"
    m = load(tmp_path, "probe.csv", text)
    assert m.x_labels == ("last_q", "first_answer", "-8", "-1")
    assert m.y_labels == ("0", "1", "2")
    assert m.values[2, 3] == 0.99


def test_named_first_column_of_text_is_the_index(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", "layer,a,b\nL0,1,2\nL1,3,4\n")
    assert m.x_labels == ("a", "b")
    assert m.y_labels == ("L0", "L1")


def test_numeric_first_column_is_data_under_auto(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", "layer,a\n0,1\n1,3\n")
    assert m.x_labels == ("layer", "a")
    assert m.y_labels == ("0", "1")


def test_first_column_with_missing_values_only_is_data(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", "a,b\n,1\nnan,2\n")
    assert m.x_labels == ("a", "b")
    same(m.values, [[NAN, 1], [NAN, 2]])


def test_index_true_forces_numeric_labels(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", "layer,a,b\n0,1,2\n12,3,4\n", index=True)
    assert m.x_labels == ("a", "b")
    assert m.y_labels == ("0", "12")


def test_index_false_keeps_an_unnamed_first_column(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", ",a\n1,2\n3,4\n", index=False)
    assert m.x_labels == ("", "a")
    assert m.y_labels == ("0", "1")
    same(m.values, [[1, 2], [3, 4]])


def test_index_false_with_text_column_is_an_error(tmp_path: Path) -> None:
    load_error(
        tmp_path, "a.csv", "k,a\nr,2\n", "row '0', column 'k': 'r' is not a number", index=False
    )


def test_no_header_numeric(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", "1,2,3\n4,5,6\n", header=False)
    assert m.x_labels == ("0", "1", "2")
    assert m.y_labels == ("0", "1")
    same(m.values, [[1, 2, 3], [4, 5, 6]])


def test_no_header_with_text_index(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", "a,1,2\nb,3,4\n", header=False)
    assert m.x_labels == ("0", "1")
    assert m.y_labels == ("a", "b")


def test_no_header_index_true(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", "5,1,2\n6,3,4\n", header=False, index=True)
    assert m.y_labels == ("5", "6")
    assert m.x_labels == ("0", "1")


def test_r_style_header_without_corner_cell(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", "x,y\nr1,1,2\nr2,3,4\n")
    assert m.x_labels == ("x", "y")
    assert m.y_labels == ("r1", "r2")


def test_bom_crlf_quotes_and_whitespace(tmp_path: Path) -> None:
    text = '\ufeff , "a, b" ,c\r\n r1 , 1 , 2.5 \r\n"r 2",3,4\r\n\r\n'
    m = load(tmp_path, "a.csv", text)
    assert m.x_labels == ("a, b", "c")
    assert m.y_labels == ("r1", "r 2")
    same(m.values, [[1, 2.5], [3, 4]])


def test_non_ascii_labels(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", ",Größe,東京,ü\nÆther,1,2,3\n")
    assert m.x_labels == ("Größe", "東京", "ü")
    assert m.y_labels == ("Æther",)


def test_blank_lines_are_ignored(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", "\n\na,b\n\n1,2\n   \n3,4\n\n\n")
    same(m.values, [[1, 2], [3, 4]])


def test_missing_cells(tmp_path: Path) -> None:
    text = "a,b,c,d,e,f,g,h\n,NaN,nan,null,NA,None,NULL,n/a\n1,  ,none,na,2,#N/A,<NA>,-nan\n"
    m = load(tmp_path, "a.csv", text)
    assert m.x_labels == tuple("abcdefgh")
    expected = np.full((2, 8), np.nan)
    expected[1, 0] = 1
    expected[1, 4] = 2
    np.testing.assert_array_equal(m.values, expected)


def test_number_syntax(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", "a,b,c,d\n1e-3,-2.5E+2,+7,1_000\n")
    same(m.values, [[0.001, -250, 7, 1000]])


@pytest.mark.parametrize("cell", ["inf", "-inf", "1e400"])
def test_infinities_are_refused_naming_the_cell(tmp_path: Path, cell: str) -> None:
    err = load_error(tmp_path, "a.csv", f",a,b\nr,1,{cell}\n", "row 'r', column 'b' is")
    assert err.key == "data"


def test_all_missing_is_refused(tmp_path: Path) -> None:
    err = load_error(tmp_path, "a.csv", ",a\nx,\ny,nan\n", "every cell of the plotted matrix")
    assert err.key == "data"


def test_tsv_by_extension(tmp_path: Path) -> None:
    m = load(tmp_path, "a.tsv", "\tx y\tz\nr 1\t1\t2\n")
    assert m.x_labels == ("x y", "z")
    assert m.y_labels == ("r 1",)
    m = load(tmp_path, "b.tab", "x\ty\n1\t2\n")
    same(m.values, [[1, 2]])


def test_data_format_overrides_extension(tmp_path: Path) -> None:
    m = load(tmp_path, "a.txt", "x\ty\n1\t2\n", data_format="tsv")
    same(m.values, [[1, 2]])
    m = load(tmp_path, "b.dat", "[[1, 2]]", data_format="json")
    same(m.values, [[1, 2]])


def test_uppercase_extension(tmp_path: Path) -> None:
    m = load(tmp_path, "A.CSV", "x\n1\n")
    same(m.values, [[1]])


# --------------------------------------------------------------------------
# CSV errors.


def test_ragged_row_names_line_and_counts(tmp_path: Path) -> None:
    load_error(
        tmp_path,
        "r.csv",
        "\na,b,c\n1,2,3\n\n4,5\n",
        "r.csv: line 5 has 2 cells but the header (line 2) has 3",
    )


def test_ragged_row_without_header(tmp_path: Path) -> None:
    load_error(tmp_path, "r.csv", "1,2\n3\n", "line 2 has 1 cells but line 1 has 2", header=False)


def test_non_numeric_cell_names_row_and_column(tmp_path: Path) -> None:
    text = ",tok,other\nlayer 2,1,2\nlayer 3,abc,4\n"
    err = load_error(
        tmp_path, "probe.csv", text, "row 'layer 3', column 'tok': 'abc' is not a number"
    )
    assert str(err).startswith("probe.csv: line 3,")


def test_long_bad_text_is_truncated(tmp_path: Path) -> None:
    err = load_error(tmp_path, "a.csv", "a\n" + "x" * 500 + "1\n", "is not a number", index=False)
    assert len(str(err)) < 200
    assert "…" in str(err)


def test_semicolon_separated_file_gets_a_hint(tmp_path: Path) -> None:
    load_error(tmp_path, "a.csv", "a;b\n1;2\n", "separated by ';'", index=False)


def test_tsv_read_as_csv_gets_a_hint(tmp_path: Path) -> None:
    load_error(tmp_path, "a.csv", "a\tb\n1\t2\n", "data_format: tsv", index=False)


def test_not_utf8(tmp_path: Path) -> None:
    load_error(tmp_path, "a.csv", "a,b\nü,1\n".encode("latin-1"), "a.csv is not UTF-8 text")


def test_utf16(tmp_path: Path) -> None:
    load_error(tmp_path, "a.csv", "a,b\n1,2\n".encode("utf-16"), "UTF-16")


def test_empty_file(tmp_path: Path) -> None:
    load_error(tmp_path, "a.csv", "", "a.csv is empty")
    load_error(tmp_path, "b.csv", "\n \n\r\n", "b.csv is empty")


def test_header_only(tmp_path: Path) -> None:
    load_error(tmp_path, "a.csv", "a,b,c\n", "header row but no data rows")


def test_label_column_only(tmp_path: Path) -> None:
    load_error(tmp_path, "a.csv", "name\nx\ny\n", "no value columns")


def test_key_is_refused_for_csv(tmp_path: Path) -> None:
    load_error(tmp_path, "a.csv", "a\n1\n", "'key' picks an array", key="key", data_key="k")


# --------------------------------------------------------------------------
# JSON / YAML.


def test_json_nested_list(tmp_path: Path) -> None:
    m = load(tmp_path, "a.json", '[[1, 2.5, null], [3, "NaN", 4]]')
    assert m.x_labels == ("0", "1", "2")
    assert m.y_labels == ("0", "1")
    same(m.values, [[1, 2.5, NAN], [3, NAN, 4]])


def test_json_flat_list_is_one_row(tmp_path: Path) -> None:
    m = load(tmp_path, "a.json", "[1, 2, 3]")
    assert m.shape == (1, 3)


def test_json_values_layout(tmp_path: Path) -> None:
    text = '{"x_labels": ["a", "b"], "y_labels": [0, 1.5], "values": [[1, 2], [3, 4]]}'
    m = load(tmp_path, "a.json", text)
    assert m.x_labels == ("a", "b")
    assert m.y_labels == ("0", "1.5")
    same(m.values, [[1, 2], [3, 4]])


def test_json_values_layout_without_labels(tmp_path: Path) -> None:
    m = load(tmp_path, "a.json", '{"values": [[1, 2]], "title": "ignored"}')
    assert m.x_labels == ("0", "1")


def test_json_values_layout_label_typo(tmp_path: Path) -> None:
    load_error(tmp_path, "a.json", '{"x_label": ["a"], "values": [[1]]}', "did you mean 'x_labels'")


def test_json_pandas_split(tmp_path: Path) -> None:
    text = '{"columns": ["c1", "c2"], "index": ["r1", "r2"], "data": [[1, 2], [3, null]]}'
    m = load(tmp_path, "a.json", text)
    assert m.x_labels == ("c1", "c2")
    assert m.y_labels == ("r1", "r2")
    same(m.values, [[1, 2], [3, NAN]])


def test_json_pandas_split_multiindex_labels(tmp_path: Path) -> None:
    text = '{"columns": [["a", 1], ["a", 2]], "index": ["r"], "data": [[1, 2]]}'
    m = load(tmp_path, "a.json", text)
    assert m.x_labels == ("a / 1", "a / 2")


def test_json_records(tmp_path: Path) -> None:
    m = load(tmp_path, "a.json", '[{"a": 1, "b": 2}, {"b": 4, "c": 5}]')
    assert m.x_labels == ("a", "b", "c")
    assert m.y_labels == ("0", "1")
    same(m.values, [[1, 2, NAN], [NAN, 4, 5]])


def test_json_pandas_columns_orient(tmp_path: Path) -> None:
    m = load(tmp_path, "a.json", '{"x": {"r1": 1, "r2": 2}, "y": {"r1": 3, "r3": 4}}')
    assert m.x_labels == ("x", "y")
    assert m.y_labels == ("r1", "r2", "r3")
    same(m.values, [[1, 3], [2, NAN], [NAN, 4]])


def test_json_key_selects_top_level_entry(tmp_path: Path) -> None:
    text = '{"meta": {"v": 1}, "auc": {"values": [[0.5, 0.9]]}, "loss": [[1]]}'
    m = load(tmp_path, "a.json", text, data_key="auc")
    same(m.values, [[0.5, 0.9]])
    m = load(tmp_path, "b.json", text, data_key="loss")
    same(m.values, [[1]])


def test_json_missing_key_lists_keys_and_suggests(tmp_path: Path) -> None:
    err = load_error(
        tmp_path,
        "a.json",
        '{"results": [[1]], "other": [[2]]}',
        "has no top-level key 'reslts' (did you mean 'results'?)",
        key="key",
        data_key="reslts",
    )
    assert "'other'" in str(err)


def test_json_key_on_a_list(tmp_path: Path) -> None:
    load_error(tmp_path, "a.json", "[[1]]", "needs a mapping", key="key", data_key="x")


def test_json_mapping_of_matrices_needs_key(tmp_path: Path) -> None:
    load_error(
        tmp_path, "a.json", '{"a": [[1]], "b": [[2]]}', "set 'key' to one of 'a', 'b'", key="key"
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[[1, "abc"]]', "row '0', column '1': 'abc' is not a number or null"),
        ("[[1, true]]", "column '1': true is not a number"),
        ("[[1, [2]]]", "a list is not a number"),
        ('[[1, {"a": 2}]]', "a mapping is not a number"),
        ('[[1, "0.5"]]', "'0.5' is not a number"),
        ("[[1, 2], [3]]", "row 2 has 1 values but row 1 has 2"),
        ("[[1], 2]", "row 2 is the single value '2'"),
        ('{"x_labels": ["a"], "values": [[1, 2]]}', "'x_labels' has 1 labels but the matrix has 2"),
        ('{"values": [[1]], "y_labels": ["a", "b"]}', "'y_labels' has 2 labels"),
        ("[[1, 2", "a.json is not valid JSON"),
        ("[]", "empty list of rows"),
        ("[[]]", "holds no values"),
        ("3", "holds the single value '3', not a matrix"),
        ('"text"', "not a matrix"),
        ('{"a": 1}', "is not a matrix"),
        ("[" * 100_000 + "]" * 100_000, "a.json is not"),
        ("[[1" + "0" * 5000 + "]]", "a.json is not usable JSON"),
    ],
)
def test_json_errors(tmp_path: Path, text: str, fragment: str) -> None:
    load_error(tmp_path, "a.json", text, fragment)


def test_json_nan_literal_is_missing_and_infinity_refused(tmp_path: Path) -> None:
    m = load(tmp_path, "a.json", "[[NaN, 1]]")
    same(m.values, [[NAN, 1]])
    load_error(tmp_path, "b.json", "[[1, Infinity]]", "column '1' is inf")


def test_yaml_nested_list_and_labels(tmp_path: Path) -> None:
    text = "x_labels: [tok a, tok b]\ny_labels: [1, 2]\nvalues:\n  - [1, .nan]\n  - [~, 4]\n"
    m = load(tmp_path, "a.yaml", text)
    assert m.x_labels == ("tok a", "tok b")
    assert m.y_labels == ("1", "2")
    same(m.values, [[1, NAN], [NAN, 4]])


def test_yml_extension_and_key(tmp_path: Path) -> None:
    m = load(tmp_path, "a.yml", "first:\n  - [1, 2]\nsecond:\n  - [3]\n", data_key="second")
    same(m.values, [[3]])


def test_yaml_split_form(tmp_path: Path) -> None:
    m = load(tmp_path, "a.yaml", "columns: [a]\nindex: [r]\ndata: [[7]]\n")
    assert (m.x_labels, m.y_labels) == (("a",), ("r",))


def test_yaml_is_safe_loaded(tmp_path: Path) -> None:
    text = "!!python/object/apply:os.system ['echo pwned > pwned.txt']\n"
    err = load_error(tmp_path, "a.yaml", text, "a.yaml is not valid YAML")
    assert "python/object" in str(err)
    assert not (tmp_path / "pwned.txt").exists()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[[1, 2]\n", "a.yaml is not valid YAML"),
        ("- [1, 2024-01-01]\n", "is not a number or null"),
        ("- [1, 2024-13-45]\n", "a.yaml is not"),
        ("a: 1\n---\nb: 2\n", "a.yaml is not valid YAML"),
        ("- [1, yes]\n", "true is not a number"),
    ],
)
def test_yaml_errors(tmp_path: Path, text: str, fragment: str) -> None:
    load_error(tmp_path, "a.yaml", text, fragment)


# --------------------------------------------------------------------------
# NPY / NPZ.


def save_npy(tmp_path: Path, name: str, array: Any) -> None:
    (tmp_path / "docs").mkdir(parents=True, exist_ok=True)
    np.save(tmp_path / "docs" / name, array, allow_pickle=True)


def load_saved(tmp_path: Path, name: str, **spec: Any) -> LabelledMatrix:
    if "data_key" in spec:
        spec["key"] = spec.pop("data_key")
    return load_matrix(HeatmapSpec(data=name, **spec), make_roots(tmp_path))


def test_npy_2d(tmp_path: Path) -> None:
    save_npy(tmp_path, "a.npy", np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int16))
    m = load_saved(tmp_path, "a.npy")
    assert m.x_labels == ("0", "1", "2")
    assert m.y_labels == ("0", "1")
    same(m.values, [[1, 2, 3], [4, 5, 6]])
    assert m.values.dtype == np.float64


def test_npy_1d_is_one_row_and_bool_and_fortran(tmp_path: Path) -> None:
    save_npy(tmp_path, "a.npy", np.array([0.5, np.nan]))
    same(load_saved(tmp_path, "a.npy").values, [[0.5, NAN]])
    save_npy(tmp_path, "b.npy", np.array([[True, False]]))
    same(load_saved(tmp_path, "b.npy").values, [[1, 0]])
    save_npy(tmp_path, "c.npy", np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
    same(load_saved(tmp_path, "c.npy").values, [[0, 1, 2], [3, 4, 5]])


@pytest.mark.parametrize(
    ("array", "fragment"),
    [
        (np.array([{"a": 1}, None], dtype=object), "pickled/object arrays"),
        (np.zeros((2, 2, 2)), "is a 3-D array (2 x 2 x 2)"),
        (np.float64(3.0), "is a single number"),
        (np.array([[1 + 2j]]), "complex128 values, not real numbers"),
        (np.array([["a", "b"]]), "not real numbers"),
        (np.zeros((0, 3)), "holds no values"),
    ],
)
def test_npy_errors(tmp_path: Path, array: Any, fragment: str) -> None:
    save_npy(tmp_path, "a.npy", array)
    with pytest.raises(DataError) as info:
        load_saved(tmp_path, "a.npy")
    check_error(info.value, fragment, "data")


def test_npy_object_array_refused_even_past_the_header_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """np.load itself must be called with allow_pickle=False."""
    save_npy(tmp_path, "a.npy", np.array([1, "x"], dtype=object))
    roots = make_roots(tmp_path)
    spec = HeatmapSpec(data="a.npy")
    source = read_source(spec, roots)
    assert source is not None
    monkeypatch.setattr(data_module, "_check_npy_header", lambda *args: None)
    with pytest.raises(DataError) as info:
        parse_source(spec, source)
    check_error(info.value, "pickled", "data")


def test_npy_garbage_and_truncated(tmp_path: Path) -> None:
    load_error(tmp_path, "a.npy", b"not an array at all", "a.npy is not a valid .npy array")
    save_npy(tmp_path, "full.npy", np.arange(100.0).reshape(10, 10))
    blob = (tmp_path / "docs" / "full.npy").read_bytes()
    load_error(tmp_path, "b.npy", blob[:-40], "b.npy is not a valid .npy array")


def test_npy_pivot_and_key_refused(tmp_path: Path) -> None:
    save_npy(tmp_path, "a.npy", np.ones((2, 2)))
    with pytest.raises(DataError) as info:
        load_saved(tmp_path, "a.npy", pivot=Pivot(x="a", y="b", value="c"))
    check_error(info.value, "'pivot' needs a long table", "pivot")
    with pytest.raises(DataError) as info:
        load_saved(tmp_path, "a.npy", data_key="x")
    check_error(info.value, "'key' picks an array", "key")


def save_npz(tmp_path: Path, name: str, **arrays: Any) -> None:
    (tmp_path / "docs").mkdir(parents=True, exist_ok=True)
    np.savez(tmp_path / "docs" / name, allow_pickle=True, **arrays)


def test_npz_single_array_needs_no_key(tmp_path: Path) -> None:
    save_npz(tmp_path, "a.npz", only=np.eye(2))
    same(load_saved(tmp_path, "a.npz").values, [[1, 0], [0, 1]])


def test_npz_key_picks_the_array(tmp_path: Path) -> None:
    save_npz(tmp_path, "a.npz", weights=np.ones((2, 3)), bias=np.zeros(3))
    assert load_saved(tmp_path, "a.npz", data_key="weights").shape == (2, 3)
    assert load_saved(tmp_path, "a.npz", data_key="bias").shape == (1, 3)


def test_npz_several_arrays_without_key(tmp_path: Path) -> None:
    save_npz(tmp_path, "a.npz", weights=np.ones((2, 3)), bias=np.zeros(3))
    with pytest.raises(DataError) as info:
        load_saved(tmp_path, "a.npz")
    err = check_error(info.value, "holds 2 arrays", "key")
    assert "'weights'" in str(err)
    assert "'bias'" in str(err)


def test_npz_unknown_key_suggests(tmp_path: Path) -> None:
    save_npz(tmp_path, "a.npz", weights=np.ones((2, 3)), bias=np.zeros(3))
    with pytest.raises(DataError) as info:
        load_saved(tmp_path, "a.npz", data_key="weight")
    check_error(info.value, "no array 'weight' (did you mean 'weights'?)", "key")


def test_npz_object_array_refused(tmp_path: Path) -> None:
    save_npz(tmp_path, "a.npz", bad=np.array([{"x": 1}], dtype=object))
    with pytest.raises(DataError) as info:
        load_saved(tmp_path, "a.npz")
    check_error(info.value, "pickled/object arrays", "data")


def test_npz_that_is_not_a_zip(tmp_path: Path) -> None:
    load_error(tmp_path, "a.npz", b"PK\x03\x04garbage", "a.npz is not a valid .npz file")


def test_npy_saved_under_npz_name(tmp_path: Path) -> None:
    save_npy(tmp_path, "a.npy", np.ones((1, 2)))
    (tmp_path / "docs" / "a.npy").rename(tmp_path / "docs" / "b.npz")
    same(load_saved(tmp_path, "b.npz").values, [[1, 1]])


# --------------------------------------------------------------------------
# Pivot.

LONG = """layer,token,auc
2,b,0.50
2,a,0.70
1,b,0.60
2,a,0.90
1,b,
1,b,0.80
"""


@pytest.mark.parametrize(
    ("agg", "expected"),
    [
        ("mean", [[0.5, 0.8], [0.7, NAN]]),
        ("median", [[0.5, 0.8], [0.7, NAN]]),
        ("sum", [[0.5, 1.6], [1.4, NAN]]),
        ("min", [[0.5, 0.7], [0.6, NAN]]),
        ("max", [[0.5, 0.9], [0.8, NAN]]),
        ("first", [[0.5, 0.7], [0.6, NAN]]),
        ("count", [[1, 2], [2, NAN]]),
    ],
)
def test_pivot_aggregations_and_first_appearance_order(
    tmp_path: Path, agg: str, expected: list[list[float]]
) -> None:
    m = load(tmp_path, "long.csv", LONG, pivot=Pivot(x="token", y="layer", value="auc", agg=agg))  # type: ignore[arg-type]
    assert m.x_labels == ("b", "a")  # first appearance, not sorted
    assert m.y_labels == ("2", "1")
    np.testing.assert_allclose(m.values, np.array(expected), equal_nan=True)


def test_pivot_median_of_three(tmp_path: Path) -> None:
    text = "x,y,v\na,r,1\na,r,10\na,r,2\n"
    m = load(tmp_path, "l.csv", text, pivot=Pivot(x="x", y="y", value="v", agg="median"))
    same(m.values, [[2]])


def test_pivot_keeps_category_text_as_written(tmp_path: Path) -> None:
    text = "temp,step,v\n1.0,01,5\n2.50,1e1,6\n"
    m = load(tmp_path, "l.csv", text, pivot=Pivot(x="temp", y="step", value="v"))
    assert m.x_labels == ("1.0", "2.50")
    assert m.y_labels == ("01", "1e1")


def test_pivot_all_missing_values_give_nan_but_count_zero(tmp_path: Path) -> None:
    text = "x,y,v\na,r,\na,r,nan\nb,r,1\n"
    m = load(tmp_path, "l.csv", text, pivot=Pivot(x="x", y="y", value="v", agg="mean"))
    same(m.values, [[NAN, 1]])
    m = load(tmp_path, "l.csv", text, pivot=Pivot(x="x", y="y", value="v", agg="count"))
    same(m.values, [[0, 1]])


def test_pivot_count_accepts_text_values(tmp_path: Path) -> None:
    text = "x,y,label\na,r,cat\na,r,dog\nb,r,\n"
    m = load(tmp_path, "l.csv", text, pivot=Pivot(x="x", y="y", value="label", agg="count"))
    same(m.values, [[2, 0]])


def test_pivot_skips_records_without_category(tmp_path: Path) -> None:
    text = "x,y,v\na,r,1\n,r,5\nb,,7\n"
    m = load(tmp_path, "l.csv", text, pivot=Pivot(x="x", y="y", value="v"))
    assert m.x_labels == ("a",)
    same(m.values, [[1]])


def test_pivot_infinite_values_do_not_warn(tmp_path: Path) -> None:
    # inf - inf is NaN (a missing cell, no RuntimeWarning); 1e308 + 1e308
    # overflows to inf, which is refused like any infinity.
    text = "x,y,v\na,r,inf\na,r,-inf\nb,r,1\n"
    for agg in ("mean", "sum"):
        m = load(tmp_path, "l.csv", text, pivot=Pivot(x="x", y="y", value="v", agg=agg))
        assert math.isnan(m.values[0, 0])
    overflow = "x,y,v\nb,r,1e308\nb,r,1e308\n"
    load_error(
        tmp_path, "o.csv", overflow, "is inf", pivot=Pivot(x="x", y="y", value="v", agg="sum")
    )


def test_pivot_missing_column_suggests(tmp_path: Path) -> None:
    err = load_error(
        tmp_path,
        "long.csv",
        LONG,
        "has no column 'tokn' (did you mean 'token'?)",
        key="pivot",
        pivot=Pivot(x="tokn", y="layer", value="auc"),
    )
    assert "'layer', 'token', 'auc'" in str(err)


def test_pivot_non_numeric_value(tmp_path: Path) -> None:
    load_error(
        tmp_path,
        "l.csv",
        "x,y,v\na,r,1\nb,r,oops\n",
        "l.csv: line 3, column 'v': 'oops' is not a number",
        pivot=Pivot(x="x", y="y", value="v"),
    )


def test_pivot_without_header_uses_numbered_columns(tmp_path: Path) -> None:
    m = load(
        tmp_path, "l.csv", "a,r,1\nb,r,2\n", header=False, pivot=Pivot(x="0", y="1", value="2")
    )
    assert m.x_labels == ("a", "b")
    same(m.values, [[1, 2]])


def test_pivot_json_records(tmp_path: Path) -> None:
    text = (
        '[{"l": 1, "t": "a", "v": 0.5}, {"l": 1, "t": "b", "v": null}, {"l": 2, "t": "a", "v": 1}]'
    )
    m = load(tmp_path, "l.json", text, pivot=Pivot(x="t", y="l", value="v", agg="max"))
    assert m.x_labels == ("a", "b")
    assert m.y_labels == ("1", "2")
    same(m.values, [[0.5, NAN], [1, NAN]])


def test_pivot_yaml_records_under_key(tmp_path: Path) -> None:
    text = "runs:\n  - {x: a, y: r, v: 1}\n  - {x: a, y: r, v: 3}\n"
    m = load(tmp_path, "l.yaml", text, data_key="runs", pivot=Pivot(x="x", y="y", value="v"))
    same(m.values, [[2]])


def test_pivot_json_split_form(tmp_path: Path) -> None:
    text = '{"columns": ["x", "y", "v"], "data": [["a", "r", 1], ["b", "r", 2]]}'
    m = load(tmp_path, "l.json", text, pivot=Pivot(x="x", y="y", value="v"))
    same(m.values, [[1, 2]])


def test_pivot_json_needs_records(tmp_path: Path) -> None:
    load_error(
        tmp_path, "l.json", "[[1, 2]]", "needs a long table", key="pivot",
        pivot=Pivot(x="x", y="y", value="v"),
    )  # fmt: skip


def test_pivot_then_select_and_transpose(tmp_path: Path) -> None:
    m = load(
        tmp_path,
        "long.csv",
        LONG,
        pivot=Pivot(x="token", y="layer", value="auc", agg="max"),
        columns=("a",),
        transpose=True,
    )
    assert m.x_labels == ("2", "1")
    assert m.y_labels == ("a",)
    same(m.values, [[0.9, NAN]])


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


def test_read_source_is_none_for_inline(tmp_path: Path) -> None:
    assert read_source(HeatmapSpec(matrix=((1.0,),)), make_roots(tmp_path)) is None


# --------------------------------------------------------------------------
# Paths.


def test_page_dir_beats_docs_dir_beats_project_root(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    put(tmp_path, "x.csv", "a\n3\n")
    assert load_matrix(HeatmapSpec(data="x.csv"), roots).values[0, 0] == 3
    put(tmp_path, "docs/x.csv", "a\n2\n")
    assert load_matrix(HeatmapSpec(data="x.csv"), roots).values[0, 0] == 2
    put(tmp_path, "docs/guide/x.csv", "a\n1\n")
    assert load_matrix(HeatmapSpec(data="x.csv"), roots).values[0, 0] == 1
    assert resolve_data_path("x.csv", roots) == (tmp_path / "docs/guide/x.csv").resolve()


def test_nested_relative_path_and_dotdot_inside_project(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    put(tmp_path, "results/run1/x.csv", "a\n1\n")
    assert resolve_data_path("results/run1/x.csv", roots).name == "x.csv"
    assert resolve_data_path("../../results/run1/x.csv", roots).name == "x.csv"


def test_leading_slash_means_project_root(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    put(tmp_path, "docs/guide/results/x.csv", "a\n1\n")
    put(tmp_path, "results/x.csv", "a\n9\n")
    spec = HeatmapSpec(data="/results/x.csv")
    assert load_matrix(spec, roots).values[0, 0] == 9


def test_leading_slash_is_not_the_file_system_root(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        resolve_data_path("/etc/passwd", make_roots(tmp_path))
    err = check_error(info.value, "data file '/etc/passwd' not found", "data")
    assert "a leading '/' means the project root" in str(err)


def test_dotdot_escaping_the_project(tmp_path: Path) -> None:
    project = tmp_path / "project"
    roots = make_roots(project)
    put(tmp_path, "secret.csv", "a\n1\n")
    with pytest.raises(DataError) as info:
        resolve_data_path("../../../secret.csv", roots)
    check_error(
        info.value,
        "data file '../../../secret.csv' resolves outside the project; data files must be "
        "inside the project folder or data_dir",
        "data",
    )


def test_symlink_pointing_outside(tmp_path: Path) -> None:
    project = tmp_path / "project"
    roots = make_roots(project)
    outside = put(tmp_path, "outside/secret.csv", "a\n1\n")
    os.symlink(outside, project / "docs" / "link.csv")
    with pytest.raises(DataError) as info:
        load_matrix(HeatmapSpec(data="link.csv"), roots)
    check_error(info.value, "resolves outside the project", "data")
    os.symlink(tmp_path / "outside", project / "shared")
    with pytest.raises(DataError) as info:
        resolve_data_path("/shared/secret.csv", roots)
    check_error(info.value, "resolves outside the project", "data")


def test_symlink_inside_project_is_fine(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    target = put(tmp_path, "data/real.csv", "a\n1\n")
    os.symlink(target, tmp_path / "docs" / "link.csv")
    assert resolve_data_path("link.csv", roots) == target.resolve()


def test_data_dirs_allow_an_outside_folder(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shared = tmp_path / "shared"
    put(tmp_path, "shared/x.csv", "a\n5\n")
    roots = make_roots(project)
    with pytest.raises(DataError):
        resolve_data_path("../../../shared/x.csv", roots)
    roots = DataRoots(roots.docs_dir, roots.project_root, roots.page_dir, data_dirs=(shared,))
    assert resolve_data_path("../../../shared/x.csv", roots) == (shared / "x.csv").resolve()
    # data_dirs are searched last, so a bare name works too.
    assert load_matrix(HeatmapSpec(data="x.csv"), roots).values[0, 0] == 5


def test_not_found_names_the_folders_searched(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    with pytest.raises(DataError) as info:
        resolve_data_path("results/missing.csv", roots)
    check_error(
        info.value,
        "data file 'results/missing.csv' not found; looked in docs/guide/, docs/ and the "
        "project root",
        "data",
    )


def test_not_found_suggests_a_close_name(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    put(tmp_path, "docs/results/probe_auc.csv", "a\n1\n")
    with pytest.raises(DataError) as info:
        resolve_data_path("results/probe_acu.csv", roots)
    check_error(info.value, "(did you mean 'results/probe_auc.csv'?)", "data")


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    (tmp_path / "docs" / "results").mkdir()
    with pytest.raises(DataError) as info:
        resolve_data_path("results", roots)
    check_error(info.value, "is a folder, not a file", "data")


def test_dangling_symlink_is_not_found(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    os.symlink(tmp_path / "nowhere.csv", tmp_path / "docs" / "gone.csv")
    with pytest.raises(DataError) as info:
        resolve_data_path("gone.csv", roots)
    check_error(info.value, "not found", "data")


@pytest.mark.parametrize("ref", ["C:\\data\\x.csv", "c:/data/x.csv", "\\\\server\\share\\x.csv"])
def test_windows_paths_are_errors(tmp_path: Path, ref: str) -> None:
    with pytest.raises(DataError) as info:
        resolve_data_path(ref, make_roots(tmp_path))
    check_error(info.value, "is a Windows absolute path", "data")


def test_odd_refs(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    for ref, fragment in [
        ("", "'data' is empty"),
        ("a\x00b.csv", "NUL"),
        ("x" * 5000 + ".csv", "not found"),
        ("/", "is a folder"),
    ]:
        with pytest.raises(DataError) as info:
            resolve_data_path(ref, roots)
        check_error(info.value, fragment, "data")


def test_unknown_extension(tmp_path: Path) -> None:
    err = load_error(tmp_path, "a.xlsx", b"PK", "extension '.xlsx'")
    assert "data_format" in str(err)
    assert ".csv" in str(err)
    load_error(tmp_path, "noext", "a\n1\n", "no extension")


def test_read_source_returns_bytes_path_and_format(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    put(tmp_path, "docs/a.yml", "[[1]]")
    source = read_source(HeatmapSpec(data="a.yml"), roots)
    assert source == Source(path=(tmp_path / "docs/a.yml").resolve(), content=b"[[1]]", fmt="yaml")


def test_unknown_format_in_source() -> None:
    with pytest.raises(DataError) as info:
        parse_source(HeatmapSpec(data="a.csv"), Source(Path("a.csv"), b"", "xls"))
    check_error(info.value, "unknown data format", "data_format")


# --------------------------------------------------------------------------
# Limits.


def test_file_size_limit_is_checked_before_reading(tmp_path: Path) -> None:
    roots = make_roots(tmp_path)
    put(tmp_path, "docs/big.csv", "a\n" + "1\n" * 100)
    spec = HeatmapSpec(data="big.csv")
    with pytest.raises(DataError) as info:
        read_source(spec, roots, Limits(max_file_bytes=100))
    check_error(info.value, "data file 'big.csv' is 202 bytes, over the limit of 100 bytes", "data")
    assert load_matrix(spec, roots, Limits(max_file_bytes=202)).shape == (100, 1)


def test_file_size_message_in_megabytes(tmp_path: Path) -> None:
    put(tmp_path, "docs/big.csv", b"0" * (3 * 1024 * 1024))
    with pytest.raises(DataError) as info:
        read_source(HeatmapSpec(data="big.csv"), make_roots(tmp_path), Limits(max_file_bytes=2048))
    check_error(info.value, "is 3.0 MB, over the limit of 2.0 KB", "data")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.csv", "a,b,c\n" + "1,2,3\n" * 4),
        ("b.csv", "1\n" * 20),
        ("c.csv", ",".join("1" * 20) + "\n"),
        ("d.json", "[" + ",".join(["[1,2,3]"] * 4) + "]"),
        ("e.yaml", "values: [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]"),
    ],
)
def test_cell_limit(tmp_path: Path, name: str, content: str) -> None:
    load_error(tmp_path, name, content, "over the limit", limits=Limits(max_cells=10))


def test_cell_limit_allows_exactly_the_limit(tmp_path: Path) -> None:
    m = load(tmp_path, "a.csv", "a,b\n" + "1,2\n" * 5, limits=Limits(max_cells=10))
    assert m.shape == (5, 2)


def test_cell_limit_on_npy_header(tmp_path: Path) -> None:
    save_npy(tmp_path, "a.npy", np.zeros((4, 4)))
    with pytest.raises(DataError) as info:
        load_matrix(HeatmapSpec(data="a.npy"), make_roots(tmp_path), Limits(max_cells=10))
    check_error(info.value, "4 x 4 = 16 cells, over the limit of 10", "data")


def test_cell_limit_on_npy_reads_only_the_header(tmp_path: Path) -> None:
    """A header promising a huge array is refused before any data is read:
    the file holds only 16 bytes of data, so loading it would fail differently."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (99999, 99999)}
    )
    put(tmp_path, "docs/a.npy", header.getvalue() + bytes(16))
    with pytest.raises(DataError) as info:
        load_matrix(HeatmapSpec(data="a.npy"), make_roots(tmp_path))
    check_error(info.value, "99,999 x 99,999 = 9,999,800,001 cells, over the limit", "data")


def test_cell_limit_on_pivot(tmp_path: Path) -> None:
    rows = "".join(f"x{i},y{i},1\n" for i in range(5))
    load_error(
        tmp_path, "l.csv", "x,y,v\n" + rows, "over the limit", limits=Limits(max_cells=10),
        pivot=Pivot(x="x", y="y", value="v"),
    )  # fmt: skip


def test_label_length_limit(tmp_path: Path) -> None:
    limits = Limits(max_label_length=5)
    load_error(
        tmp_path, "a.csv", "abcdef\n1\n", "column label 'abcdef' is 6 characters", limits=limits
    )
    load_error(tmp_path, "b.csv", ",a\nlonger,1\n", "row label 'longer'", limits=limits)
    load_error(
        tmp_path, "c.csv", "a\n1\n", "'x_labels': label 'toolong'", key="x_labels",
        limits=limits, x_labels=("toolong",),
    )  # fmt: skip
    assert load(tmp_path, "d.csv", "abcde\n1\n", limits=limits).x_labels == ("abcde",)


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


# --------------------------------------------------------------------------
# Host independence.


def test_data_module_imports_no_host() -> None:
    tree = ast.parse(Path(data_module.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"mkdocs", "markdown", "pymdownx", "pandas", "matplotlib"}


# --------------------------------------------------------------------------
# Properties.

_PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_csv_alphabet = st.sampled_from(list(",\t\r\n\"' ;-+.eE_0123456789naNINFxy\ufeffé\x00"))


@_PROPERTY
@given(
    content=st.one_of(
        st.text(alphabet=_csv_alphabet, max_size=80),
        st.text(max_size=80),
        st.binary(max_size=80),
    ),
    header=st.booleans(),
    index=st.sampled_from(["auto", True, False]),
    fmt=st.sampled_from(["csv", "tsv"]),
)
def test_any_text_loads_or_raises_data_error(
    tmp_path_factory: pytest.TempPathFactory,
    content: str | bytes,
    header: bool,
    index: Any,
    fmt: str,
) -> None:
    root = tmp_path_factory.getbasetemp() / "property_text"
    roots = make_roots(root)
    put(root, f"docs/any.{fmt}", content)
    spec = HeatmapSpec(data=f"any.{fmt}", header=header, index=index)
    try:
        m = load_matrix(spec, roots, Limits(max_cells=1000, max_label_length=50))
    except DataError as err:
        check_error(err, "", err.key or "data")
    else:
        assert isinstance(m, LabelledMatrix)
        assert m.values.ndim == 2
        assert m.values.size > 0
        assert all(isinstance(label, str) for label in m.x_labels + m.y_labels)


@_PROPERTY
@given(content=st.text(max_size=60), fmt=st.sampled_from(["json", "yaml"]))
def test_any_text_as_json_or_yaml_raises_only_data_error(
    tmp_path_factory: pytest.TempPathFactory, content: str, fmt: str
) -> None:
    root = tmp_path_factory.getbasetemp() / "property_structured"
    roots = make_roots(root)
    put(root, f"docs/any.{fmt}", content)
    try:
        load_matrix(HeatmapSpec(data=f"any.{fmt}"), roots)
    except DataError as err:
        check_error(err, "", err.key or "data")


_labels = st.text(alphabet=st.characters(codec="utf-8"), max_size=12).map(str.strip)
_cell = st.one_of(
    st.floats(allow_nan=True, allow_infinity=False),
    st.integers(-(10**6), 10**6).map(float),
)


@st.composite
def labelled_matrices(draw: st.DrawFn) -> LabelledMatrix:
    rows = draw(st.integers(1, 6))
    cols = draw(st.integers(1, 6))
    values = draw(
        st.lists(st.lists(_cell, min_size=cols, max_size=cols), min_size=rows, max_size=rows)
    )
    x_labels = draw(st.lists(_labels, min_size=cols, max_size=cols))
    y_labels = draw(st.lists(_labels, min_size=rows, max_size=rows))
    array = np.array(values, dtype=np.float64)
    assume(np.isfinite(array).any())  # an all-missing matrix is refused on load
    return LabelledMatrix(array, tuple(x_labels), tuple(y_labels))


@_PROPERTY
@given(m=labelled_matrices())
def test_csv_round_trip(tmp_path_factory: pytest.TempPathFactory, m: LabelledMatrix) -> None:
    root = tmp_path_factory.getbasetemp() / "property_round_trip"
    roots = make_roots(root)
    put(root, "docs/m.csv", matrix_to_csv(m))
    back = load_matrix(HeatmapSpec(data="m.csv"), roots)
    assert back.x_labels == m.x_labels
    assert back.y_labels == m.y_labels
    np.testing.assert_array_equal(back.values, m.values)  # NaN-aware
