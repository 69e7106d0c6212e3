"""The ``mkdocs-heatmap`` command: render one block to a file, check a site's blocks.

Both subcommands wire the same core the plugin uses (``options``,
``pipeline``, ``fence``) to files on disk; nothing here parses, validates or
draws on its own.  Problems are printed as ``FILE:LINE: heatmap: message``,
the plugin's format, with no traceback.  Exit status: 0 fine, 1 a problem was
found, 2 bad usage.

A site's options come from its ``mkdocs.yml`` through MkDocs' own
``load_config``, so ``INHERIT``, ``!ENV``, ``!!python/name`` tags and the
plugin's option validation behave exactly as in ``mkdocs build``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .__about__ import __version__
from .errors import HeatmapError, Problem, internal_error, line_in_page
from .files import read_regular
from .formats import FORMATS
from .messages import reason, size

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

    from .model import Settings

PROG = "mkdocs-heatmap"
_OUTPUT_FORMATS = {f".{f.extension}": name for name, f in FORMATS.items()}  # by file suffix
_CONFIG_NAMES = ("mkdocs.yml", "mkdocs.yaml")
# File extensions MkDocs builds as pages (mkdocs.utils.markdown_extensions).
_PAGE_SUFFIXES = (".md", ".markdown", ".mdown", ".mkdn", ".mkd")


class CliError(Exception):
    """A problem that stops the command: printed as is, exit status 1."""


# --------------------------------------------------------------------------
# The site: where things are and the plugin's options.


@dataclass(frozen=True)
class SiteOptions:
    """What the commands need to know about a MkDocs site."""

    project_root: Path
    docs_dir: Path
    config_file: Path | None = None
    # The heatmap plugin's options as MkDocs validated them (empty: defaults).
    options: Mapping[str, Any] = field(default_factory=dict)
    # The site's Markdown set-up, to find the blocks Markdown really renders
    # (a fence shown inside an indented code block is not one).
    markdown_extensions: tuple[Any, ...] = ("toc", "tables", "fenced_code")
    mdx_configs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def superfences(self) -> bool:
        """Without pymdownx.superfences the plugin only sees top-level fences."""
        return self.config_file is None or "pymdownx.superfences" in self.markdown_extensions


def load_site(config_file: Path | None, *, docs_dir: Path | None = None) -> SiteOptions:
    """The site described by ``config_file`` (``None``: no site, the current
    directory is the project root and ``./docs`` the docs folder)."""
    if config_file is None:
        root = Path.cwd().resolve()
        return SiteOptions(root, (docs_dir or root / "docs").resolve())
    config = _load_mkdocs_config(config_file)
    return SiteOptions(
        project_root=config_file.resolve().parent,
        docs_dir=(docs_dir or Path(config.docs_dir)).resolve(),
        config_file=config_file,
        options=_plugin_options(config),
        markdown_extensions=tuple(config.markdown_extensions),
        mdx_configs=dict(config.mdx_configs),
    )


def find_config(explicit: str | None, docs_dir: Path | None = None) -> Path | None:
    """``--config`` if given; else, as ``mkdocs`` would find it for that docs
    folder, ``mkdocs.yml`` in its parent; else in the current directory."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise CliError(f"{explicit}: heatmap: config file not found")
        return path
    folders = [docs_dir.resolve().parent] if docs_dir is not None else []
    for folder in [*folders, Path.cwd()]:
        for name in _CONFIG_NAMES:
            if (folder / name).is_file():
                return folder / name
    return None


def _load_mkdocs_config(path: Path) -> MkDocsConfig:
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    try:
        return load_config(str(path))
    except (Abort, ConfigurationError) as exc:
        # MkDocs has already logged each bad option on its own logger.
        raise CliError(f"{path}: heatmap: cannot load the MkDocs config: {exc}") from None
    except OSError as exc:
        raise CliError(f"{path}: heatmap: cannot read the MkDocs config: {reason(exc)}") from None


def _plugin_options(config: MkDocsConfig) -> Mapping[str, Any]:
    """The validated options of the site's ``heatmap`` plugin (empty when unused)."""
    from .plugin import HeatmapPlugin

    for plugin in config.plugins.values():
        if isinstance(plugin, HeatmapPlugin):
            return dict(plugin.config)
    return {}


def settings_for(site: SiteOptions, *, style: str | None = None) -> Settings:
    """The pipeline ``Settings`` for blocks of this site (``style`` overrides
    the site's); a bad style is reported like the plugin does."""
    from .site import Site

    options = {**site.options, "cache": False}  # one block, drawn once: nothing to keep
    if style is not None:
        options["style"] = style
    try:
        opened = Site.open(options, project_root=site.project_root, docs_dir=site.docs_dir)
    except HeatmapError as exc:
        where = "--style" if style is not None else site.config_file
        raise CliError(f"{where}: heatmap: 'style': {exc}") from None
    return opened.settings


