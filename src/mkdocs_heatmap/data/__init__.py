"""Data files and inline matrices -> ``LabelledMatrix``.

By step: ``paths`` finds a block's data file and reads it within the limits;
``delimited`` (CSV, TSV), ``structured`` (JSON, YAML) and ``arrays`` (NPY,
NPZ) parse it, ``pivot`` turns long tables into matrices; ``select`` applies
the block's ``rows``, ``columns``, ``transpose`` and labels; ``derive`` makes
matrices from matrices (``normalize``, ``subtract``, ``cluster``,
``trim_mask``, facets); ``load`` ties a source to its parser.  Nothing here
knows about MkDocs or Markdown, so every
host uses it as is.  Every problem a user can cause is a one-line
``DataError`` naming the file as the user wrote it and the block key at fault.
"""

from __future__ import annotations

from .delimited import facet_values
from .load import load_matrix, parse_source
from .paths import Source, read_source, resolve_data_path
from .select import matrix_to_csv

__all__ = [
    "Source",
    "facet_values",
    "load_matrix",
    "matrix_to_csv",
    "parse_source",
    "read_source",
    "resolve_data_path",
]
