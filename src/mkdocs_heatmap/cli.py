"""The ``mkdocs-heatmap`` command: render one block to a file, check a site's blocks.

Both subcommands wire the same core the plugin uses (``pipeline``, ``api``) to
files on disk; nothing here parses, validates or draws on its own.  Problems
are printed as ``FILE:LINE: heatmap: message``, the plugin's format, with no
traceback.  Exit status: 0 fine, 1 a problem was found, 2 bad usage.

A site's options come from its ``mkdocs.yml`` through MkDocs' own
``load_config``, so ``INHERIT``, ``!ENV``, ``!!python/name`` tags and the
plugin's option validation behave exactly as in ``mkdocs build``.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .__about__ import __version__
from .errors import HeatmapError

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

    from .data import Limits
    from .fence import FenceBlock
    from .pipeline import Settings

PROG = "mkdocs-heatmap"
_OUTPUT_FORMATS = {".svg": "svg", ".png": "png"}
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
    style: str | Mapping[str, Any] | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)
    data_dirs: tuple[Path, ...] = ()
    theme: Literal["light", "auto"] = "light"
    limits: Limits | None = None  # None: the defaults
    # Without pymdownx.superfences the plugin only sees top-level fences.
    superfences: bool = True
    # The site's Markdown set-up, to find the blocks Markdown really renders
    # (a fence shown inside an indented code block is not one).
    markdown_extensions: tuple[Any, ...] = ("toc", "tables", "fenced_code")
    mdx_configs: Mapping[str, Any] = field(default_factory=dict)


def load_site(config_file: Path | None, *, docs_dir: Path | None = None) -> SiteOptions:
    """The site described by ``config_file`` (``None``: no site, the current
    directory is the project root and ``./docs`` the docs folder)."""
    if config_file is None:
        root = Path.cwd().resolve()
        return SiteOptions(root, (docs_dir or root / "docs").resolve())
    config = _load_mkdocs_config(config_file)
    root = config_file.resolve().parent
    options = _plugin_options(config)
    data_dir = options.get("data_dir")
    return SiteOptions(
        project_root=root,
        docs_dir=(docs_dir or Path(config.docs_dir)).resolve(),
        config_file=config_file,
        style=options.get("style"),
        defaults=dict(options.get("defaults") or {}),
        data_dirs=((root / data_dir).resolve(),) if data_dir else (),
        theme="auto" if options.get("theme") == "auto" else "light",
        limits=_limits(options),
        superfences="pymdownx.superfences" in config.markdown_extensions,
        markdown_extensions=tuple(config.markdown_extensions),
        mdx_configs=dict(config.mdx_configs),
    )


def _limits(options: Mapping[str, Any]) -> Limits:
    """The plugin's ``max_*`` options as ``Limits`` (defaults where unset)."""
    from .data import Limits

    default = Limits()
    return Limits(
        max_file_bytes=options.get("max_file_size", default.max_file_bytes),
        max_cells=options.get("max_cells", default.max_cells),
        max_label_length=options.get("max_label_length", default.max_label_length),
    )


def find_config(explicit: str | None) -> Path | None:
    """``--config`` if given, else ``mkdocs.yml`` in the current directory if any."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise CliError(f"{explicit}: heatmap: config file not found")
        return path
    return next((Path(name) for name in _CONFIG_NAMES if Path(name).is_file()), None)


def _load_mkdocs_config(path: Path) -> MkDocsConfig:
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    try:
        return load_config(str(path))
    except (Abort, ConfigurationError) as exc:
        # MkDocs has already logged each bad option on its own logger.
        raise CliError(f"{path}: heatmap: cannot load the MkDocs config: {exc}") from None
    except OSError as exc:
        raise CliError(f"{path}: heatmap: cannot read the MkDocs config: {exc}") from None


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
    from .api import site_settings

    try:
        return site_settings(
            style=style if style is not None else site.style,
            base_dir=site.project_root,
            docs_dir=site.docs_dir,
            data_dirs=site.data_dirs,
            defaults=site.defaults,
            theme=site.theme,
            limits=site.limits,
        )
    except HeatmapError as exc:
        where = "--style" if style is not None else site.config_file
        raise CliError(f"{where}: heatmap: 'style': {exc}") from None


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
    settings = replace(settings, roots=replace(settings.roots, page_dir=spec_path.resolve().parent))
    body = _read_text(spec_path, args.spec)
    try:
        prepared = prepare(body, settings)
        image = draw(prepared, format=_OUTPUT_FORMATS[output.suffix.lower()], theme=args.theme)
    except HeatmapError as exc:
        # The file holds the block body: its line 1 is the block's line 0,
        # and a problem with the whole block is reported at line 1.
        raise CliError(problem(args.spec, 1 + (exc.block_line or 0), exc.message)) from None
    try:
        output.write_bytes(image.content)
    except OSError as exc:
        raise CliError(f"{args.output}: heatmap: cannot write the image: {_reason(exc)}") from None
    print(f"{args.output}: {image.format.upper()}, {image.width} x {image.height} px")
    return 0


def _cli_style(style: str | None, project_root: Path) -> str | None:
    """A ``--style`` path is relative to the current directory; the core wants
    it relative to the project root."""
    if style is None or not style.endswith(".mplstyle"):
        return style
    return os.path.relpath(Path(style).resolve(), project_root)


# --------------------------------------------------------------------------
# check


@dataclass(frozen=True)
class Problem:
    page: str  # posix path relative to docs_dir
    line: int | None
    message: str

    def __str__(self) -> str:
        return problem(self.page, self.line, self.message)


@dataclass
class Report:
    pages: int = 0
    blocks: int = 0
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        found = f"{len(self.problems)} problem(s)" if self.problems else "no problems"
        return f"heatmap: checked {self.blocks} block(s) on {self.pages} page(s): {found}"


def cmd_check(args: argparse.Namespace) -> int:
    config_file = find_config(args.config)
    docs_dir = Path(args.docs_dir) if args.docs_dir is not None else None
    site = load_site(config_file, docs_dir=docs_dir)
    if not site.docs_dir.is_dir():
        raise CliError(f"{site.docs_dir}: heatmap: docs folder not found")
    report = check_site(site)
    for item in report.problems:
        print(item)
    print(report.summary())
    return 1 if report.problems else 0


def check_site(site: SiteOptions) -> Report:
    """Check every heatmap block on every page of the site, without drawing."""
    from .fence import LANGUAGE

    settings = settings_for(site)
    report = Report()
    for path in iter_pages(site.docs_dir):
        rel = path.relative_to(site.docs_dir).as_posix()
        raw = path.read_bytes()
        if LANGUAGE.encode() not in raw:
            continue
        report.pages += 1
        blocks, problems = check_page(rel, raw, path.parent, site, settings)
        report.blocks += blocks
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
    rel: str, raw: bytes, page_dir: Path, site: SiteOptions, settings: Settings
) -> tuple[int, list[Problem]]:
    """(blocks seen, problems) for one page, with the plugin's lines and messages."""
    from mkdocs.utils.meta import get_data

    from .fence import scan_fences
    from .pipeline import check_block

    try:
        # As MkDocs reads a page (File.content_string).
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return 0, [Problem(rel, None, f"the page is not UTF-8 text: {exc}")]
    markdown, meta = get_data(source)
    defaults, problems = page_defaults(rel, meta, source)
    page_settings = replace(settings, roots=replace(settings.roots, page_dir=page_dir))
    blocks = rendered_blocks(markdown, source, site)
    if blocks is None:
        blocks = scan_fences(source, top_level_only=not site.superfences)
    for block in blocks:
        try:
            check_block(textwrap.dedent(block.body), page_settings, defaults)
        except HeatmapError as exc:
            line = block.line + 1 + exc.block_line if exc.block_line is not None else block.line
            problems.append(Problem(rel, line, exc.message))
        except Exception as exc:  # a bug of ours: reported as the build reports it
            message = f"internal error ({type(exc).__name__}: {exc}); please report it"
            problems.append(Problem(rel, block.line, message))
    return len(blocks), problems


