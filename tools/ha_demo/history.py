"""Backfilled history: the simulated plant's past weeks as hourly statistics.

So the demo shows seasonal figures at once, the same plant simulation is run
offline for the weeks before now and its hourly energies and outdoor
temperatures are imported into the recorder, under the statistic ids of the
heat pump's own sensors (each mode's totals: the integration's own statistics),
through Home Assistant's websocket API.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from homeassistant.util import dt as dt_util

from custom_components.ashp_cop.const import DOMAIN
from custom_components.ashp_cop.mode_recorder import mode_statistic_id
from custom_components.ashp_cop.seasonal import daily_cop_statistic_id
from tools.simulator.plant import MODE_NAMES, STEP_S, Plant

from .seed import HEAT_PUMP_ENTRY_ID, ROLES

HOUR_S = 3600


@dataclass(slots=True)
class Hourly:
    start: list[datetime] = field(default_factory=list)
    heat_kwh: list[float] = field(default_factory=list)  # delivered
    drawn_kwh: list[float] = field(default_factory=list)  # drawn back by defrosts
    running_kwh: list[float] = field(default_factory=list)
    standby_kwh: list[float] = field(default_factory=list)
    backup_kwh: list[float] = field(default_factory=list)
    pump_kwh: list[float] = field(default_factory=list)
    outdoor_c: list[float] = field(default_factory=list)
    flow_c: list[float] = field(default_factory=list)  # the heat meter's flow temperature, hourly mean
    starts: list[float] = field(default_factory=list)  # compressor starts in the hour
    defrost_count: int = 0
    defrost_s: float = 0.0
    running_s: float = 0.0
    # per operating mode ("sh", "dhw": the simulator's names): hourly heat delivered, drawn back, electricity
    sh_heat_kwh: list[float] = field(default_factory=list)
    sh_drawn_kwh: list[float] = field(default_factory=list)
    sh_elec_kwh: list[float] = field(default_factory=list)
    dhw_heat_kwh: list[float] = field(default_factory=list)
    dhw_drawn_kwh: list[float] = field(default_factory=list)
    dhw_elec_kwh: list[float] = field(default_factory=list)
    mode_parts: dict[str, dict[str, float]] = field(default_factory=dict)  # lifetime split of the electricity

    @property
    def net_kwh(self) -> list[float]:
        return [heat - drawn for heat, drawn in zip(self.heat_kwh, self.drawn_kwh, strict=True)]

    @property
    def elec_kwh(self) -> list[float]:
        """The unit's electricity, running and in standby (the electric energy sensor)."""
        return [running + standby for running, standby in zip(self.running_kwh, self.standby_kwh, strict=True)]

    def totals(self) -> dict[str, float]:
        """The heat pump's totals at the end of the history, in the integration's stored form."""
        return {
            "heat_kwh": sum(self.heat_kwh), "defrost_heat_kwh": sum(self.drawn_kwh),
            "elec_running_kwh": sum(self.running_kwh), "elec_standby_kwh": sum(self.standby_kwh),
            "backup_kwh": sum(self.backup_kwh), "pumps_kwh": sum(self.pump_kwh), "defrost_count": self.defrost_count,
            "defrost_s": self.defrost_s, "running_s": self.running_s, "compressor_starts": round(sum(self.starts)),
        }  # fmt: skip

    def mode_totals(self) -> dict[str, object]:
        """The per-mode totals at the end of the history, in the integration's stored form (engine/modes.py)."""
        return {"mode": None, "day": {}, "totals": {
            mode: {"heat_kwh": sum(getattr(self, f"{prefix}_heat_kwh")),
                   "defrost_heat_kwh": sum(getattr(self, f"{prefix}_drawn_kwh")), **self.mode_parts.get(prefix, {})}
            for prefix, mode in (("sh", "space_heating"), ("dhw", "hot_water"))}}  # fmt: skip


