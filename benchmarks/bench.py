"""Build-time benchmark: mkdocs-heatmap against plain matplotlib (and markdown-exec).

Not a test: it prints figures.  For each site size N it generates a site of N
heatmap pages (a 16x14 matrix each, from its own CSV file) and measures, side
by side in this run on this machine:

  floor       the same N figures drawn by a plain matplotlib script, one process
  cold w=1    `mkdocs build` with an empty cache, workers: 1
  cold auto   the same with workers: auto
  warm        a rebuild with nothing changed
  edit one    a rebuild after one data file changed
  no blocks   the same site with the heatmap blocks removed
  mdexec      the same figures as markdown-exec matplotlib blocks (if installed)

Each measurement is the median of --repeat runs of a fresh subprocess; peak
memory is the child's max RSS.

First, per figure in one process (imports done, no cache), the renderer
against the physical floor: a lean matplotlib loop (Figure, imshow,
colorbar, savefig SVG; no layout engine) on the same matrices, for a 12x10
map with a title and a colorbar, plain and with every cell annotated.

Usage:

    python benchmarks/bench.py [--sizes 1 20 100 300] [--repeat 3] [--out DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

ROWS, COLS = 16, 14

FLOOR = textwrap.dedent(
    """
    import sys, csv
    from pathlib import Path
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    import numpy as np
    out = Path(sys.argv[2]); out.mkdir(exist_ok=True)
    for path in sorted(Path(sys.argv[1]).glob("*.csv")):
        rows = list(csv.reader(path.open()))
        cols, body = rows[0][1:], rows[1:]
        values = np.array([[float(v) for v in r[1:]] for r in body])
        fig = Figure(figsize=(6, 4.5), layout="constrained")
        ax = fig.add_subplot()
        mesh = ax.pcolormesh(values, cmap="viridis")
        ax.set_xticks(np.arange(len(cols)) + 0.5, cols, rotation=45, ha="right")
        ax.set_yticks(np.arange(len(body)) + 0.5, [r[0] for r in body])
        ax.invert_yaxis()
        ax.set_title(path.stem); ax.set_xlabel("token"); ax.set_ylabel("layer")
        fig.colorbar(mesh, ax=ax, label="score")
        fig.savefig(out / (path.stem + ".svg"))
    """
)

MDEXEC = textwrap.dedent(
    """
    ```python exec="true" html="true"
    import csv, io
    from pathlib import Path
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    rows = list(csv.reader(open("{csv}")))
    cols, body = rows[0][1:], rows[1:]
    values = np.array([[float(v) for v in r[1:]] for r in body])
    fig, ax = plt.subplots(figsize=(6, 4.5), layout="constrained")
    mesh = ax.pcolormesh(values, cmap="viridis")
    ax.set_xticks(np.arange(len(cols)) + 0.5, cols, rotation=45, ha="right")
    ax.set_yticks(np.arange(len(body)) + 0.5, [r[0] for r in body])
    ax.invert_yaxis()
    ax.set_title("{name}"); ax.set_xlabel("token"); ax.set_ylabel("layer")
    fig.colorbar(mesh, ax=ax, label="score")
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    print(buffer.getvalue())
    ```
    """
)


def make_site(root: Path, n: int, *, kind: str, workers: str = "1") -> Path:
    """kind: heatmap | plain (blocks removed) | mdexec."""
    if root.exists():
        shutil.rmtree(root)
    docs = root / "docs"
    (docs / "data").mkdir(parents=True)
    rng = np.random.default_rng(0)
    tokens = [f"tok_{j}" for j in range(COLS)]
    nav = []
    for i in range(n):
        values = rng.random((ROWS, COLS)).round(3)
        lines = ["," + ",".join(tokens)]
        lines += [f"{r}," + ",".join(map(str, values[r])) for r in range(ROWS)]
        (docs / "data" / f"fig{i:03d}.csv").write_text("\n".join(lines) + "\n")
        body = f"# Figure {i}\n\nSome prose about result {i}.\n\n"
        if kind == "heatmap":
            body += (
                f"```heatmap\ndata: data/fig{i:03d}.csv\ntitle: fig{i:03d}\n"
                "xlabel: token\nylabel: layer\nannotate: false\ncolorbar: {label: score}\n```\n"
            )
        elif kind == "mdexec":
            csv_path = (docs / "data" / f"fig{i:03d}.csv").resolve()
            body += MDEXEC.format(csv=csv_path, name=f"fig{i:03d}")
        (docs / f"page{i:03d}.md").write_text(body)
        nav.append(f"page{i:03d}.md")
    (docs / "index.md").write_text("# Benchmark\n")
    config = ["site_name: bench", "markdown_extensions:", "  - pymdownx.superfences"]
    if kind == "heatmap":
        config += ["plugins:", "  - heatmap:", f"      workers: {workers}"]
    elif kind == "plain":
        config += ["plugins:", "  - heatmap"]
    else:
        config += ["plugins:", "  - markdown-exec"]
    (root / "mkdocs.yml").write_text("\n".join(config) + "\n")
    return root


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is a running maximum: report it when it grew.
    return seconds, max(peak, before) / 1024


def build(site: Path) -> tuple[float, float]:
    return timed([sys.executable, "-m", "mkdocs", "build", "-q", "-d", "site"], site)


def median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def measure(n: int, repeat: int, work: Path) -> dict[str, tuple[float, float]]:
    results: dict[str, tuple[float, float]] = {}
    site = make_site(work / f"hm{n}", n, kind="heatmap")
    floor_out = work / "floor-out"
    results["floor"] = median(
        [
            timed([sys.executable, "-c", FLOOR, str(site / "docs/data"), str(floor_out)], work)
            for _ in range(repeat)
        ]
    )
    for workers in ("1", "auto"):
        runs = []
        for _ in range(repeat):
            site = make_site(work / f"hm{n}", n, kind="heatmap", workers=workers)
            runs.append(build(site))
        results[f"cold w={workers}"] = median(runs)
    results["warm"] = median([build(site) for _ in range(repeat)])
    runs = []
    data = site / "docs/data/fig000.csv"
    header, first, *rest = data.read_text().splitlines()
    for k in range(repeat):
        cells = first.split(",")
        cells[1] = f"0.{k + 1}23"
        data.write_text("\n".join([header, ",".join(cells), *rest]) + "\n")
        runs.append(build(site))
    results["edit one"] = median(runs)
    plain = make_site(work / f"plain{n}", n, kind="plain")
    results["no blocks"] = median([build(plain) for _ in range(repeat)])
    if importlib.util.find_spec("markdown_exec") is not None:
        mdexec = make_site(work / f"mdexec{n}", n, kind="mdexec")
        results["mdexec"] = median([build(mdexec) for _ in range(max(1, repeat - 1))])
    return results


def lean_loop(values: np.ndarray, annotate: bool) -> bytes:
    """The floor: the least matplotlib does for such a figure."""
    import io

    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4.5))
    ax = fig.add_subplot()
    image = ax.imshow(values, cmap="viridis", aspect="auto")
    if annotate:
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7)
    ax.set_title("title")
    fig.colorbar(image, ax=ax)
    out = io.BytesIO()
    fig.savefig(out, format="svg")
    return out.getvalue()


def ours(values: np.ndarray, annotate: bool) -> bytes:
    """The same figure through mkdocs-heatmap's pipeline, parsing included."""
    from mkdocs_heatmap.model import DataRoots, Settings
    from mkdocs_heatmap.pipeline import prepare_block
    from mkdocs_heatmap.style import resolve_style

    here = Path.cwd()
    settings = Settings(roots=DataRoots(here, here), rc=resolve_style(None))
    rows = ", ".join("[" + ", ".join(f"{v:.3f}" for v in row) + "]" for row in values)
    body = f"matrix: [{rows}]\ntitle: title\nfmt: .2f\ncolorbar: {{label: score}}\n"
    body += f"annotate: {'true' if annotate else 'false'}\n"
    return prepare_block(body, settings).job.run()[0].content


