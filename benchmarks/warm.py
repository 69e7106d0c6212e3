"""Warm-path benchmark: a no-change rebuild against the same site with static images.

Not a test: it prints figures.  For each site size N it generates a site of N
pages, each with one heatmap block reading its own CSV (16x14, as in
bench.py), builds it once (cold, filling the cache), then measures:

  warm        `mkdocs build` of the heatmap site with nothing changed
  static      the same site with every block replaced by ``![alt](FILE.svg)``
              pointing at the SVG the plugin produced (copied into docs/),
              built with plain mkdocs: no heatmap plugin
  ratio       warm / static (the issue's goal: <= 1.10)

both as fresh subprocesses (median of --repeat) and inside one process
(``mkdocs.commands.build.build(config)`` in a loop, the config loaded again
for each build as `mkdocs serve` does: the plugin object, its in-memory
memos and images persist; median of --inproc-repeat), since at small N a
subprocess is mostly interpreter and import start-up.  Each is timed as
wall time and as CPU time (user + system): on a shared machine CPU time is
the steadier of the two.  Children keep their bytecode in a cache of their
own (PYTHONPYCACHEPREFIX in the work folder, never in src/), as an
installed package has its .pyc; --no-bytecode compiles every module anew.
The sites live in /dev/shm when there is one (see ``scratch``).

With --profile, the in-process warm rebuild of the largest site is run
under cProfile and the top functions (cumulative and own time) are printed:
those of mkdocs_heatmap, and mkdocs' own functions the plugin makes run
(File.generated, Files, ...), with the cost per block in ms.  A profile of a
fresh-process warm build (memos read from the disk cache) is printed too.

Usage:

    python benchmarks/warm.py [--sizes 20 100 300] [--repeat 5]
        [--inproc-repeat 10] [--profile] [--top 25] [--out DIR]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import platform
import pstats
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np

ROWS, COLS = 16, 14
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
ENV.pop("PYTHONDONTWRITEBYTECODE", None)
_IMG = re.compile(r'<img[^>]*?src="([^"]+\.svg)"[^>]*?>')
_ALT = re.compile(r'alt="([^"]*)"')


def make_site(root: Path, n: int) -> Path:
    """A site of ``n`` pages with one heatmap block each, reading its own CSV."""
    if root.exists():
        shutil.rmtree(root)
    docs = root / "docs"
    (docs / "data").mkdir(parents=True)
    rng = np.random.default_rng(0)
    tokens = [f"tok_{j}" for j in range(COLS)]
    for i in range(n):
        values = rng.random((ROWS, COLS)).round(3)
        lines = ["," + ",".join(tokens)]
        lines += [f"{r}," + ",".join(map(str, values[r])) for r in range(ROWS)]
        (docs / "data" / f"fig{i:03d}.csv").write_text("\n".join(lines) + "\n")
        body = f"# Figure {i}\n\nSome prose about result {i}.\n\n"
        body += (
            f"```heatmap\ndata: data/fig{i:03d}.csv\ntitle: fig{i:03d}\n"
            "xlabel: token\nylabel: layer\nannotate: false\ncolorbar: {label: score}\n```\n"
        )
        (docs / f"page{i:03d}.md").write_text(body)
    (docs / "index.md").write_text("# Benchmark\n")
    config = [
        "site_name: bench",
        "markdown_extensions:",
        "  - pymdownx.superfences",
        "plugins:",
        "  - heatmap:",
        "      workers: 1",
    ]
    (root / "mkdocs.yml").write_text("\n".join(config) + "\n")
    return root


def make_static(site: Path, root: Path, n: int) -> Path:
    """The same site with the images the plugin produced committed as static
    files, each block replaced by ``![alt](FILE.svg)``; no heatmap plugin."""
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(site / "docs", root / "docs")
    images = root / "docs" / "img"
    images.mkdir()
    for i in range(n):
        html = (site / "site" / f"page{i:03d}" / "index.html").read_text()
        found = _IMG.search(html)
        if found is None:
            raise SystemExit(f"page{i:03d}: no SVG image in the built page")
        alt = _ALT.search(found[0])
        src = (site / "site" / f"page{i:03d}" / found[1]).resolve()
        shutil.copyfile(src, images / src.name)
        page = root / "docs" / f"page{i:03d}.md"
        text = re.sub(
            r"```heatmap\n.*?\n```\n",
            lambda _m, a=alt, s=src: f"![{a[1] if a else ''}](img/{s.name})\n",
            page.read_text(),
            flags=re.DOTALL,
        )
        page.write_text(text)
    # The same plugins as the heatmap site, less heatmap (so no search either).
    config = ["site_name: bench", "markdown_extensions:", "  - pymdownx.superfences"]
    config += ["plugins: []"]
    (root / "mkdocs.yml").write_text("\n".join(config) + "\n")
    return root


def subprocess_build(site: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one `mkdocs build` child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-d", "site"],
        cwd=site,
        capture_output=True,
        text=True,
        env=ENV,
        check=False,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"mkdocs build in {site} failed:\n{proc.stdout}\n{proc.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return seconds, cpu


def load(site: Path) -> Any:  # an MkDocsConfig, imported lazily
    from mkdocs.config import load_config

    return load_config(str(site / "mkdocs.yml"), site_dir=str(site / "site"))


class InProcess:
    """One loaded config rebuilt again and again, as `mkdocs serve` does
    (plugins with on_startup persist; serve reloads the config each time,
    but the plugin object comes from the Plugins option's cache)."""

    def __init__(self, site: Path) -> None:
        self.site = site
        self.first = load(site)
        self.first.plugins.on_startup(command="serve", dirty=False)

    def build(self) -> tuple[float, float]:
        """Wall and CPU seconds of one rebuild."""
        from mkdocs.commands.build import build

        config = load(self.site)  # serve's get_config(): same plugin objects
        start, cpu = time.perf_counter(), time.process_time()
        build(config, serve_url="http://127.0.0.1:8000/")
        return time.perf_counter() - start, time.process_time() - cpu


def medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def measure(n: int, repeat: int, inproc_repeat: int, work: Path) -> dict[str, tuple[float, float]]:
    site = make_site(work / f"warm{n}", n)
    subprocess_build(site)  # cold: fills the cache and site/
    static = make_static(site, work / f"static{n}", n)
    subprocess_build(static)
    r: dict[str, tuple[float, float]] = {}
    # Interleaved, so drift of the machine hits both alike.
    warm, plain = [], []
    for _ in range(repeat):
        warm.append(subprocess_build(site))
        plain.append(subprocess_build(static))
    r["warm"], r["static"] = medians(warm), medians(plain)
    runners = InProcess(site), InProcess(static)
    for runner in runners:
        runner.build()  # the first: imports, memos from disk into memory
    warm, plain = [], []
    for _ in range(inproc_repeat):
        warm.append(runners[0].build())
        plain.append(runners[1].build())
    r["warm 1p"], r["static 1p"] = medians(warm), medians(plain)
    return r


_OURS = ("mkdocs_heatmap", "mkdocs/structure/files.py")


def _ours(path: str) -> bool:
    return any(part in path for part in _OURS)


def print_profile(stats: pstats.Stats, blocks: int, top: int, title: str) -> None:
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = []
    for (path, line, name), (_cc, calls, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if _ours(path):
            rows.append((f"{_short(path)}:{line}:{name}", calls, tt, ct))
    print(f"\n{title}: {total:.3f} s in all, {blocks} blocks")
    for label, index in (("cumulative", 3), ("own time", 2)):
        print(f"  top {top} by {label} (mkdocs_heatmap and mkdocs/structure/files.py):")
        print(f"  {'cum ms':>8} {'own ms':>8} {'ms/block':>8} {'calls':>7}  function")
        for fn, calls, tt, ct in sorted(rows, key=lambda r: -r[index])[:top]:
            print(
                f"  {ct * 1000:>8.1f} {tt * 1000:>8.1f} "
                f"{(ct if index == 3 else tt) * 1000 / blocks:>8.3f} {calls:>7}  {fn}"
            )
    print_callees(stats, blocks)
    # Everything, for the hooks' share of the build.
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(
        r"plugins.py.*(run_event|on_)|build.py.*(build|_populate_page|_build_page)"
    )
    print("  mkdocs' hooks and build steps (cumulative):")
    for line in out.getvalue().splitlines():
        if re.match(r"\s*\d", line):
            print("   ", line.strip())


# Where the plugin's warm-path functions spend their time (files as of the
# Batch layout and the Site layout alike).
CALLEES = [
    ("plugin.py", "on_env"),
    ("plugin.py", "on_page_markdown"),
    ("plugin.py", "on_post_build"),
    ("batch.py", "flush"),
    ("batch.py", "_prepare"),
    ("batch.py", "_memo"),
    ("batch.py", "_place"),
    ("site.py", "memo"),
    ("site.py", "place"),
    ("memo.py", "still_valid"),
    ("memo.py", "outputs"),
]


def print_callees(stats: pstats.Stats, blocks: int, threshold_ms: float = 1.0) -> None:
    stats.calc_callees()
    callees = stats.all_callees  # type: ignore[attr-defined]
    print(f"  callees of the warm path's steps (cumulative ms, >= {threshold_ms} ms):")
    for where, name in CALLEES:
        for func, (_cc, nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            if not (func[0].endswith("mkdocs_heatmap/" + where) and func[2] == name):
                continue
            parts = sorted(
                ((v[3], f"{_short(f[0])}:{f[2]}") for f, v in callees.get(func, {}).items()),
                reverse=True,
            )
            shown = ", ".join(f"{c * 1000:.1f} {n}" for c, n in parts if c * 1000 >= threshold_ms)
            print(f"    {where}:{name} ({ct * 1000:.1f} ms, {nc} calls): {shown or '-'}")


def _short(path: str) -> str:
    return path.split("site-packages/")[-1].split("src/")[-1].split("lib/python3.11/")[-1]


# A fresh `mkdocs build` with the plugin's hooks and warm-path steps timed
# (no profiler: its overhead doubles the cost of small functions).
TIMED = textwrap.dedent(
    """
    import functools, importlib, json, sys, time
    # What MkDocs imports anyway, so the time below is the plugin's own.
    import markdown, pymdownx.superfences, yaml
    import mkdocs.commands.build, mkdocs.config.defaults, mkdocs.plugins
    import mkdocs.structure.files, mkdocs.structure.pages, mkdocs.utils
    start = time.perf_counter()
    import mkdocs_heatmap.plugin
    imported = time.perf_counter() - start
    totals = {}
    def wrap(owner, name, label):
        inner = getattr(owner, name)
        @functools.wraps(inner)
        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                totals[label] = totals.get(label, 0.0) + time.perf_counter() - t
        setattr(owner, name, timed)
    for target in sys.argv[1:]:
        module, _, qualname = target.partition(":")
        try:
            owner = importlib.import_module("mkdocs_heatmap." + module)
            *path, name = qualname.split(".")
            for part in path:
                owner = getattr(owner, part)
            getattr(owner, name)
        except (ImportError, AttributeError):
            continue
        wrap(owner, name, target)
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    start = time.perf_counter()
    build(load_config("mkdocs.yml"))
    totals["(build in all)"] = time.perf_counter() - start
    totals["(import mkdocs_heatmap.plugin)"] = imported
    print(json.dumps(totals))
    """
)
STEPS = [
    "plugin:HeatmapPlugin.on_config",
    "plugin:HeatmapPlugin.on_files",
    "plugin:HeatmapPlugin.on_nav",
    "plugin:HeatmapPlugin.on_page_markdown",
    "plugin:HeatmapPlugin.on_page_content",
    "plugin:HeatmapPlugin.on_env",
    "plugin:HeatmapPlugin._references",
    "plugin:HeatmapPlugin._publish",
    "plugin:HeatmapPlugin.on_post_build",
    "batch:Batch.flush",
    "batch:Batch._prepare",
    "batch:Batch._memo",
    "batch:Batch._place",
    "site:Site.memo",
    "site:Site.place",
    "fence:SourceIndex.__init__",
    "batch:memo_key",
    "site:memo_key",
    "memo:Memo.still_valid",
    "memo:Memo.from_json",
    "memo:Memo.outputs",
    "cache:DiskCache.get",
    "cache:DiskCache.get_text",
    "cache:DiskCache.prune",
    "batch:figure_html",
    "site:figure_html",
    "memo:matplotlib_version",
]


def step_timings(site: Path, n: int, repeat: int) -> None:
    """Median seconds per step over ``repeat`` fresh warm builds, unprofiled."""
    runs: list[dict[str, float]] = []
    for _ in range(repeat):
        # memo_key and the others are imported by name into batch: wrap them
        # where they are used too.
        proc = subprocess.run(
            [sys.executable, "-c", TIMED, *STEPS],
            cwd=site, env=ENV, check=True, capture_output=True, text=True,
        )  # fmt: skip
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(f"\nfresh warm build, N={n}, steps timed without a profiler (median of {repeat}):")
    print(f"  {'ms':>8} {'ms/block':>8}  step (cumulative: nested steps are inside their callers)")
    for label in ["(import mkdocs_heatmap.plugin)", "(build in all)", *STEPS]:
        values = [r[label] for r in runs if label in r]
        if values:
            ms = statistics.median(values) * 1000
            print(f"  {ms:>8.1f} {ms / n:>8.3f}  {label}")


def profile_in_process(site: Path, n: int, top: int) -> None:
    runner = InProcess(site)
    runner.build()
    runner.build()
    from mkdocs.commands.build import build

    config = load(site)
    profile = cProfile.Profile()
    profile.enable()
    build(config, serve_url="http://127.0.0.1:8000/")
    profile.disable()
    print_profile(pstats.Stats(profile), n, top, f"in-process warm rebuild, N={n}")


def profile_fresh(site: Path, n: int, top: int) -> None:
    """A warm build in a fresh process (memos come from the disk cache)."""
    prof = (site.parent / f"fresh{n}.prof").resolve()
    subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "mkdocs", "build", "-q"],
        cwd=site,
        env=ENV,
        check=True,
        capture_output=True,
    )
    stats = pstats.Stats(str(prof))
    print_profile(stats, n, top, f"fresh-process warm build (mkdocs build), N={n}")
    imports = sum(
        ct
        for (path, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items()  # type: ignore[attr-defined]
        if name == "<module>" and "mkdocs_heatmap" in path
    )
    print(
        f"  module-level code of mkdocs_heatmap (imports, cumulative, overlapping): {imports:.3f} s"
    )
    print_imports(site, top)


def print_imports(site: Path, top: int) -> None:
    """What a fresh warm build imports (python -X importtime): the slowest
    top-level imports, and whether heavy libraries were loaded at all."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mkdocs", "build", "-q"],
        cwd=site,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    )
    rows = []
    loaded = set()
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if not m:
            continue
        loaded.add(m[4].split(".")[0])
        if len(m[3]) == 1:  # imported by non-import code: a top-level import
            rows.append((int(m[2]) / 1000, m[4]))
    print("  fresh warm build: slowest top-level imports (cumulative ms, -X importtime):")
    for ms, name in sorted(rows, reverse=True)[:top]:
        print(f"    {ms:8.1f}  {name}")
    heavy = [m for m in ("numpy", "matplotlib", "PIL", "yaml", "pandas", "scipy") if m in loaded]
    print(f"  heavy libraries loaded by the warm build: {', '.join(heavy) or 'none'}")


def scratch(prefix: str) -> Path:
    """A fresh folder in memory (/dev/shm) when there is one: every site is
    written, cleaned and copied on each build, and a disk's time for that
    (the same for both sides of a ratio) is what varies most between runs.
    ``--out DIR`` measures on DIR's file system instead."""
    shm = Path("/dev/shm")
    where = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix=prefix, dir=where))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 100, 300])
    parser.add_argument("--repeat", type=int, default=5, help="fresh-process builds per figure")
    parser.add_argument("--inproc-repeat", type=int, default=10, help="in-process rebuilds")
    parser.add_argument("--profile", action="store_true", help="profile the largest site")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--no-bytecode",
        dest="bytecode",
        action="store_false",
        help="children compile every module from source (PYTHONDONTWRITEBYTECODE=1)",
    )
    parser.add_argument("--out", type=Path, default=None, help="keep the generated sites here")
    args = parser.parse_args()
    work = (args.out or scratch("heatmap-warm-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    if args.bytecode:
        # Children write and reuse bytecode here (never in src/): an installed
        # package has its .pyc, a fresh process should not compile us each time.
        ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    else:
        ENV["PYTHONDONTWRITEBYTECODE"] = "1"
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    import matplotlib
    import mkdocs

    import mkdocs_heatmap

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, mkdocs {mkdocs.__version__}, matplotlib "
        f"{matplotlib.__version__}, mkdocs-heatmap {mkdocs_heatmap.__version__}; "
        f"fresh: median of {args.repeat}, 1p: median of {args.inproc_repeat}; "
        f"bytecode cache for children: {'yes' if args.bytecode else 'no'}\n"
    )
    print(
        "seconds, median; fresh = a `mkdocs build` subprocess, 1p = rebuilds in one process\n"
        "(as `mkdocs serve` does); wall time, and CPU time (user + system) which other load\n"
        "on the machine disturbs less; extra = (warm - static) per block, in ms"
    )
    head = (
        f"{'':>4}   {'fresh, wall':^22} | {'fresh, CPU':^22} | {'1p, wall':^22} | "
        f"{'1p, CPU':^22} | {'extra ms/block':^14}\n"
        f"{'N':>4} | "
        + " | ".join([f"{'warm':>7} {'static':>7} {'ratio':>6}"] * 4)
        + f" | {'fresh':>6} {'1p':>6}"
    )
    print(head)
    print("-" * len(head.splitlines()[-1]))
    for n in args.sizes:
        r = measure(n, args.repeat, args.inproc_repeat, work)
        cells = []
        for where in ("", " 1p"):
            for k in (0, 1):
                warm, static = r["warm" + where][k], r["static" + where][k]
                cells.append(f"{warm:>7.3f} {static:>7.3f} {warm / static:>6.2f}")
        fresh = (r["warm"][1] - r["static"][1]) * 1000 / n
        inproc = (r["warm 1p"][1] - r["static 1p"][1]) * 1000 / n
        print(f"{n:>4} | " + " | ".join(cells) + f" | {fresh:>6.2f} {inproc:>6.2f}", flush=True)
    if args.profile:
        n = max(args.sizes)
        site = work / f"warm{n}"
        step_timings(site, n, max(3, args.repeat))
        profile_in_process(site, n, args.top)
        profile_fresh(site, n, args.top)
    if args.out is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
