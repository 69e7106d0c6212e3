"""The block parser: YAML -> validated HeatmapSpec, and its error messages."""

from __future__ import annotations

import contextlib
import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mkdocs_heatmap.errors import SpecError
from mkdocs_heatmap.model import InlineMatrix
from mkdocs_heatmap.spec import (
    Colorbar,
    Pivot,
    parse_block,
    validate_defaults,
)


def test_full_block() -> None:
    spec = parse_block(
        """
data: results/probe_auc.csv
title: Probe AUC
xlabel: Token
ylabel: Layer
cmap: Blues
vmin: 0.5
vmax: 1
yticks: 2
xticks: none
xtick_rotation: 30
colorbar: {label: AUC, ticks: [0.5, 1], format: .2f, orientation: horizontal}
class: wide big
id: fig-1
width: 60%
download: true
pivot: {x: token, y: layer, value: auc, agg: max}
rows: [1, 2]
"""
    )
    assert spec.data == "results/probe_auc.csv"
    assert spec.vmin == 0.5 and spec.vmax == 1.0
    assert spec.yticks == 2 and spec.xticks == "none" and spec.xtick_rotation == 30.0
    assert spec.colorbar == Colorbar("AUC", (0.5, 1.0), ".2f", "horizontal")
    assert spec.css_class == "wide big" and spec.id == "fig-1" and spec.width == "60%"
    assert spec.pivot == Pivot("token", "layer", "auc", "max")
    assert spec.rows == ("1", "2")
    assert spec.key_lines["yticks"] == 8


def test_defaults() -> None:
    spec = parse_block("matrix: [[1, null]]")
    assert spec.colorbar == Colorbar()
    assert spec.format == "svg" and spec.origin == "upper" and spec.index == "auto"
    assert spec.matrix is not None and math.isnan(spec.matrix[0][1])


def test_colorbar_false_and_defaults_layering() -> None:
    spec = parse_block("matrix: [[1]]\ncolorbar: false", {"cmap": "Reds", "colorbar": True})
    assert spec.colorbar is None and spec.cmap == "Reds"


@pytest.mark.parametrize(
    ("text", "fragment", "key", "line"),
    [
        ("data: [1", "invalid YAML", None, 0),
        ("", "the block is empty", None, 0),
        ("[1, 2]", "must be a YAML mapping", None, 0),
        ("plain text", "must be a YAML mapping", None, 0),
        ("matrix: [[1]]\ntitel: x", "did you mean 'title'?", "titel", 1),
        ("matrix: [[1]]\ncolorbar: {lable: x}", "did you mean 'label'?", "colorbar", 1),
        ("matrix: [[1]]\nvmin: true", "expected a number", "vmin", 1),
        ("matrix: [[1]]\nvmin: .inf", "finite", "vmin", 1),
        ("matrix: [[1], [1, 2]]", "row 2 has 2 values", "matrix", 0),
        ("matrix: [[1, x]]", "row 1, column 2", "matrix", 0),
        ("matrix: []", "non-empty", "matrix", 0),
        ("matrix: [[1]]\nxticks: 0", "whole number >= 1", "xticks", 1),
        ("matrix: [[1]]\nwidth: '1px; background: red'", "CSS length", "width", 1),
        ("matrix: [[1]]\nid: 'a b'", "not a valid name", "id", 1),
        ("matrix: [[1]]\nformat: pdf", "format", "format", 1),
        ("matrix: [[1]]\ndpi: 5000", "between 50 and 600", "dpi", 1),
        ("matrix: [[1]]\nmatrix: [[2]]", "appears twice", "matrix", 1),
        ("matrix: [[1]]\nkey: a", "applies to a data file", "key", 1),
        ("data: a.csv\nrows: [a, a]", "names 'a' twice", "rows", 1),
        ("data: a.csv\npivot: {x: a, y: b}", "value", "pivot", 1),
        ("data: !!python/name:os.system", "invalid YAML", None, 0),
        ("1: x\nmatrix: [[1]]", "keys must be names", None, 0),
    ],
)
def test_errors(text: str, fragment: str, key: str | None, line: int) -> None:
    with pytest.raises(SpecError) as info:
        parse_block(text)
    assert fragment in info.value.message
    assert info.value.key == key
    assert info.value.block_line == line


