"""Actions: calculate_scop on a datasheet, recalculate a heat pump's period from statistics."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.models import StatisticData, StatisticMeanType, StatisticMetaData
from homeassistant.components.recorder.statistics import async_import_statistics, statistics_during_period
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.recorder import get_instance
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import async_wait_recording_done

from custom_components.ashp_cop.compat import statistic_metadata
from custom_components.ashp_cop.const import DOMAIN
from custom_components.ashp_cop.engine.en14825 import calculate_scop, parse_datasheet
from custom_components.ashp_cop.engine.uncertainty import interval
from custom_components.ashp_cop.seasonal import daily_cop_statistic_id
from tests.integration.test_heat_pump import mode_heat_pump, power_heat_pump


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """This module's tests run with the recorder: it must start before Home Assistant does."""


SAMPLE = json.loads((Path(__file__).resolve().parents[2] / "samples" / "datasheet.json").read_text())


async def test_calculate_scop_returns_the_engines_figures(hass: HomeAssistant) -> None:
    assert await _setup_domain(hass)
    response = await hass.services.async_call(DOMAIN, "calculate_scop", SAMPLE, blocking=True, return_response=True)
    expected = calculate_scop(parse_datasheet(SAMPLE))
    assert response == pytest.approx(expected.as_dict(), abs=1e-4)
    assert response["scop"] == pytest.approx(4.65, abs=0.01)  # type: ignore[index]
    with_bins = await hass.services.async_call(DOMAIN, "calculate_scop", SAMPLE | {"bins": True}, blocking=True,
                                               return_response=True)  # fmt: skip
    assert len(with_bins["bins"]) > 10  # type: ignore[arg-type,index]
    other = "heating_only" if SAMPLE.get("reversible") else "reversible"
    other_table = await hass.services.async_call(DOMAIN, "calculate_scop", SAMPLE | {"offmode_hours": other},
                                                 blocking=True, return_response=True)  # fmt: skip
    assert other_table["qoff_kwh"] != response["qoff_kwh"]  # type: ignore[index]
    assert other_table == pytest.approx(
        calculate_scop(parse_datasheet(SAMPLE | {"offmode_hours": other})).as_dict(), abs=1e-4
    )


def _floats(value: object) -> list[float]:
    if isinstance(value, dict):
        return [f for item in value.values() for f in _floats(item)]
    if isinstance(value, list):
        return [f for item in value for f in _floats(item)]
    return [value] if isinstance(value, float) else []


async def test_the_action_examples_of_services_yaml_run(hass: HomeAssistant) -> None:
    """What the action's form pre-fills from services.yaml computes a SCOP (it failed: no point at TOL)."""
    assert await _setup_domain(hass)
    fields = yaml.safe_load((Path(__file__).resolve().parents[2] / "custom_components" / DOMAIN / "services.yaml")
                            .read_text())["calculate_scop"]["fields"]  # fmt: skip
    call = {key: field["example"] for key, field in fields.items() if "example" in field}
    call = {key: json.loads(value) if isinstance(value, str) else value for key, value in call.items()}
    assert {"pdesignh_kw", "tbiv_c", "tol_c", "points"} <= set(call)
    response = await hass.services.async_call(DOMAIN, "calculate_scop", call, blocking=True, return_response=True)
    assert response is not None and 2.0 < response["scop"] < 7.0  # type: ignore[operator]


async def test_calculate_scop_answers_with_figures_to_four_decimals(hass: HomeAssistant) -> None:
    assert await _setup_domain(hass)
    response = await hass.services.async_call(DOMAIN, "calculate_scop", SAMPLE | {"bins": True}, blocking=True,
                                              return_response=True)  # fmt: skip
    floats = _floats(response)
    assert len(floats) > 50
    assert all(f == round(f, 4) for f in floats), [f for f in floats if f != round(f, 4)][:5]


async def test_calculate_scop_names_what_is_wrong(hass: HomeAssistant) -> None:
    assert await _setup_domain(hass)
    bad = SAMPLE | {"points": [p | {"cop": 0} if p["t_c"] == 2 else p for p in SAMPLE["points"]]}
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(DOMAIN, "calculate_scop", bad, blocking=True, return_response=True)
    assert raised.value.translation_key == "invalid_datasheet"
    assert "cop" in raised.value.translation_placeholders["error"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"offmode": SAMPLE["offmode_w"]}, "offmode: unknown key (did you mean offmode_w?)"),
        ({"pdesignh_kw": 1e308}, "pdesignh_kw: 1e+308 is outside the plausible range 0.1 to 400"),
        ({"cc": 1e-320}, "cc: 9.99989e-321 is outside the plausible range 1 to 4"),
        ({"climate": "nordic"}, "climate: unknown climate 'nordic' (choose one of average, colder, warmer)"),
    ],
)
async def test_calculate_scop_refuses_what_the_command_line_refuses(
    hass: HomeAssistant, change: dict[str, object], error: str
) -> None:
    """The action and `engine scop` share one parse path: the same refusals, never a NaN figure."""
    assert await _setup_domain(hass)
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(DOMAIN, "calculate_scop", SAMPLE | change, blocking=True, return_response=True)
    assert raised.value.translation_placeholders == {"error": error}


