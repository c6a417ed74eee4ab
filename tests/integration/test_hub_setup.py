"""A hub entry with the simulated plant's devices: entities, availability, retries, unload."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ashp_cop.compat import device_by_identifier, device_subentry_ids
from custom_components.ashp_cop.const import (
    CONF_PROFILE,
    CONF_REGISTER_MAP,
    CONF_UNIT_ID,
    DOMAIN,
    PROFILE_CUSTOM,
    SUBENTRY_DEVICE,
)
from custom_components.ashp_cop.modbus.profiles import builtin_profiles
from tests.integration.conftest import HUB_ENTRY_ID, hub_data, plant_subentries, setup_entry
from tools.simulator.server import ModbusServer, PlantSimulator

# Talks Modbus to the simulator: run again against the newest pymodbus.
pytestmark = pytest.mark.modbus

Plant = tuple[PlantSimulator, ModbusServer]


async def _poll(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """One scheduled poll of the hub, run now."""
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


async def test_devices_and_values_come_from_the_plant(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    sim, _ = plant
    await setup_entry(hass, hub_entry)
    assert hub_entry.state is ConfigEntryState.LOADED
    state = sim.plant.heat_pumps[0].state

    flow = hass.states.get("sensor.heat_meter_flow_temperature")
    assert flow is not None and float(flow.state) == pytest.approx(state.flow_c, abs=0.006)
    assert flow.attributes["unit_of_measurement"] == "°C" and flow.attributes["device_class"] == "temperature"
    power = hass.states.get("sensor.outdoor_unit_electricity_power")
    assert power is not None and float(power.state) == pytest.approx(state.elec_unit_w, abs=0.051)
    energy = hass.states.get("sensor.outdoor_unit_electricity_imported_energy")
    assert energy is not None and energy.attributes["state_class"] == "total_increasing"
    defrost = hass.states.get("binary_sensor.controller_defrost")
    assert defrost is not None and defrost.state == ("on" if state.defrosting else "off")

    devices = dr.async_entries_for_config_entry(device_registry, HUB_ENTRY_ID)
    meter = next(d for d in devices if d.name == "Outdoor unit electricity")
    assert (meter.manufacturer, meter.model) == ("Eastron", "SDM630-Modbus")
    assert device_subentry_ids(meter, HUB_ENTRY_ID) == {"device_12"}


async def test_noisy_and_diagnostic_entities_are_disabled_by_default(
    hass: HomeAssistant, hub_entry: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    await setup_entry(hass, hub_entry)
    voltage = entity_registry.async_get("sensor.outdoor_unit_electricity_voltage_l1")
    assert voltage is not None and voltage.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    transactions = entity_registry.async_get("sensor.heat_meter_modbus_transactions")
    assert transactions is not None and transactions.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    errors = entity_registry.async_get("sensor.heat_meter_modbus_errors")
    assert errors is not None and errors.disabled_by is None and errors.entity_category == "diagnostic"


async def test_a_silent_device_goes_unavailable_and_comes_back(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry
) -> None:
    sim, _ = plant
    await setup_entry(hass, hub_entry)
    sim.faults.silent.add(11)
    await _poll(hass, hub_entry)
    assert hass.states.get("sensor.heat_meter_flow_temperature").state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    assert hass.states.get("sensor.outdoor_unit_electricity_power").state != STATE_UNAVAILABLE  # type: ignore[union-attr]
    errors = hass.states.get("sensor.heat_meter_modbus_errors")
    assert errors is not None and int(errors.state) >= 1
    assert "no answer" in hass.states.get("sensor.heat_meter_last_modbus_error").state  # type: ignore[union-attr]
    sim.faults.silent.clear()
    await _poll(hass, hub_entry)
    assert hass.states.get("sensor.heat_meter_flow_temperature").state != STATE_UNAVAILABLE  # type: ignore[union-attr]


async def test_communication_counts_are_totals_since_the_hub_was_loaded_never_a_step_back(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry
) -> None:
    """Run as a user (kill -9 and start again): the Modbus errors count went from 11 to 0 at every start, a
    total_increasing sensor below what the recorder held. It is a total since the hub was loaded (last_reset)."""
    sim, _ = plant
    await setup_entry(hass, hub_entry)
    sim.faults.silent.add(11)
    await _poll(hass, hub_entry)
    before = hass.states.get("sensor.heat_meter_modbus_errors")
    assert before is not None and int(before.state) >= 1
    assert before.attributes["state_class"] == "total"
    loaded_at = dt_util.parse_datetime(before.attributes["last_reset"])
    assert loaded_at is not None
    sim.faults.silent.clear()
    assert await hass.config_entries.async_reload(hub_entry.entry_id)  # a restart: the counts start again
    await hass.async_block_till_done()
    after = hass.states.get("sensor.heat_meter_modbus_errors")
    assert after is not None and int(after.state) < int(before.state)
    reset_at = dt_util.parse_datetime(after.attributes["last_reset"])
    assert reset_at is not None and reset_at > loaded_at  # the lower count is a declared new total, not a dip


async def test_states_are_written_only_when_they_change(hass: HomeAssistant, hub_entry: MockConfigEntry) -> None:
    await setup_entry(hass, hub_entry)
    written: list[str] = []
    hass.bus.async_listen("state_changed", lambda event: written.append(event.data["entity_id"]))
    await _poll(hass, hub_entry)
    await _poll(hass, hub_entry)
    assert written == []  # the plant's clock is stopped: nothing changed, nothing written


async def test_setup_retries_while_the_hub_is_down_and_recovers(hass: HomeAssistant, unused_tcp_port: int) -> None:
    entry = MockConfigEntry(domain="ashp_cop", data=hub_data(unused_tcp_port), unique_id=f"127.0.0.1:{unused_tcp_port}")
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert "cannot connect to tcp://127.0.0.1" in (entry.reason or "")

    sim = PlantSimulator(1, seed=1, speed=0.0)
    server = ModbusServer(sim)
    await server.start_tcp("127.0.0.1", unused_tcp_port)
    try:
        await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await server.close()


async def test_unload_closes_the_connection(hass: HomeAssistant, hub_entry: MockConfigEntry) -> None:
    await setup_entry(hass, hub_entry)
    connection = hub_entry.runtime_data.hub.connection
    assert connection.connected
    assert await hass.config_entries.async_unload(hub_entry.entry_id)
    assert hub_entry.state is ConfigEntryState.NOT_LOADED
    assert not connection.connected


async def test_setup_reads_files_off_the_loop_and_registers_the_hub_device(
    hass: HomeAssistant,
    hub_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    builtin_profiles.cache_clear()  # the shipped maps are read from disk again, as on a fresh start
    loop_thread = threading.get_ident()
    read_text = Path.read_text
    reads_in_loop: list[str] = []

    def guarded(path: Path, *args: Any, **kwargs: Any) -> str:
        if threading.get_ident() == loop_thread:
            reads_in_loop.append(path.name)
        return read_text(path, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", guarded)
    await setup_entry(hass, hub_entry)
    assert reads_in_loop == []  # Home Assistant reports file reads in the event loop as blocking calls
    hub = device_by_identifier(device_registry, ("ashp_cop", HUB_ENTRY_ID), HUB_ENTRY_ID)
    assert hub is not None and hub.model == "TCP"
    meter = device_by_identifier(device_registry, ("ashp_cop", "device_12"), HUB_ENTRY_ID)
    assert meter is not None and meter.via_device_id == hub.id
    assert "non existing `via_device`" not in caplog.text


async def test_a_silent_device_is_logged_once_and_once_back(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    sim, _ = plant
    await setup_entry(hass, hub_entry)
    caplog.set_level(logging.INFO, logger="custom_components.ashp_cop")
    coordinator = hub_entry.runtime_data
    sim.faults.silent.add(11)
    for _ in range(3):
        await coordinator.async_refresh()
    sim.faults.silent.clear()
    for _ in range(3):
        await coordinator.async_refresh()
    lines = [r for r in caplog.records if r.name == "custom_components.ashp_cop" and "(unit 11)" in r.getMessage()]
    assert [r.levelno for r in lines] == [logging.INFO, logging.INFO]
    assert (
        lines[0]
        .getMessage()
        .startswith(f"Heat meter (unit 11) on {coordinator.hub.settings.describe} is unavailable: ")
    )
    assert lines[1].getMessage() == f"Heat meter (unit 11) on {coordinator.hub.settings.describe} is available again"
    assert not [r for r in caplog.records if "(unit 12)" in r.getMessage()]  # the others answered throughout


async def test_a_stored_map_the_checks_now_refuse_leaves_only_its_device_out(
    hass: HomeAssistant, plant: Plant, issue_registry: ir.IssueRegistry
) -> None:
    _, server = plant
    # saved by an older release, which merged the duplicate key silently
    twice = "name: own\nvalues:\n  power_w: {address: 0x34}\n  power_w: {address: 0x36}\n"
    subentries = [*plant_subentries(), {"subentry_id": "device_30", "subentry_type": SUBENTRY_DEVICE,
                  "title": "Old meter", "unique_id": "30",
                  "data": {CONF_UNIT_ID: 30, CONF_PROFILE: PROFILE_CUSTOM, CONF_REGISTER_MAP: twice}}]  # fmt: skip
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id=HUB_ENTRY_ID,
        title="tcp://127.0.0.1",
        data=hub_data(server.port),
        subentries_data=subentries,
    )  # type: ignore[arg-type]
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.heat_meter_flow_temperature") is not None  # the other devices work
    assert "device_30" not in entry.runtime_data.devices
    issue = issue_registry.async_get_issue(DOMAIN, f"device_map_refused_{HUB_ENTRY_ID}_device_30")
    assert issue is not None and issue.translation_placeholders is not None
    assert "line 4: key 'power_w' is given twice" in issue.translation_placeholders["error"]
    # once the device is gone, so is its issue
    hass.config_entries.async_remove_subentry(entry, "device_30")
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, f"device_map_refused_{HUB_ENTRY_ID}_device_30") is None


async def test_an_exception_burst_shows_the_device_down_and_it_is_back_within_seconds(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry
) -> None:
    sim, _ = plant
    await setup_entry(hass, hub_entry)
    meter = hub_entry.runtime_data.devices["device_12"]
    clock = _Clock()
    meter.clock = clock
    sim.faults.exceptions[12] = 2  # the meter refuses every register for a moment (a reboot)
    await _poll(hass, hub_entry)
    assert hass.states.get("sensor.outdoor_unit_electricity_power").state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    assert hass.states.get("sensor.heat_meter_flow_temperature").state != STATE_UNAVAILABLE  # type: ignore[union-attr]
    assert hass.states.get("sensor.outdoor_unit_electricity_missing_registers").state == "13"  # type: ignore[union-attr]

    sim.faults.exceptions.clear()
    clock.now += 5  # the first retry comes after seconds, not minutes
    await _poll(hass, hub_entry)
    power = hass.states.get("sensor.outdoor_unit_electricity_power")
    assert power is not None and float(power.state) == pytest.approx(
        sim.plant.heat_pumps[0].state.elec_unit_w, abs=0.051
    )
    assert hass.states.get("sensor.outdoor_unit_electricity_missing_registers").state == "0"  # type: ignore[union-attr]


class _Clock:
    """The device's monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
