"""Finding ``heatmap`` fences in Markdown: in a page's source, and as
Markdown converts it.

Two ways in, one way out:

* with ``pymdownx.superfences`` configured, a custom fence formatter is
  registered, so blocks work wherever superfences nests code (admonitions,
  details, tabs, lists);
* without it, a small preprocessor handles top-level fences exactly where
  Python-Markdown's ``fenced_code`` would, leaving every other block alone.

Both hand the block to a ``Collector``, which only returns a placeholder:
nothing is parsed or drawn while Markdown runs, so superfences (which
swallows any exception from a formatter except ``SuperFencesException``)
never gets an exception to swallow.  ``install_fence`` is the one place that
hooks the collector into a Markdown set-up; ``SourceIndex`` maps a block
back to its line in the page as written.
"""

from __future__ import annotations

import re
import secrets
import textwrap
from collections.abc import Callable, MutableMapping, MutableSequence
from dataclasses import dataclass
from typing import Any

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor
from mkdocs.exceptions import PluginError
from pymdownx.superfences import SuperFencesException

from .model import LANGUAGE

SUPERFENCES = "pymdownx.superfences"

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


def normalize(body: str) -> str:
    # Markdown expands tabs (to 4 columns) before fences are seen; do the same
    # so the raw block and what Markdown hands over compare equal.
    lines = [line.rstrip() for line in body.replace("\r\n", "\n").expandtabs(4).split("\n")]
    return textwrap.dedent("\n".join(lines)).strip("\n")


class SourceIndex:
    """The heatmap blocks of a page as written, found by their body.

    Ask for every block Markdown handed over, in order, figure or not: an
    example of the same block shown as code earlier on the page then takes
    its own line, and the figure gets the right one.
    """

    def __init__(self, source: str, *, top_level_only: bool = False) -> None:
        self._blocks: dict[str, list[FenceBlock]] = {}
        for block in scan_fences(source, top_level_only=top_level_only):
            self._blocks.setdefault(normalize(block.body), []).append(block)

    def locate(self, body: str) -> FenceBlock | None:
        """The block as written in the page source (its line, its body with tabs
        intact); identical blocks are matched in page order."""
        blocks = self._blocks.get(normalize(body))
        if not blocks:
            return None
        return blocks.pop(0) if len(blocks) > 1 else blocks[0]


class Collector:
    """Takes each block Markdown hands over and leaves a placeholder in its
    place; which placeholders survive to the HTML tells which blocks are real
    (a fence inside an indented code block is restored as code)."""

    def __init__(self) -> None:
        self._nonce = secrets.token_hex(8)
        self._bodies: list[str] = []
        # Hooked in as the plain preprocessor, which sees top-level fences only.
        self.top_level_only = False
        self._pattern = re.compile(rf"<!-- heatmap:{self._nonce}:(\d+) -->")

    def handle(self, body: str) -> str:
        """Called by Markdown for each fence: remember it, return a placeholder."""
        self._bodies.append(body)
        return self._marker(len(self._bodies) - 1)

    @property
    def bodies(self) -> list[str]:
        """The bodies handed over for the current page, in order."""
        return list(self._bodies)

    def take(self) -> list[str]:
        """The current page's bodies; the next page starts empty."""
        bodies, self._bodies = self._bodies, []
        return bodies

    def survived(self, n: int, html: str) -> bool:
        """Whether block ``n``'s placeholder reached ``html``."""
        return self._marker(n) in html

    def has_placeholders(self, html: str) -> bool:
        return f"<!-- heatmap:{self._nonce}:" in html

    def fill(self, html: str, place: Callable[[int], str]) -> str:
        """``html`` with placeholder ``n`` replaced by ``place(n)``."""
        return self._pattern.sub(lambda match: place(int(match[1])), html)

    def _marker(self, n: int) -> str:
        return f"<!-- heatmap:{self._nonce}:{n} -->"


# --------------------------------------------------------------------------
# Hooking into Markdown.


def install_fence(
    extensions: MutableSequence[Any], configs: MutableMapping[str, Any], collector: Collector
) -> None:
    """Hook ``collector`` into a Markdown set-up (a list of extensions and their
    configs, as in ``mkdocs.yml``): as superfences' ``heatmap`` custom fence
    when superfences is there (replacing one the user declared), else as the
    plain top-level preprocessor."""
    if SUPERFENCES in extensions:
        options = configs.setdefault(SUPERFENCES, {})
        fences = [f for f in options.get("custom_fences", []) if f.get("name") != LANGUAGE]
        options["custom_fences"] = [*fences, superfences_entry(collector)]
    else:
        extensions.append(PlainFenceExtension(collector))


def superfences_entry(collector: Collector) -> dict[str, Any]:
    """A ``custom_fences`` item for pymdownx.superfences."""

    def format_fence(
        source: str, language: str, class_name: str, options: Any, md: Markdown, **kwargs: Any
    ) -> str:
        return collector.handle(source)

    return {"name": LANGUAGE, "class": LANGUAGE, "format": format_fence}


class _Preprocessor(Preprocessor):
    def __init__(self, md: Markdown, collector: Collector) -> None:
        super().__init__(md)
        self.collector = collector

    def run(self, lines: list[str]) -> list[str]:
        blocks = scan_fences("\n".join(lines), top_level_only=True)
        if not blocks:
            return lines
        out: list[str] = []
        last = 0
        for block in blocks:
            out.extend(lines[last : block.start])
            html = self.collector.handle(block.body)
            out.extend(["", self.md.htmlStash.store(html), ""])
            last = block.end
        out.extend(lines[last:])
        return out


class PlainFenceExtension(Extension):
    """Top-level ``heatmap`` fences for sites without superfences."""

    def __init__(self, collector: Collector) -> None:
        super().__init__()
        self.collector = collector
        collector.top_level_only = True

    def extendMarkdown(self, md: Markdown) -> None:
        # Before fenced_code (25) so it never sees our fences; after
        # normalize_whitespace (30) so line endings are already plain.
        md.preprocessors.register(_Preprocessor(md, self.collector), "heatmap_fence", 29)


def rendered_blocks(
    markdown: str,
    source: str,
    extensions: list[Any],
    configs: MutableMapping[str, Any],
) -> list[FenceBlock] | None:
    """The heatmap blocks Markdown really renders on a page, as written in its
    source (line, body), by converting it with the site's own Markdown set-up
    and the fence hooked in as a build hooks it; ``None`` if that conversion
    fails (an extension that needs a live MkDocs build)."""
    import markdown as md_lib

    collector = Collector()
    extensions = list(extensions)
    configs = {name: dict(options) for name, options in configs.items()}
    install_fence(extensions, configs, collector)
    try:
        html = md_lib.Markdown(extensions=extensions, extension_configs=configs).convert(markdown)
    except Exception:  # the site's extensions, not ours: the caller scans instead
        return None
    index = SourceIndex(source, top_level_only=collector.top_level_only)
    found = []
    for n, body in enumerate(collector.bodies):
        block = index.locate(body)
        if block is not None and collector.survived(n, html):
            found.append(block)
    return found
