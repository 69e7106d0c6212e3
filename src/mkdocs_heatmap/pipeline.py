"""Blocks end to end, without any host: text -> spec -> data -> key -> images -> HTML.

``prepare_block`` parses and loads (numpy only, never matplotlib) and computes
the cache key; ``render_jobs`` draws what the cache lacks, in worker
processes when there are several; ``finish_block`` writes the HTML.  The
MkDocs plugin batches a whole build through these; ``process_block`` does one
block for single-page hosts (the Markdown extension, the CLI).
"""

from __future__ import annotations

import hashlib
import html
import importlib
import json
import logging
import multiprocessing
import multiprocessing.context
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .__about__ import __version__
from .cache import DiskCache, make_key
from .errors import DataError, HeatmapError
from .model import DataRoots, Image, LabelledMatrix, Limits
from .spec import MAX_PANELS, HeatmapSpec, parse_block, subtrahend_spec
from .style import Rc, layer, resolve_style, style_files

if TYPE_CHECKING:
    from .render import Panels

# numpy, the data loaders, the renderer and the HTML writer are imported where
# they are used: a warm build that re-uses block memos needs none of them.

DarkMarkup = Literal["material", "media"]

# Keys that only shape the HTML around the image: changing them re-uses the
# cached images (and must not change their bytes).
HTML_ONLY = frozenset(
    {"alt", "caption", "id", "css_class", "width", "download", "table", "numbered"}
)
# Keys that only say where the matrix comes from: the matrix itself is keyed.
DATA_ONLY = frozenset(
    {"data", "matrix", "data_format", "header", "index", "key", "pivot", "rows", "columns"}
    | {"transpose", "x_labels", "y_labels"}
)


@dataclass(frozen=True)
class Settings:
    """Everything about the site that a block's output depends on."""

    roots: DataRoots
    rc: Rc
    defaults: Mapping[str, Any] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    output_dir: str = "assets/heatmaps"
    theme: Literal["light", "dark", "auto"] = "light"
    numbering: bool = False  # "Figure N." before every caption
    # How a light/dark pair is shown: Material's #only-light/#only-dark
    # (follows its palette toggle) or <picture> with prefers-color-scheme.
    dark_markup: DarkMarkup = "media"


def site_settings(
    options: Mapping[str, Any],
    *,
    project_root: Path,
    docs_dir: Path,
    dark_markup: DarkMarkup = "media",
) -> Settings:
    """``Settings`` from a host's options, named as the plugin names them
    (``style``, ``defaults``, ``data_dir``, ``theme``, ``output_dir``,
    ``numbering``, ``max_file_size``, ``max_cells``, ``max_label_length``);
    missing ones take the plugin's defaults.  The one constructor the plugin,
    the Markdown extension, the CLI and the API share.  The style is resolved
    (relative to ``project_root``) but not checked: hosts check it once."""
    root = project_root.resolve()
    data_dir = options.get("data_dir")
    default = Limits()
    return Settings(
        roots=DataRoots(
            docs_dir=docs_dir.resolve(),
            project_root=root,
            data_dirs=((root / data_dir).resolve(),) if data_dir else (),
        ),
        rc=resolve_style(options.get("style"), root),
        defaults=dict(options.get("defaults") or {}),
        limits=Limits(
            max_file_bytes=options.get("max_file_size") or default.max_file_bytes,
            max_cells=options.get("max_cells") or default.max_cells,
            max_label_length=options.get("max_label_length") or default.max_label_length,
        ),
        output_dir=str(options.get("output_dir") or "assets/heatmaps").strip("/"),
        theme="auto" if options.get("theme") == "auto" else "light",
        numbering=bool(options.get("numbering", False)),
        dark_markup=dark_markup,
    )


@dataclass(frozen=True)
class Output:
    """A file to publish, at a posix path relative to the site root."""

    path: str
    content: bytes


@dataclass(frozen=True)
class Result:
    html: str
    outputs: tuple[Output, ...]


@dataclass(frozen=True)
class RenderJob:
    """Everything needed to draw one block's images; picklable for workers."""

    spec: HeatmapSpec
    matrix: LabelledMatrix
    rc: Rc
    variants: tuple[str, ...]
    transparent: bool
    salt: str
    panels: Panels | None = None

    def run(self) -> list[Image]:
        from .render import render

        images: list[Image] = []
        for variant in self.variants:
            scales = (1, 2) if self.spec.format == "png" else (1,)
            for scale in scales:
                images.append(
                    render(
                        self.spec,
                        self.matrix,
                        self.rc,
                        variant=variant,
                        transparent=self.transparent,
                        scale=scale,
                        salt=self.salt,
                        panels=self.panels,
                    )
                )
        return images


@dataclass(frozen=True)
class Prepared:
    spec: HeatmapSpec
    matrix: LabelledMatrix
    job: RenderJob
    key: str
    files: tuple[Path, ...]  # data and style files the figure depends on
    panels: Panels | None = None


