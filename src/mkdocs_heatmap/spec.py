"""Block text -> validated, normalized ``HeatmapSpec``.

The YAML body is read with a safe loader and validated by a typed
``mkdocs.config.base.Config`` schema, the same machinery MkDocs uses for
``mkdocs.yml``, so messages read the way MkDocs users already know.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

import yaml
from mkdocs.config import config_options as c
from mkdocs.config.base import BaseConfigOption, Config, ValidationError

from .colormaps import colormap_problem
from .errors import ConfigError, SpecError
from .messages import describe, q, suggest
from .model import (
    AGGREGATES,
    DATA_FORMATS,
    HIGHLIGHTS,
    IMAGE_FORMATS,
    MAX_ANY_TEXT,
    MAX_FORMATTED,
    MAX_MAGNITUDE,
    MAX_NAME,
    MAX_PANELS,
    MAX_PIXELS,
    MISSING,
    NORMALIZE,
    NORMS,
    TEXT_LIMITS,
    THEMES,
    InlineMatrix,
)
from .safeyaml import TooLarge, check_nodes
from .style import check_style_name

# --------------------------------------------------------------------------
# Option types the block needs beyond MkDocs' own.


class Number(BaseConfigOption[float]):
    """A real number; YAML booleans are refused even though bool is an int."""

    def __init__(self, *, minimum: float | None = None, maximum: float | None = None) -> None:
        super().__init__()
        self.minimum = minimum
        self.maximum = maximum

    def run_validation(self, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(f"expected a number, got {describe(value)}")
        number = as_float(value)
        if not math.isfinite(number):
            raise ValidationError(f"expected a finite number, got {_short(value)}")
        if abs(number) > MAX_MAGNITUDE:
            raise ValidationError(
                f"{number:.3g} is too large to draw; numbers must lie within ±{MAX_MAGNITUDE:g}"
            )
        if self.minimum is not None and number < self.minimum:
            raise ValidationError(f"must be at least {self.minimum:g}, got {value!r}")
        if self.maximum is not None and number > self.maximum:
            raise ValidationError(f"must be at most {self.maximum:g}, got {value!r}")
        return number


class Integer(BaseConfigOption[int]):
    def __init__(self, *, minimum: int, maximum: int) -> None:
        super().__init__()
        self.minimum = minimum
        self.maximum = maximum

    def run_validation(self, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(f"expected a whole number, got {describe(value)}")
        if not self.minimum <= value <= self.maximum:
            raise ValidationError(f"must be between {self.minimum} and {self.maximum}, got {value}")
        return value


class YamlBool(ValidationError):
    """Text or a label that YAML read as true/false (``ylabel: yes``).

    ``validate`` finishes the message: it knows the key and the line the
    author wrote, so it can show the value quoted.
    """

    def __init__(self, message: str, *, listed: bool) -> None:
        super().__init__(message)
        self.listed = listed  # an item of a list of labels, not a single text


class TooLong(ValidationError):
    """A text over its limit.  Reads after the key's name: ``'title' is too
    long: ...`` (``validate`` and ``_validate_sub`` put it there)."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"is too long: {length:,} characters, at most {limit:,}")


class Text(BaseConfigOption[str]):
    """A string; numbers are accepted and turned into text (``title: 2024``).
    Its length is checked first, before anything reads it character by
    character."""

    def __init__(self, *, nonempty: bool = False, limit: int = MAX_NAME) -> None:
        super().__init__()
        self.nonempty = nonempty
        self.limit = limit

    def run_validation(self, value: object) -> str:
        if isinstance(value, bool):
            raise YamlBool(f"expected text, got {describe(value)}", listed=False)
        if isinstance(value, str) and len(value) > self.limit:
            raise TooLong(len(value), self.limit)
        if not isinstance(value, (str, int, float)):
            raise ValidationError(f"expected text, got {describe(value)}")
        text = str(value)
        if self.nonempty and not text.strip():
            raise ValidationError("must not be empty")
        _refuse_controls(text)
        return text


class Labels(BaseConfigOption[tuple[str, ...]]):
    """A list of labels (strings or numbers, shown as text)."""

    def run_validation(self, value: object) -> tuple[str, ...]:
        return labels_of(value)


def labels_of(value: object, what: str = "") -> tuple[str, ...]:
    """A list of labels as text; ``what`` names the list inside a larger value."""
    if not isinstance(value, list):
        raise ValidationError(f"{what}expected a list of labels, got {describe(value)}")
    labels = []
    for i, item in enumerate(value):
        if isinstance(item, bool):
            raise YamlBool(f"{what}item {i + 1} is {describe(item)}, expected a label", listed=True)
        if not isinstance(item, (str, int, float)):
            raise ValidationError(f"{what}item {i + 1} is {describe(item)}, expected a label")
        labels.append(_label(item))
        _refuse_controls(labels[-1])
    return tuple(labels)


class Ticks(BaseConfigOption["str | int"]):
    """``auto``, ``all``, ``none`` or N (show every Nth label)."""

    def run_validation(self, value: object) -> str | int:
        if value in ("auto", "all", "none"):
            return str(value)
        if value is False:
            return "none"
        if value is True:
            return "all"
        if isinstance(value, int) and value >= 1:
            return value
        raise ValidationError(f"expected auto, all, none or a whole number >= 1, got {value!r}")


class Rotation(BaseConfigOption["str | float"]):
    def run_validation(self, value: object) -> str | float:
        if value == "auto":
            return "auto"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(f"expected auto or an angle in degrees, got {value!r}")
        if not -360 <= value <= 360:
            raise ValidationError(f"angle must be between -360 and 360, got {value}")
        return float(value)


