"""The Sphinx host: a ``heatmap`` directive, in reStructuredText and MyST.

``extensions = ["mkdocs_heatmap.sphinx"]`` in ``conf.py``, then::

    .. heatmap::
       :name: fig-auc

       data: results/probe_auc.csv
       title: Probe AUC by layer and token
       caption: Error-detection AUC of a linear probe.

The body is the same YAML block as under MkDocs, through the same core.
What Sphinx owns, it does: the figure is a ``figure`` node (so ``numfig``
numbers it and ``:numref:`` finds it), the images go through Sphinx's own
image collection (``_images``, every builder), a data file is a dependency
of the document that reads it (edit it and exactly that document is read
again), warnings carry ``DOCUMENT:LINE``.

At read time a block is drawn in its own format (SVG or PNG, and the dark
variant for ``theme: auto``) into ``<doctreedir>/_heatmap``.  At write time
builders that cannot show it get another: LaTeX a vector PDF, texinfo a PNG;
builders other than HTML get the light variant only.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors import EnvironmentCollector
from sphinx.errors import ConfigError as SphinxConfigError
from sphinx.errors import ExtensionError
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.writers.html5 import HTML5Translator

from .__about__ import __version__
from .cache import make_key
from .errors import HeatmapError, Problem, internal_error
from .files import file_digest, publish
from .formats import FORMATS, mime_type
from .model import LANGUAGE, Settings
from .notes import Note
from .options import SPHINX, options_of, page_defaults, read_options
from .site import Site
from .style import style_files

logger = logging.getLogger(__name__)

OUT = "_heatmap"  # under the doctree folder: lives and goes with the environment
_PROJECT_MARKERS = (".git", ".hg", "pyproject.toml", "setup.cfg", "setup.py", "mkdocs.yml")
# The plugin's options a Sphinx project sets as heatmap_<name> (the others
# are Sphinx's business: its _images folder, numfig, -j).
OPTIONS = tuple(option.name for option in options_of(SPHINX))


def _conf_name(name: str) -> str:
    return f"heatmap_{name}"


class HeatmapFailure(ExtensionError):
    """``heatmap_on_error = "fail"``: the build stops at the first bad block."""

    category = "heatmap error"


# --------------------------------------------------------------------------
# Nodes.


class heatmap_variants(nodes.container):
    """The light and dark image of a ``theme: auto`` figure, in one box: a
    caption then never follows the images directly (PyData hides
    ``.only-dark ~ figcaption``)."""


class heatmap_hover(nodes.container):
    """A figure's images in an area that reads cell values (``hover: true``),
    in HTML; other builders see the images alone."""


def _visit_hover_html(self: HTML5Translator, node: heatmap_hover) -> None:
    from .emit import hover_open

    self.body.append(hover_open(node["heatmap_data"], node.get("heatmap_caption")))


def _depart_hover_html(self: HTML5Translator, node: heatmap_hover) -> None:
    from .emit import hover_close

    self.body.append(hover_close())


class heatmap_image(nodes.image):
    """An image that brings a 2x file for ``srcset`` (PNG) in HTML; other
    builders see a plain image."""


def _visit_image_html(self: HTML5Translator, node: heatmap_image) -> None:
    self.visit_image(node)
    double = node.get("heatmap_2x")
    images = self.builder.images
    if double and double in images:
        url = posixpath.join(self.builder.imgpath, urllib.parse.quote(images[double]))
        srcset = f"{node['uri']} 1x, {url} 2x"
        self.body[-1] = self.body[-1].replace("<img ", f'<img srcset="{self.attval(srcset)}" ', 1)


def _depart_image_html(self: HTML5Translator, node: heatmap_image) -> None:
    self.depart_image(node)


# --------------------------------------------------------------------------
# The directive.


def _align(argument: str) -> str:
    return str(directives.choice(argument, ("left", "center", "right")))


class HeatmapDirective(SphinxDirective):
    """``.. heatmap::`` with the YAML block as its content."""

    has_content = True
    option_spec: ClassVar[dict[str, Any]] = {
        "name": directives.unchanged,
        "class": directives.class_option,
        "align": _align,
        "caption": directives.unchanged,
        "alt": directives.unchanged,
        "width": directives.length_or_percentage_or_unitless,
    }

    def run(self) -> list[nodes.Node]:
        config = self.config
        body = "\n".join(self.content)
        if not config.heatmap_enabled:
            return [nodes.literal_block(body, body, language="yaml")]
        if config.heatmap_check_only:
            checked = self.env.__dict__.setdefault("heatmap_checked", {})
            checked[self.env.docname] = checked.get(self.env.docname, 0) + 1
        if not body.strip() and self._myst:
            return self._fail(
                "the block is empty; in MyST, a body that starts with '---' is read as "
                "directive options: start it with a key instead",
                None,
            )
        site = _site(self.env)
        settings = site.settings.for_page(self.env.doc2path(self.env.docname).parent)
        defaults = self._page_defaults()
        folder = Path(self.env.doctreedir) / OUT
        try:
            if config.heatmap_check_only:
                from .pipeline import check_block

                for note in check_block(body, settings, defaults):
                    self._note(note)
                return []
            figure = site.figure(body, settings, defaults)
            self._depend(figure.memo.files, site.style_files)
            for output in figure.outputs():
                publish(folder, output.path, output.content)
        except HeatmapError as exc:
            return self._fail(exc.message, exc.block_line)
        except Exception as exc:  # a bug of ours: reported at the block, not a crash
            logger.debug("heatmap: unexpected error", exc_info=True)
            return self._fail(internal_error(exc), None)
        for note in figure.memo.notes:
            self._note(note)
        return [self._figure(figure.memo.doc, folder, body, defaults)]

    def _note(self, note: Note) -> None:
        """What the author should know of a drawn figure: a warning at the
        key's line (read again on every build, like a failed block, so
        ``-W`` keeps failing until the block says what it means), or info."""
        if note.level == "info":
            logger.info("%s", Problem(*self._location(note.block_line), note.message))
        else:
            self._fail(note.message, note.block_line, box=False, subtype="note")

    def _page_defaults(self) -> Mapping[str, Any]:
        """The page's ``heatmap:`` defaults, as MkDocs pages have them: MyST
        front matter, or a reST file-wide field list (``:heatmap: {cmap:
        Reds}``); a problem with them is reported once per page, and the
        page's blocks then use the site's defaults."""
        docname = self.env.docname
        known = self.env.temp_data.get("heatmap_defaults")
        if known is not None and known[0] == docname:
            return known[1]  # type: ignore[no-any-return]
        path = Path(self.env.doc2path(docname))
        try:
            source = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            source = ""
        meta = _front_matter(source) if self._myst else _field_list(self.state.document)
        defaults, problem = page_defaults(meta, source)
        self.env.temp_data["heatmap_defaults"] = (docname, defaults)
        if problem is not None:
            line, message = problem
            if not self._myst:
                found = re.search(rf"^:{LANGUAGE}:", source, re.MULTILINE)
                line = source.count("\n", 0, found.start()) + 1 if found else 1
            self._fail(message, None, page_line=line, box=False)
        return defaults

    @property
    def _myst(self) -> bool:
        return type(self.state).__module__.startswith("myst_parser")

    def _depend(self, read: tuple[tuple[str, str], ...], styles: tuple[Path, ...]) -> None:
        """Read this document again when a file its figure read changes (by
        content: the SHA-256 of its bytes), or one appears where a data file
        was looked for first (``read``: each path with its digest, as the
        figure saw it), or the site's style file changes."""
        record = self.env.__dict__.setdefault("heatmap_reads", {}).setdefault(self.env.docname, {})
        for path, digest in read:
            self.env.note_dependency(path)
            record[path] = digest
        for style in styles:
            self.env.note_dependency(str(style))
            record[str(style)] = file_digest(style)

    def _figure(
        self, doc: Any, folder: Path, body: str, defaults: Mapping[str, Any]
    ) -> nodes.figure:
        doc_dir = self.env.doc2path(self.env.docname).parent
        classes = doc.classes.split() + self.options.get("class", [])
        figure = nodes.figure("", classes=list(dict.fromkeys(classes)))
        if "align" in self.options:
            figure["align"] = self.options["align"]
        self.set_source_info(figure)
        images = []
        for picture in doc.pictures:
            image = heatmap_image(
                uri=_relative(folder / picture.path, doc_dir),
                alt=self.options.get("alt", doc.alt),
                loading="lazy",
                classes=["heatmap-img", "no-scaled-link"],
            )
            width = self.options.get("width") or doc.width
            if width:
                image["width"] = width
            else:
                image["width"], image["height"] = str(picture.width), str(picture.height)
            if picture.path_2x:
                image["heatmap_2x"] = _relative(folder / picture.path_2x, Path(self.env.srcdir))
            if len(doc.pictures) == 2:
                image["classes"] += [f"only-{picture.variant}", f"heatmap-{picture.variant}"]
            # What the write-time converter needs to draw another format:
            # plain text in the pickled doctree, never a pickled object.
            image["heatmap_body"] = body
            image["heatmap_variant"] = picture.variant
            image["heatmap_defaults"] = json.dumps(dict(defaults))
            self.set_source_info(image)
            images.append(image)
        shown: nodes.Element = images[0]
        if len(images) == 2:
            shown = heatmap_variants("", *images, classes=["heatmap-variants"])
        caption: nodes.caption | None = None
        messages: list[nodes.system_message] = []
        if "caption" in self.options:
            inline, messages = self.parse_inline(self.options["caption"], lineno=self.lineno)
            caption = nodes.caption(self.options["caption"], "", *inline)
        elif doc.caption:
            # The caption key is plain text, as under every host.
            caption = nodes.caption(doc.caption, doc.caption)
        if doc.hover is not None:
            # The area is named by the caption the reader sees.
            named = caption.astext() if caption is not None else None
            shown = heatmap_hover("", shown, heatmap_data=doc.hover, heatmap_caption=named)
        figure += shown
        if caption is not None:
            figure += caption
            figure += messages
        legend = self._legend(doc, folder, doc_dir)
        if legend is not None:
            figure += legend
        name = self.options.get("name") or doc.id
        if name and not doc.panels:
            self.options["name"] = name
            self.add_name(figure)
        elif doc.panels:
            # A panel's own id: one more name of the figure, which :numref:
            # numbers as the figure (Sphinx has no panel letters of its own).
            # All registered at once (as add_name does one): docutils counts
            # a name registered twice as a duplicate.
            self.options.pop("name", None)
            names = ([name] if name else []) + [i for i, _ in doc.panels]
            figure["names"].extend(nodes.fully_normalize_name(n) for n in names)
            self.state.document.note_explicit_target(figure, figure)
        return figure

    def _legend(self, doc: Any, folder: Path, doc_dir: Path) -> nodes.legend | None:
        """Downloads and data tables: after the caption, not in it (``:ref:``
        takes the whole caption as the link's text)."""
        from .emit import table_html

        parts: list[nodes.Node] = []
        for label, path in doc.downloads:
            text = "Download data (CSV)" if len(doc.downloads) == 1 else label
            link = addnodes.download_reference(
                "",
                "",
                nodes.inline(text, text),
                reftarget=_relative(folder / path, doc_dir),
                refdoc=self.env.docname,
                refexplicit=True,
                classes=["heatmap-download"],
            )
            parts.append(nodes.paragraph("", "", link, classes=["heatmap-download"]))
        for table in doc.tables:
            html = table_html(table)
            parts.append(nodes.raw(html, html, format="html"))
        return nodes.legend("", *parts) if parts else None

    def _fail(
        self,
        message: str,
        block_line: int | None,
        *,
        page_line: int | None = None,
        box: bool = True,
        subtype: str = "block",
    ) -> list[nodes.Node]:
        """One problem: a warning at DOCUMENT:LINE (the key's line where known,
        or ``page_line``) and an error box, or with ``heatmap_on_error =
        "fail"`` a stop.  ``subtype`` names it for ``suppress_warnings``
        (``heatmap.block``, ``heatmap.note``)."""
        source, line = self._location(block_line)
        if page_line is not None:
            line = page_line
        problem = Problem(source, line, message)
        if self.config.heatmap_on_error == "fail":
            raise HeatmapFailure(str(problem))
        # A failed block read no file Sphinx could watch: read it again next
        # time, so it keeps failing until fixed, and heals when it is.
        self.env.note_reread()
        logger.warning(
            "heatmap: %s",
            problem.message,
            location=problem.location,
            type=LANGUAGE,
            subtype=subtype,
        )
        if not box:
            return []
        # The page names the document as the project does, never the build
        # machine's folders.
        shown = Problem(_relative(Path(source), Path(self.env.srcdir)), line, message).location
        box_node = nodes.admonition(classes=["heatmap-error", "error"])
        title = f"heatmap: {problem.message}"
        box_node += nodes.title(title, "", nodes.literal(title, title))
        box_node += nodes.paragraph("", "", nodes.literal(shown, shown))
        body = "\n".join(self.content)
        shown_body = nodes.literal_block(body, body, language="yaml")
        # The body may not be YAML at all: highlighted as far as it goes,
        # without a second warning from Pygments.
        shown_body["force"] = True
        box_node += shown_body
        return [box_node]

    def _location(self, block_line: int | None) -> tuple[str, int | None]:
        """The source file and 1-based line of block line ``block_line`` (the
        directive's line when unknown), for reST and MyST alike."""
        source, line = self.get_source_info()
        if block_line is not None and 0 <= block_line < len(self.content):
            if self._myst:
                # MyST counts content from the fence, past any option lines.
                line = self.lineno + 1 + self.content_offset + block_line
            else:
                source, offset = self.content.info(block_line)
                line = offset + 1 if offset is not None else line
        return os.path.abspath(source), line


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*$", re.DOTALL | re.MULTILINE)


