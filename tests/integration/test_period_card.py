"""The period card's table (websocket ashp_cop/period) from long-term statistics: recalculate's figures, per row."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import pytest
from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL, UrlManager
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.statistics import async_import_statistics
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import async_wait_recording_done
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.ashp_cop import period_card
from custom_components.ashp_cop.const import (
    CONF_ENTRY_TYPE,
    CONF_HEAT_PUMPS,
    CONF_SHARED_ENERGY,
    CONF_SHARED_POWER,
    DOMAIN,
    ENTRY_PLANT,
)
from custom_components.ashp_cop.period_card import CARD_URL, loaded_card_url
from tests.integration.conftest import setup_entry
from tests.integration.test_actions import _hours, _meta
from tests.integration.test_heat_pump import heat_pump_entry, mode_heat_pump, power_heat_pump

HOURS = 24
SH_ALONE, DHW_ALONE = range(0, 12), range(12, 18)  # then 6 hours with both modes in each hour
STANDBY_KWH = 0.02


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """This module's tests run with the recorder: it must start before Home Assistant does."""


def _day() -> dict[str, list[float]]:
    sh_heat = [6.0 if h in SH_ALONE else 0.0 if h in DHW_ALONE else 3.0 for h in range(HOURS)]
    sh_elec = [2.0 if h in SH_ALONE else 0.0 if h in DHW_ALONE else 1.0 for h in range(HOURS)]
    dhw_heat = [0.0 if h in SH_ALONE else 4.0 if h in DHW_ALONE else 2.0 for h in range(HOURS)]
    dhw_elec = [0.0 if h in SH_ALONE else 2.0 if h in DHW_ALONE else 1.0 for h in range(HOURS)]
    return {
        "space_heating_heat_energy": sh_heat, "space_heating_electric_energy": sh_elec,
        "hot_water_heat_energy": dhw_heat, "hot_water_electric_energy": dhw_elec,
        "heat_energy": [a + b for a, b in zip(sh_heat, dhw_heat, strict=True)],
        "electric_energy_running": [a + b for a, b in zip(sh_elec, dhw_elec, strict=True)],
        "electric_energy_standby": [STANDBY_KWH] * HOURS,
        "compressor_starts": [1.0] * HOURS,
        "flow": [35.0 if h in SH_ALONE else 50.0 if h in DHW_ALONE else 45.0 for h in range(HOURS)],
        "outdoor": [2.0 if h in SH_ALONE else 5.0 for h in range(HOURS)],
    }  # fmt: skip


async def a_day_with_modes(hass: HomeAssistant) -> tuple[MockConfigEntry, datetime, dict[str, list[float]]]:
    """A heat pump with modes, a flow and an outdoor temperature, and a day of their statistics two days ago."""
    for sensor in ("sensor.flow", "sensor.outside"):
        hass.states.async_set(sensor, "35", {"unit_of_measurement": "°C", "device_class": "temperature"})
    roles = {"outdoor_temp_c": "sensor.outside", "flow_temp_c": "sensor.flow"}
    hp = await mode_heat_pump(hass, {"heat": "space_heating", "dhw": "hot_water"}, "heat", roles=roles)
    registry = er.async_get(hass)
    start = dt_util.start_of_local_day() - timedelta(days=2)
    day = _day()
    for key, values in day.items():
        if key in ("flow", "outdoor"):
            statistic_id = f"sensor.{'outside' if key == 'outdoor' else 'flow'}"
            async_import_statistics(
                hass, _meta(statistic_id, "°C", has_sum=False), _hours(start, values, cumulative=False)
            )
            continue
        statistic_id = registry.async_get_entity_id("sensor", DOMAIN, f"{hp.entry_id}_{key}")
        assert statistic_id is not None, key
        unit = None if key == "compressor_starts" else "kWh"
        async_import_statistics(hass, _meta(statistic_id, unit, has_sum=True), _hours(start, values, cumulative=True))  # type: ignore[arg-type]
    await async_wait_recording_done(hass)
    return hp, start, day


