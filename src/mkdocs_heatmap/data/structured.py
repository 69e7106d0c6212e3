"""JSON and YAML files: nested lists, labelled layouts (scikit-learn's among
them), pandas' orients."""

from __future__ import annotations

import ast
import difflib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import yaml

from ..errors import DataError
from ..messages import one_line, q, quoted_list, suggest
from ..model import LabelledMatrix
from ..safeyaml import TooLarge, check_nodes
from .cells import (
    Ctx,
    build_matrix,
    check_cells,
    decode,
    describe_cell,
    kind,
    numbered,
    value_label,
    value_missing,
    value_number,
)
from .index import Columns, label_columns
from .pivot import pivot_table

if TYPE_CHECKING:
    from ..spec import HeatmapSpec, Pivot


def parse_json(spec: HeatmapSpec, content: bytes, ctx: Ctx) -> LabelledMatrix:
    text = decode(content, ctx)
    try:
        obj: object = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_int=json_int,
            parse_float=json_float,
        )
    except _TooLarge as exc:
        site = _number_site(text, exc.literal)
        raise DataError(
            f"{ctx.name}: the number {_number_start(exc.literal)}{site} is too large; numbers "
            "must lie within ±1.8e308",
            key="data",
        ) from None
    except _Duplicate as exc:
        raise DataError(
            f"{ctx.name}: key {q(exc.key)} appears twice in one object; JSON would keep "
            "only the last, so remove one",
            key="data",
        ) from None
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{ctx.name} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            key="data",
        ) from None
    except RecursionError:
        raise DataError(f"{ctx.name} is not usable JSON: nested too deeply", key="data") from None
    except ValueError as exc:
        raise DataError(
            f"{ctx.name} is not usable JSON: {one_line(str(exc))}", key="data"
        ) from None
    return _structured(spec, obj, ctx)


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class _TooLarge(Exception):
    def __init__(self, literal: str) -> None:
        super().__init__(literal)
        self.literal = literal


def _number_start(literal: str) -> str:
    """A number as a message shows it: whole when short, else its start."""
    return literal if len(literal) <= 16 else f"{literal[:12]}… ({len(literal):,} characters)"


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object as a dict; a key written twice is an error, not the
    last one silently winning."""
    found = dict(pairs)
    if len(found) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return found


_FLOAT_DIGITS = 309  # 1e309 and more is past the largest float


def json_int(literal: str) -> int:
    """A JSON integer; one no float can hold is an error (JSON has no leading
    zeros, so the digits count its size), and never reaches ``int()``'s
    limit on digits."""
    if len(literal.lstrip("-")) > _FLOAT_DIGITS:
        raise _TooLarge(literal)
    value = int(literal)
    try:
        float(value)
    except OverflowError:
        raise _TooLarge(literal) from None
    return value


def json_float(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):
        raise _TooLarge(literal)
    return value


def _number_site(text: str, literal: str) -> str:
    """ " on line L, column C" for the first ``literal`` in ``text`` that is a
    number, not part of a string (JSON strings hold no line breaks, so the
    text before it on its line tells)."""
    pattern = re.compile(r"(?<![\w.+\-])" + re.escape(literal) + r"(?![\w.])")
    for match in pattern.finditer(text):
        start = text.rfind("\n", 0, match.start()) + 1
        if not _inside_string(text[start : match.start()]):
            line = text.count("\n", 0, match.start()) + 1
            return f" on line {line}, column {match.start() - start + 1}"
    return ""


def _inside_string(before: str) -> bool:
    inside = escaped = False
    for char in before:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = inside
        elif char == '"':
            inside = not inside
    return inside


# The C loader is the same safe loader (SafeConstructor), only much faster on
# large files; the pure-Python SafeLoader is the fallback without libyaml.
_YAML_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)


def parse_yaml(spec: HeatmapSpec, content: bytes, ctx: Ctx) -> LabelledMatrix:
    text = decode(content, ctx)
    loader = _YAML_LOADER(text)  # a safe loader, see above
    try:
        node = loader.get_single_node()
        if node is not None:
            check_nodes(node)
            _check_yaml_nodes(node, loader, ctx)
        obj: object = loader.construct_document(node) if node is not None else None
    except DataError:
        raise
    except TooLarge as exc:
        raise DataError(f"{ctx.name} is too large as YAML: {exc}", key="data") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = one_line(exc.problem or exc.context or "invalid YAML")
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise DataError(f"{ctx.name} is not valid YAML: {problem}{where}", key="data") from None
    except RecursionError:
        raise DataError(f"{ctx.name} is not usable YAML: nested too deeply", key="data") from None
    except Exception as exc:
        # Constructors of plain scalars (dates, huge integers) raise ValueError
        # and friends; any such failure is the file's fault, not a crash.
        raise DataError(
            f"{ctx.name} is not usable YAML: {one_line(str(exc)) or type(exc).__name__}",
            key="data",
        ) from None
    finally:
        loader.dispose()
    return _structured(spec, obj, ctx)


_YAML_INT, _YAML_FLOAT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"


def _check_yaml_nodes(
    root: yaml.Node, loader: yaml.SafeLoader | yaml.CSafeLoader, ctx: Ctx
) -> None:
    """What a safe loader lets pass silently: a key written twice in one
    mapping (the last would win) and a number no float can hold (it would
    read as infinity); each an error at its line."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            lines: dict[tuple[str, str], int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    name = (key.tag, str(key.value))
                    if name in lines:
                        raise DataError(
                            f"{ctx.name}: key {q(name[1])} appears twice in one mapping (lines "
                            f"{lines[name] + 1} and {key.start_mark.line + 1}); YAML would keep "
                            "only the last, so remove one",
                            key="data",
                        )
                    lines[name] = key.start_mark.line
                stack += (key, value)
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
        elif (
            isinstance(node, yaml.ScalarNode)
            and node.tag in (_YAML_INT, _YAML_FLOAT)
            and _yaml_too_large(node, loader)
        ):
            mark = node.start_mark
            raise DataError(
                f"{ctx.name}: the number {_number_start(str(node.value))} on line "
                f"{mark.line + 1}, column {mark.column + 1} is too large; numbers must lie "
                "within ±1.8e308",
                key="data",
            )


