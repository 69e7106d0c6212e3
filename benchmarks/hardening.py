"""Issue 21's capped run: every hardening attack, under a 2 GiB address-space
cap and a 10 s wall limit, against one source tree (or two, side by side).

Not a test: it prints a table.  For each case it builds a tiny project in a
temporary folder (never inside the repository) and runs the attack as a child
process (``python -m mkdocs build``, ``python -m sphinx``, ``python -m
mkdocs_heatmap`` or ``python -c`` with the API) with ``DIR/src`` first on
``PYTHONPATH``, under ``RLIMIT_AS`` = 2 GiB and a 10 s timeout (setup builds
that come before an attack get the same cap and 60 s).

Cases p1-p10 run the attacks through the Pandoc filter (``pandoc doc.md
--filter mkdocs-heatmap-pandoc``, writing HTML, DOCX or LaTeX; Pandoc and
the filter both under the cap), m1-m10 through the MyST-MD plugin (``myst
build --site`` of a small project with a local template, offline; Node,
its plugin processes and all under the cap).  A MyST-MD build gets a 20 s
wall limit (MYST_S) instead of 10 s: Node's start-up and one plugin process
per directive cost ~2-3 s before the attack does anything.  Case m7 also
builds its page without the plugin: MyST-MD's own cost for bad references
grows faster than their count (5,000 take it ~50 s alone), so it has 2,000
and reports MyST-MD's time alone beside it.  ``--only p`` (or ``m``) runs
one host's cases.  Outcomes:

  ok     what issue 21 asks: a one-line message naming the file/line/key,
         a clean refusal, or the right result, in bounded time
  hang   the attack hit the wall limit (10 s; MyST-MD 20 s)
  crash  a traceback, MemoryError or "internal error"
  wrong  silent or wrong output

Usage:

    python benchmarks/hardening.py --src /tmp/head-now
    python benchmarks/hardening.py --compare /tmp/before-h3 /tmp/head-now
    python benchmarks/hardening.py --compare /tmp/before-h3 /tmp/base-src /tmp/head-now
    python benchmarks/hardening.py --src DIR --only 1 7 17c
    python benchmarks/hardening.py --src DIR --only p m
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CAP_BYTES = 2 << 30  # 2 GiB address space
LIMIT_S = 10.0  # wall time of the attack step
SETUP_S = 60.0  # wall time of a setup step (a cold build before the attack)
# MyST-MD: Node's start-up and one plugin process per directive cost ~3 s
# before the attack does anything, so its build gets a wider wall.
MYST_S = 20.0
HOVER_LIMIT = 256 * 1024


# --------------------------------------------------------------------------
# Running a child under the cap


@dataclass
class Run:
    rc: int | None
    out: str
    seconds: float
    timed_out: bool

    @property
    def lines(self) -> list[str]:
        return [line for line in self.out.splitlines() if line.strip()]


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP_BYTES, CAP_BYTES))


class Runner:
    def __init__(self, src: Path, scratch: Path) -> None:
        self.src = src.resolve()
        self.env = dict(os.environ)
        self.env["TMPDIR"] = str(
            scratch
        )  # Sphinx's crash logs, for one, stay in the scratch folder
        self.env["PYTHONPATH"] = os.pathsep.join(
            [str(self.src / "src")]
            + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
        )
        self.env["MPLBACKEND"] = "Agg"
        self.env["PYTHONDONTWRITEBYTECODE"] = "1"  # nothing written into the source trees
        self.env.pop("PYTHONWARNINGS", None)

    def run(self, args: list[str], cwd: Path, timeout: float = LIMIT_S) -> Run:
        return self.exec([sys.executable, *args], cwd, timeout)

    def exec(
        self,
        argv: list[str],
        cwd: Path,
        timeout: float = LIMIT_S,
        env: dict[str, str] | None = None,
    ) -> Run:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=self.env if env is None else env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            preexec_fn=_cap,
            start_new_session=True,
        )
        try:
            out, _ = proc.communicate(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the child's own session only
            out, _ = proc.communicate()
            timed_out = True
        seconds = time.perf_counter() - start
        return Run(proc.returncode, out.decode("utf-8", "replace"), seconds, timed_out)

    def mkdocs(self, root: Path, *extra: str, timeout: float = LIMIT_S) -> Run:
        return self.run(["-m", "mkdocs", "build", *extra], root, timeout)

    def sphinx(self, root: Path, timeout: float = LIMIT_S) -> Run:
        return self.run(["-m", "sphinx", "-b", "html", "-q", "src", "out"], root, timeout)

    def api(self, code: str, root: Path, timeout: float = LIMIT_S) -> Run:
        return self.run(["-c", textwrap.dedent(code)], root, timeout)

    def pandoc(self, root: Path, *args: str, timeout: float = LIMIT_S) -> Run:
        """``pandoc doc.md --filter mkdocs-heatmap-pandoc ARGS``: the filter
        found by name on PATH, next to this Python, as a user installs it."""
        env = {**self.env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{self.env['PATH']}"}
        argv = [pandoc_binary(), "doc.md", "--filter", "mkdocs-heatmap-pandoc", *args]
        return self.exec(argv, root, timeout, env)

    def myst(self, root: Path, *args: str, timeout: float = MYST_S) -> Run:
        """``myst build --site`` of a project ``myst_site`` wrote (its own
        HOME, so MyST-MD writes nothing outside the scratch folder)."""
        home = root.parent / f"{root.name}-home"
        home.mkdir(exist_ok=True)
        env = {**self.env, "HOME": str(home), "NO_UPDATE_NOTIFIER": "1"}
        myst = shutil.which("myst", path=str(Path(sys.executable).parent)) or "myst"
        return self.exec([myst, "build", "--site", *args], root, timeout, env)


# --------------------------------------------------------------------------
# Tiny projects


def put(root: Path, rel: str, text: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def mkdocs_site(root: Path, pages: dict[str, str], extra_yml: str = "") -> Path:
    put(
        root,
        "mkdocs.yml",
        "site_name: t\ndocs_dir: docs\nsite_dir: site\nplugins:\n  - heatmap\n" + extra_yml,
    )
    for name, text in pages.items():
        put(root, f"docs/{name}", text)
    return root


def sphinx_site(root: Path, body: str) -> Path:
    put(root, "src/conf.py", 'project = "t"\nextensions = ["mkdocs_heatmap.sphinx"]\n')
    put(root, "src/index.rst", "T\n=\n\n.. heatmap::\n\n" + textwrap.indent(body, "   ") + "\n")
    return root


def fence(body: str) -> str:
    return "```heatmap\n" + body.rstrip("\n") + "\n```\n"


def small_csv(path: Path, rows: int = 4, cols: int = 5) -> None:
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        rng.uniform(0, 1, (rows, cols)).round(3),
        index=[f"r{i}" for i in range(rows)],
        columns=[f"c{j}" for j in range(cols)],
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path)


def cache_entries(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.heatmap") if p.is_file() and "site" not in p.parts)


# --------------------------------------------------------------------------
# Outcomes


@dataclass
class Outcome:
    verdict: str
    seconds: float
    line: str


def short(text: str, width: int = 150) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def crashed(run: Run, lines: list[str] | None = None) -> str | None:
    """The line that says a child crashed: MemoryError, "internal error", or
    the exception line of a traceback (None when it did not crash)."""
    lines = run.lines if lines is None else lines
    text = "\n".join(lines)
    if "Traceback" not in text and "MemoryError" not in text and "internal error" not in text:
        return None
    for pattern in (
        r"MemoryError",
        r"internal error",
        r"^\s*[\w.]*(Error|Exception)\b",
        r"Traceback",
    ):
        found = [line for line in lines if re.search(pattern, line)]
        if found:
            return found[-1]
    return None


def pick(run: Run, *patterns: str) -> str:
    for pattern in patterns:
        for line in run.lines:
            if re.search(pattern, line):
                return line
    for line in run.lines:
        if re.search(r"WARNING|ERROR|Error|error", line):
            return line
    return run.lines[-1] if run.lines else f"(no output, rc={run.rc})"


def judge(run: Run, ok: bool, line: str, wrong_line: str | None = None) -> Outcome:
    """hang and crash first; then the case's own test."""
    if run.timed_out:
        return Outcome(
            "hang",
            run.seconds,
            f"killed at {run.seconds:.0f} s; last: {short(run.lines[-1]) if run.lines else '-'}",
        )
    bad = crashed(run)
    if bad is not None:
        return Outcome("crash", run.seconds, bad)
    return Outcome(
        "ok" if ok else "wrong", run.seconds, line if ok or wrong_line is None else wrong_line
    )


