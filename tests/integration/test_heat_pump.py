"""A heat pump entry over the simulated plant: flows, figures against the truth, restore, resets."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_NAME, CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ashp_cop.const import (
    CONF_ALERT_DEGRADATION,
    CONF_ALERT_LOW_COP,
    CONF_ALERT_STUCK,
    CONF_ALERT_SUSTAIN,
    CONF_APPLICATION,
    CONF_BACKUP_IN_HEAT_METER,
    CONF_DATASHEET,
    CONF_ENTRY_TYPE,
    CONF_FLOW_RATE_OFFSET,
    CONF_FLOW_TEMP_OFFSET,
    CONF_MASS_FRACTION,
    CONF_MEDIUM,
    CONF_METER_POSITION,
    CONF_MODE_MAP,
    CONF_RETURN_TEMP_OFFSET,
    CONF_ROLES,
    CONF_ROLLING_WINDOW,
    CONF_RUNNING_THRESHOLD,
    DOMAIN,
    ENTRY_HEAT_PUMP,
)
from tests.integration.conftest import setup_entry
from tools.simulator.server import ModbusServer, PlantSimulator

# Talks Modbus to the simulator: run again against the newest pymodbus.
pytestmark = pytest.mark.modbus

Plant = tuple[PlantSimulator, ModbusServer]
SAMPLE = json.loads((Path(__file__).resolve().parents[2] / "samples" / "datasheet.json").read_text())
# The plant's clock, mapped onto wall time after the entries' first (real-time) refresh.
CLOCK_ORIGIN = time.time()
CIRCUIT = {CONF_MEDIUM: "water", CONF_MASS_FRACTION: 0, CONF_METER_POSITION: "return", CONF_FLOW_TEMP_OFFSET: 0,
           CONF_RETURN_TEMP_OFFSET: 0, CONF_FLOW_RATE_OFFSET: 0, CONF_RUNNING_THRESHOLD: 100,
           CONF_ROLLING_WINDOW: 5, CONF_SCAN_INTERVAL: 10, CONF_BACKUP_IN_HEAT_METER: True}  # fmt: skip
MODBUS_ROLES = {
    "flow_temp_c": "sensor.heat_meter_flow_temperature",
    "return_temp_c": "sensor.heat_meter_return_temperature",
    "flow_m3h": "sensor.heat_meter_flow_rate",
    "elec_power_w": "sensor.outdoor_unit_electricity_power",
    "elec_energy_kwh": "sensor.outdoor_unit_electricity_imported_energy",
    "pump_energy_kwh": "sensor.circulation_pump_electricity_imported_energy",
    "defrost": "binary_sensor.controller_defrost",
}


def heat_pump_entry(roles: dict[str, str], entry_id: str | None = None, **options: Any) -> MockConfigEntry:
    return MockConfigEntry(domain=DOMAIN, title="Garden heat pump", options=options, entry_id=entry_id,
                           data={CONF_ENTRY_TYPE: ENTRY_HEAT_PUMP, CONF_ROLES: roles, **CIRCUIT})  # fmt: skip


async def modbus_heat_pump(hass: HomeAssistant, hub_entry: MockConfigEntry, **options: Any) -> MockConfigEntry:
    """The hub of the simulated plant, and a heat pump on its Modbus values."""
    await setup_entry(hass, hub_entry)
    hp = heat_pump_entry(MODBUS_ROLES, **options)
    await setup_entry(hass, hp)
    return hp


async def power_heat_pump(hass: HomeAssistant, outdoor: str | None = None) -> MockConfigEntry:
    """A heat pump set up on two plain power sensors (6 kW heat, 2 kW electric), optionally an outdoor sensor."""
    hass.states.async_set("sensor.hm_power", "6000", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.meter_power", "2000", {"unit_of_measurement": "W"})
    roles = {"heat_power_w": "sensor.hm_power", "elec_power_w": "sensor.meter_power"}
    hp = heat_pump_entry(roles | ({"outdoor_temp_c": outdoor} if outdoor else {}))
    await setup_entry(hass, hp)
    return hp


async def mode_heat_pump(
    hass: HomeAssistant,
    mapping: dict[str, str],
    state: str,
    *,
    elec_w: str = "2000",
    select_options: list[str] | None = None,
    roles: dict[str, str] | None = None,
    **options: Any,
) -> MockConfigEntry:
    """A heat pump on two plain power sensors (6 kW heat) whose operating mode is ``select.hp_mode`` in ``state``,
    its options (``mapping``'s states unless given) mapped by ``mapping``; ``roles`` binds more."""
    hass.states.async_set("sensor.hm_power", "6000", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.meter_power", elec_w, {"unit_of_measurement": "W"})
    hass.states.async_set("select.hp_mode", state, {"options": select_options or list(mapping)})
    bound = {
        "heat_power_w": "sensor.hm_power",
        "elec_power_w": "sensor.meter_power",
        "operating_mode": "select.hp_mode",
    }
    hp = heat_pump_entry(bound | (roles or {}), **{CONF_MODE_MAP: mapping, **options})
    await setup_entry(hass, hp)
    return hp


async def _run(
    hass: HomeAssistant, sim: PlantSimulator, hub: MockConfigEntry, hp: MockConfigEntry, minutes: int
) -> None:
    """Advance the plant a minute at a time, polling the hub and the heat pump after each."""
    hp.runtime_data.clock = lambda: CLOCK_ORIGIN + sim.plant.time_s
    for _ in range(minutes):
        sim.advance(60)
        await hub.runtime_data.async_refresh()
        await hp.runtime_data.async_refresh()
    await hass.async_block_till_done()


def _value(hass: HomeAssistant, entity_id: str) -> float:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return float(state.state)


async def test_figures_from_our_modbus_values_match_the_truth(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry
) -> None:
    sim, _ = plant
    hp = await modbus_heat_pump(hass, hub_entry)
    truth = sim.plant.heat_pumps[0].truth
    start = (truth.heat_kwh, truth.elec_unit_kwh, truth.defrost_count, truth.defrost_heat_kwh)
    await _run(hass, sim, hub_entry, hp, 6 * 60)

    heat = _value(hass, "sensor.garden_heat_pump_net_heat_energy")
    elec = _value(hass, "sensor.garden_heat_pump_electric_energy")
    assert heat == pytest.approx(truth.heat_kwh - start[0], rel=0.02)
    delivered = _value(hass, "sensor.garden_heat_pump_heat_energy")
    drawn = _value(hass, "sensor.garden_heat_pump_heat_drawn_back_by_defrosts")
    assert delivered - drawn == pytest.approx(heat, abs=0.01)
    assert drawn == pytest.approx(truth.defrost_heat_kwh - start[3], rel=0.1)
    assert elec == pytest.approx(truth.elec_unit_kwh - start[1], rel=0.01)
    assert _value(hass, "sensor.garden_heat_pump_defrosts") == truth.defrost_count - start[2]
    # an SPF state keeps 2 decimals, the energies 3: within half a step of the ratio of the energies shown
    assert _value(hass, "sensor.garden_heat_pump_spf_unit_since_setup_h1") == pytest.approx(heat / _value(
        hass, "sensor.garden_heat_pump_electric_energy_while_running"), abs=0.006)  # fmt: skip
    cop = hass.states.get("sensor.garden_heat_pump_cop")
    state = sim.plant.heat_pumps[0].state
    if state.running and not state.defrosting:
        assert float(cop.state) == pytest.approx(state.heat_w / state.elec_unit_w, rel=0.02)  # type: ignore[union-attr]
    energy = hass.states.get("sensor.garden_heat_pump_heat_energy")
    assert energy is not None and energy.attributes["state_class"] == "total_increasing"
    assert energy.attributes["unit_of_measurement"] == "kWh"


async def test_any_home_assistant_sensor_can_play_a_role(hass: HomeAssistant) -> None:
    hass.states.async_set("sensor.hm_power", "6.0", {"unit_of_measurement": "kW"})
    hass.states.async_set("sensor.meter_power", "2000", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.outside", "32", {"unit_of_measurement": "°F"})
    hp = heat_pump_entry({"heat_power_w": "sensor.hm_power", "elec_power_w": "sensor.meter_power",
                          "outdoor_temp_c": "sensor.outside"})  # fmt: skip
    await setup_entry(hass, hp)
    assert _value(hass, "sensor.garden_heat_pump_heat_power") == 6000.0
    assert _value(hass, "sensor.garden_heat_pump_cop") == 3.0
    hass.states.async_set("sensor.meter_power", "unavailable")
    await hp.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("sensor.garden_heat_pump_cop").state == "unknown"  # type: ignore[union-attr]
    assert hp.runtime_data.problems == {"elec_power_w": "sensor.meter_power is unavailable"}


async def test_totals_survive_a_restart_and_an_unavailable_source(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry
) -> None:
    sim, _ = plant
    hp = await modbus_heat_pump(hass, hub_entry)
    await _run(hass, sim, hub_entry, hp, 60)
    heat = _value(hass, "sensor.garden_heat_pump_heat_energy")
    assert heat > 1

    sim.faults.silent.update({11, 12})  # heat meter and electricity meter silent
    await _run(hass, sim, hub_entry, hp, 5)
    assert _value(hass, "sensor.garden_heat_pump_heat_energy") == heat  # neither 0 nor unavailable
    assert hass.states.get("sensor.garden_heat_pump_cop").state == "unknown"  # type: ignore[union-attr]
    sim.faults.silent.clear()

    assert await hass.config_entries.async_reload(hp.entry_id)
    await hass.async_block_till_done()
    assert hp.state is ConfigEntryState.LOADED
    assert _value(hass, "sensor.garden_heat_pump_heat_energy") == pytest.approx(heat)
    await _run(hass, sim, hub_entry, hp, 30)
    assert _value(hass, "sensor.garden_heat_pump_heat_energy") > heat


async def test_an_electricity_meter_reset_never_takes_the_total_back(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    sim, _ = plant
    hp = await modbus_heat_pump(hass, hub_entry)
    truth = sim.plant.heat_pumps[0].truth
    start = (truth.elec_unit_kwh, truth.heat_kwh)
    await _run(hass, sim, hub_entry, hp, 60)
    before = _value(hass, "sensor.garden_heat_pump_electric_energy")
    sim.reset_counter(12)
    await _run(hass, sim, hub_entry, hp, 60)
    elec = _value(hass, "sensor.garden_heat_pump_electric_energy")
    heat = _value(hass, "sensor.garden_heat_pump_net_heat_energy")
    true_elec, true_heat = truth.elec_unit_kwh - start[0], truth.heat_kwh - start[1]
    # the reset is confirmed after 5 minutes of the new series, which then counts from its first reading
    assert before < elec <= true_elec
    # only the poll across the reset (a minute here) is left out: at most 3 kW for a minute
    assert true_elec - elec <= 3.0 / 60
    assert heat / elec == pytest.approx(true_heat / true_elec, rel=0.02)
    assert "sensor.outdoor_unit_electricity_imported_energy was reset" in caplog.text
    events = hp.runtime_data.accounting()["counters"]["elec_energy_kwh"]["events"]  # shown in diagnostics
    assert [event["kind"] for event in events] == ["reset"] and events[0]["after"] < events[0]["before"]


async def _flow(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    return await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "heat_pump"})  # type: ignore[return-value]


async def test_heat_pump_flow_with_every_error_and_recovery(hass: HomeAssistant) -> None:
    for entity_id in ("sensor.h", "sensor.e"):  # the meters' counters, bound below
        hass.states.async_set(entity_id, "12.5", {"unit_of_measurement": "kWh", "device_class": "energy"})
    result = await _flow(hass)
    assert result["step_id"] == "heat_pump"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Garden heat pump", "flow_temp_c": "sensor.a", "elec_power_w": "sensor.p"}
    )
    assert result["errors"] == {"base": "no_heat_source"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Garden heat pump", "heat_energy_kwh": "sensor.h"}
    )
    assert result["errors"] == {"base": "no_electricity_source"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Garden heat pump", "heat_energy_kwh": "sensor.h", "elec_energy_kwh": "sensor.e"}
    )
    assert result["step_id"] == "circuit"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CIRCUIT | {CONF_MASS_FRACTION: 30})
    assert result["errors"] == {CONF_MASS_FRACTION: "invalid_medium"}
    assert "water has no glycol" in result["description_placeholders"]["error"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], CIRCUIT | {CONF_MEDIUM: "propylene_glycol", CONF_MASS_FRACTION: 30}
    )
    assert result["step_id"] == "datasheet"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_DATASHEET: "{points: [", CONF_APPLICATION: "35"}
    )
    assert result["errors"] == {CONF_DATASHEET: "invalid_datasheet"}
    assert result["description_placeholders"]["error"].startswith("not valid JSON")
    zero_cop = SAMPLE | {"points": [p | {"cop": 0} for p in SAMPLE["points"]]}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_DATASHEET: json.dumps(zero_cop), CONF_APPLICATION: "35"}
    )
    assert result["errors"] == {CONF_DATASHEET: "invalid_datasheet"}
    assert "cop" in result["description_placeholders"]["error"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_DATASHEET: json.dumps(SAMPLE), CONF_APPLICATION: "55"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_APPLICATION] == 55 and json.loads(result["data"][CONF_DATASHEET]) == SAMPLE
    assert result["data"][CONF_ROLES] == {"heat_energy_kwh": "sensor.h", "elec_energy_kwh": "sensor.e"}
    assert result["data"][CONF_MEDIUM] == "propylene_glycol"
    assert result["result"].unique_id == "heat_pump:sensor.h+sensor.e"  # its heat and electricity meters
    await hass.async_block_till_done()  # the new entry sets up (a test ending mid-set-up fails at teardown)
    assert result["result"].state is ConfigEntryState.LOADED