def _front_matter(source: str) -> Mapping[str, Any]:
    """A MyST page's front matter as data (myst-parser keeps only strings of
    it); what is not a mapping holds no defaults (myst-parser says so)."""
    import yaml

    match = _FRONT_MATTER.match(source)
    if match is None:
        return {}
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _field_list(document: nodes.document) -> Mapping[str, Any]:
    """A reST page's file-wide ``:heatmap:`` field (the field list before
    anything else, as Sphinx's file-wide metadata), its value read as YAML."""
    import yaml

    first = next((n for n in document.children if not isinstance(n, nodes.comment)), None)
    if not isinstance(first, (nodes.field_list, nodes.docinfo)):
        return {}
    for field in first.findall(nodes.field):
        if field[0].astext().strip() == LANGUAGE:
            text = field[1].astext()
            try:
                return {LANGUAGE: yaml.safe_load(text)}
            except yaml.YAMLError:
                return {LANGUAGE: text}  # not a mapping: reported as such
    return {}


# --------------------------------------------------------------------------
# The site: options from conf.py, where the project is.


_SITES: dict[str, tuple[str, Site]] = {}  # srcdir -> (what it was opened from, the site)
_ROOTS: dict[str, Path] = {}  # srcdir -> the project root found at config-inited


def _options(config: Any) -> dict[str, Any]:
    return {name: getattr(config, _conf_name(name)) for name in OPTIONS}