def judge_page(run: Run, msg: str, ok: bool, line: str) -> Outcome:
    """As ``judge``, for one page of a build shared by several rows: only a
    traceback of the whole build or a crash in this page's message count."""
    if run.timed_out:
        return Outcome(
            "hang", run.seconds, f"killed at {LIMIT_S:.0f} s (the shared build of case 17)"
        )
    if "Traceback" in run.out:
        return Outcome("crash", run.seconds, "the build: " + (crashed(run) or "Traceback"))
    bad = crashed(run, [msg])
    if bad is not None:
        return Outcome("crash", run.seconds, line)
    return Outcome("ok" if ok else "wrong", run.seconds, line)


def warnings_for(run: Run, name: str) -> list[str]:
    return [
        line for line in run.lines if name in line and re.search(r"WARNING|ERROR|heatmap", line)
    ]


def hover_attrs(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8", errors="replace")
    return [m.group(2) for m in re.finditer(r"""data-heatmap=(["'])(.*?)\1""", text, re.S)]


# --------------------------------------------------------------------------
# The cases.  Each takes the runner and a fresh folder and returns an Outcome.

# Data files lie in the project root, outside docs_dir: MkDocs itself would
# copy a file of docs_dir into the site (10 GB of it, in case 5).
ONE_BLOCK = "# T\n\n" + fence("data: /data/m.csv\n")


def _cache_attack(r: Runner, d: Path, how: str) -> Outcome:
    mkdocs_site(d, {"index.md": ONE_BLOCK})
    small_csv(d / "data/m.csv")
    cold = r.mkdocs(d, timeout=SETUP_S)
    entries = cache_entries(d)
    if cold.rc != 0 or not entries:
        return Outcome(
            "setup?", cold.seconds, f"cold build rc={cold.rc}, {len(entries)} cache entries"
        )
    for entry in entries:
        entry.unlink()
        if how == "fifo":
            os.mkfifo(entry)
        else:
            entry.symlink_to("/dev/zero")
    run = r.mkdocs(d)
    page = d / "site/index.html"
    drawn = page.exists() and (
        any((d / "site").rglob("*.svg")) or "<svg" in page.read_text(errors="replace")
    )
    line = f"{len(entries)} entries replaced; " + short(
        pick(run, r"figure\(s\)", r"Documentation built")
    )
    return judge(run, run.rc == 0 and drawn, line)


def case_1(r: Runner, d: Path) -> Outcome:
    return _cache_attack(r, d, "fifo")


def case_2(r: Runner, d: Path) -> Outcome:
    return _cache_attack(r, d, "zero")


def _sphinx_data_attack(r: Runner, d: Path, how: str) -> Outcome:
    sphinx_site(d, "data: m.csv\n")
    small_csv(d / "src/m.csv")
    cold = r.sphinx(d, timeout=SETUP_S)
    if cold.rc != 0:
        return Outcome("setup?", cold.seconds, short(pick(cold)))
    data = d / "src/m.csv"
    data.unlink()
    if how == "fifo":
        os.mkfifo(data)
    else:
        with data.open("wb") as f:
            f.truncate(3 * 10**9)
    run = r.sphinx(d)
    said = [line for line in run.lines if "m.csv" in line]
    return judge(
        run,
        bool(said),
        short(said[0] if said else pick(run)),
        f"no message naming m.csv; rc={run.rc}: {short(pick(run))}",
    )


def case_3(r: Runner, d: Path) -> Outcome:
    return _sphinx_data_attack(r, d, "fifo")


def case_4(r: Runner, d: Path) -> Outcome:
    return _sphinx_data_attack(r, d, "sparse")


def case_5(r: Runner, d: Path) -> Outcome:
    mkdocs_site(d, {"index.md": ONE_BLOCK})
    small_csv(d / "data/m.csv")
    cold = r.mkdocs(d, timeout=SETUP_S)
    if cold.rc != 0:
        return Outcome("setup?", cold.seconds, short(pick(cold)))
    with (d / "data/m.csv").open("r+b") as f:
        f.truncate(10 * 10**9)
    run = r.mkdocs(d)
    said = warnings_for(run, "m.csv")
    return judge(
        run,
        bool(said) and run.seconds < LIMIT_S,
        short(said[0] if said else pick(run)),
        f"no warning naming m.csv: {short(pick(run))}",
    )


def case_6(r: Runner, d: Path) -> Outcome:
    run = r.run(["-m", "mkdocs_heatmap", "render", "/dev/zero", "-o", str(d / "a.svg")], d)
    line = short(run.lines[-1] if run.lines else "")
    one_line = len(run.lines) == 1
    return judge(run, run.rc not in (0, None) and one_line and "/dev/zero" in line, line)


def case_7(r: Runner, d: Path) -> Outcome:
    import pandas as pd

    cols = [f"{j:05d}" + "x" * 195 for j in range(20_000)]
    pd.DataFrame(
        np.random.default_rng(0).uniform(0, 1, (1, 20_000)).round(3), index=["row"], columns=cols
    ).to_csv(d / "wide.csv")
    mkdocs_site(d, {"index.md": "# T\n\n" + fence("data: /wide.csv\nhover: true\n")})
    run = r.mkdocs(d)
    page = d / "site/index.html"
    attrs = hover_attrs(page) if page.exists() else []
    size = max((len(a.encode()) for a in attrs), default=0)
    said = [line for line in run.lines if "hover" in line]
    line = f"data-heatmap {size / 1024:,.1f} kB" + (f"; {short(said[0], 110)}" if said else "")
    return judge(run, page.exists() and size <= HOVER_LIMIT and (size > 0 or bool(said)), line)


def case_8a(r: Runner, d: Path) -> Outcome:
    title = "T" * 300_000
    mkdocs_site(d, {"index.md": "# T\n\n" + fence(f"matrix: [[1, 2], [3, 4]]\ntitle: {title}\n")})
    run = r.mkdocs(d)
    svgs = (
        sum(p.stat().st_size for p in (d / "site").rglob("*.svg")) if (d / "site").exists() else 0
    )
    said = [line for line in warnings_for(run, "index.md") if "title" in line]
    at_line = any("index.md:5" in line for line in said)  # the title key's line
    line = f"svg {svgs / 1e6:.2f} MB; " + short(said[0] if said else pick(run))
    return judge(run, at_line and svgs < 1_000_000, line)


API_PRELUDE = """
import time, sys
import numpy as np
from mkdocs_heatmap import api
from mkdocs_heatmap.errors import HeatmapError
def attempt(what, call):
    t = time.perf_counter()
    try:
        out = call()
    except HeatmapError as exc:
        print(f"REFUSED in {time.perf_counter() - t:.2f} s: {type(exc).__name__}: {str(exc)[:300]}")
    else:
        print(f"RESULT in {time.perf_counter() - t:.2f} s: {what(out)}")
"""


def _api_result(run: Run) -> tuple[str, float | None, str]:
    for line in run.lines:
        m = re.match(r"(REFUSED|RESULT) in ([0-9.]+) s: (.*)", line)
        if m:
            return m.group(1), float(m.group(2)), line
    return "", None, pick(run)


def case_8b(r: Runner, d: Path) -> Outcome:
    run = r.api(
        API_PRELUDE
        + """
attempt(lambda svg: f"svg {len(svg)/1e6:.1f} MB",
        lambda: api.render_spec({"matrix": [[1, 2], [3, 4]], "title": "T" * 1_000_000}))
""",
        d,
    )
    kind, _, line = _api_result(run)
    return judge(run, kind == "REFUSED" and "title" in line, short(line))


def case_9(r: Runner, d: Path) -> Outcome:
    import pandas as pd

    values = np.random.default_rng(0).uniform(1, 9, (50, 50)) * 1e196
    pd.DataFrame(
        values, index=[f"r{i}" for i in range(50)], columns=[f"c{j}" for j in range(50)]
    ).to_csv(put(d, "data/big.csv", ""))
    mkdocs_site(
        d, {"index.md": "# T\n\n" + fence("data: /data/big.csv\nannotate: true\nfmt: ',.0f'\n")}
    )
    run = r.mkdocs(d)
    svgs = (
        sum(p.stat().st_size for p in (d / "site").rglob("*.svg")) if (d / "site").exists() else 0
    )
    said = [line for line in warnings_for(run, "index.md") if "fmt" in line or "annotat" in line]
    line = f"svg {svgs / 1e6:.2f} MB; " + short(said[0] if said else pick(run, r"figure\(s\)"))
    return judge(run, (bool(said) or svgs > 0) and svgs < 2_000_000, line)


def case_10a(r: Runner, d: Path) -> Outcome:
    run = r.api(
        API_PRELUDE
        + """
a = np.random.default_rng(0).uniform(0, 1, (1000, 1000))
attempt(lambda p: "prepared", lambda: api.prepare({"matrix": a}, api.site_settings(base_dir=".")))
""",
        d,
    )
    kind, secs, line = _api_result(run)
    return judge(run, kind == "RESULT" and secs is not None and secs < 1.0, short(line))


def case_10b(r: Runner, d: Path) -> Outcome:
    run = r.api(
        API_PRELUDE
        + """
import pandas as pd
df = pd.DataFrame(np.random.default_rng(0).uniform(0, 1, (2500, 2000)))
attempt(lambda p: "prepared", lambda: api.prepare({"matrix": df}, api.site_settings(base_dir=".")))
""",
        d,
    )
    kind, secs, line = _api_result(run)
    return judge(run, kind == "REFUSED" and secs is not None and secs < 1.0, short(line))


def case_10c(r: Runner, d: Path) -> Outcome:
    run = r.api(
        API_PRELUDE
        + """
import pandas as pd
df = pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], index=["x" * 10**8, "y"], columns=["a", "b"])
attempt(lambda p: "prepared", lambda: api.prepare({"matrix": df}, api.site_settings(base_dir=".")))
""",
        d,
    )
    kind, secs, line = _api_result(run)
    return judge(run, kind == "REFUSED" and secs is not None and secs < 5.0, short(line))


FIGURE_A = fence("matrix: [[1, 2], [3, 4]]\nid: fig-a\nnumbered: true\n")


def case_11(r: Runner, d: Path) -> Outcome:
    refs = "\n".join("See [](#fig-b) here." for _ in range(16_000))  # fig-b: no such figure
    mkdocs_site(d, {"index.md": "# T\n\n" + FIGURE_A + "\n" + refs + "\n"})
    run = r.mkdocs(d)
    n = sum("fig-b" in line for line in run.lines)
    line = f"{n} message line(s) on fig-b; " + short(
        pick(run, r"figure\(s\)", r"Documentation built"), 110
    )
    return judge(run, run.rc == 0 and n > 0, line)


def case_12(r: Runner, d: Path) -> Outcome:
    mkdocs_site(
        d,
        {"index.md": "# T\n\n" + FIGURE_A + "\nSee [](#fig-a){: .foo } here.\n"},
        "markdown_extensions:\n  - attr_list\n",
    )
    run = r.mkdocs(d)
    page = (
        (d / "site/index.html").read_text(errors="replace")
        if (d / "site/index.html").exists()
        else ""
    )
    links = re.findall(r'<a\b[^>]*href="#fig-a"[^>]*>.*?</a>', page)
    good = [
        a for a in links if "foo" in a and re.search(r">\s*Figure(\s|&nbsp;|\u00a0)*1\s*</a>", a)
    ]
    said = warnings_for(run, "index.md")
    line = short((good or links or ["(no link to #fig-a)"])[0], 90) + (
        f"; {short(said[0], 60)}" if said else "; no warning"
    )
    return judge(run, bool(good), line)


def case_13(r: Runner, d: Path) -> Outcome:
    mkdocs_site(
        d,
        {
            "index.md": "# Results\n\n"
            + fence("matrix: [[1, 2], [3, 4]]\nid: results\nnumbered: true\n")
        },
    )
    run = r.mkdocs(d)
    said = [line for line in warnings_for(run, "index.md") if "results" in line]
    return judge(
        run, bool(said), short(said[0] if said else "no warning: " + pick(run, r"figure\(s\)"))
    )


def case_14(r: Runner, d: Path) -> Outcome:
    head = "# T\n\n" + FIGURE_A + "\n"
    lines = [
        *head.splitlines(),
        "",
        "Shown as code: `[](#fig-x)`.",
        "",
        "Some text.",
        "",
        "Real: [](#fig-x).",
    ]
    code_line, real_line = len(lines) - 4, len(lines)
    mkdocs_site(d, {"index.md": "\n".join(lines) + "\n"})
    run = r.mkdocs(d)
    said = [line for line in warnings_for(run, "index.md") if "fig-x" in line]
    ok = any(f"index.md:{real_line}:" in line for line in said) and not any(
        f"index.md:{code_line}:" in line for line in said
    )
    line = f"(code on line {code_line}, reference on line {real_line}) " + short(
        said[0] if said else "no warning", 110
    )
    return judge(run, ok, line)


def case_15(r: Runner, d: Path) -> Outcome:
    mkdocs_site(
        d,
        {
            "index.md": "# T\n\nSee [](secret.md#fig-s).\n",
            "secret.md": "# S\n\n" + fence("matrix: [[1, 2], [3, 4]]\nid: fig-s\nnumbered: true\n"),
        },
        "exclude_docs: |\n  secret.md\n",
    )
    run = r.mkdocs(d, "--strict")
    said = [line for line in run.lines if "secret" in line and "heatmap" in line]
    line = f"rc={run.rc}; " + short(said[0] if said else pick(run, r"secret", r"Aborted"))
    return judge(run, run.rc not in (0, None) and bool(said), line)


def case_16(r: Runner, d: Path) -> Outcome:
    mkdocs_site(d, {"index.md": "# T\n\n" + FIGURE_A + "\nSee [](#fig-nope).\n"})
    run = r.mkdocs(d)
    summary = [line for line in run.lines if "figure(s)" in line]
    s = summary[0] if summary else ""
    ok = bool(s) and "block(s) with errors" not in s and "reference" in s
    return judge(run, ok, short(s or pick(run)))


# Case 17: the messages, one page each, one build.
LONG_STYLE = "s" * 5000


def _messages_site(d: Path) -> None:
    import pandas as pd

    data = d / "data"
    data.mkdir(parents=True)
    (data / "loop.csv").symlink_to("loop.csv")
    text = "m,a,b\nr0,1,2\nr1,3,4\n"
    (data / "u32.csv").write_bytes(text.encode("utf-32"))  # with its BOM
    (data / "u16.csv").write_bytes(text.encode("utf-16-le"))  # no BOM
    (data / "huge.json").write_text("[[1, 2], [3, 1" + "0" * 400 + "]]\n")
    (data / "dup.json").write_text('{"m": [[1, 2], [3, 4]], "m": [[5, 6], [7, 8]]}\n')
    pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], index=["ab\u202ecd", "ef"], columns=["x", "y"]).to_csv(
        data / "bidi.csv", encoding="utf-8"
    )
    mkdocs_site(
        d,
        {
            "style.md": "# T\n\n" + fence(f"matrix: [[1, 2], [3, 4]]\nstyle: {LONG_STYLE}\n"),
            "stylefile.md": "# T\n\n"
            + fence(f"matrix: [[1, 2], [3, 4]]\nstyle: {LONG_STYLE}.mplstyle\n"),
            "loop.md": "# T\n\n" + fence("data: /data/loop.csv\n"),
            "u32.md": "# T\n\n" + fence("data: /data/u32.csv\n"),
            "u16.md": "# T\n\n" + fence("data: /data/u16.csv\n"),
            "huge.md": "# T\n\n" + fence("data: /data/huge.json\n"),
            "dup.md": "# T\n\n" + fence("data: /data/dup.json\nkey: m\n"),
            "bidi.md": "# T\n\n" + fence("data: /data/bidi.csv\nhover: true\n"),
        },
    )