def _yaml_too_large(node: yaml.ScalarNode, loader: yaml.SafeLoader | yaml.CSafeLoader) -> bool:
    text = str(node.value)
    if len(text) > 2 * _FLOAT_DIGITS:
        return True
    try:
        if node.tag == _YAML_FLOAT:
            return "inf" not in text.lower() and math.isinf(loader.construct_yaml_float(node))
        float(loader.construct_yaml_int(node))
    except OverflowError:
        return True
    except ValueError:
        return False  # the loader says what is wrong with it
    return False


def _structured(spec: HeatmapSpec, obj: object, ctx: Ctx) -> LabelledMatrix:
    if spec.key is not None:
        obj = _select_key(obj, spec.key, ctx)
    if spec.pivot is not None:
        return _structured_pivot(obj, spec.pivot, ctx)
    if isinstance(obj, list):
        if obj and all(isinstance(item, dict) for item in obj):
            return _records_matrix(obj, spec, ctx)
        return _rows_matrix(obj, None, None, ctx, ("", ""))
    if isinstance(obj, dict):
        if _is_table(obj):
            return _table_matrix(obj, ctx)
        if obj and all(isinstance(v, dict) for v in obj.values()):
            if all(_is_scalar(c) for v in obj.values() for c in v.values()):
                return _columns_matrix(obj, ctx)
        elif any(key in obj for key in VALUE_KEYS):
            return _labelled_matrix(obj, ctx)
        elif "data" in obj:
            return _rows_matrix(
                obj["data"], obj.get("columns"), obj.get("index"), ctx, ("columns", "index")
            )
        keys = [value_label(k, ctx, "key") for k in obj]
        nested = [k for k, v in zip(keys, obj.values(), strict=True) if isinstance(v, (list, dict))]
        hint = f"; set 'key' to one of {quoted_list(nested)}" if nested and spec.key is None else ""
        raise DataError(
            f"{ctx.name}: a mapping with keys {quoted_list(keys)} is not a matrix; expected a "
            "list of rows, {values, x_labels, y_labels}, {labels, matrix} or pandas' split "
            f"form {{columns, index, data}}{hint}",
            key="key" if hint else "data",
        )
    raise DataError(f"{ctx.name} holds {kind(obj)}, not a matrix", key="data")


