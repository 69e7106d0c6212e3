"""Sphinx benchmark: the ``heatmap`` directive against matplotlib's plot_directive.

Not a test: it prints figures.  It generates two Sphinx projects with the
same N figures (default 60), one page per figure, each figure drawn from its
own CSV file (16x14, as in bench.py):

  heatmap   ``.. heatmap::`` blocks (data, title, xlabel, ylabel, colorbar label)
  plot      ``.. plot::`` blocks (matplotlib.sphinxext.plot_directive), each a
            small script reading the CSV with numpy and drawing imshow +
            colorbar, a title, axis labels and tick labels, constrained
            layout, figsize 6x4.5; plot_formats = ["svg"] by default (one SVG
            per figure, like the directive's default), see --plot-formats

and measures `sphinx-build -b html` (a fresh subprocess; median of --repeat):

  cold      fresh output and doctree folders, and for the directive a fresh
            figure cache (.cache/heatmap under the project root; the project
            sets ``heatmap_project_root = "."`` so it is the project folder)
  warm      a rebuild with nothing changed
  edit one  a rebuild after one CSV got new values

Children keep their bytecode in a cache of their own (PYTHONPYCACHEPREFIX in
the work folder, never in src/; filled by an untimed first build of each
project), as installed packages have their .pyc; --no-bytecode compiles
every module anew in every build.  The
projects live in /dev/shm when there is one (see ``scratch``).

It also reports whether each project's figure followed the CSV edit (the
images the edited page shows, by content, before and after the edit).  The issue's goal:
cold with the directive <= 0.6x plot_directive.

With --profile, a cold directive build runs under cProfile and the time is
split into reading (parse, load data), drawing (matplotlib), writing (files,
cache) and Sphinx's own work; plus the top functions, and what the imports
of numpy/matplotlib cost (-X importtime).

Usage:

    python benchmarks/sphinx_cold.py [--figures 60] [--repeat 3]
        [--plot-formats svg] [--profile] [--top 25] [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
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

import numpy as np

ROWS, COLS = 16, 14
ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}
ENV.pop("PYTHONDONTWRITEBYTECODE", None)

PLOT = textwrap.dedent(
    """
    .. plot::

       import numpy as np
       import matplotlib.pyplot as plt
       with open("data/{name}.csv") as handle:
           header = handle.readline().rstrip("\\n").split(",")[1:]
       table = np.genfromtxt("data/{name}.csv", delimiter=",", skip_header=1, dtype=str)
       rows, values = list(table[:, 0]), table[:, 1:].astype(float)
       fig, ax = plt.subplots(figsize=(6, 4.5), layout="constrained")
       image = ax.imshow(values, cmap="viridis", aspect="auto")
       ax.set_xticks(np.arange(len(header)), header, rotation=45, ha="right")
       ax.set_yticks(np.arange(len(rows)), rows)
       ax.set_title("{name}")
       ax.set_xlabel("token")
       ax.set_ylabel("layer")
       fig.colorbar(image, ax=ax, label="score")
    """
)

HEATMAP = textwrap.dedent(
    """
    .. heatmap::

       data: data/{name}.csv
       title: {name}
       xlabel: token
       ylabel: layer
       annotate: false
       colorbar: {{label: score}}
    """
)


def write_csv(path: Path, values: np.ndarray) -> None:
    tokens = [f"tok_{j}" for j in range(COLS)]
    lines = ["," + ",".join(tokens)]
    lines += [f"{r}," + ",".join(map(str, values[r])) for r in range(ROWS)]
    path.write_text("\n".join(lines) + "\n")


def make_project(root: Path, n: int, kind: str, plot_formats: str) -> Path:
    """kind: heatmap | plot."""
    if root.exists():
        shutil.rmtree(root)
    (root / "data").mkdir(parents=True)
    rng = np.random.default_rng(0)
    names = []
    for i in range(n):
        name = f"fig{i:03d}"
        write_csv(root / "data" / f"{name}.csv", rng.random((ROWS, COLS)).round(3))
        block = (HEATMAP if kind == "heatmap" else PLOT).format(name=name)
        title = f"Figure {i}"
        page = f"{title}\n{'=' * len(title)}\n\nSome prose about result {i}.\n{block}"
        (root / f"{name}.rst").write_text(page)
        names.append(name)
    toctree = "\n".join(f"   {name}" for name in names)
    (root / "index.rst").write_text(f"Benchmark\n=========\n\n.. toctree::\n\n{toctree}\n")
    conf = ['project = "bench"', 'exclude_patterns = ["_build"]']
    if kind == "heatmap":
        conf += ['extensions = ["mkdocs_heatmap.sphinx"]', 'heatmap_project_root = "."']
    else:
        conf += ['extensions = ["matplotlib.sphinxext.plot_directive"]']
        if plot_formats != "default":
            conf += [f"plot_formats = {plot_formats.split(',')!r}"]
        conf += ["plot_html_show_source_link = False", "plot_html_show_formats = False"]
    (root / "conf.py").write_text("\n".join(conf) + "\n")
    return root


def sphinx_cmd(root: Path) -> list[str]:
    return [
        sys.executable, "-m", "sphinx", "-q", "-b", "html",
        "-d", str(root / "_build" / "doctrees"), str(root), str(root / "_build" / "html"),
    ]  # fmt: skip


def build(root: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one sphinx-build child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        sphinx_cmd(root), cwd=root, capture_output=True, text=True, env=ENV, check=False
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"sphinx-build in {root} failed:\n{proc.stdout}\n{proc.stderr}")
    if proc.stderr.strip():
        print(f"  ({root.name}: sphinx-build said: {proc.stderr.strip()[:300]})")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def clean(root: Path) -> None:
    shutil.rmtree(root / "_build", ignore_errors=True)
    shutil.rmtree(root / ".cache", ignore_errors=True)


def shown_images(root: Path, name: str) -> list[str]:
    """SHA-256 (short) of every image the built page ``name`` shows."""
    html = (root / "_build" / "html" / f"{name}.html").read_text()
    found = []
    for src in re.findall(r'<img[^>]*?src="([^"]+)"', html):
        path = root / "_build" / "html" / src
        found.append(hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else "?")
    return found


def edit(root: Path, k: int) -> None:
    rng = np.random.default_rng(100 + k)
    write_csv(root / "data" / "fig000.csv", rng.random((ROWS, COLS)).round(3))


def measure(roots: dict[str, Path], repeat: int) -> dict[str, dict[str, object]]:
    """Each phase for every project in turn, repeat by repeat, so a change of
    the machine's load (other work on it) hits both sides alike."""
    runs: dict[str, dict[str, list[tuple[float, float]]]] = {
        kind: {"cold": [], "warm": [], "edit": []} for kind in roots
    }
    followed: dict[str, list[bool]] = {kind: [] for kind in roots}
    for root in roots.values():
        clean(root)
        build(root)  # untimed: imports, bytecode, font cache
    for _ in range(repeat):
        for kind, root in roots.items():
            clean(root)
            runs[kind]["cold"].append(build(root))
    for _ in range(repeat):
        for kind, root in roots.items():
            runs[kind]["warm"].append(build(root))
    for k in range(repeat):
        for kind, root in roots.items():
            before = shown_images(root, "fig000")
            edit(root, k)
            runs[kind]["edit"].append(build(root))
            after = shown_images(root, "fig000")
            followed[kind].append(bool(before) and before != after)
    results: dict[str, dict[str, object]] = {}
    for kind in roots:
        r: dict[str, object] = {"followed": all(followed[kind])}
        for phase, values in runs[kind].items():
            r[phase] = statistics.median(v[0] for v in values)
            r[phase + " cpu"] = statistics.median(v[1] for v in values)
        results[kind] = r
    return results


