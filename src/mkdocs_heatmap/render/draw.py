"""Building the figure: where everything goes, then the matplotlib ``Figure`` itself.

No pyplot: figures are plain ``Figure`` objects, so nothing is shared
between renders and nothing leaks between blocks.  The layout
(``layout.plan``) comes from the texts and shapes of a ``Scene``; the
figure draws the scene's colors and cell texts into it, each panel as one
RGBA mesh or image.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..formats import VECTOR_CELL_LIMIT
from ..keys import GroupFile, Groups, panel_letter
from ..layout import (
    LEADER,
    PT,
    BarPlace,
    Box,
    ColorbarAsk,
    FigureLayout,
    Fonts,
    Label,
    LegendAsk,
    LegendPlace,
    PanelAsk,
    PanelPlace,
    bar_ticks,
    plan,
    prune_tree,
)
from ..model import Box as ImageBox
from ..model import LabelledMatrix, Panel, Plot, Rc
from ..mplx import svg_id_salt
from ..spec import HeatmapSpec
from ..style import theme_rc
from .colors import (
    BoolArray,
    Colors,
    Part,
    Scene,
    contrast_ink,
    group_colors,
    highlight_cells,
    paint,
    same_titles,
    shared_panels,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

HATCH_COLOR = {"light": "#b3b3b3", "dark": "#6e6e6e"}
GRID_COLOR = {"light": "#ffffff", "dark": "#1e2129"}
HATCH_LIMIT = 2_000
# Cells in print overlap their neighbours by half this stroke (points), in
# their own color: PDF and PostScript viewers antialias every cell's edges on
# their own, so without it the page shows through as hairline seams between
# cells (measured in poppler, MuPDF and Ghostscript at 72-600 dpi: 0.5 pt
# still leaves a faint seam in MuPDF at 150 dpi, 0.75 pt none anywhere).
PRINT_CELL_EDGE = 0.75


def rc_for(rc: Rc, variant: str, *, transparent: bool = False, salt: str = "") -> Any:
    """The rcParams to draw one variant under (``build_figure`` needs them active)."""
    return {**rc, **theme_rc(variant, transparent=transparent), **svg_id_salt(f"{salt}{variant}")}


def build_figure(
    plot: Plot,
    *,
    variant: str = "light",
    vector_cells: int = VECTOR_CELL_LIMIT,
    layout: FigureLayout | None = None,
    scene: Scene | None = None,
) -> Figure:
    """The matplotlib Figure of a block, one heatmap or a grid of panels: the
    one drawing entry point.  Call inside ``rc_context`` of the style.  Maps
    of up to ``vector_cells`` cells draw each cell as a vector, larger ones
    as one raster.  ``layout`` (from ``figure_layout``) may be shared by the
    variants and scales of one figure: only colors and resolution differ;
    ``scene`` (from ``colors.paint``) by every image of one variant."""
    import matplotlib as mpl
    from matplotlib.cm import ScalarMappable
    from matplotlib.figure import Figure

    scene = scene if scene is not None else paint(plot, variant)
    layout = layout or figure_layout(plot, mpl.rcParams, scene)
    fig = Figure(figsize=layout.size)
    for n, (part, place) in enumerate(zip(scene.parts, layout.panels, strict=True)):
        ax = fig.add_axes(_fraction(place.map, layout.size), gid=f"heatmap-panel-{n}")
        _draw(ax, part, place, variant, vector_cells)
        _frame(ax, variant)
        _trees(fig, part.panel, place, layout.size)
        _strips(fig, part.panel, place, layout.size, variant, vector_cells)
        for label in place.texts:
            _text(fig, label, layout.size)
        if place.bar is not None:
            mappable = ScalarMappable(norm=part.colors.norm, cmap=part.colors.cmap)
            _colorbar(fig, place.bar, mappable, part.colors.extend, layout.size)
    for label in layout.texts:
        _text(fig, label, layout.size)
    if layout.bar is not None:
        shared = scene.shared
        assert shared is not None
        mappable = ScalarMappable(norm=shared.norm, cmap=shared.cmap)
        _colorbar(fig, layout.bar, mappable, shared.extend, layout.size)
    return fig


def figure_layout(plot: Plot, rc: Any, scene: Scene) -> FigureLayout:
    """Where everything of the figure goes (``layout.plan``), from its texts
    and shapes alone: the same for every variant and resolution."""
    fonts = Fonts(rc)
    parts = scene.parts
    spec = plot.spec
    if not plot.multi:
        (part,) = parts
        ask = _ask(part, part.panel.spec, title=spec.title)
        if isinstance(spec.panel_labels, str):  # one panel: a letter only when spelled out
            ask = replace(ask, letter=panel_letter(spec.panel_labels, 0))
        return plan([ask], fonts, figsize=spec.figsize)
    shared = shared_panels(plot)
    asks = []
    count = len(parts)
    ncols = min(spec.ncols or min(count, 4), count)
    for n, part in enumerate(parts):
        left = parts[(n // ncols) * ncols].panel.matrix
        below = parts[n + ncols].panel.matrix if n + ncols < count else None
        ask = _ask(part, part.panel.spec, title=part.panel.spec.title, own_bar=not shared[n])
        asks.append(
            replace(
                ask,
                show_y=not (n % ncols and left.y_labels == part.panel.matrix.y_labels),
                show_x=not (below is not None and below.x_labels == part.panel.matrix.x_labels),
                letter=panel_letter(spec.panel_labels, n) if spec.panel_labels else None,
            )
        )
    same_x, same_y = same_titles([p.spec for p in plot.panels])
    bar = None
    if scene.shared is not None and spec.colorbar is not None:
        bar = _bar_ask(spec, scene.shared)
    return plan(
        asks,
        fonts,
        ncols=ncols,
        figsize=spec.figsize,
        title=spec.title,
        xlabel=same_x,
        ylabel=same_y,
        bar=bar,
    )


def map_boxes(layout: FigureLayout) -> tuple[ImageBox, ...]:
    """Each panel's cell area as (left, top, right, bottom) fractions of the
    image, from the top-left corner (as a browser measures it), rounded to
    what a pointer can tell apart on any screen."""
    boxes = (_fraction(p.map, layout.size) for p in layout.panels)
    return tuple(
        (round(x, 5), round(1 - y - h, 5), round(x + w, 5), round(1 - y, 5)) for x, y, w, h in boxes
    )


def seal_cells(fig: Figure) -> None:
    """Close the seams between vector cells for PDF and EPS: each cell is
    stroked in its own color, so neighbours overlap by ``PRINT_CELL_EDGE / 2``
    points (a shift of a boundary by 0.1 mm at most, invisible in print).
    Cells that are not opaque (masked ones) get no stroke, so none darkens
    its own border.  Maps drawn with grid lines keep them; a raster map has
    no seams to close."""
    from matplotlib.collections import QuadMesh

    for ax in fig.axes:
        if not str(ax.get_gid() or "").startswith("heatmap-panel-"):
            continue
        for mesh in ax.collections:
            if not isinstance(mesh, QuadMesh) or np.asarray(mesh.get_linewidth()).any():
                continue
            rgba = np.asarray(mesh.get_array(), dtype=np.float64)
            if rgba.ndim != 3 or rgba.shape[-1] != 4:
                continue
            edges = rgba.reshape(-1, 4).copy()
            edges[edges[:, 3] < 1.0] = 0.0
            mesh.set_edgecolor(edges)
            mesh.set_linewidth(PRINT_CELL_EDGE)


def groups_of(spec: HeatmapSpec, matrix: LabelledMatrix) -> tuple[Groups | None, Groups | None]:
    """The row and column groups of a panel as drawn.  The pipeline has
    matched them to the matrix already; a figure made without it (tests, a
    ``Plot`` built by hand) may still hold the block's inline mapping."""
    from ..data.groups import resolve
    from ..errors import RenderError

    out: list[Groups | None] = []
    for key, labels in (("row_groups", matrix.y_labels), ("col_groups", matrix.x_labels)):
        given = getattr(spec, key)
        if given is None or isinstance(given, Groups):
            out.append(given)
        elif isinstance(given, GroupFile):
            raise RenderError(f"'{key}': its table was not read", key=key)
        else:
            out.append(resolve(given, labels, key))
    return out[0], out[1]


