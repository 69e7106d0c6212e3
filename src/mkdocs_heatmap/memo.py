"""Warm builds: a memo per finished block skips parsing, loading and even numpy.

A memo is keyed by everything a block's HTML depends on except the bytes of
the files it reads; it lists those files with their hashes, so a changed
data file invalidates it.  Its HTML holds placeholders for URLs, which each
page fills in as it sees them.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .__about__ import __version__
from .cache import make_key, matplotlib_version
from .model import Image, Output, Settings

if TYPE_CHECKING:
    from .pipeline import Prepared, Result

_URL = re.compile("\x00([^\x00]*)\x00")


def placeholder_url(site_path: str) -> str:
    """Stands for a URL in a memo's HTML template; the page fills it in."""
    return f"\x00{site_path}\x00"


def fill_urls(template: str, url_of: Callable[[str], str]) -> str:
    return _URL.sub(lambda m: html.escape(url_of(html.unescape(m[1])), quote=True), template)


def memo_key(body: str, settings: Settings, page_defaults: Mapping[str, Any] | None) -> str:
    """Everything a block's HTML and files depend on, except the bytes of the
    files it reads (a memo lists those with their hashes)."""
    roots = settings.roots
    return make_key(
        "block",
        __version__,
        matplotlib_version(),
        body,
        dict(page_defaults or {}),
        dict(settings.defaults),
        sorted(settings.rc.items()),
        [str(p) for p in (roots.docs_dir, roots.project_root, roots.page_dir, *roots.data_dirs)],
        settings.limits,
        settings.output_dir,
        settings.theme,
        settings.dark_markup,
        settings.numbering,
    )


@dataclass(frozen=True)
class Memo:
    """A finished block: its HTML template, its files, what it read."""

    image_key: str
    numbered: bool  # gets "Figure N." where it is placed on its page
    html: str  # URLs as placeholder_url(site path)
    images: tuple[tuple[str, int], ...]  # (site path, index into the cached images)
    extra: tuple[tuple[str, str], ...]  # (site path, text), e.g. the CSV download
    files: tuple[tuple[str, str], ...]  # (path, sha256 of its bytes when memoized)

    @classmethod
    def of(
        cls, prepared: Prepared, images: list[Image], template: Result, numbering: bool = False
    ) -> Memo:
        index = {id(image.content): n for n, image in enumerate(images)}
        by_bytes = {image.content: n for n, image in enumerate(images)}
        placed, extra = [], []
        for output in template.outputs:
            n = index.get(id(output.content), by_bytes.get(output.content))
            if n is None:
                extra.append((output.path, output.content.decode("utf-8")))
            else:
                placed.append((output.path, n))
        files = tuple((str(path), _file_hash(path)) for path in prepared.files)
        numbered = bool(prepared.spec.numbered if prepared.spec.numbered is not None else numbering)
        return cls(prepared.key, numbered, template.html, tuple(placed), tuple(extra), files)

    def still_valid(self) -> bool:
        return all(_file_hash(Path(path)) == digest for path, digest in self.files)

    def outputs(self, images: list[Image]) -> list[Output]:
        outputs = [Output(path, images[n].content) for path, n in self.images]
        return outputs + [Output(path, text.encode("utf-8")) for path, text in self.extra]

    def html_for(self, url_of: Callable[[str], str], number: int | None = None) -> str:
        """The HTML with each file's URL as the page sees it (ask only after the
        files are published: a host may embed their bytes), numbered if asked."""
        text = fill_urls(self.html, url_of)
        if number is None:
            return text
        label = f'<span class="heatmap-number">Figure {number}.</span>'
        if "<figcaption>" in text:
            return text.replace("<figcaption>", f"<figcaption>{label} ", 1)
        return text.replace("</figure>", f"<figcaption>{label}</figcaption></figure>", 1)

    def to_json(self) -> str:
        return json.dumps(
            {
                "image_key": self.image_key,
                "numbered": self.numbered,
                "html": self.html,
                "images": self.images,
                "extra": self.extra,
                "files": self.files,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Memo | None:
        try:
            raw = json.loads(text)
            return cls(
                str(raw["image_key"]),
                bool(raw["numbered"]),
                str(raw["html"]),
                tuple((str(p), int(n)) for p, n in raw["images"]),
                tuple((str(p), str(t)) for p, t in raw["extra"]),
                tuple((str(p), str(h)) for p, h in raw["files"]),
            )
        except (ValueError, KeyError, TypeError):
            return None


def _file_hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"
