"""Real MkDocs builds in temporary folders.

``build`` runs MkDocs' own build function in this process (fast, and log
records are visible to the test); ``build_cli`` runs the ``mkdocs`` command
in a subprocess, exactly as a user would, for exit codes and output.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
import yaml

from mkdocs_heatmap.data import load_matrix, parse_source
from mkdocs_heatmap.errors import DataError
from mkdocs_heatmap.model import DataRoots, LabelledMatrix, Limits, Panel, Plot, Settings
from mkdocs_heatmap.spec import HeatmapSpec
from mkdocs_heatmap.style import resolve_style

if TYPE_CHECKING:
    from matplotlib.text import Text

MATERIAL = {"name": "material"}
RC = resolve_style(None)  # the default site style


def put(root: Path, rel: str, content: str | bytes) -> Path:
    """Write a file under ``root`` (text exactly as given: no newline translation)."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


@dataclass
class Site:
    root: Path
    pages: dict[str, str] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    # YAML appended verbatim to the generated mkdocs.yml, for what safe_dump
    # cannot write (``!!python/name:`` tags).
    extra_yaml: str = ""

    @property
    def docs(self) -> Path:
        return self.root / "docs"

    @property
    def out(self) -> Path:
        return self.root / "site"

    def write(self, rel: str, content: str | bytes) -> Path:
        return put(self.root, rel, content)

    def page(self, rel: str, content: str) -> Path:
        return self.write(f"docs/{rel}", textwrap.dedent(content).lstrip("\n"))

    def write_config(self) -> Path:
        config = {"site_name": "Test", "docs_dir": "docs", "site_dir": "site", **self.config}
        config.setdefault("plugins", ["heatmap"])
        path = self.root / "mkdocs.yml"
        text = yaml.safe_dump(config, sort_keys=False) + self.extra_yaml
        path.write_text(text, encoding="utf-8")
        return path

    def html(self, page: str = "index.md") -> str:
        return (self.out / _html_path(page, self.config)).read_text(encoding="utf-8")

    def images(self, output_dir: str = "assets/heatmaps") -> list[Path]:
        folder = self.out / output_dir
        return sorted(p for p in folder.glob("*") if p.suffix in (".svg", ".png"))


def _html_path(page: str, config: Mapping[str, Any]) -> str:
    stem = page[: -len(".md")]
    if not config.get("use_directory_urls", True):
        return f"{stem}.html"
    if stem == "index" or stem.endswith("/index"):
        return f"{stem}.html"
    return f"{stem}/index.html"


@dataclass
class BuildResult:
    ok: bool
    records: list[logging.LogRecord]
    error: str = ""

    @property
    def warnings(self) -> list[str]:
        return [
            r.getMessage()
            for r in self.records
            if r.levelno >= logging.WARNING and r.name.startswith("mkdocs")
        ]

    def heatmap_warnings(self) -> list[str]:
        return [w for w in self.warnings if ": heatmap: " in w]


def forget_plugins() -> None:
    """MkDocs keeps plugins that define on_startup alive across builds in one
    process (that is how `mkdocs serve` keeps state); tests start fresh."""
    from mkdocs.config.defaults import MkDocsConfig

    MkDocsConfig.plugins.plugin_cache.clear()  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _fresh_plugins() -> None:
    forget_plugins()


# --------------------------------------------------------------------------
# The guard: no test (nor a build it runs, in any host or subprocess) writes
# outside its temporary folders.  As root, as CI runs, a write into "/" or
# $HOME succeeds where a user's build would fail; this sees it.

