"""Where a block's data file is, whether it may be read, and its bytes.

A relative ``data`` path is looked up in the page's folder, then
``docs_dir``, then the project root, then each ``data_dir``; the resolved
file (symlinks followed) must lie inside one of the allowed roots.  Sizes
are checked with ``stat()`` before a byte is read.
"""

from __future__ import annotations

import difflib
import errno
import itertools
import os
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
    """A data file read into memory: its resolved path, bytes and format, and
    what finding it depended on (for deciding later whether it still holds)."""

    path: Path  # resolved: symlinks followed
    content: bytes
    fmt: str
    found: Path | None = None  # as found (a symlink stays one: its target may change)
    passed: tuple[Path, ...] = ()  # earlier candidates that did not exist then


@dataclass(frozen=True)
class Located:
    """Where a ``data`` reference led."""

    resolved: Path
    found: Path
    passed: tuple[Path, ...]


def resolve_data_path(ref: str, roots: DataRoots) -> Path:
    """Find the file a block's ``data`` names and check it may be read; see
    ``locate``.  Raises ``DataError`` (``key="data"``)."""
    return locate(ref, roots).resolved


def locate(ref: str, roots: DataRoots) -> Located:
    """Find the file a block's ``data`` names and check it may be read.

    A relative ``ref`` is looked up in the page's folder, then ``docs_dir``,
    then the project root, then each ``data_dirs`` entry; the first that
    exists wins.  A leading ``/`` means the project root.  The resolved file
    (symlinks followed) must lie inside the project root, ``docs_dir`` or a
    ``data_dirs`` entry, and not in a hidden file or folder below it.  A
    candidate that resolves outside those folders is never probed, so the
    messages tell nothing about files outside the project.
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
    allowed = roots.allowed()
    passed: list[Path] = []
    outside = False
    broken: str | None = None  # what the first link that leads nowhere does
    for candidate in (folder / relative for folder in folders):
        if _root_of(_resolved(candidate), allowed) is None:
            outside = True  # not probed: whether it exists is none of the page's business
            continue
        if not _exists(candidate):
            broken = broken or _broken_link(candidate, shown, project, allowed)
            passed.append(candidate)
            continue
        return Located(_checked_file(candidate, shown, allowed), candidate, tuple(passed))
    if broken is not None:
        raise DataError(broken, key="data")
    if outside:
        raise DataError(_OUTSIDE.format(shown=shown), key="data")
    raise DataError(_not_found(text, shown, folders, project, allowed), key="data")


_OUTSIDE = (
    "data file {shown} resolves outside the project; data files must be inside "
    "the project folder or data_dir"
)


def _broken_link(candidate: Path, shown: str, project: Path, allowed: Sequence[Path]) -> str | None:
    """Why ``candidate``, which does not exist as a file, is still there: a
    symlink loop, or a symlink to a file that does not exist (``None`` when
    it is simply not there).  The links are named only while they stay
    inside what may be read."""
    try:
        os.stat(candidate)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            chain = _link_chain(candidate, project, allowed)
            return f"data file {shown} is a symlink loop" + (
                f" ({' -> '.join(chain)}); point the link at a file"
                if chain and len(chain) > 1
                else ""
            )
        if exc.errno != errno.ENOENT or not os.path.islink(candidate):
            return None
        chain = _link_chain(candidate, project, allowed)
        if chain is None:
            return None
        return f"data file {shown} is a broken symlink: {' -> '.join(chain)}, which does not exist"
    return None


def _link_chain(start: Path, project: Path, allowed: Sequence[Path]) -> list[str] | None:
    """The links from ``start`` on, to the first one seen twice or to a path
    that is not a link, each shown from the project root; ``None`` when one
    lies outside what may be read."""
    path = Path(os.path.abspath(start))
    seen: list[Path] = []
    for _ in range(_MAX_LINKS):
        if path in seen or not os.path.islink(path):
            seen.append(path)
            break
        seen.append(path)
        try:
            target = os.readlink(path)
        except OSError:
            return None
        path = Path(os.path.normpath(path.parent / target))
    shown = []
    for hop in seen:
        real = _resolved(hop.parent) / hop.name  # its folders' links followed, not its own
        root = _root_of(real, allowed)
        if root is None or _hidden_part(real, root):
            return None
        shown.append(_show_path(real, project))
    return shown


def _show_path(path: Path, project: Path) -> str:
    try:
        return path.relative_to(project).as_posix()
    except ValueError:
        return path.as_posix()


_MAX_LINKS = 40  # as the kernel follows


def _root_of(path: Path, allowed: Sequence[Path]) -> Path | None:
    """The allowed root ``path`` lies in without a hidden part below it
    (preferring one), or ``None`` when it lies in none."""
    inside = [root for root in allowed if path.is_relative_to(root)]
    for root in inside:
        if not _hidden_part(path, root):
            return root
    return inside[0] if inside else None


def _hidden_part(path: Path, root: Path) -> str | None:
    return next((part for part in path.relative_to(root).parts if part.startswith(".")), None)


def _checked_file(candidate: Path, shown: str, allowed: Sequence[Path]) -> Path:
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise DataError(
            f"data file {shown} cannot be resolved: {reason(exc)}", key="data"
        ) from None
    root = _root_of(resolved, allowed)
    if root is None:
        raise DataError(_OUTSIDE.format(shown=shown), key="data")
    hidden = _hidden_part(resolved, root)
    if hidden is not None:
        raise DataError(
            f"data file {shown} is in the hidden file or folder {q(hidden)}; hidden files "
            "and folders (.git, .env, ...) are never read as data; name the folder in "
            "data_dir to allow it",
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
    located = locate(spec.data, roots)
    path = located.resolved
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
    return Source(path, content, fmt, located.found, located.passed)


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


def _not_found(
    text: str, shown: str, folders: Sequence[Path], project: Path, allowed: Sequence[Path]
) -> str:
    where = join_words([_show_folder(f, project) for f in folders])
    message = f"data file {shown} not found; looked in {where}"
    suggestion = _suggest_file(text, folders, allowed)
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


def _suggest_file(text: str, folders: Sequence[Path], allowed: Sequence[Path]) -> str | None:
    """A close file name next to where the file was expected, for typos; only
    names that may be read are ever suggested."""
    pure = PurePosixPath(text.lstrip("/"))
    if ".." in pure.parts:
        return None  # never list folders that may lie outside the project
    for folder in folders:
        parent = folder / pure.parent
        root = _root_of(_resolved(parent), allowed)
        if root is None or _hidden_part(_resolved(parent), root):
            continue  # a folder (or a symlink to one) outside what may be read
        try:
            names = [
                p.name
                for p in itertools.islice(parent.iterdir(), 2000)
                if not p.name.startswith(".")
            ]
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
