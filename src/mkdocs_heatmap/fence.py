"""Finding ``heatmap`` fences in Markdown and turning each into HTML.

Two ways in, one way out:

* with ``pymdownx.superfences`` configured, a custom fence formatter is
  registered, so blocks work wherever superfences nests code (admonitions,
  details, tabs, lists);
* without it, a small preprocessor handles top-level fences exactly where
  Python-Markdown's ``fenced_code`` would, leaving every other block alone.

Both call ``FenceHandler.handle``.  superfences swallows any exception from a
formatter except ``SuperFencesException``, so ``handle`` never lets one out:
problems become a warning plus a visible error box, or, with
``on_error: fail``, a ``HeatmapBuildError`` that superfences lets through.
"""

from __future__ import annotations

import logging
import re
import secrets
import textwrap
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor
from mkdocs.exceptions import PluginError
from pymdownx.superfences import SuperFencesException

from .cache import DiskCache
from .emit import error_html
from .errors import HeatmapError
from .model import Image
from .pipeline import (
    Memo,
    Output,
    Prepared,
    Rendered,
    RenderJob,
    Settings,
    finish_block,
    memo_key,
    placeholder_url,
    prepare_block,
    render_jobs,
    worker_count,
)

LANGUAGE = "heatmap"

_OPEN = re.compile(
    r"^(?P<lead>(?:[ \t]*>)*[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n]*?)[ \t]*$"
)


class HeatmapBuildError(SuperFencesException, PluginError):  # type: ignore[misc]
    """Stops the build (``on_error: fail``): superfences re-raises this class and
    MkDocs reports a ``PluginError`` as a clean one-line error, no traceback."""


@dataclass(frozen=True)
class FenceBlock:
    start: int  # 0-based index of the opening fence line
    end: int  # index just past the closing fence (or end of text when unclosed)
    lead: str  # indentation / blockquote markers before the fence
    body: str

    @property
    def line(self) -> int:
        return self.start + 1


def scan_fences(text: str, *, top_level_only: bool = False) -> list[FenceBlock]:
    """Every ``heatmap`` fence not nested inside another fence, in page order.

    A fence shown as an example inside a longer fence stays part of that
    fence's code.  ``top_level_only`` keeps only fences at column 0 (where
    Python-Markdown's ``fenced_code`` finds them).
    """
    lines = text.split("\n")
    blocks: list[FenceBlock] = []
    i = 0
    while i < len(lines):
        match = _OPEN.match(lines[i])
        if not match or ("`" in match["info"] and match["fence"][0] == "`"):
            i += 1
            continue
        lead, fence = match["lead"], match["fence"]
        closing = re.compile(
            r"^(?:[ \t]*>)*[ \t]*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$"
        )
        j = i + 1
        while j < len(lines) and not closing.match(lines[j]):
            j += 1
        if _language(match["info"]) == LANGUAGE and (not top_level_only or lead == ""):
            content = [_strip_lead(line, lead) for line in lines[i + 1 : j]]
            blocks.append(FenceBlock(i, min(j + 1, len(lines)), lead, "\n".join(content)))
        i = j + 1
    return blocks


def _language(info: str) -> str:
    info = info.strip()
    if info.startswith("{"):
        # Attribute form: ```{.heatmap #id}
        for token in info.strip("{}").split():
            if token.startswith("."):
                return token[1:]
        return ""
    return info.split()[0] if info else ""


def _strip_lead(line: str, lead: str) -> str:
    quotes = lead.count(">")
    for _ in range(quotes):
        stripped = line.lstrip(" \t")
        if stripped.startswith(">"):
            line = stripped[1:]
            if line.startswith(" "):
                line = line[1:]
    width = len(lead.rsplit(">", 1)[-1].lstrip(" ")) if quotes else len(lead)
    removable = len(line) - len(line.lstrip(" \t"))
    return line[min(width, removable) :]


def _normalize(body: str) -> str:
    # Markdown expands tabs (to 4 columns) before fences are seen; do the same
    # so the raw block and what Markdown hands over compare equal.
    lines = [line.rstrip() for line in body.replace("\r\n", "\n").expandtabs(4).split("\n")]
    return textwrap.dedent("\n".join(lines)).strip("\n")


