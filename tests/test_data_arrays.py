"""NPY and NPZ files (``mkdocs_heatmap.data.arrays``)."""

from __future__ import annotations

import math
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import (
    check_error,
    load,
    load_error,
    load_saved,
    same,
    save_npy,
)
from mkdocs_heatmap.errors import DataError
from mkdocs_heatmap.spec import Pivot

NAN = math.nan


# --------------------------------------------------------------------------
# NPY / NPZ.


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


def test_npy_object_array_refused_even_past_the_header_check(tmp_path: Path) -> None:
    """np.load itself must be called with allow_pickle=False: a format 3.0
    header (which the header check leaves to numpy) declaring objects."""
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }"
    header += " " * (-(len(header) + 13) % 64) + "\n"
    blob = b"\x93NUMPY\x03\x00" + struct.pack("<I", len(header)) + header.encode() + bytes(16)
    with pytest.raises(DataError) as info:
        load(tmp_path, "a.npy", blob)
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