def _select_key(obj: object, key: str, ctx: Ctx) -> object:
    if not isinstance(obj, dict):
        raise DataError(
            f"'key' needs a mapping at the top of {ctx.name}, but it holds {kind(obj)}",
            key="key",
        )
    by_label: dict[str, object] = {}
    for k, v in obj.items():
        by_label.setdefault(value_label(k, ctx, "key"), v)
    if key.strip() in by_label:
        return by_label[key.strip()]
    raise DataError(
        f"{ctx.name} has no top-level key {q(key)}{suggest(key, list(by_label))}; "
        f"its keys are {quoted_list(list(by_label))}",
        key="key",
    )


# The labelled layouts: the values under one of these keys, the labels under
# x_labels/y_labels, or one list for both axes under labels/display_labels
# (scikit-learn's confusion matrices: the same classes on both axes).
VALUE_KEYS = ("values", "matrix", "confusion_matrix")
AXIS_LABEL_KEYS = ("x_labels", "y_labels")
SHARED_LABEL_KEYS = ("labels", "display_labels")


def _labelled_matrix(obj: Mapping[object, object], ctx: Ctx) -> LabelledMatrix:
    """``{values, x_labels, y_labels}`` and its spellings, such as
    ``{labels, matrix}`` and ``{display_labels, confusion_matrix}``."""
    values_keys = [key for key in VALUE_KEYS if key in obj]
    if len(values_keys) > 1:
        raise DataError(
            f"{ctx.name} holds both {q(values_keys[0])} and {q(values_keys[1])}; set 'key' to "
            "the one to plot, or keep one of them",
            key="data",
        )
    values_key = values_keys[0]
    _check_label_keys(obj, values_key, ctx)
    shared = [key for key in SHARED_LABEL_KEYS if key in obj]
    axes = [key for key in AXIS_LABEL_KEYS if key in obj]
    if len(shared) > 1 or (shared and axes):
        both = [*shared, *axes]
        raise DataError(
            f"{ctx.name} labels its matrix twice, with {q(both[0])} and {q(both[1])}; keep "
            "'labels' (the same labels for rows and columns) or x_labels and y_labels",
            key="data",
        )
    if not shared:
        return _rows_matrix(
            obj[values_key], obj.get("x_labels"), obj.get("y_labels"), ctx, AXIS_LABEL_KEYS
        )
    name = shared[0]
    labels = obj[name]
    rows = obj[values_key]
    if isinstance(labels, list) and isinstance(rows, list) and rows:
        flat = all(_is_scalar(item) for item in rows)  # one row, as _rows_matrix reads it
        height = 1 if flat else len(rows)
        width = len(rows) if flat else len(rows[0]) if isinstance(rows[0], list) else 0
        if height != len(labels) or width != len(labels):
            raise DataError(
                f"{ctx.name}: {q(name)} has {len(labels)} labels for the rows and the columns, "
                f"but the matrix is {height} x {width}; give one label per row, and as many "
                "columns as rows",
                key="data",
            )
    return _rows_matrix(rows, labels, labels, ctx, (name, name))


def _check_label_keys(obj: Mapping[object, object], values_key: str, ctx: Ctx) -> None:
    """Catch ``x_label:`` and friends instead of silently numbering the ticks."""
    expected = (*AXIS_LABEL_KEYS, *SHARED_LABEL_KEYS)
    for key in obj:
        if not isinstance(key, str) or key in expected or key in VALUE_KEYS:
            continue
        close = difflib.get_close_matches(key, [e for e in expected if e not in obj], 1, 0.8)
        if close:
            raise DataError(
                f"{ctx.name}: unknown key {q(key)} next to {q(values_key)} "
                f"(did you mean {q(close[0])}?)",
                key="data",
            )


def _is_scalar(value: object) -> bool:
    return not isinstance(value, (list, dict))


