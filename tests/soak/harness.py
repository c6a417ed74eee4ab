"""A soak: the integration in Home Assistant's test harness against the simulated plant for N days, with faults.

Home Assistant's clock is simulated (freezegun, asyncio keeping real time so that Modbus timeouts still
expire); the simulator advances in step with it. Every poll the hub, two heat pumps on the same plant
(one bound to the meters' counters, one to their powers) and a plant are refreshed; stores are allowed
their delayed saves every simulated minute and the recorder compiles every 5-minute period, as it
would. Faults come from a seeded schedule: silent units, dropped connections, exception bursts, late
replies, sentinel values, counter resets and replacements, and Home Assistant restarts, clean and
killed (no save on the way down).

What is measured: heat and electricity of the counter-bound heat pump against the simulator's truth;
the power-bound heat pump's COP against the truth's COP over the very spans it counted (joint
intervals); backwards steps of every total_increasing sensor of the heat pumps and the plant; negative
hours in their statistics.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import random
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import freezegun.api
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
    get_start_time,
)

from custom_components.ashp_cop.const import (
    CONF_ENTRY_TYPE,
    CONF_HEAT_PUMPS,
    CONF_ROLES,
    CONF_SHARED_ENERGY,
    CONF_SHARED_POWER,
    DOMAIN,
    ENTRY_HEAT_PUMP,
    ENTRY_PLANT,
)
from custom_components.ashp_cop.heat_pump import HeatPumpCoordinator
from custom_components.ashp_cop.totals_store import TotalsStore
from tests.integration.conftest import hub_data, plant_subentries
from tools.simulator.devices import unit_id
from tools.simulator.plant import Truth
from tools.simulator.server import ModbusServer, PlantSimulator

HUB, COUNTERS, POWERS, PLANT = "hub", "counters", "powers", "plant"
WATCHDOG_S = 120.0
NO_TIMER_S = 24 * 3600  # the entries' own timers never fire: the soak polls them itself, in order
CIRCUIT = {"medium": "water", "mass_fraction_pct": 0, "meter_position": "return", "flow_temp_offset_k": 0,
           "return_temp_offset_k": 0, "flow_rate_offset_m3h": 0, "running_threshold_w": 100,
           "rolling_window_min": 15, "scan_interval": NO_TIMER_S, "backup_in_heat_meter": True}  # fmt: skip
# (role, device offset, key) of the two heat pumps; both meter the same simulated unit
COUNTER_ROLES = (("flow_temp_c", 1, "flow_temp_c"), ("return_temp_c", 1, "return_temp_c"),
                 ("flow_m3h", 1, "flow_m3h"), ("heat_energy_kwh", 1, "heat_energy_kwh"),
                 ("elec_energy_kwh", 2, "import_energy_kwh"), ("elec_power_w", 2, "power_w"),
                 ("backup_energy_kwh", 3, "import_energy_kwh"), ("pump_energy_kwh", 4, "import_energy_kwh"),
                 ("outdoor_temp_c", 6, "outdoor_temp_c"), ("defrost", 6, "defrost_active"))  # fmt: skip
POWER_ROLES = (("heat_power_w", 1, "power_w"), ("elec_power_w", 2, "power_w"), ("backup_power_w", 3, "power_w"),
               ("pump_power_w", 4, "power_w"), ("outdoor_temp_c", 6, "outdoor_temp_c"),
               ("defrost", 6, "defrost_active"))  # fmt: skip
FAULT_UNITS = (unit_id(0, 1), unit_id(0, 2), unit_id(0, 3), unit_id(0, 4), unit_id(0, 6))


@dataclass(frozen=True, slots=True)
class SoakSettings:
    days: float = 1.0
    poll_s: int = 30
    seed: int = 7


@dataclass(order=True, slots=True)
class Fault:
    start_s: float
    kind: str = field(compare=False)
    unit: int = field(default=0, compare=False)
    length_s: float = field(default=0.0, compare=False)
    value: float = field(default=0.0, compare=False)


def fault_schedule(settings: SoakSettings) -> list[Fault]:
    """Faults of every kind, a few a day, at seeded random times (never in the first hour)."""
    rng = random.Random(settings.seed)
    faults: list[Fault] = []
    days = max(1, round(settings.days))
    span_s = settings.days * 86400
    per_day: tuple[tuple[str, int, tuple[float, float]], ...] = (
        ("silent", 3, (120, 5400)), ("drop", 4, (0, 0)), ("exceptions", 2, (60, 180)), ("late", 2, (120, 600)),
        ("bad_tid", 1, (60, 300)),
        ("sentinel", 2, (60, 300)), ("reset", 1, (0, 0)), ("restart", 1, (60, 300)), ("kill", 1, (60, 600)),
    )  # fmt: skip
    for kind, count, (low, high) in per_day:
        for _ in range(count * days):
            start = rng.uniform(3600, span_s - 3600)
            unit = rng.choice(FAULT_UNITS)
            faults.append(Fault(start, kind, unit, rng.uniform(low, high), rng.choice((2, 4, 6))))
    for day in range(0, days, 3):  # a meter replaced every third day
        faults.append(Fault(rng.uniform(day * 86400 + 3600, min(span_s, (day + 1) * 86400) - 3600), "replace",
                            rng.choice((unit_id(0, 3), unit_id(0, 4))), 0.0, rng.uniform(1000, 9000)))  # fmt: skip
    for fault in faults:  # resets hit the meters that matter most: heat and the unit's electricity
        if fault.kind == "reset":
            fault.unit = rng.choice((unit_id(0, 1), unit_id(0, 2)))
    return sorted(faults)


class JointTruth:
    """The simulator's truth over the spans a heat pump counted (a span ends wherever a settle happened)."""

    def __init__(self) -> None:
        self.heat_kwh = 0.0
        self.elec_kwh = 0.0
        self._at_last_settle: tuple[float, float] | None = None

    def settled(self, truth: Truth, counted: bool) -> None:
        now = (truth.heat_kwh, truth.elec_unit_kwh)
        if counted and self._at_last_settle is not None:
            self.heat_kwh += now[0] - self._at_last_settle[0]
            self.elec_kwh += now[1] - self._at_last_settle[1]
        self._at_last_settle = now

    def restarted(self) -> None:
        self._at_last_settle = None


