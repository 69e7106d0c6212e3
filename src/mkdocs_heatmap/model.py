"""The plain data the pipeline passes around: matrices, limits, roots, images.

Nothing here imports numpy or matplotlib at run time, so a warm build that
only re-uses cached figures never pays for either.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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


@dataclass(frozen=True)
class Limits:
    """Guards applied before memory is spent on a data file."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_cells: int = 4_000_000
    max_label_length: int = 200


@dataclass(frozen=True)
class DataRoots:
    """The folders a ``data`` path is looked up in and must stay inside."""

    docs_dir: Path
    project_root: Path
    page_dir: Path | None = None
    data_dirs: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Image:
    content: bytes
    format: str  # "svg" | "png"
    width: int  # CSS pixels the image is displayed at
    height: int
