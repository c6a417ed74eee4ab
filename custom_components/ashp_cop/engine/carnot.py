"""How close the unit runs to its thermodynamic limit: the practical (Carnot) efficiency.

COP_Carnot = T_cond / (T_cond - T_evap), temperatures in kelvin, is the COP of an ideal machine
between the condensing and the evaporating temperature; practical efficiency = COP / COP_Carnot
(a real heat pump reaches 0.4 to 0.6 of it).

The refrigerant temperatures are not measured, so they are taken from the water and the air as
heatpumpmonitor.org does for every system it shows ("% of ideal Carnot COP"): condensing
``CONDENSING_OFFSET_K`` = 2 K above the flow temperature, evaporating ``EVAPORATING_OFFSET_K`` =
6 K below the outdoor temperature. Using the same offsets makes the figure comparable with that
field reference; the offsets are reported beside it so that it is never read without them. (The
real approach temperatures depend on the heat exchangers and the load, 1 to 5 K and 4 to 10 K.)

Over a period the figure is weighted by heat, as heatpumpmonitor.org weights it: the sum of each
interval's heat times its practical efficiency over the sum of heat, counted over intervals in
which the unit ran and delivered heat (defrost intervals draw heat back; their cost shows in the
COP, not here). Mean flow and outdoor temperatures are weighted by the same heat: the temperatures
the heat was actually made at, which tell how well weather compensation works.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import date, timedelta

import numpy as np

from .arrays import BoolArray, FloatArray

KELVIN = 273.15
CONDENSING_OFFSET_K = 2.0  # T_cond = flow + 2 K (heatpumpmonitor.org)
EVAPORATING_OFFSET_K = 6.0  # T_evap = outdoor - 6 K (heatpumpmonitor.org)
KEEP_DAYS = 400  # closed days kept: a heating season and the last 365 days


def carnot_cop(flow_temp_c: float | None, outdoor_temp_c: float | None) -> float | None:
    """The ideal COP at these water and air temperatures; None when unknown or not a heat pump's lift."""
    if flow_temp_c is None or outdoor_temp_c is None:
        return None
    cond_k = flow_temp_c + CONDENSING_OFFSET_K + KELVIN
    evap_k = outdoor_temp_c - EVAPORATING_OFFSET_K + KELVIN
    if not (math.isfinite(cond_k) and math.isfinite(evap_k)) or cond_k <= evap_k or evap_k <= 0:
        return None  # no lift (air warmer than the water): the ideal COP is infinite, the ratio meaningless
    return cond_k / (cond_k - evap_k)


def carnot_cop_series(flow_temp_c: FloatArray, outdoor_temp_c: FloatArray) -> FloatArray:
    """Vectorised :func:`carnot_cop`: NaN where it is not defined."""
    cond_k = flow_temp_c + CONDENSING_OFFSET_K + KELVIN
    evap_k = outdoor_temp_c - EVAPORATING_OFFSET_K + KELVIN
    lift_k = cond_k - evap_k
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((lift_k > 0) & (evap_k > 0), cond_k / lift_k, np.nan)


def practical_efficiency(cop: float | None, flow_temp_c: float | None, outdoor_temp_c: float | None) -> float | None:
    """COP / COP_Carnot now; None while the COP or the Carnot COP is not known."""
    ideal = carnot_cop(flow_temp_c, outdoor_temp_c)
    if cop is None or ideal is None or not math.isfinite(cop):
        return None
    return cop / ideal


