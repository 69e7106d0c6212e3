"""What every parser shares: the parse context, cell and label conversion,
and the limits on cells and labels."""

from __future__ import annotations

import codecs
import math
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..errors import DataError
from ..messages import q
from ..model import MISSING, LabelledMatrix, Limits

if TYPE_CHECKING:
    from ..spec import HeatmapSpec

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Ctx:
    name: str  # the file as the user wrote it, or "the inline matrix"
    key: str  # the block key blamed for problems in the data itself
    limits: Limits
    fmt: str
    # A facet's panel keeps only the records whose facet column has this value.
    facet_value: str | None = None


def build_matrix(
    values: FloatArray, x: Sequence[str], y: Sequence[str], ctx: Ctx
) -> LabelledMatrix:
    rows, cols = values.shape
    if rows == 0 or cols == 0:
        raise DataError(f"{ctx.name} holds no values ({rows} rows, {cols} columns)", key=ctx.key)
    for axis, labels in (("column", x), ("row", y)):
        check_label_lengths(labels, f"{ctx.name}: {axis} label", ctx.key, ctx.limits)
    return LabelledMatrix(np.ascontiguousarray(values, dtype=np.float64), tuple(x), tuple(y))


def check_label_lengths(labels: Iterable[str], what: str, key: str, limits: Limits) -> None:
    limit = limits.max_label_length
    for label in labels:
        if len(label) > limit:
            raise DataError(
                f"{what} {q(label)} is {len(label):,} characters long; "
                f"labels may be at most {limit:,}",
                key=key,
            )


def check_cells(rows: int, cols: int, ctx: Ctx) -> None:
    limit = ctx.limits.max_cells
    if rows * cols > limit:
        raise DataError(
            f"{ctx.name} has {rows:,} x {cols:,} = {rows * cols:,} cells, "
            f"over the limit of {limit:,}{ctx.limits.cells_note}",
            key=ctx.key,
        )


def too_many_cells(ctx: Ctx) -> DataError:
    return DataError(
        f"{ctx.name} has more than {ctx.limits.max_cells:,} cells, over the limit"
        f"{ctx.limits.cells_note}",
        key=ctx.key,
    )


def numbered(n: int) -> list[str]:
    return [str(i) for i in range(n)]


def decode(content: bytes, ctx: Ctx) -> str:
    encoding = _wide_encoding(content)
    if encoding is not None:
        raise DataError(f"{ctx.name} is {encoding}; save it as UTF-8", key="data")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        raise DataError(
            f"{ctx.name} is not UTF-8 text (byte 0x{content[exc.start]:02x} on line {line}); "
            "save it as UTF-8",
            key="data",
        ) from None


_SAMPLE = 4096  # bytes enough to tell an encoding, read from the start


def _wide_encoding(content: bytes) -> str | None:
    """ "UTF-16 text" or "UTF-32 text" (with "without a byte-order mark"
    when it has none) when ``content`` is in one of them, else ``None``.

    UTF-8 has a NUL byte only for U+0000, which no text file holds; the
    wide encodings write ASCII-range text with a NUL in every other byte
    (UTF-16) or three of four (UTF-32).  UTF-32's little-endian mark starts
    with UTF-16's, so it is looked for first."""
    if content.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "UTF-32 text"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16 text"
    sample = content[:_SAMPLE]
    if b"\x00" not in sample:
        return None
    for width in (4, 2):
        usable = sample[: len(sample) - len(sample) % width]
        if len(usable) < 2 * width:
            continue
        lanes = [usable[i::width] for i in range(width)]
        # The lane that carries the characters: the first (little-endian) or
        # the last (big-endian); every other lane is (nearly) all NUL.
        for text_lane in (0, width - 1):
            others = [lane for i, lane in enumerate(lanes) if i != text_lane]
            mostly_nul = all(lane.count(0) >= 0.9 * len(lane) for lane in others)
            if mostly_nul and lanes[text_lane].count(0) <= 0.1 * len(lanes[text_lane]):
                return f"UTF-{8 * width} text without a byte-order mark"
    return None


BOOLEANS: ContextVar[bool] = ContextVar("mkdocs_heatmap_booleans", default=False)
"""Set while a ``mask`` file is read: its true/false cells are 1 and 0."""
_TRUTH = {"true": 1.0, "false": 0.0}


def text_number(text: str) -> float | None:
    """A stripped cell as a float, NaN when missing, None when not a number."""
    try:
        return float(text)
    except ValueError:
        if BOOLEANS.get() and text.lower() in _TRUTH:
            return _TRUTH[text.lower()]
        return math.nan if text.lower() in MISSING else None


def text_missing(text: str) -> bool:
    return text.lower() in MISSING


def value_number(value: object) -> float | None:
    """A JSON/YAML cell as a float, NaN when missing, None when not allowed."""
    if isinstance(value, bool):
        return float(value) if BOOLEANS.get() else None
    if isinstance(value, float):
        return value
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if value is None:
        return math.nan
    if isinstance(value, str) and value.strip().lower() in MISSING:
        return math.nan
    return None


def value_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and value.strip().lower() in MISSING


MAX_LABEL_DEPTH = 4  # pandas' MultiIndex labels are lists; nothing needs more


def value_label(value: object, ctx: Ctx, what: str, depth: int = 0) -> str:
    """A JSON/YAML scalar as label text; whole floats lose their ``.0`` like
    the block's own ``rows:``/``x_labels:`` do, so they match."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        # pandas writes MultiIndex labels as lists.
        if depth >= MAX_LABEL_DEPTH:
            raise DataError(
                f"{ctx.name}: a {what} nests lists more than {MAX_LABEL_DEPTH} deep", key="data"
            )
        parts: list[str] = []
        length = 0
        for item in value:
            parts.append(value_label(item, ctx, what, depth + 1))
            length += len(parts[-1]) + 3
            if length > ctx.limits.max_label_length + 3:
                raise DataError(
                    f"{ctx.name}: a {what} made of a list is longer than "
                    f"{ctx.limits.max_label_length:,} characters; labels may be at most that",
                    key="data",
                )
        return " / ".join(parts)
    if isinstance(value, dict):
        raise DataError(f"{ctx.name}: a {what} is a mapping, expected text or a number", key="data")
    return str(value).strip()


def describe_cell(value: object) -> str:
    if isinstance(value, str):
        return q(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (bytes, bytearray)):
        return "binary data"
    return q(str(value))


def kind(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"the single value {describe_cell(value)}"


# What a key needs, for blocks that set it on a format without it.
_NEEDS = {
    "key": ("'key' picks an array in an .npz file or a top-level key in JSON/YAML", "file"),
    "pivot": ("'pivot' needs a long table with named columns (CSV, TSV, JSON or YAML)", "array"),
}


def refuse(key: str, spec: HeatmapSpec, ctx: Ctx) -> None:
    """A ``DataError`` if the block sets ``key``, which this format cannot use."""
    if getattr(spec, key) is not None:
        needs, noun = _NEEDS[key]
        raise DataError(f"{needs}; {ctx.name} is a {ctx.fmt.upper()} {noun}", key=key)
