"""The plant's form: which heat pumps it holds and which loads they share."""

from __future__ import annotations

from typing import Any

import voluptuous as vol
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector

from .const import CONF_ENTRY_TYPE, CONF_HEAT_PUMPS, CONF_SHARED_ENERGY, CONF_SHARED_POWER, DOMAIN, ENTRY_HEAT_PUMP


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


def check_plant(user_input: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    settings = {
        key: list(user_input.get(key) or []) for key in (CONF_HEAT_PUMPS, CONF_SHARED_POWER, CONF_SHARED_ENERGY)
    }
    if not settings[CONF_HEAT_PUMPS]:
        return settings, {CONF_HEAT_PUMPS: "no_heat_pumps"}
    return settings, {}