def _legend_asks(rows: Groups | None, cols: Groups | None) -> tuple[LegendAsk, ...]:
    """A legend per groups key; untitled ones say which axis when both are there."""
    both = rows is not None and cols is not None
    asks = []
    for groups, axis in ((rows, "Rows"), (cols, "Columns")):
        if groups is not None:
            asks.append(LegendAsk(groups.title or (axis if both else None), groups.order))
    return tuple(asks)


def _ask(part: Part, spec: HeatmapSpec, *, title: str | None, own_bar: bool = True) -> PanelAsk:
    ask = _plain_ask(part, spec, title=title, own_bar=own_bar)
    if spec.row_groups is None and spec.col_groups is None:
        return ask
    row_groups, col_groups = groups_of(spec, part.panel.matrix)
    return replace(
        ask,
        row_strip=row_groups is not None,
        col_strip=col_groups is not None,
        legends=_legend_asks(row_groups, col_groups),
    )


def _plain_ask(
    part: Part, spec: HeatmapSpec, *, title: str | None, own_bar: bool = True
) -> PanelAsk:
    matrix = part.panel.matrix
    rows, cols = matrix.shape
    notes = part.notes
    return PanelAsk(
        rows=rows,
        cols=cols,
        x_labels=matrix.x_labels,
        y_labels=matrix.y_labels,
        xticks=spec.xticks,
        yticks=spec.yticks,
        rotation=spec.xtick_rotation,
        square=spec.square,
        title=title,
        xlabel=spec.xlabel,
        ylabel=spec.ylabel,
        notes=tuple(text for _, _, text, _ in notes.cells) if notes else (),
        notes_required=bool(notes and notes.required),
        bar=_bar_ask(spec, part.colors) if own_bar and spec.colorbar is not None else None,
        row_tree=bool(spec.dendrogram and part.panel.row_tree),
        col_tree=bool(spec.dendrogram and part.panel.col_tree),
    )


