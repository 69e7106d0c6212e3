"""The bad-input catalog (``catalog.py``) through every host but MkDocs'.

``test_errors_build`` runs each row through a MkDocs build and ``test_cli``
through ``check`` on a MkDocs site; here the same rows go through:

* the Python API (``render_spec``): a ``HeatmapError`` whose ``block_line``
  is the row's line in the block;
* ``mkdocs-heatmap render``: ``SPEC:LINE: heatmap: ...`` and exit status 1;
* the Markdown extension: one warning ``page:LINE: heatmap: ...`` on the
  ``mkdocs_heatmap`` logger, an error box and the text after it, the next
  page of the same ``Markdown`` still drawn; ``on_error: fail`` raises;
* ``sphinx-build -W`` (run in this process): one project per row with the
  block in a reST page and in a MyST page, each giving one warning
  ``FILE:LINE: WARNING: heatmap: ...`` and an error box, a good page still
  drawn, and the build failing;
* ``mkdocs-heatmap check`` on that Sphinx source folder: what the build says.

Every host gives the row's fragment, on one line, at the row's line, in the
words of the Markdown extension (which runs the MkDocs page itself) but where
``HOST_DIFFERS`` says why not.  The MyST page is the MkDocs page with
``{heatmap}`` as the fence's language (front matter, heading, the fence on
line 5); the reST page puts its body on the same lines.  Rows with plugin
options (``OPTION_CASES``) run where a host has those options: the
extension's, ``render --config``, ``conf.py``'s ``heatmap_<option>``.

Each row runs once per host (``outcome``, cached for the session) however
many tests read it; the whole file takes about a minute on 2 cores, most of
it in the ~120 Sphinx builds.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown
import pytest

from catalog import CASES, FENCE_LINE, OPTION_CASES, page, write_files
from conftest import Collect, Site, put
from mkdocs_heatmap.api import render_spec
from mkdocs_heatmap.cli import main
from mkdocs_heatmap.errors import HeatmapError
from mkdocs_heatmap.fence import HeatmapBuildError

pytest.importorskip("sphinx")
pytest.importorskip("myst_parser")


@dataclass(frozen=True)
class Row:
    id: str
    options: dict[str, int]
    body: str
    files: dict[str, str | bytes]
    fragment: str
    line: int  # in the MkDocs page, whose fence is on FENCE_LINE

    @property
    def block_line(self) -> int:
        """The 0-based line of the fault inside the block body."""
        return self.line - FENCE_LINE - 1


ROWS = [Row(case[0], {}, *case[1:]) for case in CASES] + [
    Row(f"option-{case[0]}", *case[1:]) for case in OPTION_CASES
]
API_ROWS = [row for row in ROWS if not row.options]  # the API has no plugin options

# Where a host rightly words a problem otherwise: (row, host) -> what it says.
HOST_DIFFERS: dict[tuple[str, str], str] = {
    # docutils expands tabs (to 8 columns) before a directive sees its body:
    # YAML then finds an indented key instead of the tab, on the same line.
    ("yaml-tab", "rst"): "invalid YAML: mapping values are not allowed here",
    # MyST reads a body that starts with '---' as options, leaving it empty,
    # so an empty body gets that hint.
    ("empty", "myst"): "in MyST, a body that starts with '---' is read as directive options",
    # Without pages, the API and render look for data in the project root only.
    **{
        (row, host): "not found; looked in the project root"
        for row in (
            "missing-file",
            "subtract-missing",
            "panel-missing-file",
            "mask-file-absent",
            "cell-text-absent",
            "groups-file-absent",
        )
        for host in ("api", "render")
    },
    # render reads the block from a file, with the command line's byte limit.
    ("block-too-large", "render"): "over the limit of 1.0 MB for a block or a page",
}
# An empty directive has no body line: the directive's own line stands for it
# (reST: the ``.. heatmap::`` line; MyST: the fence, FENCE_LINE).
EMPTY_LINE = {"rst": 4, "myst": FENCE_LINE}


def params(rows: list[Row], hosts: tuple[str, ...]) -> list[Any]:
    return [pytest.param(row, host, id=f"{row.id}-{host}") for row in rows for host in hosts]


def expected_line(row: Row, host: str) -> int:
    if row.id == "empty" and host in EMPTY_LINE:
        return EMPTY_LINE[host]
    return row.line


# --------------------------------------------------------------------------
# A row through a host.


@dataclass
class Outcome:
    """What a host gave for a row."""

    messages: list[str]  # the problems (or warning lines, output lines) as the host wrote them
    html: dict[str, str] = field(default_factory=dict)
    failed: str = ""  # the failing strict build, on_error: fail, or exit status
    extra: dict[str, Any] = field(default_factory=dict)


GOOD_BLOCK = "matrix: [[1, 2]]"


def run_api(root: Path, row: Row) -> Outcome:
    """``render_spec`` with ``base_dir`` the project, data at its top."""
    write_files(Site(root), row.body, row.files, docs="")
    try:
        render_spec(row.body, base_dir=root)
    except HeatmapError as exc:  # any other exception fails the test
        return Outcome([str(exc)], extra={"block_line": exc.block_line})
    return Outcome([])


def run_render(root: Path, row: Row) -> Outcome:
    """``mkdocs-heatmap render spec.yml``: without options, in a bare project
    (data next to the spec); with options, with ``--config mkdocs.yml``."""
    site = Site(root)
    args = ["render", "spec.yml", "-o", "out.png"]
    if row.options:
        write_files(site, row.body, row.files)
        site.config["plugins"] = [{"heatmap": row.options}]
        site.write_config()
        args += ["--config", "mkdocs.yml"]
    else:
        write_files(site, row.body, row.files, docs="")
    put(root, "spec.yml", row.body)
    status, out, err = run_cli(root, args)
    return Outcome(
        err.splitlines(),
        failed=f"exit status {status}" if status else "",
        extra={"stdout": out, "image": (root / "out.png").exists()},
    )


def run_cli(cwd: Path, args: list[str]) -> tuple[int, str, str]:
    """``mkdocs-heatmap ARGS`` in ``cwd``, in this process: status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    before = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(args)
    finally:
        os.chdir(before)
    return status, out.getvalue(), err.getvalue()


