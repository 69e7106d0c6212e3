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

# An empty link as Python-Markdown writes `[](target)`: `<a href="...">` with
# nothing inside (a title or attr_list attributes may follow the href).
_EMPTY_LINK = re.compile(r'<a href="(?P<href>[^"]*)"(?P<rest>[^>]*)></a>')

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
    figures: Mapping[str, Mapping[str, int | None]],
    anchors: Mapping[str, frozenset[str]] | None = None,
) -> tuple[str, list[Unresolved]]:
    """``page_html`` (of page ``this_page``) with its figure references filled
    in, and the references that could not be.

    ``target_of(href)`` is the (page, fragment) an internal link points to,
    or ``None`` for any other link; ``figures`` maps each page to its figure
    ids and their numbers (``None``: not numbered); ``anchors`` the other ids
    of each page (headings...), which empty links may point to freely.
    ``source`` is the page as written, for line numbers.
    """
    problems: list[Unresolved] = []
    seen: dict[str, int] = {}  # fragment -> how many references to it so far

    def fill(match: re.Match[str]) -> str:
        href = html.unescape(match["href"])
        target = target_of(href)
        if target is None:
            return match[0]
        page, fragment = target
        if not fragment:
            return match[0]
        ids = figures.get(page, {})
        nth = seen[fragment] = seen.get(fragment, 0) + 1
        if fragment in ids:
            number = ids[fragment]
            if number is None:
                problems.append(
                    Unresolved(
                        _line_of(source, fragment, nth),
                        f"reference to figure '#{fragment}', which has no number: add "
                        "'numbered: true' to it, or set the plugin option 'numbering'",
                    )
                )
                return match[0]
            return (
                f'<a href="{match["href"]}"{match["rest"]} class="heatmap-ref">'
                f"{LABEL}\u00a0{number}</a>"
            )
        if anchors is not None and fragment in anchors.get(page, frozenset()):
            return match[0]  # a heading or other anchor: not a figure reference
        where = "on this page" if page == this_page else f"on {page}"
        hint = _did_you_mean(fragment, ids)
        problems.append(
            Unresolved(
                _line_of(source, fragment, nth),
                f"reference to '#{fragment}': no figure has that id {where}{hint}",
            )
        )
        return match[0]

    return _EMPTY_LINK.sub(fill, page_html), problems


def _did_you_mean(fragment: str, ids: Mapping[str, object]) -> str:
    close = difflib.get_close_matches(fragment, list(ids), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _line_of(source: str, fragment: str, nth: int) -> int | None:
    """The line of the ``nth`` empty-text link to ``#fragment`` in ``source``."""
    pattern = re.compile(r"\[\]\(\s*<?[^)\s>]*#" + re.escape(fragment) + r">?(?:\s+[^)]*)?\)")
    found = 0
    for number, line in enumerate(source.split("\n"), start=1):
        found += len(pattern.findall(line))
        if found >= nth:
            return number
    return None
