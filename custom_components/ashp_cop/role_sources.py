"""Where a heat pump's roles get their values: this integration's Modbus devices or any sensor.

A role bound to one of our own Modbus values reads the hub's last Reading
directly, with the time the device answered; a role bound to any other
entity reads its state, converted to the role's unit, stamped with the time
the state was last reported.

What each role measures (its sensor device class and the unit the engine
wants) is defined once here, in ROLE_QUANTITIES: the config flow checks a
binding against it and the reading converts with it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.components.sensor.const import UNIT_CONVERTERS
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTemperature,
    UnitOfVolumeFlowRate,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util.unit_conversion import BaseUnitConverter

from .const import DOMAIN
from .coordinator import ModbusHubCoordinator
from .engine.live import Measurement, Role
from .engine.modes import mode_code


@dataclass(frozen=True, slots=True)
class RoleQuantity:
    """What a role measures: the device class a sensor bound to it may have, and the unit the engine wants."""

    device_class: SensorDeviceClass
    unit: str

    @property
    def converter(self) -> type[BaseUnitConverter]:
        return UNIT_CONVERTERS[self.device_class]

    @property
    def units(self) -> list[str]:
        """Every unit a reading can be converted from (the choices when a sensor has none)."""
        return sorted(unit for unit in self.converter.VALID_UNITS if unit)

    def convertible(self, unit: str) -> bool:
        return unit in self.converter.VALID_UNITS


_TEMPERATURE = RoleQuantity(SensorDeviceClass.TEMPERATURE, UnitOfTemperature.CELSIUS)
_POWER = RoleQuantity(SensorDeviceClass.POWER, UnitOfPower.WATT)
_ENERGY = RoleQuantity(SensorDeviceClass.ENERGY, UnitOfEnergy.KILO_WATT_HOUR)
# Every role but the defrost signal (on/off or a number) and the operating mode (a state) is a quantity with a unit.
# Flags (on/off, or a number read as on from 0.5): a binary sensor or a sensor may play them.
FLAG_ROLES = (Role.DEFROST, Role.COMPRESSOR_RUNNING)
# Every role but the flags is a quantity with a unit.
ROLE_QUANTITIES: dict[Role, RoleQuantity] = {
    Role.FLOW_TEMP: _TEMPERATURE,
    Role.RETURN_TEMP: _TEMPERATURE,
    Role.OUTDOOR_TEMP: _TEMPERATURE,
    Role.FLOW_RATE: RoleQuantity(SensorDeviceClass.VOLUME_FLOW_RATE, UnitOfVolumeFlowRate.CUBIC_METERS_PER_HOUR),
    Role.HEAT_POWER: _POWER,
    Role.ELEC_POWER: _POWER,
    Role.BACKUP_POWER: _POWER,
    Role.PUMP_POWER: _POWER,
    Role.HEAT_ENERGY: _ENERGY,
    Role.ELEC_ENERGY: _ENERGY,
    Role.BACKUP_ENERGY: _ENERGY,
    Role.PUMP_ENERGY: _ENERGY,
}


def unit_problem(entity_id: str, unit: str, quantity: RoleQuantity) -> str:
    return f"{entity_id} is in '{unit}', which cannot be converted to {quantity.unit}"


@dataclass(frozen=True, slots=True)
class Binding:
    """What the flow found about the entity picked for a role.

    ``problem`` is the flow's error key and ``message`` names the entity (and
    its unit); ``needs_unit`` means the entity has no unit, so the flow asks
    for the one its readings are in.
    """

    problem: str | None = None
    message: str = ""
    needs_unit: bool = False


def check_binding(hass: HomeAssistant, role: Role, entity_id: str) -> Binding:
    """Can the entity play the role: does it exist, and are its device class and unit the role's?"""
    state = hass.states.get(entity_id)
    registered = er.async_get(hass).async_get(entity_id)
    if state is None and (registered is None or registered.disabled):
        why = "is disabled" if registered is not None else "does not exist"
        return Binding("entity_not_found", f"{entity_id} {why}")
    quantity = ROLE_QUANTITIES.get(role)
    if quantity is None:
        return Binding()
    if state is not None:
        unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
        device_class = state.attributes.get(ATTR_DEVICE_CLASS)
    else:  # registered but not loaded yet (its integration is starting): what the registry knows
        assert registered is not None
        unit = registered.unit_of_measurement
        device_class = registered.device_class or registered.original_device_class
    if device_class is not None and device_class != quantity.device_class:
        shown = f" in '{unit}'" if unit else ""  # a unit enum shows its symbol, not its repr
        return Binding(
            "wrong_device_class", f"{entity_id} is a {device_class} sensor{shown}, not {quantity.device_class}"
        )
    if not unit:
        return Binding(needs_unit=True)
    if not quantity.convertible(unit):
        return Binding("wrong_unit", unit_problem(entity_id, unit, quantity))
    return Binding()