@dataclass(slots=True)
class CarnotAccount:
    """Heat-weighted sums of one period (kWh and kWh x unit); figures are their ratios."""

    heat_kwh: float = 0.0  # heat of the intervals with a practical efficiency
    heat_efficiency_kwh: float = 0.0  # sum of heat x practical efficiency
    flow_heat_kwh: float = 0.0  # heat of the intervals with a flow temperature
    flow_heat_c_kwh: float = 0.0  # sum of heat x flow temperature
    outdoor_heat_kwh: float = 0.0
    outdoor_heat_c_kwh: float = 0.0

    def add(self, heat_kwh: float, elec_kwh: float, flow_temp_c: float | None, outdoor_temp_c: float | None) -> None:
        """One interval in which the unit ran: its heat, its electricity and its mean temperatures."""
        if not (heat_kwh > 0 and elec_kwh > 0):
            return
        if flow_temp_c is not None and math.isfinite(flow_temp_c):
            self.flow_heat_kwh += heat_kwh
            self.flow_heat_c_kwh += heat_kwh * flow_temp_c
        if outdoor_temp_c is not None and math.isfinite(outdoor_temp_c):
            self.outdoor_heat_kwh += heat_kwh
            self.outdoor_heat_c_kwh += heat_kwh * outdoor_temp_c
        efficiency = practical_efficiency(heat_kwh / elec_kwh, flow_temp_c, outdoor_temp_c)
        if efficiency is not None:
            self.heat_kwh += heat_kwh
            self.heat_efficiency_kwh += heat_kwh * efficiency

    def merge(self, other: CarnotAccount) -> None:
        self.heat_kwh += other.heat_kwh
        self.heat_efficiency_kwh += other.heat_efficiency_kwh
        self.flow_heat_kwh += other.flow_heat_kwh
        self.flow_heat_c_kwh += other.flow_heat_c_kwh
        self.outdoor_heat_kwh += other.outdoor_heat_kwh
        self.outdoor_heat_c_kwh += other.outdoor_heat_c_kwh

    @property
    def practical_efficiency(self) -> float | None:
        return _ratio(self.heat_efficiency_kwh, self.heat_kwh)

    @property
    def mean_flow_temp_c(self) -> float | None:
        return _ratio(self.flow_heat_c_kwh, self.flow_heat_kwh)

    @property
    def mean_outdoor_temp_c(self) -> float | None:
        return _ratio(self.outdoor_heat_c_kwh, self.outdoor_heat_kwh)

    def as_report(self) -> dict[str, float | None]:
        """The ``carnot`` object of ``engine analyze``."""
        return {
            "practical_efficiency": self.practical_efficiency,
            "condensing_offset_k": CONDENSING_OFFSET_K,
            "evaporating_offset_k": EVAPORATING_OFFSET_K,
            "heat_kwh_weighted": self.heat_kwh,
            "mean_flow_temp_c": self.mean_flow_temp_c,
            "mean_outdoor_temp_c": self.mean_outdoor_temp_c,
        }

    def export(self) -> dict[str, float]:
        return asdict(self)

    def restore(self, saved: object) -> None:
        if not isinstance(saved, Mapping):
            return
        for f in fields(self):
            value = saved.get(f.name)
            if isinstance(value, int | float) and math.isfinite(value):
                setattr(self, f.name, float(value))


@dataclass(slots=True)
class CarnotDays:
    """Each closed day's account by local date: the figures of a heating season or of the last 365 days.

    Heat-weighted sums add up, so a period is the sum of its days' accounts (and today's so far). The
    closed days' sum from a date on is kept once made: several sensors ask for a period at every poll,
    and the closed days change once a day (up to 400 of them, 3 us each to add).
    """

    days: dict[date, CarnotAccount] = field(default_factory=dict)
    _closed_since: dict[date, CarnotAccount] = field(default_factory=dict, init=False, repr=False, compare=False)

    def close(self, day: date, account: CarnotAccount) -> None:
        kept = CarnotAccount()
        kept.merge(account)
        self.days[day] = kept
        self.days = {d: a for d, a in self.days.items() if d > day - timedelta(days=KEEP_DAYS)}
        self._closed_since.clear()

    def since(self, first: date, today: CarnotAccount) -> CarnotAccount:
        """The account from local date ``first`` on, today's included (the same sums in the same order)."""
        closed = self._closed_since.get(first)
        if closed is None:
            closed = self._closed_since[first] = CarnotAccount()
            for day, account in self.days.items():
                if day >= first:
                    closed.merge(account)
        total = CarnotAccount()
        total.merge(closed)
        total.merge(today)
        return total

    def export(self) -> dict[str, dict[str, float]]:
        return {day.isoformat(): account.export() for day, account in self.days.items()}

    def restore(self, saved: object) -> None:
        if not isinstance(saved, Mapping):
            return
        for key, values in saved.items():
            try:
                day = date.fromisoformat(str(key))
            except ValueError:
                continue  # damaged: left out, never guessed
            account = CarnotAccount()
            account.restore(values)
            self.days[day] = account
        self._closed_since.clear()