def _rows_matrix(
    rows: object,
    x_raw: object,
    y_raw: object,
    ctx: Ctx,
    label_keys: tuple[str, str],
) -> LabelledMatrix:
    if not isinstance(rows, list):
        raise DataError(f"{ctx.name}: the values are {kind(rows)}, not a list of rows", key="data")
    if not rows:
        raise DataError(f"{ctx.name} holds an empty list of rows", key="data")
    if all(_is_scalar(item) for item in rows):
        rows = [rows]  # a flat list is one row, as a 1-D array is
    width = len(rows[0]) if isinstance(rows[0], list) else 0
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, list):
            raise DataError(
                f"{ctx.name}: row {i} is {kind(row)}; every row must be a list of numbers",
                key="data",
            )
        if len(row) != width:
            raise DataError(
                f"{ctx.name}: row {i} has {len(row)} values but row 1 has {width}", key="data"
            )
    check_cells(len(rows), width, ctx)
    x_labels = _file_labels(x_raw, width, "columns", label_keys[0], ctx)
    y_labels = _file_labels(y_raw, len(rows), "rows", label_keys[1], ctx)
    values = np.empty((len(rows), width), dtype=np.float64)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            values[i, j] = _cell_number(cell, f"row {q(y_labels[i])}", x_labels[j], ctx)
    return build_matrix(values, x_labels, y_labels, ctx)


def _cell_number(cell: object, where: str, column: str, ctx: Ctx) -> float:
    number = value_number(cell)
    if number is None:
        raise DataError(
            f"{ctx.name}: {where}, column {q(column)}: "
            f"{describe_cell(cell)} is not a number or null",
            key="data",
        )
    return number


def _file_labels(raw: object, count: int, axis: str, name: str, ctx: Ctx) -> list[str]:
    if raw is None:
        return numbered(count)
    if not isinstance(raw, list):
        raise DataError(f"{ctx.name}: '{name}' is {kind(raw)}, expected a list", key="data")
    if len(raw) != count:
        raise DataError(
            f"{ctx.name}: '{name}' has {len(raw)} labels but the matrix has {count} {axis}",
            key="data",
        )
    return [value_label(v, ctx, "label") for v in raw]


def _records_matrix(records: list[object], spec: HeatmapSpec, ctx: Ctx) -> LabelledMatrix:
    """pandas ``orient="records"``: one mapping per row, keys are columns.

    pandas leaves the index out; after ``reset_index()`` it is the first
    keys, read as row labels as the first columns of a CSV file are (the
    block's ``index`` decides, see ``index.label_columns``)."""
    keys = _record_keys(records)
    header = _tuple_labels([value_label(k, ctx, "column name") for k in keys], ctx)
    rows = [[r.get(k) for k in keys] for r in records if isinstance(r, dict)]
    table = Columns(header, rows, value_number, _cell_text(ctx), _is_int)
    start, stop = label_columns(table, spec.index, ctx)
    check_cells(len(rows), len(keys) - stop, ctx)
    if stop and stop == len(keys):
        raise DataError(
            f"{ctx.name} has no value columns: its only key holds row labels", key="data"
        )
    x_labels = header[stop:]
    text = _cell_text(ctx)
    y_labels = (
        [" / ".join(text(c) for c in row[start:stop]) for row in rows]
        if stop
        else numbered(len(rows))
    )
    values = np.full((len(rows), len(keys) - stop), np.nan)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row[stop:]):
            where = f"record {i + 1}" if not stop else f"row {q(y_labels[i])}"
            values[i, j] = _cell_number(cell, where, x_labels[j], ctx)
    return build_matrix(values, x_labels, y_labels, ctx)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _cell_text(ctx: Ctx) -> Callable[[object], str]:
    def text(value: object) -> str:
        return value_label(value, ctx, "label")

    return text


def _tuple_labels(labels: list[str], ctx: Ctx) -> list[str]:
    """pandas writes a MultiIndex's labels as JSON keys like ``"('a', 1)"``
    (orients columns, index, records); those become ``"a / 1"`` as in
    every other layout, when every label of the axis is such a tuple."""
    parts: list[str] = []
    depth = None
    for label in labels:
        if not (label.startswith("(") and label.endswith(")")) or len(label) > 1000:
            return labels
        try:
            value = ast.literal_eval(label)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return labels
        if (
            not isinstance(value, tuple)
            or len(value) < 2
            or (depth is not None and len(value) != depth)
            or not all(v is None or isinstance(v, (str, int, float)) for v in value)
        ):
            return labels
        depth = len(value)
        parts.append(value_label(list(value), ctx, "label"))
    return parts


def _is_table(obj: Mapping[object, object]) -> bool:
    schema = obj.get("schema")
    return isinstance(schema, dict) and "fields" in schema and isinstance(obj.get("data"), list)


