"""Operating modes in Home Assistant: the role and its mapping in the flows, per-mode sensors against the truth."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_NAME, Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.ashp_cop.const import CONF_MODE_MAP, CONF_ROLES, DOMAIN
from custom_components.ashp_cop.engine.modes import Mode
from tests.integration.conftest import LONG_RUN_TIMEOUT_S, STRINGS, serving_plant, setup_entry
from tests.integration.test_heat_pump import CIRCUIT, CLOCK_ORIGIN, MODBUS_ROLES, heat_pump_entry, mode_heat_pump
from tests.integration.test_snapshots import SET_UP_AT, _snapshot
from tools.simulator.server import PlantSimulator

pytestmark = pytest.mark.modbus

MODE_ENTITY = "sensor.controller_operating_mode"
CONTROLLER_MAP = {"off": "off", "heating": "space_heating", "hot_water": "hot_water", "defrost": "unchanged",
                  "cooling": "cooling"}  # fmt: skip
HEATING_ONLY_MAP = {"off": "off", "heating": "space_heating", "hot_water": "hot_water", "defrost": "unchanged",
                    "cooling": "space_heating"}  # fmt: skip


@pytest.fixture
async def dhw_hub(hass: HomeAssistant) -> AsyncIterator[tuple[PlantSimulator, MockConfigEntry]]:
    """The simulated plant with hot-water cycles, its clock at 05:30 (a tank reheat comes at 06:00)."""
    sim = PlantSimulator(1, seed=1, speed=0.0, start_s=5.5 * 3600.0, hot_water=True)
    async with serving_plant(hass, sim, timeout=LONG_RUN_TIMEOUT_S) as hub:
        yield sim, hub


def _value(hass: HomeAssistant, entity_id: str) -> float:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return float(state.state)


async def _run(
    hass: HomeAssistant, sim: PlantSimulator, hub: MockConfigEntry, hp: MockConfigEntry, minutes: int
) -> None:
    """Poll every 10 s, the simulator's step: a 5-minute defrost is then seen as long as it is."""
    hp.runtime_data.clock = lambda: CLOCK_ORIGIN + sim.plant.time_s
    for _ in range(minutes * 6):
        sim.advance(10)
        await hub.runtime_data.async_refresh()
        await hp.runtime_data.async_refresh()
    await hass.async_block_till_done()


