"""Coefficient of performance: instantaneous, rolling and over a period.

COP is always a ratio of energies (or of powers at one instant), never a mean
of ratios, and it is undefined (None / NaN), never 0 or infinite, while the
unit is not running: electrical power below the running threshold.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from .arrays import FloatArray

DEFAULT_RUNNING_THRESHOLD_W = 100.0
DEFAULT_ROLLING_WINDOW_S = 300.0


def instantaneous_cop(
    heat_power_w: float | None, elec_power_w: float | None, running_threshold_w: float = DEFAULT_RUNNING_THRESHOLD_W
) -> float | None:
    """Heat power over electric power, or None while not running or unknown."""
    if heat_power_w is None or elec_power_w is None:
        return None
    if not (np.isfinite(heat_power_w) and np.isfinite(elec_power_w)) or elec_power_w < running_threshold_w:
        return None
    return heat_power_w / elec_power_w


def instantaneous_cop_series(
    heat_power_w: FloatArray, elec_power_w: FloatArray, running_threshold_w: float = DEFAULT_RUNNING_THRESHOLD_W
) -> FloatArray:
    """Vectorised :func:`instantaneous_cop`: NaN where not running."""
    running = elec_power_w >= running_threshold_w
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(running, heat_power_w / elec_power_w, np.nan)


# Below this no electricity was used: a period with less has no COP (nor SPF, spf.py).
MIN_ELEC_KWH = 1e-9


def period_cop(heat_kwh: float, elec_kwh: float, min_elec_kwh: float = MIN_ELEC_KWH) -> float | None:
    """COP over a period: summed heat over summed electricity."""
    if elec_kwh <= min_elec_kwh:
        return None
    return heat_kwh / elec_kwh


def rolling_cop_series(
    t_end_s: FloatArray, heat_wh: FloatArray, elec_wh: FloatArray, window_s: float = DEFAULT_ROLLING_WINDOW_S
) -> FloatArray:
    """COP over the trailing window ending at each interval's end.

    ``heat_wh``/``elec_wh`` are interval energies (NaN = not measured, left
    out of both sums). The window holds the intervals whose end lies in
    (t - window, t].
    """
    valid = np.isfinite(heat_wh) & np.isfinite(elec_wh)
    heat_cum = np.concatenate(([0.0], np.cumsum(np.where(valid, heat_wh, 0.0))))
    elec_cum = np.concatenate(([0.0], np.cumsum(np.where(valid, elec_wh, 0.0))))
    start = np.searchsorted(t_end_s, t_end_s - window_s, side="right")
    stop = np.arange(1, t_end_s.size + 1)
    heat = heat_cum[stop] - heat_cum[start]
    elec = elec_cum[stop] - elec_cum[start]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(elec > 1e-9, heat / elec, np.nan)


class RollingCop:
    """Streaming rolling COP over a time window, for live readings.

    A window in which the unit never ran (standby electricity only) has no COP: unknown, not 0.
    """

    def __init__(self, window_s: float = DEFAULT_ROLLING_WINDOW_S) -> None:
        self.window_s = window_s
        self._intervals: deque[tuple[float, float, float, bool]] = deque()

    def add(self, t_end_s: float, heat_wh: float, elec_wh: float, ran: bool = True) -> float | None:
        """Add one interval's energies; returns the COP over the window."""
        self.push(t_end_s, heat_wh, elec_wh, ran)
        return self.value

    def push(self, t_end_s: float, heat_wh: float, elec_wh: float, ran: bool = True) -> None:
        """Add one interval's energies (the COP is summed only when asked for); ``ran``: the unit ran in it."""
        self._intervals.append((t_end_s, heat_wh, elec_wh, ran))
        self.expire(t_end_s)

    def expire(self, now_s: float) -> None:
        """Drop the intervals that ended before the window reaching back from ``now_s``."""
        while self._intervals and self._intervals[0][0] <= now_s - self.window_s:
            self._intervals.popleft()

    @property
    def value(self) -> float | None:
        """COP over the intervals now in the window."""
        if not any(ran for *_, ran in self._intervals):
            return None
        # Re-summed each time: a running total would drift over months of floats.
        heat = sum(h for _, h, _, _ in self._intervals)
        elec = sum(e for _, _, e, _ in self._intervals)
        return period_cop(heat, elec)
