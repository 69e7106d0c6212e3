"""The ``mkdocs-heatmap`` command: ``render`` one block, ``check`` a whole site.

``check`` must say exactly what the build says: every case of the build's
error table (``test_errors_build.CASES``) and a few page layouts are built for
real and checked, and the two outputs compared line for line.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from catalog import CASES, FENCE_LINE, OPTION_CASES, page, write_case
from conftest import Site
from mkdocs_heatmap.__about__ import __version__
from mkdocs_heatmap.cli import main

ROOT = Path(__file__).parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SUPERFENCES = ["admonition", "pymdownx.superfences"]
GOOD = "```heatmap\nmatrix: [[1, 2]]\n```\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def run_module(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs_heatmap", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def problems(out: str) -> list[str]:
    return [line for line in out.splitlines() if ": heatmap: " in line]


# --------------------------------------------------------------------------
# The command itself.


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], ["render", "check", "--version"]),
        (["render"], ["SPEC", "--output", "--style", "--theme", "--config", "light", "dark"]),
        (["check"], ["DOCS_DIR", "--config", "front-matter", "Exit status"]),
    ],
)
def test_help(capsys: pytest.CaptureFixture[str], argv: list[str], expected: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: mkdocs-heatmap {' '.join(argv)}".rstrip())
    for word in expected:
        assert word in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"mkdocs-heatmap {__version__}"


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    assert "COMMAND" in capsys.readouterr().err


def test_python_dash_m() -> None:
    result = run_module("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"mkdocs-heatmap {__version__}"


def test_console_script_is_declared() -> None:
    tomllib = pytest.importorskip("tomllib")
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "scripts"
    ]
    assert scripts == {
        "mkdocs-heatmap": "mkdocs_heatmap.cli:main",
        "mkdocs-heatmap-pandoc": "mkdocs_heatmap.pandoc:main",
    }


# --------------------------------------------------------------------------
# render


BLOCK = "data: m.csv\ntitle: CLI\ncmap: Blues\n"
CSV = ",x,y,z\nr1,1,2,3\nr2,4,5,6\n"


@pytest.fixture
def spec_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A spec with its data next to it, in a folder of a project (the cwd),
    itself inside tmp_path (for files outside the project)."""
    project = tmp_path / "project"
    (project / "figs").mkdir(parents=True)
    monkeypatch.chdir(project)
    (project / "figs" / "m.csv").write_text(CSV, encoding="utf-8")
    path = project / "figs" / "fig.yml"
    path.write_text(BLOCK, encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "magic"), [("out.svg", b"<?xml"), ("out.png", PNG_MAGIC)])
def test_render_format_follows_the_output(
    capsys: pytest.CaptureFixture[str], spec_file: Path, name: str, magic: bytes
) -> None:
    # The block asks for the other format: the output extension wins.
    other = "png" if name.endswith(".svg") else "svg"
    spec_file.write_text(BLOCK + f"format: {other}\n", encoding="utf-8")
    status, out, err = run(capsys, "render", str(spec_file), "-o", name)
    assert (status, err) == (0, "")
    assert Path(name).read_bytes().startswith(magic)
    assert out.startswith(f"{name}: {name[-3:].upper()}, ")


def test_render_matches_the_api(capsys: pytest.CaptureFixture[str], spec_file: Path) -> None:
    from mkdocs_heatmap.api import render_spec

    run(capsys, "render", str(spec_file), "-o", "light.svg")
    run(capsys, "render", str(spec_file), "-o", "dark.svg", "--theme", "dark")
    light = render_spec(BLOCK.replace("m.csv", "figs/m.csv"))
    dark = render_spec(BLOCK.replace("m.csv", "figs/m.csv"), theme="dark")
    assert light != dark
    # Same figure; only the SVG ids (salted by the block text) may differ.
    ids = re.compile(rb'(id|href|clip-path)="[^"]*"')
    assert ids.sub(b"", Path("light.svg").read_bytes()) == ids.sub(b"", light)
    assert ids.sub(b"", Path("dark.svg").read_bytes()) == ids.sub(b"", dark)