async def test_options_change_settings_from_now_on(hass: HomeAssistant) -> None:
    hp = await power_heat_pump(hass)
    hp.runtime_data.live.totals.heat_kwh = 123.0
    result = await hass.config_entries.options.async_init(hp.entry_id)
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"heat_power_w": "sensor.hm_power"})
    assert result["errors"] == {"base": "no_electricity_source"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"heat_power_w": "sensor.hm_power", "elec_power_w": "sensor.meter_power"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], CIRCUIT | {CONF_RUNNING_THRESHOLD: 2500}
    )
    assert result["step_id"] == "datasheet"
    result = await hass.config_entries.options.async_configure(result["flow_id"], {CONF_APPLICATION: "35"})
    assert result["step_id"] == "alerts"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_ALERT_LOW_COP: 1.2, CONF_ALERT_DEGRADATION: 25, CONF_ALERT_SUSTAIN: 30, CONF_ALERT_STUCK: 20},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert hp.options[CONF_RUNNING_THRESHOLD] == 2500
    assert hp.runtime_data.live.settings.running_threshold_w == 2500
    assert hp.runtime_data.alerts.settings.low_cop == 1.2 and hp.runtime_data.alerts.settings.sustain_s == 1800
    assert _value(hass, "sensor.garden_heat_pump_heat_energy") == 123.0  # kept across the reload
    assert hass.states.get("sensor.garden_heat_pump_cop").state == "unknown"  # type: ignore[union-attr]


