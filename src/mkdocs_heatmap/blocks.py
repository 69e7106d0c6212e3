"""Heatmap directives as written in reST and MyST sources, found without a parser.

A host that reads one document at a time (Sphinx) uses this to find a
build's blocks before it reads them, so that the figures the caches lack
are drawn together, in worker processes.  Nothing depends on it being
exact: the directive itself is the truth.  A body found here that differs
from the directive's (an include, a substitution) only means that figure is
drawn when its document is read; one found inside a comment is drawn for
nothing.
"""

from __future__ import annotations

import re
import textwrap

from .model import LANGUAGE

_REST = re.compile(rf"^(?P<indent>[ \t]*)\.\.[ \t]+{LANGUAGE}::[ \t]*$")
_REST_OPTION = re.compile(r"^[ \t]+:[A-Za-z][\w-]*:")
_MYST = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,}|:{3,})"
    rf"(?P<name>\{{{LANGUAGE}\}}|{LANGUAGE})[ \t]*$"
)
_MYST_OPTION = re.compile(r"^:[A-Za-z][\w-]*:")


def rest_bodies(text: str) -> list[str]:
    """The content of every ``.. heatmap::`` directive, as docutils gives it
    to the directive: options skipped, dedented, outer blank lines dropped."""
    lines = text.splitlines()
    bodies = []
    for n, line in enumerate(lines):
        match = _REST.match(line)
        if not match:
            continue
        indent = len(match["indent"].expandtabs())
        block = []
        for following in lines[n + 1 :]:
            if following.strip() and len(following) - len(following.lstrip()) <= indent:
                break
            block.append(following)
        while block and _REST_OPTION.match(block[0]):
            block.pop(0)
        body = textwrap.dedent("\n".join(block)).strip("\n")
        if body:
            bodies.append(body)
    return bodies


def myst_bodies(text: str, *, plain_fences: bool = False) -> list[str]:
    """The content of every ```` ```{heatmap} ```` (or ``:::{heatmap}``)
    directive, past its ``:option:`` lines; with ``plain_fences``
    (``myst_fence_as_directive``) ```` ```heatmap ```` fences too.  A body
    that opens with ``---`` (MyST reads that as options) is left to the
    directive."""
    lines = text.splitlines()
    bodies = []
    n = 0
    while n < len(lines):
        match = _MYST.match(lines[n])
        n += 1
        if not match or (match["name"] == LANGUAGE and not plain_fences):
            continue
        fence, indent = match["fence"], len(match["indent"])
        block = []
        while n < len(lines):
            line = lines[n][indent:] if lines[n][:indent].isspace() else lines[n]
            n += 1
            stripped = line.rstrip()
            if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
                break
            block.append(line)
        while block and _MYST_OPTION.match(block[0]):
            block.pop(0)
        body = "\n".join(block).strip("\n")
        if body and not body.startswith("---"):
            bodies.append(body)
    return bodies
