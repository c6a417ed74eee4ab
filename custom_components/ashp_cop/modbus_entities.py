"""Entity descriptions for the values of Modbus devices, derived from their register maps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import BinarySensorEntityDescription
from homeassistant.components.sensor import SensorDeviceClass, SensorEntityDescription, SensorStateClass
from homeassistant.const import (
    PERCENTAGE,
    REVOLUTIONS_PER_MINUTE,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfFrequency,
    UnitOfPower,
    UnitOfTemperature,
    UnitOfTime,
    UnitOfVolume,
    UnitOfVolumeFlowRate,
)
from homeassistant.helpers.typing import StateType

from .modbus.datatypes import DataType
from .modbus.device import ModbusDevice
from .modbus.registermap import ValueSpec

# register-map unit -> (device class, state class, Home Assistant unit)
_UNITS: dict[str, tuple[SensorDeviceClass | None, SensorStateClass | None, str | None]] = {
    "°C": (SensorDeviceClass.TEMPERATURE, SensorStateClass.MEASUREMENT, UnitOfTemperature.CELSIUS),
    "K": (SensorDeviceClass.TEMPERATURE, SensorStateClass.MEASUREMENT, UnitOfTemperature.KELVIN),
    "m³/h": (
        SensorDeviceClass.VOLUME_FLOW_RATE,
        SensorStateClass.MEASUREMENT,
        UnitOfVolumeFlowRate.CUBIC_METERS_PER_HOUR,
    ),
    "L/min": (SensorDeviceClass.VOLUME_FLOW_RATE, SensorStateClass.MEASUREMENT, UnitOfVolumeFlowRate.LITERS_PER_MINUTE),
    "m³": (SensorDeviceClass.VOLUME, SensorStateClass.TOTAL_INCREASING, UnitOfVolume.CUBIC_METERS),
    "W": (SensorDeviceClass.POWER, SensorStateClass.MEASUREMENT, UnitOfPower.WATT),
    "kW": (SensorDeviceClass.POWER, SensorStateClass.MEASUREMENT, UnitOfPower.KILO_WATT),
    "Wh": (SensorDeviceClass.ENERGY, SensorStateClass.TOTAL_INCREASING, UnitOfEnergy.WATT_HOUR),
    "kWh": (SensorDeviceClass.ENERGY, SensorStateClass.TOTAL_INCREASING, UnitOfEnergy.KILO_WATT_HOUR),
    "MWh": (SensorDeviceClass.ENERGY, SensorStateClass.TOTAL_INCREASING, UnitOfEnergy.MEGA_WATT_HOUR),
    "V": (SensorDeviceClass.VOLTAGE, SensorStateClass.MEASUREMENT, UnitOfElectricPotential.VOLT),
    "A": (SensorDeviceClass.CURRENT, SensorStateClass.MEASUREMENT, UnitOfElectricCurrent.AMPERE),
    "Hz": (SensorDeviceClass.FREQUENCY, SensorStateClass.MEASUREMENT, UnitOfFrequency.HERTZ),
    "%": (None, SensorStateClass.MEASUREMENT, PERCENTAGE),
    "rpm": (None, SensorStateClass.MEASUREMENT, REVOLUTIONS_PER_MINUTE),
}
# Keys of the shipped maps, named in strings.json; a user's own keys are named from the key.
TRANSLATED_KEYS = frozenset({
    "voltage_v", "current_a", "power_w", "power_factor", "frequency_hz", "import_energy_kwh", "export_energy_kwh",
    "voltage_l1_v", "voltage_l2_v", "voltage_l3_v", "current_l1_a", "current_l2_a", "current_l3_a", "power_l1_w",
    "power_l2_w", "power_l3_w", "flow_temp_c", "return_temp_c", "flow_m3h", "heat_energy_kwh", "volume_m3",
    "error_flags", "channel_1_temp_c", "channel_2_temp_c", "channel_3_temp_c", "channel_4_temp_c",
    "compressor_frequency_hz", "outdoor_temp_c", "flow_setpoint_c", "operating_mode", "defrost_active",
    "compressor_running", "backup_heater_on",
})  # fmt: skip
_NOISY_KEYS = frozenset({"voltage_l1_v", "voltage_l2_v", "voltage_l3_v", "current_l1_a", "current_l2_a",
                         "current_l3_a", "power_factor", "frequency_hz", "export_energy_kwh"})  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class ModbusValueDescription(SensorEntityDescription):
    """A numeric value of a register map."""


@dataclass(frozen=True, kw_only=True)
class ModbusFlagDescription(BinarySensorEntityDescription):
    """A bit (coil, discrete input or bool register) of a register map."""


def _naming(spec: ValueSpec) -> dict[str, str | None]:
    if spec.key in TRANSLATED_KEYS:
        return {"translation_key": spec.key}
    return {"name": spec.key.replace("_", " ").capitalize()}


def is_flag(spec: ValueSpec) -> bool:
    return spec.table.is_bits or spec.data_type is DataType.BOOL


def value_description(spec: ValueSpec) -> ModbusValueDescription:
    device_class, state_class, unit = _UNITS.get(spec.unit, (None, SensorStateClass.MEASUREMENT, None))
    if spec.key == "power_factor":
        device_class, unit = SensorDeviceClass.POWER_FACTOR, None
    return ModbusValueDescription(
        key=spec.key,
        device_class=device_class,
        state_class=state_class,
        native_unit_of_measurement=unit,
        entity_registry_enabled_default=spec.key not in _NOISY_KEYS,
        **_naming(spec),  # type: ignore[arg-type]
    )


def flag_description(spec: ValueSpec) -> ModbusFlagDescription:
    return ModbusFlagDescription(key=spec.key, **_naming(spec))  # type: ignore[arg-type]


@dataclass(frozen=True, kw_only=True)
class ModbusDiagnosticDescription(SensorEntityDescription):
    """Communication quality of a device."""

    value_fn: Callable[[ModbusDevice], StateType]


DIAGNOSTIC_DESCRIPTIONS: tuple[ModbusDiagnosticDescription, ...] = (
    ModbusDiagnosticDescription(
        key="transactions",
        translation_key="transactions",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=False,
        value_fn=lambda device: device.diagnostics.transactions,
    ),
    ModbusDiagnosticDescription(
        key="errors",
        translation_key="errors",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda device: device.diagnostics.error_count,
    ),
    ModbusDiagnosticDescription(
        key="response_time",
        translation_key="response_time",
        entity_category=EntityCategory.DIAGNOSTIC,
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MILLISECONDS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        value_fn=lambda device: None if (mean := device.diagnostics.response_time_mean_s) is None else mean * 1000,
    ),
    ModbusDiagnosticDescription(
        key="last_error",
        translation_key="last_error",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda device: (device.diagnostics.last_error or "")[:255] or None,
    ),
    ModbusDiagnosticDescription(
        key="missing_registers",
        translation_key="missing_registers",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda device: len(device.missing),
    ),
)
