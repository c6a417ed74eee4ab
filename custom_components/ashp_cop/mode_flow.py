"""The operating mode's form: which state of the bound entity means which mode.

The entity can be anything that tells the mode: an enum sensor or a select (its options are its
states), a binary sensor such as a diverter valve's "hot water" flag (on/off), this integration's own
Modbus value (its register map names the states), or a text sensor (only its current state is
known). The form shows one ``state: mode`` a line, filled with the defaults of engine/modes.py for
the states it knows; every state it knows must be mapped, and the error names the entity and the
state that is not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import voluptuous as vol
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.const import ATTR_DEVICE_CLASS, STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import selector

from .const import CONF_MODE_MAP, CONF_ROLES, DOMAIN
from .engine.errors import EngineInputError
from .engine.live import Role
from .engine.modes import default_mapping, format_mapping, parse_mapping, unmapped, usable_mapping
from .modbus.device import ModbusDevice

MODE_DOMAINS = ["sensor", "select", "input_select", "binary_sensor"]


def mode_entity(config: Mapping[str, Any]) -> str | None:
    """The entity bound to the operating mode role, if any."""
    entity_id = config.get(CONF_ROLES, {}).get(Role.OPERATING_MODE.value)
    return entity_id if isinstance(entity_id, str) and entity_id else None


def known_states(hass: HomeAssistant, entity_id: str) -> tuple[list[str], bool]:
    """(the states the entity can show, as far as can be told; whether it is an on/off entity)."""
    if entity_id.startswith("binary_sensor."):
        return [STATE_ON, STATE_OFF], True
    named = _modbus_states(hass, entity_id)
    if named:
        return named, False
    state = hass.states.get(entity_id)
    if state is None:
        return [], False
    options = state.attributes.get("options")
    if isinstance(options, list | tuple) and (
        state.attributes.get(ATTR_DEVICE_CLASS) == "enum" or not entity_id.startswith("sensor.")
    ):
        return [str(option) for option in options], False
    if state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
        return [], False
    return [state.state], False


def _modbus_states(hass: HomeAssistant, entity_id: str) -> list[str]:
    """The state names of one of this integration's own Modbus values (from its register map)."""
    entry = er.async_get(hass).async_get(entity_id)
    if entry is None or entry.platform != DOMAIN or entry.config_entry_id is None:
        return []
    config_entry = hass.config_entries.async_get_entry(entry.config_entry_id)
    devices: dict[str, ModbusDevice] | None = getattr(getattr(config_entry, "runtime_data", None), "devices", None)
    for subentry_id, device in (devices or {}).items():
        key = entry.unique_id.removeprefix(f"{subentry_id}_")
        if key != entry.unique_id:
            return [name for _, name in device.register_map.value(key).states]
    return []


def suggested_mapping(hass: HomeAssistant, entity_id: str, current: Mapping[str, str] | None) -> str:
    """The mapping to show: the one kept (for the same entity), else the defaults for its states."""
    states, binary = known_states(hass, entity_id)
    if current:
        return format_mapping({**default_mapping(unmapped(states, current), binary), **current})
    return format_mapping(default_mapping(states, binary))


def mode_map_schema(text: str) -> vol.Schema:
    return vol.Schema({
        vol.Required(CONF_MODE_MAP, default=text): selector.TextSelector(selector.TextSelectorConfig(multiline=True)),
    })  # fmt: skip


def check_mode_map(
    hass: HomeAssistant, entity_id: str, text: str
) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(mapping, errors, placeholders): the mapping parsed; every state the entity can show is mapped."""
    try:
        mapping = parse_mapping(text)
    except EngineInputError as err:
        return {}, {CONF_MODE_MAP: "invalid_mode_map"}, {"error": err.reason}
    states, _ = known_states(hass, entity_id)
    missing = unmapped(states, mapping)
    if not mapping:
        return {}, {CONF_MODE_MAP: "invalid_mode_map"}, {"error": f"{entity_id}: no state is mapped to a mode"}
    if missing:
        listed = ", ".join(repr(state) for state in missing)
        return mapping, {CONF_MODE_MAP: "invalid_mode_map"}, {"error": f"{entity_id} state {listed} is not mapped"}
    return mapping, {}, {"error": ""}


def form_placeholders(hass: HomeAssistant, entity_id: str, error: str = "") -> dict[str, str]:
    states, _ = known_states(hass, entity_id)
    return {"entity": entity_id, "states": ", ".join(states) or "-", "error": error}


async def mode_map_step(
    flow: ConfigFlow | OptionsFlow,
    user_input: dict[str, Any] | None,
    roles: Mapping[str, str],
    before: Mapping[str, Any],
    on_valid: Callable[[dict[str, Any]], Awaitable[ConfigFlowResult]],
) -> ConfigFlowResult:
    """The ``mode_map`` step of a flow: skipped without an operating mode; ``on_valid`` gets the settings."""
    entity_id = roles.get(Role.OPERATING_MODE.value)
    if not entity_id:
        return await on_valid({})
    errors: dict[str, str] = {}
    error = ""
    if user_input is not None:
        mapping, errors, placeholders = check_mode_map(flow.hass, entity_id, user_input[CONF_MODE_MAP])
        if not errors:
            return await on_valid({CONF_MODE_MAP: mapping})
        text, error = user_input[CONF_MODE_MAP], placeholders["error"]
    else:
        kept = before.get(CONF_MODE_MAP) if mode_entity(before) == entity_id else None
        usable, refused = usable_mapping(kept) if isinstance(kept, Mapping) else ({}, "")
        text = suggested_mapping(flow.hass, entity_id, usable)
        if refused:  # shown without them, as they are used, and named: Submit saves the rest
            errors, error = {CONF_MODE_MAP: "mode_map_lines_left_out"}, refused
    return flow.async_show_form(step_id="mode_map", data_schema=mode_map_schema(text), errors=errors,
                                description_placeholders=form_placeholders(flow.hass, entity_id, error))  # fmt: skip
