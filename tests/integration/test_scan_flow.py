"""Scan for devices on a hub: every step and error of the flow, against the simulator through the real client."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ashp_cop.const import CONF_PROFILE, CONF_UNIT_ID, DOMAIN, SUBENTRY_SCAN
from tests.integration.conftest import hub_data, setup_entry
from tools.simulator.devices import profile_device
from tools.simulator.server import ModbusServer, PlantSimulator

pytestmark = pytest.mark.modbus
Plant = tuple[PlantSimulator, ModbusServer]


async def _scan(hass: HomeAssistant, entry: MockConfigEntry, units: str) -> dict[str, Any]:
    """Start a scan of ``units`` and return the form shown once it is over."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_SCAN), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM and result["step_id"] == "user"
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {"units": units})
    assert result["type"] is FlowResultType.SHOW_PROGRESS and result["progress_action"] == "scanning"
    await hass.async_block_till_done()
    return await hass.config_entries.subentries.async_configure(result["flow_id"])  # type: ignore[return-value]


def _options(result: dict[str, Any]) -> list[tuple[str, str]]:
    (field,) = result["data_schema"].schema.values()
    return [(o["value"], o["label"]) for o in field.config["options"]]


async def test_scan_lists_new_devices_marks_configured_ones_and_adds_the_ticked(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry
) -> None:
    sim, _ = plant
    sim.devices[30] = profile_device(30, "carlo_gavazzi_em24")
    sim.devices[31] = profile_device(31, "lg_therma_v")
    await setup_entry(hass, hub_entry)

    result = await _scan(hass, hub_entry, "10-32")
    assert result["type"] is FlowResultType.FORM and result["step_id"] == "pick"
    options = _options(result)
    assert [value for value, _ in options] == ["30", "31"]  # 11-16 are the hub's devices already
    assert options[0][1].startswith("30: EM24 DIN, 230.0 V, ") and options[0][1].endswith(" kW")
    assert options[1][1].startswith("31: Therma V (Modbus), ") and "°C" in options[1][1]
    placeholders = result["description_placeholders"]
    assert placeholders["configured"].startswith("11 (Heat meter), 12 (Outdoor unit electricity)")
    assert placeholders["unknown"] == "-"
    assert "23 ids scanned" in placeholders["summary"] and "8 answered" in placeholders["summary"]

    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {"devices": ["30"]})
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "devices_added"
    await hass.async_block_till_done()
    added = [s for s in hub_entry.subentries.values() if s.unique_id == "30"]
    assert [(s.title, dict(s.data)) for s in added] == [
        ("Carlo Gavazzi EM24 (unit 30)", {CONF_UNIT_ID: 30, CONF_PROFILE: "carlo_gavazzi_em24"})
    ]
    assert not any(s.unique_id == "31" for s in hub_entry.subentries.values())
    power = hass.states.get("sensor.carlo_gavazzi_em24_unit_30_power")
    assert power is not None and float(power.state) > 0

    # the next scan shows 30 as configured; ticking nothing is refused
    result = await _scan(hass, hub_entry, "30-31")
    assert _options(result) == [("31", _options(result)[0][1])]
    assert result["description_placeholders"]["configured"] == "30 (Carlo Gavazzi EM24 (unit 30))"
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {"devices": []})
    assert result["errors"] == {"base": "nothing_chosen"}
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {"devices": ["31"]})
    assert result["reason"] == "devices_added" and result["description_placeholders"] == {"count": "1"}
    await hass.async_block_till_done()

    result = await _scan(hass, hub_entry, "30,31")
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "no_new_devices"


