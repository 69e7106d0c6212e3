"""The product's error types and the one way a problem is written.

Every problem a user can cause is raised as a ``HeatmapError`` carrying the
key or file at fault and, when known, the line inside the block.  A host
turns it into a ``Problem`` (page, line, message), whose text
``PAGE:LINE: heatmap: message`` is the same under every host.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .messages import one_line

if TYPE_CHECKING:
    from .notes import Note

MAX_MESSAGE = 1000  # characters


class HeatmapError(Exception):
    """A problem with one heatmap block: its spec, its data or its rendering.

    ``key`` names the block key at fault (``None`` when the whole block is),
    ``block_line`` is the 0-based line inside the block body that holds it,
    when known, so the reported line can point at the key, not just the fence.
    """

    def __init__(
        self,
        message: str,
        *,
        key: str | None = None,
        block_line: int | None = None,
    ) -> None:
        # User text reaches messages (keys, values, file names): one line,
        # control characters escaped, bounded, so it cannot forge a log line
        # or flood one.
        message = one_line(message)
        if len(message) > MAX_MESSAGE:
            message = message[: MAX_MESSAGE - 1] + "…"
        super().__init__(message)
        self.message = message
        self.key = key
        self.block_line = block_line

    def __str__(self) -> str:
        return self.message


class SpecError(HeatmapError):
    """The block's YAML is malformed, or a key is unknown or has a bad value."""


class DataError(HeatmapError):
    """The data file cannot be found, read, or turned into a numeric matrix."""


class RenderError(HeatmapError):
    """matplotlib failed to draw the figure (a bad label, a font problem)."""


class ConfigError(HeatmapError):
    """A host option (style, defaults, ...) is invalid."""


class OutputError(HeatmapError):
    """A file the figure publishes cannot be written where the host puts it."""


class HeatmapWarning(UserWarning):
    """The API's word for a choice the block did not spell out (the figure is
    drawn); the hosts report the same text as a warning at the block."""


@dataclass(frozen=True)
class Problem:
    """One problem at one place: what every host reports, in one format."""

    page: str  # as the host names the page (relative to docs_dir / srcdir)
    line: int | None  # 1-based line in the page's source; None when unknown
    message: str

    @property
    def location(self) -> str:
        return f"{self.page}:{self.line if self.line is not None else '?'}"

    def __str__(self) -> str:
        return f"{self.location}: heatmap: {one_line(self.message)[:MAX_MESSAGE]}"


OUT_OF_MEMORY = (
    "drawing the figure ran out of memory; lower 'dpi' or 'figsize', or draw fewer cells"
)


def internal_error(exc: BaseException) -> str:
    """The message for an exception that is a bug of ours, not the user's fault."""
    return f"internal error ({type(exc).__name__}: {one_line(str(exc))}); please report it"


def line_in_page(fence_line: int | None, exc: HeatmapError | Note) -> int | None:
    """The page line of a block's problem: the key's line when known, else the fence's."""
    if fence_line is not None and exc.block_line is not None:
        return fence_line + 1 + exc.block_line
    return fence_line
