"""The MyST-MD host (Jupyter Book 2): an executable plugin with a ``heatmap`` directive.

MyST-MD runs an *executable plugin* (``project.plugins`` in ``myst.yml``):
called with no arguments it prints its specification; called with
``--directive heatmap`` it reads the directive (``{name, node, options,
body}``) on stdin and prints AST nodes; called with ``--transform NAME`` it
reads a whole page's AST and prints it back.  MyST-MD starts a new process
for every directive, and tells neither the directive nor a transform which
page it is in.  So the work is split in two:

* the directive (one short process per block, without numpy or matplotlib)
  returns a figure node holding the block: MyST-MD knows its ``label`` from
  the start, so ``@label`` and ``[](#label)`` find it and it is numbered;
* a ``stage: document`` transform (one process per page) finds those nodes,
  draws every figure of the page the caches lack at once (in worker
  processes), and puts the images in: ``data:`` URIs, which MyST-MD writes
  out as content-hashed files.

The project is the folder of ``myst.yml`` (where ``myst`` runs): ``data``
paths are relative to it, data files must lie inside it, and the content
cache (``.cache/heatmap``) is the one every host shares.  Site options come
from ``project.options.heatmap`` in ``myst.yml`` (MyST-MD accepts any
mapping under ``options``); a page's front matter is out of reach.

A bad block becomes an error box, and a warning in MyST-MD's log at the
block's line: an unresolvable cross-reference whose target is the message
(MyST-MD gives a plugin no channel of its own to report through), which
MyST-MD's ``reference-target-resolves`` error rule makes an error for
``myst build --strict``.  ``on_error: fail`` makes the transform fail, which
stops the build.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .files import umask

if TYPE_CHECKING:
    from .emit import FigureDoc
    from .site import Site

NAME = "heatmap"
TRANSFORM = "heatmap-figures"
CONFIG_FILES = ("myst.yml", "myst.yaml")
_KEY = "mkdocs_heatmap"  # the block's data, kept on its node between the two steps

SPEC: dict[str, Any] = {
    "name": "mkdocs-heatmap",
    "directives": [
        {
            "name": NAME,
            "doc": "A heatmap drawn from a YAML block (mkdocs-heatmap).",
            "options": {
                "label": {
                    "type": "string",
                    "doc": "the figure's label, for @label",
                    "alias": ["name"],  # as MyST's own figure directive takes it
                },
                "class": {"type": "string", "doc": "extra classes of the figure"},
            },
            "body": {"type": "string", "doc": "the block's YAML keys"},
        }
    ],
    "transforms": [{"name": TRANSFORM, "stage": "document"}],
}

Node = dict[str, Any]


def main(argv: Sequence[str] | None = None) -> int:
    """The plugin's command line, as MyST-MD calls it."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print(json.dumps(SPEC))
        return 0
    data = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    if args[0] == "--directive" and args[1:] == [NAME]:
        result: Any = directive(data)
    elif args[0] == "--transform" and args[1:] == [TRANSFORM]:
        try:
            result = transform(data, project_root())
        except Failed as exc:
            print(str(exc), file=sys.stderr)
            return 1
    else:
        print(f"mkdocs-heatmap: unknown call {' '.join(args)}", file=sys.stderr)
        return 2
    sys.stdout.buffer.write(json.dumps(result, ensure_ascii=False).encode("utf-8"))
    return 0


class Failed(Exception):
    """``on_error: fail`` (or bad options): the message that stops the build."""


# --------------------------------------------------------------------------
# The directive: cheap, one process per block.


