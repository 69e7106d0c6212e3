"""The layout over the shapes research figures have: every label inside the
canvas and apart from its neighbours, category names never hidden without a
note, axis titles outside the tick labels beside their own axis (also with
dendrograms and a colorbar), dendrograms that read, titles that wrap, a frame
in the dark variant.  Each figure is drawn and measured on the Agg canvas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.lines import Line2D

from conftest import (
    apart,
    check,
    drawn,
    figure_text,
    no_text_overlaps,
    role,
    ticks,
    titles_outside,
)
from mkdocs_heatmap import layout
from mkdocs_heatmap.data import load_matrix
from mkdocs_heatmap.data.derive import cluster
from mkdocs_heatmap.model import DataRoots, LabelledMatrix, Panel, Plot
from mkdocs_heatmap.notes import collecting
from mkdocs_heatmap.spec import HeatmapSpec, parse_block
from mkdocs_heatmap.style import resolve_style

SEED = Path(__file__).parents[1] / "example_site" / "docs" / "results" / "probe_auc.csv"
CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
TOKENS = [
    *("The", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog", "and", "then"),
    *("runs", "far", "away", "into", "the", "deep", "dark", "forest", "beyond", "the"),
    *("river", "banks", "at"),
]
BODY = "matrix: [[1]]\ntitle: A figure\nxlabel: Key\nylabel: Query\ncolorbar: {label: weight}\n"


def seed() -> LabelledMatrix:
    spec = parse_block(f"data: {SEED}")
    return load_matrix(spec, DataRoots(docs_dir=SEED.parent, project_root=Path("/")))


def labelled(rows: int, cols: int, xs: Any = None, ys: Any = None) -> LabelledMatrix:
    values = np.random.default_rng(rows * 1000 + cols).random((rows, cols))
    return LabelledMatrix(
        values,
        tuple(xs or [str(j) for j in range(cols)]),
        tuple(ys or [str(i) for i in range(rows)]),
    )


def one(spec: HeatmapSpec, matrix: LabelledMatrix, variant: str = "light") -> Any:
    return drawn(Plot(spec, (Panel(spec, matrix),)), variant)


def clustered(rows: int, cols: int, body: str) -> Any:
    rng = np.random.default_rng(7)
    values = rng.normal(size=(rows, cols))
    values[: rows // 3, : cols // 3] += 2
    matrix = LabelledMatrix(
        values,
        tuple(f"S{j:03d}" for j in range(cols)),
        tuple(f"GENE{i:03d}" for i in range(rows)),
    )
    spec = parse_block(body)
    ordered, row_tree, col_tree = cluster(spec, matrix)
    return drawn(Plot(spec, (Panel(spec, ordered, row_tree, col_tree),))), ordered


def sizes(fig: Any, axis: str) -> set[float]:
    return {t.get_fontsize() for t in ticks(fig, axis)}


# --------------------------------------------------------------------------
# Category labels: rotated, shrunk, the map grown; never thinned unasked.


def test_confusion_matrix_shows_every_class() -> None:
    matrix = labelled(10, 10, CLASSES, CLASSES)
    fig = one(parse_block(BODY + "fmt: .2f"), matrix)
    check(fig)
    titles_outside(fig)
    assert [t.get_text() for t in ticks(fig, "x")] == CLASSES
    assert [t.get_text() for t in ticks(fig, "y")] == CLASSES


def test_attention_map_of_24_tokens_shows_every_token() -> None:
    fig = one(parse_block(BODY), labelled(24, 24, TOKENS, TOKENS))
    check(fig)
    titles_outside(fig)
    no_text_overlaps(fig)
    assert [t.get_text() for t in ticks(fig, "x")] == TOKENS  # was every 5th
    assert [t.get_text() for t in ticks(fig, "y")] == TOKENS
    assert {t.get_rotation() for t in ticks(fig, "x")} == {90.0}
    assert min(sizes(fig, "x") | sizes(fig, "y")) >= layout.TICK_FLOOR


@pytest.mark.parametrize("figsize", [None, [3.5, 3]])
@pytest.mark.parametrize("xticks", ["auto", "all"])
def test_probe_map_keeps_the_token_the_paper_is_about(figsize: Any, xticks: str) -> None:
    body = "matrix: [[1]]\ntitle: Probe AUC by layer and token\nxlabel: Token\nylabel: Layer\n"
    body += f"colorbar: {{label: AUC}}\nxticks: {xticks}\n"
    if figsize:
        body += f"figsize: {figsize}\n"
    matrix = seed()
    fig = one(parse_block(body), matrix)
    check(fig)
    titles_outside(fig)
    assert [t.get_text() for t in ticks(fig, "x")] == list(matrix.x_labels)
    assert "exact_answer_last" in [t.get_text() for t in ticks(fig, "x")]
    # Layers are a number scale: round steps.
    layers = [int(t.get_text()) for t in ticks(fig, "y")]
    step = layers[1] - layers[0]
    assert step in layout.NICE_STEPS and all(v % step == 0 for v in layers)
    if figsize:
        assert fig.get_size_inches()[0] == pytest.approx(3.5)


def test_64_token_attention_map_shows_all_at_or_above_the_floor() -> None:
    names = [f"tok{i}" for i in range(64)]
    fig = one(parse_block(BODY + "square: true"), labelled(64, 64, names, names))
    check(fig)
    titles_outside(fig)
    no_text_overlaps(fig)
    assert [t.get_text() for t in ticks(fig, "x")] == names
    assert [t.get_text() for t in ticks(fig, "y")] == names
    assert min(sizes(fig, "x") | sizes(fig, "y")) >= layout.TICK_FLOOR
    ax = fig.axes[0].get_position()
    width, height = fig.get_size_inches()
    assert ax.width * width <= layout.GROWN_MAP_WIDTH + 0.01
    assert ax.height * height <= layout.GROWN_MAP_HEIGHT + 0.01


def test_xticks_all_never_overlaps_and_grows_the_map() -> None:
    names = [f"category number {i}" for i in range(120)]
    fig = one(parse_block("matrix: [[1]]\nxticks: all\nxlabel: X"), labelled(3, 120, names))
    check(fig)
    titles_outside(fig)
    assert [t.get_text() for t in ticks(fig, "x")] == names
    assert min(sizes(fig, "x")) >= layout.TICK_FLOOR
    # Past the size categories grow to under auto: `all` was asked for.
    assert fig.axes[0].get_position().width * fig.get_size_inches()[0] > layout.MAX_WIDTH


def test_explicit_step_and_rotation_are_kept_and_never_overlap() -> None:
    names = [f"name {i}" for i in range(60)]
    fig = one(parse_block("matrix: [[1]]\nxticks: 2\nxtick_rotation: 45"), labelled(4, 60, names))
    check(fig)
    assert [t.get_text() for t in ticks(fig, "x")] == names[::2]
    assert {t.get_rotation() for t in ticks(fig, "x")} == {45.0}


def test_a_slanted_first_label_stays_on_the_canvas() -> None:
    names = ["a very long first category name"] + [f"c{i}" for i in range(29)]
    check(one(parse_block("matrix: [[1]]\nxtick_rotation: 45"), labelled(3, 30, names)))


def test_too_many_names_are_thinned_and_the_build_says_so() -> None:
    fig, ordered = clustered(300, 200, "matrix: [[1]]\ncluster: both\ndendrogram: true")
    shown = [t.get_text() for t in ticks(fig, "y")]
    assert 3 <= len(shown) < 300
    assert not apart(fig.axes[0], ticks(fig, "y"), fig.canvas.get_renderer())
    spec = parse_block("matrix: [[1]]")
    with collecting() as found:
        layout.tick_notes(Plot(spec, (Panel(spec, ordered),)), resolve_style(None))
    by_key = {n.key: n for n in found}
    assert set(by_key) == {"xticks", "yticks"}
    assert all(n.level == "info" for n in found)
    assert "300 row labels" in by_key["yticks"].message
    assert "yticks: all" in by_key["yticks"].message


@pytest.mark.parametrize(
    ("body", "matrix"),
    [
        ("matrix: [[1]]", labelled(24, 24, TOKENS, TOKENS)),  # every token fits
        ("matrix: [[1]]", labelled(400, 300)),  # numbers: round steps, no note
        ("matrix: [[1]]\nyticks: all", labelled(200, 3, None, [f"g{i}" for i in range(200)])),
        ("matrix: [[1]]\nyticks: 10", labelled(200, 3, None, [f"g{i}" for i in range(200)])),
        ("matrix: [[1]]\nyticks: none", labelled(200, 3, None, [f"g{i}" for i in range(200)])),
    ],
)
def test_no_note_when_nothing_is_hidden_unasked(body: str, matrix: LabelledMatrix) -> None:
    with collecting() as found:
        spec = parse_block(body)
        layout.tick_notes(Plot(spec, (Panel(spec, matrix),)), resolve_style(None))
    assert found == []


def test_a_grid_decides_over_its_row_of_panels() -> None:
    """Three panels of 30 names side by side share one map width: 90
    columns do not fit at the floor, 30 in a panel of their own do."""
    names = [f"n{i}" for i in range(30)]
    parts = tuple(Panel(parse_block("matrix: [[1]]"), labelled(3, 30, names)) for _ in "abc")
    grid = parse_block("panels: [{matrix: [[1]]}, {matrix: [[1]]}, {matrix: [[1]]}]")
    stacked = parse_block("panels: [{matrix: [[1]]}, {matrix: [[1]]}, {matrix: [[1]]}]\nncols: 1")
    for spec, keys in ((grid, ["xticks"]), (stacked, [])):
        with collecting() as found:
            layout.tick_notes(Plot(spec, parts), resolve_style(None))
        assert [n.key for n in found] == keys
        fig = drawn(Plot(spec, parts))
        check(fig)
        shown = [len([t for t in ax.get_xticklabels() if t.get_text()]) for ax in fig.axes]
        assert (max(shown) == 30) is (keys == [])


def test_thinning_is_decided_without_matplotlib() -> None:
    """The note is made while a block is prepared: no matplotlib there."""
    code = (
        "import sys\n"
        "from mkdocs_heatmap import layout\n"
        "from mkdocs_heatmap.style import resolve_style\n"
        "rc = resolve_style(None)\n"
        "names = [f'gene {i}' for i in range(300)]\n"
        "plan = layout.axis_plan(names, 'auto', 8.0)\n"
        "assert plan.thinned and not plan.every, plan\n"
        "assert layout.axis_plan(names[:60], 'auto', 8.0, rotation='auto').every\n"
        "assert not layout.axis_plan([str(i) for i in range(60)], 'auto', 8.0).every\n"
        "import numpy as np\n"
        "from mkdocs_heatmap.model import LabelledMatrix, Panel, Plot\n"
        "from mkdocs_heatmap.notes import collecting\n"
        "from mkdocs_heatmap.spec import parse_block\n"
        "spec = parse_block('matrix: [[1]]')\n"
        "matrix = LabelledMatrix(np.ones((300, 2)), ('a', 'b'), tuple(names))\n"
        "with collecting() as found:\n"
        "    layout.tick_notes(Plot(spec, (Panel(spec, matrix),)), rc)\n"
        "assert [n.key for n in found] == ['yticks'], found\n"
        "assert 'matplotlib' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-B", "-c", code], check=True)


def test_the_pure_decision_matches_the_drawn_figure() -> None:
    """Up to the capacity at the floor size every name is drawn; one more
    and they are thinned (and noted)."""
    fits = int(layout.GROWN_MAP_HEIGHT / (layout.grown_length(1, layout.TICK_FLOOR)))
    for count, every in ((fits, True), (fits + 1, False)):
        names = [f"g{i}" for i in range(count)]
        fig = one(parse_block("matrix: [[1]]"), labelled(count, 2, None, names))
        check(fig)
        assert (len(ticks(fig, "y")) == count) is every
        plan = layout.axis_plan(names, "auto", 8.0)
        assert plan.every is every and plan.thinned is not every


# --------------------------------------------------------------------------
# Axis titles, dendrograms, titles, the frame.


def test_clustered_map_keeps_the_y_title_off_the_colorbar_side() -> None:
    body = (
        "matrix: [[1]]\ncluster: both\ndendrogram: true\ntitle: Clustered expression\n"
        "xlabel: Sample\nylabel: Gene\ncolorbar: {label: z}"
    )
    fig, _ordered = clustered(300, 200, body)
    check(fig)
    titles_outside(fig)
    no_text_overlaps(fig)
    renderer = fig.canvas.get_renderer()
    ylabel = role(fig, "ylabel").get_window_extent(renderer)
    bar = fig.axes[-1].get_window_extent(renderer)
    assert ylabel.x1 < bar.x0 and ylabel.x1 < fig.axes[0].get_window_extent(renderer).x0


def tree_lines(fig: Any) -> list[int]:
    """Lines in each dendrogram axes (every axes but the map and the colorbar)."""
    return [
        len([a for a in ax.get_children() if isinstance(a, Line2D)])
        for ax in fig.axes[1:]
        if any(isinstance(a, Line2D) for a in ax.get_children())
    ]


def test_big_dendrograms_are_cut_to_their_top_clusters() -> None:
    fig, _ordered = clustered(300, 200, "matrix: [[1]]\ncluster: both\ndendrogram: true")
    counts = tree_lines(fig)
    assert len(counts) == 2
    assert all(1 <= c <= layout.TREE_BRANCHES - 1 for c in counts)
    small, _ordered = clustered(40, 30, "matrix: [[1]]\ncluster: both\ndendrogram: true")
    assert sorted(tree_lines(small)) == [29, 39]  # every merge of a small tree


def test_prune_tree_keeps_the_top_merges_and_ends_branches_at_the_cut() -> None:
    rng = np.random.default_rng(3)
    spec = parse_block("matrix: [[1]]\ncluster: rows")
    values = rng.normal(size=(250, 4))
    _ordered, tree, _none = cluster(
        spec, LabelledMatrix(values, tuple("abcd"), tuple(map(str, range(250))))
    )
    assert tree is not None and len(tree) == 249
    pruned = layout.prune_tree(tree, most=30)
    assert len(pruned) == 29  # 29 merges above the cut: 30 branches cross it
    lowest = min(min(s[4], s[7]) for s in pruned)
    ends = [v for s in pruned for v in (s[4], s[7]) if v == lowest]
    # Branches ending at the cut: one per cluster, 30 in all.
    assert len(ends) == 30
    assert all(s[5] > lowest for s in pruned)
    assert layout.prune_tree(tree[:50]) == tuple(tuple(s) for s in tree[:50])  # small: whole


def test_a_title_longer_than_a_small_map_wraps_inside_the_canvas() -> None:
    title = "A much longer title than this small three by three map could ever hold on one line"
    fig = one(parse_block(f"matrix: [[1]]\ntitle: {title}"), labelled(3, 3))
    check(fig)
    drawn_title = figure_text(fig, "title")
    assert drawn_title is not None and "\n" in drawn_title
    assert drawn_title.replace("\n", " ") == title
    assert fig.get_size_inches()[0] < 4


def test_an_unbreakable_title_widens_the_figure() -> None:
    word = "Supercalifragilisticexpialidocious_and_then_some_more_characters"
    fig = one(parse_block(f"matrix: [[1]]\ntitle: {word}\nxlabel: X"), labelled(2, 2))
    check(fig)
    assert figure_text(fig, "title") == word


def test_long_axis_titles_stay_on_the_canvas() -> None:
    long = "a rather long axis title for a map of only two rows and two columns"
    fig = one(parse_block(f"matrix: [[1]]\nxlabel: {long}\nylabel: {long}"), labelled(2, 2))
    check(fig)


def test_panel_titles_wrap_to_their_panel() -> None:
    long = "a panel title far longer than its own small panel is wide"
    spec = parse_block("panels: [{matrix: [[1]]}, {matrix: [[1]]}]\ntitle: Two runs")
    parts = tuple(Panel(parse_block(f"matrix: [[1]]\ntitle: {long}"), labelled(3, 3)) for _ in "ab")
    fig = drawn(Plot(spec, parts))
    check(fig)
    no_text_overlaps(fig)


@pytest.mark.parametrize("variant", ["light", "dark"])
def test_dark_variant_frames_the_map(variant: str) -> None:
    fig = one(
        parse_block("matrix: [[1]]\ncmap: magma"), labelled(10, 10, CLASSES, CLASSES), variant
    )
    spines = fig.axes[0].spines.values()
    assert all(s.get_visible() for s in spines) is (variant == "dark")
    if variant == "dark":
        assert all(0 < s.get_linewidth() <= 1 for s in spines)


def test_a_400_by_300_matrix_keeps_round_steps() -> None:
    fig = one(parse_block(BODY), labelled(400, 300))
    check(fig)
    titles_outside(fig)
    for axis in "xy":
        values = [int(t.get_text()) for t in ticks(fig, axis)]
        step = values[1] - values[0]
        assert step in layout.NICE_STEPS and all(v % step == 0 for v in values)