def simulate_past(days: int, end: datetime, seed: int = 1) -> Hourly:
    """The plant's hourly figures for the ``days`` before ``end`` (an hour boundary, UTC)."""
    start = end - timedelta(days=days)
    plant = Plant(1, seed, start_s=float(start.hour * HOUR_S), hot_water=True)
    hp = plant.heat_pumps[0]
    out = Hourly()
    for hour in range(days * 24):
        heat = drawn = running = standby = backup = pump = outdoor = flow = starts = 0.0
        by_mode = {prefix: [0.0, 0.0, 0.0] for prefix in ("sh", "dhw")}
        for _ in range(int(HOUR_S / STEP_S)):
            defrosting, was_running = hp.state.defrosting, hp.state.running
            plant.advance(STEP_S)
            s = hp.state
            starts += s.running and not was_running
            kwh = STEP_S / 3600 / 1000
            heat += max(s.heat_w, 0.0) * kwh
            drawn += max(-s.heat_w, 0.0) * kwh
            out.defrost_count += s.defrosting and not defrosting
            out.defrost_s += STEP_S if s.defrosting else 0.0
            out.running_s += STEP_S if s.running else 0.0
            if s.running:
                running += s.elec_unit_w * kwh
            else:
                standby += s.elec_unit_w * kwh
            backup += s.elec_backup_w * kwh
            pump += s.elec_pump_w * kwh
            outdoor += s.outdoor_c * STEP_S / HOUR_S
            flow += s.flow_c * STEP_S / HOUR_S
            prefix = MODE_NAMES[hp.mode_running]
            if prefix in by_mode:  # off (and cooling) have no sensors in the demo
                part = by_mode[prefix]
                part[0] += max(s.heat_w, 0.0) * kwh
                part[1] += max(-s.heat_w, 0.0) * kwh
                part[2] += (s.elec_unit_w + s.elec_backup_w + s.elec_pump_w) * kwh
                split = out.mode_parts.setdefault(prefix, dict.fromkeys(
                    ("elec_running_kwh", "elec_standby_kwh", "backup_kwh", "pumps_kwh"), 0.0))  # fmt: skip
                split["elec_running_kwh" if s.running else "elec_standby_kwh"] += s.elec_unit_w * kwh
                split["backup_kwh"] += s.elec_backup_w * kwh
                split["pumps_kwh"] += s.elec_pump_w * kwh
        out.start.append(start + timedelta(hours=hour))
        for name, value in (("heat_kwh", heat), ("drawn_kwh", drawn), ("running_kwh", running),
                            ("standby_kwh", standby), ("backup_kwh", backup), ("pump_kwh", pump),
                            ("outdoor_c", outdoor), ("flow_c", flow), ("starts", starts)):  # fmt: skip
            getattr(out, name).append(value)
        for prefix, (mode_heat, mode_drawn, mode_elec) in by_mode.items():
            getattr(out, f"{prefix}_heat_kwh").append(mode_heat)
            getattr(out, f"{prefix}_drawn_kwh").append(mode_drawn)
            getattr(out, f"{prefix}_elec_kwh").append(mode_elec)
    return out


# heat pump sensor (entity id) -> Hourly field
ENERGY_SENSORS = {
    "sensor.heat_pump_heat_energy": "heat_kwh",
    "sensor.heat_pump_heat_drawn_back_by_defrosts": "drawn_kwh",
    "sensor.heat_pump_net_heat_energy": "net_kwh",
    "sensor.heat_pump_electric_energy": "elec_kwh",
    "sensor.heat_pump_electric_energy_while_running": "running_kwh",
    "sensor.heat_pump_electric_energy_in_standby": "standby_kwh",
    "sensor.heat_pump_backup_heater_energy": "backup_kwh",
    "sensor.heat_pump_circulation_pump_energy": "pump_kwh",
}
# each mode's totals: the integration's own statistics (mode_recorder.py; their sensors are disabled by
# default), which carry on from the last row by themselves: the join does not wait for them, and lifts them
# only where their first live hour was written before the backfill (mode_join_messages)
MODE_STATISTICS = {
    mode_statistic_id(HEAT_PUMP_ENTRY_ID, f"{mode}_{part}"): f"{prefix}_{field}"
    for prefix, mode in (("sh", "space_heating"), ("dhw", "hot_water"))
    for part, field in (("heat_energy", "heat_kwh"), ("defrost_energy", "drawn_kwh"), ("electric_energy", "elec_kwh"))
}
# the heat pump's counters besides its energies (entity id -> Hourly field), summed as they are
COUNT_SENSORS = {"sensor.heat_pump_compressor_starts": "starts"}
# every statistic with a sum the backfill writes and the join lifts
SUM_SENSORS = {**ENERGY_SENSORS, **COUNT_SENSORS}


def _unit(statistic_id: str) -> str | None:
    return None if statistic_id in COUNT_SENSORS else "kWh"


# the temperatures bound to the heat pump (the seed's roles): the period card weighs them by heat and takes
# % of Carnot from them
OUTDOOR_SENSOR = ROLES["outdoor_temp_c"]
FLOW_SENSOR = ROLES["flow_temp_c"]
# sensor (entity id) -> Hourly field of its hourly means
MEAN_SENSORS = {OUTDOOR_SENSOR: "outdoor_c", FLOW_SENSOR: "flow_c"}


