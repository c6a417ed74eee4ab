"""Compressor cycling and the practical efficiency over the simulated plant in mild weather (issue 10).

The plant runs time-accelerated: the simulator's clock stands still between polls and is advanced by
the poll interval, the heat pump's clock follows it. Acceptance: starts counted exactly, run time
within one poll interval per run (and per restart), and analyze of the very polls agrees.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ashp_cop.const import CONF_ALERT_MAX_STARTS, CONF_ALERT_MIN_RUN, CONF_MODE_MAP, DOMAIN
from custom_components.ashp_cop.engine.analyze import AnalysisOptions, analyze
from custom_components.ashp_cop.engine.timeseries import TimeSeries
from tests.integration.conftest import LONG_RUN_TIMEOUT_S, serving_plant, setup_entry
from tests.integration.test_heat_pump import heat_pump_entry
from tools.simulator.server import PlantSimulator

pytestmark = pytest.mark.modbus

POLL_S = 30.0
ROLES = {
    "heat_power_w": "sensor.heat_meter_power",
    "elec_power_w": "sensor.outdoor_unit_electricity_power",
    "flow_temp_c": "sensor.heat_meter_flow_temperature",
    "outdoor_temp_c": "sensor.controller_outdoor_temperature",
}
FLAG = {"compressor_running": "binary_sensor.controller_compressor_running"}
COLUMNS = {"heat_power_w": "heat_power_w", "elec_power_w": "elec_power_w", "flow_temp_c": "flow_temp_c",
           "outdoor_temp_c": "outdoor_temp_c", "compressor_running": "compressor_running"}  # fmt: skip
Mild = tuple[PlantSimulator, MockConfigEntry]


@pytest.fixture
async def mild(hass: HomeAssistant) -> AsyncIterator[Mild]:
    """A mild autumn plant: the unit is oversized for the load and cycles on and off; its hub, set up."""
    sim = PlantSimulator(1, seed=1, speed=0.0, mean_outdoor_c=12.0, start_s=0.0)
    async with serving_plant(hass, sim, timeout=LONG_RUN_TIMEOUT_S) as hub:
        yield sim, hub


class Polls:
    """Polls the hub and the heat pump every POLL_S of plant time and keeps what the heat pump read."""

    def __init__(self, hass: HomeAssistant, sim: PlantSimulator, hub: MockConfigEntry, roles: dict[str, str]) -> None:
        self.hass, self.sim, self.hub, self.roles = hass, sim, hub, roles
        self.rows: list[dict[str, float]] = []
        # the plant's clock on wall time from now: after the entry's first (real-time) refresh of its set-up
        self.origin = time.time() + 1.0 - sim.plant.time_s

    async def run(self, hp: MockConfigEntry, hours: float) -> None:
        hp.runtime_data.clock = lambda: self.origin + self.sim.plant.time_s
        for _ in range(int(hours * 3600 / POLL_S)):
            self.sim.advance(POLL_S)
            await self.poll(hp)

    async def poll(self, hp: MockConfigEntry) -> None:
        await self.hub.runtime_data.async_refresh()
        await hp.runtime_data.async_refresh()
        row = {"t": self.origin + self.sim.plant.time_s}
        for role, entity_id in self.roles.items():
            state = self.hass.states.get(entity_id)
            assert state is not None, entity_id
            row[COLUMNS[role]] = 1.0 if state.state == "on" else 0.0 if state.state == "off" else float(state.state)
        self.rows.append(row)

    def series(self) -> TimeSeries:
        t = np.array([row["t"] for row in self.rows])
        columns = {name: np.array([row[name] for row in self.rows]) for name in self.rows[0] if name != "t"}
        return TimeSeries(t_s=t, columns=columns)


def _value(hass: HomeAssistant, entity_id: str) -> float:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return float(state.state)


@pytest.mark.parametrize("flag", [False, True], ids=["running_threshold", "compressor_running_flag"])
async def test_starts_exact_run_time_within_a_poll_and_analyze_agrees(hass: HomeAssistant, mild: Mild,
                                                                      flag: bool) -> None:  # fmt: skip
    sim, hub = mild
    roles = ROLES | (FLAG if flag else {})
    hp = heat_pump_entry(roles)
    await setup_entry(hass, hp)
    polls = Polls(hass, sim, hub, roles)
    await polls.run(hp, 0.1)  # the first polls: a run going now is not a start
    truth = sim.plant.heat_pumps[0].truth
    live = hp.runtime_data.live
    start = (truth.compressor_starts, truth.compressor_run_s, live.totals.compressor_starts)
    await polls.run(hp, 4)
    assert await hass.config_entries.async_reload(hp.entry_id)  # a restart of Home Assistant in the middle
    await hass.async_block_till_done()
    await polls.run(hp, 4)
    live = hp.runtime_data.live

    starts = truth.compressor_starts - start[0]
    assert starts >= 6  # about one an hour in this weather
    assert live.totals.compressor_starts - start[2] == starts
    assert _value(hass, "sensor.garden_heat_pump_compressor_starts") == live.totals.compressor_starts
    # each run and the restart's interval are off by at most one poll
    assert abs(live.totals.compressor_run_s - (truth.compressor_run_s - start[1])) <= POLL_S * (starts + 2)
    assert live.day.runs >= starts - 2
    shown_mean_min = _value(hass, "sensor.garden_heat_pump_mean_run_length_today")
    assert shown_mean_min == pytest.approx(live.day.mean_run_s / 60, abs=0.05)  # type: ignore[operator]

    report = analyze(polls.series(), AnalysisOptions(max_gap_s=3 * POLL_S))
    cycling = report["cycling"]
    assert isinstance(cycling, dict)
    assert cycling["source"] == ("compressor_running" if flag else "running_threshold")
    assert cycling["starts"] == live.totals.compressor_starts  # the polls begin with the first one
    # the restart costs the live model one interval of run time; analyze has the polls on both sides
    assert cycling["run_hours"] * 3600 == pytest.approx(live.totals.compressor_run_s, abs=POLL_S)
    carnot = report["carnot"]
    assert isinstance(carnot, dict)
    assert live.carnot.total.practical_efficiency == pytest.approx(carnot["practical_efficiency"], rel=0.01)
    assert live.carnot.total.mean_flow_temp_c == pytest.approx(carnot["mean_flow_temp_c"], abs=0.1)
    assert _value(hass, "sensor.garden_heat_pump_carnot_since_setup") == pytest.approx(
        100 * live.carnot.total.practical_efficiency, abs=0.05)  # type: ignore[operator]  # fmt: skip
    assert 0.3 < carnot["practical_efficiency"] < 0.6  # the simulator's unit makes 45 % of its own Carnot COP
    since_setup = _value(hass, "sensor.garden_heat_pump_carnot_since_setup")
    for period in ("season", "last_365_days"):  # set up today: each period holds what was counted
        assert _value(hass, f"sensor.garden_heat_pump_carnot_{period}") == since_setup


async def test_short_cycling_raises_a_repair_issue_and_clears_when_it_stops(
    hass: HomeAssistant, mild: Mild, issue_registry: ir.IssueRegistry
) -> None:
    sim, hub = mild
    spec = sim.plant.heat_pumps[0].spec
    defaults = (spec.buffer_wh, spec.min_run_s, spec.min_off_s)
    spec.buffer_wh, spec.min_run_s, spec.min_off_s = 30.0, 240.0, 120.0  # a small system volume, short timers
    options: dict[str, Any] = {CONF_ALERT_MAX_STARTS: 3, CONF_ALERT_MIN_RUN: 1}  # the starts condition alone
    hp = heat_pump_entry(ROLES, **options)
    await setup_entry(hass, hp)
    polls = Polls(hass, sim, hub, ROLES)
    alert = "binary_sensor.garden_heat_pump_short_cycling"
    await polls.run(hp, 0.5)
    assert hass.states.get(alert).state == "off"  # type: ignore[union-attr]
    await polls.run(hp, 1.5)
    assert hass.states.get(alert).state == "on"  # type: ignore[union-attr]
    issue = issue_registry.async_get_issue(DOMAIN, f"short_cycling_{hp.entry_id}")
    assert issue is not None and int(issue.translation_placeholders["starts"]) > 3  # type: ignore[index]
    assert issue.translation_placeholders["max_starts"] == "3"  # type: ignore[index]

    spec.buffer_wh, spec.min_run_s, spec.min_off_s = defaults  # the installer fixed it
    await polls.run(hp, 2)
    assert hass.states.get(alert).state == "off"  # type: ignore[union-attr]
    assert issue_registry.async_get_issue(DOMAIN, f"short_cycling_{hp.entry_id}") is None


async def test_any_binary_sensor_can_be_the_compressor_running_flag(hass: HomeAssistant) -> None:
    hass.states.async_set("sensor.hm_power", "6000", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.meter_power", "2000", {"unit_of_measurement": "W"})
    hass.states.async_set("binary_sensor.compressor", "on")
    hp = heat_pump_entry({"heat_power_w": "sensor.hm_power", "elec_power_w": "sensor.meter_power",
                          "compressor_running": "binary_sensor.compressor"})  # fmt: skip
    await setup_entry(hass, hp)
    clock = {"t": time.time()}  # after the first (real-time) refresh of the set-up
    hp.runtime_data.clock = lambda: clock["t"]
    for flag, power in (("off", "2000"), ("on", "2000"), ("on", "15"), ("unavailable", "2000"), ("off", "2000"),
                        ("on", "15")):  # fmt: skip
        hass.states.async_set("binary_sensor.compressor", flag)
        hass.states.async_set("sensor.meter_power", power, {"unit_of_measurement": "W"})
        clock["t"] += POLL_S
        await hp.runtime_data.async_refresh()
    await hass.async_block_till_done()
    # the flag's two starts, whatever the power says; an unavailable flag keeps the state, never the power's
    assert _value(hass, "sensor.garden_heat_pump_compressor_starts") == 2
    assert _value(hass, "sensor.garden_heat_pump_compressor_starts_today") == 2


@pytest.mark.parametrize(("mode_state", "alerted"), [("heating", True), ("dhw", False)], ids=["space_heating",
                                                                                            "hot_water"])  # fmt: skip
async def test_short_cycling_is_judged_in_space_heating_only(
    hass: HomeAssistant, mild: Mild, mode_state: str, alerted: bool
) -> None:
    # a hot-water reheat cycles by design: the same cycling in hot water raises nothing
    sim, hub = mild
    spec = sim.plant.heat_pumps[0].spec
    spec.buffer_wh, spec.min_run_s, spec.min_off_s = 30.0, 240.0, 120.0
    hass.states.async_set("sensor.diverter_mode", mode_state)
    roles = ROLES | {"operating_mode": "sensor.diverter_mode"}
    hp = heat_pump_entry(roles, **{CONF_ALERT_MAX_STARTS: 3, CONF_ALERT_MIN_RUN: 1,
                                   CONF_MODE_MAP: {"heating": "space_heating", "dhw": "hot_water"}})  # fmt: skip
    await setup_entry(hass, hp)
    polls = Polls(hass, sim, hub, ROLES)
    await polls.run(hp, 2)
    assert hp.runtime_data.live.totals.compressor_starts > 3
    assert hass.states.get("binary_sensor.garden_heat_pump_short_cycling").state == ("on" if alerted else "off")  # type: ignore[union-attr]