class MatrixRows(BaseConfigOption["tuple[tuple[float, ...], ...] | InlineMatrix"]):
    """An inline matrix: a list of equally long rows of numbers or null, or a
    mapping of those rows (``values``) and the matrix's own labels."""

    def run_validation(self, value: object) -> tuple[tuple[float, ...], ...] | InlineMatrix:
        if isinstance(value, dict):
            return self._labelled(value)
        return self._rows(value)

    def _labelled(self, value: dict[Any, Any]) -> InlineMatrix:
        known = ("values", "x_labels", "y_labels")
        for key in value:
            if key not in known:
                raise ValidationError(
                    f"unknown key {key!r}{suggest(str(key), known)}; a labelled matrix "
                    "takes values, x_labels and y_labels"
                )
        if "values" not in value:
            raise ValidationError("a labelled matrix needs 'values' (its list of rows)")
        rows = self._rows(value["values"])
        labels: dict[str, tuple[str, ...] | None] = {}
        for key, count, axis in (
            ("x_labels", len(rows[0]), "columns"),
            ("y_labels", len(rows), "rows"),
        ):
            given = value.get(key)
            labels[key] = None if given is None else labels_of(given, f"{key}: ")
            if given is not None and len(given) != count:
                raise ValidationError(
                    f"{key} has {len(given)} labels but the matrix has {count} {axis}"
                )
        return InlineMatrix(rows, labels["x_labels"], labels["y_labels"])

    def _rows(self, value: object) -> tuple[tuple[float, ...], ...]:
        if not isinstance(value, list) or not value:
            raise ValidationError(f"expected a non-empty list of rows, got {describe(value)}")
        rows: list[tuple[float, ...]] = []
        for i, row in enumerate(value, start=1):
            if not isinstance(row, list):
                raise ValidationError(f"row {i} is {describe(row)}, expected a list of numbers")
            if rows and len(row) != len(rows[0]):
                raise ValidationError(f"row {i} has {len(row)} values, row 1 has {len(rows[0])}")
            cells: list[float] = []
            for j, cell in enumerate(row, start=1):
                if cell is None or (isinstance(cell, str) and cell.strip().lower() in MISSING):
                    cells.append(math.nan)
                elif isinstance(cell, (int, float)) and not isinstance(cell, bool):
                    cells.append(as_float(cell))
                else:
                    raise ValidationError(
                        f"row {i}, column {j} is {_short(cell)}, expected a number or null"
                    )
            rows.append(tuple(cells))
        if not rows[0]:
            raise ValidationError("rows are empty")
        return tuple(rows)


CSS_LENGTH = re.compile(r"^\d+(\.\d+)?(%|px|em|rem|vw|ch|cm|mm|in|pt)$")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_:.-]*$")  # an HTML id or class name


class Width(BaseConfigOption[str]):
    """A CSS length; restricted so it cannot break out of the style attribute."""

    def run_validation(self, value: object) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            value = f"{value}px"
        if not isinstance(value, str) or not CSS_LENGTH.match(value.strip()):
            raise ValidationError(f"expected a CSS length such as 60% or 480px, got {value!r}")
        return value.strip()


class Identifier(BaseConfigOption[str]):
    """An HTML id or class name: no spaces or markup."""

    def __init__(self, *, many: bool = False) -> None:
        super().__init__()
        self.many = many

    def run_validation(self, value: object) -> str:
        if not isinstance(value, str):
            raise ValidationError(f"expected a name, got {describe(value)}")
        names = value.split() if self.many else [value]
        for name in names:
            if not NAME.match(name):
                raise ValidationError(
                    f"{name!r} is not a valid name (letters, digits, - _ : . ; "
                    "starting with a letter)"
                )
        return " ".join(names)


class OneOf(BaseConfigOption[Any]):
    """A choice with a message that lists the choices and suggests the closest."""

    def __init__(self, choices: Sequence[Any], default: Any = None) -> None:
        super().__init__()
        self.choices = tuple(choices)
        self.default = default

    def run_validation(self, value: object) -> Any:
        # YAML reads yes/no/on/off as booleans; compare without letting 1 == True.
        for choice in self.choices:
            if value == choice and isinstance(value, bool) == isinstance(choice, bool):
                return choice
        shown = ", ".join(str(c).lower() if isinstance(c, bool) else str(c) for c in self.choices)
        names = [str(c) for c in self.choices if isinstance(c, str)]
        hint = suggest(value, names) if isinstance(value, str) and len(value) <= 100 else ""
        raise ValidationError(f"expected one of {shown}; got {_short(value)}{hint}")


class Flag(BaseConfigOption[bool]):
    def __init__(self, default: bool | None) -> None:
        super().__init__()
        if default is not None:
            self.default = default

    def run_validation(self, value: object) -> bool:
        if isinstance(value, bool):
            return value
        raise ValidationError(f"expected true or false, got {describe(value)}")


class _Either(BaseConfigOption[Any]):
    """``true``/``false`` or a sub-mapping validated by ``SubConfig``."""

    def __init__(self, sub: type[Config]) -> None:
        super().__init__()
        self.sub = sub

    def run_validation(self, value: object) -> Any:
        if isinstance(value, bool):
            return value
        if not isinstance(value, dict):
            raise ValidationError(f"expected true, false or a mapping, got {describe(value)}")
        return _validate_sub(self.sub, value)


class _Sub(BaseConfigOption[Any]):
    """A sub-mapping with its own schema; unknown sub-keys are errors."""

    def __init__(self, sub: type[Config]) -> None:
        super().__init__()
        self.sub = sub

    def run_validation(self, value: object) -> Any:
        if not isinstance(value, dict):
            raise ValidationError(f"expected a mapping, got {describe(value)}")
        return _validate_sub(self.sub, value)


