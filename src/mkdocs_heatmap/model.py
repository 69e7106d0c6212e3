"""The plain data the core passes around, and its vocabulary.

Matrices, panels, limits, roots, settings, images; the key table (every key
a block may hold, as a field of ``HeatmapSpec``); and every list of names
the product accepts (formats, norms, missing-value spellings, defaults),
defined once here and imported wherever they are needed (the limits an
option type enforces itself are ``keys``', re-exported here).  Nothing here
imports numpy, matplotlib or MkDocs at run time, so a warm build that only
re-uses cached figures never pays for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .formats import FORMATS
from .keys import MAX_FORMATTED as MAX_FORMATTED
from .keys import MAX_MAGNITUDE as MAX_MAGNITUDE
from .keys import MISSING as MISSING
from .keys import (
    CellText,
    FigSize,
    Flag,
    FormatSpec,
    GroupFile,
    GroupMap,
    Groups,
    Highlight,
    Identifier,
    Integer,
    Labels,
    Listed,
    Mask,
    MatrixRows,
    Number,
    Numbers,
    OneOf,
    PanelLabels,
    Role,
    Rotation,
    Slice,
    StyleRef,
    Sub,
    SubtractRef,
    Switch,
    Text,
    Ticks,
    Titles,
    Width,
    key_field,
    table,
)
from .keys import InlineMatrix as InlineMatrix
from .keys import TextTable as TextTable

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

# --------------------------------------------------------------------------
# Vocabulary.

LANGUAGE = "heatmap"
"""The fence language, the directive name, and the front-matter key."""

DATA_FORMATS: tuple[str, ...] = ("csv", "tsv", "json", "yaml", "npy", "npz")
"""Every value ``data_format`` may take."""

DATA_EXTENSIONS: Mapping[str, str] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".npy": "npy",
    ".npz": "npz",
}

AGGREGATES: tuple[str, ...] = ("mean", "median", "sum", "min", "max", "first", "count")
NORMS: tuple[str, ...] = ("linear", "log", "symlog", "sqrt")
NORMALIZE: tuple[str, ...] = ("rows", "columns", "all")  # what `normalize` divides by
HIGHLIGHTS: tuple[str, ...] = ("max", "min", "row_max", "row_min", "col_max", "col_min")
IMAGE_FORMATS: tuple[str, ...] = tuple(n for n, f in FORMATS.items() if f.on_page)  # `format`
OUTPUT_FORMATS: tuple[str, ...] = tuple(FORMATS)  # files drawn for print too
THEMES: tuple[str, ...] = ("light", "dark", "auto")  # a block's `theme`
SITE_THEMES: tuple[str, ...] = ("light", "auto")  # the site's `theme` option
ON_ERROR: tuple[str, ...] = ("warn", "fail")

DEFAULT_CACHE_DIR = ".cache/heatmap"
DEFAULT_OUTPUT_DIR = "assets/heatmaps"
MAX_PANELS = 24
MAX_PIXELS = 40_000_000  # the largest PNG a figure may make (its 2x file)
MAX_CLUSTERED = 1_000  # rows or columns `cluster` reorders (its cost grows as n³)
MAX_TITLE = 500
"""Characters a ``title``, ``xlabel``, ``ylabel``, a colorbar's ``label`` (and a
panel's title) may hold: a line or two of a figure, never a page of it."""
MAX_PROSE = 5_000
"""Characters a ``caption`` or an ``alt`` text may hold (a paragraph or two)."""
MAX_NAME = 1_000
"""Characters any other text of a block may hold: paths, names, colors,
column names.  Style names and paths share it (``style.py``)."""
MAX_ANY_TEXT = 100_000
"""No text anywhere in a block (labels in a list, cells of a matrix) is
longer, whatever ``max_label_length`` says: refused before any work that
goes through it character by character."""
MAX_BLOCK = 1_000_000
"""Characters a block's text may hold, refused before YAML reads it: more is
a data set, which belongs in a file (``data:``); the API takes arrays as
they are, without text."""


def block_too_long(text: str) -> str | None:
    """The message for a block longer than ``MAX_BLOCK`` (None when it is not)."""
    if len(text) <= MAX_BLOCK:
        return None
    return (
        f"the block is longer than {MAX_BLOCK:,} characters; "
        "put the values in a data file and point at it with `data: FILE`"
    )