def import_messages(history: Hourly) -> list[dict[str, Any]]:
    """Websocket commands importing the history under the heat pump's own sensors.

    Each hour's state is the sensor's value then and its sum rises from 0; the live sensors start from
    the history's end values (seeded totals), so no state steps back. Their sums do not carry on by
    themselves (the recorder continues a sum from its 5-minute statistics, which an import does not
    write): :func:`adjust_messages` lifts them once the first 5-minute statistic exists.
    """
    messages = []
    sums = [(statistic_id, name, "recorder", _unit(statistic_id)) for statistic_id, name in SUM_SENSORS.items()]
    sums += [(statistic_id, name, DOMAIN, "kWh") for statistic_id, name in MODE_STATISTICS.items()]
    for statistic_id, name, source, unit in sums:
        total, stats = 0.0, []
        for start, value in zip(history.start, getattr(history, name), strict=True):
            total += value
            stats.append({"start": start.isoformat(), "state": round(total, 4), "sum": round(total, 4)})
        messages.append({"type": "recorder/import_statistics", "stats": stats, "metadata": {
            "has_mean": False, "has_sum": True, "name": None, "source": source, "statistic_id": statistic_id,
            "unit_of_measurement": unit}})  # fmt: skip
    for statistic_id, name in MEAN_SENSORS.items():
        stats = [{"start": s.isoformat(), "mean": round(t, 2), "min": round(t, 2), "max": round(t, 2)}
                 for s, t in zip(history.start, getattr(history, name), strict=True)]  # fmt: skip
        messages.append({"type": "recorder/import_statistics", "stats": stats, "metadata": {
            "has_mean": True, "has_sum": False, "name": None, "source": "recorder", "statistic_id": statistic_id,
            "unit_of_measurement": "°C"}})  # fmt: skip
    messages.append(_daily_cop(history))
    return messages


def history_end(history: Hourly) -> datetime:
    """The end of the last backfilled hour: where the live statistics begin."""
    return history.start[-1] + timedelta(hours=1)


def adjust_messages(history: Hourly) -> list[dict[str, Any]]:
    """Lift the live sensors' sums by the history's totals, from the history's end on.

    Sent once each sensor has at least one 5-minute statistic (the recorder then continues every
    later sum from the lifted one), exactly what "adjust sum" in Developer tools does.
    """
    lifts = {statistic_id: round(sum(getattr(history, name)), 4) for statistic_id, name in SUM_SENSORS.items()}
    return _lifts(history_end(history).isoformat(), lifts)


def _lifts(since: str, lifts_kwh: Mapping[str, float]) -> list[dict[str, Any]]:
    return [{"type": "recorder/adjust_sum_statistics", "statistic_id": statistic_id, "start_time": since,
             "adjustment": kwh, "adjustment_unit_of_measurement": _unit(statistic_id)}
            for statistic_id, kwh in lifts_kwh.items()]  # fmt: skip


JOIN_FILE = ".demo_history_join.json"


def save_join(config: Path, history: Hourly) -> None:
    """Note in the config folder the join still to make, before Home Assistant starts.

    A first start stopped or killed before the join (it waits up to 6 minutes for the live sensors' first
    5-minute statistics) makes it on the next start; without it the live sums would stay below the
    history's and the first live hour would be negative by the whole history.
    """
    (config / JOIN_FILE).write_text(json.dumps({"since": history_end(history).isoformat()}))


def pending_join(config: Path) -> datetime | None:
    """Where the live sums begin, if :func:`save_join` noted a join no start has made yet."""
    path = config / JOIN_FILE
    return datetime.fromisoformat(json.loads(path.read_text())["since"]) if path.exists() else None


def join_messages(
    since: datetime, history_sums: Mapping[str, float], first_sums: Mapping[str, float]
) -> list[dict[str, Any]]:
    """The lifts a join still needs: each sensor's recorded history sum, where its live sums were not lifted.

    ``history_sums`` are the sums of the last backfilled hour as the recorder holds them (a statistic whose
    backfill a kill lost has none, and is not lifted: that would make its first live hour the whole
    history). A live sum starts from 0, a lifted one from the history's sum: one already at half of it or
    more was lifted (a start killed after the recorder lifted it, before the join was noted as made) and
    is not lifted again, which would count the history twice.
    """
    owed = {sid: kwh for sid, kwh in history_sums.items() if kwh > 0 and first_sums.get(sid, 0.0) < kwh / 2}
    return _lifts(since.isoformat(), owed)