class FormatSpec(BaseConfigOption[str]):
    """A Python format spec for cell values (``.2f``, ``d``, ``.1%``)."""

    def run_validation(self, value: object) -> str:
        if not isinstance(value, str) or not value:
            raise ValidationError(
                f"expected a format spec such as .2f, d or .1%, got {_short(value)}"
            )
        if len(value) > 20:
            raise ValidationError(f"{_short(value)} is not a format spec: too long")
        # Whole numbers: `d` suits counts; a fraction it cannot format is
        # reported where the figure meets it.
        for sample in (3.0, -2.0, 0.0, 123456.0):
            try:
                text = format_value(sample, value)
            except (ValueError, OverflowError, TypeError):
                raise ValidationError(
                    f"{value!r} is not a Python format spec for numbers such as "
                    f"{sample:g} (try .2f, .3g, d or .1%)"
                ) from None
            if len(text) > MAX_FORMATTED:
                raise ValidationError(
                    f"{value!r} writes {sample:g} as {len(text):,} characters; "
                    f"at most {MAX_FORMATTED} fit a cell or a tick"
                )
        # A fraction: how many digits a precision asks for (.50g writes
        # 1/3 with 50).  A spec for whole numbers (d) cannot write one at all.
        try:
            text = format_value(1 / 3, value)
        except (ValueError, OverflowError, TypeError):
            text = ""
        if len(text) > MAX_FORMATTED:
            raise ValidationError(
                f"{value!r} writes 1/3 as {len(text):,} characters; "
                f"at most {MAX_FORMATTED} fit a cell or a tick"
            )
        return value


class Mask(BaseConfigOption["str | tuple[tuple[bool, ...], ...]"]):
    """``upper``, ``lower`` or a boolean matrix (true = hidden)."""

    def run_validation(self, value: object) -> str | tuple[tuple[bool, ...], ...]:
        if value in ("upper", "lower"):
            return str(value)
        if isinstance(value, list) and value and all(isinstance(r, list) for r in value):
            rows: list[tuple[bool, ...]] = []
            for i, row in enumerate(value, start=1):
                if not all(isinstance(cell, bool) or cell in (0, 1) for cell in row):
                    raise ValidationError(f"row {i} must hold only true/false")
                rows.append(tuple(bool(cell) for cell in row))
            return tuple(rows)
        raise ValidationError(f"expected upper, lower or a matrix of true/false, got {value!r}")


class Highlight(BaseConfigOption[tuple[str, ...]]):
    def run_validation(self, value: object) -> tuple[str, ...]:
        items = value if isinstance(value, list) else [value]
        for item in items:
            if item not in HIGHLIGHTS:
                raise ValidationError(
                    f"unknown highlight {item!r}{suggest(str(item), HIGHLIGHTS)}; "
                    f"expected one of {', '.join(HIGHLIGHTS)}"
                )
        return tuple(str(item) for item in items)


FIGSIZE_PRESETS: dict[str, float] = {"column": 3.5, "page": 7.0}
"""Widths of a journal's text column and page, in inches: ``figsize: column``
fixes the width and leaves the height to the content (a height of 0)."""


class FigSize(BaseConfigOption[tuple[float, float]]):
    def run_validation(self, value: object) -> tuple[float, float]:
        if isinstance(value, str) and value in FIGSIZE_PRESETS:
            return FIGSIZE_PRESETS[value], 0.0
        if (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
            and all(0.5 <= v <= 30 for v in value)
        ):
            return float(value[0]), float(value[1])
        raise ValidationError(
            "expected [width, height] in inches, each between 0.5 and 30, or column "
            f"(3.5 in wide) or page (7 in wide), got {value!r}"
        )


SOURCE_KEYS = (
    "data",
    "matrix",
    "data_format",
    "header",
    "index",
    "key",
    "pivot",
    "rows",
    "columns",
    "transpose",
    "x_labels",
    "y_labels",
)


class SubtractRef(BaseConfigOption[Any]):
    """A second data source: a path, or a mapping of data keys."""

    def run_validation(self, value: object) -> Any:
        if isinstance(value, str) and value.strip():
            return value
        if isinstance(value, dict):
            for key in value:
                if key not in SOURCE_KEYS:
                    raise ValidationError(
                        f"unknown key {key!r}{suggest(str(key), SOURCE_KEYS)}; a data source "
                        f"takes {', '.join(SOURCE_KEYS)}"
                    )
            return value
        raise ValidationError(
            f"expected a data file path or a mapping of data keys, got {describe(value)}"
        )


class StyleRef(BaseConfigOption[Any]):
    def run_validation(self, value: object) -> Any:
        if isinstance(value, str) and value.strip():
            try:
                check_style_name(value)
            except ConfigError as exc:
                raise ValidationError(exc.message) from None
            return value
        if isinstance(value, dict):
            return value
        raise ValidationError(
            f"expected a built-in style name, a .mplstyle path or a mapping of rcParams, "
            f"got {describe(value)}"
        )


def _validate_sub(schema: type[Config], value: dict[Any, Any]) -> dict[str, Any]:
    known = [name for name, _ in schema._schema]
    for key in value:
        if key not in known:
            raise ValidationError(
                f"unknown key {key!r}{suggest(str(key), known)}; "
                f"expected one of: {', '.join(known)}"
            )
    sub = schema()
    sub.load_dict(value)
    failed, _ = sub.validate()
    if failed:
        name, err = failed[0]
        if isinstance(err, YamlBool):
            raise YamlBool(f"{name}: {err}", listed=err.listed)
        if isinstance(err, TooLong):
            raise ValidationError(f"'{name}' {err}")
        raise ValidationError(f"{name}: {err}")
    return {name: sub[name] for name in known}