REPO = Path(__file__).resolve().parents[1]
_TOOL_FOLDERS = {".git", ".venv", ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache"}


def _repository() -> set[str]:
    """Every file and folder of the checkout but tools' own.  New ones count,
    not edits: a developer edits files while the tests run."""
    seen: set[str] = set()
    for folder, dirs, files in os.walk(REPO):
        dirs[:] = [d for d in dirs if d not in _TOOL_FOLDERS and d != "__pycache__"]
        seen.update(os.path.relpath(os.path.join(folder, name), REPO) for name in (*dirs, *files))
    return seen


def outside_snapshot() -> dict[str, set[str]]:
    """What the guard compares: "/", $HOME, the checkout, the working folder."""
    places = {"/": set(os.listdir("/")), "the repository": _repository()}
    with contextlib.suppress(OSError):
        places["$HOME"] = set(os.listdir(Path.home()))
    cwd = Path.cwd()
    if not cwd.is_relative_to(REPO) and not cwd.is_relative_to("/tmp"):
        places[f"the working folder {cwd}"] = set(os.listdir(cwd))
    return places


def written_outside(before: dict[str, set[str]], after: dict[str, set[str]]) -> list[str]:
    """What appeared between two snapshots."""
    return [
        f"{place}: {name}"
        for place, was in before.items()
        for name in sorted(after.get(place, was) - was)
    ]


@pytest.fixture(autouse=True)
def _writes_nothing_outside() -> Iterator[None]:
    before = outside_snapshot()
    yield
    changed = written_outside(before, outside_snapshot())
    if changed:
        pytest.fail("wrote outside its temporary folders: " + ", ".join(changed[:20]))


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path)


class Collect(logging.Handler):
    """Keeps every record it is given (a logger's output, for a test to read)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def build() -> Iterator[Any]:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, MkDocsException

    handler = Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)

    def run(site: Site, *, strict: bool = False) -> BuildResult:
        handler.records.clear()
        path = site.write_config()
        cwd = os.getcwd()
        os.chdir(site.root)
        forget_plugins()
        try:
            config = load_config(str(path), strict=strict)
            mkdocs_build(config)
        except (Abort, MkDocsException) as exc:
            return BuildResult(False, list(handler.records), str(exc))
        finally:
            os.chdir(cwd)
        return BuildResult(True, list(handler.records))

    yield run
    logger.removeHandler(handler)
    logger.setLevel(old_level)


@dataclass
class CliResult:
    returncode: int
    output: str


def build_cli(site: Site, *args: str) -> CliResult:
    site.write_config()
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", *args],
        cwd=site.root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return CliResult(proc.returncode, proc.stdout + proc.stderr)


# --------------------------------------------------------------------------
# Data files, loaded as a block would load them.

# A long ("tidy") table: two layers, two tokens, a repeated and a missing value.
LONG = """layer,token,auc
2,b,0.50
2,a,0.70
1,b,0.60
2,a,0.90
1,b,
1,b,0.80
"""


def make_roots(root: Path) -> DataRoots:
    """A project at ``root`` with docs/ and a page in docs/guide/."""
    (root / "docs" / "guide").mkdir(parents=True, exist_ok=True)
    return DataRoots(docs_dir=root / "docs", project_root=root, page_dir=root / "docs" / "guide")


def load(
    tmp_path: Path,
    name: str,
    content: str | bytes,
    limits: Limits | None = None,
    **spec: Any,
) -> LabelledMatrix:
    """Write ``docs/<name>`` and load it as ``data: <name>``.

    ``data_key`` stands for the block's ``key`` (taken by pytest helpers' own
    ``key`` argument).
    """
    if "data_key" in spec:
        spec["key"] = spec.pop("data_key")
    roots = make_roots(tmp_path)
    put(tmp_path, f"docs/{name}", content)
    return load_matrix(HeatmapSpec(data=name, **spec), roots, limits or Limits())


def load_error(
    tmp_path: Path,
    name: str,
    content: str | bytes,
    fragment: str,
    key: str = "data",
    limits: Limits | None = None,
    **spec: Any,
) -> DataError:
    with pytest.raises(DataError) as info:
        load(tmp_path, name, content, limits, **spec)
    return check_error(info.value, fragment, key)


def check_error(err: DataError, fragment: str, key: str) -> DataError:
    message = str(err)
    assert fragment in message, message
    assert "\n" not in message
    assert "\r" not in message
    assert "Traceback" not in message
    assert err.key == key, (err.key, message)
    return err


def same(actual: np.ndarray[Any, Any], expected: list[list[float]]) -> None:
    """Equal values, NaN matching NaN."""
    np.testing.assert_array_equal(actual, np.array(expected, dtype=np.float64))


def inline(cells: list[list[float]], **spec: Any) -> LabelledMatrix:
    matrix = tuple(tuple(float(v) for v in row) for row in cells)
    return parse_source(HeatmapSpec(matrix=matrix, **spec), None)


def save_npy(tmp_path: Path, name: str, array: Any) -> None:
    (tmp_path / "docs").mkdir(parents=True, exist_ok=True)
    np.save(tmp_path / "docs" / name, array, allow_pickle=True)


def load_saved(tmp_path: Path, name: str, **spec: Any) -> LabelledMatrix:
    if "data_key" in spec:
        spec["key"] = spec.pop("data_key")
    return load_matrix(HeatmapSpec(data=name, **spec), make_roots(tmp_path))


# --------------------------------------------------------------------------
# Figures, drawn as the renderer draws them.


def plot_of(spec: HeatmapSpec, matrix: LabelledMatrix) -> Plot:
    """A one-panel figure of ``spec`` over ``matrix``."""
    return Plot(spec, (Panel(spec, matrix),))


def drawn(plot: Plot, variant: str = "light") -> Any:
    """The matplotlib Figure of ``plot``, laid out (extents are final)."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from mkdocs_heatmap.render import build_figure, rc_for

    with mpl.rc_context(rc_for(RC, variant)):
        fig = build_figure(plot, variant=variant)
        FigureCanvasAgg(fig)
        fig.canvas.draw()  # layout runs at draw time
    return fig


