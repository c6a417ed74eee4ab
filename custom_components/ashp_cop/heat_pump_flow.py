"""The heat pump's forms: which measurement plays which role, and the circuit's settings.

Shared by the config flow (creating the entry) and the options flow (changing
it later). A changed setting applies from then on: totals already counted are
never recomputed behind the user's back.
"""

from __future__ import annotations

import json
from typing import Any

import voluptuous as vol
from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.helpers import selector

from .const import (
    CONF_ALERT_DEGRADATION,
    CONF_ALERT_LOW_COP,
    CONF_ALERT_STUCK,
    CONF_ALERT_SUSTAIN,
    CONF_APPLICATION,
    CONF_BACKUP_IN_HEAT_METER,
    CONF_CLIMATE,
    CONF_DATASHEET,
    CONF_FLOW_RATE_OFFSET,
    CONF_FLOW_TEMP_OFFSET,
    CONF_MASS_FRACTION,
    CONF_MEDIUM,
    CONF_METER_POSITION,
    CONF_RETURN_TEMP_OFFSET,
    CONF_ROLES,
    CONF_ROLLING_WINDOW,
    CONF_RUNNING_THRESHOLD,
    DEFAULT_CLIMATE,
    DEFAULT_ROLLING_WINDOW_MIN,
    DEFAULT_RUNNING_THRESHOLD_W,
    DEFAULT_SCAN_INTERVAL_S,
)
from .engine.en14825 import parse_datasheet
from .engine.errors import EngineInputError
from .engine.expected import ExpectedCop
from .engine.fluids import Medium, check_medium
from .engine.heat import MeterPosition
from .engine.live import Role

_BOX = selector.NumberSelectorMode.BOX


def roles_schema(roles: dict[str, str]) -> vol.Schema:
    """One optional entity picker per role; our own Modbus values are entities too."""
    fields: dict[vol.Marker, Any] = {}
    for role in Role:
        domains = ["binary_sensor", "sensor"] if role is Role.DEFROST else ["sensor"]
        picker = selector.EntitySelector(selector.EntitySelectorConfig(domain=domains))
        fields[vol.Optional(role.value, description={"suggested_value": roles.get(role.value)})] = picker
    return vol.Schema(fields)