def _bar_ask(spec: HeatmapSpec, colors: Colors) -> ColorbarAsk:
    bar = spec.colorbar
    assert bar is not None
    kind = spec.norm if spec.center is None else "linear"
    ticks, labels = bar_ticks(colors.norm, kind, bar.format, bar.ticks)
    # Each tick's place along the bar, so the layout thins them where they crowd.
    with np.errstate(invalid="ignore", divide="ignore"):
        places = np.asarray(colors.norm(np.asarray(ticks, dtype=float)), dtype=float)
    if not np.all(np.isfinite(places)):
        places = np.asarray([])
    return ColorbarAsk(
        ticks, labels, bar.label, bar.orientation, tuple(float(p) for p in np.ravel(places))
    )


def _fraction(box: Box, size: tuple[float, float]) -> tuple[float, float, float, float]:
    width, height = size
    return (box.x / width, box.y / height, box.w / width, box.h / height)


def _text(fig: Figure, label: Label, size: tuple[float, float]) -> None:
    import matplotlib as mpl

    rc = mpl.rcParams
    if label.role == "title":
        color = rc["axes.titlecolor"]
        color = rc["text.color"] if color == "auto" else color
    elif label.role in ("xlabel", "ylabel", "colorbar"):
        color = rc["axes.labelcolor"]
    else:
        color = rc["text.color"]
    fig.text(
        label.x / size[0],
        label.y / size[1],
        label.text,
        ha=label.ha,
        va=label.va,
        rotation=label.rotation,
        fontsize=label.size,
        fontweight=label.weight,
        color=color,
        gid=f"heatmap-{label.role}" if label.role else None,
    )