# --------------------------------------------------------------------------
# render


def cmd_render(args: argparse.Namespace) -> int:
    from .api import draw, prepare

    spec_path = Path(args.spec)
    output = Path(args.output)
    config_file = find_config(args.config) if args.config else None
    # Data is looked up next to the spec, then in the project (and, with a
    # site, its docs_dir and data_dir): without a site, the project is all.
    site = load_site(config_file, docs_dir=None if config_file else Path.cwd())
    settings = settings_for(site, style=_cli_style(args.style, site.project_root))
    settings = settings.for_page(spec_path.resolve().parent)
    body = _read_text(spec_path, args.spec)
    try:
        prepared = prepare(body, settings)
        image = draw(prepared, format=_OUTPUT_FORMATS[output.suffix.lower()], theme=args.theme)
    except HeatmapError as exc:
        # The file holds the block body: its line 1 is the block's line 0,
        # and a problem with the whole block is reported at line 1.
        raise CliError(str(Problem(args.spec, 1 + (exc.block_line or 0), exc.message))) from None
    for note in prepared.notes:
        print(Problem(args.spec, 1 + (note.block_line or 0), note.message), file=sys.stderr)
    try:
        output.write_bytes(image.content)
    except OSError as exc:
        raise CliError(f"{args.output}: heatmap: cannot write the image: {reason(exc)}") from None
    if FORMATS[image.format].print:  # a page size, in the units a paper uses
        shown = f"{image.width / 96:.2f} x {image.height / 96:.2f} in"
    else:
        shown = f"{image.width} x {image.height} px"
    print(f"{args.output}: {image.format.upper()}, {shown}")
    return 0


def _cli_style(style: str | None, project_root: Path) -> str | None:
    """A ``--style`` path is relative to the current directory; the core wants
    it relative to the project root."""
    if style is None or not style.endswith(".mplstyle"):
        return style
    return os.path.relpath(Path(style).resolve(), project_root)


# --------------------------------------------------------------------------
# check


@dataclass
class Report:
    pages: int = 0
    blocks: int = 0
    problems: list[Problem] = field(default_factory=list)
    # heatmap fences in the pages that were not checked because Markdown, as
    # set up without a site config, would show them as code (nested ones).
    unseen: int = 0
    without_config: bool = False

    def summary(self) -> str:
        found = f"{len(self.problems)} problem(s)" if self.problems else "no problems"
        return f"heatmap: checked {self.blocks} block(s) on {self.pages} page(s): {found}"

    def caveat(self) -> str | None:
        """What a reader of "no problems" must know, if anything."""
        if not (self.without_config and self.unseen):
            return None
        return (
            f"heatmap: no mkdocs.yml found: {self.unseen} heatmap fence(s) inside other "
            "blocks (admonitions, tabs, lists) were not checked, as plain Markdown shows "
            "them as code; with pymdownx.superfences a site draws them: pass --config"
        )


def cmd_check(args: argparse.Namespace) -> int:
    docs_dir = Path(args.docs_dir) if args.docs_dir is not None else None
    sphinx_dir = _sphinx_source(docs_dir) if args.config is None else None
    if sphinx_dir is not None:
        from .errors import ConfigError
        from .sphinx_check import check_sphinx

        try:
            pages, blocks, problems = check_sphinx(sphinx_dir)
        except ConfigError as exc:
            raise CliError(exc.message) from None
        report = Report(pages=pages, blocks=blocks, problems=problems)
    else:
        config_file = find_config(args.config, docs_dir)
        site = load_site(config_file, docs_dir=docs_dir)
        if not site.docs_dir.is_dir():
            raise CliError(f"{site.docs_dir}: heatmap: docs folder not found")
        report = check_site(site)
    for item in report.problems:
        print(item)
    print(report.summary())
    caveat = report.caveat()
    if caveat:
        print(caveat, file=sys.stderr)
    return 1 if report.problems else 0


def _sphinx_source(docs_dir: Path | None) -> Path | None:
    """The Sphinx source folder to check: DOCS_DIR when it holds a conf.py;
    with no DOCS_DIR and no mkdocs.yml here, ./docs or . when one holds it."""
    if docs_dir is not None:
        return docs_dir if (docs_dir / "conf.py").is_file() else None
    if any(Path(name).is_file() for name in _CONFIG_NAMES):
        return None
    return next((d for d in (Path("docs"), Path(".")) if (d / "conf.py").is_file()), None)


