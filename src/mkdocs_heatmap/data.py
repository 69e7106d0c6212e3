"""Data files and inline matrices -> ``LabelledMatrix``.

This module finds a block's data file, reads it within the configured limits,
parses it (CSV, TSV, JSON, YAML, NPY, NPZ, optionally as a long table that is
pivoted) and applies the block's selection keys (``rows``, ``columns``,
``transpose``, ``x_labels``, ``y_labels``).  It knows nothing about MkDocs or
Markdown so every host (plugin, Markdown extension, tests) can use it as is.

Every problem a user can cause is raised as a one-line ``DataError`` naming
the file as the user wrote it and the block key at fault.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import itertools
import json
import math
import re
import stat
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt
import yaml

from .errors import DataError
from .model import DataRoots, LabelledMatrix, Limits

if TYPE_CHECKING:
    # Only for annotations: importing spec at run time would pull in MkDocs.
    from .spec import HeatmapSpec, Pivot

__all__ = [
    "DEFAULT_LIMITS",
    "FORMATS",
    "MISSING",
    "DataRoots",
    "Limits",
    "Source",
    "load_matrix",
    "matrix_to_csv",
    "parse_source",
    "read_source",
    "resolve_data_path",
]

FloatArray = npt.NDArray[np.float64]

FORMATS: tuple[str, ...] = ("csv", "tsv", "json", "yaml", "npy", "npz")
"""Every value ``data_format`` may take."""

_EXTENSIONS: Mapping[str, str] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".npy": "npy",
    ".npz": "npz",
}

MISSING: frozenset[str] = frozenset(
    {"", "nan", "-nan", "na", "n/a", "#n/a", "<na>", "null", "none"}
)
"""Cell texts (compared lower-cased) that mean a missing value.

