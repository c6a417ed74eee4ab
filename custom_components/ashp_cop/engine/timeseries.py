"""Time series from CSV: parsed strictly, never reordered or patched.

The file needs a ``timestamp`` column in ISO 8601 with a UTC offset; any
other column of :data:`KNOWN_COLUMNS` is read as a number. An empty cell is a
missing reading (a gap); text such as ``NaN`` or ``inf`` is refused, because
an exporter that writes it has hit an error the user should see.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .arrays import FloatArray
from .errors import EngineInputError
from .heat import lpm_to_m3h

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
    "backup_power_w",
    "pump_power_w",
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


def _parse_timestamps(values: Sequence[str]) -> FloatArray:
    out = np.empty(len(values), dtype=np.float64)
    for i, text in enumerate(values):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise EngineInputError(TIMESTAMP, f"row {i + 2}: {text!r} is not an ISO 8601 time") from None
        if moment.tzinfo is None:
            raise EngineInputError(TIMESTAMP, f"row {i + 2}: {text!r} has no UTC offset (add +00:00 or Z)")
        out[i] = moment.timestamp()
    return out


def _rows(row_numbers: npt.NDArray[np.intp]) -> str:
    listed = ", ".join(str(int(r) + 2) for r in row_numbers[:_MAX_LISTED])
    more = len(row_numbers) - _MAX_LISTED
    return listed + (f" and {more} more" if more > 0 else "")


def check_times(t_s: FloatArray) -> None:
    """Refuse duplicate or backwards timestamps, naming the rows (header is row 1)."""
    if t_s.size == 0:
        raise EngineInputError(TIMESTAMP, "the file has no data rows")
    step = np.diff(t_s)
    duplicates = np.flatnonzero(step == 0) + 1
    if duplicates.size:
        raise EngineInputError(TIMESTAMP, f"duplicate timestamps at rows {_rows(duplicates)}")
    backwards = np.flatnonzero(step < 0) + 1
    if backwards.size:
        raise EngineInputError(TIMESTAMP, f"timestamps go backwards at rows {_rows(backwards)}")


def _parse_numbers(name: str, values: Sequence[str]) -> FloatArray:
    text = np.asarray(values, dtype=np.str_)
    text = np.char.strip(text)
    empty = text == ""
    try:
        numbers = np.where(empty, "nan", text).astype(np.float64)
    except ValueError:
        for i, value in enumerate(values):
            try:
                float(value or "nan")
            except ValueError:
                raise EngineInputError(name, f"row {i + 2}: {value!r} is not a number") from None
        raise
    bad = np.flatnonzero(~np.isfinite(numbers) & ~empty)
    if bad.size:
        raise EngineInputError(
            name, f"row {bad[0] + 2}: {values[bad[0]]!r} is not a finite number (leave the cell empty for no reading)"
        )
    return numbers


def read_csv(path: Path | str, column_map: Mapping[str, str] | None = None) -> TimeSeries:
    """Read and validate a CSV time series.

    ``column_map`` maps an engine column name to the file's header for that
    column, for files from other tools.
    """
    source_for = dict(column_map or {})
    unknown = sorted(set(source_for) - set(KNOWN_COLUMNS))
    if unknown:
        raise EngineInputError("column_map", f"{unknown[0]!r} is not a column the engine reads")
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [name.strip() for name in next(reader, [])]
            rows = list(reader)
    except OSError as err:
        raise EngineInputError("file", f"cannot open {path}: {err.strerror}") from None
    if TIMESTAMP not in header:
        raise EngineInputError(TIMESTAMP, "missing column (the file needs a timestamp column)")
    width = len(header)
    short = next((i for i, row in enumerate(rows) if len(row) != width), None)
    if short is not None:
        raise EngineInputError("file", f"row {short + 2} has {len(rows[short])} cells, the header has {width}")
    by_header = dict(zip(header, zip(*rows, strict=True), strict=False)) if rows else dict.fromkeys(header, ())
    t_s = _parse_timestamps(by_header[TIMESTAMP])
    check_times(t_s)
    columns: dict[str, FloatArray] = {}
    used = {TIMESTAMP}
    for name in KNOWN_COLUMNS:
        source = source_for.get(name, name)
        if source in by_header:
            columns[name] = _parse_numbers(name, by_header[source])
            used.add(source)
    if "flow_rate_lpm" in columns:
        lpm = columns.pop("flow_rate_lpm")
        columns.setdefault("flow_rate_m3h", lpm_to_m3h(lpm))
    ignored = tuple(h for h in header if h not in used)
    return TimeSeries(t_s=t_s, columns=columns, ignored_columns=ignored)
