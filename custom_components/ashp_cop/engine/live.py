"""A heat pump followed live, reading by reading: the streaming twin of analyze.

The Home Assistant layer feeds one :class:`Snapshot` per poll (each role's value with the time it was
taken); this class turns them into powers, never-decreasing energy totals, COPs and defrost
accounting. It keeps no Home Assistant state, so it is tested on its own and restored from a dict.

Energy channels. Heat comes from the heat meter's counter where one is bound (a meter integrates far
faster than any poll), otherwise from the heat power (the meter's, or m_dot * cp * dT) by the
trapezoid rule (energy.py), never across a gap longer than ``max_gap_s``; the same for the unit's
electricity, the backup heater and the circulation pumps. Counters are judged reading by reading
(counters.py): dips, glitches, implausible jumps, resets and replacements never enter a total.

Joint spans. Every figure here (totals, COP today, rolling COP, SPF, and through the recorder the
seasonal SCOP) is a ratio of energies, so energies are only counted over spans in which *every* bound
channel was measured, as the engine's analyze does with its intervals. A span runs from the last poll
at which every channel had a reading to the next such poll. If a channel was silent in between, a
counter's catch-up covers the same span as the others (paired); a power that was silent longer than
the gap limit, a counter that changed series, or a restart break the span: it is left out on every
side. Nothing is ever counted on one side only.

Heat and defrosts (EN 1434 heat meters register heat while T_flow > T_return): ``heat_kwh`` is the
heat delivered, ``defrost_heat_kwh`` the heat drawn back from the water while defrosting (from the
signed heat power); both only ever increase, and net heat = delivered - drawn. A negative heat power
outside a defrost (sensor noise while idle) is carried as a debt the next heat pays off, so that net
heat stays unbiased and delivered heat never decreases.

Heating figures (COP today, rolling COP, SPF, practical efficiency) are of the heating modes: the
totals less what was charged to cooling (modes.heating_part); the energy totals keep all the unit used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from enum import StrEnum

from .carnot import CarnotAccount, CarnotBook, practical_efficiency
from .cop import DEFAULT_ROLLING_WINDOW_S, DEFAULT_RUNNING_THRESHOLD_W, RollingCop, instantaneous_cop, period_cop
from .counters import CounterEvent, MeterCounter, Outcome, Step
from .cycling import NO_CHANGE, CycleCounts, CycleStep, CycleTracker
from .defrost import DEFAULT_ENTER_DELTA_K, DEFAULT_EXIT_DELTA_K
from .errors import EngineInputError
from .heat import HeatCircuit, heat_power_w
from .modes import HEATING_MODES, SEPARATOR, Mode, ModeAccounts, ModeTotals, bucket_of, heating_part
from .plausibility import PlausibilityGuard
from .simultaneity import DEFAULT_MAX_SKEW_S, check_simultaneous
from .spans import PowerChannel, Span, SpanBrokenError, after_credits, finite, trapezoid_parts_kwh
from .spf import EnergyBalance

WH_PER_KWH = 1000.0
DEFAULT_MAX_GAP_S = 900.0
# A power reading beyond this is a decoding or scaling error, not a heat pump (the largest
# air-source units are a few hundred kW); it is refused rather than integrated into a total.
MAX_PLAUSIBLE_POWER_W = 1.0e6
# Version of export(): 1 kept net heat in heat_kwh; 2 keeps delivered heat there.
EXPORT_FORMAT = 2


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
    OPERATING_MODE = "operating_mode"  # a mode code (modes.py), mapped from the bound entity's state
    COMPRESSOR_RUNNING = "compressor_running"


@dataclass(frozen=True, slots=True)
class Measurement:
    value: float
    taken_at: float


Snapshot = Mapping[Role, Measurement]

HEAT_PARTS = (Role.FLOW_TEMP, Role.RETURN_TEMP, Role.FLOW_RATE)
# energy channel -> (its counter role, its power role)
_CHANNEL_ROLES: dict[str, tuple[Role, Role]] = {
    "heat": (Role.HEAT_ENERGY, Role.HEAT_POWER),
    "elec": (Role.ELEC_ENERGY, Role.ELEC_POWER),
    "backup": (Role.BACKUP_ENERGY, Role.BACKUP_POWER),
    "pumps": (Role.PUMP_ENERGY, Role.PUMP_POWER),
}
COUNTER_ROLES = tuple(counter for counter, _ in _CHANNEL_ROLES.values())
DRAWN_BACK = "heat_drawn_back"  # the signed heat power beside a heat counter


@dataclass(frozen=True, slots=True)
class LiveSettings:
    circuit: HeatCircuit = field(default_factory=HeatCircuit)
    running_threshold_w: float = DEFAULT_RUNNING_THRESHOLD_W
    rolling_window_s: float = DEFAULT_ROLLING_WINDOW_S
    max_skew_s: float = DEFAULT_MAX_SKEW_S
    max_gap_s: float = DEFAULT_MAX_GAP_S
    backup_heat_metered: bool = True
    # The roles bound to a measurement; None: every role seen so far (engine use without a config).
    bound: frozenset[Role] | None = None


@dataclass(slots=True)
class Totals(ModeTotals, CycleCounts):
    """Cumulative figures (kWh, s, count), the compressor's cycles too; restored across restarts, never decreasing.

    The energies (ModeTotals' fields) are those of every operating mode together (modes.ModeTotals keeps
    them per mode).
    """

    defrost_count: int = 0
    defrost_s: float = 0.0
    running_s: float = 0.0

    def balance(self, backup_heat_metered: bool) -> EnergyBalance:
        return EnergyBalance(self.net_heat_kwh, self.elec_running_kwh, self.elec_standby_kwh, self.backup_kwh,
                             self.pumps_kwh, backup_heat_metered)  # fmt: skip


# Energies of one span, counted once every channel has measured it (kWh).
_BUCKETS = ("heat_kwh", "defrost_heat_kwh", "cooling_kwh", "heat_debt_kwh", "elec_running_kwh", "elec_standby_kwh",
            "backup_kwh", "pumps_kwh")  # fmt: skip


@dataclass(slots=True)
class _Point:
    """One poll's state, the end of one interval and the start of the next."""

    time_s: float
    running: bool | None  # None: not known (restored after a restart)
    defrost: bool
    restored: bool = False  # the last save's point: no time is counted from it, only a state carried on