@dataclass(slots=True)
class CarnotBook:
    """The accounts of one scope (all modes together, or one operating mode): lifetime, today, closed days."""

    total: CarnotAccount = field(default_factory=CarnotAccount)
    day: CarnotAccount = field(default_factory=CarnotAccount)
    days: CarnotDays = field(default_factory=CarnotDays)

    def add(self, interval: CarnotAccount) -> None:
        self.total.merge(interval)
        self.day.merge(interval)

    def close_day(self, day: date) -> None:
        """Keep the local day ``day``'s account and start today's from nothing."""
        self.days.close(day, self.day)
        self.day = CarnotAccount()

    def since(self, first: date) -> CarnotAccount:
        """The account from local date ``first`` on, today's included."""
        return self.days.since(first, self.day)

    def export(self) -> dict[str, object]:
        return {"total": self.total.export(), "day": self.day.export(), "days": self.days.export()}

    def restore(self, saved: object) -> None:
        if not isinstance(saved, Mapping):
            return
        self.total.restore(saved.get("total"))
        self.day.restore(saved.get("day"))
        self.days.restore(saved.get("days"))


def carnot_account(
    heat_wh: FloatArray,
    elec_wh: FloatArray,
    flow_temp_c: FloatArray | None,
    outdoor_temp_c: FloatArray | None,
    selection: BoolArray,
) -> CarnotAccount:
    """The account of the selected intervals (energies in Wh per interval; temperatures are interval means).

    ``selection`` picks the intervals that belong to the period (or to one operating mode), so a
    breakdown is one call per selection; intervals without heat or running electricity never count.
    """
    account = CarnotAccount()
    # Only the intervals that count are taken (a mode's selection is a small part of a long series): the
    # same values in the same order as masking the whole arrays, so the same sums to the last bit.
    ran = np.flatnonzero(selection & np.isfinite(heat_wh) & np.isfinite(elec_wh) & (heat_wh > 0) & (elec_wh > 0))
    heat_kwh, elec_kwh = heat_wh[ran] / 1000.0, elec_wh[ran] / 1000.0
    flow = None if flow_temp_c is None else flow_temp_c[ran]
    outdoor = None if outdoor_temp_c is None else outdoor_temp_c[ran]
    for temps, weight_name, sum_name in ((flow, "flow_heat_kwh", "flow_heat_c_kwh"),
                                         (outdoor, "outdoor_heat_kwh", "outdoor_heat_c_kwh")):  # fmt: skip
        if temps is not None:
            known = np.isfinite(temps)
            setattr(account, weight_name, float(heat_kwh[known].sum()))
            setattr(account, sum_name, float((heat_kwh[known] * temps[known]).sum()))
    if flow is not None and outdoor is not None:
        ideal = carnot_cop_series(flow, outdoor)
        known = np.isfinite(ideal)
        efficiency = heat_kwh[known] / elec_kwh[known] / ideal[known]
        account.heat_kwh = float(heat_kwh[known].sum())
        account.heat_efficiency_kwh = float((heat_kwh[known] * efficiency).sum())
    return account


def interval_means(samples: FloatArray | None) -> FloatArray | None:
    """The mean of each interval's two end samples (NaN where either is missing)."""
    return None if samples is None else 0.5 * (samples[:-1] + samples[1:])


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 1e-12 else None
