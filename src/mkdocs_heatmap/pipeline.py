"""One block end to end, without any host: text -> spec -> data -> key -> images -> HTML.

``prepare_block`` parses the block, loads its panels (numpy, never
matplotlib) and computes the cache key; ``RenderJob.run`` draws it;
``finish_block`` describes the figure (``emit.FigureDoc``) and the files to
publish.  Every host goes
through these: the build batch (``batch``) for the Markdown hosts,
``process_block`` for one block at a time, the API and the CLI.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .__about__ import __version__
from .cache import DRAWING, DiskCache, make_key, matplotlib_version
from .errors import DataError, HeatmapError
from .formats import FORMATS
from .keys import MASK_NAMES, GroupFile
from .model import (
    MAX_PANELS,
    Image,
    LabelledMatrix,
    Output,
    Panel,
    Plot,
    Rc,
    Settings,
    TextTable,
)
from .notes import Note, collecting
from .spec import HeatmapSpec, mask_spec, parse_block, subtrahend_spec, text_spec
from .style import layer, style_files

if TYPE_CHECKING:
    from .data import Source
    from .emit import FigureDoc
    from .hover import HoverPanel

# numpy, the data loaders, the renderer and the HTML writer are imported where
# they are used: a warm build that re-uses block memos needs none of them.

# Which of a spec's fields shape the image is each key's role in the key table.
from .model import DATA_ONLY as DATA_ONLY
from .model import HTML_ONLY as HTML_ONLY
from .model import NOT_DRAWN as _NOT_DRAWN


@dataclass(frozen=True)
class Result:
    html: str
    outputs: tuple[Output, ...]


@dataclass(frozen=True)
class RenderJob:
    """Everything needed to draw one block's images; picklable for workers."""

    plot: Plot
    rc: Rc
    variants: tuple[str, ...]
    transparent: bool
    salt: str
    format: str | None = None  # the block's, unless an output asks for another

    def run(self) -> list[Image]:
        """Every image of the figure: each variant, and a 2x PNG after each PNG."""
        from .render import render_all

        with at_key_line(self.plot.spec):
            return render_all(
                self.plot,
                self.rc,
                self.variants,
                transparent=self.transparent,
                salt=self.salt,
                format=self.format,
            )

    def one(self, format: str, variant: str) -> Image:
        """The figure as one file of its own: ``format`` (any of
        ``OUTPUT_FORMATS``), one variant, at 1x, on its own background (a
        light file is dark ink on white, whatever the site's theme)."""
        from .render import render_all

        with at_key_line(self.plot.spec):
            (image,) = render_all(
                self.plot,
                self.rc,
                (variant,),
                transparent=False,
                salt=self.salt,
                format=format,
                scales=(1,),
            )
        return image


@dataclass(frozen=True)
class Prepared:
    plot: Plot
    job: RenderJob
    key: str
    files: tuple[Path, ...]  # data and style files the figure depends on
    # Files that did not exist where a data file was looked up first: one
    # that appears there later would be read instead.
    absent: tuple[Path, ...] = ()
    hover: tuple[HoverPanel, ...] | None = None  # the cells a reader can point at
    notes: tuple[Note, ...] = ()  # what the author should know; the figure is drawn

    @property
    def spec(self) -> HeatmapSpec:
        return self.plot.spec


def prepare_block(
    body: str, settings: Settings, page_defaults: Mapping[str, Any] | None = None
) -> Prepared:
    """Parse, load, resolve the style and compute the cache key (no matplotlib)."""
    return prepare_spec(parse_block(body, {**settings.defaults, **(page_defaults or {})}), settings)


