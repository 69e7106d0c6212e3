"""Warm builds: a memo per finished block skips parsing, loading and even numpy.

A memo is keyed by everything a block's figure depends on except the bytes
of the files it reads; it lists those files with their hashes (and the
places a data file was looked for first, which must stay empty), so a
changed, added or retargeted file invalidates it.

A memo is data, not markup or paths to trust: a cache folder may be shared
(a CI cache) and written by anyone who can write there.  So the figure is
stored as a ``FigureDoc`` and its HTML written (escaped) where it is placed;
every site path must be a content-hash name in the output folder, and an
image's name is derived again from the bytes it names; the files it lists
must lie inside the folders data may come from, and are read only if they
are regular files.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .__about__ import __version__
from .cache import DRAWING, make_key, matplotlib_version
from .emit import FigureDoc, content_name
from .files import MISSING, file_digest
from .formats import FORMATS
from .messages import one_line
from .model import Image, Output, Settings
from .notes import LEVELS, Note

if TYPE_CHECKING:
    from .pipeline import Finished, Prepared

_KEY = re.compile(r"^[0-9a-f]{64}$")
_DIGEST = re.compile(rf"^(?:[0-9a-f]{{64}}|{MISSING})$")
# What a block publishes: images in a format a page shows, and the CSV download.
_PUBLISHED = "|".join([*(f.extension for f in FORMATS.values() if f.on_page), "csv"])
_NAME = re.compile(rf"^[0-9a-f]{{20}}\.({_PUBLISHED})$")


def memo_key(body: str, settings: Settings, page_defaults: Mapping[str, Any] | None) -> str:
    """Everything a block's figure and files depend on, except the bytes of
    the files it reads (a memo lists those with their hashes)."""
    page_dir = settings.roots.page_dir
    return make_key("block", site_key(settings), body, dict(page_defaults or {}), str(page_dir))


_SITE_KEYS: dict[tuple[object, ...], tuple[Settings, str]] = {}


def site_key(settings: Settings) -> str:
    """The part of a memo key every block of a site shares (all of the
    settings but the page's folder), computed once per site: a warm build
    asks for it for every block, with the page's settings, which share the
    site's style and defaults (``Settings.for_page``)."""
    roots = settings.roots
    identity = (
        id(settings.rc),  # kept alive (and so theirs) by the settings stored below
        id(settings.defaults),
        roots.docs_dir,
        roots.project_root,
        roots.data_dirs,
        settings.limits,
        settings.output_dir,
        settings.theme,
        settings.dark_markup,
        settings.numbering,
        __version__,
        DRAWING,
        matplotlib_version(),
    )
    known = _SITE_KEYS.get(identity)
    if known is not None:
        return known[1]
    key = make_key(
        "site",
        __version__,
        DRAWING,
        matplotlib_version(),
        dict(settings.defaults),
        sorted(settings.rc.items()),
        [str(p) for p in (roots.docs_dir, roots.project_root, *roots.data_dirs)],
        settings.limits,
        settings.output_dir,
        settings.theme,
        settings.dark_markup,
        settings.numbering,
    )
    if len(_SITE_KEYS) > 16:  # a long-lived process sees a few sites, not many
        _SITE_KEYS.clear()
    _SITE_KEYS[identity] = (settings, key)
    return key


class BadMemo(ValueError):
    """A memo that does not hold what a memo may hold."""


@dataclass(frozen=True)
class Memo:
    """A finished block: its figure as data, the files it publishes, what it read."""

    image_key: str
    numbered: bool  # gets "Figure N." where it is placed on its page
    doc: FigureDoc
    images: tuple[tuple[str, int], ...]  # (site path, index into the cached images)
    extra: tuple[tuple[str, str], ...]  # (site path, text), e.g. the CSV download
    files: tuple[tuple[str, str], ...]  # (path, sha256 of its bytes, or MISSING)
    notes: tuple[Note, ...] = ()  # reported on every build that places it

    @classmethod
    def of(
        cls,
        prepared: Prepared,
        images: list[Image],
        finished: Finished,
        numbering: bool = False,
    ) -> Memo:
        index = {id(image.content): n for n, image in enumerate(images)}
        by_bytes = {image.content: n for n, image in enumerate(images)}
        placed, extra = [], []
        for output in finished.outputs:
            n = index.get(id(output.content), by_bytes.get(output.content))
            if n is None:
                extra.append((output.path, output.content.decode("utf-8")))
            else:
                placed.append((output.path, n))
        files = tuple((str(path), file_digest(path)) for path in prepared.files)
        files += tuple((str(path), MISSING) for path in prepared.absent)
        spec = prepared.spec
        numbered = bool(spec.numbered if spec.numbered is not None else numbering)
        return cls(
            prepared.key, numbered, finished.doc, tuple(placed), tuple(extra), files, prepared.notes
        )

    def still_valid(self, allowed: Sequence[Path], limit: int) -> bool:
        """Whether every file it read is unchanged, and every place a data file
        was looked for first is still empty; files outside ``allowed`` (the
        folders data may come from) make the memo invalid, unread, and so do
        files over ``limit`` bytes (the block then reports the limit)."""
        for path, digest in self.files:
            resolved = Path(os.path.realpath(path))
            if not any(resolved.is_relative_to(root) for root in allowed):
                return False
            if file_digest(Path(path), limit) != digest:
                return False
        return True

    def outputs(self, images: Sequence[Image]) -> list[Output]:
        """The files to publish; ``BadMemo`` if an index is out of range or a
        name does not match the bytes it names."""
        outputs = []
        for path, n in self.images:
            if not 0 <= n < len(images):
                raise BadMemo("image index")
            outputs.append(Output(path, images[n].content))
        outputs += [Output(path, text.encode("utf-8")) for path, text in self.extra]
        for output in outputs:
            name = output.path.rsplit("/", 1)[-1]
            if content_name(output.content, name.rsplit(".", 1)[-1]) != name:
                raise BadMemo("a file's name does not match its content")
        return outputs

    def to_json(self) -> str:
        return json.dumps(
            {
                "image_key": self.image_key,
                "numbered": self.numbered,
                "doc": self.doc.to_data(),
                "images": self.images,
                "extra": self.extra,
                "files": self.files,
                "notes": [(n.block_line, n.level, n.message) for n in self.notes],
            }
        )

    @classmethod
    def from_json(cls, text: str, output_dir: str) -> Memo | None:
        """The memo ``text`` holds, or ``None`` when it is not a valid memo for
        a site publishing into ``output_dir``."""
        try:
            raw = json.loads(text)
            memo = cls(
                _matching(raw["image_key"], _KEY),
                _flag(raw["numbered"]),
                FigureDoc.from_data(raw["doc"]),
                tuple((_site_path(p, output_dir), _index(n)) for p, n in raw["images"]),
                tuple((_site_path(p, output_dir), _text(t)) for p, t in raw["extra"]),
                tuple((_absolute(p), _matching(h, _DIGEST)) for p, h in raw["files"]),
                tuple(_note(*n) for n in raw["notes"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None
        published = {path for path, _ in memo.images} | {path for path, _ in memo.extra}
        if not set(memo.doc.paths) <= published:
            return None
        return memo


def _note(block_line: object, level: object, message: object) -> Note:
    if block_line is not None:
        block_line = _index(block_line)
    if level not in LEVELS:
        raise ValueError("level")
    return Note(one_line(_text(message)), level, None, block_line)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("text")
    return value


def _matching(value: object, pattern: re.Pattern[str]) -> str:
    if not pattern.match(_text(value)):
        raise ValueError(pattern.pattern)
    return _text(value)


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError("flag")
    return value


def _index(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("index")
    return value


def _site_path(value: object, output_dir: str) -> str:
    """A content-hash file name directly in ``output_dir``, nothing else."""
    path = _text(value)
    folder, _, name = path.rpartition("/")
    if folder != output_dir.strip("/") or not _NAME.match(name):
        raise ValueError("site path")
    return path


def _absolute(value: object) -> str:
    path = _text(value)
    if not os.path.isabs(path) or "\x00" in path:
        raise ValueError("path")
    return path
