"""Picking the datasheet from the Heat Pump KEYMARK database, in the config flow and the options flow."""

from __future__ import annotations

import json
from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ashp_cop.const import (
    CONF_APPLICATION,
    CONF_CLIMATE,
    CONF_DATASHEET,
    CONF_ENTRY_TYPE,
    CONF_ROLES,
    DOMAIN,
    ENTRY_HEAT_PUMP,
)
from custom_components.ashp_cop.engine.en14825 import calculate_scop, parse_datasheet
from custom_components.ashp_cop.keymark_flow import (
    CONF_KEYMARK_SEARCH,
    CONF_KEYMARK_UNIT,
    CONF_OFFMODE_HOURS,
    MAX_LISTED,
    async_keymark_database,
)
from tests.integration.conftest import STRINGS, setup_entry
from tests.integration.test_heat_pump import CIRCUIT

ROLES = {"heat_energy_kwh": "sensor.h", "elec_energy_kwh": "sensor.e"}
# A reversible CTC unit declared at 35 and 55 C in the average and colder climates (not warmer).
QUERY = "CTC EcoAir 712M 400V"


def _meters(hass: HomeAssistant) -> None:
    for entity_id in ROLES.values():
        hass.states.async_set(entity_id, "12.5", {"unit_of_measurement": "kWh", "device_class": "energy"})


async def _to_datasheet_step(hass: HomeAssistant) -> dict[str, Any]:
    _meters(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "heat_pump"})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_NAME: "Garden heat pump", **ROLES})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CIRCUIT)
    assert result["step_id"] == "datasheet"
    return dict(result)


def _suggested(result: Any, key: str) -> Any:
    return next(field for field in result["data_schema"].schema if field == key).description["suggested_value"]


def _filled(result: Any) -> str:
    """The datasheet text the form suggests."""
    return str(_suggested(result, CONF_DATASHEET))


async def test_database_is_loaded_once_in_an_executor(hass: HomeAssistant) -> None:
    first = await async_keymark_database(hass)
    assert await async_keymark_database(hass) is first
    assert first.record_count == 26491


