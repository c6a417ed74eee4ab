"""A heat pump followed live, reading by reading: the streaming twin of analyze.

The Home Assistant layer feeds one :class:`Snapshot` per poll (each role's
value with the time it was taken); this class turns them into powers,
never-decreasing energy totals, COPs and defrost accounting. It keeps no
Home Assistant state, so it is tested on its own and restored from a dict.

Energy of a role comes from its meter's counter where one is bound (a meter
integrates far faster than any poll) and otherwise from the trapezoid rule
over the polled power (energy.py), never across a gap longer than
``max_gap_s``. A counter that goes backwards was reset or replaced: the new
reading counts from zero, so totals never go backwards.

A heat meter's counter holds heating energy only (EN 1434 meters register
heat while T_flow > T_return), so the heat drawn back during defrosts,
integrated from the signed heat power, is subtracted to give net heat.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum

import numpy as np

from .cop import DEFAULT_ROLLING_WINDOW_S, DEFAULT_RUNNING_THRESHOLD_W, RollingCop, instantaneous_cop, period_cop
from .defrost import DEFAULT_ENTER_DELTA_K, DEFAULT_EXIT_DELTA_K
from .energy import counter_increase
from .errors import EngineInputError
from .heat import HeatCircuit, heat_power_w
from .simultaneity import DEFAULT_MAX_SKEW_S, check_simultaneous
from .spf import EnergyBalance

WH_PER_KWH = 1000.0
DEFAULT_MAX_GAP_S = 900.0


class Role(StrEnum):
    """What a bound measurement means for the heat pump."""

    FLOW_TEMP = "flow_temp_c"
    RETURN_TEMP = "return_temp_c"
    FLOW_RATE = "flow_m3h"
    HEAT_POWER = "heat_power_w"
    HEAT_ENERGY = "heat_energy_kwh"
    ELEC_POWER = "elec_power_w"
    ELEC_ENERGY = "elec_energy_kwh"
    BACKUP_POWER = "backup_power_w"
    BACKUP_ENERGY = "backup_energy_kwh"
    PUMP_POWER = "pump_power_w"
    PUMP_ENERGY = "pump_energy_kwh"
    OUTDOOR_TEMP = "outdoor_temp_c"
    DEFROST = "defrost"


@dataclass(frozen=True, slots=True)
class Measurement:
    value: float
    taken_at: float


Snapshot = Mapping[Role, Measurement]


@dataclass(frozen=True, slots=True)
class LiveSettings:
    circuit: HeatCircuit = field(default_factory=HeatCircuit)
    running_threshold_w: float = DEFAULT_RUNNING_THRESHOLD_W
    rolling_window_s: float = DEFAULT_ROLLING_WINDOW_S
    max_skew_s: float = DEFAULT_MAX_SKEW_S
    max_gap_s: float = DEFAULT_MAX_GAP_S
    backup_heat_metered: bool = True


@dataclass(slots=True)
class Totals:
    """Cumulative figures (kWh, s, count); restored across restarts, never decreasing."""

    heat_kwh: float = 0.0
    defrost_heat_kwh: float = 0.0
    elec_running_kwh: float = 0.0
    elec_standby_kwh: float = 0.0
    backup_kwh: float = 0.0
    pumps_kwh: float = 0.0
    defrost_count: int = 0
    defrost_s: float = 0.0
    running_s: float = 0.0

    @property
    def elec_unit_kwh(self) -> float:
        return self.elec_running_kwh + self.elec_standby_kwh

    def balance(self, backup_heat_metered: bool) -> EnergyBalance:
        return EnergyBalance(self.heat_kwh, self.elec_running_kwh, self.elec_standby_kwh, self.backup_kwh,
                             self.pumps_kwh, backup_heat_metered)  # fmt: skip


@dataclass(slots=True)
class _Point:
    """One poll's powers and states, the end of one interval and the start of the next."""

    time_s: float
    heat_w: float | None
    elec_w: float | None
    backup_w: float | None
    pump_w: float | None
    running: bool | None  # None: not known (restored after a restart)
    defrost: bool