Rc = dict[str, Any]
"""Resolved rcParams: plain, hashable into cache keys, picklable for workers."""


# --------------------------------------------------------------------------
# The key table: every key a block may hold, declared once, as a field of
# HeatmapSpec or of a sub-schema it holds (see ``keys``).  Validation walks
# these fields in order (the first refusal is the one reported, and the docs
# list the keys in it); the lists of keys below are derived from them.  The
# names of HeatmapSpec's drawn fields are part of every figure's cache key.
# (``key_field`` returns a ``dataclasses.Field``, which ruff's RUF009 cannot
# tell from a call that makes a default.)


@dataclass(frozen=True)
class Pivot:
    """``pivot``: the columns of a tidy table that make the matrix."""

    x: str = key_field(Text(MAX_NAME, nonempty=True), required=True)
    y: str = key_field(Text(MAX_NAME, nonempty=True), required=True)
    value: str = key_field(Text(MAX_NAME, nonempty=True), required=True)
    agg: Literal["mean", "median", "sum", "min", "max", "first", "count"] = key_field(
        OneOf(AGGREGATES), "mean"
    )


@dataclass(frozen=True)
class Colorbar:
    label: str | None = key_field(Text(MAX_TITLE))
    ticks: tuple[float, ...] | None = key_field(Numbers())
    format: str | None = key_field(FormatSpec())
    orientation: Literal["vertical", "horizontal"] = key_field(
        OneOf(("vertical", "horizontal")), "vertical"
    )


@dataclass(frozen=True)
class Grid:
    width: float = key_field(Number(minimum=0.1, maximum=5), 0.8)
    color: str | None = key_field(Text(MAX_NAME, nonempty=True))


_SOURCE = Role.SOURCE
_HTML = Role.HTML


