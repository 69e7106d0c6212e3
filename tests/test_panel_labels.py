"""`panel_labels`: a letter at each panel's top left, placed by the layout
(on the canvas, clear of titles and ticks); a panel's own `id` a reference
target reading "Figure 3b"."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import numpy as np
import pandas as pd
import pytest

from conftest import SHAPES, Site, check, drawn, no_text_overlaps, plot_of
from mkdocs_heatmap.errors import SpecError
from mkdocs_heatmap.keys import panel_letter
from mkdocs_heatmap.model import LabelledMatrix, Panel, Plot
from mkdocs_heatmap.pipeline import figure_key, prepare_block
from mkdocs_heatmap.spec import parse_block


def matrix(rows: int, cols: int, seed: int = 0) -> LabelledMatrix:
    frame = pd.DataFrame(
        np.random.default_rng(seed).random((rows, cols)),
        index=[f"row-{i}" for i in range(rows)],
        columns=[f"col-{j}" for j in range(cols)],
    )
    return LabelledMatrix(frame.to_numpy(), tuple(frame.columns), tuple(frame.index))


def letters(fig: Any) -> list[Any]:
    return [t for t in fig.texts if t.get_gid() == "heatmap-panel_label"]


def grid(body: str, shapes: list[tuple[int, int]]) -> Any:
    spec = parse_block(body)
    assert spec.panels is not None
    parts = tuple(
        Panel(p, matrix(*shape, seed=n))
        for n, (p, shape) in enumerate(zip(spec.panels, shapes, strict=True))
    )
    return drawn(Plot(spec, parts))


# --------------------------------------------------------------------------
# The key.


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("false", None), ('"(a)"', "(a)"), ("a", "a"), ("A.", "A."), ('"a)"', "a)")],
)
def test_patterns(value: str, expected: object) -> None:
    assert parse_block(f"matrix: [[1]]\npanel_labels: {value}").panel_labels == expected


@pytest.mark.parametrize("value", ['"(b)"', "ab", '"(1)"', "3", "[a]", '""', '"panel a"'])
def test_bad_patterns_are_refused(value: str) -> None:
    with pytest.raises(SpecError, match="'panel_labels': expected true or a pattern"):
        parse_block(f"matrix: [[1]]\npanel_labels: {value}")


def test_letters_follow_the_pattern() -> None:
    assert [panel_letter(True, n) for n in range(3)] == ["(a)", "(b)", "(c)"]
    assert panel_letter("A)", 3) == "D)" and panel_letter("a", 25) == "z"
    assert panel_letter("a", 26) == "aa"


def test_a_panel_entry_cannot_hold_it() -> None:
    with pytest.raises(SpecError, match="'panel_labels' belongs at the top level"):
        parse_block("panels:\n  - {matrix: [[1]], panel_labels: true}\n")


# --------------------------------------------------------------------------
# The layout.

BODIES = [
    "panel_labels: true\npanels:\n  - {matrix: [[1]]}\n  - {matrix: [[1]]}\n",
    "panel_labels: A\ntitle: A figure title\nxlabel: X\nylabel: Y\nncols: 2\n"
    "panels:\n  - {matrix: [[1]], title: First}\n  - {matrix: [[1]], title: A long second title}\n"
    "  - {matrix: [[1]], title: Third}\n",
    "panel_labels: a)\nncols: 3\ncolorbar: {label: Score}\n"
    "panels:\n  - {matrix: [[1]]}\n  - {matrix: [[1]], title: T}\n  - {matrix: [[1]]}\n",
]
GRIDS = [[(4, 4), (4, 4)], [(12, 30), (12, 30), (3, 3)], [(60, 5), (8, 40), (2, 2)]]


@pytest.mark.parametrize(("body", "shapes"), list(zip(BODIES, GRIDS, strict=True)))
def test_letters_on_the_canvas_clear_of_every_other_text(body: str, shapes: Any) -> None:
    fig = grid(body, shapes)
    check(fig)
    no_text_overlaps(fig)
    found = letters(fig)
    assert len(found) == len(shapes)
    renderer = fig.canvas.get_renderer()
    for letter, ax in zip(found, fig.axes, strict=False):
        box = letter.get_window_extent(renderer)
        area = ax.get_window_extent(renderer)
        assert box.y0 >= area.y1  # above its map
        assert box.x0 <= area.x0 + 0.5  # at its top left
        assert letter.get_fontweight() in ("bold", 700)
        # Above the panel's title, if it has one.
        titles = [t for t in fig.texts if t.get_gid() == "heatmap-title"]
        for title in titles:
            other = title.get_window_extent(renderer)
            assert not box.overlaps(other)


def test_letters_read_in_order_and_follow_the_pattern() -> None:
    fig = grid(BODIES[1], GRIDS[1])
    assert [t.get_text() for t in letters(fig)] == ["A", "B", "C"]


def test_one_panel_figure_gets_a_letter_only_when_spelled_out() -> None:
    one = matrix(5, 5)
    assert letters(drawn(plot_of(parse_block("matrix: [[1]]\npanel_labels: true"), one))) == []
    fig = drawn(plot_of(parse_block('matrix: [[1]]\ntitle: T\npanel_labels: "(a)"'), one))
    check(fig)
    no_text_overlaps(fig)
    assert [t.get_text() for t in letters(fig)] == ["(a)"]


def test_unset_keeps_the_figure_key_of_older_builds(tmp_path: Any) -> None:
    from conftest import site_settings

    settings = site_settings(tmp_path)
    body = "panels:\n  - {matrix: [[1, 2]]}\n  - {matrix: [[3, 4]]}\n"
    plain = prepare_block(body, settings)
    off = prepare_block(body + "panel_labels: false\n", settings)
    on = prepare_block(body + "panel_labels: true\n", settings)
    assert plain.key == off.key != on.key
    rc, variants = plain.job.rc, ("light",)
    assert figure_key(plain.plot, rc, variants, transparent=False) == plain.key


# --------------------------------------------------------------------------
# References to panels, in a real build.

PAGE = """# Results

