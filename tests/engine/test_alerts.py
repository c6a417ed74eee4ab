"""Alerts hold only after their condition held for its sustain time; the baseline is the unit's own."""

from __future__ import annotations

from custom_components.ashp_cop.engine.alerts import AlertMonitor, AlertSettings, Conditions

SETTINGS = AlertSettings(low_cop=1.0, degradation_pct=20, sustain_s=600, stuck_s=300, baseline_samples=10)


def _run(monitor: AlertMonitor, start_s: float, minutes: int, **values: object) -> dict[str, bool]:
    active: dict[str, bool] = {}
    for minute in range(minutes):
        conditions = {"running": True, "defrost": False, "cop": 3.0, "outdoor_c": 5.0, "flow_temp_c": 35.0,
                      "return_temp_c": 31.0, "flow_m3h": 1.2 + 0.001 * (minute % 3)} | values  # fmt: skip
        active = monitor.update(Conditions(time_s=start_s + 60 * minute, **conditions))  # type: ignore[arg-type]
    return active


def test_low_cop_needs_the_sustain_time_and_clears() -> None:
    monitor = AlertMonitor(SETTINGS)
    assert not _run(monitor, 0, 10, cop=0.9)["low_cop"]  # 9 minutes of low COP: not yet
    assert _run(monitor, 600, 2, cop=0.9)["low_cop"]
    assert not _run(monitor, 720, 1, cop=2.5)["low_cop"]
    assert not _run(monitor, 780, 30, cop=0.9, defrost=True)["low_cop"]  # a defrost is not a fault


def test_degradation_against_the_learnt_baseline_in_the_same_cell() -> None:
    monitor = AlertMonitor(SETTINGS)
    _run(monitor, 0, 12, cop=3.0)  # learns 3.0 at 5 C outdoor, 35 C flow
    assert monitor.baseline_cop == 3.0
    assert not _run(monitor, 720, 15, cop=2.5)["degraded"]  # 17 % down: within the margin
    assert _run(monitor, 1620, 15, cop=2.3)["degraded"]  # 23 % down for 15 minutes
    assert not _run(monitor, 2520, 15, cop=2.3, outdoor_c=-5.0)["degraded"]  # other conditions: nothing learnt there


def test_flow_meter_stuck_after_it_had_varied() -> None:
    monitor = AlertMonitor(SETTINGS)
    _run(monitor, 0, 5)  # a jittering reading: a live meter
    assert not _run(monitor, 300, 5, flow_m3h=1.25)["flow_stuck"]  # 4 minutes unchanged: not yet
    assert _run(monitor, 600, 3, flow_m3h=1.25)["flow_stuck"]
    assert not _run(monitor, 780, 1)["flow_stuck"]
    coarse = AlertMonitor(SETTINGS)
    assert not _run(coarse, 0, 30, flow_m3h=1.2)["flow_stuck"]  # never varied: a coarse meter, not a stuck one


def test_no_flow_while_running() -> None:
    monitor = AlertMonitor(SETTINGS)
    assert _run(monitor, 0, 12, flow_m3h=0.0)["no_flow"]
    assert not _run(AlertMonitor(SETTINGS), 0, 12, flow_m3h=0.0, running=False)["no_flow"]


def test_baseline_survives_export_and_restore() -> None:
    monitor = AlertMonitor(SETTINGS)
    _run(monitor, 0, 12, cop=3.2)
    restored = AlertMonitor(SETTINGS)
    restored.restore(monitor.export())
    _run(restored, 0, 1, cop=3.2)
    assert restored.baseline_cop == monitor.baseline_cop
    before = restored.export()
    restored.restore({"cells": [["x"], [1, 2, 3]]})  # damaged entries are skipped
    assert restored.export() == before
