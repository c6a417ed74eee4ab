"""Rough edges a new user met in the demo (issue 17): each one's fix, held."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import voluptuous as vol
from homeassistant.const import UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ashp_cop.const import CONF_MODE_MAP, DOMAIN
from custom_components.ashp_cop.engine.live import Role
from custom_components.ashp_cop.engine.modes import TARGETS, Mode
from custom_components.ashp_cop.entity_rule import heat_pump_defaults
from custom_components.ashp_cop.role_sources import check_binding
from custom_components.ashp_cop.sensor import to_whole_minutes
from tests.integration.conftest import STRINGS, setup_entry
from tests.integration.test_heat_pump import heat_pump_entry
from tests.simulator.test_demo_seed import heat_pump_descriptions
from tools.ha_demo.seed import MODE_MAP, ROLES


async def test_a_wrong_sensor_is_named_with_its_unit_symbol_not_a_python_repr(hass: HomeAssistant) -> None:
    # an entity writes its unit as the enum member: the message showed "<UnitOfTemperature.CELSIUS: '°C'>"
    hass.states.async_set("sensor.flow", "35.0", {"unit_of_measurement": UnitOfTemperature.CELSIUS,
                                                  "device_class": "temperature"})  # fmt: skip
    binding = check_binding(hass, Role.HEAT_POWER, "sensor.flow")
    assert binding.problem == "wrong_device_class"
    assert binding.message == "sensor.flow is a temperature sensor in '°C', not power"


async def _heat_pump_with_a_line_that_is_no_mode(
    hass: HomeAssistant, mode_entity: str, states: tuple[str, str]
) -> MockConfigEntry:
    """A heat pump whose stored mode mapping maps ``states`` to space heating and hot water, and holds the line
    the demo once stored among them: `compressor_running: binary_sensor.running`."""
    hass.states.async_set("sensor.hm_power", "6000", {"unit_of_measurement": "W", "device_class": "power"})
    hass.states.async_set("sensor.meter_power", "2000", {"unit_of_measurement": "W", "device_class": "power"})
    roles = {"heat_power_w": "sensor.hm_power", "elec_power_w": "sensor.meter_power", "operating_mode": mode_entity}
    heating, hot_water = states
    stored = {heating: "space_heating", hot_water: "hot_water", "compressor_running": "binary_sensor.running"}
    hp = heat_pump_entry(roles, **{CONF_MODE_MAP: stored})
    await setup_entry(hass, hp)
    return hp


async def test_a_stored_mode_mapping_with_a_line_that_is_no_mode_is_named_not_half_used(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """The demo stored `compressor_running: binary_sensor...` among the modes: loaded silently before."""
    hass.states.async_set("sensor.hp_mode", "heating")
    hp = await _heat_pump_with_a_line_that_is_no_mode(hass, "sensor.hp_mode", ("heating", "hot_water"))
    assert hp.runtime_data.mode_map == {"heating": "space_heating", "hot_water": "hot_water"}
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"mode_map_refused_{hp.entry_id}")
    assert issue is not None and issue.translation_placeholders == {
        "name": hp.title, "error": "compressor_running: binary_sensor.running is not a mode"}  # fmt: skip
    assert "lines of its mode mapping are left out: compressor_running" in caplog.text


def _unchanged(result: Any) -> dict[str, Any]:
    """What Submit sends from a form nobody touched: its defaults and suggested values."""
    values: dict[str, Any] = {}
    for key in result["data_schema"].schema:
        if (suggested := (key.description or {}).get("suggested_value")) is not None:
            values[str(key)] = suggested
        elif key.default is not vol.UNDEFINED:
            values[str(key)] = key.default()
    return values


async def test_configure_submitted_unchanged_saves_a_stored_mode_mapping_without_its_lines_that_are_no_mode(
    hass: HomeAssistant,
) -> None:
    """It failed with "line 6: ... is not a mode": the form showed the stored line the load had left out."""
    hass.states.async_set("select.hp_mode", "Heat", {"options": ["Heat", "DHW"]})
    hp = await _heat_pump_with_a_line_that_is_no_mode(hass, "select.hp_mode", ("Heat", "DHW"))
    issue_id = f"mode_map_refused_{hp.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    result = await hass.config_entries.options.async_init(hp.entry_id)
    steps = []
    while result["type"] is FlowResultType.FORM:
        steps.append(result["step_id"])
        if result["step_id"] == "mode_map":
            # the line is named, and the text is the mapping in use
            assert result["errors"] == {CONF_MODE_MAP: "mode_map_lines_left_out"}
            assert (
                result["description_placeholders"]["error"] == "compressor_running: binary_sensor.running is not a mode"
            )
            assert "compressor_running" not in _unchanged(result)[CONF_MODE_MAP]
        result = await hass.config_entries.options.async_configure(result["flow_id"], _unchanged(result))
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    assert "mode_map" in steps
    assert hp.options[CONF_MODE_MAP] == {"Heat": "space_heating", "DHW": "hot_water"}
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None  # the reload found nothing to refuse


def test_the_demo_seeds_roles_as_roles_and_modes_as_modes() -> None:
    assert set(MODE_MAP.values()) <= set(TARGETS)
    assert set(ROLES) <= {role.value for role in Role} and "compressor_running" in ROLES


async def test_durations_are_shown_to_the_minute(hass: HomeAssistant) -> None:
    """A run time of 340 s read "0.0944444444444444 h"; to the minute it is 0.1 h, which the frontend shows as 6m."""
    hass.states.async_set("sensor.hm_power", "6000", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.meter_power", "2000", {"unit_of_measurement": "W"})
    hp = heat_pump_entry({"heat_power_w": "sensor.hm_power", "elec_power_w": "sensor.meter_power"})
    await setup_entry(hass, hp)
    hp.runtime_data.live.totals.compressor_run_s = 3823 * 60 + 18
    hp.runtime_data.live.day.compressor_run_s = 340.0
    hp.runtime_data.async_update_listeners()
    await hass.async_block_till_done()
    total = hass.states.get("sensor.garden_heat_pump_compressor_run_time")
    today = hass.states.get("sensor.garden_heat_pump_compressor_run_time_today")
    assert total is not None and today is not None
    assert float(total.state) == pytest.approx(3823 / 60, abs=1e-9) and total.attributes["unit_of_measurement"] == "h"
    assert (today.state, today.attributes["unit_of_measurement"]) == ("0.1", "h")
    assert to_whole_minutes(29.9) == 0.0 and to_whole_minutes(30.1) == 60.0


def _heat_pump_names() -> dict[str, str]:
    """Every heat pump figure's key -> its English name (all modes mapped)."""
    descriptions = heat_pump_descriptions((Mode.SPACE_HEATING, Mode.HOT_WATER, Mode.COOLING))
    return {d.key: STRINGS["entity"][platform][d.translation_key]["name"] for platform, d in descriptions}