@pytest.mark.parametrize(
    ("text", "message", "key"),
    [
        (
            "ylabel: True",
            "'ylabel': expected text, got true (true/false); YAML reads True, yes, no, on, off "
            "as true/false: put it in quotes: ylabel: 'True'",
            "ylabel",
        ),
        ("title: off  # a comment", "put it in quotes: title: 'off'", "title"),
        (
            "x_labels: [yes, no]",
            "'x_labels': item 1 is true (true/false), expected a label; YAML reads yes, no, on, "
            "off, true, false as true/false: write x_labels: ['yes', 'no']",
            "x_labels",
        ),
        ("columns: [a, 'on', Off]", "write columns: [a, 'on', 'Off']", "columns"),
        ("x_labels:\n  - yes\n  - no", "put such labels in quotes, e.g. 'yes'", "x_labels"),
        ("colorbar: {label: on}", "'colorbar': label: expected text, got true", "colorbar"),
        ("colorbar: {label: on}", "true/false: put the text in quotes", "colorbar"),
    ],
)
def test_yaml_booleans_where_text_belongs_say_to_quote(text: str, message: str, key: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_block("matrix: [[1, 2]]\n" + text)
    assert message in info.value.message
    assert (info.value.key, info.value.block_line) == (key, 1)


YAML_BOOLS = ["yes", "No", "ON", "off", "True", "false"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*YAML_BOOLS, "a", "1", "n", "yes-no", "Off2"]), min_size=1))
def test_quoted_labels_in_the_message_read_back_as_written(words: list[str]) -> None:
    """The list the message suggests is the author's, with exactly the
    words YAML would read as true/false quoted."""
    text = f"matrix: [[1]]\nx_labels: [{', '.join(words)}]"
    if not any(word in YAML_BOOLS for word in words):
        parse_block(text)
        return
    with pytest.raises(SpecError) as info:
        parse_block(text)
    fix = info.value.message.split("write x_labels: ", 1)[1]
    assert [str(item) for item in yaml.safe_load(fix)] == words


def test_yaml_boolean_from_defaults_or_a_panel_gives_the_rule() -> None:
    """Where the line is not the block's own, the rule is given without it."""
    with pytest.raises(SpecError, match=r"true/false: put the text in quotes$"):
        parse_block("matrix: [[1]]", {"ylabel": True})
    with pytest.raises(SpecError, match=r"^panel 1: 'ylabel': .* put the text in quotes$"):
        parse_block("panels:\n  - {matrix: [[1]], ylabel: no}")


def test_labelled_inline_matrix() -> None:
    spec = parse_block("matrix: {values: [[1, null]], x_labels: [a, 2.0], y_labels: [r]}")
    assert isinstance(spec.matrix, InlineMatrix)
    assert (spec.matrix.x_labels, spec.matrix.y_labels) == (("a", "2"), ("r",))
    assert spec.matrix.values[0][0] == 1.0 and math.isnan(spec.matrix.values[0][1])
    assert parse_block("matrix: {values: [[1]]}").matrix == InlineMatrix(((1.0,),))


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("{values: [[1, 2]], x_labels: [a]}", "x_labels has 1 labels but the matrix has 2 columns"),
        ("{values: [[1, 2]], y_labels: [a, b]}", "y_labels has 2 labels but the matrix has 1 rows"),
        ("{values: [[1, 2]], x_label: [a, b]}", "unknown key 'x_label' (did you mean 'x_labels'?)"),
        ("{x_labels: [a]}", "needs 'values'"),
        ("{values: [[1, x]]}", "row 1, column 2 is 'x'"),
        ("{values: [[1]], x_labels: a}", "x_labels: expected a list of labels"),
        ("{values: [[1]], x_labels: [[a]]}", "x_labels: item 1 is a list, expected a label"),
        ("{values: [[1]], x_labels: [yes]}", "x_labels: item 1 is true (true/false)"),
    ],
)
def test_labelled_inline_matrix_errors(body: str, fragment: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_block(f"title: t\nmatrix: {body}")
    assert fragment in info.value.message
    assert (info.value.key, info.value.block_line) == ("matrix", 1)


def test_normalize_and_trim_mask_keys() -> None:
    spec = parse_block("matrix: [[1]]\nnormalize: columns\nmask: lower\ntrim_mask: true")
    assert (spec.normalize, spec.mask, spec.trim_mask) == ("columns", "lower", True)
    plain = parse_block("matrix: [[1]]")
    assert (plain.normalize, plain.trim_mask) == (None, False)
    validate_defaults({"normalize": "all", "mask": "upper", "trim_mask": True})
    with pytest.raises(SpecError, match="'trim_mask' drops the row") as info:
        validate_defaults({"trim_mask": True})
    assert info.value.key == "trim_mask"
    with pytest.raises(SpecError, match="'normalize': expected one of rows, columns, all"):
        validate_defaults({"normalize": "true"})


NO_MASK = "  - {matrix: [[1]]}"


def test_trim_mask_at_the_top_of_panels_with_their_own_masks() -> None:
    spec = parse_block(
        "trim_mask: true\npanels:\n  - {matrix: [[1]], mask: upper}\n"
        "  - {matrix: [[1]], mask: lower}"
    )
    assert spec.panels is not None
    assert [p.trim_mask for p in spec.panels] == [True, True]
    with pytest.raises(SpecError, match=r"^panel 2: 'trim_mask' drops"):
        parse_block(f"trim_mask: true\npanels:\n  - {{matrix: [[1]], mask: upper}}\n{NO_MASK}")


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}" if i > 1 else "*a"] * 10) + "]")
    with pytest.raises(SpecError, match="aliases"):
        parse_block("\n".join(lines))


