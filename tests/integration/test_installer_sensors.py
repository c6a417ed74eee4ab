"""Installer figures as sensors of the heat pump: from the recorder's daily statistics, as engine/installer.py."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.statistics import async_import_statistics
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import async_wait_recording_done

from custom_components.ashp_cop.const import CONF_CLIMATE, CONF_DATASHEET, DOMAIN
from custom_components.ashp_cop.engine.installer import MIN_FIT_DAYS, BinnedFigures, DailyFigures, installer_figures
from tests.integration.conftest import setup_entry
from tests.integration.test_actions import _hours, _meta
from tests.integration.test_entity_rule import DATASHEET
from tests.integration.test_heat_pump import heat_pump_entry


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """This module's tests run with the recorder: it must start before Home Assistant does."""


DAYS = 21
H_W_PER_K, BALANCE_C = 200.0, 16.0  # the house
COP = 3.5


def _plant() -> dict[str, list[float]]:
    """Hourly values: each day colder or milder, each hour around the day's mean; the house's heat loss."""
    outdoor = [-6.0 + 0.9 * (d % 14) + 3.0 * math.sin(2 * math.pi * h / 24) for d in range(DAYS) for h in range(24)]
    heat = [H_W_PER_K * (BALANCE_C - t) / 1000.0 for t in outdoor]
    return {"outdoor": outdoor, "heat": heat, "elec": [q / COP for q in heat],
            "flow": [45.0 - 0.5 * t for t in outdoor]}  # fmt: skip