The contract's ``""``, ``NaN``, ``nan``, ``null`` plus the spellings pandas,
R and spreadsheets write for a missing value.
"""

_AGGREGATES = ("mean", "median", "sum", "min", "max", "first", "count")


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Source:
    """A data file read into memory: its resolved path, bytes and format."""

    path: Path
    content: bytes
    fmt: str


# --------------------------------------------------------------------------
# Public API.


def resolve_data_path(ref: str, roots: DataRoots) -> Path:
    """Find the file a block's ``data`` names and check it may be read.

    A relative ``ref`` is looked up in the page's folder, then ``docs_dir``,
    then the project root, then each ``data_dirs`` entry; the first that
    exists wins.  A leading ``/`` means the project root.  The resolved file
    (symlinks followed) must lie inside the project root, ``docs_dir`` or a
    ``data_dirs`` entry.  Raises ``DataError`` (``key="data"``).
    """
    shown = _q(ref, 80)
    text = ref.strip()
    if not text:
        raise DataError("'data' is empty; it should name a data file", key="data")
    if "\x00" in text:
        raise DataError(f"data file {shown} contains a NUL character", key="data")
    if _WINDOWS_ABSOLUTE.match(text):
        raise DataError(
            f"data file {shown} is a Windows absolute path; give a path relative to the "
            "page, docs_dir or the project root, with '/' between folders "
            "(a leading '/' means the project root)",
            key="data",
        )
    project = _resolved(roots.project_root)
    if text.startswith("/"):
        folders: list[Path] = [roots.project_root]
        relative = text.lstrip("/")
    else:
        folders = []
        for folder in (roots.page_dir, roots.docs_dir, roots.project_root, *roots.data_dirs):
            if folder is not None and all(_resolved(folder) != _resolved(f) for f in folders):
                folders.append(folder)
        relative = text
    candidates = [folder / relative for folder in folders]
    found = next((c for c in candidates if _exists(c)), None)
    if found is None:
        raise DataError(_not_found(text, shown, folders, project), key="data")
    try:
        resolved = found.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise DataError(
            f"data file {shown} cannot be resolved: {_os_reason(exc)}", key="data"
        ) from None
    allowed = [project, _resolved(roots.docs_dir), *(_resolved(d) for d in roots.data_dirs)]
    if not any(resolved.is_relative_to(root) for root in allowed):
        raise DataError(
            f"data file {shown} resolves outside the project; data files must be inside "
            "the project folder or data_dir",
            key="data",
        )
    try:
        mode = resolved.stat().st_mode
    except OSError as exc:
        raise DataError(f"cannot read data file {shown}: {_os_reason(exc)}", key="data") from None
    if stat.S_ISDIR(mode):
        raise DataError(f"data file {shown} is a folder, not a file", key="data")
    if not stat.S_ISREG(mode):
        raise DataError(f"data file {shown} is not a regular file", key="data")
    return resolved


def read_source(
    spec: HeatmapSpec, roots: DataRoots, limits: Limits = DEFAULT_LIMITS
) -> Source | None:
    """Resolve and read the block's data file; ``None`` for an inline ``matrix``.

    The size limit is checked with ``stat()`` before a byte is read.
    """
    if spec.data is None:
        if spec.matrix is not None:
            return None
        raise DataError("the block needs 'data' (a file) or 'matrix' (inline rows)", key="data")
    path = resolve_data_path(spec.data, roots)
    shown = _q(spec.data, 80)
    fmt = _format_of(spec, spec.data)
    limit = limits.max_file_bytes
    try:
        size = path.stat().st_size
        if size > limit:
            raise DataError(
                f"data file {shown} is {_size(size)}, over the limit of {_size(limit)}",
                key="data",
            )
        with path.open("rb") as fh:
            # One byte more than allowed tells a file that grew since stat().
            content = fh.read(limit + 1)
    except OSError as exc:
        raise DataError(f"cannot read data file {shown}: {_os_reason(exc)}", key="data") from None
    if len(content) > limit:
        raise DataError(f"data file {shown} is over the limit of {_size(limit)}", key="data")
    return Source(path=path, content=content, fmt=fmt)


def parse_source(
    spec: HeatmapSpec, source: Source | None, limits: Limits = DEFAULT_LIMITS
) -> LabelledMatrix:
    """Turn a read data file (or the inline ``matrix`` when ``source`` is None)
    into the matrix to plot, after pivot, selection, transpose and labels."""
    if source is None:
        if spec.matrix is None:
            raise DataError("the block needs 'data' (a file) or 'matrix' (inline rows)", key="data")
        ctx = _Ctx("the inline matrix", "matrix", limits, "matrix")
        base = _inline(spec.matrix, ctx)
    else:
        name = _one_line(spec.data if spec.data is not None else source.path.name)
        ctx = _Ctx(name, "data", limits, source.fmt)
        parser = _PARSERS.get(source.fmt)
        if parser is None:
            raise DataError(
                f"{name}: unknown data format {_q(source.fmt)}; "
                f"data_format is one of {', '.join(FORMATS)}",
                key="data_format",
            )
        base = parser(spec, source.content, ctx)
    return _finish(spec, base, ctx)


def load_matrix(
    spec: HeatmapSpec, roots: DataRoots, limits: Limits = DEFAULT_LIMITS
) -> LabelledMatrix:
    """``read_source`` then ``parse_source``."""
    return parse_source(spec, read_source(spec, roots, limits), limits)


def facet_values(spec: HeatmapSpec, source: Source, limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """The values of the ``facet`` column of a tidy CSV/TSV, in order of first
    appearance (one panel each)."""
    assert spec.facet is not None
    if source.fmt not in ("csv", "tsv"):
        raise DataError(
            f"'facet' works with tidy CSV or TSV files; {_q(spec.data or '')} is {source.fmt}",
            key="facet",
        )
    ctx = _Ctx(_q(spec.data or ""), "data", limits, source.fmt)
    rows, _lines = _read_rows(
        _decode(source.content, ctx), "\t" if source.fmt == "tsv" else ",", ctx
    )
    if not rows or not spec.header:
        raise DataError(f"'facet' needs a header row naming the columns of {ctx.name}", key="facet")
    try:
        column = _pivot_column(rows[0], spec.facet, "facet", ctx)
    except DataError as exc:
        raise DataError(exc.message.replace("pivot facet:", "'facet':"), key="facet") from None
    seen: dict[str, None] = {}
    for row in rows[1:]:
        if column < len(row) and row[column].strip():
            seen.setdefault(row[column].strip(), None)
    if not seen:
        raise DataError(f"{ctx.name}: the facet column {_q(spec.facet)} is empty", key="facet")
    return list(seen)


def matrix_to_csv(m: LabelledMatrix) -> str:
    """The matrix as the ``download`` CSV.

    First row: an empty cell, then the column labels; then one row per row
    label: the label, then its values.  Missing cells are empty.  Values are
    written with ``repr(float)``, the shortest text that reads back to the
    same float, so whole numbers appear as ``1.0`` and infinities as ``inf``
    and ``-inf``.  Lines end with ``\\n``.  ``parse_source`` reads the text
    back to the same matrix.
    """
    out = io.StringIO()
    line = io.StringIO()
    # The csv module quotes a field holding '\r' only when '\r' is part of the
    # line terminator, so each row is written with '\r\n' and re-ended.
    writer = csv.writer(line, lineterminator="\r\n")

    def write(row: Iterable[str]) -> None:
        line.seek(0)
        line.truncate()
        writer.writerow(row)
        out.write(line.getvalue()[:-2] + "\n")

    write(["", *m.x_labels])
    for label, row in zip(m.y_labels, m.values.tolist(), strict=True):
        write([label, *("" if math.isnan(v) else repr(float(v)) for v in row)])
    return out.getvalue()


# --------------------------------------------------------------------------
# Paths.

_WINDOWS_ABSOLUTE = re.compile(r"^(?:[A-Za-z]:|\\)")


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _not_found(text: str, shown: str, folders: Sequence[Path], project: Path) -> str:
    where = _join_words([_show_folder(f, project) for f in folders])
    message = f"data file {shown} not found; looked in {where}"
    suggestion = _suggest_file(text, folders)
    if suggestion:
        message += f" (did you mean {_q(suggestion, 80)}?)"
    if text.startswith("/"):
        message += "; a leading '/' means the project root, not the file system root"
    elif "\\" in text:
        message += "; use '/' between folders"
    return message


def _show_folder(folder: Path, project: Path) -> str:
    resolved = _resolved(folder)
    try:
        relative = resolved.relative_to(project)
    except ValueError:
        return f"{resolved.as_posix()}/"
    return "the project root" if relative == Path() else f"{relative.as_posix()}/"


def _suggest_file(text: str, folders: Sequence[Path]) -> str | None:
    """A close file name next to where the file was expected, for typos."""
    pure = PurePosixPath(text.lstrip("/"))
    if ".." in pure.parts:
        return None  # never list folders that may lie outside the project
    for folder in folders:
        parent = folder / pure.parent
        try:
            names = [p.name for p in itertools.islice(parent.iterdir(), 2000)]
        except (OSError, ValueError):
            continue
        close = difflib.get_close_matches(pure.name, names, n=1, cutoff=0.75)
        if close:
            prefix = "/" if text.startswith("/") else ""
            return prefix + str(pure.with_name(close[0]))
    return None


def _format_of(spec: HeatmapSpec, ref: str) -> str:
    chosen: str | None = spec.data_format
    if chosen is not None:
        if chosen not in FORMATS:
            raise DataError(
                f"unknown data_format {_q(chosen)}; use one of {', '.join(FORMATS)}",
                key="data_format",
            )
        return chosen
    suffix = PurePosixPath(ref.strip().replace("\\", "/")).suffix.lower()
    fmt = _EXTENSIONS.get(suffix)
    if fmt is None:
        known = ", ".join(sorted(_EXTENSIONS))
        what = f"extension {_q(suffix)}" if suffix else "no extension"
        raise DataError(
            f"cannot tell the format of data file {_q(ref, 80)} ({what}); known extensions "
            f"are {known}, or set data_format to one of {', '.join(FORMATS)}",
            key="data",
        )
    return fmt


# --------------------------------------------------------------------------
# Shared parsing helpers.


@dataclass(frozen=True)
class _Ctx:
    name: str  # the file as the user wrote it, or "the inline matrix"
    key: str  # the block key blamed for problems in the data itself
    limits: Limits
    fmt: str


def _build(values: FloatArray, x: Sequence[str], y: Sequence[str], ctx: _Ctx) -> LabelledMatrix:
    rows, cols = values.shape
    if rows == 0 or cols == 0:
        raise DataError(f"{ctx.name} holds no values ({rows} rows, {cols} columns)", key=ctx.key)
    for axis, labels in (("column", x), ("row", y)):
        _check_label_lengths(labels, f"{ctx.name}: {axis} label", ctx.key, ctx.limits)
    return LabelledMatrix(np.ascontiguousarray(values, dtype=np.float64), tuple(x), tuple(y))


def _check_label_lengths(labels: Iterable[str], what: str, key: str, limits: Limits) -> None:
    limit = limits.max_label_length
    for label in labels:
        if len(label) > limit:
            raise DataError(
                f"{what} {_q(label)} is {len(label):,} characters long; "
                f"labels may be at most {limit:,}",
                key=key,
            )


def _check_cells(rows: int, cols: int, ctx: _Ctx) -> None:
    limit = ctx.limits.max_cells
    if rows * cols > limit:
        raise DataError(
            f"{ctx.name} has {rows:,} x {cols:,} = {rows * cols:,} cells, "
            f"over the limit of {limit:,}",
            key=ctx.key,
        )


def _too_many_cells(ctx: _Ctx) -> DataError:
    return DataError(
        f"{ctx.name} has more than {ctx.limits.max_cells:,} cells, over the limit",
        key=ctx.key,
    )


def _numbered(n: int) -> list[str]:
    return [str(i) for i in range(n)]


def _decode(content: bytes, ctx: _Ctx) -> str:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError(f"{ctx.name} is UTF-16 text; save it as UTF-8", key="data")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        raise DataError(
            f"{ctx.name} is not UTF-8 text (byte 0x{content[exc.start]:02x} on line {line}); "
            "save it as UTF-8",
            key="data",
        ) from None


def _text_number(text: str) -> float | None:
    """A stripped cell as a float, NaN when missing, None when not a number."""
    try:
        return float(text)
    except ValueError:
        return math.nan if text.lower() in MISSING else None


def _text_missing(text: str) -> bool:
    return text.lower() in MISSING


def _value_number(value: object) -> float | None:
    """A JSON/YAML cell as a float, NaN when missing, None when not allowed."""
    if isinstance(value, bool):
        return None
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


def _value_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and value.strip().lower() in MISSING


def _value_label(value: object, ctx: _Ctx, what: str) -> str:
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
        return " / ".join(_value_label(v, ctx, what) for v in value)
    if isinstance(value, dict):
        raise DataError(f"{ctx.name}: a {what} is a mapping, expected text or a number", key="data")
    return str(value).strip()


def _describe(value: object) -> str:
    if isinstance(value, str):
        return _q(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (bytes, bytearray)):
        return "binary data"
    return _q(str(value))


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"the single value {_describe(value)}"


# --------------------------------------------------------------------------
# CSV / TSV.


def _parse_csv(spec: HeatmapSpec, content: bytes, ctx: _Ctx) -> LabelledMatrix:
    return _parse_delimited(spec, content, ctx, ",")


def _parse_tsv(spec: HeatmapSpec, content: bytes, ctx: _Ctx) -> LabelledMatrix:
    return _parse_delimited(spec, content, ctx, "\t")


def _parse_delimited(
    spec: HeatmapSpec, content: bytes, ctx: _Ctx, delimiter: str
) -> LabelledMatrix:
    _refuse_key(spec, ctx)
    rows, lines = _read_rows(_decode(content, ctx), delimiter, ctx)
    if not rows:
        raise DataError(f"{ctx.name} is empty", key="data")
    header: list[str] | None = None
    data, data_lines = rows, lines
    if spec.header:
        header, data, data_lines = rows[0], rows[1:], lines[1:]
        if not data:
            raise DataError(f"{ctx.name} has a header row but no data rows", key="data")
        # R's write.table leaves out the header cell above the row labels.
        if spec.index is not False and all(len(r) == len(header) + 1 for r in data):
            header = ["", *header]
    width = len(header) if header is not None else len(data[0])
    for row, line in zip(data, data_lines, strict=True):
        if len(row) != width:
            first = f"the header (line {lines[0]})" if header is not None else f"line {lines[0]}"
            raise DataError(
                f"{ctx.name}: line {line} has {len(row)} cells but {first} has {width}; "
                "every row needs the same number of cells",
                key="data",
            )
    if spec.pivot is not None:
        columns = header if header is not None else _numbered(width)
        records = ((row, f"line {line}") for row, line in zip(data, data_lines, strict=True))
        if spec.facet is not None and spec.facet_value is not None:
            fc = _pivot_column(columns, spec.facet, "facet", ctx)
            records = ((r, w) for r, w in records if r[fc].strip() == spec.facet_value)
        return _pivot(
            columns, records, _text_label, _text_number_of, _text_missing_of, spec.pivot, ctx
        )
    return _delimited_matrix(spec, header, data, data_lines, width, ctx, delimiter)


def _read_rows(text: str, delimiter: str, ctx: _Ctx) -> tuple[list[list[str]], list[int]]:
    """Non-blank rows of stripped cells, with the line each starts on."""
    limit = ctx.limits.max_cells

    def physical_lines() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            # One line with more cells than the whole budget cannot fit; stop
            # before the csv module builds a list of millions of strings.
            if line.count(delimiter) > limit:
                raise _too_many_cells(ctx)
            yield line

    reader = csv.reader(physical_lines(), delimiter=delimiter, skipinitialspace=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for raw in reader:
            if raw and (len(raw) > 1 or raw[0].strip()):
                rows.append([cell.strip() for cell in raw])
                lines.append(start)
                # A lower bound of the values whatever header/index turn out to
                # be (a lone label column is an error anyway).
                if (len(rows) - 1) * max(len(rows[0]) - 1, 1) > limit:
                    raise _too_many_cells(ctx)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataError(
            f"{ctx.name}: line {reader.line_num}: cannot read it as {ctx.fmt.upper()}: "
            f"{_one_line(str(exc))}",
            key="data",
        ) from None
    return rows, lines


def _delimited_matrix(
    spec: HeatmapSpec,
    header: list[str] | None,
    data: list[list[str]],
    data_lines: list[int],
    width: int,
    ctx: _Ctx,
    delimiter: str,
) -> LabelledMatrix:
    index = spec.index
    if index == "auto":
        index = (header is not None and header[0] == "") or not all(
            _text_number(row[0]) is not None for row in data
        )
    first = 1 if index else 0
    if width - first == 0:
        raise DataError(
            f"{ctx.name} has no value columns: its only column holds row labels", key="data"
        )
    x_labels = header[first:] if header is not None else _numbered(width - first)
    y_labels = [row[0] for row in data] if index else _numbered(len(data))
    _check_cells(len(data), width - first, ctx)
    values: list[list[float]] = []
    for i, row in enumerate(data):
        numbers = [_text_number(cell) for cell in row[first:]]
        if None in numbers:
            j = numbers.index(None)
            cell = row[first + j]
            raise DataError(
                f"{ctx.name}: line {data_lines[i]}, row {_q(y_labels[i])}, column "
                f"{_q(x_labels[j])}: {_q(cell)} is not a number"
                f"{_delimiter_hint(cell, width, delimiter)}",
                key="data",
            )
        values.append(cast(list[float], numbers))
    return _build(np.array(values, dtype=np.float64), x_labels, y_labels, ctx)


def _delimiter_hint(cell: str, width: int, delimiter: str) -> str:
    if width > 2:
        return ""
    if delimiter == "," and "\t" in cell:
        return " (the values seem to be separated by tabs: set data_format: tsv)"
    if delimiter == "\t" and "," in cell:
        return " (the values seem to be separated by commas: set data_format: csv)"
    if ";" in cell:
        sep = "commas" if delimiter == "," else "tabs"
        return f" (the values seem to be separated by ';'; the file must use {sep})"
    return ""


def _text_label(text: object) -> str | None:
    return str(text) or None


def _text_number_of(text: object) -> float | None:
    return _text_number(str(text))


def _text_missing_of(text: object) -> bool:
    return _text_missing(str(text))


def _refuse_key(spec: HeatmapSpec, ctx: _Ctx) -> None:
    if spec.key is not None:
        raise DataError(
            f"'key' picks an array in an .npz file or a top-level key in JSON/YAML; "
            f"{ctx.name} is a {ctx.fmt.upper()} file",
            key="key",
        )


# --------------------------------------------------------------------------
# JSON / YAML.


def _parse_json(spec: HeatmapSpec, content: bytes, ctx: _Ctx) -> LabelledMatrix:
    text = _decode(content, ctx)
    try:
        obj: object = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{ctx.name} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            key="data",
        ) from None
    except RecursionError:
        raise DataError(f"{ctx.name} is not usable JSON: nested too deeply", key="data") from None
    except ValueError as exc:
        raise DataError(
            f"{ctx.name} is not usable JSON: {_one_line(str(exc))}", key="data"
        ) from None
    return _structured(spec, obj, ctx)


# The C loader is the same safe loader (SafeConstructor), only much faster on
# large files; the pure-Python SafeLoader is the fallback without libyaml.
_YAML_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)


def _parse_yaml(spec: HeatmapSpec, content: bytes, ctx: _Ctx) -> LabelledMatrix:
    text = _decode(content, ctx)
    try:
        obj: object = yaml.load(text, Loader=_YAML_LOADER)  # a safe loader, see above
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = _one_line(exc.problem or exc.context or "invalid YAML")
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise DataError(f"{ctx.name} is not valid YAML: {problem}{where}", key="data") from None
    except RecursionError:
        raise DataError(f"{ctx.name} is not usable YAML: nested too deeply", key="data") from None
    except Exception as exc:
        # Constructors of plain scalars (dates, huge integers) raise ValueError
        # and friends; any such failure is the file's fault, not a crash.
        raise DataError(
            f"{ctx.name} is not usable YAML: {_one_line(str(exc)) or type(exc).__name__}",
            key="data",
        ) from None
    return _structured(spec, obj, ctx)


def _structured(spec: HeatmapSpec, obj: object, ctx: _Ctx) -> LabelledMatrix:
    if spec.key is not None:
        obj = _select_key(obj, spec.key, ctx)
    if spec.pivot is not None:
        return _structured_pivot(obj, spec.pivot, ctx)
    if isinstance(obj, list):
        if obj and all(isinstance(item, dict) for item in obj):
            return _records_matrix(obj, ctx)
        return _rows_matrix(obj, None, None, ctx, ("", ""))
    if isinstance(obj, dict):
        if obj and all(isinstance(v, dict) for v in obj.values()):
            if all(_is_scalar(c) for v in obj.values() for c in v.values()):
                return _columns_matrix(obj, ctx)
        elif "values" in obj:
            _check_label_keys(obj, ("x_labels", "y_labels"), ctx)
            return _rows_matrix(
                obj["values"], obj.get("x_labels"), obj.get("y_labels"), ctx,
                ("x_labels", "y_labels"),
            )  # fmt: skip
        elif "data" in obj:
            return _rows_matrix(
                obj["data"], obj.get("columns"), obj.get("index"), ctx, ("columns", "index")
            )
        keys = [_value_label(k, ctx, "key") for k in obj]
        nested = [k for k, v in zip(keys, obj.values(), strict=True) if isinstance(v, (list, dict))]
        hint = f"; set 'key' to one of {quoted_list(nested)}" if nested and spec.key is None else ""
        raise DataError(
            f"{ctx.name}: a mapping with keys {quoted_list(keys)} is not a matrix; expected a "
            "list of rows, {values, x_labels, y_labels} or pandas' split form "
            f"{{columns, index, data}}{hint}",
            key="key" if hint else "data",
        )
    raise DataError(f"{ctx.name} holds {_kind(obj)}, not a matrix", key="data")


def _select_key(obj: object, key: str, ctx: _Ctx) -> object:
    if not isinstance(obj, dict):
        raise DataError(
            f"'key' needs a mapping at the top of {ctx.name}, but it holds {_kind(obj)}",
            key="key",
        )
    by_label: dict[str, object] = {}
    for k, v in obj.items():
        by_label.setdefault(_value_label(k, ctx, "key"), v)
    if key.strip() in by_label:
        return by_label[key.strip()]
    raise DataError(
        f"{ctx.name} has no top-level key {_q(key)}{_suggest(key, list(by_label))}; "
        f"its keys are {quoted_list(list(by_label))}",
        key="key",
    )


def _check_label_keys(obj: Mapping[object, object], expected: Sequence[str], ctx: _Ctx) -> None:
    """Catch ``x_label:`` and friends instead of silently numbering the ticks."""
    present = [k for k in obj if isinstance(k, str)]
    for key in present:
        if key in expected or key == "values":
            continue
        close = difflib.get_close_matches(key, [e for e in expected if e not in obj], 1, 0.8)
        if close:
            raise DataError(
                f"{ctx.name}: unknown key {_q(key)} next to 'values' (did you mean "
                f"{_q(close[0])}?)",
                key="data",
            )


def _is_scalar(value: object) -> bool:
    return not isinstance(value, (list, dict))


def _rows_matrix(
    rows: object,
    x_raw: object,
    y_raw: object,
    ctx: _Ctx,
    label_keys: tuple[str, str],
) -> LabelledMatrix:
    if not isinstance(rows, list):
        raise DataError(f"{ctx.name}: the values are {_kind(rows)}, not a list of rows", key="data")
    if not rows:
        raise DataError(f"{ctx.name} holds an empty list of rows", key="data")
    if all(_is_scalar(item) for item in rows):
        rows = [rows]  # a flat list is one row, as a 1-D array is
    width = len(rows[0]) if isinstance(rows[0], list) else 0
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, list):
            raise DataError(
                f"{ctx.name}: row {i} is {_kind(row)}; every row must be a list of numbers",
                key="data",
            )
        if len(row) != width:
            raise DataError(
                f"{ctx.name}: row {i} has {len(row)} values but row 1 has {width}", key="data"
            )
    _check_cells(len(rows), width, ctx)
    x_labels = _file_labels(x_raw, width, "columns", label_keys[0], ctx)
    y_labels = _file_labels(y_raw, len(rows), "rows", label_keys[1], ctx)
    values = np.empty((len(rows), width), dtype=np.float64)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            values[i, j] = _cell_number(cell, f"row {_q(y_labels[i])}", x_labels[j], ctx)
    return _build(values, x_labels, y_labels, ctx)


def _cell_number(cell: object, where: str, column: str, ctx: _Ctx) -> float:
    number = _value_number(cell)
    if number is None:
        raise DataError(
            f"{ctx.name}: {where}, column {_q(column)}: {_describe(cell)} is not a number or null",
            key="data",
        )
    return number


def _file_labels(raw: object, count: int, axis: str, name: str, ctx: _Ctx) -> list[str]:
    if raw is None:
        return _numbered(count)
    if not isinstance(raw, list):
        raise DataError(f"{ctx.name}: '{name}' is {_kind(raw)}, expected a list", key="data")
    if len(raw) != count:
        raise DataError(
            f"{ctx.name}: '{name}' has {len(raw)} labels but the matrix has {count} {axis}",
            key="data",
        )
    return [_value_label(v, ctx, "label") for v in raw]


def _records_matrix(records: list[object], ctx: _Ctx) -> LabelledMatrix:
    """pandas ``orient="records"``: one mapping per row, keys are columns."""
    keys = _record_keys(records)
    _check_cells(len(records), len(keys), ctx)
    x_labels = [_value_label(k, ctx, "column name") for k in keys]
    y_labels = _numbered(len(records))
    values = np.full((len(records), len(keys)), np.nan)
    for i, record in enumerate(records):
        assert isinstance(record, dict)
        for j, key in enumerate(keys):
            values[i, j] = _cell_number(record.get(key), f"record {i + 1}", x_labels[j], ctx)
    return _build(values, x_labels, y_labels, ctx)


def _columns_matrix(obj: Mapping[object, object], ctx: _Ctx) -> LabelledMatrix:
    """pandas' default ``to_json()`` (``orient="columns"``): {column: {row: value}}."""
    inner = [v for v in obj.values() if isinstance(v, dict)]
    row_keys = _record_keys(inner)
    _check_cells(len(row_keys), len(obj), ctx)
    x_labels = [_value_label(k, ctx, "column name") for k in obj]
    y_labels = [_value_label(k, ctx, "row name") for k in row_keys]
    position = {k: i for i, k in enumerate(row_keys)}
    values = np.full((len(row_keys), len(obj)), np.nan)
    for j, column in enumerate(inner):
        for key, cell in column.items():
            number = _value_number(cell)
            if number is None:
                i = position[key]
                raise DataError(
                    f"{ctx.name}: row {_q(y_labels[i])}, column {_q(x_labels[j])}: "
                    f"{_describe(cell)} is not a number or null",
                    key="data",
                )
            values[position[key], j] = number
    return _build(values, x_labels, y_labels, ctx)