def project_root(confdir: Path, setting: str | None) -> Path:
    """``heatmap_project_root`` (relative to conf.py's folder), else the
    nearest folder at or above conf.py's that holds a project marker (.git,
    pyproject.toml, ...), else conf.py's own folder."""
    confdir = confdir.resolve()
    if setting:
        return (confdir / setting).resolve()
    for folder in (confdir, *confdir.parents):
        if any((folder / marker).exists() for marker in _PROJECT_MARKERS):
            return folder
    return confdir


def site_settings(env: BuildEnvironment) -> Settings:
    return _site(env).settings


def _site(env: BuildEnvironment) -> Site:
    """The project's site (output_dir "": the host's own folder), opened
    again when an option or the style file's content changed: an edit gives
    new settings in this process too (sphinx-autobuild, a test that builds
    twice).  One site per source folder: what an earlier one has at hand
    is carried over and bounded by ``Site.begin`` at each build."""
    options = _options(env.config)
    srcdir = str(env.srcdir)
    root = _ROOTS.get(srcdir) or project_root(Path(srcdir), None)
    styles = style_files(options.get("style"), root)
    key = make_key(options, str(root), srcdir, [file_digest(p) for p in styles])
    known = _SITES.get(srcdir)
    if known is None or known[0] != key:
        # Checked at config-inited: a style that broke since is reported by
        # the blocks that use it.
        site = Site.open(
            options, project_root=root, docs_dir=Path(srcdir), output_dir="", check_style=False
        )
        _SITES[srcdir] = (key, site.carry(known[1] if known else None))
    return _SITES[srcdir][1]


