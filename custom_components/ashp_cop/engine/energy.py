"""Energy from sampled power: the trapezoid rule, never across a gap.

Interval i runs from sample i to sample i+1. Its energy is
(P_i + P_(i+1)) / 2 * (t_(i+1) - t_i), and it is dropped (counted as not
measured) when either end is missing or the interval is longer than the gap
limit: a meter that was silent for an hour says nothing about that hour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import BoolArray, FloatArray

# A gap limit of 1.5 sampling intervals bridges timing jitter, never a missed sample.
GAP_LIMIT_INTERVALS = 1.5
WH_PER_J = 1.0 / 3600.0


def default_max_gap_s(t_s: FloatArray) -> float:
    """Gap limit that follows the series' own (median) sampling interval."""
    if t_s.size < 2:
        return 0.0
    return float(np.median(np.diff(t_s))) * GAP_LIMIT_INTERVALS


@dataclass(frozen=True, slots=True)
class Intervals:
    """The sample-to-sample intervals of a series and which may be integrated."""

    dt_s: FloatArray
    usable: BoolArray

    @classmethod
    def of(cls, t_s: FloatArray, max_gap_s: float) -> Intervals:
        dt = np.diff(t_s)
        return cls(dt_s=dt, usable=dt <= max_gap_s)


def interval_energy_wh(power_w: FloatArray, intervals: Intervals) -> FloatArray:
    """Energy of each interval (Wh); NaN where it cannot be measured."""
    mean_w = 0.5 * (power_w[:-1] + power_w[1:])
    energy = mean_w * intervals.dt_s * WH_PER_J
    return np.where(intervals.usable & np.isfinite(energy), energy, np.nan)


def counter_increase(last: float | None, value: float) -> float | None:
    """What a meter counted since its reading ``last`` (None for the first reading).

    A counter that went backwards was reset or replaced: the new reading counts
    from zero, so a total built from these increases never goes backwards.
    """
    if last is None:
        return None
    return value - last if value >= last else value


class EnergyIntegrator:
    """Streaming twin of :func:`interval_energy_wh` for live readings.

    Feed (time, power) as they arrive; ``total_wh`` only grows for a
    non-negative power and never bridges a gap longer than ``max_gap_s``.
    """

    def __init__(self, max_gap_s: float) -> None:
        self.max_gap_s = max_gap_s
        self.total_wh = 0.0
        self._last: tuple[float, float] | None = None

    def add(self, t_s: float, power_w: float | None) -> float:
        """Add one reading; returns the energy of the interval it closes (Wh)."""
        if power_w is None or not np.isfinite(power_w):
            self._last = None
            return 0.0
        energy = 0.0
        if self._last is not None:
            last_t, last_p = self._last
            dt = t_s - last_t
            if dt <= 0:
                return 0.0
            if dt <= self.max_gap_s:
                energy = 0.5 * (last_p + power_w) * dt * WH_PER_J
                self.total_wh += energy
        self._last = (t_s, power_w)
        return energy
