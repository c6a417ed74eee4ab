"""Rows that are means over an interval (heatpumpmonitor.org's hourly export) as instants the trapezoid takes exactly.

The engine integrates power between samples with the trapezoid rule (energy.py): right for readings taken
at instants. A row of an hourly export is the mean over the hour it starts, so its energy is the mean times
the hour. Integrated as instants, the first and last hour of each run of valid rows counted half and a lone
valid hour not at all: on system 72 of the shared field data in 2025 (7,762 valid hours in 55 runs, 41 of
them under 5 hours) analyze gave an SPF 0.75 % above sum(heat) / sum(elec) over the valid hours, the figure
heatpumpmonitor.org publishes (computed_spf_by_period.csv).

Each valid row becomes a sample at the middle of its interval; each run of valid rows gains a sample at its
first row's start and one at its last row's end, with that row's values. The trapezoid then gives every run
exactly the sum of its means times the step: the half intervals at the edges hold the first and last row's
half, each interval between two middles half of each neighbour. After a run, a row of missing readings a
millisecond after its end keeps the trapezoid from bridging to the next run however close it is; a row that is
not valid (an energy channel missing) stays, at its middle, as the gap it is. Only files declared to hold
interval means are read so (the heatpumpmonitor preset, ``analyze --interval-means``); the analysis is then
given a gap limit of 1.5 steps, as the engine's own rule would give the rows themselves (energy.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from .arrays import BoolArray, FloatArray
from .energy import GAP_LIMIT_INTERVALS
from .errors import EngineInputError
from .timeseries import INTERVAL_MEAN_PRESETS, TimeSeries

# the channels an interval's energy needs (analyze.py's usable intervals): with heat from the flow, its three
ENERGY_CHANNELS = ("elec_power_w", "backup_power_w", "pump_power_w")
HEAT_CHANNELS = (("heat_power_w",), ("flow_temp_c", "return_temp_c", "flow_rate_m3h"))
SEPARATOR_S = 0.001  # after a run's end: a row of missing readings (coverage counts the end up to it: 1 ms a run)


def gap_limit_s(step_s: float) -> float:
    """The analysis' gap limit for interval means of ``step_s``: the rows' own, 1.5 steps."""
    return GAP_LIMIT_INTERVALS * step_s


def _valid(series: TimeSeries) -> BoolArray:
    valid = np.ones(series.rows, dtype=bool)
    for name in ENERGY_CHANNELS:
        if (values := series.get(name)) is not None:
            valid &= np.isfinite(values)
    heat = next((names for names in HEAT_CHANNELS if all(series.has(n) for n in names)), ())
    for name in heat:
        valid &= np.isfinite(series.columns[name])
    return valid


def as_instants(blocks: Iterable[TimeSeries], step_s: float) -> Iterator[TimeSeries]:
    """The series of interval means (read in ``blocks``) as one block of samples the trapezoid integrates exactly."""
    parts = list(blocks)
    if not parts:
        return
    series = TimeSeries.concatenate(parts)
    t_s, valid = series.t_s, _valid(series)
    if t_s.size > 1 and float(np.diff(t_s).min()) < step_s / 2:  # intervals that overlap: not means over a step
        raise EngineInputError(
            "timestamp", f"rows less than {step_s / 2:g} s apart cannot be means over {step_s:g} s intervals"
        )
    follows = np.zeros(series.rows, dtype=bool)  # row i+1 continues row i's run
    follows[:-1] = (np.diff(t_s) <= gap_limit_s(step_s)) & valid[:-1] & valid[1:]
    starts = valid & ~np.concatenate(([False], follows[:-1]))
    ends = valid & ~follows
    rows = np.arange(series.rows)
    # (time, source row, missing): the middles, the runs' starts and ends, a missing row after each end
    times = np.concatenate((t_s + step_s / 2, t_s[starts], t_s[ends] + step_s, t_s[ends] + step_s + SEPARATOR_S))
    source = np.concatenate((rows, rows[starts], rows[ends], rows[ends]))
    missing = np.zeros(times.size, dtype=bool)
    missing[times.size - int(ends.sum()) :] = True
    order = np.argsort(times, kind="stable")
    times, source, missing = times[order], source[order], missing[order]
    if times.size > 1 and not bool(np.all(np.diff(times) > 0)):  # a safeguard: rows half a step apart never meet
        raise EngineInputError("timestamp", f"rows that are means over {step_s:g} s intervals overlap")
    columns: dict[str, FloatArray] = {}
    for name, values in series.columns.items():
        out = values[source].copy()
        out[missing] = np.nan
        columns[name] = out
    yield TimeSeries(t_s=times, columns=columns, ignored_columns=series.ignored_columns)


def instants_of(blocks: Iterable[TimeSeries], step_s: float) -> tuple[TimeSeries, float]:
    """Interval means of ``step_s`` (read in ``blocks``) as instants, and the gap limit the analysis needs."""
    return TimeSeries.concatenate(list(as_instants(blocks, step_s))), gap_limit_s(step_s)


def prepared(series: TimeSeries, preset: str | None) -> tuple[TimeSeries, float | None]:
    """The series as the analysis takes it, and the gap limit it needs (None: the engine's own rule).

    A preset whose rows are interval means (INTERVAL_MEAN_PRESETS) turns them into instants of its step."""
    if preset not in INTERVAL_MEAN_PRESETS or series.rows < 2:
        return series, None
    return instants_of([series], INTERVAL_MEAN_PRESETS[preset])