async def test_datasheet_gives_rated_scop_expected_cop_and_the_gap(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry
) -> None:
    sim, _ = plant
    await setup_entry(hass, hub_entry)
    roles = MODBUS_ROLES | {"outdoor_temp_c": "sensor.controller_outdoor_temperature"}
    hp = heat_pump_entry(roles, **{CONF_DATASHEET: json.dumps(SAMPLE), CONF_APPLICATION: 35})
    await setup_entry(hass, hp)
    await _run(hass, sim, hub_entry, hp, 10)
    assert _value(hass, "sensor.garden_heat_pump_rated_scop_en_14825") == pytest.approx(4.65, abs=0.01)
    coordinator = hp.runtime_data
    state = sim.plant.heat_pumps[0].state
    assert state.running
    expected = _value(hass, "sensor.garden_heat_pump_expected_cop_now")
    assert expected == pytest.approx(coordinator.rating.expected.cop(state.outdoor_c, state.flow_c), rel=0.01)
    gap = _value(hass, "sensor.garden_heat_pump_cop_against_the_datasheet")
    # the gap's state keeps 0.1 %; the expected COP's state is rounded to 0.01, so compare with the coordinator's
    assert gap == pytest.approx(100 * (coordinator.live.rolling_cop / coordinator.expected_cop - 1), abs=0.051)
    assert gap < 0  # the simulated unit (45 % of Carnot, frosting) falls short of this optimistic datasheet


