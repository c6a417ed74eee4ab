"""A plant of several heat pumps and the loads they share (circulation pumps, controls).

Plant COP = all heat delivered / all electricity, the shared loads included:

    SPF_plant = sum_units Q_net,unit / (sum_units E_unit + E_shared)

with each unit's own SPF beside it. Every figure counts from the moment the plant was set up: a
unit's totals at that moment are its baseline, so a heat pump that ran for years before is not mixed
with shared loads counted for a week.

The plant keeps totals of its own, counted over joint spans (spans.py): each unit's lifetime totals
(themselves counted over the unit's joint spans) and each shared load are channels, and a span
counts once every channel has a reading. A unit that is not loaded (Home Assistant still starting,
the entry reloading) leaves the span open; its totals catch up when it is back, paired with what the
shared loads measured meanwhile. The totals are saved and restored, so a restart never shows 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .cop import period_cop
from .counters import CounterEvent, MeterCounter, Outcome
from .spans import PowerChannel, Span, SpanBrokenError, after_credits, finite

WH_PER_KWH = 1000.0
SHARED_POWER = "shared_power"
_TOTALS = ("heat_kwh", "defrost_heat_kwh", "elec_units_kwh", "shared_kwh")


@dataclass(frozen=True, slots=True)
class UnitReading:
    """One unit's lifetime totals (heat delivered, heat drawn back, all its electricity) and powers now."""

    heat_kwh: float
    elec_kwh: float
    defrost_heat_kwh: float = 0.0
    heat_w: float | None = None
    elec_w: float | None = None


@dataclass(slots=True)
class PlantTotals:
    """The plant's totals (kWh) since it was set up; never decreasing."""

    heat_kwh: float = 0.0
    defrost_heat_kwh: float = 0.0
    elec_units_kwh: float = 0.0
    shared_kwh: float = 0.0

    @property
    def net_heat_kwh(self) -> float:
        return self.heat_kwh - self.defrost_heat_kwh

    @property
    def elec_kwh(self) -> float:
        return self.elec_units_kwh + self.shared_kwh


def _unit_buckets(unit_id: str) -> tuple[str, str, str]:
    return f"unit:{unit_id}:heat", f"unit:{unit_id}:defrost", f"unit:{unit_id}:elec"