def check_block(
    body: str, settings: Settings, page_defaults: Mapping[str, Any] | None = None
) -> None:
    """Everything ``process_block`` checks, short of drawing the figure."""
    from .render import precheck

    prepared = prepare_block(body, settings, page_defaults)
    job = prepared.job
    with at_key_line(prepared.spec):
        precheck(job.spec, job.matrix, job.rc, job.panels)


def prepare_block(
    body: str, settings: Settings, page_defaults: Mapping[str, Any] | None = None
) -> Prepared:
    """Parse, load, resolve the style and compute the cache key (no matplotlib)."""
    spec = parse_block(body, {**settings.defaults, **(page_defaults or {})})
    panels: Panels | None = None
    with at_key_line(spec):
        if spec.panels is not None or spec.facet is not None:
            panels, files = _load_panels(spec, settings)
            matrix = panels[0][1]  # stands in where one matrix is expected
        else:
            spec, matrix, files = _load(spec, settings)
        rc = _block_rc(spec, settings)
    theme = spec.theme or settings.theme
    variants = ("light", "dark") if theme == "auto" else (theme,)
    files += style_files(spec.style, settings.roots.project_root)
    key = make_key(
        "figure",
        __version__,
        matplotlib_version(),
        _drawn(spec),
        hashlib.sha256(matrix.values.tobytes()).hexdigest(),
        matrix.values.shape,
        matrix.x_labels,
        matrix.y_labels,
        sorted(rc.items()),
        variants,
        theme == "auto",
        [
            (_drawn(p), hashlib.sha256(m.values.tobytes()).hexdigest(), m.x_labels, m.y_labels)
            for p, m in panels or ()
        ],
    )
    job = RenderJob(spec, matrix, rc, variants, theme == "auto", salt=key[:16], panels=panels)
    return Prepared(spec, matrix, job, key, tuple(files), panels)


def _drawn(spec: HeatmapSpec) -> dict[str, Any]:
    """The part of a spec that shapes the image (not the HTML, not the source)."""
    return {
        f.name: getattr(spec, f.name)
        for f in fields(spec)
        if f.name not in HTML_ONLY | DATA_ONLY | {"key_lines", "style", "panels"}
    }


def _load(spec: HeatmapSpec, settings: Settings) -> tuple[HeatmapSpec, LabelledMatrix, list[Path]]:
    """One matrix: read, parse, subtract, cluster."""
    from .data import parse_source, read_source

    source = read_source(spec, settings.roots, settings.limits)
    matrix = parse_source(spec, source, settings.limits)
    files = [source.path] if source is not None else []
    if spec.subtract is not None:
        matrix, other = _subtract(spec, matrix, settings)
        files += other
        if spec.center is None and spec.norm == "linear":
            # A difference reads against zero: diverging, centered there.
            spec = replace(spec, center=0.0)
    if spec.cluster is not None:
        matrix, spec = cluster(spec, matrix)
    return spec, matrix, files


def _load_panels(spec: HeatmapSpec, settings: Settings) -> tuple[Panels, list[Path]]:
    """Every panel's matrix: the listed ``panels``, or one per ``facet`` value
    (all facets share the whole table's row and column order)."""
    files: list[Path] = []
    loaded: list[tuple[HeatmapSpec, LabelledMatrix]] = []
    if spec.panels is not None:
        for number, panel in enumerate(spec.panels, start=1):
            try:
                part, matrix, used = _load(panel, settings)
            except HeatmapError as exc:
                raise type(exc)(f"panel {number}: {exc.message}", key="panels") from None
            loaded.append((part, matrix))
            files += used
        return tuple(loaded), files
    from .data import facet_values, parse_source, read_source

    source = read_source(spec, settings.roots, settings.limits)
    assert source is not None  # facet requires data (checked in spec)
    files.append(source.path)
    whole = parse_source(replace(spec, facet=None), source, settings.limits)
    for value in facet_values(spec, source, settings.limits):
        part = replace(spec, facet_value=value, title=value)
        matrix = parse_source(part, source, settings.limits)
        loaded.append((part, _reindex(matrix, whole.x_labels, whole.y_labels)))
    if len(loaded) > MAX_PANELS:
        raise DataError(f"'facet' makes {len(loaded)} panels; at most {MAX_PANELS}", key="facet")
    return tuple(loaded), files


def _reindex(matrix: LabelledMatrix, xs: tuple[str, ...], ys: tuple[str, ...]) -> LabelledMatrix:
    import numpy as np

    values = np.full((len(ys), len(xs)), np.nan)
    col = {label: j for j, label in enumerate(matrix.x_labels)}
    row = {label: i for i, label in enumerate(matrix.y_labels)}
    for i, y in enumerate(ys):
        for j, x in enumerate(xs):
            if y in row and x in col:
                values[i, j] = matrix.values[row[y], col[x]]
    return LabelledMatrix(values, xs, ys)


