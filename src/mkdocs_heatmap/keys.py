"""The option types a block key is declared with, and the walk that checks a
mapping of keys against a declared schema.

A schema is a frozen dataclass whose fields are declared with ``key_field``
(``model.HeatmapSpec`` and the sub-schemas it holds)::

    title: str | None = key_field(Text(MAX_TITLE))
    alt: str | None = key_field(Text(MAX_PROSE), role=Role.HTML)

The field's annotation is the value's type in the spec; ``key_field`` files a
``Key`` in the field's metadata: the option that checks and normalizes the
YAML value, the default, and the role.  ``table`` reads the keys back,
``check`` walks a mapping through them.

Nothing here imports ``model``, which declares its table with these: the few
limits an option type enforces itself live here and ``model`` re-exports them.
"""

from __future__ import annotations

import dataclasses
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from enum import Enum
from typing import Any, Generic, TypeVar

from .errors import ConfigError
from .messages import describe, q, suggest
from .numbers import format_value as format_value  # spec re-exports it from here

T = TypeVar("T")
S = TypeVar("S")

MISSING: frozenset[str] = frozenset(
    {"", "nan", "-nan", "na", "n/a", "#n/a", "<na>", "null", "none"}
)
"""Cell texts (compared stripped and lower-cased) that mean a missing value,
in data files and in an inline ``matrix`` alike: the contract's ``""``,
``NaN``, ``nan``, ``null`` plus what pandas, R and spreadsheets write."""
MAX_FORMATTED = 40
"""Characters a value formatted by ``fmt`` (or a colorbar's ``format``) may
take: more fits neither a cell nor a tick."""
MAX_MAGNITUDE = 1e200
"""The largest magnitude a value may have: matplotlib's norms and tickers
overflow on spans near the float limit (1.7e308)."""


@dataclass(frozen=True)
class InlineMatrix:
    """A block's inline ``matrix`` given with its own labels (a mapping of
    ``values``, ``x_labels``, ``y_labels``): the labels a data file would
    carry, so ``rows``, ``columns`` and ``subtract`` match by them."""

    values: tuple[tuple[float, ...], ...]
    x_labels: tuple[str, ...] | None = None
    y_labels: tuple[str, ...] | None = None


TextCell = str | float | None
"""A cell of ``cell_text``: a text, a number (written with ``fmt``), or
nothing (no text in that cell)."""


@dataclass(frozen=True)
class TextTable:
    """``cell_text`` given inline: rows of texts, numbers or null, with the
    labels they are matched by when it has them (else matched by shape)."""

    cells: tuple[tuple[TextCell, ...], ...]
    x_labels: tuple[str, ...] | None = None
    y_labels: tuple[str, ...] | None = None


@dataclass(frozen=True)
class GroupFile:
    """``row_groups``/``col_groups`` read from a table: its file, and the
    column that holds each label's group (the labels are its first column)."""

    data: str
    column: str


@dataclass(frozen=True)
class Groups:
    """Groups as drawn: one name per row (or column) of the matrix as
    shown, the groups in color order, and the legend's title."""

    names: tuple[str, ...]
    order: tuple[str, ...]
    title: str | None = None


# --------------------------------------------------------------------------
# The key table's rows.


class Role(Enum):
    """What a key does to a figure, and so whether its value is part of the
    figure's cache key (``pipeline._drawn``) or reaches it another way."""

    DRAWN = "drawn"  # shapes the image: its value is keyed
    SOURCE = "source"  # says where the matrix comes from: the matrix is keyed instead
    MATRIX = "matrix"  # changes the matrix (and the mask or format drawn with it), keyed instead
    HTML = "html"  # shapes only the HTML around the image: a change re-uses the images
    RC = "rc"  # reaches the image through the rcParams it layers, keyed instead
    PANELS = "panels"  # holds the figure's panels, each keyed on its own


@dataclass(frozen=True)
class Key:
    """One row of the table: filed by ``key_field`` in a field's metadata,
    completed by ``table`` with the field's name."""

    option: Option[Any]
    role: Role = Role.DRAWN
    figure: bool = False  # says something of the whole figure, not of one panel
    scale: bool = False  # sets the color scale, which panels may share
    name: str = ""  # as written in a block: the field's name unless that cannot be (class)
    required: bool = False  # no default: the key must be given
    nullable: bool = False  # `key: null` is as if the key were not given
    attr: str = ""  # the field's name


_SLOT = "mkdocs_heatmap.key"