def check_roles(user_input: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(roles, errors): heat and electricity must each have a source."""
    roles = {role.value: user_input[role.value] for role in Role if user_input.get(role.value)}
    errors: dict[str, str] = {}
    has = roles.keys()
    computed = {Role.FLOW_TEMP.value, Role.RETURN_TEMP.value, Role.FLOW_RATE.value} <= has
    if not (computed or Role.HEAT_POWER.value in has or Role.HEAT_ENERGY.value in has):
        errors["base"] = "no_heat_source"
    elif not (Role.ELEC_POWER.value in has or Role.ELEC_ENERGY.value in has):
        errors["base"] = "no_electricity_source"
    return roles, errors


def circuit_schema(config: dict[str, Any]) -> vol.Schema:
    def number(key: str, default: float, limits: tuple[float, float, float], unit: str) -> Any:
        low, high, step = limits
        config_ = selector.NumberSelectorConfig(min=low, max=high, step=step, mode=_BOX, unit_of_measurement=unit)
        return {vol.Required(key, default=config.get(key, default)): selector.NumberSelector(config_)}

    def choice(key: str, options: list[str], default: str) -> Any:
        return {vol.Required(key, default=config.get(key, default)): selector.SelectSelector(
            selector.SelectSelectorConfig(options=options, translation_key=key))}  # fmt: skip

    return vol.Schema({
        **choice(CONF_MEDIUM, [m.value for m in Medium], Medium.WATER.value),
        **number(CONF_MASS_FRACTION, 0, (0, 60, 1), "%"),
        **choice(CONF_METER_POSITION, [p.value for p in MeterPosition], MeterPosition.RETURN.value),
        **choice(CONF_CLIMATE, ["average", "warmer", "colder"], DEFAULT_CLIMATE),
        **number(CONF_FLOW_TEMP_OFFSET, 0, (-5, 5, 0.01), "K"),
        **number(CONF_RETURN_TEMP_OFFSET, 0, (-5, 5, 0.01), "K"),
        **number(CONF_FLOW_RATE_OFFSET, 0, (-1, 1, 0.001), "m³/h"),
        **number(CONF_RUNNING_THRESHOLD, DEFAULT_RUNNING_THRESHOLD_W, (0, 5000, 1), "W"),
        **number(CONF_ROLLING_WINDOW, DEFAULT_ROLLING_WINDOW_MIN, (1, 1440, 1), "min"),
        **number(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL_S, (1, 3600, 1), "s"),
        vol.Required(CONF_BACKUP_IN_HEAT_METER, default=config.get(CONF_BACKUP_IN_HEAT_METER, True)):
            selector.BooleanSelector(),
    })  # fmt: skip


def check_circuit(user_input: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """(settings, errors, placeholders): the medium and its mass fraction checked by the engine."""
    settings = dict(user_input)
    settings[CONF_SCAN_INTERVAL] = int(settings[CONF_SCAN_INTERVAL])
    try:
        check_medium(Medium(settings[CONF_MEDIUM]), float(settings[CONF_MASS_FRACTION]))
    except EngineInputError as err:
        return settings, {CONF_MASS_FRACTION: "invalid_medium"}, {"error": str(err)}
    return settings, {}, {"error": ""}


def entry_config(roles: dict[str, str], circuit: dict[str, Any]) -> dict[str, Any]:
    return {CONF_ROLES: roles, **circuit}


def datasheet_schema(config: dict[str, Any]) -> vol.Schema:
    return vol.Schema({
        vol.Optional(CONF_DATASHEET, description={"suggested_value": config.get(CONF_DATASHEET, "")}):
            selector.TextSelector(selector.TextSelectorConfig(multiline=True)),
        vol.Required(CONF_APPLICATION, default=str(config.get(CONF_APPLICATION, 35))): selector.SelectSelector(
            selector.SelectSelectorConfig(options=["35", "55"], translation_key=CONF_APPLICATION)),
    })  # fmt: skip


def check_datasheet(user_input: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """(settings, errors, placeholders): an empty datasheet is fine; a bad one is named."""
    text = (user_input.get(CONF_DATASHEET) or "").strip()
    application = int(user_input.get(CONF_APPLICATION, 35))
    settings: dict[str, Any] = {CONF_DATASHEET: text, CONF_APPLICATION: application}
    if not text:
        return settings, {}, {"error": ""}
    try:
        sheet = parse_datasheet(json.loads(text))
        ExpectedCop.from_points(sheet.points, application)
    except json.JSONDecodeError as err:
        return (
            settings,
            {CONF_DATASHEET: "invalid_datasheet"},
            {"error": f"not valid JSON ({err.msg}, line {err.lineno})"},
        )
    except EngineInputError as err:
        return settings, {CONF_DATASHEET: "invalid_datasheet"}, {"error": str(err)}
    return settings, {}, {"error": ""}


def alerts_schema(config: dict[str, Any]) -> vol.Schema:
    def number(key: str, default: float, limits: tuple[float, float, float], unit: str | None) -> Any:
        low, high, step = limits
        options = selector.NumberSelectorConfig(min=low, max=high, step=step, mode=_BOX)
        if unit:
            options["unit_of_measurement"] = unit
        return {vol.Required(key, default=config.get(key, default)): selector.NumberSelector(options)}

    return vol.Schema({
        **number(CONF_ALERT_LOW_COP, 1.0, (0.5, 3.0, 0.05), None),
        **number(CONF_ALERT_DEGRADATION, 20, (5, 60, 1), "%"),
        **number(CONF_ALERT_SUSTAIN, 60, (1, 1440, 1), "min"),
        **number(CONF_ALERT_STUCK, 30, (1, 1440, 1), "min"),
    })  # fmt: skip