_MESSAGES: dict[Path, Run] = {}


def _messages(r: Runner, d: Path) -> tuple[Run, Path]:
    """One build for all of case 17, shared by its rows (per source tree)."""
    key = r.src
    if key not in _MESSAGES:
        root = d.parent / "messages"
        _messages_site(root)
        _MESSAGES[key] = r.mkdocs(root)
    return _MESSAGES[key], d.parent / "messages"


def _page_message(run: Run, page: str) -> list[str]:
    return [line for line in run.lines if f"{page}:" in line or f"{page} " in line]


def case_17a(r: Runner, d: Path) -> Outcome:
    run, _ = _messages(r, d)
    said = _page_message(run, "style.md")
    msg = said[0] if said else ""
    ok = bool(msg) and "internal error" not in msg and len(msg) < 1000
    return judge_page(run, msg, ok, f"({len(msg):,} chars) " + short(msg or "no message"))


def case_17a2(r: Runner, d: Path) -> Outcome:
    run, _ = _messages(r, d)
    said = _page_message(run, "stylefile.md")
    msg = said[0] if said else ""
    ok = bool(msg) and "internal error" not in msg and len(msg) < 1000
    return judge_page(run, msg, ok, f"({len(msg):,} chars) " + short(msg or "no message"))


def case_17b(r: Runner, d: Path) -> Outcome:
    run, _ = _messages(r, d)
    said = _page_message(run, "loop.md")
    msg = said[0] if said else "no message"
    return judge_page(
        run, msg, "loop" in msg.split("heatmap:", 1)[-1] and "did you mean" not in msg, short(msg)
    )


