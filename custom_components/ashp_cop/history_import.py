"""History from the recorder: the heat pump's past built from its meters' long-term statistics.

The recorder keeps hourly statistics of every measured sensor: an energy counter's hourly change,
a power's or a temperature's hourly mean. From those of the bound meters this module builds the
heat pump's hourly energies (engine/hourly_history.py: only hours in which heat and every bound
electricity channel are known) and imports them into the heat pump's own energy sensors'
statistics, and each past day's COP into the daily COP statistic, so the seasonal and
climate-normalised figures (statistics.py) cover the past at once.

Where the live sensors begin. Imported hours all lie before ``live_from``: the hour in which the
entry was created, or the first hour the heat pump's sensors already had statistics for, whichever
is earlier (kept in the store from the first import on). The live sensors never recorded an hour
before it, so an import never overlaps or rewrites what they recorded.

Only hours the heat pump holds none of. An hour a heat pump's sensor already holds (imported
before, from a meter since re-bound, or written by anything else) stays as it is, whatever its
meters say now: an import only adds the hours where the bound meters have statistics and the
sensor has none. Where the meters' hour differs from the one held, the response says so and keeps
the held one (issue 16: an import rewrote 45 days its meters did not cover to a change of 0).

Sums. The recorder counts an hour's change as its sum less the previous row's, the first row's
from 0. Each run of added hours (hours with no held row between them) starts from the sum of the
row before it (an hour-exact read, statistics_writer.async_last_sums_before; 0 before the first
row) and rises with each hour; everything after the run (held hours, later runs, the live sensors)
is lifted by what the run added (the recorder's own "adjust sum", queued before the rows are
written), so every held hour keeps its change and no sum ever goes down. Live sensors that have no
statistic yet (an import at set-up, before the first 5-minute statistics are compiled) start their
sums from 0: they are lifted once, by the sum recorded before ``live_from``, as soon as the recorder
has compiled their first 5-minute statistic (pending lifts are kept in the store across restarts).
Importing again finds every hour held and writes nothing.

Plausibility. An hour no meter could have counted (above the live counters' rate limit, or a
counter's dip) is left out, and the response names it with the reason (engine/hourly_history.py,
screen_hours).

Flow and temperatures. Where heat can only be built from flow rate and temperatures, an hour's
heat is the sum of its twelve 5-minute periods, each from that period's mean flow and
temperatures (the recorder keeps 5-minute statistics for 10 days by default); older hours use the
hourly means. A product of means is not the mean of products: the heat of a cycling heat pump
computed from hourly means is off by what flow and temperature difference covary within the hour
(README, "History from the recorder", gives the measured figure).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import numpy as np
from homeassistant.components.recorder.models import StatisticData, StatisticMeanType
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_last_short_term_statistics,
    get_last_statistics,
    get_metadata,
    statistics_during_period,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_RECORDER_5MIN_STATISTICS_GENERATED, Platform
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .compat import statistic_metadata
from .const import CONF_ROLE_UNITS, CONF_ROLES, CONF_RUNNING_THRESHOLD, DEFAULT_RUNNING_THRESHOLD_W, DOMAIN, LOGGER
from .engine.arrays import FloatArray, IntArray
from .engine.cop import period_cop
from .engine.heat import HeatCircuit, heat_power_w
from .engine.hourly_history import (
    HOUR_S,
    WH_PER_KWH,
    HourlyHistory,
    LeftOut,
    Range,
    build_history,
    counter_changes,
    hour_grid,
    on_grid,
    screen_hours,
)
from .engine.live import Role
from .role_sources import ROLE_QUANTITIES
from .seasonal import daily_cop_statistic_id
from .statistics_writer import async_last_sums_before, async_replace_hourly_statistics

STORAGE_VERSION = 1
FIVE_MIN_S = 300
# "no start": every statistic there is (the recorder has none from before Home Assistant ran)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
# how many hours the response names one by one (left out, or held where the meters differ); the count is whole
LISTED_HOURS = 48

# heat pump sensor key -> the HourlyHistory series it records
IMPORTED: dict[str, str] = {
    "heat_energy": "heat_kwh",
    "defrost_energy": "drawn_kwh",
    "net_heat_energy": "net_kwh",
    "electric_energy": "elec_unit_kwh",
    "electric_energy_running": "running_kwh",
    "electric_energy_standby": "standby_kwh",
    "backup_energy": "backup_kwh",
    "pump_energy": "pumps_kwh",
}
# history channel -> (its counter role, its power role)
CHANNEL_ROLES: dict[str, tuple[Role, Role]] = {
    "heat": (Role.HEAT_ENERGY, Role.HEAT_POWER),
    "elec": (Role.ELEC_ENERGY, Role.ELEC_POWER),
    "backup": (Role.BACKUP_ENERGY, Role.BACKUP_POWER),
    "pumps": (Role.PUMP_ENERGY, Role.PUMP_POWER),
}
FLOW_ROLES = (Role.FLOW_TEMP, Role.RETURN_TEMP, Role.FLOW_RATE)

type Rows = dict[str, list[dict[str, Any]]]


class HistoryError(Exception):
    """A request the import cannot serve: a translation key of services' errors and its placeholders."""

    def __init__(self, key: str, **placeholders: str) -> None:
        super().__init__(key)
        self.key = key
        self.placeholders = placeholders


