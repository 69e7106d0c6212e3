"""Attention maps (issue 23): triangles without their diagonal
(``upper_strict``, ``lower_strict``), masks read from data files, and arrays
of more than two axes (``slice``, ``facet_axis``, ``panel_titles``): the data
step, the keys, the drawn pixels, the layout and real MkDocs builds."""

from __future__ import annotations

import html as htmllib
import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PIL import Image as PILImage

from conftest import (
    Site,
    check,
    check_error,
    drawn,
    figures,
    load_saved,
    make_roots,
    save_npy,
    site_settings,
)
from mkdocs_heatmap.data import read_source
from mkdocs_heatmap.data.derive import hidden_cells, mask_cells, triangle
from mkdocs_heatmap.data.load import parse_axis_facets
from mkdocs_heatmap.emit import default_alt
from mkdocs_heatmap.errors import DataError, SpecError
from mkdocs_heatmap.keys import Invalid, Mask, Slice, Titles
from mkdocs_heatmap.model import HeatmapSpec, LabelledMatrix
from mkdocs_heatmap.pipeline import prepare_block
from mkdocs_heatmap.spec import parse_block

ATTENTION = np.random.default_rng(23).random((4, 6, 6))


def labelled(values: Any, x: str, y: str) -> LabelledMatrix:
    return LabelledMatrix(np.array(values, dtype=np.float64), tuple(x), tuple(y))


def numbered(values: Any) -> LabelledMatrix:
    array = np.array(values, dtype=np.float64)
    rows, cols = array.shape
    return LabelledMatrix(array, tuple(map(str, range(cols))), tuple(map(str, range(rows))))


# --------------------------------------------------------------------------
# Strict triangles


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (3, 5), (5, 3)])
def test_strict_triangles_leave_the_diagonal(shape: tuple[int, int]) -> None:
    ones = np.ones(shape, dtype=bool)
    np.testing.assert_array_equal(triangle(shape, "upper_strict"), np.triu(ones, k=1))
    np.testing.assert_array_equal(triangle(shape, "lower_strict"), np.tril(ones, k=-1))
    # The triangles with their diagonal are as before.
    np.testing.assert_array_equal(triangle(shape, "upper"), np.triu(ones))
    np.testing.assert_array_equal(triangle(shape, "lower"), np.tril(ones))
    matrix = numbered(np.zeros(shape))
    for name in ("upper_strict", "lower_strict"):
        spec = parse_block(f"matrix: [[1]]\nmask: {name}")
        np.testing.assert_array_equal(hidden_cells(spec, matrix), triangle(shape, name))


def test_a_strict_triangle_cannot_be_trimmed() -> None:
    with pytest.raises(SpecError) as info:
        parse_block("matrix: [[1, 2], [3, 4]]\nmask: lower_strict\ntrim_mask: true")
    assert "keeps the diagonal" in info.value.message
    assert info.value.block_line == 2


def test_hover_and_alt_text_leave_out_what_a_strict_triangle_hides(tmp_path: Path) -> None:
    body = "matrix: [[9, 2, 3], [4, 5, 6], [7, 8, 1]]\nmask: upper_strict\nhover: true"
    prepared = prepare_block(body, site_settings(tmp_path))
    assert prepared.hover is not None
    (panel,) = prepared.hover
    assert panel.values == ("9", "", "", "4", "5", "", "7", "8", "1")
    # The extremes the alt text names are on the diagonal, which is shown.
    alt = default_alt(prepared.spec, prepared.plot.panels[0].matrix)
    assert "from 1 (row 2, column 2) to 9 (row 0, column 0)" in alt
    lower = prepare_block(body.replace("upper_strict", "lower_strict"), site_settings(tmp_path))
    alt = default_alt(lower.spec, lower.plot.panels[0].matrix)
    assert "from 1 (row 2, column 2) to 9 (row 0, column 0)" in alt
    assert lower.hover is not None
    assert lower.hover[0].values == ("9", "2", "3", "", "5", "6", "", "", "1")


# --------------------------------------------------------------------------
# The key table's new options


