"""The three kinds of config entry of this domain, each typed by what its runtime_data holds.

A hub's entry holds its ModbusHubCoordinator, a heat pump's its
HeatPumpCoordinator, a plant's its PlantCoordinator; the kind is in the
entry's data (CONF_ENTRY_TYPE), and these guards narrow an entry to its kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeIs

from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult

from .const import CONF_ENTRY_TYPE, ENTRY_HEAT_PUMP, ENTRY_HUB, ENTRY_PLANT
from .coordinator import HubConfigEntry
from .heat_pump import HeatPumpConfigEntry
from .plant import PlantConfigEntry

type AshpCopConfigEntry = HubConfigEntry | HeatPumpConfigEntry | PlantConfigEntry


def is_hub(entry: ConfigEntry[Any]) -> TypeIs[HubConfigEntry]:
    return entry.data.get(CONF_ENTRY_TYPE) == ENTRY_HUB


def is_heat_pump(entry: ConfigEntry[Any]) -> TypeIs[HeatPumpConfigEntry]:
    return entry.data.get(CONF_ENTRY_TYPE) == ENTRY_HEAT_PUMP


def is_plant(entry: ConfigEntry[Any]) -> TypeIs[PlantConfigEntry]:
    return entry.data.get(CONF_ENTRY_TYPE) == ENTRY_PLANT


def reconfigured(
    flow: ConfigFlow,
    entry: ConfigEntry[Any],
    *,
    reason: str,
    title: str,
    data: Mapping[str, Any],
    unique_id: str | None,
    replaced: tuple[str, ...],
) -> ConfigFlowResult:
    """Write a reconfigured heat pump or plant to its entry and end the flow.

    The keys the reconfigure step sets leave the options (which would win over
    the data); the entry's update listener then reloads it once.
    """
    options = {key: value for key, value in entry.options.items() if key not in replaced}
    flow.hass.config_entries.async_update_entry(entry, title=title, data=data, options=options, unique_id=unique_id)
    return flow.async_abort(reason=reason)