@dataclass(frozen=True, slots=True)
class Source:
    """Where one channel's history comes from."""

    kind: Literal["counter", "power", "flow"]
    entity_ids: tuple[str, ...]  # one entity; flow: flow temperature, return temperature, flow rate
    roles: tuple[Role, ...]


def bound_sources(roles: dict[str, str]) -> dict[str, Source]:
    """Each channel's best bound source: a counter before a power; heat from flow and temperatures last."""
    sources: dict[str, Source] = {}
    for channel, (counter, power) in CHANNEL_ROLES.items():
        if counter.value in roles:
            sources[channel] = Source("counter", (roles[counter.value],), (counter,))
        elif power.value in roles:
            sources[channel] = Source("power", (roles[power.value],), (power,))
    if "heat" not in sources and all(role.value in roles for role in FLOW_ROLES):
        sources["heat"] = Source("flow", tuple(roles[role.value] for role in FLOW_ROLES), FLOW_ROLES)
    return sources


def _hour_floor(moment: datetime) -> datetime:
    return dt_util.as_utc(moment).replace(minute=0, second=0, microsecond=0)


def _iso(seconds: float) -> str:
    return dt_util.as_local(dt_util.utc_from_timestamp(seconds)).isoformat()


def _ranges(ranges: Iterable[Range]) -> list[dict[str, str]]:
    return [{"start": _iso(start), "end": _iso(end)} for start, end in ranges]