def _record_keys(records: Iterable[object]) -> list[object]:
    seen: dict[object, None] = {}
    for record in records:
        if isinstance(record, dict):
            for key in record:
                seen.setdefault(key, None)
    return list(seen)


def _structured_pivot(obj: object, pivot: Pivot, ctx: _Ctx) -> LabelledMatrix:
    if isinstance(obj, dict) and isinstance(obj.get("data"), list) and "columns" in obj:
        columns_raw = obj["columns"]
        if not isinstance(columns_raw, list):
            raise DataError(f"{ctx.name}: 'columns' is {_kind(columns_raw)}", key="data")
        columns = [_value_label(c, ctx, "column name") for c in columns_raw]
        rows = obj["data"]
        assert isinstance(rows, list)
        table: list[tuple[Sequence[object], str]] = []
        for i, row in enumerate(rows, start=1):
            if not isinstance(row, list) or len(row) != len(columns):
                raise DataError(
                    f"{ctx.name}: row {i} of 'data' does not have {len(columns)} cells",
                    key="data",
                )
            table.append((row, f"row {i}"))
        return _pivot(
            columns, iter(table), _object_label(ctx), _value_number, _value_missing, pivot, ctx
        )
    if not isinstance(obj, list) or not all(isinstance(r, dict) for r in obj):
        raise DataError(
            f"'pivot' needs a long table: a list of records (one mapping per row) or "
            f"pandas' split form; {ctx.name} holds {_kind(obj)}"
            + ("" if not isinstance(obj, list) else " that is not a list of mappings"),
            key="pivot",
        )
    keys = _record_keys(obj)
    columns = [_value_label(k, ctx, "column name") for k in keys]
    records = (
        ([r.get(k) for k in keys], f"record {i}")
        for i, r in enumerate(obj, start=1)
        if isinstance(r, dict)
    )
    return _pivot(columns, records, _object_label(ctx), _value_number, _value_missing, pivot, ctx)