class Soak:
    """One soak run; :meth:`run` returns the report."""

    def __init__(
        self, hass: HomeAssistant, sim: PlantSimulator, server: ModbusServer, frozen: FrozenDateTimeFactory,
        settings: SoakSettings,
    ) -> None:  # fmt: skip
        self.hass = hass
        self.sim = sim
        self.server = server
        self.frozen = frozen
        self.settings = settings
        self.entries: dict[str, MockConfigEntry] = {}
        self.applied: Counter[str] = Counter()
        self.backwards: Counter[str] = Counter()
        self.backwards_detail: list[dict[str, Any]] = []
        self.recent: list[str] = []  # the last few faults applied, for the details of a backwards step
        self.raw_backwards: Counter[str] = Counter()
        self._last: dict[str, float] = {}
        self._tracked: dict[str, bool] = {}  # entity id -> ours (heat pump/plant) or a raw meter's
        self.joint = JointTruth()
        self._span_start: float | None = None
        self.elapsed_s = 0.0
        self.rng = random.Random(settings.seed + 1)
        trace = os.environ.get("ASHP_SOAK_TRACE")
        self.trace = Path(trace).open("w") if trace else None  # noqa: SIM115 (a debugging trace, written as it goes)

    # -- set-up ------------------------------------------------------------------------------------
    async def set_up(self) -> None:
        hub = MockConfigEntry(
            domain=DOMAIN,
            title="tcp://127.0.0.1",
            unique_id=f"127.0.0.1:{self.server.port}",
            data=hub_data(self.server.port, scan_interval=NO_TIMER_S),
            subentries_data=plant_subentries(),
        )  # type: ignore[arg-type]
        await self._add(HUB, hub)
        registry = er.async_get(self.hass)

        def roles(table: tuple[tuple[str, int, str], ...]) -> dict[str, str]:
            bound = {}
            for role, offset, key in table:
                domain = "binary_sensor" if role == "defrost" else "sensor"
                entity_id = registry.async_get_entity_id(domain, DOMAIN, f"device_{unit_id(0, offset)}_{key}")
                assert entity_id is not None, (role, key)
                bound[role] = entity_id
            return bound

        for name, table in ((COUNTERS, COUNTER_ROLES), (POWERS, POWER_ROLES)):
            data = {CONF_ENTRY_TYPE: ENTRY_HEAT_PUMP, CONF_ROLES: roles(table), **CIRCUIT}
            await self._add(name, MockConfigEntry(domain=DOMAIN, title=f"Soak {name}", data=data))
        pump = roles((("pump", 4, "import_energy_kwh"),))["pump"]
        plant = {CONF_ENTRY_TYPE: ENTRY_PLANT, CONF_HEAT_PUMPS: [self.entries[COUNTERS].entry_id],
                 CONF_SHARED_POWER: [], CONF_SHARED_ENERGY: [pump], "scan_interval": NO_TIMER_S}  # fmt: skip
        await self._add(PLANT, MockConfigEntry(domain=DOMAIN, title="Soak plant", data=plant))
        for entry in registry.entities.values():
            if entry.platform == DOMAIN and (entry.capabilities or {}).get("state_class") == "total_increasing":
                self._tracked[entry.entity_id] = entry.config_entry_id != self.entries[HUB].entry_id
        self.hass.bus.async_listen(EVENT_STATE_CHANGED, self._on_state)

    async def _add(self, name: str, entry: MockConfigEntry) -> None:
        entry.add_to_hass(self.hass)
        assert await self.hass.config_entries.async_setup(entry.entry_id), name
        await self.hass.async_block_till_done()
        self.entries[name] = entry

    @callback
    def _on_state(self, event: Event[EventStateChangedData]) -> None:
        entity_id = event.data["entity_id"]
        new = event.data["new_state"]
        if entity_id not in self._tracked or new is None or new.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            return
        value = float(new.state)
        last = self._last.get(entity_id)
        if last is not None and value < last - 1e-9:
            (self.backwards if self._tracked[entity_id] else self.raw_backwards)[entity_id] += 1
            if self._tracked[entity_id] and len(self.backwards_detail) < 20:
                self.backwards_detail.append({"entity_id": entity_id, "from": last, "to": value, "t": self.elapsed_s,
                                              "events": list(self.recent)})  # fmt: skip
        self._last[entity_id] = value

    # -- running -----------------------------------------------------------------------------------
    async def run(self) -> dict[str, Any]:
        started = freezegun.api.real_monotonic()  # through freezegun.api: the module's own name would be frozen
        await self.set_up()
        truth = self.sim.plant.heat_pumps[0].truth
        start = _snapshot(truth)
        counters_start = self._counters_totals()
        powers_live = self._live(POWERS)
        powers_start = (powers_live.totals.net_heat_kwh, powers_live.totals.elec_unit_kwh)
        first_hour = get_start_time(dt_util.utcnow())
        faults = fault_schedule(self.settings)
        active: list[tuple[float, Callable[[], None]]] = []
        poll_s = self.settings.poll_s
        steps = int(self.settings.days * 86400 / poll_s)
        for step in range(steps):
            t = step * poll_s
            while faults and faults[0].start_s <= t:
                fault = faults.pop(0)
                undo = await self._watched(self._apply(fault), f"applying {fault.kind}")
                if undo is not None:
                    active.append(undo)
            for item in [a for a in active if a[0] <= t]:
                item[1]()
                active.remove(item)
            await self._watched(self._advance(poll_s), "advancing the clock")
            await self._watched(self._poll(), "polling")
        await self._compile()
        await async_wait_recording_done(self.hass)
        counters_end = self._counters_totals()
        powers_live = self._live(POWERS)
        end = _snapshot(truth)
        return {
            "days": self.settings.days, "poll_s": poll_s, "seed": self.settings.seed,
            "faults": dict(sorted(self.applied.items())),
            "counters": _compare(counters_end, counters_start, end, start),
            "powers": self._powers_report(powers_live, powers_start, end, start),
            "backwards_steps": sum(self.backwards.values()),
            "backwards_steps_by_sensor": dict(self.backwards),
            "backwards_steps_detail": self.backwards_detail,
            "raw_meter_backwards_steps": sum(self.raw_backwards.values()),
            "negative_statistics_hours": await self._negative_hours(first_hour),
            "wall_s": round(freezegun.api.real_monotonic() - started, 1),
        }  # fmt: skip

    async def _watched[T](self, step: Coroutine[Any, Any, T], what: str) -> T:
        """A step that hangs fails the soak, naming where every task waits, instead of hanging CI."""
        try:
            return await asyncio.wait_for(step, WATCHDOG_S)
        except TimeoutError:
            stacks = io.StringIO()
            for task in asyncio.all_tasks():
                task.print_stack(limit=8, file=stacks)
            raise AssertionError(f"soak stuck {what} at {self.elapsed_s:.0f} s:\n{stacks.getvalue()}") from None

    async def _advance(self, seconds: float) -> None:
        """Move the plant and Home Assistant's clock on; due saves and 5-minute statistics run as they would."""
        before = self.elapsed_s
        self.elapsed_s += seconds
        self.sim.advance(seconds)
        self.frozen.tick(timedelta(seconds=seconds))
        if int(self.elapsed_s // 60) != int(before // 60):
            async_fire_time_changed(self.hass, dt_util.utcnow() + timedelta(seconds=61))  # delayed saves
            await self.hass.async_block_till_done()
        if int(self.elapsed_s // 300) != int(before // 300):
            await self._compile()

    async def _compile(self) -> None:
        await async_wait_recording_done(self.hass)
        do_adhoc_statistics(self.hass, start=get_start_time(dt_util.utcnow() - timedelta(minutes=5)))
        await async_wait_recording_done(self.hass)

    async def _poll(self) -> None:
        for name in (HUB, COUNTERS, POWERS, PLANT):
            entry = self.entries[name]
            if entry.state is ConfigEntryState.LOADED:
                await entry.runtime_data.async_refresh()
        await self.hass.async_block_till_done()
        if self.trace is not None:
            self._trace_row()
        live = self._live(POWERS)
        span_start = live.export()["span"]["start_s"]  # type: ignore[index]
        if span_start != self._span_start:  # the powers heat pump settled a span at this poll
            counted = span_start is not None and self._span_start is not None and self._counted(live)
            self.joint.settled(self.sim.plant.heat_pumps[0].truth, counted)
            self._span_start = span_start  # type: ignore[assignment]

    def _trace_row(self) -> None:
        """One line per poll (ASHP_SOAK_TRACE=path): where the counted totals part from the truth."""
        assert self.trace is not None
        truth = self.sim.plant.heat_pumps[0].truth
        row: dict[str, Any] = {
            "t": self.elapsed_s, "truth_heat": round(truth.heat_kwh + truth.defrost_heat_kwh, 4),
            "truth_elec": round(truth.elec_unit_kwh, 4), "silent": sorted(self.sim.faults.silent),
            "recent": self.recent[-1:],
        }  # fmt: skip
        for name in (COUNTERS, POWERS):
            entry = self.entries[name]
            if entry.state is not ConfigEntryState.LOADED:
                row[name] = "not loaded"
                continue
            live = entry.runtime_data.live
            exported = live.export()
            row[name] = {"heat": round(live.totals.heat_kwh, 4), "elec": round(live.totals.elec_unit_kwh, 4),
                         "span": exported["span"]["start_s"], "problems": entry.runtime_data.problems}  # fmt: skip
        self.trace.write(json.dumps(row) + "\n")

    def _counted(self, live: Any) -> bool:
        elec = live.totals.elec_unit_kwh
        counted = elec > getattr(self, "_powers_elec", -1.0)
        self._powers_elec = elec
        return bool(counted)

    def _live(self, name: str) -> Any:
        coordinator = self.entries[name].runtime_data
        assert isinstance(coordinator, HeatPumpCoordinator)
        return coordinator.live

    def _counters_totals(self) -> tuple[float, float]:
        totals = self._live(COUNTERS).totals
        return totals.heat_kwh, totals.elec_unit_kwh

    # -- faults ------------------------------------------------------------------------------------
    async def _apply(self, fault: Fault) -> tuple[float, Callable[[], None]] | None:
        faults = self.sim.faults
        end = fault.start_s + fault.length_s
        self.applied[fault.kind] += 1
        self.recent = [
            *self.recent,
            f"{fault.kind} unit {fault.unit} at {fault.start_s:.0f} s for {fault.length_s:.0f} s",
        ][-4:]
        match fault.kind:
            case "silent":
                faults.silent.add(fault.unit)
                return end, lambda: faults.silent.discard(fault.unit)
            case "drop":
                self.server.drop_connections()
            case "exceptions":
                faults.exceptions[fault.unit] = int(fault.value)
                return end, lambda: faults.exceptions.pop(fault.unit, None)
            case "late":
                faults.late[fault.unit] = 1.0  # beyond the hub's 0.3 s timeout
                return end, lambda: faults.late.pop(fault.unit, None)
            case "bad_tid":
                faults.bad_tid.add(fault.unit)
                return end, lambda: faults.bad_tid.discard(fault.unit)
            case "sentinel":
                faults.sentinel.add(fault.unit)
                return end, lambda: faults.sentinel.discard(fault.unit)
            case "reset":
                self.sim.reset_counter(fault.unit)
            case "replace":
                self.sim.replace_counter(fault.unit, fault.value)
            case "restart" | "kill":
                await self._restart(kill=fault.kind == "kill", downtime_s=fault.length_s)
        return None

    async def _restart(self, *, kill: bool, downtime_s: float) -> None:
        """Home Assistant stops (cleanly, or killed with nothing saved on the way down) and starts again."""
        # What was shown is in the recorder (it commits within seconds; a poll here takes milliseconds).
        await async_wait_recording_done(self.hass)
        if kill:
            for name in (COUNTERS, POWERS, PLANT):
                store = self.entries[name].runtime_data.totals_store._store
                store._async_cleanup_delay_listener()  # the pending save dies with the process
                store._async_cleanup_final_write_listener()
            with patch.object(TotalsStore, "async_save"):
                await self._unload_all()
        else:
            await self._unload_all()
        steps = max(1, int(downtime_s // self.settings.poll_s))
        for _ in range(steps):  # nobody polls; the plant and the recorder's clock go on
            await self._advance(self.settings.poll_s)
        names = [HUB, COUNTERS, POWERS, PLANT]
        self.rng.shuffle(names)  # entries come back in any order
        for name in names:
            assert await self.hass.config_entries.async_setup(self.entries[name].entry_id), name
        await self.hass.async_block_till_done()
        self.joint.restarted()
        self._span_start = None
        self._powers_elec = self._live(POWERS).totals.elec_unit_kwh

    async def _unload_all(self) -> None:
        for name in (PLANT, POWERS, COUNTERS, HUB):
            assert await self.hass.config_entries.async_unload(self.entries[name].entry_id), name
        await self.hass.async_block_till_done()

    # -- report ------------------------------------------------------------------------------------
    def _powers_report(
        self, live: Any, start: tuple[float, float], end: dict[str, float], begin: dict[str, float]
    ) -> dict[str, Any]:
        heat = live.totals.net_heat_kwh - start[0]
        elec = live.totals.elec_unit_kwh - start[1]
        cop = heat / elec if elec > 0 else None
        truth_cop = self.joint.heat_kwh / self.joint.elec_kwh if self.joint.elec_kwh > 0 else None
        true_elec = end["elec_unit_kwh"] - begin["elec_unit_kwh"]
        return {
            "net_heat_kwh": round(heat, 3), "elec_kwh": round(elec, 3), "cop": _round(cop),
            "truth_joint_cop": _round(truth_cop),
            "cop_error_pct": _round(None if cop is None or truth_cop is None else 100 * (cop / truth_cop - 1)),
            "counted_share_pct": round(100 * elec / true_elec, 2) if true_elec > 0 else None,
        }  # fmt: skip

    async def _negative_hours(self, since: datetime) -> int:
        ids = {entity_id for entity_id, ours in self._tracked.items() if ours}
        rows = await get_instance(self.hass).async_add_executor_job(
            statistics_during_period, self.hass, since, None, ids, "hour", None, {"change"}
        )
        return sum(1 for entries in rows.values() for row in entries if (row.get("change") or 0.0) < -1e-6)


def _snapshot(truth: Truth) -> dict[str, float]:
    return {"heat_kwh": truth.heat_kwh, "defrost_heat_kwh": truth.defrost_heat_kwh,
            "elec_unit_kwh": truth.elec_unit_kwh}  # fmt: skip


def _compare(
    end: tuple[float, float], start: tuple[float, float], truth_end: dict[str, float], truth_start: dict[str, float]
) -> dict[str, Any]:
    """Heat delivered and the unit's electricity of the counter-bound heat pump against the truth."""
    delivered = lambda t: t["heat_kwh"] + t["defrost_heat_kwh"]  # noqa: E731
    heat, elec = end[0] - start[0], end[1] - start[1]
    true_heat = delivered(truth_end) - delivered(truth_start)
    true_elec = truth_end["elec_unit_kwh"] - truth_start["elec_unit_kwh"]
    return {
        "heat_kwh": round(heat, 3), "truth_heat_kwh": round(true_heat, 3),
        "heat_error_pct": round(100 * (heat / true_heat - 1), 3),
        "elec_kwh": round(elec, 3), "truth_elec_kwh": round(true_elec, 3),
        "elec_error_pct": round(100 * (elec / true_elec - 1), 3),
    }  # fmt: skip


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