async def test_heat_and_electricity_per_mode_from_the_controllers_mode_register(
    hass: HomeAssistant, dhw_hub: tuple[PlantSimulator, MockConfigEntry]
) -> None:
    sim, hub = dhw_hub
    roles = MODBUS_ROLES | {"operating_mode": MODE_ENTITY, "outdoor_temp_c": "sensor.controller_outdoor_temperature"}
    hp = heat_pump_entry(roles, **{CONF_MODE_MAP: HEATING_ONLY_MAP})
    await setup_entry(hass, hp)
    truth = sim.plant.heat_pumps[0].truth
    start = {name: getattr(truth, name) for name in ("sh_heat_kwh", "sh_elec_unit_kwh", "dhw_heat_kwh",
                                                      "dhw_elec_unit_kwh")}  # fmt: skip
    await _run(hass, sim, hub, hp, 90)
    gained = {name: getattr(truth, name) - value for name, value in start.items()}
    assert gained["dhw_heat_kwh"] > 1.5  # the 06:00 reheat ran
    hw_heat = _value(hass, "sensor.garden_heat_pump_hot_water_heat_energy")
    hw_drawn = _value(hass, "sensor.garden_heat_pump_hot_water_defrost_energy")
    sh_heat = _value(hass, "sensor.garden_heat_pump_space_heating_heat_energy")
    sh_drawn = _value(hass, "sensor.garden_heat_pump_space_heating_defrost_energy")
    assert hw_heat - hw_drawn == pytest.approx(gained["dhw_heat_kwh"], rel=0.01)
    assert sh_heat - sh_drawn == pytest.approx(gained["sh_heat_kwh"], rel=0.01)
    live = hp.runtime_data.live
    hw_unit = live.modes.totals[Mode.HOT_WATER].elec_unit_kwh
    assert hw_unit == pytest.approx(gained["dhw_elec_unit_kwh"], rel=0.01)
    # heat pump electricity is metered (elec counter); pumps too: the mode's electric energy holds both
    assert _value(hass, "sensor.garden_heat_pump_hot_water_electric_energy") > hw_unit
    # per mode adds up to the combined figure
    assert hw_heat + sh_heat == pytest.approx(_value(hass, "sensor.garden_heat_pump_heat_energy"), abs=0.003)
    assert 1.5 < _value(hass, "sensor.garden_heat_pump_hot_water_cop_today") < _value(
        hass, "sensor.garden_heat_pump_space_heating_cop_today")  # fmt: skip
    # each heating mode's heat was made at its own flow temperature: the tank is reheated at 50-55 C
    sensor = "sensor.garden_heat_pump_{0}_{2}_{1}_temp_heat_weighted"  # mode, what, period
    hw_flow_c = _value(hass, sensor.format("hot_water", "flow", "today"))
    sh_flow_c = _value(hass, sensor.format("space_heating", "flow", "today"))
    assert 48.0 < hw_flow_c < 56.0
    assert sh_flow_c < hw_flow_c - 10.0
    assert sh_flow_c < _value(hass, "sensor.garden_heat_pump_flow_temp_today_heat_weighted") < hw_flow_c
    outdoor_c = _value(hass, "sensor.controller_outdoor_temperature")
    assert _value(hass, sensor.format("hot_water", "outdoor", "today")) == pytest.approx(outdoor_c, abs=1.5)
    hw_eta = _value(hass, "sensor.garden_heat_pump_hot_water_today_carnot")
    sh_eta = _value(hass, "sensor.garden_heat_pump_space_heating_today_carnot")
    assert 25.0 < hw_eta < 70.0 and 25.0 < sh_eta < 70.0  # percent of the Carnot COP (a real unit: 40-60)
    # one day old: the season is today
    assert _value(hass, sensor.format("hot_water", "flow", "season")) == pytest.approx(hw_flow_c, abs=0.01)
    assert _value(hass, "sensor.garden_heat_pump_hot_water_season_carnot") == pytest.approx(
        hw_eta, abs=0.01)  # fmt: skip
    # the mapping produces no cooling: no cooling sensors
    assert hass.states.get("sensor.garden_heat_pump_cooling_energy_heat_removed") is None
    assert not [s for s in hass.states.async_entity_ids("sensor") if "cooling" in s]
    # the per-mode totals survive a reload, as the combined ones
    assert await hass.config_entries.async_reload(hp.entry_id)
    await hass.async_block_till_done()
    assert _value(hass, "sensor.garden_heat_pump_hot_water_heat_energy") == pytest.approx(hw_heat)
    # ... and so do their practical efficiencies; a closed day stays in the season and today starts anew
    season = "sensor.garden_heat_pump_hot_water_season_flow_temp_heat_weighted"
    assert _value(hass, season) == pytest.approx(hw_flow_c, abs=0.01)
    hp.runtime_data.close_day()
    hp.runtime_data.async_update_listeners()
    await hass.async_block_till_done()
    assert hass.states.get(sensor.format("hot_water", "flow", "today")).state == "unknown"  # type: ignore[union-attr]
    assert _value(hass, season) == pytest.approx(hw_flow_c, abs=0.01)


async def test_a_diverter_valve_flag_tells_hot_water(
    hass: HomeAssistant, dhw_hub: tuple[PlantSimulator, MockConfigEntry]
) -> None:
    sim, hub = dhw_hub
    roles = MODBUS_ROLES | {"operating_mode": "binary_sensor.controller_hot_water_diverter_valve"}
    hp = heat_pump_entry(roles, **{CONF_MODE_MAP: {"on": "hot_water", "off": "space_heating"}})
    await setup_entry(hass, hp)
    before = sim.plant.heat_pumps[0].truth.dhw_heat_kwh
    await _run(hass, sim, hub, hp, 60)
    gained = sim.plant.heat_pumps[0].truth.dhw_heat_kwh - before
    heat = _value(hass, "sensor.garden_heat_pump_hot_water_heat_energy")
    assert heat - _value(hass, "sensor.garden_heat_pump_hot_water_defrost_energy") == pytest.approx(gained, rel=0.01)