def _object_label(ctx: _Ctx) -> Callable[[object], str | None]:
    def label(value: object) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return _value_label(value, ctx, "category")

    return label


# --------------------------------------------------------------------------
# Pivot (long table -> matrix).


def _pivot(
    columns: Sequence[str],
    records: Iterator[tuple[Sequence[object], str]],
    as_label: Callable[[object], str | None],
    as_number: Callable[[object], float | None],
    is_missing: Callable[[object], bool],
    pivot: Pivot,
    ctx: _Ctx,
) -> LabelledMatrix:
    if pivot.agg not in _AGGREGATES:
        raise DataError(
            f"unknown pivot agg {_q(pivot.agg)}; use one of {', '.join(_AGGREGATES)}",
            key="pivot",
        )
    xc = _pivot_column(columns, pivot.x, "x", ctx)
    yc = _pivot_column(columns, pivot.y, "y", ctx)
    vc = _pivot_column(columns, pivot.value, "value", ctx)
    count = pivot.agg == "count"
    xs: dict[str, int] = {}
    ys: dict[str, int] = {}
    cells: dict[tuple[int, int], list[float]] = {}
    for record, where in records:
        x, y = as_label(record[xc]), as_label(record[yc])
        if x is None or y is None:
            continue  # like pandas: a record without a category has no cell
        raw = record[vc]
        # count needs no numbers: it counts the values that are present.
        number = (math.nan if is_missing(raw) else 1.0) if count else as_number(raw)
        if number is None:
            raise DataError(
                f"{ctx.name}: {where}, column {_q(columns[vc])}: {_describe(raw)} is not a number",
                key="data",
            )
        xi = xs.setdefault(x, len(xs))
        yi = ys.setdefault(y, len(ys))
        if len(xs) * len(ys) > ctx.limits.max_cells:
            raise _too_many_cells(ctx)
        cells.setdefault((yi, xi), []).append(number)
    if not cells:
        raise DataError(
            f"{ctx.name} has no records with both {_q(pivot.x)} and {_q(pivot.y)} filled in",
            key="data",
        )
    values = np.full((len(ys), len(xs)), np.nan)
    for (yi, xi), numbers in cells.items():
        values[yi, xi] = _aggregate(numbers, pivot.agg)
    return _build(values, list(xs), list(ys), ctx)