def test_mask_option_tells_names_from_paths() -> None:
    option = Mask(lambda: ("data", "header", "index", "key"))
    for name in ("upper", "lower", "upper_strict", "lower_strict"):
        assert option.validate(name) == name
    assert option.validate("masks/causal.csv") == "masks/causal.csv"
    assert option.validate("causal.npy") == "causal.npy"
    assert option.validate({"data": "m.csv", "header": False}) == {"data": "m.csv", "header": False}
    assert option.validate([[True, 0], [1, False]]) == ((True, False), (True, False))
    for bad, fragment in [
        ("upper_strct", "did you mean 'upper_strict'?"),
        ("diagonal", "expected upper, lower, upper_strict, lower_strict"),
        ({"header": False}, "needs 'data'"),
        ({"data": "m.csv", "heder": 1}, "did you mean 'header'?"),
        (3, "got 3"),
    ]:
        with pytest.raises(Invalid, match=None) as info:
            option.validate(bad)
        assert fragment in str(info.value)


def test_slice_and_titles_options() -> None:
    assert Slice().validate([0, -1]) == (0, -1)
    assert Slice().validate(2) == (2,)
    for bad in ([], [True], ["a"], [1.5]):
        with pytest.raises(Invalid):
            Slice().validate(bad)
    assert Titles(10).validate(["head 0", 1]) == ("head 0", "1")
    with pytest.raises(Invalid, match="item 2 is too long"):
        Titles(10).validate(["a", "b" * 11])
    with pytest.raises(Invalid):
        Titles(10).validate([])


def test_new_keys_come_last_and_are_not_drawn() -> None:
    """Existing figures keep their cache keys: the new keys are appended to
    the table, and none of them is part of a figure's key itself."""
    from dataclasses import fields

    from mkdocs_heatmap.model import NOT_DRAWN

    names = [f.name for f in fields(HeatmapSpec)]
    assert names.index("slice") > names.index("facet")
    assert {"slice", "facet_axis", "panel_titles"} <= NOT_DRAWN


@pytest.mark.parametrize(
    ("body", "fragment", "line"),
    [
        ("matrix: [[1]]\npanel_titles: [a]", "'panel_titles' names the panels of 'facet_axis'", 1),
        (
            "data: t.csv\npivot: {x: a, y: b, value: c}\nfacet: f\nfacet_axis: 0",
            "either 'facet'",
            3,
        ),
        ("matrix: [[1]]\nfacet_axis: 0", "inline 'matrix'", 1),
        ("data: a.npy\nfacet_axis: -1", "'facet_axis': must be between 0 and 31", 1),
    ],
)
def test_spec_refuses_axes_it_cannot_use(body: str, fragment: str, line: int) -> None:
    with pytest.raises(SpecError) as info:
        parse_block(body)
    assert fragment in info.value.message
    assert info.value.block_line == line


# --------------------------------------------------------------------------
# slice and facet_axis: the data step


def test_slice_picks_positions_of_the_leading_axes(tmp_path: Path) -> None:
    save_npy(tmp_path, "a.npy", ATTENTION)
    np.testing.assert_array_equal(load_saved(tmp_path, "a.npy", slice=(1,)).values, ATTENTION[1])
    np.testing.assert_array_equal(load_saved(tmp_path, "a.npy", slice=(-1,)).values, ATTENTION[3])
    four = np.arange(2 * 3 * 4 * 5, dtype=float).reshape(2, 3, 4, 5)
    save_npy(tmp_path, "b.npy", four)
    matrix = load_saved(tmp_path, "b.npy", slice=(1, -2))
    np.testing.assert_array_equal(matrix.values, four[1, 1])
    assert matrix.shape == (4, 5)
    np.savez(tmp_path / "docs" / "z.npz", attn=ATTENTION, other=np.ones(2))
    picked = load_saved(tmp_path, "z.npz", data_key="attn", slice=(2,))
    np.testing.assert_array_equal(picked.values, ATTENTION[2])
    # Selection (of the file's rows) and transpose apply to the picked matrix.
    picked = load_saved(tmp_path, "a.npy", slice=(0,), transpose=True, rows=("2", "0"))
    np.testing.assert_array_equal(picked.values, ATTENTION[0][[2, 0]].T)


