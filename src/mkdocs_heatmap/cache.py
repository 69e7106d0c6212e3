"""Content-addressed cache of rendered figures.

A key is the SHA-256 of everything that shapes a figure's bytes: the
rendering-relevant part of the spec, the plotted matrix and its labels, the
resolved style, the variants, and the plugin's and matplotlib's versions;
never file times.  An entry is one file: a JSON header line listing each
image (format, size, SHA-256) followed by the images' bytes.  Entries are
written to a temporary file and renamed into place, so a reader sees a whole
entry or none, and two builds sharing the folder never see half an entry; a
reader also re-checks every hash, so a truncated or corrupted entry is a miss
and gets rendered again.  Reading never imports matplotlib.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .model import Image

ENTRY_VERSION = 1
SUFFIX = ".heatmap"


@cache
def matplotlib_version() -> str:
    """Part of every key: another matplotlib may draw other bytes."""
    try:
        return version("matplotlib")
    except PackageNotFoundError:  # pragma: no cover - matplotlib is a dependency
        return "unknown"


def make_key(*parts: object) -> str:
    """A stable key from JSON-able parts (anything else by its repr)."""
    text = json.dumps(parts, sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class DiskCache:
    """Entries under ``root``; ``max_age_days`` bounds how long unused entries stay."""

    root: Path
    max_age_days: float = 30.0

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}{SUFFIX}"

    def get(self, key: str) -> list[Image] | None:
        path = self.path(key)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        images = decode_entry(raw)
        if images is None:
            return None
        # Mark the entry as used, for pruning; the key never depends on it.
        with contextlib.suppress(OSError):
            os.utime(path)
        return images

    def put(self, key: str, images: Sequence[Image]) -> None:
        self._write(self.path(key), encode_entry(images))

    def _write(self, path: Path, content: bytes) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=SUFFIX)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(content)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            # A read-only or full cache folder costs speed, never the build.
            return

    def get_text(self, key: str) -> str | None:
        """A small text record (a block memo); its JSON is checked by the caller."""
        path = self._text_path(key)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        with contextlib.suppress(OSError):
            os.utime(path)
        return text

    def put_text(self, key: str, text: str) -> None:
        self._write(self._text_path(key), text.encode("utf-8"))

    def _text_path(self, key: str) -> Path:
        return self.root / "blocks" / key[:2] / f"{key}.json"

    def prune(self, now: float | None = None) -> int:
        """Delete entries unused for ``max_age_days`` and stale temp files."""
        cutoff = (now if now is not None else time.time()) - self.max_age_days * 86400
        removed = 0
        if not self.root.is_dir():
            return 0
        for path in [*self.root.glob(f"*/*{SUFFIX}"), *self.root.glob("blocks/*/*.json")]:
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except OSError:
                continue
        return removed


def encode_entry(images: Sequence[Image]) -> bytes:
    header = {
        "v": ENTRY_VERSION,
        "images": [
            {
                "format": image.format,
                "width": image.width,
                "height": image.height,
                "size": len(image.content),
                "sha256": hashlib.sha256(image.content).hexdigest(),
            }
            for image in images
        ],
    }
    head = json.dumps(header, sort_keys=True).encode("utf-8") + b"\n"
    return head + b"".join(image.content for image in images)


def decode_entry(raw: bytes) -> list[Image] | None:
    """The images of an entry, or ``None`` when any part fails its check."""
    head, sep, body = raw.partition(b"\n")
    if not sep:
        return None
    try:
        header = json.loads(head)
        if header.get("v") != ENTRY_VERSION:
            return None
        images: list[Image] = []
        offset = 0
        for item in header["images"]:
            content = body[offset : offset + int(item["size"])]
            offset += int(item["size"])
            if hashlib.sha256(content).hexdigest() != item["sha256"]:
                return None
            images.append(
                Image(content, str(item["format"]), int(item["width"]), int(item["height"]))
            )
    except (ValueError, KeyError, TypeError):
        return None
    if offset != len(body) or not images:
        return None
    return images