See [](#fig-probe), its panel [](#panel-movies) and [](#panel-trivia).

```heatmap
id: fig-probe
panel_labels: true
caption: Probe AUC on two datasets.
panels:
  - {matrix: [[1, 2], [3, 4]], title: TriviaQA, id: panel-trivia}
  - {matrix: [[4, 3], [2, 1]], title: Movies, id: panel-movies}
```

```heatmap
matrix: [[1]]
id: fig-other
```

Later: [](#fig-other).
"""


def test_panel_ids_read_figure_number_and_letter(site: Site, build: Any) -> None:
    site.config.update(
        validation={"anchors": "warn"},
        plugins=[{"heatmap": {"numbering": True, "figure_label": "Fig."}}],
    )
    site.page("index.md", PAGE)
    result = build(site, strict=True)
    assert result.ok, result.warnings
    html = site.html("index.md")
    refs = re.findall(r'<a href="#([^"]+)" class="heatmap-ref">([^<]*)</a>', html)
    assert refs == [
        ("fig-probe", "Fig.\u00a01"),
        ("panel-movies", "Fig.\u00a01b"),
        ("panel-trivia", "Fig.\u00a01a"),
        ("fig-other", "Fig.\u00a02"),
    ]
    assert '<span class="heatmap-panel-target" id="panel-trivia"></span>' in html
    assert '<span class="heatmap-panel-target" id="panel-movies"></span>' in html


def test_a_panel_id_twice_on_a_page_warns(site: Site, build: Any) -> None:
    site.config.update(plugins=[{"heatmap": {"numbering": True}}])
    site.page(
        "index.md", PAGE.replace("id: fig-other", "id: panel-movies").replace("[](#fig-other)", "")
    )
    result = build(site, strict=True)
    assert not result.ok
    assert any("id 'panel-movies' is used twice on this page" in w for w in result.warnings)


def test_extension_fills_panel_references(tmp_path: Any) -> None:
    import markdown

    html = markdown.markdown(
        PAGE,
        extensions=["mkdocs_heatmap.extension"],
        extension_configs={
            "mkdocs_heatmap.extension": {"base_dir": str(tmp_path), "numbering": True}
        },
    )
    assert '<a href="#panel-movies" class="heatmap-ref">Figure\u00a01b</a>' in html


SPHINX_INDEX = """\
Results
=======

See :numref:`panel-b` and :numref:`fig-two`.

.. heatmap::
   :name: fig-two

   panel_labels: true
   caption: Two panels.
   panels:
     - {matrix: [[1, 2], [3, 4]], title: First}
     - {matrix: [[4, 3], [2, 1]], title: Second, id: panel-b}

.. toctree::

   myst
"""


def test_sphinx_numbers_a_panel_id_as_its_figure(tmp_path: Any) -> None:
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    src = tmp_path / "docs"
    src.mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    (src / "conf.py").write_text(
        'extensions = ["myst_parser", "mkdocs_heatmap.sphinx"]\nnumfig = True\n'
    )
    (src / "index.rst").write_text(SPHINX_INDEX)
    (src / "myst.md").write_text("# Empty\n")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-N", "-W", "-b", "html", str(src), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    index = (tmp_path / "out" / "index.html").read_text()
    # The panel's id names the figure: its link goes to the figure, "Fig. 1".
    assert re.search(r'href="#fig-two"><span class="std std-numref">Fig\. 1', index)
    assert len(re.findall(r'class="std std-numref">Fig\. 1', index)) == 2


@pytest.mark.parametrize(("rows", "cols"), SHAPES)
@pytest.mark.parametrize("pattern", ["true", '"(A)"'])
def test_letters_over_the_shape_grid(rows: int, cols: int, pattern: str) -> None:
    """Two panels of each shape ``test_layout`` checks, titled and not, with
    their letters: on the canvas, above their maps, clear of every text."""
    body = f"panel_labels: {pattern}\ntitle: A figure\nxlabel: X\nylabel: Y\nncols: 2\npanels:\n"
    body += "  - {matrix: [[1]], title: A panel title}\n  - {matrix: [[1]]}\n"
    fig = grid(body, [(rows, cols), (rows, cols)])
    check(fig)
    no_text_overlaps(fig)
    renderer = fig.canvas.get_renderer()
    found = letters(fig)
    assert len(found) == 2
    for letter, ax in zip(found, fig.axes, strict=False):
        assert letter.get_window_extent(renderer).y0 >= ax.get_window_extent(renderer).y1
