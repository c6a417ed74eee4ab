"""Each mode's hours as the heat pump's own statistics (mode_recorder.py): kept with its sensors disabled,
written once per hour, never twice across a reload, none after an unload; a new statistic begins from the totals
at its first set-up; after an unclean stop nothing lower than written, nothing lost; a sensor's own hours read up
to the statistic's first hour, never both; every figure read in kWh."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.models import StatisticData, StatisticMeanType
from homeassistant.components.recorder.statistics import async_import_statistics, statistics_during_period
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import async_wait_recording_done

from custom_components.ashp_cop.compat import statistic_metadata
from custom_components.ashp_cop.const import CONF_ROLES, DOMAIN
from custom_components.ashp_cop.engine.modes import Mode
from custom_components.ashp_cop.mode_recorder import mode_statistic_id
from custom_components.ashp_cop.statistics import period_figures, statistic_ids
from custom_components.ashp_cop.totals_store import HEAT_PUMP, totals_key
from tests.integration.test_heat_pump import mode_heat_pump
from tests.integration.test_persistence import _kill_and_start

START = datetime.fromisoformat("2026-12-07T10:30:00+00:00")
HOUR_10 = START.replace(minute=0)
KEYS = ("space_heating_heat_energy", "space_heating_defrost_energy", "space_heating_electric_energy",
        "hot_water_heat_energy", "hot_water_defrost_energy", "hot_water_electric_energy")  # fmt: skip


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """With the recorder: the statistics are its."""


async def _idle_heat_pump(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> MockConfigEntry:
    """A heat pump with hot water mapped whose meters read 0 W: its totals change only where a test adds."""
    freezer.move_to(START)
    hp = await mode_heat_pump(hass, {"heat": "space_heating", "dhw": "hot_water"}, "heat", elec_w="0")
    hass.states.async_set("sensor.hm_power", "0", {"unit_of_measurement": "W"})
    await hass.async_block_till_done()
    return hp


def _add(hp: MockConfigEntry, mode: Mode, **kwh: float) -> None:
    totals = hp.runtime_data.live.modes.totals[mode]
    for field, value in kwh.items():
        setattr(totals, field, getattr(totals, field) + value)


async def _hour_ends(hass: HomeAssistant, freezer: FrozenDateTimeFactory, at: datetime) -> None:
    freezer.move_to(at)
    async_fire_time_changed(hass, at)
    await hass.async_block_till_done()
    await async_wait_recording_done(hass)


async def _rows(hass: HomeAssistant, hp: MockConfigEntry, key: str) -> list[tuple[datetime, float, float, float]]:
    """(start, state, sum, change) of every hour of a mode total's statistic."""
    statistic_id = mode_statistic_id(hp.entry_id, key)
    start, end = HOUR_10 - timedelta(days=1), HOUR_10 + timedelta(days=1)
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period, hass, start, end, {statistic_id}, "hour", None, {"state", "sum", "change"}
    )
    return [
        (datetime.fromtimestamp(r["start"], tz=START.tzinfo), r["state"], r["sum"], r["change"])  # type: ignore[misc]
        for r in rows.get(statistic_id, [])
    ]