def key_field(
    option: Option[Any],
    default: Any = None,
    *,
    required: bool = False,
    nullable: bool | None = None,
    name: str = "",
    role: Role = Role.DRAWN,
    figure: bool = False,
    scale: bool = False,
) -> Any:
    """A schema field that is a block key: ``option`` checks its YAML value,
    and an absent key takes ``default``.  So does a null one when the key is
    ``nullable``, which by default it is when ``default`` is None.  (Not so
    ``gridlines``: off is None in the spec, but its word for off is false.)"""
    if nullable is None:
        nullable = default is None and not required
    entry = Key(option, role, figure, scale, name, required, nullable)
    if required:
        return dataclasses.field(metadata={_SLOT: entry})
    return dataclasses.field(default=default, metadata={_SLOT: entry})


def table(schema: type[Any]) -> tuple[Key, ...]:
    """The keys of a schema, in field order (the order they are checked and
    documented in); fields declared without ``key_field`` are not keys."""
    rows = _TABLES.get(schema)
    if rows is None:
        rows = tuple(
            replace(entry, name=entry.name or f.name, attr=f.name)
            for f in fields(schema)
            if isinstance(entry := f.metadata.get(_SLOT), Key)
        )
        _TABLES[schema] = rows
    return rows


_TABLES: dict[type[Any], tuple[Key, ...]] = {}


class Invalid(Exception):
    """A value an option refuses; the message reads after the key's name."""


class Refused(Exception):
    """``check`` met a value its key's option refused."""

    def __init__(self, key: str, error: Invalid) -> None:
        super().__init__(f"{key}: {error}")
        self.key = key  # as written in the block
        self.error = error


def check(schema: type[Any], body: Mapping[Any, Any]) -> dict[str, Any]:
    """The checked values of ``body``'s keys, by field name, for ``schema(**...)``.

    Keys are checked in table order and the first refusal raises ``Refused``.
    An absent key is left to its default, and so is a null one if the key is
    nullable; any other null is the option's to refuse (``header: null``), as
    is a required key's absence.  Unknown keys are the caller's to refuse,
    with its own message.
    """
    values: dict[str, Any] = {}
    for entry in table(schema):
        value = body.get(entry.name)
        if entry.name not in body and not entry.required:
            continue
        if value is None and entry.nullable:
            continue
        try:
            values[entry.attr] = entry.option.validate(value)
        except Invalid as exc:
            raise Refused(entry.name, exc) from None
    return values


# --------------------------------------------------------------------------
# Option types.


class Option(ABC, Generic[T]):
    """How one key's YAML value is checked and normalized."""

    @abstractmethod
    def validate(self, value: object) -> T:
        """The value as the spec holds it; raises ``Invalid``."""


class YamlBool(Invalid):
    """Text or a label that YAML read as true/false (``ylabel: yes``).

    ``spec.validate`` finishes the message: it knows the key and the line the
    author wrote, so it can show the value quoted.
    """

    def __init__(self, message: str, *, listed: bool) -> None:
        super().__init__(message)
        self.listed = listed  # an item of a list of labels, not a single text