def _pivot_column(columns: Sequence[str], wanted: str, role: str, ctx: _Ctx) -> int:
    wanted = wanted.strip()
    try:
        return list(columns).index(wanted)
    except ValueError:
        raise DataError(
            f"pivot {role}: {ctx.name} has no column {_q(wanted)}"
            f"{_suggest(wanted, columns)}; its columns are {quoted_list(columns)}",
            key="pivot",
        ) from None


def _aggregate(numbers: list[float], agg: str) -> float:
    """Combine one cell's values; missing values are skipped.

    A cell whose values are all missing is NaN (for ``count``: 0), so ``sum``
    of nothing is "no data", not 0.
    """
    present = [v for v in numbers if not math.isnan(v)]
    if agg == "count":
        return float(len(present))
    if not present:
        return math.nan
    if agg == "first" or len(present) == 1:
        return present[0]
    if agg == "min":
        return min(present)
    if agg == "max":
        return max(present)
    array = np.asarray(present, dtype=np.float64)
    # inf - inf and overflow are legitimate NaN/inf results here, not bugs.
    with np.errstate(all="ignore"):
        if agg == "sum":
            return float(np.sum(array))
        if agg == "mean":
            return float(np.mean(array))
        return float(np.median(array))


# --------------------------------------------------------------------------
# NPY / NPZ.