async def join_figures(url: str, token: str, since: datetime) -> tuple[dict[str, float], dict[str, float]] | None:
    """The recorded history's last hourly sums and each sensor's first live 5-minute sum from ``since`` on.

    None until every heat pump energy sensor has a 5-minute statistic from ``since`` on.
    """
    live_rows, past_rows = await _sums_around(url, token, list(SUM_SENSORS), since, "5minute")
    if not all(live_rows.get(statistic_id) for statistic_id in SUM_SENSORS):
        return None
    history_sums = {sid: float(past_rows[sid][-1]["sum"]) for sid in SUM_SENSORS if past_rows.get(sid)}
    return history_sums, {sid: float(live_rows[sid][0]["sum"]) for sid in SUM_SENSORS}


def mode_join_messages(
    since: datetime, past_rows: Mapping[str, list[dict[str, Any]]], live_rows: Mapping[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The lifts each mode's statistics need: none where the integration wrote its first live hour after the
    backfill (it carries on from the backfill's last row); the backfill's sum where it wrote it before (an hour
    ended between Home Assistant's start and the backfill), as for the sensors (:func:`join_messages`)."""
    history_sums = {sid: float(rows[-1]["sum"]) for sid, rows in past_rows.items() if rows and sid in MODE_STATISTICS}
    first_sums = {sid: float(rows[0]["sum"]) for sid, rows in live_rows.items() if rows and sid in history_sums}
    return join_messages(since, {sid: kwh for sid, kwh in history_sums.items() if sid in first_sums}, first_sums)


async def mode_join(url: str, token: str, since: datetime) -> list[dict[str, Any]]:
    """:func:`mode_join_messages` from the recorder's hourly sums of each mode's statistics around ``since``."""
    live_rows, past_rows = await _sums_around(url, token, list(MODE_STATISTICS), since, "hour")
    return mode_join_messages(since, past_rows, live_rows)


async def _sums_around(
    url: str, token: str, statistic_ids: list[str], since: datetime, live_period: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The statistics' sums from ``since`` on (per ``live_period``) and in the hour before it, as the recorder holds
    them."""
    query = {"type": "recorder/statistics_during_period", "statistic_ids": statistic_ids, "types": ["sum"]}
    live = {**query, "start_time": since.isoformat(), "period": live_period}
    past = {**query, "start_time": (since - timedelta(hours=1)).isoformat(), "end_time": since.isoformat(),
            "period": "hour"}  # fmt: skip
    live_rows, past_rows = ((answer.get("result") or {}) for answer in await send(url, token, [live, past]))
    return live_rows, past_rows


def _daily_cop(history: Hourly) -> dict[str, Any]:
    """Each past local day's COP, as the integration writes it when a day closes."""
    days: dict[datetime, list[float]] = {}
    for start, heat, drawn, running, standby in zip(history.start, history.heat_kwh, history.drawn_kwh,
                                                    history.running_kwh, history.standby_kwh, strict=True):  # fmt: skip
        day = dt_util.start_of_local_day(dt_util.as_local(start))
        totals = days.setdefault(day, [0.0, 0.0])
        totals[0] += heat - drawn
        totals[1] += running + standby
    today = dt_util.start_of_local_day()
    stats = [{"start": day.isoformat(), "mean": round(h / e, 3), "min": round(h / e, 3), "max": round(h / e, 3)}
             for day, (h, e) in sorted(days.items()) if e > 0 and day < today]  # fmt: skip
    return {"type": "recorder/import_statistics", "stats": stats, "metadata": {
        "has_mean": True, "has_sum": False, "name": "Heat pump daily COP", "source": DOMAIN,
        "statistic_id": daily_cop_statistic_id(HEAT_PUMP_ENTRY_ID), "unit_of_measurement": None}}  # fmt: skip


async def send(
    url: str, token: str, messages: list[dict[str, Any]], on_answer: Callable[[int, int], None] | None = None
) -> list[dict[str, Any]]:
    """Send websocket commands one by one, failing loudly on an error answer; returns the answers.

    ``on_answer(done, count)`` after each answer: the backfill of a first start says how far it is."""
    async with aiohttp.ClientSession() as session, session.ws_connect(f"{url}/api/websocket") as ws:
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": token})
        reply = await ws.receive_json()
        if reply.get("type") != "auth_ok":
            raise RuntimeError(f"websocket login refused: {reply}")
        answers = []
        for number, message in enumerate(messages, start=1):
            await ws.send_json({"id": number, **message})
            answer = await ws.receive_json()
            if not answer.get("success"):
                raise RuntimeError(f"{message['type']} failed: {answer.get('error')}")
            answers.append(answer)
            if on_answer is not None:
                on_answer(number, len(messages))
        return answers


def last_full_hour() -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
