"""What a block's author should know that is not an error: the figure is drawn.

Core code that makes a choice the author did not spell out (which column of
a pandas export is the index, why labels were thinned) calls ``note()``;
``prepare_block`` collects the notes of one block, with the line of the key
each names, and every host reports them at the block, as it reports
problems, but without an error box: a ``warning`` fails a strict build (the
author should say what they mean), an ``info`` is a line in the build log.
Outside a collection ``note()`` does nothing, so pure functions stay usable
on their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

from .messages import one_line

Level = Literal["warning", "info"]
LEVELS: tuple[Level, ...] = ("warning", "info")


@dataclass(frozen=True)
class Note:
    message: str
    level: Level = "warning"
    key: str | None = None  # the block key it is about, for its line
    block_line: int | None = None  # 0-based line in the block, once known


_found: ContextVar[list[Note] | None] = ContextVar("heatmap_notes", default=None)


def note(message: str, *, key: str | None = None, level: Level = "warning") -> None:
    """Tell the author ``message`` (one line) about the block being prepared."""
    found = _found.get()
    if found is not None and not any(n.message == message for n in found):
        found.append(Note(one_line(message)[:1000], level, key))


@contextmanager
def collecting() -> Iterator[list[Note]]:
    """The notes made inside the block, in order, each once."""
    found: list[Note] = []
    token = _found.set(found)
    try:
        yield found
    finally:
        _found.reset(token)