@dataclass(frozen=True, slots=True)
class _Raw:
    value: float
    taken_at: float
    unit: str | None
    states: tuple[tuple[int, str], ...] = ()  # a Modbus value's named states


def read_roles(
    hass: HomeAssistant,
    roles: Mapping[str, str],
    units: Mapping[str, str] | None = None,
    mode_map: Mapping[str, str] | None = None,
) -> tuple[dict[Role, Measurement], dict[str, str]]:
    """Each bound role's current value in the role's unit, and why the others have none.

    ``units`` holds, per role, the unit the user gave for an entity that has
    none; an entity's own unit always wins. ``mode_map`` maps the operating
    mode entity's states to modes.
    """
    registry = er.async_get(hass)
    given = units or {}
    values: dict[Role, Measurement] = {}
    problems: dict[str, str] = {}
    for role_key, entity_id in roles.items():
        role = Role(role_key)
        try:
            if role is Role.OPERATING_MODE:
                values[role] = _mode_reading(hass, registry, entity_id, mode_map or {})
                continue
            raw = _own_reading(hass, registry, entity_id)
            if raw is None:
                raw = _state_reading(hass, role, entity_id)
            values[role] = _converted(role, raw, entity_id, given.get(role_key))
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
    found = coordinator.value_of(entry.unique_id) if isinstance(coordinator, ModbusHubCoordinator) else None
    if found is None:
        return None
    device, key = found
    reading = device.last.get(key)
    if not device.available or reading is None or reading.value is None:
        raise _NoValueError(f"{entity_id} has no reading")
    spec = device.register_map.value(key)
    return _Raw(float(reading.value), reading.taken_at, spec.unit, spec.states)


def _mode_reading(
    hass: HomeAssistant, registry: er.EntityRegistry, entity_id: str, mode_map: Mapping[str, str]
) -> Measurement:
    """The operating mode now, as a mode code: the entity's state (a Modbus value's state name) mapped."""
    raw = _own_reading(hass, registry, entity_id)
    if raw is not None:
        if entity_id.startswith("binary_sensor."):  # one of our Modbus flags, shown on/off
            state = STATE_ON if raw.value else STATE_OFF
        else:
            state = dict(raw.states).get(int(raw.value), f"{raw.value:g}")
        taken_at = raw.taken_at
    else:
        current = hass.states.get(entity_id)
        if current is None or current.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            raise _NoValueError(f"{entity_id} is {current.state if current else 'missing'}")
        state, taken_at = current.state, current.last_reported.timestamp()
    target = mode_map.get(state)
    if target is None:
        raise _NoValueError(f"{entity_id} is {state!r}, which the mode mapping does not name")
    return Measurement(mode_code(target), taken_at)


def _state_reading(hass: HomeAssistant, role: Role, entity_id: str) -> _Raw:
    state = hass.states.get(entity_id)
    if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
        raise _NoValueError(f"{entity_id} is {state.state if state else 'missing'}")
    taken_at = state.last_reported.timestamp()
    if role in FLAG_ROLES and state.state in (STATE_ON, STATE_OFF):
        return _Raw(1.0 if state.state == STATE_ON else 0.0, taken_at, None)
    try:
        value = float(state.state)
    except ValueError as err:
        raise _NoValueError(f"{entity_id} is not a number ({state.state!r})") from err
    if not math.isfinite(value):
        raise _NoValueError(f"{entity_id} has no reading")
    return _Raw(value, taken_at, state.attributes.get(ATTR_UNIT_OF_MEASUREMENT))


def _converted(role: Role, raw: _Raw, entity_id: str, given_unit: str | None) -> Measurement:
    quantity = ROLE_QUANTITIES.get(role)
    if quantity is None:
        return Measurement(raw.value, raw.taken_at)
    # No unit on the entity: the one the user gave; entries made before 0.4.0 have none and read as the role's.
    unit = raw.unit or given_unit or quantity.unit
    if unit == quantity.unit:
        return Measurement(raw.value, raw.taken_at)
    if not quantity.convertible(unit):
        raise _NoValueError(unit_problem(entity_id, unit, quantity))
    return Measurement(quantity.converter.convert(raw.value, unit, quantity.unit), raw.taken_at)
