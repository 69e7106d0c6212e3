"""The hardening rows of the catalog through every host but the build (whose
run is ``test_errors_build``): the API, ``mkdocs-heatmap render``, the
Markdown extension.  Each gives the product's one-line error, never another
exception, a traceback or an empty page."""

from __future__ import annotations

import logging
from pathlib import Path

import markdown
import pytest

from catalog import HARDENING
from conftest import put
from mkdocs_heatmap.api import render_spec
from mkdocs_heatmap.cli import main
from mkdocs_heatmap.errors import HeatmapError

ROWS = [pytest.param(*row[1:4], id=row[0]) for row in HARDENING]


def _project(root: Path, files: dict[str, str | bytes], *, docs: bool) -> None:
    """The row's files; without a docs folder, what it puts in docs/ goes to
    the project root (the API and the CLI have no pages)."""
    for rel, content in files.items():
        put(root, rel if docs or not rel.startswith("docs/") else rel[len("docs/") :], content)


@pytest.mark.parametrize(("body", "files", "fragment"), ROWS)
def test_api(tmp_path: Path, body: str, files: dict[str, str | bytes], fragment: str) -> None:
    _project(tmp_path, files, docs=False)
    with pytest.raises(HeatmapError) as info:
        render_spec(body, base_dir=tmp_path)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("body", "files", "fragment"), ROWS)
def test_cli_render(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    body: str,
    files: dict[str, str | bytes],
    fragment: str,
) -> None:
    _project(tmp_path, files, docs=False)
    put(tmp_path, "spec.yml", body)
    monkeypatch.chdir(tmp_path)
    assert main(["render", "spec.yml", "-o", "out.png"]) == 1
    err = capsys.readouterr().err
    (line,) = err.splitlines()
    assert line.startswith("spec.yml:") and ": heatmap: " in line
    assert fragment in line
    assert not (tmp_path / "out.png").exists()


@pytest.mark.parametrize(("body", "files", "fragment"), ROWS)
def test_markdown_extension(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    body: str,
    files: dict[str, str | bytes],
    fragment: str,
) -> None:
    _project(tmp_path, files, docs=True)
    (tmp_path / "docs").mkdir(exist_ok=True)
    page = f"# Page\n\n```heatmap\n{body}\n```\n\nText after.\n"
    with caplog.at_level(logging.WARNING, logger="mkdocs_heatmap"):
        html = markdown.markdown(
            page,
            extensions=["mkdocs_heatmap.extension"],
            extension_configs={"mkdocs_heatmap.extension": {"base_dir": str(tmp_path)}},
        )
    (warning,) = [r.getMessage() for r in caplog.records if ": heatmap: " in r.getMessage()]
    assert warning.startswith("page:") and fragment in warning
    assert "heatmap-error" in html and "Text after." in html
