"""History from the recorder: a heat pump's past built from its meters' statistics and imported into its own."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.db_schema import StatisticsShortTerm
from homeassistant.components.recorder.models import StatisticData, StatisticMeanType, StatisticMetaData
from homeassistant.components.recorder.statistics import (
    async_import_statistics,
    list_statistic_ids,
    statistics_during_period,
)
from homeassistant.components.recorder.tasks import StatisticsTask
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    get_start_time,
)

from custom_components.ashp_cop.compat import statistic_metadata
from custom_components.ashp_cop.const import DOMAIN
from custom_components.ashp_cop.engine.cop import period_cop
from custom_components.ashp_cop.engine.heat import heat_power_w
from custom_components.ashp_cop.history_import import IMPORTED
from custom_components.ashp_cop.seasonal import daily_cop_statistic_id
from custom_components.ashp_cop.statistics import seasonal_periods
from tests.integration.conftest import setup_entry
from tests.integration.test_heat_pump import heat_pump_entry
from tools.ha_demo.seed import HEAT_PUMP_ENTRY_ID

README = Path(__file__).resolve().parents[2] / "README.md"
NOW = datetime(2027, 1, 10, 12, 1, tzinfo=UTC)  # a winter day
DAYS = 400
HEAT, ELEC, OUTSIDE = "sensor.hm_energy", "sensor.meter_energy", "sensor.outside"
OWN = [f"sensor.garden_heat_pump_{name}" for name in ("heat_energy", "electric_energy", "net_heat_energy",
       "electric_energy_while_running", "electric_energy_in_standby")]  # fmt: skip
ROLES = {"heat_energy_kwh": HEAT, "elec_energy_kwh": ELEC, "outdoor_temp_c": OUTSIDE}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """With the recorder (it must start before Home Assistant does)."""


def _meta(statistic_id: str, unit: str, *, has_sum: bool) -> StatisticMetaData:
    return statistic_metadata(
        statistic_id=statistic_id, source="recorder", name=None, unit_of_measurement=unit, has_sum=has_sum,
        mean_type=StatisticMeanType.NONE if has_sum else StatisticMeanType.ARITHMETIC,
    )  # fmt: skip


class Meters:
    """400 days of a heat meter's and an electricity meter's hourly statistics, with the gaps meters have.

    The meters count on through a gap (Home Assistant down, a meter unavailable): the recorder then
    has no rows for those hours and puts what was counted into the first hour back.
    """

    def __init__(self, end: datetime, days: int = DAYS) -> None:
        hours = days * 24
        self.start = end - timedelta(hours=hours)
        t = np.arange(hours)
        rng = np.random.default_rng(7)
        self.outdoor_c = 8 - 9 * np.cos(2 * np.pi * (t / 24 - 15) / 365) + 4 * np.sin(2 * np.pi * t / 24)
        self.heat_kwh = np.clip(16 - self.outdoor_c, 0, None) * 0.45 * rng.uniform(0.8, 1.2, hours)
        self.elec_kwh = self.heat_kwh / (2.4 + 0.12 * self.outdoor_c.clip(-10, 20) + 0.6) + 0.015
        self.heat_rows = np.ones(hours, dtype=bool)
        self.elec_rows = np.ones(hours, dtype=bool)
        self.heat_rows[2400:2424] = False  # the heat meter unavailable for a day
        self.elec_rows[5000:5006] = False  # the electricity meter for six hours
        self.heat_rows[7000:7010] = self.elec_rows[7000:7010] = False  # Home Assistant stopped

    def hour(self, index: int) -> datetime:
        return self.start + timedelta(hours=int(index))

    def import_into(self, hass: HomeAssistant) -> None:
        for statistic_id, values, rows in ((HEAT, self.heat_kwh, self.heat_rows), (ELEC, self.elec_kwh,
                                                                                 self.elec_rows)):  # fmt: skip
            sums = np.cumsum(values)  # counting on through the gaps
            async_import_statistics(hass, _meta(statistic_id, "kWh", has_sum=True), [
                StatisticData(start=self.hour(i), state=float(sums[i]), sum=float(sums[i]))
                for i in np.flatnonzero(rows)])  # fmt: skip
        async_import_statistics(hass, _meta(OUTSIDE, "°C", has_sum=False), [
            StatisticData(start=self.hour(i), mean=float(v), min=float(v), max=float(v))
            for i, v in enumerate(self.outdoor_c)])  # fmt: skip

    def joint(self) -> np.ndarray:
        """Hours both meters measured on their own: a row, and a row the hour before (or the very first)."""
        joint = self.heat_rows & self.elec_rows
        for rows in (self.heat_rows, self.elec_rows):
            joint &= np.concatenate(([True], rows[:-1]))
        return joint

    def scop(self, start: datetime, end: datetime) -> float | None:
        """The engine's COP of the period from the same hourly series, joint hours only."""
        hours = np.array([self.hour(i) for i in range(self.heat_kwh.size)])
        inside = self.joint() & (hours >= start) & (hours < end)
        return period_cop(float(self.heat_kwh[inside].sum()), float(self.elec_kwh[inside].sum()))


