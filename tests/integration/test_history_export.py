"""export_history: the recorder's hourly statistics of a heat pump as a CSV the engine reads without options."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.statistics import async_import_statistics
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.components.recorder.common import async_wait_recording_done

from custom_components.ashp_cop.const import CONF_MODE_MAP, DOMAIN
from custom_components.ashp_cop.engine.analyze import analyze
from custom_components.ashp_cop.engine.timeseries import read_csv
from custom_components.ashp_cop.mode_recorder import mode_statistic_id
from tests.integration.conftest import setup_entry
from tests.integration.test_actions import _hours, _meta
from tests.integration.test_heat_pump import heat_pump_entry, power_heat_pump


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """This module's tests run with the recorder: it must start before Home Assistant does."""


HEAT = [6.0, 6.0, 3.0, 0.0] * 12  # two days, kWh per hour
ELEC = [2.0, 2.0, 1.2, 0.0] * 12
STANDBY = [0.0, 0.0, 0.0, 0.02] * 12
OUTDOOR = [2.0, 2.0, 7.0, 12.0] * 12


async def _two_days(hass: HomeAssistant) -> tuple[str, datetime]:
    hp = await power_heat_pump(hass, outdoor="sensor.outside")
    start = dt_util.start_of_local_day() - timedelta(days=3)
    for key, values in (("heat_energy", HEAT), ("electric_energy_while_running", ELEC),
                        ("electric_energy_in_standby", STANDBY)):  # fmt: skip
        async_import_statistics(hass, _meta(f"sensor.garden_heat_pump_{key}", "kWh", has_sum=True),
                                _hours(start, values, cumulative=True))  # fmt: skip
    outdoor = _hours(start, OUTDOOR, cumulative=False)
    async_import_statistics(hass, _meta("sensor.outside", "°C", has_sum=False), outdoor)
    await async_wait_recording_done(hass)
    return hp.entry_id, start


async def test_the_export_is_a_csv_analyze_reads_with_the_meters_beside_it(hass: HomeAssistant) -> None:
    entry_id, start = await _two_days(hass)
    response = await hass.services.async_call(
        DOMAIN, "export_history", {"config_entry_id": entry_id}, blocking=True, return_response=True
    )
    assert response is not None
    path = Path(str(response["path"]))
    assert path.parent == Path(hass.config.path("ashp_cop_exports"))
    assert response["columns"] == ["heat_power_w", "elec_power_w", "outdoor_temp_c"]
    assert response["hours"] == 48
    series = read_csv(path)  # no options: the engine's own column names
    assert series.rows == 48
    assert series.start_s == start.timestamp()
    assert list(series.columns["heat_power_w"]) == [kwh * 1000.0 for kwh in HEAT]
    assert list(series.columns["elec_power_w"]) == [(a + b) * 1000.0 for a, b in zip(ELEC, STANDBY, strict=True)]
    assert list(series.columns["outdoor_temp_c"][:2]) == [2.0, 2.0]
    report = analyze(series)
    # Hourly means integrated by the trapezoid: the total within the half hours at either end.
    assert report["heat_kwh"] == pytest.approx(sum(HEAT), abs=6.0)
    meta = json.loads(Path(str(response["metadata_path"])).read_text())
    assert meta["columns"]["heat_power_w"]["statistics"] == ["sensor.garden_heat_pump_heat_energy"]
    assert meta["columns"]["elec_power_w"]["statistics"] == [
        "sensor.garden_heat_pump_electric_energy_while_running",
        "sensor.garden_heat_pump_electric_energy_in_standby",
    ]
    assert meta["columns"]["outdoor_temp_c"] == {"unit": "°C", "statistics": ["sensor.outside"], "from": "hourly mean"}
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temporary file left


async def test_export_errors_are_translated(hass: HomeAssistant) -> None:
    entry_id, start = await _two_days(hass)
    backwards = {
        "config_entry_id": entry_id,
        "start": start.isoformat(),
        "end": (start - timedelta(hours=1)).isoformat(),
    }
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "export_history", backwards, blocking=True)
    assert err.value.translation_key == "empty_period"
    far = start - timedelta(days=400)
    before = {"config_entry_id": entry_id, "start": far.isoformat(), "end": (far + timedelta(days=1)).isoformat()}
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "export_history", before, blocking=True)
    assert err.value.translation_key == "export_nothing"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "export_history", {"config_entry_id": "nope"}, blocking=True)
    assert err.value.translation_key == "not_a_heat_pump"