def check_site(site: SiteOptions) -> Report:
    """Check every heatmap block on every page of the site, without drawing."""
    from .model import LANGUAGE

    settings = settings_for(site)
    report = Report(without_config=site.config_file is None)
    for path in iter_pages(site.docs_dir):
        rel = path.relative_to(site.docs_dir).as_posix()
        raw = path.read_bytes()
        if LANGUAGE.encode() not in raw:
            continue
        report.pages += 1
        blocks, problems, unseen = check_page(rel, raw, site, settings.for_page(path.parent))
        report.blocks += blocks
        report.unseen += unseen
        report.problems.extend(problems)
    return report


def iter_pages(docs_dir: Path) -> Iterator[Path]:
    """Markdown pages under ``docs_dir``, skipping hidden files and folders as
    MkDocs does by default."""
    for path in sorted(docs_dir.rglob("*")):
        rel = path.relative_to(docs_dir)
        hidden = any(part.startswith(".") for part in rel.parts)
        if path.suffix.lower() in _PAGE_SUFFIXES and not hidden and path.is_file():
            yield path


def check_page(
    rel: str, raw: bytes, site: SiteOptions, settings: Settings
) -> tuple[int, list[Problem], int]:
    """(blocks seen, problems, fences not seen as blocks) for one page, with
    the plugin's lines and messages."""
    from mkdocs.utils.meta import get_data

    from .fence import rendered_blocks, scan_fences
    from .options import page_defaults
    from .pipeline import check_block

    try:
        # As MkDocs reads a page (File.content_string).
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return 0, [Problem(rel, None, f"the page is not UTF-8 text: {exc}")], 0
    markdown, meta = get_data(source)
    defaults, found = page_defaults(meta, source)
    problems = [Problem(rel, *found)] if found else []
    blocks = rendered_blocks(
        markdown, source, list(site.markdown_extensions), dict(site.mdx_configs)
    )
    if blocks is None:
        blocks = scan_fences(source, top_level_only=not site.superfences)
    for block in blocks:
        try:
            notes = check_block(textwrap.dedent(block.body), settings, defaults)
            problems += [
                Problem(rel, line_in_page(block.line, note), note.message)
                for note in notes
                if note.level == "warning"
            ]
        except HeatmapError as exc:
            problems.append(Problem(rel, line_in_page(block.line, exc), exc.message))
        except Exception as exc:  # a bug of ours: reported as the build reports it
            problems.append(Problem(rel, block.line, internal_error(exc)))
    return len(blocks), problems, len(scan_fences(source)) - len(blocks)


# --------------------------------------------------------------------------
# Plumbing.


MAX_SPEC_BYTES = 1 << 20  # a block, or a page of blocks, is text a person wrote


def _read_text(path: Path, shown: str) -> str:
    """A spec or page: a regular file of at most 1 MB of UTF-8 text (a FIFO
    or /dev/zero is refused before it is read, never a hang or MemoryError)."""

    def fail(message: str) -> CliError:
        return CliError(str(Problem(shown, 1, message)))

    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise fail("file not found") from None
    except OSError as exc:
        raise fail(f"cannot read the file: {reason(exc)}") from None
    if stat.S_ISDIR(mode):
        raise fail("is a folder, not a file")
    if not stat.S_ISREG(mode):
        raise fail("not a regular file (a device, FIFO or socket)")
    content = read_regular(path, MAX_SPEC_BYTES)
    if content is None:
        with contextlib.suppress(OSError):
            if path.stat().st_size > MAX_SPEC_BYTES:
                raise fail(
                    f"over the limit of {size(MAX_SPEC_BYTES)} for a block or a page; "
                    "put the values in a data file and point at it with `data: FILE`"
                )
        raise fail("cannot read the file")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(f"cannot read the file: {reason(exc)}") from None


