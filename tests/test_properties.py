"""Whatever a block holds, the pipeline returns a figure or the plugin's own error.

Hypothesis writes block bodies from every key, with plausible values most of
the time and values of any YAML type otherwise (plus misspelt keys), and CSV
files that are mostly table-shaped with junk mixed in; each goes through the
same ``process_block`` the plugin and the extension use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mkdocs_heatmap.errors import HeatmapError
from mkdocs_heatmap.model import DataRoots, Settings
from mkdocs_heatmap.pipeline import process_block
from mkdocs_heatmap.spec import BLOCK_KEYS
from mkdocs_heatmap.style import resolve_style

RC = resolve_style(None)
PROPERTY = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1000, 1000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["auto", "all", "none", "upper", "log", "png", "Blues", ".2f", "#ff0000"]),
    st.text(max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
small_matrix = st.lists(
    st.lists(st.one_of(st.none(), st.floats(-100, 100)), min_size=2, max_size=2),
    min_size=1,
    max_size=3,
)
keys = st.sampled_from([*BLOCK_KEYS, "colour", "titel"])
text = st.text(max_size=10)
two_labels = st.lists(text, min_size=2, max_size=2)
ticks = st.sampled_from(["auto", "all", "none", 1, 2])
# Values a user would plausibly write for each key, so that many examples
# draw a figure and exercise rendering, not only validation.
PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "title": text,
    "xlabel": text,
    "ylabel": text,
    "caption": text,
    "alt": text,
    "x_labels": two_labels,
    "y_labels": st.lists(text, min_size=1, max_size=3),
    "xticks": ticks,
    "yticks": ticks,
    "xtick_rotation": st.sampled_from(["auto", 0, 45, 90, -30]),
    "origin": st.sampled_from(["upper", "lower"]),
    "cmap": st.sampled_from(["Blues", "viridis", "RdBu_r", "magma_r"]),
    "vmin": st.floats(-200, 0),
    "vmax": st.floats(1, 200),
    "robust": st.booleans(),
    "center": st.floats(-1, 1),
    "norm": st.sampled_from(["linear", "log", "symlog", "sqrt"]),
    "nan_color": st.sampled_from(["gray", "#ffcccc", "none"]),
    "mask": st.sampled_from(["upper", "lower"]),
    "colorbar": st.one_of(st.booleans(), st.fixed_dictionaries({"label": text})),
    "annotate": st.sampled_from(["auto", True, False]),
    "fmt": st.sampled_from([".2f", ".1%", ".3g", "d", "+.1e"]),
    "annotate_color": st.sampled_from(["auto", "red", "white"]),
    "highlight": st.sampled_from(["max", "min", "row_max", "col_min", ["max", "min"]]),
    "figsize": st.tuples(st.floats(1, 8), st.floats(1, 8)).map(list),
    "square": st.booleans(),
    "gridlines": st.one_of(st.booleans(), st.just({"width": 2})),
    "format": st.sampled_from(["svg", "png"]),
    "dpi": st.sampled_from([50, 72]),
    "style": st.sampled_from(["paper", "default", {"font.size": 7}]),
    "theme": st.sampled_from(["light", "dark", "auto"]),
    "id": st.just("fig-1"),
    "class": st.just("wide"),
    "width": st.just("50%"),
    "download": st.booleans(),
    "table": st.booleans(),
    "transpose": st.booleans(),
}


@st.composite
def blocks(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for key in draw(st.lists(keys, max_size=6, unique=True)):
        plausible = PLAUSIBLE.get(key)
        junk = plausible is None or draw(st.integers(0, 5)) == 0
        body[key] = draw(values if junk or plausible is None else plausible)
    source = draw(st.sampled_from(["matrix", "matrix", "data", "as drawn"]))
    if source == "matrix":
        body["matrix"] = draw(small_matrix)
        body.pop("data", None)
    elif source == "data":
        body["data"] = "m.csv"
        body.pop("matrix", None)
    return body


@st.composite
def csv_files(draw: st.DrawFn) -> str:
    cell = st.one_of(
        st.floats(-1e3, 1e3).map(lambda v: f"{v:.3g}"),
        st.floats(-1e3, 1e3).map(lambda v: f"{v:.3g}"),
        st.sampled_from(["", "nan", "NA", "inf", "1e999", "abc", '"1,5"', "-", " 2 "]),
        st.text(alphabet=st.sampled_from(list(",;\t\"' 0123456789.-eEx")), max_size=4),
    )
    cols = draw(st.integers(1, 4))
    rows = draw(st.lists(st.lists(cell, min_size=cols, max_size=cols), min_size=1, max_size=5))
    header = draw(st.lists(st.text(max_size=4), min_size=cols, max_size=cols))
    delimiter = draw(st.sampled_from([",", ",", ",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(delimiter.join(row) for row in [header, *rows]) + newline


def _settings(root: Path) -> Settings:
    docs = root / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "m.csv").write_text(",a,b\nx,1,2\ny,3,\n")
    return Settings(roots=DataRoots(docs_dir=docs, project_root=root), rc=RC)


def outcome(body: str, root: Path, *, record: bool = True) -> str:
    """``figure`` or the one-line message of the plugin's own error; any other
    exception propagates and fails the test."""
    message = "figure"
    try:
        result = process_block(body, _settings(root), lambda path: path)
    except HeatmapError as exc:
        message = exc.message
        label = f"error: {exc.key}"
    else:
        assert result.html.startswith("<figure")
        assert result.outputs
        label = "figure"
    if record:
        event(label)
    assert message
    assert "\n" not in message
    return message


@PROPERTY
@given(body=blocks())
def test_any_block_gives_a_figure_or_a_heatmap_error(tmp_path: Path, body: dict[str, Any]) -> None:
    outcome(yaml.safe_dump(body, allow_unicode=True), tmp_path)


@PROPERTY
@given(content=csv_files())
def test_any_csv_gives_a_figure_or_a_heatmap_error(tmp_path: Path, content: str) -> None:
    _settings(tmp_path)
    (tmp_path / "docs" / "f.csv").write_text(content, newline="")
    outcome("data: f.csv", tmp_path)


# What an adversarial probe tried: extremes of every kind, in any key.
hostile = st.sampled_from(
    [
        1.7e308,
        -1.7e308,
        1e250,
        5e-324,
        10**400,
        -(10**400),
        "c",
        "2000000",
        "=^999",
        ",.400f",
        "x\x00y",
        "Blues\nINFO    -  forged",
        "\x1b[31m",
        "../../../etc/passwd",
        "/.git/config",
        "/dev/zero",
        [[[[[[1]]]]]],
        [[1e308, -1e308]],
        [30, 30],
        600,
        "sans:file=/etc/hostname",
    ]
)


@st.composite
def hostile_blocks(draw: st.DrawFn) -> dict[str, Any]:
    body = draw(blocks())
    for key in draw(st.lists(keys, min_size=1, max_size=4, unique=True)):
        body[key] = draw(hostile)
    return body


@PROPERTY
@given(body=hostile_blocks())
def test_hostile_blocks_give_a_figure_or_a_heatmap_error(
    tmp_path: Path, body: dict[str, Any]
) -> None:
    outcome(yaml.safe_dump(body, allow_unicode=True), tmp_path)


def test_property_strategies_reach_both_outcomes(tmp_path: Path) -> None:
    # A property test that only ever sees errors proves little: a plain block
    # must draw, and a broken one must fail with the plugin's own error.
    assert outcome("matrix: [[1, 2]]", tmp_path, record=False) == "figure"
    assert "'vmin'" in outcome("matrix: [[1, 2]]\nvmin: [1]", tmp_path, record=False)