# --------------------------------------------------------------------------
# The schema: every key a block may hold.

_O = Any


def _default(option: _O, value: object) -> _O:
    option.default = value
    return option


class PivotConfig(Config):
    x = Text(nonempty=True)
    y = Text(nonempty=True)
    value = Text(nonempty=True)
    agg = OneOf(AGGREGATES, default="mean")


class ColorbarConfig(Config):
    label = c.Optional(Text(limit=TEXT_LIMITS["label"]))
    ticks = c.Optional(c.ListOfItems(Number()))
    format = c.Optional(FormatSpec())
    orientation = OneOf(("vertical", "horizontal"), default="vertical")


class GridConfig(Config):
    width = _default(Number(minimum=0.1, maximum=5), 0.8)
    color = c.Optional(Text(nonempty=True))


class BlockConfig(Config):
    # Data
    data_ = c.Optional(Text(nonempty=True))
    matrix = c.Optional(MatrixRows())
    data_format = c.Optional(OneOf(DATA_FORMATS))
    header = Flag(True)
    index = OneOf(("auto", True, False), default="auto")
    key = c.Optional(Text(nonempty=True))
    pivot = c.Optional(_Sub(PivotConfig))
    rows = c.Optional(Labels())
    columns = c.Optional(Labels())
    transpose = Flag(False)
    # Labels, ticks, titles
    title = c.Optional(Text(limit=TEXT_LIMITS["title"]))
    xlabel = c.Optional(Text(limit=TEXT_LIMITS["xlabel"]))
    ylabel = c.Optional(Text(limit=TEXT_LIMITS["ylabel"]))
    x_labels = c.Optional(Labels())
    y_labels = c.Optional(Labels())
    xticks = _default(Ticks(), "auto")
    yticks = _default(Ticks(), "auto")
    xtick_rotation = _default(Rotation(), "auto")
    origin = OneOf(("upper", "lower"), default="upper")
    # Color
    cmap = c.Optional(Text(nonempty=True))
    vmin = c.Optional(Number())
    vmax = c.Optional(Number())
    robust = Flag(False)
    center = c.Optional(Number())
    norm = OneOf(NORMS, default="linear")
    nan_color = c.Optional(Text(nonempty=True))
    mask = c.Optional(Mask())
    trim_mask = Flag(False)
    colorbar = _default(_Either(ColorbarConfig), True)
    # Cell text
    annotate = OneOf(("auto", True, False), default="auto")
    fmt = c.Optional(FormatSpec())
    annotate_color = _default(Text(nonempty=True), "auto")
    highlight = c.Optional(Highlight())
    # Figure and output
    figsize = c.Optional(FigSize())
    square = Flag(False)
    gridlines = _default(_Either(GridConfig), False)
    format = OneOf(IMAGE_FORMATS, default="svg")
    dpi = c.Optional(Integer(minimum=50, maximum=600))
    style = c.Optional(StyleRef())
    theme = c.Optional(OneOf(THEMES))
    alt = c.Optional(Text(limit=TEXT_LIMITS["alt"]))
    caption = c.Optional(Text(limit=TEXT_LIMITS["caption"]))
    id = c.Optional(Identifier())
    class_ = c.Optional(Identifier(many=True))
    width = c.Optional(Width())
    download = Flag(False)
    hover = Flag(False)
    table = Flag(False)
    # Research extras
    numbered = c.Optional(Flag(None))
    subtract = c.Optional(SubtractRef())
    normalize = c.Optional(OneOf(NORMALIZE))
    cluster = c.Optional(OneOf(("rows", "columns", "both")))
    cluster_method = OneOf(
        ("average", "single", "complete", "weighted", "centroid", "median", "ward"),
        default="average",
    )
    cluster_metric = OneOf(
        ("euclidean", "correlation", "cosine", "cityblock", "chebyshev", "canberra"),
        default="euclidean",
    )
    dendrogram = Flag(False)
    panels = c.Optional(c.Type(list))
    ncols = c.Optional(Integer(minimum=1, maximum=12))
    facet = c.Optional(Text(nonempty=True))


# ``class`` is a Python keyword and ``data`` is taken by ``UserDict`` (the base
# of ``Config``): both are declared with a trailing underscore and published
# under their real names.
for _opt in (BlockConfig.class_, BlockConfig.data_):
    _opt._name = _opt._name.rstrip("_")
BlockConfig._schema = tuple((name.rstrip("_"), opt) for name, opt in BlockConfig._schema)

BLOCK_KEYS: tuple[str, ...] = tuple(name for name, _ in BlockConfig._schema)
"""Every key a block may hold, in schema order (the docs test reads this)."""


# --------------------------------------------------------------------------
# The normalized spec the rest of the pipeline reads.


@dataclass(frozen=True)
class Pivot:
    x: str
    y: str
    value: str
    agg: Literal["mean", "median", "sum", "min", "max", "first", "count"] = "mean"


@dataclass(frozen=True)
class Colorbar:
    label: str | None = None
    ticks: tuple[float, ...] | None = None
    format: str | None = None
    orientation: Literal["vertical", "horizontal"] = "vertical"


@dataclass(frozen=True)
class Grid:
    width: float = 0.8
    color: str | None = None