async def test_an_unmapped_state_is_named_and_the_mode_kept(hass: HomeAssistant) -> None:
    hp = await mode_heat_pump(hass, {"heat": "space_heating", "dhw": "hot_water"}, "dhw")
    assert hp.runtime_data.live.modes.current.value == "hot_water"
    hass.states.async_set("select.hp_mode", "eco")
    await hp.runtime_data.async_refresh()
    assert hp.runtime_data.problems == {
        "operating_mode": "select.hp_mode is 'eco', which the mode mapping does not name"
    }
    assert hp.runtime_data.live.modes.current.value == "hot_water"


async def _start_flow(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    return await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "heat_pump"})  # type: ignore[return-value]


async def test_the_flow_maps_the_modes_with_defaults_and_names_an_unmapped_state(
    hass: HomeAssistant, dhw_hub: tuple[PlantSimulator, MockConfigEntry]
) -> None:
    result = await _start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Garden heat pump", **MODBUS_ROLES, "operating_mode": MODE_ENTITY}
    )
    assert result["step_id"] == "mode_map"
    shown = result["data_schema"]({})[CONF_MODE_MAP]  # type: ignore[index]
    # the register map names the states; each gets its default
    assert shown.splitlines() == ["off: off", "heating: space_heating", "hot_water: hot_water", "defrost: unchanged",
                                  "cooling: cooling"]  # fmt: skip
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_MODE_MAP: "heating: heat"})
    assert result["errors"] == {CONF_MODE_MAP: "invalid_mode_map"}
    assert "'heat' is not a mode" in result["description_placeholders"]["error"]  # type: ignore[index]
    # said once, in the red banner under the field; the step's description said it too
    for section in ("config", "options"):
        texts = (STRINGS[section]["step"]["mode_map"]["description"], STRINGS[section]["error"]["invalid_mode_map"])
        shown_texts = " ".join(text.format(**result["description_placeholders"]) for text in texts)  # type: ignore[arg-type]
        assert shown_texts.count("'heat' is not a mode") == 1, section
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_MODE_MAP: "heating: space_heating\nhot_water: hot_water\noff: off\ndefrost: unchanged"}
    )
    assert result["errors"] == {CONF_MODE_MAP: "invalid_mode_map"}
    assert result["description_placeholders"]["error"] == f"{MODE_ENTITY} state 'cooling' is not mapped"  # type: ignore[index]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_MODE_MAP: shown})
    assert result["step_id"] == "circuit"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], dict(CIRCUIT))
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"application_c": "35"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_MODE_MAP] == CONTROLLER_MAP  # type: ignore[index]
    assert result["data"][CONF_ROLES]["operating_mode"] == MODE_ENTITY  # type: ignore[index]
    await hass.async_block_till_done()  # the new entry sets up (a test ending mid-set-up fails at teardown)
    assert result["result"].state is ConfigEntryState.LOADED  # type: ignore[typeddict-item]


