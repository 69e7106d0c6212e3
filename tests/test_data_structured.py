"""JSON and YAML files (``mkdocs_heatmap.data.structured``)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import (
    load,
    load_error,
    same,
)

NAN = math.nan


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


@pytest.mark.parametrize(
    "text",
    [
        '{"labels": ["cat", "dog"], "matrix": [[5, 1], [2, 7]]}',
        '{"labels": ["cat", "dog"], "values": [[5, 1], [2, 7]]}',
        '{"display_labels": ["cat", "dog"], "confusion_matrix": [[5, 1], [2, 7]]}',
        '{"confusion_matrix": [[5, 1], [2, 7]], "display_labels": ["cat", "dog"], "acc": 0.8}',
    ],
)
def test_json_shared_labels_layouts(tmp_path: Path, text: str) -> None:
    """scikit-learn's confusion matrices: one list of classes for both axes."""
    m = load(tmp_path, "a.json", text)
    assert m.x_labels == m.y_labels == ("cat", "dog")
    same(m.values, [[5, 1], [2, 7]])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.text("abcxyz -_/", min_size=1, max_size=6), min_size=1, max_size=4, unique=True),
    st.data(),
)
def test_json_shared_labels_round_trip(
    tmp_path: Path, labels: list[str], data: st.DataObject
) -> None:
    n = len(labels)
    cell = st.one_of(st.none(), st.integers(0, 10**6))
    rows = data.draw(st.lists(st.lists(cell, min_size=n, max_size=n), min_size=n, max_size=n))
    assume(any(v is not None for row in rows for v in row))
    m = load(tmp_path, "a.json", json.dumps({"display_labels": labels, "confusion_matrix": rows}))
    assert m.x_labels == m.y_labels == tuple(label.strip() for label in labels)
    same(m.values, [[NAN if v is None else v for v in row] for row in rows])


def test_json_axis_labels_with_matrix(tmp_path: Path) -> None:
    text = '{"x_labels": ["a", "b", "c"], "y_labels": ["r"], "matrix": [[1, 2, 3]]}'
    m = load(tmp_path, "a.json", text)
    assert (m.x_labels, m.y_labels) == (("a", "b", "c"), ("r",))
    same(m.values, [[1, 2, 3]])


def test_yaml_shared_labels_and_selection_by_them(tmp_path: Path) -> None:
    text = "labels: [cat, dog, fox]\nmatrix:\n  - [5, 1, 0]\n  - [2, 7, 1]\n  - [0, 0, 9]\n"
    m = load(tmp_path, "a.yaml", text, rows=("fox", "cat"), columns=("cat",))
    assert (m.x_labels, m.y_labels) == (("cat",), ("fox", "cat"))
    same(m.values, [[0], [5]])


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            '{"labels": ["a", "b", "c"], "matrix": [[1, 2], [3, 4]]}',
            "a.json: 'labels' has 3 labels for the rows and the columns, but the matrix is 2 x 2",
        ),
        (
            '{"display_labels": ["a", "b"], "confusion_matrix": [[1, 2, 3], [4, 5, 6]]}',
            "'display_labels' has 2 labels for the rows and the columns, but the matrix is 2 x 3",
        ),
        ('{"labels": ["a", "b"], "matrix": [1, 2]}', "but the matrix is 1 x 2"),
        ('{"labels": "ab", "matrix": [[1]]}', "'labels' is the single value 'ab', expected a list"),
        ('{"labels": ["a"], "matrix": "x"}', "the values are the single value 'x'"),
        ('{"x_labels": ["a"], "matrix": [[1, 2]]}', "'x_labels' has 1 labels but the matrix has 2"),
        ('{"labels": ["a"], "x_labels": ["a"], "matrix": [[1]]}', "labels its matrix twice"),
        ('{"labels": ["a"], "display_labels": ["a"], "matrix": [[1]]}', "labels its matrix twice"),
        ('{"values": [[1]], "matrix": [[2]]}', "holds both 'values' and 'matrix'"),
        ('{"label": ["a"], "matrix": [[1]]}', "unknown key 'label' next to 'matrix' (did you mean"),
        ('{"display_label": ["a"], "confusion_matrix": [[1]]}', "did you mean 'display_labels'"),
    ],
)
def test_json_labelled_layout_errors(tmp_path: Path, text: str, fragment: str) -> None:
    load_error(tmp_path, "a.json", text, fragment)


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