def _markdown(root: Path, row: Row, **options: Any) -> markdown.Markdown:
    config = {"base_dir": str(root), **row.options, **options}
    return markdown.Markdown(
        extensions=["meta", "mkdocs_heatmap.extension"],
        extension_configs={"mkdocs_heatmap.extension": config},
    )


def run_extension(root: Path, row: Row) -> Outcome:
    """The MkDocs page itself (``meta`` takes its front matter), then a good
    page through the same ``Markdown``; then ``on_error: fail``."""
    write_files(Site(root), row.body, row.files)
    handler = Collect()
    logger = logging.getLogger("mkdocs_heatmap")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        md = _markdown(root, row)
        bad = md.convert(page(row.body))
        md.reset()
        good = md.convert(f"# Fine\n\n```heatmap\n{GOOD_BLOCK}\n```\n")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    failed = ""
    try:
        _markdown(root, row, on_error="fail").convert(page(row.body))
    except HeatmapBuildError as exc:
        failed = str(exc)
    return Outcome(
        [r.getMessage() for r in handler.records if r.levelno >= logging.WARNING],
        html={"bad": bad, "good": good},
        failed=failed,
    )


# The basic theme: what is checked is the directive's, and it saves a
# quarter of each build (Sphinx compiles the theme's templates every time).
# Warning types shown on every Sphinx version: the message ends with
# "[heatmap.block]", which suppress_warnings can name.
CONF = (
    'project = "Errors"\nextensions = ["myst_parser", "mkdocs_heatmap.sphinx"]\n'
    'html_theme = "basic"\nshow_warning_types = True\n'
)
INDEX = "Home\n====\n\n.. toctree::\n   :hidden:\n\n   bad\n   bad_myst\n   good\n"
PAGES = {"rst": "bad.rst", "myst": "bad_myst.md"}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def rst_page(body: str) -> str:
    """The block in reST, its body on the MkDocs page's lines: the directive
    on line 4, a blank line, the body from line 6."""
    indented = "\n".join(f"   {line}" if line.strip() else "" for line in body.split("\n"))
    return f"Errors\n======\n\n.. heatmap::\n\n{indented}\n\nText after the block.\n"


def myst_page(body: str) -> str:
    """The MkDocs page, the fence's language in MyST's braces."""
    return page(body).replace("```heatmap\n", "```{heatmap}\n", 1)