def case_17c(r: Runner, d: Path) -> Outcome:
    run, _ = _messages(r, d)
    said = _page_message(run, "u32.md")
    msg = said[0] if said else "no message (read)"
    return judge_page(run, msg, "UTF-16" not in msg and ("UTF-32" in msg or not said), short(msg))


def case_17d(r: Runner, d: Path) -> Outcome:
    run, _ = _messages(r, d)
    said = _page_message(run, "u16.md")
    msg = said[0] if said else "no message: the file was read as if it were 8-bit text"
    return judge_page(run, msg, "UTF-16" in msg, short(msg))


def case_17e(r: Runner, d: Path) -> Outcome:
    run, _ = _messages(r, d)
    said = _page_message(run, "huge.md")
    msg = said[0] if said else "no message"
    body = msg.split("heatmap:", 1)[-1]
    return judge_page(run, msg, "too large" in body and not re.search(r"\binf\b", body), short(msg))


def case_17f(r: Runner, d: Path) -> Outcome:
    run, _ = _messages(r, d)
    said = _page_message(run, "dup.md")
    msg = said[0] if said else "no message: the last 'm' was taken"
    return judge_page(run, msg, bool(re.search(r"twice|duplicat", msg)), short(msg))


def case_17g(r: Runner, d: Path) -> Outcome:
    run, root = _messages(r, d)
    msg = " ".join(_page_message(run, "bidi.md"))
    page = next(
        (p for p in [root / "site/bidi/index.html", root / "site/bidi.html"] if p.exists()), None
    )
    if page is None:
        return judge_page(run, msg, False, "no bidi page built")
    attrs = hover_attrs(page)
    if not attrs:
        return judge_page(run, msg, False, "no hover data on the page")
    verdict, line = bidi_verdict(attrs)
    return judge_page(run, msg, verdict, line)


