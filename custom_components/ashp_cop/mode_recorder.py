"""Each operating mode's energies written hour by hour as the heat pump's own long-term statistics.

The seasonal SPF of each mode, ``recalculate`` and the period card sum every mode's hourly heat,
heat drawn back by defrosts and electricity (mode_statistics.py). The sensors that show those
totals are less-used, so they are disabled by default (issue 17: what an owner reads stays within
30 enabled entities), and a disabled entity records no statistics. The integration writes them
itself instead, as Home Assistant's integrations write what no entity shows (external statistics):
one statistic ``ashp_cop:<entry id>_<sensor key>`` per total, named by the key of the sensor that
shows it, one row per hour, whether that sensor is enabled or not.

A row: ``start`` the hour, ``state`` the mode's total at the hour's end (kWh, what the sensor shows),
``sum`` what the total grew since the statistic began, so an hour's ``change`` is its energy. A new
statistic begins from the total at the set-up that first wrote it: energy counted before (a mode
mapped only now, after months counted as space heating) is not put into one hour. A total never
steps back, so neither does the sum.

Nothing written is rewritten: an hour is written once, at its end, and only if the statistic has
no row for it or after it yet (read from the recorder, and from what this Home Assistant run wrote
but the recorder may not have committed yet). An hour that ended while Home Assistant was down is
not written afterwards: its energy is in the next hour written (a sensor's statistics would keep what
it measured before the stop in that hour; the sums over any longer period are the same).

After an unclean stop the restored totals can lag the last row's state; at set-up, before the first
poll, they are raised to it (as recorded.py does from a sensor's states), and the next hour counts
only what was measured after. What was measured between the last hour written and the kill is taken
from the combined totals' recorded states (heat_pump.py): none of it is lost or counted twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from homeassistant.components.recorder.models import StatisticData, StatisticMeanType, StatisticMetaData
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
    """A statistic's latest hour: its start (epoch s), the total then and the sum."""

    start_s: float
    state: float
    sum: float


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
        self._baseline: dict[str, float] = {}
        self._unsub: CALLBACK_TYPE | None = None

    async def async_adopt_last(self) -> None:
        """At set-up, before the first poll: the totals raised to the last rows' states (an unclean stop)."""
        if not self._totals:
            return
        try:
            last = await self._last_rows()
        except Exception as err:  # the recorder not ready: the set-up goes on, and the hours are written
            LOGGER.warning("%s: the last per-mode statistics could not be read: %s", self._title, err)
            last = {}
        if last:
            self._adopt({key: row.state for key, row in last.items()})

    def begin(self) -> None:
        """Where a statistic without a row begins: the totals now (after every adoption, before the first poll)."""
        self._baseline = {key: total() for key, total in self._totals.items()}

    @callback
    def async_start(self) -> None:
        """Write each hour at its end."""
        if self._totals and self._unsub is None:
            self._unsub = async_track_utc_time_change(self._hass, self.hour_ended, minute=0, second=0)

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
    def hour_ended(self, now: datetime) -> None:
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
            before_state, before_sum = (row.state, row.sum) if row else (self._baseline.get(key, total), 0.0)
            state = max(total, before_state)  # a total lagging its last row (restored) adds nothing
            written = LastRow(hour.timestamp(), state, before_sum + state - before_state)
            async_add_external_statistics(
                self._hass, self._metadata(key), [StatisticData(start=hour, state=state, sum=written.sum)]
            )
            self._written[key] = written

    def _metadata(self, key: str) -> StatisticMetaData:
        return statistic_metadata(
            statistic_id=mode_statistic_id(self._entry_id, key), source=DOMAIN,
            name=f"{self._title} {key.replace('_', ' ')}", unit_of_measurement="kWh", has_sum=True,
            mean_type=StatisticMeanType.NONE,
        )  # fmt: skip


def _read_last_rows(hass: HomeAssistant, ids: Mapping[str, str]) -> dict[str, LastRow]:
    out: dict[str, LastRow] = {}
    for key, statistic_id in ids.items():
        rows = get_last_statistics(hass, 1, statistic_id, False, {"state", "sum"}).get(statistic_id)
        if rows and (state := rows[0].get("state")) is not None and (total := rows[0].get("sum")) is not None:
            out[key] = LastRow(float(rows[0]["start"]), float(state), float(total))
    return out
