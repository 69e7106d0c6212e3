"""Every failure path: a warning naming PAGE.md:LINE, an error box, --strict fails.

Each case is one row: the block body, files it needs, the expected message
fragment and the expected line in the page.  The page puts the fence on line
5 (after a front matter and a heading), so line numbers also
prove that front matter is counted.
"""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Site, build_cli

PAGE_HEAD = "---\ntitle: Errors\n---\n"  # lines 1-3, a heading on 4, the fence on 5
FENCE_LINE = 5

CASES: list[tuple[str, str, dict[str, str], str, int]] = [
    # (id, block body, extra files, message fragment, line of the fault)
    ("yaml-syntax", "data: [1, 2\ntitle: x", {}, "invalid YAML", FENCE_LINE + 2),
    ("yaml-tab", "data: m.csv\n\ttitle: x", {}, "invalid YAML", FENCE_LINE + 2),
    ("not-mapping", "- 1\n- 2", {}, "must be a YAML mapping", FENCE_LINE + 1),
    ("empty", "", {}, "the block is empty", FENCE_LINE + 1),
    ("unknown-key", "matrix: [[1]]\ncmapp: Blues", {}, "did you mean 'cmap'?", FENCE_LINE + 2),
    ("wrong-type", "matrix: [[1]]\n\nvmin: high", {}, "'vmin': expected a number", FENCE_LINE + 3),
    ("both-sources", "data: m.csv\nmatrix: [[1]]", {}, "exactly one of 'data'", FENCE_LINE + 2),
    ("neither-source", "title: x", {}, "exactly one of 'data'", FENCE_LINE + 1),
    ("missing-file", "title: t\ndata: nope.csv", {}, "nope.csv", FENCE_LINE + 2),
    (
        "unreadable-data",
        "data: bad.csv",
        {"docs/bad.csv": ",a\nr,abc\n"},
        "'abc' is not a number",
        FENCE_LINE + 1,
    ),
    (
        "python-tag",
        "data: !!python/object/apply:os.system [id]",
        {},
        "invalid YAML",
        FENCE_LINE + 1,
    ),
    ("vmin-gt-vmax", "matrix: [[1]]\nvmin: 2\nvmax: 1", {}, "must be less than", FENCE_LINE + 2),
    ("unknown-cmap", "matrix: [[1]]\ncmap: Bleus", {}, "did you mean 'Blues'?", FENCE_LINE + 2),
    (
        "outside-project",
        "data: ../../outside.csv",
        {"../outside.csv": "a,b\n1,2\n"},
        "outside the project",
        FENCE_LINE + 1,
    ),
]


def _page(body: str) -> str:
    return f"{PAGE_HEAD}# Errors\n```heatmap\n{body}\n```\n\nText after the block.\n"


@pytest.mark.parametrize(
    ("body", "files", "fragment", "line"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_bad_block(
    site: Site, build: Any, body: str, files: dict[str, str], fragment: str, line: int
) -> None:
    for rel, content in files.items():
        site.write(rel, content)
    site.page("index.md", _page(body))
    site.page("other.md", "# Fine\n\n```heatmap\nmatrix: [[1, 2]]\n```\n")

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
    site.page("index.md", _page("matrix: [[1]]\ncmapp: Blues"))
    result = build_cli(site, "--strict")
    assert result.returncode != 0
    assert f"index.md:{FENCE_LINE + 2}: heatmap: unknown key 'cmapp'" in result.output
    assert "Traceback" not in result.output


def test_on_error_fail_stops_the_build(site: Site) -> None:
    site.config["plugins"] = [{"heatmap": {"on_error": "fail"}}]
    site.page("index.md", _page("matrix: [[1]]\ncmapp: Blues"))
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


def test_error_box_escapes_the_block(site: Site, build: Any) -> None:
    site.page("index.md", _page("matrix: [[1]]\ntitle: <img src=x onerror=alert(1)>\nbad: 1"))
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
    ("options", "fragment"),
    [
        ({"defaults": {"cmapp": "Blues"}}, "unknown key 'cmapp'"),
        ({"defaults": {"vmin": "low"}}, "'vmin': expected a number"),
        ({"style": "papr"}, "did you mean 'paper'?"),
        ({"style": {"font.sise": 3}}, "unknown rcParam 'font.sise'"),
        ({"style": "missing.mplstyle"}, "style file 'missing.mplstyle' not found"),
        ({"on_error": "explode"}, "on_error"),
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