def test_render_looks_like_the_site(
    site: Site, build: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --config, the site's style and defaults apply: the very same bytes."""
    site.write("paper.mplstyle", "font.size: 11\naxes.titleweight: normal\n")
    site.config["plugins"] = [
        {"heatmap": {"style": "paper.mplstyle", "defaults": {"cmap": "Greens", "fmt": ".1f"}}}
    ]
    site.write("docs/results/m.csv", CSV)
    site.page("index.md", f"# Page\n\n```heatmap\n{BLOCK.replace('m.csv', 'results/m.csv')}```\n")
    assert build(site).ok
    (built,) = site.images()
    site.write("docs/results/fig.yml", BLOCK)
    monkeypatch.chdir(site.docs / "results")  # --config, not the cwd, is the project root
    status, _out, err = run(
        capsys, "render", "fig.yml", "-o", "out.svg", "--config", str(site.root / "mkdocs.yml")
    )
    assert (status, err) == (0, "")
    assert (site.docs / "results" / "out.svg").read_bytes() == built.read_bytes()
    # Without the site's options the figure differs.
    run(capsys, "render", "fig.yml", "-o", "plain.svg")
    assert (site.docs / "results" / "plain.svg").read_bytes() != built.read_bytes()


def test_render_style_option(capsys: pytest.CaptureFixture[str], spec_file: Path) -> None:
    Path("big.mplstyle").write_text("font.size: 16\n", encoding="utf-8")
    run(capsys, "render", str(spec_file), "-o", "plain.png")
    assert run(capsys, "render", str(spec_file), "-o", "big.png", "--style", "big.mplstyle")[0] == 0
    assert run(capsys, "render", str(spec_file), "-o", "paper.png", "--style", "paper")[0] == 0
    sizes = {Path(n).read_bytes() for n in ("plain.png", "big.png", "paper.png")}
    assert len(sizes) == 3
    status, _out, err = run(capsys, "render", str(spec_file), "-o", "x.svg", "--style", "papr")
    assert status == 1
    assert err == "--style: heatmap: 'style': unknown style 'papr' (did you mean 'paper'?); " + (
        "use one of default, paper, a .mplstyle file, or a mapping of rcParams\n"
    )


def test_render_data_from_the_project_root(
    capsys: pytest.CaptureFixture[str], spec_file: Path
) -> None:
    Path("shared.csv").write_text(CSV, encoding="utf-8")
    spec_file.write_text("data: shared.csv\n", encoding="utf-8")
    assert run(capsys, "render", str(spec_file), "-o", "out.svg")[0] == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("matrix: [[1]]\ncmapp: Blues\n", "2: heatmap: unknown key 'cmapp' (did you mean 'cmap'?)"),
        ("title: x\n\ndata: nope.csv\n", "3: heatmap: data file 'nope.csv' not found"),
        (
            "matrix: [[1]]\ncmap: Bleus\n",
            "2: heatmap: unknown colormap 'Bleus' (did you mean 'Blues'?)",
        ),
        ("", "1: heatmap: the block is empty"),
        ("data: ../../outside.csv\n", "1: heatmap: data file '../../outside.csv' resolves outside"),
    ],
)
def test_render_errors(
    capsys: pytest.CaptureFixture[str], spec_file: Path, body: str, message: str
) -> None:
    (spec_file.parents[2] / "outside.csv").write_text(CSV, encoding="utf-8")
    spec_file.write_text(body, encoding="utf-8")
    status, out, err = run(capsys, "render", str(spec_file), "-o", "out.svg")
    assert status == 1
    assert out == ""
    assert err.startswith(f"{spec_file}:{message}"), err
    assert err.count("\n") == 1
    assert not Path("out.svg").exists()