@dataclass(frozen=True)
class HeatmapSpec:
    data: str | None = None
    matrix: tuple[tuple[float, ...], ...] | InlineMatrix | None = None
    data_format: str | None = None
    header: bool = True
    index: Literal["auto"] | bool = "auto"
    key: str | None = None
    pivot: Pivot | None = None
    rows: tuple[str, ...] | None = None
    columns: tuple[str, ...] | None = None
    transpose: bool = False
    title: str | None = None
    xlabel: str | None = None
    ylabel: str | None = None
    x_labels: tuple[str, ...] | None = None
    y_labels: tuple[str, ...] | None = None
    xticks: str | int = "auto"
    yticks: str | int = "auto"
    xtick_rotation: str | float = "auto"
    origin: Literal["upper", "lower"] = "upper"
    cmap: str | None = None
    vmin: float | None = None
    vmax: float | None = None
    robust: bool = False
    center: float | None = None
    norm: Literal["linear", "log", "symlog", "sqrt"] = "linear"
    nan_color: str | None = None
    mask: str | tuple[tuple[bool, ...], ...] | None = None
    trim_mask: bool = False
    colorbar: Colorbar | None = field(default_factory=Colorbar)
    annotate: Literal["auto"] | bool = "auto"
    fmt: str | None = None
    annotate_color: str = "auto"
    highlight: tuple[str, ...] = ()
    figsize: tuple[float, float] | None = None
    square: bool = False
    gridlines: Grid | None = None
    format: Literal["svg", "png"] = "svg"
    dpi: int | None = None
    style: str | Mapping[str, Any] | None = None
    theme: Literal["light", "dark", "auto"] | None = None
    alt: str | None = None
    caption: str | None = None
    id: str | None = None
    css_class: str | None = None
    width: str | None = None
    download: bool = False
    hover: bool = False
    table: bool = False
    numbered: bool | None = None  # None: the site's `numbering` decides
    subtract: str | Mapping[str, Any] | None = None
    normalize: Literal["rows", "columns", "all"] | None = None
    cluster: Literal["rows", "columns", "both"] | None = None
    cluster_method: str = "average"
    cluster_metric: str = "euclidean"
    dendrogram: bool = False
    panels: tuple[HeatmapSpec, ...] | None = None
    ncols: int | None = None
    facet: str | None = None
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
            elif isinstance(value, (Pivot, Colorbar, Grid, InlineMatrix)):
                value = {g.name: getattr(value, g.name) for g in fields(value)}
            out[f.name] = value
        return out


# --------------------------------------------------------------------------
# Parsing.

_MAX_ALIASES = 100


def parse_block(text: str, defaults: Mapping[str, Any] | None = None) -> HeatmapSpec:
    """Parse and validate the body of a ``heatmap`` block.

    ``defaults`` (site, then page) sit under the block's own keys.
    Raises ``SpecError`` naming the key at fault and its line in the body.
    """
    body, key_lines = load_yaml_mapping(text)
    merged = {**(defaults or {}), **body}
    return validate(merged, key_lines, source=text)


def _alias_site(root: yaml.Node, at: object) -> tuple[int, str | None]:
    """The block line of the value that expanded too far, and the top-level
    key it sits under (when the block is a mapping)."""
    if not isinstance(at, yaml.Node):
        return 0, None
    line = at.start_mark.line
    if isinstance(root, yaml.MappingNode):
        for key_node, value in root.value:
            if (
                isinstance(key_node, yaml.ScalarNode)
                and value.start_mark.index <= at.start_mark.index < value.end_mark.index
            ):
                return line, str(key_node.value)
    return line, None


