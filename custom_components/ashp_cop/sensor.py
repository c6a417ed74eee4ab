"""Sensors: Modbus device values and their communication quality."""

from __future__ import annotations

from typing import Any

from homeassistant.components.sensor import SensorEntity
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .coordinator import HubConfigEntry, ModbusHubCoordinator
from .entity import HeatPumpEntity, ModbusDeviceEntity, PlantEntity
from .heat_pump import HeatPumpConfigEntry, HeatPumpCoordinator
from .heat_pump_entities import (
    HEAT_PUMP_SENSORS,
    RATING_SENSORS,
    SEASONAL_SENSORS,
    HeatPumpSensorDescription,
    RatingSensorDescription,
    SeasonalSensorDescription,
)
from .modbus_entities import (
    DIAGNOSTIC_DESCRIPTIONS,
    ModbusDiagnosticDescription,
    ModbusValueDescription,
    is_flag,
    value_description,
)
from .plant import PlantConfigEntry, PlantCoordinator
from .plant_entities import PLANT_SENSORS, PlantSensorDescription, unit_spf_description

PARALLEL_UPDATES = 0  # the coordinator polls; entities only read its data


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HubConfigEntry | HeatPumpConfigEntry | PlantConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data
    if isinstance(coordinator, PlantCoordinator):
        plant: list[SensorEntity] = [PlantSensor(entry, d) for d in PLANT_SENSORS]  # type: ignore[arg-type]
        for unit in coordinator.heat_pump_ids:
            sensor = PlantSensor(entry, unit_spf_description(unit))  # type: ignore[arg-type]
            sensor._attr_translation_placeholders = {"unit": coordinator.unit_title(unit)}
            plant.append(sensor)
        async_add_entities(plant)
        return
    if isinstance(coordinator, HeatPumpCoordinator):
        figures: list[SensorEntity] = [HeatPumpSensor(entry, d) for d in HEAT_PUMP_SENSORS]  # type: ignore[arg-type]
        if coordinator.rating is not None:
            figures += [RatingSensor(entry, d) for d in RATING_SENSORS]  # type: ignore[arg-type]
        if coordinator.seasonal is not None:
            figures += [SeasonalSensor(entry, d) for d in SEASONAL_SENSORS]  # type: ignore[arg-type]
        async_add_entities(figures)
        return
    for subentry_id, device in coordinator.devices.items():
        subentry = entry.subentries[subentry_id]
        entities: list[SensorEntity] = [
            ModbusValueSensor(coordinator, subentry, value_description(spec))
            for spec in device.register_map.values
            if not is_flag(spec)
        ]
        entities += [ModbusDiagnosticSensor(coordinator, subentry, d) for d in DIAGNOSTIC_DESCRIPTIONS]
        async_add_entities(entities, config_subentry_id=subentry_id)


class ModbusValueSensor(ModbusDeviceEntity, SensorEntity):
    """A numeric value read from a device."""

    entity_description: ModbusValueDescription

    def __init__(
        self, coordinator: ModbusHubCoordinator, subentry: ConfigSubentry, description: ModbusValueDescription
    ) -> None:
        super().__init__(coordinator, subentry, description)

    def _value(self) -> Any:
        reading = self.device.last.get(self.entity_description.key)
        return None if reading is None else reading.value

    @property
    def native_value(self) -> StateType:
        value = self._value()
        return None if value is None else float(value)


class ModbusDiagnosticSensor(ModbusDeviceEntity, SensorEntity):
    """Communication quality of a device; available even while the device is silent."""

    entity_description: ModbusDiagnosticDescription

    @property
    def available(self) -> bool:
        return True

    def _value(self) -> StateType:
        return self.entity_description.value_fn(self.device)

    @property
    def native_value(self) -> StateType:
        return self._value()


class HeatPumpSensor(HeatPumpEntity, SensorEntity):
    """A figure of the heat pump; totals stay available with their last value."""

    entity_description: HeatPumpSensorDescription

    @property
    def available(self) -> bool:
        return self.entity_description.is_total or super().available

    def _value(self) -> Any:
        return self.entity_description.value_fn(self.coordinator.live)

    @property
    def native_value(self) -> StateType:
        value = self._value()
        return None if value is None else round(float(value), 6)


class RatingSensor(HeatPumpEntity, SensorEntity):
    """The datasheet's promise beside the measurement."""

    entity_description: RatingSensorDescription

    def _value(self) -> Any:
        return self.entity_description.value_fn(self.coordinator)

    @property
    def native_value(self) -> StateType:
        value = self._value()
        return None if value is None else round(float(value), 4)


class SeasonalSensor(HeatPumpEntity, SensorEntity):
    """SCOP over a season, a year or the lifetime, refreshed hourly from statistics."""

    entity_description: SeasonalSensorDescription

    def __init__(self, entry: HeatPumpConfigEntry, description: SeasonalSensorDescription) -> None:
        super().__init__(entry, description)
        self._seasonal = entry.runtime_data.seasonal

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(self._seasonal.async_add_listener(self._handle_coordinator_update))

    def _value(self) -> Any:
        return self.entity_description.value_fn(self._seasonal.data or {})

    @property
    def native_value(self) -> StateType:
        value = self._value()
        return None if value is None else round(float(value), 4)


class PlantSensor(PlantEntity, SensorEntity):
    """A figure of the whole plant; energy totals stay available with their last value."""

    entity_description: PlantSensorDescription

    @property
    def available(self) -> bool:
        return self.entity_description.is_total or super().available

    def _value(self) -> Any:
        return self.entity_description.value_fn(self.coordinator.ledger)

    @property
    def native_value(self) -> StateType:
        value = self._value()
        return None if value is None else round(float(value), 6)