# --------------------------------------------------------------------------
# Profile of a cold directive build.

# (label, what a function's location must contain); cumulative, so the
# parts of one block nest: they are shown as such, not summed.
PARTS = [
    ("sphinx-build in all", "sphinx/cmd/build.py", "main"),
    ("  Sphinx reading (all documents)", "sphinx/builders/__init__.py", "read"),
    ("    heatmap directive, every block", "mkdocs_heatmap/sphinx.py", "run"),
    ("      prepare_block: parse + load data + key", "mkdocs_heatmap/pipeline.py", "prepare_block"),
    ("        parse_block (YAML, spec)", "mkdocs_heatmap/spec.py", "parse_block"),
    ("        load_plot (read the CSV)", "mkdocs_heatmap/pipeline.py", "load_plot"),
    ("        tick_notes (layout check before drawing)", "mkdocs_heatmap/layout.py", "tick_notes"),
    ("      drawing: RenderJob.run", "mkdocs_heatmap/pipeline.py", "run"),
    ("        build_figure (artists)", "mkdocs_heatmap/render.py", "build_figure"),
    ("        figure_layout (our layout engine)", "mkdocs_heatmap/render.py", "figure_layout"),
    ("        savefig (matplotlib draw + SVG)", "matplotlib/figure.py", "savefig"),
    ("        crisp_cells (SVG post-processing)", "mkdocs_heatmap/render.py", "crisp_cells"),
    ("      cache.put (write the cache entry)", "mkdocs_heatmap/cache.py", "put"),
    ("      finish_block (HTML doc, outputs)", "mkdocs_heatmap/pipeline.py", "finish_block"),
    ("      publish (write the image files)", "mkdocs_heatmap/files.py", "publish"),
    ("      _depend (digest data files)", "mkdocs_heatmap/sphinx.py", "_depend"),
    ("      _figure (nodes)", "mkdocs_heatmap/sphinx.py", "_figure"),
    ("  Sphinx writing (all documents)", "sphinx/builders/__init__.py", "write"),
    ("    copy images to _images", "sphinx/builders/html/__init__.py", "copy_image_files"),
    ("  import matplotlib (first use, in reading)", "matplotlib/__init__.py", "<module>"),
    ("  import numpy", "numpy/__init__.py", "<module>"),
]


