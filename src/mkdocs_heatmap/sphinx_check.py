"""``mkdocs-heatmap check`` on a Sphinx source folder.

The folder is read the way ``sphinx-build`` reads it (its conf.py, its
extensions, includes and MyST), with a builder that writes nothing and the
directive in a mode that checks without drawing, so the problems found are
those a build warns about, at the same lines.
"""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

from .errors import ConfigError, Problem

_WARNING = re.compile(
    r"^(?P<source>.+?):(?P<line>\d+|None)?: WARNING: heatmap: "
    r"(?P<message>.*?)(?: \[heatmap\.\w+\])?$"
)
_COLOR = re.compile(r"\x1b\[[0-9;]*m")


def check_sphinx(srcdir: Path) -> tuple[int, int, list[Problem]]:
    """(pages, blocks, problems) of a Sphinx source folder; ``ConfigError``
    when Sphinx cannot read it (its conf.py, a heatmap_* value)."""
    from sphinx.application import Sphinx
    from sphinx.errors import SphinxError
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    srcdir = srcdir.resolve()
    warnings = io.StringIO()
    # As sphinx-build does: the directives and roles the app registers are
    # undone after it, so a later app in this process starts clean.
    with tempfile.TemporaryDirectory() as scratch, patch_docutils(srcdir), docutils_namespace():
        try:
            app = Sphinx(
                str(srcdir),
                str(srcdir),
                str(Path(scratch) / "out"),
                str(Path(scratch) / "doctrees"),
                "dummy",
                status=None,
                warning=warnings,
                freshenv=True,
                confoverrides={"heatmap_check_only": True},
            )
            app.build()
        except SphinxError as exc:
            raise ConfigError(f"{srcdir / 'conf.py'}: heatmap: {exc}") from None
        checked = app.env.__dict__.get("heatmap_checked", {})
    problems: list[Problem] = []
    for line in _COLOR.sub("", warnings.getvalue()).splitlines():
        match = _WARNING.match(line)
        if match is None:
            continue
        source = Path(match["source"])
        page = (
            source.relative_to(srcdir).as_posix() if source.is_relative_to(srcdir) else str(source)
        )
        number = int(match["line"]) if match["line"] and match["line"] != "None" else None
        problems.append(Problem(page, number, match["message"]))
    return len(checked), sum(checked.values()), problems