def prepare_spec(spec: HeatmapSpec, settings: Settings) -> Prepared:
    """``prepare_block`` for a spec validated already (the API's mappings)."""
    with at_key_line(spec), collecting() as found:
        plot, sources = load_plot(spec, settings)
        rc = _block_rc(spec, settings)
        from .layout import tick_notes

        tick_notes(plot, rc)  # labels the figure will thin: said before drawing
        hover = None
        if spec.hover:
            from .hover import hover_panels

            hover = hover_panels(plot)
    notes = tuple(replace(n, block_line=spec.line_of(n.key)) for n in found)
    theme = spec.theme or settings.theme
    variants = ("light", "dark") if theme == "auto" else (theme,)
    files = [source.found or source.path for source in sources]
    files += style_files(spec.style, settings.roots.project_root)
    absent = tuple(path for source in sources for path in source.passed)
    key = figure_key(plot, rc, variants, transparent=theme == "auto")
    job = RenderJob(plot, rc, variants, theme == "auto", salt=key[:16])
    return Prepared(plot, job, key, tuple(files), absent, hover, notes)


def figure_key(plot: Plot, rc: Rc, variants: tuple[str, ...], *, transparent: bool) -> str:
    """The cache key of a figure's images: everything that shapes their bytes."""
    first = plot.panels[0].matrix
    return make_key(
        "figure",
        __version__,
        DRAWING,
        matplotlib_version(),
        _drawn(plot.spec, None if plot.multi else plot.panels[0]),
        hashlib.sha256(first.values.tobytes()).hexdigest(),
        first.values.shape,
        first.x_labels,
        first.y_labels,
        sorted(rc.items()),
        variants,
        transparent,
        [
            (
                _drawn(p.spec, p),
                hashlib.sha256(p.matrix.values.tobytes()).hexdigest(),
                p.matrix.x_labels,
                p.matrix.y_labels,
            )
            for p in (plot.panels if plot.multi else ())
        ],
    )


LATER_DRAWN = ("panel_labels", "cell_text", "row_groups", "col_groups", "group_lines")
"""Drawn keys added after figures were cached: left out of the key while
unset, so the figures that do not use them keep their keys (and SVG ids)."""


def _drawn(spec: HeatmapSpec, panel: Panel | None) -> dict[str, Any]:
    """The part of a spec that shapes the image (not the HTML, not the source),
    with what the core derived for the panel under the names the key has
    always used, so keys (and the SVG ids salted with them) stay stable."""
    drawn = {f.name: getattr(spec, f.name) for f in fields(spec) if f.name not in _NOT_DRAWN}
    for name in LATER_DRAWN:
        if drawn.get(name) is None:
            del drawn[name]
    drawn["row_tree"] = panel.row_tree if panel else None
    drawn["col_tree"] = panel.col_tree if panel else None
    drawn["facet_value"] = panel.facet_value if panel else None
    if panel is not None and panel.texts is not None:
        drawn["cell_text"] = panel.texts  # the texts, wherever they came from
    return drawn


def load_plot(spec: HeatmapSpec, settings: Settings) -> tuple[Plot, list[Source]]:
    """The block's panels, and the data files they read: one panel, each of
    ``panels``, or one per ``facet`` value."""
    if spec.panels is not None:
        loaded: list[Panel] = []
        files: list[Source] = []
        for number, part in enumerate(spec.panels, start=1):
            try:
                # Each panel may use what the figure's cell budget has left.
                used_cells = sum(p.matrix.values.size for p in loaded)
                panel, used = _load_panel(part, _with_cells(settings, used_cells))
            except HeatmapError as exc:
                raise type(exc)(f"panel {number}: {exc.message}", key="panels") from None
            loaded.append(panel)
            files += used
        return Plot(spec, tuple(loaded)), files
    if spec.facet is not None:
        plot, files = _load_facets(spec, settings)
    elif spec.facet_axis is not None:
        plot, files = _load_axis_facets(spec, settings)
    else:
        panel, files = _load_panel(spec, settings)
        plot = Plot(panel.spec, (panel,))
    return plot, files