# Per mode, kWh per hour: space heating only, a mixed hour (hot water drew most), hot water only, off.
SH_HEAT, SH_ELEC = [6.0, 2.0, 0.0, 0.0] * 12, [2.0, 0.6, 0.0, 0.0] * 12
HW_HEAT, HW_ELEC = [0.0, 3.0, 3.0, 0.0] * 12, [0.0, 1.4, 1.2, 0.0] * 12
HW_DRAWN = [0.0, 0.0, 0.2, 0.0] * 12  # a defrost during the reheat: net 2.8
DOMINANT = ["space_heating", "hot_water", "hot_water", "off"] * 12


async def test_with_the_mode_role_each_hour_has_its_mode_and_analyze_gives_per_mode_figures(
    hass: HomeAssistant,
) -> None:
    hass.states.async_set("sensor.hm_power", "6000", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.meter_power", "2000", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.controller_mode", "heating")
    roles = {"heat_power_w": "sensor.hm_power", "elec_power_w": "sensor.meter_power",
             "operating_mode": "sensor.controller_mode"}  # fmt: skip
    hp = heat_pump_entry(roles, **{CONF_MODE_MAP: {"heating": "space_heating", "dhw": "hot_water", "off": "off"}})
    await setup_entry(hass, hp)
    registry = er.async_get(hass)
    start = dt_util.start_of_local_day() - timedelta(days=3)
    heat = [sh + hw - d for sh, hw, d in zip(SH_HEAT, HW_HEAT, HW_DRAWN, strict=True)]
    elec = [sh + hw for sh, hw in zip(SH_ELEC, HW_ELEC, strict=True)]
    series_by_key = {"heat_energy": heat, "electric_energy_running": elec, "electric_energy_standby": STANDBY,
                     "space_heating_heat_energy": SH_HEAT, "space_heating_defrost_energy": [0.0] * 48,
                     "space_heating_electric_energy": SH_ELEC, "hot_water_heat_energy": HW_HEAT,
                     "hot_water_defrost_energy": HW_DRAWN, "hot_water_electric_energy": HW_ELEC}  # fmt: skip
    for key, values in series_by_key.items():
        entity_id = registry.async_get_entity_id("sensor", DOMAIN, f"{hp.entry_id}_{key}")
        assert entity_id is not None, key
        async_import_statistics(hass, _meta(entity_id, "kWh", has_sum=True), _hours(start, values, cumulative=True))
    await async_wait_recording_done(hass)

    response = await hass.services.async_call(
        DOMAIN, "export_history", {"config_entry_id": hp.entry_id}, blocking=True, return_response=True
    )
    assert response is not None
    shares = ["space_heating_heat_share", "space_heating_elec_share", "hot_water_heat_share", "hot_water_elec_share"]
    assert response["columns"] == ["heat_power_w", "elec_power_w", "mode", *shares]
    path = Path(str(response["path"]))
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["mode"] for row in rows] == DOMINANT
    mixed = rows[1]
    assert float(mixed["hot_water_elec_share"]) == pytest.approx(0.7)
    assert float(mixed["space_heating_heat_share"]) == pytest.approx(0.4)
    assert float(rows[2]["hot_water_heat_share"]) == 1.0
    assert rows[3]["hot_water_heat_share"] == ""  # an hour without heat has no share of it

    series = read_csv(path)  # no options: the mode column's values are the modes' own names
    assert "mode" in series.columns
    assert set(series.ignored_columns) == set(shares)
    modes = analyze(series)["modes"]
    # An hourly row is charged wholly to its mode, the first and last rows by half (the trapezoid's ends).
    weights = [0.5, *[1.0] * 46, 0.5]
    for mode in ("space_heating", "hot_water", "off"):
        mine = [i for i, m in enumerate(DOMINANT) if m == mode]
        assert modes[mode]["heat_kwh"] == pytest.approx(sum(weights[i] * heat[i] for i in mine))
        assert modes[mode]["elec_kwh"] == pytest.approx(sum(weights[i] * (elec[i] + STANDBY[i]) for i in mine))
    # the mixed hour goes wholly to hot water: its COP is that of the hours hot water dominated
    assert modes["hot_water"]["cop"] == pytest.approx((5.0 + 2.8) / (2.0 + 1.2))
    meta = json.loads(Path(str(response["metadata_path"])).read_text())
    assert mode_statistic_id(hp.entry_id, "hot_water_electric_energy") in meta["columns"]["mode"]["statistics"]
