"""What an auditor signs beside each figure of ``analyze``: its 95 % interval, coverage, boundary,
the resolution the data has, and heatpumpmonitor.org's publication check.

* Coverage: the time with every bound feed present (heat, the unit's electricity, and the backup
  heater's and the pumps' where they are metered), per feed and jointly. Each sample counts the time
  to the next one, at most one sampling interval (the last one counts one interval), so hourly
  means count one hour a row: the ``valid_hours`` of heatpumpmonitor.org's exports. Days are counted
  as heatpumpmonitor.org counts them: the seconds with heat and electricity both present / 86,400.
* Boundary: SEPEMO-Build (Zottl et al., 2012) as heatpumpmonitor.org derives it from what is
  metered: backup or immersion heater unmetered: H2; circulation pumps unmetered: H3; both: H4.
* Publication (heatpumpmonitor.org's rules): MID metering (heat meter class 2 or better,
  electricity class 1 or better), boundary H4, at least 330 of the last 365 days (72/90, 24/30, 5/7)
  and no heat-meter error: the compressor running while the heat meter shows no heat, with dT above
  1.5 K and the flow above 30 C, in runs longer than 60 s; the period is flagged when the heat that
  went unmetered (rho cp q dT, or at the period's SPF where no flow is measured) would move its COP
  by more than 0.2. The share of heat delivered at an interval COP below 1 or above 10 is reported
  as an error signal.
* Resolution: a figure needs samples close enough to see what it counts; coarser data gives null
  with a reason (see ``RESOLUTION_LIMITS_S``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .arrays import BoolArray, FloatArray
from .carnot import interval_means
from .modes import MODES
from .uncertainty import HeatErrorSums, MeterClasses, component_mpe, interval

SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86400.0

# heatpumpmonitor.org: days with data needed in the last window of days.
PUBLICATION_DAYS = ((365, 330), (90, 72), (30, 24), (7, 5))
# heat-meter error: compressor running, no heat, dT above this, flow above this; shorter runs ignored
METER_ERROR_DT_K = 1.5
METER_ERROR_FLOW_C = 30.0
METER_ERROR_MIN_RUN_S = 60.0
METER_ERROR_COP_SHIFT = 0.2
IMPLAUSIBLE_COP = (1.0, 10.0)

# The coarsest sampling at which each figure can be measured, and why.
RESOLUTION_LIMITS_S: dict[str, tuple[float, str]] = {
    # an inverter unit's shortest runs and pauses are a few minutes: a start is seen only if both
    # the stop before it and the run are sampled, which takes samples at most 2 minutes apart
    "cycling": (120.0, "compressor starts and run lengths need samples at most 120 s apart"),
    # a defrost lasts 2 to 10 minutes (a few hundred per winter): samples at most 2 minutes apart see
    # each one, its start and its end (its reversed dT, or the unit's defrost flag)
    "defrost_events": (120.0, "defrost events need samples at most 120 s apart (a defrost lasts 2 to 10 minutes)"),
    # heat and electricity of one sample belong to one operating state only within the water's
    # transit time between the unit and the heat meter (30 to 60 s); a longer mean is a period COP
    "instantaneous_cop": (
        60.0,
        "an instantaneous COP needs samples at most 60 s apart (a longer mean is a period COP)",
    ),
}

BOUNDARY_FEEDS = ("backup", "pumps")


def boundary_code(metered: frozenset[str]) -> str:
    """SEPEMO boundary of the system SPF, from what the electricity metered covers."""
    if "backup" not in metered:
        return "H2"
    return "H4" if "pumps" in metered else "H3"


@dataclass
class _Coverage:
    """Seconds with each feed present, per day (a few thousand days at most)."""

    seconds_by_day: dict[str, list[tuple[FloatArray, FloatArray]]] = field(default_factory=dict)

    def add(self, name: str, day: FloatArray, seconds: FloatArray, present: BoolArray) -> None:
        days = day[present]
        if days.size == 0:
            return
        # samples come in time order: each day's samples are one run
        starts = np.flatnonzero(np.r_[True, days[1:] != days[:-1]])
        per_day = np.add.reduceat(seconds[present], starts)
        self.seconds_by_day.setdefault(name, []).append((days[starts], per_day))

    def total_s(self, name: str, since_day: float = -math.inf) -> float:
        return math.fsum(float(seconds[days >= since_day].sum()) for days, seconds in self.seconds_by_day.get(name, ()))


@dataclass
class _MeterErrorRuns:
    """Runs of samples with the compressor on and no heat metered (heatpumpmonitor.org's heat-meter error).

    The heat that went unmetered: rho cp q dT where the flow was measured, else the electricity of
    those samples at the period's SPF (``unestimated_elec_wh``).
    """

    open_s: float = 0.0
    open_heat_wh: float = 0.0
    open_elec_wh: float = 0.0
    seconds: list[float] = field(default_factory=list)
    heat_wh: list[float] = field(default_factory=list)
    unestimated_elec_wh: list[float] = field(default_factory=list)

    def add(self, flagged: BoolArray, seconds: FloatArray, missing_heat_wh: FloatArray, elec_wh: FloatArray) -> None:
        if not flagged.any():
            self.close()
            return
        known = np.isfinite(missing_heat_wh) & (missing_heat_wh > 0)
        flags = flagged.astype(np.int8)
        starts = np.flatnonzero(np.diff(np.r_[0, flags]) == 1)
        ends = np.flatnonzero(np.diff(np.r_[flags, 0]) == -1)
        for start, end in zip(starts, ends, strict=True):
            if start > 0:
                self.close()
            run = slice(start, end + 1)
            self.open_s += float(seconds[run].sum())
            self.open_heat_wh += float(missing_heat_wh[run][known[run]].sum())
            self.open_elec_wh += float(elec_wh[run][~known[run]].sum())
        if not flagged[-1]:
            self.close()

    def close(self) -> None:
        """End the open run; a run of 60 s or less is ignored."""
        if self.open_s > METER_ERROR_MIN_RUN_S:
            self.seconds.append(self.open_s)
            self.heat_wh.append(self.open_heat_wh)
            self.unestimated_elec_wh.append(self.open_elec_wh)
        self.open_s = self.open_heat_wh = self.open_elec_wh = 0.0


@dataclass(frozen=True, slots=True)
class ChunkFeeds:
    """One chunk's samples and intervals as the audit needs them."""

    t_s: FloatArray
    own_rows: int  # rows of this chunk (the last row of all but the last chunk starts the next one)
    step_s: float
    heat_w: FloatArray
    unit_w: FloatArray
    metered_feeds: Mapping[str, FloatArray]  # feed -> its power, each sample (NaN: absent)
    flow_c: FloatArray | None
    return_c: FloatArray | None
    flow_m3h: FloatArray | None
    flow_heat_w: FloatArray | None  # rho cp q dT where the flow is measured
    heat_wh: FloatArray  # per interval, NaN where not usable
    feeds_wh: Mapping[str, FloatArray]  # unit, backup, pumps per interval (zeros where not metered)
    running: BoolArray  # per interval
    modes: FloatArray  # each row's mode code
    running_threshold_w: float


class AuditAccount:
    """Fed chunk by chunk beside the analysis; ``report`` gives the audit's keys of ``analyze``."""

    def __init__(self, meters: MeterClasses, metered: frozenset[str]) -> None:
        self.meters = meters
        self.metered = metered
        self.heat_errors = HeatErrorSums(groups=len(MODES))
        self.feed_wh: dict[str, list[FloatArray]] = {}
        self.coverage = _Coverage()
        self.meter_errors = _MeterErrorRuns()
        self.cop_heat_wh: dict[str, list[float]] = {"implausible": [], "running": []}
        self.meter_error_checked = False

    def add(self, c: ChunkFeeds) -> None:
        own = slice(0, c.own_rows)
        mean = interval_means
        self.heat_errors.add(
            c.heat_wh,
            component_mpe(self.meters, flow_m3h=mean(c.flow_m3h), flow_c=mean(c.flow_c), return_c=mean(c.return_c)),
            group=c.modes[:-1].astype(np.int64),
        )
        start_mode = c.modes[:-1].astype(np.int64)
        usable = np.isfinite(c.heat_wh)
        for name, wh in c.feeds_wh.items():
            self.feed_wh.setdefault(name, []).append(
                np.bincount(start_mode[usable], weights=wh[usable], minlength=len(MODES)).astype(np.float64)
            )
        # coverage: each own sample counts the time to the next one, at most one sampling interval
        t = c.t_s[own]
        seconds = np.minimum(np.r_[np.diff(c.t_s)[: c.own_rows], c.step_s][: c.own_rows], c.step_s)
        day = np.floor(t / SECONDS_PER_DAY)
        present = {name: np.isfinite(power[own]) for name, power in c.metered_feeds.items()}
        joint = np.logical_and.reduce(list(present.values()))
        for name, mask in present.items():
            self.coverage.add(name, day, seconds, mask)
        self.coverage.add("joint", day, seconds, joint)
        self.coverage.add("heat_and_elec", day, seconds, present["heat"] & present["elec"])
        # heat-meter error: running, no heat, dT > 1.5 K, flow > 30 C (needs the temperatures)
        if c.flow_c is not None and c.return_c is not None:
            self.meter_error_checked = True
            on = np.isfinite(c.unit_w[own]) & (c.unit_w[own] >= c.running_threshold_w)
            with np.errstate(invalid="ignore"):
                flagged = (on & ~(c.heat_w[own] > 0) & (c.flow_c[own] - c.return_c[own] > METER_ERROR_DT_K)
                           & (c.flow_c[own] > METER_ERROR_FLOW_C))  # fmt: skip
            missing = (c.flow_heat_w[own] if c.flow_heat_w is not None else np.full(t.size, np.nan)) * seconds
            self.meter_errors.add(
                flagged, seconds, missing / SECONDS_PER_HOUR, c.unit_w[own] * seconds / SECONDS_PER_HOUR
            )
        # heat delivered at an implausible interval COP (running intervals)
        unit_wh = c.feeds_wh["unit"]
        ran = usable & c.running & (unit_wh > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            cop = c.heat_wh / unit_wh
        heat = np.where(ran, np.maximum(c.heat_wh, 0.0), 0.0)
        low, high = IMPLAUSIBLE_COP
        self.cop_heat_wh["implausible"].append(float(heat[(cop < low) | (cop > high)].sum()))
        self.cop_heat_wh["running"].append(float(heat.sum()))

    def _feeds_kwh(self, mode: int | None) -> list[float]:
        return [
            math.fsum(float(p.sum() if mode is None else p[mode]) for p in parts) / 1000.0
            for parts in self.feed_wh.values()
        ]

    def uncertainty(self, value: float | None, mode: int | None = None) -> dict[str, float | None]:
        """The 95 % interval of a figure of all modes (``mode`` None) or of one mode."""
        return interval(value, self.meters, self.heat_errors.relative(mode), self._feeds_kwh(mode))

    def coverage_report(self, start_s: float, end_s: float, step_s: float) -> dict[str, object]:
        of_s = end_s - start_s + step_s
        joint_s = self.coverage.total_s("joint")
        return {
            "hours": joint_s / SECONDS_PER_HOUR,
            "of_hours": of_s / SECONDS_PER_HOUR,
            "share": joint_s / of_s,
            "days": self.coverage.total_s("heat_and_elec") / SECONDS_PER_DAY,
            "per_feed": {
                name: {
                    "hours": self.coverage.total_s(name) / SECONDS_PER_HOUR,
                    "share": self.coverage.total_s(name) / of_s,
                }
                for name in self.coverage.seconds_by_day
                if name not in {"joint", "heat_and_elec"}
            },
        }

    def publication(
        self, *, spf: float | None, elec_kwh: float, start_s: float, end_s: float, step_s: float
    ) -> dict[str, object]:
        period_days = (end_s - start_s + step_s) / SECONDS_PER_DAY
        window = publication_window(period_days)
        days_in_window = None
        if window is not None:
            since_day = math.floor((end_s + step_s) / SECONDS_PER_DAY) - window[0]
            days_in_window = self.coverage.total_s("heat_and_elec", since_day) / SECONDS_PER_DAY
        errors = self.meter_errors
        errors.close()
        error_s = math.fsum(errors.seconds)
        error_heat_kwh = (math.fsum(errors.heat_wh) + math.fsum(errors.unestimated_elec_wh) * (spf or 0.0)) / 1000.0
        running = math.fsum(self.cop_heat_wh["running"])
        implausible = math.fsum(self.cop_heat_wh["implausible"]) / running if running > 0 else None
        return publication_check(
            self.meters, self.metered, period_days=period_days, days_in_window=days_in_window,
            meter_error=MeterError(self.meter_error_checked, error_s, error_heat_kwh, elec_kwh),
        ) | {"implausible_cop_heat_share": implausible}  # fmt: skip


@dataclass(frozen=True, slots=True)
class MeterError:
    """Heat-meter errors of a period: running with no heat metered, in runs longer than 60 s."""

    checked: bool
    seconds: float
    heat_kwh: float  # the heat that went unmetered
    elec_kwh: float  # the period's electricity (the COP it would move)

    @property
    def cop_shift(self) -> float:
        return self.heat_kwh / self.elec_kwh if self.elec_kwh > 0 else 0.0

    @property
    def flagged(self) -> bool:
        return self.cop_shift > METER_ERROR_COP_SHIFT

    def as_report(self) -> dict[str, object]:
        return {"checked": self.checked, "seconds": self.seconds, "kwh": self.heat_kwh, "cop_shift": self.cop_shift,
                "flagged": self.flagged}  # fmt: skip


def publication_window(period_days: float) -> tuple[int, int] | None:
    """heatpumpmonitor.org's window for a period this long (the longest it holds) and the days it needs."""
    return next(((w, need) for w, need in PUBLICATION_DAYS if period_days >= w - 1e-9), None)


def publication_check(
    meters: MeterClasses,
    metered: frozenset[str],
    *,
    period_days: float,
    days_in_window: float | None,
    meter_error: MeterError,
) -> dict[str, object]:
    """heatpumpmonitor.org's publication rules: publishable, and each reason it is not."""
    reasons: list[str] = []
    if not meters.mid_metered:
        assumed = [a for a in meters.assumptions if a.startswith(("heat_meter_class", "elec_meter_class"))]
        reasons.append(
            "meter classes not stated (" + "; ".join(assumed) + ")"
            if assumed
            else "not MID metered as heatpumpmonitor.org asks (heat meter class 2 or better, electricity class 1 or "
            f"better): heat {meters.as_report().get('heat_meter_class', meters.heat_source.value)}, electricity "
            f"class {meters.elec_meter_class:g}"
        )
    boundary = boundary_code(metered)
    if boundary != "H4":
        unmetered = " and ".join(f for f in BOUNDARY_FEEDS if f not in metered)
        reasons.append(f"boundary {boundary}, not H4: {unmetered} not metered")
    window = publication_window(period_days)
    if window is None:
        reasons.append(f"period of {period_days:.1f} days: heatpumpmonitor.org publishes 7 days at least")
    elif days_in_window is None:
        reasons.append("no statistics to count the days measured")
    elif days_in_window < window[1]:
        reasons.append(f"{days_in_window:.1f} of the last {window[0]} days measured; {window[1]} needed")
    if meter_error.flagged:
        reasons.append(
            f"heat-meter error: {meter_error.seconds / 3600:.1f} h running with no heat metered "
            f"({meter_error.heat_kwh:.1f} kWh unmetered would move the COP by {meter_error.cop_shift:.2f})"
        )
    return {
        "publishable": not reasons,
        "reasons": reasons,
        "boundary": boundary,
        "mid_metered": meters.mid_metered,
        "days_in_window": days_in_window,
        "window_days": None if window is None else window[0],
        "heat_meter_error": meter_error.as_report(),
    }


def resolution(sampling_interval_s: float) -> dict[str, dict[str, object]]:
    """Per figure: whether samples this far apart can show it, the limit and why."""
    out: dict[str, dict[str, object]] = {}
    for name, (limit_s, why) in RESOLUTION_LIMITS_S.items():
        fine = sampling_interval_s <= limit_s
        reason = None if fine else f"{why}; these are {sampling_interval_s:g} s apart"
        out[name] = {"measurable": fine, "limit_s": limit_s, "reason": reason}
    return out


def apply_resolution(report: dict[str, object], sampling_interval_s: float) -> None:
    """Null, with the reason, each figure of ``report`` its data is too coarse to show (``resolution``
    says for each whether it is measurable; a measurable figure's object is left as it was)."""
    limits = resolution(sampling_interval_s)
    report["resolution"] = limits
    cycling = report.get("cycling")
    if isinstance(cycling, dict) and not limits["cycling"]["measurable"]:
        source = cycling.get("source")
        cycling.clear()
        cycling.update(source=source, measurable=False, reason=limits["cycling"]["reason"])
    defrost = report.get("defrost")
    if isinstance(defrost, dict) and not limits["defrost_events"]["measurable"]:
        for key in ("count", "total_duration_s", "time_share", "events", "heat_kwh", "heat_share"):
            if key in defrost:
                defrost[key] = None
        defrost.update(measurable=False, reason=limits["defrost_events"]["reason"])