def _with_cells(settings: Settings, used: int) -> Settings:
    """``settings`` for the next panel, when earlier ones used ``used`` cells
    of the figure's ``max_cells``."""
    limits = settings.limits
    if not used:
        return settings
    note = f" (max_cells, {limits.max_cells:,}, counts every panel; the ones before use {used:,})"
    if used >= limits.max_cells:
        raise DataError(f"no cells left for it{note}", key="panels")
    left = replace(limits, max_cells=limits.max_cells - used, cells_note=note)
    return replace(settings, limits=left)


def _load_panel(spec: HeatmapSpec, settings: Settings) -> tuple[Panel, list[Source]]:
    """One matrix: read, parse, normalize, subtract, cluster, trim.

    ``normalize`` divides each source before ``subtract``: the difference of
    two row-normalized confusion matrices compares rates, while the rows of a
    difference of counts often sum to 0 and would have no fractions.
    ``trim_mask`` comes last, as ``mask`` applies to the finished matrix.
    """
    from .data import parse_source, read_source
    from .data.derive import cluster, subtract

    source = read_source(spec, settings.roots, settings.limits)
    read = parse_source(spec, source, settings.limits)
    texts, text_files = _cell_texts(spec, read, settings)
    matrix = _normalized(spec, read, _name(spec))
    files = [source] if source is not None else []
    if spec.subtract is not None:
        other_spec = subtrahend_spec(spec)
        try:
            other_source = read_source(other_spec, settings.roots, settings.limits)
            other = parse_source(other_spec, other_source, settings.limits)
        except HeatmapError as exc:
            raise DataError(f"'subtract': {exc.message}", key="subtract") from None
        other = _normalized(spec, other, _name(other_spec, "the 'subtract' "))
        matrix = subtract(matrix, other)
        files += [other_source] if other_source is not None else []
        if spec.center is None and spec.norm == "linear":
            # A difference reads against zero: diverging, centered there.
            spec = replace(spec, center=0.0)
    groups, group_files = _group_sources(spec, settings)
    row_tree = col_tree = None
    if spec.cluster is not None:
        matrix, row_tree, col_tree = cluster(spec, matrix, *_blocks(groups, matrix))
    spec, matrix = _trimmed(spec, matrix)
    spec, used = _masked(spec, matrix, settings)
    spec = _grouped(spec, matrix, groups)
    if texts is not None:
        from .data.texts import follow, written

        texts = written(follow(texts, read, matrix), spec.fmt)
    return (
        Panel(spec, matrix, row_tree, col_tree, texts=texts),
        files + used + group_files + text_files,
    )


def _cell_texts(
    spec: HeatmapSpec, read: LabelledMatrix, settings: Settings
) -> tuple[tuple[tuple[str | float | None, ...], ...] | None, list[Source]]:
    """``cell_text`` matched to the matrix as read, and the file it came from."""
    if spec.cell_text is None:
        return None, []
    from .data import read_source
    from .data.texts import match_texts, read_texts

    source = None
    if isinstance(spec.cell_text, TextTable):
        own, name = spec, "the inline texts"
    else:
        own = text_spec(spec)
        name = _name(own)
        try:
            source = read_source(own, settings.roots, settings.limits)
        except HeatmapError as exc:
            raise DataError(f"'cell_text': {exc.message}", key="cell_text") from None
    try:
        texts = read_texts(own, source, settings.limits, name)
    except HeatmapError as exc:
        message = (
            exc.message if exc.message.startswith("'cell_text'") else f"'cell_text': {exc.message}"
        )
        raise DataError(message, key="cell_text") from None
    return match_texts(texts, read, name), [source] if source is not None else []


def _name(spec: HeatmapSpec, subtract: str = "") -> str:
    """The data as messages name it; ``subtract`` names the data of ``subtract``."""
    from .messages import one_line

    if spec.data is not None:
        return f"{subtract}data {one_line(spec.data)}" if subtract else one_line(spec.data)
    return f"{subtract}matrix" if subtract else "the inline matrix"


