"""The plugin's own exception types.

Every problem a user can cause is raised as a ``HeatmapError`` carrying the
key or file at fault and, when known, the line inside the block.  The fence
module turns it into one warning ``PAGE.md:LINE: heatmap: message`` and an
error box; nothing else in the package logs or formats errors.
"""

from __future__ import annotations


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
    """A plugin option (style, defaults, ...) is invalid."""
