"""Real builds as an ordinary user: uid 65534, its own HOME and MPLCONFIGDIR.

`.ci/run` installs the project (not editable: the clone may be unreadable to
that user) with the example sites' themes and Zensical into a venv made from
Debian's python3 in a folder everyone can read, and exports its path as
``HEATMAP_USER_VENV``. These tests copy the example projects into a folder of
/tmp owned by the user, build them there as the user (``setpriv``), and check
that each build succeeds, publishes its figures, and writes nothing outside
its output folders and the configured cache: nothing in ``/``, in HOME, in
the sources, or in the world-writable folders.

They need root (for ``setpriv``) and ``HEATMAP_USER_VENV``; without either
they skip, and under CI (``CI`` set) they fail instead. The venv holds a copy
of the project: after editing src/, reinstall it with
``$HEATMAP_USER_VENV/bin/pip install --no-deps --force-reinstall .``
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

USER = 65534  # nobody:nogroup
REPO = Path(__file__).resolve().parents[1]
TOOLS = ("sphinx-build", "mkdocs", "zensical", "mkdocs-heatmap", "mkdocs-heatmap-pandoc", "myst")
SHARED = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")  # where anyone may write
HOME = "home"
MPLCONFIG = "home/.config/matplotlib"  # MPLCONFIGDIR, where matplotlib's default is
ALWAYS = (MPLCONFIG,)  # what any run may write besides its own folders

# The example site's pages, built by Zensical with the configuration
# docs/hosts.md gives (the extension instead of the plugin).
ZENSICAL_CONFIG = """\
site_name: Probing study (Zensical)
markdown_extensions:
  - admonition
  - attr_list
  - pymdownx.details
  - pymdownx.superfences:
      custom_fences:
        - name: heatmap
          class: heatmap
          format: !!python/name:mkdocs_heatmap.extension.fence_format
  - pymdownx.tabbed:
      alternate_style: true
  - mkdocs_heatmap.extension
  - zensical.extensions.autorefs
"""
# A paper's page for Pandoc, and a MyST-MD project's: one figure, referenced.
PAPER = """\
# Probing study

```heatmap
data: probe_auc.csv
title: Probe AUC by layer and token
id: fig-probe
numbered: true
```

