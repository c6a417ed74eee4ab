"""Seasonal figures refreshed hourly from long-term statistics, and the daily COP written back.

The figures (current heating season, last 365 days, lifetime) are computed
from the recorder's statistics of the heat pump's own energy sensors
(statistics.py), never from in-memory totals, so they survive restarts and
the same statistics always give the same figures. Each day's COP is written
as an external statistic ``ashp_cop:daily_cop_<entry>`` so it can be graphed
in a statistics card over months.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.recorder.models import StatisticData, StatisticMeanType
from homeassistant.components.recorder.statistics import async_add_external_statistics
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .compat import statistic_metadata
from .const import CONF_BACKUP_IN_HEAT_METER, CONF_CLIMATE, CONF_ROLES, DEFAULT_CLIMATE, DOMAIN, LOGGER
from .statistics import figures_of, hourly_statistics, seasonal_periods, statistic_ids

REFRESH = timedelta(hours=1)


def daily_cop_statistic_id(entry_id: str) -> str:
    return f"{DOMAIN}:daily_cop_{entry_id.lower()}"


class SeasonalCoordinator(DataUpdateCoordinator[dict[str, dict[str, Any]]]):
    """SCOP of the season, the last 365 days and the lifetime, from statistics."""

    config_entry: ConfigEntry[Any]  # a heat pump's: its figures come from its data and options alone

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
        super().__init__(hass, LOGGER, config_entry=entry, name=f"{DOMAIN} seasonal {entry.title}",
                         update_interval=REFRESH)  # fmt: skip

    async def _async_update_data(self) -> dict[str, dict[str, Any]]:
        entry = self.config_entry
        config: dict[str, Any] = {**entry.data, **entry.options}
        ids = statistic_ids(self.hass, entry.entry_id, dict(config.get(CONF_ROLES, {})))
        climate = config.get(CONF_CLIMATE, DEFAULT_CLIMATE)
        metered = bool(config.get(CONF_BACKUP_IN_HEAT_METER, True))
        periods = {name: (start, end) for name, (start, end) in seasonal_periods(dt_util.now()).items() if end > start}
        if not periods:
            return {}
        # One read covering every period (the lifetime holds the others), then each period sliced from it.
        first = min(start for start, _ in periods.values())
        last = max(end for _, end in periods.values())
        hourly = await hourly_statistics(self.hass, ids, first, last)
        return {
            name: figures_of(hourly, ids, start, end, climate=climate, backup_heat_metered=metered)
            for name, (start, end) in periods.items()
        }


def record_daily_cop(hass: HomeAssistant, entry: ConfigEntry[Any], day_start: datetime, cop: float | None) -> None:
    """Write one day's COP (an hour-aligned mean at the day's local midnight)."""
    if cop is None or "recorder" not in hass.config.components:
        return
    metadata = statistic_metadata(
        statistic_id=daily_cop_statistic_id(entry.entry_id), source=DOMAIN, name=f"{entry.title} daily COP",
        unit_of_measurement=None, has_sum=False, mean_type=StatisticMeanType.ARITHMETIC,
    )  # fmt: skip
    start = dt_util.as_utc(day_start)
    async_add_external_statistics(hass, metadata, [StatisticData(start=start, mean=cop, min=cop, max=cop)])
