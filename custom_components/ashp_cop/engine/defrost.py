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

from dataclasses import dataclass, field

import numpy as np

from .arrays import BoolArray, FloatArray
from .energy import Intervals, interval_energy_wh

# The noise floor of detection from temperatures: T_flow - T_return must fall below -0.5 K, while the
# compressor runs (electric power at or above the running threshold), to start a defrost. Two unmatched
# IEC 60751 class A sensors may each read (0.15 + 0.002 |t|) K off: at 35 C up to 0.22 K each, 0.44 K
# between them, so a difference above -0.5 K can be sensor tolerance alone. A negative heat power of an
# idle unit (a heat meter's offset) is never defrost heat: it is netted from later heat (live.py, analyze.py).
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
    cooling: BoolArray | None = None,
) -> BoolArray:
    """Whether each sample is inside a defrost cycle (``initial``: the state before the first sample).

    ``cooling`` marks samples in cooling mode: the water comes back warmer by design there, so a
    reversed temperature difference is no defrost (and ends one); the controller's flag still decides.
    """
    if signal is not None:
        known = np.isfinite(signal)
        # A missing flag keeps the last known state rather than ending a cycle.
        return hysteresis(known & (signal >= 0.5), known & (signal < 0.5), initial)
    if delta_t_k is None:
        return np.zeros(running.size, dtype=bool)
    finite = np.isfinite(delta_t_k)
    enter = finite & running & (delta_t_k < enter_delta_k)
    leave = finite & (delta_t_k > exit_delta_k)
    if cooling is not None:
        enter &= ~cooling
        leave |= cooling
    return hysteresis(enter, leave, initial)


@dataclass
class DefrostTracker:
    """Defrost cycles of a series fed chunk by chunk, so that a cycle may span two chunks.

    Consecutive chunks share one sample: the last of one is the first of the
    next. A cycle starts at its first active sample and ends at the first
    sample after it (the moment the state was seen to change), or at the last
    sample of the series. The heat drawn back is the integral of the negative
    part of the heat power from the sample before the start (the reversal
    began inside that interval) to the end, so the events add up to the
    defrost heat netted from the total. The running sum of that heat is
    carried as one sequence, so the figures do not depend on where chunks end.
    """

    state_before: bool = False  # the state of the sample before the chunk's first
    events: list[DefrostEvent] = field(default_factory=list)
    _drawn_at_first_wh: float | None = None  # heat drawn back up to the chunk's first sample
    _drawn_before_first_wh: float = 0.0  # ... and up to the sample before it
    _open: tuple[float, float] | None = None  # (start, heat drawn before it) of a cycle not yet ended

    def add(
        self, t_s: FloatArray, active: BoolArray, heat_power_w: FloatArray, intervals: Intervals, *, last: bool
    ) -> None:
        """One chunk: samples, their defrost state (``detect_active(initial=self.state_before)``), heat power."""
        drawn_wh = -np.nan_to_num(interval_energy_wh(np.minimum(heat_power_w, 0.0), intervals))
        if self._drawn_at_first_wh is None:
            drawn_cum = np.concatenate(([0.0], np.cumsum(drawn_wh)))
            drawn_before_first = 0.0
        else:
            drawn_cum = np.cumsum(np.concatenate(([self._drawn_at_first_wh], drawn_wh)))
            drawn_before_first = self._drawn_before_first_wh
        own = active if last else active[:-1]  # the shared last sample belongs to the next chunk
        before = np.concatenate(([self.state_before], own[:-1]))
        marks = [(int(j), False) for j in np.flatnonzero(own & ~before)]
        marks += [(int(j), True) for j in np.flatnonzero(~own & before)]
        if last and active.size and active[-1]:
            marks.append((active.size - 1, True))
        for j, is_end in sorted(marks):
            if not is_end:
                self._open = (float(t_s[j]), float(drawn_cum[j - 1]) if j > 0 else drawn_before_first)
            elif self._open is not None:
                start_s, drawn_before = self._open
                self.events.append(DefrostEvent(start_s, float(t_s[j]), float(drawn_cum[j] - drawn_before) / 1000.0))
                self._open = None
        if active.size >= 2:
            self.state_before = bool(active[-2])
            self._drawn_before_first_wh = float(drawn_cum[-2])
        if active.size:
            self._drawn_at_first_wh = float(drawn_cum[-1])


def defrost_events(
    t_s: FloatArray, active: BoolArray, heat_power_w: FloatArray, intervals: Intervals
) -> list[DefrostEvent]:
    """Contiguous runs of defrost in a whole series with the heat each drew back (see :class:`DefrostTracker`)."""
    tracker = DefrostTracker()
    tracker.add(t_s, active, heat_power_w, intervals, last=True)
    return tracker.events


def pay_off_debt(debt_before_wh: float, delivered_wh: FloatArray, owed_wh: FloatArray) -> tuple[FloatArray, float]:
    """Heat each interval pays off a debt of negative heat seen outside defrosts, and the debt left after.

    The live rule (live.py), vectorised: an interval adds what it owes, then pays from the heat it
    delivered, so debt_k = max(0, debt_k-1 + owed_k - delivered_k) (a Lindley recursion), which is
    S_k + max(debt_0, -min_{j<=k} S_j) with S the running sum of owed - delivered.
    """
    if delivered_wh.size == 0:
        return np.zeros(0), debt_before_wh
    running = np.cumsum(owed_wh - delivered_wh)
    debt = running + np.maximum(debt_before_wh, -np.minimum.accumulate(running))
    previous = np.concatenate(([debt_before_wh], debt[:-1]))
    paid = np.clip(owed_wh - (debt - previous), 0.0, delivered_wh)
    return paid, float(max(debt[-1], 0.0))