def bidi_verdict(attrs: list[str]) -> tuple[bool, str]:
    """Whether the label "ab\u202ecd" in the hover data is isolated
    (U+2068 ... U+2069 around its U+202E), and a line saying what was found."""
    strings: list[str] = []

    def walk(x: object) -> None:
        if isinstance(x, str):
            strings.append(x)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    for a in attrs:
        try:
            walk(json.loads(html.unescape(a)))
        except ValueError:
            strings.append(html.unescape(a))
    label = [s for s in strings if "ab" in s and "cd" in s]
    raw = [s for s in label if "\u202e" in s]
    unisolated = [
        s
        for s in raw
        if not (s.find("\u2068") < s.find("\u202e") < s.rfind("\u2069") and "\u2068" in s)
    ]
    shown = ", ".join(repr(s) for s in label[:2]) or "label not found"
    verdict = bool(label) and not unisolated
    return verdict, f"hover label {shown}" + (" (U+202E loose)" if unisolated else "")


# --------------------------------------------------------------------------
# The Pandoc filter: `pandoc doc.md --filter mkdocs-heatmap-pandoc`, in the
# project folder (the filter's project root is the working directory).  Its
# messages go to stderr as "doc.md:LINE: heatmap: ..."; Pandoc's exit status
# is non-zero only with `heatmap-strict: true`.  Every block's fence is on
# line 3 of doc.md, its first key on line 4.


def pandoc_binary() -> str:
    found = shutil.which("pandoc")
    if found is None:
        import pypandoc  # type: ignore[import-untyped]

        found = pypandoc.get_pandoc_path()
    return str(found)


PANDOC_OUT = {
    "html": ["-o", "out.html"],
    "docx": ["-o", "out.docx"],
    "latex": ["-t", "latex", "-o", "out.tex"],
}


def pandoc_doc(d: Path, body: str, meta: str = "") -> Path:
    front = f"---\n{meta}---\n\n" if meta else ""
    put(d, "doc.md", front + "# T\n\n" + fence(body))
    return d


def said_at(run: Run, where: str, *words: str) -> list[str]:
    """The message lines naming ``where`` (``doc.md:4``) and every word."""
    return [
        line
        for line in run.lines
        if f"{where}:" in line or f"{where} " in line
        if "heatmap" in line and all(w in line for w in words)
    ]


def _message_case(run: Run, where: str, *words: str, rc_ok: bool) -> Outcome:
    said = said_at(run, where, *words)
    one = said[0] if said else ""
    ok = bool(said) and rc_ok and len(one) < 1000 and "did you mean" not in one
    return judge(
        run,
        ok,
        f"rc={run.rc}; " + short(one),
        f"rc={run.rc}; no message at {where} naming {words}: {short(pick(run))}",
    )


def spoil(data: Path, how: str, cold: Callable[[], Run]) -> Outcome | None:
    """Make the data file hostile: ``sparse`` (10 GB, after a ``cold`` run
    drew it, so the attack is a warm one), ``fifo``, ``zero`` (/dev/zero),
    ``loop`` (a symlink to itself).  An outcome only when the setup failed."""
    if how == "sparse":
        small_csv(data)
        first = cold()
        if first.rc != 0:
            return Outcome("setup?", first.seconds, short(pick(first)))
        with data.open("r+b") as f:
            f.truncate(10 * 10**9)
    elif how == "fifo":
        os.mkfifo(data)
    elif how == "zero":
        data.symlink_to("/dev/zero")
    elif how == "loop":
        data.symlink_to(data.name)
    return None


def _pandoc_data(r: Runner, d: Path, how: str, out: str, strict: bool = False) -> Outcome:
    pandoc_doc(d, "data: m.csv\n", "heatmap-strict: true\n" if strict else "")
    failed = spoil(d / "m.csv", how, lambda: r.pandoc(d, *PANDOC_OUT[out], timeout=SETUP_S))
    if failed is not None:
        return failed
    run = r.pandoc(d, *PANDOC_OUT[out])
    where = "doc.md:8" if strict else "doc.md:4"  # after the front matter
    return _message_case(run, where, "m.csv", rc_ok=(run.rc != 0) == strict)