async def test_config_flow_finds_fills_and_keeps_the_declared_scop(hass: HomeAssistant) -> None:
    result = await _to_datasheet_step(hass)
    configure = hass.config_entries.flow.async_configure
    result = await configure(result["flow_id"], {CONF_APPLICATION: "35", CONF_KEYMARK_SEARCH: "viessmann nosuchmodel"})
    assert result["step_id"] == "datasheet"
    assert result["errors"] == {CONF_KEYMARK_SEARCH: "keymark_no_match"}
    assert result["description_placeholders"]["query"] == "viessmann nosuchmodel"
    assert _suggested(result, CONF_KEYMARK_SEARCH) == "viessmann nosuchmodel"  # kept to correct, not emptied
    # a broad search lists the first MAX_LISTED and says how many matched
    result = await configure(result["flow_id"], {CONF_APPLICATION: "35", CONF_KEYMARK_SEARCH: "VIESSMANN"})
    assert result["step_id"] == "keymark_unit"
    assert int(result["description_placeholders"]["count"]) > MAX_LISTED
    assert result["description_placeholders"]["listed"] == str(MAX_LISTED)
    # a flow has no way back: the unit form searches again, keeping the last matches where nothing matches
    result = await configure(result["flow_id"], {})
    assert result["errors"] == {CONF_KEYMARK_UNIT: "keymark_no_unit"}
    result = await configure(result["flow_id"], {CONF_KEYMARK_SEARCH: "viessmann nosuchmodel"})
    assert result["step_id"] == "keymark_unit"
    assert result["errors"] == {CONF_KEYMARK_SEARCH: "keymark_no_match"}
    assert _suggested(result, CONF_KEYMARK_SEARCH) == "viessmann nosuchmodel"
    assert int(result["description_placeholders"]["count"]) > MAX_LISTED
    result = await configure(result["flow_id"], {CONF_KEYMARK_SEARCH: QUERY.lower()})
    assert result["step_id"] == "keymark_unit"
    assert not result["errors"]
    options = result["data_schema"].schema[CONF_KEYMARK_UNIT].config["options"]
    assert result["description_placeholders"]["count"] == str(len(options)) == "1"
    # the model code first: a narrow select cuts the end of an option, which was the model code
    assert options[0]["label"] == "CTC EcoAir 712M 400V · CTC EcoAir 700-series · CTC AB"
    # picking a unit with the search text unchanged goes on
    result = await configure(
        result["flow_id"], {CONF_KEYMARK_UNIT: options[0]["value"], CONF_KEYMARK_SEARCH: QUERY.lower()}
    )
    assert result["step_id"] == "keymark_conditions"
    schema = result["data_schema"].schema
    assert schema[CONF_APPLICATION].config["options"] == ["35", "55"]
    assert schema[CONF_CLIMATE].config["options"] == ["average", "colder"]
    # the flag's table unless the manufacturer declared with the other one
    assert [key.default() for key in schema if key == CONF_OFFMODE_HOURS] == ["reversible"]
    # the heat pump's reference climate (CIRCUIT: average) where the unit declares it
    assert [key.default() for key in schema if key == CONF_CLIMATE] == ["average"]
    result = await configure(
        result["flow_id"], {CONF_APPLICATION: "55", CONF_CLIMATE: "colder", CONF_OFFMODE_HOURS: "heating_only"}
    )
    assert result["step_id"] == "datasheet_keymark"
    placeholders = result["description_placeholders"]
    assert placeholders["outlet"] == "55" and placeholders["climate"] == "colder"
    assert "CC-BY-4.0" in placeholders["attribution"]
    filled = _filled(result)
    sheet = json.loads(filled)
    assert sheet["climate"] == "colder" and sheet["offmode_hours"] == "heating_only"
    assert float(placeholders["computed_scop"]) == pytest.approx(calculate_scop(parse_datasheet(sheet)).scop, abs=0.005)
    assert float(placeholders["declared_scop"]) == sheet["declared_scop"]
    # where the declared SCOP and eta_s,h agree nothing is said about them (it read "...disagree: -)")
    assert placeholders["implied_scop"] == "" or placeholders["implied_scop"].startswith(" The declared ηs,h implies")
    assert "{implied_scop}" in STRINGS["config"]["step"]["datasheet_keymark"]["description"]
    assert "disagree: " not in STRINGS["config"]["step"]["datasheet_keymark"]["description"]
    # an edit that breaks it is named, and the declared figures stay in the description
    result = await configure(result["flow_id"], {CONF_DATASHEET: filled.replace('"tol_c"', '"tol"'),
                                                 CONF_APPLICATION: "55"})  # fmt: skip
    assert result["errors"] == {CONF_DATASHEET: "invalid_datasheet"}
    assert result["description_placeholders"]["declared_scop"] == placeholders["declared_scop"]
    edited = sheet | {"pdesignh_kw": sheet["pdesignh_kw"] + 1}
    result = await configure(result["flow_id"], {CONF_DATASHEET: json.dumps(edited), CONF_APPLICATION: "55"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert json.loads(result["data"][CONF_DATASHEET]) == edited
    assert result["data"][CONF_APPLICATION] == 55
    assert CONF_KEYMARK_SEARCH not in result["data"]
    await hass.async_block_till_done()
    state = hass.states.get("sensor.garden_heat_pump_rated_scop_en_14825")
    assert state is not None
    assert state.attributes["declared_scop"] == sheet["declared_scop"]
    assert float(state.state) == pytest.approx(calculate_scop(parse_datasheet(edited)).scop, abs=0.005)


async def test_a_condition_the_unit_does_not_declare_is_refused(hass: HomeAssistant) -> None:
    result = await _to_datasheet_step(hass)
    configure = hass.config_entries.flow.async_configure
    result = await configure(result["flow_id"], {CONF_APPLICATION: "35", CONF_KEYMARK_SEARCH: QUERY})
    unit = result["data_schema"].schema[CONF_KEYMARK_UNIT].config["options"][0]["value"]
    result = await configure(result["flow_id"], {CONF_KEYMARK_UNIT: unit})
    # a select shows only the declared values; a crafted request can still ask for another
    flow = hass.config_entries.flow._progress[result["flow_id"]]  # the step behind the form
    result = await flow.async_step_keymark_conditions(
        {CONF_APPLICATION: "35", CONF_CLIMATE: "warmer", CONF_OFFMODE_HOURS: "reversible"}
    )
    assert result["step_id"] == "keymark_conditions"
    assert result["errors"] == {"base": "keymark_condition_missing"}


async def test_options_flow_picks_from_keymark_and_can_search_again(hass: HomeAssistant) -> None:
    _meters(hass)
    hp = MockConfigEntry(domain=DOMAIN, title="Garden heat pump",
                         data={CONF_ENTRY_TYPE: ENTRY_HEAT_PUMP, CONF_ROLES: ROLES, **CIRCUIT})  # fmt: skip
    await setup_entry(hass, hp)
    configure = hass.config_entries.options.async_configure
    result = await hass.config_entries.options.async_init(hp.entry_id)
    result = await configure(result["flow_id"], ROLES)
    result = await configure(result["flow_id"], CIRCUIT | {CONF_CLIMATE: "warmer"})
    assert result["step_id"] == "datasheet"
    result = await configure(result["flow_id"], {CONF_APPLICATION: "35", CONF_KEYMARK_SEARCH: "brötje BLW Eco.1"})
    assert result["step_id"] == "keymark_unit"
    unit = result["data_schema"].schema[CONF_KEYMARK_UNIT].config["options"][0]["value"]
    result = await configure(result["flow_id"], {CONF_KEYMARK_UNIT: unit})
    defaults = {str(key): key.default() for key in result["data_schema"].schema}
    assert defaults[CONF_OFFMODE_HOURS] == "heating_only"  # Brötje declares reversible units with heating-only hours
    assert defaults[CONF_CLIMATE] == "warmer"  # the heat pump's reference climate
    result = await configure(result["flow_id"], defaults)
    assert result["step_id"] == "datasheet_keymark"
    # searching again from the filled form: no match keeps the filled form and its figures
    result = await configure(result["flow_id"], {CONF_APPLICATION: "35", CONF_KEYMARK_SEARCH: "zzzz"})
    assert result["step_id"] == "datasheet_keymark"
    assert result["errors"] == {CONF_KEYMARK_SEARCH: "keymark_no_match"}
    assert result["description_placeholders"]["declared_scop"] != "-"
    result = await configure(result["flow_id"], {CONF_APPLICATION: "35", CONF_KEYMARK_SEARCH: QUERY})
    assert result["step_id"] == "keymark_unit"
    unit = result["data_schema"].schema[CONF_KEYMARK_UNIT].config["options"][0]["value"]
    result = await configure(result["flow_id"], {CONF_KEYMARK_UNIT: unit})
    result = await configure(
        result["flow_id"], {CONF_APPLICATION: "35", CONF_CLIMATE: "average", CONF_OFFMODE_HOURS: "reversible"}
    )
    filled = _filled(result)
    result = await configure(result["flow_id"], {CONF_DATASHEET: filled, CONF_APPLICATION: "35"})
    assert result["step_id"] == "alerts"
    result = await configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert json.loads(hp.options[CONF_DATASHEET])["climate"] == "average"
    await hass.async_block_till_done()  # the entry reloads with the new datasheet (a test ending mid-reload fails)
    state = hass.states.get("sensor.garden_heat_pump_rated_scop_en_14825")
    assert state is not None and state.attributes["declared_scop"] == json.loads(filled)["declared_scop"]


async def test_a_declaration_the_engine_refuses_is_named_and_others_remain(hass: HomeAssistant) -> None:
    result = await _to_datasheet_step(hass)
    configure = hass.config_entries.flow.async_configure
    result = await configure(result["flow_id"], {CONF_APPLICATION: "35", CONF_KEYMARK_SEARCH: "LWD 70A/SX-HTD S"})
    unit = result["data_schema"].schema[CONF_KEYMARK_UNIT].config["options"][0]["value"]
    result = await configure(result["flow_id"], {CONF_KEYMARK_UNIT: unit})
    # declared with Tbiv -10 C below TOL -4 C in the average climate
    conditions = {CONF_APPLICATION: "35", CONF_CLIMATE: "average", CONF_OFFMODE_HOURS: "reversible"}
    result = await configure(result["flow_id"], conditions)
    assert result["step_id"] == "keymark_conditions"
    assert result["errors"] == {"base": "keymark_record_refused"}
    assert result["description_placeholders"]["error"].startswith("tbiv_c: must not be below tol_c")
    result = await configure(result["flow_id"], conditions | {CONF_CLIMATE: "warmer"})
    assert result["step_id"] == "datasheet_keymark"
