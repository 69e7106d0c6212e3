"""Which leading columns of a table hold its row labels: pandas' exports.

``df.to_csv()`` writes the index as the first column(s), under the index's
name (or an empty cell when it has none); a MultiIndex is one column per
level.  ``reset_index()`` turns the index into ordinary named columns, and
``to_csv()`` then adds pandas' row numbers (0, 1, …) before them.  Text is
always a label; a named column of whole numbers that increase strictly down
the file (a sorted index of layers, epochs, seeds) is read as labels too, and
the author is told so (a note, see ``mkdocs_heatmap.notes``), since only
they know.  Other numbers are data, as in ``to_csv(index=False)`` of a table
whose first column is a value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Literal

from ..messages import q
from ..notes import note
from .cells import Ctx

Kind = Literal["text", "numbers", "mixed"]

_WHOLE = re.compile(r"[+-]?[0-9]+")


class Columns:
    """The data rows of a table, seen column by column (cells as a parser
    reads them: ``number`` is NaN for a missing cell, None for text)."""

    def __init__(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[object]],
        number: Callable[[object], float | None],
        text: Callable[[object], str],
        whole: Callable[[object], bool] | None = None,
    ) -> None:
        self.header = header
        self.rows = rows
        self.number = number
        self.text = text
        # A whole number as written: "3" in text, an int in JSON (not 3.0).
        self.whole = whole or (lambda cell: _WHOLE.fullmatch(text(cell)) is not None)
        self._kinds: dict[int, Kind] = {}

    @property
    def width(self) -> int:
        return len(self.header)

    def kind(self, j: int) -> Kind:
        """``text``: no cell is a number or missing; ``numbers``: every cell
        is a number; ``mixed``: anything else."""
        if j not in self._kinds:
            numbers = [self.number(row[j]) for row in self.rows]
            if all(n is None for n in numbers):
                self._kinds[j] = "text"
            elif all(n is not None and not math.isnan(n) for n in numbers):
                self._kinds[j] = "numbers"
            else:
                self._kinds[j] = "mixed"
        return self._kinds[j]

    def has_text(self, j: int) -> bool:
        return any(self.number(row[j]) is None for row in self.rows)

    def increasing(self, j: int) -> bool:
        """Two or more whole numbers, written as such, each larger than the
        one before: a sorted index of layers, epochs, seeds."""
        if len(self.rows) < 2 or self.kind(j) != "numbers":
            return False
        if not all(self.whole(row[j]) for row in self.rows):
            return False
        numbers = [self.number(row[j]) for row in self.rows]
        return all(a < b for a, b in pairwise(numbers) if a is not None and b is not None)

    def counts(self, start: int) -> bool:
        """Columns ``start`` on hold whole numbers only (or nothing): counts,
        which a column of increasing whole numbers may well be one of."""
        for row in self.rows:
            for cell in row[start:]:
                if not self.whole(cell):
                    number = self.number(cell)
                    if number is None or not math.isnan(number):
                        return False
        return True

    def row_numbers(self, j: int) -> bool:
        """0, 1, 2, …: pandas' default index (a RangeIndex)."""
        return self.kind(j) == "numbers" and all(
            self.number(row[j]) == i for i, row in enumerate(self.rows)
        )

    def unique(self, start: int, stop: int) -> bool:
        labels = {tuple(self.text(row[j]) for j in range(start, stop)) for row in self.rows}
        return len(labels) == len(self.rows)

    def preview(self, j: int) -> str:
        cells = [self.text(row[j]) for row in self.rows]
        shown = cells if len(cells) <= 3 else [cells[0], cells[1], "…", cells[-1]]
        return "(" + ", ".join(q(c, 20)[1:-1] for c in shown) + ")"

    def levels(self, start: int, stop: int) -> int:
        """``stop`` moved on over the MultiIndex levels after the label
        columns ``start..stop-1``: columns of text, and columns of numbers
        that tell apart rows the labels so far repeat.  Two value columns
        at least are left (one value column is a long table, not a pivot)."""
        while stop <= self.width - 3 and self.level(start, stop):
            stop += 1
        return stop

    def level(self, start: int, j: int) -> bool:
        """Column ``j`` is one more level of the labels ``start..j-1``."""
        kind = self.kind(j)
        return kind == "text" or (
            kind == "numbers"
            and all(self.kind(k) != "mixed" for k in range(start, j))
            and not self.unique(start, j)
            and self.unique(start, j + 1)
        )


def label_columns(table: Columns, index: Literal["auto"] | bool, ctx: Ctx) -> tuple[int, int]:
    """``(start, stop)``: columns ``start..stop-1`` hold the row labels (one
    per MultiIndex level); columns before ``start`` are pandas' row numbers,
    left out; the rest are values."""
    width = table.width
    if index is False:
        return 0, 0
    if width < 2:  # a lone column of labels is an error the caller names
        return 0, 1 if index is True or table.has_text(0) else 0
    if index is True:
        return 0, table.levels(0, 1)
    header = table.header
    if header[0] == "":
        # pandas' unnamed index: one empty header cell per level.
        stop = 1
        while stop <= width - 3 and header[stop] == "" and table.kind(stop) == "text":
            stop += 1
        if stop == 1 and width >= 3 and header[1] and table.row_numbers(0):
            # to_csv() of reset_index() output: the row numbers, then the
            # index that became named columns.
            if table.kind(1) == "text":
                return 1, table.levels(1, 2)
            if table.increasing(1) and (table.row_numbers(1) or not table.counts(2)):
                note(
                    f"{ctx.name}: column {q(header[1])} {table.preview(1)} read as row "
                    "labels and pandas' row numbers before it left out, as to_csv() writes "
                    "reset_index() output; export with to_csv(index=False) to say so, or "
                    "write 'index: true' to plot it as data",
                    key=ctx.key,
                )
                return 1, 2
        return 0, stop
    if table.has_text(0):
        return 0, table.levels(0, 1)
    if table.kind(0) != "numbers":
        return 0, 0  # numbers and missing cells: data
    if width >= 4 and table.kind(1) == "text":
        return 0, table.levels(0, 2)  # a MultiIndex whose first level is numbers
    if table.increasing(0):
        labels = [table.text(row[0]) for row in table.rows]
        if list(header[1:]) == labels:  # the same labels on both axes (crosstab): no doubt
            return 0, 1
        if table.counts(1):
            # Whole numbers throughout: as likely a table of counts whose
            # first column is a value; read as data, as before, but said.
            note(
                f"{ctx.name}: first column {q(header[0])} {table.preview(0)} read as data, "
                "though pandas writes a named index like that; write 'index: true' or "
                "'index: false' to say which",
                key=ctx.key,
            )
            return 0, 0
        note(
            f"{ctx.name}: first column {q(header[0])} {table.preview(0)} read as row "
            "labels, as pandas writes a named index; write 'index: true' or "
            "'index: false' to say which",
            key=ctx.key,
        )
        return 0, 1
    return 0, 0