@pytest.mark.parametrize(
    ("array", "positions", "fragment"),
    [
        (ATTENTION, (4,), "position 4 is outside axis 0 of a.npy, which has 4 (0 to 3"),
        (ATTENTION, (-5,), "position -5 is outside axis 0"),
        (
            ATTENTION,
            (0, 1),
            "'slice' has 2 positions, but a.npy is a 3-D array (4 x 6 x 6): give 1",
        ),
        (np.ones((2, 3, 4, 5)), (0,), "is a 4-D array (2 x 3 x 4 x 5): give 2"),
        (np.ones((2, 2)), (0,), "'slice' picks along the leading axes of an array of more than"),
        (np.ones(3), (0,), "is a 1-D array (3)"),
    ],
)
def test_slice_errors(
    tmp_path: Path, array: Any, positions: tuple[int, ...], fragment: str
) -> None:
    save_npy(tmp_path, "a.npy", array)
    with pytest.raises(DataError) as info:
        load_saved(tmp_path, "a.npy", slice=positions)
    check_error(info.value, fragment, "slice")


def test_arrays_of_three_axes_are_refused_without_slice(tmp_path: Path) -> None:
    save_npy(tmp_path, "a.npy", ATTENTION)
    with pytest.raises(DataError) as info:
        load_saved(tmp_path, "a.npy")
    err = check_error(info.value, "only 1-D and 2-D arrays can be drawn", "data")
    assert "'slice'" in str(err) and "'facet_axis'" in str(err)


