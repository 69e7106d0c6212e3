"""The plain data the core passes around, and its vocabulary.

Matrices, panels, limits, roots, settings, images; and every list of names
the product accepts (formats, norms, missing-value spellings, defaults),
defined once here and imported wherever they are needed.  Nothing here
imports numpy, matplotlib or MkDocs at run time, so a warm build that only
re-uses cached figures never pays for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .spec import HeatmapSpec

# --------------------------------------------------------------------------
# Vocabulary.

LANGUAGE = "heatmap"
"""The fence language, the directive name, and the front-matter key."""

MISSING: frozenset[str] = frozenset(
    {"", "nan", "-nan", "na", "n/a", "#n/a", "<na>", "null", "none"}
)
"""Cell texts (compared stripped and lower-cased) that mean a missing value,
in data files and in an inline ``matrix`` alike: the contract's ``""``,
``NaN``, ``nan``, ``null`` plus what pandas, R and spreadsheets write."""

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
IMAGE_FORMATS: tuple[str, ...] = ("svg", "png")  # a block's `format`
OUTPUT_FORMATS: tuple[str, ...] = ("svg", "png", "pdf", "eps")  # files drawn for print too
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
TEXT_LIMITS: Mapping[str, int] = {
    "title": MAX_TITLE,
    "xlabel": MAX_TITLE,
    "ylabel": MAX_TITLE,
    "label": MAX_TITLE,  # colorbar: {label: ...}
    "caption": MAX_PROSE,
    "alt": MAX_PROSE,
}
"""The keys whose text has a limit of its own; every other text has
``MAX_NAME``."""
MAX_FORMATTED = 40
"""Characters a value formatted by ``fmt`` (or a colorbar's ``format``) may
take: more fits neither a cell nor a tick."""
MAX_MAGNITUDE = 1e200
"""The largest magnitude a value may have: matplotlib's norms and tickers
overflow on spans near the float limit (1.7e308)."""

Rc = dict[str, Any]
"""Resolved rcParams: plain, hashable into cache keys, picklable for workers."""


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


@dataclass(frozen=True)
class InlineMatrix:
    """A block's inline ``matrix`` given with its own labels (a mapping of
    ``values``, ``x_labels``, ``y_labels``): the labels a data file would
    carry, so ``rows``, ``columns`` and ``subtract`` match by them."""

    values: tuple[tuple[float, ...], ...]
    x_labels: tuple[str, ...] | None = None
    y_labels: tuple[str, ...] | None = None


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


@dataclass(frozen=True)
class Plot:
    """A figure: the block's figure-level keys and its panels.  A single
    heatmap is the one-panel case; ``panels`` or ``facet`` give several."""

    spec: HeatmapSpec
    panels: tuple[Panel, ...]

    @property
    def multi(self) -> bool:
        """Drawn as a grid of panels (the block has ``panels`` or ``facet``)."""
        return self.spec.panels is not None or self.spec.facet is not None

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

    def for_page(self, page_dir: Path | None) -> Settings:
        """The settings for a block on a page in ``page_dir``."""
        from dataclasses import replace

        return replace(self, roots=replace(self.roots, page_dir=page_dir))


Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Image:
    content: bytes
    format: str  # "svg" | "png"
    width: int  # CSS pixels the image is displayed at
    height: int
    # Where each panel's cells are: (left, top, right, bottom) as fractions of
    # the image, from its top-left corner; what hover maps a pointer with.
    maps: tuple[Box, ...] = ()


@dataclass(frozen=True)
class Output:
    """A file to publish, at a posix path relative to the site root."""

    path: str
    content: bytes
