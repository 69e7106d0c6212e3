"""Any input through ``parse_source``: host independence and properties."""

from __future__ import annotations

import ast
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import mkdocs_heatmap.data as data_package
from conftest import (
    check_error,
    make_roots,
    put,
)
from mkdocs_heatmap.data import (
    load_matrix,
    matrix_to_csv,
)
from mkdocs_heatmap.errors import DataError
from mkdocs_heatmap.model import MAX_MAGNITUDE, LabelledMatrix, Limits
from mkdocs_heatmap.spec import HeatmapSpec

NAN = math.nan


# --------------------------------------------------------------------------
# Host independence.


def test_data_package_imports_no_host() -> None:
    imported: set[str] = set()
    modules = sorted(Path(data_package.__file__).parent.glob("*.py"))
    assert len(modules) >= 8
    for module in modules:
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    assert "numpy" in imported  # the walk saw the parsers' imports
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
    st.floats(allow_nan=True, allow_infinity=False).map(
        lambda v: v if not abs(v) > MAX_MAGNITUDE else v / 1e200  # drawable values only
    ),
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