class TooLong(Invalid):
    """A text over its limit.  Reads after the key's name: ``'title' is too
    long: ...`` (``spec.validate`` and ``mapping_of`` put it there)."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"is too long: {length:,} characters, at most {limit:,}")


class Number(Option[float]):
    """A real number; YAML booleans are refused even though bool is an int."""

    def __init__(self, *, minimum: float | None = None, maximum: float | None = None) -> None:
        self.minimum = minimum
        self.maximum = maximum

    def validate(self, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Invalid(f"expected a number, got {describe(value)}")
        number = as_float(value)
        if not math.isfinite(number):
            raise Invalid(f"expected a finite number, got {_short(value)}")
        if abs(number) > MAX_MAGNITUDE:
            raise Invalid(
                f"{number:.3g} is too large to draw; numbers must lie within ±{MAX_MAGNITUDE:g}"
            )
        if self.minimum is not None and number < self.minimum:
            raise Invalid(f"must be at least {self.minimum:g}, got {value!r}")
        if self.maximum is not None and number > self.maximum:
            raise Invalid(f"must be at most {self.maximum:g}, got {value!r}")
        return number


class Numbers(Option["tuple[float, ...] | None"]):
    """A list of numbers; an empty one is none of its own (the automatic ones)."""

    def validate(self, value: object) -> tuple[float, ...] | None:
        if not isinstance(value, list):
            # Worded as MkDocs' ListOfItems, which this key was once checked by.
            raise Invalid(f"Expected a list of items, but a {type(value)} was given.")
        item = Number()
        return tuple(item.validate(number) for number in value) or None


class Integer(Option[int]):
    def __init__(self, *, minimum: int, maximum: int) -> None:
        self.minimum = minimum
        self.maximum = maximum

    def validate(self, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"expected a whole number, got {describe(value)}")
        if not self.minimum <= value <= self.maximum:
            raise Invalid(f"must be between {self.minimum} and {self.maximum}, got {value}")
        return value


class Text(Option[str]):
    """A string of at most ``limit`` characters; numbers are accepted and
    turned into text (``title: 2024``).  Its length is checked first, before
    anything reads it character by character."""

    def __init__(self, limit: int, *, nonempty: bool = False) -> None:
        self.limit = limit
        self.nonempty = nonempty

    def validate(self, value: object) -> str:
        if isinstance(value, bool):
            raise YamlBool(f"expected text, got {describe(value)}", listed=False)
        if isinstance(value, str) and len(value) > self.limit:
            raise TooLong(len(value), self.limit)
        if not isinstance(value, (str, int, float)):
            raise Invalid(f"expected text, got {describe(value)}")
        text = str(value)
        if self.nonempty and not text.strip():
            raise Invalid("must not be empty")
        _refuse_controls(text)
        return text


class Labels(Option[tuple[str, ...]]):
    """A list of labels (strings or numbers, shown as text)."""

    def validate(self, value: object) -> tuple[str, ...]:
        return labels_of(value)


def labels_of(value: object, what: str = "") -> tuple[str, ...]:
    """A list of labels as text; ``what`` names the list inside a larger value."""
    if not isinstance(value, list):
        raise Invalid(f"{what}expected a list of labels, got {describe(value)}")
    labels = []
    for i, item in enumerate(value):
        if isinstance(item, bool):
            raise YamlBool(f"{what}item {i + 1} is {describe(item)}, expected a label", listed=True)
        if not isinstance(item, (str, int, float)):
            raise Invalid(f"{what}item {i + 1} is {describe(item)}, expected a label")
        labels.append(_label(item))
        _refuse_controls(labels[-1])
    return tuple(labels)


MAX_LISTED_TICKS = 1_000


class Ticks(Option["str | int | tuple[str, ...]"]):
    """``auto``, ``all``, ``none``, N (show every Nth label) or a list of
    labels (show exactly those; checked against the matrix when it is read)."""

    def validate(self, value: object) -> str | int | tuple[str, ...]:
        if isinstance(value, list):
            labels = labels_of(value)
            if not labels:
                raise Invalid("expected at least one label in the list (none: xticks: none)")
            if len(labels) > MAX_LISTED_TICKS:
                raise Invalid(f"at most {MAX_LISTED_TICKS:,} labels, got {len(labels):,}")
            seen: set[str] = set()
            for label in labels:
                if label in seen:
                    raise Invalid(f"label {q(label)} is listed twice")
                seen.add(label)
            return labels
        if value in ("auto", "all", "none"):
            return str(value)
        if value is False:
            return "none"
        if value is True:
            return "all"
        if isinstance(value, int) and value >= 1:
            return value
        raise Invalid(
            f"expected auto, all, none, a whole number >= 1 or a list of labels, got {value!r}"
        )


class Rotation(Option["str | float"]):
    def validate(self, value: object) -> str | float:
        if value == "auto":
            return "auto"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Invalid(f"expected auto or an angle in degrees, got {value!r}")
        if not -360 <= value <= 360:
            raise Invalid(f"angle must be between -360 and 360, got {value}")
        return float(value)


class FloatRows(tuple[tuple[float, ...], ...]):
    """Rows of floats made from a 2-D numeric array (the API's ndarrays and
    DataFrames): equally long, non-empty and numbers by construction, so
    they skip the per-cell check a written matrix gets."""

    @classmethod
    def of(cls, array: Any) -> FloatRows:
        """``array`` (2-D, numeric, not empty) as rows of Python floats."""
        if array.ndim != 2 or not array.size:
            raise Invalid(f"expected a non-empty 2-D array, got one of shape {tuple(array.shape)}")
        return cls(map(tuple, array.astype("float64").tolist()))


def own_labels(
    value: Mapping[Any, Any], rows: int, cols: int, what: str
) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """The ``x_labels`` and ``y_labels`` a labelled inline matrix gives itself
    (``what``: "the matrix has", "the texts have"), each as long as its axis."""
    labels: dict[str, tuple[str, ...] | None] = {}
    for name, count, axis in (("x_labels", cols, "columns"), ("y_labels", rows, "rows")):
        given = value.get(name)
        labels[name] = None if given is None else labels_of(given, f"{name}: ")
        if given is not None and len(given) != count:
            raise Invalid(f"{name} has {len(given)} labels but {what} {count} {axis}")
    return labels["x_labels"], labels["y_labels"]


class MatrixRows(Option["tuple[tuple[float, ...], ...] | InlineMatrix"]):
    """An inline matrix: a list of equally long rows of numbers or null, or a
    mapping of those rows (``values``) and the matrix's own labels."""

    def validate(self, value: object) -> tuple[tuple[float, ...], ...] | InlineMatrix:
        if isinstance(value, dict):
            return self._labelled(value)
        return self._rows(value)

    def _labelled(self, value: dict[Any, Any]) -> InlineMatrix:
        known = ("values", "x_labels", "y_labels")
        for name in value:
            if name not in known:
                raise Invalid(
                    f"unknown key {name!r}{suggest(str(name), known)}; a labelled matrix "
                    "takes values, x_labels and y_labels"
                )
        if "values" not in value:
            raise Invalid("a labelled matrix needs 'values' (its list of rows)")
        rows = self._rows(value["values"])
        return InlineMatrix(rows, *own_labels(value, len(rows), len(rows[0]), "the matrix has"))

    def _rows(self, value: object) -> tuple[tuple[float, ...], ...]:
        if isinstance(value, FloatRows):
            return value
        if not isinstance(value, list) or not value:
            raise Invalid(f"expected a non-empty list of rows, got {describe(value)}")
        rows: list[tuple[float, ...]] = []
        for i, row in enumerate(value, start=1):
            if not isinstance(row, list):
                raise Invalid(f"row {i} is {describe(row)}, expected a list of numbers")
            if rows and len(row) != len(rows[0]):
                raise Invalid(f"row {i} has {len(row)} values, row 1 has {len(rows[0])}")
            cells: list[float] = []
            for j, cell in enumerate(row, start=1):
                if cell is None or (isinstance(cell, str) and cell.strip().lower() in MISSING):
                    cells.append(math.nan)
                elif isinstance(cell, (int, float)) and not isinstance(cell, bool):
                    cells.append(as_float(cell))
                else:
                    raise Invalid(
                        f"row {i}, column {j} is {_short(cell)}, expected a number or null"
                    )
            rows.append(tuple(cells))
        if not rows[0]:
            raise Invalid("rows are empty")
        return tuple(rows)


