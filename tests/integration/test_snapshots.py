"""Entity snapshots (syrupy): what a hub's devices and a heat pump look like in Home Assistant."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest.mock import patch

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from tests.integration.conftest import setup_entry
from tests.integration.test_heat_pump import MODBUS_ROLES, heat_pump_entry

# Talks Modbus to the simulator: run again against the newest pymodbus.
pytestmark = pytest.mark.modbus

# timing-dependent values: their entries are snapshotted, their states are not
TIMING_KEYS = ("response_time",)
# the heat pump's set-up, fixed: the figures counted since then show it
SET_UP_AT = datetime(2026, 1, 15, 6, 0, tzinfo=UTC)


async def _snapshot(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, snapshot: SnapshotAssertion, entry_id: str
) -> None:
    entries = sorted(er.async_entries_for_config_entry(entity_registry, entry_id), key=lambda e: e.entity_id)
    assert entries
    for entry in entries:
        registered = {
            "unique_id": entry.unique_id, "translation_key": entry.translation_key,
            "device_class": entry.original_device_class, "unit": entry.unit_of_measurement,
            "entity_category": entry.entity_category, "capabilities": entry.capabilities,
            "has_device": entry.device_id is not None,
            "display_precision": entry.options.get("sensor", {}).get("suggested_display_precision"),
        }  # fmt: skip
        assert registered == snapshot(name=f"{entry.entity_id}-entry")
        state = hass.states.get(entry.entity_id)
        assert state is not None
        shown = {"state": None if entry.unique_id.endswith(TIMING_KEYS) else state.state, **state.attributes}
        if "last_reset" in shown:  # the moment the counts started (the set-up's wall time): that there is one
            shown["last_reset"] = "set" if shown["last_reset"] else None
        assert shown == snapshot(name=f"{entry.entity_id}-state")


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platform", [Platform.SENSOR, Platform.BINARY_SENSOR])
async def test_hub_entities(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, snapshot: SnapshotAssertion, hub_entry: MockConfigEntry,
    platform: Platform,
) -> None:  # fmt: skip
    with patch("custom_components.ashp_cop.entry_setup.PLATFORMS", [platform]):
        await setup_entry(hass, hub_entry)
    await _snapshot(hass, entity_registry, snapshot, hub_entry.entry_id)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platform", [Platform.SENSOR, Platform.BINARY_SENSOR])
async def test_heat_pump_entities(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, snapshot: SnapshotAssertion, hub_entry: MockConfigEntry,
    platform: Platform,
) -> None:  # fmt: skip
    await setup_entry(hass, hub_entry)
    hp = heat_pump_entry(MODBUS_ROLES, entry_id="01HEATPUMP0000000000000000")
    object.__setattr__(hp, "created_at", SET_UP_AT)  # ConfigEntry guards its attributes
    with patch("custom_components.ashp_cop.entry_setup.PLATFORMS", [platform]):
        await setup_entry(hass, hp)
    await _snapshot(hass, entity_registry, snapshot, hp.entry_id)