async def test_options_keep_the_mapping_and_a_binary_sensor_gets_on_off(
    hass: HomeAssistant, dhw_hub: tuple[PlantSimulator, MockConfigEntry]
) -> None:
    hp = heat_pump_entry(MODBUS_ROLES | {"operating_mode": MODE_ENTITY}, **{CONF_MODE_MAP: HEATING_ONLY_MAP})
    await setup_entry(hass, hp)
    result = await hass.config_entries.options.async_init(hp.entry_id)
    roles = MODBUS_ROLES | {"operating_mode": MODE_ENTITY}
    result = await hass.config_entries.options.async_configure(result["flow_id"], roles)
    assert result["step_id"] == "mode_map"
    assert "cooling: space_heating" in result["data_schema"]({})[CONF_MODE_MAP]  # type: ignore[index]  # kept
    # another entity: its own defaults
    result = await hass.config_entries.options.async_init(hp.entry_id)
    diverter = "binary_sensor.controller_hot_water_diverter_valve"
    result = await hass.config_entries.options.async_configure(result["flow_id"], roles | {"operating_mode": diverter})
    assert result["data_schema"]({})[CONF_MODE_MAP].splitlines() == ["on: hot_water", "off: space_heating"]  # type: ignore[index]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platform", [Platform.SENSOR])
async def test_per_mode_entities(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, snapshot: SnapshotAssertion,
    dhw_hub: tuple[PlantSimulator, MockConfigEntry], platform: Platform,
) -> None:  # fmt: skip
    hp = heat_pump_entry(MODBUS_ROLES | {"operating_mode": MODE_ENTITY}, entry_id="01HEATPUMP0000000000000000",
                         **{CONF_MODE_MAP: CONTROLLER_MAP})  # fmt: skip
    object.__setattr__(hp, "created_at", SET_UP_AT)
    with patch("custom_components.ashp_cop.entry_setup.PLATFORMS", [platform]):
        await setup_entry(hass, hp)
    registry = er.async_entries_for_config_entry(entity_registry, hp.entry_id)
    keys = {e.unique_id.removeprefix(f"{hp.entry_id}_") for e in registry}
    assert {"hot_water_heat_energy", "space_heating_rolling_cop", "cooling_energy", "cooling_eer"} <= keys
    await _snapshot(hass, entity_registry, snapshot, hp.entry_id)


async def test_reconfigure_binds_a_select_and_maps_its_options(hass: HomeAssistant) -> None:
    hass.states.async_set("sensor.hm_power", "6000", {"unit_of_measurement": "W", "device_class": "power"})
    hass.states.async_set("sensor.meter_power", "2000", {"unit_of_measurement": "W", "device_class": "power"})
    hass.states.async_set("select.hp_mode", "Heat", {"options": ["Heat", "DHW", "Cool", "Standby", "Eco"]})
    roles = {"heat_power_w": "sensor.hm_power", "elec_power_w": "sensor.meter_power"}
    hp = heat_pump_entry(roles)
    await setup_entry(hass, hp)
    assert hp.runtime_data.modes == ()  # no operating mode: no per-mode sensors
    assert hass.states.get("sensor.garden_heat_pump_space_heating_heat_energy") is None
    context = {"source": SOURCE_RECONFIGURE, "entry_id": hp.entry_id}
    result = await hass.config_entries.flow.async_init(DOMAIN, context=context)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Garden heat pump", **roles, "operating_mode": "select.hp_mode"}
    )
    assert result["step_id"] == "mode_map"
    # the defaults cover the options they know; "Eco" has none
    assert result["data_schema"]({})[CONF_MODE_MAP].splitlines() == [  # type: ignore[index]
        "Heat: space_heating", "DHW: hot_water", "Cool: cooling", "Standby: off",
    ]  # fmt: skip
    mapping = "Heat: space_heating\nDHW: hot_water\nCool: cooling\nStandby: off"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_MODE_MAP: mapping})
    assert result["description_placeholders"]["error"] == "select.hp_mode state 'Eco' is not mapped"  # type: ignore[index]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_MODE_MAP: mapping + "\nEco: space_heating"}
    )
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "heat_pump_reconfigured"
    await hass.async_block_till_done()
    assert hp.data[CONF_MODE_MAP]["Eco"] == "space_heating"
    assert hp.runtime_data.modes == (Mode.SPACE_HEATING, Mode.HOT_WATER, Mode.COOLING)
    assert hass.states.get("sensor.garden_heat_pump_cooling_energy_heat_removed") is not None


def _unknown(hass: HomeAssistant, entity_id: str) -> bool:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state == "unknown"