@pytest.mark.entity_defaults
async def test_each_modes_hours_are_kept_with_its_sensors_disabled(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    hp = await _idle_heat_pump(hass, freezer)
    registry = er.async_get(hass)
    for key in KEYS:
        entity_id = registry.async_get_entity_id("sensor", DOMAIN, f"{hp.entry_id}_{key}")
        assert entity_id is not None and registry.async_get(entity_id).disabled_by is not None  # type: ignore[union-attr]
        assert hass.states.get(entity_id) is None  # no state, so the recorder compiles nothing of it
    _add(hp, Mode.SPACE_HEATING, heat_kwh=6.0, elec_running_kwh=2.0)
    _add(hp, Mode.HOT_WATER, heat_kwh=3.0, defrost_heat_kwh=0.5, elec_running_kwh=1.25, elec_standby_kwh=0.25)
    await _hour_ends(hass, freezer, HOUR_10 + timedelta(hours=1))
    _add(hp, Mode.HOT_WATER, heat_kwh=4.0, elec_running_kwh=1.0, pumps_kwh=0.25)
    await _hour_ends(hass, freezer, HOUR_10 + timedelta(hours=2))
    # the first hour counts from the set-up (10:30), the second on from the first's state; the sum rises from 0
    assert await _rows(hass, hp, "hot_water_heat_energy") == [
        (HOUR_10, 3.0, 3.0, 3.0),
        (HOUR_10 + timedelta(hours=1), 7.0, 7.0, 4.0),
    ]
    assert [r[3] for r in await _rows(hass, hp, "hot_water_electric_energy")] == [1.5, 1.25]  # unit, pumps: H4
    assert [r[3] for r in await _rows(hass, hp, "hot_water_defrost_energy")] == [0.5, 0.0]
    assert [r[3] for r in await _rows(hass, hp, "space_heating_heat_energy")] == [6.0, 0.0]
    # the seasonal figures per mode come from them
    ids = statistic_ids(hass, hp.entry_id, dict(hp.data[CONF_ROLES]))
    figures = await period_figures(hass, ids, HOUR_10, HOUR_10 + timedelta(hours=2))
    assert figures["modes"]["hot_water"] == {"heat_kwh": 6.5, "elec_kwh": 2.75, "spf": round(6.5 / 2.75, 4), "hours": 2}
    assert figures["modes"]["space_heating"]["spf"] == 3.0


@pytest.mark.entity_defaults
async def test_a_reload_right_after_an_hour_writes_no_hour_twice_and_an_unload_writes_none(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    hp = await _idle_heat_pump(hass, freezer)
    _add(hp, Mode.HOT_WATER, heat_kwh=3.0)
    end = HOUR_10 + timedelta(hours=1)
    freezer.move_to(end)
    async_fire_time_changed(hass, end)
    await hass.async_block_till_done()
    # reloaded at once (options saved): the new set-up continues from the row its predecessor wrote; the hour's
    # end seen again (a clock stepped back) writes nothing, though the total rose meanwhile
    assert await hass.config_entries.async_reload(hp.entry_id)
    await hass.async_block_till_done()
    _add(hp, Mode.HOT_WATER, heat_kwh=1.0)
    recorder = hp.runtime_data.mode_statistics
    assert recorder is not None
    recorder.hour_ended(end)
    await hass.async_block_till_done()
    _add(hp, Mode.HOT_WATER, heat_kwh=2.0)
    await _hour_ends(hass, freezer, end + timedelta(hours=1))
    written = [(HOUR_10, 3.0, 3.0, 3.0), (end, 6.0, 6.0, 3.0)]
    assert await _rows(hass, hp, "hot_water_heat_energy") == written
    # unloaded: no hour written any more
    assert await hass.config_entries.async_unload(hp.entry_id)
    await _hour_ends(hass, freezer, end + timedelta(hours=2))
    assert await _rows(hass, hp, "hot_water_heat_energy") == written


@pytest.mark.entity_defaults
async def test_after_an_unclean_stop_totals_are_raised_to_the_last_hour_written(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hass_storage: dict[str, Any]
) -> None:
    hp = await _idle_heat_pump(hass, freezer)
    _add(hp, Mode.HOT_WATER, heat_kwh=3.0, elec_running_kwh=1.0)
    await _hour_ends(hass, freezer, HOUR_10 + timedelta(hours=1))
    assert await hass.config_entries.async_unload(hp.entry_id)
    # a kill before the last save: the saved totals lag the hour written by 1 kWh of heat and 0.5 kWh electricity
    saved = hass_storage[totals_key(HEAT_PUMP, hp.entry_id)]["data"]["modes"]["totals"]["hot_water"]
    assert saved["heat_kwh"] == 3.0
    saved["heat_kwh"], saved["elec_running_kwh"] = 2.0, 0.5
    assert await hass.config_entries.async_setup(hp.entry_id)
    await hass.async_block_till_done()
    hot_water = hp.runtime_data.live.modes.totals[Mode.HOT_WATER]
    assert (hot_water.heat_kwh, hot_water.elec_kwh) == (3.0, 1.0)  # raised to what the statistics hold
    _add(hp, Mode.HOT_WATER, heat_kwh=1.0)
    await _hour_ends(hass, freezer, HOUR_10 + timedelta(hours=3))
    # counted once: the next hour written has the 1 kWh measured after the start, not the 1 kWh restored lower
    assert [r[1:] for r in await _rows(hass, hp, "hot_water_heat_energy")] == [(3.0, 3.0, 3.0), (4.0, 4.0, 1.0)]


async def test_a_sensors_own_hours_are_read_up_to_the_statistics_first_hour_never_both(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """An owner who enabled a mode's sensors (or a release before 0.6.0 did): both statistics hold its hours;
    the sensor's row is taken, the integration's where the sensor has none."""
    hp = await _idle_heat_pump(hass, freezer)
    _add(hp, Mode.HOT_WATER, heat_kwh=3.0, elec_running_kwh=1.0)
    await _hour_ends(hass, freezer, HOUR_10 + timedelta(hours=1))
    _add(hp, Mode.HOT_WATER, heat_kwh=2.0, elec_running_kwh=1.0)
    await _hour_ends(hass, freezer, HOUR_10 + timedelta(hours=2))
    registry = er.async_get(hass)
    # the sensor's own rows: 10:00, and 11:00 holding 50 kWh (enabled again after a gap: the gap's energy, which
    # the integration's statistics hold hour by hour, in its first hour back)
    for key, kwh in (("hot_water_heat_energy", 2.9), ("hot_water_electric_energy", 1.1)):
        entity_id = registry.async_get_entity_id("sensor", DOMAIN, f"{hp.entry_id}_{key}")
        assert entity_id is not None and hass.states.get(entity_id) is not None  # enabled
        metadata = statistic_metadata(statistic_id=entity_id, source="recorder", name=None, unit_of_measurement="kWh",
                                      has_sum=True, mean_type=StatisticMeanType.NONE)  # fmt: skip
        rows = [StatisticData(start=HOUR_10, state=kwh, sum=kwh),
                StatisticData(start=HOUR_10 + timedelta(hours=1), state=kwh + 50, sum=kwh + 50)]  # fmt: skip
        async_import_statistics(hass, metadata, rows)
    await async_wait_recording_done(hass)
    ids = statistic_ids(hass, hp.entry_id, dict(hp.data[CONF_ROLES]))
    figures = await period_figures(hass, ids, HOUR_10, HOUR_10 + timedelta(hours=2))
    # 10:00 from the sensor (2.9 / 1.1), 11:00 from the integration (2.0 / 1.0): neither 3.0 + 2.9 + 2.0 nor the
    # sensor's 50 kWh (on 3fb4049, which took the sensor's row hour by hour: 52.9 / 51.1)
    assert figures["modes"]["hot_water"]["heat_kwh"] == pytest.approx(4.9)
    assert figures["modes"]["hot_water"]["elec_kwh"] == pytest.approx(2.1)
    assert figures["modes"]["hot_water"]["hours"] == 2


@pytest.mark.entity_defaults
async def test_a_new_statistic_begins_from_the_totals_at_its_first_set_up(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hass_storage: dict[str, Any]
) -> None:
    """A heat pump whose mode totals were counted before its statistics began (the mode role bound after months
    counted as space heating): that energy is not put into the first hour (on 3fb4049: 2,403 kWh in one hour)."""
    hp = await _idle_heat_pump(hass, freezer)
    assert await hass.config_entries.async_unload(hp.entry_id)
    saved = hass_storage[totals_key(HEAT_PUMP, hp.entry_id)]["data"]
    saved["modes"]["totals"]["space_heating"]["heat_kwh"] = 2400.0
    saved["totals"]["heat_kwh"] = 2400.0
    assert await hass.config_entries.async_setup(hp.entry_id)
    await hass.async_block_till_done()
    _add(hp, Mode.SPACE_HEATING, heat_kwh=3.0)
    await _hour_ends(hass, freezer, HOUR_10 + timedelta(hours=1))
    assert await _rows(hass, hp, "space_heating_heat_energy") == [(HOUR_10, 2403.0, 3.0, 3.0)]


@pytest.mark.entity_defaults
async def test_after_a_kill_the_mode_in_force_gets_what_the_combined_totals_showed_beyond_it(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Its sensors disabled, a mode's total comes back from its last hour written; the combined heat from its
    sensor's last state, a poll before the kill: the difference ran in the mode in force (on 3fb4049: lost)."""
    hp = await _idle_heat_pump(hass, freezer)
    coordinator = hp.runtime_data
    for kwh in (3.0, 1.0):
        coordinator.live.totals.heat_kwh += kwh
        _add(hp, Mode.SPACE_HEATING, heat_kwh=kwh)
        if kwh == 3.0:
            await _hour_ends(hass, freezer, HOUR_10 + timedelta(hours=1))  # the hour written with 3 kWh
            await coordinator.async_save()  # and saved
    await coordinator.async_refresh()  # 1 kWh more shown by the combined sensor, not saved: then a kill
    await _kill_and_start(hass, hp)
    back = hp.runtime_data.live
    assert back.totals.heat_kwh == pytest.approx(4.0, abs=1e-3)
    assert back.modes.totals[Mode.SPACE_HEATING].heat_kwh == pytest.approx(4.0, abs=1e-3)


async def test_figures_are_read_in_kwh_whatever_unit_a_sensor_is_shown_in(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """An owner shows the heat total in MWh: the recorder answers in the display unit unless asked (on 3fb4049
    the SCOP came out 1,000 times too small)."""
    hp = await _idle_heat_pump(hass, freezer)
    registry = er.async_get(hass)
    ids = statistic_ids(hass, hp.entry_id, dict(hp.data[CONF_ROLES]))
    for field, kwh in (("heat_kwh", 6.0), ("unit_running_kwh", 2.0)):
        metadata = statistic_metadata(
            statistic_id=ids.energies[field], source="recorder", name=None, unit_of_measurement="kWh",
            has_sum=True, mean_type=StatisticMeanType.NONE,
        )  # fmt: skip
        async_import_statistics(hass, metadata, [StatisticData(start=HOUR_10, state=kwh, sum=kwh)])
    await async_wait_recording_done(hass)
    registry.async_update_entity_options(ids.energies["heat_kwh"], "sensor", {"unit_of_measurement": "MWh"})
    await hass.async_block_till_done()
    await hp.runtime_data.async_refresh()
    await hass.async_block_till_done()
    state = hass.states.get(ids.energies["heat_kwh"])
    assert state is not None and state.attributes["unit_of_measurement"] == "MWh"
    figures = await period_figures(hass, ids, HOUR_10, HOUR_10 + timedelta(hours=1))
    assert (figures["heat_kwh"], figures["elec_kwh"], figures["scop"]) == (6.0, 2.0, 3.0)