def _draw(ax: Axes, part: Part, place: PanelPlace, variant: str, vector_cells: int) -> None:
    """One heatmap into one Axes: cells, ticks, cell text, outlines."""
    panel, colors = part.panel, part.colors
    spec, matrix = panel.spec, panel.matrix
    rows, cols = matrix.shape
    grid = spec.gridlines
    grid_color = (grid.color if grid and grid.color else GRID_COLOR[variant]) if grid else None
    if rows * cols <= vector_cells:
        ax.pcolormesh(
            np.arange(cols + 1) - 0.5,
            np.arange(rows + 1) - 0.5,
            colors.rgba,
            edgecolors=grid_color or "none",
            linewidth=grid.width if grid else 0.0,
            antialiased=False,
        )
    else:
        ax.imshow(
            colors.rgba,
            interpolation="none",
            aspect="auto",
            origin=spec.origin,
            resample=False,
        )
        if grid and rows + cols <= 600:
            ax.hlines(np.arange(rows + 1) - 0.5, -0.5, cols - 0.5, colors=grid_color, lw=grid.width)
            ax.vlines(np.arange(cols + 1) - 0.5, -0.5, rows - 0.5, colors=grid_color, lw=grid.width)
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim((rows - 0.5, -0.5) if spec.origin == "upper" else (-0.5, rows - 0.5))
    ax.set_aspect("auto")
    if 0 < int(colors.missing.sum()) <= HATCH_LIMIT:
        _hatch_missing(ax, colors.missing, variant)
    for spine in ax.spines.values():
        spine.set_visible(False)
    _ticks(ax, place)
    notes = part.notes
    if notes is not None and place.note_size is not None:
        for i, j, text, color in notes.cells:
            ax.text(j, i, text, ha="center", va="center", color=color, size=place.note_size)
    if spec.highlight:
        _highlight(ax, spec, matrix, colors)
    if spec.group_lines:
        _group_lines(ax, spec, matrix, variant)


def _ticks(ax: Axes, place: PanelPlace) -> None:
    x, y = place.xticks, place.yticks
    ax.set_xticks(list(x.places or x.positions), list(x.labels))
    if x.rotation:
        upright = abs(x.rotation) % 180 == 90
        for label in ax.get_xticklabels():
            label.set_rotation(x.rotation)
            label.set_horizontalalignment("right" if x.rotation > 0 else "left")
            label.set_rotation_mode("anchor")
            if upright:
                label.set_verticalalignment("center")  # centred on its column
    ax.set_yticks(list(y.places or y.positions), list(y.labels))
    if y.side == "right":
        ax.yaxis.tick_right()
    ax.tick_params(length=0)
    if y.offset:
        import matplotlib as mpl

        ax.tick_params(axis="y", pad=float(mpl.rcParams["ytick.major.pad"]) + y.offset)
    # Labels the layout shrank to fit (never below its floor).
    if x.size is not None:
        ax.tick_params(axis="x", labelsize=x.size)
    if y.size is not None:
        ax.tick_params(axis="y", labelsize=y.size)
    if x.places is not None or y.places is not None:
        _leaders(ax, place)


def _leaders(ax: Axes, place: PanelPlace) -> None:
    """Listed labels the layout moved apart (``Ticks.places``): each farther
    from the map by ``LEADER`` points, a thin line from its cell to it."""
    import matplotlib as mpl
    from matplotlib.lines import Line2D
    from matplotlib.transforms import blended_transform_factory

    rc = mpl.rcParams
    box = place.map
    if place.xticks.places is not None:
        ax.tick_params(axis="x", pad=float(rc["xtick.major.pad"]) + LEADER)
    if place.yticks.places is not None:
        pad = float(rc["ytick.major.pad"]) + LEADER + place.yticks.offset
        ax.tick_params(axis="y", pad=pad)
    for ticks, axis in ((place.xticks, "x"), (place.yticks, "y")):
        if ticks.places is None:
            continue
        reach = LEADER * PT / (box.h if axis == "x" else box.w)
        color = rc["xtick.color"] if axis == "x" else rc["ytick.color"]
        for cell, spot in zip(ticks.positions, ticks.places, strict=True):
            if axis == "x":
                transform = blended_transform_factory(ax.transData, ax.transAxes)
                xs, ys = [cell, cell, spot], [0.0, -reach * 0.35, -reach * 0.9]
            else:
                transform = blended_transform_factory(ax.transAxes, ax.transData)
                edge, out = (1.0, 1.0) if ticks.side == "right" else (0.0, -1.0)
                edge += out * ticks.offset * PT / box.w  # past a group strip
                xs = [edge, edge + out * reach * 0.35, edge + out * reach * 0.9]
                ys = [cell, cell, spot]
            ax.add_line(Line2D(xs, ys, transform=transform, clip_on=False, lw=0.5, color=color))


