"""A heat pump's figures carry their 95 % interval, boundary and coverage; heat the meter missed raises a repair
issue and makes the period unpublishable; the meters' classes are set in the options and shown in diagnostics."""

from __future__ import annotations

import time
from typing import Any

import pytest
from homeassistant.const import CONF_SCAN_INTERVAL, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ashp_cop.const import (
    CONF_APPLICATION,
    CONF_ELEC_METER_CLASS,
    CONF_ELEC_METER_INCLUDES,
    CONF_HEAT_METER_CLASS,
    CONF_HEAT_METER_QP,
    DOMAIN,
)
from custom_components.ashp_cop.diagnostics import async_get_config_entry_diagnostics
from custom_components.ashp_cop.engine.audit import RESOLUTION_LIMITS_S, resolution
from custom_components.ashp_cop.engine.uncertainty import interval
from tests.integration.conftest import just_after_local_midnight, setup_entry
from tests.integration.test_heat_pump import CIRCUIT, heat_pump_entry

ROLES = {"heat_power_w": "sensor.hm_power", "elec_power_w": "sensor.meter_power", "flow_temp_c": "sensor.flow_t",
         "return_temp_c": "sensor.return_t", "flow_m3h": "sensor.flow_rate"}  # fmt: skip
MID = {CONF_HEAT_METER_CLASS: "2", CONF_HEAT_METER_QP: 1.5, CONF_ELEC_METER_CLASS: "class_1"}


def _readings(hass: HomeAssistant, heat_w: float, elec_w: float = 2000.0) -> None:
    hass.states.async_set("sensor.hm_power", str(heat_w), {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.meter_power", str(elec_w), {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.flow_t", "40", {"unit_of_measurement": "°C"})
    hass.states.async_set("sensor.return_t", "35", {"unit_of_measurement": "°C"})
    hass.states.async_set("sensor.flow_rate", "1.2", {"unit_of_measurement": "m³/h"})


async def _heat_pump(hass: HomeAssistant, **options: Any) -> MockConfigEntry:
    """A heat pump on plain sensors, set up now in a zone where the local day has just begun."""
    await just_after_local_midnight(hass)
    _readings(hass, 6000.0)
    hp = heat_pump_entry(ROLES, **options)
    await setup_entry(hass, hp)
    return hp


async def _polls(hass: HomeAssistant, hp: MockConfigEntry, start_s: float, minutes: int) -> float:
    """Poll once a minute from ``start_s`` (the set-up's first poll ran at wall time) for ``minutes``;
    returns the clock after the last poll."""
    now = start_s
    for _ in range(minutes):
        now += 60
        hp.runtime_data.clock = lambda now=now: now
        await hp.runtime_data.async_refresh()
    await hass.async_block_till_done()
    return now


def _attributes(hass: HomeAssistant, entity_id: str) -> dict[str, Any]:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return dict(state.attributes)


async def test_period_figures_show_their_interval_boundary_and_coverage(hass: HomeAssistant) -> None:
    hp = await _heat_pump(hass, **MID)
    now = await _polls(hass, hp, time.time(), 60)
    spf = _attributes(hass, "sensor.garden_heat_pump_spf_whole_system_since_setup_h4")
    state = hass.states.get("sensor.garden_heat_pump_spf_whole_system_since_setup_h4")
    assert state is not None and float(state.state) == pytest.approx(3.0)
    # class 2 at 1.2 m3/h of qp 1.5 and dT 5 K: flow 2 + 0.02 x 1.5 / 1.2 %, pair 0.5 + 3 x 3 / 5 %,
    # calculator 0.5 + 3 / 5 %; electricity 1 % (EN 1434-1, IEC 62053)
    heat = {"flow": 0.02025, "temperature_pair": 0.023, "calculator": 0.011}
    band = interval(3.0, hp.runtime_data.meter_account.meters, heat, [1.0])
    low, high = band["spf_low"], band["spf_high"]
    assert low is not None and high is not None
    assert spf["band"] == f"3.00 ± {(high - low) / 2:.2f}" == "3.00 ± 0.11"
    assert (spf["band_low"], spf["band_high"]) == (round(low, 2), round(high, 2))
    assert spf["uncertainty_95_pct"] == round(100 * (high - low) / 6, 1)
    assert spf["boundary"] == "H2"  # no backup heater metered, nor declared in the unit's meter
    assert spf["coverage_pct"] == 100
    assert "period_start" in spf  # the since-setup attribute stays beside
    daily = _attributes(hass, "sensor.garden_heat_pump_cop_today")
    assert daily["band"] == "3.00 ± 0.11" and daily["coverage_pct"] == 100
    # the heat pump's instantaneous COP is no period figure: no interval
    assert "band" not in _attributes(hass, "sensor.garden_heat_pump_cop")
    # the electricity meter goes silent for 10 minutes: 11 of the 100 minutes since the first poll lack it
    hass.states.async_set("sensor.meter_power", "unavailable")
    now = await _polls(hass, hp, now, 10)
    _readings(hass, 6000.0)
    now = await _polls(hass, hp, now, 30)
    assert _attributes(hass, "sensor.garden_heat_pump_spf_whole_system_since_setup_h4")["coverage_pct"] == 89


async def test_heat_the_meter_missed_raises_a_repair_issue_and_blocks_publication(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry
) -> None:
    hp = await _heat_pump(hass, **MID, **{CONF_ELEC_METER_INCLUDES: ["backup", "pumps"]})
    now = await _polls(hass, hp, time.time(), 30)
    publication = hass.states.get("sensor.garden_heat_pump_heatpumpmonitor_org_publication")
    assert publication is not None and publication.state == "not_publishable"
    # H4 and MID metered, but no statistics of a year here (no recorder)
    assert publication.attributes["reasons"] == ["no statistics to count the days measured"]
    assert publication.attributes["boundary"] == "H4"
    # running, 5 K warmer water at 40 C and 1.2 m3/h, and the heat meter reads 0 for 30 minutes
    _readings(hass, 0.0)
    now = await _polls(hass, hp, now, 30)
    issue = issue_registry.async_get_issue(DOMAIN, f"heat_meter_error_{hp.entry_id}")
    assert issue is not None and issue.translation_placeholders is not None
    assert issue.translation_placeholders["hours"] == "0.5"
    # rho cp q dT: about 6.9 kW for the 29 minutes between the first and the last failing poll
    assert float(issue.translation_placeholders["kwh"]) == pytest.approx(6.9 * 29 / 60, rel=0.03)
    publication = hass.states.get("sensor.garden_heat_pump_heatpumpmonitor_org_publication")
    assert publication is not None
    assert any(reason.startswith("heat-meter error") for reason in publication.attributes["reasons"])
    report = await async_get_config_entry_diagnostics(hass, hp)
    audit = report["heat_pump"]["audit"]
    assert audit["meters"]["heat_meter_class"] == 2 and audit["boundary"] == "H4"
    assert audit["publication"]["heat_meter_error"]["flagged"] is True
    # saved with the totals: a reload keeps the error counted
    assert await hass.config_entries.async_reload(hp.entry_id)
    await hass.async_block_till_done()
    assert hp.runtime_data.meter_error().seconds == pytest.approx(29 * 60)
    assert issue_registry.async_get_issue(DOMAIN, f"heat_meter_error_{hp.entry_id}") is not None
    # a removed heat pump leaves no repair issue behind
    assert await hass.config_entries.async_remove(hp.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, f"heat_meter_error_{hp.entry_id}") is None


async def test_the_meters_are_set_in_the_options(hass: HomeAssistant) -> None:
    hp = await _heat_pump(hass)
    assert [a.split(":")[0] for a in hp.runtime_data.meter_account.meters.assumptions] == [
        "heat_meter_class", "heat_meter_qp", "elec_meter_class"
    ]  # fmt: skip
    result = await hass.config_entries.options.async_init(hp.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], ROLES)
    assert result["step_id"] == "circuit"
    result = await hass.config_entries.options.async_configure(result["flow_id"], CIRCUIT | MID)
    assert result["step_id"] == "datasheet"
    result = await hass.config_entries.options.async_configure(result["flow_id"], {CONF_APPLICATION: "35"})
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    meters = hp.runtime_data.meter_account.meters
    assert (meters.heat_meter_class, meters.heat_meter_qp_m3h, meters.elec_meter_class) == (2, 1.5, 1.0)
    assert meters.assumptions == () and meters.mid_metered


