"""Limits on cells and labels, whatever the format (``mkdocs_heatmap.data.cells``)."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest

from conftest import (
    check_error,
    load,
    load_error,
    make_roots,
    put,
    save_npy,
)
from mkdocs_heatmap.data import (
    load_matrix,
)
from mkdocs_heatmap.errors import DataError
from mkdocs_heatmap.model import Limits
from mkdocs_heatmap.spec import HeatmapSpec, Pivot

NAN = math.nan


# --------------------------------------------------------------------------
# Limits.


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
