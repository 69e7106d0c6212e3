"""The bad-input catalog: every failure path as one row, shared by the build
tests (``test_errors_build``), the ``check`` command's tests (``test_cli``) and
the other hosts' (``test_catalog_hosts``: the API, ``render``, the Markdown
extension, Sphinx in reST and MyST, ``check`` on a Sphinx project).

Each case is one row: the block body, files it needs, the expected message
fragment and the expected line in the page.  The page puts the fence on line
5 (after a front matter and a heading), so line numbers also prove that front
matter is counted.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from conftest import Site

PAGE_HEAD = "---\ntitle: Errors\n---\n"  # lines 1-3, a heading on 4, the fence on 5
FENCE_LINE = 5


def _object_npy() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    return buffer.getvalue()


L = FENCE_LINE
M = "matrix: [[1, 2], [3, 4]]\n"  # a valid source, so the row tests one thing
CSV = {"docs/m.csv": ",a,b\nx,1,2\ny,3,4\n"}
ALIAS_BOMB = "matrix: [[1]]\na: &a [x, x, x, x, x, x, x, x, x, x]\n" + "\n".join(
    f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}" if i > 1 else "*a"] * 10) + "]" for i in range(1, 12)
)

CASES: list[tuple[str, str, dict[str, str | bytes], str, int]] = [
    # (id, block body, extra files, message fragment, line of the fault)
    # -- YAML and the shape of the block
    ("yaml-syntax", "data: [1, 2\ntitle: x", {}, "invalid YAML", L + 2),
    ("yaml-tab", "data: m.csv\n\ttitle: x", {}, "invalid YAML", L + 2),
    ("not-mapping", "- 1\n- 2", {}, "must be a YAML mapping", L + 1),
    ("plain-text", "just some words", {}, "must be a YAML mapping", L + 1),
    ("empty", "", {}, "the block is empty", L + 1),
    ("duplicate-key", M + "title: a\ntitle: b", {}, "key 'title' appears twice", L + 3),
    ("python-tag", "data: !!python/object/apply:os.system [id]", {}, "invalid YAML", L + 1),
    ("python-name", M + "cmap: !!python/name:os.system", {}, "invalid YAML", L + 2),
    ("alias-bomb", ALIAS_BOMB, {}, "more than 100 aliases", L + 13),
    # -- keys
    ("unknown-key", M + "cmapp: Blues", {}, "did you mean 'cmap'?", L + 2),
    ("misspelt-key", M + "xlable: Token", {}, "did you mean 'xlabel'?", L + 2),
    ("both-sources", "data: m.csv\nmatrix: [[1]]", {}, "exactly one of 'data'", L + 2),
    ("neither-source", "title: x", {}, "exactly one of 'data'", L + 1),
    # -- wrong types and values
    ("wrong-type", M + "\nvmin: high", {}, "'vmin': expected a number", L + 3),
    ("title-list", M + "title: [a, b]", {}, "'title': expected text", L + 2),
    ("xticks-word", M + "xticks: many", {}, "'xticks': expected auto, all, none", L + 2),
    ("xticks-list-empty", M + "xticks: []", {}, "'xticks': expected at least one label", L + 2),
    ("yticks-list-twice", M + "yticks: [a, a]", {}, "'yticks': label 'a' is listed twice", L + 2),
    (
        "yticks-list-unknown",
        "data: m.csv\ntitle: T\nyticks: [x, yy]",
        CSV,
        "'yticks': 'yy' is not a row label of the matrix (did you mean 'y'?)",
        L + 3,
    ),
    (
        "panel-labels-pattern",
        M + 'panel_labels: "(b)"',
        {},
        "'panel_labels': expected true or a pattern with the letter a or A",
        L + 2,
    ),
    (
        "panel-labels-in-panel",
        "panels:\n  - {matrix: [[1]], panel_labels: true}",
        {},
        "panel 1: 'panel_labels' belongs at the top level of the block",
        L + 1,
    ),
    (
        "xticks-list-panel",
        "panels:\n  - data: m.csv\n    xticks: [a, B]",
        CSV,
        "panel 1: 'xticks': 'B' is not a column label of the matrix (did you mean 'b'?)",
        L + 1,
    ),
    ("origin", M + "origin: middle", {}, "'origin'", L + 2),
    ("colorbar-text", M + "colorbar: yes please", {}, "'colorbar': expected true", L + 2),
    ("colorbar-subkey", M + "colorbar: {lable: AUC}", {}, "did you mean 'label'?", L + 2),
    ("figsize", M + "figsize: [0, 3]", {}, "'figsize'", L + 2),
    ("dpi", M + "dpi: high", {}, "'dpi': expected a whole number", L + 2),
    ("mask", M + "mask: diagonal", {}, "'mask'", L + 2),
    ("highlight", M + "highlight: maximum", {}, "did you mean 'max'?", L + 2),
    ("annotate", M + "annotate: sometimes", {}, "'annotate'", L + 2),
    ("theme", M + "theme: sepia", {}, "'theme'", L + 2),
    ("norm", M + "norm: cubic", {}, "'norm'", L + 2),
    ("format", M + "format: pdf", {}, "'format'", L + 2),
    ("width-injection", M + "width: '1px; background: red'", {}, "CSS length", L + 2),
    ("id-markup", M + "id: '\"><script>'", {}, "not a valid name", L + 2),
    ("empty-rows", "data: m.csv\nrows: []", CSV, "'rows' is empty", L + 2),
    ("ragged-inline", "matrix: [[1, 2], [3]]", {}, "row 2 has 1 values", L + 1),
    ("inline-text-cell", "matrix: [[1, two]]", {}, "row 1, column 2", L + 1),
    ("vmin-gt-vmax", M + "vmin: 2\nvmax: 1", {}, "must be less than", L + 2),
    ("center-log", M + "center: 0\nnorm: log", {}, "works with the linear norm", L + 2),
    ("bad-fmt", M + "fmt: .2q", {}, "not a Python format spec", L + 2),
    # -- files
    ("missing-file", "title: t\ndata: nope.csv", {}, "nope.csv", L + 2),
    ("directory", "data: sub", {"docs/sub/x.csv": "a\n1\n"}, "is a folder", L + 1),
    ("empty-file", "data: e.csv", {"docs/e.csv": ""}, "e.csv is empty", L + 1),
    ("binary", "data: g.csv", {"docs/g.csv": b"\x00\xff\xfe\x00junk"}, "not UTF-8", L + 1),
    ("extension", "data: m.txt", {"docs/m.txt": "a\n1\n"}, "cannot tell the format", L + 1),
    ("ragged-csv", "data: r.csv", {"docs/r.csv": ",a,b\nx,1\n"}, "line 2 has 2 cells", L + 1),
    (
        "unreadable-data",
        "data: bad.csv",
        {"docs/bad.csv": ",a\nr,abc\n"},
        "'abc' is not a number",
        L + 1,
    ),
    ("all-missing", "data: n.csv", {"docs/n.csv": ",a\nx,\ny,nan\n"}, "every cell", L + 1),
    ("infinity", "data: i.csv", {"docs/i.csv": ",a\nx,inf\n"}, "column 'a' is inf", L + 1),
    ("pickle-npy", "data: o.npy", {"docs/o.npy": _object_npy()}, "refused", L + 1),
    ("npz-key", "data: z.npz\nkey: nope", {}, "z.npz has no array 'nope'", L + 2),
    ("json-key", "data: j.json\nkey: nope", {"docs/j.json": '{"a": [[1]]}'}, "'nope'", L + 2),
    # -- labels and selection
    ("x-labels-count", M + "x_labels: [a]", {}, "'x_labels' has 1 labels", L + 2),
    ("rows-missing", "data: m.csv\nrows: [zz]", CSV, "'zz' is not a row label", L + 2),
    ("columns-typo", "data: m.csv\ncolumns: [A]", CSV, "'A'", L + 2),
    (
        "duplicate-columns",
        "data: d.csv\ncolumns: [a]",
        {"docs/d.csv": ",a,a\nx,1,2\n"},
        "labels 2 columns",
        L + 2,
    ),
    (
        "pivot-column",
        "data: t.csv\npivot: {x: tokn, y: layer, value: auc}",
        {"docs/t.csv": "token,layer,auc\na,0,0.5\n"},
        "did you mean 'token'?",
        L + 2,
    ),
    # -- colors and drawing
    ("log-non-positive", M.replace("1,", "0,") + "norm: log", {}, "needs positive values", L + 2),
    ("unknown-cmap", M + "cmap: Bleus", {}, "did you mean 'Blues'?", L + 2),
    ("bad-color", M + "nan_color: notacolor", {}, "is not a color", L + 2),
    ("unquoted-hex", M + "nan_color: #d9d9d9", {}, "put it in quotes", L + 2),
    ("fmt-on-fraction", "matrix: [[0.5]]\nannotate: true\nfmt: d", {}, "cannot format", L + 3),
    ("mathtext", M + "title: '$\\frac{$'", {}, "does not parse", L + 2),
    ("control-character", M + 'title: "bell \\a"', {}, "'title': holds the control", L + 2),
    (
        "missing-glyph",
        M + 'title: "private \\ue000"',
        {},
        "'title': no installed font has a glyph for '\\ue000'",
        L + 2,
    ),
    ("mask-shape", M + "mask: [[true]]", {}, "'mask' is 1x1", L + 2),
    ("style-name", M + "style: fancy", {}, "unknown style 'fancy'", L + 2),
    ("style-rc", M + "style: {font.size: huge}", {}, "font.size", L + 2),
    ("style-file", M + "style: nope.mplstyle", {}, "not found", L + 2),
    (
        "style-outside",
        M + "style: ../outside.mplstyle",
        {"../outside.mplstyle": "secret_token: 1\n"},
        "resolves outside the project",
        L + 2,
    ),
    # -- research extras
    ("subtract-missing", "data: m.csv\nsubtract: gone.csv", CSV, "'subtract': data file", L + 2),
    (
        "subtract-labels",
        "data: m.csv\nsubtract: n.csv",
        {**CSV, "docs/n.csv": ",a,c\nx,1,2\ny,3,4\n"},
        "the column labels differ",
        L + 2,
    ),
    ("subtract-key", M + "subtract: {dta: m.csv}", {}, "did you mean 'data'?", L + 2),
    ("numbered", M + "numbered: sometimes", {}, "'numbered': expected true or false", L + 2),
    ("cluster", M + "cluster: diagonal", {}, "'cluster': expected one of rows", L + 2),
    ("dendrogram-alone", M + "dendrogram: true", {}, "draws the tree of 'cluster'", L + 2),
    ("normalize", M + "normalize: row", {}, "'normalize': expected one of rows", L + 2),
    ("normalize-negative", "matrix: [[1, -2]]\nnormalize: rows", {}, "must be >= 0", L + 2),
    ("trim-mask-alone", M + "trim_mask: true", {}, "needs mask: upper or mask: lower", L + 2),
    (
        "trim-mask-all-hidden",
        "matrix: [[1, 2]]\nmask: upper\ntrim_mask: true",
        {},
        "hides every cell of this 1 x 2 matrix",
        L + 3,
    ),
    (
        "json-labels-count",
        "title: t\ndata: c.json",
        {"docs/c.json": '{"labels": ["a", "b", "c"], "matrix": [[1, 2], [3, 4]]}'},
        "c.json: 'labels' has 3 labels for the rows and the columns, but the matrix is 2 x 2",
        L + 2,
    ),
    ("labels-yes-no", M + "x_labels: [yes, no]", {}, "write x_labels: ['yes', 'no']", L + 2),
    (
        "ward-metric",
        M + "cluster: rows\ncluster_method: ward\ncluster_metric: cosine",
        {},
        "needs 'cluster_metric: euclidean'",
        L + 4,
    ),
    ("panels-empty", "title: t\npanels: []", {}, "'panels' must be a list", L + 2),
    (
        "panel-bad-key",
        "title: t\npanels:\n  - {matrix: [[1]], cmapp: x}",
        {},
        "panel 1: unknown key 'cmapp'",
        L + 2,
    ),
    ("panel-missing-file", "panels:\n  - {data: gone.csv}", {}, "panel 1: data file", L + 1),
    ("facet-no-pivot", "data: m.csv\nfacet: model", CSV, "needs 'data' and 'pivot'", L + 2),
    (
        "facet-column",
        "data: t.csv\npivot: {x: token, y: layer, value: auc}\nfacet: datset",
        {"docs/t.csv": "dataset,token,layer,auc\nA,a,0,0.5\n"},
        "did you mean 'dataset'?",
        L + 3,
    ),
    # -- paths
    (
        "outside-project",
        "data: ../../outside.csv",
        {"../outside.csv": "a,b\n1,2\n"},
        "outside the project",
        L + 1,
    ),
    ("absolute", "data: /etc/passwd", {}, "a leading '/' means the project root", L + 1),
    ("symlink-out", "data: link.csv", {}, "outside the project", L + 1),
]

# Hardening: inputs an adversarial probe found crashing, exhausting memory or
# time, or leaking; each is a row of CASES too (and runs through check, render,
# the API and the Markdown extension in their tests).
_50_ALIASES = "a0: &a0 [x, x]\n" + "".join(
    f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]\n" for i in range(1, 10)
)
_DEEP = "[" * 950 + "1" + "]" * 950
_WIDE_CSV = "\n".join(",".join(str(j % 7) for j in range(5000)) for _ in range(2)) + "\n"
_HOVER_CSV = "\n".join(",".join(str(j % 7) for j in range(40_000)) for _ in range(4)) + "\n"
_FACETS = "model,x,y,v\n" + "".join(f"m{i},a,b,1\n" for i in range(8000))
HARDENING: list[tuple[str, str, dict[str, str | bytes], str, int]] = [
    ("extreme-csv", "data: x.csv", {"docs/x.csv": ",a,b\nr,1.7e308,1\n"}, "too large", L + 1),
    ("extreme-log", "matrix: [[1.0e+250, 1.0]]\nnorm: log", {}, "too large to draw", L + 1),
    ("extreme-symlog", "matrix: [[1.7e+308, -1.7e+308]]\nnorm: symlog", {}, "too large", L + 1),
    ("fmt-c", "matrix: [[1, -2]]\nannotate: true\nfmt: c", {}, "such as -2", L + 3),
    ("fmt-wide", M + "fmt: '2000000'", {}, "writes 3 as 2,000,000 characters", L + 2),
    (
        "png-huge",
        M + "figsize: [30, 30]\ndpi: 600\nformat: png",
        {},
        "over the limit of 40 megapixels",
        L + 3,
    ),
    (
        "png-huge-auto",
        "data: big.csv\ndpi: 600\nformat: png",
        {"docs/big.csv": "\n".join(",".join(["1"] * 60) for _ in range(60)) + "\n"},
        "megapixels; lower 'dpi'",
        L + 2,
    ),
    ("bigint-matrix", "matrix: [[1" + "0" * 400 + ", 1]]", {}, "cells must be finite", L + 1),
    ("bigint-vmin", M + "vmin: 1" + "0" * 400, {}, "'vmin': expected a finite", L + 2),
    (
        "deep-json-labels",
        "data: d.json",
        {"docs/d.json": '{"values": [[1, 2]], "x_labels": [' + _DEEP[930:-930] + ', "b"]}'},
        "nests lists more than 4 deep",
        L + 1,
    ),
    (
        "deeper-json-labels",  # JSON's own limit, or ours: either names the file
        "data: d.json",
        {"docs/d.json": '{"values": [[1, 2]], "x_labels": [' + _DEEP + ', "b"]}'},
        "d.json",
        L + 1,
    ),
    # Named where the expansion passes the bound: the anchor a5, on its line.
    (
        "alias-highlight",
        M + _50_ALIASES + "highlight: *a9",
        {},
        "'a5': the block is too large",
        L + 7,
    ),
    ("alias-style", M + _50_ALIASES + "style: {font.family: *a9}", {}, "aliases expand", L + 7),
    (
        "alias-yaml-data",
        "data: d.yaml",
        {"docs/d.yaml": _50_ALIASES + "values: [[1, 2]]\nx_labels: *a9\n"},
        "too large as YAML",
        L + 1,
    ),
    ("annotate-many", "data: w.csv\nannotate: true", {"docs/w.csv": _WIDE_CSV}, "2,500", L + 2),
    (
        "hover-heavy",
        "data: h.csv\nhover: true",
        {"docs/h.csv": _HOVER_CSV},
        "'hover': the values of 120,000 cells would add 480 kB",
        L + 2,
    ),
    ("cluster-wide", "data: w.csv\ncluster: columns", {"docs/w.csv": _WIDE_CSV}, "1,000", L + 2),
    (
        "facet-many",
        "data: f.csv\npivot: {x: x, y: y, value: v}\nfacet: model",
        {"docs/f.csv": _FACETS},
        "'facet' makes 8,000 panels",
        L + 3,
    ),
    (
        "style-file-huge",
        M + "style: big.mplstyle",
        {"big.mplstyle": "# padding\n" * 120_000},
        "over the limit of 1.0 MB",
        L + 2,
    ),
    (
        "font-file-outside",
        M + "style: {mathtext.fontset: custom, mathtext.it: 'sans:file=../../etc/hostname'}",
        {},
        "resolves outside the project",
        L + 2,
    ),
    ("log-injection", M + 'cmap: "Blues\\nINFO    -  Done"', {}, "'Blues\\nINFO", L + 2),
    ("nul-caption", M + 'caption: "see \\0 here"\ndownload: true', {}, "U+0000", L + 2),
    ("nul-alt", M + 'alt: "x\\0y"', {}, "control character U+0000", L + 2),
    (
        "git-config",
        "data: /.git/config\ndata_format: csv\npivot: {x: a, y: b, value: c, agg: count}\n"
        "table: true",
        {".git/config": "[remote]\nurl = https://user:secret@example.com\n"},
        "hidden file or folder '.git'",
        L + 1,
    ),
    ("dot-env", "data: /.env\ndata_format: csv", {".env": "TOKEN,x\n1,2\n"}, "'.env'", L + 1),
]
CASES += HARDENING

# Rows that need plugin options: (id, options, block body, files, fragment, line).
OPTION_CASES: list[tuple[str, dict[str, int], str, dict[str, str | bytes], str, int]] = [
    ("file-size", {"max_file_size": 10}, "data: m.csv", CSV, "over the limit of 10 bytes", L + 1),
    ("cells", {"max_cells": 3}, "data: m.csv", CSV, "over the limit", L + 1),
    (
        "cells-across-panels",
        {"max_cells": 6},
        "panels:\n  - {matrix: [[1, 2], [3, 4]]}\n  - {matrix: [[1, 2], [3, 4]]}",
        {},
        "panel 2: the inline matrix has 2 x 2 = 4 cells, over the limit of 2 (max_cells, 6, "
        "counts every panel; the ones before use 4)",
        L + 1,
    ),
    (
        "label-length",
        {"max_label_length": 3},
        M + "title: t\nx_labels: [long, b]",
        {},
        "at most 3",
        L + 3,
    ),
]


def page(body: str) -> str:
    return f"{PAGE_HEAD}# Errors\n```heatmap\n{body}\n```\n\nText after the block.\n"


def write_case(site: Site, body: str, files: dict[str, str | bytes]) -> None:
    """The page and files of one row (shared with the CLI's check tests)."""
    write_files(site, body, files)
    site.page("index.md", page(body))
    site.page("other.md", "# Fine\n\n```heatmap\nmatrix: [[1, 2]]\n```\n")


def write_files(
    site: Site, body: str, files: dict[str, str | bytes], *, docs: str = "docs"
) -> None:
    """The files of one row, without its page.  ``docs`` is the folder that
    stands for the rows' ``docs/``: "" for the hosts without pages (the API,
    ``render``), whose project root is also where data is looked up."""
    folder = site.root / docs
    for rel, content in files.items():
        if rel.startswith("docs/"):
            rel = str(Path(docs, rel[len("docs/") :]))
        site.write(rel, content)
    folder.mkdir(parents=True, exist_ok=True)
    if "link.csv" in body:
        site.write("../secret.csv", "a\n1\n")
        os.symlink(site.root.parent / "secret.csv", folder / "link.csv")
    if "z.npz" in body:
        buffer = io.BytesIO()
        np.savez(buffer, values=np.ones((2, 2)))
        site.write(str(Path(docs, "z.npz")), buffer.getvalue())


# Hardening, round 3 (data): files in a wide encoding, numbers no float
# holds and keys written twice in data files, hover data whose labels are
# what weighs.
_TABLE = ",a,b\nx,1,2\ny,3,4\n"
_LONG_LABELS = [f"{n:05}" + "x" * 95 for n in range(3000)]
_LONG_ROW = ",".join(str(n % 7) for n in range(3000))
_LONG_CSV = f",{','.join(_LONG_LABELS)}\na,{_LONG_ROW}\nb,{_LONG_ROW}\n"
HARDENING_3_DATA: list[tuple[str, str, dict[str, str | bytes], str, int]] = [
    (
        "utf16-no-bom",
        "data: u.csv",
        {"docs/u.csv": _TABLE.encode("utf-16-le")},
        "u.csv is UTF-16 text without a byte-order mark; save it as UTF-8",
        L + 1,
    ),
    (
        "utf32",
        "data: u.csv",
        {"docs/u.csv": _TABLE.encode("utf-32")},
        "u.csv is UTF-32 text; save it as UTF-8",
        L + 1,
    ),
    (
        "json-huge-int",
        "data: n.json",
        {"docs/n.json": '{"values": [[1, 2],\n [3, 1' + "0" * 400 + "]]}"},
        "n.json: the number 100000000000… (401 characters) on line 2, column 6 is too large",
        L + 1,
    ),
    (
        "json-duplicate-key",
        "data: k.json",
        {"docs/k.json": '{"values": [[1, 2]], "x_labels": ["a", "b"], "values": [[3, 4]]}'},
        "k.json: key 'values' appears twice in one object",
        L + 1,
    ),
    (
        "yaml-data-duplicate-key",
        "data: k.yaml",
        {"docs/k.yaml": "values: [[1, 2]]\nx_labels: [a, b]\nvalues: [[3, 4]]\n"},
        "k.yaml: key 'values' appears twice in one mapping (lines 1 and 3)",
        L + 1,
    ),
    (
        "hover-long-labels",
        "data: l.csv\nhover: true",
        {"docs/l.csv": _LONG_CSV},
        "'hover': the row and column labels and titles would add 310 kB to the page",
        L + 2,
    ),
]
CASES += HARDENING_3_DATA

# Hardening, round 3 (spec side): every text and every per-figure output has
# a limit, checked before the work it bounds.
HARDENING_3_SPEC: list[tuple[str, str, dict[str, str | bytes], str, int]] = [
    (
        "title-too-long",
        M + "title: " + "t" * 501,
        {},
        "'title' is too long: 501 characters, at most 500",
        L + 2,
    ),
    (
        "title-huge",  # refused from its line's length, before YAML reads it
        M + "xlabel: x\ntitle: " + "t" * 6_000,
        {},
        "'title' is too long: 6,000 characters as written, at most 500",
        L + 3,
    ),
    (
        "block-too-large",  # a data set written into the page: refused before YAML reads it
        M + "caption: |\n" + "  a caption line of some forty characters\n" * 25_000,
        {},
        "put the values in a data file and point at it with `data: FILE`",
        L + 1,
    ),
    (
        "colorbar-label-too-long",
        M + "colorbar: {label: " + "l" * 501 + "}",
        {},
        "'colorbar': 'label' is too long: 501 characters, at most 500",
        L + 2,
    ),
    (
        "caption-too-long",
        M + "caption: " + "c" * 5_001,
        {},
        "'caption' is too long: 5,001 characters, at most 5,000",
        L + 2,
    ),
    ("key-too-long", M + "k" * 200 + ": 1", {}, "(200 characters long)", L + 2),
    ("fmt-fraction", M + "fmt: .50g", {}, "writes 1/3 as 52 characters", L + 2),
    (
        "fmt-extremes",
        "matrix: [[1, -3.0e+196]]\nfmt: ',.0f'\nannotate: false",
        {},
        "'fmt' ',.0f' writes the smallest value -3e+196 (row '0', column '1') as 263 characters",
        L + 2,
    ),
    (
        "colorbar-format-extremes",
        "matrix: [[1, 2]]\nvmax: 1.0e+100\ncolorbar: {format: ',.0f'}",
        {},
        "'colorbar': format ',.0f' writes the colorbar's top, 1e+100, as 134 characters",
        L + 3,
    ),
    (
        "style-name-too-long",
        M + "style: " + "s" * 5_000,
        {},
        "is too long: 5,000 characters, at most 1,000",
        L + 2,
    ),
    (
        "style-folder",
        M + "style: s.mplstyle",
        {"s.mplstyle/x.txt": "x\n"},
        "style file 's.mplstyle' is a folder, not a .mplstyle file",
        L + 2,
    ),
]
CASES += HARDENING_3_SPEC


# Attention maps (issue 23): strict triangles, masks from files, arrays of
# more than two axes (`slice`, `facet_axis`, `panel_titles`).
def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _csv(values: object, labels: list[str] | None = None, columns: list[str] | None = None) -> str:
    import pandas as pd

    return pd.DataFrame(values, index=labels, columns=columns).to_csv()


_CUBE = {"docs/c.npy": _npy(np.arange(3 * 4 * 4, dtype=float).reshape(3, 4, 4))}
_LABELLED = {"docs/m.csv": _csv([[1, 2], [3, 4]], ["x", "y"], ["a", "b"])}
ATTENTION: list[tuple[str, str, dict[str, str | bytes], str, int]] = [
    ("array-3d", "data: c.npy", _CUBE, "only 1-D and 2-D arrays can be drawn (pick", L + 1),
    (
        "slice-outside",
        "data: c.npy\nslice: [5]",
        _CUBE,
        "'slice': position 5 is outside axis 0 of c.npy, which has 3",
        L + 2,
    ),
    (
        "slice-count",
        "data: c.npy\nslice: [0, 1]",
        _CUBE,
        "'slice' has 2 positions, but c.npy is a 3-D array (3 x 4 x 4): give 1",
        L + 2,
    ),
    ("slice-word", "data: c.npy\nslice: [first]", _CUBE, "'slice': entry 1 is the text", L + 2),
    (
        "slice-csv",
        "data: m.csv\nslice: [0]",
        _LABELLED,
        "'slice' picks from an array of more than two axes (a .npy or .npz file); m.csv",
        L + 2,
    ),
    ("slice-inline", M + "slice: [0]", {}, "but this block has an inline 'matrix'", L + 2),
    (
        "facet-axis-outside",
        "data: c.npy\nfacet_axis: 3",
        _CUBE,
        "'facet_axis': c.npy has no axis 3 to split: its axes are 0 to 2",
        L + 2,
    ),
    (
        "facet-axis-many",
        "data: c.npy\nfacet_axis: 1",
        {"docs/c.npy": _npy(np.zeros((2, 30, 3)))},
        "'facet_axis' makes 30 panels; at most 24",
        L + 2,
    ),
    (
        "facet-axis-panels",
        "facet_axis: 0\npanels:\n  - matrix: [[1]]",
        {},
        "give either 'panels' or 'facet_axis', not both",
        L + 1,
    ),
    (
        "panel-titles-count",
        "data: c.npy\nfacet_axis: 0\npanel_titles: [a, b]",
        _CUBE,
        "'panel_titles' has 2 titles, but 'facet_axis' makes 3 panels",
        L + 3,
    ),
    (
        "facet-axis-cluster",
        "data: c.npy\nfacet_axis: 0\ncluster: rows",
        _CUBE,
        "'cluster' works on one matrix, not on the panels of 'facet_axis'",
        L + 3,
    ),
    (
        "panel-titles-alone",
        M + "panel_titles: [a, b]",
        {},
        "'panel_titles' names the panels of 'facet_axis'",
        L + 2,
    ),
    ("mask-strict-typo", M + "mask: upper_strct", {}, "(did you mean 'upper_strict'?)", L + 2),
    (
        "mask-strict-trim",
        M + "mask: upper_strict\ntrim_mask: true",
        {},
        "mask: upper_strict keeps the diagonal, so no row or column is empty",
        L + 3,
    ),
    (
        "mask-file-shape",
        M + "title: t\nmask: k.csv",
        {"docs/k.csv": _csv(np.eye(3, dtype=bool))},
        "'mask': k.csv is 3 x 3, but the plotted matrix is 2 x 2",
        L + 3,
    ),
    (
        "mask-file-labels",
        "data: m.csv\nmask: k.csv",
        {**_LABELLED, "docs/k.csv": _csv(np.eye(2, dtype=bool), ["x", "z"], ["a", "b"])},
        "'mask': k.csv has no row 'y' of the plotted matrix",
        L + 2,
    ),
    (
        "mask-file-values",
        M + "mask: k.csv",
        {"docs/k.csv": _csv([[0, 2], [1, 0]])},
        "'mask': k.csv: row '0', column '1' is 2; a mask holds only true/false or 0/1",
        L + 2,
    ),
    (
        "mask-file-missing-cell",
        M + "mask: k.csv",
        {"docs/k.csv": _csv([[0, None], [1, 0]])},
        "column '1' is missing; a mask holds only true/false or 0/1",
        L + 2,
    ),
    ("mask-file-absent", M + "mask: nope.csv", {}, "'mask': data file 'nope.csv' not found", L + 2),
    (
        "mask-source-key",
        M + "mask: {data: k.csv, heder: false}",
        {},
        "unknown key 'heder' (did you mean 'header'?)",
        L + 2,
    ),
]
CASES += ATTENTION


# Annotated statistics (issue 23): `cell_text`, the texts of the cells from a
# second source, written by pandas as a user's would be.
CELL_TEXT: list[tuple[str, str, dict[str, str | bytes], str, int]] = [
    (
        "cell-text-labels",
        "data: m.csv\ncell_text: t.csv",
        {**CSV, "docs/t.csv": _csv([["a", "b"], ["c", "d"]], ["x", "z"], ["a", "b"])},
        "'cell_text': t.csv has no row 'y' of the plotted matrix",
        L + 2,
    ),
    (
        "cell-text-shape",
        M + "title: t\ncell_text: [[a, b, c]]",
        {},
        "'cell_text': the inline texts has 1 x 3 texts, but the matrix is 2 x 2",
        L + 3,
    ),
    (
        "cell-text-yaml-bool",
        M + "cell_text: [[yes, no], [a, b]]",
        {},
        "'cell_text': row 1, column 1 is true, which YAML read from an unquoted word",
        L + 2,
    ),
    ("cell-text-type", M + "cell_text: 3", {}, "'cell_text': expected a data file path", L + 2),
    (
        "cell-text-absent",
        M + "cell_text: nope.csv",
        {},
        "'cell_text': data file 'nope.csv' not found",
        L + 2,
    ),
    (
        "cell-text-facet",
        "data: p.npy\nfacet_axis: 0\ncell_text: [[a]]",
        {"docs/p.npy": _npy(np.zeros((2, 2, 2)))},
        "'cell_text' holds the texts of one matrix, and 'facet_axis' makes several",
        L + 3,
    ),
    (
        "cell-text-too-long",
        M + "cell_text: [[" + "x" * 101 + ", b], [c, d]]",
        {},
        "'cell_text': row 1, column 1 is 101 characters long",
        L + 2,
    ),
]
CASES += CELL_TEXT
# Group strips: labels the mapping lacks, a table without the column, more
# groups than colors, a value of the wrong kind.
_WIDE = "matrix: [[" + ", ".join(str(n) for n in range(21)) + "]]\n"
GROUPS: list[tuple[str, str, dict[str, str | bytes], str, int]] = [
    (
        "groups-unknown-labels",
        "data: m.csv\ntitle: t\nrow_groups: {x: A, q: B}",
        _LABELLED,
        "'row_groups' has no group for the row 'y' of the map",
        L + 3,
    ),
    (
        "groups-file-no-column",
        "data: m.csv\ncol_groups: {data: s.csv, column: tissue}",
        {**_LABELLED, "docs/s.csv": "sample,batch\na,1\nb,2\n"},
        "'col_groups': s.csv has no column 'tissue' (its columns: 'batch')",
        L + 2,
    ),
    (
        "groups-too-many",
        _WIDE + "col_groups: {" + ", ".join(f"{n}: g{n}" for n in range(21)) + "}",
        {},
        "'col_groups' makes 21 groups on this map; at most 20 colors",
        L + 2,
    ),
    (
        "groups-list",
        M + "row_groups: [a, b]",
        {},
        "'row_groups': expected a mapping of label to group, or {data: FILE, column: NAME}, "
        "got a list",
        L + 2,
    ),
    (
        "groups-file-absent",
        M + "title: t\nrow_groups: {data: nope.csv, column: x}",
        {},
        "'row_groups': data file 'nope.csv' not found",
        L + 3,
    ),
    ("group-lines-alone", M + "group_lines: true", {}, "'group_lines' separates the groups", L + 2),
]
CASES += GROUPS