class LiveHeatPump:
    """Everything the entities of one heat pump show, updated one snapshot at a time."""

    def __init__(self, settings: LiveSettings | None = None) -> None:
        self.settings = settings or LiveSettings()
        self.totals = Totals()
        self.day = Totals()
        self.heat_power_w: float | None = None
        self.elec_power_w: float | None = None
        self.cop: float | None = None
        self.eer: float | None = None  # while cooling: heat removed over electricity now (cop is then None)
        self.running = False
        self.defrost_active = False
        self.problem: str | None = None
        self.counters: dict[Role, MeterCounter] = {}
        self.heat_debt_kwh = 0.0
        self._rolling = RollingCop(self.settings.rolling_window_s)
        self._previous: _Point | None = None
        self._powers: dict[str, PowerChannel] = {}
        self._span = Span(_BUCKETS)
        self._seen: set[Role] = set(self.settings.bound or ())
        # energy shown before an unclean stop but not saved: absorbed by the first span that replays it
        self._credits: dict[str, float] = {}
        self.modes = ModeAccounts(self.settings.rolling_window_s)
        self._ends = (Mode.SPACE_HEATING, Mode.SPACE_HEATING)  # the modes at the ends of this poll's interval
        self._by_mode = False
        # compressor cycling (cycling.py) and the practical efficiency (carnot.py)
        self.cycles = CycleTracker()
        self.cycle_step: CycleStep = NO_CHANGE  # what the last poll changed (the short-cycling alert reads it)
        self._cycle_last_s: float | None = None  # None: no sample since start-up
        self.carnot = CarnotBook()  # all modes together: lifetime, today, closed days (season, 365 days)
        self.carnot_by_mode = {mode: CarnotBook() for mode in HEATING_MODES}
        self._carnot_rolling = RollingCop(self.settings.rolling_window_s)
        self.plausibility = PlausibilityGuard()  # hours beyond physics: a binding that measures part of the truth
        self._temps: tuple[float | None, float | None] = (None, None)  # flow, outdoor (C) of this poll
        self._temps_before: tuple[float | None, float | None] = (None, None)
        self._spf_of: tuple[float, ...] = ()  # the totals self._spf was worked out from
        self._spf: dict[str, float | None] = {}

    # -- channels ----------------------------------------------------------------------------------
    def _bound(self) -> frozenset[Role]:
        return self.settings.bound if self.settings.bound is not None else frozenset(self._seen)

    def _heat_power_bound(self, bound: frozenset[Role]) -> bool:
        return Role.HEAT_POWER in bound or all(part in bound for part in HEAT_PARTS)

    def channels(self) -> dict[str, str]:
        """Each energy channel and where it is measured: a counter role or a power."""
        bound = self._bound()
        out: dict[str, str] = {}
        for name, (counter, power) in _CHANNEL_ROLES.items():
            if counter in bound:
                out[name] = counter.value
            elif power in bound or (name == "heat" and self._heat_power_bound(bound)):
                out[name] = "power"
        if Role.HEAT_ENERGY in bound and self._heat_power_bound(bound):
            out[DRAWN_BACK] = "power"  # the signed power tells the heat drawn back by defrosts
        return out

    # -- restore -----------------------------------------------------------------------------------
    def export(self) -> dict[str, object]:
        """What must survive a restart: totals, the day so far, the counters and the open span."""
        last = None if self._previous is None else self._previous.time_s
        return {
            "format": EXPORT_FORMAT,
            "totals": asdict(self.totals),
            "day": asdict(self.day),
            "counters": {role.value: counter.export() for role, counter in self.counters.items()},
            "span": self._span.export(),
            "heat_debt_kwh": self.heat_debt_kwh,
            "time_s": last,
            "modes": self.modes.export(),
            "cycle": self.cycles.export(),
            "defrost": self.defrost_active,  # a defrost under way goes on after a restart, it is not a new one
            "carnot": {
                **self.carnot.export(),
                "modes": {mode.value: book.export() for mode, book in self.carnot_by_mode.items()},
            },
            "plausibility": self.plausibility.export(),
        }

    def restore(self, saved: Mapping[str, object]) -> None:
        """Continue from :meth:`export`; unknown or damaged parts are ignored, never guessed."""
        for name, target in (("totals", self.totals), ("day", self.day)):
            values = saved.get(name)
            if isinstance(values, Mapping):
                _restore_fields(target, values)
        if saved.get("format") != EXPORT_FORMAT:
            # format 1 kept net heat in heat_kwh: delivered heat is net heat plus the heat drawn back
            for target in (self.totals, self.day):
                target.heat_kwh += target.defrost_heat_kwh
        counters = saved.get("counters")
        if isinstance(counters, Mapping):
            for key, state in counters.items():
                if key in {r.value for r in COUNTER_ROLES} and isinstance(state, Mapping):
                    self.counters[Role(key)] = MeterCounter.restore(state)
                elif key in {r.value for r in COUNTER_ROLES} and finite(state) is not None:
                    self.counters[Role(key)] = MeterCounter.restore(
                        {"last_value": state, "last_s": saved.get("time_s")}
                    )
        self._span.restore(saved.get("span"))
        self.modes.restore(saved.get("modes"))
        debt = finite(saved.get("heat_debt_kwh"))
        self.heat_debt_kwh = debt if debt is not None and debt >= 0 else 0.0
        self.cycles.restore(saved.get("cycle"))
        carnot = saved.get("carnot")
        if isinstance(carnot, Mapping):
            self.carnot.restore(carnot)
            by_mode = carnot.get("modes")
            for mode, book in self.carnot_by_mode.items():
                book.restore(by_mode.get(mode.value) if isinstance(by_mode, Mapping) else None)
        self.plausibility.restore(saved.get("plausibility"))
        self.defrost_active = saved.get("defrost") is True
        last = finite(saved.get("time_s"))
        if last is not None:
            # Powers cannot be integrated across a restart; counters kept counting meanwhile and
            # close the span from where they were. A defrost under way at the save is the same defrost
            # if it is still on at the first poll (as a compressor run is, cycling.py).
            self._previous = _Point(last, None, self.defrost_active, restored=True)

    def adopt_shown(self, shown: Mapping[str, float]) -> dict[str, float]:
        """Raise totals to values already shown (recorded) before an unclean stop; returns what rose.

        After a kill the saved totals can lag what the sensors had shown by up to one save interval.
        A total never comes back lower than it was shown: it takes the shown value, and where a
        counter measured that energy it will replay it in the first span after the restart, so the
        difference is kept as a credit that span absorbs instead of counting it twice.
        """
        raised: dict[str, float] = {}
        channels = self.channels()
        for name, value in shown.items():
            mode, _, field_name = name.rpartition(SEPARATOR)
            target: object = self.modes.totals[Mode(mode)] if mode in Mode.__members__.values() else self.totals
            if (mode and target is self.totals) or not hasattr(target, field_name) or not math.isfinite(value):
                continue
            current = float(getattr(target, field_name))
            if value <= current:
                continue
            setattr(target, field_name, type(getattr(target, field_name))(value))
            raised[name] = value - current
            source = {"heat_kwh": "heat", "elec_running_kwh": "elec", "elec_standby_kwh": "elec",
                      "backup_kwh": "backup", "pumps_kwh": "pumps"}.get(field_name)  # fmt: skip
            if source is not None and channels.get(source, "power") != "power":
                self._credits[name] = self._credits.get(name, 0.0) + value - current
            if name == "compressor_starts":
                self.cycles.forget_start()  # a start was shown after the save: its run is not started again
            if name == "defrost_count":
                self._defrost_under_way()  # a defrost was shown after the save: it is not counted again
        return raised

    def _defrost_under_way(self) -> None:
        self.defrost_active = True
        if self._previous is not None:
            self._previous.defrost = True

    def start_day(self, closed: date | None = None) -> None:
        """Today's figures start from 0; ``closed`` (the local day that ended) keeps its practical efficiency."""
        self.day = Totals()
        self.modes.start_day()
        for book in (self.carnot, *self.carnot_by_mode.values()):
            if closed is None:
                book.day = CarnotAccount()
            else:
                book.close_day(closed)

    # -- figures -----------------------------------------------------------------------------------
    @property
    def rolling_cop(self) -> float | None:
        return self._rolling.value

    def heating_totals(self, *, day: bool = False) -> ModeTotals:
        """Lifetime (or today's) totals of the heating modes: what COP, rolling COP and SPF are of (modes.py)."""
        if day:
            return heating_part(self.day, self.modes.day[Mode.COOLING])
        return heating_part(self.totals, self.modes.totals[Mode.COOLING])

    @property
    def daily_cop(self) -> float | None:
        """Today's COP of the heating modes; unknown on a day the unit did not run for heat."""
        heating = self.heating_totals(day=True)
        return period_cop(heating.net_heat_kwh, heating.elec_unit_kwh) if heating.elec_running_kwh > 0 else None

    @property
    def practical_efficiency(self) -> float | None:
        """COP / COP_Carnot now (carnot.py); not while defrosting (the heat flows back, as in the period figures)."""
        return None if self.defrost_active else practical_efficiency(self.cop, *self._temps)

    @property
    def rolling_practical_efficiency(self) -> float | None:
        return self._carnot_rolling.value

    def spf(self) -> dict[str, float | None]:
        """SPF on the SEPEMO boundaries since set-up: worked out again only when a total it uses changed.

        Three sensors read it at every poll; the dict is shared, never to be changed by a reader.
        """
        heating = self.heating_totals()
        key = (heating.heat_kwh, heating.defrost_heat_kwh, heating.elec_running_kwh, heating.elec_standby_kwh,
               heating.backup_kwh, heating.pumps_kwh)  # fmt: skip
        if key != self._spf_of:
            metered = self.settings.backup_heat_metered
            balance = EnergyBalance(heating.net_heat_kwh, *key[2:], backup_heat_metered=metered)
            self._spf_of, self._spf = key, balance.spf_boundaries()
        return self._spf

    def take_counter_events(self) -> list[tuple[Role, CounterEvent]]:
        """Counter resets, replacements and ignored glitches since the last call."""
        return [(role, event) for role, counter in self.counters.items() for event in counter.take_new_events()]

    # -- update --------------------------------------------------------------------------------------
    def update(self, now_s: float, snapshot: Snapshot) -> None:
        """Take one poll's measurements (roles missing from ``snapshot`` are unavailable)."""
        self.cycle_step = NO_CHANGE
        previous = self._previous
        if previous is not None and now_s <= previous.time_s:
            return  # the same poll twice, or a clock step back: nothing new to integrate
        self._seen.update(snapshot)
        self.problem = None
        self._by_mode = Role.OPERATING_MODE in self._bound()
        if not self._by_mode:
            self.modes.mode = None  # without the role all is space heating, whatever mode was restored or last read
        # an interval's energies go half to the mode at its start, half to the mode at its end (modes.py)
        start_mode = self.modes.current
        self.modes.observe(_value_of(snapshot, Role.OPERATING_MODE))
        self._ends = (start_mode, self.modes.current)
        snapshot = self._plausible(snapshot)
        dt_s = None if previous is None else now_s - previous.time_s
        steps = {role: self._counter(role).observe(_value_of(snapshot, role), now_s, _time_of(snapshot, role))
                 for role in COUNTER_ROLES if role in self._bound()}  # fmt: skip

        heat_w = self._heat_power(snapshot)
        elec_w = self._power(snapshot, Role.ELEC_POWER, steps.get(Role.ELEC_ENERGY), dt_s)
        shown_heat_w = heat_w if heat_w is not None else self._counter_power(steps.get(Role.HEAT_ENERGY), dt_s)
        running: bool | None = None  # unknown until a power is known
        if elec_w is not None:
            running = elec_w >= self.settings.running_threshold_w
        elif shown_heat_w is not None:
            running = shown_heat_w > 0
        defrost = self._defrost(snapshot, bool(running))
        self.heat_power_w, self.elec_power_w = shown_heat_w, elec_w
        self.running, self.defrost_active = bool(running), defrost
        self.cop = instantaneous_cop(shown_heat_w, elec_w, self.settings.running_threshold_w)
        self.eer = None
        if self.modes.current is Mode.COOLING:  # a COP of heat removed would be negative: it is an EER
            self.eer = None if self.cop is None or self.cop >= 0 else -self.cop
            self.cop = None

        current = _Point(now_s, running, defrost)
        if previous is not None and dt_s is not None and dt_s <= self.settings.max_gap_s:
            self._count_time(previous, current, dt_s)
        self._count_cycle(now_s, self._compressor_running(snapshot, running))
        self._temps_before, self._temps = self._temps, (_value_of(snapshot, Role.FLOW_TEMP),
                                                        _value_of(snapshot, Role.OUTDOOR_TEMP))  # fmt: skip
        self._measure(previous, current, snapshot, steps, heat_w)
        self._previous = current

    def _compressor_running(self, snapshot: Snapshot, running: bool | None) -> bool | None:
        """The compressor-running flag where one is bound (never mixed with the power), else the threshold."""
        if Role.COMPRESSOR_RUNNING not in self._bound():
            return running
        flag = snapshot.get(Role.COMPRESSOR_RUNNING)
        return None if flag is None else flag.value >= 0.5

    def _count_cycle(self, now_s: float, running: bool | None) -> None:
        """Starts and run time (cycling.py); across a restart or a gap no run time, and no start unseen."""
        if running is None:
            return  # not known this poll: the state is kept
        last, self._cycle_last_s = self._cycle_last_s, now_s
        after_gap = last is None or now_s - last > self.settings.max_gap_s
        was_running = self.cycles.running
        step = self.cycle_step = self.cycles.step(now_s, running, after_gap)
        run_s = 0.0 if after_gap or not was_running or last is None else now_s - last
        for totals in (self.totals, self.day):
            totals.add(step)
            totals.compressor_run_s += run_s
        self.plausibility.run(now_s, run_s)

    def _counter(self, role: Role) -> MeterCounter:
        return self.counters.setdefault(role, MeterCounter())

    def _plausible(self, snapshot: Snapshot) -> Snapshot:
        """The snapshot without power readings no heat pump could produce (they are named in ``problem``)."""
        refused = [role for role, m in snapshot.items() if role.value.endswith("_w") and
                   (not math.isfinite(m.value) or abs(m.value) > MAX_PLAUSIBLE_POWER_W)]  # fmt: skip
        if not refused:
            return snapshot
        self.problem = "; ".join(f"{r.value}: {snapshot[r].value:g} W is not a plausible power" for r in refused)
        return {role: m for role, m in snapshot.items() if role not in refused}

    def _heat_power(self, snapshot: Snapshot) -> float | None:
        """The heat power now: the meter's, or computed from flow and temperatures read together."""
        metered = snapshot.get(Role.HEAT_POWER)
        if metered is not None:
            return metered.value
        parts = [snapshot.get(role) for role in HEAT_PARTS]
        if not all(parts):
            return None
        try:
            check_simultaneous({r.value: m.taken_at for r, m in zip(HEAT_PARTS, parts, strict=True) if m},
                               self.settings.max_skew_s)  # fmt: skip
            flow_c, return_c, flow_m3h = (float(m.value) for m in parts if m)
            power = float(heat_power_w(self.settings.circuit, flow_c, return_c, flow_m3h))
        except EngineInputError as err:
            self.problem = str(err)
            return None
        if not math.isfinite(power) or abs(power) > MAX_PLAUSIBLE_POWER_W:
            self.problem = f"heat power {power:g} W from flow and temperatures is not plausible"
            return None
        return power

    def _power(self, snapshot: Snapshot, role: Role, step: Step | None, dt_s: float | None) -> float | None:
        reading = snapshot.get(role)
        if reading is not None:
            return reading.value
        return self._counter_power(step, dt_s)

    @staticmethod
    def _counter_power(step: Step | None, dt_s: float | None) -> float | None:
        """A counter's mean power over the last poll (shown when no power is bound)."""
        if step is None or step.outcome is not Outcome.ACCEPTED or not step.dt_s:
            return None
        if dt_s is None or step.dt_s > 2 * dt_s + 1:
            return None  # a catch-up after a gap says nothing about the power now
        return step.increase_kwh * WH_PER_KWH * 3600.0 / step.dt_s

    def _defrost(self, snapshot: Snapshot, running: bool) -> bool:
        signal = snapshot.get(Role.DEFROST)
        if signal is not None:
            return signal.value >= 0.5
        if self.modes.current is Mode.COOLING:
            return False  # cooling returns colder water by design: no defrost to detect from it
        flow, ret = snapshot.get(Role.FLOW_TEMP), snapshot.get(Role.RETURN_TEMP)
        if flow is None or ret is None:
            return self.defrost_active  # unknown: keep the state rather than end a cycle
        circuit = self.settings.circuit
        delta_k = (flow.value - circuit.flow_temp_offset_k) - (ret.value - circuit.return_temp_offset_k)
        if running and delta_k < DEFAULT_ENTER_DELTA_K:
            return True
        return self.defrost_active and delta_k <= DEFAULT_EXIT_DELTA_K

    def _count_time(self, previous: _Point, current: _Point, dt_s: float) -> None:
        """Running and defrost time and the defrost count: from states, not from meters.

        Across a restart (from the saved point) no time is counted, as for the compressor's run time:
        what happened while Home Assistant was down was not seen.
        """
        for totals in (self.totals, self.day):
            if previous.running:
                totals.running_s += dt_s
            if previous.defrost and not previous.restored:
                totals.defrost_s += dt_s
            if current.defrost and not previous.defrost:
                totals.defrost_count += 1

    def _was_running(self, previous: _Point | None, kwh: float, dt_s: float) -> bool:
        """Whether electricity of an interval counts as running: the state at its start, else its mean power."""
        if previous is not None and previous.running is not None and dt_s <= self.settings.max_gap_s:
            return previous.running
        return dt_s > 0 and kwh * WH_PER_KWH * 3600.0 / dt_s >= self.settings.running_threshold_w

    def _measure(
        self,
        previous: _Point | None,
        current: _Point,
        snapshot: Snapshot,
        steps: Mapping[Role, Step],
        heat_w: float | None,
    ) -> None:
        """Add this poll's energies to the open span; count or drop the span once every channel has a reading."""
        span = self._span
        channels = self.channels()
        # The heat drawn back, from the signed power beside a heat counter, corrects the counter's heat:
        # it counts where it was measured and never stops the counters' span from counting.
        gating = [name for name in channels if name != DRAWN_BACK]
        present: set[str] = set()
        held: set[str] = set()
        in_defrost = current.defrost or (previous is not None and previous.defrost)
        for name, source in channels.items():
            if source == "power":
                power_w = heat_w if name in ("heat", DRAWN_BACK) else _value_of(snapshot, _CHANNEL_ROLES[name][1])
                channel = self._powers.setdefault(name, PowerChannel())
                try:
                    interval = channel.step(current.time_s, power_w, self.settings.max_gap_s)
                except SpanBrokenError:
                    if name != DRAWN_BACK:
                        span.break_at(name, current.time_s)
                    present.add(name)
                    continue
                if power_w is not None:
                    present.add(name)
                if interval is not None:
                    self._add_power(name, interval, in_defrost, previous)
                continue
            step = steps[Role(source)]
            if step.outcome is Outcome.HELD:
                held.add(name)
            elif (
                step.outcome is Outcome.NEW_SERIES
                and step.series_start_s is not None
                and (span.restart_at(step.series_start_s, name))
            ):
                # the new series pairs with what the others measured since its first reading
                present.add(name)
                self._add_counter(name, step.increase_kwh, step.dt_s, previous)
            elif step.outcome is Outcome.NEW_SERIES and step.from_zero_kwh is not None:
                # No cut splits the span at the reset (another counter was silent across it) but the
                # meter restarted from zero right after its last reading: all it counted since is
                # known, only the part of one poll before the reset is not. The span counts with that
                # side low by at most that part, instead of losing the whole span on every side.
                present.add(name)
                self._add_counter(name, step.from_zero_kwh, step.dt_s, previous)
            elif step.outcome in (Outcome.FIRST, Outcome.NEW_SERIES):
                span.break_at(name, current.time_s)
                present.add(name)
            elif step.outcome is Outcome.ACCEPTED:
                present.add(name)
                self._add_counter(name, step.increase_kwh, step.dt_s, previous)
        every_channel = bool(gating) and set(gating) <= present
        if held and set(gating) <= present | held:
            span.note_cut(current.time_s, frozenset(held))
        counted = span.settle(current.time_s, gating, present)
        if counted is not None:
            self._commit(current.time_s, counted)
        elif every_channel:
            self._credits.clear()  # the span that would have replayed them was not counted

    def _add_power(
        self, name: str, interval: tuple[float, float, float], in_defrost: bool, previous: _Point | None
    ) -> None:
        start_w, end_w, dt_s = interval
        if name in ("heat", DRAWN_BACK):
            counted_heat = name == "heat"  # beside a heat counter the power only tells the defrost draw
            # the trapezoid is half the interval at each end's power: each half goes to that end's mode
            ends = ((start_w, end_w, dt_s, None),) if self._ends[0] is self._ends[1] else (
                (start_w, start_w, 0.5 * dt_s, 0), (end_w, end_w, 0.5 * dt_s, 1))  # fmt: skip
            for first_w, last_w, seconds, end in ends:
                positive, negative = trapezoid_parts_kwh(first_w, last_w, seconds)
                if self._ends[end or 0] is Mode.COOLING:
                    # the heat a cooling mode removes is what it is for (no defrost while cooling: the outdoor
                    # coil is the condenser); water warming meanwhile is no heat delivered for heating
                    self._charge("cooling_kwh", negative, end)
                    continue
                if in_defrost:
                    self._charge("defrost_heat_kwh", negative, end)
                elif counted_heat:
                    self._charge("heat_debt_kwh", negative, end)
                if counted_heat:
                    self._charge("heat_kwh", positive, end)
            return
        kwh = 0.5 * (start_w + end_w) * dt_s / 3600.0 / WH_PER_KWH
        bucket = self._electricity_bucket(name, max(kwh, 0.0), dt_s, previous)
        if self._ends[0] is self._ends[1] or kwh <= 0:
            self._charge(bucket, max(kwh, 0.0))
            return
        for end, power_w in enumerate((start_w, end_w)):  # each end's half to that end's mode
            self._charge(bucket, max(0.5 * power_w * dt_s / 3600.0 / WH_PER_KWH, 0.0), end)

    def _add_counter(self, name: str, kwh: float, dt_s: float, previous: _Point | None) -> None:
        if name == "heat":
            self._charge("heat_kwh", kwh)
        else:
            self._charge(self._electricity_bucket(name, kwh, dt_s, previous), kwh)

    def _electricity_bucket(self, name: str, kwh: float, dt_s: float, previous: _Point | None) -> str:
        if name == "elec":
            return "elec_running_kwh" if self._was_running(previous, kwh, dt_s) else "elec_standby_kwh"
        return "backup_kwh" if name == "backup" else "pumps_kwh"

    def _charge(self, bucket: str, kwh: float, end: int | None = None) -> None:
        """Add to the open span and, where a mode is bound, to the modes' parts of it.

        ``end`` (0: start, 1: end) charges it all to that end's mode; None splits it between the two.
        """
        self._span.add(bucket, kwh)
        if not self._by_mode:
            return
        start, stop = self._ends
        if end is not None or start is stop:
            self._span.add(bucket_of(stop if end == 1 else start, bucket), kwh)
        else:
            self._span.add(bucket_of(start, bucket), 0.5 * kwh)
            self._span.add(bucket_of(stop, bucket), 0.5 * kwh)

    def _commit(self, now_s: float, energy: dict[str, float]) -> None:
        credits, self._credits = self._credits, {}
        # heat that arrives while a debt of negative idle heat is open pays it off first
        self.heat_debt_kwh += energy.pop("heat_debt_kwh")
        paid = min(self.heat_debt_kwh, energy["heat_kwh"])
        self.heat_debt_kwh -= paid
        energy["heat_kwh"] -= paid
        parts = self.modes.split(energy)  # takes the per-mode buckets out
        # the lifetime total already holds what it showed before an unclean stop; the day does not
        for bucket, kwh in after_credits(energy, credits).items():
            setattr(self.totals, bucket, getattr(self.totals, bucket) + kwh)
        for bucket, kwh in energy.items():
            setattr(self.day, bucket, getattr(self.day, bucket) + kwh)
        # the heating figures leave cooling out (it has its own EER): the span less what cooling was charged
        cooling = parts.get(Mode.COOLING, {})
        heating = {bucket: max(0.0, kwh - cooling.get(bucket, 0.0)) for bucket, kwh in energy.items()}
        elec_wh = (heating["elec_running_kwh"] + heating["elec_standby_kwh"]) * WH_PER_KWH
        net_heat_wh = (heating["heat_kwh"] - heating["defrost_heat_kwh"]) * WH_PER_KWH
        self._rolling.push(now_s, net_heat_wh, elec_wh, ran=heating["elec_running_kwh"] > 0)
        self.modes.commit(now_s, parts, credits)
        self._count_carnot(now_s, heating, parts)

    def _count_carnot(
        self, now_s: float, energy: Mapping[str, float], parts: Mapping[Mode, Mapping[str, float]]
    ) -> None:
        """A counted span's heating net heat and running electricity (cooling left out), at the mean temperatures
        of its last poll interval.

        Each heating mode's part is weighed at the same temperatures: an interval shared by two modes
        gives each its share of the heat at the interval's efficiency (the modes.py rule).
        """
        flow_c, outdoor_c = (_mean(now, before) for now, before in zip(self._temps, self._temps_before, strict=True))
        interval = CarnotAccount()
        interval.add(energy["heat_kwh"] - energy["defrost_heat_kwh"], energy["elec_running_kwh"], flow_c, outdoor_c)
        self.carnot.add(interval)
        self._carnot_rolling.push(now_s, interval.heat_efficiency_kwh, interval.heat_kwh)
        if self.modes.current is not Mode.COOLING:  # heating figures only: cooling has its EER
            net_heat_kwh = energy["heat_kwh"] - energy["defrost_heat_kwh"]
            self.plausibility.add(
                now_s, net_heat_kwh, energy["elec_running_kwh"], interval.heat_kwh, interval.heat_efficiency_kwh
            )
        for mode, book in self.carnot_by_mode.items():
            part = parts.get(mode)
            if part:
                own = CarnotAccount()
                heat_kwh = part.get("heat_kwh", 0.0) - part.get("defrost_heat_kwh", 0.0)
                own.add(heat_kwh, part.get("elec_running_kwh", 0.0), flow_c, outdoor_c)
                book.add(own)


def _value_of(snapshot: Snapshot, role: Role) -> float | None:
    reading = snapshot.get(role)
    return None if reading is None else reading.value


def _time_of(snapshot: Snapshot, role: Role) -> float | None:
    reading = snapshot.get(role)
    return None if reading is None else reading.taken_at


def _mean(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else 0.5 * (a + b)


def _restore_fields(target: Totals, values: Mapping[str, object]) -> None:
    names = {f.name for f in fields(target)}
    for key, value in values.items():
        number = finite(value)
        if key in names and number is not None and number >= 0:
            setattr(target, key, type(getattr(target, key))(number))
