"""Column-wise reading of a time series with pyarrow: CSV (also gzipped) and Parquet.

The line reader of timeseries.py parses every cell in Python, most of the
time of a long 10-s file. pyarrow's CSV reader parses the columns in C++.
It is only a faster road to the same numbers: it takes a file only when
everything the line reader checks holds (comma-separated, numbers finite
and plausible, timestamps ISO 8601 with an offset and strictly
increasing, no mode column); anything else goes to the line reader, which
then reads it and gives its own error for the same bad cell. Timestamps
become seconds exactly as ``datetime.timestamp()`` makes them (integer
microseconds over 1e6, correctly rounded), numbers as Python's float() does.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from ..arrays import FloatArray
from ..errors import EngineInputError
from ..heat import lpm_to_m3h
from ..inputs import MAX_LINE_CHARS, open_text
from ..timeseries import (
    _FIRST_INSTANT_S,
    _LAST_INSTANT_S,
    PLAUSIBLE,
    SpooledCsv,
    TimeSeries,
    _delimiter,
    _layout,
    read_csv,
)

# Microseconds beyond which an int64 is no longer exact as a float64 (about the year 2255).
_EXACT_US = 2**53
# The line reader's first and last instants (whole seconds, so exact in microseconds).
_FIRST_US = int(_FIRST_INSTANT_S) * 10**6
_LAST_US = int(_LAST_INSTANT_S) * 10**6


# Text parsed at a time (see _csv_blocks).
BLOCK_BYTES = 1 << 22


class _NotColumnarError(Exception):
    """The file is not one the column-wise road takes: the line reader reads it (and names what is wrong)."""


def read_series(path: Path | str, column_map: Mapping[str, str] | None = None) -> TimeSeries:
    """The time series of a CSV, CSV.gz or Parquet file, with the same numbers the line reader gives."""
    text = str(path)
    if text.endswith(".parquet"):
        return _parquet(text, column_map or {})
    series = _csv_columns(text, column_map or {})
    return series if series is not None else read_csv(path, column_map)


def spool_csv(
    path: Path | str, column_map: Mapping[str, str] | None = None, required: Collection[str] = ()
) -> SpooledCsv:
    """``engine analyze``'s spooled series, read column-wise where the file allows (else by the line reader)."""
    try:
        return SpooledCsv(path, column_map, required, blocks=_csv_blocks(str(path), column_map or {}, required))
    except _NotColumnarError:
        return SpooledCsv(path, column_map, required)


def _header(path: str) -> list[str] | None:
    with open_text(path) as handle:
        first = handle.readline(MAX_LINE_CHARS + 1)
    if len(first) > MAX_LINE_CHARS or _delimiter(first) != ",":
        return None  # the line reader's own choice of delimiter: only a comma-separated file is taken here
    return [name.strip() for name in next(csv.reader([first]), [])]


def _csv_columns(path: str, column_map: Mapping[str, str]) -> TimeSeries | None:
    """The whole file read column-wise, or None where it goes to the line reader."""
    try:
        return TimeSeries.concatenate(list(_csv_blocks(path, column_map, ())))
    except _NotColumnarError:
        return None