class LiveHeatPump:
    """Everything the entities of one heat pump show, updated one snapshot at a time."""

    def __init__(self, settings: LiveSettings | None = None) -> None:
        self.settings = settings or LiveSettings()
        self.totals = Totals()
        self.day = Totals()
        self.heat_power_w: float | None = None
        self.elec_power_w: float | None = None
        self.cop: float | None = None
        self.running = False
        self.defrost_active = False
        self.problem: str | None = None
        self._rolling = RollingCop(self.settings.rolling_window_s)
        self._previous: _Point | None = None
        self._counters: dict[str, float] = {}

    # -- restore -------------------------------------------------------------
    def export(self) -> dict[str, object]:
        """What must survive a restart (totals, the day so far, last counter readings)."""
        last = None if self._previous is None else self._previous.time_s
        return {
            "totals": asdict(self.totals),
            "day": asdict(self.day),
            "counters": dict(self._counters),
            "time_s": last,
        }

    def restore(self, saved: Mapping[str, object]) -> None:
        """Continue from :meth:`export`; unknown or damaged parts are ignored, never guessed."""
        for name, target in (("totals", self.totals), ("day", self.day)):
            values = saved.get(name)
            if isinstance(values, Mapping):
                for key, value in values.items():
                    if hasattr(target, key) and isinstance(value, int | float) and math.isfinite(value) and value >= 0:
                        setattr(target, key, type(getattr(target, key))(value))
        counters = saved.get("counters")
        if isinstance(counters, Mapping):
            self._counters = {k: float(v) for k, v in counters.items() if isinstance(v, int | float)}
        last = saved.get("time_s")
        if isinstance(last, int | float) and math.isfinite(last):
            # Meter counters kept counting while we were down: the first reading
            # after the restart closes the interval from here.
            self._previous = _Point(float(last), None, None, None, None, None, False)

    def start_day(self) -> None:
        self.day = Totals()

    # -- figures ---------------------------------------------------------------
    @property
    def rolling_cop(self) -> float | None:
        return self._rolling.value

    @property
    def daily_cop(self) -> float | None:
        return period_cop(self.day.heat_kwh, self.day.elec_unit_kwh)

    def spf(self) -> dict[str, float | None]:
        return self.totals.balance(self.settings.backup_heat_metered).spf_boundaries()

    # -- update ------------------------------------------------------------------
    def update(self, now_s: float, snapshot: Snapshot) -> None:
        """Take one poll's measurements (roles missing from ``snapshot`` are unavailable)."""
        previous = self._previous
        if previous is not None and now_s <= previous.time_s:
            return  # the same poll twice, or a clock step back: nothing new to integrate
        dt_s = None if previous is None else now_s - previous.time_s
        counter_deltas = {role: self._counter_delta(role, snapshot) for role in _COUNTER_ROLES}

        heat_w = self._heat_power(snapshot, counter_deltas.get(Role.HEAT_ENERGY), dt_s)
        elec_w = self._power(snapshot, Role.ELEC_POWER, counter_deltas.get(Role.ELEC_ENERGY), dt_s)
        backup_w = self._power(snapshot, Role.BACKUP_POWER, counter_deltas.get(Role.BACKUP_ENERGY), dt_s)
        pump_w = self._power(snapshot, Role.PUMP_POWER, counter_deltas.get(Role.PUMP_ENERGY), dt_s)
        running: bool | None = None  # unknown until a power is known; then judged by the interval's mean
        if elec_w is not None:
            running = elec_w >= self.settings.running_threshold_w
        elif heat_w is not None:
            running = heat_w > 0
        defrost = self._defrost(snapshot, bool(running))

        self.heat_power_w, self.elec_power_w, self.running, self.defrost_active = heat_w, elec_w, bool(running), defrost
        self.cop = instantaneous_cop(heat_w, elec_w, self.settings.running_threshold_w)

        current = _Point(now_s, heat_w, elec_w, backup_w, pump_w, running, defrost)
        if previous is not None:
            if now_s - previous.time_s > self.settings.max_gap_s:
                # Powers cannot be integrated across a gap; counters still can.
                previous = _Point(previous.time_s, None, None, None, None, None, previous.defrost)
            self._integrate(previous, current, counter_deltas)
        self._previous = current

    def _counter_delta(self, role: Role, snapshot: Snapshot) -> float | None:
        """kWh since the last reading of a counter role; a drop counts from 0 (a reset)."""
        reading = snapshot.get(role)
        if reading is None or not math.isfinite(reading.value) or reading.value < 0:
            return None
        last = self._counters.get(role.value)
        self._counters[role.value] = reading.value
        return counter_increase(last, reading.value)

    def _heat_power(self, snapshot: Snapshot, counter_kwh: float | None, dt_s: float | None) -> float | None:
        self.problem = None
        metered = snapshot.get(Role.HEAT_POWER)
        if metered is not None:
            return metered.value
        parts = {role: snapshot.get(role) for role in (Role.FLOW_TEMP, Role.RETURN_TEMP, Role.FLOW_RATE)}
        if all(parts.values()):
            try:
                check_simultaneous({r.value: m.taken_at for r, m in parts.items() if m}, self.settings.max_skew_s)
                flow_c, return_c, flow_m3h = (np.array([_value(parts[r])]) for r in parts)
                power = heat_power_w(self.settings.circuit, flow_c, return_c, flow_m3h)[0]
            except EngineInputError as err:
                self.problem = str(err)
                return None
            return float(power)
        return None if counter_kwh is None or not dt_s else counter_kwh * WH_PER_KWH * 3600.0 / dt_s

    def _power(self, snapshot: Snapshot, role: Role, counter_kwh: float | None, dt_s: float | None) -> float | None:
        reading = snapshot.get(role)
        if reading is not None:
            return reading.value
        return None if counter_kwh is None or not dt_s else counter_kwh * WH_PER_KWH * 3600.0 / dt_s

    def _defrost(self, snapshot: Snapshot, running: bool) -> bool:
        signal = snapshot.get(Role.DEFROST)
        if signal is not None:
            return signal.value >= 0.5
        flow, ret = snapshot.get(Role.FLOW_TEMP), snapshot.get(Role.RETURN_TEMP)
        if flow is None or ret is None:
            return self.defrost_active  # unknown: keep the state rather than end a cycle
        circuit = self.settings.circuit
        delta_k = (flow.value - circuit.flow_temp_offset_k) - (ret.value - circuit.return_temp_offset_k)
        if running and delta_k < DEFAULT_ENTER_DELTA_K:
            return True
        return self.defrost_active and delta_k <= DEFAULT_EXIT_DELTA_K

    def _integrate(self, previous: _Point, current: _Point, counters: Mapping[Role, float | None]) -> None:
        dt_s = current.time_s - previous.time_s
        hours = dt_s / 3600.0
        heat_kwh = _trapezoid_kwh(previous.heat_w, current.heat_w, hours)
        drawn_kwh = max(0.0, -heat_kwh) if heat_kwh is not None else 0.0
        heat_counter = counters.get(Role.HEAT_ENERGY)
        if heat_counter is not None:
            # the counter holds heating only: take the defrost draw from the signed power
            negative = _trapezoid_kwh(_negative(previous.heat_w), _negative(current.heat_w), hours)
            drawn_kwh = -negative if negative is not None else 0.0
            heat_kwh = heat_counter - drawn_kwh
        elec_kwh = _energy(counters.get(Role.ELEC_ENERGY), previous.elec_w, current.elec_w, hours)
        if heat_kwh is None or elec_kwh is None:
            return  # heat and electricity must come from the same interval, or neither counts
        backup_kwh = _energy(counters.get(Role.BACKUP_ENERGY), previous.backup_w, current.backup_w, hours) or 0.0
        pumps_kwh = _energy(counters.get(Role.PUMP_ENERGY), previous.pump_w, current.pump_w, hours) or 0.0
        defrost = current.defrost
        was_running = previous.running
        if was_running is None:  # after a restart: judge by the interval's mean power
            was_running = elec_kwh * WH_PER_KWH * 3600.0 / dt_s >= self.settings.running_threshold_w
        in_defrost = previous.defrost or defrost
        for totals in (self.totals, self.day):
            totals.heat_kwh = max(0.0, totals.heat_kwh + heat_kwh)
            if was_running:
                totals.elec_running_kwh += max(0.0, elec_kwh)
                totals.running_s += dt_s
            else:
                totals.elec_standby_kwh += max(0.0, elec_kwh)
            totals.backup_kwh += max(0.0, backup_kwh)
            totals.pumps_kwh += max(0.0, pumps_kwh)
            if in_defrost:
                totals.defrost_heat_kwh += drawn_kwh
            if previous.defrost:
                totals.defrost_s += dt_s
            if defrost and not previous.defrost:
                totals.defrost_count += 1
        self._rolling.add(current.time_s, heat_kwh * WH_PER_KWH, elec_kwh * WH_PER_KWH)


_COUNTER_ROLES = (Role.HEAT_ENERGY, Role.ELEC_ENERGY, Role.BACKUP_ENERGY, Role.PUMP_ENERGY)


def _value(reading: Measurement | None) -> float:
    assert reading is not None
    return reading.value


def _negative(power_w: float | None) -> float | None:
    return None if power_w is None else min(power_w, 0.0)


def _trapezoid_kwh(start_w: float | None, end_w: float | None, hours: float) -> float | None:
    if start_w is None or end_w is None:
        return None
    return 0.5 * (start_w + end_w) * hours / WH_PER_KWH


def _energy(counter_kwh: float | None, start_w: float | None, end_w: float | None, hours: float) -> float | None:
    return counter_kwh if counter_kwh is not None else _trapezoid_kwh(start_w, end_w, hours)
