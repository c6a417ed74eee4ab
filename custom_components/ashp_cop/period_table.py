"""The period table of the dashboard card: a heat pump's figures over any period, from long-term statistics.

The rows heatpumpmonitor.org shows for a system: combined (all the electricity the boundary charges,
standby included), when running (without the standby electricity), and each operating mode mapped;
the columns: electricity, heat, COP, mean flow and outdoor temperature weighted by heat, % of Carnot
and compressor starts. Everything comes from the recorder's hourly statistics of the heat pump's own
sensors (the same read and the same sums as the ``recalculate`` action: its combined and per-mode
figures are the action's) and of the flow and outdoor temperature sensors bound to the roles, so
the table is right for any period without a sensor per period.

Temperatures and % of Carnot are worked out hour by hour (engine/carnot.py: heatpumpmonitor.org's
offsets, weighted by heat) from the hour's mean temperatures. An hour's mean flow temperature mixes
every mode that ran in it, so a mode's temperatures and % of Carnot count only the hours in which
that mode ran alone; ``alone_heat_share`` says how much of the mode's heat those hours hold.
Cooling has no heating Carnot figure and no heat-weighted temperatures (null).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util

from .const import CONF_BACKUP_IN_HEAT_METER, CONF_CLIMATE, CONF_HEAT_PUMPS, CONF_ROLES, DOMAIN
from .engine.carnot import CarnotAccount
from .engine.cop import period_cop
from .engine.live import Role
from .engine.modes import Mode
from .engine.tidy import tidy
from .statistics import Hourly, StatisticIds, figures_of, hourly_statistics, statistic_ids

# a plant's totals the plant row reads (plant_entities.py)
PLANT_TOTALS = ("plant_net_heat_energy", "plant_electric_energy", "shared_energy")
_ELEC_FIELDS = ("unit_running_kwh", "unit_standby_kwh", "backup_kwh", "pumps_kwh")
TABLE_DIGITS = 4


def table_ids(
    hass: HomeAssistant, entry_id: str, config: Mapping[str, Any]
) -> tuple[StatisticIds, str | None, str | None]:
    """The statistics the table reads: recalculate's, the flow temperature's and the compressor starts'."""
    roles = dict(config.get(CONF_ROLES, {}))
    starts = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{entry_id}_compressor_starts")
    return statistic_ids(hass, entry_id, roles), roles.get(Role.FLOW_TEMP.value), starts


async def period_table(
    hass: HomeAssistant, entry_id: str, config: Mapping[str, Any], start: datetime, end: datetime
) -> dict[str, Any]:
    """The table of [start, end): its rows (those the heat pump has), the period and the hours it holds."""
    table, _ = await _heat_pump_table(hass, entry_id, config, start, end)
    tidied: dict[str, Any] = tidy(table, TABLE_DIGITS)
    return tidied


async def plant_table(
    hass: HomeAssistant, entry_id: str, config: Mapping[str, Any], start: datetime, end: datetime
) -> dict[str, Any]:
    """A plant's table of [start, end): the plant, then each of its heat pumps (their combined rows), then the
    shared loads (electricity only).

    The plant row's energies are the plant's own statistics (its heat net of defrosts, its electricity with
    the shared loads), so its COP is the plant's. Its temperatures and % of Carnot are the heat pumps' hours
    weighted by their heat (the shared loads' electricity is no unit's: it is in no hour's Carnot figure), and
    its starts the sum of theirs where every heat pump counts them.
    """
    registry = er.async_get(hass)
    plant_ids = {key: registry.async_get_entity_id("sensor", DOMAIN, f"{entry_id}_{key}") for key in PLANT_TOTALS}
    wanted = StatisticIds({key: sid for key, sid in plant_ids.items() if sid is not None}, None)
    hourly = await hourly_statistics(hass, wanted, start, end)  # the hours of [start, end), read as such
    sums = {key: sum(hourly.get(sid, {}).values()) for key, sid in wanted.energies.items()}
    plant_hours = sorted(hourly.get(wanted.energies.get("plant_net_heat_energy", ""), {}))
    account = CarnotAccount()
    starts: float | None = 0.0
    rows: dict[str, dict[str, Any]] = {}
    titles: dict[str, str] = {}
    for unit_id in config.get(CONF_HEAT_PUMPS, []):
        unit = hass.config_entries.async_get_entry(unit_id)
        if unit is None:
            continue
        table, unit_account = await _heat_pump_table(hass, unit_id, {**unit.data, **unit.options}, start, end)
        row = table["rows"]["combined"]
        key = f"unit_{unit_id}"
        rows[key], titles[key] = row, unit.title
        account.merge(unit_account)
        starts = None if starts is None or row["starts"] is None else starts + row["starts"]
    heat_kwh, elec_kwh = sums.get("plant_net_heat_energy", 0.0), sums.get("plant_electric_energy", 0.0)
    plant_row = _row(heat_kwh, elec_kwh, period_cop(heat_kwh, elec_kwh), account, starts if titles else None)
    shared_kwh = sums.get("shared_energy", 0.0)
    shared = _row(0.0, shared_kwh, None, CarnotAccount(), None) | {"heat_kwh": None}
    table = {
        "start": dt_util.as_local(start).isoformat(), "end": dt_util.as_local(end).isoformat(),
        "hours": len(plant_hours),
        "data_from": _local(plant_hours[0]) if plant_hours else None,
        "rows": {"combined": plant_row, **rows, "shared": shared}, "row_titles": titles,
    }  # fmt: skip
    tidied: dict[str, Any] = tidy(table, TABLE_DIGITS)
    return tidied


