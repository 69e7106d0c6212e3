"""Files by content: the digest of one, and writing one into a folder a host owns.

Every file a host writes (an image, a print PDF, a CSV download, a cache
entry) goes through ``atomic_write``: a temporary file in the same folder,
renamed into place, removed if anything fails, so a reader sees the whole
file or none and no ``.tmp-*`` is ever left behind.  Published files go
through ``publish``: a path inside the host's folder (``output_path``
refuses one that would leave it), rewritten unless a regular file with
exactly those bytes is already there.  A file is data, not a promise: a
published file that was truncated, edited, or replaced by a symlink or a
FIFO is written again; a folder in the way is a problem at the block.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from pathlib import Path, PurePosixPath

from .errors import OutputError

MISSING = "missing"  # the digest of a file that is not there
TOO_LARGE = "too-large"  # the digest of a file over the limit: never read


def _open_regular(path: Path) -> int | None:
    """A descriptor of ``path`` if it is a regular file, else ``None``:
    checked before opening (a FIFO would block, /dev/zero never end) and
    again on what was opened (it may have been swapped in between); opened
    without blocking, so a FIFO swapped in cannot hang the build."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def file_digest(path: Path, limit: int | None = None) -> str:
    """SHA-256 of a regular file's bytes, read in chunks; ``MISSING`` when
    there is no such file (a device, a FIFO or a folder counts as none),
    ``TOO_LARGE`` (unread) when it has more than ``limit`` bytes."""
    fd = _open_regular(path)
    if fd is None:
        return MISSING
    with os.fdopen(fd, "rb") as handle:
        try:
            if limit is not None and os.fstat(handle.fileno()).st_size > limit:
                return TOO_LARGE
            digest = hashlib.sha256()
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        except OSError:
            return MISSING
    return digest.hexdigest()


def read_regular(path: Path, limit: int) -> bytes | None:
    """A regular file's bytes, or ``None``: not there, not a regular file, or
    over ``limit`` bytes (checked before reading, and while reading: a file
    that grows is cut off, not followed)."""
    fd = _open_regular(path)
    if fd is None:
        return None
    with os.fdopen(fd, "rb") as handle:
        try:
            if os.fstat(handle.fileno()).st_size > limit:
                return None
            content = handle.read(limit + 1)
        except OSError:
            return None
    return content if len(content) <= limit else None


def atomic_write(path: Path, content: bytes, *, suffix: str = "") -> None:
    """Write ``content`` to ``path`` whole or not at all; raises ``OSError``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=suffix)
    try:
        # mkstemp makes the file private (0600): a published image would be
        # unreadable to a web server running as another user.
        os.fchmod(handle, 0o666 & ~umask())
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def umask() -> int:
    """The process's umask, read without changing it where Linux tells it
    (``os.umask`` sets it, and another thread may create a file meanwhile)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def output_path(folder: Path, site_path: str) -> Path:
    """Where the file a block publishes as ``site_path`` (a posix path
    relative to the host's output folder) goes: always inside ``folder``."""
    relative = PurePosixPath(site_path.lstrip("/"))
    if not relative.parts or any(part in (".", "..") for part in relative.parts):
        raise OutputError(f"cannot publish {site_path!r}: not a path inside the output folder")
    return folder.joinpath(*relative.parts)


def publish(folder: Path, site_path: str, content: bytes) -> Path:
    """Put ``content`` at ``site_path`` under ``folder`` unless it is there
    already, byte for byte; returns the file's path.  ``OutputError`` names
    the file when it cannot be written."""
    path = output_path(folder, site_path)
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        mode = 0
    if stat.S_ISREG(mode) and file_digest(path) == hashlib.sha256(content).hexdigest():
        return path
    shown = f"{folder.name}/{site_path.lstrip('/')}"
    if stat.S_ISDIR(mode):
        raise OutputError(f"cannot write {shown}: a folder is in the way; remove it")
    try:
        atomic_write(path, content)
    except OSError as exc:
        reason = _not_a_folder(folder, path) or exc.strerror or type(exc).__name__
        raise OutputError(f"cannot write {shown}: {reason}") from None
    return path


def _not_a_folder(folder: Path, path: Path) -> str | None:
    """ "NAME is a file, not a folder" for the first folder on the way to
    ``path`` (``folder`` included) that is something else."""
    for step in reversed(path.parents[: len(path.parents) - len(folder.parents)]):
        if step.exists() and not step.is_dir():
            return f"{step.relative_to(folder.parent).as_posix()} is a file, not a folder"
    return None