@dataclass
class PageContext:
    """What a block needs to know about the page it sits in."""

    src_path: str  # relative to docs_dir, for messages
    source: str  # the page as written (front matter included) for line numbers
    settings: Settings
    url_of: Callable[[str], str]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    _blocks: dict[str, list[FenceBlock]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for block in scan_fences(self.source):
            self._blocks.setdefault(_normalize(block.body), []).append(block)

    def locate(self, body: str) -> FenceBlock | None:
        """The block as written in the page source (its line, its body with tabs
        intact); identical blocks are matched in page order."""
        blocks = self._blocks.get(_normalize(body))
        if not blocks:
            return None
        return blocks.pop(0) if len(blocks) > 1 else blocks[0]


@dataclass
class Stats:
    figures: int = 0  # figures placed in pages
    rendered: int = 0  # distinct figures drawn; the rest came from a cache
    errors: int = 0
    seconds: float = 0.0

    @property
    def cached(self) -> int:
        return max(self.figures - self.rendered, 0)


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


class FenceHandler:
    """Collects blocks page by page and renders them together.

    Markdown only sees a placeholder comment per block: superfences calls
    formatters even for fences that end up inside an indented code block (and
    then restores them as code), so rendering, publishing and warnings wait
    until the page's HTML shows which blocks are real.  A build collects every
    page first and then renders all figures the cache lacks in one batch, so a
    worker pool starts once per build.
    """

    def __init__(
        self,
        logger: logging.Logger,
        publish: Callable[[Output], None],
        *,
        fail_fast: bool = False,
        cache: DiskCache | None = None,
        workers: str | int = 1,
    ) -> None:
        self.logger = logger
        self.publish = publish
        self.fail_fast = fail_fast
        self.cache = cache
        self.workers = workers
        self.page: PageContext | None = None
        self.stats = Stats()
        self.files: set[Path] = set()  # data and style files figures depend on
        # Survives serve rebuilds: a figure whose inputs did not change is not
        # drawn again even with the disk cache off.
        self.memory: dict[str, list[Image]] = {}
        self.memos: dict[str, Memo] = {}
        self._bodies: list[str] = []
        self._pages: list[_Page] = []
        self._nonce = secrets.token_hex(8)

    def reset(self) -> None:
        self.stats = Stats()
        self.files = set()
        self._pages = []
        self._bodies = []

    def handle(self, body: str) -> str:
        """Called by Markdown for each fence: remember it, return a placeholder."""
        self._bodies.append(body)
        return f"<!-- heatmap:{self._nonce}:{len(self._bodies) - 1} -->"

    @property
    def bodies(self) -> list[str]:
        """The bodies handed over for the current page, in order."""
        return list(self._bodies)

    def rendered(self, n: int, html: str) -> bool:
        """Whether block ``n`` of the current page reached ``html`` (a fence
        inside an indented code block is restored as code)."""
        return self._marker(n) in html

    def has_placeholders(self, html: str) -> bool:
        return bool(self._bodies) and f"<!-- heatmap:{self._nonce}:" in html

    def end_page(self, html: str) -> None:
        """The current page's HTML is final: keep it for ``flush``."""
        if self.page is not None and self._bodies:
            self._pages.append(_Page(self.page, html, self._bodies))
        self._bodies = []
        self.page = None

    def finish_page(self, html: str) -> str:
        """Single-page hosts: the page's HTML with its figures, right away."""
        page = self.page
        self.end_page(html)
        return self.flush().get(page.src_path, html) if page else html

    def flush(self) -> dict[str, str]:
        """Render every collected block; the final HTML of each page by src_path."""
        start = time.monotonic()
        pages, self._pages = self._pages, []
        prepared: dict[tuple[int, int], _Block] = {}
        jobs: dict[str, RenderJob] = {}
        for p, page in enumerate(pages):
            for n, body in enumerate(page.bodies):
                if self._marker(n) not in page.html:
                    continue  # the fence ended up as code: not a figure
                block = prepared[p, n] = self._prepare(page.context, body)
                item = block.item
                if isinstance(item, Memo):
                    self.files.update(Path(path) for path, _ in item.files)
                elif isinstance(item, Prepared):
                    self.files.update(item.files)
                    if item.key not in self.memory and item.key not in jobs:
                        cached = self.cache.get(item.key) if self.cache else None
                        if cached is not None:
                            self.memory[item.key] = cached
                        else:
                            jobs[item.key] = item.job
        workers = worker_count(self.workers, len(jobs))
        results = render_jobs(jobs, workers, self.logger)
        for key, rendered in results.items():
            if isinstance(rendered, list):
                self.memory[key] = rendered
                self.stats.rendered += 1
                if self.cache:
                    self.cache.put(key, rendered)
        out: dict[str, str] = {}
        for p, page in enumerate(pages):
            numbers = iter(range(1, len(page.bodies) + 1))

            def replace(
                match: re.Match[str], p: int = p, page: _Page = page, numbers: Any = numbers
            ) -> str:
                return self._finish(page.context, prepared[p, int(match[1])], results, numbers)

            out[page.context.src_path] = self._pattern.sub(replace, page.html)
        self.stats.seconds += time.monotonic() - start
        return out

    @property
    def _pattern(self) -> re.Pattern[str]:
        return re.compile(rf"<!-- heatmap:{self._nonce}:(\d+) -->")

    def _marker(self, n: int) -> str:
        return f"<!-- heatmap:{self._nonce}:{n} -->"

    def _prepare(self, page: PageContext, body: str) -> _Block:
        written = page.locate(body)
        line = written.line if written else None
        if written is not None:
            body = textwrap.dedent(written.body)
        memo_id = memo_key(body, page.settings, page.defaults)
        memo = self._memo(memo_id)
        if memo is not None:
            return _Block(line, body, memo, memo_id)
        try:
            return _Block(line, body, prepare_block(body, page.settings, page.defaults), memo_id)
        except HeatmapError as exc:
            return _Block(line, body, self.fail(page, _line(line, exc), exc.message, body))
        except Exception as exc:  # a bug of ours must not vanish silently
            return _Block(line, body, self._internal(page, line, exc, body))

    def _finish(
        self,
        page: PageContext,
        block: _Block,
        results: Mapping[str, Rendered],
        numbers: Iterator[int],
    ) -> str:
        item = block.item
        if isinstance(item, str):
            return item  # an error box
        if isinstance(item, Memo):
            return self._place(item, self.memory[item.image_key], page, numbers)
        rendered = self.memory.get(item.key) or results.get(item.key)
        if isinstance(rendered, HeatmapError):
            if rendered.block_line is None:
                rendered.block_line = item.spec.line_of(rendered.key)
            return self.fail(page, _line(block.line, rendered), rendered.message, block.body)
        try:
            assert rendered is not None
            template = finish_block(item, rendered, page.settings, placeholder_url)
            memo = Memo.of(item, rendered, template, page.settings.numbering)
        except Exception as exc:
            return self._internal(page, block.line, exc, block.body)
        self.memos[block.memo_id] = memo
        if self.cache:
            self.cache.put_text(block.memo_id, memo.to_json())
        return self._place(memo, rendered, page, numbers)

    def _place(
        self, memo: Memo, images: list[Image], page: PageContext, numbers: Iterator[int]
    ) -> str:
        self.stats.figures += 1
        for output in memo.outputs(images):
            self.publish(output)
        return memo.html_for(page.url_of, next(numbers) if memo.numbered else None)

    def _memo(self, memo_id: str) -> Memo | None:
        """A block finished before, whose files are unchanged and whose images
        are still at hand."""
        memo = self.memos.get(memo_id)
        if memo is None and self.cache:
            text = self.cache.get_text(memo_id)
            memo = Memo.from_json(text) if text else None
        if memo is None or not memo.still_valid():
            return None
        if memo.image_key not in self.memory:
            images = self.cache.get(memo.image_key) if self.cache else None
            if images is None or max((n for _, n in memo.images), default=-1) >= len(images):
                return None
            self.memory[memo.image_key] = images
        self.memos[memo_id] = memo
        return memo

    def _internal(self, page: PageContext, line: int | None, exc: Exception, body: str) -> str:
        self.logger.debug("heatmap: unexpected error", exc_info=True)
        message = f"internal error ({type(exc).__name__}: {exc}); please report it"
        return self.fail(page, line, message, body)

    def fail(self, page: PageContext, line: int | None, message: str, body: str) -> str:
        """Report one problem: a warning (or a build stop) and an error box."""
        location = f"{page.src_path}:{line if line is not None else '?'}"
        text = f"{location}: heatmap: {message}"
        self.stats.errors += 1
        if self.fail_fast:
            raise HeatmapBuildError(text)
        self.logger.warning(text)
        return error_html(location, message, body)


def _line(fence_line: int | None, exc: HeatmapError) -> int | None:
    if fence_line is not None and exc.block_line is not None:
        return fence_line + 1 + exc.block_line
    return fence_line


# --------------------------------------------------------------------------
# Hooking into Markdown.


def superfences_entry(handler: FenceHandler) -> dict[str, Any]:
    """A ``custom_fences`` item for pymdownx.superfences."""

    def format_fence(
        source: str, language: str, class_name: str, options: Any, md: Markdown, **kwargs: Any
    ) -> str:
        return handler.handle(source)

    return {"name": LANGUAGE, "class": LANGUAGE, "format": format_fence}


class _Preprocessor(Preprocessor):
    def __init__(self, md: Markdown, handler: FenceHandler) -> None:
        super().__init__(md)
        self.handler = handler

    def run(self, lines: list[str]) -> list[str]:
        blocks = scan_fences("\n".join(lines), top_level_only=True)
        if not blocks:
            return lines
        out: list[str] = []
        last = 0
        for block in blocks:
            out.extend(lines[last : block.start])
            html = self.handler.handle(block.body)
            out.extend(["", self.md.htmlStash.store(html), ""])
            last = block.end
        out.extend(lines[last:])
        return out


class PlainFenceExtension(Extension):
    """Top-level ``heatmap`` fences for sites without superfences."""

    def __init__(self, handler: FenceHandler) -> None:
        super().__init__()
        self.handler = handler

    def extendMarkdown(self, md: Markdown) -> None:
        # Before fenced_code (25) so it never sees our fences; after
        # normalize_whitespace (30) so line endings are already plain.
        md.preprocessors.register(_Preprocessor(md, self.handler), "heatmap_fence", 29)