def directive(data: Mapping[str, Any]) -> list[Node]:
    """The block as a figure node that holds its text, to be drawn by the
    page's transform; its label is the ``:label:`` option, else the block's
    ``id`` key."""
    options = data.get("options") or {}
    body = data.get("body") or ""
    node = data.get("node") or {}
    line = _line(node)
    for child in node.get("children") or ():
        if child.get("type") == "mystDirectiveBody":
            line = _line(child) or line
            break
    label = options.get("label") or _block_id(body)
    classes = " ".join(["heatmap", *str(options.get("class") or "").split()])
    held: dict[str, Any] = {"body": body, "line": line, "label": label}
    figure: Node = {
        "type": "container",
        "kind": "figure",
        "class": classes,
        "data": {_KEY: held},
        # Until the page's transform draws it, the block's text stands in
        # (content a figure may hold, which MyST-MD checks before then).
        "children": [_stand_in(body)],
    }
    if label:
        figure.update(_target(label))
    if node.get("position"):
        figure["position"] = node["position"]
    refused = _refused(body, figure)
    if refused:
        # The transform reports it at the block, with the block's start in
        # the error box.
        held.update(body=_excerpt(body), refused=refused)
        figure["children"] = [_stand_in(held["body"])]
    return [figure]


# MyST-MD reads a directive's reply through Node's spawnSync, whose buffer
# (1 MiB) cuts a longer one short; the cut reply then fails as JSON with a
# message that names neither the block nor its cause.
MAX_REPLY = 1_000_000
_SHOWN = 10_000  # characters of the block its stand-in and its error box show


def _stand_in(body: str) -> Node:
    return {"type": "code", "lang": "yaml", "value": _excerpt(body)}


def _excerpt(body: str) -> str:
    return body if len(body) <= _SHOWN else body[:_SHOWN] + "\n…"


def _refused(body: str, figure: Node) -> str | None:
    """Why the block cannot be carried to the transform (None: it can)."""
    from .model import block_too_long

    too_long = block_too_long(body)
    if too_long is not None:
        return too_long
    size = len(json.dumps([figure], ensure_ascii=False).encode("utf-8"))
    if size <= MAX_REPLY:
        return None
    return (
        f"the block is {size:,} bytes as the plugin hands it back to MyST-MD, which reads "
        f"at most {MAX_REPLY:,}; put the values in a data file and point at it with `data: FILE`"
    )


def _line(node: Mapping[str, Any]) -> int | None:
    line = ((node.get("position") or {}).get("start") or {}).get("line")
    return line if isinstance(line, int) else None


def _block_id(body: str) -> str | None:
    """The block's ``id`` key, if the body reads as a mapping with one."""
    import re

    if not re.search(r"^['\"]?id['\"]?[ \t]*:", body, re.MULTILINE):
        return None  # no need to read YAML (or import it)
    import yaml

    try:
        parsed = yaml.safe_load(body)
    except yaml.YAMLError:
        return None
    ident = parsed.get("id") if isinstance(parsed, dict) else None
    return ident if isinstance(ident, str) and ident else None


def _target(label: str) -> Node:
    """``label``, ``identifier`` and ``html_id`` as MyST-MD derives them."""
    import re

    identifier = re.sub(r"['‘’\"“”]+", "", re.sub(r"[\t\n\r ]+", " ", label)).strip().lower()
    html_id = re.sub(r"[^a-z0-9-]", "-", identifier)
    html_id = re.sub(r"^([0-9-])", r"id-\1", html_id)
    html_id = re.sub(r"-[-]+", "-", html_id).strip("-")
    return {"label": label, "identifier": identifier, "html_id": html_id}


# --------------------------------------------------------------------------
# The transform: one process per page, every figure of it.


def transform(tree: Node, root: Path) -> Node:
    """The page with each held block drawn (or an error box in its place)."""
    found = list(_held(tree))
    if not found:
        return tree
    options = site_options(root)
    if not options["enabled"]:
        for parent, index, held in found:
            parent["children"][index] = {"type": "code", "lang": "yaml", "value": held["body"]}
        return tree
    from .errors import ConfigError

    try:
        site = _open(options, root)
    except ConfigError as exc:
        raise Failed(f"myst.yml: project.options.heatmap: {exc.message}") from None
    fail = options["on_error"] == "fail"
    settings = site.settings.for_page(None)
    site.ahead((held["body"], settings, {}) for _, _, held in found if not held.get("refused"))
    aliases: dict[str, Node] = {}
    drawn = [
        (parent, index, _drawn(site, parent["children"][index], held, fail, aliases))
        for parent, index, held in found
    ]
    # Put in from the last: a figure's panel targets follow it in its
    # parent, moving the nodes after it.
    for parent, index, nodes in reversed(drawn):
        parent["children"][index : index + 1] = nodes
    if aliases:
        _point_at_figures(tree, aliases)
    return tree


