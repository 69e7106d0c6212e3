"""The project's own gates, run by the README's test command: lint, types, and
strict builds of the docs and the example site with the plugin itself."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_ruff_lint() -> None:
    result = _run("ruff", "check", "src", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = _run("ruff", "format", "--check", "src", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("config", ["mkdocs.yml", "example_site/mkdocs.yml"])
def test_site_builds_strict(tmp_path: Path, config: str) -> None:
    # Build from a copy (config + docs folder) so no site/ or cache lands in the tree.
    source = ROOT / config
    copy = tmp_path / "project"
    copy.mkdir()
    shutil.copy(source, copy / source.name)
    shutil.copytree(source.parent / "docs", copy / "docs")
    site = tmp_path / "site"
    result = _run("mkdocs", "build", "--strict", "-f", str(copy / source.name), "-d", str(site))
    assert result.returncode == 0, result.stdout + result.stderr
    assert list((site / "assets" / "heatmaps").glob("*.svg"))


def test_wheel_and_sdist_build_and_pass_twine_check(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    built = _run("build", "--sdist", "--wheel", "--outdir", str(out), str(ROOT))
    assert built.returncode == 0, built.stdout + built.stderr
    wheel = next(out.glob("*.whl"))
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("mkdocs_heatmap/py.typed", "mkdocs_heatmap/assets/heatmap.css"):
        assert needed in names
    metadata = next(n for n in names if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Classifier: Framework :: MkDocs" in text
    assert "Requires-Dist: mkdocs<2,>=1.5" in text
    checked = _run("twine", "check", "--strict", *map(str, out.iterdir()))
    assert checked.returncode == 0, checked.stdout + checked.stderr
