"""`xticks`/`yticks` given a list of labels: exactly those, at their cells,
never thinned; labels too close moved apart with leader lines; a label the
matrix does not have is an error at the key."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.lines import Line2D

from conftest import SHAPES, check, drawn, matrix, no_text_overlaps, plot_of, titles_outside
from mkdocs_heatmap import layout
from mkdocs_heatmap.errors import SpecError
from mkdocs_heatmap.model import LabelledMatrix, Panel, Plot
from mkdocs_heatmap.spec import parse_block


def genes(rows: int = 300, cols: int = 12) -> LabelledMatrix:
    rng = np.random.default_rng(rows + cols)
    frame = pd.DataFrame(
        rng.normal(size=(rows, cols)),
        index=[f"GENE{i:03d}" for i in range(rows)],
        columns=[f"S{j:02d}" for j in range(cols)],
    )
    return LabelledMatrix(
        frame.to_numpy(), tuple(frame.columns), tuple(str(i) for i in frame.index)
    )


def shown(fig: Any, axis: str, n: int = 0) -> list[str]:
    ax = fig.axes[n]
    return [t.get_text() for t in getattr(ax, f"get_{axis}ticklabels")() if t.get_text()]


def leaders(fig: Any) -> list[Line2D]:
    return [line for line in fig.axes[0].lines if not line.get_clip_on()]


def full(fig: Any) -> None:
    check(fig)
    no_text_overlaps(fig)
    titles_outside(fig)


# --------------------------------------------------------------------------
# The key.


def test_a_list_is_kept_as_labels_and_numbers_become_text() -> None:
    spec = parse_block("matrix: [[1, 2]]\nxticks: [a, 2, 0.5]\nyticks: [x]")
    assert spec.xticks == ("a", "2", "0.5")
    assert spec.yticks == ("x",)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[]", "expected at least one label"),
        ("[a, a]", "label 'a' is listed twice"),
        ("[a, [b]]", "item 2 is a list, expected a label"),
        ("sometimes", "expected auto, all, none, a whole number >= 1 or a list of labels"),
    ],
)
def test_bad_lists_are_refused(value: str, message: str) -> None:
    with pytest.raises(SpecError, match=message.replace("[", r"\[")):
        parse_block(f"matrix: [[1, 2]]\nyticks: {value}")


def test_a_label_the_matrix_lacks_is_an_error_with_the_closest() -> None:
    spec = parse_block("matrix: [[1]]\nyticks: [GENE010, gene011]")
    with pytest.raises(SpecError) as info:
        layout.check_listed(plot_of(spec, genes(30, 3)))
    assert info.value.message == (
        "'yticks': 'gene011' is not a row label of the matrix (did you mean 'GENE011'?)"
    )
    assert info.value.key == "yticks"


# --------------------------------------------------------------------------
# The layout: exactly the listed labels, apart, on the canvas.


def test_named_genes_of_a_300_row_map_are_all_shown_at_their_rows() -> None:
    body = "matrix: [[1]]\ntitle: Expression\nylabel: Gene\nxlabel: Sample\n"
    body += "yticks: [GENE150, GENE007, GENE299, GENE080]\n"
    fig = drawn(plot_of(parse_block(body), genes()))
    full(fig)
    assert shown(fig, "y") == ["GENE007", "GENE080", "GENE150", "GENE299"]
    assert list(fig.axes[0].get_yticks()) == [7, 80, 150, 299]  # at their rows
    assert leaders(fig) == []  # far apart: nothing moved
    assert len(shown(fig, "x")) == 12  # the other axis as before


def test_neighbouring_genes_are_moved_apart_with_leader_lines() -> None:
    body = "matrix: [[1]]\ntitle: T\nylabel: Gene\n"
    body += "yticks: [GENE000, GENE010, GENE011, GENE012, GENE200, GENE299]\n"
    fig = drawn(plot_of(parse_block(body), genes()))
    full(fig)
    assert shown(fig, "y") == ["GENE000", "GENE010", "GENE011", "GENE012", "GENE200", "GENE299"]
    places = list(fig.axes[0].get_yticks())
    assert places[4:] == [200, 299]  # far from the others: at their rows
    assert places[1] < 10 and places[3] > 12  # the run is spread around its rows
    assert len(leaders(fig)) == 6
    # Each leader starts at its row, on the map's edge.
    starts = sorted(float(line.get_ydata()[0]) for line in leaders(fig))
    assert starts == [0, 10, 11, 12, 200, 299]


@pytest.mark.parametrize("origin", ["upper", "lower"])
@pytest.mark.parametrize("dendrogram", [False, True])
def test_listed_rows_with_trees_and_either_origin(origin: str, dendrogram: bool) -> None:
    from mkdocs_heatmap.data.derive import cluster

    body = f"matrix: [[1]]\ntitle: T\nylabel: Gene\norigin: {origin}\n"
    body += "yticks: [GENE001, GENE002, GENE003, GENE250]\n"
    if dendrogram:
        body += "cluster: both\ndendrogram: true\n"
    spec = parse_block(body)
    matrix = genes(300, 20)
    if dendrogram:
        ordered, row_tree, col_tree = cluster(spec, matrix)
        fig = drawn(Plot(spec, (Panel(spec, ordered, row_tree, col_tree),)))
    else:
        fig = drawn(plot_of(spec, matrix))
    check(fig)
    no_text_overlaps(fig)
    assert sorted(shown(fig, "y")) == ["GENE001", "GENE002", "GENE003", "GENE250"]


def test_listed_columns_of_a_wide_map_slant_or_move_apart() -> None:
    matrix = genes(6, 200)
    body = "matrix: [[1]]\ntitle: T\nxlabel: Sample\n"
    body += "xticks: [S05, S06, S07, S100, S199]\n"
    fig = drawn(
        plot_of(
            parse_block(body),
            LabelledMatrix(matrix.values, tuple(f"S{j:02d}" for j in range(200)), matrix.y_labels),
        )
    )
    full(fig)
    assert shown(fig, "x") == ["S05", "S06", "S07", "S100", "S199"]
    assert len(shown(fig, "y")) == 6


def test_many_listed_labels_grow_the_map_rather_than_overlap() -> None:
    names = ", ".join(f"GENE{i:03d}" for i in range(0, 300, 2))
    fig = drawn(plot_of(parse_block(f"matrix: [[1]]\nyticks: [{names}]"), genes()))
    full(fig)
    assert len(shown(fig, "y")) == 150


def test_one_listed_label_of_many_columns_and_rows() -> None:
    fig = drawn(plot_of(parse_block("matrix: [[1]]\nxticks: [S00]\nyticks: [GENE299]"), genes()))
    full(fig)
    assert shown(fig, "x") == ["S00"] and shown(fig, "y") == ["GENE299"]


def test_panels_list_their_own_labels() -> None:
    spec = parse_block(
        "panels:\n  - {matrix: [[1]], yticks: [GENE001, GENE002]}\n"
        "  - {matrix: [[1]], yticks: [GENE100]}\n"
    )
    assert spec.panels is not None
    parts = tuple(Panel(p, genes(200, 5)) for p in spec.panels)
    fig = drawn(Plot(spec, parts))
    check(fig)
    assert shown(fig, "y", 0) == ["GENE001", "GENE002"]


def test_the_plan_never_thins_a_list_and_says_nothing() -> None:
    plan = layout.axis_plan(tuple(f"g{i}" for i in range(5000)), ("g1", "g2"), 8.0)
    assert plan.listed and not plan.thinned and not plan.every


def test_spread_moves_runs_as_little_as_it_can() -> None:
    assert layout.spread([0, 10, 20], 3, 0, 30) == (0, 10, 20)
    assert layout.spread([10, 11], 3, 0, 30) == (9.0, 12.0)
    assert layout.spread([0, 1], 3, 0, 30) == (0.0, 3.0)  # against the start
    assert layout.spread([29, 30], 3, 0, 30) == (27.0, 30.0)  # against the end
    out = layout.spread([5, 6, 7, 8, 9], 2, 0, 30)
    assert all(b - a >= 2 - 1e-9 for a, b in itertools.pairwise(out))
    assert abs(sum(out) / 5 - 7) < 1e-9


@pytest.mark.parametrize(("rows", "cols"), SHAPES)
@pytest.mark.parametrize("kind", ["names", "numbers", "long"])
def test_listed_labels_over_the_shape_grid(rows: int, cols: int, kind: str) -> None:
    """The grid of shapes ``test_layout`` checks, with the first, second,
    middle and last labels listed on both axes (neighbours included)."""
    m = matrix(rows, cols, kind)

    def pick(labels: tuple[str, ...]) -> str:
        chosen = dict.fromkeys([labels[0], labels[min(1, len(labels) - 1)]])
        chosen.update(dict.fromkeys([labels[len(labels) // 2], labels[-1]]))
        return ", ".join(f'"{label}"' for label in chosen)

    body = "matrix: [[1]]\ntitle: A title\nxlabel: Predicted class\nylabel: True class\n"
    body += f"colorbar: {{label: Count}}\nxticks: [{pick(m.x_labels)}]\n"
    body += f"yticks: [{pick(m.y_labels)}]\n"
    fig = drawn(plot_of(parse_block(body), m))
    full(fig)
    assert len(shown(fig, "x")) == len(set(parse_block(body).xticks))
    assert len(shown(fig, "y")) == len(set(parse_block(body).yticks))


def test_hover_and_alt_text_do_not_depend_on_the_list(tmp_path: Any) -> None:
    from conftest import site_settings
    from mkdocs_heatmap.emit import figure_alt
    from mkdocs_heatmap.pipeline import prepare_block

    settings = site_settings(tmp_path)
    body = "matrix: [[1, 2, 3], [4, 5, 6]]\nhover: true\n"
    plain = prepare_block(body, settings)
    listed = prepare_block(body + "xticks: ['0']\nyticks: ['1']\n", settings)
    assert figure_alt(plain.plot) == figure_alt(listed.plot)
    assert plain.hover == listed.hover
    assert plain.key != listed.key  # the image differs: it is keyed