def profile_cold(root: Path, top: int) -> None:
    clean(root)
    prof = (root.parent / "sphinx-cold.prof").resolve()
    cmd = sphinx_cmd(root)
    subprocess.run(
        [cmd[0], "-m", "cProfile", "-o", str(prof), *cmd[1:]],
        cwd=root, env=ENV, check=True, capture_output=True,
    )  # fmt: skip
    stats = pstats.Stats(str(prof))
    table = stats.stats  # type: ignore[attr-defined]
    total = stats.total_tt  # type: ignore[attr-defined]
    blocks = len(list(root.glob("fig*.rst")))
    print(f"\nprofile of a cold directive build ({blocks} blocks, {total:.2f} s under cProfile):")
    print(f"  {'cum s':>7} {'ms/block':>8} {'calls':>6}  part")
    for label, where, name in PARTS:
        hits = [
            (ct, nc)
            for (path, _line, fn), (_cc, nc, _tt, ct, _callers) in table.items()
            if where in path and fn == name
        ]
        if not hits:
            print(f"  {'-':>7} {'-':>8} {'-':>6}  {label}")
            continue
        # Recursive or several same-named functions: the largest is the outer one.
        ct, nc = max(hits)
        print(f"  {ct:>7.2f} {ct * 1000 / blocks:>8.1f} {nc:>6}  {label}")
    for label, index in (("cumulative", 3), ("own time", 2)):
        rows = [
            (v[index], v[2], v[3], v[1], f"{_short(path)}:{line}:{fn}")
            for (path, line, fn), v in table.items()
            if "mkdocs_heatmap" in path or (index == 2)
        ]
        what = "mkdocs_heatmap" if index == 3 else "any"
        print(f"  top {top} by {label} ({what}):")
        print(f"  {'cum s':>7} {'own s':>7} {'ms/block':>8} {'calls':>6}  function")
        for key, tt, ct, nc, fn in sorted(rows, reverse=True)[:top]:
            print(f"  {ct:>7.3f} {tt:>7.3f} {key * 1000 / blocks:>8.2f} {nc:>6}  {fn}")
    print_imports(root)


