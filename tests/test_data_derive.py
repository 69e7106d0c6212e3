"""Matrices made from matrices: ``normalize`` and ``trim_mask``
(``mkdocs_heatmap.data.derive``), and where the pipeline applies them."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from conftest import RC, check_error, site_settings, svg_texts
from mkdocs_heatmap.api import render_spec
from mkdocs_heatmap.data.derive import normalize, triangle, trim_mask
from mkdocs_heatmap.errors import DataError, RenderError, SpecError
from mkdocs_heatmap.model import LabelledMatrix, Settings
from mkdocs_heatmap.pipeline import prepare_block
from mkdocs_heatmap.render import cell_colors
from mkdocs_heatmap.spec import parse_block

NAN = math.nan


def labelled(values: list[list[float]], x: str = "", y: str = "") -> LabelledMatrix:
    array = np.array(values, dtype=np.float64)
    rows, cols = array.shape
    xs = tuple(x) if x else tuple(f"c{j}" for j in range(cols))
    ys = tuple(y) if y else tuple(f"r{i}" for i in range(rows))
    return LabelledMatrix(array, xs, ys)


# --------------------------------------------------------------------------
# normalize


COUNTS = [[8.0, 2.0, 0.0], [1.0, NAN, 3.0], [0.0, 0.0, 0.0]]


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("rows", [[0.8, 0.2, 0.0], [0.25, NAN, 0.75], [NAN, NAN, NAN]]),
        ("columns", [[8 / 9, 1.0, 0.0], [1 / 9, NAN, 1.0], [0.0, 0.0, 0.0]]),
        ("all", [[8 / 14, 2 / 14, 0.0], [1 / 14, NAN, 3 / 14], [0.0, 0.0, 0.0]]),
    ],
)
def test_normalize_divides_by_sums_ignoring_missing_cells(
    how: str, expected: list[list[float]]
) -> None:
    """The row of zeros has no fractions: its cells become missing, with no
    division warning (warnings are errors in this suite)."""
    m = labelled(COUNTS)
    out = normalize(m, how, "m.csv")
    np.testing.assert_allclose(out.values, np.array(expected), equal_nan=True)
    assert (out.x_labels, out.y_labels) == (m.x_labels, m.y_labels)


def test_normalize_a_zero_column_is_missing() -> None:
    out = normalize(labelled([[0, 2], [0, 6]]), "columns", "m.csv")
    np.testing.assert_allclose(out.values, [[NAN, 0.25], [NAN, 0.75]], equal_nan=True)


def test_normalize_refuses_negative_values_naming_the_cell() -> None:
    with pytest.raises(DataError) as info:
        normalize(labelled([[1, -2]], x="ab", y="r"), "rows", "m.csv")
    check_error(
        info.value, "m.csv: row 'r', column 'b' is -2; values must be >= 0", key="normalize"
    )


@pytest.mark.parametrize(
    ("how", "fragment"),
    [("rows", "every row of"), ("columns", "every column of"), ("all", "the cells of")],
)
def test_normalize_of_zeros_leaves_nothing_to_draw(how: str, fragment: str) -> None:
    with pytest.raises(DataError) as info:
        normalize(labelled([[0, NAN], [0, 0]]), how, "z.csv")
    check_error(info.value, f"'normalize': {fragment} z.csv sums to 0", key="normalize")


counts = arrays(
    np.float64,
    st.tuples(st.integers(1, 6), st.integers(1, 6)),
    elements=st.one_of(st.just(NAN), st.floats(0, 1e6)),
)


@settings(max_examples=200, deadline=None)
@given(counts, st.sampled_from(["rows", "columns", "all"]))
def test_normalized_shares_sum_to_one(values: np.ndarray, how: str) -> None:  # type: ignore[type-arg]
    """Every row (column, the whole matrix) with a positive sum sums to 1
    after normalize; the others are entirely missing."""
    m = labelled(values.tolist())
    if np.nansum(values) == 0:  # nothing has a share
        with pytest.raises(DataError, match="sums to 0"):
            normalize(m, how, "m")
        return
    out = normalize(m, how, "m")
    axis = {"rows": 1, "columns": 0, "all": None}[how]
    sums = np.nansum(out.values, axis=axis)
    shown = np.isfinite(out.values).any(axis=axis)
    np.testing.assert_allclose(np.asarray(sums)[np.asarray(shown)], 1.0)
    assert np.all(out.values[np.isfinite(out.values)] >= 0)
    assert np.all(out.values[np.isfinite(out.values)] <= 1)


# --------------------------------------------------------------------------
# trim_mask


CORR = [
    [1.0, 0.5, 0.2, 0.1],
    [0.5, 1.0, 0.3, 0.4],
    [0.2, 0.3, 1.0, 0.6],
    [0.1, 0.4, 0.6, 1.0],
]


def test_trim_upper_drops_the_first_row_and_the_last_column() -> None:
    """mask: upper hides the diagonal and above: row a and column d are
    empty.  What is left shows its diagonal: the mask of the smaller matrix
    is the triangle strictly above it."""
    m, mask = trim_mask(labelled(CORR, "abcd", "abcd"), "upper")
    assert m.y_labels == ("b", "c", "d")
    assert m.x_labels == ("a", "b", "c")
    np.testing.assert_array_equal(m.values, [[0.5, 1.0, 0.3], [0.2, 0.3, 1.0], [0.1, 0.4, 0.6]])
    assert mask == ((False, True, True), (False, False, True), (False, False, False))


def test_trim_lower_drops_the_last_row_and_the_first_column() -> None:
    m, mask = trim_mask(labelled(CORR, "abcd", "abcd"), "lower")
    assert m.y_labels == ("a", "b", "c")
    assert m.x_labels == ("b", "c", "d")
    np.testing.assert_array_equal(m.values, [[0.5, 0.2, 0.1], [1.0, 0.3, 0.4], [0.3, 1.0, 0.6]])
    assert mask == ((False, False, False), (True, False, False), (True, True, False))


@pytest.mark.parametrize("which", ["upper", "lower"])
@pytest.mark.parametrize("shape", [(4, 4), (2, 5), (5, 2), (1, 3), (3, 1), (2, 2)])
def test_trim_keeps_exactly_the_cells_shown(which: str, shape: tuple[int, int]) -> None:
    """Whatever the shape, trimming drops only fully hidden rows and columns,
    and hides exactly the cells the untrimmed mask hid."""
    rows, cols = shape
    values = np.arange(rows * cols, dtype=np.float64).reshape(shape)
    m = labelled(values.tolist())
    hidden = triangle(shape, which)
    if hidden.all():
        with pytest.raises(DataError) as info:
            trim_mask(m, which)
        check_error(info.value, f"mask: {which} hides every cell", key="trim_mask")
        return
    out, mask = trim_mask(m, which)
    assert sorted(out.values[~np.array(mask)].tolist()) == sorted(values[~hidden].tolist())
    assert not np.array(mask).all(axis=1).any()  # no empty row is left
    assert not np.array(mask).all(axis=0).any()  # nor an empty column


def test_triangle_is_what_the_renderer_hides() -> None:
    m = labelled(CORR)
    for which in ("upper", "lower"):
        spec = parse_block(f"matrix: [[1]]\nmask: {which}")
        np.testing.assert_array_equal(cell_colors(spec, m).hidden, triangle(m.shape, which))


# --------------------------------------------------------------------------
# Through the pipeline.

CORR_BLOCK = (
    "matrix: [[1, 0.5, 0.2, 0.1], [0.5, 1, 0.3, 0.4], [0.2, 0.3, 1, 0.6], [0.1, 0.4, 0.6, 1]]\n"
    "x_labels: [a, b, c, d]\ny_labels: [a, b, c, d]\n"
)


@pytest.fixture
def settings_(tmp_path: Path) -> Settings:
    return site_settings(tmp_path)


def test_trim_mask_draws_every_correlation_once_and_nothing_else(settings_: Settings) -> None:
    """The drawn mask on the trimmed matrix hides exactly the cells the mask
    hid before: each pair of variables once, the diagonal of ones never."""
    prepared = prepare_block(CORR_BLOCK + "mask: upper\ntrim_mask: true", settings_)
    (panel,) = prepared.plot.panels
    assert panel.matrix.y_labels == ("b", "c", "d")
    assert panel.matrix.x_labels == ("a", "b", "c")
    shown = ~cell_colors(panel.spec, panel.matrix).hidden
    pairs = {
        (y, x, float(panel.matrix.values[i, j]))
        for i, y in enumerate(panel.matrix.y_labels)
        for j, x in enumerate(panel.matrix.x_labels)
        if shown[i, j]
    }
    assert pairs == {
        ("b", "a", 0.5),
        ("c", "a", 0.2),
        ("c", "b", 0.3),
        ("d", "a", 0.1),
        ("d", "b", 0.4),
        ("d", "c", 0.6),
    }


def test_trim_mask_follows_cluster(settings_: Settings) -> None:
    """Trimming comes after clustering: it drops the row and column that are
    empty in the order drawn."""
    pytest.importorskip("scipy")
    body = CORR_BLOCK + "mask: lower\ntrim_mask: true\ncluster: both"
    (panel,) = prepare_block(body, settings_).plot.panels
    hidden = cell_colors(panel.spec, panel.matrix).hidden
    assert panel.matrix.shape == (3, 3)
    assert not hidden.all(axis=0).any() and not hidden.all(axis=1).any()
    assert hidden.sum() == 3  # the strict lower triangle of what is left


def test_trim_mask_per_panel_and_in_defaults(settings_: Settings) -> None:
    body = (
        "panels:\n  - {matrix: [[1, 2], [3, 4]]}\n"
        "  - {matrix: [[1, 2], [3, 4]], mask: lower, trim_mask: false}"
    )
    plot = prepare_block(body, settings_, {"mask": "upper", "trim_mask": True}).plot
    assert [p.matrix.shape for p in plot.panels] == [(1, 1), (2, 2)]
    assert plot.panels[0].matrix.values.tolist() == [[3.0]]


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ("trim_mask: true", "this block has no mask"),
        ("trim_mask: true\nmask: [[true, false], [false, false]]", "has a mask matrix"),
        ("trim_mask: true\nmask: upper\ncluster: rows\ndendrogram: true", "not both"),
        ("trim_mask: sometimes", "'trim_mask': expected true or false"),
    ],
)
def test_trim_mask_needs_a_triangular_mask(extra: str, fragment: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_block("matrix: [[1, 2], [3, 4]]\n" + extra)
    assert fragment in info.value.message
    assert info.value.key == "trim_mask"
    assert info.value.block_line == 1


def test_trim_mask_of_a_single_row_leaves_nothing(settings_: Settings) -> None:
    with pytest.raises(DataError) as info:
        prepare_block("matrix: [[1, 2, 3]]\nmask: upper\ntrim_mask: true", settings_)
    check_error(info.value, "hides every cell of this 1 x 3 matrix", key="trim_mask")
    assert info.value.block_line == 2


CONFUSION = "matrix: [[8, 2], [0, 0]]\nx_labels: [cat, dog]\ny_labels: [cat, dog]\n"


def test_normalize_in_the_pipeline_and_its_format(settings_: Settings) -> None:
    prepared = prepare_block(CONFUSION + "normalize: rows", settings_)
    (panel,) = prepared.plot.panels
    np.testing.assert_allclose(panel.matrix.values, [[0.8, 0.2], [NAN, NAN]], equal_nan=True)
    assert panel.spec.fmt == ".2f"
    own = prepare_block(CONFUSION + "normalize: rows\nfmt: .0%", settings_)
    assert own.plot.panels[0].spec.fmt == ".0%"
    assert prepare_block(CONFUSION, settings_).plot.panels[0].spec.fmt is None


def test_normalized_whole_fractions_are_written_with_decimals() -> None:
    """A perfect classifier's shares are all 0 or 1; the figure still reads
    as fractions (the automatic format would write 1 and 0)."""
    svg = render_spec({"matrix": [[5, 0], [0, 3]], "normalize": "rows", "annotate": True})
    texts = svg_texts(svg)
    assert texts.count("1.00") == 2 and texts.count("0.00") == 2


def test_normalize_per_panel_and_in_defaults(settings_: Settings) -> None:
    body = "panels:\n  - {matrix: [[1, 3]]}\n  - {matrix: [[2, 2]], normalize: all}"
    defaults = Settings(roots=settings_.roots, rc=RC, defaults={"normalize": "columns"})
    plot = prepare_block(body, defaults).plot
    assert [p.matrix.values.tolist() for p in plot.panels] == [[[1.0, 1.0]], [[0.5, 0.5]]]


def test_normalize_each_source_before_subtract(settings_: Settings) -> None:
    """Two confusion matrices of one test set have the same row sums; their
    difference compares rates, which normalizing the difference could not."""
    body = "matrix: [[8, 2], [1, 9]]\nsubtract: {matrix: [[5, 5], [2, 8]]}\nnormalize: rows"
    (panel,) = prepare_block(body, settings_).plot.panels
    np.testing.assert_allclose(panel.matrix.values, [[0.3, -0.3], [-0.1, 0.1]])
    assert panel.spec.center == 0.0


def test_normalize_names_the_subtract_data(settings_: Settings) -> None:
    body = "matrix: [[8, 2]]\nsubtract: {matrix: [[-1, 1]]}\nnormalize: rows"
    with pytest.raises(DataError) as info:
        prepare_block(body, settings_)
    check_error(info.value, "but the 'subtract' matrix: row '0', column '0'", key="normalize")


def test_normalize_each_facet(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(
        "model,actual,pred,n\nA,x,x,3\nA,x,y,1\nB,x,x,1\nB,x,y,1\nB,y,y,2\n", encoding="utf-8"
    )
    body = "data: t.csv\npivot: {x: pred, y: actual, value: n}\nfacet: model\nnormalize: rows"
    plot = prepare_block(body, site_settings(tmp_path)).plot
    first, second = (p.matrix.values for p in plot.panels)
    np.testing.assert_allclose(first, [[0.75, 0.25], [NAN, NAN]], equal_nan=True)
    np.testing.assert_allclose(second, [[0.5, 0.5], [NAN, 1.0]], equal_nan=True)


@pytest.mark.parametrize(
    "extra", ["center: 0.5", "norm: log\nvmin: 0.01", "norm: symlog", "norm: sqrt", "robust: true"]
)
def test_normalize_draws_with_other_color_keys(extra: str) -> None:
    block = {"matrix": [[8, 2], [1, 9]], "normalize": "rows", **parse_extra(extra)}
    assert b"<svg" in render_spec(block)


def test_normalize_with_log_and_a_zero_share_is_the_log_message() -> None:
    with pytest.raises(RenderError, match="'norm: log' needs positive values"):
        render_spec({"matrix": [[8, 0], [1, 9]], "normalize": "rows", "norm": "log"})


def test_normalize_value_is_checked() -> None:
    with pytest.raises(SpecError) as info:
        parse_block("matrix: [[1]]\nnormalize: true")
    assert info.value.message == "'normalize': expected one of rows, columns, all; got True"
    assert info.value.block_line == 1
    with pytest.raises(SpecError, match="did you mean 'rows'"):
        parse_block("matrix: [[1]]\nnormalize: row")


def parse_extra(text: str) -> dict[str, object]:
    loaded = yaml.safe_load(text)
    assert isinstance(loaded, dict)
    return loaded