def test_the_core_imports_no_mkdocs(tmp_path: Path) -> None:
    """A Sphinx or API user validates, loads and draws a block without MkDocs:
    the block's schema is the package's own, not a MkDocs config."""
    code = (
        "import sys\n"
        "import mkdocs_heatmap.data, mkdocs_heatmap.pipeline, mkdocs_heatmap.render\n"
        "from mkdocs_heatmap.spec import parse_block\n"
        "parse_block('matrix: [[1, 2]]\\ncolorbar: {label: x}\\nstyle: ggplot')\n"
        "print([m for m in sys.modules if m == 'mkdocs' or m.startswith('mkdocs.')])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("cell", ["n/a", "NA", "#N/A", "<NA>", "nan", "", "None", " null "])
def test_inline_matrix_missing_cells_are_spelled_as_in_data_files(cell: str) -> None:
    """The inline matrix and the data loaders share one list of missing-value
    spellings (``n/a`` was refused inline but missing in a CSV)."""
    spec = parse_block(yaml.safe_dump({"matrix": [[1, cell]]}))
    assert spec.matrix is not None
    assert spec.matrix[0][0] == 1.0 and math.isnan(spec.matrix[0][1])
    with pytest.raises(SpecError, match="'n/b'"):
        parse_block("matrix: [[1, n/b]]")


def test_validate_defaults() -> None:
    validate_defaults({"cmap": "Blues"})
    with pytest.raises(SpecError, match="belongs in a block"):
        validate_defaults({"data": "x.csv"})
    with pytest.raises(SpecError, match="did you mean 'vmax'"):
        validate_defaults({"vmaxx": 1})


# Whatever text the author types, the parser returns a spec or a SpecError.
yaml_ish = st.text(
    alphabet=st.sampled_from(list("abcdefmx:[]{}-,.0123456789 \n\t'\"!&*#|>%@`?")), max_size=80
)


@settings(max_examples=300, deadline=None)
@given(yaml_ish)
def test_parser_never_raises_anything_else(text: str) -> None:
    with contextlib.suppress(SpecError):
        parse_block(text)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
            min_size=2,
            max_size=2,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_inline_matrix_round_trip(rows: list[list[float | None]]) -> None:
    spec = parse_block(yaml.safe_dump({"matrix": rows}))
    assert spec.matrix is not None
    for got_row, want_row in zip(spec.matrix, rows, strict=True):
        for got, want in zip(got_row, want_row, strict=True):
            assert (math.isnan(got) and want is None) or got == want


# -- limits on texts (hardening, round 3) --------------------------------------


@pytest.mark.parametrize(
    ("key", "limit"),
    [("title", 500), ("xlabel", 500), ("ylabel", 500), ("caption", 5_000), ("alt", 5_000)],
)
def test_texts_have_limits_named_in_the_message(key: str, limit: int) -> None:
    assert getattr(parse_block(f"matrix: [[1]]\n{key}: {'a' * limit}"), key) == "a" * limit
    with pytest.raises(SpecError) as caught:
        parse_block(f"matrix: [[1]]\n{key}: {'a' * (limit + 1)}")
    assert caught.value.message == (
        f"'{key}' is too long: {limit + 1:,} characters, at most {limit:,}"
    )
    assert caught.value.block_line == 1


def test_nested_texts_have_limits() -> None:
    with pytest.raises(SpecError, match="'colorbar': 'label' is too long: 501 characters"):
        parse_block(f"matrix: [[1]]\ncolorbar: {{label: {'a' * 501}}}")
    with pytest.raises(SpecError, match="'panels': item 2: 'title' is too long") as caught:
        parse_block(f"panels:\n  - {{matrix: [[1]]}}\n  - {{matrix: [[1]], title: {'a' * 501}}}")
    assert caught.value.block_line == 0
    with pytest.raises(SpecError, match="'cmap' is too long: 1,001 characters, at most 1,000"):
        parse_block(f"matrix: [[1]]\ncmap: {'a' * 1001}")
    with pytest.raises(SpecError, match="'x_labels': item 1 is too long: 100,001 characters"):
        parse_block(f"matrix: [[1]]\nx_labels: [{'a' * 100_001}]")


def test_a_huge_text_is_refused_before_any_per_character_work() -> None:
    """10^8 characters: refused from the line's length before YAML reads it
    (seconds, and gigabytes, otherwise), and from the mapping's lengths."""
    import time

    from mkdocs_heatmap.spec import validate

    huge = "a" * 100_000_000
    start = time.perf_counter()
    with pytest.raises(SpecError, match="'title' is too long: 100,000,000 characters as written"):
        parse_block(f"matrix: [[1]]\ntitle: {huge}\nxlabel: x")
    with pytest.raises(SpecError, match="'caption' is too long: 100,000,000 characters, at most"):
        validate({"matrix": [[1]], "caption": huge})
    with pytest.raises(SpecError, match=r"unknown key 'aaa.*' \(100,000,000 characters long\)"):
        validate({"matrix": [[1]], huge: 1})
    with pytest.raises(SpecError, match="'norm' is too long"):
        validate({"matrix": [[1]], "norm": huge})
    # The API checks a mapping's lengths before writing it out as YAML.
    from mkdocs_heatmap.api import render_spec

    with pytest.raises(SpecError, match="'colorbar': 'label' is too long: 100,000,000") as caught:
        render_spec({"matrix": [[1]], "colorbar": {"label": huge}})
    assert caught.value.block_line is None
    assert time.perf_counter() - start < 5  # about 0.5 s; a Python loop over it takes minutes


def test_a_long_line_that_may_not_be_one_text_is_left_to_the_parser() -> None:
    long = "a" * 6_000
    # A comment after a short title: the title is fine.
    assert parse_block(f"matrix: [[1]]\ntitle: t  # {long}").title == "t"
    with pytest.raises(SpecError, match="'title': expected text"):
        parse_block(f"matrix: [[1]]\ntitle: [{long}]")


def test_control_characters_are_found_in_long_texts() -> None:
    with pytest.raises(SpecError, match=r"U\+0007"):
        parse_block('matrix: [[1]]\ncaption: "' + "a" * 4_000 + '\\a"')
    assert parse_block('matrix: [[1]]\ncaption: "a\\tb\\u00e9"').caption == "a\tb\u00e9"


def test_fmt_is_tried_on_a_fraction() -> None:
    with pytest.raises(SpecError, match=r"'\.50g' writes 1/3 as 52 characters; at most 40"):
        parse_block("matrix: [[1]]\nfmt: .50g")
    assert parse_block("matrix: [[1]]\nfmt: d").fmt == "d"  # whole numbers only: fine


# -- style references ------------------------------------------------------------


def test_a_long_style_name_says_so(tmp_path: Path) -> None:
    from mkdocs_heatmap.errors import ConfigError
    from mkdocs_heatmap.style import resolve_style

    with pytest.raises(SpecError, match=r"'style': style name 'aaa.*' is too long: 5,000 char"):
        parse_block(f"matrix: [[1]]\nstyle: {'a' * 5_000}")
    with pytest.raises(ConfigError, match=r"is too long: 'bbb.*' takes 309 bytes.* at most 255"):
        resolve_style("a/" + "b" * 300 + ".mplstyle", tmp_path)


def test_a_style_path_that_is_a_folder_or_a_loop_says_so(tmp_path: Path) -> None:
    from mkdocs_heatmap.errors import ConfigError
    from mkdocs_heatmap.style import resolve_style

    (tmp_path / "dir.mplstyle").mkdir()
    (tmp_path / "loop.mplstyle").symlink_to("loop.mplstyle")
    (tmp_path / "a.mplstyle").symlink_to("b.mplstyle")
    (tmp_path / "b.mplstyle").symlink_to("a.mplstyle")
    with pytest.raises(ConfigError, match=r"'dir\.mplstyle' is a folder, not a \.mplstyle file"):
        resolve_style("dir.mplstyle", tmp_path)
    for name in ("loop.mplstyle", "a.mplstyle"):
        with pytest.raises(ConfigError, match=f"'{name}' is a symlink loop"):
            resolve_style(name, tmp_path)
