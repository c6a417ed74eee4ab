"""Entity descriptions for the values of Modbus devices, derived from their register maps."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntityDescription
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

from .modbus.datatypes import FLOAT_TYPES, DataType
from .modbus.device import ModbusDevice
from .modbus.reading import FLOAT_RESOLUTION
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
    "compressor_running", "backup_heater_on", "hot_water_active",
})  # fmt: skip
_NOISY_KEYS = frozenset({"voltage_l1_v", "voltage_l2_v", "voltage_l3_v", "current_l1_a", "current_l2_a",
                         "current_l3_a", "power_factor", "frequency_hz", "export_energy_kwh"})  # fmt: skip
# Codes, not quantities: Home Assistant must not average them into a mean in its statistics.
_CODE_KEYS = frozenset({"error_flags"})
# Flags of the shipped maps: on means the part is running.
_FLAG_CLASSES: dict[str, BinarySensorDeviceClass] = {
    "defrost_active": BinarySensorDeviceClass.RUNNING,
    "compressor_running": BinarySensorDeviceClass.RUNNING,
    "backup_heater_on": BinarySensorDeviceClass.RUNNING,
    "hot_water_active": BinarySensorDeviceClass.RUNNING,
}
# Decimals shown for float values (their state keeps the finer step of modbus/reading.py).
_FLOAT_DISPLAY_DIGITS = {"W": 0, "kW": 2, "Wh": 0, "kWh": 2, "MWh": 3, "V": 1, "A": 2, "Hz": 1, "°C": 1, "K": 1,
                         "m³/h": 3, "L/min": 1, "m³": 2, "%": 1, "rpm": 0}  # fmt: skip
# A key names its unit at its end (docs/modbus.md): "hp1_heat_kwh" is named "HP1 heat", its unit kWh.
_UNIT_SUFFIXES: dict[str, tuple[str, ...]] = {
    "°C": ("_c", "_degc"), "K": ("_k",), "m³/h": ("_m3h",), "L/min": ("_lpm", "_l_min"), "m³": ("_m3",),
    "W": ("_w",), "kW": ("_kw",), "Wh": ("_wh",), "kWh": ("_kwh",), "MWh": ("_mwh",), "V": ("_v",), "A": ("_a",),
    "Hz": ("_hz",), "%": ("_pct", "_percent"), "rpm": ("_rpm",),
}  # fmt: skip
_WORDS = {"temp": "temperature", "cop": "COP", "spf": "SPF", "dhw": "DHW"}
_TAG = re.compile(r"^[a-z]{1,3}[0-9]+$")  # hp1, l2, ch3: a unit, phase or channel tag


@dataclass(frozen=True, kw_only=True)
class ModbusValueDescription(SensorEntityDescription):
    """A numeric value of a register map, or one of its named states."""

    state_digits: int = 6  # decimals the state keeps: what the register resolves
    states: tuple[tuple[int, str], ...] = ()  # an enumeration's readings and names


@dataclass(frozen=True, kw_only=True)
class ModbusFlagDescription(BinarySensorEntityDescription):
    """A bit (coil, discrete input or bool register) of a register map."""


def readable_name(spec: ValueSpec) -> str:
    """A user's own key as a name: its unit suffix dropped (the unit is shown beside it), words spelt out."""
    key = spec.key
    for suffix in _UNIT_SUFFIXES.get(spec.unit, ()):
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key.removesuffix(suffix)
            break
    words = [_WORDS.get(word, word.upper() if _TAG.match(word) else word) for word in key.split("_") if word]
    name = " ".join(words)
    return name[:1].upper() + name[1:]


def _naming(spec: ValueSpec) -> dict[str, str | None]:
    if spec.key in TRANSLATED_KEYS:
        return {"translation_key": spec.key}
    return {"name": readable_name(spec)}


def is_flag(spec: ValueSpec) -> bool:
    return spec.table.is_bits or spec.data_type is DataType.BOOL


def _decimals(number: float) -> int:
    """Decimals a scale or offset carries (0.1 -> 1, 0.25 -> 2, 10 -> 0), at most 6."""
    for digits in range(7):
        if abs(round(number, digits) - number) < 1e-9:
            return digits
    return 6


def _float_step_decimals(unit: str) -> int:
    return _decimals(FLOAT_RESOLUTION.get(unit, 0.0001))


def value_description(spec: ValueSpec) -> ModbusValueDescription:
    enabled = spec.key not in _NOISY_KEYS
    if spec.states:
        return ModbusValueDescription(
            key=spec.key, device_class=SensorDeviceClass.ENUM, options=[name for _, name in spec.states],
            states=spec.states, state_digits=0, entity_registry_enabled_default=enabled,
            **_naming(spec),  # type: ignore[arg-type]
        )  # fmt: skip
    device_class, state_class, unit = _UNITS.get(spec.unit, (None, SensorStateClass.MEASUREMENT, None))
    if spec.key == "power_factor":
        device_class, unit = SensorDeviceClass.POWER_FACTOR, None
    category = None
    if spec.key in _CODE_KEYS:
        state_class, category = None, EntityCategory.DIAGNOSTIC
    if spec.data_type in FLOAT_TYPES:
        digits, shown = _float_step_decimals(spec.unit), _FLOAT_DISPLAY_DIGITS.get(spec.unit, 2)
    else:  # a whole number times the scale, plus the offset: it resolves the scale's decimals
        digits = shown = max(_decimals(spec.scale), _decimals(spec.offset))
    return ModbusValueDescription(
        key=spec.key,
        device_class=device_class,
        state_class=state_class,
        native_unit_of_measurement=unit,
        entity_category=category,
        suggested_display_precision=min(shown, digits),
        state_digits=digits,
        entity_registry_enabled_default=enabled,
        **_naming(spec),  # type: ignore[arg-type]
    )


def flag_description(spec: ValueSpec) -> ModbusFlagDescription:
    return ModbusFlagDescription(key=spec.key, device_class=_FLAG_CLASSES.get(spec.key), **_naming(spec))  # type: ignore[arg-type]


@dataclass(frozen=True, kw_only=True)
class ModbusDiagnosticDescription(SensorEntityDescription):
    """Communication quality of a device."""

    value_fn: Callable[[ModbusDevice], StateType]


DIAGNOSTIC_DESCRIPTIONS: tuple[ModbusDiagnosticDescription, ...] = (
    ModbusDiagnosticDescription(
        key="transactions",
        translation_key="transactions",
        entity_category=EntityCategory.DIAGNOSTIC,
        # counted since the hub was loaded (last_reset): a restart is a declared reset, never a step back
        state_class=SensorStateClass.TOTAL,
        entity_registry_enabled_default=False,
        value_fn=lambda device: device.diagnostics.transactions,
    ),
    ModbusDiagnosticDescription(
        key="errors",
        translation_key="errors",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.TOTAL,  # since the hub was loaded (last_reset)
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