def case_p1(r: Runner, d: Path) -> Outcome:
    return _pandoc_data(r, d, "fifo", "html")


def case_p2(r: Runner, d: Path) -> Outcome:
    return _pandoc_data(r, d, "sparse", "docx")


def case_p3(r: Runner, d: Path) -> Outcome:
    return _pandoc_data(r, d, "zero", "latex")


def case_p4(r: Runner, d: Path) -> Outcome:
    return _pandoc_data(r, d, "loop", "latex")


def case_p5(r: Runner, d: Path) -> Outcome:
    return _pandoc_data(r, d, "fifo", "html", strict=True)


def case_p6(r: Runner, d: Path) -> Outcome:
    pandoc_doc(d, f"matrix: [[1, 2], [3, 4]]\ntitle: {'T' * 300_000}\n")
    run = r.pandoc(d, *PANDOC_OUT["html"])
    out = d / "out.html"
    size = out.stat().st_size if out.exists() else 0
    said = said_at(run, "doc.md:5", "title")
    line = f"html {size / 1e6:.2f} MB; " + short(said[0] if said else pick(run))
    return judge(run, bool(said) and run.rc == 0 and 0 < size < 1_000_000, line)


def case_p7(r: Runner, d: Path) -> Outcome:
    refs = "\n".join("See [](#nope) here." for _ in range(16_000))
    put(d, "doc.md", "# T\n\n" + FIGURE_A + "\n" + refs + "\n")
    run = r.pandoc(d, *PANDOC_OUT["html"])
    named = [line for line in run.lines if "nope" in line]
    at_line = [line for line in named if re.match(r"doc\.md:\d+: heatmap", line)]
    line = f"rc={run.rc}; {len(named)} line(s) on #nope, {len(at_line)} with a line; " + short(
        named[-1] if named else pick(run), 90
    )
    return judge(run, run.rc == 0 and bool(named) and len(at_line) == len(named), line)


def case_p8(r: Runner, d: Path) -> Outcome:
    pandoc_doc(d, "matrix: [[1, 2], [3, 4]]\n# " + "x" * 1_200_000 + "\n")
    run = r.pandoc(d, *PANDOC_OUT["html"])
    return _message_case(run, "doc.md", "1,000,000", rc_ok=run.rc == 0)


def _bidi_csv(path: Path) -> None:
    import pandas as pd

    pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], index=["ab\u202ecd", "ef"], columns=["x", "y"]).to_csv(
        path, encoding="utf-8"
    )


def case_p9(r: Runner, d: Path) -> Outcome:
    _bidi_csv(d / "bidi.csv")
    pandoc_doc(d, "data: bidi.csv\nhover: true\n")
    run = r.pandoc(d, *PANDOC_OUT["html"])
    page = d / "out.html"
    attrs = hover_attrs(page) if page.exists() else []
    if not attrs:
        return judge(run, False, "", f"no hover data in out.html: {short(pick(run))}")
    verdict, line = bidi_verdict(attrs)
    # The alt text names the extremes' rows too.
    alts = re.findall(r'\balt="([^"]*)"', page.read_text(encoding="utf-8", errors="replace"))
    loose = [a for a in alts if "\u202e" in html.unescape(a)]
    line += f"; alt text: {len(alts)}, {len(loose)} with U+202E"
    return judge(run, verdict and not loose and bool(alts) and run.rc == 0, line)


def _cache_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / ".cache").rglob("*") if p.is_file())


def case_p10(r: Runner, d: Path) -> Outcome:
    pandoc_doc(d, "data: m.csv\n")
    small_csv(d / "m.csv")
    cold = r.pandoc(d, *PANDOC_OUT["docx"], timeout=SETUP_S)
    entries = _cache_files(d)
    if cold.rc != 0 or not entries:
        return Outcome("setup?", cold.seconds, f"cold rc={cold.rc}, {len(entries)} cache files")
    for entry in entries:
        entry.unlink()
        os.mkfifo(entry)
    (d / "out.docx").unlink()
    run = r.pandoc(d, *PANDOC_OUT["docx"])
    import zipfile

    out = d / "out.docx"
    media = []
    if out.exists():
        with zipfile.ZipFile(out) as z:
            media = [n for n in z.namelist() if n.startswith("word/media/")]
    line = f"{len(entries)} cache files -> FIFOs; rc={run.rc}; {len(media)} image(s) in out.docx"
    said = [x for x in run.lines if "heatmap" in x]
    return judge(run, run.rc == 0 and bool(media), line + (f"; {short(said[0])}" if said else ""))


# --------------------------------------------------------------------------
# The MyST-MD plugin: `myst build --site` of a project whose myst.yml lists
# the plugin file `mkdocs-heatmap init myst` writes, with a local template
# (offline).  MyST-MD reports a block's problem as "index.md:LINE ... Cross
# reference target was not found: heatmap: ..."; `--strict` with the
# reference-target-resolves error rule makes it fail.  Every block's fence is
# on line 7 of index.md, its first key on line 8.  The build gets MYST_S.

MYST_YML = """version: 1
project:
  title: T
  plugins:
    - {type: executable, path: heatmap.py}
%s
site:
  template: ./template
"""
STRICT_RULE = "  error_rules:\n    - {rule: reference-target-resolves, severity: error}"


def myst_site(r: Runner, d: Path, page: str, strict: bool = False) -> Run:
    """Write the project (``page`` is index.md's text); the run of ``init``."""
    put(d, "myst.yml", MYST_YML % (STRICT_RULE if strict else ""))
    put(d, "template/template.yml", "myst: v1\nkind: site\n")
    put(d, "index.md", page)
    return r.run(
        ["-m", "mkdocs_heatmap", "init", "myst", "--dir", str(d), "--python", sys.executable],
        d,
        SETUP_S,
    )


def myst_page(body: str, after: str = "") -> str:
    return "---\ntitle: T\n---\n\n# T\n\n```{heatmap}\n" + body.rstrip("\n") + "\n```\n" + after


def _myst_attack(r: Runner, d: Path, body: str, *words: str, strict: bool = False) -> Outcome:
    init = myst_site(r, d, myst_page(body), strict)
    if init.rc != 0:
        return Outcome("setup?", init.seconds, short(pick(init)))
    run = r.myst(d, *(["--strict"] if strict else []))
    return _message_case(run, "index.md:8", *words, rc_ok=(run.rc != 0) == strict)


