"""Where a heat pump's roles get their values: this integration's Modbus devices or any sensor.

A role bound to one of our own Modbus values reads the hub's last Reading
directly, with the time the device answered; a role bound to any other
entity reads its state, converted to the role's unit, stamped with the time
the state was last reported.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util.unit_conversion import (
    BaseUnitConverter,
    EnergyConverter,
    PowerConverter,
    TemperatureConverter,
    VolumeFlowRateConverter,
)

from .const import DOMAIN
from .engine.live import Measurement, Role
from .modbus.device import ModbusDevice

# the unit each role's value is wanted in, and how other units convert to it
_ROLE_UNITS: dict[Role, tuple[type[BaseUnitConverter], str]] = {
    Role.FLOW_TEMP: (TemperatureConverter, "°C"),
    Role.RETURN_TEMP: (TemperatureConverter, "°C"),
    Role.OUTDOOR_TEMP: (TemperatureConverter, "°C"),
    Role.FLOW_RATE: (VolumeFlowRateConverter, "m³/h"),
    Role.HEAT_POWER: (PowerConverter, "W"),
    Role.ELEC_POWER: (PowerConverter, "W"),
    Role.BACKUP_POWER: (PowerConverter, "W"),
    Role.PUMP_POWER: (PowerConverter, "W"),
    Role.HEAT_ENERGY: (EnergyConverter, "kWh"),
    Role.ELEC_ENERGY: (EnergyConverter, "kWh"),
    Role.BACKUP_ENERGY: (EnergyConverter, "kWh"),
    Role.PUMP_ENERGY: (EnergyConverter, "kWh"),
}


@dataclass(frozen=True, slots=True)
class _Raw:
    value: float
    taken_at: float
    unit: str | None


def read_roles(hass: HomeAssistant, roles: Mapping[str, str]) -> tuple[dict[Role, Measurement], dict[str, str]]:
    """Each bound role's current value in the role's unit, and why the others have none."""
    registry = er.async_get(hass)
    values: dict[Role, Measurement] = {}
    problems: dict[str, str] = {}
    for role_key, entity_id in roles.items():
        role = Role(role_key)
        try:
            raw = _own_reading(hass, registry, entity_id)
            if raw is None:
                raw = _state_reading(hass, role, entity_id)
            values[role] = _converted(role, raw, entity_id)
        except _NoValueError as err:
            problems[role.value] = str(err)
    return values, problems


class _NoValueError(Exception):
    """Why a role has no value this time."""


def _own_reading(hass: HomeAssistant, registry: er.EntityRegistry, entity_id: str) -> _Raw | None:
    """The hub's last Reading behind one of our own Modbus entities, or None for any other entity."""
    entry = registry.async_get(entity_id)
    if entry is None or entry.platform != DOMAIN or entry.config_entry_id is None:
        return None
    config_entry = hass.config_entries.async_get_entry(entry.config_entry_id)
    coordinator = getattr(config_entry, "runtime_data", None)
    devices: dict[str, ModbusDevice] | None = getattr(coordinator, "devices", None)
    if not devices:
        return None
    for subentry_id, device in devices.items():
        key = entry.unique_id.removeprefix(f"{subentry_id}_")
        if key == entry.unique_id:
            continue
        reading = device.last.get(key)
        if not device.available or reading is None or reading.value is None:
            raise _NoValueError(f"{entity_id} has no reading")
        return _Raw(float(reading.value), reading.taken_at, device.register_map.value(key).unit)
    return None


def _state_reading(hass: HomeAssistant, role: Role, entity_id: str) -> _Raw:
    state = hass.states.get(entity_id)
    if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
        raise _NoValueError(f"{entity_id} is {state.state if state else 'missing'}")
    taken_at = state.last_reported.timestamp()
    if role is Role.DEFROST and state.state in (STATE_ON, STATE_OFF):
        return _Raw(1.0 if state.state == STATE_ON else 0.0, taken_at, None)
    try:
        value = float(state.state)
    except ValueError as err:
        raise _NoValueError(f"{entity_id} is not a number ({state.state!r})") from err
    if not math.isfinite(value):
        raise _NoValueError(f"{entity_id} has no reading")
    return _Raw(value, taken_at, state.attributes.get("unit_of_measurement"))


def _converted(role: Role, raw: _Raw, entity_id: str) -> Measurement:
    if role not in _ROLE_UNITS:
        return Measurement(raw.value, raw.taken_at)
    converter, wanted = _ROLE_UNITS[role]
    if raw.unit in (wanted, None, ""):
        return Measurement(raw.value, raw.taken_at)
    if raw.unit not in converter.VALID_UNITS:
        raise _NoValueError(f"{entity_id} is in {raw.unit!r}, which cannot be converted to {wanted}")
    return Measurement(converter.convert(raw.value, raw.unit, wanted), raw.taken_at)
