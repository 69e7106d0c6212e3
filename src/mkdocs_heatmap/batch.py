"""A build of many pages: collect their blocks, render what the caches lack
together, put the figures in the pages.

The Markdown hosts (the MkDocs plugin, the Markdown extension) hand each
page's blocks over as Markdown converts it (``fence.Collector``) and its HTML
once it is final; ``Batch.flush`` then prepares every block (or takes its
memo), renders all misses in one go (in worker processes when there are
several), numbers the figures and fills in each page.  Problems become one
warning ``PAGE:LINE: heatmap: message`` and an error box, or, with
``on_error: fail``, a ``HeatmapBuildError`` that stops the build.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .emit import error_html, figure_html
from .errors import HeatmapError, Problem, internal_error, line_in_page
from .fence import Collector, FenceBlock, HeatmapBuildError, SourceIndex
from .memo import Memo, memo_key
from .model import Output, Settings
from .notes import Note
from .pipeline import Prepared, RenderJob, prepare_block
from .references import id_line
from .site import Figure, Logger, Rendered, Site


@dataclass
class PageContext:
    """What a block needs to know about the page it sits in."""

    src_path: str  # as the host names the page (relative to docs_dir), for messages
    source: str  # the page as written (front matter included) for line numbers
    settings: Settings
    url_of: Callable[[str], str]
    defaults: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Stats:
    figures: int = 0  # figures placed in pages
    drawn: int = 0  # distinct figures drawn; the rest came from a cache
    errors: int = 0
    notes: int = 0  # warnings about figures that were drawn
    references: int = 0  # references that name no figure
    seconds: float = 0.0

    @property
    def reused(self) -> int:
        return max(self.figures - self.drawn, 0)


@dataclass(frozen=True)
class _Block:
    line: int | None  # of the opening fence in the page source
    body: str  # as written in the page
    item: Prepared | Memo | str  # to render, finished before, or an error box
    memo_id: str = ""


@dataclass
class _Page:
    context: PageContext
    html: str
    bodies: list[str]


def _id_line(block: _Block, ident: str) -> int | None:
    """The page line where ``ident`` is given as an ``id`` in the block (a
    panel's too), else the fence's: a warning about an id points at it."""
    if block.line is None:
        return None
    n = id_line(block.body, ident)
    return block.line if n is None else block.line + 1 + n


class Batch:
    """Collects blocks page by page and renders them together.

    Markdown only sees a placeholder per block: superfences calls formatters
    even for fences that end up inside an indented code block (and then
    restores them as code), so rendering, publishing and warnings wait until
    the page's HTML shows which blocks are real.  A build collects every page
    first and then renders all figures the cache lacks in one batch, so a
    worker pool starts once per build.
    """

    def __init__(
        self,
        logger: Logger,
        publish: Callable[[Output], None],
        site: Site | None = None,
        *,
        fail_fast: bool = False,
    ) -> None:
        self.logger = logger
        self.publish = publish
        self.fail_fast = fail_fast
        # Opened by the host once it knows its options (MkDocs: on_config).
        self.site: Site | None = site
        self.collector = Collector()
        self.page: PageContext | None = None
        self.stats = Stats()
        self._pages: list[_Page] = []
        # Per page (src_path): each figure id placed there and its number.
        # Each page's figure ids (and panel ids) and what references read:
        # the number (3), a panel's number and letter ("3b"), None: unnumbered.
        self.figures: dict[str, dict[str, int | str | None]] = {}
        # Where each figure id is written: page -> id -> the fence's line.
        self.figure_lines: dict[str, dict[str, int | None]] = {}
        self.problems: list[Problem] = []  # this build's, in the order reported

    @property
    def files(self) -> set[Path]:
        """The data and style files this build's figures depend on."""
        return self.site.files if self.site else set()

    def reset(self) -> None:
        """Start a new build (``mkdocs serve`` keeps the object across builds)."""
        if self.site is not None:
            self.site.begin()
        self.stats = Stats()
        self._pages = []
        self.figures = {}
        self.figure_lines = {}
        self.problems = []
        self.collector.take()

    def end_page(self, html: str) -> None:
        """The current page's HTML is final: keep it for ``flush``."""
        bodies = self.collector.take()
        if self.page is not None and bodies:
            self._pages.append(_Page(self.page, html, bodies))
        self.page = None

    def finish_page(self, html: str) -> str:
        """Single-page hosts: the page's HTML with its figures, right away."""
        page = self.page
        self.end_page(html)
        return self.flush().get(page.src_path, html) if page else html

    def flush(self, order: Sequence[str] | None = None) -> dict[str, str]:
        """Render every collected block; the final HTML of each page by src_path.

        ``order`` lists the pages (by src_path) in reading order, for numbering
        across the site; pages it does not list come after, as collected.
        After a flush, ``figures`` holds each page's figure ids and numbers."""
        start = time.monotonic()
        site = self._site()
        pages, self._pages = self._pages, []
        prepared: dict[tuple[int, int], _Block] = {}
        jobs: dict[str, RenderJob] = {}
        for p, page in enumerate(pages):
            index = SourceIndex(page.context.source, top_level_only=self.collector.top_level_only)
            for n, body in enumerate(page.bodies):
                written = index.locate(body)  # in page order, figure or not
                if not self.collector.survived(n, page.html):
                    continue  # the fence ended up as code: not a figure
                block = prepared[p, n] = self._prepare(page.context, body, written)
                item = block.item
                if isinstance(item, Prepared):
                    site.files.update(item.files)  # watched even if it fails to draw
                    if item.key not in jobs and site.at_hand(item.key) is None:
                        jobs[item.key] = item.job
        drawn = site.drawn
        results = site.draw(jobs, self.logger)
        self.stats.drawn += site.drawn - drawn
        finished = {
            at: self._finish(pages[at[0]].context, block, results) for at, block in prepared.items()
        }
        numbers = self._number(pages, prepared, finished, order)
        out: dict[str, str] = {}
        for p, page in enumerate(pages):

            def place(n: int, p: int = p, page: _Page = page) -> str:
                item = finished[p, n]
                if isinstance(item, str):
                    return item
                block = prepared[p, n]
                try:
                    html = self._place(item, page.context, numbers.get((p, n)))
                except HeatmapError as exc:  # a file it publishes cannot be written
                    return self.fail(page.context, block.line, exc.message, block.body)
                for note in item.memo.notes:
                    self.note(page.context.src_path, block.line, note)
                return html

            out[page.context.src_path] = self.collector.fill(page.html, place)
        self.stats.seconds += time.monotonic() - start
        return out

    def _number(
        self,
        pages: list[_Page],
        prepared: Mapping[tuple[int, int], _Block],
        finished: Mapping[tuple[int, int], str | Figure],
        order: Sequence[str] | None,
    ) -> dict[tuple[int, int], int]:
        """Each numbered figure's number, counting per page or across the site
        in reading ``order``; and every placed figure's id, for references."""
        rank = {path: n for n, path in enumerate(order or ())}
        ordered = sorted(
            range(len(pages)), key=lambda p: (rank.get(pages[p].context.src_path, len(rank)), p)
        )
        numbers: dict[tuple[int, int], int] = {}
        count = 0
        for p in ordered:
            page = pages[p]
            if page.context.settings.numbering_scope != "site":
                count = 0
            ids: dict[str, int | str | None] = {}
            for n in range(len(page.bodies)):
                item = finished.get((p, n))
                if item is None or isinstance(item, str):
                    continue
                memo = item.memo
                if memo.numbered:
                    count += 1
                    numbers[p, n] = count
                number = numbers.get((p, n))
                targets: list[tuple[str, int | str | None]] = []
                if memo.doc.id is not None:
                    targets.append((memo.doc.id, number))
                for panel_id, letter in memo.doc.panels:
                    targets.append((panel_id, None if number is None else f"{number}{letter}"))
                for ident, shown in targets:
                    line = _id_line(prepared[p, n], ident)
                    if ident in ids:
                        twice = f"id {ident!r} is used twice on this page"
                        self.warn(page.context.src_path, line, twice)
                        continue
                    ids[ident] = shown
                    lines = self.figure_lines.setdefault(page.context.src_path, {})
                    lines[ident] = line
            self.figures[page.context.src_path] = ids
        return numbers

    def _prepare(self, page: PageContext, body: str, written: FenceBlock | None) -> _Block:
        line = written.line if written else None
        if written is not None:
            body = textwrap.dedent(written.body)
        memo_id = memo_key(body, page.settings, page.defaults)
        memo = self._site().memo(memo_id, page.settings)
        if memo is not None:
            return _Block(line, body, memo, memo_id)
        try:
            return _Block(line, body, prepare_block(body, page.settings, page.defaults), memo_id)
        except HeatmapError as exc:
            return _Block(line, body, self.fail(page, line_in_page(line, exc), exc.message, body))
        except Exception as exc:  # a bug of ours must not vanish silently
            return _Block(line, body, self._internal(page, line, exc, body))

    def _finish(
        self, page: PageContext, block: _Block, results: Mapping[str, Rendered]
    ) -> str | Figure:
        """The block's finished figure, or its error box."""
        site = self._site()
        item = block.item
        if isinstance(item, str):
            return item  # an error box
        if isinstance(item, Memo):
            return site.place(item, block.memo_id)
        rendered = site.memory.get(item.key) or results.get(item.key)
        if isinstance(rendered, HeatmapError):
            return self.fail(page, line_in_page(block.line, rendered), rendered.message, block.body)
        try:
            assert rendered is not None
            memo = site.finish(item, rendered, block.memo_id, page.settings)
        except Exception as exc:
            return self._internal(page, block.line, exc, block.body)
        return site.place(memo, block.memo_id)

    def _place(self, figure: Figure, page: PageContext, number: int | None) -> str:
        memo = figure.memo
        for output in figure.outputs():
            self.publish(output)
        self.stats.figures += 1
        settings = page.settings
        return figure_html(
            memo.doc,
            page.url_of,
            dark_markup=settings.dark_markup,
            number=number,
            label=settings.figure_label,
        )

    def _site(self) -> Site:
        if self.site is None:
            raise RuntimeError("the host has not opened its site")
        return self.site

    def _internal(self, page: PageContext, line: int | None, exc: Exception, body: str) -> str:
        self.logger.debug("heatmap: unexpected error", exc_info=True)
        return self.fail(page, line, internal_error(exc), body)

    def fail(self, page: PageContext, line: int | None, message: str, body: str = "") -> str:
        """Report one problem: a warning (or a build stop) and an error box."""
        problem = self.warn(page.src_path, line, message)
        return error_html(problem.location, message, body)

    def note(self, src_path: str, fence_line: int | None, note: Note) -> None:
        """Report what the author should know of a drawn figure: a warning
        (a problem for ``--strict`` and ``on_error: fail``, without an error
        box) or a line of information."""
        line = line_in_page(fence_line, note)
        if note.level == "info":
            self.logger.info(str(Problem(src_path, line, note.message)))
        else:
            self.warn(src_path, line, note.message, about="note")

    def warn_id_collisions(self, src_path: str, taken: Collection[str]) -> None:
        """A warning at each figure of the page whose id another element of
        the page (a heading, an anchor) has too: a link reaches only one."""
        lines = self.figure_lines.get(src_path, {})
        for ident in sorted(set(self.figures.get(src_path, {})) & set(taken)):
            self.warn(
                src_path,
                lines.get(ident),
                f"id {ident!r} is also the id of a heading or another anchor on this page: "
                "links and references would reach only one; give the figure another id",
                about="reference",
            )

    def warn(
        self,
        src_path: str,
        line: int | None,
        message: str,
        *,
        about: Literal["block", "reference", "note"] = "block",
    ) -> Problem:
        """Report one problem: a warning, or with ``on_error: fail`` a build
        stop; counted, for the summary, as a block's (an error box goes
        with it), a reference's, or a note about a drawn figure."""
        problem = Problem(src_path, line, message)
        if about == "reference":
            self.stats.references += 1
        elif about == "note":
            self.stats.notes += 1
        else:
            self.stats.errors += 1
        self.problems.append(problem)
        if self.fail_fast:
            raise HeatmapBuildError(str(problem))
        self.logger.warning(str(problem))
        return problem