def _frame(ax: Axes, variant: str) -> None:
    """A thin frame around the map in the dark variant, as the colorbar has:
    near-black cells would otherwise run into a dark page with no edge.  It
    lies on the map's border (half over the outer cells), so the layout is
    the same for both variants."""
    import matplotlib as mpl

    if variant != "dark":
        return
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color(mpl.rcParams["axes.edgecolor"])
        spine.set_linewidth(0.5)


def _trees(fig: Figure, panel: Panel, place: PanelPlace, size: tuple[float, float]) -> None:
    """Dendrograms of a clustered block beside the map: rows on the left,
    columns on top; over ``TREE_LEAVES`` leaves cut to their top clusters
    (``layout.prune_tree``)."""
    import matplotlib as mpl

    ink = mpl.rcParams["axes.edgecolor"]
    rows, cols = panel.matrix.shape
    if place.row_tree is not None and panel.row_tree:
        side = fig.add_axes(_fraction(place.row_tree, size))
        for segment in prune_tree(panel.row_tree):
            side.plot(segment[4:], segment[:4], color=ink, linewidth=0.7)
        upper = panel.spec.origin == "upper"
        side.set_ylim((rows - 0.5, -0.5) if upper else (-0.5, rows - 0.5))
        side.invert_xaxis()
        side.set_axis_off()
    if place.col_tree is not None and panel.col_tree:
        top = fig.add_axes(_fraction(place.col_tree, size))
        for segment in prune_tree(panel.col_tree):
            top.plot(segment[:4], segment[4:], color=ink, linewidth=0.7)
        top.set_xlim(-0.5, cols - 0.5)
        top.set_axis_off()


def _colorbar(
    fig: Figure, place: BarPlace, mappable: Any, extend: str, size: tuple[float, float]
) -> None:
    cax = fig.add_axes(_fraction(place.box, size))
    vertical = place.orientation == "vertical"
    cb = fig.colorbar(
        mappable,
        cax=cax,
        orientation=place.orientation,
        extend=extend,
        extendfrac=0.04,
        ticks=list(place.ticks),
    )
    cb.set_ticks(list(place.ticks), labels=list(place.labels))
    cb.minorticks_off()
    cb.outline.set_linewidth(0.5)
    cb.ax.tick_params(length=2.5, width=0.5, size=2.5)
    if not vertical:
        cb.ax.xaxis.set_ticks_position("bottom")
    if place.label is not None:
        _text(fig, place.label, size)


def _hatch_missing(ax: Axes, missing: BoolArray, variant: str) -> None:
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    cells = [Rectangle((j - 0.5, i - 0.5), 1, 1) for i, j in np.argwhere(missing)]
    hatch = PatchCollection(
        cells, facecolor="none", edgecolor=HATCH_COLOR[variant], linewidth=0.0, hatch="////"
    )
    ax.add_collection(hatch)


def _highlight(ax: Axes, spec: HeatmapSpec, matrix: LabelledMatrix, colors: Colors) -> None:
    from matplotlib.patches import Rectangle

    for i, j in highlight_cells(spec.highlight, matrix.values, colors.hidden):
        ink = contrast_ink(colors.rgba[i, j])
        ax.add_patch(
            Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=ink, linewidth=1.6, zorder=3)
        )


GROUP_LINE = {"light": "#ffffff", "dark": "#1e2129"}  # the page's own color: a gap


