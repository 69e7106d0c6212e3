"""Every failure path: a warning naming PAGE.md:LINE, an error box, --strict fails.

The rows are in ``catalog.py``; the page puts the fence on line 5 (after a
front matter and a heading), so line numbers also prove that front matter is
counted.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from catalog import CASES, FENCE_LINE, OPTION_CASES, page, write_case
from conftest import Site, build_cli


@pytest.mark.parametrize(
    ("body", "files", "fragment", "line"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_bad_block(
    site: Site, build: Any, body: str, files: dict[str, str | bytes], fragment: str, line: int
) -> None:
    _check_bad_block(site, build, body, files, fragment, line)


@pytest.mark.parametrize(
    ("options", "body", "files", "fragment", "line"),
    [pytest.param(*case[1:], id=case[0]) for case in OPTION_CASES],
)
def test_limits(
    site: Site,
    build: Any,
    options: dict[str, int],
    body: str,
    files: dict[str, str | bytes],
    fragment: str,
    line: int,
) -> None:
    site.config["plugins"] = [{"heatmap": options}]
    _check_bad_block(site, build, body, files, fragment, line)


def _check_bad_block(
    site: Site, build: Any, body: str, files: dict[str, str | bytes], fragment: str, line: int
) -> None:
    write_case(site, body, files)

    result = build(site)
    assert result.ok, result.error
    (warning,) = result.heatmap_warnings()
    assert warning.startswith(f"index.md:{line}: heatmap: "), warning
    assert fragment in warning
    assert "\n" not in warning
    html = site.html()
    assert 'class="admonition failure heatmap-error"' in html
    assert "Text after the block." in html
    # One bad block does not affect the others.
    assert '<figure class="heatmap">' in site.html("other.md")

    strict = build(site, strict=True)
    assert not strict.ok


def test_strict_cli_fails_without_traceback(site: Site) -> None:
    site.page("index.md", page("matrix: [[1]]\ncmapp: Blues"))
    result = build_cli(site, "--strict")
    assert result.returncode != 0
    assert f"index.md:{FENCE_LINE + 2}: heatmap: unknown key 'cmapp'" in result.output
    assert "Traceback" not in result.output


def test_on_error_fail_stops_the_build(site: Site) -> None:
    site.config["plugins"] = [{"heatmap": {"on_error": "fail"}}]
    site.page("index.md", page("matrix: [[1]]\ncmapp: Blues"))
    result = build_cli(site)
    assert result.returncode != 0
    assert f"index.md:{FENCE_LINE + 2}: heatmap: unknown key 'cmapp'" in result.output
    assert "Traceback" not in result.output
    assert not (site.out / "index.html").exists()


def test_on_error_fail_with_superfences(site: Site) -> None:
    site.config["plugins"] = [{"heatmap": {"on_error": "fail"}}]
    site.config["markdown_extensions"] = ["admonition", "pymdownx.superfences"]
    indented = "    ```heatmap\n    matrix: [[1]]\n    cmapp: x\n    ```\n"
    site.page("index.md", f"# T\n\n!!! note\n\n{indented}")
    result = build_cli(site)
    assert result.returncode != 0
    assert "index.md:7: heatmap: unknown key 'cmapp'" in result.output
    assert "Traceback" not in result.output


def test_error_in_nested_block_names_its_line(site: Site, build: Any) -> None:
    site.config["markdown_extensions"] = ["admonition", "pymdownx.superfences"]
    site.page(
        "index.md", "# T\n\n!!! note\n\n    ```heatmap\n    matrix: [[1]]\n    vmax: x\n    ```\n"
    )
    result = build(site)
    assert result.heatmap_warnings() == [
        "index.md:7: heatmap: 'vmax': expected a number, got the text 'x'"
    ]
    assert "heatmap-error" in site.html()


@pytest.mark.parametrize("superfences", [False, True])
def test_an_example_shown_as_code_does_not_take_the_blocks_line(
    site: Site, build: Any, superfences: bool
) -> None:
    """The same bad block, first as an indented-code example, then for real:
    the warning names the real one's line."""
    if superfences:
        site.config["markdown_extensions"] = ["pymdownx.superfences"]
    example = "    ```heatmap\n    matrix: [[1]]\n    vmax: x\n    ```\n"
    real = "```heatmap\nmatrix: [[1]]\nvmax: x\n```\n"
    site.page("index.md", "# T\n\nLike this:\n\n" + example + "\nFor real:\n\n" + real)
    assert build(site).heatmap_warnings() == [
        "index.md:14: heatmap: 'vmax': expected a number, got the text 'x'"
    ]