async def _heat_pump_table(
    hass: HomeAssistant, entry_id: str, config: Mapping[str, Any], start: datetime, end: datetime
) -> tuple[dict[str, Any], CarnotAccount]:
    """A heat pump's table (not yet tidied) and the Carnot account of its combined row."""
    ids, flow_id, starts_id = table_ids(hass, entry_id, config)
    hourly = await hourly_statistics(hass, ids, start, end, means={flow_id} if flow_id else set(),
                                     changes={starts_id} if starts_id else set())  # fmt: skip
    figures = figures_of(hourly, ids, start, end, climate=config.get(CONF_CLIMATE, "average"),
                         backup_heat_metered=bool(config.get(CONF_BACKUP_IN_HEAT_METER, True)))  # fmt: skip
    hours = _Table(hourly, ids, flow_id)
    rows: dict[str, dict[str, Any]] = {}
    heat = hours.net_heat()
    elec = hours.energy_sum(_ELEC_FIELDS)
    running = hours.energy_sum(("unit_running_kwh", "backup_kwh", "pumps_kwh"))
    # no hour of the starts' statistics in the period: not counted (unknown), not 0
    starts = sum(hourly[starts_id].values()) if starts_id and hourly.get(starts_id) else None
    combined = hours.carnot(heat, elec)
    rows["combined"] = _row(figures["heat_kwh"], figures["elec_kwh"], figures["scop"], combined, starts)
    # (the COP is recalculate's own figure, to the digit)
    running_elec = figures["elec_kwh"] - sum(hours.hours_of(ids.energies.get("unit_standby_kwh")).values())
    rows["running"] = hours.row(figures["heat_kwh"], running_elec, heat, running, starts)
    for mode, mode_figures in (figures.get("modes") or {}).items():
        rows[mode] = hours.mode_row(mode, mode_figures)
    table = {"start": figures["start"], "end": figures["end"], "hours": figures["hours"],
             "data_from": figures["data_from"], "rows": rows}  # fmt: skip
    return table, combined


class _Table:
    """Hourly sums of one period's statistics (already sliced to it by figures_of's bounds)."""

    def __init__(self, hourly: Hourly, ids: StatisticIds, flow_id: str | None) -> None:
        self._hourly = hourly
        self._ids = ids
        self._flow = hourly.get(flow_id or "", {})
        self._outdoor = hourly.get(ids.outdoor or "", {})

    def hours_of(self, statistic_id: str | None) -> Mapping[float, float]:
        return self._hourly.get(statistic_id or "", {})

    def energy_sum(self, fields: tuple[str, ...]) -> dict[float, float]:
        out: dict[float, float] = {}
        for field in fields:
            for hour, kwh in self.hours_of(self._ids.energies.get(field)).items():
                out[hour] = out.get(hour, 0.0) + kwh
        return out

    def net_heat(self) -> dict[float, float]:
        drawn = self.hours_of(self._ids.energies.get("defrost_heat_kwh"))
        return {h: kwh - drawn.get(h, 0.0) for h, kwh in self.hours_of(self._ids.energies.get("heat_kwh")).items()}

    def carnot(
        self, heat: Mapping[float, float], elec: Mapping[float, float], hours: set[float] | None = None
    ) -> CarnotAccount:
        """Heat-weighted temperatures and practical efficiency of the hours (all of ``heat``'s by default)."""
        account = CarnotAccount()
        for hour, kwh in heat.items():
            if hours is None or hour in hours:
                account.add(kwh, elec.get(hour, 0.0), self._flow.get(hour), self._outdoor.get(hour))
        return account

    def row(self, heat_kwh: float, elec_kwh: float, heat: Mapping[float, float], elec: Mapping[float, float],
            starts: float | None) -> dict[str, Any]:  # fmt: skip
        account = self.carnot(heat, elec)
        return _row(heat_kwh, elec_kwh, period_cop(heat_kwh, elec_kwh), account, starts)

    def mode_row(self, mode: str, figures: Mapping[str, Any]) -> dict[str, Any]:
        parts = self._ids.modes[mode]
        if mode == Mode.COOLING.value:  # heat removed: no heating Carnot figure, no heat-weighted temperatures
            row = _row(figures["heat_kwh"], figures["elec_kwh"], figures["spf"], CarnotAccount(), None)
            row["alone_heat_share"] = None
            return row
        drawn = self.hours_of(parts.get("drawn"))
        heat = {h: kwh - drawn.get(h, 0.0) for h, kwh in self.hours_of(parts["heat"]).items()}
        elec = self.hours_of(parts["elec"])
        others = [self.hours_of(p["elec"]) for m, p in self._ids.modes.items() if m != mode]
        alone = {h for h in heat if not any(other.get(h, 0.0) > 0 for other in others)}
        account = self.carnot(heat, elec, alone)
        row = _row(figures["heat_kwh"], figures["elec_kwh"], figures["spf"], account, None)
        total = sum(kwh for kwh in heat.values() if kwh > 0)
        row["alone_heat_share"] = None if total <= 0 else sum(heat[h] for h in alone if heat[h] > 0) / total
        return row


def _local(epoch_s: float) -> str:
    return dt_util.as_local(dt_util.utc_from_timestamp(epoch_s)).isoformat()


def _row(
    heat_kwh: float, elec_kwh: float, cop: float | None, account: CarnotAccount, starts: float | None
) -> dict[str, Any]:
    efficiency = account.practical_efficiency
    return {
        "elec_kwh": elec_kwh,
        "heat_kwh": heat_kwh,
        "cop": cop,
        "flow_temp_c": account.mean_flow_temp_c,
        "outdoor_temp_c": account.mean_outdoor_temp_c,
        "carnot_pct": None if efficiency is None else 100 * efficiency,
        "starts": None if starts is None else round(starts),
    }