def _myst_data(r: Runner, d: Path, how: str, strict: bool = False) -> Outcome:
    init = myst_site(r, d, myst_page("data: m.csv\n"), strict)
    if init.rc != 0:
        return Outcome("setup?", init.seconds, short(pick(init)))
    failed = spoil(d / "m.csv", how, lambda: r.myst(d, timeout=SETUP_S))
    if failed is not None:
        return failed
    run = r.myst(d, *(["--strict"] if strict else []))
    return _message_case(run, "index.md:8", "m.csv", rc_ok=(run.rc != 0) == strict)


def case_m1(r: Runner, d: Path) -> Outcome:
    return _myst_data(r, d, "fifo")


def case_m2(r: Runner, d: Path) -> Outcome:
    return _myst_data(r, d, "sparse")


def case_m3(r: Runner, d: Path) -> Outcome:
    return _myst_data(r, d, "zero")


def case_m4(r: Runner, d: Path) -> Outcome:
    return _myst_data(r, d, "loop")


def case_m5(r: Runner, d: Path) -> Outcome:
    return _myst_data(r, d, "fifo", strict=True)


def case_m6(r: Runner, d: Path) -> Outcome:
    init = myst_site(r, d, myst_page(f"matrix: [[1, 2], [3, 4]]\ntitle: {'T' * 300_000}\n"))
    if init.rc != 0:
        return Outcome("setup?", init.seconds, short(pick(init)))
    run = r.myst(d)
    public = d / "_build/site/public"
    images = (
        sum(p.stat().st_size for p in public.rglob("*") if p.is_file()) if public.exists() else 0
    )
    said = said_at(run, "index.md:9", "title")
    line = f"rc={run.rc}; files {images / 1e6:.2f} MB; " + short(said[0] if said else pick(run))
    return judge(run, bool(said) and run.rc == 0 and images < 1_000_000, line)


def case_m7(r: Runner, d: Path) -> Outcome:
    """MyST-MD reports these itself, and its own cost grows faster than the
    count (5,000 take it ~50 s without the plugin): 2,000, and the same page
    built without the plugin and its block, for the plugin's share."""
    refs = "\n" + "\n".join("See [](#nope) here." for _ in range(2_000)) + "\n"
    bare = d / "bare"
    put(bare, "myst.yml", "version: 1\nproject:\n  title: T\nsite:\n  template: ./template\n")
    put(bare, "template/template.yml", "myst: v1\nkind: site\n")
    put(bare, "index.md", "---\ntitle: T\n---\n\n# T\n" + refs)
    alone = r.myst(bare, timeout=SETUP_S)
    init = myst_site(r, d, myst_page("matrix: [[1, 2], [3, 4]]\nid: fig-a\n", refs))
    if init.rc != 0 or alone.rc != 0:
        return Outcome("setup?", init.seconds, short(pick(init if init.rc else alone)))
    run = r.myst(d)
    named = [line for line in run.lines if "nope" in line]
    figure = (d / "_build/site/content/index.json").exists()
    line = (
        f"rc={run.rc}; {len(named)} line(s) on #nope; page built: {figure}; "
        f"MyST-MD alone {alone.seconds:.1f} s"
    )
    return judge(run, run.rc == 0 and figure, line)


def case_m8(r: Runner, d: Path) -> Outcome:
    return _myst_attack(r, d, "matrix: [[1, 2], [3, 4]]\n# " + "x" * 1_200_000 + "\n", "1,000,000")


def case_m8b(r: Runner, d: Path) -> Outcome:
    """Under the block limit in characters, over MyST-MD's 1 MiB for the
    directive's reply in bytes: 400,000 CJK characters are 1.2 MB of UTF-8."""
    return _myst_attack(r, d, "matrix: [[1, 2], [3, 4]]\n# " + "表" * 400_000 + "\n", "bytes")


def case_m9(r: Runner, d: Path) -> Outcome:
    _bidi_csv(d / "bidi.csv")
    init = myst_site(r, d, myst_page("data: bidi.csv\nhover: true\n"))
    if init.rc != 0:
        return Outcome("setup?", init.seconds, short(pick(init)))
    run = r.myst(d)
    content = d / "_build/site/content/index.json"
    if not content.exists():
        return judge(run, False, "", f"no page: {short(pick(run))}")
    text = json.loads(content.read_text(encoding="utf-8"))
    loose = "\u202e" in json.dumps(text.get("mdast"), ensure_ascii=False)
    public = d / "_build/site/public"
    images = [p for p in public.rglob("*") if p.is_file()] if public.exists() else []
    # matplotlib's SVG repeats each text in a comment, which nothing shows.
    raw = any(
        "\u202e" in re.sub(r"<!--.*?-->", "", p.read_text("utf-8", "replace"), flags=re.S)
        for p in images
    )
    said = [x for x in run.lines if "hover" in x]
    line = f"rc={run.rc}; {len(images)} file(s); U+202E in the page: {loose}, in a file: {raw}"
    line += f"; {short(said[0], 80)}" if said else "; no message on hover"
    return judge(run, run.rc == 0 and bool(images) and not loose and not raw, line)


def case_m10(r: Runner, d: Path) -> Outcome:
    init = myst_site(r, d, myst_page("data: m.csv\n"))
    if init.rc != 0:
        return Outcome("setup?", init.seconds, short(pick(init)))
    small_csv(d / "m.csv")
    cold = r.myst(d, timeout=SETUP_S)
    entries = _cache_files(d)
    if cold.rc != 0 or not entries:
        return Outcome("setup?", cold.seconds, f"cold rc={cold.rc}, {len(entries)} cache files")
    for entry in entries:
        entry.unlink()
        os.mkfifo(entry)
    shutil.rmtree(d / "_build")
    run = r.myst(d)
    public = d / "_build/site/public"
    images = [p for p in public.rglob("*") if p.is_file()] if public.exists() else []
    said = [x for x in run.lines if "heatmap" in x]
    line = f"{len(entries)} cache files -> FIFOs; rc={run.rc}; {len(images)} file(s)"
    return judge(run, run.rc == 0 and bool(images), line + (f"; {short(said[0])}" if said else ""))


