"""Config entries stored by older releases: migrated on setup, and a migrated serial hub opens as it was set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ashp_cop.config_flow import AshpCopConfigFlow
from custom_components.ashp_cop.const import (
    CONF_BAUDRATE,
    CONF_BYTESIZE,
    CONF_ENTRY_TYPE,
    CONF_PARITY,
    CONF_RETRIES,
    CONF_SERIAL_PORT,
    CONF_STOPBITS,
    CONF_TIMEOUT,
    CONF_TRANSPORT,
    DOMAIN,
    ENTRY_HUB,
)
from tests.integration.conftest import hub_data, plant_subentries
from tools.simulator.server import ModbusServer, PlantSimulator

# Talks Modbus to the simulator: run again against the newest pymodbus.
pytestmark = pytest.mark.modbus


@pytest.fixture
async def serial_plant() -> AsyncIterator[str]:
    """The simulated plant room on a pseudo-terminal (RTU); its path."""
    server = ModbusServer(PlantSimulator(1, seed=1, speed=0.0, start_s=12 * 3600.0), rtu=True)
    pty = server.start_pty()
    yield pty
    await server.close()


def _serial_hub_1_1(pty: str, parity_letter: str) -> MockConfigEntry:
    """A serial hub as version 1.1 stored it: the parity as its letter."""
    data: dict[str, Any] = {
        CONF_ENTRY_TYPE: ENTRY_HUB, CONF_TRANSPORT: "serial", CONF_SERIAL_PORT: pty, CONF_BAUDRATE: 9600,
        CONF_PARITY: parity_letter, CONF_STOPBITS: 1, CONF_BYTESIZE: 8, CONF_SCAN_INTERVAL: 10, CONF_TIMEOUT: 0.3,
        CONF_RETRIES: 0,
    }  # fmt: skip
    return MockConfigEntry(domain=DOMAIN, version=1, minor_version=1, title=pty, unique_id=pty, data=data,
                           subentries_data=plant_subentries())  # type: ignore[arg-type]  # fmt: skip


async def _set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def test_the_flow_writes_the_version_the_migration_reaches() -> None:
    assert (AshpCopConfigFlow.VERSION, AshpCopConfigFlow.MINOR_VERSION) == (1, 2)


async def test_a_serial_hub_stored_with_parity_n_is_migrated_and_reads_its_devices(
    hass: HomeAssistant, serial_plant: str
) -> None:
    entry = _serial_hub_1_1(serial_plant, "N")
    await _set_up(hass, entry)
    assert (entry.version, entry.minor_version) == (1, 2)
    assert entry.data[CONF_PARITY] == "none"
    assert entry.state is ConfigEntryState.LOADED
    power = hass.states.get("sensor.outdoor_unit_electricity_power")
    assert power is not None and float(power.state) > 0
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_a_serial_hub_stored_with_parity_e_asks_the_port_for_even_parity(
    hass: HomeAssistant, serial_plant: str, caplog: pytest.LogCaptureFixture
) -> None:
    # A pseudo-terminal refuses parity bits: the refusal names the line settings the port was asked for.
    entry = _serial_hub_1_1(serial_plant, "E")
    await _set_up(hass, entry)
    assert (entry.version, entry.minor_version) == (1, 2)
    assert entry.data[CONF_PARITY] == "even"
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert f"cannot connect to {serial_plant} (9600 8E1)" in caplog.text
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_a_network_hub_keeps_its_data(hass: HomeAssistant, plant: tuple[PlantSimulator, ModbusServer]) -> None:
    _, server = plant
    data = hub_data(server.port)
    entry = MockConfigEntry(domain=DOMAIN, version=1, minor_version=1, data=data, subentries_data=plant_subentries())  # type: ignore[arg-type]
    await _set_up(hass, entry)
    assert (entry.version, entry.minor_version, dict(entry.data)) == (1, 2, data)
    assert entry.state is ConfigEntryState.LOADED


async def test_an_entry_from_a_newer_release_is_left_alone(hass: HomeAssistant) -> None:
    data = {CONF_ENTRY_TYPE: ENTRY_HUB, CONF_TRANSPORT: "serial", CONF_SERIAL_PORT: "/dev/ttyUSB0", CONF_PARITY: "E"}
    entry = MockConfigEntry(domain=DOMAIN, version=2, minor_version=1, data=data)
    await _set_up(hass, entry)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
    assert dict(entry.data) == data