def _short(path: str) -> str:
    return path.split("site-packages/")[-1].split("src/")[-1].split("lib/python3")[-1]


def print_imports(root: Path) -> None:
    """What a cold directive build spends importing (-X importtime, no profiler)."""
    clean(root)
    cmd = sphinx_cmd(root)
    proc = subprocess.run(
        [cmd[0], "-X", "importtime", *cmd[1:]],
        cwd=root, env=ENV, check=True, capture_output=True, text=True,
    )  # fmt: skip
    cumulative: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            top_name = m[4].split(".")[0]
            if len(m[3]) == 1:
                cumulative[top_name] = cumulative.get(top_name, 0) + int(m[2]) / 1e6
    shown = sorted(cumulative.items(), key=lambda kv: -kv[1])[:8]
    print("  imports of a cold directive build (top-level packages, s, -X importtime): ")
    print("    " + ", ".join(f"{name} {s:.2f}" for name, s in shown))


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
    parser.add_argument("--figures", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--plot-formats",
        default="svg",
        help="plot_directive's plot_formats, comma-separated, or 'default' (png,hires.png,pdf)",
    )
    parser.add_argument("--profile", action="store_true", help="profile a cold directive build")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--no-bytecode",
        dest="bytecode",
        action="store_false",
        help="children compile every module from source (PYTHONDONTWRITEBYTECODE=1)",
    )
    parser.add_argument("--out", type=Path, default=None, help="keep the projects here")
    args = parser.parse_args()
    work = (args.out or scratch("heatmap-sphinx-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    if args.bytecode:
        # Children write and reuse bytecode here (never in src/): an installed
        # package has its .pyc, as matplotlib and Sphinx have theirs.
        ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    else:
        ENV["PYTHONDONTWRITEBYTECODE"] = "1"
    import matplotlib
    import sphinx

    import mkdocs_heatmap

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, Sphinx {sphinx.__version__}, matplotlib "
        f"{matplotlib.__version__}, mkdocs-heatmap {mkdocs_heatmap.__version__}; "
        f"{args.figures} figures, median of {args.repeat}; plot_formats: {args.plot_formats}; "
        f"bytecode cache for children: {'yes' if args.bytecode else 'no'}\n"
    )
    roots = {
        kind: make_project(work / f"sphinx-{kind}", args.figures, kind, args.plot_formats)
        for kind in ("heatmap", "plot")
    }
    results = measure(roots, args.repeat)
    print("seconds, median: wall time, and CPU time (user + system) which other load on the")
    print("machine disturbs less")
    head = (
        f"{'':<22} {'cold':>7} {'warm':>7} {'edit one':>8} | {'cold':>7} {'warm':>7} "
        f"{'edit one':>8} | figure follows\n"
        f"{'':<22} {'wall':>7} {'wall':>7} {'wall':>8} | {'CPU':>7} {'CPU':>7} {'CPU':>8} "
        "| the CSV edit"
    )
    print(head)
    print("-" * len(head.splitlines()[-1]))
    for kind, label in (("heatmap", "heatmap directive"), ("plot", "plot_directive")):
        r = results[kind]
        print(
            f"{label:<22} {r['cold']:>7.2f} {r['warm']:>7.2f} {r['edit']:>8.2f} | "
            f"{r['cold cpu']:>7.2f} {r['warm cpu']:>7.2f} {r['edit cpu']:>8.2f} | "
            f"{'yes' if r['followed'] else 'NO (stale)'}"
        )
    h, p = results["heatmap"], results["plot"]
    ratios = [
        h[phase] / p[phase]  # type: ignore[operator]
        for phase in ("cold", "warm", "edit", "cold cpu", "warm cpu", "edit cpu")
    ]
    print(
        f"{'ratio directive/plot':<22} {ratios[0]:>7.2f} {ratios[1]:>7.2f} {ratios[2]:>8.2f} | "
        f"{ratios[3]:>7.2f} {ratios[4]:>7.2f} {ratios[5]:>8.2f} | (goal: cold <= 0.60)"
    )
    if args.profile:
        profile_cold(work / "sphinx-heatmap", args.top)
    if args.out is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
