"""The Pandoc host: ``pandoc --filter mkdocs-heatmap-pandoc``.

A JSON filter: Pandoc writes the document's AST to stdin, names the output
format as the first argument and reads the AST back from stdout.  Every code
block with the class ``heatmap`` (```` ```heatmap ````, ```` ```{.heatmap
#fig-auc} ````) becomes a figure through the same core as every other host
(``site.Site``), in the form the output format can show:

* HTML (and reveal.js and the other HTML slides): the ``<figure>`` the MkDocs
  plugin writes (``emit.figure_html``), with its light and dark variants,
  2x PNG, hover, CSV download and data table;
* LaTeX and Beamer (also ``pandoc -o paper.pdf``): a vector PDF in a real
  ``figure`` with ``\\caption`` and ``\\label``; LaTeX numbers it;
* DOCX, ODT, PPTX, RTF: a PNG at twice the block's resolution;
* EPUB and every other format that shows images: the block's SVG or PNG;
* plain text and man pages: the alt text and the caption.

Pandoc tells a filter only the output format, its version and the reader's
options: not the input file, the output file or ``--extract-media``.  So

* the project root is the working directory (where Pandoc resolves image
  paths too): ``data`` paths are relative to it, data files must lie inside
  it (or ``heatmap-data-dir``), the cache is ``.cache/heatmap`` there;
* HTML embeds its images as ``data:`` URIs (self-contained wherever it is
  written); other formats need files, written into ``heatmap-output-dir``
  (default ``heatmaps``, relative to the working directory) and linked by
  that relative path, as Pandoc reads images (HTML too when it is set);
* messages name the input file and line where they can be found: from
  ``data-pos`` (``-f commonmark_x+sourcepos``), else, on Linux, from the
  command line of the Pandoc process that runs the filter, by finding the
  block's text in the files it names; else ``input block N:LINE`` (LINE
  within the block).

Settings are metadata fields ``heatmap-<option>`` (the plugin's option names,
``_`` written ``-``); the ``heatmap:`` mapping holds block defaults for the
document, as front matter does under MkDocs.  Problems are printed on stderr
as ``FILE:LINE: heatmap: message``, an error box takes the block's place, and
``heatmap-strict: true`` makes the filter (and so Pandoc) fail when there
was any.
"""

from __future__ import annotations

import json
import os
import re
import sys
import textwrap
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .errors import ConfigError, HeatmapError, Problem, internal_error
from .formats import data_uri
from .model import LANGUAGE
from .options import PANDOC, front_matter_line, page_defaults, read_options
from .references import LABEL, id_line

if TYPE_CHECKING:
    from .emit import FigureDoc
    from .model import Image, Settings
    from .notes import Note
    from .pipeline import Prepared
    from .site import Figure, Site

PROG = "mkdocs-heatmap-pandoc"
DEFAULT_OUTPUT_DIR = "heatmaps"
META_PREFIX = f"{LANGUAGE}-"
MIN_API = (1, 23)  # Pandoc 3.0: the Figure block

# What each output format gets (the writer's name, without extensions).
HTML_FORMATS = frozenset(
    {"html", "html4", "html5", "chunkedhtml", "revealjs", "s5", "slidy", "slideous", "dzslides"}
)
PDF_FORMATS = frozenset({"latex", "beamer", "context", "ms"})
PNG_FORMATS = frozenset({"docx", "odt", "opendocument", "pptx", "rtf", "icml", "texinfo"})
TEXT_FORMATS = frozenset({"plain", "man"})
# Formats whose figures the typesetter numbers itself (Beamer shows no
# numbers): a reference is the typesetter's own, in its syntax.
SELF_NUMBERED = {
    "latex": "{label}~\\ref{{{id}}}",
    "context": "\\in{{{label}}}[{id}]",
    "typst": "@{id}",
}
# A panel's reference there: the figure's number, then the panel's letter
# (Typst's `@id` would read the letter as part of the label).
LETTERED = {**SELF_NUMBERED, "typst": "#ref(<{id}>)"}

Json = Any  # a node of Pandoc's JSON AST