async def _setup_domain(hass: HomeAssistant) -> bool:
    return await async_setup_component(hass, DOMAIN, {})


def _hours(start: datetime, values: list[float], *, cumulative: bool) -> list[StatisticData]:
    rows: list[StatisticData] = []
    total = 0.0
    for i, value in enumerate(values):
        total += value
        moment = start + timedelta(hours=i)
        rows.append(StatisticData(start=moment, state=total, sum=total) if cumulative
                    else StatisticData(start=moment, mean=value, min=value, max=value))  # fmt: skip
    return rows


def _meta(statistic_id: str, unit: str, *, has_sum: bool) -> StatisticMetaData:
    return statistic_metadata(
        statistic_id=statistic_id, source="recorder", name=None, unit_of_measurement=unit, has_sum=has_sum,
        mean_type=StatisticMeanType.NONE if has_sum else StatisticMeanType.ARITHMETIC,
    )  # fmt: skip


async def test_recalculate_from_statistics_is_idempotent(hass: HomeAssistant) -> None:
    hp = await power_heat_pump(hass, outdoor="sensor.outside")
    start = dt_util.start_of_local_day() - timedelta(days=2)
    heat = [6.0, 6.0, 3.0, 0.0] * 6  # a day, kWh per hour
    elec = [2.0, 2.0, 1.2, 0.0] * 6
    standby = [0.0, 0.0, 0.0, 0.02] * 6
    outdoor = [2.0, 2.0, 7.0, 12.0] * 6
    ids = {key: f"sensor.garden_heat_pump_{key}" for key in ("heat_energy", "electric_energy_while_running",
                                                            "electric_energy_in_standby")}  # fmt: skip
    async_import_statistics(hass, _meta(ids["heat_energy"], "kWh", has_sum=True), _hours(start, heat, cumulative=True))
    async_import_statistics(hass, _meta(ids["electric_energy_while_running"], "kWh", has_sum=True),
                            _hours(start, elec, cumulative=True))  # fmt: skip
    async_import_statistics(hass, _meta(ids["electric_energy_in_standby"], "kWh", has_sum=True),
                            _hours(start, standby, cumulative=True))  # fmt: skip
    async_import_statistics(
        hass, _meta("sensor.outside", "°C", has_sum=False), _hours(start, outdoor, cumulative=False)
    )
    await async_wait_recording_done(hass)

    call = {"config_entry_id": hp.entry_id, "start": start.isoformat(), "end": (start + timedelta(days=1)).isoformat()}
    first = await hass.services.async_call(DOMAIN, "recalculate", call, blocking=True, return_response=True)
    second = await hass.services.async_call(DOMAIN, "recalculate", call, blocking=True, return_response=True)
    assert first == second
    assert first["hours"] == 24  # type: ignore[index]
    # one UTC offset throughout (the local one), whichever the call used; the end defaults to now
    utc_call = call | {"start": dt_util.as_utc(start).isoformat()}
    del utc_call["end"]
    to_now = await hass.services.async_call(DOMAIN, "recalculate", utc_call, blocking=True, return_response=True)
    offsets = {datetime.fromisoformat(to_now[key]).utcoffset() for key in ("start", "end", "data_from")}  # type: ignore[index,arg-type]
    assert offsets == {dt_util.now().utcoffset()}
    assert first["heat_kwh"] == pytest.approx(sum(heat))  # type: ignore[index]
    assert first["elec_kwh"] == pytest.approx(sum(elec) + sum(standby))  # type: ignore[index]
    assert first["spf_boundaries"]["unit"] == pytest.approx(sum(heat) / sum(elec), abs=1e-4)  # type: ignore[index]
    assert first["scop"] == pytest.approx(sum(heat) / (sum(elec) + sum(standby)), abs=1e-4)  # type: ignore[index]
    normalised = first["climate_normalised"]  # type: ignore[index]
    # bins 2 C (COP 3.0), 7 C (2.5) and 12 C (no electricity while running: left out) weighted by demand
    assert normalised["hours"] == 24 and 2.5 < normalised["scop"] < 3.0


