"""The MyST-MD host (Jupyter Book 2): real ``myst build --site`` runs.

MyST-MD (``mystmd`` from PyPI, in the ``test`` extra; it runs on the
machine's Node.js) builds a project whose ``myst.yml`` lists the plugin file
``mkdocs-heatmap init myst`` writes.  Offline, a local template folder makes
``myst build --site`` write each page's AST as JSON under
``_build/site/content/``, which the tests read: figure nodes, their
identifiers and numbers, resolved references, the image files MyST-MD wrote
from the plugin's ``data:`` URIs (the same bytes the API draws), and the
warnings a bad block gives.  One build serves the module.  Without ``myst``
or Node.js the tests are skipped, unless ``CI`` is set.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from catalog import CASES
from conftest import put
from mkdocs_heatmap.api import render_spec
from mkdocs_heatmap.cli import main as cli
from mkdocs_heatmap.myst import (
    PLUGIN_FILE,
    SPEC,
    Failed,
    directive,
    project_root,
    transform,
    write_plugin,
)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required when CI is set)", pytrace=False)
    pytest.skip(reason)


def _myst() -> str:
    found = shutil.which("myst", path=str(Path(sys.executable).parent)) or shutil.which("myst")
    if found is None:
        _unavailable("myst is not installed (mystmd is in the 'test' extra)")
    node = shutil.which("node")
    if node is None:
        _unavailable("MyST-MD needs Node.js 20 or newer (node on PATH)")
    version = subprocess.run([str(node), "--version"], capture_output=True, text=True).stdout
    if int(version.lstrip("v").split(".")[0] or 0) < 20:
        _unavailable(f"MyST-MD needs Node.js 20 or newer, not {version.strip()}")
    return str(found)


def myst(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    home = root.parent / f"{root.name}-home"  # MyST-MD's own files stay in the test's folders
    home.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(home), "NO_UPDATE_NOTIFIER": "1"}
    return subprocess.run(
        [_myst(), "build", "--site", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


AUC = "layer,a,b\n1,0.5,0.7\n2,0.9,0.6\n"
AUC_BLOCK = "data: results/auc.csv\nindex: true\ntitle: Probe AUC\ncaption: Probe AUC per layer."
INDEX = f"""---
title: Results
---

# Results

```{{heatmap}}
:label: fig-auc
{AUC_BLOCK}
```

```{{heatmap}}
matrix: [[1, 2], [3, 4]]
id: fig-b
theme: auto
```

```{{heatmap}}
matrix: [[5, 6]]
```

