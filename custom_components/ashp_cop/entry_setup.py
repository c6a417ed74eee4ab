"""Setting up, unloading and removing this domain's config entries (re-exported by the package's __init__).

Three kinds of config entry share this domain (entries.py): a Modbus hub (one
connection, its devices as subentries), a heat pump (roles bound to
measurements) and a plant (several heat pumps and the loads they share).
"""

from __future__ import annotations

from functools import partial

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.typing import ConfigType

from .const import CONF_PARITY, DOMAIN, LOGGER, PARITY_LETTERS
from .coordinator import ModbusHubCoordinator
from .engine.alerts import ALERTS
from .engine.plausibility import IMPLAUSIBLE_COP
from .engine.short_cycling import SHORT_CYCLING
from .entries import AshpCopConfigEntry, is_heat_pump, is_hub, is_plant
from .heat_pump import HEAT_METER_ERROR, HeatPumpCoordinator
from .history_import import HistoryError, HistoryImporter, async_remove_history
from .identity import sync_unique_id
from .modbus.errors import ModbusConfigError
from .modbus.profiles import builtin_profiles
from .period_card import async_load_card, async_setup_card_commands, async_unload_card
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
    async_setup_card_commands(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: AshpCopConfigEntry) -> bool:
    if is_hub(entry):
        await hass.async_add_executor_job(builtin_profiles)  # reads the shipped YAML files once, off the loop
        device_registry = dr.async_get(hass)
        hub_device = device_registry.async_get_or_create(
            config_entry_id=entry.entry_id, identifiers={(DOMAIN, entry.entry_id)}, name=entry.title,
            manufacturer="Modbus", model=str(entry.data.get("transport", "")).replace("_", " ").upper(),
        )  # fmt: skip
        try:
            coordinator = ModbusHubCoordinator(hass, entry)
        except ModbusConfigError as err:  # a device whose map is refused is left out on its own (coordinator.py)
            raise ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key="invalid_configuration",
                translation_placeholders={"error": str(err)},
            ) from err
        coordinator.hub_device_id = hub_device.id
        try:
            await coordinator.async_config_entry_first_refresh()
        except BaseException:
            coordinator.shutdown_hub()  # a serial port must not stay open for the retry
            raise
        entry.runtime_data = coordinator
    elif is_plant(entry):
        sync_unique_id(hass, entry)  # before the update listener: no reload
        plant = PlantCoordinator(hass, entry)
        await plant.async_config_entry_first_refresh()
        entry.runtime_data = plant
    else:
        sync_unique_id(hass, entry)
        heat_pump = HeatPumpCoordinator(hass, entry)
        await heat_pump.async_config_entry_first_refresh()
        if "recorder" in hass.config.components:
            rating = heat_pump.rating
            heat_pump.seasonal = SeasonalCoordinator(hass, entry, None if rating is None else rating.pdesignh_kw)
            await heat_pump.seasonal.async_config_entry_first_refresh()
            heat_pump.on_day_closed = partial(record_daily_cop, hass, entry)
            heat_pump.history = HistoryImporter(hass, entry, heat_pump.live.settings.circuit)
            heat_pump.history.on_imported = heat_pump.seasonal.async_refresh
            await heat_pump.history.async_setup()
            entry.async_on_unload(heat_pump.history.async_unload)
            if (modes := heat_pump.mode_statistics) is not None:
                modes.async_start()
                entry.async_on_unload(modes.async_stop)
        entry.runtime_data = heat_pump
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_on_unload(entry.add_update_listener(_async_reload))
    if not is_hub(entry):
        await async_load_card(hass, entry.entry_id)  # the period card, for the owner's dashboard
    if is_heat_pump(entry) and (history := entry.runtime_data.history) and not history.ever_imported:
        # The first set-up: the meters' past from the recorder (seconds for years of statistics), once Home
        # Assistant runs. The recorder serves no query until then, and Home Assistant's start-up waits for
        # tracked tasks: started during start-up, the import held the start-up for its 5-minute wrap-up
        # timeout (seen restarting the demo before its first import had finished). A tracked task, not a
        # background one: Home Assistant waits for it at stop instead of cancelling it, so its reads in the
        # recorder's executor never run on after the recorder closed the database (that crashed the
        # interpreter in sqlite at test teardown).
        @callback
        def _import(_: HomeAssistant) -> None:
            entry.async_create_task(hass, _import_history(entry.title, history), f"{DOMAIN} history import")

        entry.async_on_unload(async_at_started(hass, _import))
    return True


async def _import_history(title: str, history: HistoryImporter) -> None:
    try:
        summary = await history.async_import()
    except HistoryError as err:
        LOGGER.info("%s: no history imported from the recorder (%s)", title, err.key)
        return
    LOGGER.info("%s: %s hours of history imported from the recorder", title, summary["hours"])


async def async_migrate_entry(hass: HomeAssistant, entry: AshpCopConfigEntry) -> bool:
    """Bring an entry stored by an older release up to the current version (config_flow.py's VERSION)."""
    if entry.version > 1:
        return False  # written by a newer release of this integration: refuse rather than guess
    if entry.minor_version < 2:
        # 1.2: a serial hub's parity is stored as its option value ("even"), a lowercase translation key, not "E"
        data = dict(entry.data)
        letters = {letter: option for option, letter in PARITY_LETTERS.items()}
        if is_hub(entry) and data.get(CONF_PARITY) in letters:
            data[CONF_PARITY] = letters[data[CONF_PARITY]]
        hass.config_entries.async_update_entry(entry, data=data, minor_version=2)
        LOGGER.debug("Migrated %s to version 1.2", entry.title)
    return True


async def _async_reload(hass: HomeAssistant, entry: AshpCopConfigEntry) -> None:
    """Subentries added, changed or removed, an entry reconfigured or its options changed."""
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: AshpCopConfigEntry) -> bool:
    if not await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        return False
    if is_hub(entry):
        entry.runtime_data.shutdown_hub()
    else:
        async_unload_card(hass, entry.entry_id)
        await entry.runtime_data.async_save()
    return True


async def async_remove_entry(hass: HomeAssistant, entry: AshpCopConfigEntry) -> None:
    """A removed heat pump or plant leaves no repair issues and no stored totals behind."""
    if is_plant(entry):
        await async_remove_totals(hass, PLANT, entry.entry_id)
    elif is_heat_pump(entry):
        clear_alert_issues(
            hass,
            entry.entry_id,
            (*ALERTS, SHORT_CYCLING, IMPLAUSIBLE_COP, HEAT_METER_ERROR, "mode_map_refused", "datasheet_refused"),
        )
        await async_remove_totals(hass, HEAT_PUMP, entry.entry_id)
        await async_remove_history(hass, entry.entry_id)
