"""The plant's form and flow steps: which heat pumps it holds and which loads they share.

A plant is identified by its heat pumps (identity.py): the same heat pumps
cannot be set up as a second plant. The shared loads are checked like a heat
pump's roles (role_sources.py): they must exist and be power or energy
sensors with a unit.
"""

from __future__ import annotations

from typing import Any

import voluptuous as vol
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector

from .const import (
    CONF_ENTRY_TYPE,
    CONF_HEAT_PUMPS,
    CONF_SHARED_ENERGY,
    CONF_SHARED_POWER,
    DOMAIN,
    ENTRY_HEAT_PUMP,
    ENTRY_PLANT,
)
from .engine.live import Role
from .entries import reconfigured
from .identity import plant_unique_id, settings_of
from .role_sources import ROLE_QUANTITIES, check_binding

# what a shared load is read as (plant.py reads it as the circulation pump's role)
_SHARED_ROLES = {CONF_SHARED_POWER: Role.PUMP_POWER, CONF_SHARED_ENERGY: Role.PUMP_ENERGY}
_PLANT_KEYS = (CONF_HEAT_PUMPS, CONF_SHARED_POWER, CONF_SHARED_ENERGY)


def plant_schema(hass: HomeAssistant, config: dict[str, Any]) -> vol.Schema:
    heat_pumps = [
        selector.SelectOptionDict(value=entry.entry_id, label=entry.title)
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.data.get(CONF_ENTRY_TYPE) == ENTRY_HEAT_PUMP
    ]
    pick = selector.SelectSelector(selector.SelectSelectorConfig(options=heat_pumps, multiple=True))
    sensors = selector.EntitySelector(selector.EntitySelectorConfig(domain="sensor", multiple=True))
    return vol.Schema({
        vol.Required(CONF_HEAT_PUMPS, default=config.get(CONF_HEAT_PUMPS, [])): pick,
        vol.Optional(CONF_SHARED_POWER, default=config.get(CONF_SHARED_POWER, [])): sensors,
        vol.Optional(CONF_SHARED_ENERGY, default=config.get(CONF_SHARED_ENERGY, [])): sensors,
    })  # fmt: skip


def check_plant(
    hass: HomeAssistant, user_input: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """(settings, errors, placeholders): at least one heat pump, and shared loads that exist and are power (or
    energy) sensors with a unit; the message names each entity and its unit."""
    settings = {key: list(user_input.get(key) or []) for key in _PLANT_KEYS}
    if not settings[CONF_HEAT_PUMPS]:
        return settings, {CONF_HEAT_PUMPS: "no_heat_pumps"}, {"error": ""}
    errors: dict[str, str] = {}
    problems: list[str] = []
    for key, role in _SHARED_ROLES.items():
        for entity_id in settings[key]:
            binding = check_binding(hass, role, entity_id)
            problem, message = binding.problem, binding.message
            if binding.needs_unit:  # a plant has no unit question: a shared load's sensor must carry its unit
                kind = ROLE_QUANTITIES[role].device_class
                problem, message = "no_unit", f"{entity_id} has no unit (a {kind} sensor needs one)"
            if problem is not None:
                errors.setdefault(key, problem)
                problems.append(message)
    if problems:
        errors["base"] = "invalid_plant"
    return settings, errors, {"error": "; ".join(problems)}


def same_plant(hass: HomeAssistant, settings: dict[str, Any], own_entry_id: str | None) -> str | None:
    """The title of another plant holding exactly these heat pumps, if there is one."""
    unique_id = plant_unique_id(settings[CONF_HEAT_PUMPS])
    other = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, unique_id) if unique_id else None
    return other.title if other is not None and other.entry_id != own_entry_id else None


def refuse_same_plant(
    hass: HomeAssistant,
    settings: dict[str, Any],
    own_entry_id: str,
    errors: dict[str, str],
    placeholders: dict[str, str],
) -> None:
    """In a form that changes a plant: the same heat pumps as another plant is an error, not an abort."""
    other = same_plant(hass, settings, own_entry_id)
    if other is not None:
        errors[CONF_HEAT_PUMPS] = "same_heat_pumps"
        errors["base"] = "invalid_plant"
        placeholders["error"] = "; ".join(filter(None, (placeholders["error"], f"{other} holds the same heat pumps")))


class PlantConfigSteps(ConfigFlow):
    """The config flow's plant steps: add a plant, or reconfigure its name and what it holds."""

    async def async_step_plant(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Several heat pumps and the loads they share, with one COP for the whole."""
        errors: dict[str, str] = {}
        placeholders = {"error": ""}
        if user_input is not None:
            settings, errors, placeholders = check_plant(self.hass, user_input)
            if CONF_HEAT_PUMPS not in errors:  # the same heat pumps are the same plant
                await self.async_set_unique_id(plant_unique_id(settings[CONF_HEAT_PUMPS]))
                self._abort_if_unique_id_configured(error="plant_already_configured")
            if not errors:
                name = user_input[CONF_NAME].strip()
                return self.async_create_entry(title=name, data={CONF_ENTRY_TYPE: ENTRY_PLANT, **settings})
        return self.async_show_form(step_id="plant", data_schema=_named(self.hass, user_input or {}), errors=errors,
                                    description_placeholders=placeholders)  # fmt: skip

    async def async_step_reconfigure_plant(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Rename the plant or change what it holds; its totals, entities and history stay."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        placeholders = {"error": ""}
        if user_input is not None:
            settings, errors, placeholders = check_plant(self.hass, user_input)
            if not errors:
                refuse_same_plant(self.hass, settings, entry.entry_id, errors, placeholders)
            if not errors:
                return reconfigured(
                    self, entry, reason="plant_reconfigured", title=user_input[CONF_NAME].strip(),
                    data={**entry.data, **settings}, unique_id=plant_unique_id(settings[CONF_HEAT_PUMPS]),
                    replaced=_PLANT_KEYS,
                )  # fmt: skip
        current = user_input or {CONF_NAME: entry.title, **settings_of(entry)}
        return self.async_show_form(step_id="reconfigure_plant", data_schema=_named(self.hass, current),
                                    errors=errors, description_placeholders=placeholders)  # fmt: skip


def _named(hass: HomeAssistant, config: dict[str, Any]) -> vol.Schema:
    name = vol.Required(CONF_NAME, default=config.get(CONF_NAME, vol.UNDEFINED))
    return vol.Schema({name: selector.TextSelector()}).extend(plant_schema(hass, config).schema)


class PlantOptionsFlow(OptionsFlow):
    """Change which heat pumps and shared loads make up the plant."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        return await self.async_step_plant()

    async def async_step_plant(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        placeholders = {"error": ""}
        if user_input is not None:
            settings, errors, placeholders = check_plant(self.hass, user_input)
            if not errors:
                refuse_same_plant(self.hass, settings, self.config_entry.entry_id, errors, placeholders)
            if not errors:
                return self.async_create_entry(data=settings)
        current = user_input or settings_of(self.config_entry)
        return self.async_show_form(step_id="plant", data_schema=plant_schema(self.hass, current), errors=errors,
                                    description_placeholders=placeholders)  # fmt: skip