def _subtract(
    spec: HeatmapSpec, matrix: LabelledMatrix, settings: Settings
) -> tuple[LabelledMatrix, list[Path]]:
    """The block's matrix minus the ``subtract`` data, cell by cell by label."""
    import numpy as np

    from .data import parse_source, read_source

    other_spec = subtrahend_spec(spec)
    try:
        source = read_source(other_spec, settings.roots, settings.limits)
        other = parse_source(other_spec, source, settings.limits)
    except HeatmapError as exc:
        raise DataError(f"'subtract': {exc.message}", key="subtract") from None
    rows = _align(matrix.y_labels, other.y_labels, "row")
    cols = _align(matrix.x_labels, other.x_labels, "column")
    values = matrix.values - other.values[np.ix_(rows, cols)]
    difference = LabelledMatrix(values, matrix.x_labels, matrix.y_labels)
    return difference, [source.path] if source is not None else []


def cluster(spec: HeatmapSpec, matrix: LabelledMatrix) -> tuple[LabelledMatrix, HeatmapSpec]:
    """Reorder rows and/or columns by hierarchical clustering (SciPy).

    Labels travel with their rows and columns, so the table, the CSV download
    and the alt text all follow the displayed order.  Missing cells take their
    column's mean for the distances only.  The trees come back in the spec as
    dendrogram segments in cell coordinates.
    """
    import numpy as np

    try:
        from scipy.cluster.hierarchy import dendrogram, linkage
    except ImportError:
        raise DataError(
            "'cluster' needs SciPy; install it with: pip install 'mkdocs-heatmap[cluster]'",
            key="cluster",
        ) from None
    values = matrix.values
    with np.errstate(invalid="ignore"):
        means = np.nanmean(np.where(np.isfinite(values), values, np.nan), axis=0)
    filled = np.where(np.isfinite(values), values, np.nan_to_num(means)[np.newaxis, :])

    def tree(data: Any, what: str) -> tuple[list[int], tuple[tuple[float, ...], ...]]:
        if len(data) < 2:
            return list(range(len(data))), ()
        try:
            links = linkage(
                data, method=spec.cluster_method, metric=spec.cluster_metric, optimal_ordering=True
            )
        except ValueError as exc:
            raise DataError(
                f"'cluster': cannot cluster the {what} with {spec.cluster_metric} distances "
                f"({' '.join(str(exc).split())[:120]}); try cluster_metric: euclidean",
                key="cluster",
            ) from None
        shape = dendrogram(links, no_plot=True)
        # scipy puts leaf k at 5 + 10 k; cells sit at k.
        segments = tuple(
            tuple((x - 5) / 10 for x in xs) + tuple(float(y) for y in ys)
            for xs, ys in zip(shape["icoord"], shape["dcoord"], strict=True)
        )
        return [int(leaf) for leaf in shape["leaves"]], segments

    rows, cols = list(range(matrix.shape[0])), list(range(matrix.shape[1]))
    row_tree = col_tree = None
    if spec.cluster in ("rows", "both"):
        rows, row_tree = tree(filled, "rows")
    if spec.cluster in ("columns", "both"):
        cols, col_tree = tree(filled.T, "columns")
    ordered = LabelledMatrix(
        values[np.ix_(rows, cols)],
        tuple(matrix.x_labels[j] for j in cols),
        tuple(matrix.y_labels[i] for i in rows),
    )
    return ordered, replace(spec, row_tree=row_tree or None, col_tree=col_tree or None)


def _align(mine: tuple[str, ...], theirs: tuple[str, ...], what: str) -> list[int]:
    """Where each of the block's labels sits in the subtracted data."""
    for labels, whose in ((mine, "the block's data"), (theirs, "the 'subtract' data")):
        repeated = sorted({label for label in labels if labels.count(label) > 1})
        if repeated:
            raise DataError(
                f"'subtract' matches cells by label, but {whose} has the {what} label "
                f"{repeated[0]!r} more than once",
                key="subtract",
            )
    from .data import quoted_list

    only_mine = [label for label in mine if label not in theirs]
    only_theirs = [label for label in theirs if label not in mine]
    if only_mine or only_theirs:
        parts = []
        if only_mine:
            parts.append(f"only in the block's data: {quoted_list(only_mine, 5)}")
        if only_theirs:
            parts.append(f"only in the 'subtract' data: {quoted_list(only_theirs, 5)}")
        raise DataError(
            f"'subtract': the {what} labels differ ({'; '.join(parts)})", key="subtract"
        )
    where = {label: n for n, label in enumerate(theirs)}
    return [where[label] for label in mine]