As @fig-auc shows, and [](#fig-auc), and [](#fig-b).
"""
OTHER = "---\ntitle: Other\n---\n\n# Other\n\nFrom another page: [](#fig-auc).\n"
# Panels with ids of their own: lettered (a gap at b), lettered in a figure
# without an id, and unlettered.
PANELS = """---
title: Panels
---

# Panels

See [](#fig-probe), its panels [](#panel-movies) and @panel-trivia; then
[](#panel-left), [](#panel-right); [](#panel-x) and @panel-y.

```{heatmap}
id: fig-probe
panel_labels: true
caption: Probe AUC on three datasets.
panels:
  - {matrix: [[1, 2], [3, 4]], title: TriviaQA, id: panel-trivia}
  - {matrix: [[4, 3], [2, 1]], title: Books}
  - {matrix: [[4, 3], [2, 1]], title: Movies, id: panel-movies}
```

```{heatmap}
panel_labels: true
panels:
  - {matrix: [[1]], id: panel-left}
  - {matrix: [[2]], id: panel-right}
```

```{heatmap}
caption: Unlettered.
panels:
  - {matrix: [[1]], id: panel-x}
  - {matrix: [[2]], id: panel-y}
```
"""
MORE = "---\ntitle: More\n---\n\n# More\n\nFrom another page: [](#panel-movies).\n"
# Blocks past the limits: over 1,000,000 characters; under it, but over the
# 1 MiB MyST-MD reads back from a directive (400,000 three-byte characters);
# a row label with U+202E RIGHT-TO-LEFT OVERRIDE.
LIMITS = (
    "---\ntitle: Limits\n---\n\n# Limits\n\n"
    "```{heatmap}\nmatrix: [[1, 2], [3, 4]]\n# " + "x" * 1_000_000 + "\n```\n\n"
    "```{heatmap}\nmatrix: [[1, 2], [3, 4]]\n# " + "\u8868" * 400_000 + "\n```\n\n"
    "```{heatmap}\ndata: results/bidi.csv\nindex: true\n```\n"
)
BIDI = "m,x,y\nab\u202ecd,1,2\nef,3,4\n"
PICKED = ["unknown-key", "wrong-type", "yaml-syntax", "duplicate-key", "missing-file", "mathtext"]
ROWS = {case[0]: case for case in CASES}
CONFIG = f"""version: 1
project:
  title: Heatmaps
  plugins:
    - {{type: executable, path: {PLUGIN_FILE}}}
site:
  template: ./template
"""


def _errors_page() -> tuple[str, dict[str, int]]:
    """One page with every picked row, each fence on a known line; the line
    each row's problem is expected at."""
    text = "---\ntitle: Errors\n---\n\n# Errors\n\n"
    lines = {}
    for name in PICKED:
        _, body, _, _, line = ROWS[name]
        fence = text.count("\n") + 1
        lines[name] = fence + (line - 5)  # the catalog's fence is on line 5
        text += f"```{{heatmap}}\n{body}\n```\n\n"
    return text, lines


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One MyST-MD project built once: its folder, the build's output and
    each page's AST."""
    root = tmp_path_factory.mktemp("myst")
    put(root, "myst.yml", CONFIG)
    put(root, "template/template.yml", "myst: v1\nkind: site\n")
    put(root, "results/auc.csv", AUC)
    put(root, "index.md", INDEX)
    put(root, "other.md", OTHER)
    put(root, "panels.md", PANELS)
    put(root, "more.md", MORE)
    put(root, "limits.md", LIMITS)
    put(root, "results/bidi.csv", BIDI)
    errors, lines = _errors_page()
    put(root, "errors.md", errors)
    # The plugin file, run by this Python (the default first line finds
    # python3 on PATH).
    assert cli(["init", "myst", "--dir", str(root), "--python", sys.executable]) == 0
    proc = myst(root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    content = root / "_build" / "site" / "content"
    pages = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in content.glob("*.json")}
    return {"root": root, "proc": proc, "pages": pages, "lines": lines}


def nodes(tree: Any, kind: str) -> list[dict[str, Any]]:
    found = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == kind:
                found.append(node)
            stack.extend(reversed(node.get("children") or []))
    return found


def figures(built: dict[str, Any], page: str) -> list[dict[str, Any]]:
    tree = built["pages"][page]["mdast"]
    return [n for n in nodes(tree, "container") if "heatmap" in n.get("class", "")]


def test_figures_are_numbered_and_labelled(built: dict[str, Any]) -> None:
    found = figures(built, "index")
    assert [(f.get("identifier"), f["enumerator"]) for f in found] == [
        ("fig-auc", "1"),
        ("fig-b", "2"),
        (None, "3"),
    ]
    assert all(f["kind"] == "figure" for f in found)
    caption = nodes(found[0], "caption")[0]
    number = nodes(caption, "captionNumber")[0]
    assert number["enumerator"] == "1"
    texts = [n["value"] for n in nodes(caption, "text")]
    assert texts[-1] == "Probe AUC per layer."


def test_references_resolve(built: dict[str, Any]) -> None:
    refs = nodes(built["pages"]["index"]["mdast"], "crossReference")
    resolved = [(r["identifier"], r.get("enumerator"), r.get("resolved")) for r in refs]
    assert resolved == [("fig-auc", "1", True), ("fig-auc", "1", True), ("fig-b", "2", True)]
    (across,) = nodes(built["pages"]["other"]["mdast"], "crossReference")
    assert (across["identifier"], across["enumerator"], across["resolved"]) == (
        "fig-auc",
        "1",
        True,
    )


def _references(tree: Any) -> list[tuple[str, str, str]]:
    """Each reference's target, the text it reads and the id it links to."""
    return [
        (ref["identifier"], "".join(n["value"] for n in nodes(ref, "text")), ref["html_id"])
        for ref in nodes(tree, "crossReference")
    ]


def test_panel_ids_read_number_and_letter(built: dict[str, Any]) -> None:
    tree = built["pages"]["panels"]["mdast"]
    assert _references(tree) == [
        ("fig-probe", "Figure\u00a01", "fig-probe"),
        # MyST-MD's own subfigure numbers: the panel's letter, its figure's id.
        ("panel-movies", "Figure\u00a01c", "fig-probe"),
        ("panel-trivia", "Figure\u00a01a", "fig-probe"),
        ("panel-left", "Figure\u00a02a", "panel-left"),
        ("panel-right", "Figure\u00a02b", "panel-left"),
        # Unlettered: the figure itself ("Figure 3"), its first panel's id
        # naming it.
        ("panel-x", "Figure\u00a03", "panel-x"),
        ("panel-x", "Figure\u00a03", "panel-x"),
    ]
    assert all(ref["resolved"] for ref in nodes(tree, "crossReference"))
    (across,) = _references(built["pages"]["more"]["mdast"])
    assert across == ("panel-movies", "Figure\u00a01c", "fig-probe")
    log = built["proc"].stdout + built["proc"].stderr
    assert "panels.md:" not in log and "more.md:" not in log  # no warning


def test_panel_targets_are_left_out_of_every_output(built: dict[str, Any]) -> None:
    """The subfigures are in a comment after their figure: no theme or
    export shows a comment's content; the figures are as without them."""
    tree = built["pages"]["panels"]["mdast"]
    found = figures(built, "panels")
    assert [(f.get("identifier"), f.get("html_id"), f["enumerator"]) for f in found] == [
        ("fig-probe", "fig-probe", "1"),
        (None, "panel-left", "2"),
        ("panel-x", "panel-x", "3"),
    ]
    for figure in found:
        assert not [n for n in nodes(figure, "container") if n.get("subcontainer")]
    comments = [n for n in nodes(tree, "comment") if nodes(n, "container")]
    assert len(comments) == 2
    subfigures = [n for n in nodes(comments[0], "container") if n.get("subcontainer")]
    assert [(s.get("identifier"), s["enumerator"]) for s in subfigures] == [
        ("panel-trivia", "a"),
        (None, "b"),
        ("panel-movies", "c"),
    ]


def test_images_are_files_with_the_api_bytes(built: dict[str, Any]) -> None:
    root = built["root"]
    auc, pair, _ = figures(built, "index")
    (image,) = nodes(auc, "image")
    path = root / "_build" / "site" / "public" / image["url"].lstrip("/")
    assert path.suffix == ".svg"
    assert path.read_bytes() == render_spec(AUC_BLOCK + "\nid: fig-auc", base_dir=root)
    assert image["alt"].startswith("Heatmap of Probe AUC: 2 rows by 2 columns.")
    # theme: auto: both variants, shown by the theme's dark mode.
    light, dark = nodes(pair, "image")
    assert (light["class"], dark["class"]) == ("dark:hidden", "hidden dark:block")
    for each in (light, dark):
        assert (root / "_build" / "site" / "public" / each["url"].lstrip("/")).is_file()


def test_bad_blocks_warn_at_their_line_and_show_a_box(built: dict[str, Any]) -> None:
    log = built["proc"].stdout + built["proc"].stderr
    boxes = [n for n in nodes(built["pages"]["errors"]["mdast"], "admonition")]
    assert len(boxes) == len(PICKED)
    for name, box in zip(PICKED, boxes, strict=True):
        fragment, line = ROWS[name][3], built["lines"][name]
        warning = [entry for entry in log.split("\n") if f"errors.md:{line} " in entry]
        assert warning, (name, log)
        assert "Cross reference target was not found: heatmap: " in warning[0]
        assert fragment in warning[0]
        assert box["kind"] == "error"
        assert nodes(box, "code")[0]["value"] == ROWS[name][1]


def test_blocks_too_large_for_the_plugin_warn_at_their_line(built: dict[str, Any]) -> None:
    """A directive's reply longer than MyST-MD reads back would fail as cut
    JSON naming neither the block nor why: the block is refused at its line,
    its error box showing only its start."""
    log = built["proc"].stdout + built["proc"].stderr
    assert "Error reading file" not in log
    expected = {
        8: "heatmap: the block is longer than 1,000,000 characters",
        13: "bytes as the plugin hands it back to MyST-MD, which reads at most 1,000,000",
    }
    for line, message in expected.items():
        warning = [entry for entry in log.split("\n") if f"limits.md:{line} " in entry]
        assert warning and message in warning[0], (line, log[-2000:])
    boxes = nodes(built["pages"]["limits"]["mdast"], "admonition")
    assert len(boxes) == 2
    for box in boxes:
        assert len(nodes(box, "code")[0]["value"]) < 20_000


def test_alt_text_isolates_bidirectional_controls(built: dict[str, Any]) -> None:
    """U+202E in a label would reverse the rest of the alt text (the hover
    data's labels were already isolated)."""
    (figure,) = figures(built, "limits")
    (image,) = nodes(figure, "image")
    assert "\u202e" not in image["alt"]
    assert "(row abcd, column x)" in image["alt"]


def test_strict_fails_with_the_error_rule(built: dict[str, Any]) -> None:
    """``myst build --strict`` fails on errors only: the documented
    ``error_rules`` entry makes an unresolved reference (so a bad block) one."""
    root = built["root"]
    rule = "  error_rules:\n    - {rule: reference-target-resolves, severity: error}\n"
    put(root, "myst.yml", CONFIG.replace("site:", rule + "site:"))
    try:
        proc = myst(root, "--strict")
    finally:
        put(root, "myst.yml", CONFIG)
    assert proc.returncode != 0
    assert "Cross reference target was not found: heatmap: unknown key 'cmapp'" in proc.stdout


# --------------------------------------------------------------------------
# The plugin's two steps, in this process.


def test_spec_names_the_directive_and_the_transform() -> None:
    assert [d["name"] for d in SPEC["directives"]] == ["heatmap"]
    assert SPEC["transforms"] == [{"name": "heatmap-figures", "stage": "document"}]


def test_directive_holds_the_block_and_its_label() -> None:
    data = {
        "name": "heatmap",
        "node": {"type": "mystDirective", "position": {"start": {"line": 7}}},
        "options": {},
        "body": "matrix: [[1]]\nid: Fig-A",
    }
    (node,) = directive(data)
    assert (node["type"], node["kind"], node["label"], node["identifier"]) == (
        "container",
        "figure",
        "Fig-A",
        "fig-a",
    )
    assert node["children"] == [{"type": "code", "lang": "yaml", "value": data["body"]}]


def _page(body: str, line: int = 7) -> dict[str, Any]:
    data = {"node": {"position": {"start": {"line": line}}}, "options": {}, "body": body}
    return {"type": "root", "children": [{"type": "block", "children": directive(data)}]}


def test_transform_draws_and_fails_as_told(tmp_path: Path) -> None:
    put(
        tmp_path, "myst.yml", "version: 1\nproject:\n  options:\n    heatmap:\n      cache: false\n"
    )
    tree = transform(_page("matrix: [[1, 2]]"), tmp_path)
    (image,) = nodes(tree, "image")
    assert image["url"].startswith("data:image/svg+xml;base64,")
    config = "version: 1\nproject:\n  options:\n    heatmap: {on_error: fail, cache: false}\n"
    put(tmp_path, "myst.yml", config)
    with pytest.raises(Failed, match=r"heatmap: line 8: unknown key 'cmapp'"):
        transform(_page("matrix: [[1]]\ncmapp: x"), tmp_path)
    put(tmp_path, "myst.yml", "version: 1\nproject:\n  options:\n    heatmap: {theme: sepia}\n")
    with pytest.raises(Failed, match="option 'theme': expected one of light, auto"):
        transform(_page("matrix: [[1]]"), tmp_path)


def test_project_root_is_the_folder_of_myst_yml(tmp_path: Path) -> None:
    put(tmp_path, "myst.yml", "version: 1\n")
    (tmp_path / "sub").mkdir()
    assert project_root(tmp_path / "sub") == tmp_path.resolve()


def test_init_writes_an_executable_plugin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    put(tmp_path, "myst.yml", "version: 1\nproject:\n  title: x\n")
    assert cli(["init", "myst", "--dir", str(tmp_path)]) == 0
    plugin = tmp_path / PLUGIN_FILE
    assert plugin.read_text(encoding="utf-8").startswith("#!/usr/bin/env python3\n")
    assert os.access(plugin, os.X_OK)
    assert "- {type: executable, path: heatmap.py}" in capsys.readouterr().out
    plugin.write_text("# mine\n", encoding="utf-8")
    assert cli(["init", "myst", "--dir", str(tmp_path)]) == 1
    assert plugin.read_text(encoding="utf-8") == "# mine\n"
    assert write_plugin(tmp_path, force=True) == plugin
    put(tmp_path, "myst.yml", CONFIG)
    assert cli(["init", "myst", "--dir", str(tmp_path)]) == 0
    assert "add to myst.yml" not in capsys.readouterr().out
