"""Block text -> validated, normalized ``HeatmapSpec``.

The YAML body is read with a safe loader, then checked against the key
table: every key a block may hold is one field of ``model.HeatmapSpec`` (or
of a sub-schema it holds, such as ``model.Pivot``), declared in one line::

    title: str | None = key_field(Text(MAX_TITLE))
    alt: str | None = key_field(Text(MAX_PROSE), role=Role.HTML)

The annotation is the value's type in the spec; ``key_field`` says which
option of ``keys`` checks and normalizes the YAML value, its default, and
its role (what the key does to the figure's cache key).  ``validate`` walks
those fields in order; the lists of keys the rest of the package needs
(``model.SOURCE_KEYS``, ``HTML_ONLY``, ``NOT_DRAWN``, ...) are derived from
them.  Adding a key is adding its field (and documenting it in
``docs/blocks.md``); checks between keys are ``_check_consistency``'s.

Nothing here imports MkDocs: a Sphinx or API user validates a block without it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import yaml

from .colormaps import colormap_problem
from .errors import SpecError
from .keys import CSS_LENGTH as CSS_LENGTH
from .keys import NAME as NAME
from .keys import Refused, TooLong, YamlBool, check
from .keys import format_value as format_value
from .messages import describe, q, suggest
from .model import BLOCK_KEYS as BLOCK_KEYS
from .model import (
    FIGURE_KEYS,
    MAX_ANY_TEXT,
    MAX_NAME,
    MAX_PANELS,
    MAX_PIXELS,
    SOURCE_KEYS,
    TEXT_LIMITS,
    block_too_long,
)
from .model import Colorbar as Colorbar
from .model import Grid as Grid
from .model import HeatmapSpec as HeatmapSpec
from .model import Pivot as Pivot
from .safeyaml import TooLarge, check_nodes

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
    _refuse_long_lines(text)  # first: a key's own long text is named as such
    too_long = block_too_long(text)
    if too_long is not None:
        raise SpecError(too_long, block_line=0)
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
    try:
        values = check(HeatmapSpec, body)
    except Refused as exc:
        key, err = exc.key, exc.error
        line = key_lines.get(key)
        message = f"'{key}' {err}" if isinstance(err, TooLong) else f"'{key}': {err}"
        if isinstance(err, YamlBool):
            written = source.split("\n")[line] if source is not None and line is not None else ""
            message += "; " + _quoting_hint(key, written, listed=err.listed)
        raise SpecError(message, key=key, block_line=line) from None
    spec = HeatmapSpec(**values, key_lines=key_lines)
    _check_consistency(spec)
    if needs_data:
        _check_trim(spec)
        _check_groups(spec)
    return spec


def _check_groups(spec: HeatmapSpec) -> None:
    """A whole block's (or panel's) ``group_lines`` needs groups to separate;
    defaults may turn it on for blocks that have them."""
    if spec.group_lines and spec.row_groups is None and spec.col_groups is None:
        raise SpecError(
            "'group_lines' separates the groups of 'row_groups' or 'col_groups'; "
            "this block has neither",
            key="group_lines",
            block_line=spec.line_of("group_lines"),
        )


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
    if body.get("facet_axis") is not None:
        raise SpecError(
            "give either 'panels' or 'facet_axis', not both",
            key="facet_axis",
            block_line=key_lines.get("facet_axis"),
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


def _check_trim(spec: HeatmapSpec) -> None:
    """``trim_mask`` needs a triangle to trim.  Checked for each panel and for
    defaults, not for a figure's top-level keys: its panels may bring their
    own masks."""
    if spec.trim_mask and spec.mask in ("upper_strict", "lower_strict"):
        raise SpecError(
            f"'trim_mask' drops the row and the column a triangular mask leaves empty, but "
            f"mask: {spec.mask} keeps the diagonal, so no row or column is empty; remove "
            "trim_mask",
            key="trim_mask",
            block_line=spec.line_of("trim_mask"),
        )
    if spec.trim_mask and spec.mask not in ("upper", "lower"):
        what = "a mask matrix" if isinstance(spec.mask, tuple) else "no mask"
        what = "a mask file" if isinstance(spec.mask, (str, dict)) else what
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
    if spec.cell_text is not None and (spec.facet is not None or spec.facet_axis is not None):
        split = "facet" if spec.facet is not None else "facet_axis"
        raise SpecError(
            f"'cell_text' holds the texts of one matrix, and '{split}' makes several; "
            "give each panel its texts under 'panels' instead",
            key="cell_text",
            block_line=spec.line_of("cell_text"),
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
    if spec.facet_axis is not None and spec.facet is not None:
        raise SpecError(
            "give either 'facet' (a tidy table's column) or 'facet_axis' (an array's axis), "
            "not both",
            key="facet_axis",
            block_line=spec.line_of("facet_axis"),
        )
    for key in ("subtract", "cluster"):
        if spec.facet_axis is not None and getattr(spec, key) is not None:
            raise SpecError(
                f"'{key}' works on one matrix, not on the panels of 'facet_axis'; pick one "
                "with 'slice' instead",
                key=key,
                block_line=spec.line_of(key),
            )
    if spec.panel_titles is not None and spec.facet_axis is None:
        raise SpecError(
            "'panel_titles' names the panels of 'facet_axis'; this block has no facet_axis",
            key="panel_titles",
            block_line=spec.line_of("panel_titles"),
        )
    for key in ("slice", "facet_axis"):
        if getattr(spec, key) is not None and spec.matrix is not None and spec.data is None:
            raise SpecError(
                f"'{key}' picks from an array of more than two axes (a .npy or .npz "
                "file), but this block has an inline 'matrix', which has two",
                key=key,
                block_line=spec.line_of(key),
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


def mask_spec(spec: HeatmapSpec) -> HeatmapSpec:
    """The spec of the data a ``mask`` names: a path is read with the data
    keys' defaults (its format from its extension); a mapping says
    everything itself."""
    assert isinstance(spec.mask, (str, dict))
    body: dict[str, Any] = {"data": spec.mask} if isinstance(spec.mask, str) else dict(spec.mask)
    try:
        return validate(body)
    except SpecError as exc:
        raise SpecError(f"'mask': {exc.message}", key="mask") from None


def text_spec(spec: HeatmapSpec) -> HeatmapSpec:
    """The spec of the file ``cell_text`` names, as ``mask_spec`` reads a
    mask's: a path with the data keys' defaults, a mapping as written."""
    assert isinstance(spec.cell_text, (str, dict))
    body: dict[str, Any] = (
        {"data": spec.cell_text} if isinstance(spec.cell_text, str) else dict(spec.cell_text)
    )
    try:
        return validate(body)
    except SpecError as exc:
        raise SpecError(f"'cell_text': {exc.message}", key="cell_text") from None