def _output_file(value: str) -> str:
    if Path(value).suffix.lower() not in _OUTPUT_FORMATS:
        raise argparse.ArgumentTypeError(
            f"{value!r}: the output file must end in .svg, .png, .pdf or .eps "
            "(the format follows it)"
        )
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Render and check mkdocs-heatmap blocks outside a MkDocs build.",
        epilog=f"Run '{PROG} COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    render = commands.add_parser(
        "render",
        help="render one block (a YAML file) to an SVG, PNG, PDF or EPS file",
        description=(
            "Render one heatmap block to an image file, with the same look as the site. "
            "SPEC is a YAML file holding the block body (what goes between the fences). "
            "Data paths are looked up relative to SPEC's folder, then the project root "
            "(the folder of --config, else the current directory; with --config also "
            "the site's docs_dir and data_dir), and must resolve inside the project "
            "(or the site's data_dir)."
        ),
        epilog=(
            "Problems are printed as SPEC:LINE: heatmap: message (exit status 1). "
            f"Example: {PROG} render figure.yml -o figure.svg --config mkdocs.yml"
        ),
    )
    render.add_argument("spec", metavar="SPEC", help="YAML file with the block body")
    render.add_argument(
        "-o",
        "--output",
        required=True,
        type=_output_file,
        metavar="FILE",
        help="image to write: .svg, .png, .pdf or .eps (overrides the block's 'format')",
    )
    render.add_argument(
        "--style",
        metavar="NAME|PATH",
        help="site style: a built-in name (default, paper) or a .mplstyle file; "
        "overrides the style of --config",
    )
    render.add_argument(
        "--theme",
        choices=("light", "dark"),
        help="variant to draw (default: the block's theme, else the site's; auto draws light)",
    )
    render.add_argument(
        "--config",
        metavar="MKDOCS_YML",
        help="use this site's heatmap plugin options (style, defaults, data_dir, theme)",
    )
    render.set_defaults(func=cmd_render)

    check = commands.add_parser(
        "check",
        help="validate every heatmap block of a site without drawing",
        description=(
            "Find every heatmap block in every Markdown page under DOCS_DIR and validate "
            "its spec, data, style and colormap without drawing, with the site's plugin "
            "defaults and each page's front-matter 'heatmap:' defaults, as 'mkdocs build' "
            "would. Problems are printed as PAGE:LINE: heatmap: message (PAGE relative "
            "to DOCS_DIR), the same message and line the build warns with. A DOCS_DIR "
            "holding a conf.py is a Sphinx source folder: its reST and MyST pages are "
            "read as sphinx-build reads them, with the heatmap_* values of conf.py."
        ),
        epilog="Exit status: 0 when no problem is found, 1 otherwise.",
    )
    check.add_argument(
        "docs_dir",
        nargs="?",
        metavar="DOCS_DIR",
        help="docs folder (default: docs_dir of the MkDocs config, else ./docs)",
    )
    check.add_argument(
        "--config",
        metavar="MKDOCS_YML",
        help="MkDocs config to take plugin options and docs_dir from (default: "
        "mkdocs.yml next to DOCS_DIR, else in the current directory)",
    )
    check.set_defaults(func=cmd_check)

    init = commands.add_parser(
        "init",
        help="set a host up: 'init myst' writes the MyST-MD plugin file",
        description=(
            "Write what a host needs in the project. 'myst': the executable plugin "
            "file heatmap.py that MyST-MD (Jupyter Book 2) runs, next to myst.yml; "
            "then list it in myst.yml under project.plugins as "
            "'- {type: executable, path: heatmap.py}'."
        ),
        epilog="Exit status: 0 when the file is written (or already there), 1 otherwise.",
    )
    init.add_argument("host", choices=("myst",), help="the host to set up")
    init.add_argument(
        "--dir",
        default=".",
        metavar="FOLDER",
        help="the project folder, where myst.yml is (default: the current directory)",
    )
    init.add_argument(
        "--python",
        metavar="PATH",
        help="the Python that runs the plugin, written into its first line (default: "
        "'/usr/bin/env python3', the first python3 on PATH when myst runs)",
    )
    init.add_argument("--force", action="store_true", help="replace a different heatmap.py")
    init.set_defaults(func=cmd_init)
    return parser


def cmd_init(args: argparse.Namespace) -> int:
    """``init myst``: the plugin file, and what to add to ``myst.yml``."""
    from .myst import PLUGIN_FILE, PLUGIN_LINE, listed, write_plugin

    folder = Path(args.dir)
    if not folder.is_dir():
        raise CliError(f"{args.dir}: no such folder")
    try:
        path = write_plugin(folder, python=args.python, force=args.force)
    except FileExistsError:
        raise CliError(
            f"{folder / PLUGIN_FILE}: a different file is there; use --force to replace it"
        ) from None
    except OSError as exc:
        raise CliError(f"{folder / PLUGIN_FILE}: cannot write it: {reason(exc)}") from None
    print(f"wrote {path}")
    state = listed(folder)
    if state is None:
        print(f"no myst.yml in {folder}: create one (myst init), then list the plugin:")
    if not state:
        print(f"add to myst.yml, under project:\n  plugins:\n    - {PLUGIN_LINE}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mkdocs-heatmap`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        status: int = args.func(args)
    except CliError as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug of ours: one line, as the build reports it
        print(f"heatmap: {internal_error(exc)}", file=sys.stderr)
        return 1
    return status
