"""ASHP COP: how efficient an air-source heat pump really is, measured in the field.

Two kinds of config entry share this domain: a Modbus hub (one connection,
its devices as subentries) and a heat pump (roles bound to measurements).
"""

from __future__ import annotations

from functools import partial

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.typing import ConfigType

from .const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_HUB, ENTRY_PLANT
from .coordinator import HubConfigEntry, ModbusHubCoordinator
from .engine.alerts import ALERTS
from .heat_pump import HeatPumpCoordinator
from .modbus.errors import ModbusConfigError, RegisterMapError
from .modbus.profiles import builtin_profiles
from .plant import PlantCoordinator
from .repairs import clear_alert_issues
from .seasonal import SeasonalCoordinator, record_daily_cop
from .services import async_setup_services
from .totals_store import HEAT_PUMP, PLANT, async_remove_totals

PLATFORMS = [Platform.BINARY_SENSOR, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Actions are registered once, whatever entries exist."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: HubConfigEntry) -> bool:
    if entry.data.get(CONF_ENTRY_TYPE) == ENTRY_HUB:
        await hass.async_add_executor_job(builtin_profiles)  # reads the shipped YAML files once, off the loop
        device_registry = dr.async_get(hass)
        device_registry.async_get_or_create(
            config_entry_id=entry.entry_id, identifiers={(DOMAIN, entry.entry_id)}, name=entry.title,
            manufacturer="Modbus", model=str(entry.data.get("transport", "")).replace("_", " ").upper(),
        )  # fmt: skip
        try:
            coordinator = ModbusHubCoordinator(hass, entry)
        except (ModbusConfigError, RegisterMapError) as err:
            raise ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key="invalid_configuration",
                translation_placeholders={"error": str(err)},
            ) from err
        try:
            await coordinator.async_config_entry_first_refresh()
        except BaseException:
            coordinator.shutdown_hub()  # a serial port must not stay open for the retry
            raise
        entry.runtime_data = coordinator
    elif entry.data.get(CONF_ENTRY_TYPE) == ENTRY_PLANT:
        plant = PlantCoordinator(hass, entry)  # type: ignore[arg-type]
        await plant.async_config_entry_first_refresh()
        entry.runtime_data = plant  # type: ignore[assignment]
    else:
        heat_pump = HeatPumpCoordinator(hass, entry)  # type: ignore[arg-type]
        await heat_pump.async_config_entry_first_refresh()
        if "recorder" in hass.config.components:
            heat_pump.seasonal = SeasonalCoordinator(hass, entry)  # type: ignore[arg-type]
            await heat_pump.seasonal.async_config_entry_first_refresh()
            heat_pump.on_day_closed = partial(record_daily_cop, hass, entry)  # type: ignore[arg-type]
        entry.runtime_data = heat_pump  # type: ignore[assignment]
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_on_unload(entry.add_update_listener(_async_reload))
    return True


async def _async_reload(hass: HomeAssistant, entry: HubConfigEntry) -> None:
    """Subentries added, changed or removed, or the hub reconfigured."""
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: HubConfigEntry) -> bool:
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded and entry.data.get(CONF_ENTRY_TYPE) == ENTRY_HUB:
        entry.runtime_data.shutdown_hub()
    elif unloaded:
        await entry.runtime_data.async_save()  # type: ignore[attr-defined]
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: HubConfigEntry) -> None:
    """A removed heat pump or plant leaves no repair issues and no stored totals behind."""
    kind = entry.data.get(CONF_ENTRY_TYPE)
    if kind == ENTRY_PLANT:
        await async_remove_totals(hass, PLANT, entry.entry_id)
    elif kind != ENTRY_HUB:
        clear_alert_issues(hass, entry.entry_id, ALERTS)
        await async_remove_totals(hass, HEAT_PUMP, entry.entry_id)