def test_slice_needs_an_array_file(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    pd.DataFrame(np.eye(2)).to_csv(tmp_path / "docs" / "m.csv")
    with pytest.raises(DataError) as info:
        load_saved(tmp_path, "m.csv", slice=(0,))
    check_error(info.value, "m.csv is a CSV file, which has two", "slice")


def facets(tmp_path: Path, array: Any, **spec: Any) -> list[LabelledMatrix]:
    roots = make_roots(tmp_path)
    np.save(tmp_path / "docs" / "a.npy", array)
    full = HeatmapSpec(data="a.npy", **spec)
    source = read_source(full, roots)
    assert source is not None
    return parse_axis_facets(full, source)


def test_facet_axis_gives_one_matrix_per_position(tmp_path: Path) -> None:
    heads = facets(tmp_path, ATTENTION, facet_axis=0)
    assert len(heads) == 4
    for n, head in enumerate(heads):
        np.testing.assert_array_equal(head.values, ATTENTION[n])
    columns = facets(tmp_path, ATTENTION, facet_axis=2)
    assert len(columns) == 6
    np.testing.assert_array_equal(columns[5].values, ATTENTION[:, :, 5])
    four = np.random.default_rng(4).random((2, 3, 5, 5))
    layer = facets(tmp_path, four, slice=(1,), facet_axis=1)
    assert len(layer) == 3
    np.testing.assert_array_equal(layer[2].values, four[1, 2])


@pytest.mark.parametrize(
    ("array", "spec", "fragment", "key"),
    [
        (
            np.ones((2, 2)),
            {"facet_axis": 0},
            "of three or more axes, but a.npy is a 2-D",
            "facet_axis",
        ),
        (ATTENTION, {"facet_axis": 3}, "has no axis 3 to split: its axes are 0 to 2", "facet_axis"),
        (
            np.ones((2, 3, 4, 4)),
            {"facet_axis": 0, "slice": (1,)},
            "no axis 0 to split: its axes are 0 to 3; 'slice' picks along axes 0 to 0",
            "facet_axis",
        ),
        (np.ones((25, 2, 2)), {"facet_axis": 0}, "makes 25 panels; at most 24", "facet_axis"),
        (np.ones((2, 3, 4, 4)), {"facet_axis": 1}, "give 'slice' with 1 position", "facet_axis"),
    ],
)
def test_facet_axis_errors(
    tmp_path: Path, array: Any, spec: dict[str, Any], fragment: str, key: str
) -> None:
    with pytest.raises(DataError) as info:
        facets(tmp_path, array, **spec)
    check_error(info.value, fragment, key)


def test_facet_axis_panels_titles_and_shared_colorbar(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", ATTENTION)
    prepared = prepare_block("data: a.npy\nfacet_axis: 0", site_settings(tmp_path))
    assert prepared.plot.multi
    assert [p.spec.title for p in prepared.plot.panels] == [f"axis 0 = {n}" for n in range(4)]
    titled = "data: a.npy\nfacet_axis: 0\npanel_titles: [h0, h1, h2, h3]\ntitle: Heads"
    prepared = prepare_block(titled, site_settings(tmp_path))
    assert [p.spec.title for p in prepared.plot.panels] == ["h0", "h1", "h2", "h3"]
    fig = drawn(prepared.plot)
    check(fig)
    # Four maps and one colorbar.
    assert len(fig.axes) == 5
    with pytest.raises(DataError) as info:
        prepare_block(titled.replace(", h3", ""), site_settings(tmp_path))
    assert "'panel_titles' has 3 titles, but 'facet_axis' makes 4 panels" in info.value.message
    assert info.value.block_line == 2


@pytest.mark.parametrize("count", [1, 2, 5, 12, 24])
def test_facet_axis_layout_keeps_every_text_inside(tmp_path: Path, count: int) -> None:
    array = np.random.default_rng(count).random((count, 12, 12))
    np.save(tmp_path / "a.npy", array)
    body = (
        "data: a.npy\nfacet_axis: 0\nmask: upper_strict\ntitle: Attention by head\n"
        "xlabel: Key\nylabel: Query\ncolorbar: {label: Weight}"
    )
    check(drawn(prepare_block(body, site_settings(tmp_path)).plot))


# --------------------------------------------------------------------------
# Masks read from data files


def test_mask_cells_by_shape_and_by_labels() -> None:
    matrix = labelled(np.zeros((2, 3)), "abc", "xy")
    assert mask_cells(numbered([[1, 0, 0], [0, 1, 1]]), matrix, "m.csv") == (
        (True, False, False),
        (False, True, True),
    )
    # Labels in another order, and more rows than the matrix shows.
    mask = labelled([[0, 0, 1], [1, 0, 0], [1, 1, 1]], "cab", "yxz")
    assert mask_cells(mask, matrix, "m.csv") == ((False, False, True), (False, True, False))


@pytest.mark.parametrize(
    ("mask", "fragment"),
    [
        (numbered(np.zeros((3, 3))), "'mask': m.csv is 3 x 3, but the plotted matrix is 2 x 3"),
        (labelled(np.zeros((2, 3)), "abd", "xy"), "m.csv has no column 'c' of the plotted"),
        (labelled(np.zeros((2, 3)), "abc", "xz"), "has no row 'y'"),
        (numbered([[0, 1, 0.5], [0, 0, 0]]), "row '0', column '2' is 0.5; a mask holds only"),
        (numbered([[0, 1, np.nan], [0, 0, 0]]), "column '2' is missing; a mask holds only"),
    ],
)
def test_mask_cells_errors(mask: LabelledMatrix, fragment: str) -> None:
    with pytest.raises(DataError) as info:
        mask_cells(mask, labelled(np.zeros((2, 3)), "abc", "xy"), "m.csv")
    check_error(info.value, fragment, "mask")


def write_mask(folder: Path, name: str, hidden: Any, labels: str = "") -> None:
    frame = pd.DataFrame(hidden)
    if labels:
        frame = pd.DataFrame(hidden, index=list(labels), columns=list(labels))
    if name.endswith(".csv"):
        frame.to_csv(folder / name)
    elif name.endswith(".json"):
        frame.to_json(folder / name, orient="split")
    else:
        np.save(folder / name, np.asarray(hidden))


@pytest.mark.parametrize("name", ["m.csv", "m.json", "m.npy"])
@pytest.mark.parametrize("kind", ["bool", "int"])
def test_a_mask_file_of_true_false_or_0_1(tmp_path: Path, name: str, kind: str) -> None:
    causal = np.triu(np.ones((3, 3), dtype=bool), k=1)
    write_mask(tmp_path, name, causal if kind == "bool" else causal.astype(int))
    body = "matrix: [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\nmask: " + name
    prepared = prepare_block(body, site_settings(tmp_path))
    assert prepared.spec.mask == tuple(map(tuple, causal.tolist()))
    assert tmp_path / name in prepared.files


def test_a_mask_file_matched_by_labels_and_given_as_a_mapping(tmp_path: Path) -> None:
    causal = np.triu(np.ones((3, 3), dtype=bool), k=1)
    pd.DataFrame(causal, index=list("abc"), columns=list("abc")).to_csv(tmp_path / "m.csv")
    pd.DataFrame(np.arange(9.0).reshape(3, 3), index=list("abc"), columns=list("abc")).to_csv(
        tmp_path / "d.csv"
    )
    body = "data: d.csv\nrows: [c, a]\ncolumns: [b, c]\nmask: {data: m.csv}"
    prepared = prepare_block(body, site_settings(tmp_path))
    assert prepared.spec.mask == ((False, False), (True, True))
    # A headerless file of 0/1, read with the data keys of the mapping.
    np.savetxt(tmp_path / "h.csv", np.eye(3), fmt="%d", delimiter=",")
    body = "matrix: [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\nmask: {data: h.csv, header: false}"
    prepared = prepare_block(body, site_settings(tmp_path))
    assert prepared.spec.mask == tuple(map(tuple, np.eye(3, dtype=bool).tolist()))


def test_a_mask_file_is_read_as_such_and_only_then(tmp_path: Path) -> None:
    """true/false cells are numbers only in a mask: a data file of them is
    still refused."""
    pd.DataFrame(np.eye(2, dtype=bool)).to_csv(tmp_path / "b.csv")
    with pytest.raises(DataError):
        prepare_block("data: b.csv", site_settings(tmp_path))
    with pytest.raises(DataError) as info:
        prepare_block("matrix: [[1]]\nmask: nope/m.csv", site_settings(tmp_path))
    assert info.value.message.startswith("'mask': data file 'nope/m.csv' not found")
    assert info.value.block_line == 1


def test_a_mask_file_is_in_the_key_and_the_files(tmp_path: Path) -> None:
    body = "matrix: [[1, 2], [3, 4]]\nmask: m.csv"
    write_mask(tmp_path, "m.csv", np.eye(2, dtype=bool))
    first = prepare_block(body, site_settings(tmp_path))
    write_mask(tmp_path, "m.csv", ~np.eye(2, dtype=bool))
    second = prepare_block(body, site_settings(tmp_path))
    assert first.key != second.key
    assert tmp_path / "m.csv" in second.files
    # The same cells as an inline mask draw the same figure.
    inline = prepare_block(
        "matrix: [[1, 2], [3, 4]]\nmask: [[false, true], [true, false]]", site_settings(tmp_path)
    )
    assert inline.key == second.key


def test_facet_axis_panels_share_one_mask_file(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", ATTENTION)
    write_mask(tmp_path, "m.npy", np.triu(np.ones((6, 6), dtype=bool), k=1))
    prepared = prepare_block("data: a.npy\nfacet_axis: 0\nmask: m.npy", site_settings(tmp_path))
    strict = prepare_block(
        "data: a.npy\nfacet_axis: 0\nmask: upper_strict", site_settings(tmp_path)
    )
    for panel, other in zip(prepared.plot.panels, strict.plot.panels, strict=True):
        np.testing.assert_array_equal(
            hidden_cells(panel.spec, panel.matrix), hidden_cells(other.spec, other.matrix)
        )
    assert tmp_path / "m.npy" in prepared.files


# --------------------------------------------------------------------------
# Pixels: a strict triangle leaves the diagonal drawn


def cell_rgba(
    png: bytes, box: tuple[float, float, float, float], shape: Any, i: int, j: int
) -> Any:
    left, top, right, bottom = box
    rows, cols = shape
    with PILImage.open(io.BytesIO(png)) as image:
        rgba = np.array(image.convert("RGBA"))
    h, w, _ = rgba.shape
    x = left + (j + 0.5) * (right - left) / cols
    y = top + (i + 0.5) * (bottom - top) / rows
    return rgba[int(y * h), int(x * w)]


@pytest.mark.parametrize(
    ("mask", "hidden", "shown"),
    [
        ("upper_strict", [(0, 1), (0, 3), (2, 3)], [(0, 0), (2, 2), (3, 3), (3, 0)]),
        ("lower_strict", [(1, 0), (3, 0), (3, 2)], [(0, 0), (1, 1), (3, 3), (0, 3)]),
        ("upper", [(0, 0), (0, 1), (3, 3)], [(1, 0), (3, 2)]),
        ("m.npy", [(0, 1), (0, 3), (2, 3)], [(0, 0), (2, 2), (3, 3), (3, 0)]),
    ],
)
def test_pixels_of_hidden_and_shown_cells(
    tmp_path: Path, mask: str, hidden: list[Any], shown: list[Any]
) -> None:
    np.save(tmp_path / "m.npy", np.triu(np.ones((4, 4), dtype=bool), k=1))
    values = (np.arange(16).reshape(4, 4) + 4).tolist()
    body = f"matrix: {values}\nmask: {mask}\nformat: png\nannotate: false\ncmap: viridis"
    prepared = prepare_block(body, site_settings(tmp_path))
    image = prepared.job.run()[0]
    (box,) = image.maps
    with PILImage.open(io.BytesIO(image.content)) as whole:
        background = np.array(whole.convert("RGBA"))[1, 1]
    for i, j in hidden:
        assert (cell_rgba(image.content, box, (4, 4), i, j) == background).all(), (mask, i, j)
    for i, j in shown:
        color = cell_rgba(image.content, box, (4, 4), i, j)
        assert not (color == background).all(), (mask, i, j)
        assert color[3] == 255


# --------------------------------------------------------------------------
# Real MkDocs builds


def attention_site(site: Site) -> None:
    site.write("docs/data/attention.npz", _npz(attention=ATTENTION))
    site.write("docs/data/causal.csv", pd.DataFrame(np.triu(np.ones((6, 6)), k=1) > 0).to_csv())
    site.page(
        "index.md",
        """
        # Heads

        ```heatmap
        data: data/attention.npz
        facet_axis: 0
        mask: upper_strict
        panel_titles: [head 0, head 1, head 2, head 3]
        title: Attention by head
        hover: true
        format: png
        ```

        ```heatmap
        data: data/attention.npz
        slice: [-1]
        mask: data/causal.csv
        caption: The last head, causal.
        ```
        """,
    )


def _npz(**arrays: Any) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_mkdocs_build_draws_heads_slices_and_mask_files(site: Site, build: Any) -> None:
    attention_site(site)
    result = build(site, strict=True)
    assert result.ok, result.error
    assert not result.heatmap_warnings()
    page = site.html()
    found = figures(page).figures
    assert len(found) == 2
    raw = re.search(r"data-heatmap='([^']*)'", page)
    assert raw is not None
    hover = json.loads(htmllib.unescape(raw.group(1)))
    assert [p["t"] for p in hover["p"]] == ["head 0", "head 1", "head 2", "head 3"]
    svg = (site.out / found[1]["img"]["src"]).read_bytes()
    assert svg.startswith(b"<?xml") or b"<svg" in svg[:500]
    images_before = {p.name for p in site.images()}
    # An edit of the mask file is seen by the next build (the block's memo
    # and figure cache are keyed on it): the second figure changes.
    site.write("docs/data/causal.csv", pd.DataFrame(np.tril(np.ones((6, 6)), k=-1) > 0).to_csv())
    result = build(site, strict=True)
    assert result.ok, result.error
    after = {p.name for p in site.images()}
    assert len(after - images_before) == 1


def test_mkdocs_build_reports_a_bad_mask_file_at_its_line(site: Site, build: Any) -> None:
    site.write("docs/m.csv", pd.DataFrame(np.eye(3, dtype=bool)).to_csv())
    site.page(
        "index.md", "# A\n\n```heatmap\nmatrix: [[1, 2], [3, 4]]\ntitle: t\nmask: m.csv\n```\n"
    )
    result = build(site, strict=True)
    assert not result.ok
    (warning,) = result.heatmap_warnings()
    assert warning.startswith("index.md:6: heatmap: 'mask': m.csv is 3 x 3"), warning


# --------------------------------------------------------------------------
# The API: a NumPy array of three axes as the matrix


def test_api_takes_an_array_of_three_axes_with_slice_or_facet_axis(tmp_path: Path) -> None:
    from mkdocs_heatmap import api

    settings = api.site_settings(base_dir=tmp_path)
    one = api.prepare({"matrix": ATTENTION, "slice": [-1]}, settings)
    np.testing.assert_array_equal(one.plot.panels[0].matrix.values, ATTENTION[3])
    heads = api.prepare(
        {"matrix": ATTENTION, "facet_axis": 0, "mask": "upper_strict", "title": "Heads"},
        settings,
    )
    assert [p.spec.title for p in heads.plot.panels] == [f"axis 0 = {n}" for n in range(4)]
    assert heads.plot.spec.title == "Heads"
    for n, panel in enumerate(heads.plot.panels):
        np.testing.assert_array_equal(panel.matrix.values, ATTENTION[n])
        assert panel.spec.mask == "upper_strict"
    # The same figure as from an .npy file of the array.
    np.save(tmp_path / "a.npy", ATTENTION)
    from_file = api.prepare("data: a.npy\nfacet_axis: 0\npanel_titles: [a, b, c, d]", settings)
    titled = api.prepare(
        {"matrix": ATTENTION, "facet_axis": 0, "panel_titles": ["a", "b", "c", "d"]}, settings
    )
    for mine, theirs in zip(titled.plot.panels, from_file.plot.panels, strict=True):
        assert mine.spec.title == theirs.spec.title
        np.testing.assert_array_equal(mine.matrix.values, theirs.matrix.values)
    assert api.draw(titled).content == api.draw(titled).content


@pytest.mark.parametrize(
    ("extra", "fragment", "key"),
    [
        ({}, "the matrix is a 3-D array (4 x 6 x 6); only 1-D and 2-D arrays", "matrix"),
        ({"slice": [4]}, "'slice': position 4 is outside axis 0 of the matrix", "slice"),
        ({"slice": [0, 0]}, "'slice' has 2 positions, but the matrix is a 3-D array", "slice"),
        ({"facet_axis": 0, "panel_titles": ["a"]}, "'panel_titles' has 1 title", "panel_titles"),
        ({"facet_axis": -1}, "'facet_axis': must be between 0 and 31", "facet_axis"),
        ({"facet_axis": 3}, "the matrix has no axis 3 to split", "facet_axis"),
    ],
)
def test_api_errors_for_an_array_of_three_axes(
    tmp_path: Path, extra: dict[str, Any], fragment: str, key: str
) -> None:
    from mkdocs_heatmap import api
    from mkdocs_heatmap.errors import HeatmapError

    with pytest.raises(HeatmapError) as info:
        api.prepare({"matrix": ATTENTION, **extra}, api.site_settings(base_dir=tmp_path))
    assert fragment in info.value.message, info.value.message
    assert info.value.key == key


def test_slice_reaches_a_subtracted_file_and_facet_axis_refuses_one_matrix_keys(
    tmp_path: Path,
) -> None:
    np.save(tmp_path / "a.npy", ATTENTION)
    np.save(tmp_path / "b.npy", ATTENTION / 2)
    prepared = prepare_block("data: a.npy\nslice: [1]\nsubtract: b.npy", site_settings(tmp_path))
    np.testing.assert_allclose(prepared.plot.panels[0].matrix.values, ATTENTION[1] / 2)
    for extra in ("subtract: b.npy", "cluster: rows"):
        with pytest.raises(SpecError) as info:
            parse_block(f"data: a.npy\nfacet_axis: 0\n{extra}")
        assert "not on the panels of 'facet_axis'" in info.value.message
        assert info.value.block_line == 2


def test_sphinx_sees_a_mask_file_edit(tmp_path: Path) -> None:
    """The mask file is a dependency of the page: an edit redraws it."""
    pytest.importorskip("sphinx")
    import subprocess
    import sys

    src = tmp_path / "docs"
    src.mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    (src / "conf.py").write_text('project = "A"\nextensions = ["mkdocs_heatmap.sphinx"]\n')
    np.save(src / "attention.npy", ATTENTION)
    write_mask(src, "causal.csv", np.triu(np.ones((6, 6), dtype=bool), k=1))
    (src / "index.rst").write_text(
        "Heads\n=====\n\n.. heatmap::\n\n   data: attention.npy\n   facet_axis: 0\n"
        "   mask: causal.csv\n   panel_titles: [a, b, c, d]\n"
    )

    def sphinx() -> dict[str, bytes]:
        result = subprocess.run(
            [sys.executable, "-m", "sphinx", "-W", "-b", "html", str(src), str(tmp_path / "out")],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        html = (tmp_path / "out" / "index.html").read_text()
        found = re.findall(r'src="(_images/[^"]+)"', html)
        return {name: (tmp_path / "out" / name).read_bytes() for name in found}

    first = sphinx()
    assert len(first) == 1
    write_mask(src, "causal.csv", np.tril(np.ones((6, 6), dtype=bool), k=-1))
    assert sphinx() != first