The probe works best in the middle layers ([](#fig-probe)).
"""
MYST_CONFIG = """\
version: 1
project:
  title: Probing study
  plugins:
    - {type: executable, path: heatmap.py}
site:
  template: ./template
"""
SPEC = """\
data: probe_auc.csv
title: Probe AUC by layer and token
cmap: Blues
vmin: 0.5
vmax: 1.0
colorbar: {label: AUC}
"""


@dataclass(frozen=True)
class Sandbox:
    root: Path  # a folder of /tmp owned by the user
    venv: Path

    @property
    def env(self) -> dict[str, str]:
        """A clean environment, as a login would give (no root's variables)."""
        return {
            "HOME": str(self.root / HOME),
            "MPLCONFIGDIR": str(self.root / MPLCONFIG),
            "PATH": f"{self.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
        }


def _user_venv() -> Path:
    problems = []
    if os.geteuid() != 0:
        problems.append("not running as root (setpriv needs it)")
    if shutil.which("setpriv") is None:
        problems.append("setpriv is not installed")
    value = os.environ.get("HEATMAP_USER_VENV", "")
    if not value:
        problems.append("HEATMAP_USER_VENV is not set (.ci/run makes that venv)")
    else:
        missing = [t for t in TOOLS if not os.access(Path(value, "bin", t), os.X_OK)]
        if missing:
            problems.append(f"{value}/bin lacks {', '.join(missing)}")
    if problems:
        message = "builds as an ordinary user: " + "; ".join(problems)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return Path(value)


def _copy(src: Path, dst: Path, outputs: set[str]) -> None:
    """Copy a project without what a local build left in it."""
    shutil.copytree(
        src,
        dst,
        ignore=lambda folder, names: [
            n
            for n in names
            if n in {"__pycache__", ".cache"} or (Path(folder) == src and n in outputs)
        ],
    )


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    venv = _user_venv()
    root = Path(tempfile.mkdtemp(prefix="mkdocs-heatmap-as-user-"))
    try:
        _copy(REPO / "example_sphinx", root / "example_sphinx", {"_build"})
        _copy(REPO / "example_site", root / "example_site", {"site"})
        (root / "zensical").mkdir()
        _copy(REPO / "example_site" / "docs", root / "zensical" / "docs", set())
        (root / "zensical" / "mkdocs.yml").write_text(ZENSICAL_CONFIG)
        (root / "cli").mkdir()
        shutil.copy(REPO / "example_sphinx" / "results" / "probe_auc.csv", root / "cli")
        (root / "cli" / "spec.yml").write_text(SPEC)
        for host in ("pandoc", "myst"):
            (root / host).mkdir()
            shutil.copy(REPO / "example_sphinx" / "results" / "probe_auc.csv", root / host)
            # MyST-MD's directive is a fence with the name in braces.
            paper = PAPER.replace("```heatmap", "```{heatmap}") if host == "myst" else PAPER
            (root / host / "paper.md").write_text(paper)
        (root / "myst" / "myst.yml").write_text(MYST_CONFIG)
        # Offline, a local template makes `myst build --site` write the pages' AST.
        (root / "myst" / "template").mkdir()
        (root / "myst" / "template" / "template.yml").write_text("myst: v1\nkind: site\n")
        (root / MPLCONFIG).mkdir(parents=True)
        for folder, dirs, files in os.walk(root):
            for name in [".", *dirs, *files]:
                os.lchown(os.path.join(folder, name), USER, USER)
        yield Sandbox(root, venv)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _under(rel: str, prefixes: tuple[str, ...]) -> bool:
    return any(rel == p or rel.startswith(p + "/") for p in prefixes)


def _tree(root: Path, allowed: tuple[str, ...]) -> dict[str, str]:
    """Every path under ``root`` outside ``allowed``, with its content; the
    folders leading to an allowed one (``.cache`` of ``.cache/heatmap``) are
    left out, not what else they hold."""
    found = {}
    for folder, dirs, files in os.walk(root):
        base = Path(folder).relative_to(root)
        for name in list(dirs):
            rel = (base / name).as_posix()
            if _under(rel, allowed):
                dirs.remove(name)
            elif not any(p.startswith(rel + "/") for p in allowed):
                found[rel] = "folder"
        for name in files:
            rel = (base / name).as_posix()
            path = Path(folder, name)
            if _under(rel, allowed):
                continue
            if path.is_symlink():
                found[rel] = "-> " + os.readlink(path)
            else:
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _users_entries(folder: str) -> set[str]:
    found = set()
    with os.scandir(folder) as entries:
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid == USER:
                    found.add(entry.path)
            except FileNotFoundError:
                pass
    return found


@dataclass(frozen=True)
class _State:
    tree: dict[str, str]
    top: set[str]  # the entries of /
    shared: set[str]  # the user's entries in the world-writable folders

    @classmethod
    def now(cls, box: Sandbox, allowed: tuple[str, ...]) -> _State:
        shared = set().union(*(_users_entries(d) for d in SHARED if os.path.isdir(d)))
        return cls(_tree(box.root, allowed), set(os.listdir("/")), shared - {str(box.root)})


def _strays(before: _State, after: _State, box: Sandbox) -> list[str]:
    changed = [
        str(box.root / rel)
        for rel in sorted(before.tree.keys() | after.tree.keys())
        if before.tree.get(rel) != after.tree.get(rel)
    ]
    new_top = [f"/{name}" for name in sorted(after.top - before.top)]
    new_shared = sorted(after.shared - before.shared)
    for path in new_shared:  # leave no litter behind (a crash log, say)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            Path(path).unlink(missing_ok=True)
    return new_top + new_shared + changed


def _tail(text: str, size: int = 4000) -> str:
    return text if len(text) <= size else "[...]\n" + text[-size:]


def run_as_user(
    box: Sandbox, args: list[str], cwd: str, allowed: tuple[str, ...]
) -> subprocess.CompletedProcess[str]:
    """Run ``args`` as the user in ``box.root / cwd``; assert it succeeds and
    writes nothing outside ``allowed`` (paths relative to ``box.root``)."""
    allowed = (*allowed, *ALWAYS)
    before = _State.now(box, allowed)
    proc = subprocess.run(
        ["setpriv", f"--reuid={USER}", f"--regid={USER}", "--clear-groups", *args],
        cwd=box.root / cwd,
        env=box.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    strays = _strays(before, _State.now(box, allowed), box)
    report = (
        f"$ {' '.join(args)}   (as uid {USER} in {box.root / cwd}: exit {proc.returncode})\n"
        f"--- stdout\n{_tail(proc.stdout)}\n--- stderr\n{_tail(proc.stderr)}"
    )
    if strays:
        report = "written outside the build's folders:\n  " + "\n  ".join(strays) + "\n" + report
    assert proc.returncode == 0 and not strays, report
    return proc


def test_the_user_venv_holds_this_tree(box: Sandbox) -> None:
    """The venv is a copy: a stale one would test old code."""
    (installed,) = box.venv.glob("lib/python3*/site-packages/mkdocs_heatmap")
    source = REPO / "src" / "mkdocs_heatmap"
    stale = [
        str(path.relative_to(source))
        for path in sorted(source.rglob("*"))
        if path.is_file()
        and "__pycache__" not in path.parts
        and (
            not (installed / path.relative_to(source)).is_file()
            or (installed / path.relative_to(source)).read_bytes() != path.read_bytes()
        )
    ]
    assert not stale, (
        f"{installed} differs from src/ in {stale}: run "
        f"{box.venv}/bin/pip install --no-deps --force-reinstall {REPO}"
    )


# The commands are the ones the example projects document, from the folder
# they document (the repository root: a write relative to the current
# directory shows up as a stray file there).


def sphinx_build(box: Sandbox, builder: str) -> Path:
    """``sphinx-build -W -b BUILDER`` of the example project, as the user;
    its output folder."""
    out = f"example_sphinx/_build/{builder}"
    run_as_user(
        box,
        ["sphinx-build", "-W", "-b", builder, "example_sphinx/docs", out],
        ".",
        (out, "example_sphinx/.cache/heatmap"),
    )
    return box.root / out


def test_sphinx_html(box: Sandbox) -> None:
    out = sphinx_build(box, "html")
    images = {p.name for p in (out / "_images").glob("*.svg")}
    # index.rst is reST, datasets.md is MyST (a {heatmap} directive and a fence).
    for page, figures in (("index.html", 1), ("datasets.html", 2)):
        html = (out / page).read_text()
        shown = set(re.findall(r'src="_images/([^"#]+\.svg)', html))
        assert len(shown) >= figures and shown <= images, (page, shown, images)
        assert html.count('class="heatmap-error') == 0, page


def test_sphinx_latex(box: Sandbox) -> None:
    out = sphinx_build(box, "latex")
    tex = next(out.glob("*.tex")).read_text()
    pdfs = re.findall(r"\\sphinxincludegraphics(?:\[[^\]]*\])?\{\{([^}]+)\}\.pdf\}", tex)
    assert len(pdfs) == 3, pdfs  # one reST figure, two MyST ones
    for name in pdfs:
        assert (out / f"{name}.pdf").read_bytes().startswith(b"%PDF-"), name


PAGES = ("index.html", "layouts/index.html", "gallery/index.html")


def test_mkdocs(box: Sandbox) -> None:
    run_as_user(
        box,
        ["mkdocs", "build", "--strict", "-f", "example_site/mkdocs.yml"],
        ".",
        ("example_site/site", "example_site/.cache/heatmap"),
    )
    site = box.root / "example_site" / "site"
    for page in PAGES:
        html = (site / page).read_text()
        shown = re.findall(r'src="(?:\.\./)*assets/heatmaps/([^"#]+)', html)
        assert any(name.endswith(".svg") for name in shown), page
        for name in shown:
            assert (site / "assets" / "heatmaps" / name).is_file(), (page, name)
        assert "heatmap-error" not in html, page


def test_zensical(box: Sandbox) -> None:
    run_as_user(
        box,
        ["zensical", "build", "--strict"],
        "zensical",
        ("zensical/site", "zensical/.cache"),  # .cache: Zensical's and the extension's
    )
    site = box.root / "zensical" / "site"
    for page in PAGES:
        html = (site / page).read_text()
        shown = re.findall(r'<img[^>]*src="data:image/svg\+xml;base64,([^"#]+)', html)
        assert shown, page
        assert b"<svg" in base64.b64decode(shown[0]), page
        assert "heatmap-error" not in html, page


def test_cli_render(box: Sandbox) -> None:
    for name in ("out.svg", "out.pdf"):
        cmd = ["mkdocs-heatmap", "render", "spec.yml", "-o", name]
        run_as_user(box, cmd, "cli", (f"cli/{name}", "cli/.cache/heatmap"))
    assert b"<svg" in (box.root / "cli" / "out.svg").read_bytes()
    assert (box.root / "cli" / "out.pdf").read_bytes().startswith(b"%PDF-")


def test_pandoc(box: Sandbox) -> None:
    """A paper through Pandoc's filter: HTML with the figures inside, and
    Word with them as files of ``heatmaps/``."""
    (pandoc,) = box.venv.glob("lib/python3*/site-packages/pypandoc/files/pandoc")
    for name in ("paper.html", "paper.docx"):
        cmd = [str(pandoc), "paper.md", "--filter", "mkdocs-heatmap-pandoc", "-o", name]
        run_as_user(box, cmd, "pandoc", (f"pandoc/{name}", "pandoc/heatmaps", "pandoc/.cache"))
    html = (box.root / "pandoc" / "paper.html").read_text()
    assert "data:image/svg+xml;base64," in html
    assert re.search(r'<a href="#fig-probe"[^>]*>Figure\s+1</a>', html), html[-2000:]
    assert list((box.root / "pandoc" / "heatmaps").glob("*.png"))


def test_myst(box: Sandbox) -> None:
    """A MyST-MD project: the plugin file ``init myst`` writes, then
    ``myst build --site`` runs it with the user's Python."""
    run_as_user(box, ["mkdocs-heatmap", "init", "myst", "--dir", "."], "myst", ("myst/heatmap.py",))
    run_as_user(box, ["myst", "build", "--site"], "myst", ("myst/_build", "myst/.cache"))
    content = box.root / "myst" / "_build" / "site" / "content" / "paper.json"
    stack, found = [json.loads(content.read_text())["mdast"]], []
    while stack:
        node = stack.pop()
        if node.get("type") == "container" and "heatmap" in node.get("class", ""):
            found.append((node.get("identifier"), node.get("enumerator")))
        stack.extend(node.get("children") or [])
    assert found == [("fig-probe", "1")]
    assert list((box.root / "myst" / "_build").rglob("*.svg"))
