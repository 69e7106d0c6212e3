"""References to figures: ``[](#fig-id)`` becomes a link reading "Figure N".

A Markdown link with empty text whose target is a figure's ``id`` (on the
same page, ``[](#fig-auc)``, or another, ``[](results.md#fig-auc)``) is
filled in with the figure's number once every page's figures are placed.
The host turns an ``href`` into (page, fragment); this module only reads and
rewrites HTML and finds the line a reference was written on.  An empty link
to an id that is neither a figure nor any other anchor of its page is a
problem at that line; an empty link to a heading is not ours to touch.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# An empty link as Python-Markdown writes `[](target)`: `<a ...>` with nothing
# inside; attr_list (`[](#fig-a){: .wide }`) and a title add attributes,
# which the serializer writes in name order (class before href).
_EMPTY_LINK = re.compile(r"<a (?P<attrs>[^<>]*)></a>")
_ATTR = re.compile(r'(?P<name>[\w:-]+)="(?P<value>[^"]*)"')
# A reference as written: `[](target)` or `[](<target> "title")`.
_WRITTEN = re.compile(r"\[\]\(\s*<?(?P<target>[^)\s>]*)>?(?:\s+[^)]*)?\)")
_FENCE = re.compile(r"^\s*(?P<mark>`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(?P<ticks>`+)(?!`).*?(?<!`)(?P=ticks)(?!`)")

LABEL = "Figure"


@dataclass(frozen=True)
class Unresolved:
    """A reference that names no figure."""

    line: int | None  # 1-based, in the page as written
    message: str


def fill_references(
    page_html: str,
    this_page: str,
    source: str,
    target_of: Callable[[str], tuple[str, str] | None],
    figures: Mapping[str, Mapping[str, int | str | None]],
    anchors: Mapping[str, frozenset[str]] | None = None,
    excluded: frozenset[str] = frozenset(),
    label: str = LABEL,
) -> tuple[str, list[Unresolved]]:
    """``page_html`` (of page ``this_page``) with its figure references filled
    in, and the references that could not be.

    ``target_of(href)`` is the (page, fragment) an internal link points to,
    or ``None`` for any other link; ``figures`` maps each page to its figure
    ids and their numbers (``None``: not numbered); ``anchors`` the other ids
    of each page (headings...), which empty links may point to freely.
    ``excluded`` names the pages left out of the site (``exclude_docs``),
    which a reference cannot reach.  ``source`` is the page as written, for
    line numbers.  ``label`` is the word before the number (the site's
    ``figure_label``).
    """
    word = html.escape(label, quote=False)
    problems: list[Unresolved] = []
    seen: dict[str, int] = {}  # fragment -> how many references to it so far
    lines: dict[str, list[int]] | None = None  # found when the first is needed

    def line_of(fragment: str, nth: int) -> int | None:
        nonlocal lines
        if lines is None:
            lines = reference_lines(source)
        found = lines.get(fragment, [])
        return found[nth - 1] if nth <= len(found) else None

    def fill(match: re.Match[str]) -> str:
        attrs = {m["name"]: m["value"] for m in _ATTR.finditer(match["attrs"])}
        if "href" not in attrs:
            return match[0]
        target = target_of(html.unescape(attrs["href"]))
        if target is None:
            return match[0]
        page, fragment = target
        if not fragment:
            return match[0]
        ids = figures.get(page, {})
        nth = seen[fragment] = seen.get(fragment, 0) + 1
        if page in excluded:
            problems.append(
                Unresolved(
                    line_of(fragment, nth),
                    f"reference to '#{fragment}' on {page}, a page left out of the site "
                    "(exclude_docs): it cannot be reached",
                )
            )
            return match[0]
        if fragment in ids:
            number = ids[fragment]
            if number is None:
                problems.append(
                    Unresolved(
                        line_of(fragment, nth),
                        f"reference to figure '#{fragment}', which has no number: add "
                        "'numbered: true' to it, or set the plugin option 'numbering'",
                    )
                )
                return match[0]
            return f"<a {_with_class(match['attrs'], attrs)}>{word}\u00a0{number}</a>"
        if anchors is not None and fragment in anchors.get(page, frozenset()):
            return match[0]  # a heading or other anchor: not a figure reference
        where = "on this page" if page == this_page else f"on {page}"
        hint = _did_you_mean(fragment, ids)
        problems.append(
            Unresolved(
                line_of(fragment, nth),
                f"reference to '#{fragment}': no figure has that id {where}{hint}",
            )
        )
        return match[0]

    return _EMPTY_LINK.sub(fill, page_html), problems


def _with_class(written: str, attrs: Mapping[str, str]) -> str:
    """The link's attributes with ``heatmap-ref`` added to its classes."""
    if "class" not in attrs:
        return f'{written} class="heatmap-ref"'
    classes = f"{attrs['class']} heatmap-ref".strip()
    return _ATTR.sub(
        lambda m: f'class="{classes}"' if m["name"] == "class" else m[0], written, count=0
    )


def _did_you_mean(fragment: str, ids: Mapping[str, object]) -> str:
    close = difflib.get_close_matches(fragment, list(ids), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def id_line(body: str, ident: str) -> int | None:
    """The 0-based line of ``body`` (a block's text) where ``ident`` is given
    as an ``id`` (a panel's too), else ``None``: a warning about an id
    points at it."""
    given = re.compile(rf"""\bid\s*:\s*["']?{re.escape(ident)}["']?\s*(?:[,}}#]|$)""")
    for n, text in enumerate(body.split("\n")):
        if given.search(text):
            return n
    return None


def reference_lines(source: str) -> dict[str, list[int]]:
    """Each fragment's empty-text links in ``source``, by 1-based line, in
    order; in one pass, leaving out fenced code blocks and code spans (a
    reference shown as code is no reference)."""
    found: dict[str, list[int]] = {}
    fence: str | None = None
    for number, line in enumerate(source.split("\n"), start=1):
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened["mark"][0] == fence[0] and len(opened["mark"]) >= len(fence):
                fence = None
            continue
        if opened:
            fence = opened["mark"]
            continue
        if "[](" not in line:
            continue
        for match in _WRITTEN.finditer(_CODE_SPAN.sub("", line)):
            _, hash_, fragment = match["target"].partition("#")
            if hash_:
                found.setdefault(fragment, []).append(number)
    return found