def main(argv: Sequence[str] | None = None) -> int:
    """The filter: the AST on stdin, the output format as the first argument."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-h", "--help"):
        print(f"usage: pandoc --filter {PROG} ...\n\n{__doc__}")
        return 0
    fmt = args[0] if args else "html"
    try:
        document = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        print(f"{PROG}: expected Pandoc's JSON AST on stdin ({exc})", file=sys.stderr)
        return 1
    status = filter_document(document, fmt, root=Path.cwd(), err=sys.stderr)
    if status == 0:
        sys.stdout.buffer.write(json.dumps(document, ensure_ascii=False).encode("utf-8"))
    return status


# --------------------------------------------------------------------------
# One document.


@dataclass
class _Block:
    holder: list[Json]  # the list of blocks the code block is in
    index: int
    body: str
    ident: str
    classes: list[str]
    number: int  # 1-based, among the document's heatmap blocks
    file: str | None = None  # as the input was named, when known
    line: int | None = None  # of the opening fence in that file

    def location(self, block_line: int | None) -> tuple[str, int | None]:
        """Where a problem at ``block_line`` (0-based, in the body) is shown."""
        if self.file is not None and self.line is not None:
            return self.file, self.line + (0 if block_line is None else 1 + block_line)
        shown = f"{self.file or 'input'} block {self.number}"
        return shown, None if block_line is None else block_line + 1


@dataclass
class _Run:
    fmt: str
    root: Path
    err: IO[str]
    strict: bool = False
    fail_fast: bool = False
    output_dir: str = DEFAULT_OUTPUT_DIR  # relative to root
    embed: bool = False  # HTML without heatmap-output-dir: data: URIs, no files
    label: str = LABEL  # the word before a figure's number (heatmap-figure-label)
    problems: list[Problem] = field(default_factory=list)

    def report(self, where: str, line: int | None, message: str) -> Problem:
        problem = Problem(where, line, message)
        self.problems.append(problem)
        print(str(problem), file=self.err)
        if self.fail_fast:
            raise _Stop
        return problem

    def info(self, where: str, line: int | None, message: str) -> None:
        print(str(Problem(where, line, message)), file=self.err)

    def place(self, name: str, content: bytes) -> str:
        """The URL of a file of the figure: written into the output folder
        (readable as any file the user writes), or a ``data:`` URI."""
        if self.embed:
            return data_uri(name, content)
        from .files import publish

        publish(self.root / self.output_dir, name, content)
        return urllib.parse.quote(f"{self.output_dir.strip('/')}/{name.lstrip('/')}")


class _Stop(Exception):
    """``heatmap-on-error: fail``: the first problem ends the run."""


def filter_document(document: Json, fmt: str, *, root: Path, err: IO[str]) -> int:
    """Replace the heatmap blocks of ``document`` (in place) with figures for
    output format ``fmt``; the exit status: 1 when the run must fail."""
    fmt = re.split(r"[+-]", fmt, maxsplit=1)[0].lower() or "html"
    version = tuple(document.get("pandoc-api-version", (0,))[:2])
    if version < MIN_API:
        print(f"{PROG}: needs Pandoc 3.0 or newer (its AST has figures)", file=err)
        return 1
    meta = {key: meta_value(value) for key, value in document.get("meta", {}).items()}
    try:
        options, strict, own_folder = read_metadata(meta)
    except ConfigError as exc:
        print(f"{PROG}: {exc.message}", file=err)
        return 1
    if not options["enabled"]:
        return 0
    run = _Run(
        fmt,
        root.resolve(),
        err,
        strict=strict,
        fail_fast=options["on_error"] == "fail",
        output_dir=options["output_dir"],
        embed=fmt in HTML_FORMATS and not own_folder,
    )
    blocks = find_blocks(document["blocks"])
    try:
        if blocks:
            _figures(run, document, blocks, options, meta)
    except _Stop:
        return 1
    except ConfigError as exc:
        print(f"{PROG}: {exc.message}", file=err)
        return 1
    return 1 if run.strict and run.problems else 0


def read_metadata(meta: Mapping[str, Any]) -> tuple[dict[str, Any], bool, bool]:
    """The site options from the ``heatmap-<option>`` fields, whether the
    run is strict, and whether ``heatmap-output-dir`` is set; ``ConfigError``
    naming the field for a bad one."""
    raw: dict[str, Any] = {}
    for key, value in meta.items():
        if key.startswith(META_PREFIX):
            raw[key[len(META_PREFIX) :].replace("-", "_")] = value
    strict = raw.pop("strict", False)
    if not isinstance(strict, bool):
        raise ConfigError(f"metadata 'heatmap-strict': expected true or false, got {strict!r}")
    own_folder = "output_dir" in raw
    raw.setdefault("output_dir", DEFAULT_OUTPUT_DIR)
    options = read_options(raw, PANDOC, "metadata", _field_name)
    return options, strict, own_folder


def _field_name(option: str) -> str:
    return META_PREFIX + option.replace("_", "-")


def _figures(
    run: _Run, document: Json, blocks: list[_Block], options: Mapping[str, Any], meta: Json
) -> None:
    from .site import Site

    sources = locate(blocks, input_files(blocks))
    defaults, problem = page_defaults({LANGUAGE: meta.get(LANGUAGE)}, "")
    if problem is not None:
        where, line = "input metadata", None
        if sources:
            where, line = sources[0][0], front_matter_line(sources[0][1])
        run.report(where, line, problem[1])
    try:
        site = Site.open(options, project_root=run.root, docs_dir=run.root, output_dir="")
    except ConfigError as exc:
        raise ConfigError(f"metadata 'heatmap-style': {exc.message}") from None
    settings = site.settings.for_page(None)
    run.label = settings.figure_label
    wanted = [(block, _block_defaults(defaults, block)) for block in blocks]
    if run.fmt in PDF_FORMATS or run.fmt in PNG_FORMATS or run.fmt in TEXT_FORMATS:
        made = _own_files(run, site, settings, wanted)
    else:
        made = _site_images(run, site, settings, wanted)
    targets: dict[str, _Target] = {}
    count = 0
    hover = False
    for block, figure in made:
        if isinstance(figure, _Failure):
            _fail(run, block, figure.message, figure.block_line)
            continue
        for note in figure.notes:
            _note(run, block, note)
        number = None
        if figure.numbered:
            count += 1
            number = count
        doc = figure.doc
        if block.ident:
            doc = replace(doc, id=block.ident)
        # LaTeX, ConTeXt and Typst number every figure with a caption
        # themselves (0: a number only the typesetter knows).
        typeset = run.fmt in SELF_NUMBERED and bool(doc.caption)
        shown = 0 if number is None and typeset else number
        ids = [(doc.id, "", False)] if doc.id else []
        ids += [(ident, letter, True) for ident, letter in doc.panels]
        if doc.panels and run.fmt not in HTML_FORMATS and not doc.id:
            # Outside HTML the figure is one element with one id, and a
            # panel's link needs somewhere to go: its first panel's id.
            doc = replace(doc, id=doc.panels[0][0])
        for ident, letter, panel in ids:
            if ident in targets:
                where, line = block.location(id_line(block.body, ident))
                run.report(where, line, f"id {ident!r} is used twice in this document")
                continue
            # Only the HTML figure has an element for each panel.
            home = ident if run.fmt in HTML_FORMATS else doc.id or ident
            targets[ident] = _Target(shown, letter, home, panel)
        try:
            node = figure.node(doc, None if run.fmt in SELF_NUMBERED else number)
        except HeatmapError as exc:  # a file it publishes cannot be written
            _fail(run, block, exc.message, exc.block_line)
            continue
        hover = hover or doc.hover is not None
        block.holder[block.index] = node
    fill_references(run, document, targets, sources)
    if run.fmt in HTML_FORMATS:
        _html_assets(document, blocks, hover)


@dataclass(frozen=True)
class _Target:
    """What a reference to an id reads and where it goes."""

    number: int | None  # None: not numbered; 0: numbered by the typesetter
    letter: str  # a panel's letter ("" for a figure, or without panel_labels)
    home: str  # the id of the element the link goes to
    panel: bool = False


@dataclass(frozen=True)
class _Made:
    """A block's figure, before it is numbered and put in place."""

    doc: FigureDoc
    numbered: bool
    notes: tuple[Note, ...]
    node: Callable[[FigureDoc, int | None], Json]  # (doc, number shown) -> its node