def test_names_can_be_told_apart_when_a_card_cuts_them_at_25_characters() -> None:
    """'Heat pump Practical efficiency ...' six times: the distinguishing word comes first."""
    names = _heat_pump_names()
    cut: dict[str, list[str]] = {}
    for name in names.values():
        cut.setdefault(name[:25], []).append(name)
    assert [group for group in cut.values() if len(group) > 1] == []
    # what an owner sees at once, behind a device name as long as the demo's ("Heat pump ")
    shown = [f"Heat pump {name}"[:25] for key, name in names.items() if heat_pump_defaults(key)[:2] == (True, True)]
    assert len(shown) == len(set(shown)) >= 20
    assert STRINGS["entity"]["sensor"]["plant_net_heat_energy"]["name"] == "Net heat energy"  # not "Plant ... Plant"


def test_the_integration_page_lists_devices_and_its_button_says_what_it_adds() -> None:
    """It said "Hubs" over heat pumps and plants and "ADD HUB" to add one. Home Assistant's frontend
    (20260128, for 2026.2) heads the list with entries_<integration_type> and labels the button with
    component.<domain>.config.initiate_flow.user, else add_<integration_type> (older releases)."""
    manifest = json.loads((Path(__file__).parents[2] / "custom_components/ashp_cop/manifest.json").read_text())
    assert manifest["integration_type"] == "device"  # "Devices"; "Add device" before 2026.2
    assert STRINGS["config"]["initiate_flow"] == {"user": "Add hub, heat pump or plant"}