def _held(tree: Node) -> Iterator[tuple[Node, int, Mapping[str, Any]]]:
    """Each node the directive made: its parent, its index there, its data."""
    stack = [tree]
    while stack:
        parent = stack.pop()
        children = parent.get("children")
        if not isinstance(children, list):
            continue
        for index, child in enumerate(children):
            if not isinstance(child, dict):
                continue
            held = (child.get("data") or {}).get(_KEY)
            if isinstance(held, dict) and isinstance(held.get("body"), str):
                yield parent, index, held
            else:
                stack.append(child)


def _drawn(
    site: Site, node: Node, held: Mapping[str, Any], fail: bool, aliases: dict[str, Node]
) -> list[Node]:
    """The held block drawn into its figure node and its panels' targets (or
    an error box); the ids of its unlettered panels added to ``aliases``."""
    from .errors import HeatmapError, internal_error

    body = held["body"]
    if held.get("refused"):
        return [_error(node, held, str(held["refused"]), 0, fail)]
    try:
        figure = site.figure(body, site.settings.for_page(None), {})
    except HeatmapError as exc:
        return [_error(node, held, exc.message, exc.block_line, fail)]
    except Exception as exc:  # a bug of ours: reported at the block
        return [_error(node, held, internal_error(exc), None, fail)]
    doc = figure.memo.doc
    content = {output.path: output.content for output in figure.outputs()}
    figure_node = {k: v for k, v in node.items() if k not in ("data", "children")}
    if not held.get("label") and doc.id:
        figure_node.update(_target(doc.id))
    # A subfigure would read "Figure 3a" for a panel that shows no letter:
    # an unlettered panel's id names the figure instead ("Figure 3").
    unlettered = [ident for ident, letter in doc.panels if not letter]
    if unlettered and not figure_node.get("identifier"):
        figure_node.update(_target(unlettered.pop(0)))
    for ident in unlettered:
        aliases[_target(ident)["identifier"]] = _target(figure_node["label"])
    classes = figure_node.get("class", "").split() + doc.classes.split()
    figure_node["class"] = " ".join(dict.fromkeys(classes))
    children = _images(doc, content)
    if doc.caption:
        children.append({"type": "caption", "children": [_paragraph(doc.caption)]})
    figure_node["children"] = children
    panels = _panel_targets(doc, children[0], figure_node)
    notes = [n for n in figure.memo.notes if n.level == "warning"]
    if notes and fail:  # as under every host: a warning stops the build too
        raise Failed(f"heatmap: {_where(held, notes[0].block_line)}: {notes[0].message}")
    if notes:
        # Reported, not shown: the figure is drawn.
        hidden = [_warning(held, note.message, note.block_line) for note in notes]
        hidden_box = {"type": "div", "class": "hidden", "children": hidden}
        return [{"type": "div", "children": [figure_node, hidden_box]}, *panels]
    return [figure_node, *panels]


def _images(doc: FigureDoc, content: Mapping[str, bytes]) -> list[Node]:
    """The figure's image, or its light and dark images with the classes
    MyST-MD's themes show by their dark mode (``dark:hidden``, ``hidden
    dark:block``)."""
    from .formats import data_uri

    images = []
    for picture in doc.pictures:
        image: Node = {
            "type": "image",
            "url": data_uri(picture.path, content[picture.path]),
            "alt": doc.alt,
            "width": doc.width or f"{picture.width}px",
        }
        if len(doc.pictures) == 2:
            image["class"] = "dark:hidden" if picture.variant == "light" else "hidden dark:block"
        images.append(image)
    return images