def _csv_blocks(path: str, column_map: Mapping[str, str], required: Collection[str]) -> Iterator[TimeSeries]:
    """Blocks of about 4 MB of text parsed by pyarrow; raises _NotColumnarError at the first thing it does not take.

    Blocks of 16 MB took the peak memory of 10 M rows from 0.6 to 0.9 GB for no gain in time.
    """
    header = _header(path)
    if not header:
        raise _NotColumnarError
    layout = _layout(header, column_map, required)
    if "mode" in layout.sources:
        raise _NotColumnarError
    wanted = {name: header[index] for name, index in layout.sources.items()}
    stamp = header[layout.timestamp]
    types = {source: pa.float64() for source in wanted.values()}
    # Parsed by Arrow's ISO 8601 reader, which refuses a time without an offset as the line reader does.
    types[stamp] = pa.timestamp("us", tz="UTC")
    last_s: float | None = None
    try:
        reader = pa_csv.open_csv(
            path,
            read_options=pa_csv.ReadOptions(use_threads=False, block_size=BLOCK_BYTES),
            parse_options=pa_csv.ParseOptions(delimiter=","),
            convert_options=pa_csv.ConvertOptions(
                column_types=types,
                include_columns=[stamp, *wanted.values()],
                null_values=[""],
                strings_can_be_null=False,
                quoted_strings_can_be_null=True,
            ),
        )
        for batch in reader:
            series = _series(batch.column(stamp), batch, wanted, layout.ignored)
            if series is None or (last_s is not None and series.rows and series.t_s[0] <= last_s):
                raise _NotColumnarError
            if series.rows:
                last_s = series.end_s
                yield series
    except (pa.ArrowInvalid, pa.ArrowKeyError, pa.ArrowNotImplementedError, OSError, UnicodeDecodeError):
        raise _NotColumnarError from None
    if last_s is None:
        raise _NotColumnarError


def _seconds(timestamps: Any) -> FloatArray | None:
    """Seconds since the epoch of an Arrow column of ISO 8601 text or aware timestamps; None if any is unusable."""
    column = timestamps.combine_chunks() if isinstance(timestamps, pa.ChunkedArray) else timestamps
    if column.null_count:
        return None
    try:
        if pa.types.is_timestamp(column.type) and column.type.tz is None:
            return None  # a naive time, which the line reader refuses too
        micros = pc.cast(column, pa.timestamp("us", tz="UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    us = np.asarray(micros.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
    if us.size and (us.min() < _FIRST_US or us.max() > _LAST_US or np.abs(us).max() >= _EXACT_US):
        return None
    return cast(FloatArray, us.astype(np.float64) / 1e6)


def _series(
    timestamps: Any, table: Any, wanted: Mapping[str, str], ignored: tuple[str, ...], *, nan_is_missing: bool = False
) -> TimeSeries | None:
    t_s = _seconds(timestamps)
    if t_s is None or (t_s.size > 1 and not bool(np.all(np.diff(t_s) > 0))):
        return None
    columns: dict[str, FloatArray] = {}
    for name, source in wanted.items():
        column = table.column(source)
        values = np.array(column.to_numpy(zero_copy_only=False), dtype=np.float64)  # a copy: Arrow's is read-only
        missing = np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        if nan_is_missing:
            missing |= np.isnan(values)
        if not bool(np.all(np.isfinite(values) | missing)):
            return None  # text such as NaN or inf: the line reader names the cell
        low, high = PLAUSIBLE.get(name, (-np.inf, np.inf))
        finite = values[~missing]
        if finite.size and (finite.min() < low or finite.max() > high):
            return None
        values[missing] = np.nan
        columns[name] = values
    if "flow_rate_lpm" in columns:
        lpm = columns.pop("flow_rate_lpm")
        columns.setdefault("flow_rate_m3h", lpm_to_m3h(lpm))
    return TimeSeries(t_s=t_s, columns=columns, ignored_columns=ignored)


def _parquet(path: str, column_map: Mapping[str, str]) -> TimeSeries:
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as err:
        raise EngineInputError("file", f"{path}: not a readable Parquet file ({err})") from None
    header = list(table.column_names)
    layout = _layout(header, column_map, ())
    if "mode" in layout.sources:
        raise EngineInputError("mode", f"{path}: a mode column is read from CSV only")
    wanted = {name: header[index] for name, index in layout.sources.items()}
    try:
        numeric = {source: table.column(source).cast(pa.float64()) for source in wanted.values()}
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
        raise EngineInputError("file", f"{path}: a column the engine reads is not numeric ({err})") from None
    # A NaN in a Parquet float column is how pandas and numpy write a missing reading.
    series = _series(table.column(header[layout.timestamp]), pa.table(numeric), wanted, layout.ignored,
                     nan_is_missing=True)  # fmt: skip
    if series is None:
        raise EngineInputError(
            "file",
            f"{path}: timestamps must be timezone-aware and strictly increasing, numbers finite and plausible",
        )
    return series
