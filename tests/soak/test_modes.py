"""Acceptance of the operating modes (issue 10): the integration against the simulated plant with hot-water cycles.

Home Assistant's clock and the plant's run in step (as in the soak, without its faults), the recorder
compiling its statistics every 5 minutes. Checked: heat and electricity per mode within 1 % of the
simulator's truth per mode; compressor starts equal to the truth's exactly, and run time within one
poll per run; the per-mode seasonal figures (from the recorder's hourly statistics) equal the engine's
``analyze`` of the same hourly data. One simulated day here (about a minute);
``ASHP_MODES_DAYS=7 pytest tests/soak/test_modes.py -s`` runs the seven of the issue (the figures are
printed one a line, then all of them as one JSON line).

Starts are compared under one definition on both sides: a start is a change from stopped to running
after the integration's first sample. The heat pump's first sample is taken at set-up, at the plant's
time 0, and the truth's count is read then; the truth counts a start only when a step of the plant
turns the compressor on (a run going at time 0 is not one), the integration only when a poll finds it
running after one that found it stopped (a run going at its first sample is not one). The run has no
restart of Home Assistant (the soak's restarts are in test_soak.py; starts across a restart are
proved in tests/integration/test_cycling.py). The truth keeps no starts per mode, so none are compared.
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import freezegun.api
import pytest
from freezegun import freeze_time
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
    get_start_time,
)

from custom_components.ashp_cop.const import CONF_ENTRY_TYPE, CONF_MODE_MAP, CONF_ROLES, DOMAIN, ENTRY_HEAT_PUMP
from custom_components.ashp_cop.engine.cli import main
from custom_components.ashp_cop.engine.modes import Mode
from custom_components.ashp_cop.statistics import statistic_ids
from tests.integration.conftest import LONG_RUN_TIMEOUT_S, hub_data, plant_subentries
from tests.soak.harness import CIRCUIT, COUNTER_ROLES
from tools.simulator.devices import unit_id
from tools.simulator.server import ModbusServer, PlantSimulator

POLL_S = 30
# Shoulder-season weather (4 to 12 C most days): the unit modulates with defrosts in the cold nights and
# cycles on and off in the mild afternoons (7 to 21 starts a day), and reheats the tank twice a day. In
# the default 2 C it modulates all week and starts once: no test of the starts.
MEAN_OUTDOOR_C = 8.0
MODE_MAP = {"off": "off", "heating": "space_heating", "hot_water": "hot_water", "defrost": "unchanged",
            "cooling": "cooling"}  # fmt: skip
TRUTH = {Mode.SPACE_HEATING: "sh", Mode.HOT_WATER: "dhw"}
SLOT_S = 900  # each mode's quarter of an hour in the CSV rebuilt from hourly statistics
CYCLING = ("compressor_starts", "compressor_run_s")


@pytest.fixture
def recorder_config() -> dict[str, Any]:
    """Only the per-mode energies are recorded: their statistics are what is checked (and each state costs a commit)."""
    return {"include": {"entity_globs": ["sensor.soak_modes_*_energy"]}}


async def _entries(hass: HomeAssistant, port: int) -> tuple[MockConfigEntry, MockConfigEntry]:
    data = hub_data(port, scan_interval=24 * 3600, timeout=LONG_RUN_TIMEOUT_S)
    hub = MockConfigEntry(domain=DOMAIN, title="tcp://127.0.0.1", unique_id=f"127.0.0.1:{port}",
                          data=data, subentries_data=plant_subentries())  # type: ignore[arg-type]  # fmt: skip
    hub.add_to_hass(hass)
    assert await hass.config_entries.async_setup(hub.entry_id)
    await hass.async_block_till_done()
    registry = er.async_get(hass)
    roles = {}
    for role, offset, key in (*COUNTER_ROLES, ("operating_mode", 6, "operating_mode")):
        domain = "binary_sensor" if role == "defrost" else "sensor"
        entity_id = registry.async_get_entity_id(domain, DOMAIN, f"device_{unit_id(0, offset)}_{key}")
        assert entity_id is not None
        roles[role] = entity_id
    data = {CONF_ENTRY_TYPE: ENTRY_HEAT_PUMP, CONF_ROLES: roles, CONF_MODE_MAP: MODE_MAP, **CIRCUIT}
    hp = MockConfigEntry(domain=DOMAIN, title="Soak modes", data=data)
    hp.add_to_hass(hass)
    assert await hass.config_entries.async_setup(hp.entry_id)
    await hass.async_block_till_done()
    return hub, hp


async def _compile(hass: HomeAssistant) -> None:
    await async_wait_recording_done(hass)
    do_adhoc_statistics(hass, start=get_start_time(dt_util.utcnow() - timedelta(minutes=5)))
    await async_wait_recording_done(hass)


def _hourly_csv(path: Path, hourly: dict[str, dict[float, float]], ids: dict[str, dict[str, str]]) -> None:
    """A time series whose analysis has exactly the hourly per-mode energies: each mode a quarter hour of constant
    power (ramped over 1 s at either end, the ramps' halves counted to the mode, so 899 s of full power)."""
    hours = sorted({hour for parts in ids.values() for hour in hourly.get(parts["elec"], {})})
    lines = ["timestamp,heat_power_w,elec_power_w,mode"]
    for hour in hours:
        for slot, (mode, parts) in enumerate(ids.items()):
            heat = hourly.get(parts["heat"], {}).get(hour, 0.0) - hourly.get(parts.get("drawn", ""), {}).get(hour, 0.0)
            heat = -heat if mode == Mode.COOLING.value else heat
            elec = hourly.get(parts["elec"], {}).get(hour, 0.0)
            start = hour + slot * SLOT_S
            heat_w, elec_w = (1000.0 * kwh * 3600.0 / (SLOT_S - 1) for kwh in (heat, elec))
            for t, h, e in ((start, 0.0, 0.0), (start + 1, heat_w, elec_w), (start + SLOT_S - 1, heat_w, elec_w)):
                lines.append(f"{datetime.fromtimestamp(t, UTC).isoformat()},{h!r},{e!r},{mode}")
    last = hours[-1] + len(ids) * SLOT_S
    lines.append(f"{datetime.fromtimestamp(last, UTC).isoformat()},0.0,0.0,off")
    path.write_text("\n".join(lines) + "\n")


async def test_energy_per_mode_over_days_with_hot_water_cycles(
    hass: HomeAssistant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    days = float(os.environ.get("ASHP_MODES_DAYS", "1"))
    wall_start = freezegun.api.real_monotonic()  # through freezegun.api: the module's own name would be frozen
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    loop = asyncio.get_running_loop()
    loop.set_debug(False)
    frozen_loop_time = loop.time
    with freeze_time(start, real_asyncio=True) as frozen:
        loop.time = freezegun.api.real_monotonic  # type: ignore[method-assign]  # see tests/soak/test_soak.py
        sim = PlantSimulator(1, seed=7, speed=0.0, start_s=0.0, hot_water=True, mean_outdoor_c=MEAN_OUTDOOR_C)
        server = ModbusServer(sim)
        await server.start_tcp()
        try:
            hub, hp = await _entries(hass, server.port)
            truth = sim.plant.heat_pumps[0].truth
            before = {name: getattr(truth, name) for name in ("sh_heat_kwh", "sh_elec_kwh", "dhw_heat_kwh",
                                                               "dhw_elec_kwh", *CYCLING)}  # fmt: skip
            cycles_before = {name: getattr(hp.runtime_data.live.totals, name) for name in CYCLING}
            modes = hp.runtime_data.mode_statistics
            assert modes is not None
            modes.async_stop()  # its timer runs on the loop's clock, not frozen: the loop below ends each hour
            for step in range(int(days * 86400 / POLL_S)):
                sim.advance(POLL_S)
                frozen.tick(timedelta(seconds=POLL_S))
                await hub.runtime_data.async_refresh()
                await hp.runtime_data.async_refresh()
                if (step + 1) * POLL_S % 300 == 0:
                    await hass.async_block_till_done()
                    await _compile(hass)
                if (step + 1) * POLL_S % 3600 == 0:  # what its hourly timer does (the loop's clock is not frozen)
                    modes.hour_ended(dt_util.utcnow())
                    await hass.async_block_till_done()
            await _compile(hass)
            seasonal = hp.runtime_data.seasonal
            assert seasonal is not None
            await seasonal.async_refresh()
            lifetime = seasonal.data["lifetime"]
            ids = seasonal_ids(hass, hp)
            rows = await get_instance(hass).async_add_executor_job(
                statistics_during_period, hass, start, dt_util.parse_datetime(lifetime["end"]),
                {i for parts in ids.values() for i in parts.values()}, "hour", None, {"change"},
            )  # fmt: skip
            hourly = {sid: {float(r["start"]): float(r["change"] or 0.0) for r in entries}  # type: ignore[literal-required]
                      for sid, entries in rows.items()}  # fmt: skip
        finally:
            await server.close()
            loop.time = frozen_loop_time  # type: ignore[method-assign]

    totals = hp.runtime_data.live.totals
    starts = totals.compressor_starts - cycles_before["compressor_starts"]
    true_starts = truth.compressor_starts - before["compressor_starts"]
    run_error_s = (totals.compressor_run_s - cycles_before["compressor_run_s"]) - (
        truth.compressor_run_s - before["compressor_run_s"])  # fmt: skip
    live = hp.runtime_data.live.modes.totals
    report: dict[str, Any] = {"days": days, "modes": {}, "cycling": {
        "starts": starts, "truth_starts": true_starts, "shown_starts": _shown(hass, hp, "compressor_starts"),
        "run_h": round((totals.compressor_run_s - cycles_before["compressor_run_s"]) / 3600, 3),
        "truth_run_h": round((truth.compressor_run_s - before["compressor_run_s"]) / 3600, 3),
        "run_error_s": round(run_error_s, 1), "run_tolerance_s": POLL_S * (true_starts + 1),
    }}  # fmt: skip
    for mode, prefix in TRUTH.items():
        true_heat = getattr(truth, f"{prefix}_heat_kwh") - before[f"{prefix}_heat_kwh"]
        true_elec = getattr(truth, f"{prefix}_elec_kwh") - before[f"{prefix}_elec_kwh"]
        report["modes"][mode.value] = {
            "heat_kwh": round(live[mode].net_heat_kwh, 3), "truth_heat_kwh": round(true_heat, 3),
            "heat_error_pct": round(100 * (live[mode].net_heat_kwh / true_heat - 1), 3),
            "elec_kwh": round(live[mode].elec_kwh, 3), "truth_elec_kwh": round(true_elec, 3),
            "elec_error_pct": round(100 * (live[mode].elec_kwh / true_elec - 1), 3),
            "lifetime_spf": lifetime["modes"][mode.value]["spf"],
        }  # fmt: skip

    csv = tmp_path / "hourly.csv"
    _hourly_csv(csv, hourly, {mode: parts for mode, parts in ids.items() if mode != Mode.OFF.value})
    assert main(["analyze", str(csv), "--max-gap", str(SLOT_S), "--no-events"]) == 0
    analysed = json.loads(capsys.readouterr().out)["modes"]
    for mode in TRUTH:
        report["modes"][mode.value]["analyze_cop"] = analysed[mode.value]["cop"]
    report["wall_s"] = round(freezegun.api.real_monotonic() - wall_start, 1)
    _print_figures(report)

    # Starts exactly; run time: each run's start and end are each seen at the first poll after them, so a
    # run's length is off by less than one poll, and so is the run going at the first sample. The entry is
    # configured to poll once a day (the test polls it every POLL_S itself), so by the engine's resolution
    # rule its starts sensor shows no figure, with the reason (tests/integration/test_cycling.py shows them).
    cycling = report["cycling"]
    assert cycling["starts"] == cycling["truth_starts"], cycling
    assert cycling["shown_starts"] is None, cycling
    assert "120 s apart" in _attribute(hass, hp, "compressor_starts", "reason")
    assert abs(cycling["run_error_s"]) <= cycling["run_tolerance_s"], cycling
    assert cycling["truth_starts"] >= 10 * days  # the unit cycled and reheated the tank

    for mode, figures in report["modes"].items():
        assert abs(figures["heat_error_pct"]) <= 1.0, (mode, figures)
        assert abs(figures["elec_error_pct"]) <= 1.0, (mode, figures)
        assert figures["analyze_cop"] == pytest.approx(figures["lifetime_spf"], abs=1e-4), (mode, figures)
        assert analysed[mode]["heat_kwh"] == pytest.approx(lifetime["modes"][mode]["heat_kwh"], abs=1e-3)
    assert report["modes"]["hot_water"]["truth_heat_kwh"] > 4 * days  # two reheats a day ran


def seasonal_ids(hass: HomeAssistant, hp: MockConfigEntry) -> dict[str, dict[str, str]]:
    """Each mode's statistics the seasonal figures read: the integration's own (its sensors are disabled)."""
    return statistic_ids(hass, hp.entry_id, dict(hp.data[CONF_ROLES])).modes


def _attribute(hass: HomeAssistant, hp: MockConfigEntry, key: str, name: str) -> str:
    """An attribute of a heat pump's sensor, as text ("" where there is none)."""
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{hp.entry_id}_{key}")
    state = hass.states.get(entity_id) if entity_id else None
    return "" if state is None else str(state.attributes.get(name, ""))


def _shown(hass: HomeAssistant, hp: MockConfigEntry, key: str) -> float | None:
    """What a heat pump's sensor shows (None: no such sensor or no number)."""
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{hp.entry_id}_{key}")
    state = hass.states.get(entity_id) if entity_id else None
    try:
        return float(state.state) if state is not None else None
    except ValueError:
        return None


def _print_figures(report: dict[str, Any]) -> None:
    """The figures one a line (read them from ``pytest -s``), then the whole report as one JSON line."""
    for mode, f in report["modes"].items():
        print(
            f"{mode}: heat {f['heat_kwh']} kWh vs truth {f['truth_heat_kwh']} ({f['heat_error_pct']:+.3f} %), "
            f"elec {f['elec_kwh']} kWh vs truth {f['truth_elec_kwh']} ({f['elec_error_pct']:+.3f} %)"
        )
    for mode, f in report["modes"].items():
        print(
            f"{mode}: lifetime SPF from statistics {f['lifetime_spf']} vs analyze of the hourly data {f['analyze_cop']}"
        )
    c = report["cycling"]
    print(f"compressor starts: integration {c['starts']} (sensor {c['shown_starts']}) vs truth {c['truth_starts']}")
    print(
        f"compressor run time: integration {c['run_h']} h vs truth {c['truth_run_h']} h "
        f"({c['run_error_s']:+} s, tolerance {c['run_tolerance_s']} s)"
    )
    print(f"{report['days']} simulated days in {report['wall_s']} s of wall time")
    print(json.dumps(report, separators=(",", ":")))
