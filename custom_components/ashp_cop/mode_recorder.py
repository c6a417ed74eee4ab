"""Each operating mode's energies written hour by hour as the heat pump's own long-term statistics.

The seasonal SPF of each mode, ``recalculate`` and the period card sum every mode's hourly heat,
heat drawn back by defrosts and electricity (mode_statistics.py). The sensors that show those
totals are less-used, so they are disabled by default (issue 17: what an owner reads stays within
30 enabled entities), and a disabled entity records no statistics. The integration writes them
itself instead, as Home Assistant's integrations write what no entity shows (external statistics):
one statistic ``ashp_cop:<entry id>_<sensor key>`` per total, named by the key of the sensor that
shows it, one row per hour, whether that sensor is enabled or not.

A row: ``start`` the hour, ``state`` and ``sum`` the mode's total at the hour's end (kWh, what the
sensor shows), so an hour's ``change`` is its energy, as a meter's reading gives it. A total never
steps back, so neither does the sum. Rows written by anyone else with the same meaning (the demo's
backfill) join up with these in whatever order they were written. The very first row's change is the
total then: 0 plus its hour for a heat pump set up since; an older heat pump's sensors recorded
that hour themselves, and their rows are the ones read (mode_statistics.py). (Where an owner had
disabled those sensors before 0.6.0, nothing recorded the hours of that total: it shows in the
first hour written.)

Nothing written is rewritten: an hour is written once, at its end, and only if the statistic has
no row for it or after it yet (read from the recorder, and from what this Home Assistant run wrote
but the recorder may not have committed, across a reload). An hour that ended while Home Assistant
was down is not written afterwards: its energy is in the next hour written, as a sensor's recorded
states would put it. After an unclean stop the restored totals can lag the last row's state by up
to one save interval; they are raised to it at set-up (as recorded.py does from a sensor's states),
so no energy is counted twice and none is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.recorder.models import StatisticData, StatisticMeanType
from homeassistant.components.recorder.statistics import async_add_external_statistics, get_last_statistics
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_utc_time_change
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .compat import statistic_metadata
from .const import DOMAIN, LOGGER


def mode_statistic_id(entry_id: str, key: str) -> str:
    """The statistic of a per-mode total (``key``: the sensor's that shows it, e.g. hot_water_heat_energy)."""
    return f"{DOMAIN}:{entry_id.lower()}_{key}"


@dataclass(frozen=True, slots=True)
class LastRow:
    """A statistic's latest hour: its start (epoch s) and the total then (its state and its sum)."""

    start_s: float
    state: float


# entry id -> sensor key -> the last row written in this Home Assistant run (a reload reads it back:
# the recorder may not have committed it yet)
_WRITTEN: HassKey[dict[str, dict[str, LastRow]]] = HassKey(f"{DOMAIN}_mode_rows_written")


class ModeStatisticsRecorder:
    """Writes a heat pump's per-mode totals (sensor key -> a function giving the total now) hour by hour."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        title: str,
        totals: Mapping[str, Callable[[], float]],
        adopt: Callable[[dict[str, float]], None],
    ) -> None:
        self._hass = hass
        self._entry_id = entry_id
        self._title = title
        self._totals = dict(totals)
        self._adopt = adopt
        self._written = hass.data.setdefault(_WRITTEN, {}).setdefault(entry_id, {})
        self._unsub: CALLBACK_TYPE | None = None

    async def async_start(self) -> None:
        """Raise the totals to the last rows' (an unclean stop), then write each hour at its end."""
        if not self._totals:
            return
        try:
            last = await self._last_rows()
        except Exception as err:  # the recorder not ready: the set-up goes on, and the hours are written
            LOGGER.warning("%s: the last per-mode statistics could not be read: %s", self._title, err)
            last = {}
        if last:
            self._adopt({key: row.state for key, row in last.items()})
        self._unsub = async_track_utc_time_change(self._hass, self._hour_ended, minute=0, second=0)

    @callback
    def async_stop(self) -> None:
        if self._unsub is not None:
            self._unsub()
            self._unsub = None

    async def _last_rows(self) -> dict[str, LastRow]:
        """Each statistic's latest row: the recorder's, or a later one this run wrote (not committed yet)."""
        ids = {key: mode_statistic_id(self._entry_id, key) for key in self._totals}
        recorded = await get_instance(self._hass).async_add_executor_job(_read_last_rows, self._hass, ids)
        for key, row in self._written.items():
            if key in ids and (key not in recorded or recorded[key].start_s < row.start_s):
                recorded[key] = row
        return recorded

    @callback
    def _hour_ended(self, now: datetime) -> None:
        """The totals at the hour's end, taken now (a poll after it belongs to the next hour), then written."""
        hour = dt_util.as_utc(now).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
        totals = {key: total() for key, total in self._totals.items()}
        # tracked, not in the background: Home Assistant's stop waits for the hour's rows
        self._hass.async_create_task(self._write(hour, totals), f"{DOMAIN} per-mode statistics")

    async def _write(self, hour: datetime, totals: dict[str, float]) -> None:
        try:
            last = await self._last_rows()
        except Exception as err:
            LOGGER.warning("%s: per-mode statistics of %s not written: %s", self._title, hour.isoformat(), err)
            return
        for key, total in totals.items():
            row = last.get(key)
            if row is not None and row.start_s >= hour.timestamp():
                continue  # written already: never twice
            state = total if row is None else max(total, row.state)  # a total lagging its last row adds nothing
            async_add_external_statistics(
                self._hass, self._metadata(key), [StatisticData(start=hour, state=state, sum=state)]
            )
            self._written[key] = LastRow(hour.timestamp(), state)

    def _metadata(self, key: str) -> Any:
        return statistic_metadata(
            statistic_id=mode_statistic_id(self._entry_id, key), source=DOMAIN,
            name=f"{self._title} {key.replace('_', ' ')}", unit_of_measurement="kWh", has_sum=True,
            mean_type=StatisticMeanType.NONE,
        )  # fmt: skip


def _read_last_rows(hass: HomeAssistant, ids: Mapping[str, str]) -> dict[str, LastRow]:
    out: dict[str, LastRow] = {}
    for key, statistic_id in ids.items():
        rows = get_last_statistics(hass, 1, statistic_id, False, {"state"}).get(statistic_id)
        if rows and (state := rows[0].get("state")) is not None:
            out[key] = LastRow(float(rows[0]["start"]), float(state))
    return out