def _parse_npy(spec: HeatmapSpec, content: bytes, ctx: _Ctx) -> LabelledMatrix:
    _refuse_pivot(spec, ctx)
    _refuse_key(spec, ctx)
    header = io.BytesIO(content)
    _check_npy_header(header, ctx, "")
    try:
        array = np.load(io.BytesIO(content), allow_pickle=False)
    except Exception as exc:
        raise _npy_failure(exc, ctx, "") from None
    return _array_matrix(array, ctx, "")


def _parse_npz(spec: HeatmapSpec, content: bytes, ctx: _Ctx) -> LabelledMatrix:
    _refuse_pivot(spec, ctx)
    if content.startswith(b"\x93NUMPY"):
        # A lone array saved with an .npz name still has one obvious meaning.
        if spec.key is not None:
            raise DataError(
                f"{ctx.name} is a single .npy array, so there is no array {_q(spec.key)} "
                "to pick with 'key'",
                key="key",
            )
        return _parse_npy(spec, content, ctx)
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise DataError(
            f"{ctx.name} is not a valid .npz file: {_one_line(str(exc))}", key="data"
        ) from None
    with archive:
        names = [n[: -len(".npy")] for n in archive.namelist() if n.endswith(".npy")]
        name = _npz_member(names, spec.key, ctx)
        what = f" array {_q(name)}"
        try:
            with archive.open(f"{name}.npy") as member:
                _check_npy_header(member, ctx, what)
            loaded = np.load(io.BytesIO(content), allow_pickle=False)
            with loaded as npz:
                array = npz[name]
        except DataError:
            raise
        except Exception as exc:
            raise _npy_failure(exc, ctx, what) from None
    return _array_matrix(array, ctx, what)


