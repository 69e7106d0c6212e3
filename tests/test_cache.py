"""The content-addressed cache, batch rendering, serve watching (no timings)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from conftest import Site, forget_plugins
from mkdocs_heatmap.cache import DiskCache, decode_entry, encode_entry
from mkdocs_heatmap.model import Image

BLOCK = "```heatmap\ndata: m.csv\ntitle: T\n```\n"


def plugin_build(site: Site, *, serve: bool = False) -> Any:
    """Build in-process and return the plugin; ``serve`` keeps the plugin object
    of the previous build, as `mkdocs serve` does between rebuilds."""
    import os

    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    path = site.write_config()
    cwd = os.getcwd()
    os.chdir(site.root)
    if not serve:
        forget_plugins()
    try:
        config = load_config(str(path))
        build(config)
    finally:
        os.chdir(cwd)
    return config.plugins["heatmap"]


def images(site: Site) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((site.out / "assets/heatmaps").glob("*.svg"))}


@pytest.fixture
def two_figures(site: Site) -> Site:
    site.write("docs/m.csv", ",a,b\nx,1,2\ny,3,4\n")
    site.write("docs/n.csv", ",a,b\nx,5,6\ny,7,8\n")
    site.page("index.md", BLOCK + "\n" + BLOCK.replace("m.csv", "n.csv"))
    return site


def test_second_build_renders_nothing(two_figures: Site) -> None:
    first = plugin_build(two_figures)
    assert first.stats.drawn == 2
    before = images(two_figures)
    second = plugin_build(two_figures)
    assert second.stats.drawn == 0
    assert second.stats.figures == 2
    assert images(two_figures) == before
    assert list((two_figures.root / ".cache/heatmap").glob("*/*.heatmap"))


@pytest.mark.parametrize(
    ("change", "renders"),
    [
        (lambda s: s.write("docs/m.csv", ",a,b\nx,1,2\ny,3,5\n"), 1),  # data bytes
        (
            lambda s: s.page(
                "index.md", BLOCK.replace("T", "U") + "\n" + BLOCK.replace("m.csv", "n.csv")
            ),
            1,
        ),
        (
            lambda s: s.page(
                "index.md",
                BLOCK.replace("T\n", "T\ncaption: c\n") + "\n" + BLOCK.replace("m.csv", "n.csv"),
            ),
            0,
        ),
        (lambda s: s.config.update(plugins=[{"heatmap": {"style": "paper"}}]), 2),  # style
        (lambda s: s.config.update(plugins=[{"heatmap": {"theme": "auto"}}]), 2),  # theme
        (lambda s: s.config.update(plugins=[{"heatmap": {"style": {"font.size": 7}}}]), 2),
    ],
    ids=["data", "block", "caption-only", "builtin-style", "theme", "rc-mapping"],
)
def test_every_ingredient_of_the_key(two_figures: Site, change: Any, renders: int) -> None:
    plugin_build(two_figures)
    change(two_figures)
    assert plugin_build(two_figures).stats.drawn == renders


def test_versions_are_part_of_the_key(two_figures: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    plugin_build(two_figures)
    import mkdocs_heatmap.memo as memo
    import mkdocs_heatmap.pipeline as pipeline

    for module in (pipeline, memo):  # the figure's key and the block memo's key
        monkeypatch.setattr(module, "__version__", "99.0")
    assert plugin_build(two_figures).stats.drawn == 2
    for module in (pipeline, memo):
        monkeypatch.setattr(module, "matplotlib_version", lambda: "0.0")
    assert plugin_build(two_figures).stats.drawn == 2


def test_cache_can_be_turned_off(two_figures: Site) -> None:
    two_figures.config["plugins"] = [{"heatmap": {"cache": False}}]
    plugin_build(two_figures)
    assert plugin_build(two_figures).stats.drawn == 2
    assert not (two_figures.root / ".cache").exists()


def test_cache_dir_option(two_figures: Site) -> None:
    two_figures.config["plugins"] = [{"heatmap": {"cache_dir": "build/figs"}}]
    plugin_build(two_figures)
    assert list((two_figures.root / "build/figs").glob("*/*.heatmap"))


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "garbage-header"])
def test_corrupt_entries_are_rendered_again(two_figures: Site, damage: str) -> None:
    plugin_build(two_figures)
    good = images(two_figures)
    for entry in (two_figures.root / ".cache/heatmap").glob("*/*.heatmap"):
        raw = entry.read_bytes()
        entry.write_bytes(
            {
                "truncate": raw[: len(raw) // 2],
                "flip": raw[:-10] + bytes([raw[-10] ^ 0xFF]) + raw[-9:],
                "empty": b"",
                "garbage-header": b"{not json\n" + raw,
            }[damage]
        )
    rebuilt = plugin_build(two_figures)
    assert rebuilt.stats.drawn == 2
    assert images(two_figures) == good


def test_entry_round_trip_and_checks() -> None:
    pics = [Image(b"<svg/>", "svg", 10, 20), Image(b"\x89PNG..", "png", 5, 6)]
    raw = encode_entry(pics)
    assert decode_entry(raw) == pics
    assert decode_entry(raw + b"x") is None
    assert decode_entry(raw.replace(b"<svg/>", b"<svg?>")) is None


def test_prune_removes_old_entries(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, max_age_days=30)
    cache.put("ab" + "0" * 62, [Image(b"x", "svg", 1, 1)])
    cache.put("cd" + "0" * 62, [Image(b"y", "svg", 1, 1)])
    import os
    import time

    old = time.time() - 40 * 86400
    os.utime(cache.path("ab" + "0" * 62), (old, old))
    assert cache.prune() == 1
    assert cache.get("ab" + "0" * 62) is None
    assert cache.get("cd" + "0" * 62) is not None


def test_two_concurrent_builds_share_one_cache(two_figures: Site, tmp_path: Path) -> None:
    other = Site(tmp_path / "other")
    shutil.copytree(two_figures.root / "docs", other.root / "docs")
    cache = tmp_path / "shared-cache"
    for s in (two_figures, other):
        s.config["plugins"] = [{"heatmap": {"cache_dir": str(cache)}}]
        s.write_config()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "build", "--strict"],
            cwd=s.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for s in (two_figures, other)
    ]
    outputs = [p.communicate(timeout=300)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert images(two_figures) == images(other)
    entries = list(cache.glob("*/*.heatmap"))
    assert len(entries) == 2
    assert not list(cache.glob("*/.tmp-*"))
    assert all(decode_entry(e.read_bytes()) for e in entries)


def test_identical_blocks_render_once(site: Site) -> None:
    site.write("docs/m.csv", ",a,b\nx,1,2\ny,3,4\n")
    site.page("index.md", BLOCK + "\n" + BLOCK)
    site.page("other.md", BLOCK)
    plugin = plugin_build(site)
    assert plugin.stats.figures == 3
    assert plugin.stats.drawn == 1


def test_workers_give_identical_bytes(site: Site) -> None:
    rows = "\n".join(f"r{i},{i},{i * 2},{i % 3}" for i in range(6))
    site.write("docs/m.csv", f",a,b,c\n{rows}\n")
    blocks = "\n".join(
        f"```heatmap\ndata: m.csv\ntitle: Figure {i}\ncmap: {cmap}\n```\n"
        for i, cmap in enumerate(["viridis", "Blues", "magma", "Greens"])
    )
    site.page("index.md", blocks)
    site.config["plugins"] = [{"heatmap": {"workers": 1, "cache": False}}]
    one = plugin_build(site)
    serial = images(site)
    site.config["plugins"] = [{"heatmap": {"workers": 2, "cache": False}}]
    shutil.rmtree(site.out)
    two = plugin_build(site)
    assert one.stats.drawn == two.stats.drawn == 4
    assert images(site) == serial
    assert len(serial) == 4


def test_render_error_from_a_worker_is_reported(site: Site, build: Any) -> None:
    site.config["plugins"] = [{"heatmap": {"workers": 2}}]
    site.page(
        "index.md",
        "# T\n\n```heatmap\nmatrix: [[1]]\ntitle: ok\n```\n\n```heatmap\nmatrix: [[1]]\n"
        "style: {font.size: huge}\n```\n\n```heatmap\nmatrix: [[2]]\n```\n",
    )
    result = build(site)
    (warning,) = result.heatmap_warnings()
    assert warning.startswith("index.md:10: heatmap: ") and "font.size" in warning
    assert site.html().count('<figure class="heatmap">') == 2


class FakeServer:
    def __init__(self) -> None:
        self.watched: list[str] = []

    def watch(self, path: str) -> None:
        self.watched.append(path)


def test_serve_watches_data_and_style_files_outside_docs(site: Site) -> None:
    site.write("data/outside.csv", ",a\nx,1\n")
    site.write("styles/lab.mplstyle", "font.size: 8\n")
    site.write("docs/inside.csv", ",a\nx,2\n")
    site.config["plugins"] = [{"heatmap": {"style": "styles/lab.mplstyle"}}]
    site.page(
        "index.md",
        "```heatmap\ndata: /data/outside.csv\n```\n\n```heatmap\ndata: inside.csv\n```\n",
    )
    plugin = plugin_build(site)
    server = FakeServer()
    plugin.on_serve(server, config=None, builder=None)
    watched = {Path(p).resolve() for p in server.watched}
    assert (site.root / "data/outside.csv").resolve() in watched
    assert (site.root / "styles/lab.mplstyle").resolve() in watched
    assert (site.root / "docs/inside.csv").resolve() not in watched  # MkDocs watches docs/


def test_serve_rebuild_after_editing_one_data_file_renders_one_figure(two_figures: Site) -> None:
    two_figures.config["plugins"] = [{"heatmap": {"cache": False}}]
    plugin = plugin_build(two_figures)
    assert plugin.stats.drawn == 2
    # Nothing changed: the plugin object lives on and its memory serves.
    assert plugin_build(two_figures, serve=True) is plugin
    assert plugin.stats.drawn == 0
    two_figures.write("docs/n.csv", ",a,b\nx,5,6\ny,7,9\n")
    plugin_build(two_figures, serve=True)
    assert plugin.stats.drawn == 1


def test_summary_line(two_figures: Site, build: Any) -> None:
    def summary(result: Any) -> str:
        (line,) = [r.getMessage() for r in result.records if "figure(s)" in r.getMessage()]
        return line

    first = summary(build(two_figures))
    assert first.startswith("mkdocs_heatmap: 2 figure(s): 2 rendered in ")
    assert first.endswith(" s, 0 reused (cache or identical blocks)")
    assert "2 figure(s): 0 rendered in" in summary(build(two_figures))
    assert summary(build(two_figures)).endswith("2 reused (cache or identical blocks)")


PROBE = textwrap.dedent(
    """
    import os, sys
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    os.chdir(sys.argv[1])
    build(load_config("mkdocs.yml"))
    print("MPL" if "matplotlib" in sys.modules else "NO-MPL")
    print("NUMPY" if "numpy" in sys.modules else "NO-NUMPY")
    """
)


def _imports(site: Site) -> str:
    site.write_config()
    return subprocess.run(
        [sys.executable, "-c", PROBE, str(site.root)], capture_output=True, text=True, check=True
    ).stdout


def _imports_matplotlib(site: Site) -> bool:
    return "NO-MPL" not in _imports(site)


def test_no_matplotlib_import_on_warm_build_or_site_without_blocks(two_figures: Site) -> None:
    # workers: 1 draws in this process, so the probe sees a cold build import it.
    two_figures.config["plugins"] = [{"heatmap": {"workers": 1}}]
    assert _imports_matplotlib(two_figures)  # cold: draws
    # Warm: the block memos serve; not even numpy is needed.
    assert _imports(two_figures).split() == ["NO-MPL", "NO-NUMPY"]
    two_figures.config["plugins"] = [{"heatmap": {"workers": 1, "style": {"font.size": 8}}}]
    assert _imports_matplotlib(two_figures)  # new style: validated and drawn
    assert not _imports_matplotlib(two_figures)  # the style check is remembered too
    two_figures.page("index.md", "# No figures here\n")
    two_figures.config["plugins"] = ["heatmap"]
    shutil.rmtree(two_figures.root / ".cache")
    assert _imports(two_figures).split() == ["NO-MPL", "NO-NUMPY"]
