"""The short-cycling alert: a compressor that starts too often, or whose runs are too short, in space heating.

It holds while either condition does, and clears as soon as neither does:

* more than ``max_starts_per_hour`` starts in the last hour: the rate measured over a whole hour,
  so one start-up burst (after a defrost, a restart of the controller) does not raise it. Default
  3 starts/h: compressor makers limit starts to about 3 to 6 an hour (most inverter controllers
  enforce a 3 to 10 minute anti-short-cycle timer), and field studies (heatpumpmonitor.org, the
  Energy Saving Trust trials) see well-sized units at or below 1 to 2 starts/h in steady heating.
* a median run over the last 24 hours shorter than ``min_median_run_min``: default 10 minutes, the
  minimum run time makers ask for so that oil returns to the compressor and the circuit settles
  (cycling.py's short run). Only judged once the day holds ``MIN_RUNS_FOR_MEDIAN`` runs of known
  length: a unit that starts a few times a day at low load is not short cycling, however short
  those runs are.

Only space heating counts: hot-water reheats run to a set point and may be short by design, and
a cooling season has its own rules. Until the operating-mode role exists every run is space
heating; the gate is the one ``space_heating`` argument of :meth:`ShortCyclingMonitor.update`.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .cycling import NO_CHANGE, CycleStep

HOUR_S = 3600.0
DAY_S = 86400.0
DEFAULT_MAX_STARTS_PER_HOUR = 3.0
DEFAULT_MIN_MEDIAN_RUN_MIN = 10.0
MIN_RUNS_FOR_MEDIAN = 6
SHORT_CYCLING = "short_cycling"  # the alert's name: its repair issue and binary sensor alert_short_cycling


@dataclass(frozen=True, slots=True)
class ShortCyclingSettings:
    max_starts_per_hour: float = DEFAULT_MAX_STARTS_PER_HOUR
    min_median_run_min: float = DEFAULT_MIN_MEDIAN_RUN_MIN


@dataclass(slots=True)
class ShortCyclingMonitor:
    settings: ShortCyclingSettings = field(default_factory=ShortCyclingSettings)
    active: bool = False
    _starts: deque[float] = field(default_factory=deque)  # times of the starts of the last hour
    _runs: deque[tuple[float, float]] = field(default_factory=deque)  # (end time, length s) of the last day

    def update(self, now_s: float, step: CycleStep, *, space_heating: bool) -> bool:
        """Take one poll's cycle step; whether the alert holds now."""
        if not space_heating:
            step = NO_CHANGE  # runs of other modes never count towards short cycling
        if step.started:
            self._starts.append(now_s)
        if step.ended and step.run_s is not None:
            self._runs.append((now_s, step.run_s))
        while self._starts and self._starts[0] <= now_s - HOUR_S:
            self._starts.popleft()
        while self._runs and self._runs[0][0] <= now_s - DAY_S:
            self._runs.popleft()
        median = self.median_run_s
        self.active = self.starts_last_hour > self.settings.max_starts_per_hour or (
            median is not None and median < 60.0 * self.settings.min_median_run_min
        )
        return self.active

    @property
    def starts_last_hour(self) -> int:
        return len(self._starts)

    @property
    def median_run_s(self) -> float | None:
        """The median run of the last 24 h, once there are enough runs to judge."""
        if len(self._runs) < MIN_RUNS_FOR_MEDIAN:
            return None
        return float(np.median([length for _, length in self._runs]))

    def export(self) -> dict[str, object]:
        return {"starts": list(self._starts), "runs": [list(run) for run in self._runs]}

    def restore(self, saved: object) -> None:
        """Continue from :meth:`export` (the windows survive a restart); damaged parts are ignored."""
        if not isinstance(saved, Mapping):
            return
        starts, runs = saved.get("starts"), saved.get("runs")
        if isinstance(starts, list):
            self._starts = deque(sorted(float(t) for t in starts if _finite(t)))
        if isinstance(runs, list):
            kept = [(float(r[0]), float(r[1])) for r in runs if isinstance(r, list) and len(r) == 2 and
                    all(_finite(v) for v in r)]  # fmt: skip
            self._runs = deque(sorted(kept))


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)