async def test_stuck_flow_meter_raises_an_alert_and_a_repair_issue(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry, issue_registry: ir.IssueRegistry
) -> None:
    sim, _ = plant
    alerts = {CONF_ALERT_STUCK: 5, CONF_ALERT_SUSTAIN: 5, CONF_ALERT_LOW_COP: 1.0, CONF_ALERT_DEGRADATION: 20}
    hp = await modbus_heat_pump(hass, hub_entry, **alerts)
    await _run(hass, sim, hub_entry, hp, 10)
    assert hass.states.get("binary_sensor.garden_heat_pump_flow_meter_stuck").state == "off"  # type: ignore[union-attr]
    sim.freeze_flow(0)
    await _run(hass, sim, hub_entry, hp, 15)
    assert hass.states.get("binary_sensor.garden_heat_pump_flow_meter_stuck").state == "on"  # type: ignore[union-attr]
    issue = issue_registry.async_get_issue(DOMAIN, f"flow_stuck_{hp.entry_id}")
    assert issue is not None and issue.translation_placeholders["flow"] == "sensor.heat_meter_flow_rate"  # type: ignore[index]
    sim.faults.stuck_flow.clear()
    await _run(hass, sim, hub_entry, hp, 2)
    assert hass.states.get("binary_sensor.garden_heat_pump_flow_meter_stuck").state == "off"  # type: ignore[union-attr]
    assert issue_registry.async_get_issue(DOMAIN, f"flow_stuck_{hp.entry_id}") is None


