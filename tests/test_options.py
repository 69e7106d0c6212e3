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
    EXTENSION,
    MKDOCS,
    SPHINX,
    ConfigError,
    front_matter_line,
    options_of,
    page_defaults,
    read_options,
    settings_from_options,
)
from mkdocs_heatmap.plugin import PluginConfig


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
    extension = {option.name for option in options_of(EXTENSION)}
    assert plugin == {option.name for option in options_of(MKDOCS)}
    assert extension - plugin == {"base_dir", "docs_dir", "base_url"}
    assert plugin <= extension
    assert set(HeatmapExtension().config) == extension


def test_sphinx_has_the_options_sphinx_does_not_own() -> None:
    """Sphinx numbers figures (numfig, its numfig_format words them) and has
    its own _images folder."""
    sphinx = {option.name for option in options_of(SPHINX)}
    plugin = {name for name, _ in PluginConfig._schema}
    assert plugin - sphinx == {"output_dir", "numbering", "figure_label"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"cache": "yes"}, "x: option 'cache': expected true or false, got str 'yes'"),
        ({"theme": "dark"}, "x: option 'theme': expected one of light, auto, got 'dark'"),
        ({"workers": 0}, "x: option 'workers': expected auto or a number >= 1, got 0"),
        ({"output_dir": "../out"}, "x: option 'output_dir': '../out' must be a folder inside"),
        ({"defaults": {"cmap": "Bluez"}}, "x: option 'defaults': defaults.cmap: unknown colormap"),
        ({"colour": 1}, "x: unknown option 'colour'"),
        ({"figure_label": ""}, "x: option 'figure_label': expected a word such as Figure"),
        ({"figure_label": 3}, "x: option 'figure_label': expected a word such as Figure"),
        ({"figure_label": "a\nb"}, "x: option 'figure_label': expected one line of at most 40"),
        ({"figure_label": "x" * 41}, "x: option 'figure_label': expected one line of at most 40"),
    ],
)
def test_one_message_per_bad_option_under_every_host(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        read_options(raw, EXTENSION, "x")
    assert info.value.message.startswith(message)


def test_the_plugin_reports_bad_options_as_the_table_does() -> None:
    config = PluginConfig()
    config.load_dict({"theme": "dark"})
    failed, _ = config.validate()
    assert [(key, str(error)) for key, error in failed] == [
        ("theme", "expected one of light, auto, got 'dark'")
    ]


def test_hosts_without_mkdocs_import_no_mkdocs(tmp_path: Path) -> None:
    """A Sphinx project, an API user, ``render`` and ``check`` of a Sphinx
    folder run without MkDocs: a figure drawn through each imports none of
    it (a Sphinx project needs no MkDocs installed)."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "conf.py").write_text('extensions = ["mkdocs_heatmap.sphinx"]\n')
    (tmp_path / "docs" / "index.rst").write_text(".. heatmap::\n\n   matrix: [[1, 2]]\n")
    (tmp_path / "spec.yml").write_text("matrix: [[1, 2]]\n")
    code = (
        "import sys, contextlib, io\n"
        "import mkdocs_heatmap.sphinx, mkdocs_heatmap.render, mkdocs_heatmap.sphinx_check\n"
        "from mkdocs_heatmap.api import render_spec\n"
        "from mkdocs_heatmap.cli import main\n"
        "render_spec({'matrix': [[1, 2]]}, format='png')\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['render', 'spec.yml', '-o', 'out.svg']) == 0\n"
        "    main(['check', 'docs'])\n"
        "print(sorted(m for m in sys.modules if m == 'mkdocs' or m.startswith('mkdocs.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


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