def _table_matrix(obj: Mapping[object, object], ctx: Ctx) -> LabelledMatrix:
    """pandas ``orient="table"``: a schema naming the fields (the index's
    among them, as its ``primaryKey``) and one record per row."""
    schema = obj["schema"]
    assert isinstance(schema, dict)
    fields = schema["fields"]
    if not isinstance(fields, list) or not all(isinstance(f, dict) and "name" in f for f in fields):
        raise DataError(
            f"{ctx.name}: the schema's 'fields' must be a list of {{name: …}} mappings",
            key="data",
        )
    raw_names = [f["name"] for f in fields]
    primary = schema.get("primaryKey") or []
    if not isinstance(primary, list):
        primary = [primary]
    keys = [name for name in raw_names if name in primary]
    columns = [name for name in raw_names if name not in primary]
    records = obj["data"]
    assert isinstance(records, list)
    x_labels = [value_label(name, ctx, "column name") for name in columns]
    check_cells(len(records), len(columns), ctx)
    text = _cell_text(ctx)
    y_labels: list[str] = []
    values = np.full((len(records), len(columns)), np.nan)
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            raise DataError(
                f"{ctx.name}: row {i + 1} of 'data' is {kind(record)}, expected a mapping",
                key="data",
            )
        y_labels.append(" / ".join(text(record.get(k)) for k in keys) if keys else str(i))
        for j, name in enumerate(columns):
            values[i, j] = _cell_number(record.get(name), f"row {q(y_labels[i])}", x_labels[j], ctx)
    return build_matrix(values, x_labels, y_labels, ctx)


def _columns_matrix(obj: Mapping[object, object], ctx: Ctx) -> LabelledMatrix:
    """pandas' default ``to_json()`` (``orient="columns"``): {column: {row: value}}."""
    inner = [v for v in obj.values() if isinstance(v, dict)]
    row_keys = _record_keys(inner)
    check_cells(len(row_keys), len(obj), ctx)
    x_labels = _tuple_labels([value_label(k, ctx, "column name") for k in obj], ctx)
    y_labels = _tuple_labels([value_label(k, ctx, "row name") for k in row_keys], ctx)
    position = {k: i for i, k in enumerate(row_keys)}
    values = np.full((len(row_keys), len(obj)), np.nan)
    for j, column in enumerate(inner):
        for key, cell in column.items():
            number = value_number(cell)
            if number is None:
                i = position[key]
                raise DataError(
                    f"{ctx.name}: row {q(y_labels[i])}, column {q(x_labels[j])}: "
                    f"{describe_cell(cell)} is not a number or null",
                    key="data",
                )
            values[position[key], j] = number
    return build_matrix(values, x_labels, y_labels, ctx)


def _record_keys(records: Iterable[object]) -> list[object]:
    seen: dict[object, None] = {}
    for record in records:
        if isinstance(record, dict):
            for key in record:
                seen.setdefault(key, None)
    return list(seen)


def _structured_pivot(obj: object, pivot: Pivot, ctx: Ctx) -> LabelledMatrix:
    if isinstance(obj, dict) and _is_table(obj):
        obj = obj["data"]  # pandas' orient="table": its records
    if isinstance(obj, dict) and isinstance(obj.get("data"), list) and "columns" in obj:
        columns_raw = obj["columns"]
        if not isinstance(columns_raw, list):
            raise DataError(f"{ctx.name}: 'columns' is {kind(columns_raw)}", key="data")
        columns = [value_label(c, ctx, "column name") for c in columns_raw]
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
        return pivot_table(
            columns, iter(table), _object_label(ctx), value_number, value_missing, pivot, ctx
        )
    if not isinstance(obj, list) or not all(isinstance(r, dict) for r in obj):
        raise DataError(
            f"'pivot' needs a long table: a list of records (one mapping per row) or "
            f"pandas' split form; {ctx.name} holds {kind(obj)}"
            + ("" if not isinstance(obj, list) else " that is not a list of mappings"),
            key="pivot",
        )
    keys = _record_keys(obj)
    columns = [value_label(k, ctx, "column name") for k in keys]
    records = (
        ([r.get(k) for k in keys], f"record {i}")
        for i, r in enumerate(obj, start=1)
        if isinstance(r, dict)
    )
    return pivot_table(
        columns, records, _object_label(ctx), value_number, value_missing, pivot, ctx
    )


def _object_label(ctx: Ctx) -> Callable[[object], str | None]:
    def label(value: object) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return value_label(value, ctx, "category")

    return label
