"""Our own layout: every text inside the canvas, no two tick labels overlap,
round tick steps, level labels when they fit; checked on drawn figures over
a grid of shapes, not by timing."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import SHAPES, check, drawn, figure_text, matrix, plot_of
from mkdocs_heatmap import layout
from mkdocs_heatmap.data.derive import cluster
from mkdocs_heatmap.model import Panel, Plot
from mkdocs_heatmap.spec import parse_block


@pytest.mark.parametrize(("rows", "cols"), SHAPES)
@pytest.mark.parametrize("kind", ["names", "numbers", "long"])
@pytest.mark.parametrize("square", [False, True])
def test_every_text_inside_and_no_tick_labels_overlap(
    rows: int, cols: int, kind: str, square: bool
) -> None:
    body = "matrix: [[1]]\ntitle: A title\nxlabel: Predicted class\nylabel: True class\n"
    body += "colorbar: {label: Count}\n" + ("square: true\n" if square else "")
    fig = drawn(plot_of(parse_block(body), matrix(rows, cols, kind)))
    check(fig)
    assert figure_text(fig, "ylabel") == "True class"


@pytest.mark.parametrize("orientation", ["vertical", "horizontal"])
def test_colorbar_orientations(orientation: str) -> None:
    body = "matrix: [[1]]\ntitle: T\nxlabel: X\n"
    body += f"colorbar: {{label: Score, orientation: {orientation}}}"
    for shape in [(3, 4), (20, 30), (1, 12)]:
        check(drawn(plot_of(parse_block(body), matrix(*shape))))


def test_annotated_maps() -> None:
    for body, shape in [
        ("matrix: [[1]]\nannotate: true\nfmt: .0%\ntitle: Flights", (12, 12)),
        ("matrix: [[1]]\nfmt: .2f\nsquare: true", (13, 13)),
        ("matrix: [[1]]\nannotate: true", (30, 30)),
    ]:
        fig = drawn(plot_of(parse_block(body), matrix(*shape, "numbers")))
        check(fig)
        ax = fig.axes[0]
        renderer = fig.canvas.get_renderer()
        notes = list(ax.texts)
        assert len(notes) == shape[0] * shape[1]
        for note in notes:
            box = note.get_window_extent(renderer)
            x, y = note.get_position()
            cell = ax.transData.transform([[x - 0.5, y - 0.5], [x + 0.5, y + 0.5]])
            assert min(cell[:, 0]) - 0.5 <= box.x0 and box.x1 <= max(cell[:, 0]) + 0.5


def test_panels_and_dendrograms() -> None:
    parts = [Panel(parse_block(f"matrix: [[1]]\ntitle: Run {n}"), matrix(12, 8)) for n in range(3)]
    spec = parse_block(
        "title: Three runs\nxlabel: Token\nylabel: Layer\ncolorbar: {label: AUC}\n"
        "panels: [{matrix: [[1]]}, {matrix: [[1]]}, {matrix: [[1]]}]"
    )
    check(drawn(Plot(spec, tuple(parts))))
    clustered = parse_block(
        "matrix: [[1]]\ncluster: both\ndendrogram: true\ntitle: Trees\nylabel: Y"
    )
    ordered, row_tree, col_tree = cluster(clustered, matrix(12, 9))
    check(drawn(Plot(clustered, (Panel(clustered, ordered, row_tree, col_tree),))))


def tick_texts(fig: Any, axis: str) -> list[str]:
    return [t.get_text() for t in getattr(fig.axes[0], f"get_{axis}ticklabels")()]


def test_round_steps_and_level_labels() -> None:
    attention = drawn(
        plot_of(parse_block("matrix: [[1]]\nsquare: true"), matrix(64, 64, "numbers"))
    )
    xs, ys = tick_texts(attention, "x"), tick_texts(attention, "y")
    assert xs == ys  # the same step on both axes of a square map
    step = int(xs[1]) - int(xs[0])
    assert step in (1, 2, 5, 10, 20, 25, 50)
    assert all(int(x) % step == 0 for x in xs)
    assert {t.get_rotation() for t in attention.axes[0].get_xticklabels()} == {0.0}
    seed = drawn(plot_of(parse_block("matrix: [[1]]"), matrix(32, 15, "numbers")))
    assert tick_texts(seed, "y") == [str(i) for i in range(0, 32, 2)]
    models = drawn(plot_of(parse_block("matrix: [[1]]"), matrix(25, 4, "names")))
    assert tick_texts(models, "y") == [f"model-{i}" for i in range(25)]  # all 25 names fit


def test_figures_grow_with_rows_up_to_a_column() -> None:
    heights = [
        drawn(plot_of(parse_block("matrix: [[1]]"), matrix(n, 10))).get_size_inches()[1]
        for n in (12, 20, 30)
    ]
    assert heights[0] < heights[1] < heights[2]
    wide = drawn(plot_of(parse_block("matrix: [[1]]"), matrix(10, 200)))
    assert wide.get_size_inches()[0] <= 6.8 + 1e-6


def test_cell_text_is_legible_by_default() -> None:
    fig = drawn(plot_of(parse_block("matrix: [[1]]\nfmt: .2f"), matrix(10, 10)))
    sizes = {t.get_fontsize() for t in fig.axes[0].texts}
    assert sizes and min(sizes) >= 9.0


@pytest.mark.parametrize(("rows", "cols"), [(1, 200_000), (200_000, 1)])
def test_a_map_of_many_thin_cells_stays_in_its_column(rows: int, cols: int) -> None:
    """Cells shrink below a pixel when nothing else fits: the map stays
    within the column's width or the map's height bound, with few round ticks."""
    fig = drawn(plot_of(parse_block("matrix: [[1]]\n"), matrix(rows, cols, "numbers")))
    check(fig)
    width, height = fig.get_size_inches()
    assert width <= layout.MAX_WIDTH + 0.01
    ax = fig.axes[0]
    map_height = ax.get_position().height * height
    assert map_height <= layout.MAX_MAP_HEIGHT + 0.01
    labels = [t.get_text() for t in (ax.get_xticklabels() if cols > 1 else ax.get_yticklabels())]
    assert 3 <= len(labels) <= 40
    assert all(int(label) % 10_000 == 0 for label in labels)
