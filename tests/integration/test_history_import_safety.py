"""History imports never rewrite what the heat pump holds, read sums hour-exact, leave out impossible hours, and stop
with their entry (issue 16, items 1, 2, 4 and 13)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.models import StatisticData, StatisticMeanType
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    async_import_statistics,
    statistics_during_period,
)
from homeassistant.const import EVENT_RECORDER_5MIN_STATISTICS_GENERATED
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ashp_cop.compat import statistic_metadata
from custom_components.ashp_cop.const import CONF_ROLES, DOMAIN
from custom_components.ashp_cop.engine.cop import period_cop
from custom_components.ashp_cop.history_import import HistoryImporter
from custom_components.ashp_cop.seasonal import daily_cop_statistic_id
from tests.integration.conftest import setup_entry
from tests.integration.test_heat_pump import heat_pump_entry
from tests.integration.test_history_import import (
    HEAT,
    NOW,
    OWN,
    ROLES,
    Meters,
    _live,
    _meta,
    _set_meters,
    _settled,
)

EVER = datetime(2020, 1, 1, tzinfo=UTC)
HP_HEAT, HP_ELEC = "sensor.garden_heat_pump_heat_energy", "sensor.garden_heat_pump_electric_energy"
type Rows = dict[str, dict[float, dict[str, Any]]]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """With the recorder (it must start before Home Assistant does)."""


async def _rows(hass: HomeAssistant, statistic_ids: set[str] | None = None, types: set[str] | None = None) -> Rows:
    """Every hourly row of the heat pump's energy sensors (or ``statistic_ids``): start -> state, sum and change."""
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period, hass, EVER, None, statistic_ids or set(OWN), "hour", None,
        types or {"sum", "state", "change"},
    )  # fmt: skip
    return {sid: {row["start"]: dict(row) for row in entries} for sid, entries in rows.items()}


def _assert_nothing_rewritten(before: Rows, after: Rows) -> None:
    """Every row recorded before is still there with the same state and change, and a sum no smaller."""
    for sid, rows in before.items():
        for start, row in rows.items():
            now = after.get(sid, {}).get(start)
            assert now is not None, (sid, start, "deleted")
            assert now["state"] == pytest.approx(row["state"], abs=1e-9), (sid, start)
            assert now["change"] == pytest.approx(row["change"], abs=1e-6), (sid, start, row["change"], now["change"])
            assert now["sum"] >= row["sum"] - 1e-6, (sid, start)


def _own_history(hass: HomeAssistant, start: datetime, heat_kwh: np.ndarray, elec_kwh: np.ndarray) -> None:
    """The heat pump's own hourly statistics (as the demo backfills them, or an earlier import wrote them)."""
    series = {HP_HEAT: heat_kwh, "sensor.garden_heat_pump_net_heat_energy": heat_kwh, HP_ELEC: elec_kwh,
              "sensor.garden_heat_pump_electric_energy_while_running": elec_kwh,
              "sensor.garden_heat_pump_electric_energy_in_standby": np.zeros(heat_kwh.size)}  # fmt: skip
    for sid, values in series.items():
        sums = np.cumsum(values)
        async_import_statistics(hass, _meta(sid, "kWh", has_sum=True), [
            StatisticData(start=start + timedelta(hours=i), state=float(s), sum=float(s)) for i, s in enumerate(sums)
        ])  # fmt: skip


async def _recorded(hass: HomeAssistant, freezer: FrozenDateTimeFactory, meters: Meters) -> None:
    """Home Assistant at NOW, its recorder holding the meters' statistics, the meters showing their totals."""
    freezer.move_to(NOW)
    meters.import_into(hass)
    await _settled(hass)
    _set_meters(hass, float(meters.heat_kwh.sum()), float(meters.elec_kwh.sum()))


async def _heat_pump_on(hass: HomeAssistant, freezer: FrozenDateTimeFactory, meters: Meters) -> MockConfigEntry:
    """A heat pump set up on the recorded meters, its import at set-up done."""
    await _recorded(hass, freezer, meters)
    hp = heat_pump_entry(ROLES)
    await setup_entry(hass, hp)
    await _settled(hass)
    return hp


async def _import(hass: HomeAssistant, entry_id: str, **options: Any) -> dict[str, Any]:
    response = await hass.services.async_call(DOMAIN, "import_history", {"config_entry_id": entry_id, **options},
                                              blocking=True, return_response=True)  # fmt: skip
    await _settled(hass)
    assert response is not None
    return dict(response)


