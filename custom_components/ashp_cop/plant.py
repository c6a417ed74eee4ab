"""A plant: several heat pumps and their shared loads, with one COP for the whole."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .const import CONF_HEAT_PUMPS, CONF_SHARED_ENERGY, CONF_SHARED_POWER, DEFAULT_SCAN_INTERVAL_S, DOMAIN, LOGGER
from .engine.live import DEFAULT_MAX_GAP_S, Role
from .engine.plant import PlantLedger, UnitReading
from .heat_pump import HeatPumpCoordinator, log_counter_event
from .recorded import RecordedTotals, shown_above
from .role_sources import read_roles
from .totals_store import PLANT, TotalsStore, totals_key

type PlantConfigEntry = ConfigEntry[PlantCoordinator]

# plant sensor key -> what the recorder shows of it (all kWh)
SHOWN_TOTALS = ("plant_heat_energy", "plant_electric_energy", "shared_energy")


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
        self.ledger = PlantLedger(
            unit_ids=tuple(self.heat_pump_ids), shared_power=bool(self.shared_power),
            shared_counter_keys=tuple(self.shared_energy), max_gap_s=DEFAULT_MAX_GAP_S,
        )  # fmt: skip
        self.problems: dict[str, str] = {}
        self.clock: Callable[[], float] = lambda: dt_util.utcnow().timestamp()
        self.totals_store = TotalsStore(hass, totals_key(PLANT, entry.entry_id), self.ledger.export)
        self.recorded: RecordedTotals | None = None  # what the recorder held of the totals (set up)

    def unit_title(self, entry_id: str) -> str:
        entry = self.hass.config_entries.async_get_entry(entry_id)
        return entry.title if entry else entry_id

    async def _async_setup(self) -> None:
        saved = await self.totals_store.async_load()
        if saved:
            self.ledger.restore(saved)
        saved_at = saved.get("saved_at") if saved else None
        self.recorded = RecordedTotals(self.hass, self.config_entry,
                                       saved_at if isinstance(saved_at, int | float) else None,
                                       dict.fromkeys(SHOWN_TOTALS, "kWh"), self._adopt_shown)  # fmt: skip
        await self.recorded.async_adopt_known()

    def _adopt_shown(self, shown: dict[str, float]) -> None:
        """Raise the totals to what their sensors showed before an unclean stop (sensor key -> kWh)."""
        entry = self.config_entry
        totals = self.ledger.totals
        shared = max(totals.shared_kwh, shown.get("shared_energy", 0.0))
        wanted = {"heat_kwh": shown.get("plant_heat_energy", 0.0), "shared_kwh": shared,
                  "elec_units_kwh": shown.get("plant_electric_energy", 0.0) - shared}  # fmt: skip
        wanted = {name: value for name, value in wanted.items() if shown_above(value, getattr(totals, name), "kWh")}
        raised = self.ledger.adopt_shown(wanted)
        if raised:
            LOGGER.info("%s: totals raised to what the recorder showed before an unclean stop: %s", entry.title, raised)

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
            units[entry_id] = coordinator.unit_reading()
        powers = [self._read(Role.PUMP_POWER, entity_id) for entity_id in self.shared_power]
        counters = {entity_id: self._read(Role.PUMP_ENERGY, entity_id) for entity_id in self.shared_energy}
        # the shared powers are one channel: their sum is only known when every one of them was read
        shared_w = None if not powers or None in powers else sum(p[0] for p in powers if p is not None)
        self.ledger.update(self.clock(), units, shared_w, counters)
        for key, event in self.ledger.take_counter_events():
            log_counter_event(self.config_entry.title, key, event)
        self.totals_store.changed()

    def _read(self, role: Role, entity_id: str) -> tuple[float, float] | None:
        """(value, when it was taken) of one shared load's sensor, or None (the problem is noted)."""
        values, problems = read_roles(self.hass, {role.value: entity_id})
        if problems:
            self.problems[entity_id] = next(iter(problems.values()))
        return (values[role].value, values[role].taken_at) if role in values else None

    async def async_save(self) -> None:
        await self.totals_store.async_save()

    def diagnostics(self) -> dict[str, Any]:
        return {"ledger": self.ledger.export(), "problems": self.problems}
