"""YAML whose cost is bounded by what was written.

A safe loader runs no code, but aliases still let a few hundred bytes stand
for millions of values (``a: &a [x, x]``, ``b: &b [*a, *a]``, ...): loading
shares them, and the first thing that walks the result (a JSON dump for a
cache key, a message quoting the value) expands them all.  So every YAML
the product reads is measured as a tree before it is used: aliases may add
at most ``MAX_GROWTH`` values to what the text spells out, and a recursive
alias is refused.  The same measure applies to values other loaders built
(MkDocs reads ``mkdocs.yml`` and front matter itself).
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_GROWTH = 10_000
"""How many values aliases may add to a document, beyond those written out."""


class TooLarge(ValueError):
    """The value expands past the limit, or refers to itself.  ``at`` is the
    container where that was found (a YAML node, for its line)."""

    def __init__(self, message: str, at: object = None) -> None:
        super().__init__(message)
        self.at = at


def check_nodes(root: yaml.Node) -> None:
    """Raise ``TooLarge`` if the composed document ``root`` expands (aliases
    followed) to more than ``MAX_GROWTH`` nodes beyond the distinct ones."""
    _measure(root, _node_children)


def check_value(value: object, limit: int = MAX_GROWTH) -> None:
    """Raise ``TooLarge`` if a loaded value (lists and mappings that may share
    parts) expands to more than ``limit`` items beyond its distinct ones."""
    _measure(value, _value_children, limit)


def _node_children(node: Any) -> list[Any]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _value_children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [part for pair in value.items() for part in pair]
    if isinstance(value, (list, tuple)):
        return list(value)
    return []


def _measure(root: Any, children: Any, limit: int = MAX_GROWTH) -> None:
    """Expanded size against written size, iteratively (no recursion limit),
    each shared container measured once.  Leaves count one wherever they
    appear: a repeated number is written out each time."""
    size: dict[int, int] = {}
    written = 0
    open_: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        item, done = stack.pop()
        key = id(item)
        parts = children(item)
        if done:
            open_.discard(key)
            size[key] = 1 + sum(size.get(id(part), 1) for part in parts)
            if size[key] - written > limit:
                raise TooLarge(f"aliases expand it to more than {limit:,} values", item)
            continue
        if key in size:
            continue
        if key in open_:
            raise TooLarge("an alias refers to a value that contains it", item)
        open_.add(key)
        written += 1 + sum(1 for part in parts if not children(part))
        stack.append((item, True))
        for part in parts:
            if children(part) and id(part) not in size:
                if id(part) in open_:
                    raise TooLarge("an alias refers to a value that contains it", part)
                stack.append((part, False))