def _panel_targets(doc: FigureDoc, image: Node, figure: Node) -> list[Node]:
    """The lettered panels' ids as MyST-MD's own subfigures, which it letters
    in order under the number of the figure before them (``@panel-id``
    reads "Figure 3b"): one for each panel up to the last with an id, in a
    comment after the figure, which every MyST-MD output leaves out (the
    letters are drawn on the image; inside the figure, exports would lay
    them out as parts of it).  Each holds the figure's image, as a figure
    must (and the preview a theme shows of a reference's target)."""
    lettered = [(ident, letter) for ident, letter in doc.panels if letter]
    if not lettered:
        return []
    if not figure.get("html_id"):
        figure["html_id"] = _target(lettered[0][0])["html_id"]
    at = {_position(letter): ident for ident, letter in lettered}
    subfigures = []
    for n in range(max(at) + 1):
        subfigure: Node = {"type": "container", "kind": "figure", "subcontainer": True}
        if n in at:
            # A reference links to its target's html_id, which no element
            # has here: the figure's takes the reader to the panel.
            subfigure.update(_target(at[n]), html_id=figure["html_id"])
        subfigure["children"] = [{k: v for k, v in image.items() if k != "class"}]
        subfigures.append(subfigure)
    return [{"type": "comment", "value": "heatmap panels", "children": subfigures}]


def _point_at_figures(tree: Node, aliases: Mapping[str, Node]) -> None:
    """Point the page's references to an alias (``[](#id)``, ``@id``,
    ``{numref}``) at its figure: MyST-MD gives a node one identifier, so only
    this page's references can be turned."""
    stack = [tree]
    while stack:
        node = stack.pop()
        kind = node.get("type")
        if kind == "link" and str(node.get("url", "")).startswith("#"):
            figure = aliases.get(_target(node["url"][1:])["identifier"])
            if figure is not None:
                node["url"] = f"#{figure['label']}"
        elif kind in ("cite", "crossReference") and node.get("identifier") in aliases:
            figure = aliases[node["identifier"]]
            node.update(label=figure["label"], identifier=figure["identifier"])
        stack.extend(c for c in node.get("children") or () if isinstance(c, dict))


def _position(letter: str) -> int:
    """The 0-based panel a letter names (a, b, ... z, aa, ...)."""
    return ord(letter[0].lower()) - ord("a") + 26 * (len(letter) - 1)


def _error(
    node: Node, held: Mapping[str, Any], message: str, block_line: int | None, fail: bool
) -> Node:
    """An error box in the block's place, with the warning MyST-MD reports."""
    if fail:
        raise Failed(f"heatmap: {_where(held, block_line)}: {message}")
    box: Node = {
        "type": "admonition",
        "kind": "error",
        "class": "heatmap-error",
        "children": [
            {"type": "admonitionTitle", "children": [{"type": "text", "value": "heatmap error"}]},
            {"type": "paragraph", "children": [_warning(held, message, block_line)]},
            {"type": "code", "lang": "yaml", "value": held["body"]},
        ],
    }
    if node.get("position"):
        box["position"] = node["position"]
    return box


def _warning(held: Mapping[str, Any], message: str, block_line: int | None) -> Node:
    """A problem as MyST-MD reports it: a cross-reference to a target that
    cannot exist, at the block's line, whose "identifier" is the message.
    MyST-MD prints "FILE:LINE ... Cross reference target was not found:
    heatmap: MESSAGE"; the page shows the message as the reference's text."""
    line = _block_line(held, block_line)
    text = f"heatmap: {message}"
    warning: Node = {
        "type": "crossReference",
        "identifier": text,
        "label": text,
        "children": [{"type": "text", "value": text}],
    }
    if line is not None:
        point = {"line": line, "column": 1}
        warning["position"] = {"start": point, "end": point}
    return warning