def per_figure(repeat: int) -> None:
    """Median seconds per figure, ours against the lean loop, in this process."""
    import matplotlib

    matplotlib.use("Agg")
    rng = np.random.default_rng(1)
    matrices = [rng.random((12, 10)) for _ in range(max(10, 5 * repeat))]
    print("per figure, one process, 12x10 with title and colorbar (ms, median):")
    for annotate in (False, True):
        times = {}
        for name, draw in (("lean", lean_loop), ("ours", ours)):
            draw(matrices[0], annotate)  # warm: imports, font cache
            runs = []
            for values in matrices:
                start = time.perf_counter()
                draw(values, annotate)
                runs.append(time.perf_counter() - start)
            times[name] = statistics.median(runs)
        label = "every cell annotated" if annotate else "plain"
        print(
            f"  {label:<22} lean {times['lean'] * 1000:6.1f}  ours {times['ours'] * 1000:6.1f}"
            f"  ours/lean {times['ours'] / times['lean']:.2f}"
        )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 20, 100, 300])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="keep the generated sites here")
    args = parser.parse_args()
    work = args.out or Path(tempfile.mkdtemp(prefix="heatmap-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    import matplotlib

    import mkdocs_heatmap

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, matplotlib {matplotlib.__version__}, "
        f"mkdocs-heatmap {mkdocs_heatmap.__version__}; median of {args.repeat} runs\n"
    )
    per_figure(args.repeat)
    head = (
        f"{'N':>4} {'floor':>7} {'cold w=1':>9} {'cold auto':>9} {'warm':>7} {'edit one':>8} "
        f"{'no blocks':>9} {'mdexec':>8} | {'w1/floor':>8} {'auto/w1':>7} {'warm/none':>9} "
        f"{'mdexec/w1':>9} {'peak MB':>8}"
    )
    print(head)
    print("-" * len(head))
    for n in args.sizes:
        r = measure(n, args.repeat, work)
        none = r["no blocks"][0]
        # Per-figure cost above the site's own build, against the floor's
        # per-figure cost above its own startup.
        floor_fig = r["floor"][0] / n
        w1_fig = (r["cold w=1"][0] - none) / n
        mdexec = r.get("mdexec", (float("nan"), 0.0))[0]
        peak = max(v[1] for v in r.values())
        print(
            f"{n:>4} {r['floor'][0]:>7.2f} {r['cold w=1'][0]:>9.2f} {r['cold w=auto'][0]:>9.2f} "
            f"{r['warm'][0]:>7.2f} {r['edit one'][0]:>8.2f} {none:>9.2f} {mdexec:>8.2f} | "
            f"{w1_fig / floor_fig:>8.2f} {r['cold w=auto'][0] / r['cold w=1'][0]:>7.2f} "
            f"{r['warm'][0] / none:>9.2f} {mdexec / r['cold w=1'][0]:>9.2f} {peak:>8.0f}",
            flush=True,
        )
    if args.out is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
