"""What makes a heat pump or a plant the one it is, kept as its config entry's unique id.

A heat pump is its heat source and its electricity source: the heat meter's
counter if bound, else its power, else the flow meter (heat computed from
flow and temperatures); the electricity meter's counter if bound, else its
power. A plant is the set of heat pumps it holds. The same meters cannot be
set up as a second heat pump, nor the same heat pumps as a second plant.

The unique id follows the bindings: the flows set it, and setup brings it in
line after an options change (or gives one to an entry made before 0.4.0).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from .const import CONF_ENTRY_TYPE, CONF_HEAT_PUMPS, CONF_ROLES, DOMAIN, ENTRY_HEAT_PUMP, ENTRY_PLANT, LOGGER
from .engine.live import Role

HEAT_SOURCES = (Role.HEAT_ENERGY, Role.HEAT_POWER, Role.FLOW_RATE)
ELECTRICITY_SOURCES = (Role.ELEC_ENERGY, Role.ELEC_POWER)


def heat_pump_unique_id(roles: Mapping[str, str]) -> str | None:
    """None for roles without a heat or an electricity source (the flows refuse those)."""
    heat = next((roles[role] for role in HEAT_SOURCES if roles.get(role)), None)
    electricity = next((roles[role] for role in ELECTRICITY_SOURCES if roles.get(role)), None)
    return f"{ENTRY_HEAT_PUMP}:{heat}+{electricity}" if heat and electricity else None


def plant_unique_id(heat_pump_ids: Iterable[str]) -> str | None:
    members = sorted(set(heat_pump_ids))
    return f"{ENTRY_PLANT}:{'+'.join(members)}" if members else None


def meters(roles: Mapping[str, str]) -> dict[str, str]:
    """Entity id -> role, for the roles that meter heat or electricity (a meter measures one heat pump)."""
    return {roles[role]: role for role in (*HEAT_SOURCES, *ELECTRICITY_SOURCES) if roles.get(role)}


def settings_of(entry: ConfigEntry[Any]) -> dict[str, Any]:
    """An entry's settings: its data, with options (which win) on top."""
    return {**entry.data, **entry.options}


def meters_in_use(
    hass: HomeAssistant, roles: Mapping[str, str], own_entry_id: str | None
) -> dict[str, tuple[str, str]]:
    """Role -> (entity id, the other heat pump's title) for each meter another heat pump already reads."""
    taken: dict[str, tuple[str, str]] = {}
    for other in hass.config_entries.async_entries(DOMAIN):
        if other.entry_id == own_entry_id or other.data.get(CONF_ENTRY_TYPE) != ENTRY_HEAT_PUMP:
            continue
        theirs = meters(settings_of(other).get(CONF_ROLES, {}))
        for entity_id, role in meters(roles).items():
            if entity_id in theirs:
                taken[role] = (entity_id, other.title)
    return taken


def entry_unique_id(entry: ConfigEntry[Any]) -> str | None:
    """The unique id a heat pump's or a plant's current bindings give it."""
    if entry.data.get(CONF_ENTRY_TYPE) == ENTRY_PLANT:
        return plant_unique_id(settings_of(entry).get(CONF_HEAT_PUMPS, []))
    return heat_pump_unique_id(settings_of(entry).get(CONF_ROLES, {}))


@callback
def sync_unique_id(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Bring the entry's unique id in line with its bindings (called at setup, before the update listener)."""
    wanted = entry_unique_id(entry)
    if wanted == entry.unique_id:
        return
    holder = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, wanted) if wanted else None
    if holder is not None:
        # Two entries made before unique ids existed, bound to the same meters: the first keeps them.
        LOGGER.warning(
            "%s reads the same meters as %s; remove one of them or bind it to other meters", entry.title, holder.title
        )
        wanted = None
        if entry.unique_id is None:
            return
    hass.config_entries.async_update_entry(entry, unique_id=wanted)