def load_yaml_mapping(text: str) -> tuple[dict[str, Any], dict[str, int]]:
    """Safe-load a YAML mapping and record the 0-based line of each top-level key."""
    if not text.strip():
        raise SpecError(
            "the block is empty; it needs `data: FILE` or `matrix: [[...]]`", block_line=0
        )
    _refuse_long_lines(text)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise SpecError(
                "the block holds no YAML mapping; it needs `data: FILE` or `matrix: [[...]]`",
                block_line=0,
            )
        try:
            check_nodes(node)
        except TooLarge as exc:
            at_line, at_key = _alias_site(node, exc.at)
            where = f"'{at_key}': " if at_key else ""
            raise SpecError(
                f"{where}the block is too large: {exc}", key=at_key, block_line=at_line
            ) from None
        if not isinstance(node, yaml.MappingNode):
            raise SpecError(
                "the block must be a YAML mapping of keys (like `data: file.csv`), "
                f"not {_node_kind(node)}",
                block_line=node.start_mark.line,
            )
        key_lines: dict[str, int] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                name = str(key_node.value)
                if name in key_lines:
                    raise SpecError(
                        f"key '{name}' appears twice (first on line {key_lines[name] + 1} "
                        "of the block)",
                        key=name,
                        block_line=key_node.start_mark.line,
                    )
                key_lines[name] = key_node.start_mark.line
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        where = f" (line {mark.line + 1}, column {mark.column + 1} of the block)" if mark else ""
        raise SpecError(
            f"invalid YAML: {problem}{where}", block_line=mark.line if mark else None
        ) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise SpecError("invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()
    lines = text.split("\n")
    for key, value in data.items():
        if not isinstance(key, str):
            raise SpecError(f"keys must be names, got {key!r}", block_line=key_lines.get(str(key)))
        line = key_lines.get(key)
        if value is None and line is not None:
            rest = lines[line].split(":", 1)[-1].strip()
            if rest.startswith("#"):
                # `nan_color: #d9d9d9` is a key with no value and a comment.
                raise SpecError(
                    f"'{key}': {rest.split()[0]!r} starts a YAML comment here; "
                    f"put it in quotes: {key}: '{rest.split()[0]}'",
                    key=key,
                    block_line=line,
                )
    return data, key_lines


def validate(
    body: Mapping[str, Any],
    key_lines: Mapping[str, int] | None = None,
    *,
    needs_data: bool = True,
    source: str | None = None,
) -> HeatmapSpec:
    """Validate a mapping of block keys (YAML already parsed) into a spec.

    ``needs_data=False`` checks keys that are not a whole block (defaults, a
    multi-panel block's figure-level keys) without asking for a data source.
    ``source`` is the block's YAML text, to quote a value as it was written.
    """
    key_lines = dict(key_lines or {})
    for key in body:
        if key not in BLOCK_KEYS:
            shown, hint = (
                (f"'{key}'", suggest(key, BLOCK_KEYS))
                if len(key) <= MAX_KEY
                else (q(key), f" ({len(key):,} characters long)")
            )
            raise SpecError(
                f"unknown key {shown}{hint}",
                key=key,
                block_line=key_lines.get(key),
            )
    check_lengths(body, key_lines)
    if body.get("panels") is not None:
        return _validate_panels(body, key_lines, source)
    has_data = body.get("data") is not None
    has_matrix = body.get("matrix") is not None
    if needs_data and has_data == has_matrix:
        which = "both" if has_data else "neither"
        raise SpecError(
            f"give exactly one of 'data' (a file) or 'matrix' (inline rows), got {which}",
            key="matrix" if has_data else None,
            block_line=key_lines.get("matrix") if has_data else 0,
        )
    cfg = BlockConfig()
    cfg.load_dict(dict(body))
    failed, _warnings = cfg.validate()
    if failed:
        key, err = failed[0]
        line = key_lines.get(key)
        message = f"'{key}' {err}" if isinstance(err, TooLong) else f"'{key}': {err}"
        if isinstance(err, YamlBool):
            written = source.split("\n")[line] if source is not None and line is not None else ""
            message += "; " + _quoting_hint(key, written, listed=err.listed)
        raise SpecError(message, key=key, block_line=line)
    spec = _to_spec(cfg, key_lines)
    _check_consistency(spec)
    if needs_data:
        _check_trim(spec)
    return spec


def check_lengths(body: Mapping[Any, Any], key_lines: Mapping[str, int] | None = None) -> None:
    """Refuse a text over its limit before anything reads it: a key's own
    text by ``TEXT_LIMITS`` (else ``MAX_NAME``), a text inside a key's list
    or mapping (labels, a panel's keys, rcParams) by its own key's limit or
    ``MAX_ANY_TEXT``.  A list of lists (a matrix's rows) is left to the
    matrix's own check.  Cheap: lengths only, never the characters, so
    ``api`` also runs it on a mapping before writing it out as YAML."""
    lines = key_lines or {}
    for key, value in body.items():
        name = str(key)
        if len(name) > MAX_KEY:
            raise SpecError(f"unknown key {q(name)} ({len(name):,} characters long)", key=name)
        found = _long_text(value, _OWN_LIMITS.get(name, MAX_NAME), 0)
        if found is not None:
            inside, length, limit = found
            raise SpecError(
                f"{q(name, 60)}{inside} is too long: {length:,} characters, at most {limit:,}",
                key=name,
                block_line=lines.get(name),
            )


MAX_KEY = 100  # no block key is longer: a longer name is unknown, without a suggestion

# A style name says itself what is wrong with it ("style name ... is too long").
_OWN_LIMITS = {**TEXT_LIMITS, "style": MAX_ANY_TEXT}


def _long_text(value: object, limit: int, depth: int) -> tuple[str, int, int] | None:
    """Where in ``value`` a text is over its limit: (``": item 3"``, its
    length, the limit), or None."""
    if isinstance(value, str):
        return ("", len(value), limit) if len(value) > limit else None
    if depth >= 4:
        return None
    if isinstance(value, Mapping):
        for sub, item in value.items():
            name = str(sub)
            if len(name) > MAX_NAME:
                return (f": a key {q(name)}", len(name), MAX_NAME)
            found = _long_text(item, TEXT_LIMITS.get(name, MAX_ANY_TEXT), depth + 1)
            if found is not None:
                return (f": {q(name, 60)}{found[0]}", found[1], found[2])
    elif isinstance(value, (list, tuple)):
        for number, item in enumerate(value, start=1):
            if isinstance(item, (list, tuple)):
                continue
            found = _long_text(item, MAX_ANY_TEXT, depth + 1)
            if found is not None:
                return (f": item {number}{found[0]}", found[1], found[2])
    return None


_TOP_TEXT = re.compile(r"([A-Za-z_]+)[ \t]*:[ \t]+")


def _refuse_long_lines(text: str) -> None:
    """A text so long that reading the YAML would already cost seconds: a
    top-level key whose value, as written on its line, is over ten times its
    limit (an escape such as \\U0001F600 writes one character in ten), refused
    before the YAML is read.  Values that may not be one text (a list, a
    mapping, an anchor, a tag, a block scalar) or that may end in a comment
    are left to the parsed check."""
    shortest = 10 * min(TEXT_LIMITS.values())
    if len(text) <= shortest:
        return
    for number, line in enumerate(text.split("\n")):
        if len(line) <= shortest:
            continue
        match = _TOP_TEXT.match(line)
        if match is None:
            continue
        key, value = match[1], line[match.end() :]
        limit = _OWN_LIMITS.get(key, MAX_NAME)
        if len(value) <= 10 * limit or value[:1] in "[{|>&*!" or " #" in value or "\t#" in value:
            continue
        raise SpecError(
            f"'{key}' is too long: {len(value):,} characters as written, at most {limit:,}",
            key=key,
            block_line=number,
        )


# Keys that describe the whole figure, not one panel.
FIGURE_KEYS = ("panels", "ncols", "facet")


# The plain words YAML 1.1 (PyYAML's safe loader) reads as true/false.
_YAML_BOOL = r"yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"


def _quoting_hint(key: str, written: str, *, listed: bool) -> str:
    """How to write text that YAML read as true/false: the author's own line
    with the words quoted when it can be shown, else the rule."""
    rest = written.split(":", 1)[1] if ":" in written else ""
    rest = re.split(r"\s#", rest, maxsplit=1)[0].strip()  # a trailing comment
    if not listed:
        rule = "YAML reads True, yes, no, on, off as true/false"
        if re.fullmatch(_YAML_BOOL, rest):
            return f"{rule}: put it in quotes: {key}: '{rest}'"
        return f"{rule}: put the text in quotes"
    rule = "YAML reads yes, no, on, off, true, false as true/false"
    if rest.startswith("[") and rest.endswith("]"):
        quoted = re.sub(rf"(?<![\w'\"-])({_YAML_BOOL})(?![\w'\"-])", r"'\1'", rest)
        try:
            items = yaml.safe_load(quoted)
        except Exception:  # only a hint: any failure falls back to the rule
            items = None
        if isinstance(items, list) and not any(isinstance(item, bool) for item in items):
            return f"{rule}: write {key}: {quoted}"
    return f"{rule}: put such labels in quotes, e.g. 'yes'"


def _validate_panels(
    body: Mapping[str, Any], key_lines: Mapping[str, int], source: str | None
) -> HeatmapSpec:
    """A multi-panel block: each panel is its top-level keys under its own."""
    line = key_lines.get("panels")
    panels = body["panels"]
    if not isinstance(panels, list) or not panels:
        raise SpecError(
            "'panels' must be a list of panels, each a mapping of block keys",
            key="panels",
            block_line=line,
        )
    if len(panels) > MAX_PANELS:
        raise SpecError(
            f"'panels' has {len(panels)} panels; at most {MAX_PANELS}",
            key="panels",
            block_line=line,
        )
    if body.get("facet") is not None:
        raise SpecError(
            "give either 'panels' or 'facet', not both",
            key="facet",
            block_line=key_lines.get("facet"),
        )
    shared = {k: v for k, v in body.items() if k not in FIGURE_KEYS}
    specs = []
    for number, panel in enumerate(panels, start=1):
        if not isinstance(panel, dict):
            raise SpecError(
                f"panel {number} must be a mapping of block keys, not {describe(panel)}",
                key="panels",
                block_line=line,
            )
        inner = [k for k in panel if k in FIGURE_KEYS]
        if inner:
            raise SpecError(
                f"panel {number}: '{inner[0]}' belongs at the top level of the block",
                key="panels",
                block_line=line,
            )
        try:
            specs.append(validate({**shared, **panel}))
        except SpecError as exc:
            raise SpecError(
                f"panel {number}: {exc.message}", key="panels", block_line=line
            ) from None
    top = {k: v for k, v in body.items() if k not in SOURCE_KEYS and k != "panels"}
    figure = validate(top, key_lines, needs_data=False, source=source)
    return replace(figure, panels=tuple(specs))


def _to_spec(cfg: BlockConfig, key_lines: Mapping[str, int]) -> HeatmapSpec:
    values: dict[str, Any] = {name: cfg[name] for name in BLOCK_KEYS}
    values["css_class"] = values.pop("class")
    pivot = values["pivot"]
    values["pivot"] = Pivot(**pivot) if pivot is not None else None
    bar = values["colorbar"]
    if isinstance(bar, dict):
        bar = {**bar, "ticks": tuple(bar["ticks"]) if bar["ticks"] else None}
    values["colorbar"] = _switch(bar, Colorbar)
    values["gridlines"] = _switch(values["gridlines"], Grid)
    values["highlight"] = values["highlight"] or ()
    return HeatmapSpec(**values, key_lines=dict(key_lines))


def _switch(value: bool | dict[str, Any], kind: type[Any]) -> Any:
    """``true`` is the defaults, ``false`` is off, a mapping sets the options."""
    if value is True:
        return kind()
    if value is False:
        return None
    return kind(**value)


def _check_trim(spec: HeatmapSpec) -> None:
    """``trim_mask`` needs a triangle to trim.  Checked for each panel and for
    defaults, not for a figure's top-level keys: its panels may bring their
    own masks."""
    if spec.trim_mask and spec.mask not in ("upper", "lower"):
        what = "a mask matrix" if spec.mask is not None else "no mask"
        raise SpecError(
            "'trim_mask' drops the row and the column a triangular mask leaves empty; it "
            f"needs mask: upper or mask: lower, and this block has {what}",
            key="trim_mask",
            block_line=spec.line_of("trim_mask"),
        )
    if spec.trim_mask and spec.dendrogram:
        raise SpecError(
            "'trim_mask' drops a row and a column that the dendrogram's tree joins; "
            "use trim_mask or dendrogram, not both",
            key="trim_mask",
            block_line=spec.line_of("trim_mask"),
        )


def _check_consistency(spec: HeatmapSpec) -> None:
    if spec.format == "png" and spec.figsize is not None and spec.figsize[1] > 0:
        # The 2x file of a PNG is the largest image a block makes.
        dpi = 2 * (spec.dpi or 96)
        width, height = (round(side * dpi) for side in spec.figsize)
        if width * height > MAX_PIXELS:
            raise SpecError(
                f"'figsize' {spec.figsize[0]:g} x {spec.figsize[1]:g} in at dpi "
                f"{spec.dpi or 96} makes a {width:,} x {height:,} pixel PNG (2x for "
                f"high-density screens), over the limit of {MAX_PIXELS // 1_000_000} "
                "megapixels; lower 'dpi' or 'figsize'",
                key="dpi" if spec.dpi else "figsize",
                block_line=spec.line_of("dpi" if spec.dpi else "figsize"),
            )
    if spec.vmin is not None and spec.vmax is not None and spec.vmin >= spec.vmax:
        raise SpecError(
            f"'vmin' ({spec.vmin:g}) must be less than 'vmax' ({spec.vmax:g})",
            key="vmin",
            block_line=spec.line_of("vmin"),
        )
    if spec.center is not None and spec.norm != "linear":
        raise SpecError(
            f"'center' works with the linear norm, not 'norm: {spec.norm}'",
            key="center",
            block_line=spec.line_of("center"),
        )
    for key in ("vmin", "vmax"):
        value = getattr(spec, key)
        if spec.center is not None and value is not None:
            below = key == "vmin"
            if (value >= spec.center) if below else (value <= spec.center):
                raise SpecError(
                    f"'{key}' ({value:g}) must be {'below' if below else 'above'} "
                    f"'center' ({spec.center:g})",
                    key=key,
                    block_line=spec.line_of(key),
                )
    if spec.cluster_method in ("ward", "centroid", "median") and spec.cluster_metric != "euclidean":
        raise SpecError(
            f"'cluster_method: {spec.cluster_method}' needs 'cluster_metric: euclidean'",
            key="cluster_metric",
            block_line=spec.line_of("cluster_metric"),
        )
    if spec.facet is not None and (spec.pivot is None or spec.data is None):
        raise SpecError(
            "'facet' splits a tidy data file: it needs 'data' and 'pivot'",
            key="facet",
            block_line=spec.line_of("facet"),
        )
    if spec.dendrogram and spec.cluster is None:
        raise SpecError(
            "'dendrogram' draws the tree of 'cluster'; set cluster: rows, columns or both",
            key="dendrogram",
            block_line=spec.line_of("dendrogram"),
        )
    if spec.matrix is not None:
        for key in ("data_format", "key", "pivot"):
            if getattr(spec, key) is not None:
                raise SpecError(
                    f"'{key}' applies to a data file, but this block has an inline 'matrix'",
                    key=key,
                    block_line=spec.line_of(key),
                )
    for key in ("rows", "columns", "x_labels", "y_labels"):
        labels = getattr(spec, key)
        if labels is not None:
            if not labels:
                raise SpecError(f"'{key}' is empty", key=key, block_line=spec.line_of(key))
            dupes = sorted({lab for lab in labels if labels.count(lab) > 1})
            if dupes and key in ("rows", "columns"):
                raise SpecError(
                    f"'{key}' names {dupes[0]!r} twice", key=key, block_line=spec.line_of(key)
                )


class _Loader(yaml.SafeLoader):
    """Safe loader that refuses alias bombs: a few anchors are fine, not exponential fan-out."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > _MAX_ALIASES:
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise yaml.MarkedYAMLError(
                    problem=f"more than {_MAX_ALIASES} aliases (*name)",
                    problem_mark=event.start_mark,
                )
        return super().compose_node(parent, index)


def _node_kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"the text {node.value!r}" if isinstance(node, yaml.ScalarNode) else "that"


def _label(item: object) -> str:
    if isinstance(item, float) and item.is_integer():
        return str(int(item))
    return str(item)


def validate_defaults(defaults: Mapping[str, Any]) -> None:
    """Check site or page defaults as if they were a block's keys: names,
    types, ranges and the colormap, all without matplotlib for the names it
    ships.  Raises ``SpecError`` naming the key."""
    for key in ("data", "matrix", "panels", "facet"):
        if key in defaults:
            raise SpecError(
                f"'{key}' belongs in a block, not in defaults "
                "(defaults apply to every block; 'data', 'matrix', 'panels' and 'facet' "
                "say what one block shows)",
                key=key,
            )
    spec = validate(defaults, needs_data=False)
    _check_trim(spec)
    problem = colormap_problem(spec.cmap) if spec.cmap is not None else None
    if problem is not None:
        raise SpecError(problem, key="cmap")


def subtrahend_spec(spec: HeatmapSpec) -> HeatmapSpec:
    """The spec of the data ``subtract`` names: a path reads like the block's
    own file (same layout keys); a mapping says everything itself."""
    assert spec.subtract is not None
    if isinstance(spec.subtract, str):
        own = {
            key: value
            for key in SOURCE_KEYS
            if key not in ("data", "matrix", "x_labels", "y_labels")
            and (value := getattr(spec, key)) is not None
        }
        own = {k: v for k, v in spec.as_dict().items() if k in own}
        body: dict[str, Any] = {**own, "data": spec.subtract}
    else:
        body = dict(spec.subtract)
    try:
        return validate(body)
    except SpecError as exc:
        raise SpecError(f"'subtract': {exc.message}", key="subtract") from None


def format_value(value: float, fmt: str) -> str:
    """Format a cell value; integer specs (``d``) accept whole floats."""
    try:
        return format(value, fmt)
    except ValueError:
        if float(value).is_integer():
            return format(int(value), fmt)
        raise


def as_float(value: int | float) -> float:
    """A YAML number as a float; an integer beyond the float range is infinite
    (and refused by the caller), not an OverflowError."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _refuse_controls(text: str) -> None:
    """Control characters draw as boxes, break HTML and forge log lines.
    One regular-expression search: no Python loop over a long text."""
    found = _CONTROL.search(text)
    if found is not None:
        raise ValidationError(f"holds the control character U+{ord(found[0]):04X}; remove it")