def figure_text(fig: Any, role: str) -> str | None:
    """The figure's title, xlabel, ylabel or colorbar label, as drawn."""
    found = [t.get_text() for t in fig.texts if t.get_gid() == f"heatmap-{role}"]
    return found[0] if found else None


def site_settings(root: Path, docs: Path | None = None) -> Settings:
    """Settings of a project at ``root`` with the default style."""
    return Settings(roots=DataRoots(docs_dir=docs or root, project_root=root), rc=RC)


# --------------------------------------------------------------------------
# Reading built pages.


class Figures(HTMLParser):
    """Collects every <figure class="heatmap"> with its <img> attributes and caption."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: list[dict[str, Any]] = []
        self.errors = 0
        self._in_caption = False
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "figure" and "heatmap" in a.get("class", "").split():
            self.figures.append({"figure": a, "img": None, "caption": "", "links": []})
        elif tag == "img" and self.figures and self.figures[-1]["img"] is None:
            self.figures[-1]["img"] = a
        elif tag == "figcaption":
            self._in_caption = True
        elif tag == "a" and self._in_caption:
            self.figures[-1]["links"].append(a)
        if tag == "div" and "heatmap-error" in a.get("class", ""):
            self.errors += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "figcaption":
            self._in_caption = False

    def handle_data(self, data: str) -> None:
        if self._in_caption:
            self.figures[-1]["caption"] += data


def figures(html: str) -> Figures:
    parser = Figures()
    parser.feed(html)
    return parser


def resolve(site: Site, page_html: str, src: str) -> Path:
    return (site.out / page_html).parent / src


def svg_texts(svg: bytes) -> list[str]:
    # matplotlib writes each text as paths preceded by a comment with the string.
    return re.findall(r"<!-- (.*?) -->", svg.decode("utf-8"))


def cell_center(panel: dict[str, Any], i: int, j: int) -> tuple[float, float]:
    """The center of cell (i, j) of a hover panel (``data-heatmap``'s ``p``
    items), as fractions of the image from its top-left corner."""
    left, top, right, bottom = panel["b"]
    rows, cols = len(panel["y"]), len(panel["x"])
    return (left + (j + 0.5) * (right - left) / cols, top + (i + 0.5) * (bottom - top) / rows)


# --------------------------------------------------------------------------
# Drawn figures: every text inside the canvas, tick labels apart.


def visible_texts(fig: Any) -> list[Any]:
    from matplotlib.text import Text

    return [
        t
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip() and t.get_figure() is not None
    ]


def check(fig: Any) -> None:
    """Every text inside the canvas; neighbouring tick labels apart."""
    renderer = fig.canvas.get_renderer()
    width, height = fig.canvas.get_width_height()
    for text in visible_texts(fig):
        box = text.get_window_extent(renderer)
        assert box.x0 >= -0.5 and box.y0 >= -0.5, (text.get_text(), box)
        assert box.x1 <= width + 0.5 and box.y1 <= height + 0.5, (text.get_text(), box)
    for ax in fig.axes:
        for axis in ("x", "y"):
            ticks = [t for t in getattr(ax, f"get_{axis}ticklabels")() if t.get_text()]
            assert not apart(ax, ticks, renderer), axis


def apart(ax: Any, ticks: list[Any], renderer: Any) -> list[tuple[str, str]]:
    """Neighbouring tick labels that touch: level or upright labels by their
    boxes; slanted ones by the distance across the slant, at least a line."""
    touching = []
    for a, b in itertools.pairwise(ticks):
        rotation = a.get_rotation() % 180
        if rotation in (0.0, 90.0):
            if a.get_window_extent(renderer).overlaps(b.get_window_extent(renderer)):
                touching.append((a.get_text(), b.get_text()))
            continue
        _w, line, _d = renderer.get_text_width_height_descent(
            "lp", a.get_fontproperties(), ismath=False
        )
        anchor_a = ax.transData.transform((a.get_unitless_position()[0], 0))[0]
        anchor_b = ax.transData.transform((b.get_unitless_position()[0], 0))[0]
        if abs(anchor_b - anchor_a) * math.sin(math.radians(rotation)) < 0.95 * line:
            touching.append((a.get_text(), b.get_text()))
    return touching


# --------------------------------------------------------------------------
# Layout checks shared by the layout, listed-ticks and panel-label tests.

SHAPES = [(1, 1), (2, 2), (3, 5), (10, 10), (12, 10), (13, 13), (32, 15), (64, 64), (2, 40)]
SHAPES += [(40, 2), (1, 30), (30, 1), (120, 3), (7, 90)]


def labels_for(n: int, kind: str) -> tuple[str, ...]:
    if kind == "numbers":
        return tuple(str(i) for i in range(n))
    if kind == "long":
        return tuple(f"exact_answer_after_token_{i}" for i in range(n))
    return tuple(f"model-{i}" for i in range(n))


def matrix(rows: int, cols: int, kind: str = "names") -> LabelledMatrix:
    values = np.random.default_rng(rows * 100 + cols).random((rows, cols))
    return LabelledMatrix(values, labels_for(cols, kind), labels_for(rows, kind))


def ticks(fig: Any, axis: str) -> list[Text]:
    ax = fig.axes[0]
    return [t for t in getattr(ax, f"get_{axis}ticklabels")() if t.get_text()]


def role(fig: Any, name: str) -> Text:
    (found,) = [t for t in fig.texts if t.get_gid() == f"heatmap-{name}"]
    return found


def boxes(fig: Any, texts: list[Text]) -> list[Any]:
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in texts]


def titles_outside(fig: Any) -> None:
    """The x title below every x tick label, the y title beside the map on
    the left of every y tick label and of any tree; neither touches a tick
    label, the map or the colorbar."""
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    area = ax.get_window_extent(renderer)
    xs, ys = boxes(fig, ticks(fig, "x")), boxes(fig, ticks(fig, "y"))
    if figure_text(fig, "xlabel"):
        xlabel = role(fig, "xlabel").get_window_extent(renderer)
        assert all(xlabel.y1 <= b.y0 + 0.5 for b in xs)
        assert xlabel.y1 <= area.y0
    if figure_text(fig, "ylabel"):
        ylabel = role(fig, "ylabel").get_window_extent(renderer)
        assert ylabel.x1 <= area.x0  # on the map's left, whatever else is there
        assert not any(ylabel.overlaps(b) for b in ys)
        assert all(ylabel.x1 <= b.x0 + 0.5 for b in ys)
        others = [a.get_window_extent(renderer) for a in fig.axes[1:]]  # trees, colorbar
        assert all(ylabel.x1 <= b.x0 + 0.5 for b in others if b.y1 > ylabel.y0)


def no_text_overlaps(fig: Any) -> None:
    """No two level or upright texts of the figure overlap (slanted tick
    labels are checked against their neighbours by ``apart``)."""
    from matplotlib.text import Text

    renderer = fig.canvas.get_renderer()
    hidden = [ax for ax in fig.axes if not ax.axison]  # dendrograms: no axis drawn
    found = [
        t
        for t in fig.findobj(Text)
        if t.get_visible()
        and t.get_text().strip()
        and t.get_rotation() % 90 == 0
        and not any(t in ax.findobj(Text) for ax in hidden)
    ]
    placed = [(t.get_text(), t.get_window_extent(renderer)) for t in found]
    for (a, box_a), (b, box_b) in itertools.combinations(placed, 2):
        assert not box_a.overlaps(box_b), (a, b)