def _normalized(spec: HeatmapSpec, matrix: LabelledMatrix, name: str) -> LabelledMatrix:
    from .data.derive import normalize

    return matrix if spec.normalize is None else normalize(matrix, spec.normalize, name)


def _trimmed(spec: HeatmapSpec, matrix: LabelledMatrix) -> tuple[HeatmapSpec, LabelledMatrix]:
    """The panel's spec and matrix as drawn: ``trim_mask`` applied, and the
    annotation format of fractions when ``normalize`` left it open."""
    from .data.derive import trim_mask

    if spec.normalize is not None and spec.fmt is None:
        # The automatic format writes 0 and 1 without decimals when every
        # fraction happens to be whole (a perfect classifier); shares read
        # best with two decimals throughout.
        spec = replace(spec, fmt=".2f")
    if spec.trim_mask and isinstance(spec.mask, str):
        matrix, mask = trim_mask(matrix, spec.mask)
        spec = replace(spec, mask=mask)
    return spec, matrix


def _mask_source(
    spec: HeatmapSpec, settings: Settings
) -> tuple[LabelledMatrix, str, list[Source]] | None:
    """The matrix a ``mask`` data source holds (true/false read as 1/0), as
    messages name it, and the file it came from; None for a named triangle
    or an inline mask."""
    if not isinstance(spec.mask, (str, dict)) or spec.mask in MASK_NAMES:
        return None
    from .data import parse_source, read_source
    from .data.cells import BOOLEANS

    mask_spec_ = mask_spec(spec)
    token = BOOLEANS.set(True)
    try:
        source = read_source(mask_spec_, settings.roots, settings.limits)
        matrix = parse_source(mask_spec_, source, settings.limits)
    except HeatmapError as exc:
        raise DataError(f"'mask': {exc.message}", key="mask") from None
    finally:
        BOOLEANS.reset(token)
    return matrix, _name(mask_spec_), [source] if source is not None else []


def _masked(
    spec: HeatmapSpec,
    matrix: LabelledMatrix,
    settings: Settings,
    read: tuple[LabelledMatrix, str, list[Source]] | None = None,
) -> tuple[HeatmapSpec, list[Source]]:
    """The panel's spec with a ``mask`` data source (``read`` already, or
    read now) turned into the matrix of true/false it holds for ``matrix``,
    and the mask's file."""
    read = read or _mask_source(spec, settings)
    if read is None:
        return spec, []
    from .data.derive import mask_cells

    mask, name, files = read
    return replace(spec, mask=mask_cells(mask, matrix, name)), files


GroupsRead = dict[str, tuple[Mapping[str, str], "str | None"]]
"""Per groups key: label -> group, and the legend's title (a table's column)."""


def _group_sources(spec: HeatmapSpec, settings: Settings) -> tuple[GroupsRead, list[Source]]:
    """The mappings ``row_groups`` and ``col_groups`` give, tables read, and
    the tables' files (dependencies of the figure, as a mask's file is)."""
    from .data import read_source
    from .data.groups import read_groups_table
    from .messages import one_line
    from .spec import validate

    read: GroupsRead = {}
    files: list[Source] = []
    for key in ("row_groups", "col_groups"):
        given = getattr(spec, key)
        if given is None:
            continue
        if not isinstance(given, GroupFile):
            read[key] = (given, None)
            continue
        try:
            source = read_source(validate({"data": given.data}), settings.roots, settings.limits)
        except HeatmapError as exc:
            raise DataError(f"'{key}': {exc.message}", key=key) from None
        assert source is not None
        table = read_groups_table(
            source.content, source.fmt, one_line(given.data), given.column, key, settings.limits
        )
        read[key] = (table, given.column)
        files.append(source)
    return read, files


