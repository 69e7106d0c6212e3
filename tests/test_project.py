"""The project's own gates, run by the README's test command: lint, types, and
strict builds of the docs and the example site with the plugin itself."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_ruff_lint() -> None:
    result = _run("ruff", "check", "src", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = _run("ruff", "format", "--check", "src", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("config", ["mkdocs.yml", "example_site/mkdocs.yml"])
def test_site_builds_strict(tmp_path: Path, config: str) -> None:
    # Build from a copy (config + docs folder) so no site/ or cache lands in the tree.
    source = ROOT / config
    copy = tmp_path / "project"
    copy.mkdir()
    shutil.copy(source, copy / source.name)
    shutil.copytree(source.parent / "docs", copy / "docs")
    site = tmp_path / "site"
    result = _run("mkdocs", "build", "--strict", "-f", str(copy / source.name), "-d", str(site))
    assert result.returncode == 0, result.stdout + result.stderr
    assert list((site / "assets" / "heatmaps").glob("*.svg"))


def test_wheel_and_sdist_build_and_pass_twine_check(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    built = _run("build", "--sdist", "--wheel", "--outdir", str(out), str(ROOT))
    assert built.returncode == 0, built.stdout + built.stderr
    wheel = next(out.glob("*.whl"))
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("mkdocs_heatmap/py.typed", "mkdocs_heatmap/assets/heatmap.css"):
        assert needed in names
    metadata = next(n for n in names if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Classifier: Framework :: MkDocs" in text
    assert "Requires-Dist: mkdocs<2,>=1.5" in text
    checked = _run("twine", "check", "--strict", *map(str, out.iterdir()))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) of every import in a file; a relative import of this
    package is named absolutely (``from .pipeline`` -> ``mkdocs_heatmap.pipeline``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                module = f"mkdocs_heatmap.{module}".rstrip(".")
            found.append((module, [alias.name for alias in node.names]))
    return found


def test_tests_import_no_test_module_and_no_private_name() -> None:
    """Shared test helpers live in conftest.py and catalog.py; tests use the
    package's public names only."""
    offences = []
    for path in sorted((ROOT / "tests").glob("*.py")):
        for module, names in _imports(path):
            if module.split(".")[0].startswith("test_"):
                offences.append(f"{path.name} imports {module}")
            if module.startswith("mkdocs_heatmap"):
                private = [n for n in names if n.startswith("_") and not n.endswith("__")]
                offences += [f"{path.name} imports {module}.{n}" for n in private]
    assert offences == []


def test_host_modules_are_wiring() -> None:
    """Hosts reach the core through its public modules; no host imports another
    host (what two hosts need belongs in the core)."""
    hosts = {"plugin", "extension", "cli", "api", "sphinx", "pandoc", "myst"}
    package = ROOT / "src" / "mkdocs_heatmap"
    for host in hosts:
        imported = {
            module.split(".")[1]
            for module, _ in _imports(package / f"{host}.py")
            if module.startswith("mkdocs_heatmap.")
        }
        assert "site" in imported, host  # every host opens its site through the seam
        relative = imported & (hosts - {host})
        # The CLI reads a site's validated plugin options from MkDocs' own
        # config loader, and renders through the API: both public entry points.
        # `init myst` writes the MyST-MD host's plugin file.
        allowed = {"cli": {"plugin", "api", "myst"}}.get(host, set())
        assert relative <= allowed, (host, relative)


def test_the_guard_sees_a_file_written_into_the_checkout() -> None:
    """The guard every test runs under (conftest) can fail."""
    from conftest import REPO, outside_snapshot, written_outside

    before = outside_snapshot()
    probe = REPO / "docs" / "written-by-a-test.txt"
    try:
        probe.write_text("x")
        changed = written_outside(before, outside_snapshot())
    finally:
        probe.unlink()
    assert changed == ["the repository: docs/written-by-a-test.txt"]
    assert written_outside(before, outside_snapshot()) == []


def _package_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports (any import, at any depth,
    type-only ones too), relative imports resolved."""
    package = ROOT / "src" / "mkdocs_heatmap"
    names = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        names[path] = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    known = set(names.values())
    graph: dict[str, set[str]] = {}
    for path, name in names.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = here
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                module = f"{base}.{node.module}" if node.level else (node.module or "")
                module = module.rstrip(".") if node.module or not node.level else base
                modules = [module] + [f"{module}.{alias.name}" for alias in node.names]
            else:
                continue
            targets |= {m for m in modules if m in known and m != name}
        graph[name] = targets
    return graph


def test_no_import_circles() -> None:
    """One figure's path goes down the layers: no module imports one that
    (through others) imports it back; a package's ``__init__`` handing its
    modules' names on is not a circle."""
    graph = _package_graph()
    circles = []
    for start in graph:
        stack = [(start, [start])]
        seen = set()
        while stack:
            node, path = stack.pop()
            for target in graph[node]:
                if target == start and not (len(path) == 2 and start.startswith(target + ".")):
                    circles.append(" -> ".join([*path, start]))
                elif target not in seen and not target.startswith(start + "."):
                    seen.add(target)
                    stack.append((target, [*path, target]))
    assert circles == []