async def test_cooling_leaves_the_heating_figures_unknown_and_has_its_own_eer(hass: HomeAssistant) -> None:
    # on 061fd2c: cooling at 26 C showed COP today, rolling COP and SPF H1/H2/H4 since set-up at 0.0
    sim = PlantSimulator(1, seed=1, speed=0.0, start_s=13 * 3600.0, mean_outdoor_c=26.0, cooling=True)
    async with serving_plant(hass, sim, timeout=LONG_RUN_TIMEOUT_S) as hub:
        hp = heat_pump_entry(MODBUS_ROLES | {"operating_mode": MODE_ENTITY}, **{CONF_MODE_MAP: CONTROLLER_MAP})
        await setup_entry(hass, hp)
        truth = sim.plant.heat_pumps[0].truth
        names = ("cool_heat_kwh", "cool_elec_unit_kwh", "elec_unit_kwh")
        before = [getattr(truth, name) for name in names]
        await _run(hass, sim, hub, hp, 60)
    removed, cooling_unit, unit = (getattr(truth, name) - then for name, then in zip(names, before, strict=True))
    assert removed > 1.0 and cooling_unit == pytest.approx(unit)  # an hour of cooling only
    for key in ("cop_today", "rolling_cop", "spf_unit_since_setup_h1", "spf_with_backup_heater_since_setup_h2",
                "spf_whole_system_since_setup_h4"):  # fmt: skip
        assert _unknown(hass, f"sensor.garden_heat_pump_{key}"), key
    # (heat removed worked out from the heat meter's rounded temperatures at a difference of a few K: within 2 %)
    assert _value(hass, "sensor.garden_heat_pump_cooling_energy_heat_removed") == pytest.approx(removed, rel=0.02)
    assert _value(hass, "sensor.garden_heat_pump_cooling_eer_today") == pytest.approx(removed / cooling_unit, rel=0.02)
    # the unit's electricity still shows all it used: the Energy dashboard's consumption
    assert _value(hass, "sensor.garden_heat_pump_electric_energy") == pytest.approx(unit, rel=0.01)


async def test_without_the_mode_role_heat_is_space_heating(
    hass: HomeAssistant, dhw_hub: tuple[PlantSimulator, MockConfigEntry]
) -> None:
    # on 061fd2c: mode dhw, role removed, 6 h of heating: hot-water heat 1.0 -> 36.98 kWh
    sim, hub = dhw_hub
    hp = heat_pump_entry(MODBUS_ROLES | {"operating_mode": MODE_ENTITY}, **{CONF_MODE_MAP: CONTROLLER_MAP})
    await setup_entry(hass, hp)
    await _run(hass, sim, hub, hp, 35)  # into the 06:00 tank reheat
    live = hp.runtime_data.live
    assert live.modes.current is Mode.HOT_WATER
    hot_water_kwh = live.modes.totals[Mode.HOT_WATER].heat_kwh
    # the role unbound (options without it): the stored mode comes back with the totals, and must not count
    hass.config_entries.async_update_entry(hp, options={CONF_ROLES: MODBUS_ROLES})
    await hass.async_block_till_done()
    live = hp.runtime_data.live
    assert hp.runtime_data.modes == ()
    truth = sim.plant.heat_pumps[0].truth
    sh_before, heat_before = live.modes.totals[Mode.SPACE_HEATING].heat_kwh, live.totals.heat_kwh
    dhw_before = truth.dhw_heat_kwh
    await _run(hass, sim, hub, hp, 60)
    assert truth.dhw_heat_kwh - dhw_before > 0.5  # the reheat went on: without the role it is space heating
    gained = live.totals.heat_kwh - heat_before
    assert gained > 2.0
    assert live.modes.totals[Mode.HOT_WATER].heat_kwh == hot_water_kwh
    assert live.modes.totals[Mode.SPACE_HEATING].heat_kwh - sh_before == pytest.approx(gained)
    assert live.modes.current is Mode.SPACE_HEATING
