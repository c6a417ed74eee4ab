"""Totals across stops: saved on a fixed cadence, written at the final write, never restored lower than shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.auth.models import TOKEN_TYPE_LONG_LIVED_ACCESS_TOKEN
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser, async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
    get_start_time,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.ashp_cop.const import (
    CONF_ENTRY_TYPE,
    CONF_HEAT_PUMPS,
    CONF_SHARED_ENERGY,
    CONF_SHARED_POWER,
    DOMAIN,
    ENTRY_PLANT,
)
from custom_components.ashp_cop.totals_store import TotalsStore
from tests.integration.conftest import setup_entry
from tests.integration.test_heat_pump import heat_pump_entry, power_heat_pump
from tools.ha_demo.history import adjust_messages, import_messages, last_full_hour, simulate_past

HEAT = "sensor.garden_heat_pump_heat_energy"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """With the recorder, as a user runs it (it must start before Home Assistant does)."""


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: int, every_s: int = 10) -> None:
    """Let Home Assistant's own timers run for ``seconds``: coordinator polls and delayed saves."""
    for _ in range(seconds // every_s):
        freezer.tick(timedelta(seconds=every_s))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()


def _shown(hass: HomeAssistant, entity_id: str = HEAT) -> float:
    state = hass.states.get(entity_id)
    assert state is not None
    return float(state.state)


async def test_totals_are_saved_every_minute_while_polled(
    hass: HomeAssistant, hass_storage: dict[str, Any], freezer: FrozenDateTimeFactory
) -> None:
    hp = await power_heat_pump(hass)
    key = f"{DOMAIN}.heat_pump.{hp.entry_id}"
    await _poll(hass, freezer, 50)
    assert key not in hass_storage  # a save is pending, not yet due
    await _poll(hass, freezer, 30)  # polled every 10 s: the save must not be pushed back by each poll
    saved = hass_storage[key]["data"]
    assert saved["totals"]["heat_kwh"] > 0
    assert saved["totals"]["heat_kwh"] == pytest.approx(_shown(hass), abs=6.0 * 30 / 3600)  # at most 30 s behind
    first = saved["saved_at"]
    await _poll(hass, freezer, 70)
    assert hass_storage[key]["data"]["saved_at"] > first  # and again a minute later


async def _plant_room(hass: HomeAssistant, hp: MockConfigEntry) -> MockConfigEntry:
    """A plant entry, "Plant room", over the one heat pump, set up."""
    data = {CONF_ENTRY_TYPE: ENTRY_PLANT, CONF_HEAT_PUMPS: [hp.entry_id], CONF_SHARED_POWER: [], CONF_SHARED_ENERGY: []}
    plant = MockConfigEntry(domain=DOMAIN, title="Plant room", data=data)
    await setup_entry(hass, plant)
    return plant


async def test_a_clean_stop_writes_the_latest_totals(
    hass: HomeAssistant, hass_storage: dict[str, Any], freezer: FrozenDateTimeFactory
) -> None:
    hp = await power_heat_pump(hass)
    await _poll(hass, freezer, 90)  # saved once, the next save pending
    shown = _shown(hass)
    assert hass_storage[f"{DOMAIN}.heat_pump.{hp.entry_id}"]["data"]["totals"]["heat_kwh"] < shown
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    assert hass_storage[f"{DOMAIN}.heat_pump.{hp.entry_id}"]["data"]["totals"]["heat_kwh"] == pytest.approx(shown)


async def test_plant_totals_never_show_zero_while_their_units_load(
    hass: HomeAssistant, hass_storage: dict[str, Any], freezer: FrozenDateTimeFactory
) -> None:
    hp = await power_heat_pump(hass)
    plant = await _plant_room(hass, hp)
    await _poll(hass, freezer, 120)
    shown = _shown(hass, "sensor.plant_room_heat_energy")
    assert shown > 0
    # a restart: the plant comes up while its heat pump is not loaded yet
    assert await hass.config_entries.async_unload(hp.entry_id)
    assert await hass.config_entries.async_reload(plant.entry_id)
    await hass.async_block_till_done()
    assert _shown(hass, "sensor.plant_room_heat_energy") == pytest.approx(shown)  # not 0
    assert await hass.config_entries.async_setup(hp.entry_id)
    await _poll(hass, freezer, 60)
    assert _shown(hass, "sensor.plant_room_heat_energy") > shown


async def _counter_heat_pump(hass: HomeAssistant) -> MockConfigEntry:
    hass.states.async_set("sensor.hm_energy", "1000.0", {"unit_of_measurement": "kWh"})
    hass.states.async_set("sensor.meter_energy", "400.0", {"unit_of_measurement": "kWh"})
    hp = heat_pump_entry({"heat_energy_kwh": "sensor.hm_energy", "elec_energy_kwh": "sensor.meter_energy"})
    await setup_entry(hass, hp)
    return hp


async def _count(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: int, start_s: int) -> int:
    """Meters counting 6 kW of heat and 2 kW of electricity, updated every 10 s, polled after each."""
    t = start_s
    for _ in range(seconds // 10):
        t += 10
        hass.states.async_set("sensor.hm_energy", f"{1000 + 6 * t / 3600:.4f}", {"unit_of_measurement": "kWh"})
        hass.states.async_set("sensor.meter_energy", f"{400 + 2 * t / 3600:.4f}", {"unit_of_measurement": "kWh"})
        await _poll(hass, freezer, 10)
    return t


async def test_a_kill_never_brings_a_total_back_below_what_was_shown(
    hass: HomeAssistant, hass_storage: dict[str, Any], freezer: FrozenDateTimeFactory
) -> None:
    hp = await _counter_heat_pump(hass)
    t = await _count(hass, freezer, 150, 0)
    await async_wait_recording_done(hass)
    shown = _shown(hass)
    saved = hass_storage[f"{DOMAIN}.heat_pump.{hp.entry_id}"]["data"]["totals"]["heat_kwh"]
    assert saved < shown  # killed 30 s or more after the last save
    with patch.object(TotalsStore, "async_save"):  # a kill: nothing written on the way down
        assert await hass.config_entries.async_reload(hp.entry_id)
        await hass.async_block_till_done()
    assert _shown(hass) == pytest.approx(shown)  # taken back from the recorder, not the older save
    end = await _count(hass, freezer, 600, t + 120)  # back two minutes later; the meters counted meanwhile
    # every kWh the meters counted, once: the replayed span absorbed what had been shown already
    assert _shown(hass) == pytest.approx(6 * end / 3600, abs=1e-3)
    assert _shown(hass, "sensor.garden_heat_pump_electric_energy") == pytest.approx(2 * end / 3600, abs=1e-3)


async def test_the_demos_backfill_carries_on_into_the_live_statistics_without_a_negative_hour(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
    hass_admin_user: MockUser,
) -> None:
    # the case: history ending at 4,183 kWh, live sensors from 0, an hour of -4,182 kWh
    freezer.move_to(datetime(2027, 1, 10, 12, 1, tzinfo=UTC))  # a winter day
    refresh = await hass.auth.async_create_refresh_token(
        hass_admin_user, client_name="demo", token_type=TOKEN_TYPE_LONG_LIVED_ACCESS_TOKEN,
        access_token_expiration=timedelta(days=365),
    )  # fmt: skip
    token = hass.auth.async_create_access_token(refresh)
    history = simulate_past(2, last_full_hour())
    entry_id = "01DEMOBACKFILL000000000000"
    hass_storage[f"{DOMAIN}.heat_pump.{entry_id}"] = {
        "version": 1, "minor_version": 1, "key": f"{DOMAIN}.heat_pump.{entry_id}",
        "data": {"format": 2, "totals": history.totals(), "day": {}, "saved_at": dt_util.utcnow().timestamp()},
    }  # fmt: skip
    hass.states.async_set("sensor.hm_power", "6000", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.meter_power", "2000", {"unit_of_measurement": "W"})
    hp = heat_pump_entry({"heat_power_w": "sensor.hm_power", "elec_power_w": "sensor.meter_power"}, entry_id)
    object.__setattr__(hp, "title", "Heat pump")  # the demo's entity ids
    await setup_entry(hass, hp)
    assert _shown(hass, "sensor.heat_pump_heat_energy") == pytest.approx(sum(history.heat_kwh), abs=1e-3)  # carries on

    async def send(messages: list[dict[str, Any]]) -> None:
        """As the demo does: one websocket session per batch (the clock jumps between them here)."""
        client = await hass_ws_client(hass, token)
        for number, message in enumerate(messages, start=1):
            await client.send_json({"id": number, **message})
            assert (await client.receive_json())["success"]
        await client.close()
        await async_wait_recording_done(hass)

    await send(import_messages(history))
    for minutes in range(12):  # polls until 13:01, each 5-minute period compiled as the recorder does
        period = get_start_time(dt_util.utcnow())
        await _poll(hass, freezer, 300)
        do_adhoc_statistics(hass, start=period)
        await async_wait_recording_done(hass)
        if minutes == 0:  # the first 5-minute statistics exist: the demo lifts the live sums
            await send(adjust_messages(history))
    statistic_id = "sensor.heat_pump_heat_energy"
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period, hass, history.start[0], None, {statistic_id}, "hour", None, {"change"}
    )
    changes = [row["change"] for row in rows[statistic_id]]
    assert len(changes) > len(history.start)  # the history and the live hours after it
    assert min(changes) >= 0
    # every hour counted once: the history's and the live hour after it, which carried on from the history's end;
    # what the sensor shows now is at most the last minute (6 kW) ahead of the compiled 12:00 hour
    assert 0 <= _shown(hass, statistic_id) - sum(changes) <= 6.0 * 80 / 3600


async def test_a_kill_after_a_compressor_start_neither_loses_nor_repeats_it(
    hass: HomeAssistant, hass_storage: dict[str, Any], freezer: FrozenDateTimeFactory
) -> None:
    starts = "sensor.garden_heat_pump_compressor_starts"
    hp = await power_heat_pump(hass)  # running at the first poll: not a start
    hass.states.async_set("sensor.meter_power", "15", {"unit_of_measurement": "W"})
    await _poll(hass, freezer, 80)  # stopped; saved at 60 s
    hass.states.async_set("sensor.meter_power", "2000", {"unit_of_measurement": "W"})
    await _poll(hass, freezer, 20)
    assert _shown(hass, starts) == 1
    await async_wait_recording_done(hass)
    saved = hass_storage[f"{DOMAIN}.heat_pump.{hp.entry_id}"]["data"]
    assert saved["totals"]["compressor_starts"] == 0 and saved["cycle"]["running"] is False  # saved before the start
    with patch.object(TotalsStore, "async_save"):  # a kill: nothing written on the way down
        assert await hass.config_entries.async_reload(hp.entry_id)
        await hass.async_block_till_done()
    assert _shown(hass, starts) == 1  # taken back from the recorder
    await _poll(hass, freezer, 30)
    assert _shown(hass, starts) == 1  # the run it showed is under way, not started again
    hass.states.async_set("sensor.meter_power", "15", {"unit_of_measurement": "W"})
    await _poll(hass, freezer, 30)
    hass.states.async_set("sensor.meter_power", "2000", {"unit_of_measurement": "W"})
    await _poll(hass, freezer, 30)
    assert _shown(hass, starts) == 2


def _totals_shown(hass: HomeAssistant, prefix: str = "sensor.garden") -> dict[str, float]:
    """Every total_increasing sensor of one device, as shown now."""
    return {
        state.entity_id: float(state.state)
        for state in hass.states.async_all("sensor")
        if state.attributes.get("state_class") == "total_increasing" and state.entity_id.startswith(prefix)
    }


async def _kill_and_start(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """kill -9 and start again: nothing is written on the way down, not even the save that was pending."""
    await async_wait_recording_done(hass)  # what was shown is in the recorder (it commits every few seconds)
    store = entry.runtime_data.totals_store._store
    store._async_cleanup_delay_listener()  # the pending save dies with the process
    store._async_cleanup_final_write_listener()
    with patch.object(TotalsStore, "async_save"):
        assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.parametrize("after_start_s", [10, 30, 50])
async def test_kills_soon_after_each_start_never_bring_a_total_back(
    hass: HomeAssistant, hass_storage: dict[str, Any], freezer: FrozenDateTimeFactory, after_start_s: int
) -> None:
    """The issue's case: killed less than a minute after a start, before its first save, and again soon after."""
    hp = await power_heat_pump(hass)
    await _poll(hass, freezer, 150)  # saved twice, the last save 30 s ago
    for _ in range(3):
        shown = _totals_shown(hass)
        await _kill_and_start(hass, hp)
        back = _totals_shown(hass)
        assert back.keys() == shown.keys() and len(back) >= 5
        assert {key: value for key, value in back.items() if value < shown[key]} == {}
        await _poll(hass, freezer, after_start_s)  # killed again before the first save after this start
    assert _shown(hass, "sensor.garden_heat_pump_compressor_run_time") > 0


async def test_a_kill_before_the_registry_was_written_never_brings_a_total_back(
    hass: HomeAssistant, hass_storage: dict[str, Any], freezer: FrozenDateTimeFactory
) -> None:
    """The issue's case (heat 288.693 -> 288.651 kWh, run time 0.0194 -> 0.0111 h): a first start killed early.

    Home Assistant had not written its entity registry yet, so at the next start the registry did not know
    the sensors when the totals were restored: the recorder's values were not looked up and the totals came
    back at the last save.
    """
    hp = await power_heat_pump(hass)
    await _poll(hass, freezer, 100)  # saved at 60 s
    shown = _totals_shown(hass)
    assert shown["sensor.garden_heat_pump_compressor_run_time"] > 0
    await async_wait_recording_done(hass)
    store = hp.runtime_data.totals_store._store
    store._async_cleanup_delay_listener()
    store._async_cleanup_final_write_listener()
    with patch.object(TotalsStore, "async_save"):
        assert await hass.config_entries.async_unload(hp.entry_id)
    registry = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(registry, hp.entry_id):  # the registry on disk lacks them
        registry.async_remove(entity.entity_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(hp.entry_id)
    await hass.async_block_till_done()
    back = _totals_shown(hass)
    assert back.keys() == shown.keys()  # the same entity ids again
    assert {key: (shown[key], value) for key, value in back.items() if value < shown[key]} == {}


async def test_a_plant_killed_before_the_registry_was_written_never_brings_a_total_back(
    hass: HomeAssistant, hass_storage: dict[str, Any], freezer: FrozenDateTimeFactory
) -> None:
    hp = await power_heat_pump(hass)
    plant = await _plant_room(hass, hp)
    await _poll(hass, freezer, 100)  # saved at 60 s
    shown = _totals_shown(hass, "sensor.plant_room")
    assert len(shown) == 3 and shown["sensor.plant_room_heat_energy"] > 0
    await async_wait_recording_done(hass)
    registry = er.async_get(hass)
    for entry in (plant, hp):
        store = entry.runtime_data.totals_store._store
        store._async_cleanup_delay_listener()
        store._async_cleanup_final_write_listener()
        with patch.object(TotalsStore, "async_save"):
            assert await hass.config_entries.async_unload(entry.entry_id)
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
            registry.async_remove(entity.entity_id)
    await hass.async_block_till_done()
    for entry in (hp, plant):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    back = _totals_shown(hass, "sensor.plant_room")
    assert back.keys() == shown.keys()
    assert {key: (shown[key], value) for key, value in back.items() if value < shown[key]} == {}