CSS_LENGTH = re.compile(r"^\d+(\.\d+)?(%|px|em|rem|vw|ch|cm|mm|in|pt)$")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_:.-]*$")  # an HTML id or class name


class Width(Option[str]):
    """A CSS length; restricted so it cannot break out of the style attribute."""

    def validate(self, value: object) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            value = f"{value}px"
        if not isinstance(value, str) or not CSS_LENGTH.match(value.strip()):
            raise Invalid(f"expected a CSS length such as 60% or 480px, got {value!r}")
        return value.strip()


class Identifier(Option[str]):
    """An HTML id or class name: no spaces or markup."""

    def __init__(self, *, many: bool = False) -> None:
        self.many = many

    def validate(self, value: object) -> str:
        if not isinstance(value, str):
            raise Invalid(f"expected a name, got {describe(value)}")
        names = value.split() if self.many else [value]
        for name in names:
            if not NAME.match(name):
                raise Invalid(
                    f"{name!r} is not a valid name (letters, digits, - _ : . ; "
                    "starting with a letter)"
                )
        return " ".join(names)


MAX_PANEL_LABEL = 12


DEFAULT_PANEL_LABEL = "(a)"


class PanelLabels(Option["str | bool | None"]):
    """``true`` (``"(a)"`` on a figure of several panels), ``false``, or a
    pattern whose one letter, ``a`` or ``A``, each panel's letter replaces:
    ``"a)"``, ``"A"`` (drawn on a one-panel figure too)."""

    def validate(self, value: object) -> str | bool | None:
        if value is True:
            return True
        if value is False or value is None:
            return None
        usage = 'true or a pattern with the letter a or A in it, such as "(a)", "a", "A" or "a)"'
        if not isinstance(value, str):
            raise Invalid(f"expected {usage}, got {describe(value)}")
        letters = [c for c in value if c.isalnum()]
        if letters not in (["a"], ["A"]) or len(value) > MAX_PANEL_LABEL or not value.isprintable():
            raise Invalid(f"expected {usage}, got {q(value)}")
        return value