@dataclass(slots=True)
class PlantLedger:
    """The plant's channels (its units, the shared powers' sum, each shared counter) and totals."""

    unit_ids: tuple[str, ...] = ()
    shared_power: bool = False  # shared loads measured as powers: their sum is one channel
    shared_counter_keys: tuple[str, ...] = ()
    max_gap_s: float = 900.0
    totals: PlantTotals = field(default_factory=PlantTotals)
    # each unit's net heat and electricity counted by the plant (for the unit's SPF beside the plant's)
    unit_totals: dict[str, tuple[float, float]] = field(default_factory=dict)
    units: dict[str, UnitReading] = field(default_factory=dict)  # the latest reading of each loaded unit
    shared_power_w: float | None = None
    counters: dict[str, MeterCounter] = field(default_factory=dict)
    _last_units: dict[str, UnitReading] = field(default_factory=dict)  # last reading of each unit, loaded or not
    _power: PowerChannel = field(default_factory=PowerChannel)
    _span: Span = field(default_factory=lambda: Span(_TOTALS))
    _credits: dict[str, float] = field(default_factory=dict)

    def channels(self) -> set[str]:
        keys = set(self.unit_ids) | set(self.shared_counter_keys)
        return keys | {SHARED_POWER} if self.shared_power else keys

    def update(
        self,
        now_s: float,
        units: Mapping[str, UnitReading],
        shared_power_w: float | None = None,
        shared_counters_kwh: Mapping[str, tuple[float, float] | None] | None = None,
    ) -> None:
        """One poll: the loaded units' totals, the shared powers' sum (None: not all read) and counters.

        Each shared counter's reading is (kWh, when the source took it), or None.
        """
        self.units = {unit_id: reading for unit_id, reading in units.items() if unit_id in self.unit_ids}
        self.shared_power_w = shared_power_w if self.shared_power else None
        present: set[str] = set()
        for unit_id, reading in self.units.items():
            present.add(unit_id)
            self._add_unit(unit_id, reading)
        if self.shared_power:
            try:
                interval = self._power.step(now_s, self.shared_power_w, self.max_gap_s)
            except SpanBrokenError:
                self._span.break_at(SHARED_POWER, now_s)
                interval = None
            if self.shared_power_w is not None:
                present.add(SHARED_POWER)
            if interval is not None:
                start_w, end_w, dt_s = interval
                self._span.add("shared_kwh", max(0.0, 0.5 * (start_w + end_w) * dt_s / 3600.0 / WH_PER_KWH))
        readings = shared_counters_kwh or {}
        held: set[str] = set()
        for key in self.shared_counter_keys:
            value, taken_at = readings.get(key) or (None, None)
            step = self.counters.setdefault(key, MeterCounter()).observe(value, now_s, taken_at)
            if step.outcome is Outcome.HELD:
                held.add(key)
            elif step.outcome is Outcome.ACCEPTED or (
                step.outcome is Outcome.NEW_SERIES
                and step.series_start_s is not None
                and self._span.restart_at(step.series_start_s, key)
            ):
                # a confirmed new series pairs with what the units counted since its first reading
                # (live.py does the same for a heat pump's counters)
                present.add(key)
                self._span.add("shared_kwh", step.increase_kwh)
            elif step.outcome is Outcome.NEW_SERIES and step.from_zero_kwh is not None:
                present.add(key)  # restarted from zero right after its last reading: low by part of a poll
                self._span.add("shared_kwh", step.from_zero_kwh)
            elif step.outcome in (Outcome.FIRST, Outcome.NEW_SERIES):
                present.add(key)
                self._span.break_at(key, now_s)
        channels = self.channels()
        if held and channels <= present | held:
            self._span.note_cut(now_s, frozenset(held))
        every_channel = bool(channels) and channels <= present
        counted = self._span.settle(now_s, channels, present)
        if counted is not None:
            self._commit(counted)
        elif every_channel:
            self._credits.clear()

    def _add_unit(self, unit_id: str, reading: UnitReading) -> None:
        last = self._last_units.get(unit_id)
        self._last_units[unit_id] = reading
        heat, defrost, elec = _unit_buckets(unit_id)
        if last is None:
            self._span.break_at(unit_id, 0.0)  # the plant's baseline of this unit
            return
        increases = (reading.heat_kwh - last.heat_kwh, reading.defrost_heat_kwh - last.defrost_heat_kwh,
                     reading.elec_kwh - last.elec_kwh)  # fmt: skip
        if min(increases) < 0:
            self._span.break_at(unit_id, 0.0)  # the unit's totals started again (its storage was lost)
            return
        for bucket, kwh in zip((heat, defrost, elec), increases, strict=True):
            self._span.add(bucket, kwh)

    def _commit(self, energy: dict[str, float]) -> None:
        credits, self._credits = self._credits, {}
        units: dict[str, list[float]] = {}
        for bucket, kwh in energy.items():
            if bucket.startswith("unit:"):
                _, unit_id, part = bucket.split(":")
                units.setdefault(unit_id, [0.0, 0.0, 0.0])[("heat", "defrost", "elec").index(part)] += kwh
        sums = {
            "heat_kwh": sum(u[0] for u in units.values()),
            "defrost_heat_kwh": sum(u[1] for u in units.values()),
            "elec_units_kwh": sum(u[2] for u in units.values()),
            "shared_kwh": energy.get("shared_kwh", 0.0),
        }
        for name, kwh in after_credits(sums, credits).items():
            setattr(self.totals, name, getattr(self.totals, name) + kwh)
        for unit_id, (heat, defrost, elec) in units.items():
            net, unit_elec = self.unit_totals.get(unit_id, (0.0, 0.0))
            self.unit_totals[unit_id] = (net + heat - defrost, unit_elec + elec)

    # -- figures -----------------------------------------------------------------------------------
    @property
    def heat_kwh(self) -> float:
        return self.totals.heat_kwh

    @property
    def elec_kwh(self) -> float:
        return self.totals.elec_kwh

    @property
    def spf(self) -> float | None:
        return period_cop(self.totals.net_heat_kwh, self.totals.elec_kwh)

    def unit_spf(self, unit_id: str) -> float | None:
        return period_cop(*self.unit_totals.get(unit_id, (0.0, 0.0)))

    @property
    def cop(self) -> float | None:
        """All units' heat power over all electric power now, the shared loads included."""
        heat = [u.heat_w for u in self.units.values() if u.heat_w is not None]
        elec = [u.elec_w for u in self.units.values() if u.elec_w is not None]
        if not heat or not elec:
            return None
        total_elec = sum(elec) + (self.shared_power_w or 0.0)
        return None if total_elec <= 0 or sum(heat) <= 0 else sum(heat) / total_elec

    def take_counter_events(self) -> list[tuple[str, CounterEvent]]:
        return [(key, event) for key, counter in self.counters.items() for event in counter.take_new_events()]

    # -- restore -----------------------------------------------------------------------------------
    def adopt_shown(self, shown: Mapping[str, float]) -> dict[str, float]:
        """Raise totals to values already shown before an unclean stop (see LiveHeatPump.adopt_shown).

        Units' totals and shared counters replay what they measured while the plant was down, so the
        rise is a credit the first counted span absorbs; shared powers cannot, and break that span.
        """
        raised: dict[str, float] = {}
        for name, value in shown.items():
            current = getattr(self.totals, name, None)
            if current is None or not value > current:
                continue
            setattr(self.totals, name, value)
            raised[name] = value - current
            self._credits[name] = value - current
        return raised

    def export(self) -> dict[str, object]:
        return {
            "totals": {name: getattr(self.totals, name) for name in _TOTALS},
            "unit_totals": {k: list(v) for k, v in self.unit_totals.items()},
            "units": {k: [r.heat_kwh, r.defrost_heat_kwh, r.elec_kwh] for k, r in self._last_units.items()},
            "counters": {key: counter.export() for key, counter in self.counters.items()},
            "span": self._span.export(),
        }

    def restore(self, saved: Mapping[str, object]) -> None:
        """Continue from :meth:`export`; damaged parts are ignored, never guessed."""
        totals = saved.get("totals")
        if isinstance(totals, Mapping):
            for name in _TOTALS:
                value = finite(totals.get(name))
                if value is not None and value >= 0:
                    setattr(self.totals, name, value)
        for key, target in (("unit_totals", self.unit_totals), ("units", None)):
            pairs = saved.get(key)
            if not isinstance(pairs, Mapping):
                continue
            for unit_id, values in pairs.items():
                numbers = [finite(v) for v in values] if isinstance(values, list) else []
                if not numbers or any(n is None or n < 0 for n in numbers):
                    continue
                clean = [float(n) for n in numbers if n is not None]
                if target is not None and len(clean) == 2:
                    target[str(unit_id)] = (clean[0], clean[1])
                elif target is None and len(clean) == 3:
                    self._last_units[str(unit_id)] = UnitReading(clean[0], clean[2], clean[1])
        counters = saved.get("counters")
        if isinstance(counters, Mapping):
            for key, state in counters.items():
                if isinstance(state, Mapping):
                    self.counters[str(key)] = MeterCounter.restore(state)
        self._span.restore(saved.get("span"))
