"""Binary sensors: bits of Modbus devices (defrost flag, compressor running, ...)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .cycling_entities import SHORT_CYCLING_BINARY_SENSOR
from .entity import HeatPumpEntity, ModbusDeviceEntity
from .entries import AshpCopConfigEntry, is_heat_pump, is_plant
from .heat_pump_entities import ALERT_BINARY_SENSORS, HEAT_PUMP_BINARY_SENSORS, HeatPumpBinaryDescription
from .modbus_entities import ModbusFlagDescription, flag_description, is_flag

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AshpCopConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    if is_plant(entry):
        return
    if is_heat_pump(entry):
        async_add_entities(HeatPumpBinarySensor(entry, d) for d in HEAT_PUMP_BINARY_SENSORS)
        async_add_entities(AlertBinarySensor(entry, d) for d in ALERT_BINARY_SENSORS)
        async_add_entities([ShortCyclingBinarySensor(entry, SHORT_CYCLING_BINARY_SENSOR)])
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

    def _shown_state(self) -> bool | None:
        value = self._value()
        return None if value is None else bool(value)

    @property
    def is_on(self) -> bool | None:
        shown: bool | None = self._state_now
        return shown


class HeatPumpBinarySensor(HeatPumpEntity, BinarySensorEntity):
    entity_description: HeatPumpBinaryDescription

    def _value(self) -> Any:
        return self.entity_description.value_fn(self.coordinator.live)

    def _shown_state(self) -> bool:
        return bool(self._value())

    @property
    def is_on(self) -> bool:
        return bool(self._state_now)


class AlertBinarySensor(HeatPumpBinarySensor):
    """On while an alert holds (the same condition raises a repair issue)."""

    def _value(self) -> Any:
        return self.coordinator.alerts.active[self.entity_description.key.removeprefix("alert_")]


class ShortCyclingBinarySensor(HeatPumpBinarySensor):
    """On while the compressor short-cycles (engine/short_cycling.py; the same condition raises a repair issue)."""

    def _value(self) -> Any:
        return self.coordinator.short_cycling.active