def panel_letter(pattern: str | bool, n: int) -> str:
    """The label of the ``n``-th panel (0-based) under ``pattern``: a, b, c..."""
    pattern = DEFAULT_PANEL_LABEL if pattern is True or not pattern else str(pattern)
    letter = "abcdefghijklmnopqrstuvwxyz"[n % 26] * (n // 26 + 1)
    return "".join(letter if c == "a" else letter.upper() if c == "A" else c for c in pattern)


class OneOf(Option[Any]):
    """A choice with a message that lists the choices and suggests the closest."""

    def __init__(self, choices: Sequence[Any]) -> None:
        self.choices = tuple(choices)

    def validate(self, value: object) -> Any:
        # YAML reads yes/no/on/off as booleans; compare without letting 1 == True.
        for choice in self.choices:
            if value == choice and isinstance(value, bool) == isinstance(choice, bool):
                return choice
        shown = ", ".join(str(c).lower() if isinstance(c, bool) else str(c) for c in self.choices)
        names = [str(c) for c in self.choices if isinstance(c, str)]
        hint = suggest(value, names) if isinstance(value, str) and len(value) <= 100 else ""
        raise Invalid(f"expected one of {shown}; got {_short(value)}{hint}")


class Flag(Option[bool]):
    def validate(self, value: object) -> bool:
        if isinstance(value, bool):
            return value
        raise Invalid(f"expected true or false, got {describe(value)}")


class Sub(Option[S]):
    """A mapping of a sub-schema's keys (``pivot``); unknown ones are errors."""

    def __init__(self, schema: type[S]) -> None:
        self.schema = schema

    def validate(self, value: object) -> S:
        if not isinstance(value, dict):
            raise Invalid(f"expected a mapping, got {describe(value)}")
        return mapping_of(self.schema, value)


class Switch(Option["S | None"]):
    """``true`` (the sub-schema's defaults), ``false`` (off) or a mapping of
    its keys (``colorbar``, ``gridlines``)."""

    def __init__(self, schema: type[S]) -> None:
        self.schema = schema

    def validate(self, value: object) -> S | None:
        if value is True:
            return self.schema()
        if value is False:
            return None
        if not isinstance(value, dict):
            raise Invalid(f"expected true, false or a mapping, got {describe(value)}")
        return mapping_of(self.schema, value)


def mapping_of(schema: type[S], value: dict[Any, Any]) -> S:
    """A sub-mapping checked against its schema, as the schema's instance."""
    known = [entry.name for entry in table(schema)]
    for name in value:
        if name not in known:
            raise Invalid(
                f"unknown key {name!r}{suggest(str(name), known)}; "
                f"expected one of: {', '.join(known)}"
            )
    try:
        values = check(schema, value)
    except Refused as exc:
        err = exc.error
        if isinstance(err, YamlBool):
            raise YamlBool(f"{exc.key}: {err}", listed=err.listed) from None
        if isinstance(err, TooLong):
            raise Invalid(f"'{exc.key}' {err}") from None
        raise Invalid(f"{exc.key}: {err}") from None
    return schema(**values)


class Listed(Option[list[Any]]):
    """A list whose items are checked where it is read (``panels``)."""

    def validate(self, value: object) -> list[Any]:
        if not isinstance(value, list):
            raise Invalid(f"expected a list, got {describe(value)}")
        return value


class FormatSpec(Option[str]):
    """A Python format spec for cell values (``.2f``, ``d``, ``.1%``)."""

    def validate(self, value: object) -> str:
        if not isinstance(value, str) or not value:
            raise Invalid(f"expected a format spec such as .2f, d or .1%, got {_short(value)}")
        if len(value) > 20:
            raise Invalid(f"{_short(value)} is not a format spec: too long")
        # Whole numbers: `d` suits counts; a fraction it cannot format is
        # reported where the figure meets it.
        for sample in (3.0, -2.0, 0.0, 123456.0):
            try:
                text = format_value(sample, value)
            except (ValueError, OverflowError, TypeError):
                raise Invalid(
                    f"{value!r} is not a Python format spec for numbers such as "
                    f"{sample:g} (try .2f, .3g, d or .1%)"
                ) from None
            if len(text) > MAX_FORMATTED:
                raise Invalid(
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
            raise Invalid(
                f"{value!r} writes 1/3 as {len(text):,} characters; "
                f"at most {MAX_FORMATTED} fit a cell or a tick"
            )
        return value


MASK_NAMES: tuple[str, ...] = ("upper", "lower", "upper_strict", "lower_strict")
"""The triangles ``mask`` names: with the diagonal, or without it (``_strict``)."""


def _only_source_keys(value: Mapping[Any, Any], known: Sequence[str], what: str) -> None:
    """Refuse a key of a data-source mapping that is not one of ``known``."""
    for name in value:
        if name not in known:
            raise Invalid(
                f"unknown key {name!r}{suggest(str(name), known)}; {what} takes {', '.join(known)}"
            )


class Mask(Option[Any]):
    """``upper``, ``lower`` (with the diagonal), ``upper_strict``,
    ``lower_strict`` (without it), a boolean matrix (true = hidden), or a data
    source of true/false or 0/1: a path (a name with a file extension or a
    folder), or a mapping of data keys.  The keys are asked for when checked,
    as ``SubtractRef`` does."""

    def __init__(self, source_keys: Callable[[], Sequence[str]]) -> None:
        self.source_keys = source_keys

    def validate(self, value: object) -> Any:
        if value in MASK_NAMES:
            return str(value)
        if isinstance(value, list) and value and all(isinstance(r, list) for r in value):
            rows: list[tuple[bool, ...]] = []
            for i, row in enumerate(value, start=1):
                if not all(isinstance(cell, bool) or cell in (0, 1) for cell in row):
                    raise Invalid(f"row {i} must hold only true/false")
                rows.append(tuple(bool(cell) for cell in row))
            return tuple(rows)
        if isinstance(value, str) and _looks_like_path(value):
            return value
        if isinstance(value, dict):
            _only_source_keys(value, self.source_keys(), "a mask's data source")
            if value.get("data") is None:
                raise Invalid("a mask's data source needs 'data' (a file)")
            return value
        hint = suggest(value, MASK_NAMES) if isinstance(value, str) and len(value) <= 100 else ""
        raise Invalid(
            f"expected {', '.join(MASK_NAMES)}, a matrix of true/false, a data file path "
            f"or a mapping of data keys, got {_short(value)}{hint}"
        )


MAX_GROUP_LABELS = 100_000
"""Labels an inline ``row_groups``/``col_groups`` mapping may name."""
MAX_GROUP_NAME = 1_000  # model.MAX_NAME: a group's name, a file's, a column's


class GroupMap(Option[Any]):
    """``row_groups``/``col_groups``: a mapping of label to group, or
    ``{data: FILE, column: NAME}`` (a table whose first column holds the
    labels).  A mapping whose keys include ``data`` is the file form: a map
    with a row called "data" is far rarer than a typo in ``column``."""

    def validate(self, value: object) -> Mapping[str, str] | GroupFile:
        usage = "a mapping of label to group, or {data: FILE, column: NAME}"
        if not isinstance(value, dict) or not value:
            raise Invalid(f"expected {usage}, got {describe(value)}")
        if "data" in value:
            _only_source_keys(value, ("data", "column"), "a groups file")
            if "column" not in value:
                raise Invalid(
                    "a groups file needs 'column': the name of its column that holds the groups"
                )
            data = Text(MAX_GROUP_NAME, nonempty=True).validate(value["data"])
            column = Text(MAX_GROUP_NAME, nonempty=True).validate(value["column"])
            return GroupFile(data, column)
        if len(value) > MAX_GROUP_LABELS:
            raise Invalid(f"names {len(value):,} labels; at most {MAX_GROUP_LABELS:,}")
        groups: dict[str, str] = {}
        for label, group in value.items():
            if isinstance(label, bool) or not isinstance(label, (str, int, float)):
                raise Invalid(f"label {_short(label)} is {describe(label)}, expected a label")
            shown = _label(label)
            _refuse_controls(shown)
            if isinstance(group, bool) or not isinstance(group, (str, int, float)):
                raise Invalid(
                    f"the group of {q(shown)} is {describe(group)}; expected a group's name"
                )
            name = _label(group)
            if not name.strip():
                raise Invalid(f"the group of {q(shown)} is empty")
            if len(name) > MAX_GROUP_NAME:
                raise Invalid(f"the group of {q(shown)} {TooLong(len(name), MAX_GROUP_NAME)}")
            _refuse_controls(name)
            groups[shown] = name
        return groups


def _looks_like_path(text: str) -> bool:
    """A mask's text names a file when it has a folder or an extension
    (``masks/causal.csv``); a bare word is meant as a triangle's name."""
    name = text.strip().rsplit("/", 1)[-1]
    return bool(text.strip()) and ("/" in text or "." in name.strip(".")) and len(text) <= 1_000


MAX_CELL_TEXT = 100  # characters of one cell's text: a cell holds a few words at most


class CellText(Option[Any]):
    """``cell_text``: a data source (a path, or a mapping of data keys) or an
    inline matrix of texts, numbers and null (rows, or a mapping of
    ``values``, ``x_labels``, ``y_labels``).  Data keys asked for when
    checked, as ``Mask`` does."""

    def __init__(self, source_keys: Callable[[], Sequence[str]]) -> None:
        self.source_keys = source_keys

    def validate(self, value: object) -> Any:
        if isinstance(value, str) and _looks_like_path(value):
            return value
        if isinstance(value, dict) and "values" in value:
            return self._labelled(value)
        if isinstance(value, dict):
            _only_source_keys(value, self.source_keys(), "cell_text's data source")
            if value.get("data") is None:
                raise Invalid(
                    "cell_text's data source needs 'data' (a file); inline texts are a list "
                    "of rows, or a mapping with 'values'"
                )
            return value
        if isinstance(value, (list, tuple)):
            return TextTable(self._rows(value))
        raise Invalid(
            "expected a data file path, a mapping of data keys or a list of rows of texts, "
            f"got {_short(value)}"
        )

    def _labelled(self, value: dict[Any, Any]) -> TextTable:
        known = ("values", "x_labels", "y_labels")
        for name in value:
            if name not in known:
                raise Invalid(
                    f"unknown key {name!r}{suggest(str(name), known)}; inline texts with "
                    "labels take values, x_labels and y_labels"
                )
        rows = self._rows(value["values"])
        return TextTable(rows, *own_labels(value, len(rows), len(rows[0]), "the texts have"))

    def _rows(self, value: object) -> tuple[tuple[TextCell, ...], ...]:
        if not isinstance(value, (list, tuple)) or not value:
            raise Invalid(f"expected a non-empty list of rows, got {describe(value)}")
        rows: list[tuple[TextCell, ...]] = []
        for i, row in enumerate(value, start=1):
            if not isinstance(row, (list, tuple)):
                raise Invalid(f"row {i} is {describe(row)}, expected a list of texts")
            if rows and len(row) != len(rows[0]):
                raise Invalid(f"row {i} has {len(row)} texts, row 1 has {len(rows[0])}")
            rows.append(
                tuple(
                    text_cell(cell, f"row {i}, column {j}") for j, cell in enumerate(row, start=1)
                )
            )
        if not rows[0]:
            raise Invalid("rows are empty")
        return tuple(rows)


def text_cell(cell: object, where: str) -> TextCell:
    """One cell of ``cell_text`` as the spec holds it; ``where`` names it."""
    if cell is None:
        return None
    if isinstance(cell, bool):
        raise Invalid(
            f"{where} is {'true' if cell else 'false'}, which YAML read from an unquoted "
            "word; quote it to write it as text"
        )
    if isinstance(cell, (int, float)):
        number = as_float(cell)
        return None if math.isnan(number) else number
    if isinstance(cell, str):
        text = cell.strip()
        if text.lower() in MISSING:
            return None
        if len(text) > MAX_CELL_TEXT:
            raise Invalid(
                f"{where} is {len(text):,} characters long; a cell's text is at most "
                f"{MAX_CELL_TEXT}"
            )
        try:
            _refuse_controls(text)
        except Invalid as exc:
            raise Invalid(f"{where} {exc}") from None
        return text or None
    raise Invalid(f"{where} is {describe(cell)}, expected a text, a number or null")


class Slice(Option[tuple[int, ...]]):
    """``slice``: one position per leading axis of an array (negative ones
    count from the end)."""

    def validate(self, value: object) -> tuple[int, ...]:
        items = list(value) if isinstance(value, (list, tuple)) else [value]
        if not items:
            raise Invalid("expected a list of positions, one per leading axis, got an empty list")
        if len(items) > 30:
            raise Invalid(f"has {len(items)} positions; an array has at most 32 axes")
        positions: list[int] = []
        for n, item in enumerate(items, start=1):
            if isinstance(item, bool) or not isinstance(item, int):
                raise Invalid(
                    f"entry {n} is {describe(item)}; expected a whole number (a position "
                    "along that axis, negative from the end)"
                )
            if abs(item) > 2**62:
                raise Invalid(f"entry {n} is too large: {item}")
            positions.append(item)
        return tuple(positions)


class Titles(Option[tuple[str, ...]]):
    """A list of texts of at most ``limit`` characters each (``panel_titles``)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def validate(self, value: object) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise Invalid(f"expected a non-empty list of titles, got {describe(value)}")
        item = Text(self.limit)
        titles = []
        for n, title in enumerate(value, start=1):
            try:
                titles.append(item.validate(title))
            except YamlBool as exc:
                raise YamlBool(f"item {n}: {exc}", listed=True) from None
            except Invalid as exc:
                gap = " " if isinstance(exc, TooLong) else ": "
                raise Invalid(f"item {n}{gap}{exc}") from None
        return tuple(titles)


class Highlight(Option[tuple[str, ...]]):
    """One of ``choices`` or a list of them."""

    def __init__(self, choices: Sequence[str]) -> None:
        self.choices = tuple(choices)

    def validate(self, value: object) -> tuple[str, ...]:
        items = value if isinstance(value, list) else [value]
        for item in items:
            if item not in self.choices:
                raise Invalid(
                    f"unknown highlight {item!r}{suggest(str(item), self.choices)}; "
                    f"expected one of {', '.join(self.choices)}"
                )
        return tuple(str(item) for item in items)


FIGSIZE_PRESETS: dict[str, float] = {"column": 3.5, "page": 7.0}
"""Widths of a journal's text column and page, in inches: ``figsize: column``
fixes the width and leaves the height to the content (a height of 0)."""


class FigSize(Option[tuple[float, float]]):
    def validate(self, value: object) -> tuple[float, float]:
        if isinstance(value, str) and value in FIGSIZE_PRESETS:
            return FIGSIZE_PRESETS[value], 0.0
        if (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
            and all(0.5 <= v <= 30 for v in value)
        ):
            return float(value[0]), float(value[1])
        raise Invalid(
            "expected [width, height] in inches, each between 0.5 and 30, or column "
            f"(3.5 in wide) or page (7 in wide), got {value!r}"
        )


class SubtractRef(Option[Any]):
    """A second data source: a path, or a mapping of data keys.  The keys are
    asked for when checked: the table that names them is still being
    declared when this option is made."""

    def __init__(self, source_keys: Callable[[], Sequence[str]]) -> None:
        self.source_keys = source_keys

    def validate(self, value: object) -> Any:
        if isinstance(value, str) and value.strip():
            return value
        if isinstance(value, dict):
            _only_source_keys(value, self.source_keys(), "a data source")
            return value
        raise Invalid(f"expected a data file path or a mapping of data keys, got {describe(value)}")


MAX_STYLE_NAME = 1_000  # model.MAX_NAME, the limit of any name
"""Characters a style name or path may take; each folder or file name in a
path at most ``MAX_PATH_PART`` bytes (what file systems allow)."""
MAX_PATH_PART = 255


def check_style_name(style: str) -> None:
    """Refuse a style name or path longer than any file system takes, before
    it reaches one (which would say only "File name too long")."""
    if len(style) > MAX_STYLE_NAME:
        raise ConfigError(
            f"style name {q(style)} is too long: {len(style):,} characters, at most "
            f"{MAX_STYLE_NAME:,}"
        )
    for part in style.split("/"):
        if len(part.encode("utf-8", "surrogatepass")) > MAX_PATH_PART:
            raise ConfigError(
                f"style name {q(style)} is too long: {q(part)} takes "
                f"{len(part.encode('utf-8', 'surrogatepass')):,} bytes, and a file or folder "
                f"name at most {MAX_PATH_PART}"
            )


class StyleRef(Option[Any]):
    def validate(self, value: object) -> Any:
        if isinstance(value, str) and value.strip():
            try:
                check_style_name(value)
            except ConfigError as exc:
                raise Invalid(exc.message) from None
            return value
        if isinstance(value, dict):
            return value
        raise Invalid(
            f"expected a built-in style name, a .mplstyle path or a mapping of rcParams, "
            f"got {describe(value)}"
        )


# --------------------------------------------------------------------------
# Helpers the options share with the rest of the package.


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


def _label(item: object) -> str:
    if isinstance(item, float) and item.is_integer():
        return str(int(item))
    return str(item)


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _refuse_controls(text: str) -> None:
    """Control characters draw as boxes, break HTML and forge log lines.
    One regular-expression search: no Python loop over a long text."""
    found = _CONTROL.search(text)
    if found is not None:
        raise Invalid(f"holds the control character U+{ord(found[0]):04X}; remove it")
