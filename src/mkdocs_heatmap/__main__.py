"""``python -m mkdocs_heatmap``: the ``mkdocs-heatmap`` command."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
