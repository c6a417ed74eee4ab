"""A heat pump's past as hourly energies, built from what meters recorded hour by hour.

Input: per energy channel (heat, the unit's electricity, backup heater, circulation pumps) the
energy of each hour on a regular hourly grid, NaN where that hour is unknown. Output: the hours in
which every bound channel is known (joint intervals, as everywhere in the engine: a ratio of
energies is only taken over the same time on both sides), with heat split into delivered and drawn
back and the unit's electricity into running and standby, plus the covered and missing hours as
ranges.

Running or standby, hour by hour: an hour whose mean electric power reached the running threshold,
or in which the unit delivered heat, counts as running; otherwise its electricity is standby. An
hour with a few minutes of compressor operation and a low mean power is therefore counted as
running, which only matters for the unit boundary (SEPEMO H1) and errs towards a lower H1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import BoolArray, FloatArray, IntArray
from .cop import DEFAULT_RUNNING_THRESHOLD_W
from .counters import MAX_LEARNT_RATE_KW, MIN_NOISE_KWH, rate_limit_kw

HOUR_S = 3600
WH_PER_KWH = 1000.0
# delivered heat in an hour from which the unit counts as running whatever its mean power (kWh)
RUNNING_HEAT_KWH = 0.1
CHANNELS = ("heat", "elec", "backup", "pumps")

# An hour's energy is held against the live counters' rate limit (engine/counters.py: a margin over the
# highest rate seen, never below the default). A history learns the rate seen from this quantile of its
# hours that counted something, not from its highest hour: the highest hours are the glitches themselves,
# and a glitch in fewer than a tenth of the hours cannot raise the limit.
LEARN_QUANTILE = 0.9

type Range = tuple[int, int]  # [start, end) in seconds since the epoch


@dataclass(frozen=True, slots=True)
class LeftOut:
    """An hour of one channel that no meter could have counted, left out of the history."""

    hour_s: int
    channel: str
    kwh: float
    reason: str  # "above_max_rate": more than the unit can deliver in an hour; "negative": a counter's dip
    limit_kwh: float


def hour_limit_kwh(values_kwh: FloatArray) -> float:
    """The most energy one hour of a channel can hold: the live rate limit over the rate the history shows."""
    counted = np.abs(values_kwh[np.isfinite(values_kwh) & (values_kwh != 0)])
    seen_kw = float(np.quantile(counted, LEARN_QUANTILE)) if counted.size else 0.0
    return rate_limit_kw(min(seen_kw, MAX_LEARNT_RATE_KW)) + MIN_NOISE_KWH


def screen_hours(
    grid_s: IntArray, channels: dict[str, FloatArray], *, heat_signed: bool = False
) -> tuple[dict[str, FloatArray], list[LeftOut]]:
    """``channels`` with the hours no meter could have counted made unknown (NaN), and those hours named.

    Above the hour limit (hour_limit_kwh) is a glitch, a reset read as a jump, or a meter's unit read
    wrong; below zero is a counter's dip (a heat power's negative mean is heat drawn back, not a dip).
    """
    screened: dict[str, FloatArray] = {}
    left_out: list[LeftOut] = []
    for name, values in channels.items():
        limit = hour_limit_kwh(values)
        signed = name == "heat" and heat_signed
        with np.errstate(invalid="ignore"):
            above = (np.abs(values) if signed else values) > limit
            negative = np.zeros(values.shape, dtype=bool) if signed else values < 0
        for index in np.flatnonzero(above | negative):
            reason = "above_max_rate" if above[index] else "negative"
            left_out.append(LeftOut(int(grid_s[index]), name, float(values[index]), reason, limit))
        screened[name] = np.where(above | negative, np.nan, values)
    left_out.sort(key=lambda hour: (hour.hour_s, hour.channel))
    return screened, left_out


@dataclass(frozen=True, slots=True)
class HourlyHistory:
    """The covered hours (start, s since the epoch) and their energies (kWh)."""

    hour_s: IntArray
    heat_kwh: FloatArray  # delivered
    drawn_kwh: FloatArray  # drawn back from the water (a heat power's negative hourly mean)
    running_kwh: FloatArray
    standby_kwh: FloatArray
    backup_kwh: FloatArray
    pumps_kwh: FloatArray
    covered: list[Range]
    missing: list[Range]

    @property
    def net_kwh(self) -> FloatArray:
        return np.asarray(self.heat_kwh - self.drawn_kwh, dtype=np.float64)

    @property
    def elec_unit_kwh(self) -> FloatArray:
        return np.asarray(self.running_kwh + self.standby_kwh, dtype=np.float64)


def hour_grid(start_s: int, end_s: int) -> IntArray:
    """Hour starts in [start_s, end_s), both on hour boundaries."""
    return np.arange(start_s, end_s, HOUR_S, dtype=np.int64)


def build_history(
    grid_s: IntArray,
    channels: dict[str, FloatArray],
    *,
    heat_signed: bool = False,
    running_threshold_w: float = DEFAULT_RUNNING_THRESHOLD_W,
) -> HourlyHistory:
    """The joint hours of ``channels`` (name -> kWh per hour of ``grid_s``, NaN unknown).

    ``channels`` must hold "heat" and "elec"; "backup" and "pumps" only when bound, and a bound one
    must be known too. ``heat_signed``: heat is a power's mean, negative while defrosts draw heat back
    (a counter's negative change is a dip, not heat: that hour is left out). Negative electricity is
    never plausible: that hour is left out.
    """
    missing_channels = {"heat", "elec"} - set(channels)
    if missing_channels:
        raise ValueError(f"history needs heat and electricity; missing {sorted(missing_channels)}")
    unknown = set(channels) - set(CHANNELS)
    if unknown:
        raise ValueError(f"unknown history channels {sorted(unknown)}")
    known = np.ones(grid_s.size, dtype=bool)
    for name, values in channels.items():
        if values.shape != grid_s.shape:
            raise ValueError(f"{name}: {values.size} hours for a grid of {grid_s.size}")
        known &= np.isfinite(values)
        if name != "heat" or not heat_signed:
            with np.errstate(invalid="ignore"):
                known &= ~(values < 0)
    heat = channels["heat"][known]
    elec = channels["elec"][known]
    delivered = np.clip(heat, 0.0, None)
    running = (elec * WH_PER_KWH >= running_threshold_w) | (delivered >= RUNNING_HEAT_KWH)
    zeros = np.zeros(heat.size)
    return HourlyHistory(
        hour_s=grid_s[known],
        heat_kwh=delivered,
        drawn_kwh=np.clip(-heat, 0.0, None),
        running_kwh=np.where(running, elec, 0.0),
        standby_kwh=np.where(running, 0.0, elec),
        backup_kwh=channels["backup"][known] if "backup" in channels else zeros,
        pumps_kwh=channels["pumps"][known] if "pumps" in channels else zeros,
        covered=ranges(grid_s, known),
        missing=ranges(grid_s, ~known),
    )


def ranges(grid_s: IntArray, mask: BoolArray) -> list[Range]:
    """Runs of True in ``mask`` over the hourly grid, as [start, end) ranges."""
    if grid_s.size == 0:
        return []
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(int(grid_s[a]), int(grid_s[b - 1]) + HOUR_S) for a, b in zip(starts, ends, strict=True)]


def counter_changes(changes: FloatArray, *, first_is_start: bool) -> FloatArray:
    """A counter's hourly changes, kept only where the hour before has one too.

    After a gap (the meter unavailable, Home Assistant stopped) the recorder puts everything the meter
    counted meanwhile into the first hour back: that hour spans the gap, not one hour, and is left out.
    ``first_is_start``: the first change is the counter's very first statistic (counted from 0 within
    its hour), which is an hour of its own.
    """
    known = np.isfinite(changes)
    after_known = np.concatenate(([False], known[:-1]))
    if first_is_start and known.any():
        after_known[int(np.argmax(known))] = True
    return np.where(after_known, changes, np.nan)


def on_grid(grid_s: IntArray, hours: dict[float, float], step_s: int = HOUR_S) -> FloatArray:
    """Period start -> value as an array over a regular grid of ``step_s`` (NaN where absent)."""
    values = np.full(grid_s.size, np.nan)
    if hours and grid_s.size:
        starts = np.fromiter(hours.keys(), dtype=np.float64, count=len(hours))
        offset = starts - grid_s[0]
        index = (offset // step_s).astype(np.int64)
        inside = (index >= 0) & (index < grid_s.size) & (offset % step_s == 0)
        values[index[inside]] = np.fromiter(hours.values(), dtype=np.float64, count=len(hours))[inside]
    return values