def _changes(rows: Rows, sid: str) -> dict[float, float]:
    return {start: row["change"] for start, row in rows[sid].items()}


async def test_an_import_keeps_the_hours_the_heat_pump_holds_that_its_meters_do_not_cover(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Issue 16, item 1 (the demo: 45 days of backfilled history rewritten to a change of 0 by the action)."""
    freezer.move_to(NOW)
    live_from = NOW.replace(minute=0)
    _set_meters(hass, 0.0, 0.0)
    hp = heat_pump_entry(ROLES)
    await setup_entry(hass, hp)
    await _settled(hass)  # the first import: the meters have no statistics yet; live_from is the hour of set-up
    # then 10 days of the heat pump's own history before live_from (backfilled), and 3 days of its meters'
    # statistics: the last day of the 10 and the 2 days after them
    own_start = live_from - timedelta(days=12)
    rng = np.random.default_rng(3)
    own_heat = rng.uniform(4.0, 8.0, 240)
    own_elec = own_heat / 3.0
    _own_history(hass, own_start, own_heat, own_elec)
    meters = Meters(live_from, days=3)
    meters.import_into(hass)
    # a day's COP already recorded (the demo backfills them too), on a day the meters cover
    held_day = dt_util.start_of_local_day(dt_util.as_local(meters.hour(30)))
    cop_id = daily_cop_statistic_id(hp.entry_id)
    async_add_external_statistics(hass, statistic_metadata(
        statistic_id=cop_id, source=DOMAIN, name=None, unit_of_measurement=None, has_sum=False,
        mean_type=StatisticMeanType.ARITHMETIC,
    ), [StatisticData(start=dt_util.as_utc(held_day), mean=9.9, min=9.9, max=9.9)])  # fmt: skip
    await _settled(hass)
    before = await _rows(hass)
    held_heat = float(np.sum(list(_changes(before, HP_HEAT).values())))
    assert held_heat == pytest.approx(float(own_heat.sum())) and held_heat > 1000

    response = await _import(hass, hp.entry_id)
    after = await _rows(hass)
    # the 10 days the meters do not cover keep their heat, the day both hold keeps the heat pump's
    own_hours = [own_start.timestamp() + 3600 * i for i in range(240)]
    assert sum(after[HP_HEAT][hour]["change"] for hour in own_hours) == pytest.approx(held_heat)
    _assert_nothing_rewritten(before, after)
    assert [after[HP_HEAT][hour]["change"] for hour in own_hours] == pytest.approx(list(own_heat))
    # the hours only the meters cover are added, each with the meters' heat, after the held ones
    joint = np.flatnonzero(meters.joint())
    added = [meters.hour(i).timestamp() for i in joint if meters.hour(i).timestamp() > own_hours[-1]]
    assert len(added) == 48
    assert [after[HP_HEAT][hour]["change"] for hour in added] == pytest.approx(
        [float(meters.heat_kwh[i]) for i in joint if meters.hour(i).timestamp() > own_hours[-1]]
    )
    assert response["statistics_written"][HP_HEAT] == 48
    # the day both hold: kept, and the response names where the meters say otherwise
    assert response["statistics_kept"][HP_HEAT] == len(joint) - 48
    differing = [hour for hour in response["kept_differing"] if hour["statistic_id"] == HP_HEAT]
    first = differing[0]
    index = int((datetime.fromisoformat(first["start"]) - own_start).total_seconds() // 3600)
    assert first["recorded_kwh"] == pytest.approx(own_heat[index], abs=1e-6)
    assert response["kept_hours_differing"] > len(differing) > 0
    # the day's COP held stays; the next day, only the meters', gets its COP
    daily = (await _rows(hass, {cop_id}, {"mean"}))[cop_id]
    next_day = dt_util.as_utc(held_day + timedelta(days=1)).timestamp()
    assert daily[dt_util.as_utc(held_day).timestamp()]["mean"] == 9.9
    assert 2.0 < daily[next_day]["mean"] < 5.0
    # the seasonal figures see the whole held history, not hours of 0
    lifetime = hass.states.get("sensor.garden_heat_pump_scop_lifetime")
    assert lifetime is not None and float(lifetime.state) == pytest.approx(3.0, rel=0.05)

    # again: nothing more to add, nothing changes
    again = await _import(hass, hp.entry_id)
    assert again["statistics_written"] == {}
    assert await _rows(hass) == after


async def test_an_import_after_the_meter_was_re_bound_keeps_the_first_meters_hours(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Issue 16, item 1: 30 days imported from one heat meter at set-up, then a new meter with 10 days bound."""
    meters = Meters(NOW.replace(minute=0), days=30)
    hp = await _heat_pump_on(hass, freezer, meters)
    before = await _rows(hass)
    assert len(before[HP_HEAT]) == int(meters.joint().sum())
    # the new heat meter counts 10 % more, over the last 10 days only
    new_meter = "sensor.new_heat_meter"
    sums = np.cumsum(meters.heat_kwh[-240:] * 1.1)
    async_import_statistics(hass, _meta(new_meter, "kWh", has_sum=True), [
        StatisticData(start=meters.hour(480 + i), state=float(s), sum=float(s)) for i, s in enumerate(sums)
    ])  # fmt: skip
    hass.states.async_set(new_meter, f"{sums[-1]:.4f}", {"unit_of_measurement": "kWh",
                          "state_class": "total_increasing", "device_class": "energy"})  # fmt: skip
    hass.config_entries.async_update_entry(hp, options={CONF_ROLES: {**ROLES, "heat_energy_kwh": new_meter}})
    await _settled(hass)  # reloaded with the new binding

    response = await _import(hass, hp.entry_id)
    after = await _rows(hass)
    _assert_nothing_rewritten(before, after)
    assert response["statistics_written"] == {}
    assert response["kept_hours_differing"] > 200  # the new meter's hours, each 10 % above what is held
    heat_before = sum(_changes(before, HP_HEAT).values())
    assert sum(_changes(after, HP_HEAT).values()) == pytest.approx(heat_before)


async def test_an_import_with_a_start_inside_a_month_counts_nothing_again(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Issue 16, item 2: 30 days imported at set-up, then the action with a start inside them (heat at the start
    hour 7.1 -> 3,073.9 kWh: the sum before the window was read at the end of its month)."""
    meters = Meters(NOW.replace(minute=0), days=30)  # 11 December to 10 January
    meters.heat_rows[400:424] = False  # the heat meter unavailable on 28 December
    hp = await _heat_pump_on(hass, freezer, meters)
    before = await _rows(hass)
    assert meters.hour(400).timestamp() not in before[HP_HEAT]

    start = meters.hour(300)  # 23 December: the month has more imported hours after it
    response = await _import(hass, hp.entry_id, start=start)
    again = await _rows(hass)
    for sid in (HP_HEAT, HP_ELEC):
        assert again[sid][start.timestamp()]["change"] == pytest.approx(before[sid][start.timestamp()]["change"])
    assert again == before
    assert response["statistics_written"] == {}

    # the heat meter's missing day found later (restored from a backup): the action adds it in the middle of the
    # month, from the sum of the hour before it, and lifts the rest of the month by what it added
    sums = np.cumsum(meters.heat_kwh)
    async_import_statistics(hass, _meta(HEAT, "kWh", has_sum=True), [
        StatisticData(start=meters.hour(i), state=float(sums[i]), sum=float(sums[i])) for i in range(400, 424)
    ])  # fmt: skip
    await _settled(hass)
    response = await _import(hass, hp.entry_id, start=start)
    after = await _rows(hass)
    _assert_nothing_rewritten(before, after)
    assert response["statistics_written"][HP_HEAT] == 25  # the day and the first hour back
    gap = [meters.hour(i).timestamp() for i in range(400, 425)]
    assert [after[HP_HEAT][hour]["change"] for hour in gap] == pytest.approx(list(meters.heat_kwh[400:425]))
    added_kwh = float(meters.heat_kwh[400:425].sum())
    last = max(before[HP_HEAT])
    assert after[HP_HEAT][last]["sum"] == pytest.approx(before[HP_HEAT][last]["sum"] + added_kwh)


async def test_an_impossible_hour_is_left_out_and_named(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Issue 16, item 4: one glitched reading of 1,000,000 kWh on a 6 kW unit became an imported hour."""
    meters = Meters(NOW.replace(minute=0), days=10)
    meters.heat_kwh[100] += 1_000_000.0  # the heat meter's statistics jump by a glitch and count on from there
    meters.elec_kwh[150] += 5_000.0  # the electricity meter's too
    hp = await _heat_pump_on(hass, freezer, meters)
    assert hp.runtime_data.history is not None
    summary = hp.runtime_data.history.diagnostics()["last_import"]

    rows = await _rows(hass)
    assert meters.hour(100).timestamp() not in rows[HP_HEAT] and meters.hour(150).timestamp() not in rows[HP_ELEC]
    assert max(row["change"] for row in rows[HP_HEAT].values()) < 20.0
    assert summary["left_out_hours"] == 2
    assert [(hour["start"], hour["channel"], hour["reason"]) for hour in summary["left_out"]] == [
        (dt_util.as_local(meters.hour(100)).isoformat(), "heat", "above_max_rate"),
        (dt_util.as_local(meters.hour(150)).isoformat(), "elec", "above_max_rate"),
    ]
    assert summary["left_out"][0]["kwh"] == pytest.approx(meters.heat_kwh[100]) and meters.heat_kwh[100] > 1e6
    assert summary["left_out"][0]["limit_kwh"] == pytest.approx(50.01)
    # the lifetime figure is the meters' over the plausible hours
    good = meters.joint()
    good[[100, 150]] = False
    expected = period_cop(float(meters.heat_kwh[good].sum()), float(meters.elec_kwh[good].sum()))
    lifetime = hass.states.get("sensor.garden_heat_pump_scop_lifetime")
    assert expected is not None and lifetime is not None
    assert float(lifetime.state) == pytest.approx(expected, abs=0.005)  # shown to two decimals


async def test_removing_a_heat_pump_during_its_first_import_leaves_no_listener(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16, item 13: the import finished after the entry was gone and listened for 5-minute statistics."""
    await _recorded(hass, freezer, Meters(NOW.replace(minute=0), days=30))
    listening = hass.bus.async_listeners().get(EVENT_RECORDER_5MIN_STATISTICS_GENERATED, 0)
    # The import is held halfway (before it reads the meters' history) until the entry's unload has begun, so it
    # always finishes after the entry is gone (a fast machine finished 30 days of it before the test could remove
    # the entry, and the test failed on its precondition).
    reached, unloading = asyncio.Event(), asyncio.Event()
    read_history, unload = HistoryImporter._history, HistoryImporter.async_unload

    async def held(self: HistoryImporter, *args: Any, **kwargs: Any) -> Any:
        reached.set()
        await unloading.wait()
        return await read_history(self, *args, **kwargs)

    def unloaded(self: HistoryImporter) -> None:
        unloading.set()
        unload(self)

    monkeypatch.setattr(HistoryImporter, "_history", held)
    monkeypatch.setattr(HistoryImporter, "async_unload", unloaded)
    hp = heat_pump_entry(ROLES)
    hp.add_to_hass(hass)
    assert await hass.config_entries.async_setup(hp.entry_id)
    await asyncio.wait_for(reached.wait(), 30)  # the import has begun and waits halfway
    await hass.config_entries.async_remove(hp.entry_id)
    await _settled(hass)
    assert hass.bus.async_listeners().get(EVENT_RECORDER_5MIN_STATISTICS_GENERATED, 0) == listening


async def test_the_pending_lift_reads_the_sum_before_the_live_sensors_began(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Issue 16, item 2: the pending lift read the imported total with the same month query (the sum at the end of
    the month, which holds the live sensors' first hours when they are compiled before the lift)."""
    meters = Meters(NOW.replace(minute=0), days=5)
    hp = await _heat_pump_on(hass, freezer, meters)
    live = [float(meters.heat_kwh.sum()), float(meters.elec_kwh.sum())]
    history = hp.runtime_data.history
    assert history is not None and HP_HEAT in history.stored["pending_lift"]
    before = await _rows(hass)
    imported_kwh = before[HP_HEAT][max(before[HP_HEAT])]["sum"]
    # the live sensors run an hour while nothing lifts them (the lift's listener gone), then the lift runs from the
    # stored pending lift, as at the next set-up
    history.async_unload()
    await _live(hass, freezer, 70, live)
    assert NOW.replace(minute=0).timestamp() in (await _rows(hass))[HP_HEAT]  # the live 12:00 hour, compiled
    lifter = HistoryImporter(hass, hp, hp.runtime_data.live.settings.circuit)
    await lifter.async_setup()
    await lifter.async_lift_pending()
    lifter.async_unload()
    await _settled(hass)
    after = await _rows(hass)
    _assert_nothing_rewritten(before, after)
    live_hour = NOW.replace(minute=0).timestamp()
    assert after[HP_HEAT][live_hour]["sum"] == pytest.approx(imported_kwh + after[HP_HEAT][live_hour]["change"])
    assert 5.0 <= after[HP_HEAT][live_hour]["change"] <= 6.0 + 1e-6  # 6 kW from 12:01 to 13:00