async def test_recalculate_refuses_bad_requests(hass: HomeAssistant) -> None:
    hp = await power_heat_pump(hass)
    other = MockConfigEntry(domain="ashp_cop", data={"entry_type": "hub"})
    other.add_to_hass(hass)
    now = dt_util.utcnow()
    for entry_id, start, end, key in [
        (other.entry_id, now - timedelta(days=1), now, "not_a_heat_pump"),
        ("nonexistent", now - timedelta(days=1), now, "not_a_heat_pump"),
        (hp.entry_id, now, now - timedelta(days=1), "empty_period"),
    ]:
        with pytest.raises(ServiceValidationError) as raised:
            await hass.services.async_call(DOMAIN, "recalculate", {"config_entry_id": entry_id, "start": start,
                                           "end": end}, blocking=True, return_response=True)  # fmt: skip
        assert raised.value.translation_key == key


async def _a_day_of_statistics(hass: HomeAssistant) -> tuple[MockConfigEntry, datetime]:
    """A heat pump with 24 hours of statistics starting two days ago (COP 3), its seasonal figures refreshed."""
    hp = await power_heat_pump(hass, outdoor="sensor.outside")
    start = dt_util.start_of_local_day() - timedelta(days=2)
    heat, elec, outdoor = [6.0, 3.0] * 12, [2.0, 1.0] * 12, [0.0, 5.0] * 12
    async_import_statistics(hass, _meta("sensor.garden_heat_pump_heat_energy", "kWh", has_sum=True),
                            _hours(start, heat, cumulative=True))  # fmt: skip
    async_import_statistics(hass, _meta("sensor.garden_heat_pump_electric_energy_while_running", "kWh", has_sum=True),
                            _hours(start, elec, cumulative=True))  # fmt: skip
    async_import_statistics(
        hass, _meta("sensor.outside", "°C", has_sum=False), _hours(start, outdoor, cumulative=False)
    )
    await async_wait_recording_done(hass)
    await hp.runtime_data.seasonal.async_refresh()
    await hass.async_block_till_done()
    return hp, start


async def test_seasonal_sensors_come_from_statistics_and_match_recalculate(hass: HomeAssistant) -> None:
    hp, _ = await _a_day_of_statistics(hass)
    seasonal = hp.runtime_data.seasonal
    for name in ("season", "last_365_days", "lifetime"):
        assert seasonal.data[name]["scop"] == pytest.approx(3.0)
    assert float(hass.states.get("sensor.garden_heat_pump_scop_lifetime").state) == pytest.approx(3.0)  # type: ignore[union-attr]
    normalised = hass.states.get("sensor.garden_heat_pump_scop_normalised_to_the_reference_climate")
    assert normalised is not None and float(normalised.state) == pytest.approx(3.0)
    again = await hass.services.async_call(DOMAIN, "recalculate", {"config_entry_id": hp.entry_id,
        "start": seasonal.data["lifetime"]["start"], "end": seasonal.data["lifetime"]["end"]},
        blocking=True, return_response=True)  # fmt: skip
    assert again == seasonal.data["lifetime"]


async def test_each_seasonal_figure_says_which_period_it_covers(hass: HomeAssistant) -> None:
    hp, start = await _a_day_of_statistics(hass)
    end = dt_util.now().replace(minute=0, second=0, microsecond=0)

    def attributes(key: str) -> dict[str, object]:
        state = hass.states.get(f"sensor.garden_heat_pump_{key}")
        assert state is not None, key
        return dict(state.attributes)

    # the lifetime starts where the statistics do; the other periods at their own start, with the data inside
    lifetime = attributes("scop_lifetime")
    assert lifetime["period_start"] == lifetime["data_from"] == start.isoformat()  # local time, as the others
    assert lifetime["hours"] == 24 and datetime.fromisoformat(str(lifetime["period_end"])) == end
    last_365 = attributes("scop_last_365_days")
    assert datetime.fromisoformat(str(last_365["period_start"])) == end - timedelta(days=365)
    assert last_365["data_from"] == start.isoformat() and last_365["hours"] == 24
    season = attributes("scop_this_heating_season")
    assert datetime.fromisoformat(str(season["period_start"])).date().replace(year=2000) == date(2000, 9, 1)
    normalised = attributes("scop_normalised_to_the_reference_climate")
    assert normalised["hours"] == 24 and 0 < normalised["demand_coverage_pct"] <= 100  # type: ignore[operator]
    # the SPF sensors count from the entry's set-up, not from the statistics
    for key in ("spf_unit_since_setup_h1", "spf_with_backup_heater_since_setup_h2", "spf_whole_system_since_setup_h4"):
        assert attributes(key)["period_start"] == hp.created_at.isoformat()