@dataclass(frozen=True)
class _Failure:
    """A block that cannot be drawn: reported in document order."""

    message: str
    block_line: int | None = None


def _failure(exc: Exception) -> _Failure:
    if isinstance(exc, HeatmapError):
        return _Failure(exc.message, exc.block_line)
    return _Failure(internal_error(exc))  # a bug of ours: reported at the block


Made = list[tuple["_Block", "_Made | _Failure"]]


def _site_images(
    run: _Run, site: Site, settings: Settings, wanted: list[tuple[_Block, dict[str, Any]]]
) -> Made:
    """The figures as every host draws them (HTML, EPUB, Markdown...): the
    misses drawn together first, then each through its memo."""
    site.ahead((block.body, settings, defaults) for block, defaults in wanted)
    made: Made = []
    for block, defaults in wanted:
        try:
            figure = site.figure(block.body, settings, defaults)
        except Exception as exc:
            made.append((block, _failure(exc)))
            continue
        memo = figure.memo

        def node(doc: FigureDoc, number: int | None, figure: Figure = figure) -> Json:
            return _site_figure(run, figure, doc, number)

        made.append((block, _Made(memo.doc, memo.numbered, memo.notes, node)))
    return made


def _own_files(
    run: _Run, site: Site, settings: Settings, wanted: list[tuple[_Block, dict[str, Any]]]
) -> Made:
    """The figures as one light file each, drawn for this format (together,
    through the cache, which Sphinx's LaTeX builds share): a vector PDF, a
    PNG at twice the block's resolution; plain text needs none."""
    from .cache import make_key
    from .emit import figure_doc
    from .pipeline import prepare_block

    fmt = "pdf" if run.fmt in PDF_FORMATS else "png"
    prepared: list[tuple[_Block, Prepared | _Failure, str]] = []
    for block, defaults in wanted:
        try:
            ready = prepare_block(block.body, settings, defaults)
        except Exception as exc:
            prepared.append((block, _failure(exc), ""))
            continue
        key = make_key("for-builder", ready.key, fmt, "light")  # site.single's
        if fmt == "png":
            key = make_key("pandoc", key, "2x")
        prepared.append((block, ready, key))
    jobs = {}
    for _, item, key in prepared:
        if isinstance(item, _Failure) or run.fmt in TEXT_FORMATS:
            continue
        if key not in jobs and site.at_hand(key) is None:
            jobs[key] = replace(item.job, variants=("light",), transparent=False, format=fmt)
    drawn = site.draw(jobs)
    made: Made = []
    for block, item, key in prepared:
        if isinstance(item, _Failure):
            made.append((block, item))
            continue
        ready = item
        spec = ready.spec
        numbered = bool(spec.numbered if spec.numbered is not None else settings.numbering)
        doc = figure_doc(ready.plot, ())
        if run.fmt in TEXT_FORMATS:
            text = partial(_text_figure, label=run.label)
            made.append((block, _Made(doc, numbered, ready.notes, text)))
            continue
        images = site.at_hand(key) or drawn.get(key)
        if isinstance(images, HeatmapError):
            made.append((block, _Failure(images.message, images.block_line)))
            continue
        assert images is not None
        image = images[-1]  # a PNG's 2x file comes last

        def node(doc: FigureDoc, number: int | None, image: Image = image) -> Json:
            from .emit import content_name

            url = run.place(content_name(image.content, image.format), image.content)
            size = None if image.format == "pdf" else (image.width, image.height)
            return _image_figure(doc, url, number, size, run.label)

        made.append((block, _Made(doc, numbered, ready.notes, node)))
    return made


