"""Defrost cycles: detection, per-event accounting and the defrost share.

An air-source unit defrosts its outdoor coil by reversing the refrigerant
cycle: for a few minutes it takes heat back from the water, so the flow
temperature drops below the return temperature while the compressor runs.

With an explicit defrost signal (the controller's flag) that signal decides.
Without one, defrost starts when T_flow - T_return falls below
``enter_delta_k`` while running and ends when it rises above
``exit_delta_k``: the two thresholds form a hysteresis band so that sensor
noise around zero does not split one defrost into many.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import BoolArray, FloatArray
from .energy import Intervals, interval_energy_wh

DEFAULT_ENTER_DELTA_K = -0.5
DEFAULT_EXIT_DELTA_K = 0.0


@dataclass(frozen=True, slots=True)
class DefrostEvent:
    """One defrost cycle."""

    start_s: float
    end_s: float
    heat_drawn_kwh: float

    @property
    def duration_s(self) -> float:
        """Length of the cycle in seconds."""
        return self.end_s - self.start_s


def hysteresis(enter: BoolArray, leave: BoolArray, initial: bool = False) -> BoolArray:
    """State that turns on where ``enter`` holds and off where ``leave`` holds.

    Vectorised latch: each sample takes the state set by the last sample that
    entered or left (enter wins where both hold); before any, it is ``initial``
    (the state a previous chunk of the series ended in).
    """
    n = enter.size
    decided = enter | leave
    index = np.where(decided, np.arange(n), -1)
    last = np.maximum.accumulate(index) if n else index
    state = np.full(n, initial, dtype=bool)
    has = last >= 0
    state[has] = enter[last[has]]
    return state


def detect_active(
    running: BoolArray,
    delta_t_k: FloatArray | None = None,
    signal: FloatArray | None = None,
    enter_delta_k: float = DEFAULT_ENTER_DELTA_K,
    exit_delta_k: float = DEFAULT_EXIT_DELTA_K,
    *,
    initial: bool = False,
) -> BoolArray:
    """Whether each sample is inside a defrost cycle (``initial``: the state before the first sample)."""
    if signal is not None:
        known = np.isfinite(signal)
        # A missing flag keeps the last known state rather than ending a cycle.
        return hysteresis(known & (signal >= 0.5), known & (signal < 0.5), initial)
    if delta_t_k is None:
        return np.zeros(running.size, dtype=bool)
    finite = np.isfinite(delta_t_k)
    enter = finite & running & (delta_t_k < enter_delta_k)
    leave = finite & (delta_t_k > exit_delta_k)
    return hysteresis(enter, leave, initial)


def defrost_events(
    t_s: FloatArray, active: BoolArray, heat_power_w: FloatArray, intervals: Intervals
) -> list[DefrostEvent]:
    """Contiguous runs of defrost with the heat each drew back from the building.

    A cycle starts at its first active sample and ends at the first sample
    after it (the moment the state was seen to change). The heat drawn back is
    the integral of the negative part of the heat power from the sample before
    the start (the reversal began inside that interval) to the end, so the
    events add up to the defrost heat netted from the total.
    """
    if not active.any():
        return []
    edges = np.diff(active.astype(np.int8))
    starts = np.flatnonzero(edges == 1) + 1
    ends = np.flatnonzero(edges == -1) + 1
    if active[0]:
        starts = np.concatenate(([0], starts))
    if active[-1]:
        ends = np.concatenate((ends, [active.size - 1]))
    drawn_wh = -np.nan_to_num(interval_energy_wh(np.minimum(heat_power_w, 0.0), intervals))
    drawn_cum = np.concatenate(([0.0], np.cumsum(drawn_wh)))
    return [
        DefrostEvent(
            start_s=float(t_s[start]),
            end_s=float(t_s[end]),
            heat_drawn_kwh=float(drawn_cum[end] - drawn_cum[max(start - 1, 0)]) / 1000.0,
        )
        for start, end in zip(starts, ends, strict=True)
    ]