async def _heat_pump(hass: HomeAssistant, **options: str) -> MockConfigEntry:
    hass.states.async_set("sensor.hm_power", "6000", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.meter_power", "2000", {"unit_of_measurement": "W"})
    roles = {"heat_power_w": "sensor.hm_power", "elec_power_w": "sensor.meter_power",
             "outdoor_temp_c": "sensor.outside", "flow_temp_c": "sensor.flow"}  # fmt: skip
    hp = heat_pump_entry(roles, **options)
    await setup_entry(hass, hp)
    return hp


async def _import(hass: HomeAssistant, hp: MockConfigEntry, plant: dict[str, list[float]], days: int) -> None:
    start = dt_util.start_of_local_day() - timedelta(days=DAYS + 1)
    hours = days * 24
    registry = er.async_get(hass)
    for key, name in (("heat_energy", "heat"), ("electric_energy_running", "elec")):
        entity_id = registry.async_get_entity_id("sensor", DOMAIN, f"{hp.entry_id}_{key}")
        assert entity_id is not None
        async_import_statistics(hass, _meta(entity_id, "kWh", has_sum=True),
                                _hours(start, plant[name][:hours], cumulative=True))  # fmt: skip
    for entity_id, name in (("sensor.outside", "outdoor"), ("sensor.flow", "flow")):
        async_import_statistics(hass, _meta(entity_id, "°C", has_sum=False),
                                _hours(start, plant[name][:hours], cumulative=False))  # fmt: skip
    await async_wait_recording_done(hass)
    seasonal = hp.runtime_data.seasonal
    assert seasonal is not None
    await seasonal.async_refresh()
    await hass.async_block_till_done()


def _state(hass: HomeAssistant, hp: MockConfigEntry, key: str) -> tuple[str, dict[str, object]]:
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{hp.entry_id}_{key}")
    assert entity_id is not None, key
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state, dict(state.attributes)


def _engine(plant: dict[str, list[float]]) -> dict[str, object]:
    """engine/installer.py on the same days, built here from the hourly values (each day 24 measured hours)."""
    heat, elec = np.array(plant["heat"]), np.array(plant["elec"])
    outdoor, flow = np.array(plant["outdoor"]), np.array(plant["flow"])
    start_s = np.arange(heat.size) * 3600.0
    hours = BinnedFigures(start_s, heat, elec, np.ones(heat.size), outdoor, flow)
    by_day = heat.reshape(DAYS, 24)
    days = BinnedFigures(
        start_s[::24], by_day.sum(axis=1), elec.reshape(DAYS, 24).sum(axis=1), np.full(DAYS, 24.0),
        outdoor.reshape(DAYS, 24).mean(axis=1), (flow.reshape(DAYS, 24) * by_day).sum(axis=1) / by_day.sum(axis=1),
    )  # fmt: skip
    return installer_figures(DailyFigures(days, hours), "average", None)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_installer_figures_from_statistics_are_the_engines_and_null_with_a_reason_until_enough_days(
    hass: HomeAssistant,
) -> None:
    hp = await _heat_pump(hass)
    plant = _plant()
    await _import(hass, hp, plant, MIN_FIT_DAYS - 1)
    value, attributes = _state(hass, hp, "heat_loss_coefficient")
    assert value == "unknown"
    assert attributes["reason"] == f"needs {MIN_FIT_DAYS} days (has {MIN_FIT_DAYS - 1})"
    assert attributes["days_used"] == MIN_FIT_DAYS - 1
    assert _state(hass, hp, "heating_curve_slope")[1]["reason"] == (
        f"needs {MIN_FIT_DAYS * 24} heating hours (has {(MIN_FIT_DAYS - 1) * 24})"
    )

    await _import(hass, hp, plant, DAYS)
    expected = _engine(plant)
    for key, figure, digits in (("heat_loss_coefficient", "heat_loss_w_per_k", 2),
                                ("balance_temperature", "balance_temp_c", 1),
                                ("design_heat_load", "design_heat_load_kw", 2),
                                ("oversizing_factor", "oversizing_factor", 2),
                                ("heating_curve_slope", "weather_comp_slope_k_per_k", 2),
                                ("heating_curve_flow_at_0c", "weather_comp_flow_at_0c", 1)):  # fmt: skip
        value, attributes = _state(hass, hp, key)
        assert float(value) == pytest.approx(round(float(expected[figure]), digits)), key  # type: ignore[arg-type]
        assert attributes["reason"] is None, key
    # the house and the curve the plant was made with (EN 14825 average climate: Tdesignh -10 C)
    assert float(_state(hass, hp, "heat_loss_coefficient")[0]) == pytest.approx(H_W_PER_K, abs=0.01)
    assert float(_state(hass, hp, "balance_temperature")[0]) == pytest.approx(BALANCE_C, abs=0.05)
    design, attributes = _state(hass, hp, "design_heat_load")
    assert float(design) == pytest.approx(H_W_PER_K * (BALANCE_C + 10.0) / 1000.0, abs=0.01)
    assert attributes["design_temperature"] == -10.0 and attributes["climate"] == "average"
    assert attributes["days_used"] == DAYS and attributes["r_squared"] == pytest.approx(1.0)
    oversizing = _state(hass, hp, "oversizing_factor")[1]
    assert oversizing["capacity_source"] == "highest hourly heat output measured"
    assert oversizing["capacity_kw"] == pytest.approx(round(max(plant["heat"]), 3))
    assert float(_state(hass, hp, "heating_curve_slope")[0]) == pytest.approx(-0.5)
    assert float(_state(hass, hp, "heating_curve_flow_at_0c")[0]) == pytest.approx(45.0)
    assert _state(hass, hp, "heating_curve_slope")[1]["hours_used"] == DAYS * 24


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_with_a_datasheet_the_oversizing_is_its_pdesignh_over_the_design_load_of_the_entrys_climate(
    hass: HomeAssistant,
) -> None:
    hp = await _heat_pump(hass, **{CONF_DATASHEET: DATASHEET, CONF_CLIMATE: "colder"})
    await _import(hass, hp, _plant(), DAYS)
    design, attributes = _state(hass, hp, "design_heat_load")
    assert attributes["design_temperature"] == -22.0 and attributes["climate"] == "colder"
    assert float(design) == pytest.approx(H_W_PER_K * (BALANCE_C + 22.0) / 1000.0, abs=0.01)
    oversizing, attributes = _state(hass, hp, "oversizing_factor")
    assert attributes["capacity_source"] == "datasheet Pdesignh" and attributes["capacity_kw"] == 8.0
    assert float(oversizing) == pytest.approx(8.0 / float(design), abs=0.01)


@pytest.mark.entity_defaults
async def test_installer_figures_are_diagnostic_and_disabled_by_default(hass: HomeAssistant) -> None:
    hp = await _heat_pump(hass)
    entries = {e.unique_id.removeprefix(f"{hp.entry_id}_"): e
               for e in er.async_entries_for_config_entry(er.async_get(hass), hp.entry_id)}  # fmt: skip
    for key in ("heat_loss_coefficient", "balance_temperature", "design_heat_load", "oversizing_factor",
                "heating_curve_slope", "heating_curve_flow_at_0c"):  # fmt: skip
        assert entries[key].disabled_by is er.RegistryEntryDisabler.INTEGRATION, key
        assert entries[key].entity_category is EntityCategory.DIAGNOSTIC, key
