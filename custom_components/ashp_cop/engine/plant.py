"""A plant of several heat pumps and the loads they share (circulation pumps, controls).

Plant COP = all heat delivered / all electricity, the shared loads included:

    SPF_plant = sum_units Q_unit / (sum_units E_unit + E_shared)

with each unit's own SPF beside it. Every figure counts from the moment the
plant was set up: a unit's totals at that moment are kept as its baseline,
so a heat pump that ran for years before is not mixed with shared loads
counted for a week.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from .cop import period_cop
from .energy import EnergyIntegrator, counter_increase

WH_PER_KWH = 1000.0


@dataclass(frozen=True, slots=True)
class UnitReading:
    """One unit's lifetime totals and present powers."""

    heat_kwh: float
    elec_kwh: float
    heat_w: float | None = None
    elec_w: float | None = None


@dataclass(slots=True)
class SharedLoads:
    """Energy of the shared loads: meter counters where bound (reset-aware), plus integrated power."""

    total_kwh: float = 0.0
    counters: dict[str, float] = field(default_factory=dict)
    _power: EnergyIntegrator | None = None

    def update(self, now_s: float, powers_w: list[float], counters_kwh: Mapping[str, float], max_gap_s: float) -> None:
        for key, value in counters_kwh.items():
            if math.isfinite(value) and value >= 0:
                self.total_kwh += counter_increase(self.counters.get(key), value) or 0.0
                self.counters[key] = value
        if self._power is None or self._power.max_gap_s != max_gap_s:
            self._power = EnergyIntegrator(max_gap_s)
        self.total_kwh += self._power.add(now_s, sum(powers_w) if powers_w else None) / WH_PER_KWH


@dataclass(slots=True)
class PlantLedger:
    baselines: dict[str, tuple[float, float]] = field(default_factory=dict)
    shared: SharedLoads = field(default_factory=SharedLoads)
    units: dict[str, UnitReading] = field(default_factory=dict)
    shared_power_w: float | None = None

    def update(
        self,
        now_s: float,
        units: Mapping[str, UnitReading],
        shared_powers_w: list[float],
        shared_counters_kwh: Mapping[str, float],
        max_gap_s: float = 900.0,
    ) -> None:
        for unit_id, reading in units.items():
            self.baselines.setdefault(unit_id, (reading.heat_kwh, reading.elec_kwh))
        self.units = dict(units)
        self.shared.update(now_s, shared_powers_w, shared_counters_kwh, max_gap_s)
        self.shared_power_w = sum(shared_powers_w) if shared_powers_w else None

    def unit_energies(self, unit_id: str) -> tuple[float, float]:
        """(heat, electricity) of one unit since the plant was set up; never negative."""
        reading = self.units.get(unit_id)
        if reading is None:
            return 0.0, 0.0
        heat0, elec0 = self.baselines.get(unit_id, (reading.heat_kwh, reading.elec_kwh))
        return max(0.0, reading.heat_kwh - heat0), max(0.0, reading.elec_kwh - elec0)

    @property
    def heat_kwh(self) -> float:
        return sum(self.unit_energies(u)[0] for u in self.units)

    @property
    def elec_kwh(self) -> float:
        return sum(self.unit_energies(u)[1] for u in self.units) + self.shared.total_kwh

    @property
    def spf(self) -> float | None:
        return period_cop(self.heat_kwh, self.elec_kwh)

    def unit_spf(self, unit_id: str) -> float | None:
        return period_cop(*self.unit_energies(unit_id))

    @property
    def cop(self) -> float | None:
        """All units' heat power over all electric power now, the shared loads included."""
        heat = [u.heat_w for u in self.units.values() if u.heat_w is not None]
        elec = [u.elec_w for u in self.units.values() if u.elec_w is not None]
        if not heat or not elec:
            return None
        total_elec = sum(elec) + (self.shared_power_w or 0.0)
        return None if total_elec <= 0 or sum(heat) <= 0 else sum(heat) / total_elec

    def export(self) -> dict[str, object]:
        return {"baselines": {k: list(v) for k, v in self.baselines.items()}, "shared_kwh": self.shared.total_kwh,
                "counters": dict(self.shared.counters)}  # fmt: skip

    def restore(self, saved: Mapping[str, object]) -> None:
        baselines = saved.get("baselines")
        if isinstance(baselines, Mapping):
            for key, pair in baselines.items():
                if isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, int | float) for v in pair):
                    self.baselines[str(key)] = (float(pair[0]), float(pair[1]))
        shared = saved.get("shared_kwh")
        if isinstance(shared, int | float) and math.isfinite(shared) and shared >= 0:
            self.shared.total_kwh = float(shared)
        counters = saved.get("counters")
        if isinstance(counters, Mapping):
            self.shared.counters = {str(k): float(v) for k, v in counters.items() if isinstance(v, int | float)}
