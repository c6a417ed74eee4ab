"""Sensors: Modbus device values and their communication quality."""

from __future__ import annotations

from typing import Any

from homeassistant.components.sensor import SensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .entity import HeatPumpEntity, ModbusDeviceEntity, PlantEntity
from .entries import AshpCopConfigEntry, is_heat_pump, is_plant
from .heat_pump import HeatPumpConfigEntry
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
from .plant_entities import PLANT_SENSORS, PlantSensorDescription, unit_spf_description

PARALLEL_UPDATES = 0  # the coordinator polls; entities only read its data


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AshpCopConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    if is_plant(entry):
        plant: list[SensorEntity] = [PlantSensor(entry, d) for d in PLANT_SENSORS]
        for unit in entry.runtime_data.heat_pump_ids:
            sensor = PlantSensor(entry, unit_spf_description(unit))
            sensor._attr_translation_placeholders = {"unit": entry.runtime_data.unit_title(unit)}
            plant.append(sensor)
        async_add_entities(plant)
        return
    if is_heat_pump(entry):
        figures: list[SensorEntity] = [HeatPumpSensor(entry, d) for d in HEAT_PUMP_SENSORS]
        if entry.runtime_data.rating is not None:
            figures += [RatingSensor(entry, d) for d in RATING_SENSORS]
        if entry.runtime_data.seasonal is not None:
            figures += [SeasonalSensor(entry, d) for d in SEASONAL_SENSORS]
        async_add_entities(figures)
        return
    coordinator = entry.runtime_data
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


class FigureSensor(SensorEntity):
    """A computed figure, rounded; an energy total (``is_total``) stays available with its last value."""

    _digits = 6

    def _value(self) -> Any:
        raise NotImplementedError

    @property
    def available(self) -> bool:
        return bool(getattr(self.entity_description, "is_total", False)) or super().available

    @property
    def native_value(self) -> StateType:
        value = self._value()
        return None if value is None else round(float(value), self._digits)


class HeatPumpSensor(FigureSensor, HeatPumpEntity):
    """A figure of the heat pump."""

    entity_description: HeatPumpSensorDescription

    def _value(self) -> Any:
        return self.entity_description.value_fn(self.coordinator.live)


class RatingSensor(FigureSensor, HeatPumpEntity):
    """The datasheet's promise beside the measurement."""

    entity_description: RatingSensorDescription
    _digits = 4

    def _value(self) -> Any:
        return self.entity_description.value_fn(self.coordinator)


class SeasonalSensor(FigureSensor, HeatPumpEntity):
    """SCOP over a season, a year or the lifetime, refreshed hourly from statistics."""

    entity_description: SeasonalSensorDescription
    _digits = 4

    def __init__(self, entry: HeatPumpConfigEntry, description: SeasonalSensorDescription) -> None:
        super().__init__(entry, description)
        seasonal = entry.runtime_data.seasonal
        assert seasonal is not None  # only made when the recorder runs
        self._seasonal = seasonal

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(self._seasonal.async_add_listener(self._handle_coordinator_update))

    def _value(self) -> Any:
        return self.entity_description.value_fn(self._seasonal.data or {})


class PlantSensor(FigureSensor, PlantEntity):
    """A figure of the whole plant."""

    entity_description: PlantSensorDescription

    def _value(self) -> Any:
        return self.entity_description.value_fn(self.coordinator.ledger)
