"""Which of ``.`` and ``,`` a CSV file writes its decimals with, learnt from its cells.

A number such as ``1,250`` or ``1.250`` is 1250 with a thousands separator
or 1.25 with a decimal one: the cell alone cannot say. The file can: a cell
like ``3,5``, ``0.250``, ``12.75`` or ``1.250,5`` shows which separator is
the decimal one (the exporter's locale writes every number the same way). A
comma-separated file writes its decimals with a point (a comma would split
the cell). A cell that is ambiguous before the file has shown its convention
is refused, naming it, rather than guessed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from .arrays import BoolArray
from .errors import EngineInputError, shown

StrArray = npt.NDArray[np.str_]
_NAMES = {".": "point", ",": "comma"}


def _other(separator: str) -> str:
    return "," if separator == "." else "."


def _ambiguous(text: StrArray, separator: str) -> BoolArray:
    """Cells like ``1,250`` or ``-12.500``: one separator, 1 to 3 digits (no leading 0) before it, 3 after."""
    lead = np.char.lstrip(text, "+-")
    at = np.char.find(lead, separator)
    ambiguous = (
        (np.char.count(lead, separator) == 1)
        & (np.char.count(lead, _other(separator)) == 0)
        & (at >= 1)
        & (at <= 3)
        & (np.char.str_len(lead) - at - 1 == 3)
        & ~np.char.startswith(lead, "0")
        & np.char.isdigit(np.char.replace(lead, separator, ""))
    )
    return np.asarray(ambiguous, dtype=np.bool_)


def _shows_decimal(text: StrArray, separator: str) -> BoolArray:
    """Cells that can only be read with ``separator`` as the decimal one (``3,5``; ``1.250,5``; ``1.250.000``)."""
    other = _other(separator)
    count, count_other = np.char.count(text, separator), np.char.count(text, other)
    last = np.char.rfind(text, separator) > np.char.rfind(text, other)
    shows = ((count == 1) & last & ~_ambiguous(text, separator)) | ((count == 0) & (count_other >= 2))
    return np.asarray(shows, dtype=np.bool_)


def _well_grouped(cell: str, thousands: str, decimal: str) -> bool:
    """``1,234,567.5``: 1 to 3 digits, then groups of exactly 3, then any decimals."""
    whole, _, fraction = cell.lstrip("+-").partition(decimal)
    groups = whole.split(thousands)
    return (
        1 <= len(groups[0]) <= 3
        and all(len(group) == 3 for group in groups[1:])
        and all(group.isdigit() for group in groups)
        and (fraction == "" or fraction.isdigit())
    )


class DecimalSeparator:
    """The file's decimal separator: known from the start (a comma-separated file) or learnt from its cells."""

    def __init__(self, delimiter: str) -> None:
        self.decimal: str | None = "." if delimiter == "," else None
        self._shown_by = "the file is comma-separated" if self.decimal else ""

    def learn(self, name: str, values: Sequence[str], text: StrArray, first_row: int) -> None:
        """Take the convention the cells of one column show; refuse a file that writes decimals both ways."""
        for separator in (".", ","):
            found = np.flatnonzero(_shows_decimal(text, separator))
            if not found.size:
                continue
            row = int(found[0])
            where = f"column {name} row {first_row + row} ({shown(values[row])})"
            if self.decimal is None:
                self.decimal, self._shown_by = separator, where
            elif self.decimal != separator:
                raise EngineInputError(
                    name,
                    f"row {first_row + row}: {shown(values[row])} writes its decimals after a {_NAMES[separator]}, "
                    f"where {self._shown_by} writes them after a {_NAMES[self.decimal]}: which does the file use?",
                )

    def normalise(self, name: str, values: Sequence[str], text: StrArray, first_row: int) -> StrArray:
        """The cells with a point for decimals and no thousands separator, ready for ``float``."""
        if self.decimal is None:
            for separator in (".", ","):
                found = np.flatnonzero(_ambiguous(text, separator))
                if found.size:
                    row = int(found[0])
                    value = str(text[row])
                    grouped, decimal = float(value.replace(separator, "")), float(value.replace(separator, "."))
                    raise EngineInputError(
                        name,
                        f"row {first_row + row}: {shown(values[row])} could be {grouped:g} or {decimal:g}: "
                        "the file shows no decimal separator to tell a thousands separator from it (write numbers "
                        "without thousands separators, or with at least one value showing the decimal separator)",
                    )
            return text  # no separator but a point in a valid number: nothing to convert
        thousands = _other(self.decimal)
        with_thousands = np.flatnonzero(np.char.find(text, thousands) >= 0)
        if with_thousands.size:
            for row in with_thousands:
                if not _well_grouped(str(text[row]), thousands, self.decimal):
                    raise EngineInputError(
                        name,
                        f"row {first_row + int(row)}: {shown(values[int(row)])} is not a number (the file writes "
                        f"decimals after a {_NAMES[self.decimal]}, as {self._shown_by} shows)",
                    )
            text = np.char.replace(text, thousands, "")
        return np.char.replace(text, ",", ".") if self.decimal == "," else text
