"""Escaping for the one HTML attribute that carries a figure's hover data.

The HTML writer (``emit``) puts the data into the attribute and the hover
data's budget (``hover``) measures what it will weigh there: both need the
same escaping, so it lives below them both.
"""

from __future__ import annotations


def attribute(text: str) -> str:
    """``text`` for a single-quoted HTML attribute: double quotes stay as
    they are (most of a JSON list of strings), everything else that could
    end the attribute or start markup is escaped."""
    return (
        text.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;").replace(">", "&gt;")
    )