def _block_defaults(defaults: Mapping[str, Any], block: _Block) -> dict[str, Any]:
    """The document's defaults, and what the code block's attributes say: its
    ``#id`` is the figure's id, its other classes the figure's."""
    merged = dict(defaults)
    if block.ident:
        merged["id"] = block.ident
    extra = [name for name in block.classes if name != LANGUAGE]
    if extra:
        merged["class"] = " ".join(extra)
    return merged


def _fail(run: _Run, block: _Block, message: str, block_line: int | None) -> None:
    where, line = block.location(block_line)
    problem = run.report(where, line, message)
    block.holder[block.index] = _error_node(run.fmt, problem, block.body)


def _note(run: _Run, block: _Block, note: Note) -> None:
    where, line = block.location(note.block_line)
    if note.level == "info":
        run.info(where, line, note.message)
    else:
        run.report(where, line, note.message)


# --------------------------------------------------------------------------
# Figures, per output format.


def _site_figure(run: _Run, figure: Figure, doc: FigureDoc, number: int | None) -> Json:
    """The figure with the site's own images: HTML gets the ``<figure>`` every
    Markdown host writes, other formats a Pandoc figure of the light image."""
    content = {output.path: output.content for output in figure.outputs()}
    if run.fmt in HTML_FORMATS:
        from .emit import figure_html

        urls = {path: run.place(path, data) for path, data in content.items()}
        markup = figure_html(doc, urls.__getitem__, number=number, label=run.label)
        return {"t": "RawBlock", "c": ["html", markup]}
    light = doc.pictures[0]
    url = run.place(light.path, content[light.path])
    return _image_figure(doc, url, number, (light.width, light.height), run.label)


