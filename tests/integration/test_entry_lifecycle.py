"""What reloading and removing entries leaves behind: nothing in the logbook, nothing in storage."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import async_wait_recording_done
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ashp_cop.const import CONF_ENTRY_TYPE, CONF_HEAT_PUMPS, DOMAIN, ENTRY_PLANT
from tests.integration.conftest import setup_entry
from tests.integration.test_heat_pump import power_heat_pump
from tools.simulator.server import ModbusServer, PlantSimulator

# Talks Modbus to the simulator: run again against the newest pymodbus.
pytestmark = pytest.mark.modbus


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """The recorder (the logbook reads it) must start before Home Assistant does."""


async def _logbook(hass: HomeAssistant, hass_client: ClientSessionGenerator, since: str) -> list[dict[str, Any]]:
    """The logbook as the frontend reads it (REST API), for this integration's entities."""
    await async_wait_recording_done(hass)
    client = await hass_client()
    response = await client.get(f"/api/logbook/{since}")
    assert response.status == 200
    ours = {entry.entity_id for entry in hass.data["entity_registry"].entities.values() if entry.platform == DOMAIN}
    return [row for row in await response.json() if row.get("entity_id") in ours]


async def _with_logbook(hass: HomeAssistant) -> None:
    hass.config.components.add("frontend")  # the logbook registers a panel; the frontend's files are not needed
    assert await async_setup_component(hass, "logbook", {})


async def test_a_reload_writes_nothing_to_the_logbook(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, plant: tuple[PlantSimulator, ModbusServer],
    hub_entry: MockConfigEntry,
) -> None:  # fmt: skip
    sim, _ = plant
    await _with_logbook(hass)
    await setup_entry(hass, hub_entry)
    hp = await power_heat_pump(hass)
    assert hass.states.get("binary_sensor.garden_heat_pump_no_flow").state == "off"  # type: ignore[union-attr]
    assert hass.states.get("binary_sensor.controller_defrost").state == "off"  # type: ignore[union-attr]
    since = dt_util.utcnow().isoformat()

    for entry in (hub_entry, hp):
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.garden_heat_pump_no_flow").state == "off"  # type: ignore[union-attr]
    assert await _logbook(hass, hass_client, since) == []

    # a device that falls silent while loaded is still logged
    sim.faults.silent.add(16)
    await hub_entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    rows = await _logbook(hass, hass_client, since)
    assert {(row["entity_id"], row["state"]) for row in rows} >= {("binary_sensor.controller_defrost", "unavailable")}


async def test_removed_entries_leave_no_storage_behind(hass: HomeAssistant, hass_storage: dict[str, Any]) -> None:
    hp = await power_heat_pump(hass)
    plant = MockConfigEntry(domain=DOMAIN, title="Plant room",
                            data={CONF_ENTRY_TYPE: ENTRY_PLANT, CONF_HEAT_PUMPS: [hp.entry_id]})  # fmt: skip
    await setup_entry(hass, plant)
    keys = {f"{DOMAIN}.heat_pump.{hp.entry_id}", f"{DOMAIN}.plant.{plant.entry_id}"}
    for entry in (hp, plant):  # a reload saves the totals
        assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert keys <= hass_storage.keys()

    for entry in (plant, hp):
        await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    # nothing is written back later either (a delayed or periodic save of the unloaded entry)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=10))
    await hass.async_block_till_done()
    assert not keys & hass_storage.keys()