async def _rows(hass: HomeAssistant, start: datetime) -> dict[str, list[dict[str, Any]]]:
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period, hass, start, None, set(OWN), "hour", None, {"sum", "state", "change"}
    )
    return {sid: [dict(row) for row in entries] for sid, entries in rows.items()}


def _set_meters(hass: HomeAssistant, heat_kwh: float, elec_kwh: float) -> None:
    hass.states.async_set(HEAT, f"{heat_kwh:.4f}", {"unit_of_measurement": "kWh", "state_class": "total_increasing",
                                                     "device_class": "energy"})  # fmt: skip
    hass.states.async_set(ELEC, f"{elec_kwh:.4f}", {"unit_of_measurement": "kWh", "state_class": "total_increasing",
                                                     "device_class": "energy"})  # fmt: skip
    hass.states.async_set(OUTSIDE, "1.0", {"unit_of_measurement": "°C"})


async def _settled(hass: HomeAssistant) -> None:
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)


async def _live(hass: HomeAssistant, freezer: FrozenDateTimeFactory, minutes: int, meters: list[float]) -> None:
    """The meters counting 6 kW of heat and 2 kW of electricity; each 5-minute period compiled as the recorder does."""
    for _ in range(minutes // 5):
        period = get_start_time(datetime.now(UTC))
        for _ in range(10):
            freezer.tick(timedelta(seconds=30))
            meters[0] += 6 * 30 / 3600
            meters[1] += 2 * 30 / 3600
            _set_meters(hass, *meters)
            async_fire_time_changed(hass)
            await hass.async_block_till_done()
        # what the recorder's 5-minute timer queues (the test harness turns the timer off): events fired
        get_instance(hass).queue_task(StatisticsTask(period, True))
        await _settled(hass)


async def test_a_new_heat_pump_covers_400_days_of_its_meters_at_once(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(NOW)
    meters = Meters(NOW.replace(minute=0))
    meters.import_into(hass)
    await async_wait_recording_done(hass)
    live = [float(meters.heat_kwh.sum()), float(meters.elec_kwh.sum())]
    _set_meters(hass, *live)
    hp = heat_pump_entry(ROLES)
    await setup_entry(hass, hp)
    await _settled(hass)  # the import at set-up runs in the background

    # the seasonal figures cover the past at once, equal to the engine's SPF of the same hours
    seasonal = hp.runtime_data.seasonal
    assert seasonal is not None
    for name, (start, end) in seasonal_periods(dt_util.now()).items():
        expected = meters.scop(start, end)
        assert expected is not None
        assert seasonal.data[name]["scop"] == pytest.approx(expected, rel=1e-3), name
    state = hass.states.get("sensor.garden_heat_pump_scop_lifetime")
    assert state is not None and float(state.state) == pytest.approx(meters.scop(meters.start, NOW), rel=1e-3)
    normalised = hass.states.get("sensor.garden_heat_pump_scop_normalised_to_the_reference_climate")
    assert normalised is not None and float(normalised.state) > 0
    year_ago = NOW.replace(minute=0) - timedelta(days=365)
    in_year = [meters.hour(i) >= year_ago for i in range(meters.heat_kwh.size)]
    assert seasonal.data["last_365_days"]["climate_normalised"]["hours"] == int((meters.joint() & in_year).sum())

    # no hour negative, no hour after the history's end, each hour's heat as the meter counted it
    imported = await _rows(hass, meters.start)
    heat_rows = imported["sensor.garden_heat_pump_heat_energy"]
    assert len(heat_rows) == int(meters.joint().sum())
    assert min(row["change"] for rows in imported.values() for row in rows) >= 0
    joint = np.flatnonzero(meters.joint())
    assert [row["change"] for row in heat_rows] == pytest.approx(list(meters.heat_kwh[joint]))
    assert heat_rows[-1]["start"] < hp.created_at.timestamp()

    # the daily COP of each past day
    daily = await get_instance(hass).async_add_executor_job(
        statistics_during_period, hass, meters.start, None, {daily_cop_statistic_id(hp.entry_id)}, "day", None,
        {"mean"},
    )  # fmt: skip
    assert len(daily[daily_cop_statistic_id(hp.entry_id)]) >= DAYS - 2

    # the diagnostics and the response name covered and missing hours as ranges
    summary = hp.runtime_data.history.diagnostics()["last_import"]  # type: ignore[union-attr]
    missing = [(datetime.fromisoformat(r["start"]), datetime.fromisoformat(r["end"])) for r in summary["missing"]]
    assert missing == [
        (meters.hour(2400), meters.hour(2425)),  # the day without heat, and the first hour back
        (meters.hour(5000), meters.hour(5007)),
        (meters.hour(7000), meters.hour(7011)),
    ]
    assert len(summary["covered"]) == 4 and summary["hours"] == int(meters.joint().sum())

    # a second import and a restart change nothing
    again = await hass.services.async_call(DOMAIN, "import_history", {"config_entry_id": hp.entry_id},
                                           blocking=True, return_response=True)  # fmt: skip
    await _settled(hass)
    assert await _rows(hass, meters.start) == imported
    changed = {"imported_at", "statistics_written", "statistics_kept"}
    assert {k: v for k, v in again.items() if k not in changed} == {  # type: ignore[union-attr]
        k: v for k, v in summary.items() if k not in changed
    }
    # every hour already held: nothing written the second time, nothing differing
    assert summary["statistics_written"] == dict.fromkeys(OWN, summary["hours"])
    assert again is not None and again["statistics_written"] == {} and again["kept_hours_differing"] == 0
    assert again["statistics_kept"] == dict.fromkeys(OWN, summary["hours"])
    figures = dict(seasonal.data)
    assert await hass.config_entries.async_reload(hp.entry_id)
    await _settled(hass)
    assert await _rows(hass, meters.start) == imported
    assert hp.runtime_data.seasonal is not None and hp.runtime_data.seasonal.data == figures

    # the live sensors carry on from the history: no negative hour where they meet
    await _live(hass, freezer, 60, live)  # to 13:01: the 12:00 hour compiled
    rows = await _rows(hass, meters.start)
    assert min(row["change"] for entries in rows.values() for row in entries) >= 0
    heat = rows["sensor.garden_heat_pump_heat_energy"]
    live_hours = [row["change"] for row in heat if row["start"] >= hp.created_at.timestamp() - 3600]
    assert len(live_hours) == 1 and 0 < live_hours[0] <= 6.0 + 1e-6  # 6 kW at most


async def test_history_imported_after_the_live_sensors_started_lifts_them(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """The other order: live statistics first, the meters' statistics imported later, then the action."""
    freezer.move_to(NOW)
    meters = Meters(NOW.replace(minute=0), days=20)
    live = [float(meters.heat_kwh.sum()), float(meters.elec_kwh.sum())]
    _set_meters(hass, *live)
    hp = heat_pump_entry(ROLES)
    await setup_entry(hass, hp)
    await _settled(hass)  # nothing to import yet
    await _live(hass, freezer, 60, live)
    meters.import_into(hass)
    await async_wait_recording_done(hass)
    response = await hass.services.async_call(DOMAIN, "import_history", {"config_entry_id": hp.entry_id},
                                              blocking=True, return_response=True)  # fmt: skip
    await _settled(hass)
    assert response["hours"] == int(meters.joint().sum())  # type: ignore[index]
    assert response["waiting_for_live_statistics"] is False  # type: ignore[index]
    first = await _rows(hass, meters.start)
    changes = [row["change"] for entries in first.values() for row in entries]
    assert min(changes) >= 0
    heat = first["sensor.garden_heat_pump_heat_energy"]
    live_hours = [row for row in heat if row["start"] >= hp.created_at.timestamp() - 3600]
    assert live_hours and all(0 <= row["change"] <= 6.0 for row in live_hours)  # at most an hour at 6 kW
    await hass.services.async_call(DOMAIN, "import_history", {"config_entry_id": hp.entry_id}, blocking=True)
    await _settled(hass)
    assert await _rows(hass, meters.start) == first  # lifted once, not twice
    await _live(hass, freezer, 15, live)
    later = await _rows(hass, meters.start)
    assert min(row["change"] for entries in later.values() for row in entries) >= 0


async def test_import_history_refuses_bad_requests(hass: HomeAssistant) -> None:
    hass.states.async_set("sensor.outside", "1.0", {"unit_of_measurement": "°C"})
    hp = heat_pump_entry({"outdoor_temp_c": "sensor.outside", "defrost": "binary_sensor.defrost"})
    await setup_entry(hass, hp)
    other = MockConfigEntry(domain=DOMAIN, data={"entry_type": "hub"})
    other.add_to_hass(hass)
    now = datetime.now(UTC)
    for call, key in [
        ({"config_entry_id": other.entry_id}, "not_a_heat_pump"),
        ({"config_entry_id": hp.entry_id, "start": now, "end": now - timedelta(days=1)}, "empty_period"),
        ({"config_entry_id": hp.entry_id}, "history_nothing_bound"),
    ]:
        with pytest.raises(ServiceValidationError) as raised:
            await hass.services.async_call(DOMAIN, "import_history", call, blocking=True, return_response=True)
        assert raised.value.translation_key == key
    assert raised.value.translation_placeholders == {"name": "Garden heat pump"}


async def test_the_readme_example_pasted_as_is_imports_for_the_demo_heat_pump(hass: HomeAssistant) -> None:
    """README's import_history example names the demo's heat pump by the id Home Assistant stores (a ULID, upper case;
    the look-up is exact): with the lower-case id it read "... is not a heat pump of this integration"."""
    block = re.search(r"```yaml\n(action: ashp_cop\.import_history\n.*?)```", README.read_text(), flags=re.DOTALL)
    assert block is not None
    example = yaml.safe_load(block.group(1))
    _set_meters(hass, 10.0, 5.0)
    hp = heat_pump_entry(ROLES, entry_id=HEAT_PUMP_ENTRY_ID)
    await setup_entry(hass, hp)
    await _settled(hass)
    response = await hass.services.async_call(DOMAIN, "import_history", example["data"], blocking=True,
                                              return_response=True)  # fmt: skip
    assert response is not None and str(response["start"]).startswith("2024-09-01T00:00:00")  # local time


async def test_nothing_after_the_live_sensors_began(hass: HomeAssistant) -> None:
    _set_meters(hass, 10.0, 5.0)
    hp = heat_pump_entry(ROLES)
    await setup_entry(hass, hp)
    await _settled(hass)
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(DOMAIN, "import_history", {"config_entry_id": hp.entry_id,
                                       "start": datetime.now(UTC) + timedelta(hours=1)}, blocking=True)  # fmt: skip
    assert raised.value.translation_key == "history_after_live"
    assert set(IMPORTED) >= {"heat_energy", "electric_energy"}


async def test_heat_from_flow_and_temperatures_uses_five_minute_means_where_they_exist(hass: HomeAssistant) -> None:
    """Hourly means for old hours; the twelve 5-minute means of an hour where the recorder still has them. No
    statistics under a sensor its owner disabled (Developer tools lists those of an entity without a state as a
    problem): here the heat drawn back, which a heat from flow and temperatures has."""
    for entity_id, unit in (("sensor.flow_t", "°C"), ("sensor.return_t", "°C"), ("sensor.flow_rate", "m³/h"),
                            ("sensor.meter_power", "W")):  # fmt: skip
        hass.states.async_set(entity_id, "1", {"unit_of_measurement": unit})
    hp = heat_pump_entry({"flow_temp_c": "sensor.flow_t", "return_temp_c": "sensor.return_t",
                          "flow_m3h": "sensor.flow_rate", "elec_power_w": "sensor.meter_power"})  # fmt: skip
    await setup_entry(hass, hp)
    await _settled(hass)
    registry = er.async_get(hass)
    drawn = registry.async_get_entity_id("sensor", DOMAIN, f"{hp.entry_id}_defrost_energy")
    assert drawn is not None
    registry.async_update_entity(drawn, disabled_by=er.RegistryEntryDisabler.USER)
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    start = end - timedelta(hours=4)

    def means(statistic_id: str, unit: str, hourly: float, fine: list[float]) -> None:
        async_import_statistics(
            hass,
            _meta(statistic_id, unit, has_sum=False),
            [StatisticData(start=start + timedelta(hours=h), mean=hourly, min=hourly, max=hourly) for h in range(4)],
        )
        # the last hour also has 5-minute statistics: the pump ran half of it, at twice the mean flow
        get_instance(hass).async_import_statistics(_meta(statistic_id, unit, has_sum=False), [
            StatisticData(start=end - timedelta(hours=1) + timedelta(minutes=5 * i), mean=v, min=v, max=v)
            for i, v in enumerate(fine)], StatisticsShortTerm)  # fmt: skip

    means("sensor.flow_t", "°C", 35.0, [35.0] * 12)
    means("sensor.return_t", "°C", 30.0, [28.0, 32.0] * 6)  # 7 K while pumping, 3 K at rest: a mean of 5 K
    means("sensor.flow_rate", "m³/h", 0.6, [1.2, 0.0] * 6)
    means("sensor.meter_power", "W", 2000.0, [2000.0] * 12)
    await async_wait_recording_done(hass)
    response = await hass.services.async_call(DOMAIN, "import_history", {"config_entry_id": hp.entry_id},
                                              blocking=True, return_response=True)  # fmt: skip
    assert response is not None
    circuit = hp.runtime_data.live.settings.circuit
    hourly_kwh = float(heat_power_w(circuit, np.array(35.0), np.array(30.0), np.array(0.6))) / 1000
    fine_kwh = float(heat_power_w(circuit, np.array(35.0), np.array(28.0), np.array(1.2))) / 1000 / 2
    assert response["heat_from"] == "flow" and response["hours"] == 4
    assert response["heat_hours_from_hourly_means"] == 3
    assert response["heat_kwh"] == pytest.approx(3 * hourly_kwh + fine_kwh, abs=1e-3)
    assert fine_kwh > 1.3 * hourly_kwh  # the product of hourly means would have missed 40 % of that hour
    written = await get_instance(hass).async_add_executor_job(list_statistic_ids, hass)
    net = registry.async_get_entity_id("sensor", DOMAIN, f"{hp.entry_id}_net_heat_energy")
    assert net in {row["statistic_id"] for row in written}
    assert drawn not in {row["statistic_id"] for row in written}


async def test_the_import_at_first_set_up_waits_until_home_assistant_runs(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Home Assistant's start-up waits for tracked tasks, and the recorder serves no query before it has started:
    an import started during start-up held the start-up for its 5-minute wrap-up timeout."""
    freezer.move_to(NOW)
    meters = Meters(NOW.replace(minute=0), days=3)
    meters.import_into(hass)
    await async_wait_recording_done(hass)
    _set_meters(hass, float(meters.heat_kwh.sum()), float(meters.elec_kwh.sum()))
    hass.set_state(CoreState.not_running)  # set up as at a restart, before Home Assistant has started
    hp = heat_pump_entry(ROLES)
    await setup_entry(hass, hp)
    await _settled(hass)
    history = hp.runtime_data.history
    assert history is not None and not history.ever_imported
    assert await _rows(hass, meters.start) == {}

    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await _settled(hass)
    assert history.ever_imported
    heat_rows = (await _rows(hass, meters.start))["sensor.garden_heat_pump_heat_energy"]
    assert len(heat_rows) == int(meters.joint().sum())
