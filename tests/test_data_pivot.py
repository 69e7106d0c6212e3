"""Long tables to matrices (``mkdocs_heatmap.data.pivot``)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from conftest import (
    LONG,
    load,
    load_error,
    same,
)
from mkdocs_heatmap.spec import Pivot

NAN = math.nan


# --------------------------------------------------------------------------
# Pivot.


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
