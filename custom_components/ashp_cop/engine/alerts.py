"""Conditions that should reach a person: each must hold for a sustained time first.

* ``low_cop``: COP below ``low_cop`` (1.0: the unit works as an electric
  heater, or worse) while running, outside defrosts.
* ``degraded``: COP more than ``degradation_pct`` below the unit's own
  baseline at comparable conditions, a hint of refrigerant loss or a failing
  valve. The baseline is learnt from the unit itself: the mean COP of running,
  non-defrost readings in each cell of outdoor temperature (2 K) by flow
  temperature (5 K), from the first ``baseline_samples`` readings of that cell.
* ``flow_stuck``: the flow meter repeats exactly the same reading while the
  compressor runs, after it had been seen to vary (a frozen meter, or a bus
  value that no longer updates).
* ``no_flow``: the heat meter reports no flow while the compressor runs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

ALERTS = ("low_cop", "degraded", "flow_stuck", "no_flow")
NO_FLOW_M3H = 0.01


@dataclass(frozen=True, slots=True)
class AlertSettings:
    low_cop: float = 1.0
    degradation_pct: float = 20.0
    sustain_s: float = 3600.0
    stuck_s: float = 1800.0
    baseline_samples: int = 120


@dataclass(frozen=True, slots=True)
class Conditions:
    """One reading of what the alerts look at (None: not known now)."""

    time_s: float
    running: bool
    defrost: bool
    cop: float | None
    outdoor_c: float | None = None
    flow_temp_c: float | None = None
    return_temp_c: float | None = None
    flow_m3h: float | None = None


@dataclass(slots=True)
class _Cell:
    count: int = 0
    mean: float = 0.0


@dataclass(slots=True)
class AlertMonitor:
    settings: AlertSettings = field(default_factory=AlertSettings)
    active: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(ALERTS, False))
    baseline_cop: float | None = None
    _since: dict[str, float | None] = field(default_factory=lambda: dict.fromkeys(ALERTS, None))
    _cells: dict[tuple[int, int], _Cell] = field(default_factory=dict)
    _last_flow: float | None = None
    _flow_varies: bool = False

    def update(self, now: Conditions) -> dict[str, bool]:
        """Which alerts hold now; an alert turns on once its condition held for its sustain time."""
        steady = now.running and not now.defrost
        self.baseline_cop = self._baseline(now) if steady else None
        raw = {
            "low_cop": steady and now.cop is not None and now.cop < self.settings.low_cop,
            "degraded": steady
            and now.cop is not None
            and self.baseline_cop is not None
            and now.cop < self.baseline_cop * (1 - self.settings.degradation_pct / 100),
            "flow_stuck": self._stuck(now),
            "no_flow": now.running and now.flow_m3h is not None and now.flow_m3h < NO_FLOW_M3H,
        }
        for name, holds in raw.items():
            sustain = self.settings.stuck_s if name == "flow_stuck" else self.settings.sustain_s
            if name == "no_flow":
                sustain = min(sustain, 600.0)  # a pump that stopped needs attention within minutes
            self._latch(name, holds, now.time_s, sustain)
        return dict(self.active)

    def _latch(self, name: str, holds: bool, time_s: float, sustain_s: float) -> None:
        if not holds:
            self._since[name] = None
            self.active[name] = False
            return
        since = self._since[name]
        if since is None:
            self._since[name] = since = time_s
        self.active[name] = time_s - since >= sustain_s

    def _baseline(self, now: Conditions) -> float | None:
        if now.outdoor_c is None or now.flow_temp_c is None or now.cop is None or not math.isfinite(now.cop):
            return None
        cell = self._cells.setdefault((math.floor(now.outdoor_c / 2), math.floor(now.flow_temp_c / 5)), _Cell())
        if cell.count < self.settings.baseline_samples:
            cell.count += 1
            cell.mean += (now.cop - cell.mean) / cell.count
            return None  # still learning this cell: nothing to compare with yet
        return cell.mean

    def _stuck(self, now: Conditions) -> bool:
        if not now.running or now.flow_m3h is None:
            return False
        if self._last_flow is None or now.flow_m3h != self._last_flow:
            if self._last_flow is not None:
                self._flow_varies = True
            self._last_flow = now.flow_m3h
            return False
        # The same reading to the last digit: a live ultrasonic meter jitters, so
        # this counts once the meter has been seen to vary (a coarse meter never alarms).
        return self._flow_varies

    def export(self) -> dict[str, object]:
        return {"cells": [[o, f, c.count, c.mean] for (o, f), c in self._cells.items()]}

    def restore(self, saved: Mapping[str, object]) -> None:
        cells = saved.get("cells")
        if not isinstance(cells, list):
            return
        for item in cells:
            if isinstance(item, list) and len(item) == 4 and all(isinstance(v, int | float) for v in item):
                outdoor, flow, count, mean = item
                self._cells[(int(outdoor), int(flow))] = _Cell(int(count), float(mean))