def _blocks(
    read: GroupsRead, matrix: LabelledMatrix
) -> tuple[list[list[int]] | None, list[list[int]] | None]:
    """The rows and columns of each group, for ``cluster`` to keep together."""
    from .data.groups import blocks, group_order, names_for

    out: list[list[list[int]] | None] = []
    for key, labels in (("row_groups", matrix.y_labels), ("col_groups", matrix.x_labels)):
        if key not in read:
            out.append(None)
            continue
        groups = read[key][0]
        names = names_for(groups, labels, key)
        out.append(blocks(names, group_order(groups, names, key)))
    return out[0], out[1]


def _grouped(spec: HeatmapSpec, matrix: LabelledMatrix, read: GroupsRead) -> HeatmapSpec:
    """The spec with each groups key as the ``Groups`` of ``matrix`` as drawn."""
    if not read:
        return spec
    from .data.groups import resolve

    if "row_groups" in read:
        groups, title = read["row_groups"]
        spec = replace(spec, row_groups=resolve(groups, matrix.y_labels, "row_groups", title))
    if "col_groups" in read:
        groups, title = read["col_groups"]
        spec = replace(spec, col_groups=resolve(groups, matrix.x_labels, "col_groups", title))
    return spec


def _load_axis_facets(spec: HeatmapSpec, settings: Settings) -> tuple[Plot, list[Source]]:
    """One panel per position along ``facet_axis`` of the block's array:
    each titled from ``panel_titles`` or "axis N = i"."""
    from .data import read_source
    from .data.arrays import facet_titles
    from .data.load import parse_axis_facets

    source = read_source(spec, settings.roots, settings.limits)
    if source is None:
        raise DataError(
            "'facet_axis' splits an array of a .npy or .npz file: it needs 'data'",
            key="facet_axis",
        )
    matrices = parse_axis_facets(spec, source, settings.limits)
    titles = facet_titles(spec, len(matrices))
    read = _mask_source(spec, settings)
    groups, group_files = _group_sources(spec, settings)
    panels = []
    for title, matrix in zip(titles, matrices, strict=True):
        part = replace(spec, title=title)
        name = f"{_name(spec)} ({title})"
        part, matrix = _trimmed(part, _normalized(part, matrix, name))
        part, _ = _masked(part, matrix, settings, read)
        part = _grouped(part, matrix, groups)
        panels.append(Panel(part, matrix, facet_value=title))
    files = [source] + (read[2] if read is not None else [])
    return Plot(spec, tuple(panels)), files + group_files


def _load_facets(spec: HeatmapSpec, settings: Settings) -> tuple[Plot, list[Source]]:
    """One panel per ``facet`` value; all share the whole table's row and
    column order."""
    from .data import facet_values, parse_source, read_source
    from .data.derive import reindex

    source = read_source(spec, settings.roots, settings.limits)
    assert source is not None  # facet requires data (checked in spec)
    values = facet_values(spec, source, settings.limits)
    if len(values) > MAX_PANELS:
        raise DataError(f"'facet' makes {len(values):,} panels; at most {MAX_PANELS}", key="facet")
    whole = parse_source(replace(spec, facet=None), source, settings.limits)
    read = _mask_source(spec, settings)
    groups, group_files = _group_sources(spec, settings)
    panels = []
    for value in values:
        part = replace(spec, title=value)
        matrix = parse_source(part, source, settings.limits, facet_value=value)
        reindexed = reindex(matrix, whole.x_labels, whole.y_labels)
        # Each facet is a matrix of its own: its own sums, its own triangle.
        name = f"{_name(spec)} (facet {value!r})"
        part, reindexed = _trimmed(part, _normalized(part, reindexed, name))
        part, _ = _masked(part, reindexed, settings, read)
        part = _grouped(part, reindexed, groups)
        panels.append(Panel(part, reindexed, facet_value=value))
    files = [source] + (read[2] if read is not None else [])
    return Plot(spec, tuple(panels)), files + group_files