def rendered_blocks(markdown: str, source: str, site: SiteOptions) -> list[FenceBlock] | None:
    """The heatmap blocks Markdown really renders on this page, as written in
    the source (line, body), by converting it with the site's own Markdown
    set-up and the plugin's fence hook; ``None`` if that conversion fails
    (an extension that needs a live MkDocs build), and the caller scans."""
    import logging

    import markdown as md_lib

    from .fence import FenceHandler, PageContext, PlainFenceExtension, superfences_entry
    from .model import DataRoots
    from .pipeline import Settings

    handler = FenceHandler(logging.getLogger(__name__), lambda output: None)
    extensions = list(site.markdown_extensions)
    configs = {name: dict(options) for name, options in site.mdx_configs.items()}
    if "pymdownx.superfences" in extensions:
        options = configs.setdefault("pymdownx.superfences", {})
        fences = [f for f in options.get("custom_fences", []) if f.get("name") != "heatmap"]
        options["custom_fences"] = [*fences, superfences_entry(handler)]
    else:
        extensions.append(PlainFenceExtension(handler))
    try:
        html = md_lib.Markdown(extensions=extensions, extension_configs=configs).convert(markdown)
    except Exception:  # the site's extensions, not ours: fall back to scanning
        return None
    roots = DataRoots(docs_dir=site.docs_dir, project_root=site.project_root)
    context = PageContext("", source, Settings(roots=roots, rc={}), lambda path: path)
    found = []
    for n, body in enumerate(handler.bodies):
        block = context.locate(body) if handler.rendered(n, html) else None
        if block is not None:
            found.append(block)
    return found


def page_defaults(
    rel: str, meta: Mapping[str, Any], source: str
) -> tuple[Mapping[str, Any], list[Problem]]:
    """A page's front-matter ``heatmap:`` defaults, validated like the plugin does
    (a problem is reported at the ``heatmap:`` line and the defaults dropped)."""
    from .fence import LANGUAGE
    from .plugin import _front_matter_line
    from .spec import validate_defaults

    defaults = meta.get(LANGUAGE)
    if defaults is None:
        return {}, []
    try:
        if not isinstance(defaults, dict):
            raise HeatmapError("front matter 'heatmap:' must be a mapping of block keys")
        validate_defaults(defaults)
    except HeatmapError as exc:
        return {}, [Problem(rel, _front_matter_line(source), exc.message)]
    return defaults, []


# --------------------------------------------------------------------------
# Plumbing.


def problem(where: str, line: int | None, message: str) -> str:
    """One problem in the plugin's format."""
    return f"{where}:{line if line is not None else '?'}: heatmap: {message}"


def _read_text(path: Path, shown: str) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CliError(problem(shown, 1, "file not found")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(problem(shown, 1, f"cannot read the file: {_reason(exc)}")) from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _output_file(value: str) -> str:
    if Path(value).suffix.lower() not in _OUTPUT_FORMATS:
        raise argparse.ArgumentTypeError(
            f"{value!r}: the output file must end in .svg or .png (the format follows it)"
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
        help="render one block (a YAML file) to an SVG or PNG file",
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
        help="image to write; .svg or .png (overrides the block's 'format')",
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
            "to DOCS_DIR), the same message and line the build warns with."
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
        help="MkDocs config to take plugin options and docs_dir from "
        "(default: ./mkdocs.yml when present)",
    )
    check.set_defaults(func=cmd_check)
    return parser


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
    return status