def _npz_member(names: list[str], key: str | None, ctx: _Ctx) -> str:
    if key is not None:
        if key in names:
            return key
        raise DataError(
            f"{ctx.name} has no array {_q(key)}{_suggest(key, names)}; its arrays are "
            f"{quoted_list(names) if names else 'none'}",
            key="key",
        )
    if len(names) == 1:
        return names[0]
    if not names:
        raise DataError(f"{ctx.name} holds no arrays", key="data")
    raise DataError(
        f"{ctx.name} holds {len(names)} arrays ({quoted_list(names)}); "
        "set 'key' to the one to plot",
        key="key",
    )


def _check_npy_header(fp: IO[bytes], ctx: _Ctx, what: str) -> None:
    """Refuse object arrays, bad shapes and oversize arrays before loading."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(fp)
        if version == (1, 0):
            shape, _, dtype = fmt.read_array_header_1_0(fp)
        elif version == (2, 0):
            shape, _, dtype = fmt.read_array_header_2_0(fp)
        else:
            return  # newer headers: np.load checks them, the array is checked after
    except Exception as exc:
        raise _npy_failure(exc, ctx, what) from None
    _check_array(shape, dtype, ctx, what)


def _check_array(shape: tuple[int, ...], dtype: np.dtype[Any], ctx: _Ctx, what: str) -> None:
    if dtype.hasobject:
        raise DataError(
            f"{ctx.name}{what} holds Python objects; pickled/object arrays are refused "
            "because loading them could run code (save a numeric array instead)",
            key="data",
        )
    if dtype.kind not in "biuf":
        raise DataError(f"{ctx.name}{what} holds {dtype} values, not real numbers", key="data")
    if len(shape) == 0:
        raise DataError(f"{ctx.name}{what} is a single number, not a matrix", key="data")
    if len(shape) > 2:
        shown = " x ".join(str(n) for n in shape)
        raise DataError(
            f"{ctx.name}{what} is a {len(shape)}-D array ({shown}); only 1-D and 2-D arrays "
            "can be drawn",
            key="data",
        )
    rows, cols = (1, shape[0]) if len(shape) == 1 else (shape[0], shape[1])
    _check_cells(rows, cols, ctx)


def _npy_failure(exc: Exception, ctx: _Ctx, what: str) -> DataError:
    reason = _one_line(str(exc)) or type(exc).__name__
    if "pickle" in reason.lower() or "object arrays" in reason.lower():
        return DataError(
            f"{ctx.name}{what} holds pickled Python objects; pickled/object arrays are "
            "refused because loading them could run code",
            key="data",
        )
    kind = "." + ctx.fmt
    return DataError(f"{ctx.name}{what} is not a valid {kind} array: {reason}", key="data")


def _array_matrix(array: object, ctx: _Ctx, what: str) -> LabelledMatrix:
    if not isinstance(array, np.ndarray):
        raise DataError(f"{ctx.name}{what} is not an array", key="data")
    _check_array(array.shape, array.dtype, ctx, what)
    matrix = array.reshape(1, -1) if array.ndim == 1 else array
    values = matrix.astype(np.float64)
    rows, cols = values.shape
    return _build(values, _numbered(cols), _numbered(rows), ctx)


def _refuse_pivot(spec: HeatmapSpec, ctx: _Ctx) -> None:
    if spec.pivot is not None:
        raise DataError(
            f"'pivot' needs a long table with named columns (CSV, TSV, JSON or YAML); "
            f"{ctx.name} is a {ctx.fmt.upper()} array",
            key="pivot",
        )


_PARSERS: Mapping[str, Callable[[HeatmapSpec, bytes, _Ctx], LabelledMatrix]] = {
    "csv": _parse_csv,
    "tsv": _parse_tsv,
    "json": _parse_json,
    "yaml": _parse_yaml,
    "npy": _parse_npy,
    "npz": _parse_npz,
}


# --------------------------------------------------------------------------
# Inline matrix, selection, transpose, labels.


def _inline(matrix: Sequence[Sequence[float]], ctx: _Ctx) -> LabelledMatrix:
    rows = len(matrix)
    cols = len(matrix[0]) if rows else 0
    if any(len(row) != cols for row in matrix):
        raise DataError("the inline matrix has rows of different lengths", key="matrix")
    _check_cells(rows, cols, ctx)
    values = np.array(matrix, dtype=np.float64).reshape(rows, cols)
    return _build(values, _numbered(cols), _numbered(rows), ctx)


def _finish(spec: HeatmapSpec, m: LabelledMatrix, ctx: _Ctx) -> LabelledMatrix:
    values = m.values
    x_labels, y_labels = list(m.x_labels), list(m.y_labels)
    if spec.rows is not None:
        picked = _pick(spec.rows, y_labels, "rows", "row", ctx)
        values, y_labels = values[picked, :], [y_labels[i] for i in picked]
    if spec.columns is not None:
        picked = _pick(spec.columns, x_labels, "columns", "column", ctx)
        values, x_labels = values[:, picked], [x_labels[i] for i in picked]
    if spec.transpose:
        values, x_labels, y_labels = values.T, y_labels, x_labels
    rows, cols = values.shape
    after = " after transpose" if spec.transpose else ""
    if spec.x_labels is not None:
        x_labels = _replacement(spec.x_labels, cols, "x_labels", f"columns{after}", ctx)
    if spec.y_labels is not None:
        y_labels = _replacement(spec.y_labels, rows, "y_labels", f"rows{after}", ctx)
    values = np.array(values, dtype=np.float64)
    _check_values(values, x_labels, y_labels, ctx)
    return _build(values, x_labels, y_labels, ctx)


def _check_values(values: FloatArray, x: Sequence[str], y: Sequence[str], ctx: _Ctx) -> None:
    # An infinity has no color, and an all-missing map shows nothing: both are
    # almost always a broken export, so say so instead of drawing gray.
    infinite = np.argwhere(np.isinf(values))
    if infinite.size:
        i, j = infinite[0]
        raise DataError(
            f"{ctx.name}: row {_q(y[i])}, column {_q(x[j])} is {values[i, j]:g}; cells must be "
            "finite numbers or missing (leave the cell empty)",
            key=ctx.key,
        )
    if not np.isfinite(values).any():
        raise DataError(
            f"{ctx.name}: every cell of the plotted matrix is missing; nothing to draw",
            key=ctx.key,
        )


def _pick(
    wanted: Sequence[str], labels: Sequence[str], key: str, axis: str, ctx: _Ctx
) -> list[int]:
    positions: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        positions.setdefault(label, []).append(i)
    picked: list[int] = []
    for label in wanted:
        label = label.strip()
        found = positions.get(label)
        if found is None:
            raise DataError(
                f"'{key}': {_q(label)} is not a {axis} label of {ctx.name}"
                f"{_suggest(label, list(positions))}; its {axis}s are {quoted_list(labels)}",
                key=key,
            )
        if len(found) > 1:
            raise DataError(
                f"'{key}': {_q(label)} labels {len(found)} {axis}s of {ctx.name}; "
                "select by labels only when they are unique",
                key=key,
            )
        picked.append(found[0])
    return picked


def _replacement(labels: Sequence[str], count: int, key: str, axis: str, ctx: _Ctx) -> list[str]:
    if len(labels) != count:
        raise DataError(
            f"'{key}' has {len(labels)} labels but the matrix has {count} {axis}", key=key
        )
    stripped = [label.strip() for label in labels]
    _check_label_lengths(stripped, f"'{key}': label", key, ctx.limits)
    return stripped


# --------------------------------------------------------------------------
# Message helpers: every message is one line with user text quoted.


def _q(text: str, limit: int = 40) -> str:
    """User text, shortened and quoted; repr() escapes line breaks."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)


def _one_line(text: str) -> str:
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text).strip()


def quoted_list(labels: Sequence[str], limit: int = 10) -> str:
    """Labels for a message: quoted, shortened, at most ``limit`` of them."""
    shown = ", ".join(_q(label, 30) for label in labels[:limit])
    return shown + (f", … ({len(labels)} in all)" if len(labels) > limit else "")


def _suggest(word: str, options: Sequence[str]) -> str:
    candidates = list(options[:5000])
    by_case = {option.casefold(): option for option in reversed(candidates)}
    close = by_case.get(word.strip().casefold())
    if close is None:
        matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
        close = matches[0] if matches else None
    return f" (did you mean {_q(close)}?)" if close is not None else ""


def _join_words(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _size(n: int) -> str:
    if n < 1024:
        return f"{n:,} bytes"
    value = float(n)
    unit = "bytes"
    for unit in ("KB", "MB", "GB"):  # noqa: B007  # the unit reached is the answer
        value /= 1024
        if value < 1024:
            break
    return f"{value:.1f} {unit}"


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return _one_line(str(exc)) or type(exc).__name__