async def test_unknown_devices_are_offered_with_a_generic_map(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry
) -> None:
    """Issue 20: a device that matches no profile is offered with the generic maps (on main it was only named)."""
    sim, _ = plant
    sim.devices[40] = profile_device(40, "generic_heat_meter")
    sim.devices[41] = profile_device(41, "abb_b2x")
    sim.faults.exceptions[42] = 1
    sim.devices[42] = profile_device(42, "eastron_sdm120")
    sim.devices[43] = profile_device(43, "generic_temperature_transmitter")
    await setup_entry(hass, hub_entry)
    result = await _scan(hass, hub_entry, "40-43")
    assert _options(result) == [
        ("41", _options(result)[0][1]),
        ("40", "40: unknown device (registers read)"),
        ("42", "42: unknown device (exceptions only)"),
        ("43", "43: unknown device (registers read)"),
    ]
    (field,) = result["data_schema"].schema
    assert field.default() == ["41"]  # recognised ones ticked; an unknown one only if the installer ticks it
    assert result["description_placeholders"]["unknown"] == (
        "40 (unknown device (registers read)), 42 (unknown device (exceptions only)), "
        "43 (unknown device (registers read))"
    )

    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {"devices": ["41", "40", "43"]})
    assert result["type"] is FlowResultType.FORM and result["step_id"] == "generic"
    assert result["description_placeholders"] == {
        "unit": "40",
        "sanity": "unknown device (registers read)",
        "left": "1",
    }
    (profile,) = result["data_schema"].schema.values()
    assert profile.config["options"] == [
        "generic_energy_meter_float32", "generic_heat_meter", "generic_heat_pump_controller",
        "generic_temperature_transmitter",
    ]  # fmt: skip
    assert profile.config["translation_key"] == CONF_PROFILE
    assert not [s for s in hub_entry.subentries.values() if s.unique_id in ("40", "41", "43")]  # nothing added yet
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_PROFILE: "generic_heat_meter"}
    )
    assert result["step_id"] == "generic" and result["description_placeholders"]["unit"] == "43"
    assert result["description_placeholders"]["left"] == "0"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_PROFILE: "generic_temperature_transmitter"}
    )
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "devices_added"
    assert result["description_placeholders"] == {"count": "3"}
    await hass.async_block_till_done()
    added = {
        s.unique_id: (s.title, dict(s.data)) for s in hub_entry.subentries.values() if s.unique_id in ("40", "41", "43")
    }
    assert added == {
        "41": ("ABB B21/B23/B24 (unit 41)", {CONF_UNIT_ID: 41, CONF_PROFILE: "abb_b2x"}),
        "40": ("Generic heat meter (unit 40)", {CONF_UNIT_ID: 40, CONF_PROFILE: "generic_heat_meter"}),
        "43": (
            "Generic PT1000 transmitter (unit 43)",
            {CONF_UNIT_ID: 43, CONF_PROFILE: "generic_temperature_transmitter"},
        ),
    }
    # the generic maps read the simulated devices laid out by them: real values, through the real client
    heat = hass.states.get("sensor.generic_heat_meter_unit_40_flow_temperature")
    assert heat is not None and heat.state not in ("unavailable", "unknown"), heat
    result = await _scan(hass, hub_entry, "40-43")
    assert [value for value, _ in _options(result)] == ["42"]  # what was added shows as configured


async def test_bad_unit_ids_are_named(hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry) -> None:
    await setup_entry(hass, hub_entry)
    result = await hass.config_entries.subentries.async_init(
        (hub_entry.entry_id, SUBENTRY_SCAN), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {"units": "0-300"})
    assert result["errors"] == {"units": "invalid_units"}
    assert "unit ids run from 1 to 247" in result["description_placeholders"]["error"]
    await hass.config_entries.subentries.async_configure(result["flow_id"], {"units": "5"})  # recovers
    await hass.async_block_till_done()


async def test_an_unreachable_hub_aborts_naming_it(hass: HomeAssistant, unused_tcp_port: int) -> None:
    entry = MockConfigEntry(domain=DOMAIN, title="hub", data=hub_data(unused_tcp_port))
    entry.add_to_hass(hass)  # not loaded: nothing listens there
    result = await _scan(hass, entry, "1-3")
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "cannot_connect"
    assert f"127.0.0.1:{unused_tcp_port}" in result["description_placeholders"]["error"]


async def test_closing_the_dialog_stops_the_scan(hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry) -> None:
    sim, _ = plant
    await setup_entry(hass, hub_entry)
    result = await hass.config_entries.subentries.async_init(
        (hub_entry.entry_id, SUBENTRY_SCAN), context={"source": SOURCE_USER}
    )
    before = sim.requests
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {"units": "100-247"})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    await asyncio.sleep(0.5)
    hass.config_entries.subentries.async_abort(result["flow_id"])
    await asyncio.sleep(0.2)
    asked = sim.requests
    await asyncio.sleep(0.5)
    assert sim.requests == asked, "the scan went on after the dialog was closed"
    assert 0 < asked - before < 148  # some ids asked, not all 148