def write_sphinx_project(root: Path, row: Row) -> Path:
    """A Sphinx project for a row: pyproject.toml at ``root`` (the project
    root), the sources in docs/ with the row's files, the block in a reST and
    in a MyST page, and a good page.  Returns the source folder."""
    write_files(Site(root), row.body, row.files)
    options = "".join(f"heatmap_{name} = {value!r}\n" for name, value in row.options.items())
    put(root, "pyproject.toml", "")
    put(root, "docs/conf.py", CONF + options)
    put(root, "docs/index.rst", INDEX)
    put(root, "docs/bad.rst", rst_page(row.body))
    put(root, "docs/bad_myst.md", myst_page(row.body))
    put(root, "docs/good.rst", f"Fine\n====\n\n.. heatmap::\n\n   {GOOD_BLOCK}\n")
    return root / "docs"


def run_sphinx(root: Path, row: Row) -> Outcome:
    """``sphinx-build -W -b html`` in this process: the warnings and the
    strict build's status come from one run (Sphinx finishes, then fails;
    before 8.1, with --keep-going)."""
    import sphinx
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    src = write_sphinx_project(root, row)
    warnings = io.StringIO()
    # As sphinx-build does: each app registers its directives afresh.
    with patch_docutils(src), docutils_namespace():
        app = Sphinx(
            str(src),
            str(src),
            str(root / "out"),
            str(root / "doctrees"),
            "html",
            status=None,
            warning=warnings,
            freshenv=True,
            warningiserror=True,
            **({"keep_going": True} if sphinx.version_info < (8, 1) else {}),
        )
        app.build()
    html = {
        name: (root / "out" / f"{name}.html").read_text(encoding="utf-8")
        for name in ("bad", "bad_myst", "good")
    }
    return Outcome(
        _ANSI.sub("", warnings.getvalue()).splitlines(),
        html=html,
        failed=f"status {app.statuscode}" if app.statuscode else "",
    )


def run_sphinx_check(root: Path, row: Row) -> Outcome:
    """``mkdocs-heatmap check docs`` on the row's Sphinx project."""
    write_sphinx_project(root, row)
    status, out, err = run_cli(root, ["check", "docs"])
    return Outcome(
        out.splitlines(), failed=f"exit status {status}" if status else "", extra={"stderr": err}
    )


RUNNERS: dict[str, Callable[[Path, Row], Outcome]] = {
    "api": run_api,
    "render": run_render,
    "extension": run_extension,
    "sphinx": run_sphinx,
    "check": run_sphinx_check,
}
Run = Callable[[str, Row], Outcome]


@pytest.fixture(scope="session")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """``outcome(runner, row)``: the row through the runner, once a session."""
    done: dict[tuple[str, str], Outcome] = {}

    def get(runner: str, row: Row) -> Outcome:
        if (runner, row.id) not in done:
            # A folder of its own: rows that write next to the project
            # (../outside.csv, ../secret.csv) see only their own files.
            root = tmp_path_factory.mktemp(f"{runner}-{row.id}") / "project"
            root.mkdir()
            done[runner, row.id] = RUNNERS[runner](root, row)
        return done[runner, row.id]

    return get


def sphinx_warnings(result: Outcome, host: str) -> list[str]:
    """The build's warnings that name the host's page."""
    return [line for line in result.messages if f"/docs/{PAGES[host]}:" in line]


def message_of(outcome: Run, row: Row, host: str) -> str:
    """The problem's message alone (no place, no prefix), as ``host`` words it."""
    if host == "api":
        (message,) = outcome("api", row).messages
        return message
    if host in ("render", "extension"):
        (message,) = outcome(host, row).messages
        return message.split(": heatmap: ", 1)[1]
    warnings = sphinx_warnings(outcome("sphinx", row), host)
    (warning,) = [line for line in warnings if ": WARNING: heatmap: " in line]
    return warning.split(": WARNING: heatmap: ", 1)[1].removesuffix(" [heatmap.block]")


def one_line(text: str) -> None:
    assert "\n" not in text and "\r" not in text, text
    assert "Traceback" not in text, text


def same_message(outcome: Run, row: Row, host: str) -> None:
    """``host`` words the problem as the extension does (the MkDocs page)."""
    expected = message_of(outcome, row, "extension")
    actual = message_of(outcome, row, host)
    differs = HOST_DIFFERS.get((row.id, host))
    if differs is None:
        assert actual == expected
    else:
        assert differs in actual and actual != expected, actual


# --------------------------------------------------------------------------
# The hosts.