def _block_line(held: Mapping[str, Any], block_line: int | None) -> int | None:
    """The page line of a problem: the key's line where known, else the
    block's first line."""
    first = held.get("line")
    if not isinstance(first, int):
        return None
    return first + (block_line or 0)


def _where(held: Mapping[str, Any], block_line: int | None) -> str:
    line = _block_line(held, block_line)
    return f"line {line}" if line is not None else "a block"


def _paragraph(text: str) -> Node:
    return {"type": "paragraph", "children": [{"type": "text", "value": text}]}


# --------------------------------------------------------------------------
# The project: myst.yml and its options.


def project_root(start: Path | None = None) -> Path:
    """The folder of the nearest ``myst.yml`` at or above ``start`` (the
    working directory MyST-MD runs the plugin in), else ``start``."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if any((folder / name).is_file() for name in CONFIG_FILES):
            return folder
    return start


def site_options(root: Path) -> dict[str, Any]:
    """The site options in ``project.options.heatmap`` of ``myst.yml``,
    checked (``Failed`` naming the option for a bad one)."""
    import yaml

    from .errors import ConfigError
    from .options import MYST, read_options

    raw: Any = {}
    for name in CONFIG_FILES:
        path = root / name
        if path.is_file():
            try:
                config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
                raise Failed(f"{name}: cannot read it: {exc}") from None
            raw = _get(config, "project", "options", NAME)
            break
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise Failed("myst.yml: project.options.heatmap: expected a mapping of options")
    try:
        return read_options(raw, MYST, "myst.yml: project.options.heatmap")
    except ConfigError as exc:
        raise Failed(exc.message) from None


def _get(config: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(config, dict):
            return None
        config = config.get(key)
    return config


def _open(options: Mapping[str, Any], root: Path) -> Site:
    from .site import Site

    return Site.open(options, project_root=root, docs_dir=root, output_dir="")


# --------------------------------------------------------------------------
# `mkdocs-heatmap init myst`: the plugin file MyST-MD runs.

PLUGIN_FILE = "heatmap.py"
PLUGIN_LINE = f"{{type: executable, path: {PLUGIN_FILE}}}"
PLUGIN_SOURCE = '''#!/usr/bin/env python3
"""mkdocs-heatmap's MyST-MD plugin: the `heatmap` directive.

Listed in myst.yml (project.plugins) as
    - {type: executable, path: heatmap.py}
Written by `mkdocs-heatmap init myst`; it runs the installed mkdocs-heatmap,
so keep it as it is (run myst from the environment mkdocs-heatmap is
installed in, or put that environment's Python in the first line).
"""

import sys

try:
    from mkdocs_heatmap.myst import main
except ImportError as exc:  # not installed for this Python
    sys.exit(f"heatmap.py: cannot import mkdocs_heatmap ({exc}); pip install mkdocs-heatmap")

sys.exit(main())
'''


def write_plugin(folder: Path, *, python: str | None = None, force: bool = False) -> Path:
    """Write the plugin file into ``folder`` (executable); ``FileExistsError``
    if a different one is there and not ``force``."""
    source = PLUGIN_SOURCE
    if python:
        source = source.replace("#!/usr/bin/env python3", f"#!{python}", 1)
    path = folder / PLUGIN_FILE
    if path.exists() and not force and path.read_text(encoding="utf-8") != source:
        raise FileExistsError(str(path))
    path.write_text(source, encoding="utf-8")
    path.chmod(0o755 & ~umask())
    return path


def listed(folder: Path) -> bool | None:
    """Whether ``myst.yml`` in ``folder`` lists the plugin file (``None``: no
    ``myst.yml``)."""
    import yaml

    for name in CONFIG_FILES:
        path = folder / name
        if path.is_file():
            try:
                config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                return False
            plugins = _get(config, "project", "plugins") or []
            return any(
                isinstance(p, dict) and str(p.get("path", "")).lstrip("./") == PLUGIN_FILE
                for p in plugins
            )
    return None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