RUN_LENGTH_FIGURES = (
    "compressor_starts",
    "compressor_starts_today",
    "mean_run_length_today",
    "runs_shorter_than_10_min_today",
)
RUN_TIME_FIGURES = ("compressor_run_time", "compressor_run_time_today")


async def _cycles(hass: HomeAssistant, hp: MockConfigEntry, start_s: float, poll_s: float) -> float:
    """Run, stop, run, stop, run: one poll each, ``poll_s`` apart; returns the clock after the last."""
    now = start_s
    for elec_w in (2000.0, 0.0, 2000.0, 0.0, 2000.0):
        _readings(hass, 3 * elec_w, elec_w)
        now += poll_s
        hp.runtime_data.clock = lambda now=now: now
        await hp.runtime_data.async_refresh()
    await hass.async_block_till_done()
    return now


async def test_cycling_figures_are_unknown_when_the_heat_pump_polls_coarser_than_the_engines_limit(
    hass: HomeAssistant,
) -> None:
    limit_s = RESOLUTION_LIMITS_S["cycling"][0]
    slow_s = limit_s + 180
    hp = await _heat_pump(hass, **{CONF_SCAN_INTERVAL: int(slow_s)})
    now = await _cycles(hass, hp, time.time(), slow_s)
    assert hp.runtime_data.live.totals.compressor_starts >= 2  # the engine counted; the figure cannot be trusted
    reason = resolution(slow_s)["cycling"]["reason"]
    assert reason is not None and f"{slow_s:g} s apart" in reason
    for key in RUN_LENGTH_FIGURES:
        state = hass.states.get(f"sensor.garden_heat_pump_{key}")
        assert state is not None and state.state == STATE_UNKNOWN, key
        assert state.attributes["reason"] == reason, key
    # the run time is kept, as an estimate that says so (each start and stop placed to within one poll)
    for key in RUN_TIME_FIGURES:
        state = hass.states.get(f"sensor.garden_heat_pump_{key}")
        assert state is not None and float(state.state) > 0, key
        assert "reason" not in state.attributes and reason in state.attributes["estimate"], key
        assert f"within one poll ({slow_s:g} s)" in state.attributes["estimate"], key
    # polled at the limit (the options change reloads the entry): the figures are shown, no reason, no note
    hass.config_entries.async_update_entry(hp, options={**hp.options, CONF_SCAN_INTERVAL: int(limit_s)})
    await hass.async_block_till_done()
    await _cycles(hass, hp, now, limit_s)
    for key in (*RUN_LENGTH_FIGURES, *RUN_TIME_FIGURES):
        state = hass.states.get(f"sensor.garden_heat_pump_{key}")
        assert state is not None and state.state != STATE_UNKNOWN, key
        assert "reason" not in state.attributes and "estimate" not in state.attributes, key
    starts = hass.states.get("sensor.garden_heat_pump_compressor_starts")
    assert starts is not None and int(starts.state) >= 4