def on_config_inited(app: Sphinx, config: Any) -> None:
    """Check the ``heatmap_*`` values now, with the messages every host gives."""
    given = {name: value for name, value in _options(config).items() if value is not None}
    try:
        checked = read_options(given, SPHINX, "conf.py", _conf_name)
    except HeatmapError as exc:
        raise SphinxConfigError(exc.message.replace("option '", "'")) from None
    setting = config.heatmap_project_root
    if setting is not None and not isinstance(setting, (str, os.PathLike)):
        raise SphinxConfigError(
            f"conf.py: 'heatmap_project_root': expected a folder path (text), "
            f"got {type(setting).__name__} {setting!r:.40}"
        )
    if not isinstance(config.heatmap_check_only, bool):
        raise SphinxConfigError("conf.py: 'heatmap_check_only': expected True or False")
    root = project_root(Path(app.confdir), os.fspath(setting) if setting is not None else None)
    _ROOTS[str(app.srcdir)] = root
    try:
        Site.open(checked, project_root=root, docs_dir=Path(app.srcdir))
    except HeatmapError as exc:
        raise SphinxConfigError(f"conf.py: 'heatmap_style': {exc.message}") from None
    assets = Path(__file__).parent / "assets"
    for static in (str(assets / "sphinx"), str(assets / "heatmap.js")):
        if static not in config.html_static_path:
            config.html_static_path.append(static)


