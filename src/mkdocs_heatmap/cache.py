"""Content-addressed cache of rendered figures.

A key is the SHA-256 of everything that shapes a figure's bytes: the
rendering-relevant part of the spec, the plotted matrix and its labels, the
resolved style, the variants, and the plugin's and matplotlib's versions;
never file times.  An entry is one file: a JSON header line listing each
image (format, variant, scale, size, SHA-256) and the entry's own key,
followed by the images' bytes.  Entries are written to a temporary file and
renamed into place, so a reader sees a whole entry or none, and two builds
sharing the folder never see half an entry; a reader re-checks every hash and the key,
so a truncated, corrupted or swapped entry is a miss and gets rendered
again.  Pruning deletes only files whose names the cache itself writes.
Reading never imports matplotlib.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .files import atomic_write, read_regular
from .formats import FORMATS
from .model import MAX_PANELS, Image

# 4: each image names its variant and scale.  An entry of another version
# (the same key: it is not part of it) is a miss, drawn and written again.
ENTRY_VERSION = 4
DRAWING = 3
"""The output code's revision, part of every figure's and block memo's key:
raise it when a change of the renderer or the layout changes images, or one
of what a finished block holds (hover data, notes, HTML), so no cache (a
developer's, a shared CI cache) serves what older code made."""
SUFFIX = ".heatmap"
_ENTRY = re.compile(r"^(?P<dir>[0-9a-f]{2})/(?P=dir)[0-9a-f]{62}\.heatmap$")
_MEMO = re.compile(r"^blocks/(?P<dir>[0-9a-f]{2})/(?P=dir)[0-9a-f]{62}\.json$")
_TEMP = re.compile(r"^(?:blocks/)?[0-9a-f]{2}/\.tmp-[A-Za-z0-9_]+\.heatmap$")
_MAX_IMAGES = 8
_VARIANTS = ("light", "dark")
# What an entry or a memo can hold: 8 images of at most 40 MP PNG each, and a
# memo's doc and texts (the CSV download of a figure within the cell limit).
MAX_ENTRY_BYTES = 1 << 30
MAX_MEMO_BYTES = 256 << 20


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
        # The cache folder may be shared and written by others: an entry is
        # data, read only if it is a regular file of a size an entry can have.
        raw = read_regular(path, MAX_ENTRY_BYTES)
        if raw is None:
            return None
        images = decode_entry(raw, key)
        if images is None:
            return None
        # Mark the entry as used, for pruning; the key never depends on it.
        with contextlib.suppress(OSError):
            os.utime(path)
        return images

    def put(self, key: str, images: Sequence[Image]) -> None:
        self._write(self.path(key), encode_entry(images, key))

    def _write(self, path: Path, content: bytes) -> None:
        try:
            atomic_write(path, content, suffix=SUFFIX)
        except OSError:
            # A read-only or full cache folder costs speed, never the build.
            return

    def get_text(self, key: str) -> str | None:
        """A small text record (a block memo); its JSON is checked by the caller."""
        path = self._text_path(key)
        raw = read_regular(path, MAX_MEMO_BYTES)
        if raw is None:
            return None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)
        return text

    def put_text(self, key: str, text: str) -> None:
        self._write(self._text_path(key), text.encode("utf-8"))

    def _text_path(self, key: str) -> Path:
        return self.root / "blocks" / key[:2] / f"{key}.json"

    def prune(self, now: float | None = None) -> int:
        """Delete entries unused for ``max_age_days`` and stale temp files:
        only files named as the cache names them (``ab/ab….heatmap``,
        ``blocks/ab/ab….json``), so a cache folder that holds other files
        (``cache_dir: .``) loses none of them."""
        cutoff = (now if now is not None else time.time()) - self.max_age_days * 86400
        removed = 0
        if not self.root.is_dir():
            return 0
        found = [*self.root.glob(f"*/*{SUFFIX}"), *self.root.glob("blocks/*/*.json")]
        found += [*self.root.glob(f"*/.tmp-*{SUFFIX}"), *self.root.glob(f"blocks/*/.tmp-*{SUFFIX}")]
        for path in found:
            name = path.relative_to(self.root).as_posix()
            if not (_ENTRY.match(name) or _MEMO.match(name) or _TEMP.match(name)):
                continue
            try:
                if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except OSError:
                continue
        return removed


def encode_entry(images: Sequence[Image], key: str) -> bytes:
    header = {
        "v": ENTRY_VERSION,
        "key": key,
        "images": [
            {
                "format": image.format,
                "width": image.width,
                "height": image.height,
                "size": len(image.content),
                "sha256": hashlib.sha256(image.content).hexdigest(),
                "maps": [list(box) for box in image.maps],
                "variant": image.variant,
                "scale": image.scale,
            }
            for image in images
        ],
    }
    head = json.dumps(header, sort_keys=True).encode("utf-8") + b"\n"
    return head + b"".join(image.content for image in images)


def _box(raw: object) -> tuple[float, float, float, float]:
    if not isinstance(raw, list) or len(raw) != 4:
        raise ValueError("box")
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in raw):
        raise ValueError("box")
    left, top, right, bottom = (float(v) for v in raw)
    if not 0 <= left < right <= 1 or not 0 <= top < bottom <= 1:
        raise ValueError("box")
    return left, top, right, bottom


def decode_entry(raw: bytes, key: str) -> list[Image] | None:
    """The images of the entry for ``key``, or ``None`` when any part fails
    its check: the header's shape, the key it names, every image's hash."""
    head, sep, body = raw.partition(b"\n")
    if not sep:
        return None
    try:
        header = json.loads(head)
        if not isinstance(header, dict) or header.get("v") != ENTRY_VERSION:
            return None
        if header.get("key") != key or not isinstance(header.get("images"), list):
            return None
        if not 1 <= len(header["images"]) <= _MAX_IMAGES:
            return None
        images: list[Image] = []
        offset = 0
        for item in header["images"]:
            size = item["size"]
            if not isinstance(size, int) or not 0 <= size <= len(body) - offset:
                return None
            content = body[offset : offset + size]
            offset += size
            if hashlib.sha256(content).hexdigest() != item["sha256"]:
                return None
            fmt = FORMATS.get(item["format"])
            scale = item["scale"]
            if fmt is None or type(scale) is not int or scale not in fmt.scales:
                return None
            if item["variant"] not in _VARIANTS:
                return None
            maps = tuple(_box(box) for box in item["maps"])
            if len(maps) > MAX_PANELS:
                return None
            images.append(
                Image(
                    content,
                    fmt.name,
                    int(item["width"]),
                    int(item["height"]),
                    maps,
                    item["variant"],
                    scale,
                )
            )
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    if offset != len(body):
        return None
    return images
