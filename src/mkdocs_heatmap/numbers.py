"""Numbers as text: how a value reads in a cell, a data table, a hover readout or a message.

One place for every way the product writes a number, so the cell text, the
table under the figure and the hover readout cannot drift apart.  Nothing
here imports numpy at module level: the HTML writer uses it on warm builds
that never load the data.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


def format_value(value: float, fmt: str) -> str:
    """Format a cell value; integer specs (``d``) accept whole floats."""
    try:
        return format(value, fmt)
    except ValueError:
        if float(value).is_integer():
            return format(int(value), fmt)
        raise


def auto_fmt(values: npt.NDArray[np.float64]) -> str:
    """Integers stay integers; otherwise two decimals, fewer for hundreds and
    thousands, and 3 significant digits only for very large or small values."""
    import numpy as np

    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return ".2f"
    if np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e6:
        return ".0f"
    top = float(np.abs(finite).max())
    if 0.01 <= top < 100:
        return ".2f"
    if 100 <= top < 1e6:
        return ".0f" if top >= 1000 else ".1f"
    return ".3g"


def cell_fmt(fmt: str | None, values: npt.NDArray[np.float64]) -> str:
    """The format cell texts use: the block's ``fmt``, else ``auto_fmt``."""
    return fmt or auto_fmt(values)


def readout(value: float) -> str:
    """``value`` with the data's own precision: up to 4 significant digits
    without trailing zeros (0.5, 0.123, 0.1235, 12.35), whole from 1,000 up
    with thousands separators (12,346), in exponent form below 0.0001 and
    from 10^15 (1.235e-05)."""
    size = abs(value)
    if size == 0:
        return "0"
    if size < 1e-4 or size >= 1e15:
        return format(value, ".4g")
    digits = math.floor(math.log10(size))
    if digits < 3:
        text = f"{value:.{3 - digits}f}".rstrip("0").rstrip(".")
        if abs(float(text)) < 1000:  # not rounded up to 1000
            return text
    return f"{round(value):,}"


def readout_text(value: float, fmt: str | None) -> str:
    """A hover readout: with ``fmt`` when the block has one, else ``readout``."""
    if fmt:
        try:
            return format_value(value, fmt)
        except ValueError:  # a block's mean under an integer format
            pass
    return readout(value)


def message_number(value: float) -> str:
    """A value as an error message quotes it: 6 significant digits."""
    return f"{value:.6g}"


def alt_number(value: float) -> str:
    """A value as alt text says it: whole numbers in full, others to 4 significant digits."""
    if math.isfinite(value) and float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}"
