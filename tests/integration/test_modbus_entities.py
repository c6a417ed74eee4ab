"""Entities of a user's own register map: readable names, resolution, states, flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

import custom_components.ashp_cop
from custom_components.ashp_cop.const import (
    CONF_PROFILE,
    CONF_REGISTER_MAP,
    CONF_UNIT_ID,
    PROFILE_CUSTOM,
    SUBENTRY_DEVICE,
)
from custom_components.ashp_cop.modbus.profiles import builtin_profiles
from custom_components.ashp_cop.modbus.registermap import parse_register_map
from custom_components.ashp_cop.modbus_entities import readable_name, value_description
from custom_components.ashp_cop.sensor import rounded
from tests.integration.conftest import HUB_ENTRY_ID, hub_data, setup_entry
from tools.simulator.server import ModbusServer, PlantSimulator

# Talks Modbus to the simulator: run again against the newest pymodbus.
pytestmark = pytest.mark.modbus

# The simulated heat meter (unit 11) and controller (unit 16), read through maps a user wrote.
OWN_METER = """
name: own_meter
defaults: {table: input}
values:
  hp1_heat_kwh: {address: 6, data_type: uint32, scale: 0.01, unit: kWh}
  hp1_flow_temp_c: {address: 0, data_type: int16, scale: 0.01, unit: °C}
  meter_state: {address: 10, data_type: uint16, states: {1: fault}}
"""
OWN_CONTROLLER = """
name: own_controller
defaults: {table: input}
values:
  zone_a: {address: 2, data_type: uint16}
  pump_mode: {address: 3, data_type: uint16, states: {0: "off", 1: heating, 3: defrost}}
  stage_2_on: {address: 2, table: discrete_input}
"""


def _own(subentry_id: str, title: str, unit: int, text: str) -> dict[str, object]:
    return {"subentry_id": subentry_id, "subentry_type": SUBENTRY_DEVICE, "title": title, "unique_id": str(unit),
            "data": {CONF_UNIT_ID: unit, CONF_PROFILE: PROFILE_CUSTOM, CONF_REGISTER_MAP: text}}  # fmt: skip


async def test_own_maps_get_readable_names_states_and_their_resolution(
    hass: HomeAssistant, plant: tuple[PlantSimulator, ModbusServer], entity_registry: er.EntityRegistry
) -> None:
    sim, server = plant
    hub = MockConfigEntry(domain="ashp_cop", entry_id=HUB_ENTRY_ID, title="tcp://127.0.0.1", data=hub_data(server.port),
                          subentries_data=[_own("meter", "Cellar", 11, OWN_METER),  # type: ignore[list-item]
                                           _own("controller", "Unit", 16, OWN_CONTROLLER)])  # fmt: skip
    await setup_entry(hass, hub)
    truth = sim.plant.heat_pumps[0].state
    assert truth.running and not truth.defrosting  # the controller reads 1: heating

    heat = hass.states.get("sensor.cellar_hp1_heat")
    assert heat is not None and heat.attributes["friendly_name"] == "Cellar HP1 heat"
    assert heat.attributes["unit_of_measurement"] == "kWh"
    flow = hass.states.get("sensor.cellar_hp1_flow_temperature")
    assert flow is not None and flow.attributes["unit_of_measurement"] == "°C"
    # scale 0.01: two decimals, never a float's tail such as 35.270000000000003
    assert flow.state == f"{round(float(flow.state), 2)}" and abs(float(flow.state) - truth.flow_c) < 0.006
    zone = hass.states.get("sensor.unit_zone_a")  # no unit: "_a" is a word here, not amperes
    assert zone is not None and zone.state.isdigit() and "unit_of_measurement" not in zone.attributes
    registered = entity_registry.async_get("sensor.cellar_hp1_flow_temperature")
    assert registered is not None and registered.options["sensor"]["suggested_display_precision"] == 2

    mode = hass.states.get("sensor.unit_pump_mode")
    assert mode is not None and mode.state == "heating"
    assert mode.attributes["device_class"] == "enum" and mode.attributes["options"] == ["off", "heating", "defrost"]
    assert "state_class" not in mode.attributes  # a mode is never averaged
    odd = hass.states.get("sensor.cellar_meter_state")  # the meter reads 0, not one of its states
    assert odd is not None and odd.state == "unknown"
    assert hub.runtime_data.devices["meter"].last["meter_state"].problem == "unknown state: 0 is none of 1"
    stage = hass.states.get("binary_sensor.unit_stage_2_on")
    assert stage is not None and stage.state in ("on", "off")


@pytest.mark.parametrize(
    ("key", "unit", "name"),
    [
        ("hp1_heat_kwh", "kWh", "HP1 heat"),
        ("buffer_temp_c", "°C", "Buffer temperature"),
        ("dhw_cop", "", "DHW COP"),
        ("zone_a", "", "Zone a"),
        ("current_l2_a", "A", "Current L2"),
        ("kwh", "kWh", "Kwh"),  # nothing left without the suffix: the key stays
    ],
)
def test_readable_name_drops_the_unit_suffix_only_when_the_unit_says_so(key: str, unit: str, name: str) -> None:
    spec = parse_register_map(f"name: m\nvalues: {{{key}: {{address: 0, unit: '{unit}'}}}}").value(key)
    assert readable_name(spec) == name


@pytest.mark.parametrize(
    ("value", "digits", "shown"),
    [
        ("{address: 0, data_type: uint16, unit: W}", 0, 0),
        ("{address: 0, data_type: int16, scale: 0.1, unit: °C}", 1, 1),
        ("{address: 0, data_type: uint32, scale: 0.001, unit: m³/h}", 3, 3),
        ("{address: 0, data_type: uint16, scale: 0.5, offset: -40, unit: °C}", 1, 1),
        ("{address: 0, data_type: float32, unit: kWh}", 3, 2),  # floats keep modbus/reading.py's step
        ("{address: 0, data_type: float32, unit: W}", 1, 0),
        ("{address: 0, data_type: uint32, scale: 1.0e-9, unit: kWh}", 6, 6),  # at most 6 decimals
    ],
)
def test_resolution_follows_the_register(value: str, digits: int, shown: int) -> None:
    description = value_description(parse_register_map(f"name: m\nvalues: {{v: {value}}}").value("v"))
    assert (description.state_digits, description.suggested_display_precision) == (digits, shown)


def test_every_state_of_the_shipped_maps_is_translated() -> None:
    strings = json.loads((Path(custom_components.ashp_cop.__file__).parent / "strings.json").read_text())
    sensors = strings["entity"]["sensor"]
    states = [(spec.key, name) for profile in builtin_profiles().values() for spec in profile.values
              for _, name in spec.states]  # fmt: skip
    assert ("operating_mode", "hot_water") in states
    for key, name in states:
        assert name in sensors[key]["state"], (key, name)


def test_a_figure_that_is_not_finite_is_unknown_and_a_whole_number_stays_whole() -> None:
    assert rounded(float("inf"), 2) is None and rounded(float("nan"), 0) is None
    assert rounded(3.0, 0) == 3 and isinstance(rounded(3.0, 0), int)
    assert rounded(2.3456, 2) == 2.35