@dataclass(frozen=True)
class HeatmapSpec:
    """A block's keys, validated and normalized (``spec.parse_block``)."""

    # Data
    data: str | None = key_field(Text(MAX_NAME, nonempty=True), role=_SOURCE)
    matrix: tuple[tuple[float, ...], ...] | InlineMatrix | None = key_field(
        MatrixRows(), role=_SOURCE
    )
    data_format: str | None = key_field(OneOf(DATA_FORMATS), role=_SOURCE)
    header: bool = key_field(Flag(), True, role=_SOURCE)
    index: Literal["auto"] | bool = key_field(OneOf(("auto", True, False)), "auto", role=_SOURCE)
    key: str | None = key_field(Text(MAX_NAME, nonempty=True), role=_SOURCE)
    pivot: Pivot | None = key_field(Sub(Pivot), role=_SOURCE)
    rows: tuple[str, ...] | None = key_field(Labels(), role=_SOURCE)
    columns: tuple[str, ...] | None = key_field(Labels(), role=_SOURCE)
    transpose: bool = key_field(Flag(), False, role=_SOURCE)
    # Labels, ticks, titles
    title: str | None = key_field(Text(MAX_TITLE))
    xlabel: str | None = key_field(Text(MAX_TITLE))
    ylabel: str | None = key_field(Text(MAX_TITLE))
    x_labels: tuple[str, ...] | None = key_field(Labels(), role=_SOURCE)
    y_labels: tuple[str, ...] | None = key_field(Labels(), role=_SOURCE)
    xticks: str | int | tuple[str, ...] = key_field(Ticks(), "auto")
    yticks: str | int | tuple[str, ...] = key_field(Ticks(), "auto")
    xtick_rotation: str | float = key_field(Rotation(), "auto")
    origin: Literal["upper", "lower"] = key_field(OneOf(("upper", "lower")), "upper")
    # Color
    cmap: str | None = key_field(Text(MAX_NAME, nonempty=True), scale=True)
    vmin: float | None = key_field(Number(), scale=True)
    vmax: float | None = key_field(Number(), scale=True)
    robust: bool = key_field(Flag(), False, scale=True)
    center: float | None = key_field(Number(), scale=True)
    norm: Literal["linear", "log", "symlog", "sqrt"] = key_field(OneOf(NORMS), "linear", scale=True)
    nan_color: str | None = key_field(Text(MAX_NAME, nonempty=True))
    # A triangle's name, a matrix of true/false, or a data source (a path or a
    # mapping of data keys) that ``pipeline`` reads into a matrix of true/false.
    mask: str | tuple[tuple[bool, ...], ...] | Mapping[str, Any] | None = key_field(
        Mask(lambda: SOURCE_KEYS)
    )
    trim_mask: bool = key_field(Flag(), False, role=Role.MATRIX)
    colorbar: Colorbar | None = key_field(Switch(Colorbar), Colorbar())
    # Cell text
    annotate: Literal["auto"] | bool = key_field(OneOf(("auto", True, False)), "auto")
    fmt: str | None = key_field(FormatSpec())
    annotate_color: str = key_field(Text(MAX_NAME, nonempty=True), "auto")
    highlight: tuple[str, ...] = key_field(Highlight(HIGHLIGHTS), (), nullable=True)
    # Figure and output
    figsize: tuple[float, float] | None = key_field(FigSize())
    square: bool = key_field(Flag(), False)
    gridlines: Grid | None = key_field(Switch(Grid), nullable=False)
    format: Literal["svg", "png"] = key_field(OneOf(IMAGE_FORMATS), "svg")
    dpi: int | None = key_field(Integer(minimum=50, maximum=600))
    style: str | Mapping[str, Any] | None = key_field(StyleRef(), role=Role.RC)
    theme: Literal["light", "dark", "auto"] | None = key_field(OneOf(THEMES))
    alt: str | None = key_field(Text(MAX_PROSE), role=_HTML)
    caption: str | None = key_field(Text(MAX_PROSE), role=_HTML)
    id: str | None = key_field(Identifier(), role=_HTML)
    css_class: str | None = key_field(Identifier(many=True), name="class", role=_HTML)
    width: str | None = key_field(Width(), role=_HTML)
    download: bool = key_field(Flag(), False, role=_HTML)
    hover: bool = key_field(Flag(), False, role=_HTML)
    table: bool = key_field(Flag(), False, role=_HTML)
    # None: the site's `numbering` decides
    numbered: bool | None = key_field(Flag(), role=_HTML)
    # Research extras
    subtract: str | Mapping[str, Any] | None = key_field(SubtractRef(lambda: SOURCE_KEYS))
    normalize: Literal["rows", "columns", "all"] | None = key_field(
        OneOf(NORMALIZE), role=Role.MATRIX
    )
    cluster: Literal["rows", "columns", "both"] | None = key_field(
        OneOf(("rows", "columns", "both"))
    )
    cluster_method: str = key_field(
        OneOf(("average", "single", "complete", "weighted", "centroid", "median", "ward")),
        "average",
    )
    cluster_metric: str = key_field(
        OneOf(("euclidean", "correlation", "cosine", "cityblock", "chebyshev", "canberra")),
        "euclidean",
    )
    dendrogram: bool = key_field(Flag(), False)
    panels: tuple[HeatmapSpec, ...] | None = key_field(Listed(), role=Role.PANELS, figure=True)
    ncols: int | None = key_field(Integer(minimum=1, maximum=12), figure=True)
    facet: str | None = key_field(Text(MAX_NAME, nonempty=True), figure=True)
    # Arrays of more than two axes (NPY, NPZ): positions picked along the
    # leading axes, and one panel per position along another (the matrices
    # and panel titles they make are keyed, not these keys).
    slice: tuple[int, ...] | None = key_field(Slice(), role=_SOURCE)
    facet_axis: int | None = key_field(
        Integer(minimum=0, maximum=31), role=Role.MATRIX, figure=True
    )
    panel_titles: tuple[str, ...] | None = key_field(
        Titles(MAX_TITLE), role=Role.MATRIX, figure=True
    )
    # Letters at each panel's top left: a pattern ("(a)"; `true` is "(a)").
    # Left out of the cache key when unset (``pipeline.LATER_DRAWN``).
    panel_labels: str | bool | None = key_field(PanelLabels(), figure=True)
    # The texts written in the cells, from a second source: a path, a mapping
    # of data keys, or inline rows (``TextTable``).  ``pipeline`` matches
    # them to the plotted matrix (``Panel.texts``); keyed as those texts.
    cell_text: str | TextTable | Mapping[str, Any] | None = key_field(CellText(lambda: SOURCE_KEYS))
    # Categorical strips beside the map: a mapping of label to group or a
    # table's column (``GroupFile``) as written; ``pipeline`` turns either
    # into the ``Groups`` of the rows (columns) as drawn.  Left out of the
    # cache key when unset (``pipeline.LATER_DRAWN``), as is group_lines.
    row_groups: Mapping[str, str] | GroupFile | Groups | None = key_field(GroupMap())
    col_groups: Mapping[str, str] | GroupFile | Groups | None = key_field(GroupMap())
    group_lines: bool | None = key_field(Flag())
    # Where each key sits in the block body (0-based), to point errors at it.
    key_lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def line_of(self, key: str | None) -> int | None:
        return None if key is None else self.key_lines.get(key)

    def as_dict(self) -> dict[str, Any]:
        """The spec as plain data: stable input for cache keys and JSON."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "key_lines":
                continue
            value = getattr(self, f.name)
            if isinstance(value, tuple) and value and isinstance(value[0], HeatmapSpec):
                value = [panel.as_dict() for panel in value]
            elif isinstance(
                value, (Pivot, Colorbar, Grid, InlineMatrix, TextTable, GroupFile, Groups)
            ):
                value = {g.name: getattr(value, g.name) for g in fields(value)}
            out[f.name] = value
        return out


_KEYS = table(HeatmapSpec)

BLOCK_KEYS: tuple[str, ...] = tuple(k.name for k in _KEYS)
"""Every key a block may hold, in table order (the docs test reads this)."""
SOURCE_KEYS: tuple[str, ...] = tuple(k.name for k in _KEYS if k.role is Role.SOURCE)
"""The keys that say where a matrix comes from: what a ``subtract`` mapping holds."""
FIGURE_KEYS: tuple[str, ...] = tuple(k.name for k in _KEYS if k.figure)
"""The keys that describe the whole figure, not one panel."""
SCALE_KEYS: tuple[str, ...] = tuple(k.attr for k in _KEYS if k.scale)
"""The fields that set the color scale: panels equal in them can share a colorbar."""
HTML_ONLY: frozenset[str] = frozenset(k.attr for k in _KEYS if k.role is Role.HTML)
"""The fields that only shape the HTML around the image: changing them
re-uses the cached images (and must not change their bytes)."""
DATA_ONLY: frozenset[str] = frozenset(k.attr for k in _KEYS if k.role in (Role.SOURCE, Role.MATRIX))
"""The fields that only say where the matrix comes from or change it: the
matrix itself is keyed, and the mask and format it is drawn with."""
NOT_DRAWN: frozenset[str] = frozenset(f.name for f in fields(HeatmapSpec)) - {
    k.attr for k in _KEYS if k.role is Role.DRAWN
}
"""The fields a figure's cache key leaves out: all but the drawn keys."""
TEXT_LIMITS: Mapping[str, int] = {
    k.name: k.option.limit
    for schema in (HeatmapSpec, Pivot, Colorbar, Grid)
    for k in table(schema)
    if isinstance(k.option, Text) and k.option.limit != MAX_NAME
}
"""The keys (and sub-keys: a colorbar's ``label``) whose text has a limit of
its own; every other text has ``MAX_NAME``."""