@pytest.mark.parametrize(("row", "host"), params(API_ROWS, ("api",)))
def test_api(outcome: Run, row: Row, host: str) -> None:
    result = outcome(host, row)
    (message,) = result.messages
    assert row.fragment in message, message
    one_line(message)
    assert result.extra["block_line"] == row.block_line, message
    same_message(outcome, row, host)


@pytest.mark.parametrize(("row", "host"), params(ROWS, ("render",)))
def test_render(outcome: Run, row: Row, host: str) -> None:
    """The spec file holds the block body: the row's block line, 1-based."""
    result = outcome(host, row)
    assert result.failed == "exit status 1"
    (line,) = result.messages
    assert line.startswith(f"spec.yml:{row.block_line + 1}: heatmap: "), line
    assert row.fragment in line
    one_line(line)
    assert not result.extra["image"] and not result.extra["stdout"]
    same_message(outcome, row, host)


@pytest.mark.parametrize(("row", "host"), params(ROWS, ("extension",)))
def test_markdown_extension(outcome: Run, row: Row, host: str) -> None:
    result = outcome(host, row)
    (warning,) = result.messages  # and nothing else was logged
    assert warning.startswith(f"page:{row.line}: heatmap: "), warning
    assert row.fragment in warning
    one_line(warning)
    assert 'class="admonition failure heatmap-error"' in result.html["bad"]
    assert "Text after the block." in result.html["bad"]
    # The next page through the same Markdown is drawn.
    assert '<figure class="heatmap">' in result.html["good"]
    # on_error: fail stops at the same problem.
    assert result.failed == warning


@pytest.mark.parametrize(("row", "host"), params(ROWS, ("rst", "myst")))
def test_sphinx(outcome: Run, row: Row, host: str) -> None:
    result = outcome("sphinx", row)
    warnings = sphinx_warnings(result, host)
    assert len(warnings) == 1, warnings  # and no other warning names the page
    (warning,) = warnings
    where, _, message = warning.partition(": WARNING: heatmap: ")
    source, _, line = where.rpartition(":")
    assert Path(source).is_absolute() and source.endswith(f"/docs/{PAGES[host]}"), warning
    assert line == str(expected_line(row, host)), warning
    assert message.endswith(" [heatmap.block]"), warning
    assert row.fragment in message, warning
    one_line(warning)
    html = result.html[Path(PAGES[host]).stem]
    assert re.search(r'<div class="[^"]*\bheatmap-error\b', html), "no error box"
    assert "Text after the block." in html
    assert '<figure class="heatmap' in result.html["good"]
    # -W: the build fails, and on the bad pages' warnings alone.
    assert result.failed == "status 1"
    pages = [f"/docs/{name}:" for name in PAGES.values()]
    others = [w for w in result.messages if w.strip() and not any(p in w for p in pages)]
    assert others == []
    same_message(outcome, row, host)


@pytest.mark.parametrize(("row", "host"), params(ROWS, ("rst", "myst")))
def test_sphinx_check(outcome: Run, row: Row, host: str) -> None:
    """``check`` on the Sphinx source folder says what the build says."""
    result = outcome("check", row)
    assert result.failed == "exit status 1"
    (found,) = [line for line in result.messages if line.startswith(f"{PAGES[host]}:")]
    message = message_of(outcome, row, host)
    assert found == f"{PAGES[host]}:{expected_line(row, host)}: heatmap: {message}"
    assert "Traceback" not in result.extra["stderr"]
    assert result.messages[-1] == "heatmap: checked 3 block(s) on 3 page(s): 2 problem(s)"


def test_check_leaves_docutils_as_it_found_it(tmp_path: Path) -> None:
    """check runs Sphinx as sphinx-build does: what its app registers goes
    with it, so a later Sphinx app in the process warns of nothing twice."""
    from docutils.parsers.rst import directives, roles
    from sphinx.util.docutils import docutils_namespace

    write_sphinx_project(tmp_path, ROWS[0])
    with docutils_namespace():  # whatever this test finds, it puts back
        directives._directives.clear()  # loaded on demand: nothing is lost
        roles._roles.clear()
        run_cli(tmp_path, ["check", "docs"])
        left = sorted(directives._directives) + sorted(roles._roles)
    assert "heatmap" not in left and "toctree" not in left, left


def test_every_row_has_its_own_id() -> None:
    assert len({row.id for row in ROWS}) == len(ROWS)
    assert {row for row, _ in HOST_DIFFERS} <= {row.id for row in ROWS}