def check_block(
    body: str, settings: Settings, page_defaults: Mapping[str, Any] | None = None
) -> tuple[Note, ...]:
    """Everything ``process_block`` checks, short of drawing the figure; the
    block's notes."""
    from .render import precheck

    prepared = prepare_block(body, settings, page_defaults)
    with at_key_line(prepared.spec):
        precheck(prepared.plot, prepared.job.rc)
    return prepared.notes


@dataclass(frozen=True)
class Finished:
    """A drawn block: its figure as data, and the files to publish."""

    doc: FigureDoc
    outputs: tuple[Output, ...]


def finish_block(prepared: Prepared, images: list[Image], settings: Settings) -> Finished:
    """The figure's doc and the files to publish, from its rendered images."""
    from .emit import PictureDoc, content_name, figure_doc

    plot = prepared.plot
    outputs: list[Output] = []

    def publish(content: bytes, ext: str) -> str:
        outputs.append(Output(_site_path(settings, content_name(content, ext)), content))
        return outputs[-1].path

    drawn = {(image.variant, image.scale): image for image in images}
    pictures = []
    for variant in prepared.job.variants:
        image = drawn[variant, 1]
        extension = FORMATS[image.format].extension
        double = drawn.get((variant, 2))
        path = publish(image.content, extension)
        path_2x = publish(double.content, extension) if double is not None else None
        pictures.append(PictureDoc(variant, path, image.width, image.height, path_2x))
    downloads = []
    if plot.spec.download:
        from .data import matrix_to_csv

        for n, panel in enumerate(plot.panels, start=1):
            name = panel.spec.title or f"panel {n}"
            path = publish(matrix_to_csv(panel.matrix).encode("utf-8"), "csv")
            if panel.texts is None:
                downloads.append((name, path))
                continue
            # Values and texts, two files: each reads back as a table of its own.
            texts = publish(matrix_to_csv(panel.matrix, panel.texts).encode("utf-8"), "csv")
            if plot.multi:
                downloads += [(name, path), (f"{name} (cell texts)", texts)]
            else:
                downloads += [("values", path), ("cell texts", texts)]
    hover = None
    if prepared.hover is not None and len(images[0].maps) == len(prepared.hover):
        from .hover import hover_json

        hover = hover_json(prepared.hover, images[0].maps)
    return Finished(figure_doc(plot, pictures, downloads, hover), tuple(outputs))


def process_block(
    body: str,
    settings: Settings,
    url_of: Callable[[str], str],
    page_defaults: Mapping[str, Any] | None = None,
    cache: DiskCache | None = None,
) -> Result:
    """One block end to end; raises ``HeatmapError`` for anything the user can fix."""
    from .emit import figure_html

    prepared = prepare_block(body, settings, page_defaults)
    images = cache.get(prepared.key) if cache else None
    if images is None:
        images = prepared.job.run()
        if cache:
            cache.put(prepared.key, images)
    finished = finish_block(prepared, images, settings)
    html = figure_html(finished.doc, url_of, dark_markup=settings.dark_markup)
    return Result(html, finished.outputs)


def _block_rc(spec: HeatmapSpec, settings: Settings) -> Rc:
    try:
        return layer(settings.rc, spec.style, settings.roots.project_root)
    except HeatmapError as exc:
        message = exc.message if exc.message.startswith("style") else f"'style': {exc.message}"
        raise HeatmapError(message, key="style") from None


@contextmanager
def at_key_line(spec: HeatmapSpec) -> Iterator[None]:
    """Data and render errors know the key at fault; the spec knows its line."""
    try:
        yield
    except HeatmapError as exc:
        if exc.block_line is None:
            exc.block_line = spec.line_of(exc.key)
        raise


def _site_path(settings: Settings, name: str) -> str:
    """A published file's path from the host's output folder (MkDocs: the
    site; Sphinx and the extension: their own folder, ``output_dir`` "")."""
    folder = settings.output_dir.strip("/")
    return f"{folder}/{name}" if folder else name