# --------------------------------------------------------------------------
# Data.


@dataclass(frozen=True)
class LabelledMatrix:
    """A 2-D float matrix (NaN for missing cells) with its tick labels.

    ``values[i, j]`` is the cell at row ``y_labels[i]`` and column
    ``x_labels[j]``.  Labels are always strings, as displayed.
    """

    values: npt.NDArray[np.float64]
    x_labels: tuple[str, ...]
    y_labels: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.values.ndim != 2:
            raise ValueError(f"matrix must be 2-D, got {self.values.ndim}-D")
        rows, cols = self.values.shape
        if len(self.y_labels) != rows or len(self.x_labels) != cols:
            raise ValueError(
                f"labels ({len(self.y_labels)} rows, {len(self.x_labels)} columns) "
                f"do not match a {rows}x{cols} matrix"
            )

    @property
    def shape(self) -> tuple[int, int]:
        rows, cols = self.values.shape
        return rows, cols


Tree = tuple[tuple[float, ...], ...]
"""A dendrogram as line segments in cell coordinates: (x1..x4, y1..y4) each."""


@dataclass(frozen=True)
class Panel:
    """One heatmap of a figure: the keys it is drawn with, its matrix, and
    what the core derived for it (clustering trees, the facet it shows)."""

    spec: HeatmapSpec
    matrix: LabelledMatrix
    row_tree: Tree | None = None
    col_tree: Tree | None = None
    facet_value: str | None = None
    # ``cell_text`` matched to ``matrix``: each cell's text as written (numbers
    # formatted with ``fmt``), None where a cell has none.
    texts: tuple[tuple[str | None, ...], ...] | None = None