class HistoryImporter:
    """One heat pump's imports: its store (where live begins, pending lifts, the last import) and its lock."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, circuit: HeatCircuit) -> None:
        self.hass = hass
        self.entry = entry
        self.circuit = circuit
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, history_key(entry.entry_id))
        self._lock = asyncio.Lock()
        self.stored: dict[str, Any] = {}
        self._unlisten: CALLBACK_TYPE | None = None
        self._closed = False  # unloaded: no write, no listener from here on (an import may still be reading)
        self.on_imported: Callable[[], Any] | None = None  # refreshes the seasonal figures

    @property
    def config(self) -> dict[str, Any]:
        return {**self.entry.data, **self.entry.options}

    async def async_setup(self) -> None:
        """Load what earlier imports left; a lift still pending waits for the live statistics again."""
        self.stored = await self._store.async_load() or {}
        if self.stored.get("pending_lift"):
            self._listen()

    @property
    def ever_imported(self) -> bool:
        return "live_from" in self.stored

    @callback
    def async_unload(self) -> None:
        """The entry unloads: an import still reading stops before it writes, and nothing listens any more.

        Home Assistant waits for the entry's tasks after its unload callbacks: an import running then
        finished and listened for the 5-minute statistics of a heat pump that was gone (issue 16).
        """
        self._closed = True
        self._stop_listening()

    @callback
    def _stop_listening(self) -> None:
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None

    @property
    def unloaded(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise HistoryError("heat_pump_not_loaded", name=self.entry.title)

    def statistic_ids(self) -> dict[str, str]:
        """Heat pump sensor key -> its statistic id (entity id), for the sensors that exist and are enabled.

        A sensor its owner disabled records no live hours, and statistics under an entity id without a state
        are listed as a problem in Developer tools.
        """
        registry = er.async_get(self.hass)
        ids = {}
        for key in IMPORTED:
            entity_id = registry.async_get_entity_id(Platform.SENSOR, DOMAIN, f"{self.entry.entry_id}_{key}")
            entry = registry.async_get(entity_id) if entity_id is not None else None
            if entry is not None and entry.disabled_by is None:
                ids[key] = entry.entity_id
        return ids

    async def async_import(self, start: datetime | None = None, end: datetime | None = None) -> dict[str, Any]:
        """Build and import the history of [start, end) (clamped to where the live sensors begin)."""
        async with self._lock:
            return await self._import(start, end)

    async def _import(self, start: datetime | None, end: datetime | None) -> dict[str, Any]:
        config = self.config
        sources = bound_sources(dict(config.get(CONF_ROLES, {})))
        if "heat" not in sources or "elec" not in sources:
            raise HistoryError("history_nothing_bound", name=self.entry.title)
        ids = self.statistic_ids()
        if not ids:
            raise HistoryError("history_nothing_bound", name=self.entry.title)
        recorder = get_instance(self.hass)
        await recorder.async_db_ready
        live_from = await self._live_from(set(ids.values()))
        # live sums that started since an earlier import and wait for their lift get it first: the lift
        # below then only moves them by what this import changes
        await self.async_lift_pending()
        window_end = live_from if end is None else min(_hour_floor(end), live_from)
        window_start = EARLIEST if start is None else _hour_floor(start)
        if window_start >= live_from:
            raise HistoryError("history_after_live", start=_iso(window_start.timestamp()),
                               live_from=_iso(live_from.timestamp()))  # fmt: skip
        history, heat_from_hourly_means, grid_start, left_out = await self._history(
            sources, window_start, window_end, from_start=start is not None
        )
        recorded = {key: sid for key, sid in ids.items() if _recorded_from(key, sources)}
        written, kept, differing = await self._write(recorded, history, window_start, window_end)
        await self._write_daily_cop(history, live_from)
        await recorder.async_block_till_done()
        summary: dict[str, Any] = {
            "imported_at": dt_util.utcnow().isoformat(),
            "live_from": _iso(live_from.timestamp()),
            "start": None if grid_start is None else _iso(grid_start),
            "end": _iso(window_end.timestamp()),
            "heat_from": sources["heat"].kind,
            "hours": int(history.hour_s.size),
            "heat_hours_from_hourly_means": heat_from_hourly_means,
            "covered": _ranges(history.covered),
            "missing": _ranges(history.missing),
            "heat_kwh": round(float(history.net_kwh.sum()), 3),
            "elec_kwh": round(float((history.elec_unit_kwh + history.backup_kwh + history.pumps_kwh).sum()), 3),
            "statistics_written": written,
            # hours the meters cover that the sensor already held: kept as they are, the differing ones named
            "statistics_kept": kept,
            "kept_hours_differing": len(differing),
            "kept_differing": differing[:LISTED_HOURS],
            # hours no meter could have counted, left out (and among "missing")
            "left_out_hours": len(left_out),
            "left_out": [_left_out(hour) for hour in left_out[:LISTED_HOURS]],
            "waiting_for_live_statistics": bool(self.stored.get("pending_lift")),
        }
        self.stored["last_import"] = summary
        # saved even when the entry unloaded meanwhile: the rows are queued, and where live begins and the pending
        # lifts must be known at the next set-up
        await self._store.async_save(self.stored)
        if self.on_imported is not None and not self._closed:
            await self.on_imported()
        return summary

    async def _live_from(self, statistic_ids: set[str]) -> datetime:
        """Where the live sensors begin: kept from the first import on."""
        if isinstance(known := self.stored.get("live_from"), str):
            return datetime.fromisoformat(known)
        created = _hour_floor(self.entry.created_at)
        rows = await self._read(statistic_ids, EARLIEST, created, "hour", {"sum"})
        earliest = [row["start"] for entries in rows.values() for row in entries[:1]]
        live_from = dt_util.utc_from_timestamp(min(earliest)) if earliest else created
        self.stored["live_from"] = live_from.isoformat()
        return live_from

    async def _read(
        self,
        statistic_ids: set[str],
        start: datetime,
        end: datetime | None,
        period: Literal["5minute", "hour", "month"],
        types: set[Literal["change", "mean", "sum"]],
        *,
        units: dict[str, str] | None = None,
    ) -> Rows:
        if not statistic_ids:
            return {}
        rows = await get_instance(self.hass).async_add_executor_job(
            statistics_during_period, self.hass, start, end, statistic_ids, period, units, types
        )
        return {sid: [dict(row) for row in entries] for sid, entries in rows.items()}

    async def _history(
        self, sources: dict[str, Source], start: datetime, end: datetime, *, from_start: bool
    ) -> tuple[HourlyHistory, int, float | None, list[LeftOut]]:
        """The joint hours, how many hours' heat came from hourly means, where the hours looked at begin, and the
        hours left out as implausible.

        They begin at ``start`` if ``from_start``, else at the first hour any meter has a statistic for.
        """
        meters = {entity_id for source in sources.values() for entity_id in source.entity_ids}
        # one hour more in front: a counter's change counts only after an hour with one (counter_changes)
        before = start - timedelta(hours=1) if from_start else start
        rows = await self._read(meters, before, end, "hour", {"change", "mean"}) if end > start else {}
        units = await self._units(meters)
        starts = [row["start"] for entries in rows.values() for row in entries if row["start"] >= start.timestamp()]
        first = start.timestamp() if from_start else min(starts, default=None)
        grid = hour_grid(int(first) - HOUR_S, int(end.timestamp())) if first is not None else hour_grid(0, 0)
        channels: dict[str, FloatArray] = {}
        from_means = 0
        for channel, source in sources.items():
            if source.kind == "flow":
                channels[channel], from_means = await self._flow_heat(source, rows, units, grid)
            elif source.kind == "counter":
                changes = self._channel(source, rows, units, grid)
                channels[channel] = counter_changes(changes, first_is_start=not from_start)[1:]
            else:
                channels[channel] = self._channel(source, rows, units, grid)[1:]
            if source.kind == "flow":
                channels[channel] = channels[channel][1:]
        grid = grid[1:]
        threshold = float(self.config.get(CONF_RUNNING_THRESHOLD, DEFAULT_RUNNING_THRESHOLD_W))
        signed = sources["heat"].kind != "counter"
        channels, left_out = screen_hours(grid, channels, heat_signed=signed)
        history = build_history(grid, channels, heat_signed=signed, running_threshold_w=threshold)
        return history, from_means, first, left_out

    async def _units(self, statistic_ids: set[str]) -> dict[str, str | None]:
        metadata = await get_instance(self.hass).async_add_executor_job(
            lambda: get_metadata(self.hass, statistic_ids=statistic_ids)
        )
        return {sid: meta["unit_of_measurement"] for sid, (_, meta) in metadata.items()}

    def _converted(self, role: Role, entity_id: str, units: dict[str, str | None], values: FloatArray) -> FloatArray:
        """Values of a statistic in the role's unit (an entity without a unit: the one the user gave)."""
        quantity = ROLE_QUANTITIES[role]
        unit = units.get(entity_id) or dict(self.config.get(CONF_ROLE_UNITS, {})).get(role.value) or quantity.unit
        if unit == quantity.unit:
            return values
        if not quantity.convertible(unit):
            LOGGER.warning("%s: the statistics of %s are in %r, left out of the history", self.entry.title,
                           entity_id, unit)  # fmt: skip
            return np.full(values.shape, np.nan)
        convert = np.vectorize(quantity.converter.converter_factory(unit, quantity.unit), otypes=[np.float64])
        return np.asarray(convert(values), dtype=np.float64)

    def _channel(self, source: Source, rows: Rows, units: dict[str, str | None], grid: IntArray) -> FloatArray:
        """kWh per hour: a counter's hourly change, or a power's hourly mean times one hour."""
        entity_id, role = source.entity_ids[0], source.roles[0]
        column = "change" if source.kind == "counter" else "mean"
        hours = {row["start"]: row[column] for row in rows.get(entity_id, []) if row.get(column) is not None}
        values = self._converted(role, entity_id, units, on_grid(grid, hours))
        return values if source.kind == "counter" else np.asarray(values / WH_PER_KWH)  # W for one hour -> kWh

    async def _flow_heat(
        self, source: Source, rows: Rows, units: dict[str, str | None], grid: IntArray
    ) -> tuple[FloatArray, int]:
        """Heat per hour from flow and temperatures: 5-minute means where all twelve exist, else hourly means."""

        def heat_kw(entries: Rows, grid_s: IntArray, step_s: int) -> FloatArray:
            means = [
                self._converted(role, sid, units, on_grid(grid_s, {
                    row["start"]: row["mean"] for row in entries.get(sid, []) if row.get("mean") is not None}, step_s))
                for sid, role in zip(source.entity_ids, source.roles, strict=True)
            ]  # fmt: skip
            return np.asarray(heat_power_w(self.circuit, *means) / WH_PER_KWH, dtype=np.float64)

        hourly = heat_kw(rows, grid, HOUR_S)  # kW for one hour: kWh
        if grid.size == 0:
            return hourly, 0
        end_s = float(grid[-1] + HOUR_S)
        fine_rows = await self._read(set(source.entity_ids), dt_util.utc_from_timestamp(float(grid[0])),
                                     dt_util.utc_from_timestamp(end_s), "5minute", {"mean"})  # fmt: skip
        fine = heat_kw(fine_rows, np.arange(grid[0], end_s, FIVE_MIN_S, dtype=np.int64), FIVE_MIN_S)
        per_hour = fine.reshape(grid.size, HOUR_S // FIVE_MIN_S)
        complete = np.isfinite(per_hour).all(axis=1)
        heat = np.where(complete, per_hour.sum(axis=1) * FIVE_MIN_S / HOUR_S, hourly)
        return heat, int((~complete & np.isfinite(hourly)).sum())

    async def _write(
        self, ids: dict[str, str], history: HourlyHistory, start: datetime, end: datetime
    ) -> tuple[dict[str, int], dict[str, int], list[dict[str, Any]]]:
        """Add each sensor's hours of [start, end) that it holds none of, lifting what follows each run of them.

        Returns the rows added and the hours kept per sensor, and the kept hours whose meters say otherwise.
        """
        statistic_ids = set(ids.values())
        kwh = {"energy": "kWh"}
        held_rows = (
            await self._read(statistic_ids, start, end, "hour", {"sum", "change"}, units=kwh) if end > start else {}
        )
        before = await self._sums_before_kwh(statistic_ids, start)
        metadata_units = await self._units(statistic_ids)
        live = await self._live_started(statistic_ids, end)
        self._check_open()  # from here on everything is queued at once: an unload waits for it
        written: dict[str, int] = {}
        kept: dict[str, int] = {}
        differing: list[dict[str, Any]] = []
        pending = set(self.stored.get("pending_lift", []))
        writes = []
        for key, sid in ids.items():
            changes = dict(zip(_ints(history.hour_s), _floats(getattr(history, IMPORTED[key])), strict=True))
            held = {int(row["start"]): row for row in held_rows.get(sid, [])}
            both = sorted(set(changes) & set(held))
            kept[sid] = len(both)
            differing += [_differing(sid, hour, held[hour].get("change"), changes[hour]) for hour in both
                          if not _same(held[hour].get("change"), changes[hour])]  # fmt: skip
            runs = _runs(changes, held, before.get(sid, 0.0))
            if not runs:
                continue
            unit = metadata_units.get(sid) or "kWh"
            to_unit = _energy_factory("kWh", unit)
            metadata = statistic_metadata(statistic_id=sid, source="recorder", name=None, unit_of_measurement=unit,
                                          has_sum=True, mean_type=StatisticMeanType.NONE)  # fmt: skip
            for hours, sums in runs:
                # what follows the run keeps its changes: lifted by what the run added, before the run is written
                added = float(sums[-1] - sums[0] + changes[hours[0]])
                if abs(added) > 1e-12:
                    get_instance(self.hass).async_adjust_statistics(sid, _after(hours[-1]), added, "kWh")
                writes.append((metadata, [StatisticData(start=dt_util.utc_from_timestamp(hour), state=to_unit(value),
                                                        sum=to_unit(value))
                                          for hour, value in zip(hours, sums, strict=True)]))  # fmt: skip
            written[sid] = sum(len(hours) for hours, _ in runs)
            if not live[sid]:
                pending.add(sid)  # its sums start from 0 when they start: lifted then by the sum before live_from
        for metadata, rows in writes:
            async_replace_hourly_statistics(self.hass, metadata, rows)
        self._set_pending(pending)
        return written, kept, sorted(differing, key=lambda hour: (hour["start"], hour["statistic_id"]))

    async def _sums_before_kwh(self, statistic_ids: set[str], moment: datetime) -> dict[str, float]:
        """Each statistic's sum in its last hourly row before ``moment`` (hour-exact), in kWh."""
        sums = await async_last_sums_before(self.hass, statistic_ids, moment)
        units = await self._units(set(sums))
        return {sid: _energy_factory(units.get(sid) or "kWh", "kWh")(value) for sid, value in sums.items()}

    def _live_from_stored(self) -> datetime:
        return datetime.fromisoformat(self.stored["live_from"])

    async def _live_started(self, statistic_ids: set[str], end: datetime) -> dict[str, bool]:
        """Whether the live sensors have statistics yet (only the recorder writes 5-minute ones, never an import)."""

        def started(sid: str) -> bool:
            if get_last_short_term_statistics(self.hass, 1, sid, False, {"sum"}).get(sid):
                return True
            last = get_last_statistics(self.hass, 1, sid, False, {"sum"}).get(sid) or []
            return bool(last) and last[0]["start"] >= self._live_from_stored().timestamp()

        return await get_instance(self.hass).async_add_executor_job(
            lambda: {sid: started(sid) for sid in statistic_ids}
        )

    def _set_pending(self, pending: set[str]) -> None:
        self.stored["pending_lift"] = sorted(pending)
        if pending:
            self._listen()
        else:
            self._stop_listening()

    @callback
    def _listen(self) -> None:
        if self._unlisten is None and not self._closed:
            self._unlisten = self.hass.bus.async_listen(EVENT_RECORDER_5MIN_STATISTICS_GENERATED, self._compiled)

    async def _compiled(self, _: Event) -> None:
        async with self._lock:
            if not self._closed:
                await self.async_lift_pending()

    async def async_lift_pending(self) -> None:
        """Lift the live sums that started since the import by everything imported before them."""
        pending = set(self.stored.get("pending_lift", []))
        if not pending or self._closed:
            return
        await get_instance(self.hass).async_block_till_done()  # an import queued before the compile is written
        live_from = self._live_from_stored()
        live = await self._live_started(pending, live_from)
        started = {sid for sid in pending if live[sid]}
        if not started:
            return
        before = await self._sums_before_kwh(started, live_from)
        if self.unloaded:  # while reading: the stored pending lift is done at the next set-up
            return
        for sid in started:
            if total := before.get(sid, 0.0):
                get_instance(self.hass).async_adjust_statistics(sid, live_from, total, "kWh")
        self._set_pending(pending - started)
        await self._store.async_save(self.stored)
        LOGGER.debug("%s: live statistics lifted onto the imported history: %s", self.entry.title, sorted(started))

    async def _write_daily_cop(self, history: HourlyHistory, live_from: datetime) -> None:
        """Each local day before the live sensors began that has no COP yet: its COP (net heat / the unit's
        electricity). A day's COP already recorded stays."""
        days: dict[datetime, list[float]] = {}
        for hour, heat, elec in zip(_ints(history.hour_s), _floats(history.net_kwh), _floats(history.elec_unit_kwh),
                                    strict=True):  # fmt: skip
            day = dt_util.start_of_local_day(dt_util.as_local(dt_util.utc_from_timestamp(hour)))
            totals = days.setdefault(day, [0.0, 0.0])
            totals[0] += heat
            totals[1] += elec
        if not days:
            return
        statistic_id = daily_cop_statistic_id(self.entry.entry_id)
        first = dt_util.as_utc(min(days))
        recorded = await self._read({statistic_id}, first, dt_util.as_utc(max(days)) + timedelta(days=1), "hour",
                                    {"mean"})  # fmt: skip
        held = {row["start"] for row in recorded.get(statistic_id, [])}
        stats = []
        for day, (heat, elec) in sorted(days.items()):
            cop = period_cop(heat, elec)
            if cop is not None and day + timedelta(days=1) <= live_from and day.timestamp() not in held:
                stats.append(StatisticData(start=dt_util.as_utc(day), mean=cop, min=cop, max=cop))
        if stats:
            async_add_external_statistics(self.hass, statistic_metadata(
                statistic_id=statistic_id, source=DOMAIN,
                name=f"{self.entry.title} daily COP", unit_of_measurement=None, has_sum=False,
                mean_type=StatisticMeanType.ARITHMETIC,
            ), stats)  # fmt: skip

    def diagnostics(self) -> dict[str, Any]:
        return {
            "live_from": self.stored.get("live_from"),
            "waiting_for_live_statistics": self.stored.get("pending_lift", []),
            "last_import": self.stored.get("last_import"),
        }


def _recorded_from(key: str, sources: dict[str, Source]) -> bool:
    """Whether the history holds the sensor's energy: backup and pumps only when bound, heat drawn back
    only from a (signed) heat power; the others always."""
    needs = {"backup_energy": "backup" in sources, "pump_energy": "pumps" in sources,
             "defrost_energy": sources["heat"].kind != "counter"}  # fmt: skip
    return needs.get(key, True)


def _runs(changes: dict[int, float], held: dict[int, Any], base: float) -> list[tuple[list[int], FloatArray]]:
    """The hours to add (in ``changes``, not ``held``) in runs with no held hour between them, and each run's sums.

    A run starts from the sum of the held hour before it (``base``: the sum before the window, before the
    first held hour), raised by what the runs before it added (their lift, queued before they are written).
    """
    runs: list[tuple[list[int], FloatArray]] = []
    previous, added, run = base, 0.0, list[int]()

    def close() -> None:
        nonlocal added
        if run:
            sums = previous + added + np.cumsum([changes[hour] for hour in run])
            runs.append((list(run), sums))
            added = float(sums[-1]) - previous
            run.clear()

    for hour in sorted(set(changes) | set(held)):
        if hour in held:
            close()
            if (held_sum := held[hour].get("sum")) is not None:
                previous = float(held_sum)
        else:
            run.append(hour)
    close()
    return runs


def _after(hour_s: int) -> datetime:
    return dt_util.utc_from_timestamp(hour_s + HOUR_S)


def _same(held_kwh: float | None, meters_kwh: float) -> bool:
    return held_kwh is not None and abs(held_kwh - meters_kwh) <= 1e-6 * max(1.0, abs(meters_kwh))


def _differing(sid: str, hour_s: int, held_kwh: float | None, meters_kwh: float) -> dict[str, Any]:
    return {"start": _iso(hour_s), "statistic_id": sid, "recorded_kwh": None if held_kwh is None else
            round(held_kwh, 6), "meters_kwh": round(meters_kwh, 6)}  # fmt: skip


def _left_out(hour: LeftOut) -> dict[str, Any]:
    return {"start": _iso(hour.hour_s), "end": _iso(hour.hour_s + HOUR_S), "channel": hour.channel,
            "kwh": round(hour.kwh, 6), "reason": hour.reason, "limit_kwh": round(hour.limit_kwh, 3)}  # fmt: skip


def _floats(values: FloatArray) -> list[float]:
    return [float(value) for value in values]


def _ints(values: IntArray) -> list[int]:
    return [int(value) for value in values]


def _energy_factory(from_unit: str, to_unit: str) -> Callable[[float], float]:
    if from_unit == to_unit:
        return float
    quantity = ROLE_QUANTITIES[Role.HEAT_ENERGY]
    convert = quantity.converter.converter_factory(from_unit, to_unit)
    return lambda value: float(convert(value))


def history_key(entry_id: str) -> str:
    return f"{DOMAIN}.history.{entry_id}"


async def async_remove_history(hass: HomeAssistant, entry_id: str) -> None:
    """A removed heat pump's import record goes with it (its statistics stay, as the recorder keeps them)."""
    await Store[dict[str, Any]](hass, STORAGE_VERSION, history_key(entry_id)).async_remove()
