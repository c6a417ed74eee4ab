"""A plant: several heat pumps and their shared loads, with one COP for the whole."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .const import CONF_HEAT_PUMPS, CONF_SHARED_ENERGY, CONF_SHARED_POWER, DEFAULT_SCAN_INTERVAL_S, DOMAIN, LOGGER
from .engine.live import Role
from .engine.plant import PlantLedger, UnitReading
from .heat_pump import HeatPumpCoordinator
from .role_sources import read_roles

STORAGE_VERSION = 1
SAVE_DELAY_S = 60

type PlantConfigEntry = ConfigEntry[PlantCoordinator]


def plant_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Where a plant's ledger is kept (removed with its entry)."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.plant.{entry_id}")


class PlantCoordinator(DataUpdateCoordinator[None]):
    """Adds up its heat pumps' figures and the shared loads' electricity."""

    config_entry: PlantConfigEntry

    def __init__(self, hass: HomeAssistant, entry: PlantConfigEntry) -> None:
        config = {**entry.data, **entry.options}
        interval = timedelta(seconds=int(config.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL_S)))
        super().__init__(
            hass, LOGGER, config_entry=entry, name=f"{DOMAIN} plant {entry.title}", update_interval=interval
        )
        self.heat_pump_ids: list[str] = list(config.get(CONF_HEAT_PUMPS, []))
        self.shared_power: list[str] = list(config.get(CONF_SHARED_POWER, []))
        self.shared_energy: list[str] = list(config.get(CONF_SHARED_ENERGY, []))
        self.ledger = PlantLedger()
        self.problems: dict[str, str] = {}
        self.clock: Callable[[], float] = lambda: dt_util.utcnow().timestamp()
        self._store = plant_store(hass, entry.entry_id)

    def unit_title(self, entry_id: str) -> str:
        entry = self.hass.config_entries.async_get_entry(entry_id)
        return entry.title if entry else entry_id

    async def _async_setup(self) -> None:
        saved = await self._store.async_load()
        if saved:
            self.ledger.restore(saved)

    async def _async_update_data(self) -> None:
        units: dict[str, UnitReading] = {}
        self.problems = {}
        for entry_id in self.heat_pump_ids:
            entry = self.hass.config_entries.async_get_entry(entry_id)
            coordinator = getattr(entry, "runtime_data", None)
            if (
                entry is None
                or entry.state is not ConfigEntryState.LOADED
                or not isinstance(coordinator, HeatPumpCoordinator)
            ):
                self.problems[entry_id] = "heat pump not loaded"
                continue
            live = coordinator.live
            balance = live.totals.balance(live.settings.backup_heat_metered)
            units[entry_id] = UnitReading(
                balance.system_heat_kwh, balance.elec_kwh, live.heat_power_w, live.elec_power_w
            )
        power_values: list[float] = []
        counters: dict[str, float] = {}
        for role, entity_ids in ((Role.PUMP_POWER, self.shared_power), (Role.PUMP_ENERGY, self.shared_energy)):
            for entity_id in entity_ids:
                values, problems = read_roles(self.hass, {role.value: entity_id})
                if role in values and role is Role.PUMP_POWER:
                    power_values.append(values[role].value)
                elif role in values:
                    counters[entity_id] = values[role].value
                if problems:
                    self.problems[entity_id] = next(iter(problems.values()))
        self.ledger.update(self.clock(), units, power_values, counters)
        self._store.async_delay_save(self.ledger.export, SAVE_DELAY_S)

    async def async_save(self) -> None:
        await self._store.async_save(self.ledger.export())
