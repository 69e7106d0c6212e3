"""The site seam: what every block of one project shares, under any host.

A host opens one ``Site`` per build from its options and folders
(``Site.open``) and wires only what the host itself gives (pages, files,
logging, numbering) to it.  The site owns the settings, the style and its
files, the figure cache, the block memos, the images at hand, the files
figures depend on, and the drawing of many figures at once (in worker
processes).  ``figure(body, page, defaults)`` is the whole way from a block
to a finished figure for any host: memo, else cache, else render.

The Markdown hosts (the MkDocs plugin, the Markdown extension) collect a
build's blocks first (``batch``) and use the steps one by one, so that every
miss of the build is drawn together; Sphinx, the API and the command line
take one figure at a time.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import multiprocessing
import multiprocessing.context
import os
import threading
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .cache import DiskCache, make_key
from .errors import ConfigError, HeatmapError, internal_error
from .memo import BadMemo, Memo, memo_key
from .model import DarkMarkup, Image, Output, Settings
from .options import check_site_style, settings_from_options, site_cache
from .pipeline import Prepared, RenderJob, finish_block, prepare_block
from .style import style_files

Logger = logging.Logger | logging.LoggerAdapter[logging.Logger]
PRUNED = ".heatmap-pruned"  # in the cache folder: when it was last pruned
Rendered = list[Image] | HeatmapError


@dataclass(frozen=True)
class Figure:
    """A finished block: its figure as data (``memo.doc``), the images it
    shows, what it read (``memo.files``: each path with its digest), and the
    files to publish (checked against the memo once)."""

    memo: Memo
    images: list[Image]
    files: tuple[Output, ...]

    def outputs(self) -> tuple[Output, ...]:
        return self.files


@dataclass
class Site:
    settings: Settings
    cache: DiskCache | None = None
    style_files: tuple[Path, ...] = ()
    workers: str | int = 1
    # The images and memos at hand.  A long-lived process (``mkdocs serve``,
    # sphinx-autobuild) keeps one site's worth: ``begin`` drops what the
    # last build did not place.
    memory: dict[str, list[Image]] = field(default_factory=dict)
    memos: dict[str, Memo] = field(default_factory=dict)
    files: set[Path] = field(default_factory=set)  # what this build's figures read
    drawn: int = 0  # figures drawn in this build; the rest came from memory or cache
    _placed: set[str] = field(default_factory=set)
    # Each memo's files to publish, as checked when the memo was taken.
    _outputs: dict[str, tuple[Output, ...]] = field(default_factory=dict)

    @classmethod
    def open(
        cls,
        options: Mapping[str, Any],
        *,
        project_root: Path,
        docs_dir: Path,
        dark_markup: DarkMarkup = "media",
        output_dir: str | None = None,
        check_style: bool = True,
    ) -> Site:
        """The site ``options`` (checked, or a mapping with their names)
        describe.  ``output_dir`` overrides where files are published
        ("": the host's own folder).  A bad site style raises
        ``ConfigError`` with the bare reason: the host names the setting."""
        root = project_root.resolve()
        cache = site_cache(options, root)
        settings = settings_from_options(
            options, project_root=root, docs_dir=docs_dir, dark_markup=dark_markup
        )
        if output_dir is not None:
            settings = replace(settings, output_dir=output_dir)
        style = options.get("style")
        try:
            if check_style:
                check_site_style(style, root, settings.rc, cache)
            styles = tuple(style_files(style, root))
        except HeatmapError as exc:
            raise ConfigError(exc.message) from None
        return cls(settings, cache, styles, options.get("workers") or 1, files=set(styles))

    def carry(self, earlier: Site | None) -> Site:
        """This site, with what ``earlier`` (the same host's last build) has
        at hand: a figure whose inputs did not change is not drawn again even
        with the disk cache off."""
        if earlier is not None:
            self.memory, self.memos, self._placed = earlier.memory, earlier.memos, earlier._placed
            self._outputs = earlier._outputs
        return self

    def begin(self) -> Site:
        """Start a build: keep only what the last one placed."""
        self.memory = {k: v for k, v in self.memory.items() if k in self._placed}
        self.memos = {k: v for k, v in self.memos.items() if k in self._placed}
        self._outputs = {k: v for k, v in self._outputs.items() if k in self._placed}
        self._placed = set()
        self.files = set(self.style_files)
        self.drawn = 0
        return self

    # ----------------------------------------------------------------------
    # One block, step by step.

    def memo(self, memo_id: str, settings: Settings) -> Memo | None:
        """A block finished before, whose files are unchanged and whose images
        are at hand (then kept in memory)."""
        memo = self.memos.get(memo_id)
        if memo is not None and memo_id in self._outputs and memo.image_key in self.memory:
            if memo.still_valid(settings.roots.allowed(), settings.limits.max_file_bytes):
                return memo  # taken and checked before, its images in memory
            return None
        if memo is None and self.cache:
            text = self.cache.get_text(memo_id)
            memo = Memo.from_json(text, settings.output_dir) if text else None
        limit = settings.limits.max_file_bytes
        if memo is None or not memo.still_valid(settings.roots.allowed(), limit):
            return None
        images = self.memory.get(memo.image_key)
        if images is None and self.cache:
            images = self.cache.get(memo.image_key)
        if images is None:
            return None
        try:
            outputs = memo.outputs(images)  # every index in range, every name its bytes'
        except BadMemo:
            return None
        self.memory[memo.image_key] = images
        self.memos[memo_id] = memo
        self._outputs[memo_id] = tuple(outputs)
        return memo

    def at_hand(self, key: str) -> list[Image] | None:
        """A figure's images from memory or the disk cache, if either has them."""
        images = self.memory.get(key)
        if images is None and self.cache:
            images = self.cache.get(key)
            if images is not None:
                self.memory[key] = images
        return images

    def draw(self, jobs: Mapping[str, RenderJob], log: Logger | None = None) -> dict[str, Rendered]:
        """Draw every job (several in worker processes), keep the images in
        memory and the cache; errors come back per job."""
        results = render_jobs(jobs, worker_count(self.workers, len(jobs)), log)
        for key, rendered in results.items():
            if isinstance(rendered, list):
                self.memory[key] = rendered
                self.drawn += 1
                if self.cache:
                    self.cache.put(key, rendered)
        return results

    def finish(
        self, prepared: Prepared, images: list[Image], memo_id: str, settings: Settings
    ) -> Memo:
        """The drawn block's memo, kept for the next build."""
        finished = finish_block(prepared, images, settings)
        memo = Memo.of(prepared, images, finished, settings.numbering)
        self.memos[memo_id] = memo
        self._outputs[memo_id] = finished.outputs
        if self.cache:
            self.cache.put_text(memo_id, memo.to_json())
        return memo

    def place(self, memo: Memo, memo_id: str) -> Figure:
        """A figure that goes into a page: its files count as read by this build."""
        self._placed.update((memo.image_key, memo_id))
        self.files.update(Path(path) for path, _ in memo.files)
        outputs = self._outputs.get(memo_id)
        images = self.memory[memo.image_key]
        return Figure(memo, images, outputs if outputs is not None else tuple(memo.outputs(images)))

    def ahead(
        self,
        blocks: Iterable[tuple[str, Settings, Mapping[str, Any]]],
        log: Logger | None = None,
    ) -> int:
        """Draw together, before a host asks for them one by one, the figures
        of ``blocks`` (body, page settings, page defaults) that neither a memo
        nor a cache has; how many were drawn.  A block that fails here is
        left to the host, which reports it where it reads it."""
        jobs: dict[str, RenderJob] = {}
        for body, settings, defaults in blocks:
            if self.memo(memo_key(body, settings, defaults), settings) is not None:
                continue
            try:
                prepared = prepare_block(body, settings, defaults)
            except Exception:  # a bad block, or a bug of ours: the host reports it there
                continue
            if prepared.key not in jobs and self.at_hand(prepared.key) is None:
                jobs[prepared.key] = prepared.job
        before = self.drawn
        self.draw(jobs, log)
        # Drawn, not yet placed: kept for this build (``begin`` keeps placed ones).
        self._placed.update(jobs)
        return self.drawn - before

    # ----------------------------------------------------------------------
    # One block, whole.

    def figure(
        self, body: str, settings: Settings, defaults: Mapping[str, Any] | None = None
    ) -> Figure:
        """A block's finished figure: its memo if its files are unchanged,
        else prepared and drawn (or its images taken from the cache).
        ``HeatmapError`` for anything the author can fix."""
        memo_id = memo_key(body, settings, defaults)
        memo = self.memo(memo_id, settings)
        if memo is None:
            prepared = prepare_block(body, settings, defaults)
            images = self.at_hand(prepared.key)
            if images is None:
                rendered = self.draw({prepared.key: prepared.job})[prepared.key]
                if isinstance(rendered, HeatmapError):
                    raise rendered
                images = rendered
            memo = self.finish(prepared, images, memo_id, settings)
        return self.place(memo, memo_id)

    def single(self, prepared: Prepared, format: str, variant: str) -> Image:
        """The figure as one file of its own (``RenderJob.one``: another
        format, one variant, 1x), through memory and the cache."""
        key = make_key("for-builder", prepared.key, format, variant)
        images = self.at_hand(key)
        if images is None:
            images = [prepared.job.one(format, variant)]
            self.memory[key] = images
            if self.cache:
                self.cache.put(key, images)
        self._placed.add(key)
        return images[0]

    def prune(self) -> None:
        """Drop cache entries unused for a long time, at most once a day:
        listing a large cache costs a warm build more than it saves."""
        if self.cache is None:
            return
        stamp = self.cache.root / PRUNED
        try:
            if time.time() - stamp.stat().st_mtime < 86400:
                return
        except OSError:
            pass
        self.cache.prune()
        with contextlib.suppress(OSError):
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.touch()


# --------------------------------------------------------------------------
# Drawing many figures.


def worker_count(setting: str | int, jobs: int) -> int:
    if setting == "auto":
        return max(1, min(jobs, os.cpu_count() or 1))
    return max(1, min(int(setting), jobs))


def render_jobs(
    jobs: Mapping[str, RenderJob], workers: int, log: Logger | None = None
) -> dict[str, Rendered]:
    """Draw every job once; several in separate processes (matplotlib is not
    thread-safe).  Errors come back per job, never abort the others."""
    results: dict[str, Rendered] = {}
    if not jobs:
        return results
    progress = _Progress(len(jobs), log)
    if workers <= 1 or len(jobs) == 1:
        for key, job in jobs.items():
            results[key] = _run(job)
            progress.step()
        return results
    with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool:
        futures: dict[str, Future[Rendered]] = {
            key: pool.submit(_run, job) for key, job in jobs.items()
        }
        for key, future in futures.items():
            results[key] = future.result()
            progress.step()
    return results


def _pool_context() -> multiprocessing.context.BaseContext:
    """fork when it is safe, spawn otherwise.

    A forked worker starts in milliseconds with matplotlib already imported
    (imported here first, once); a spawned one pays ~0.5 s of imports.  But a
    fork of a process with threads (`mkdocs serve` runs a file watcher and a
    web server) can deadlock, so then spawn.
    """
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        # Imported once here so every forked child starts with them.
        for module in ("matplotlib.figure", "matplotlib.backends.backend_agg"):
            importlib.import_module(module)

        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _run(job: RenderJob) -> Rendered:
    """One job's images, or its error: nothing a job raises stops the others
    (or, in a worker, comes back as a traceback)."""
    try:
        return job.run()
    except HeatmapError as exc:
        return exc
    except Exception as exc:  # a bug of ours, reported at the block, not a crash
        return HeatmapError(internal_error(exc))


class _Progress:
    """An INFO line every few seconds while a long render runs."""

    EVERY = 5.0

    def __init__(self, total: int, log: Logger | None) -> None:
        self.total, self.done, self.log = total, 0, log
        self.last = time.monotonic()

    def step(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.log and now - self.last >= self.EVERY and self.done < self.total:
            self.log.info(f"rendering figures: {self.done}/{self.total}")
            self.last = now
