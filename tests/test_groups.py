"""`row_groups`, `col_groups`, `group_lines`: a categorical strip beside the
map with a legend, groups kept together by `cluster`, separator lines where
the group changes."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

from conftest import (
    SHAPES,
    Site,
    check,
    drawn,
    figures,
    matrix,
    no_text_overlaps,
    plot_of,
    site_settings,
    titles_outside,
)
from mkdocs_heatmap.data.derive import cluster
from mkdocs_heatmap.data.groups import (
    MAX_GROUPS,
    blocks,
    group_order,
    names_for,
    read_groups_table,
    resolve,
)
from mkdocs_heatmap.errors import DataError, HeatmapError, SpecError
from mkdocs_heatmap.keys import GroupFile, Groups
from mkdocs_heatmap.layout import STRIP, STRIP_GAP
from mkdocs_heatmap.model import DEFAULT_LIMITS, LabelledMatrix, Panel, Plot
from mkdocs_heatmap.pipeline import prepare_block
from mkdocs_heatmap.render.colors import group_colors
from mkdocs_heatmap.spec import parse_block

# --------------------------------------------------------------------------
# The keys.


def test_mapping_and_file_forms() -> None:
    spec = parse_block(
        "matrix: [[1, 2]]\nrow_groups: {0: a, 1.0: 2}\n"
        "col_groups: {data: s.csv, column: tissue}\ngroup_lines: true"
    )
    assert spec.row_groups == {"0": "a", "1": "2"}  # labels and groups as text, as drawn
    assert spec.col_groups == GroupFile("s.csv", "tissue")
    assert spec.group_lines is True


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[a, b]", "'row_groups': expected a mapping of label to group, or {data: FILE"),
        ("{}", "'row_groups': expected a mapping of label to group"),
        ("tissue", "'row_groups': expected a mapping"),
        ("{data: s.csv}", "'row_groups': a groups file needs 'column'"),
        ("{data: s.csv, colum: t}", "unknown key 'colum' (did you mean 'column'?)"),
        ("{a: [1, 2]}", "'row_groups': the group of 'a' is a list"),
        ("{a: true}", "'row_groups': the group of 'a' is true"),
        ("{a: ''}", "'row_groups': the group of 'a' is empty"),
    ],
)
def test_bad_values_name_the_key(value: str, message: str) -> None:
    with pytest.raises(SpecError, match=re.escape(message)) as err:
        parse_block(f"matrix: [[1]]\nrow_groups: {value}")
    assert err.value.key == "row_groups" and err.value.block_line == 1


def test_group_lines_need_groups() -> None:
    with pytest.raises(SpecError, match="'group_lines' separates the groups") as err:
        parse_block("matrix: [[1]]\ngroup_lines: true")
    assert err.value.block_line == 1
    assert parse_block("matrix: [[1]]\ngroup_lines: false").group_lines is False


label_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=12
).filter(lambda t: t.strip() == t and t != "data")


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(label_text, label_text, min_size=1, max_size=8))
def test_any_mapping_of_texts_is_kept_in_order(groups: dict[str, str]) -> None:
    spec = parse_block(_yaml(groups))
    assert spec.row_groups == groups
    assert list(spec.row_groups) == list(groups)  # type: ignore[arg-type]


def _yaml(groups: dict[str, str]) -> str:
    import yaml

    return yaml.safe_dump({"matrix": [[1]], "row_groups": groups}, sort_keys=False)


# --------------------------------------------------------------------------
# The data step: tables, matching, order.


def samples() -> pd.DataFrame:
    return pd.DataFrame(
        {"tissue": ["liver", "brain", "liver", "heart"], "batch": [1, 1, 2, 2]},
        index=pd.Index(["s1", "s2", "s3", "s4"], name="sample"),
    )


def test_reads_a_pandas_table_by_its_column() -> None:
    for frame in (samples(), samples().rename_axis(None)):  # a named index, and none
        content = frame.to_csv().encode()
        table = read_groups_table(content, "csv", "s.csv", "tissue", "col_groups", DEFAULT_LIMITS)
        assert table == {"s1": "liver", "s2": "brain", "s3": "liver", "s4": "heart"}
    tsv = samples().to_csv(sep="\t", lineterminator="\r\n").encode("utf-8-sig")
    assert read_groups_table(tsv, "tsv", "s.tsv", "batch", "col_groups", DEFAULT_LIMITS) == {
        "s1": "1",
        "s2": "1",
        "s3": "2",
        "s4": "2",
    }


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(label_text, label_text, min_size=1, max_size=10), st.booleans())
def test_any_pandas_table_reads_back_as_written(groups: dict[str, str], tsv: bool) -> None:
    frame = pd.DataFrame({"other": 1, "group": pd.Series(groups)}).rename_axis("label")
    content = frame.to_csv(sep="\t" if tsv else ",").encode()
    fmt = "tsv" if tsv else "csv"
    assert read_groups_table(content, fmt, "t", "group", "row_groups", DEFAULT_LIMITS) == groups


def test_a_table_without_the_column_names_its_columns() -> None:
    content = samples().to_csv().encode()
    with pytest.raises(DataError) as err:
        read_groups_table(content, "csv", "s.csv", "Tissue", "row_groups", DEFAULT_LIMITS)
    assert err.value.message == (
        "'row_groups': s.csv has no column 'Tissue' (did you mean 'tissue'?) "
        "(its columns: 'tissue', 'batch')"
    )
    assert err.value.key == "row_groups"


def test_a_table_of_another_format_or_with_gaps_is_refused() -> None:
    with pytest.raises(DataError, match="a groups table is a CSV or TSV file"):
        read_groups_table(b"{}", "json", "s.json", "t", "row_groups", DEFAULT_LIMITS)
    with pytest.raises(DataError, match="'s2' \\(line 3\\) has no group in column 'tissue'"):
        read_groups_table(
            b"sample,tissue\ns1,liver\ns2,\n",
            "csv",
            "s.csv",
            "tissue",
            "row_groups",
            DEFAULT_LIMITS,
        )
    with pytest.raises(DataError, match="puts 's1' in two groups, 'liver' and 'brain'"):
        read_groups_table(
            b",tissue\ns1,liver\ns1,brain\n", "csv", "s.csv", "tissue", "row_groups", DEFAULT_LIMITS
        )


def test_labels_missing_from_the_mapping_are_an_error_naming_them() -> None:
    groups = {"a": "x", "b": "y", "zz": "x"}  # more labels than the map: fine
    assert names_for(groups, ["b", "a"], "row_groups") == ("y", "x")
    with pytest.raises(DataError) as err:
        names_for(groups, ["a", "c", "d"], "col_groups")
    assert err.value.message == (
        "'col_groups' has no group for 2 columns 'c', 'd' of the map; "
        "give every column label of the map a group"
    )


def test_groups_follow_the_mapping_order_and_only_those_drawn() -> None:
    groups = {"a": "late", "b": "early", "c": "unused", "d": "late"}
    assert group_order(groups, ["early", "late", "late"], "row_groups") == ("late", "early")
    assert resolve(groups, ["d", "b"], "row_groups", "t") == Groups(
        ("late", "early"), ("late", "early"), "t"
    )
    assert blocks(["x", "y", "x", "y", "z"], ["y", "x", "z"]) == [[1, 3], [0, 2], [4]]


def test_too_many_groups_on_the_map() -> None:
    groups = {str(n): f"g{n}" for n in range(MAX_GROUPS + 1)}
    names = names_for(groups, list(groups), "row_groups")
    assert len(group_order(groups, names[:MAX_GROUPS], "row_groups")) == MAX_GROUPS
    with pytest.raises(DataError, match=f"makes {MAX_GROUPS + 1} groups on this map; at most"):
        group_order(groups, names, "row_groups")


# --------------------------------------------------------------------------
# Ordering: data order without cluster, groups kept together with it.

GENES = [f"G{n}" for n in range(12)]
PATHWAY = {g: ("A", "B", "C")[n % 3] for n, g in enumerate(GENES)}  # interleaved in the data


def gene_matrix() -> LabelledMatrix:
    rng = np.random.default_rng(5)
    values = rng.normal(size=(12, 6)) + np.array([0.0, 3.0, -2.0] * 4)[:, np.newaxis]
    return LabelledMatrix(values, tuple(f"S{j}" for j in range(6)), tuple(GENES))


def write_genes(tmp_path: Path) -> None:
    m = gene_matrix()
    pd.DataFrame(m.values, index=m.y_labels, columns=m.x_labels).to_csv(tmp_path / "m.csv")
    pd.Series(PATHWAY, name="pathway").rename_axis("gene").to_csv(tmp_path / "genes.csv")


def test_without_cluster_rows_keep_the_data_order(tmp_path: Path) -> None:
    write_genes(tmp_path)
    prepared = prepare_block(
        "data: m.csv\nrow_groups: {data: genes.csv, column: pathway}", site_settings(tmp_path)
    )
    panel = prepared.plot.panels[0]
    assert panel.matrix.y_labels == tuple(GENES)
    assert panel.spec.row_groups == Groups(
        tuple(PATHWAY[g] for g in GENES), ("A", "B", "C"), "pathway"
    )
    assert tmp_path / "genes.csv" in prepared.files  # an edit rebuilds the figure


def test_cluster_orders_within_each_group(tmp_path: Path) -> None:
    write_genes(tmp_path)
    order = {"B": 0, "C": 1, "A": 2}  # the mapping's order, not the data's
    mapping = dict(sorted(PATHWAY.items(), key=lambda item: order[item[1]]))
    body = "data: m.csv\ncluster: rows\nrow_groups: " + str(mapping).replace("'", "")
    panel = prepare_block(body, site_settings(tmp_path)).plot.panels[0]
    shown = panel.matrix.y_labels
    assert [mapping[g] for g in shown] == ["B"] * 4 + ["C"] * 4 + ["A"] * 4
    # Each block is ordered as clustering its own rows alone orders them.
    m = gene_matrix()
    for group in ("A", "B", "C"):
        rows = [i for i, g in enumerate(GENES) if PATHWAY[g] == group]
        alone = LabelledMatrix(m.values[rows], m.x_labels, tuple(GENES[i] for i in rows))
        expected = cluster(panel.spec, alone)[0].y_labels
        assert tuple(g for g in shown if mapping[g] == group) == expected
    # One tree per group, each over its own block of rows.
    assert panel.row_tree is not None and len(panel.row_tree) == 3 * 3


def test_cluster_within_groups_keeps_labels_with_rows() -> None:
    m = gene_matrix()
    spec = parse_block("matrix: [[1]]\ncluster: both")
    parts = blocks([PATHWAY[g] for g in GENES], ("A", "B", "C"))
    ordered, rows, cols = cluster(spec, m, parts, [[0, 1, 2], [3, 4, 5]])
    where = {g: i for i, g in enumerate(GENES)}
    for i, gene in enumerate(ordered.y_labels):
        for j, sample in enumerate(ordered.x_labels):
            assert ordered.values[i, j] == m.values[where[gene], int(sample[1])]
    assert set(ordered.x_labels[:3]) == {"S0", "S1", "S2"}
    assert rows is not None and cols is not None


def test_unknown_labels_and_missing_column_through_the_pipeline(tmp_path: Path) -> None:
    write_genes(tmp_path)
    settings_ = site_settings(tmp_path)
    with pytest.raises(HeatmapError) as err:
        prepare_block("data: m.csv\ntitle: t\nrow_groups: {G0: A, G1: B}", settings_)
    assert err.value.block_line == 2
    assert "'row_groups' has no group for 10 rows 'G2', 'G3'" in err.value.message
    with pytest.raises(HeatmapError) as err:
        prepare_block("data: m.csv\ncol_groups: {data: genes.csv, column: tissue}", settings_)
    assert err.value.block_line == 1 and err.value.key == "col_groups"
    with pytest.raises(HeatmapError, match=r"'row_groups': data file 'nope\.csv' not found"):
        prepare_block("data: m.csv\nrow_groups: {data: nope.csv, column: x}", settings_)


def test_unset_keys_keep_the_figure_key_and_a_table_edit_changes_it(tmp_path: Path) -> None:
    write_genes(tmp_path)
    settings_ = site_settings(tmp_path)
    plain = prepare_block("data: m.csv", settings_)
    grouped = prepare_block(
        "data: m.csv\nrow_groups: {data: genes.csv, column: pathway}", settings_
    )
    assert plain.key != grouped.key
    assert plain.plot.spec.as_dict().keys() == grouped.plot.spec.as_dict().keys()
    pd.Series({**PATHWAY, "G0": "B"}, name="pathway").to_csv(tmp_path / "genes.csv")
    edited = prepare_block("data: m.csv\nrow_groups: {data: genes.csv, column: pathway}", settings_)
    assert edited.key != grouped.key


def test_each_facet_and_panel_gets_its_groups(tmp_path: Path) -> None:
    body = (
        "row_groups: {a: x, b: y}\n"
        "panels:\n  - {matrix: {values: [[1], [2]], y_labels: [a, b]}}\n"
        "  - {matrix: {values: [[3], [4]], y_labels: [b, a]}}\n"
    )
    first, second = prepare_block(body, site_settings(tmp_path)).plot.panels
    assert first.spec.row_groups == Groups(("x", "y"), ("x", "y"))
    assert second.spec.row_groups == Groups(("y", "x"), ("x", "y"))


# --------------------------------------------------------------------------
# Layout: the strips between the map and its labels or trees, the legend
# right of everything, nothing overlapping, everything on the canvas.


def grouped_plot(rows: int, cols: int, body: str = "") -> Any:
    m = matrix(rows, cols)
    row_map = {label: f"group {n % 3}" for n, label in enumerate(m.y_labels)}
    col_map = {
        label: ("treated", "control")[n * 2 // max(cols, 1)] for n, label in enumerate(m.x_labels)
    }
    spec = parse_block(_block(row_map, col_map, body))
    return plot_of(spec, m)


def _block(row_map: dict[str, str], col_map: dict[str, str], body: str) -> str:
    import yaml

    keys = {"matrix": [[1]], "row_groups": row_map, "col_groups": col_map, "group_lines": True}
    return yaml.safe_dump(keys, sort_keys=False) + body


def axes_box(fig: Any, gid: str) -> Any:
    (found,) = [ax for ax in fig.axes if ax.get_gid() == gid]
    return found.get_window_extent(fig.canvas.get_renderer())


def swatches(fig: Any) -> list[Any]:
    renderer = fig.canvas.get_renderer()
    return [
        a.get_window_extent(renderer)
        for a in fig.artists + fig.patches
        if a.get_gid() == "heatmap-group-swatch"
    ]


def legend_texts(fig: Any) -> list[Any]:
    return [t for t in fig.texts if str(t.get_gid()).startswith("heatmap-group_legend")]


def assert_grouped_layout(fig: Any) -> None:
    check(fig)
    no_text_overlaps(fig)
    titles_outside(fig)
    renderer = fig.canvas.get_renderer()
    width, height = fig.canvas.get_width_height()
    area = fig.axes[0].get_window_extent(renderer)
    rows = axes_box(fig, "heatmap-row-groups")
    cols = axes_box(fig, "heatmap-col-groups")
    # The row strip between the map and its labels (or its tree), as tall as
    # the map; the column strip between the map and what is above it.
    assert rows.x1 <= area.x0 and area.x0 - rows.x1 < 6
    assert abs(rows.y0 - area.y0) < 0.5 and abs(rows.y1 - area.y1) < 0.5
    assert cols.y0 >= area.y1 and cols.y0 - area.y1 < 6
    assert abs(cols.x0 - area.x0) < 0.5 and abs(cols.x1 - area.x1) < 0.5
    ylabels = [t.get_window_extent(renderer) for t in fig.axes[0].get_yticklabels() if t.get_text()]
    # Labels on the left (no row tree) stand beyond the strip.
    assert all(b.x1 <= rows.x0 + 0.5 for b in ylabels if b.x0 < area.x0)
    texts = [t.get_window_extent(renderer) for t in fig.texts if t.get_text().strip()]
    texts += [t.get_window_extent(renderer) for ax in fig.axes for t in ax.texts]
    ticks = [
        t.get_window_extent(renderer)
        for ax in fig.axes
        for t in ax.get_xticklabels() + ax.get_yticklabels()
        if t.get_text() and ax.axison  # trees and strips draw no ticks
    ]
    others = [a.get_window_extent(renderer) for a in fig.axes if a.get_gid() is None]
    found = swatches(fig)
    assert found and len(found) == len(
        [t for t in fig.texts if t.get_gid() == "heatmap-group_legend"]
    )
    for box in [rows, cols, *found]:
        assert box.x0 >= -0.5 and box.y0 >= -0.5
        assert box.x1 <= width + 0.5 and box.y1 <= height + 0.5
        assert not any(box.overlaps(t) for t in texts + ticks), box
        assert box is rows or box is cols or not box.overlaps(area)
    for box in found:
        assert not any(box.overlaps(o) for o in others)  # colorbar, trees
        assert box.x0 >= area.x1
    for text in legend_texts(fig):
        box = text.get_window_extent(renderer)
        assert not box.overlaps(area) and not any(box.overlaps(o) for o in others)


@pytest.mark.parametrize(("rows", "cols"), SHAPES)
def test_strips_and_legend_over_every_shape(rows: int, cols: int) -> None:
    assert_grouped_layout(drawn(grouped_plot(rows, cols, "title: T\nxlabel: X\nylabel: Y\n")))


@pytest.mark.parametrize(
    "extra",
    [
        "colorbar: {label: Expression, orientation: horizontal}\n",
        "yticks: all\nxticks: all\n",
        "figsize: column\ncolorbar: {label: z}\n",
        "gridlines: true\norigin: lower\n",
        "yticks: [model-1, model-2, model-3]\n",
    ],
)
@pytest.mark.parametrize(("rows", "cols"), [(3, 4), (30, 12), (1, 30)])
def test_strips_with_other_keys(extra: str, rows: int, cols: int) -> None:
    if "yticks: [" in extra and rows < 4:
        extra = ""
    assert_grouped_layout(drawn(grouped_plot(rows, cols, "title: T\n" + extra)))


@pytest.mark.parametrize(("rows", "cols"), [(4, 4), (12, 10), (40, 12)])
def test_strips_between_the_map_and_its_trees(tmp_path: Path, rows: int, cols: int) -> None:
    m = matrix(rows, cols)
    pd.DataFrame(m.values, index=m.y_labels, columns=m.x_labels).to_csv(tmp_path / "m.csv")
    row_map = {label: f"g{n % 2}" for n, label in enumerate(m.y_labels)}
    col_map = {label: f"c{n % 3}" for n, label in enumerate(m.x_labels)}
    import yaml

    body = yaml.safe_dump(
        {
            "data": "m.csv",
            "cluster": "both",
            "dendrogram": True,
            "ylabel": "Genes",
            "title": "Clustered",
            "row_groups": row_map,
            "col_groups": col_map,
            "group_lines": True,
        }
    )
    fig = drawn(prepare_block(body, site_settings(tmp_path)).plot)
    assert_grouped_layout(fig)
    renderer = fig.canvas.get_renderer()
    trees = [a.get_window_extent(renderer) for a in fig.axes if a.get_gid() is None][:2]
    rows_box = axes_box(fig, "heatmap-row-groups")
    cols_box = axes_box(fig, "heatmap-col-groups")
    row_tree, col_tree = sorted(trees, key=lambda b: b.x0)
    assert row_tree.x1 <= rows_box.x0 + 0.5  # the tree outside the strip
    assert col_tree.y0 >= cols_box.y1 - 0.5


def test_a_grid_of_grouped_panels() -> None:
    m = matrix(8, 6)
    row_map = {label: f"g{n % 2}" for n, label in enumerate(m.y_labels)}
    import yaml

    text = yaml.safe_dump(
        {
            "title": "Two",
            "row_groups": row_map,
            "panels": [{"matrix": [[1]], "title": "a"}, {"matrix": [[1]], "title": "b"}],
        }
    )
    spec = parse_block(text)
    assert spec.panels is not None
    plot = Plot(spec, tuple(Panel(p, m) for p in spec.panels))
    fig = drawn(plot)
    check(fig)
    no_text_overlaps(fig)
    assert len([a for a in fig.axes if a.get_gid() == "heatmap-row-groups"]) == 2


def test_group_lines_where_the_group_changes() -> None:
    fig = drawn(grouped_plot(6, 4))
    lines = [c for c in fig.axes[0].collections if c.get_gid() == "heatmap-group-line"]
    rows = [float(seg[0][1]) for c in lines for seg in c.get_segments() if seg[0][1] == seg[1][1]]
    cols = [float(seg[0][0]) for c in lines for seg in c.get_segments() if seg[0][0] == seg[1][0]]
    assert rows == [0.5, 1.5, 2.5, 3.5, 4.5]  # group 0, 1, 2, 0, 1, 2
    assert cols == [1.5]  # treated, treated, control, control
    without = drawn(Plot(*_no_lines(grouped_plot(6, 4))))
    assert not [c for c in without.axes[0].collections if c.get_gid() == "heatmap-group-line"]


def _no_lines(plot: Any) -> tuple[Any, Any]:
    from dataclasses import replace

    spec = replace(plot.spec, group_lines=None)
    return spec, tuple(replace(p, spec=spec) for p in plot.panels)


def test_legend_text_follows_the_variant() -> None:
    import matplotlib as mpl

    from conftest import RC
    from mkdocs_heatmap.render import rc_for

    for variant in ("light", "dark"):
        fig = drawn(grouped_plot(5, 5), variant)
        ink = mpl.colors.to_rgba(rc_for(RC, variant)["text.color"])
        found = legend_texts(fig)
        assert found
        for text in found:
            assert mpl.colors.to_rgba(text.get_color()) == ink
    assert ink != mpl.colors.to_rgba(rc_for(RC, "light")["text.color"])


# --------------------------------------------------------------------------
# Pixels: the strip's cells have their groups' colors.


def test_strip_cells_have_the_group_colors(tmp_path: Path) -> None:
    groups = {"r0": "b", "r1": "a", "r2": "b", "r3": "c"}
    body = (
        "matrix: {values: [[1, 2], [3, 4], [5, 6], [7, 8]], y_labels: [r0, r1, r2, r3]}\n"
        f"row_groups: {groups}\ncol_groups: {{0: x, 1: y}}\nformat: png\ncmap: Greys\n"
    ).replace("'", "")
    prepared = prepare_block(body, site_settings(tmp_path))
    image = prepared.job.run()[0]
    (box,) = image.maps
    left, top, right, bottom = box
    with PILImage.open(io.BytesIO(image.content)) as whole:
        rgba = np.array(whole.convert("RGBA"))
    h, w, _ = rgba.shape
    wide, tall = image.width / 96, image.height / 96  # inches: CSS pixels at 96 per inch
    palette = group_colors(3)  # b, a, c: the mapping's order
    expected = {"b": palette[0], "a": palette[1], "c": palette[2]}
    x = left - (STRIP_GAP + STRIP / 2) / wide
    for i, label in enumerate(groups):
        y = top + (i + 0.5) * (bottom - top) / 4
        got = rgba[int(y * h), int(x * w)]
        want = np.round(np.array(expected[groups[label]]) * 255)
        assert np.abs(got[:3].astype(int) - want[:3]).max() <= 2, (label, got, want)
    # Column groups take the colors after the row groups'.
    y = top - (STRIP_GAP + STRIP / 2) / tall
    for j, color in enumerate(group_colors(2, start=3)):
        got = rgba[int(y * h), int((left + (j + 0.5) * (right - left) / 2) * w)]
        assert np.abs(got[:3].astype(int) - np.round(np.array(color[:3]) * 255)).max() <= 2


def test_colors_are_fixed_by_position_and_distinct() -> None:
    twenty = group_colors(20)
    assert group_colors(3) == twenty[:3]
    assert len(set(twenty)) == 20
    assert group_colors(2, start=5) == twenty[5:7]


# --------------------------------------------------------------------------
# A real build.


def test_mkdocs_build_draws_groups_and_watches_their_table(site: Site, build: Any) -> None:
    m = gene_matrix()
    site.write(
        "docs/data/m.csv",
        pd.DataFrame(m.values, index=m.y_labels, columns=m.x_labels).to_csv(),
    )
    site.write(
        "docs/data/genes.csv", pd.Series(PATHWAY, name="pathway").rename_axis("gene").to_csv()
    )
    site.page(
        "index.md",
        """
        # Genes

        ```heatmap
        data: data/m.csv
        ```

        ```heatmap
        data: data/m.csv
        cluster: rows
        theme: auto
        row_groups: {data: data/genes.csv, column: pathway}
        col_groups: {S0: a, S1: a, S2: a, S3: b, S4: b, S5: b}
        group_lines: true
        ```
        """,
    )
    result = build(site, strict=True)
    assert result.ok, result.error
    assert not result.heatmap_warnings()
    found = figures(site.html()).figures
    assert len(found) == 2
    svg = (site.out / found[1]["img"]["src"]).read_bytes()
    assert b"pathway" in svg and b"heatmap-row-groups" in svg
    before = {p.name for p in site.images()}
    site.write(
        "docs/data/genes.csv",
        pd.Series({**PATHWAY, "G0": "C"}, name="pathway").rename_axis("gene").to_csv(),
    )
    result = build(site, strict=True)
    assert result.ok, result.error
    after = {p.name for p in site.images()}
    assert len(after - before) == 2  # the grouped figure's light and dark files


def test_mkdocs_build_reports_unknown_labels_at_the_key_line(site: Site, build: Any) -> None:
    site.page(
        "index.md",
        "# A\n\n```heatmap\nmatrix: {values: [[1], [2]], y_labels: [a, b]}\n"
        "title: t\nrow_groups: {a: x}\n```\n",
    )
    result = build(site, strict=True)
    assert not result.ok
    (warning,) = result.heatmap_warnings()
    assert warning.startswith("index.md:6: heatmap: 'row_groups' has no group for the row 'b'")


def test_api_takes_a_pandas_series_of_groups(tmp_path: Path) -> None:
    from mkdocs_heatmap import api

    m = gene_matrix()
    frame = pd.DataFrame(m.values, index=m.y_labels, columns=m.x_labels)
    series = pd.Series(PATHWAY, name="pathway")
    png = api.render_spec(
        {"matrix": frame, "row_groups": series, "cluster": "rows", "format": "png"},
        base_dir=tmp_path,
    )
    assert png.startswith(b"\x89PNG")
    prepared = api.prepare(
        {"matrix": frame, "row_groups": series}, api.site_settings(base_dir=tmp_path)
    )
    groups = prepared.plot.panels[0].spec.row_groups
    assert isinstance(groups, Groups) and groups.order == ("A", "B", "C")


def test_alt_text_names_the_groups(tmp_path: Path) -> None:
    from mkdocs_heatmap.emit import figure_alt

    write_genes(tmp_path)
    prepared = prepare_block(
        "data: m.csv\nrow_groups: {data: genes.csv, column: pathway}\n"
        "col_groups: {S0: a, S1: a, S2: a, S3: a, S4: b, S5: b}",
        site_settings(tmp_path),
    )
    alt = figure_alt(prepared.plot)
    assert alt.endswith(
        " Rows in 3 groups (pathway): A (4), B (4), C (4). Columns in 2 groups: a (4), b (2)."
    )


@pytest.mark.parametrize("vector_cells", [10_000, 3])  # shapes per cell, or one raster
@pytest.mark.parametrize("origin", ["upper", "lower"])
def test_strip_cells_line_up_with_their_rows(vector_cells: int, origin: str) -> None:
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from conftest import RC
    from mkdocs_heatmap.render import build_figure, rc_for

    m = matrix(6, 3)
    row_map = dict(zip(m.y_labels, ["a", "a", "b", "c", "c", "c"], strict=True))
    spec = parse_block(_block(row_map, {}, f"origin: {origin}\n").replace("col_groups: {}\n", ""))
    with mpl.rc_context(rc_for(RC, "light")):
        fig = build_figure(plot_of(spec, m), vector_cells=vector_cells)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
    strip = axes_box(fig, "heatmap-row-groups")
    area = fig.axes[0]
    palette = dict(zip("abc", group_colors(3), strict=True))
    height = rgba.shape[0]
    for i, label in enumerate(m.y_labels):
        # The row's center, as the map places it, in the strip's middle.
        _, y = area.transData.transform((0, i))
        x = (strip.x0 + strip.x1) / 2
        got = rgba[int(height - y), int(x)]
        want = np.round(np.array(palette[row_map[label]][:3]) * 255)
        assert np.abs(got[:3].astype(int) - want).max() <= 2, (origin, label)


def test_facets_and_axis_facets_get_their_groups(tmp_path: Path) -> None:
    tidy = pd.DataFrame(
        {
            "model": ["m1", "m1", "m2", "m2"] * 2,
            "task": ["t1", "t2"] * 4,
            "split": ["dev"] * 4 + ["test"] * 4,
            "score": np.arange(8.0),
        }
    )
    tidy.to_csv(tmp_path / "long.csv", index=False)
    body = (
        "data: long.csv\npivot: {x: task, y: model, value: score}\nfacet: split\n"
        "row_groups: {m1: small, m2: large}\ngroup_lines: true"
    )
    prepared = prepare_block(body, site_settings(tmp_path))
    for panel in prepared.plot.panels:
        assert panel.spec.row_groups == Groups(("small", "large"), ("small", "large"))
    fig = drawn(prepared.plot)
    check(fig)
    no_text_overlaps(fig)
    np.save(tmp_path / "cube.npy", np.arange(2 * 3 * 4, dtype=float).reshape(2, 3, 4))
    body = "data: cube.npy\nfacet_axis: 0\ncol_groups: {0: a, 1: a, 2: b, 3: b}"
    prepared = prepare_block(body, site_settings(tmp_path))
    assert [p.spec.col_groups for p in prepared.plot.panels] == [
        Groups(("a", "a", "b", "b"), ("a", "b"))
    ] * 2
