"""The plugin's options (SPEC §2), as a typed MkDocs config."""

from __future__ import annotations

from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c

from .errors import HeatmapError
from .spec import validate_defaults
from .style import BUILTIN_STYLES


class _Defaults(c.Type[dict[str, Any]]):
    """Block keys applied to every block; checked now, not at the first block."""

    def __init__(self) -> None:
        super().__init__(dict, default={})

    def run_validation(self, value: object) -> dict[str, Any]:
        checked = super().run_validation(value)
        try:
            validate_defaults(checked)
        except HeatmapError as exc:
            raise base.ValidationError(str(exc)) from None
        return checked


class _Style(base.BaseConfigOption[Any]):
    """A built-in style name, a ``.mplstyle`` path, or a mapping of rcParams.

    Only the shape is checked here; the plugin resolves it against the config
    file's folder in ``on_config`` and reports bad values there.
    """

    def run_validation(self, value: object) -> Any:
        if isinstance(value, (str, dict)):
            return value
        raise base.ValidationError(
            f"expected one of {', '.join(BUILTIN_STYLES)}, a .mplstyle path or a mapping "
            f"of rcParams, got {value!r}"
        )


class _Workers(base.BaseConfigOption["str | int"]):
    def run_validation(self, value: object) -> str | int:
        if value == "auto" or (
            isinstance(value, int) and not isinstance(value, bool) and value >= 1
        ):
            return value
        raise base.ValidationError(f"expected auto or a number >= 1, got {value!r}")


class PluginConfig(base.Config):
    style = c.Optional(_Style())
    defaults = _Defaults()
    theme = c.Choice(("light", "auto"), default="light")
    cache = c.Type(bool, default=True)
    cache_dir = c.Type(str, default=".cache/heatmap")
    output_dir = c.Type(str, default="assets/heatmaps")
    data_dir = c.Optional(c.Type(str))
    workers = _Workers()
    on_error = c.Choice(("warn", "fail"), default="warn")
    enabled = c.Type(bool, default=True)
    numbering = c.Type(bool, default=False)  # "Figure N." on every figure's caption
    # Limits, checked before memory is spent (SPEC §4 promise 7).
    max_file_size = c.Type(int, default=50 * 1024 * 1024)  # bytes
    max_cells = c.Type(int, default=4_000_000)
    max_label_length = c.Type(int, default=200)


PluginConfig.workers.default = "auto"