def _group_lines(ax: Axes, spec: HeatmapSpec, matrix: LabelledMatrix, variant: str) -> None:
    """A line across the map between neighbouring rows (columns) of different
    groups: a gap in the page's color, as a split map has; in the ink color
    over grid lines, which are gaps already."""
    import matplotlib as mpl

    rows, cols = matrix.shape
    grid = spec.gridlines is not None
    color = mpl.rcParams["axes.edgecolor"] if grid else GROUP_LINE[variant]
    width = 1.0 if grid else 1.5
    row_groups, col_groups = groups_of(spec, matrix)
    for at in _changes(row_groups):
        ax.hlines(at - 0.5, -0.5, cols - 0.5, colors=color, lw=width, gid="heatmap-group-line")
    for at in _changes(col_groups):
        ax.vlines(at - 0.5, -0.5, rows - 0.5, colors=color, lw=width, gid="heatmap-group-line")


def _changes(groups: Groups | None) -> list[int]:
    """Where a new group starts: each position whose group differs from the one before."""
    if groups is None:
        return []
    names = groups.names
    return [n for n in range(1, len(names)) if names[n] != names[n - 1]]


def _strips(
    fig: Figure,
    panel: Panel,
    place: PanelPlace,
    size: tuple[float, float],
    variant: str,
    vector_cells: int,
) -> None:
    """Each group strip as a band of cells in its groups' colors, aligned
    with the map's rows (columns), and each legend: swatch and name."""
    if place.row_strip is None and place.col_strip is None:
        return
    from matplotlib.patches import Rectangle

    spec, matrix = panel.spec, panel.matrix
    rows, cols = matrix.shape
    upper = spec.origin == "upper"
    row_groups, col_groups = groups_of(spec, matrix)
    palettes = []
    start = 0
    for box, groups, axis in (
        (place.row_strip, row_groups, "row"),
        (place.col_strip, col_groups, "col"),
    ):
        if box is None or groups is None:
            continue
        colors = group_colors(len(groups.order), start)
        start += len(groups.order)
        palettes.append(colors)
        index = {name: n for n, name in enumerate(groups.order)}
        rgba = np.array([colors[index[name]] for name in groups.names], dtype=float)
        strip = fig.add_axes(_fraction(box, size), gid=f"heatmap-{axis}-groups")
        cells = rgba[:, np.newaxis, :] if axis == "row" else rgba[np.newaxis, :, :]
        xs = [-0.5, 0.5] if axis == "row" else np.arange(cols + 1) - 0.5
        ys = np.arange(rows + 1) - 0.5 if axis == "row" else [-0.5, 0.5]
        if len(groups.names) <= vector_cells:
            strip.pcolormesh(xs, ys, cells, antialiased=False)
        else:
            # As the map itself: one raster, not a shape per row, past this size.
            origin = spec.origin if axis == "row" else "upper"
            strip.imshow(cells, interpolation="none", aspect="auto", origin=origin)
        strip.set_xlim(xs[0], xs[-1])
        if axis == "row":
            strip.set_ylim((rows - 0.5, -0.5) if upper else (-0.5, rows - 0.5))
        else:
            strip.set_ylim(-0.5, 0.5)
        if spec.group_lines and spec.gridlines is None:
            # The map's gaps run on through the strip.
            lines = strip.hlines if axis == "row" else strip.vlines
            for at in _changes(groups):
                lines(at - 0.5, -0.5, 0.5, colors=GROUP_LINE[variant], lw=1.5)
        strip.set_xticks([])
        strip.set_yticks([])
        strip.set_axis_off()
    for legend, colors in zip(place.legends, palettes, strict=True):
        _legend(fig, legend, colors, size, Rectangle)


def _legend(
    fig: Figure, legend: LegendPlace, colors: list[Any], size: tuple[float, float], patch: Any
) -> None:
    import matplotlib as mpl

    edge = mpl.rcParams["axes.edgecolor"]
    for box, color, label in zip(legend.swatches, colors, legend.labels, strict=True):
        x, y, w, h = _fraction(box, size)
        fig.add_artist(
            patch(
                (x, y),
                w,
                h,
                transform=fig.transFigure,
                facecolor=color,
                edgecolor=edge,
                linewidth=0.3,
                gid="heatmap-group-swatch",
            )
        )
        _text(fig, label, size)
    if legend.title is not None:
        _text(fig, legend.title, size)
