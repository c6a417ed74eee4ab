"""export_history: the recorder's hourly statistics of a heat pump as a CSV the engine reads without options."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.statistics import async_import_statistics
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.components.recorder.common import async_wait_recording_done

from custom_components.ashp_cop.const import DOMAIN
from custom_components.ashp_cop.engine.analyze import analyze
from custom_components.ashp_cop.engine.timeseries import read_csv
from tests.integration.test_actions import _hours, _meta
from tests.integration.test_heat_pump import power_heat_pump


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