def finish_block(
    prepared: Prepared, images: list[Image], settings: Settings, url_of: Callable[[str], str]
) -> Result:
    """The figure's HTML and the files to publish, from its rendered images."""
    from .emit import Picture, content_name, default_alt, figure_html, panels_alt

    spec, matrix = prepared.spec, prepared.matrix
    outputs: list[Output] = []

    def publish(content: bytes, ext: str) -> str:
        outputs.append(Output(_site_path(settings, content_name(content, ext)), content))
        return url_of(outputs[-1].path)

    per_variant = 2 if spec.format == "png" else 1
    pictures = []
    for n, variant in enumerate(prepared.job.variants):
        image = images[n * per_variant]
        url = publish(image.content, image.format)
        url_2x = publish(images[n * per_variant + 1].content, "png") if per_variant == 2 else None
        pictures.append(Picture(variant, image, url, url_2x))
    panels = prepared.panels or ((spec, matrix),)
    downloads = []
    if spec.download:
        from .data import matrix_to_csv

        for n, (panel, values) in enumerate(panels, start=1):
            url = publish(matrix_to_csv(values).encode("utf-8"), "csv")
            downloads.append((panel.title or f"panel {n}", url))
    if spec.alt is not None:
        alt = spec.alt
    elif prepared.panels:
        alt = panels_alt(spec, prepared.panels)
    else:
        alt = default_alt(spec, matrix)
    html = figure_html(
        spec,
        pictures,
        alt,
        matrices=[(p.title if prepared.panels else spec.title, m) for p, m in panels],
        downloads=downloads,
        dark_markup=settings.dark_markup,
    )
    return Result(html, tuple(outputs))


def process_block(
    body: str,
    settings: Settings,
    url_of: Callable[[str], str],
    page_defaults: Mapping[str, Any] | None = None,
    cache: DiskCache | None = None,
) -> Result:
    """One block end to end; raises ``HeatmapError`` for anything the user can fix."""
    prepared = prepare_block(body, settings, page_defaults)
    images = cache.get(prepared.key) if cache else None
    if images is None:
        with at_key_line(prepared.spec):
            images = prepared.job.run()
        if cache:
            cache.put(prepared.key, images)
    return finish_block(prepared, images, settings, url_of)


# --------------------------------------------------------------------------
# Warm builds: a memo per block skips parsing, loading and even numpy.

_URL = re.compile("\x00([^\x00]*)\x00")


def placeholder_url(site_path: str) -> str:
    """Stands for a URL in a memo's HTML template; the page fills it in."""
    return f"\x00{site_path}\x00"


def fill_urls(template: str, url_of: Callable[[str], str]) -> str:
    return _URL.sub(lambda m: html.escape(url_of(html.unescape(m[1])), quote=True), template)


def memo_key(body: str, settings: Settings, page_defaults: Mapping[str, Any] | None = None) -> str:
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


# --------------------------------------------------------------------------
# Rendering many figures.

Rendered = list[Image] | HeatmapError


def worker_count(setting: str | int, jobs: int) -> int:
    if setting == "auto":
        return max(1, min(jobs, os.cpu_count() or 1))
    return max(1, min(int(setting), jobs))


def render_jobs(
    jobs: Mapping[str, RenderJob],
    workers: int,
    log: logging.Logger | logging.LoggerAdapter[logging.Logger] | None = None,
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
    try:
        return job.run()
    except HeatmapError as exc:
        return exc


class _Progress:
    """An INFO line every few seconds while a long render runs."""

    EVERY = 5.0

    def __init__(
        self, total: int, log: logging.Logger | logging.LoggerAdapter[logging.Logger] | None
    ) -> None:
        self.total, self.done, self.log = total, 0, log
        self.last = time.monotonic()

    def step(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.log and now - self.last >= self.EVERY and self.done < self.total:
            self.log.info(f"rendering figures: {self.done}/{self.total}")
            self.last = now


# --------------------------------------------------------------------------


def _block_rc(spec: HeatmapSpec, settings: Settings) -> Rc:
    try:
        return layer(settings.rc, spec.style, settings.roots.project_root)
    except HeatmapError as exc:
        message = exc.message if exc.message.startswith("style") else f"'style': {exc.message}"
        raise HeatmapError(message, key="style") from None


@contextmanager
def at_key_line(spec: HeatmapSpec) -> Iterator[None]:
    """Data and render errors know the key at fault; the spec knows its line."""
    try:
        yield
    except HeatmapError as exc:
        if exc.block_line is None:
            exc.block_line = spec.line_of(exc.key)
        raise


@cache
def matplotlib_version() -> str:
    try:
        return version("matplotlib")
    except PackageNotFoundError:  # pragma: no cover - matplotlib is a dependency
        return "unknown"


def _site_path(settings: Settings, name: str) -> str:
    return f"{settings.output_dir.strip('/')}/{name}"
