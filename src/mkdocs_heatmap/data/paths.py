"""Where a block's data file is, whether it may be read, and its bytes.

A relative ``data`` path is looked up in the page's folder, then
``docs_dir``, then the project root, then each ``data_dir``; the resolved
file (symlinks followed) must lie inside one of the allowed roots.  Sizes
are checked with ``stat()`` before a byte is read.
"""

from __future__ import annotations

import difflib
import itertools
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ..errors import DataError
from ..messages import join_words, q, reason
from ..messages import size as shown_size
from ..model import DATA_EXTENSIONS, DATA_FORMATS, DEFAULT_LIMITS, DataRoots, Limits

if TYPE_CHECKING:
    from ..spec import HeatmapSpec


@dataclass(frozen=True)
class Source:
    """A data file read into memory: its resolved path, bytes and format."""

    path: Path
    content: bytes
    fmt: str


def resolve_data_path(ref: str, roots: DataRoots) -> Path:
    """Find the file a block's ``data`` names and check it may be read.

    A relative ``ref`` is looked up in the page's folder, then ``docs_dir``,
    then the project root, then each ``data_dirs`` entry; the first that
    exists wins.  A leading ``/`` means the project root.  The resolved file
    (symlinks followed) must lie inside the project root, ``docs_dir`` or a
    ``data_dirs`` entry.  Raises ``DataError`` (``key="data"``).
    """
    shown = q(ref, 80)
    text = ref.strip()
    if not text:
        raise DataError("'data' is empty; it should name a data file", key="data")
    if "\x00" in text:
        raise DataError(f"data file {shown} contains a NUL character", key="data")
    if _WINDOWS_ABSOLUTE.match(text):
        raise DataError(
            f"data file {shown} is a Windows absolute path; give a path relative to the "
            "page, docs_dir or the project root, with '/' between folders "
            "(a leading '/' means the project root)",
            key="data",
        )
    project = _resolved(roots.project_root)
    if text.startswith("/"):
        folders: list[Path] = [roots.project_root]
        relative = text.lstrip("/")
    else:
        folders = []
        for folder in (roots.page_dir, roots.docs_dir, roots.project_root, *roots.data_dirs):
            if folder is not None and all(_resolved(folder) != _resolved(f) for f in folders):
                folders.append(folder)
        relative = text
    candidates = [folder / relative for folder in folders]
    found = next((c for c in candidates if _exists(c)), None)
    if found is None:
        raise DataError(_not_found(text, shown, folders, project), key="data")
    try:
        resolved = found.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise DataError(
            f"data file {shown} cannot be resolved: {reason(exc)}", key="data"
        ) from None
    allowed = [project, _resolved(roots.docs_dir), *(_resolved(d) for d in roots.data_dirs)]
    if not any(resolved.is_relative_to(root) for root in allowed):
        raise DataError(
            f"data file {shown} resolves outside the project; data files must be inside "
            "the project folder or data_dir",
            key="data",
        )
    try:
        mode = resolved.stat().st_mode
    except OSError as exc:
        raise DataError(f"cannot read data file {shown}: {reason(exc)}", key="data") from None
    if stat.S_ISDIR(mode):
        raise DataError(f"data file {shown} is a folder, not a file", key="data")
    if not stat.S_ISREG(mode):
        raise DataError(f"data file {shown} is not a regular file", key="data")
    return resolved


def read_source(
    spec: HeatmapSpec, roots: DataRoots, limits: Limits = DEFAULT_LIMITS
) -> Source | None:
    """Resolve and read the block's data file; ``None`` for an inline ``matrix``.

    The size limit is checked with ``stat()`` before a byte is read.
    """
    if spec.data is None:
        if spec.matrix is not None:
            return None
        raise DataError("the block needs 'data' (a file) or 'matrix' (inline rows)", key="data")
    path = resolve_data_path(spec.data, roots)
    shown = q(spec.data, 80)
    fmt = format_of(spec, spec.data)
    limit = limits.max_file_bytes
    try:
        length = path.stat().st_size
        if length > limit:
            raise DataError(
                f"data file {shown} is {shown_size(length)}, over the limit of {shown_size(limit)}",
                key="data",
            )
        with path.open("rb") as fh:
            # One byte more than allowed tells a file that grew since stat().
            content = fh.read(limit + 1)
    except OSError as exc:
        raise DataError(f"cannot read data file {shown}: {reason(exc)}", key="data") from None
    if len(content) > limit:
        raise DataError(f"data file {shown} is over the limit of {shown_size(limit)}", key="data")
    return Source(path=path, content=content, fmt=fmt)


_WINDOWS_ABSOLUTE = re.compile(r"^(?:[A-Za-z]:|\\)")


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _not_found(text: str, shown: str, folders: Sequence[Path], project: Path) -> str:
    where = join_words([_show_folder(f, project) for f in folders])
    message = f"data file {shown} not found; looked in {where}"
    suggestion = _suggest_file(text, folders)
    if suggestion:
        message += f" (did you mean {q(suggestion, 80)}?)"
    if text.startswith("/"):
        message += "; a leading '/' means the project root, not the file system root"
    elif "\\" in text:
        message += "; use '/' between folders"
    return message


def _show_folder(folder: Path, project: Path) -> str:
    resolved = _resolved(folder)
    try:
        relative = resolved.relative_to(project)
    except ValueError:
        return f"{resolved.as_posix()}/"
    return "the project root" if relative == Path() else f"{relative.as_posix()}/"


def _suggest_file(text: str, folders: Sequence[Path]) -> str | None:
    """A close file name next to where the file was expected, for typos."""
    pure = PurePosixPath(text.lstrip("/"))
    if ".." in pure.parts:
        return None  # never list folders that may lie outside the project
    for folder in folders:
        parent = folder / pure.parent
        try:
            names = [p.name for p in itertools.islice(parent.iterdir(), 2000)]
        except (OSError, ValueError):
            continue
        close = difflib.get_close_matches(pure.name, names, n=1, cutoff=0.75)
        if close:
            prefix = "/" if text.startswith("/") else ""
            return prefix + str(pure.with_name(close[0]))
    return None


def format_of(spec: HeatmapSpec, ref: str) -> str:
    chosen: str | None = spec.data_format
    if chosen is not None:
        if chosen not in DATA_FORMATS:
            raise DataError(
                f"unknown data_format {q(chosen)}; use one of {', '.join(DATA_FORMATS)}",
                key="data_format",
            )
        return chosen
    suffix = PurePosixPath(ref.strip().replace("\\", "/")).suffix.lower()
    fmt = DATA_EXTENSIONS.get(suffix)
    if fmt is None:
        known = ", ".join(sorted(DATA_EXTENSIONS))
        what = f"extension {q(suffix)}" if suffix else "no extension"
        raise DataError(
            f"cannot tell the format of data file {q(ref, 80)} ({what}); known extensions "
            f"are {known}, or set data_format to one of {', '.join(DATA_FORMATS)}",
            key="data",
        )
    return fmt
