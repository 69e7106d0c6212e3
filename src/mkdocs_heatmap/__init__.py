"""mkdocs-heatmap: declarative heatmap figures for MkDocs and Python-Markdown.

The package root stays light (no matplotlib, no MkDocs import) so a site
without heatmap blocks pays nothing for it.
"""

from .__about__ import __version__

__all__ = ["__version__"]