def _image_figure(
    doc: FigureDoc,
    url: str,
    number: int | None,
    size: tuple[int, int] | None,
    label: str = LABEL,
) -> Json:
    """A Pandoc ``Figure``: the image (``size`` in CSS pixels, or the block's
    ``width``), the caption ("Figure N." first when numbered here), the id
    (LaTeX's ``\\label``) and classes."""
    attrs = []
    if doc.width:
        attrs = [["width", doc.width]]
    elif size is not None:
        attrs = [["width", f"{size[0]}px"], ["height", f"{size[1]}px"]]
    image = {"t": "Image", "c": [["", [], attrs], inlines(doc.alt), [url, ""]]}
    caption = _caption(doc, number, label)
    return {
        "t": "Figure",
        "c": [
            [doc.id or "", doc.classes.split(), []],
            [None, [{"t": "Plain", "c": caption}] if caption else []],
            [{"t": "Plain", "c": [image]}],
        ],
    }


def _text_figure(doc: FigureDoc, number: int | None, label: str = LABEL) -> Json:
    """Plain text: the alt text, then the caption."""
    blocks = [{"t": "Para", "c": inlines(doc.alt)}]
    caption = _caption(doc, number, label)
    if caption:
        blocks.append({"t": "Para", "c": caption})
    return {"t": "Div", "c": [[doc.id or "", doc.classes.split(), []], blocks]}


def _caption(doc: FigureDoc, number: int | None, label: str = LABEL) -> list[Json]:
    caption = inlines(doc.caption or "")
    if number is None:
        return caption
    words = [*inlines(label), {"t": "Space"}, {"t": "Str", "c": f"{number}."}]
    mark = {"t": "Span", "c": [["", ["heatmap-number"], []], words]}
    return [mark, {"t": "Space"}, *caption] if caption else [mark]


def _error_node(fmt: str, problem: Problem, body: str) -> Json:
    """The error box in the block's place."""
    if fmt in HTML_FORMATS:
        from .emit import error_html

        return {"t": "RawBlock", "c": ["html", error_html(problem.location, problem.message, body)]}
    title = [{"t": "Strong", "c": [{"t": "Str", "c": "heatmap:"}]}, {"t": "Space"}]
    return {
        "t": "Div",
        "c": [
            ["", ["heatmap-error"], []],
            [
                {"t": "Para", "c": title + inlines(problem.message)},
                {"t": "Para", "c": [{"t": "Code", "c": [["", [], []], problem.location]}]},
                {"t": "CodeBlock", "c": [["", ["yaml"], []], body]},
            ],
        ],
    }


def _html_assets(document: Json, blocks: list[_Block], hover: bool) -> None:
    """The figures' stylesheet before the first one, and the hover script
    (once, at the end) when a figure reads values."""
    from importlib.resources import files

    assets = files("mkdocs_heatmap") / "assets"
    css = assets.joinpath("heatmap.css").read_text(encoding="utf-8")
    first = blocks[0]
    first.holder.insert(first.index, {"t": "RawBlock", "c": ["html", f"<style>{css}</style>"]})
    if hover:
        script = assets.joinpath("heatmap.js").read_text(encoding="utf-8")
        document["blocks"].append({"t": "RawBlock", "c": ["html", f"<script>{script}</script>"]})


# --------------------------------------------------------------------------
# References: `[](#fig-auc)` reads "Figure N", `[](#panel-b)` "Figure Nb".


