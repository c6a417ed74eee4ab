"""The live side of the audit (audit.py, uncertainty.py): per heat pump, from its polls.

* The heat-weighted maximum permissible error of each meter component: each poll's net heat
  since the one before, weighted by the MPE at that poll's flow and dT (the live model's heat is
  integrated from the same readings). Its ratio to the heat is what the 95 % interval of every
  period figure of the heat pump is propagated from (a mean over the heat counted since set-up, the
  same for its today, rolling, season, 365-day and lifetime figures).
* Coverage: the seconds between two polls that both had heat and electricity, in all and today.
* heatpumpmonitor.org's heat-meter error: the compressor running while the heat meter shows no
  heat, dT above 1.5 K and the flow above 30 C, in runs longer than 60 s (seconds, and the heat
  rho cp q dT that went unmetered where the flow is measured).

Saved with the totals (``export``/``restore``), so a restart neither loses nor repeats any of it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .audit import METER_ERROR_DT_K, METER_ERROR_FLOW_C, METER_ERROR_MIN_RUN_S, MeterError, boundary_code
from .uncertainty import MeterClasses, component_mpe_at, interval

# Polls further apart than this are a gap: no coverage, no error run across it (the live gap limit).
MAX_POLL_GAP_S = 900.0
# The interval is worked out again only when a half-width moved by more than this share of itself, and at
# most once in this many seconds of polls (a Monte Carlo of a few hundred microseconds; the half-widths are
# means over all the heat counted, which move slowly).
_RECOMPUTE_SHARE = 0.01
_RECOMPUTE_EVERY_S = 600.0


@dataclass(frozen=True, slots=True)
class PollReadings:
    """What one poll read (None: not bound or not read)."""

    net_heat_kwh: float
    heat_power_w: float | None
    elec_power_w: float | None
    running: bool
    flow_c: float | None
    return_c: float | None
    flow_m3h: float | None
    flow_heat_w: float | None  # rho cp q dT of the flow meter and sensors, where bound


@dataclass
class LiveMeterAccount:
    """Heat-weighted MPEs, coverage and heat-meter errors of one heat pump."""

    meters: MeterClasses
    metered: frozenset[str]
    heat_wh: float = 0.0
    weighted_wh: dict[str, float] = field(default_factory=dict)
    since_s: float | None = None  # the first poll that read heat and electricity: coverage counts from it
    covered_s: float = 0.0
    covered_today_s: float = 0.0
    error_s: float = 0.0
    error_kwh: float = 0.0
    error_elec_kwh: float = 0.0  # electricity of error runs whose heat no flow reading tells
    error_runs: int = 0
    _open_run_s: float = 0.0
    _open_run_kwh: float = 0.0
    _open_run_elec_kwh: float = 0.0
    _last: tuple[float, PollReadings] | None = None
    _band_of: tuple[float, ...] = ()
    _band: tuple[float, float] | None = None
    _band_at: float = -math.inf
    _relative: dict[str, float] | None = None  # relative() as of the last heat weighed
    boundary: str = field(init=False, default="")

    def __post_init__(self) -> None:
        self.boundary = boundary_code(self.metered)  # what is metered does not change while the entry runs

    @property
    def last_poll_s(self) -> float | None:
        return None if self._last is None else self._last[0]

    def update(self, now_s: float, poll: PollReadings) -> None:
        last, self._last = self._last, (now_s, poll)
        if self.since_s is None and poll.heat_power_w is not None and poll.elec_power_w is not None:
            self.since_s = now_s  # coverage counts from the first poll that read both (not a start-up's empty one)
        if last is None:
            return
        dt_s = now_s - last[0]
        before = last[1]
        if not 0 < dt_s <= MAX_POLL_GAP_S:
            self._close_run()
            return
        both = (poll.heat_power_w is not None and poll.elec_power_w is not None
                and before.heat_power_w is not None and before.elec_power_w is not None)  # fmt: skip
        if both:
            self.covered_s += dt_s
            self.covered_today_s += dt_s
        heat_wh = (poll.net_heat_kwh - before.net_heat_kwh) * 1000.0
        if heat_wh != 0.0 and math.isfinite(heat_wh):
            self._weigh(heat_wh, poll)
        self._check_meter(dt_s, before, poll)

    def _weigh(self, heat_wh: float, poll: PollReadings) -> None:
        mpe = component_mpe_at(self.meters, flow_m3h=poll.flow_m3h, flow_c=poll.flow_c, return_c=poll.return_c)
        self._relative = None
        self.heat_wh += heat_wh
        for name, value in mpe.items():
            # a sensor's error of the heat is rho cp q x its error whatever the sign of dT (uncertainty.py)
            weight = abs(heat_wh) * value if name.endswith("_sensor") else heat_wh * value
            self.weighted_wh[name] = self.weighted_wh.get(name, 0.0) + weight

    def _check_meter(self, dt_s: float, before: PollReadings, poll: PollReadings) -> None:
        def failing(p: PollReadings) -> bool:
            if p.flow_c is None or p.return_c is None or p.heat_power_w is None:
                return False
            return (p.running and p.heat_power_w <= 0.0 and p.flow_c - p.return_c > METER_ERROR_DT_K
                    and p.flow_c > METER_ERROR_FLOW_C)  # fmt: skip

        if failing(before) and failing(poll):
            self._open_run_s += dt_s
            if poll.flow_heat_w is not None and poll.flow_heat_w > 0:
                self._open_run_kwh += poll.flow_heat_w * dt_s / 3.6e6
            else:  # the flow meter shows nothing either: that electricity at the SPF (meter_error)
                self._open_run_elec_kwh += (poll.elec_power_w or 0.0) * dt_s / 3.6e6
        elif not failing(poll):
            self._close_run()

    def _close_run(self) -> None:
        if self._open_run_s > METER_ERROR_MIN_RUN_S:
            self.error_s += self._open_run_s
            self.error_kwh += self._open_run_kwh
            self.error_elec_kwh += self._open_run_elec_kwh
            self.error_runs += 1
        self._open_run_s = self._open_run_kwh = self._open_run_elec_kwh = 0.0

    def start_day(self) -> None:
        self.covered_today_s = 0.0

    def coverage(self, day_start_s: float | None = None) -> float | None:
        """Share of the time from the first poll counted (or from ``day_start_s``) to the last one with heat and
        electricity both read at both ends; None before a second poll."""
        if self.since_s is None or self._last is None:
            return None
        start = self.since_s if day_start_s is None else max(self.since_s, day_start_s)
        covered = self.covered_s if day_start_s is None else self.covered_today_s
        elapsed = self._last[0] - start
        return min(covered / elapsed, 1.0) if elapsed > 0 else None

    def relative(self) -> dict[str, float]:
        """Each component's heat-weighted MPE as a share of the heat (its error's half-width); before any heat
        was counted (figures from imported history), each at its widest: the flow at its cap, dT at dTmin."""
        if self._relative is None:
            if self.heat_wh <= 0:
                self._relative = component_mpe_at(self.meters, flow_m3h=None, flow_c=None, return_c=None)
            else:
                self._relative = {name: abs(weighted) / self.heat_wh for name, weighted in self.weighted_wh.items()}
        return self._relative

    def band(self, value: float | None, elec_feeds_kwh: tuple[float, ...]) -> dict[str, float | None]:
        """``{"spf_low", "spf_high", "relative_95"}`` of a figure of this heat pump."""
        relative = self.relative()
        if value is None or not relative:
            return {"spf_low": None, "spf_high": None, "relative_95": None}
        if math.fsum(elec_feeds_kwh) <= 0:  # nothing counted live yet: all of it on the unit's meter
            elec_feeds_kwh = (1.0,)
        total = math.fsum(elec_feeds_kwh)
        key = (*relative.values(), *(kwh / total if total > 0 else 0.0 for kwh in elec_feeds_kwh))
        moved = len(key) != len(self._band_of) or any(
            abs(new - old) > _RECOMPUTE_SHARE * max(abs(old), 1e-6) for new, old in zip(key, self._band_of, strict=True)
        )
        now_s = self._last[0] if self._last is not None else 0.0
        if self._band is None or (moved and now_s - self._band_at >= _RECOMPUTE_EVERY_S):
            self._band_at = now_s
            unit = interval(1.0, self.meters, relative, elec_feeds_kwh)
            low, high = unit["spf_low"], unit["spf_high"]
            self._band = None if low is None or high is None else (low, high)
            self._band_of = key
        if self._band is None:
            return {"spf_low": None, "spf_high": None, "relative_95": None}
        low, high = self._band
        return {"spf_low": value * low, "spf_high": value * high, "relative_95": (high - low) / 2.0}

    @property
    def open_run_s(self) -> float:
        """The run going on now, once it is longer than 60 s (it counts from then on)."""
        return self._open_run_s if self._open_run_s > METER_ERROR_MIN_RUN_S else 0.0

    def meter_error(self, elec_kwh: float, spf: float | None) -> MeterError:
        """The heat-meter errors counted (the run going on too), against the electricity ``elec_kwh`` at the
        SPF ``spf``."""
        checked = self._last is not None and self._last[1].flow_c is not None and self._last[1].return_c is not None
        going = self.open_run_s > 0
        seconds = self.error_s + self.open_run_s
        heat_kwh = self.error_kwh + (self._open_run_kwh if going else 0.0)
        elec = self.error_elec_kwh + (self._open_run_elec_kwh if going else 0.0)
        return MeterError(checked, seconds, heat_kwh + elec * (spf or 0.0), elec_kwh)

    def export(self) -> dict[str, Any]:
        """What to save; a run going on is saved as counted (after a restart a new run starts)."""
        going = self.open_run_s > 0
        return {"since_s": self.since_s, "heat_wh": self.heat_wh, "weighted_wh": dict(self.weighted_wh),
                "covered_s": self.covered_s, "covered_today_s": self.covered_today_s,
                "error_s": self.error_s + self.open_run_s,
                "error_kwh": self.error_kwh + (self._open_run_kwh if going else 0.0),
                "error_elec_kwh": self.error_elec_kwh + (self._open_run_elec_kwh if going else 0.0),
                "error_runs": self.error_runs + going}  # fmt: skip

    def restore(self, saved: Mapping[str, Any]) -> None:
        """What ``export`` saved; anything missing or malformed starts from 0."""

        def number(key: str) -> float:
            value = saved.get(key)
            return float(value) if isinstance(value, int | float) and math.isfinite(value) else 0.0

        self.heat_wh = number("heat_wh")
        self._relative = None
        self.since_s = number("since_s") or None
        weighted = saved.get("weighted_wh")
        if isinstance(weighted, dict):
            self.weighted_wh = {str(k): float(v) for k, v in weighted.items() if isinstance(v, int | float)}
        self.covered_s, self.covered_today_s = number("covered_s"), number("covered_today_s")
        self.error_s, self.error_kwh = number("error_s"), number("error_kwh")
        self.error_elec_kwh = number("error_elec_kwh")
        self.error_runs = int(number("error_runs"))
