"""Seasonal figures from the recorder's long-term statistics.

The heat pump's energy sensors are total_increasing, so the recorder keeps an
hourly "change" for each; summed over a period they give that period's
energies, and the same statistics always give the same figure (a restart or
a recomputation changes nothing). Hourly mean outdoor temperature, paired
with the same hours' heat and electricity, feeds the climate-normalised SCOP
(engine/climate_normalised.py).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.const import UnitOfEnergy, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .engine.climate_normalised import normalised_scop
from .engine.live import Role
from .engine.modes import Mode
from .engine.spf import EnergyBalance
from .mode_statistics import mode_figures, mode_statistic_ids

# heat pump sensor key -> EnergyBalance field; net heat is heat delivered less the heat defrosts drew back
ENERGY_KEYS = {
    "heat_energy": "heat_kwh",
    "defrost_energy": "defrost_heat_kwh",
    "electric_energy_running": "unit_running_kwh",
    "electric_energy_standby": "unit_standby_kwh",
    "backup_energy": "backup_kwh",
    "pump_energy": "pumps_kwh",
}


@dataclass(frozen=True, slots=True)
class StatisticIds:
    energies: dict[str, str]  # EnergyBalance field -> statistic id (entity id)
    outdoor: str | None
    modes: dict[str, dict[str, str]] = dataclasses.field(
        default_factory=dict
    )  # mode -> part -> id (mode_statistics.py)
    # statistic id -> the sensor whose own hourly rows come first, up to the statistic's first hour (one_source)
    sensor_rows: dict[str, str] = dataclasses.field(default_factory=dict)


def statistic_ids(hass: HomeAssistant, entry_id: str, roles: dict[str, str]) -> StatisticIds:
    registry = er.async_get(hass)
    energies = {}
    for key, field in ENERGY_KEYS.items():
        entity_id = registry.async_get_entity_id("sensor", DOMAIN, f"{entry_id}_{key}")
        if entity_id is not None:
            energies[field] = entity_id
    modes, sensor_rows = mode_statistic_ids(hass, entry_id)
    return StatisticIds(energies, roles.get(Role.OUTDOOR_TEMP.value), modes, sensor_rows)


type Hourly = dict[str, dict[float, float]]  # statistic id -> hour start (epoch s) -> change or mean

# The units every figure is computed in. Without them the recorder answers in each sensor's display unit, which
# an owner can change (a heat total shown in MWh read 1,000 times too small beside the electricity in kWh).
READ_UNITS = {"energy": UnitOfEnergy.KILO_WATT_HOUR, "temperature": UnitOfTemperature.CELSIUS}


async def hourly_statistics(
    hass: HomeAssistant,
    ids: StatisticIds,
    start: datetime,
    end: datetime,
    *,
    means: set[str] | None = None,
    changes: set[str] | None = None,
) -> Hourly:
    """One read of the recorder: each energy's hourly change and the outdoor temperature's hourly mean.

    ``means`` and ``changes`` add statistics read the same way (the period table's flow temperature and starts).
    """
    mean_ids = ({ids.outdoor} if ids.outdoor else set()) | (means or set())
    wanted = set(ids.energies.values()) | mean_ids | (changes or set())
    wanted |= {entity_id for parts in ids.modes.values() for entity_id in parts.values()}
    wanted |= set(ids.sensor_rows.values())
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period, hass, start, end, wanted, "hour", READ_UNITS, {"change", "mean"}
    )
    hourly: Hourly = {}
    for statistic_id, entries in rows.items():
        column = "mean" if statistic_id in mean_ids else "change"
        hourly[statistic_id] = {
            float(row["start"]): float(row[column])  # type: ignore[literal-required]
            for row in entries
            if row.get(column) is not None
        }
    for statistic_id, entity_id in ids.sensor_rows.items():
        hourly[statistic_id] = one_source(hourly.pop(entity_id, {}), hourly.get(statistic_id, {}))
    return hourly


def one_source(sensor: dict[float, float], own: dict[float, float]) -> dict[float, float]:
    """A mode's hours from its sensor's statistics up to the first hour of the integration's own (that hour from
    the sensor where it has it: the integration's first may hold only part of it), the integration's after.

    One switch, never hour by hour: a sensor disabled for a while and enabled again puts the whole gap into its
    first hour back, which the integration's statistics already hold hour by hour."""
    switch = min(own, default=math.inf)
    return {h: kwh for h, kwh in sensor.items() if h <= switch} | {
        h: kwh for h, kwh in own.items() if h > switch or h not in sensor
    }


async def period_figures(
    hass: HomeAssistant,
    ids: StatisticIds,
    start: datetime,
    end: datetime,
    *,
    climate: str = "average",
    backup_heat_metered: bool = True,
) -> dict[str, Any]:
    """SPF per boundary, SCOP and climate-normalised SCOP of [start, end) from hourly statistics."""
    hourly = await hourly_statistics(hass, ids, start, end)
    return figures_of(hourly, ids, start, end, climate=climate, backup_heat_metered=backup_heat_metered)


def figures_of(
    hourly: Hourly,
    ids: StatisticIds,
    start: datetime,
    end: datetime,
    *,
    climate: str = "average",
    backup_heat_metered: bool = True,
) -> dict[str, Any]:
    """The figures of [start, end) from hourly statistics read for that period or a longer one."""
    low, high = start.timestamp(), end.timestamp()
    hourly = {sid: {t: v for t, v in hours.items() if low <= t < high} for sid, hours in hourly.items()}
    totals = {field: sum(hourly.get(sid, {}).values()) for field, sid in ids.energies.items()}
    cooling_kwh = sum(hourly.get(_cooling_elec_id(ids), {}).values())
    totals = _less_cooling(totals, cooling_kwh)
    balance = EnergyBalance(
        heat_kwh=totals.get("heat_kwh", 0.0) - totals.get("defrost_heat_kwh", 0.0),
        unit_running_kwh=totals.get("unit_running_kwh", 0.0),
        unit_standby_kwh=totals.get("unit_standby_kwh", 0.0),
        backup_kwh=totals.get("backup_kwh", 0.0),
        pumps_kwh=totals.get("pumps_kwh", 0.0),
        backup_heat_metered=backup_heat_metered,
    )
    heat_hours = hourly.get(ids.energies.get("heat_kwh", ""), {})
    figures: dict[str, Any] = {
        # one UTC offset throughout, the local one (data_from's), whatever offsets the period was given in
        "start": dt_util.as_local(start).isoformat(),
        "end": dt_util.as_local(end).isoformat(),
        "hours": len(heat_hours),
        # the first hour with statistics: where a period reaching further back (the lifetime) really begins
        "data_from": dt_util.as_local(dt_util.utc_from_timestamp(min(heat_hours))).isoformat() if heat_hours else None,
        "heat_kwh": round(balance.system_heat_kwh, 4),
        "elec_kwh": round(balance.elec_kwh, 4),
        "scop": _rounded(balance.spf_boundaries()["system"]),
        "spf_boundaries": {name: _rounded(value) for name, value in balance.spf_boundaries().items()},
        "climate_normalised": None,
    }
    if cooling_kwh:
        figures["cooling_elec_kwh_left_out"] = round(cooling_kwh, 4)
    if ids.outdoor and hourly.get(ids.outdoor):
        figures["climate_normalised"] = _normalised(hourly, ids, climate)
    if ids.modes:
        figures["modes"] = mode_figures(hourly, ids.modes)
    return figures


def _normalised(hourly: Hourly, ids: StatisticIds, climate: str) -> dict[str, Any] | None:
    delivered = hourly.get(ids.energies.get("heat_kwh", ""), {})
    drawn = hourly.get(ids.energies.get("defrost_heat_kwh", ""), {})
    heat = {hour: kwh - drawn.get(hour, 0.0) for hour, kwh in delivered.items()}
    # an energy sensor without statistics has recorded nothing: it adds 0, it does not empty the hours
    elec_ids = [ids.energies[f] for f in ("unit_running_kwh", "unit_standby_kwh", "backup_kwh", "pumps_kwh")
                if ids.energies.get(f) in hourly]  # fmt: skip
    outdoor = hourly[ids.outdoor or ""]
    if not elec_ids:
        return None
    cooling = hourly.get(_cooling_elec_id(ids), {})
    common_hours = set(heat) & set(outdoor)
    for elec_id in elec_ids:
        common_hours &= set(hourly.get(elec_id, {}))
    common = sorted(common_hours)
    if not common:
        return None
    result = normalised_scop(
        climate,
        np.array([outdoor[h] for h in common]),
        np.array([heat[h] for h in common]),
        np.array([max(0.0, sum(hourly[i][h] for i in elec_ids) - cooling.get(h, 0.0)) for h in common]),
    )
    return {"scop": _rounded(result.scop), "demand_coverage": round(result.demand_coverage, 4), "hours": len(common)}


# The heating figures of a reversible unit leave cooling out (README, "How the figures are defined"):
# the statistics keep the unit's whole electricity (the Energy dashboard's consumption) and, per mode,
# what cooling used (mode_statistics.py), so a period's heating electricity is the one less the other.
# Cooling's electricity is known as one sum; it is taken from the unit's running electricity first (a
# unit cools with its compressor running), then from standby, pumps and backup. H4 (the SCOP shown) is
# exact; H1 and H2 are too high by the pumps' and standby's share of cooling, which they cannot tell.
LESS_COOLING_ORDER = ("unit_running_kwh", "unit_standby_kwh", "pumps_kwh", "backup_kwh")


def _cooling_elec_id(ids: StatisticIds) -> str:
    return ids.modes.get(Mode.COOLING.value, {}).get("elec", "")


def _less_cooling(totals: dict[str, float], cooling_kwh: float) -> dict[str, float]:
    """A period's electricity less what cooling used (see LESS_COOLING_ORDER)."""
    out, left = dict(totals), cooling_kwh
    for field in LESS_COOLING_ORDER:
        taken = min(left, max(out.get(field, 0.0), 0.0))
        if field in out:
            out[field] -= taken
        left -= taken
    return out


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def heating_season_start(now: datetime) -> datetime:
    """1 September of the current heating season (northern hemisphere), local time."""
    year = now.year if now.month >= 9 else now.year - 1
    return now.replace(year=year, month=9, day=1, hour=0, minute=0, second=0, microsecond=0)


# "Lifetime" is every statistic there is: the recorder holds none from before the sensors existed.
LIFETIME_START = datetime(2000, 1, 1, tzinfo=UTC)


def seasonal_periods(now: datetime, lifetime_start: datetime = LIFETIME_START) -> dict[str, tuple[datetime, datetime]]:
    end = now.replace(minute=0, second=0, microsecond=0)
    return {
        "season": (heating_season_start(now), end),
        "last_365_days": (end - timedelta(days=365), end),
        "lifetime": (lifetime_start, end),
    }
