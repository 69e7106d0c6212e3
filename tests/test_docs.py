"""The docs cover the whole schema: every block key and every plugin option.

A block key counts as covered when ``blocks.md`` documents it (a table row or
a heading naming it in backticks) and at least one *live* ``heatmap`` block
somewhere under ``docs/`` uses it, so the plugin itself draws an example.
Blocks shown as source inside a longer fence are not live: ``scan_fences``
skips them, exactly as the plugin does.  A plugin option counts as covered
when ``configuration.md`` documents it the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest
import yaml

from mkdocs_heatmap.fence import scan_fences
from mkdocs_heatmap.options import MKDOCS, options_of
from mkdocs_heatmap.spec import BLOCK_KEYS

DOCS = Path(__file__).parents[1] / "docs"
KEYS_PAGE = "blocks.md"
OPTIONS_PAGE = "configuration.md"
OPTIONS: tuple[str, ...] = tuple(option.name for option in options_of(MKDOCS))

Pages = Mapping[str, str]  # path relative to docs/ -> Markdown text


def read_docs(root: Path = DOCS) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*.md"))
    }


def documented_names(text: str) -> set[str]:
    """Names in backticks on table rows and headings: the reference entries."""
    names: set[str] = set()
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("|") or stripped.startswith("#"):
            names.update(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", stripped))
    return names


def live_block_keys(pages: Pages) -> set[str]:
    """Top-level keys of every heatmap block the plugin would draw."""
    keys: set[str] = set()
    for text in pages.values():
        for block in scan_fences(text):
            try:
                body = yaml.safe_load(block.body)
            except yaml.YAMLError:
                continue
            if isinstance(body, dict):
                keys.update(str(key) for key in body)
    return keys


def undocumented(
    pages: Pages,
    block_keys: Iterable[str] = BLOCK_KEYS,
    options: Iterable[str] = OPTIONS,
) -> list[str]:
    """Every gap between the schema and the docs, one message per gap."""
    problems: list[str] = []
    on_keys_page = documented_names(pages.get(KEYS_PAGE, ""))
    live = live_block_keys(pages)
    for key in block_keys:
        if key not in on_keys_page:
            problems.append(f"block key `{key}` is not documented on {KEYS_PAGE}")
        if key not in live:
            problems.append(f"block key `{key}` has no live heatmap example in docs/")
    on_options_page = documented_names(pages.get(OPTIONS_PAGE, ""))
    for option in options:
        if option not in on_options_page:
            problems.append(f"plugin option `{option}` is not documented on {OPTIONS_PAGE}")
    return problems


def without(pages: Pages, name: str) -> dict[str, str]:
    """A copy of the docs with every mention of ``name`` replaced."""
    word = re.compile(rf"\b{re.escape(name)}\b")
    return {page: word.sub("removed_name", text) for page, text in pages.items()}


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return read_docs()


def test_docs_cover_every_block_key_and_option(pages: dict[str, str]) -> None:
    problems = undocumented(pages)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("key", BLOCK_KEYS)
def test_checker_reports_a_block_key_removed_from_the_docs(pages: dict[str, str], key: str) -> None:
    problems = undocumented(without(pages, key))
    assert f"block key `{key}` is not documented on {KEYS_PAGE}" in problems
    assert f"block key `{key}` has no live heatmap example in docs/" in problems


@pytest.mark.parametrize("option", OPTIONS)
def test_checker_reports_an_option_removed_from_the_docs(
    pages: dict[str, str], option: str
) -> None:
    problems = undocumented(without(pages, option))
    assert f"plugin option `{option}` is not documented on {OPTIONS_PAGE}" in problems


def test_example_sources_are_not_live() -> None:
    # A block shown as source in a ````markdown fence must not count as a live
    # example, or a key could be "covered" by an example nobody renders.
    page = "````markdown\n```heatmap\nmatrix: [[1]]\ncmap: Blues\n```\n````\n"
    assert live_block_keys({"page.md": page}) == set()
    assert "block key `cmap` has no live heatmap example in docs/" in undocumented(
        {KEYS_PAGE: "| `cmap` | colormap |\n", "page.md": page}, ["cmap"], []
    )


def test_docs_changelog_mirrors_the_repository_changelog() -> None:
    root = Path(__file__).parents[1]
    repo = (root / "CHANGELOG.md").read_text(encoding="utf-8").split("\n", 1)[1]
    docs = (root / "docs" / "changelog.md").read_text(encoding="utf-8")
    assert repo.strip().split("## ", 1)[1] in docs