async def _period(ws: Any, entry_id: str, start: datetime, end: datetime) -> dict[str, Any]:
    await ws.send_json_auto_id({"type": "ashp_cop/period", "entry_id": entry_id, "start": start.isoformat(),
                                "end": end.isoformat()})  # fmt: skip
    answer = await ws.receive_json()
    assert answer["success"], answer
    result: dict[str, Any] = answer["result"]
    return result


async def test_the_period_table_matches_recalculate_and_weights_temperatures_by_heat(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    hp, start, day = await a_day_with_modes(hass)
    ws = await hass_ws_client(hass)
    end = start + timedelta(hours=HOURS)
    table = await _period(ws, hp.entry_id, start, end)
    recalculated = await hass.services.async_call(DOMAIN, "recalculate", {"config_entry_id": hp.entry_id,
        "start": start.isoformat(), "end": end.isoformat()}, blocking=True, return_response=True)  # fmt: skip
    assert recalculated is not None
    rows = table["rows"]
    assert list(rows) == ["combined", "running", "space_heating", "hot_water"]  # no cooling mapped: no row
    combined = rows["combined"]
    assert (combined["heat_kwh"], combined["elec_kwh"], combined["cop"]) == (
        recalculated["heat_kwh"], recalculated["elec_kwh"], recalculated["scop"])  # fmt: skip
    for mode in ("space_heating", "hot_water"):
        figures = recalculated["modes"][mode]  # type: ignore[index]
        assert (rows[mode]["heat_kwh"], rows[mode]["elec_kwh"], rows[mode]["cop"]) == (
            figures["heat_kwh"], figures["elec_kwh"], figures["spf"])  # fmt: skip
    assert (table["start"], table["end"], table["hours"]) == (recalculated["start"], recalculated["end"], HOURS)

    heat = sum(day["heat_energy"])
    running = sum(day["electric_energy_running"])
    assert combined["heat_kwh"] == pytest.approx(heat) and combined["elec_kwh"] == pytest.approx(
        running + 24 * STANDBY_KWH
    )
    assert rows["running"]["elec_kwh"] == pytest.approx(running)
    assert rows["running"]["cop"] == pytest.approx(heat / running, abs=1e-4)
    flow = sum(h * t for h, t in zip(day["heat_energy"], day["flow"], strict=True)) / heat
    assert combined["flow_temp_c"] == pytest.approx(flow, abs=1e-4)
    assert combined["starts"] == HOURS and rows["space_heating"]["starts"] is None
    # a mode's temperatures and Carnot figure: only the hours it ran alone (an hour's mean mixes the modes)
    space = rows["space_heating"]
    assert (space["flow_temp_c"], space["outdoor_temp_c"]) == (35.0, 2.0)
    assert space["alone_heat_share"] == pytest.approx(72 / 90)
    # COP 3 at flow 35 C and outdoor 2 C: T_cond 310.15 K, T_evap 269.15 K (heatpumpmonitor.org's +2 K / -6 K)
    assert space["carnot_pct"] == pytest.approx(100 * 3 / (310.15 / 41.0), abs=1e-3)
    assert rows["hot_water"]["flow_temp_c"] == 50.0


SHARED_KWH = 0.1  # the plant's shared loads, each hour
B_HEAT, B_ELEC = [2.0] * HOURS, [0.5] * HOURS  # the second heat pump (COP 4), each hour


async def a_plant_over(
    hass: HomeAssistant, hp: MockConfigEntry, start: datetime, day: dict[str, list[float]]
) -> MockConfigEntry:
    """A plant of ``hp`` (a_day_with_modes) and a second heat pump, with the day's statistics of both and its own."""
    hass.states.async_set("sensor.B_HEAT", "3000", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.B_ELEC", "1000", {"unit_of_measurement": "W"})
    second = heat_pump_entry({"heat_power_w": "sensor.B_HEAT", "elec_power_w": "sensor.B_ELEC",
                              "flow_temp_c": "sensor.flow"}, entry_id="UNITB")  # fmt: skip
    second.add_to_hass(hass)
    hass.config_entries.async_update_entry(second, title="Annex heat pump")
    await setup_entry(hass, second)
    plant = MockConfigEntry(domain=DOMAIN, title="Plant room", data={
        CONF_ENTRY_TYPE: ENTRY_PLANT, CONF_HEAT_PUMPS: [hp.entry_id, second.entry_id],
        CONF_SHARED_POWER: [], CONF_SHARED_ENERGY: []})  # fmt: skip
    await setup_entry(hass, plant)
    registry = er.async_get(hass)
    for entry, key, values in (
        (second, "heat_energy", B_HEAT), (second, "electric_energy_running", B_ELEC),
        (plant, "plant_net_heat_energy", [a + b for a, b in zip(day["heat_energy"], B_HEAT, strict=True)]),
        (plant, "plant_electric_energy", [a + b + STANDBY_KWH + SHARED_KWH for a, b in
                                          zip(day["electric_energy_running"], B_ELEC, strict=True)]),
        (plant, "shared_energy", [SHARED_KWH] * HOURS),
    ):  # fmt: skip
        statistic_id = registry.async_get_entity_id("sensor", DOMAIN, f"{entry.entry_id}_{key}")
        assert statistic_id is not None, key
        async_import_statistics(hass, _meta(statistic_id, "kWh", has_sum=True), _hours(start, values, cumulative=True))
    await async_wait_recording_done(hass)
    return plant


async def test_a_plants_table_holds_the_plant_its_heat_pumps_and_its_shared_loads(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    """The plant row is the plant's own statistics (COP with the shared loads' electricity); each heat pump's row
    is its own table's combined row; temperatures are weighted by the heat of every unit's hours."""
    hp, start, day = await a_day_with_modes(hass)
    plant = await a_plant_over(hass, hp, start, day)
    ws = await hass_ws_client(hass)
    end = start + timedelta(hours=HOURS)
    table = await _period(ws, plant.entry_id, start, end)
    assert (table["kind"], table["title"], table["hours"]) == ("plant", "Plant room", HOURS)
    rows = table["rows"]
    assert list(rows) == ["combined", f"unit_{hp.entry_id}", "unit_UNITB", "shared"]
    assert table["row_titles"] == {f"unit_{hp.entry_id}": "Garden heat pump", "unit_UNITB": "Annex heat pump"}
    heat = sum(day["heat_energy"]) + sum(B_HEAT)
    elec = sum(day["electric_energy_running"]) + sum(B_ELEC) + HOURS * (STANDBY_KWH + SHARED_KWH)
    plant_row = rows["combined"]
    assert plant_row["heat_kwh"] == pytest.approx(heat) and plant_row["elec_kwh"] == pytest.approx(elec)
    assert plant_row["cop"] == pytest.approx(heat / elec, abs=1e-4)
    assert rows[f"unit_{hp.entry_id}"] == (await _period(ws, hp.entry_id, start, end))["rows"]["combined"]
    assert rows["unit_UNITB"]["cop"] == pytest.approx(4.0) and rows["unit_UNITB"]["starts"] is None
    assert plant_row["starts"] is None  # the annex counts no starts: no sum that leaves it out
    flow = (sum(h * t for h, t in zip(day["heat_energy"], day["flow"], strict=True))
            + sum(h * t for h, t in zip(B_HEAT, day["flow"], strict=True))) / heat  # fmt: skip
    assert plant_row["flow_temp_c"] == pytest.approx(flow, abs=1e-4)
    assert rows["shared"]["elec_kwh"] == pytest.approx(SHARED_KWH * HOURS)
    assert rows["shared"]["heat_kwh"] is None and rows["shared"]["cop"] is None
    await ws.send_json_auto_id({"type": "ashp_cop/heat_pumps"})
    listed = (await ws.receive_json())["result"]["entries"]
    assert {(e["title"], e["kind"]) for e in listed} == {
        ("Garden heat pump", "heat_pump"), ("Annex heat pump", "heat_pump"), ("Plant room", "plant")}  # fmt: skip


async def test_the_period_command_refuses_what_is_not_a_heat_pump_or_a_period(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    hp, start, _ = await a_day_with_modes(hass)
    ws = await hass_ws_client(hass)
    for request, code in (
        ({"entry_id": "nope", "start": start.isoformat()}, "not_a_heat_pump"),
        ({"entry_id": hp.entry_id, "start": start.isoformat(), "end": start.isoformat()}, "invalid_period"),
        ({"entry_id": hp.entry_id, "start": "yesterday"}, "invalid_period"),
    ):
        await ws.send_json_auto_id({"type": "ashp_cop/period", **request})
        answer = await ws.receive_json()
        assert not answer["success"] and answer["error"]["code"] == code
    await ws.send_json_auto_id({"type": "ashp_cop/heat_pumps"})
    answer = await ws.receive_json()
    assert answer["result"] == {"entries": [{"entry_id": hp.entry_id, "title": hp.title, "kind": "heat_pump"}],
                                "recorder": True}  # fmt: skip


async def test_the_frontend_loads_the_card_while_a_heat_pump_is_loaded(hass: HomeAssistant) -> None:
    """No resource to set up by hand: the card's module URL is there with the first entry, gone with the last."""
    changes: list[tuple[str, str]] = []
    # the frontend's own URL manager (its package, hass_frontend, is not installed for the tests)
    hass.data[DATA_EXTRA_MODULE_URL] = UrlManager(lambda change, url: changes.append((change, url)), [])
    first, _, _ = await a_day_with_modes(hass)
    url = loaded_card_url(hass)
    assert url is not None and url.startswith(CARD_URL + "?v=") and changes == [("added", url)]
    hass.states.async_set("sensor.hm2_power", "6000", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.meter2_power", "2000", {"unit_of_measurement": "W"})
    second = heat_pump_entry({"heat_power_w": "sensor.hm2_power", "elec_power_w": "sensor.meter2_power"}, "second")
    await setup_entry(hass, second)
    assert await hass.config_entries.async_unload(first.entry_id)
    assert loaded_card_url(hass) == url and len(changes) == 1  # the second heat pump still shows it
    assert await hass.config_entries.async_unload(second.entry_id)
    assert loaded_card_url(hass) is None and changes[-1] == ("removed", url)
    assert await hass.config_entries.async_setup(first.entry_id)  # loaded again: the card comes back
    assert loaded_card_url(hass) == url


async def test_the_card_url_goes_even_when_the_card_changed_while_it_was_loaded(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An update brings a new card (a new URL) before the restart, and the entry is reloaded meanwhile: on the code
    before this test the unload removed the new card's URL, which was never added, and the old one stayed loaded."""
    monkeypatch.setattr(period_card, "VERSIONED_CARD_URL", f"{CARD_URL}?v=old")
    changes: list[tuple[str, str]] = []
    hass.data[DATA_EXTRA_MODULE_URL] = UrlManager(lambda change, url: changes.append((change, url)), [])
    hp = await power_heat_pump(hass)
    url = loaded_card_url(hass)
    assert url == f"{CARD_URL}?v=old" and changes == [("added", url)]
    monkeypatch.setattr(period_card, "VERSIONED_CARD_URL", f"{CARD_URL}?v=new")  # the update's card
    assert loaded_card_url(hass) == url  # still the URL the frontend was given
    assert await hass.config_entries.async_unload(hp.entry_id)
    assert changes[-1] == ("removed", url)
    assert hass.data[DATA_EXTRA_MODULE_URL].urls == frozenset() and loaded_card_url(hass) is None
    assert await hass.config_entries.async_setup(hp.entry_id)  # loaded again: the new card's URL
    assert loaded_card_url(hass) == f"{CARD_URL}?v=new"


def test_the_card_url_names_its_content() -> None:
    """The version in the URL is the content's digest: the same file gives the same URL on every start (a
    browser keeps its cached copy), a changed file a new one (the browser loads it)."""
    digest = hashlib.sha256(period_card.CARD_FILE.read_bytes()).hexdigest()[:12]
    assert f"{CARD_URL}?v={digest}" == period_card.VERSIONED_CARD_URL