@dataclass(frozen=True)
class Plot:
    """A figure: the block's figure-level keys and its panels.  A single
    heatmap is the one-panel case; ``panels`` or ``facet`` give several."""

    spec: HeatmapSpec
    panels: tuple[Panel, ...]

    @property
    def multi(self) -> bool:
        """Drawn as a grid of panels (the block has ``panels`` or ``facet``)."""
        spec = self.spec
        return spec.panels is not None or spec.facet is not None or spec.facet_axis is not None

    @property
    def cells(self) -> int:
        return sum(p.matrix.shape[0] * p.matrix.shape[1] for p in self.panels)


@dataclass(frozen=True)
class Limits:
    """Guards applied before memory is spent on a data file."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_cells: int = 4_000_000
    max_label_length: int = 200
    # Said after a cell-limit message when the limit is what other panels of
    # the figure left over.
    cells_note: str = ""


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class DataRoots:
    """The folders a ``data`` path is looked up in and must stay inside."""

    docs_dir: Path
    project_root: Path
    page_dir: Path | None = None
    data_dirs: tuple[Path, ...] = ()

    def allowed(self) -> list[Path]:
        """The folders data files may come from, resolved."""
        return list(_allowed((self.project_root, self.docs_dir, *self.data_dirs)))


@lru_cache(maxsize=64)
def _allowed(folders: tuple[Path, ...]) -> tuple[Path, ...]:
    # Resolved once per build process: a warm build asks for every block.
    return tuple(_resolved(p) for p in folders)


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


# --------------------------------------------------------------------------
# A site, and what comes out.

DarkMarkup = Literal["material", "media"]


@dataclass(frozen=True)
class Settings:
    """Everything about the site that a block's output depends on; built from
    a host's options by ``options.settings_from_options``."""

    roots: DataRoots
    rc: Rc
    defaults: Mapping[str, Any] = field(default_factory=dict)
    limits: Limits = DEFAULT_LIMITS
    output_dir: str = DEFAULT_OUTPUT_DIR
    theme: Literal["light", "dark", "auto"] = "light"
    numbering: bool = False  # "Figure N." before every caption
    numbering_scope: Literal["page", "site"] = "page"  # where the count restarts
    # How a light/dark pair is shown: Material's #only-light/#only-dark
    # (follows its palette toggle) or <picture> with prefers-color-scheme.
    dark_markup: DarkMarkup = "media"
    figure_label: str = "Figure"  # the word before a figure's number (option figure_label)

    def for_page(self, page_dir: Path | None) -> Settings:
        """The settings for a block on a page in ``page_dir``."""
        from dataclasses import replace

        return replace(self, roots=replace(self.roots, page_dir=page_dir))


Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Image:
    """One drawn file of a figure: which variant, at which scale, and its bytes."""

    content: bytes
    format: str  # a name of formats.FORMATS
    width: int  # CSS pixels the image is displayed at
    height: int
    # Where each panel's cells are: (left, top, right, bottom) as fractions of
    # the image, from its top-left corner; what hover maps a pointer with.
    maps: tuple[Box, ...] = ()
    variant: str = "light"  # "light" | "dark"
    scale: int = 1  # times the block's resolution (PNG: 2 for the srcset 2x file)


@dataclass(frozen=True)
class Output:
    """A file to publish, at a posix path relative to the site root."""

    path: str
    content: bytes
