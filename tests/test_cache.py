"""The content-addressed cache, batch rendering, serve watching (no timings)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
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
    for module in (pipeline, memo):  # the drawing code's revision
        monkeypatch.setattr(module, "DRAWING", module.DRAWING + 1)
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


@pytest.mark.parametrize(
    "damage", ["truncate", "flip", "empty", "garbage-header", "null-header", "list-header"]
)
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
                "null-header": b"null\n" + raw.partition(b"\n")[2],
                "list-header": b"[1, 2]\n" + raw.partition(b"\n")[2],
            }[damage]
        )
    rebuilt = plugin_build(two_figures)
    assert rebuilt.stats.drawn == 2
    assert images(two_figures) == good


KEY_A, KEY_B = "ab" + "0" * 62, "cd" + "1" * 62


def test_entry_round_trip_and_checks() -> None:
    pics = [Image(b"<svg/>", "svg", 10, 20), Image(b"\x89PNG..", "png", 5, 6)]
    raw = encode_entry(pics, KEY_A)
    assert decode_entry(raw, KEY_A) == pics
    assert decode_entry(raw, KEY_B) is None  # an entry is the entry of one key
    assert decode_entry(raw + b"x", KEY_A) is None
    assert decode_entry(raw.replace(b"<svg/>", b"<svg?>"), KEY_A) is None


def test_an_entry_moved_under_another_key_is_a_miss(two_figures: Site) -> None:
    """A shared cache where entry A's file is replaced by entry B's bytes must
    not show B's figure in A's place."""
    plugin_build(two_figures)
    good = images(two_figures)
    a, b = sorted((two_figures.root / ".cache/heatmap").glob("*/*.heatmap"))
    a.write_bytes(b.read_bytes())
    shutil.rmtree(two_figures.root / ".cache/heatmap/blocks")
    assert plugin_build(two_figures).stats.drawn == 1
    assert images(two_figures) == good


def test_prune_deletes_only_what_the_cache_wrote(tmp_path: Path) -> None:
    """``cache_dir: .`` puts the cache among the user's files: pruning must
    leave every file it did not write, whatever its name or age."""
    import os
    import time

    cache = DiskCache(tmp_path, max_age_days=30)
    cache.put(KEY_A, [Image(b"x", "svg", 1, 1)])
    cache.put_text(KEY_B, "{}")
    mine = [cache.path(KEY_A), tmp_path / "blocks" / KEY_B[:2] / f"{KEY_B}.json"]
    theirs = [
        tmp_path / "blocks/2023/results.json",
        tmp_path / "notes/x.heatmap",
        tmp_path / "ab/notes.heatmap",
        tmp_path / "cd" / f"ab{'0' * 62}.heatmap",  # a key's name in the wrong folder
    ]
    for path in theirs:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("the user's")
    old = time.time() - 40 * 86400
    for path in mine + theirs:
        os.utime(path, (old, old))
    assert cache.prune() == 2
    assert all(path.read_text() == "the user's" for path in theirs)
    assert not any(path.exists() for path in mine)


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
    assert all(decode_entry(e.read_bytes(), e.stem) for e in entries)


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


def _memos(site: Site) -> list[Path]:
    return sorted((site.root / ".cache/heatmap/blocks").glob("*/*.json"))


def _tamper(site: Site, change: Any) -> None:
    for path in _memos(site):
        raw = json.loads(path.read_text())
        change(raw)
        path.write_text(json.dumps(raw))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda raw: raw["images"][0].__setitem__(0, "../../../x.svg"), id="path"),
        pytest.param(lambda raw: raw["images"][0].__setitem__(1, -1), id="negative-index"),
        pytest.param(lambda raw: raw["images"][0].__setitem__(1, 7), id="index-past-end"),
        pytest.param(lambda raw: raw["files"].append(["/dev/zero", "0" * 64]), id="dev-zero"),
        pytest.param(lambda raw: raw["doc"].__setitem__("width", "1px;x:y"), id="width"),
        pytest.param(lambda raw: raw.__setitem__("doc", None), id="no-doc"),
        pytest.param(lambda raw: raw.__setitem__("images", "x"), id="images-not-a-list"),
    ],
)
def test_a_tampered_memo_is_not_trusted(two_figures: Site, change: Any) -> None:
    """Memos are data read back from a folder anyone with cache access may
    write (a shared CI cache): anything a memo may not hold makes it a miss."""
    two_figures.config["plugins"] = [{"heatmap": {"workers": 1}}]
    plugin_build(two_figures)
    good = images(two_figures)
    _tamper(two_figures, change)
    rebuilt = plugin_build(two_figures)
    assert rebuilt.stats.figures == 2
    assert images(two_figures) == good
    assert not (two_figures.root.parent / "x.svg").exists()
    assert not list(two_figures.root.glob("x.svg"))


def test_memo_text_reaches_the_page_escaped(two_figures: Site) -> None:
    plugin_build(two_figures)
    _tamper(two_figures, lambda raw: raw["doc"].__setitem__("alt", '"><script>x()</script>'))
    plugin_build(two_figures)
    html = two_figures.html()
    assert "<script>x()" not in html
    assert "&lt;script&gt;x()" in html


def test_a_data_file_that_shadows_another_later_is_noticed(site: Site) -> None:
    """The page's folder is searched before the project root: a file added
    there later is the figure's data from then on."""
    site.write("m.csv", ",a,b\nx,1,2\n")
    site.page("index.md", BLOCK)
    first = plugin_build(site)
    assert first.stats.drawn == 1
    site.write("docs/m.csv", ",a,b\nx,5,6\n")
    second = plugin_build(site)
    assert second.stats.drawn == 1
    assert "Values range from 5" in site.html()