# --------------------------------------------------------------------------
# Write time: what each builder can show.


def on_env_before_read_docs(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Draw the figures of the documents about to be read together, in
    worker processes (``heatmap_workers``), before Sphinx reads them one at
    a time; each directive then finds its figure at hand."""
    config = app.config
    if not config.heatmap_enabled or config.heatmap_check_only or len(docnames) < 2:
        return
    from .blocks import myst_bodies, rest_bodies

    site = _site(env)
    plain = LANGUAGE in (getattr(config, "myst_fence_as_directive", None) or ())
    blocks = []
    for docname in docnames:
        path = Path(env.doc2path(docname))
        try:
            source = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        if LANGUAGE not in source:
            continue
        settings = site.settings.for_page(path.parent)
        if config.source_suffix.get(path.suffix) == "markdown":
            defaults, problem = page_defaults(_front_matter(source), source)
            if problem is None:
                blocks += [
                    (body, settings, defaults) for body in myst_bodies(source, plain_fences=plain)
                ]
        elif not re.search(rf"^:{LANGUAGE}:", source, re.MULTILINE):
            # A reST page with its own defaults is left to the directive.
            blocks += [(body, settings, {}) for body in rest_bodies(source)]
    drawn = site.ahead(blocks, logger)
    if drawn:
        logger.info("heatmap: %d figure(s) drawn ahead", drawn)


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    """How many figures this build drew (with ``-j``, those drawn ahead:
    the readers' own are counted in their processes)."""
    known = _SITES.get(str(app.srcdir))
    if exception is None and known is not None and known[1].drawn:
        logger.info("heatmap: %d figure(s) drawn; the others were at hand", known[1].drawn)


def on_builder_inited(app: Sphinx) -> None:
    _site(app.env).begin()  # a long-lived process keeps one build's figures
    builder = app.builder
    app.env.heatmap_builder = {  # type: ignore[attr-defined]
        "format": builder.format,
        "image_types": list(builder.supported_image_types),
    }


class ForBuilder(SphinxPostTransform):
    """Per builder, at write time (in the main process, also with -j): one
    variant outside HTML, and a format the builder can show."""

    default_priority = 190  # before sphinx.ext.imgconverter (200)

    def run(self, **kwargs: Any) -> None:
        builder = getattr(self.env, "heatmap_builder", {"format": "html", "image_types": []})
        html = builder["format"] == "html"
        if not html:
            for area in list(self.document.findall(heatmap_hover)):
                area.replace_self(area.children[0])
            for box in list(self.document.findall(heatmap_variants)):
                box.replace_self(box.children[0])
            _drop_html_extras(self.document)
        for node in list(self.document.findall(heatmap_image)):
            if not html:
                node["classes"] = [c for c in node["classes"] if not c.startswith("only-")]
                if "height" in node:  # CSS pixels: an HTML matter
                    del node["width"], node["height"]
            self._convert(node, builder["image_types"])

    def _convert(self, node: heatmap_image, supported: list[str]) -> None:
        current = node["candidates"].get("*", node["uri"])
        mime = mime_type(current.rsplit(".", 1)[-1])
        if not supported or mime in supported:
            return
        # The builder's first choice among the formats a figure can be drawn in.
        wanted = next((f for m in supported for f in FORMATS.values() if f.mime == m), None)
        if wanted is None:
            return
        try:
            path = _draw_as(self.env, node, wanted.name)
        except HeatmapError as exc:
            logger.warning("heatmap: %s", exc.message, location=node, type=LANGUAGE)
            return
        rel = _relative(path, Path(self.env.srcdir))
        node["uri"] = rel
        node["candidates"] = {"*": rel}
        self.env.images.add_file(self.env.docname, rel)


def _drop_html_extras(document: nodes.document) -> None:
    """What only a browser can use: the CSV download link (a dead text on
    paper) and the data table (raw HTML); a legend left empty goes too."""
    for legend in list(document.findall(nodes.legend)):
        figure = legend.parent
        if not isinstance(figure, nodes.figure) or "heatmap" not in figure["classes"]:
            continue
        for part in list(legend.children):
            if not isinstance(part, nodes.Element):
                continue
            html_only = isinstance(part, nodes.raw) and part.get("format") == "html"
            if html_only or "heatmap-download" in part["classes"]:
                legend.remove(part)
        if not legend.children:
            figure.remove(legend)


def _draw_as(env: BuildEnvironment, node: heatmap_image, fmt: str) -> Path:
    """The figure of ``node`` as a ``fmt`` file (for print: PDF), named by its
    bytes; drawn once per content through the cache (verified entries), and
    written again whenever the file there is not those bytes."""
    from .emit import content_name
    from .pipeline import prepare_block

    docname = env.docname
    site = _site(env)
    settings = site.settings.for_page(env.doc2path(docname).parent)
    defaults = json.loads(node.get("heatmap_defaults", "{}"))
    prepared = prepare_block(node["heatmap_body"], settings, defaults)
    image = site.single(prepared, fmt, node["heatmap_variant"])
    name = content_name(image.content, FORMATS[fmt].extension)
    return publish(Path(env.doctreedir) / OUT, f"print/{name}", image.content)


def on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """HTML: have Sphinx copy each PNG's 2x file next to the 1x one."""
    if app.builder.format != "html":
        return
    for node in doctree.findall(heatmap_image):
        double = node.get("heatmap_2x")
        if double:
            app.builder.images[double] = Path(double).name


# --------------------------------------------------------------------------
# Never stale: content, not only file times.


class ReadsCollector(EnvironmentCollector):
    """Which files each document's figures read, with their fingerprints;
    purged and merged per document, so -j and incremental builds agree."""

    def clear_doc(self, app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        env.__dict__.get("heatmap_reads", {}).pop(docname, None)

    def merge_other(
        self, app: Sphinx, env: BuildEnvironment, docnames: Any, other: BuildEnvironment
    ) -> None:
        mine = env.__dict__.setdefault("heatmap_reads", {})
        theirs = other.__dict__.get("heatmap_reads", {})
        for docname in docnames:
            if docname in theirs:
                mine[docname] = theirs[docname]

    def process_doc(self, app: Sphinx, doctree: nodes.document) -> None:
        return None


def on_env_get_outdated(
    app: Sphinx, env: BuildEnvironment, added: Any, changed: Any, removed: Any
) -> list[str]:
    """Documents whose figures read a file that changed, by content: Sphinx
    compares times only, so an edit that keeps (or goes back in) time, a
    retargeted symlink or two writes in one clock tick would leave a stale
    figure.  Every file is hashed (in chunks; a FIFO or device is never
    opened); a file over the size limit counts as changed unread (the
    block then reports the limit)."""
    stale = []
    reads: Mapping[str, Mapping[str, Any]] = env.__dict__.get("heatmap_reads", {})
    limit = _site(env).settings.limits.max_file_bytes
    for docname, files in reads.items():
        for path, seen in files.items():
            if file_digest(Path(path), limit) != seen:
                stale.append(docname)
                break
    return stale


def setup(app: Sphinx) -> dict[str, Any]:
    for option in options_of(SPHINX):
        rebuild: Literal["", "env"] = "env" if option.reread else ""
        app.add_config_value(_conf_name(option.name), option.default, rebuild)
    app.add_config_value("heatmap_project_root", None, "env")
    app.add_config_value("heatmap_check_only", False, "")  # mkdocs-heatmap check
    app.add_directive(LANGUAGE, HeatmapDirective)
    app.add_node(heatmap_variants)
    app.add_node(heatmap_hover, html=(_visit_hover_html, _depart_hover_html))
    app.add_node(heatmap_image, html=(_visit_image_html, _depart_image_html))
    app.add_post_transform(ForBuilder)
    app.add_env_collector(ReadsCollector)
    app.add_css_file("heatmap-sphinx.css")
    app.add_js_file("heatmap.js", loading_method="defer")
    app.connect("config-inited", on_config_inited, priority=900)
    app.connect("builder-inited", on_builder_inited)
    app.connect("env-get-outdated", on_env_get_outdated)
    # After env-get-outdated: the documents to read are known.
    app.connect("env-before-read-docs", on_env_before_read_docs, priority=900)
    app.connect("doctree-resolved", on_doctree_resolved)
    app.connect("build-finished", on_build_finished)
    return {
        "version": __version__,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
        "env_version": 2,  # heatmap_reads holds digests
    }
