"""Meter counters read over an imperfect link: what a counter really counted between two readings.

A cumulative energy counter only goes up. What arrives over Modbus or from another integration does
not always: a float register rounds, a meter dips by a digit while it re-averages, a bus error or a
gateway's default answer reads 0 or 5e8 for a poll, and a meter gets reset or replaced. Each reading
is judged against the series so far:

* a decrease within the meter's noise (its resolution, learnt from its own readings) is no change;
* an increase is taken when the unit could have delivered it since the previous reading: at most
  ``max_rate_kw`` (three times the highest rate seen over at least ``RATE_WINDOW_S``, and never less
  than ``DEFAULT_MAX_RATE_KW``), plus one resolution step for a coarse meter;
* anything else starts a *candidate* series. A reading that fits the old series again shows the
  candidate was a glitch: it is forgotten (unless the candidate has been counting on through
  ``CONFIRM_READINGS`` readings and merely climbed back past the old value: a reset from a small
  value). Once ``CONFIRM_READINGS`` readings over at least ``CONFIRM_S`` carry on from the
  candidate, the meter was reset or replaced (or its series jumped for good): the new series counts
  from its first reading on. What the meter counted between the old series' last reading and the
  new one's first is not known, and is never guessed.

Nothing is counted while a candidate is pending, so a glitch never enters a total, and every
change of series is kept as an event for diagnostics and the log.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum

# A real series change is confirmed by this many readings spread over at least this long; a glitch
# (a meter rebooting, a gateway answering 0 for a few polls) is over well within it.
CONFIRM_READINGS = 3
CONFIRM_S = 300.0
# No air-source unit this integration meters delivers more; a larger unit teaches its own rate.
DEFAULT_MAX_RATE_KW = 50.0
RATE_MARGIN = 3.0
# The rate of a series is learnt over intervals at least this long: over one poll, one resolution
# step of a coarse meter looks like a huge power. A learnt rate is capped: garbage that rises fast
# must not teach the counter to accept anything.
RATE_WINDOW_S = 600.0
MAX_LEARNT_RATE_KW = 1000.0
MIN_NOISE_KWH = 0.01
# float32 registers carry 24 significant bits: a counter of 1e5 kWh moves in steps of ~0.008 kWh.
RELATIVE_NOISE = 1e-6
MAX_EVENTS = 20
# A reset whose new series is first read within this of the old one's last reading leaves at most
# this long of the meter's energy unknown (two polls at the slowest usual interval).
RESET_GAP_S = 120.0


def rate_limit_kw(seen_kw: float) -> float:
    """The highest rate a counter may rise at: a margin over the highest rate seen, never below the default."""
    return max(DEFAULT_MAX_RATE_KW, RATE_MARGIN * seen_kw)


class Outcome(StrEnum):
    """What one reading did to the counter."""

    ACCEPTED = "accepted"  # part of the series: its increase (possibly 0) is counted
    FIRST = "first"  # the first reading: a baseline, nothing counted yet
    HELD = "held"  # off the series: waiting to see whether it is a glitch or a new series
    NEW_SERIES = "new_series"  # a reset, replacement or lasting jump confirmed (see Step.series_start_s)
    MISSING = "missing"  # no usable reading


@dataclass(frozen=True, slots=True)
class Step:
    """The result of one reading: the outcome, and the energy it added (kWh) over ``dt_s``.

    For NEW_SERIES, ``increase_kwh`` is what the new series counted from its first reading, taken at
    ``series_start_s``, to this one: measured, and countable from there on. Between the old series'
    last reading and the new one's first, nothing is known.
    """

    outcome: Outcome
    increase_kwh: float = 0.0
    dt_s: float = 0.0
    series_start_s: float | None = None
    # A reset to zero seen at the first poll after the old series' last reading: the new series counted
    # from zero, so this much is measured since the reset; only the part of one poll before it is not.
    from_zero_kwh: float | None = None


@dataclass(slots=True)
class CounterEvent:
    """A change of series or an ignored glitch, for diagnostics."""

    time_s: float
    kind: str  # "glitch_ignored", "reset", "replaced", "jump"
    before: float
    after: float


@dataclass(slots=True)
class _Candidate:
    first_value: float
    first_s: float
    last_value: float
    last_s: float
    readings: int = 1


@dataclass(slots=True)
class MeterCounter:
    """One cumulative counter (kWh), judged reading by reading; exported and restored as a dict."""

    last_value: float | None = None
    last_s: float | None = None
    last_taken_at: float | None = None  # when the source took the last reading (tells a reading seen twice)
    resolution_kwh: float | None = None
    max_rate_seen_kw: float = 0.0
    candidate: _Candidate | None = None
    events: list[CounterEvent] = field(default_factory=list)
    _rate_from: tuple[float, float] | None = None  # (time, value) the current rate window started at
    _new_events: list[CounterEvent] = field(default_factory=list)

    # -- limits --------------------------------------------------------------------------------
    @property
    def max_rate_kw(self) -> float:
        return rate_limit_kw(self.max_rate_seen_kw)

    def _step_kwh(self) -> float:
        return self.resolution_kwh if self.resolution_kwh is not None else MIN_NOISE_KWH

    def noise_kwh(self, around: float) -> float:
        return max(MIN_NOISE_KWH, self._step_kwh(), RELATIVE_NOISE * abs(around))

    def allowed_kwh(self, dt_s: float, around: float) -> float:
        """The largest increase the unit could have delivered in ``dt_s``, plus one step of the meter."""
        return self.max_rate_kw * max(dt_s, 0.0) / 3600.0 + self.noise_kwh(around)

    def _fits(self, value: float, base: float, base_s: float, now_s: float) -> bool:
        return base - self.noise_kwh(base) <= value <= base + self.allowed_kwh(now_s - base_s, base)

    # -- readings --------------------------------------------------------------------------------
    def observe(self, value: float | None, now_s: float, taken_at_s: float | None = None) -> Step:
        """Judge one reading (None: no reading this time) at poll time ``now_s``.

        Rates are judged on the poll clock; ``taken_at_s`` (when the source took the reading) only
        tells a reading seen again, as when a sensor updates less often than it is polled.
        """
        if value is None or not math.isfinite(value) or value < 0:
            return Step(Outcome.MISSING)
        repeated = taken_at_s is not None and taken_at_s == self.last_taken_at
        self.last_taken_at = taken_at_s
        if repeated and self.last_value is not None and self.candidate is None:
            return Step(Outcome.ACCEPTED)  # the same reading seen again: nothing new
        if repeated and self.candidate is not None:
            return Step(Outcome.HELD)
        self._learn_resolution(value)
        if self.last_value is None or self.last_s is None:
            self._start_series(value, now_s)
            return Step(Outcome.FIRST)
        if now_s <= self.last_s and self.candidate is None:
            return Step(Outcome.ACCEPTED)
        if self.candidate is not None:
            return self._judge_candidate(value, now_s)
        if self._fits(value, self.last_value, self.last_s, now_s):
            return self._accept(value, now_s)
        self.candidate = _Candidate(value, now_s, value, now_s)
        return Step(Outcome.HELD)

    def _accept(self, value: float, taken_at_s: float) -> Step:
        assert self.last_value is not None and self.last_s is not None
        increase = max(0.0, value - self.last_value)  # a dip within the noise counts as no change
        dt_s = taken_at_s - self.last_s
        self.last_value = max(value, self.last_value)
        self.last_s = taken_at_s
        self._learn_rate(taken_at_s, self.last_value)
        return Step(Outcome.ACCEPTED, increase, dt_s)

    def _judge_candidate(self, value: float, taken_at_s: float) -> Step:
        candidate = self.candidate
        assert candidate is not None and self.last_value is not None and self.last_s is not None
        if taken_at_s <= candidate.last_s:
            return Step(Outcome.HELD)
        if self._fits(value, self.last_value, self.last_s, taken_at_s) and not self._climbs_on(
            candidate, value, taken_at_s
        ):
            self._record(taken_at_s, "glitch_ignored", self.last_value, candidate.first_value)
            self.candidate = None
            return self._accept(value, taken_at_s)
        if value < candidate.last_value - self.noise_kwh(candidate.last_value):
            self.candidate = _Candidate(value, taken_at_s, value, taken_at_s)  # off both series: start over
            return Step(Outcome.HELD)
        candidate.readings += 1
        candidate.last_value = max(candidate.last_value, value)
        candidate.last_s = taken_at_s
        if candidate.readings < CONFIRM_READINGS or taken_at_s - candidate.first_s < CONFIRM_S:
            return Step(Outcome.HELD)
        kind = "jump" if candidate.first_value > self.last_value else (
            "reset" if candidate.first_value <= self.allowed_kwh(candidate.first_s - self.last_s, 0.0) else "replaced"
        )  # fmt: skip
        self._record(taken_at_s, kind, self.last_value, candidate.first_value)
        from_zero = candidate.last_value if kind == "reset" and candidate.first_s - self.last_s <= RESET_GAP_S else None
        # the new series shows the rate its meter really counts at (a unit larger than the default limit)
        span_s = candidate.last_s - candidate.first_s  # at least CONFIRM_S
        rate = (candidate.last_value - candidate.first_value) * 3600.0 / span_s
        self.max_rate_seen_kw = max(self.max_rate_seen_kw, min(rate, MAX_LEARNT_RATE_KW))
        self.candidate = None
        self._start_series(candidate.last_value, candidate.last_s)
        increase = max(0.0, candidate.last_value - candidate.first_value)
        return Step(Outcome.NEW_SERIES, increase, span_s, candidate.first_s, from_zero)

    def _climbs_on(self, candidate: _Candidate, value: float, taken_at_s: float) -> bool:
        """Whether a reading that fits the old series again is rather the candidate counting on.

        A glitch comes back in a poll or two and does not count meanwhile; a meter reset from a small
        value (a simulator or a new meter restarted with the plant) climbs back through the old value
        at a rate the unit can deliver. Taking that for a glitch would drop all it counted.
        """
        climbed = candidate.last_value - candidate.first_value > self.noise_kwh(candidate.last_value)
        return (
            candidate.readings >= CONFIRM_READINGS
            and climbed
            and self._fits(value, candidate.last_value, candidate.last_s, taken_at_s)
        )

    def _start_series(self, value: float, taken_at_s: float) -> None:
        self.last_value, self.last_s = value, taken_at_s
        self._rate_from = (taken_at_s, value)

    def _learn_resolution(self, value: float) -> None:
        """The meter's step: the finest decimal it shows (a whole-kWh meter steps by 1 kWh)."""
        for decimals in range(7):
            step = 10.0**-decimals
            if abs(value - round(value, decimals)) < 1e-9 * max(1.0, abs(value)):
                break
        else:
            step = 1e-6
        step = min(step, 1.0)
        if self.resolution_kwh is None or step < self.resolution_kwh:
            self.resolution_kwh = step

    def _learn_rate(self, now_s: float, value: float) -> None:
        if self._rate_from is None:
            self._rate_from = (now_s, value)
            return
        start_s, start_value = self._rate_from
        if now_s - start_s >= RATE_WINDOW_S:
            rate = (value - start_value) * 3600.0 / (now_s - start_s)
            if rate <= self.max_rate_kw:  # a learnt rate never vouches for itself beyond the limit
                self.max_rate_seen_kw = max(self.max_rate_seen_kw, rate)
            self._rate_from = (now_s, value)

    def _record(self, time_s: float, kind: str, before: float, after: float) -> None:
        event = CounterEvent(time_s, kind, before, after)
        self.events = [*self.events, event][-MAX_EVENTS:]
        self._new_events.append(event)

    def take_new_events(self) -> list[CounterEvent]:
        """Events since the last call (the Home Assistant layer logs them once)."""
        events, self._new_events = self._new_events, []
        return events

    # -- restore -----------------------------------------------------------------------------------
    def export(self) -> dict[str, object]:
        return {
            "last_value": self.last_value,
            "last_s": self.last_s,
            "last_taken_at": self.last_taken_at,
            "resolution_kwh": self.resolution_kwh,
            "max_rate_seen_kw": self.max_rate_seen_kw,
            "events": [asdict(event) for event in self.events],
        }

    @classmethod
    def restore(cls, saved: Mapping[str, object]) -> MeterCounter:
        """A counter continuing from :meth:`export`; damaged fields are dropped, never guessed."""
        counter = cls()
        value, taken = _finite(saved.get("last_value")), _finite(saved.get("last_s"))
        if value is not None and value >= 0 and taken is not None:
            counter._start_series(value, taken)
            counter.last_taken_at = _finite(saved.get("last_taken_at"))
        resolution = _finite(saved.get("resolution_kwh"))
        if resolution is not None and 0 < resolution <= 1:
            counter.resolution_kwh = resolution
        rate = _finite(saved.get("max_rate_seen_kw"))
        if rate is not None and rate >= 0:
            counter.max_rate_seen_kw = rate
        events = saved.get("events")
        if isinstance(events, list):
            for item in events[-MAX_EVENTS:]:
                if isinstance(item, Mapping):
                    parts = [_finite(item.get(k)) for k in ("time_s", "before", "after")]
                    if all(p is not None for p in parts) and isinstance(item.get("kind"), str):
                        counter.events.append(CounterEvent(parts[0], str(item["kind"]), parts[1], parts[2]))  # type: ignore[arg-type]
        return counter


def _finite(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)