def test_json_pandas_tuple_keys_are_joined_like_lists(tmp_path: Path) -> None:
    # orient="columns" of MultiIndex rows and columns: keys are Python tuples.
    text = "{\"('x', 1)\": {\"('m', 0)\": 1, \"('m', 1)\": 2}, \"('y', 2)\": {\"('m', 0)\": 3}}"
    m = load(tmp_path, "a.json", text)
    assert m.x_labels == ("x / 1", "y / 2")
    assert m.y_labels == ("m / 0", "m / 1")
    same(m.values, [[1, 3], [2, NAN]])
    # Not every key a tuple, or not all of one length: kept as written.
    m = load(tmp_path, "b.json", '{"(a, b)": {"r": 1}, "(1, 2)": {"r": 2}}')
    assert m.x_labels == ("(a, b)", "(1, 2)")
    m = load(tmp_path, "c.json", '{"(1, 2)": {"r": 1}, "(1, 2, 3)": {"r": 2}}')
    assert m.x_labels == ("(1, 2)", "(1, 2, 3)")


def test_json_records_with_labels_first(tmp_path: Path) -> None:
    text = '[{"model": "a", "x": 1, "y": 2}, {"model": "b", "x": 3, "y": null}]'
    m = load(tmp_path, "a.json", text)
    assert m.x_labels == ("x", "y")
    assert m.y_labels == ("a", "b")
    same(m.values, [[1, 2], [3, NAN]])
    load_error(
        tmp_path, "b.json", text, "record 1, column 'model': 'a' is not a number", index=False
    )
    # Whole numbers that are not increasing are values, as in a CSV file.
    m = load(tmp_path, "c.json", '[{"n": 3, "x": 1.5}, {"n": 1, "x": 2.5}]')
    assert m.x_labels == ("n", "x")


def test_json_pandas_table_orient(tmp_path: Path) -> None:
    table = {
        "schema": {
            "fields": [
                {"name": "model", "type": "string"},
                {"name": "layer", "type": "integer"},
                {"name": "a", "type": "number"},
                {"name": "b", "type": "number"},
            ],
            "primaryKey": ["model", "layer"],
            "pandas_version": "1.4.0",
        },
        "data": [
            {"model": "m", "layer": 0, "a": 0.5, "b": None},
            {"model": "m", "layer": 1, "a": 0.75, "b": 1},
        ],
    }
    m = load(tmp_path, "t.json", json.dumps(table))
    assert m.x_labels == ("a", "b")
    assert m.y_labels == ("m / 0", "m / 1")
    same(m.values, [[0.5, NAN], [0.75, 1]])
    plain = {"schema": {"fields": [{"name": "a"}]}, "data": [{"a": 1}, {"a": 2}]}
    m = load(tmp_path, "n.json", json.dumps(plain))  # no primaryKey: rows are numbered
    assert m.y_labels == ("0", "1")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"schema": {"fields": [1]}, "data": []}', "'fields' must be a list of {name: …}"),
        (
            '{"schema": {"fields": [{"name": "a"}]}, "data": [[1]]}',
            "row 1 of 'data' is a list, expected a mapping",
        ),
        (
            '{"schema": {"fields": [{"name": "k"}, {"name": "a"}], "primaryKey": ["k"]},'
            ' "data": [{"k": "r", "a": "x"}]}',
            "row 'r', column 'a': 'x' is not a number",
        ),
    ],
)
def test_json_pandas_table_orient_errors(tmp_path: Path, text: str, fragment: str) -> None:
    load_error(tmp_path, "t.json", text, fragment)


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
        ("[[1" + "0" * 5000 + "]]", "a.json: the number 100000000000… (5,001 characters)"),
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
# Numbers no float holds, keys written twice: errors, never silently changed.