async def test_low_cop_alert_with_a_silly_threshold(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry, issue_registry: ir.IssueRegistry
) -> None:
    sim, _ = plant
    # a threshold of 6 makes this unit's ~3.5 a "low COP" for the test's sake
    hp = await modbus_heat_pump(hass, hub_entry, **{CONF_ALERT_LOW_COP: 6.0, CONF_ALERT_SUSTAIN: 10})
    await _run(hass, sim, hub_entry, hp, 30)
    assert hass.states.get("binary_sensor.garden_heat_pump_cop_below_threshold").state == "on"  # type: ignore[union-attr]
    assert issue_registry.async_get_issue(DOMAIN, f"low_cop_{hp.entry_id}") is not None
    assert await hass.config_entries.async_remove(hp.entry_id)
    assert issue_registry.async_get_issue(DOMAIN, f"low_cop_{hp.entry_id}") is None


async def test_role_problems_are_named(hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry) -> None:
    sim, _ = plant
    await setup_entry(hass, hub_entry)
    hass.states.async_set("sensor.odd_power", "5", {"unit_of_measurement": "gal"})
    hass.states.async_set("sensor.text", "broken")
    hass.states.async_set("sensor.nan", "nan", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.kw_meter", "1.5", {"unit_of_measurement": "kW"})
    roles = {"heat_power_w": "sensor.odd_power", "elec_power_w": "sensor.text", "pump_power_w": "sensor.nan",
             "backup_power_w": "sensor.kw_meter", "outdoor_temp_c": "sensor.missing",
             "flow_temp_c": "sensor.heat_meter_flow_temperature"}  # fmt: skip
    hp = heat_pump_entry(roles)
    await setup_entry(hass, hp)
    assert hp.runtime_data.problems == {
        "heat_power_w": "sensor.odd_power is in 'gal', which cannot be converted to W",
        "elec_power_w": "sensor.text is not a number ('broken')",
        "pump_power_w": "sensor.nan has no reading",
        "outdoor_temp_c": "sensor.missing is missing",
    }
    sim.faults.silent.add(11)
    await hub_entry.runtime_data.async_refresh()
    await hp.runtime_data.async_refresh()
    assert hp.runtime_data.problems["flow_temp_c"] == "sensor.heat_meter_flow_temperature has no reading"


async def test_a_stored_datasheet_the_checks_now_refuse_leaves_the_heat_pump_running(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry
) -> None:
    hass.states.async_set("sensor.hm_power", "6000", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.meter_power", "2000", {"unit_of_measurement": "W"})
    typo = {key: value for key, value in SAMPLE.items() if key != "offmode_w"} | {"offmode": SAMPLE["offmode_w"]}
    hp = heat_pump_entry(
        {"heat_power_w": "sensor.hm_power", "elec_power_w": "sensor.meter_power"},
        **{CONF_DATASHEET: json.dumps(typo), CONF_APPLICATION: 35},
    )  # accepted by an older release
    await setup_entry(hass, hp)
    assert hp.state is ConfigEntryState.LOADED and _value(hass, "sensor.garden_heat_pump_cop") == 3.0
    assert hass.states.get("sensor.garden_heat_pump_rated_scop_en_14825") is None
    issue = issue_registry.async_get_issue(DOMAIN, f"datasheet_refused_{hp.entry_id}")
    assert issue is not None and "did you mean offmode_w" in issue.translation_placeholders["error"]  # type: ignore[index]
