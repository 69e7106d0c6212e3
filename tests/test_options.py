"""The one options schema and what every host derives from it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import markdown
import pytest

from mkdocs_heatmap.colormaps import BUILTIN_COLORMAPS, colormap_problem
from mkdocs_heatmap.extension import HeatmapExtension
from mkdocs_heatmap.model import DEFAULT_LIMITS
from mkdocs_heatmap.options import (
    ExtensionConfig,
    PluginConfig,
    front_matter_line,
    page_defaults,
    settings_from_options,
)


def test_builtin_colormaps_are_the_installed_matplotlibs() -> None:
    import matplotlib as mpl

    assert set(BUILTIN_COLORMAPS) == set(mpl.colormaps)


def test_colormap_names_are_checked_without_matplotlib_when_known() -> None:
    code = (
        "import sys\n"
        "from mkdocs_heatmap.colormaps import colormap_problem\n"
        "assert colormap_problem('RdBu_r') is None\n"
        "print('matplotlib' in sys.modules)\n"
        "print(colormap_problem('Bluez'))\n"
        "print('matplotlib' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["False", "unknown colormap 'Bluez' (did you mean 'Blues'?)", "True"]


def test_colormap_problem_suggests_across_case() -> None:
    assert colormap_problem("blues") == "unknown colormap 'blues' (did you mean 'Blues'?)"


def test_extension_options_are_the_plugins_and_its_own() -> None:
    plugin = {name for name, _ in PluginConfig._schema}
    extension = {name for name, _ in ExtensionConfig._schema}
    assert extension - plugin == {"base_dir", "docs_dir", "base_url"}
    assert plugin <= extension
    assert set(HeatmapExtension().config) == extension


def test_extension_takes_a_style_mapping(tmp_path: Path) -> None:
    """Python-Markdown turns the values of options whose default is None into
    booleans; the option table must not let that happen to ``style``."""
    html = markdown.markdown(
        "```heatmap\nmatrix: [[1, 2]]\n```\n",
        extensions=["mkdocs_heatmap.extension"],
        extension_configs={
            "mkdocs_heatmap.extension": {"base_dir": str(tmp_path), "style": {"font.size": 20}}
        },
    )
    plain = markdown.markdown(
        "```heatmap\nmatrix: [[1, 2]]\n```\n",
        extensions=["mkdocs_heatmap.extension"],
        extension_configs={"mkdocs_heatmap.extension": {"base_dir": str(tmp_path)}},
    )
    assert html != plain


def test_settings_from_empty_options_are_the_defaults(tmp_path: Path) -> None:
    settings = settings_from_options({}, project_root=tmp_path, docs_dir=tmp_path)
    config = PluginConfig()
    config.load_dict({})
    assert not config.validate()[0]
    assert settings == settings_from_options(config, project_root=tmp_path, docs_dir=tmp_path)
    assert settings.limits == DEFAULT_LIMITS
    assert settings.output_dir == "assets/heatmaps"


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("---\ntitle: T\nheatmap:\n  cmap: Blues\n---\n", 3),
        ('---\ntitle: T\n"heatmap":\n  cmap: Blues\n---\n', 3),
        ("---\n'heatmap': {cmap: Blues}\n---\n", 2),
        ("---\nheatmaps: 1\nheatmap: 2\n---\n", 3),
    ],
)
def test_front_matter_line(source: str, line: int) -> None:
    assert front_matter_line(source) == line


def test_page_defaults() -> None:
    assert page_defaults({}, "") == ({}, None)
    assert page_defaults({"heatmap": {"cmap": "Reds"}}, "") == ({"cmap": "Reds"}, None)
    source = "---\nheatmap: [x]\n---\n"
    assert page_defaults({"heatmap": ["x"]}, source) == (
        {},
        (2, "front matter 'heatmap:' must be a mapping of block keys"),
    )
    assert page_defaults({"heatmap": {"cmap": "Bluez"}}, "---\nheatmap: {cmap: Bluez}\n") == (
        {},
        (2, "unknown colormap 'Bluez' (did you mean 'Blues'?)"),
    )