BIG = "1" + "0" * 400


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            f'{{"values": [[1, 2],\n  [3, {BIG}]]}}',
            "a.json: the number 100000000000… (401 characters) on line 2, column 7 is too "
            "large; numbers must lie within ±1.8e308",
        ),
        (
            '{"x_labels": ["1e400", "b\\\\"], "values": [[1e400, -2]]}',
            "a.json: the number 1e400 on line 1, column 44 is too large",
        ),
        ("[[1, -1.5E+400]]", "a.json: the number -1.5E+400 on line 1, column 6 is too large"),
        ("[[1, " + "9" * 5000 + "]]", "the number 999999999999… (5,000 characters) on line 1"),
        ("[[1, 2" + "0" * 308 + "]]", "the number 200000000000… (309 characters)"),
    ],
)
def test_json_numbers_too_large_for_a_float_are_errors(
    tmp_path: Path, text: str, said: str
) -> None:
    assert said in str(load_error(tmp_path, "a.json", text, said))


def test_json_numbers_just_inside_the_range_are_read(tmp_path: Path) -> None:
    from mkdocs_heatmap.data.structured import json_float, json_int

    assert json_int("1" + "0" * 308) == 10**308
    assert json_float("-1.7e308") == -1.7e308
    m = load(tmp_path, "a.json", "[[1" + "0" * 150 + ", 2.5e100, -1e-400]]")
    same(m.values, [[1e150, 2.5e100, -0.0]])


@pytest.mark.parametrize(
    "text",
    [
        '{"values": [[1, 2]], "x_labels": ["a", "b"], "values": [[3, 4]]}',
        '{"values": [[1, 2]], "x_labels": [{"values": 1, "values": 2}]}',
    ],
)
def test_a_json_key_written_twice_is_an_error(tmp_path: Path, text: str) -> None:
    err = load_error(tmp_path, "a.json", text, "key 'values' appears twice")
    assert str(err) == (
        "a.json: key 'values' appears twice in one object; JSON would keep only the last, "
        "so remove one"
    )


def test_the_same_key_in_different_json_objects_is_fine(tmp_path: Path) -> None:
    text = '{"a": {"x": 1, "y": 2}, "b": {"x": 3, "y": 4}}'
    same(load(tmp_path, "a.json", text).values, [[1, 3], [2, 4]])


def test_a_yaml_key_written_twice_is_an_error(tmp_path: Path) -> None:
    text = "values: [[1, 2]]\nx_labels: [a, b]\nvalues: [[3, 4]]\n"
    err = load_error(tmp_path, "a.yaml", text, "key 'values' appears twice")
    assert str(err) == (
        "a.yaml: key 'values' appears twice in one mapping (lines 1 and 3); YAML would keep "
        "only the last, so remove one"
    )
    nested = "a: {x: 1, y: 2}\nb:\n  x: 3\n  x: 4\n"
    load_error(tmp_path, "b.yaml", nested, "key 'x' appears twice in one mapping (lines 3 and 4)")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (f"values: [[1, 2],\n  [3, {BIG}]]\n", "on line 2, column 7 is too large"),
        ("values: [[1.0e+400, 2]]\n", "the number 1.0e+400 on line 1, column 11 is too large"),
    ],
)
def test_yaml_numbers_too_large_for_a_float_are_errors(
    tmp_path: Path, text: str, said: str
) -> None:
    load_error(tmp_path, "a.yaml", text, said)


def test_yaml_infinity_written_as_such_is_left_to_the_cell_checks(tmp_path: Path) -> None:
    load_error(tmp_path, "a.yaml", "[[1, .inf]]\n", "is inf")
