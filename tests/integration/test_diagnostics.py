"""Diagnostics of a hub and a heat pump: communication and figures, with hosts redacted."""

from __future__ import annotations

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from tests.integration.conftest import setup_entry
from tests.integration.test_heat_pump import modbus_heat_pump
from tools.simulator.server import ModbusServer, PlantSimulator

# Talks Modbus to the simulator: run again against the newest pymodbus.
pytestmark = pytest.mark.modbus


async def test_hub_diagnostics_redact_the_host(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, plant: tuple[PlantSimulator, ModbusServer],
    hub_entry: MockConfigEntry,
) -> None:  # fmt: skip
    sim, _ = plant
    sim.faults.missing[12] = {0x34}
    await setup_entry(hass, hub_entry)
    report = await get_diagnostics_for_config_entry(hass, hass_client, hub_entry)
    assert report["entry"]["data"]["host"] == "**REDACTED**"
    assert report["entry"]["unique_id"] == "**REDACTED**"
    assert report["hub"] == {"transport": "tcp", "connected": True, "reconnects": 0, "last_update_success": True}
    meter = report["devices"]["device_12"]
    assert meter["register_map"] == "eastron_sdm630" and meter["available"] is True
    assert meter["missing_registers"] == {
        "power_w": "code 2, illegal data address: register 52 does not exist on unit 12 (power_w, registers 52 to 53)"
    }
    assert set(meter["communication"]["errors"]) == {"exception"}  # the bisection that found register 52
    flow = report["devices"]["device_11"]["readings"]["flow_m3h"]
    assert flow["value"] == pytest.approx(1.3, rel=0.02) and flow["problem"] is None


async def test_heat_pump_diagnostics(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, plant: tuple[PlantSimulator, ModbusServer],
    hub_entry: MockConfigEntry,
) -> None:  # fmt: skip
    hp = await modbus_heat_pump(hass, hub_entry)
    report = await get_diagnostics_for_config_entry(hass, hass_client, hp)
    assert report["heat_pump"]["settings"]["running_threshold_w"] == 100
    assert report["heat_pump"]["totals"]["heat_kwh"] == 0.0
    accounting = report["heat_pump"]["accounting"]
    assert accounting["channels"] == {"heat": "power", "elec": "elec_energy_kwh", "pumps": "pump_energy_kwh"}
    assert accounting["counters"]["elec_energy_kwh"]["events"] == []
    assert report["heat_pump"]["now"]["heat_power_w"] > 0
    assert report["heat_pump"]["role_problems"] == {}