CASES: list[tuple[str, str, Callable[[Runner, Path], Outcome]]] = [
    ("1", "cache entry -> FIFO, warm mkdocs build", case_1),
    ("2", "cache entry -> /dev/zero, warm build", case_2),
    ("3", "sphinx: data file -> FIFO, rebuild", case_3),
    ("4", "sphinx: data file -> 3 GB sparse, rebuild", case_4),
    ("5", "mkdocs: data -> 10 GB sparse, warm", case_5),
    ("6", "render /dev/zero -o a.svg", case_6),
    ("7", "hover 1x20,000, 200-char labels", case_7),
    ("8a", "300 kB title (mkdocs)", case_8a),
    ("8b", "1 MB title (API render_spec)", case_8b),
    ("9", "fmt ',.0f' on ~1e197, 50x50 annotated", case_9),
    ("10a", "API prepare 1000x1000 ndarray", case_10a),
    ("10b", "API prepare 2500x2000 DataFrame", case_10b),
    ("10c", "API DataFrame, 10^8-char index label", case_10c),
    ("11", "16,000 bad references on a page", case_11),
    ("12", "[](#fig-a){: .foo } with attr_list", case_12),
    ("13", "figure id == heading slug", case_13),
    ("14", "reference in backticks before bad one", case_14),
    ("15", "reference into exclude_docs page --strict", case_15),
    ("16", "summary: reference vs block errors", case_16),
    ("17a", "5,000-char style name", case_17a),
    ("17a2", "5,000-char style name + .mplstyle", case_17a2),
    ("17b", "data file is a symlink loop", case_17b),
    ("17c", "UTF-32 CSV", case_17c),
    ("17d", "BOM-less UTF-16 CSV", case_17d),
    ("17e", "1e400 JSON integer", case_17e),
    ("17f", "JSON duplicated key", case_17f),
    ("17g", "U+202E row label in hover data", case_17g),
    ("p1", "pandoc html: data file -> FIFO", case_p1),
    ("p2", "pandoc docx: data -> 10 GB sparse, warm", case_p2),
    ("p3", "pandoc latex: data -> /dev/zero", case_p3),
    ("p4", "pandoc latex: data file is a symlink loop", case_p4),
    ("p5", "pandoc html: FIFO, heatmap-strict: true", case_p5),
    ("p6", "pandoc html: 300 kB title", case_p6),
    ("p7", "pandoc html: 16,000 bad references", case_p7),
    ("p8", "pandoc html: 1.2 MB block", case_p8),
    ("p9", "pandoc html: U+202E row label, hover, alt", case_p9),
    ("p10", "pandoc docx: cache entry -> FIFO, warm", case_p10),
    ("m1", "myst: data file -> FIFO", case_m1),
    ("m2", "myst: data -> 10 GB sparse, warm", case_m2),
    ("m3", "myst: data -> /dev/zero", case_m3),
    ("m4", "myst: data file is a symlink loop", case_m4),
    ("m5", "myst --strict (error rule): FIFO", case_m5),
    ("m6", "myst: 300 kB title", case_m6),
    ("m7", "myst: 2,000 bad references", case_m7),
    ("m8", "myst: 1.2 MB block", case_m8),
    ("m8b", "myst: 400,000 CJK characters (1.2 MB)", case_m8b),
    ("m9", "myst: U+202E row label, hover", case_m9),
    ("m10", "myst: cache entry -> FIFO, warm", case_m10),
]


# --------------------------------------------------------------------------


def run_all(src: Path, only: set[str] | None, scratch: Path) -> dict[str, Outcome]:
    runner = Runner(src, scratch)
    where = runner.run(["-c", "import mkdocs_heatmap as m; print(m.__file__)"], scratch, SETUP_S)
    print(f"# {src}: package from {where.out.strip()}", file=sys.stderr, flush=True)
    base = Path(tempfile.mkdtemp(prefix="hardening-", dir=scratch))
    results: dict[str, Outcome] = {}
    for cid, _, case in CASES:
        group = re.match(r"\D*\d*", cid).group()  # "17" for 17a-17g, "p" and "m" for all
        if only and not only & {cid, group, re.match(r"\D*", cid).group()}:
            continue
        d = base / f"case{cid}"
        d.mkdir()
        try:
            outcome = case(runner, d)
        except Exception as exc:  # the harness itself, not the package
            outcome = Outcome("harness", 0.0, f"{type(exc).__name__}: {exc}")
        results[cid] = outcome
        print(
            f"  {cid:>4} {outcome.verdict:6} {outcome.seconds:6.1f}s  {short(outcome.line, 120)}",
            file=sys.stderr,
            flush=True,
        )
    _MESSAGES.clear()
    return results


def cell(o: Outcome | None) -> str:
    return "-" if o is None else f"{o.verdict} {o.seconds:.1f}s"


def table(columns: list[tuple[str, dict[str, Outcome]]]) -> str:
    head = ["case", "attack"] + [name for name, _ in columns]
    rows = [
        [cid, what] + [cell(res.get(cid)) for _, res in columns]
        for cid, what, _ in CASES
        if any(cid in res for _, res in columns)
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]

    def fmt(r: list[str]) -> str:
        return "| " + " | ".join(str(x).ljust(w) for x, w in zip(r, widths, strict=True)) + " |"

    out = [fmt(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [fmt(r) for r in rows]
    out.append("")
    for cid, _, _ in CASES:
        for name, res in columns:
            if cid in res:
                out.append(f"{cid:>4} [{name}] {res[cid].verdict}: {short(res[cid].line, 200)}")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--src", type=Path, help="a source tree (its src/ goes first on PYTHONPATH)")
    group.add_argument(
        "--compare",
        nargs="+",
        type=Path,
        metavar="TREE",
        help="two (or more) source trees, before then after: one column each",
    )
    parser.add_argument("--only", nargs="*", help="case ids (17 means 17a-17g)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary projects")
    args = parser.parse_args()
    only = set(args.only) if args.only else None
    scratch = Path(tempfile.mkdtemp(prefix="hardening-run-"))
    try:
        trees = [args.src] if args.src else list(args.compare)
        for tree in trees:
            if not (tree / "src/mkdocs_heatmap").is_dir():
                parser.error(f"{tree} has no src/mkdocs_heatmap")
        columns = [(t.name if args.compare else "result", run_all(t, only, scratch)) for t in trees]
        print(
            f"cap: RLIMIT_AS {CAP_BYTES >> 30} GiB, {LIMIT_S:.0f} s per attack"
            f" ({MYST_S:.0f} s for a MyST-MD build)"
        )
        for (name, _), tree in zip(columns, trees, strict=True):
            print(f"{name}: {tree}")
        print(table(columns))
    finally:
        if args.keep:
            print(f"projects kept in {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
