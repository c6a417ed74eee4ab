"""Binary sensors: bits of Modbus devices (defrost flag, compressor running, ...)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import CONF_ENTRY_TYPE, ENTRY_HUB
from .coordinator import HubConfigEntry
from .entity import ModbusDeviceEntity
from .modbus_entities import ModbusFlagDescription, flag_description, is_flag

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: HubConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    if entry.data.get(CONF_ENTRY_TYPE) != ENTRY_HUB:
        return
    coordinator = entry.runtime_data
    for subentry_id, device in coordinator.devices.items():
        subentry = entry.subentries[subentry_id]
        async_add_entities(
            [
                ModbusFlagSensor(coordinator, subentry, flag_description(s))
                for s in device.register_map.values
                if is_flag(s)
            ],
            config_subentry_id=subentry_id,
        )


class ModbusFlagSensor(ModbusDeviceEntity, BinarySensorEntity):
    entity_description: ModbusFlagDescription

    def _value(self) -> Any:
        reading = self.device.last.get(self.entity_description.key)
        return None if reading is None else reading.value

    @property
    def is_on(self) -> bool | None:
        value = self._value()
        return None if value is None else bool(value)