def test_a_retargeted_symlink_is_noticed(site: Site) -> None:
    site.write("docs/one.csv", ",a,b\nx,1,2\n")
    site.write("docs/two.csv", ",a,b\nx,7,8\n")
    (site.docs / "m.csv").symlink_to("one.csv")
    site.page("index.md", BLOCK)
    assert plugin_build(site).stats.drawn == 1
    (site.docs / "m.csv").unlink()
    (site.docs / "m.csv").symlink_to("two.csv")
    assert plugin_build(site).stats.drawn == 1
    assert "Values range from 7" in site.html()


def _swap_same_size_same_time(site: Site) -> None:
    csv = site.docs / "m.csv"
    stat = csv.stat()
    site.write("docs/m.csv", ",a,b\nx,1,2\ny,3,5\n")  # as long as before
    assert csv.stat().st_size == stat.st_size
    os.utime(csv, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _edit_style_file(site: Site) -> None:
    site.write("styles/lab.mplstyle", "font.size: 16\n")


def _edit_front_matter(site: Site) -> None:
    text = (site.docs / "index.md").read_text()
    site.page("index.md", text.replace("cmap: Blues", "cmap: Reds"))


@pytest.mark.parametrize("serve", [False, True], ids=["build", "serve"])
@pytest.mark.parametrize(
    "edit",
    [_swap_same_size_same_time, _edit_style_file, _edit_front_matter],
    ids=["same-size-same-time-data", "site-style-file", "front-matter-defaults"],
)
def test_every_input_is_a_dependency_by_content(two_figures: Site, edit: Any, serve: bool) -> None:
    """A rebuild after any edit shows what a clean build would, under
    `mkdocs build` (cache on disk) and `mkdocs serve` (the plugin lives on)."""
    two_figures.write("styles/lab.mplstyle", "font.size: 9\n")
    two_figures.config["plugins"] = [{"heatmap": {"style": "styles/lab.mplstyle"}}]
    text = (two_figures.docs / "index.md").read_text()
    two_figures.page("index.md", "---\nheatmap: {cmap: Blues}\n---\n" + text)
    plugin_build(two_figures)
    before = images(two_figures)
    edit(two_figures)
    plugin_build(two_figures, serve=serve)
    after = images(two_figures)
    assert after != before
    shutil.rmtree(two_figures.root / ".cache")
    shutil.rmtree(two_figures.out)
    plugin_build(two_figures)
    assert images(two_figures) == after  # what a clean build draws


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "folder", "huge"])
@pytest.mark.parametrize("what", ["entries", "memos"])
def test_special_files_in_the_cache_are_misses_not_hangs(
    two_figures: Site, kind: str, what: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shared cache folder may hold anything: a FIFO would block a reader
    forever, /dev/zero never end, a huge file fill memory. Each is a miss."""
    import mkdocs_heatmap.cache as cache_module

    plugin_build(two_figures)
    good = images(two_figures)
    pattern = "*/*.heatmap" if what == "entries" else "blocks/*/*.json"
    entries = list((two_figures.root / ".cache/heatmap").glob(pattern))
    assert entries
    for entry in entries:
        entry.unlink()
        if kind == "fifo":
            os.mkfifo(entry)
        elif kind == "dev-zero":
            entry.symlink_to("/dev/zero")
        elif kind == "folder":
            entry.mkdir()
        else:
            entry.write_bytes(b"0" * 2048)
    # "huge": over the limits, lowered so the test stays small.
    monkeypatch.setattr(cache_module, "MAX_ENTRY_BYTES", 1024)
    monkeypatch.setattr(cache_module, "MAX_MEMO_BYTES", 1024)
    rebuilt = plugin_build(two_figures)
    assert rebuilt.stats.figures == 2
    if what == "entries":
        assert rebuilt.stats.drawn == 2
    assert images(two_figures) == good


def test_a_data_file_over_the_limit_is_not_hashed_for_a_memo(
    two_figures: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm build checks a memo's files by content, but never reads one
    over max_file_size: the block is prepared again and reports the limit."""
    import mkdocs_heatmap.memo as memo_module

    two_figures.config["plugins"] = [{"heatmap": {"max_file_size": 1000}}]
    plugin_build(two_figures)
    two_figures.write("docs/m.csv", ",a,b\nx,1,2\ny,3,4\n" + "#" * 5000 + "\n")
    hashed: list[str] = []
    real = memo_module.file_digest

    def spy(path: Path, limit: int | None = None) -> str:
        digest = real(path, limit)
        hashed.append(f"{path.name}:{digest}")
        return digest

    monkeypatch.setattr(memo_module, "file_digest", spy)
    built = plugin_build(two_figures)
    assert built.stats.errors == 1
    assert "m.csv:too-large" in hashed


def test_serve_keeps_only_the_last_builds_figures_in_memory(two_figures: Site) -> None:
    """An edit-rebuild loop under `mkdocs serve` holds one site's figures,
    not every version ever drawn."""
    two_figures.config["plugins"] = [{"heatmap": {"cache": False}}]
    plugin = plugin_build(two_figures)
    for n in range(5):
        two_figures.write("docs/n.csv", f",a,b\nx,5,6\ny,7,{10 + n}\n")
        assert plugin_build(two_figures, serve=True) is plugin
        assert plugin.stats.drawn == 1
    plugin_build(two_figures, serve=True)  # the next build forgets the old ones
    assert plugin._batch.site is not None
    assert len(plugin._batch.site.memory) == 2
    assert len(plugin._batch.site.memos) == 2
    assert plugin.stats.drawn == 0  # what is kept still serves


def test_a_site_prunes_its_cache_at_most_once_a_day(tmp_path: Path) -> None:
    """Listing a large cache on every warm build costs more than it saves."""
    from mkdocs_heatmap.site import PRUNED, Site

    site = Site.open({"cache_dir": "cache"}, project_root=tmp_path, docs_dir=tmp_path)
    assert site.cache is not None
    old = time.time() - 40 * 86400

    def stale_entry(name: str) -> Path:
        path = site.cache.root / name[:2] / f"{name}.heatmap"  # type: ignore[union-attr]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        os.utime(path, (old, old))
        return path

    first = stale_entry("a" * 64)
    site.prune()
    assert not first.exists()
    second = stale_entry("b" * 64)
    site.prune()
    assert second.exists()  # pruned less than a day ago
    stamp = site.cache.root / PRUNED
    os.utime(stamp, (old, old))
    site.prune()
    assert not second.exists()


def test_published_files_are_readable_as_the_umask_allows(tmp_path: Path) -> None:
    """A web server running as another user serves what the extension or a
    host publishes: not the private 0600 a temporary file starts with."""
    from mkdocs_heatmap.files import publish

    mask = os.umask(0o022)
    try:
        written = publish(tmp_path, "img/a.svg", b"<svg/>")
    finally:
        os.umask(mask)
    assert written.stat().st_mode & 0o777 == 0o644