def test_error_box_escapes_the_block(site: Site, build: Any) -> None:
    site.page("index.md", page("matrix: [[1]]\ntitle: <img src=x onerror=alert(1)>\nbad: 1"))
    build(site)
    html = site.html()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_bad_front_matter_defaults(site: Site, build: Any) -> None:
    site.page(
        "index.md",
        "---\ntitle: x\nheatmap:\n  cmapp: Blues\n---\n# T\n\n```heatmap\nmatrix: [[1]]\n```\n",
    )
    result = build(site)
    (warning,) = result.heatmap_warnings()
    assert warning.startswith("index.md:3: heatmap: unknown key 'cmapp'")
    assert '<figure class="heatmap">' in site.html()


@pytest.mark.parametrize(
    ("front", "line", "fragment"),
    [
        ('"heatmap":\n  cmapp: Blues\n', 3, "unknown key 'cmapp'"),
        ("heatmap: [not, a, mapping]\n", 3, "must be a mapping of block keys"),
        (
            "a0: &a0 [x, x]\n"
            + "".join(f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]\n" for i in (1, 2))
            + "b1: &b1 [*a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2]\n"
            + "c1: &c1 [*b1, *b1, *b1, *b1, *b1, *b1, *b1, *b1]\n"
            + "d1: &d1 [*c1, *c1, *c1, *c1, *c1, *c1, *c1, *c1]\n"
            + "heatmap: {title: *d1}\n",
            9,
            "front matter 'heatmap:' is too large: aliases expand",
        ),
    ],
)
def test_front_matter_problems_at_their_line(
    site: Site, build: Any, front: str, line: int, fragment: str
) -> None:
    """Quoted keys, wrong shapes, alias bombs: one warning at the key's line,
    short, and the page's figure drawn without the page's defaults."""
    site.page("index.md", f"---\ntitle: x\n{front}---\n# T\n\n```heatmap\nmatrix: [[1]]\n```\n")
    result = build(site)
    (warning,) = result.heatmap_warnings()
    assert warning.startswith(f"index.md:{line}: heatmap: "), warning
    assert fragment in warning
    assert len(warning) < 300
    assert '<figure class="heatmap">' in site.html()


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"defaults": {"cmapp": "Blues"}}, "unknown key 'cmapp'"),
        ({"defaults": {"vmin": "low"}}, "plugins.heatmap.defaults.vmin: expected a number"),
        ({"style": "papr"}, "did you mean 'paper'?"),
        ({"style": {"font.sise": 3}}, "unknown rcParam 'font.sise'"),
        ({"style": "missing.mplstyle"}, "style file 'missing.mplstyle' not found"),
        ({"on_error": "explode"}, "on_error"),
        ({"max_cells": 0}, "option 'max_cells': expected a whole number >= 1, got 0"),
        ({"max_file_size": -1}, "option 'max_file_size': expected a whole number >= 1"),
        ({"output_dir": "../../x"}, "'../../x' must be a folder inside the site"),
        ({"output_dir": "/tmp/x"}, "'/tmp/x' must be a folder inside the site"),
        ({"defaults": {"panels": [{"matrix": [[1]]}]}}, "'panels' belongs in a block"),
    ],
)
def test_bad_plugin_options_fail_at_config_load(
    site: Site, options: dict[str, Any], fragment: str
) -> None:
    site.config["plugins"] = [{"heatmap": options}]
    site.page("index.md", "# T\n")
    result = build_cli(site)
    assert result.returncode != 0
    assert fragment in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("with_blocks", [False, True])
@pytest.mark.parametrize(
    ("defaults", "message"),
    [
        (
            {"cmap": "Bluez"},
            "plugins.heatmap.defaults.cmap: unknown colormap 'Bluez' (did you mean 'Blues'?)",
        ),
        (
            {"cmapp": "Blues"},
            "plugins.heatmap.defaults.cmapp: unknown key 'cmapp' (did you mean 'cmap'?)",
        ),
    ],
)
def test_bad_defaults_fail_once_at_config_load(
    site: Site, defaults: dict[str, Any], message: str, with_blocks: bool
) -> None:
    site.config["plugins"] = [{"heatmap": {"defaults": defaults}}]
    site.page(
        "index.md", "# T\n" + ("\n```heatmap\nmatrix: [[1]]\n```\n" * 2 if with_blocks else "")
    )
    result = build_cli(site)
    assert result.returncode == 1
    errors = [line for line in result.output.splitlines() if "ERROR" in line]
    assert errors == [
        "ERROR   -  Config value 'plugins': Plugin 'heatmap' option 'defaults': " + message
    ]
    assert "Traceback" not in result.output
    assert not (site.out / "index.html").exists()


def test_good_defaults_import_no_matplotlib_on_a_blockless_site(site: Site) -> None:
    site.config["plugins"] = [{"heatmap": {"defaults": {"cmap": "Blues_r", "fmt": ".2f"}}}]
    site.page("index.md", "# No figures\n")
    site.write_config()
    code = (
        "import sys\n"
        "from mkdocs.commands.build import build\n"
        "from mkdocs.config import load_config\n"
        "build(load_config('mkdocs.yml', strict=True))\n"
        "print('matplotlib' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=site.root, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip().splitlines()[-1] == "False"
    assert (site.out / "index.html").exists()
