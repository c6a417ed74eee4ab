"""Time series from CSV: parsed strictly, never reordered or patched.

The file needs a ``timestamp`` column in ISO 8601 with a UTC offset; any
other column of :data:`KNOWN_COLUMNS` is read as a number. An empty cell is a
missing reading (a gap); text such as ``NaN`` or ``inf`` is refused, because
an exporter that writes it has hit an error the user should see.

Files may be gzipped and comma-, semicolon- or tab-separated; a semicolon- or
tab-separated file may write decimals after a comma (the spreadsheet export of
most European locales) and group thousands with a point, or the other way
round: which one the file does is learnt from its cells (decimals.py), and a
number it leaves ambiguous (``1,250``) is refused. They are read block by block,
so memory follows the block, not the file: :func:`read_csv` gathers the
blocks into one :class:`TimeSeries`, :func:`open_csv` keeps them in a
temporary file for the analysis to stream through.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import math
import tempfile
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Protocol

import numpy as np
import numpy.typing as npt

from .arrays import FloatArray
from .decimals import DecimalSeparator
from .errors import EngineInputError, nearest, shown
from .heat import lpm_to_m3h
from .inputs import bounded_lines, open_text
from .mode_analysis import CANONICAL_MAP, MODE_COLUMN, parse_mode_cells

TIMESTAMP = "timestamp"
KNOWN_COLUMNS = (
    "flow_temp_c",
    "return_temp_c",
    "flow_rate_m3h",
    "flow_rate_lpm",
    "heat_power_w",
    "elec_power_w",
    "outdoor_temp_c",
    "defrost",
    "compressor_running",
    "backup_power_w",
    "pump_power_w",
    "mode",  # the operating mode: a text cell mapped to a mode code (mode_analysis.py)
)

# Column names of heatpumpmonitor.org's hourly exports (the shared field data).
PRESETS: dict[str, dict[str, str]] = {
    "heatpumpmonitor": {
        "elec_power_w": "heatpump_elec",
        "heat_power_w": "heatpump_heat",
        "flow_temp_c": "heatpump_flowT",
        "return_temp_c": "heatpump_returnT",
        "outdoor_temp_c": "heatpump_outsideT",
        "flow_rate_lpm": "heatpump_flowrate",
    },
}

# Presets whose rows are each the mean over the interval it starts, not a reading at an instant
# (interval_means.py), and that interval (s): heatpumpmonitor.org exports hourly means.
INTERVAL_MEAN_PRESETS: dict[str, float] = {"heatpumpmonitor": 3600.0}

# Physical bounds of each reading: a value outside is a unit or export error,
# and an absurd one (1e300 W) would overflow the energies. Temperatures: no
# outdoor air or water circuit is outside -100 to 200 C. Powers: Regulation
# (EU) 813/2013 covers heat pumps up to 400 kW and the largest district-heating
# heat pumps reach some 70 MW, so 100 MW bounds any plant. Flow: 100,000 m3/h
# is beyond the largest district-heating pipe.
_TEMP_C = (-100.0, 200.0)
_POWER_W = (-1.0e8, 1.0e8)
_FLOW_M3H = (-1.0e5, 1.0e5)
PLAUSIBLE: dict[str, tuple[float, float]] = {
    "flow_temp_c": _TEMP_C,
    "return_temp_c": _TEMP_C,
    "outdoor_temp_c": _TEMP_C,
    "flow_rate_m3h": _FLOW_M3H,
    "flow_rate_lpm": (_FLOW_M3H[0] * 1000.0 / 60.0, _FLOW_M3H[1] * 1000.0 / 60.0),
    "heat_power_w": _POWER_W,
    "elec_power_w": _POWER_W,
    "backup_power_w": _POWER_W,
    "pump_power_w": _POWER_W,
}

# Rows parsed at a time: the text of one block is all the reader holds.
ROWS_PER_BLOCK = 65_536
# In-memory size of the parsed blocks before they move to a temporary file.
SPOOL_IN_MEMORY_BYTES = 32 * 1024 * 1024
# Python's datetime ends at 9999-12-31: later instants cannot be reported.
_LAST_INSTANT_S = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()
_FIRST_INSTANT_S = datetime(1, 1, 2, tzinfo=UTC).timestamp()
_DELIMITERS = (",", ";", "\t")
_MAX_LISTED = 5


@dataclass(frozen=True)
class TimeSeries:
    """Samples at strictly increasing times; NaN marks a missing reading."""

    t_s: FloatArray
    columns: Mapping[str, FloatArray]
    ignored_columns: tuple[str, ...] = field(default=())

    def has(self, name: str) -> bool:
        """Whether the series carries column ``name``."""
        return name in self.columns

    def get(self, name: str) -> FloatArray | None:
        """Column ``name`` or None."""
        return self.columns.get(name)

    def __len__(self) -> int:
        return int(self.t_s.size)

    @property
    def rows(self) -> int:
        """Number of samples."""
        return int(self.t_s.size)

    @property
    def names(self) -> frozenset[str]:
        """The engine columns the series carries."""
        return frozenset(self.columns)

    @property
    def start_s(self) -> float:
        return float(self.t_s[0])

    @property
    def end_s(self) -> float:
        return float(self.t_s[-1])

    def median_step_s(self) -> float:
        """Median time between samples."""
        return float(np.median(np.diff(self.t_s)))

    def blocks(self) -> Iterator[TimeSeries]:
        """The series as consecutive blocks (here: itself)."""
        yield self

    def between(self, start_s: float | None = None, end_s: float | None = None) -> TimeSeries:
        """The samples with start_s <= t < end_s (either bound may be open)."""
        keep = np.ones(self.t_s.size, dtype=bool)
        if start_s is not None:
            keep &= self.t_s >= start_s
        if end_s is not None:
            keep &= self.t_s < end_s
        return TimeSeries(
            t_s=self.t_s[keep],
            columns={name: values[keep] for name, values in self.columns.items()},
            ignored_columns=self.ignored_columns,
        )

    def slice(self, start: int, stop: int) -> TimeSeries:
        """Samples ``start`` to ``stop - 1`` (views, no copy)."""
        return TimeSeries(
            t_s=self.t_s[start:stop],
            columns={name: values[start:stop] for name, values in self.columns.items()},
            ignored_columns=self.ignored_columns,
        )

    def copy(self) -> TimeSeries:
        """The same samples in arrays of their own (a slice keeps its parent's memory alive)."""
        return TimeSeries(self.t_s.copy(), {k: v.copy() for k, v in self.columns.items()}, self.ignored_columns)

    @classmethod
    def concatenate(cls, parts: Sequence[TimeSeries]) -> TimeSeries:
        """One series of consecutive parts (which carry the same columns)."""
        if len(parts) == 1:
            return parts[0]
        return cls(
            t_s=np.concatenate([p.t_s for p in parts]),
            columns={name: np.concatenate([p.columns[name] for p in parts]) for name in parts[0].columns},
            ignored_columns=parts[0].ignored_columns,
        )


class SeriesSource(Protocol):
    """A time series the analysis can stream through: what it needs up front, then the blocks."""

    @property
    def rows(self) -> int: ...
    @property
    def names(self) -> frozenset[str]: ...
    @property
    def start_s(self) -> float: ...
    @property
    def end_s(self) -> float: ...
    @property
    def ignored_columns(self) -> tuple[str, ...]: ...
    def median_step_s(self) -> float: ...
    def blocks(self) -> Iterator[TimeSeries]: ...


def _rows(first_rows: Sequence[int], total: int) -> str:
    listed = ", ".join(str(r) for r in first_rows[:_MAX_LISTED])
    more = total - min(len(first_rows), _MAX_LISTED)
    return listed + (f" and {more} more" if more > 0 else "")


@dataclass
class _TimeOrder:
    """Duplicate and backwards timestamps over the whole file: the first rows and how many."""

    last_s: float | None = None
    duplicates: list[int] = field(default_factory=list)
    duplicate_count: int = 0
    backwards: list[int] = field(default_factory=list)
    backwards_count: int = 0

    @property
    def broken(self) -> bool:
        return bool(self.duplicate_count or self.backwards_count)

    def add(self, t_s: FloatArray, first_row: int) -> None:
        before = np.array([] if self.last_s is None else [self.last_s])
        step = np.diff(np.concatenate((before, t_s)))
        offset = first_row + (0 if self.last_s is not None else 1)
        for found, rows, attr in ((step == 0, self.duplicates, "duplicate_count"),
                                  (step < 0, self.backwards, "backwards_count")):  # fmt: skip
            at = np.flatnonzero(found)
            rows.extend(int(i) + offset for i in at[: _MAX_LISTED - len(rows)])
            setattr(self, attr, getattr(self, attr) + int(at.size))
        if t_s.size:
            self.last_s = float(t_s[-1])

    def check(self) -> None:
        if self.duplicate_count:
            listed = _rows(self.duplicates, self.duplicate_count)
            raise EngineInputError(TIMESTAMP, f"duplicate timestamps at rows {listed}")
        if self.backwards_count:
            raise EngineInputError(
                TIMESTAMP, f"timestamps go backwards at rows {_rows(self.backwards, self.backwards_count)}"
            )


class _StepCounts:
    """Distinct sampling intervals with their counts: the exact median without keeping every interval."""

    def __init__(self) -> None:
        self._values = np.empty(0)
        self._counts: npt.NDArray[np.int64] = np.empty(0, dtype=np.int64)
        self._last_s: float | None = None

    def add(self, t_s: FloatArray) -> None:
        before = np.array([] if self._last_s is None else [self._last_s])
        values, counts = np.unique(np.diff(np.concatenate((before, t_s))), return_counts=True)
        merged, where = np.unique(np.concatenate((self._values, values)), return_inverse=True)
        self._counts = np.bincount(where, weights=np.concatenate((self._counts, counts)), minlength=merged.size).astype(
            np.int64
        )
        self._values = merged
        if t_s.size:
            self._last_s = float(t_s[-1])

    def median(self) -> float:
        """What ``np.median`` of all the intervals gives (NaN for none)."""
        total = int(self._counts.sum())
        if total == 0:
            return math.nan
        cumulative = np.cumsum(self._counts)
        upper = float(self._values[np.searchsorted(cumulative, total // 2, side="right")])
        if total % 2:
            return upper
        lower = float(self._values[np.searchsorted(cumulative, total // 2 - 1, side="right")])
        return (lower + upper) / 2.0


@dataclass(frozen=True)
class _Layout:
    """Where each column the engine reads sits in the file, and how numbers are written."""

    width: int
    timestamp: int
    sources: dict[str, int]
    ignored: tuple[str, ...]
    mode_map: Mapping[str, str] = field(default_factory=lambda: CANONICAL_MAP)


def _delimiter(first_line: str) -> str:
    counts = [first_line.count(d) for d in _DELIMITERS]
    return _DELIMITERS[counts.index(max(counts))] if max(counts) else ","


def _layout(header: list[str], column_map: Mapping[str, str], required: Collection[str]) -> _Layout:
    timestamp = column_map.get(TIMESTAMP, TIMESTAMP)  # --column timestamp=time: the file calls it "time"
    if timestamp not in header:
        listed = ", ".join(shown(h)[1:-1] for h in header[:10]) + (", ..." if len(header) > 10 else "")
        raise EngineInputError(TIMESTAMP, f"missing column (the file needs one; its header has: {listed})")
    sources = {TIMESTAMP: timestamp}
    for name in KNOWN_COLUMNS:
        source = column_map.get(name, name)
        if source in header:
            sources[name] = source
        elif name in required:
            raise EngineInputError(
                name, f"read from column {shown(source)}, which the file does not have" + nearest(source, header)
            )
    readers: dict[str, str] = {}
    for name, source in sources.items():
        if source in readers:
            raise EngineInputError(name, f"column {shown(source)} is already read as {readers[source]}")
        readers[source] = name
        where = [i + 1 for i, h in enumerate(header) if h == source]
        if len(where) > 1:
            raise EngineInputError("file", f"column {shown(source)} appears {len(where)} times in the header "
                                           f"(columns {', '.join(map(str, where))}): which one is meant?")  # fmt: skip
    index = {name: header.index(source) for name, source in sources.items()}
    return _Layout(
        width=len(header),
        timestamp=index.pop(TIMESTAMP),
        sources=index,
        ignored=tuple(h for h in header if h not in readers),
    )


def _parse_timestamps(values: Sequence[str], first_row: int) -> FloatArray:
    out = np.empty(len(values), dtype=np.float64)
    for i, text in enumerate(values):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise EngineInputError(TIMESTAMP, f"row {first_row + i}: {shown(text)} is not an ISO 8601 time") from None
        if moment.tzinfo is None:
            raise EngineInputError(TIMESTAMP, f"row {first_row + i}: {shown(text)} has no UTC offset (add +00:00 or Z)")
        out[i] = moment.timestamp()
    _refuse_first(TIMESTAMP, values, (out < _FIRST_INSTANT_S) | (out > _LAST_INSTANT_S), first_row,
                  "is outside the years 1 to 9999 in UTC")  # fmt: skip
    return out


def _refuse_first(name: str, values: Sequence[str], wrong: npt.NDArray[np.bool_], first_row: int, reason: str) -> None:
    """Refuse the first cell where ``wrong`` holds, naming its row and showing it."""
    found = np.flatnonzero(wrong)
    if found.size:
        row = int(found[0])
        raise EngineInputError(name, f"row {first_row + row}: {shown(values[row])} {reason}")


def _parse_numbers(
    name: str, values: Sequence[str], stripped: npt.NDArray[np.str_], first_row: int, decimals: DecimalSeparator
) -> FloatArray:
    text = decimals.normalise(name, values, stripped, first_row)
    empty = text == ""
    try:
        numbers = np.where(empty, "nan", text).astype(np.float64)
    except ValueError:
        for i, value in enumerate(text):
            try:
                float(value or "nan")
            except ValueError:
                raise EngineInputError(name, f"row {first_row + i}: {shown(values[i])} is not a number") from None
        raise
    _refuse_first(name, values, ~np.isfinite(numbers) & ~empty, first_row,
                  "is not a finite number (leave the cell empty for no reading)")  # fmt: skip
    limits = PLAUSIBLE.get(name)
    if limits is not None:
        low, high = limits
        _refuse_first(name, values, (numbers < low) | (numbers > high), first_row,
                      f"is outside the plausible range {low:g} to {high:g}")  # fmt: skip
    return numbers


def _block(
    rows: list[list[str]], first_row: int, layout: _Layout, order: _TimeOrder, decimals: DecimalSeparator
) -> TimeSeries | None:
    """Parse one block of rows; None once the timestamps are out of order (only they are checked then)."""
    short = next((i for i, row in enumerate(rows) if len(row) != layout.width), None)
    if short is not None:
        raise EngineInputError(
            "file", f"row {first_row + short} has {len(rows[short])} cells, the header has {layout.width}"
        )
    cells = list(zip(*rows, strict=True))
    t_s = _parse_timestamps(cells[layout.timestamp], first_row)
    order.add(t_s, first_row)
    if order.broken:
        return None
    stripped = {
        name: np.char.strip(np.asarray(cells[i], dtype=np.str_))
        for name, i in layout.sources.items()
        if name != MODE_COLUMN
    }
    for name, text in stripped.items():  # the whole block shows the file's decimal separator before any is read
        decimals.learn(name, cells[layout.sources[name]], text, first_row)
    columns = {
        name: parse_mode_cells(cells[i], first_row, layout.mode_map)
        if name == MODE_COLUMN
        else _parse_numbers(name, cells[i], stripped[name], first_row, decimals)
        for name, i in layout.sources.items()
    }
    if "flow_rate_lpm" in columns:
        lpm = columns.pop("flow_rate_lpm")
        columns.setdefault("flow_rate_m3h", lpm_to_m3h(lpm))
    return TimeSeries(t_s=t_s, columns=columns, ignored_columns=layout.ignored)


def iter_csv(
    path: Path | str,
    column_map: Mapping[str, str] | None = None,
    required: Collection[str] = (),
    mode_map: Mapping[str, str] | None = None,
) -> Iterator[TimeSeries]:
    """Read and validate a CSV time series block by block.

    ``column_map`` maps an engine column name to the file's header for that
    column, for files from other tools (a preset's columns may be missing from
    an export); the header of a name in ``required`` must exist. ``mode_map``
    maps the mode column's values to modes (default: the modes' own names).
    Every block is checked before it is yielded; duplicate or backwards
    timestamps are reported after the whole file, with every row counted.
    """
    source_for = dict(column_map or {})
    unknown = sorted(set(source_for) - {TIMESTAMP, *KNOWN_COLUMNS})
    if unknown:
        raise EngineInputError(
            "column_map", f"{shown(unknown[0])} is not a column the engine reads" + nearest(unknown[0], KNOWN_COLUMNS)
        )
    order = _TimeOrder()
    with open_text(path) as handle:
        lines = bounded_lines(handle, path)
        first = next(lines, "")
        delimiter = _delimiter(first)
        reader = csv.reader(_chain(first, lines), delimiter=delimiter)
        try:
            header = [name.strip() for name in next(reader, [])]
            layout = _layout(header, source_for, required)
            decimals = DecimalSeparator(delimiter)
            if mode_map:
                layout = dataclasses.replace(layout, mode_map={**CANONICAL_MAP, **mode_map})
            row_number = 2
            while True:
                rows = list(itertools.islice(reader, ROWS_PER_BLOCK))
                if not rows:
                    break
                block = _block(rows, row_number, layout, order, decimals)
                row_number += len(rows)
                if block is not None:
                    yield block
        except csv.Error as err:
            raise EngineInputError("file", f"{path}: line {reader.line_num}: {err}") from None
    order.check()
    if order.last_s is None:
        raise EngineInputError(TIMESTAMP, "the file has no data rows")


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    if first:
        yield first
    yield from rest


def read_csv(
    path: Path | str, column_map: Mapping[str, str] | None = None, required: Collection[str] = ()
) -> TimeSeries:
    """Read and validate a CSV time series into memory (see :func:`iter_csv`)."""
    return TimeSeries.concatenate(list(iter_csv(path, column_map, required)))


class SpooledCsv:
    """A CSV series read once, checked, and kept as numbers in a temporary file.

    The analysis streams through it block by block, so its memory stays that
    of one block however long the file is. Use it as a context manager.
    """

    def __init__(
        self,
        path: Path | str,
        column_map: Mapping[str, str] | None = None,
        required: Collection[str] = (),
        mode_map: Mapping[str, str] | None = None,
        *,
        blocks: Iterator[TimeSeries] | None = None,
    ) -> None:
        self._file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)  # noqa: SIM115
        self._steps = _StepCounts()
        self._names: tuple[str, ...] = ()
        self._blocks = 0
        self.rows = 0
        self.ignored_columns: tuple[str, ...] = ()
        self.start_s = self.end_s = 0.0
        try:
            # ``blocks``: the same file already parsed by another reader (fleet/columnar.py).
            self._spool(blocks if blocks is not None else iter_csv(path, column_map, required, mode_map))
        except BaseException:
            self._file.close()
            raise

    def _spool(self, blocks: Iterator[TimeSeries]) -> None:
        for block in blocks:
            if not self._blocks:
                self._names = tuple(block.columns)
                self.ignored_columns = block.ignored_columns
                self.start_s = block.start_s
            self._steps.add(block.t_s)
            for values in (block.t_s, *block.columns.values()):
                np.save(self._file, values, allow_pickle=False)
            self._blocks += 1
            self.rows += len(block)
            self.end_s = block.end_s

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self._names)

    def median_step_s(self) -> float:
        return self._steps.median()

    def blocks(self) -> Iterator[TimeSeries]:
        self._file.seek(0)
        for _ in range(self._blocks):
            t_s = np.load(self._file, allow_pickle=False)
            columns = {name: np.load(self._file, allow_pickle=False) for name in self._names}
            yield TimeSeries(t_s=t_s, columns=columns, ignored_columns=self.ignored_columns)

    def __enter__(self) -> SpooledCsv:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()
