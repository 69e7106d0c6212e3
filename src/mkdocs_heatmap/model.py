"""The labelled matrix every data source is turned into."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class LabelledMatrix:
    """A 2-D float matrix (NaN for missing cells) with its tick labels.

    ``values[i, j]`` is the cell at row ``y_labels[i]`` and column
    ``x_labels[j]``.  Labels are always strings, as displayed.
    """

    values: npt.NDArray[np.float64]
    x_labels: tuple[str, ...]
    y_labels: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.values.ndim != 2:
            raise ValueError(f"matrix must be 2-D, got {self.values.ndim}-D")
        rows, cols = self.values.shape
        if len(self.y_labels) != rows or len(self.x_labels) != cols:
            raise ValueError(
                f"labels ({len(self.y_labels)} rows, {len(self.x_labels)} columns) "
                f"do not match a {rows}x{cols} matrix"
            )

    @property
    def shape(self) -> tuple[int, int]:
        rows, cols = self.values.shape
        return rows, cols
