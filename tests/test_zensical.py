"""Honest hosts: what `zensical build --strict` sees, and rebuilding after a
data file changes (Zensical caches pages by their own text)."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mkdocs_heatmap.extension import STRICT_HINT

DATA_URI = re.compile(r'src="data:image/svg\+xml;base64,([^"#]+)')
BAD = "# Bad\n\n```heatmap\nmatrix: [[1]]\ncmapp: Blues\n```\n"
CONFIG = "site_name: Z\nmarkdown_extensions:\n  - mkdocs_heatmap.extension\n"


def _zensical() -> str:
    path = shutil.which("zensical", path=str(Path(sys.executable).parent))
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("zensical is not installed (it is in the 'test' extra)")
        pytest.skip("zensical is not installed")
    return path


def zensical(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_zensical(), "build", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def project(root: Path, config: str, pages: dict[str, str]) -> Path:
    (root / "docs").mkdir(parents=True)
    for name, text in pages.items():
        (root / "docs" / name).write_text(text)
    (root / "mkdocs.yml").write_text(config)
    return root


def test_strict_fails_on_a_bad_block_with_autorefs_on_every_build(tmp_path: Path) -> None:
    config = CONFIG + "  - zensical.extensions.autorefs\n"
    root = project(tmp_path, config, {"index.md": "# Fine\n", "bad.md": BAD})
    message = "bad.md:5: heatmap: unknown key 'cmapp' (did you mean 'cmap'?)"
    for _ in range(2):  # the second build takes the page from Zensical's cache
        proc = zensical(root, "--strict")
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert message in proc.stdout + proc.stderr
    # Without --strict the site builds, the problem is still reported.
    proc = zensical(root)
    assert proc.returncode == 0 and message in proc.stdout + proc.stderr
    # The marker is invisible in the page; the error box is what shows.
    page = (root / "site" / "bad" / "index.html").read_text()
    assert "heatmap-error" in page


def test_without_autorefs_the_build_says_how_to_make_strict_see_problems(tmp_path: Path) -> None:
    root = project(tmp_path, CONFIG, {"index.md": BAD})
    proc = zensical(root, "--strict")
    assert proc.returncode == 0  # Zensical's --strict cannot see a logged warning
    output = proc.stdout + proc.stderr
    assert "index.md:5: heatmap: unknown key 'cmapp'" in output
    assert STRICT_HINT in output


def test_a_clean_site_with_autorefs_stays_clean(tmp_path: Path) -> None:
    config = CONFIG + "  - zensical.extensions.autorefs\n"
    root = project(tmp_path, config, {"index.md": "# A\n\n```heatmap\nmatrix: [[1, 2]]\n```\n"})
    proc = zensical(root, "--strict")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _svg(root: Path) -> bytes:
    (encoded,) = DATA_URI.findall((root / "site" / "index.html").read_text())
    return base64.b64decode(encoded)


def _edit(path: Path, text: str) -> None:
    """Change a file and move its time on by seconds: Zensical compares whole
    seconds, and a test edits faster than a person."""
    before = path.stat().st_mtime
    path.write_text(text)
    os.utime(path, (before + 5, before + 5))


def test_watch_makes_a_data_edit_reach_the_page(tmp_path: Path) -> None:
    """The documented workaround: list the data folder under `watch:`."""
    page = "# A\n\n```heatmap\ndata: data/m.csv\n```\n"
    root = project(tmp_path, CONFIG + "watch:\n  - docs/data\n", {"index.md": page})
    (root / "docs" / "data").mkdir()
    csv = root / "docs" / "data" / "m.csv"
    csv.write_text(",a,b\nx,1,2\n")
    assert zensical(root).returncode == 0
    first = _svg(root)
    _edit(csv, ",a,b\nx,2,1\n")
    assert zensical(root).returncode == 0
    assert _svg(root) != first


def test_without_watch_a_data_edit_leaves_the_old_figure(tmp_path: Path) -> None:
    """Why the workaround is documented: Zensical's cache keys pages by their text."""
    page = "# A\n\n```heatmap\ndata: m.csv\n```\n"
    root = project(tmp_path, CONFIG, {"index.md": page})
    csv = root / "docs" / "m.csv"
    csv.write_text(",a,b\nx,1,2\n")
    assert zensical(root).returncode == 0
    first = _svg(root)
    _edit(csv, ",a,b\nx,2,1\n")
    assert zensical(root).returncode == 0
    assert _svg(root) == first  # if Zensical learns to see it, update docs/hosts.md


def test_same_page_references_and_hover_under_zensical(tmp_path: Path) -> None:
    page = (
        "# A\n\nSee [](#fig-a).\n\n```heatmap\nmatrix: [[1, 2]]\nid: fig-a\nnumbered: true\n"
        "hover: true\n```\n"
    )
    root = project(tmp_path, CONFIG, {"index.md": page})
    proc = zensical(root, "--strict")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = (root / "site" / "index.html").read_text()
    assert '<a href="#fig-a" class="heatmap-ref">Figure\u00a01</a>' in html
    assert "data-heatmap='" in html
    assert html.count("mkdocs-heatmap: read a heatmap") == 1  # the script, once


def test_watch_makes_a_site_style_edit_reach_the_page(tmp_path: Path) -> None:
    config = (
        "site_name: Z\nmarkdown_extensions:\n  - mkdocs_heatmap.extension:\n"
        "      style: styles/lab.mplstyle\nwatch:\n  - styles\n"
    )
    root = project(tmp_path, config, {"index.md": "# A\n\n```heatmap\nmatrix: [[1, 2]]\n```\n"})
    (root / "styles").mkdir()
    style = root / "styles" / "lab.mplstyle"
    style.write_text("font.size: 9\n")
    assert zensical(root).returncode == 0
    first = _svg(root)
    _edit(style, "font.size: 16\n")
    proc = zensical(root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _svg(root) != first