def test_render_missing_spec(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _out, err = run(capsys, "render", str(tmp_path / "no.yml"), "-o", "x.svg")
    assert (status, err) == (1, f"{tmp_path / 'no.yml'}:1: heatmap: file not found\n")


def test_render_needs_a_known_extension(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["render", "fig.yml", "-o", "fig.tiff"])
    assert exit_info.value.code == 2
    assert "must end in .svg, .png, .pdf or .eps" in capsys.readouterr().err


def test_render_error_has_no_traceback(spec_file: Path) -> None:
    spec_file.write_text("matrix: [[1]]\nvmin: high\n", encoding="utf-8")
    result = run_module("render", "figs/fig.yml", "-o", "out.svg", cwd=spec_file.parents[1])
    assert result.returncode == 1
    assert result.stderr == (
        "figs/fig.yml:2: heatmap: 'vmin': expected a number, got the text 'high'\n"
    )
    assert result.stdout == ""


# --------------------------------------------------------------------------
# check: the same message and line as the build.


def check_site(capsys: pytest.CaptureFixture[str], site: Site) -> tuple[int, list[str], str]:
    status, out, err = run(capsys, "check", "--config", str(site.root / "mkdocs.yml"))
    assert "Traceback" not in err
    return status, problems(out), out.splitlines()[-1]


def assert_same_as_build(site: Site, build: Any, capsys: pytest.CaptureFixture[str]) -> list[str]:
    result = build(site)
    assert result.ok, result.error
    status, found, summary = check_site(capsys, site)
    assert found == result.heatmap_warnings()
    assert status == (1 if found else 0)
    assert summary.endswith(f": {len(found)} problem(s)" if found else ": no problems")
    return found


@pytest.mark.parametrize(
    ("options", "body", "files", "fragment", "line"),
    [pytest.param({}, *case[1:], id=case[0]) for case in CASES]
    + [pytest.param(*case[1:], id=f"option-{case[0]}") for case in OPTION_CASES],
)
def test_check_reports_what_the_build_reports(
    site: Site,
    build: Any,
    capsys: pytest.CaptureFixture[str],
    options: dict[str, Any],
    body: str,
    files: dict[str, str | bytes],
    fragment: str,
    line: int,
) -> None:
    if options:
        site.config["plugins"] = [{"heatmap": options}]
    write_case(site, body, files)
    (found,) = assert_same_as_build(site, build, capsys)
    assert found.startswith(f"index.md:{line}: heatmap: ")
    assert fragment in found


NESTED = "# T\n\n!!! note\n\n    ```heatmap\n    matrix: [[1]]\n    vmax: x\n    ```\n"
PAGES: dict[str, tuple[dict[str, Any], dict[str, str], int]] = {
    # id: (site config, {file under docs/: text}, number of problems)
    "front-matter-bad-key": (
        {},
        {"index.md": "---\ntitle: x\nheatmap:\n  cmapp: Blues\n---\n# T\n\n" + GOOD},
        1,
    ),
    "front-matter-not-a-mapping": ({}, {"index.md": "---\nheatmap: Blues\n---\n# T\n\n" + GOOD}, 1),
    "front-matter-empty": ({}, {"index.md": '---\nheatmap: ""\n---\n# T\n\n' + GOOD}, 1),
    "front-matter-null": ({}, {"index.md": "---\nheatmap:\n---\n# T\n\n" + GOOD}, 0),
    "front-matter-defaults-apply": (
        {},
        {
            "index.md": "---\nheatmap: {vmin: 5}\n---\n# T\n\n"
            "```heatmap\nmatrix: [[1]]\nvmax: 2\n```\n",
            "plain.md": "# Plain\n\n```heatmap\nmatrix: [[1]]\nvmax: 2\n```\n",
        },
        1,
    ),
    "site-defaults-apply": (
        # A color is checked when drawing: each block that keeps the default fails.
        {"plugins": [{"heatmap": {"defaults": {"nan_color": "notacolor"}}}]},
        {
            "index.md": "# T\n\n" + GOOD,
            "b.md": "# B\n\n```heatmap\nmatrix: [[1]]\nnan_color: gray\n```\n",
        },
        1,
    ),
    "nested-in-admonition": ({"markdown_extensions": SUPERFENCES}, {"index.md": NESTED}, 1),
    "nested-without-superfences-is-not-a-block": (
        {"markdown_extensions": ["admonition"]},
        {"index.md": NESTED},
        0,
    ),
    "example-inside-a-longer-fence": (
        {"markdown_extensions": SUPERFENCES},
        {"index.md": "# T\n\n````markdown\n```heatmap\ncmapp: 1\n```\n````\n\n" + GOOD},
        0,
    ),
    "example-in-indented-code": (
        {"markdown_extensions": SUPERFENCES},
        {"index.md": "# T\n\nAs code:\n\n    ```heatmap\n    matrix: [[1]]\n    bad: 1\n    ```\n"},
        0,
    ),
    "identical-bad-blocks": (
        {},
        {"index.md": "# T\n\n```heatmap\nmatrix: [[1]]\nbad: 1\n```\n\n" * 2},
        2,
    ),
    "subfolder-and-page-relative-data": (
        {},
        {
            "sub/page.md": "# S\n\n```heatmap\ndata: local.csv\n```\n\n"
            "```heatmap\ndata: lokal.csv\n```\n",
            "sub/local.csv": CSV,
        },
        1,
    ),
    "block-style": ({}, {"index.md": "# T\n\n```heatmap\nmatrix: [[1]]\n\nstyle: papr\n```\n"}, 1),
    "block-style-bad-rcparam": (
        {},
        {"index.md": "# T\n\n```heatmap\nmatrix: [[1]]\nstyle: {font.sise: 3}\n```\n"},
        1,
    ),
    "bad-sub-key": (
        {},
        {"index.md": "# T\n\n```heatmap\nmatrix: [[1]]\ncolorbar:\n  label: 3\n  sise: 2\n```\n"},
        1,
    ),
}


@pytest.mark.parametrize(
    ("config", "pages", "count"),
    [pytest.param(*case, id=name) for name, case in PAGES.items()],
)
def test_check_matches_the_build_on_page_layouts(
    site: Site,
    build: Any,
    capsys: pytest.CaptureFixture[str],
    config: dict[str, Any],
    pages: dict[str, str],
    count: int,
) -> None:
    site.config.update(config)
    for rel, text in pages.items():
        site.write(f"docs/{rel}", text)
    assert len(assert_same_as_build(site, build, capsys)) == count


def test_check_layouts_find_what_they_should(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    """Spot checks of the table above, so a silent pair cannot pass it."""
    _config, pages, _count = PAGES["front-matter-defaults-apply"]
    for rel, text in pages.items():
        site.write(f"docs/{rel}", text)
    site.write_config()
    status, found, summary = check_site(capsys, site)
    assert status == 1
    assert found == ["index.md:6: heatmap: 'vmin' (5) must be less than 'vmax' (2)"]
    assert summary == "heatmap: checked 2 block(s) on 2 page(s): 1 problem(s)"


def test_check_clean_site(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    site.page("index.md", "# T\n\n" + GOOD)
    site.page("no-figures.md", "# Nothing here\n")
    site.write_config()
    status, found, summary = check_site(capsys, site)
    assert (status, found) == (0, [])
    assert summary == "heatmap: checked 1 block(s) on 1 page(s): no problems"


def test_check_finds_mkdocs_yml_in_the_cwd(
    site: Site, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    site.config["docs_dir"] = "content"
    site.write("content/index.md", "# T\n\n```heatmap\nmatrix: [[1]]\nbad: 1\n```\n")
    site.write_config()
    monkeypatch.chdir(site.root)
    status, out, _err = run(capsys, "check")
    assert status == 1
    assert problems(out) == ["index.md:5: heatmap: unknown key 'bad'"]


def test_check_without_config_reads_docs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("```heatmap\nmatrix: [[1]]\nbad: 1\n```\n")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "b.md").write_text("```heatmap\nmatrix: [[1]]\n\nbad: 1\n```\n")
    assert problems(run(capsys, "check")[1]) == ["a.md:3: heatmap: unknown key 'bad'"]
    assert problems(run(capsys, "check", "other")[1]) == ["b.md:4: heatmap: unknown key 'bad'"]


def test_check_missing_docs_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _out, err = run(capsys, "check", str(tmp_path / "nope"))
    assert status == 1
    assert err == f"{tmp_path / 'nope'}: heatmap: docs folder not found\n"


def test_check_bad_plugin_options(site: Site) -> None:
    site.config["plugins"] = [{"heatmap": {"defaults": {"cmapp": "Blues"}}}]
    site.page("index.md", "# T\n")
    site.write_config()
    result = run_module("check", cwd=site.root)
    assert result.returncode == 1
    assert "unknown key 'cmapp'" in result.stderr
    assert "mkdocs.yml: heatmap: cannot load the MkDocs config" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("style", "fragment"),
    [
        ("papr", "unknown style 'papr' (did you mean 'paper'?)"),
        ({"font.sise": 3}, "unknown rcParam 'font.sise'"),
        ("missing.mplstyle", "style file 'missing.mplstyle' not found"),
    ],
)
def test_check_bad_site_style(
    site: Site, capsys: pytest.CaptureFixture[str], style: Any, fragment: str
) -> None:
    site.config["plugins"] = [{"heatmap": {"style": style}}]
    site.page("index.md", "# T\n")
    path = site.write_config()
    status, _out, err = run(capsys, "check", "--config", str(path))
    assert status == 1
    assert err.startswith(f"{path}: heatmap: 'style': ")
    assert fragment in err


def test_check_config_with_python_tags(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    """Real configs hold ``!!python/name`` tags; MkDocs' own loader reads them."""
    site.config["markdown_extensions"] = [
        {"pymdownx.superfences": {"custom_fences": []}},
        "admonition",
    ]
    site.extra_yaml = "extra:\n  formatter: !!python/name:pymdownx.superfences.fence_code_format\n"
    site.page(
        "index.md", "# T\n\n!!! note\n\n    ```heatmap\n    matrix: [[1]]\n    x: 1\n    ```\n"
    )
    site.write_config()
    status, found, _summary = check_site(capsys, site)
    assert (status, found) == (1, ["index.md:7: heatmap: unknown key 'x'"])


def test_check_command_line_end_to_end(site: Site) -> None:
    site.page("index.md", page("matrix: [[1]]\ncmapp: Blues"))
    site.write_config()
    result = run_module("check", "--config", "mkdocs.yml", cwd=site.root)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"index.md:{FENCE_LINE + 2}: heatmap: unknown key 'cmapp' (did you mean 'cmap'?)",
        "heatmap: checked 1 block(s) on 1 page(s): 1 problem(s)",
    ]
    assert "Traceback" not in result.stderr


def test_check_reads_the_mkdocs_yml_next_to_the_docs_folder(
    site: Site, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``check docs/`` from anywhere finds the site's config, as ``mkdocs``
    would: with superfences on, a bad block in an admonition is a problem
    (it used to be "checked 0 block(s) ... no problems", exit 0)."""
    site.config["markdown_extensions"] = ["admonition", "pymdownx.superfences"]
    site.page("index.md", NESTED)
    site.write_config()
    elsewhere = site.root / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    status, out, _err = run(capsys, "check", str(site.docs))
    assert status == 1
    assert out.splitlines() == [
        "index.md:7: heatmap: 'vmax': expected a number, got the text 'x'",
        "heatmap: checked 1 block(s) on 1 page(s): 1 problem(s)",
    ]


def test_check_without_a_config_says_what_it_could_not_see(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text(NESTED + "\n" + GOOD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "check", "docs")
    assert status == 0
    assert out.splitlines()[-1] == "heatmap: checked 1 block(s) on 1 page(s): no problems"
    assert err.startswith("heatmap: no mkdocs.yml found: 1 heatmap fence(s) inside other blocks")
    assert "pass --config" in err


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("dev-zero", "not a regular file (a device, FIFO or socket)"),
        ("fifo", "not a regular file (a device, FIFO or socket)"),
        ("folder", "is a folder, not a file"),
        (
            "huge",
            "over the limit of 1.0 MB for a block or a page; put the values in a data file "
            "and point at it with `data: FILE`",
        ),
    ],
)
def test_render_refuses_a_spec_that_is_no_text_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    message: str,
) -> None:
    """Before: /dev/zero gave "internal error (MemoryError)", a FIFO hung."""
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "spec.yml"
    if kind == "dev-zero":
        spec.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(spec)
    elif kind == "folder":
        spec.mkdir()
    else:
        spec.write_text("# " + "x" * (1 << 20) + "\nmatrix: [[1]]\n")
    assert main(["render", "spec.yml", "-o", "out.svg"]) == 1
    assert capsys.readouterr().err == f"spec.yml:1: heatmap: {message}\n"
    assert not (tmp_path / "out.svg").exists()


def test_render_names_a_print_file_size_in_inches(
    capsys: pytest.CaptureFixture[str], spec_file: Path
) -> None:
    assert main(["render", str(spec_file), "-o", str(spec_file.parent / "fig.pdf")]) == 0
    out = capsys.readouterr().out
    assert re.fullmatch(r".*fig\.pdf: PDF, \d+\.\d\d x \d+\.\d\d in\n", out), out
