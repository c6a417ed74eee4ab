"""Diagnostics of a hub and a heat pump: communication and figures, with hosts redacted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from homeassistant.const import CONF_PORT
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ashp_cop.const import (
    CONF_BAUDRATE,
    CONF_BYTESIZE,
    CONF_PARITY,
    CONF_RETRIES,
    CONF_SERIAL_PORT,
    CONF_STOPBITS,
    CONF_TIMEOUT,
    CONF_TRANSPORT,
    DOMAIN,
)
from tests.integration.conftest import plant_subentries, setup_entry
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
    assert report["hub"] == {"transport": "tcp", "connected": True, "reconnects": 0, "stale_answers": 0,
                             "last_update_success": True}  # fmt: skip
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
    bound = report["heat_pump"]["settings"]["bound"]  # the role names, not "frozenset({<Role....>})"
    assert isinstance(bound, list) and "flow_temp_c" in bound and bound == sorted(bound)
    assert report["heat_pump"]["totals"]["heat_kwh"] == 0.0
    accounting = report["heat_pump"]["accounting"]
    assert accounting["channels"] == {"heat": "power", "elec": "elec_energy_kwh", "pumps": "pump_energy_kwh"}
    assert accounting["counters"]["elec_energy_kwh"]["events"] == []
    assert report["heat_pump"]["now"]["heat_power_w"] > 0
    assert report["heat_pump"]["role_problems"] == {}


async def test_no_host_port_or_serial_path_anywhere_error_texts_included(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, plant: tuple[PlantSimulator, ModbusServer],
    hub_entry: MockConfigEntry, tmp_path: Path,
) -> None:  # fmt: skip
    sim, server = plant
    serial_sim = ModbusServer(PlantSimulator(1, seed=1, speed=0.0), rtu=True)
    pty = serial_sim.start_pty()
    by_id = tmp_path / "usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0"  # the adapter's serial number in its name
    by_id.symlink_to(pty)
    serial_entry = MockConfigEntry(
        domain=DOMAIN, title=f"{by_id} (9600 8N1)", unique_id=str(by_id),
        subentries_data=[s | {"subentry_id": f"serial_{s['subentry_id']}"} for s in plant_subentries()],  # type: ignore[arg-type]
        data={"entry_type": "hub", CONF_TRANSPORT: "serial", CONF_SERIAL_PORT: str(by_id), CONF_BAUDRATE: 9600,
              CONF_PARITY: "N", CONF_STOPBITS: 1, CONF_BYTESIZE: 8, CONF_TIMEOUT: 0.3, CONF_RETRIES: 0},
    )  # fmt: skip
    try:
        hp = await modbus_heat_pump(hass, hub_entry)
        await setup_entry(hass, serial_entry)
        sim.faults.silent.add(11)
        serial_sim.sim.faults.silent.add(11)
        for entry in (hub_entry, serial_entry):
            await entry.runtime_data.async_refresh()

        tcp_report = await get_diagnostics_for_config_entry(hass, hass_client, hub_entry)
        error = tcp_report["devices"]["device_11"]["communication"]["last_error"]
        assert error == "unit 11: no answer within 0.3 s on tcp://**REDACTED**"  # the error is still told
        serial_report = await get_diagnostics_for_config_entry(hass, hass_client, serial_entry)
        error = serial_report["devices"]["serial_device_11"]["communication"]["last_error"]
        assert error == "unit 11: no answer within 0.3 s on **REDACTED** (9600 8N1)"
        hp_report = await get_diagnostics_for_config_entry(hass, hass_client, hp)
        for report in (tcp_report, serial_report, hp_report):
            text = json.dumps(report)
            for secret in (
                "127.0.0.1",
                f":{server.port}",
                f" {server.port},",
                pty,
                "pts/",
                "FTDI",
                "A50285BI",
                "/dev/",
            ):
                assert secret not in text
            assert report["entry"]["data"].get(CONF_PORT, "**REDACTED**") == "**REDACTED**"
        assert await hass.config_entries.async_unload(serial_entry.entry_id)
    finally:
        await serial_sim.close()