async def test_the_seasonal_heating_figures_leave_cooling_electricity_out(hass: HomeAssistant) -> None:
    # on 061fd2c: 2 h of heating at COP 4.0 then 3 h of cooling at EER 3.5 gave a seasonal SCOP of 2.0
    hp = await mode_heat_pump(hass, {"heat": "space_heating", "cool": "cooling"}, "heat", elec_w="1500")
    start = dt_util.start_of_local_day() - timedelta(days=2)
    hours = {  # kWh per hour: two of heating, three of cooling (the unit's electricity counts both)
        "heat_energy": [6.0, 6.0, 0.0, 0.0, 0.0],
        "electric_energy_while_running": [1.5, 1.5, 1.0, 1.0, 1.0],
        "cooling_energy_heat_removed": [0.0, 0.0, 3.5, 3.5, 3.5],
        "cooling_electric_energy": [0.0, 0.0, 1.0, 1.0, 1.0],
        "space_heating_electric_energy": [1.5, 1.5, 0.0, 0.0, 0.0],
        "space_heating_heat_energy": [6.0, 6.0, 0.0, 0.0, 0.0],
    }
    for key, kwh in hours.items():
        statistic_id = f"sensor.garden_heat_pump_{key}"
        assert hass.states.get(statistic_id) is not None, statistic_id
        async_import_statistics(hass, _meta(statistic_id, "kWh", has_sum=True), _hours(start, kwh, cumulative=True))
    await async_wait_recording_done(hass)
    seasonal = hp.runtime_data.seasonal
    await seasonal.async_refresh()
    await hass.async_block_till_done()
    lifetime = seasonal.data["lifetime"]
    assert lifetime["scop"] == pytest.approx(4.0)
    assert lifetime["spf_boundaries"] == {"unit": 4.0, "unit_backup": 4.0, "system": 4.0}
    assert lifetime["elec_kwh"] == pytest.approx(3.0) and lifetime["cooling_elec_kwh_left_out"] == pytest.approx(3.0)
    assert lifetime["modes"]["cooling"]["spf"] == pytest.approx(3.5)  # cooling in its own seasonal EER
    assert float(hass.states.get("sensor.garden_heat_pump_scop_lifetime").state) == pytest.approx(4.0)  # type: ignore[union-attr]


async def test_each_day_closes_with_its_cop_in_the_statistics(hass: HomeAssistant) -> None:
    hp = await power_heat_pump(hass)
    live = hp.runtime_data.live
    live.day.heat_kwh, live.day.elec_running_kwh = 30.0, 10.0
    midnight = dt_util.start_of_local_day()
    coordinator = hp.runtime_data
    coordinator.clock = (midnight - timedelta(minutes=1)).timestamp
    coordinator._day = coordinator._today()  # the day before
    coordinator.clock = (midnight + timedelta(minutes=1)).timestamp
    await coordinator.async_refresh()  # the first update after midnight closes yesterday
    await async_wait_recording_done(hass)
    statistic_id = daily_cop_statistic_id(hp.entry_id)
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period, hass, midnight - timedelta(days=2), None, {statistic_id}, "hour", None, {"mean"}
    )
    assert [(row["start"], row["mean"]) for row in rows[statistic_id]] == [
        ((midnight - timedelta(days=1)).timestamp(), 3.0)
    ]
    assert live.daily_cop is None  # today starts empty


async def test_seasonal_figures_carry_their_interval_boundary_and_coverage(hass: HomeAssistant) -> None:
    """Figures from statistics alone (no heat counted live yet): the interval at each meter's widest error
    (unknown meters: heat meter class 3 at its flow cap and dTmin, electricity class 2); the coverage is the
    share of the period's hours with statistics."""
    hp, start = await _a_day_of_statistics(hass)
    end = dt_util.now().replace(minute=0, second=0, microsecond=0)
    state = hass.states.get("sensor.garden_heat_pump_scop_lifetime")
    assert state is not None
    lifetime = dict(state.attributes)
    # flow 5 %, pair 0.5 + 3 %, calculator 0.5 + 1 % (EN 1434-1 class 3 at dT = dTmin), electricity 2 %
    band = interval(3.0, hp.runtime_data.meter_account.meters,
                    {"flow": 0.05, "temperature_pair": 0.035, "calculator": 0.015}, [1.0])  # fmt: skip
    low, high = band["spf_low"], band["spf_high"]
    assert low is not None and high is not None
    assert lifetime["band"] == f"3.00 ± {(high - low) / 2:.2f}"
    assert lifetime["boundary"] == "H2"
    assert lifetime["coverage_pct"] == round(100 * 24 / ((end - start).total_seconds() / 3600), 1)
    year = hass.states.get("sensor.garden_heat_pump_scop_last_365_days")
    assert year is not None and year.attributes["coverage_pct"] == round(100 * 24 / (365 * 24), 1)