def fill_references(
    run: _Run,
    document: Json,
    targets: Mapping[str, _Target],
    sources: Sequence[tuple[str, str]],
) -> None:
    """Every empty link to a figure's or a panel's id filled in: "Figure N",
    "Figure Nb" (LaTeX: ``Figure~\\ref{id}``, ``Figure~\\ref{id}b``, LaTeX's
    own number); an empty link to an id that no element of the document has
    is a problem."""
    from .references import reference_lines

    anchors = set(all_ids(document["blocks"]))
    seen: dict[str, int] = {}
    lines: dict[str, list[int]] | None = None
    shown = sources[0][0] if sources else "input"

    def line_of(fragment: str) -> int | None:
        nonlocal lines
        if lines is None:
            lines = reference_lines(sources[0][1]) if sources else {}
        nth = seen[fragment] = seen.get(fragment, 0) + 1
        found = lines.get(fragment, [])
        return found[nth - 1] if nth <= len(found) else None

    def visit(node: Json) -> Json | None:
        if node.get("t") != "Link":
            return None
        attr, content, (url, _title) = node["c"]
        if content or not url.startswith("#"):
            return None
        fragment = urllib.parse.unquote(url[1:])
        if fragment in targets:
            target = targets[fragment]
            if target.number is None:
                what = "panel" if target.panel else "figure"
                whose = ", whose figure has" if target.panel else ", which has"
                run.report(
                    shown,
                    line_of(fragment),
                    f"reference to {what} '#{fragment}'{whose} no number: add "
                    "'numbered: true' to it, or set the metadata 'heatmap-numbering: true'",
                )
                return node
            line_of(fragment)
            own = (LETTERED if target.letter else SELF_NUMBERED).get(run.fmt)
            if own is not None:
                raw = own.format(label=run.label, id=target.home) + target.letter
                return {"t": "RawInline", "c": [run.fmt, raw]}
            attr[1] = [*attr[1], "heatmap-ref"]
            if target.home != fragment:
                node["c"][2][0] = f"#{target.home}"
            node["c"][1] = [{"t": "Str", "c": f"{run.label}\u00a0{target.number}{target.letter}"}]
            return node
        if fragment not in anchors:
            import difflib

            close = difflib.get_close_matches(fragment, list(targets), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            run.report(
                shown,
                line_of(fragment),
                f"reference to '#{fragment}': no figure has that id in this document{hint}",
            )
        return node

    walk(document["blocks"], visit)


# --------------------------------------------------------------------------
# The AST.


def walk(value: Json, visit: Callable[[Json], Json | None]) -> None:
    """Visit every node of ``value`` in document order; a node ``visit``
    returns (itself or a replacement) is not entered."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict) and "t" in item:
                new = visit(item)
                if new is not None:
                    value[index] = new
                    continue
            walk(item, visit)
    elif isinstance(value, dict) and "c" in value:
        walk(value["c"], visit)


def find_blocks(blocks: list[Json]) -> list[_Block]:
    """Every code block with the class ``heatmap``, in document order."""
    found: list[_Block] = []

    def visit(value: Json) -> None:
        if isinstance(value, list):
            for index, item in enumerate(value):
                if (
                    isinstance(item, dict)
                    and item.get("t") == "CodeBlock"
                    and LANGUAGE in item["c"][0][1]
                ):
                    (ident, classes, pairs), body = item["c"]
                    block = _Block(value, index, body, ident, list(classes), len(found) + 1)
                    position = dict(pairs).get("data-pos")
                    if position:
                        block.file, block.line = _data_pos(position)
                    found.append(block)
                else:
                    visit(item)
        elif isinstance(value, dict) and "c" in value:
            visit(value["c"])

    visit(blocks)
    return found


def all_ids(blocks: list[Json]) -> Iterator[str]:
    """The id of every element that has one (headers, divs, spans, figures...)."""
    stack = [blocks]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            kind, content = value.get("t"), value.get("c")
            attr = None
            if kind == "Header":
                attr = content[1]
            elif kind in ("Div", "Span", "CodeBlock", "Figure", "Table", "Link", "Image", "Code"):
                attr = content[0]
            if attr and isinstance(attr[0], str) and attr[0]:
                yield attr[0]
            if isinstance(content, list):
                stack.append(content)


def inlines(text: str) -> list[Json]:
    """Plain text as Pandoc inlines (words and spaces)."""
    out: list[Json] = []
    for n, word in enumerate(text.split()):
        if n:
            out.append({"t": "Space"})
        out.append({"t": "Str", "c": word})
    return out


def stringify(value: Json) -> str:
    """The text of inlines or blocks, as Pandoc's ``stringify``."""
    if isinstance(value, list):
        return "".join(stringify(item) for item in value)
    if not isinstance(value, dict):
        return ""
    kind = value.get("t")
    content: Any = value.get("c")
    if kind == "Str":
        return str(content)
    if kind in ("Space", "SoftBreak", "LineBreak"):
        return " "
    if kind in ("Code", "Math", "RawInline"):
        return str(content[1])
    if kind == "Quoted":
        mark = '"' if content[0]["t"] == "DoubleQuote" else "'"
        return mark + stringify(content[1]) + mark
    if kind in ("Span", "Link", "Image", "Cite"):
        return stringify(content[1])
    if kind == "Note":
        return ""
    if kind in ("Para", "Plain"):
        return stringify(content) + "\n"
    return stringify(content)


def meta_value(value: Json) -> Any:
    """A metadata value as the YAML it was written as: text that reads as a
    number or a boolean becomes one (Pandoc keeps ``0.5`` as text)."""
    kind, content = value.get("t"), value.get("c")
    if kind == "MetaMap":
        return {key: meta_value(item) for key, item in content.items()}
    if kind == "MetaList":
        return [meta_value(item) for item in content]
    if kind == "MetaBool":
        return bool(content)
    text = content if kind == "MetaString" else stringify(content).strip()
    return _scalar(str(text))


_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def _scalar(text: str) -> Any:
    if _NUMBER.match(text):
        number = float(text)
        return int(number) if re.match(r"^[-+]?\d+$", text) else number
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("null", "~"):
        return None
    return text


# --------------------------------------------------------------------------
# Where a block is written: the input files and their lines.


def _data_pos(value: str) -> tuple[str | None, int | None]:
    """``FILE@LINE:COL-LINE:COL`` (or without ``FILE@``, for stdin)."""
    name, _, span = value.rpartition("@")
    match = re.match(r"^(\d+):", span)
    return (name or None), (int(match[1]) if match else None)


def locate(blocks: Sequence[_Block], files: Sequence[Path]) -> list[tuple[str, str]]:
    """Give each block not placed yet (``data-pos``) its file and fence line,
    by finding its text among the ``heatmap`` fences of ``files``, in order;
    the files read (name as given, text)."""
    sources: list[tuple[str, str]] = []
    for path in files:
        try:
            if path.stat().st_size > 20_000_000:
                continue
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        sources.append((_shown(path), text))
    fences = [(name, line, body) for name, text in sources for line, body in heatmap_fences(text)]
    at = 0
    for block in blocks:
        if block.line is not None:
            continue
        wanted = _normal(block.body)
        for n in range(at, len(fences)):
            name, line, body = fences[n]
            if body == wanted:
                block.file, block.line, at = name, line, n + 1
                break
    if not sources:
        named = {block.file for block in blocks if block.file}
        for name in sorted(named):
            path = Path(name)
            try:
                sources.append((name, path.read_text(encoding="utf-8-sig")))
            except (OSError, UnicodeDecodeError):
                continue
    return sources


def _shown(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


_OPEN = re.compile(r"^(?P<lead>[ \t>]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n]*?)[ \t]*$")


def heatmap_fences(text: str) -> list[tuple[int, str]]:
    """Each fenced block with the class ``heatmap`` (```` ```heatmap ````,
    ```` ```{.heatmap #id} ````): the 1-based line of its opening fence and
    its text, normalized as ``_normal`` does."""
    lines = text.replace("\r\n", "\n").split("\n")
    found = []
    i = 0
    while i < len(lines):
        match = _OPEN.match(lines[i])
        if not match or (match["fence"][0] == "`" and "`" in match["info"]):
            i += 1
            continue
        fence, lead = match["fence"], match["lead"]
        closing = re.compile(rf"^[ \t>]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        j = i + 1
        while j < len(lines) and not closing.match(lines[j]):
            j += 1
        tokens = re.findall(r"[^\s{}]+", match["info"])
        if tokens and (tokens[0] in (LANGUAGE, f".{LANGUAGE}") or f".{LANGUAGE}" in tokens):
            content = [_unlead(line, lead) for line in lines[i + 1 : j]]
            found.append((i + 1, _normal("\n".join(content))))
        i = j + 1
    return found


def _unlead(line: str, lead: str) -> str:
    if line.startswith(lead):
        return line[len(lead) :]
    return line.lstrip(" \t>")


def _normal(body: str) -> str:
    lines = [line.rstrip() for line in body.replace("\r\n", "\n").expandtabs(4).split("\n")]
    return textwrap.dedent("\n".join(lines)).strip("\n")


# Pandoc's options that take a value as the next argument (GetOpt also takes
# a long option's unique prefix: a prefix of one of these counts as it).
_LONG_WITH_VALUE = (
    "from", "read", "to", "write", "output", "data-dir", "metadata", "metadata-file",
    "defaults", "template", "variable", "variable-json", "wrap", "columns", "toc-depth",
    "number-offset", "top-level-division", "extract-media", "resource-path",
    "include-in-header", "include-before-body", "include-after-body", "highlight-style",
    "syntax-highlighting", "syntax-definition", "dpi", "eol", "tab-stop", "pdf-engine",
    "pdf-engine-opt", "lua-filter", "filter", "shift-heading-level-by", "base-header-level",
    "indented-code-classes", "default-image-extension", "track-changes", "abbreviations",
    "reference-doc", "epub-cover-image", "epub-metadata", "epub-embed-font",
    "epub-subdirectory", "split-level", "epub-chapter-level", "chunk-template",
    "ipynb-output", "bibliography", "csl", "citation-abbreviations", "markdown-headings",
    "reference-location", "figure-caption-position", "table-caption-position",
    "email-obfuscation", "id-prefix", "title-prefix", "css", "slide-level", "request-header",
    "log", "print-default-template", "print-default-data-file", "print-highlight-style",
    "list-extensions",
)  # fmt: skip
_SHORT_WITH_VALUE = frozenset("frtwodMVLFcHBAD")


def input_files(blocks: Sequence[_Block]) -> list[Path]:
    """The files Pandoc reads, when that can be known: the ``data-pos`` names,
    else (Linux) the input files on the command line of the Pandoc process
    that runs this filter, or in its defaults file."""
    named = [block.file for block in blocks if block.file]
    if named:
        return [Path(name) for name in dict.fromkeys(named)]
    parent = _parent_command()
    if parent is None:
        return []
    args, cwd = parent
    inputs, defaults = pandoc_inputs(args)
    for name in defaults:
        inputs += _defaults_inputs(cwd, name)
    files = []
    for name in inputs:
        path = cwd / name
        if name != "-" and path.is_file():
            files.append(path)
    return files


def _parent_command() -> tuple[list[str], Path] | None:
    if not sys.platform.startswith("linux"):
        return None
    parent = f"/proc/{os.getppid()}"
    try:
        if "pandoc" not in os.path.basename(os.readlink(f"{parent}/exe")):
            return None
        raw = Path(f"{parent}/cmdline").read_bytes()
        cwd = Path(os.readlink(f"{parent}/cwd"))
    except OSError:
        return None
    args = [os.fsdecode(arg) for arg in raw.split(b"\0")[1:]]
    return (args[:-1] if args and args[-1] == "" else args), cwd


def pandoc_inputs(args: Sequence[str]) -> tuple[list[str], list[str]]:
    """The input files and defaults files on a Pandoc command line."""
    inputs: list[str] = []
    defaults: list[str] = []
    n = 0
    while n < len(args):
        arg = args[n]
        n += 1
        if arg == "--":
            inputs += args[n:]
            break
        if arg.startswith("--"):
            name, equals, value = arg[2:].partition("=")
            takes = any(option.startswith(name) for option in _LONG_WITH_VALUE) and name
            if takes and not equals and n < len(args):
                value = args[n]
                n += 1
            if takes and "defaults".startswith(name):
                defaults.append(value)
        elif arg.startswith("-") and len(arg) > 1:
            for k, letter in enumerate(arg[1:], start=1):
                if letter in _SHORT_WITH_VALUE:
                    value = arg[k + 1 :]
                    if not value and n < len(args):
                        value = args[n]
                        n += 1
                    if letter == "d":
                        defaults.append(value)
                    break
        else:
            inputs.append(arg)
    return inputs, defaults


def _defaults_inputs(cwd: Path, name: str) -> list[str]:
    """The ``input-file``/``input-files`` of a defaults file (YAML)."""
    import yaml

    data: Any = None
    for candidate in (cwd / name, cwd / f"{name}.yaml"):
        try:
            if candidate.is_file() and candidate.stat().st_size < 1_000_000:
                data = yaml.safe_load(candidate.read_text(encoding="utf-8"))
                break
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
    if not isinstance(data, dict):
        return []
    found = data.get("input-files") or []
    if data.get("input-file"):
        found = [data["input-file"], *found]
    return [str(item) for item in found if isinstance(item, str)]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
