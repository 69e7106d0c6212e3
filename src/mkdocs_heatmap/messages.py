"""How user text appears in messages: quoted, shortened, one line, with a
"did you mean" where a close name exists.

Every error the product prints is one line; user text (keys, labels, file
names, values) reaches it only through these helpers.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence


def q(text: str, limit: int = 40) -> str:
    """User text, shortened and quoted; repr() escapes line breaks."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)


def one_line(text: str) -> str:
    """Text with control characters escaped, so it cannot break a log line."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text).strip()


def reason(exc: BaseException) -> str:
    """Why an operation failed, in one line: an OSError's strerror, else its text."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return one_line(str(exc))[:300] or type(exc).__name__


def quoted_list(labels: Sequence[str], limit: int = 10) -> str:
    """Labels for a message: quoted, shortened, at most ``limit`` of them."""
    shown = ", ".join(q(label, 30) for label in labels[:limit])
    return shown + (f", … ({len(labels)} in all)" if len(labels) > limit else "")


def suggest(word: str, options: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest option (same letters in
    another case first), or nothing."""
    candidates = list(options[:5000])
    by_case = {option.casefold(): option for option in reversed(candidates)}
    close = by_case.get(word.strip().casefold())
    if close is None:
        matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
        close = matches[0] if matches else None
    return f" (did you mean {q(close)}?)" if close is not None else ""


def describe(value: object) -> str:
    """A value of the block's YAML as the user would name it."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value!r}"
    return repr(value)


def join_words(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def size(n: int) -> str:
    """A byte count for people: ``512 bytes``, ``1.5 MB``."""
    if n < 1024:
        return f"{n:,} bytes"
    value = float(n)
    unit = "bytes"
    for unit in ("KB", "MB", "GB"):  # noqa: B007  # the unit reached is the answer
        value /= 1024
        if value < 1024:
            break
    return f"{value:.1f} {unit}"
