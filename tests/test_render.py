"""The figure vocabulary, read back from the figure's artists and the SVG."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.colors import LogNorm, PowerNorm, SymLogNorm, TwoSlopeNorm, to_rgba
from matplotlib.figure import Figure

from conftest import RC, drawn, figure_text, plot_of, site_settings
from mkdocs_heatmap.data import load_matrix
from mkdocs_heatmap.errors import RenderError
from mkdocs_heatmap.model import DataRoots, LabelledMatrix
from mkdocs_heatmap.render import (
    NAN_COLOR,
    VECTOR_CELL_LIMIT,
    cell_colors,
    contrast_ratio,
    highlight_cells,
    relative_luminance,
    render,
)
from mkdocs_heatmap.spec import HeatmapSpec, parse_block
from mkdocs_heatmap.style import resolve_style

SEED = Path(__file__).parents[1] / "example_site" / "docs" / "results" / "probe_auc.csv"


def spec_of(text: str) -> HeatmapSpec:
    return parse_block(text)


def matrix_of(
    values: Any, xs: list[str] | None = None, ys: list[str] | None = None
) -> LabelledMatrix:
    array = np.asarray(values, dtype=float)
    rows, cols = array.shape
    return LabelledMatrix(
        array,
        tuple(xs or [str(j) for j in range(cols)]),
        tuple(ys or [str(i) for i in range(rows)]),
    )


def seed_matrix() -> LabelledMatrix:
    spec = spec_of(f"data: {SEED}")
    return load_matrix(spec, DataRoots(docs_dir=SEED.parent, project_root=Path("/")))


def figure(spec: HeatmapSpec, matrix: LabelledMatrix, variant: str = "light") -> Figure:
    return drawn(plot_of(spec, matrix), variant)


def labels(fig: Figure, axis: str) -> list[str]:
    ax = fig.axes[0]
    ticks = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    return [t.get_text() for t in ticks]


# -- color ------------------------------------------------------------------


def test_default_limits_are_the_data_range() -> None:
    colors = cell_colors(spec_of("matrix: [[1]]"), matrix_of([[1, 2], [3, 9]]))
    assert (colors.norm.vmin, colors.norm.vmax) == (1, 9)
    assert colors.extend == "neither"


def test_explicit_limits_and_extend_arrows() -> None:
    colors = cell_colors(spec_of("matrix: [[1]]\nvmin: 2\nvmax: 5"), matrix_of([[1, 2], [3, 9]]))
    assert (colors.norm.vmin, colors.norm.vmax) == (2, 5)
    assert colors.extend == "both"


def test_robust_uses_2nd_and_98th_percentiles() -> None:
    values = np.arange(100, dtype=float).reshape(10, 10)
    values[0, 0] = -1000
    colors = cell_colors(spec_of("matrix: [[1]]\nrobust: true"), matrix_of(values))
    lo, hi = np.percentile(values, [2, 98])
    assert colors.norm.vmin == pytest.approx(lo)
    assert colors.norm.vmax == pytest.approx(hi)
    assert colors.extend == "both"


def test_center_without_limits_is_symmetric() -> None:
    spec = spec_of("matrix: [[1]]\ncenter: 0")
    colors = cell_colors(spec, matrix_of([[-1, 3]]))
    assert (colors.norm.vmin, colors.norm.vmax) == (-3, 3)
    assert colors.cmap.name == "RdBu_r"
    mid = colors.cmap(0.5)
    assert np.allclose(colors.rgba[0, 0], colors.cmap(colors.norm(-1)))
    assert np.allclose(cell_colors(spec, matrix_of([[-3, 0, 3]])).rgba[0, 1], mid)


def test_center_with_both_limits_stretches_each_side() -> None:
    spec = spec_of("matrix: [[1]]\ncenter: 1\nvmin: 0\nvmax: 5")
    colors = cell_colors(spec, matrix_of([[0, 1, 5]]))
    assert isinstance(colors.norm, TwoSlopeNorm)
    assert np.allclose(colors.rgba[0, 1], colors.cmap(0.5))
    assert np.allclose(colors.rgba[0, 0], colors.cmap(0.0))
    assert np.allclose(colors.rgba[0, 2], colors.cmap(1.0))


@pytest.mark.parametrize(
    ("norm", "kind"), [("log", LogNorm), ("sqrt", PowerNorm), ("symlog", SymLogNorm)]
)
def test_norms(norm: str, kind: type) -> None:
    values = [[1, 10, 100], [1000, 5, 50]] if norm != "symlog" else [[-100, -1, 0], [1, 10, 1000]]
    colors = cell_colors(spec_of(f"matrix: [[1]]\nnorm: {norm}"), matrix_of(values))
    assert isinstance(colors.norm, kind)


def test_log_norm_refuses_non_positive_values_naming_the_cell() -> None:
    spec = spec_of("matrix: [[1]]\nnorm: log")
    with pytest.raises(RenderError, match="row 'b', column 'y' is 0") as info:
        cell_colors(spec, matrix_of([[1, 2], [3, 0]], ["x", "y"], ["a", "b"]))
    assert info.value.key == "norm"


def test_nan_color_and_default_distinct_from_colormap_ends() -> None:
    matrix = matrix_of([[1, np.nan], [3, 4]])
    colors = cell_colors(spec_of("matrix: [[1]]\nnan_color: '#ff00ff'"), matrix)
    assert tuple(colors.rgba[0, 1]) == to_rgba("#ff00ff")
    default = np.array(to_rgba(NAN_COLOR["light"]))
    for name in ("viridis", "Blues", "Greys", "magma", "RdBu_r", "cividis", "Reds", "Greens"):
        cmap = mpl.colormaps[name]
        for end in (cmap(0.0), cmap(1.0)):
            assert np.abs(np.array(end)[:3] - default[:3]).max() > 0.05, name


@pytest.mark.parametrize(
    ("mask", "hidden"),
    [
        ("upper", [[1, 1, 1], [0, 1, 1], [0, 0, 1]]),
        ("lower", [[1, 0, 0], [1, 1, 0], [1, 1, 1]]),
        (
            "[[true, false, false], [false, false, false], [false, false, true]]",
            [[1, 0, 0], [0, 0, 0], [0, 0, 1]],
        ),
    ],
)
def test_mask_hides_cells(mask: str, hidden: Any) -> None:
    colors = cell_colors(spec_of(f"matrix: [[1]]\nmask: {mask}"), matrix_of(np.ones((3, 3))))
    assert np.array_equal(colors.hidden, np.asarray(hidden, dtype=bool))
    assert np.all(colors.rgba[colors.hidden][:, 3] == 0)
    assert np.all(colors.rgba[~colors.hidden][:, 3] == 1)


def test_mask_of_the_wrong_shape() -> None:
    with pytest.raises(RenderError, match="2x1, but the plotted matrix is 3x3"):
        cell_colors(spec_of("matrix: [[1]]\nmask: [[true], [false]]"), matrix_of(np.ones((3, 3))))


def test_colorbar_mapping() -> None:
    spec = spec_of(
        "matrix: [[1]]\ncolorbar: {label: AUC, ticks: [0.5, 0.75, 1], format: .2f, "
        "orientation: horizontal}"
    )
    fig = figure(spec, matrix_of([[0.5, 1.0]]))
    bar = fig.axes[1]
    assert figure_text(fig, "colorbar") == "AUC"
    assert [t.get_text() for t in bar.get_xticklabels()] == ["0.50", "0.75", "1.00"]


def test_colorbar_off() -> None:
    assert len(figure(spec_of("matrix: [[1]]\ncolorbar: false"), matrix_of([[1, 2]])).axes) == 1


# -- cell text --------------------------------------------------------------


def texts(fig: Figure) -> list[Any]:
    return [t for t in fig.axes[0].texts]


def test_annotate_auto_on_for_small_and_off_when_text_does_not_fit() -> None:
    small = figure(spec_of("matrix: [[1]]"), matrix_of([[412, 38], [51, 499]]))
    assert sorted(t.get_text() for t in texts(small)) == ["38", "412", "499", "51"]
    seed = figure(spec_of("matrix: [[1]]"), seed_matrix())
    assert texts(seed) == []


def test_annotate_true_false_and_fmt() -> None:
    on = figure(spec_of("matrix: [[1]]\nannotate: true\nfmt: .1%"), matrix_of([[0.5, 0.25]]))
    assert [t.get_text() for t in texts(on)] == ["50.0%", "25.0%"]
    off = figure(spec_of("matrix: [[1]]\nannotate: false"), matrix_of([[1, 2]]))
    assert texts(off) == []


def test_annotations_fit_inside_their_cells() -> None:
    fig = figure(spec_of("matrix: [[1]]"), matrix_of(np.random.default_rng(1).random((6, 8))))
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    assert texts(fig)
    for text in texts(fig):
        box = text.get_window_extent(renderer)
        x, y = text.get_position()
        cell = ax.transData.transform([[x - 0.5, y - 0.5], [x + 0.5, y + 0.5]])
        left, right = sorted(cell[:, 0])
        low, high = sorted(cell[:, 1])
        assert left <= box.x0 and box.x1 <= right and low <= box.y0 and box.y1 <= high


def test_annotate_color_auto_picks_the_larger_contrast() -> None:
    values = np.linspace(0, 1, 40).reshape(5, 8)
    spec = spec_of("matrix: [[1]]\ncmap: Blues\nannotate: true")
    matrix = matrix_of(values)
    fig = figure(spec, matrix)
    colors = cell_colors(spec, matrix)
    worst = 21.0
    for text in texts(fig):
        x, y = (round(v) for v in text.get_position())
        cell = relative_luminance(colors.rgba[y, x])
        ink = relative_luminance(to_rgba(text.get_color()))
        other = 1.0 - ink
        assert contrast_ratio(cell, ink) >= contrast_ratio(cell, other)
        worst = min(worst, contrast_ratio(cell, ink))
    assert worst >= 3.9


def test_annotate_color_fixed() -> None:
    fig = figure(spec_of("matrix: [[1]]\nannotate_color: red"), matrix_of([[1, 2]]))
    assert {to_rgba(t.get_color()) for t in texts(fig)} == {to_rgba("red")}


def test_fmt_integer_spec_on_fractions_is_an_error() -> None:
    with pytest.raises(RenderError, match=r"cannot format 0\.5") as info:
        figure(spec_of("matrix: [[1]]\nannotate: true\nfmt: d"), matrix_of([[0.5, 2]]))
    assert info.value.key == "fmt"


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (("max",), [(1, 1)]),
        (("min",), [(0, 0)]),
        (("row_max",), [(0, 2), (1, 1)]),
        (("col_min",), [(0, 0), (0, 1), (1, 2)]),
        (("max", "min"), [(0, 0), (1, 1)]),
    ],
)
def test_highlight_cells(kinds: tuple[str, ...], expected: list[tuple[int, int]]) -> None:
    values = np.array([[0.0, 1.0, 5.0], [2.0, 9.0, np.nan]])
    values[1, 2] = 3.0
    values[0, 2] = 5.0
    hidden = np.zeros_like(values, dtype=bool)
    got = highlight_cells(kinds, values, hidden)
    if kinds == ("col_min",):
        assert got == [(0, 0), (0, 1), (1, 2)]
    else:
        assert got == expected


def test_highlight_draws_outlines() -> None:
    fig = figure(spec_of("matrix: [[1]]\nhighlight: [max, min]"), matrix_of([[1, 2], [3, 4]]))
    outlines = [p for p in fig.axes[0].patches if not p.get_fill()]
    assert sorted(p.get_xy() for p in outlines) == [(-0.5, -0.5), (0.5, 0.5)]


# -- ticks and size ---------------------------------------------------------


def _overlaps(fig: Figure, axis: str) -> list[tuple[str, str]]:
    """Pairs of visible tick labels whose glyph boxes intersect.

    Rotated labels are compared in their own frame: parallel labels at angle
    theta whose anchors are dx apart are dx * sin(theta) apart across their
    baselines, and must be at least one text height apart.
    """
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    ax = fig.axes[0]
    ticks = [t for t in (ax.get_xticklabels() if axis == "x" else ax.get_yticklabels())]
    ticks = [t for t in ticks if t.get_text()]
    rotation = ticks[0].get_rotation() % 180 if ticks else 0.0
    if axis == "x" and rotation:
        import math

        bad = []
        for a, b in itertools.pairwise(ticks):
            _w, height, _d = renderer.get_text_width_height_descent(
                "Ag", a.get_fontproperties(), ismath=False
            )
            ax_a = ax.transData.transform((a.get_position()[0], 0))[0]
            ax_b = ax.transData.transform((b.get_position()[0], 0))[0]
            if abs(ax_b - ax_a) * math.sin(math.radians(rotation)) < height:
                bad.append((a.get_text(), b.get_text()))
        return bad
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in ticks]
    return [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes, 2) if ba.overlaps(bb)]


def shapes() -> Iterator[tuple[str, LabelledMatrix]]:
    yield "seed", seed_matrix()
    rng = np.random.default_rng(2)
    for rows, cols, width in [(100, 100, 3), (40, 60, 12), (3, 30, 25), (200, 5, 8), (2, 2, 15)]:
        xs = [f"{'x' * (width - len(str(j)))}{j}" for j in range(cols)]
        ys = [f"row {i}" for i in range(rows)]
        yield f"{rows}x{cols}", matrix_of(rng.random((rows, cols)), xs, ys)


@pytest.mark.parametrize(("name", "matrix"), list(shapes()), ids=[n for n, _ in shapes()])
def test_auto_ticks_never_overlap(name: str, matrix: LabelledMatrix) -> None:
    fig = figure(spec_of("matrix: [[1]]"), matrix)
    assert _overlaps(fig, "x") == []
    assert _overlaps(fig, "y") == []
    assert labels(fig, "x") and labels(fig, "y")


def test_seed_layout_shows_every_second_layer() -> None:
    fig = figure(spec_of("matrix: [[1]]\nyticks: 2"), seed_matrix())
    assert labels(fig, "y") == [str(i) for i in range(0, 32, 2)]
    assert labels(fig, "x")[0] == "last_q" and len(labels(fig, "x")) == 15


@pytest.mark.parametrize(("setting", "count"), [("all", 10), ("none", 0), ("3", 4)])
def test_tick_settings(setting: str, count: int) -> None:
    fig = figure(spec_of(f"matrix: [[1]]\nxticks: {setting}"), matrix_of(np.ones((2, 10))))
    assert len([t for t in labels(fig, "x") if t]) == count


def test_rotation_auto_horizontal_when_labels_fit_and_rotated_when_not() -> None:
    short = figure(spec_of("matrix: [[1]]"), matrix_of(np.ones((3, 4)), ["a", "b", "c", "d"]))
    assert {t.get_rotation() for t in short.axes[0].get_xticklabels()} == {0.0}
    long = [f"exact_answer_token_{i}" for i in range(12)]
    rotated = figure(spec_of("matrix: [[1]]"), matrix_of(np.ones((3, 12)), long))
    ticks = rotated.axes[0].get_xticklabels()
    assert {t.get_rotation() for t in ticks} == {45.0}
    assert {t.get_horizontalalignment() for t in ticks} == {"right"}
    fixed = figure(spec_of("matrix: [[1]]\nxtick_rotation: 90"), matrix_of(np.ones((1, 2))))
    assert {t.get_rotation() for t in fixed.axes[0].get_xticklabels()} == {90.0}


def test_origin() -> None:
    upper = figure(spec_of("matrix: [[1]]"), matrix_of(np.ones((3, 3))))
    lower = figure(spec_of("matrix: [[1]]\norigin: lower"), matrix_of(np.ones((3, 3))))
    assert upper.axes[0].yaxis_inverted()
    assert not lower.axes[0].yaxis_inverted()


def test_default_sizes_are_well_proportioned() -> None:
    confusion = figure(
        spec_of("matrix: [[1]]"),
        matrix_of([[1, 2], [3, 4]], ["predicted wrong", "predicted right"]),
    )
    w, h = confusion.get_size_inches()
    assert 2.5 <= w <= 5 and 1.8 <= h <= 4
    ax = confusion.axes[0].get_window_extent()
    assert 0.6 <= ax.width / ax.height <= 2.2  # cells near square
    seed = figure(spec_of("matrix: [[1]]"), seed_matrix())
    w, h = seed.get_size_inches()
    assert 5 <= w <= 7 and 4 <= h <= 8


def test_explicit_figsize_and_square() -> None:
    fig = figure(spec_of("matrix: [[1]]\nfigsize: [4, 3]"), seed_matrix())
    assert tuple(fig.get_size_inches()) == (4.0, 3.0)
    sq = figure(spec_of("matrix: [[1]]\nsquare: true"), matrix_of(np.ones((4, 9))))
    ax = sq.axes[0]
    box = ax.get_position()
    width, height = sq.get_size_inches()
    assert (box.width * width) / (box.height * height) == pytest.approx(9 / 4, rel=0.02)


def test_gridlines() -> None:
    on = figure(
        spec_of("matrix: [[1]]\ngridlines: {width: 1.5, color: black}"), matrix_of([[1, 2]])
    )
    mesh = on.axes[0].collections[0]
    assert mesh.get_linewidth()[0] == 1.5
    assert tuple(mesh.get_edgecolor()[0]) == to_rgba("black")
    off = figure(spec_of("matrix: [[1]]"), matrix_of([[1, 2]]))
    assert off.axes[0].collections[0].get_linewidth()[0] == 0


def test_svg_cells_have_no_antialiased_seams() -> None:
    svg = render(plot_of(spec_of("matrix: [[1]]"), matrix_of([[1, 2], [3, 4]])), RC).content
    assert b'<g shape-rendering="crispEdges" id="QuadMesh_1">' in svg


def test_large_matrix_is_a_crisp_raster_and_small_svg() -> None:
    n = 1000
    assert n * n > VECTOR_CELL_LIMIT
    values = np.random.default_rng(3).random((n, n))
    image = render(plot_of(spec_of("matrix: [[1]]"), matrix_of(values)), RC)
    assert len(image.content) < 2 * 1024 * 1024
    assert b"<image" in image.content
    assert image.content.count(b"<path") < 500


# -- output -----------------------------------------------------------------


def test_svg_is_byte_reproducible_and_salted_per_figure() -> None:
    spec, matrix = spec_of("matrix: [[1]]\ntitle: T"), matrix_of([[1, 2], [3, 4]])
    a = render(plot_of(spec, matrix), RC).content
    assert a == render(plot_of(spec, matrix), RC).content
    assert b"Date" not in a and b"<dc:date>" not in a
    other = render(plot_of(spec, matrix), RC, salt="other").content
    assert a != other


def test_png_scale_doubles_pixels() -> None:
    spec, matrix = spec_of("matrix: [[1]]\nformat: png"), matrix_of([[1, 2], [3, 4]])
    one = render(plot_of(spec, matrix), RC)
    two = render(plot_of(spec, matrix), RC, scale=2)
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(one.content)) as a, PILImage.open(io.BytesIO(two.content)) as b:
        (w1, h1), (w2, h2) = a.size, b.size
    assert abs(w2 - 2 * w1) <= 1 and abs(h2 - 2 * h1) <= 1
    assert (one.width, one.height) == (two.width, two.height)
    assert abs(one.width - w1) <= 1 and abs(one.height - h1) <= 1


def test_dark_variant_uses_light_ink_on_transparent_background() -> None:
    fig = figure(spec_of("matrix: [[1]]\ntitle: T\nxlabel: X"), matrix_of([[1, 2]]), "dark")
    inks = {t.get_gid(): t.get_color() for t in fig.texts}
    assert relative_luminance(to_rgba(inks["heatmap-title"])) > 0.6
    assert relative_luminance(to_rgba(inks["heatmap-xlabel"])) > 0.6
    dark_png = render(
        plot_of(spec_of("matrix: [[1]]\nformat: png"), matrix_of([[1, 2]])), RC, variant="dark"
    ).content
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(dark_png)) as image:
        corner = image.convert("RGBA").getpixel((0, 0))
    assert corner[3] == 0


def test_usetex_is_forced_off_whatever_the_style_says() -> None:
    rc = resolve_style({"text.usetex": True})
    assert rc["text.usetex"] is False


def test_checks_before_drawing_run_once_per_figure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PNG with theme: auto is four images (two variants, 1x and 2x); the
    checks before drawing run once for all of them."""
    import mkdocs_heatmap.render as render_module
    from mkdocs_heatmap.pipeline import prepare_block

    calls: list[object] = []
    real = render_module.precheck
    monkeypatch.setattr(render_module, "precheck", lambda *a: calls.append(a) or real(*a))
    prepared = prepare_block("matrix: [[1, 2]]\nformat: png\ntheme: auto", site_settings(tmp_path))
    images = prepared.job.run()
    assert len(images) == 4
    assert len(calls) == 1


