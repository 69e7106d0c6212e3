"""Memory under `mkdocs serve`: 200 data edits, one plugin object, RSS after each.

Not a test: it prints figures.  It generates a site of --pages pages, each
with one heatmap block reading its own CSV (16x14, as in bench.py), and
rebuilds it the way `mkdocs serve` does (mkdocs/commands/serve.py): the
config is loaded again for every build (``load_config``) while plugins
that define ``on_startup`` (heatmap does) come from the ``plugins`` option's
cache, so one plugin object, with its in-memory memos and images, lives
across all builds; each build is ``build(config, serve_url=...)`` into a
temporary site folder.  Before each rebuild one CSV gets new values (the
pages are edited in turn), so every rebuild draws one new figure.

It prints the process's resident memory (VmRSS from /proc/self/status,
after ``gc.collect()``) after the first build, the first edit and every
--every edits, with the growth since the first build and since the first
edit's rebuild, the plugin's in-memory figure and memo counts (images at
hand / block memos), and the rebuild time (median of the last --every,
wall and CPU).  The goal: RSS stays within 10 MB of the
first build.

Usage:

    python benchmarks/serve_memory.py [--pages 20] [--edits 200] [--every 20]
        [--workers DEFAULT] [--out DIR]
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROWS, COLS = 16, 14


def write_csv(path: Path, values: np.ndarray) -> None:
    tokens = [f"tok_{j}" for j in range(COLS)]
    lines = ["," + ",".join(tokens)]
    lines += [f"{r}," + ",".join(map(str, values[r])) for r in range(ROWS)]
    path.write_text("\n".join(lines) + "\n")


def make_site(root: Path, n: int, workers: str | None) -> Path:
    if root.exists():
        shutil.rmtree(root)
    docs = root / "docs"
    (docs / "data").mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        write_csv(docs / "data" / f"fig{i:03d}.csv", rng.random((ROWS, COLS)).round(3))
        body = f"# Figure {i}\n\nSome prose about result {i}.\n\n"
        body += (
            f"```heatmap\ndata: data/fig{i:03d}.csv\ntitle: fig{i:03d}\n"
            "xlabel: token\nylabel: layer\nannotate: false\ncolorbar: {label: score}\n```\n"
        )
        (docs / f"page{i:03d}.md").write_text(body)
    (docs / "index.md").write_text("# Benchmark\n")
    config = ["site_name: bench", "markdown_extensions:", "  - pymdownx.superfences"]
    config += ["plugins:", "  - heatmap" + (":" if workers else "")]
    if workers:
        config += [f"      workers: {workers}"]
    (root / "mkdocs.yml").write_text("\n".join(config) + "\n")
    return root


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


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
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--every", type=int, default=20, help="print RSS every this many edits")
    parser.add_argument(
        "--workers", default=None, help="the plugin's workers option (default: not set)"
    )
    parser.add_argument("--out", type=Path, default=None, help="keep the generated site here")
    args = parser.parse_args()
    work = (args.out or scratch("heatmap-serve-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    site = make_site(work / "serve", args.pages, args.workers)
    site_dir = tempfile.mkdtemp(prefix="mkdocs_")  # as serve does
    logging.getLogger("mkdocs").setLevel(logging.ERROR)

    import matplotlib
    import mkdocs
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    import mkdocs_heatmap

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, mkdocs {mkdocs.__version__}, matplotlib "
        f"{matplotlib.__version__}, mkdocs-heatmap {mkdocs_heatmap.__version__}; "
        f"{args.pages} pages, {args.edits} edits, workers: {args.workers or '(default)'}\n"
    )
    serve_url = "http://127.0.0.1:8000/"

    def get_config() -> Any:  # serve.py's get_config: an MkDocsConfig
        config = load_config(config_file=str(site / "mkdocs.yml"), site_dir=site_dir)
        config.site_url = serve_url
        return config

    first = get_config()
    first.plugins.on_startup(command="serve", dirty=False)
    plugin = first.plugins["heatmap"]
    start = time.perf_counter()
    build(first, serve_url=serve_url)
    first_seconds = time.perf_counter() - start
    gc.collect()
    base = rss_mb()

    def counts() -> str:
        """Images at hand / block memos, wherever this version keeps them
        (the plugin's Batch, or the Site it holds)."""
        batch = getattr(plugin, "_batch", None)
        for holder in (batch, getattr(batch, "site", None), getattr(plugin, "_site", None)):
            if holder is not None and hasattr(holder, "memory") and hasattr(holder, "memos"):
                return f"{len(holder.memory):>3}/{len(holder.memos):>3}"
        return "-"

    head = (
        f"{'edits':>5} {'RSS MB':>8} {'vs build':>8} {'vs edit 1':>9} {'figs/memos':>10} "
        f"{'rebuild s':>9} {'CPU s':>7}"
    )
    print("RSS growth against the first build, and against the first edit's rebuild")
    print("(with workers, the first build may draw in worker processes: then the")
    print("first in-process drawing, at edit 1, is where matplotlib gets loaded)")
    print(head)
    print("-" * len(head))
    print(
        f"{0:>5} {base:>8.1f} {0.0:>8.1f} {'':>9} {counts():>10} {first_seconds:>9.2f} "
        f"{'':>7}  (first build)"
    )
    rng = np.random.default_rng(1)
    times: list[float] = []
    cpus: list[float] = []
    worst = worst_1 = 0.0
    after_1 = float("nan")
    for k in range(1, args.edits + 1):
        write_csv(site / "docs" / "data" / f"fig{(k - 1) % args.pages:03d}.csv",
                  rng.random((ROWS, COLS)).round(3))  # fmt: skip
        config = get_config()
        if config.plugins["heatmap"] is not plugin:
            raise SystemExit("the plugin object did not persist across rebuilds")
        start, cpu = time.perf_counter(), time.process_time()
        build(config, serve_url=serve_url)
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        stats = plugin.stats
        if getattr(stats, "drawn", 1) != 1 or getattr(stats, "errors", 0):
            print(f"  edit {k}: drawn {stats.drawn}, errors {stats.errors} (expected 1 drawn)")
        if k == 1 or k % args.every == 0 or k == args.edits:
            gc.collect()
            now = rss_mb()
            if k == 1:
                after_1 = now
            worst = max(worst, now - base)
            worst_1 = max(worst_1, now - after_1)
            recent = statistics.median(times[-args.every :]) if k > 1 else times[0]
            recent_cpu = statistics.median(cpus[-args.every :]) if k > 1 else cpus[0]
            print(
                f"{k:>5} {now:>8.1f} {now - base:>8.1f} {now - after_1:>9.1f} {counts():>10} "
                f"{recent:>9.2f} {recent_cpu:>7.2f}",
                flush=True,
            )
    print()
    for what, grown in (("the first build", worst), ("the first edit's rebuild", worst_1)):
        verdict = "within" if grown <= 10 else "NOT within"
        print(f"largest growth over {what}: {grown:.1f} MB ({verdict} the 10 MB goal)")
    shutil.rmtree(site_dir, ignore_errors=True)
    if args.out is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
