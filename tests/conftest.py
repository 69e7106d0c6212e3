"""Real MkDocs builds in temporary folders.

``build`` runs MkDocs' own build function in this process (fast, and log
records are visible to the test); ``build_cli`` runs the ``mkdocs`` command
in a subprocess, exactly as a user would, for exit codes and output.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

MATERIAL = {"name": "material"}


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


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path)


class _Collect(logging.Handler):
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

    handler = _Collect()
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