def test_each_variant_is_painted_once_for_checks_layout_and_drawing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three panels sharing a scale, theme: auto, PNG: four images.  Each
    variant's colors and cell texts are computed once (the shared scale and
    three panels), and the checks, the layout and both scales read them."""
    import mkdocs_heatmap.render.colors as colors_module
    from mkdocs_heatmap.pipeline import prepare_block

    counts = {"cell_colors": 0, "annotate_cells": 0}
    for name in counts:
        real = getattr(colors_module, name)

        def counted(*args: object, _real: object = real, _name: str = name) -> object:
            counts[_name] += 1
            return _real(*args)  # type: ignore[operator]

        monkeypatch.setattr(colors_module, name, counted)
    panels = "".join(f"  - matrix: [[{n}, 2], [3, 4]]\n    title: P{n}\n" for n in (1, 5, 9))
    body = f"panels:\n{panels}format: png\ntheme: auto\nannotate: true"
    images = prepare_block(body, site_settings(tmp_path)).job.run()
    assert len(images) == 4
    assert counts == {"cell_colors": 2 * (1 + 3), "annotate_cells": 2 * 3}


# -- fmt on the data's extremes (hardening, round 3) ----------------------------


def test_fmt_width_is_checked_on_the_data_extremes() -> None:
    """`,.0f` passes the spec's samples, but writes 1e197 with 266 characters:
    refused before any cell is drawn, naming the value and its cell."""
    from mkdocs_heatmap.render import precheck

    spec = spec_of("matrix: [[1]]\nfmt: ',.0f'\nannotate: false")
    values = matrix_of([[1.0, 2.0], [-3e196, 4.0]], ["a", "b"], ["x", "y"])
    with pytest.raises(RenderError) as caught:
        precheck(plot_of(spec, values), RC)
    assert caught.value.key == "fmt"
    assert caught.value.message == (
        "'fmt' ',.0f' writes the smallest value -3e+196 (row 'y', column 'a') as 263 "
        "characters; at most 40 fit a cell or a tick (try .3g or .2e)"
    )
    precheck(plot_of(spec, matrix_of([[1.0, -2e20]])), RC)  # 27 characters: fine


def test_colorbar_format_width_is_checked_on_the_color_range() -> None:
    from mkdocs_heatmap.render import precheck

    spec = spec_of("matrix: [[1]]\ncolorbar: {format: ',.0f'}\nvmax: 1.0e+100")
    with pytest.raises(RenderError) as caught:
        precheck(plot_of(spec, matrix_of([[1.0, 2.0]])), RC)
    assert caught.value.key == "colorbar"
    assert "'colorbar': format ',.0f' writes the colorbar's top, 1e+100, as 134 char" in str(
        caught.value
    )
