"""What ``analyze`` states beside each figure: its interval, boundary, coverage, resolution and publication check."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from custom_components.ashp_cop.engine.analyze import AnalysisOptions, analyze
from custom_components.ashp_cop.engine.timeseries import TimeSeries
from custom_components.ashp_cop.engine.uncertainty import MeterChoice

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
MID = MeterChoice(heat_meter_class=2, heat_meter_qp_m3h=1.5, elec_meter_class=1.0)


def _series(step_s: float, hours: float, **columns: Any) -> TimeSeries:
    t = T0 + np.arange(0.0, hours * 3600 + step_s / 2, step_s)
    data = {name: np.broadcast_to(np.asarray(v(t) if callable(v) else v, dtype=float), t.shape).copy()
            for name, v in columns.items()}  # fmt: skip
    return TimeSeries(t_s=t, columns=data)


def _plant(step_s: float, hours: float, **extra: Any) -> TimeSeries:
    """A unit running 40 min of each hour at 2 kW, 8 kW of heat at 40/35 C and 1.38 m3/h; 20 W standby."""
    on = lambda t: ((t - T0) % 3600 < 2400).astype(float)  # noqa: E731
    columns: dict[str, Any] = {"heat_power_w": lambda t: 8000 * on(t), "elec_power_w": lambda t: 2000 * on(t) + 20,
                               "flow_temp_c": lambda t: 35 + 5 * on(t), "return_temp_c": 35.0,
                               "flow_rate_m3h": lambda t: 1.38 * on(t)}  # fmt: skip
    return _series(step_s, hours, **(columns | extra))


def test_the_boundary_is_named_from_what_is_metered() -> None:
    plain = analyze(_plant(60, 24, backup_power_w=0.0))
    assert plain["boundary"] == "H3"  # backup metered, circulation pumps not
    assert analyze(_plant(60, 24))["boundary"] == "H2"  # backup heater unmetered
    assert analyze(_plant(60, 24, backup_power_w=0.0, pump_power_w=40.0))["boundary"] == "H4"
    declared = analyze(_plant(60, 24), AnalysisOptions(elec_meter_includes=frozenset({"backup", "pumps"})))
    assert declared["boundary"] == "H4"
    assert declared["modes"]["space_heating"]["boundary"] == "H4"


def test_the_interval_narrows_with_better_meters_and_lists_what_was_assumed() -> None:
    series = _plant(60, 24)
    assumed = analyze(series)
    stated = analyze(series, AnalysisOptions(meters=MID))
    class_1 = analyze(series, AnalysisOptions(meters=MeterChoice(heat_meter_class=1, heat_meter_qp_m3h=1.5,
                                                                 elec_meter_class=0.5)))  # fmt: skip
    widths = [r["uncertainty"]["relative_95"] for r in (assumed, stated, class_1)]
    assert widths[0] > widths[1] > widths[2] > 0
    for report in (assumed, stated, class_1):
        band = report["uncertainty"]
        assert band["spf_low"] < report["spf"] < band["spf_high"]
    assert [a.split(":")[0] for a in assumed["meters"]["assumptions"]] == [
        "heat_meter_class", "heat_meter_qp", "elec_meter_class"
    ]  # fmt: skip
    assert stated["meters"]["assumptions"] == []
    # per mode: all of it is space heating here, so the same interval
    assert stated["modes"]["space_heating"]["uncertainty"] == pytest.approx(stated["uncertainty"])
    assert stated["modes"]["hot_water"]["uncertainty"] == {"spf_low": None, "spf_high": None, "relative_95": None}


def test_coverage_counts_each_feed_and_the_hours_all_are_present() -> None:
    # 48 h at 1 min; the electricity meter silent for hours 10-13, the heat meter for 20-21
    def gap(start_h: float, end_h: float, value: float) -> Any:
        return lambda t: np.where((t >= T0 + start_h * 3600) & (t < T0 + end_h * 3600), np.nan, value)

    series = _series(60, 48 - 1 / 60, heat_power_w=gap(20, 22, 6000.0), elec_power_w=gap(10, 14, 2000.0))
    coverage = analyze(series)["coverage"]
    assert coverage["of_hours"] == pytest.approx(48)
    assert coverage["per_feed"]["elec"]["hours"] == pytest.approx(44)
    assert coverage["per_feed"]["heat"]["hours"] == pytest.approx(46)
    assert coverage["hours"] == pytest.approx(42)
    assert coverage["share"] == pytest.approx(42 / 48)
    assert coverage["days"] == pytest.approx(42 / 24)


def test_cycling_is_measured_from_fine_samples_and_refused_from_coarse_ones() -> None:
    fine = analyze(_plant(60, 24))
    assert fine["resolution"]["cycling"] == {"measurable": True, "limit_s": 120.0, "reason": None}
    assert fine["cycling"]["starts"] == 24 and "measurable" not in fine["cycling"]
    coarse = analyze(_plant(300, 24))
    assert coarse["cycling"] == {
        "source": "running_threshold", "measurable": False,
        "reason": "compressor starts and run lengths need samples at most 120 s apart; these are 300 s apart",
    }  # fmt: skip
    assert coarse["resolution"]["instantaneous_cop"]["measurable"] is False
    assert coarse["defrost"]["count"] is None and coarse["defrost"]["measurable"] is False


def test_a_heat_meter_that_shows_no_heat_while_running_is_flagged() -> None:
    # 7 days at 10 s; on day 3 the heat meter reads 0 for 12 hours (flow 40 C, dT 5 K, 1.38 m3/h)
    broken = lambda t: (t >= T0 + 2 * 86400) & (t < T0 + 2 * 86400 + 12 * 3600)  # noqa: E731
    on = lambda t: ((t - T0) % 3600 < 2400).astype(float)  # noqa: E731
    series = _plant(10, 7 * 24 - 1 / 360, heat_power_w=lambda t: np.where(broken(t), 0.0, 8000 * on(t)))
    report = analyze(series, AnalysisOptions(meters=MID, elec_meter_includes=frozenset({"backup", "pumps"})))
    error = report["publication"]["heat_meter_error"]
    assert error["checked"] is True and error["flagged"] is True
    assert error["seconds"] == pytest.approx(12 * 2400, abs=120)  # the 40 running minutes of each hour
    # rho cp q dT x 8 h: about 8 kW x 8 h, of 224 kWh of electricity: the COP moves by 0.29
    assert error["kwh"] == pytest.approx(64.0, rel=0.03)
    assert error["cop_shift"] == pytest.approx(64.0 / report["elec_kwh"], rel=0.03)
    assert any(r.startswith("heat-meter error") for r in report["publication"]["reasons"])
    assert report["publication"]["publishable"] is False
    # a one-minute gap in the heat meter's reading (runs of 60 s or less are ignored) is no error
    short = lambda t: (t >= T0 + 86400) & (t < T0 + 86400 + 60)  # noqa: E731
    fine = analyze(
        _plant(10, 7 * 24 - 1 / 360, heat_power_w=lambda t: np.where(short(t), 0.0, 8000 * on(t))),
        AnalysisOptions(meters=MID, elec_meter_includes=frozenset({"backup", "pumps"})),
    )
    assert fine["publication"]["heat_meter_error"]["seconds"] == 0.0
    assert fine["publication"] == {**fine["publication"], "publishable": True, "reasons": []}


def test_publication_needs_mid_meters_h4_and_the_days() -> None:
    # 7 days, data on 4 of them; meters not stated; backup unmetered
    present = lambda t: np.where(t < T0 + 4 * 86400, 2000.0, np.nan)  # noqa: E731
    report = analyze(_series(60, 7 * 24 - 1 / 60, heat_power_w=7000.0, elec_power_w=present))
    publication = report["publication"]
    assert publication["publishable"] is False
    assert publication["window_days"] == 7 and publication["days_in_window"] == pytest.approx(4.0)
    reasons = publication["reasons"]
    assert reasons[0].startswith("meter classes not stated (heat_meter_class: not stated")
    assert reasons[1] == "boundary H2, not H4: backup and pumps not metered"
    assert reasons[2] == "4.0 of the last 7 days measured; 5 needed"
    assert len(reasons) == 3


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "custom_components.ashp_cop.engine", *args], cwd=REPO, capture_output=True, text=True,
        check=False,
    )  # fmt: skip


def test_the_command_line_takes_the_meters_as_the_contract_names_them() -> None:
    sample = str(REPO / "samples" / "four_winter_days.csv")
    done = _run("analyze", sample, "--no-events", "--heat-meter-class", "1", "--heat-meter-qp", "1.5",
                "--heat-meter-dtmin", "2", "--elec-meter-class", "0.5", "--elec-meter-includes", "pumps")  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["meters"] == {"heat_source": "heat_meter", "heat_meter_class": 1, "heat_meter_qp_m3h": 1.5,
                                "heat_meter_dtmin_k": 2.0, "elec_meter_class": 0.5, "assumptions": []}  # fmt: skip
    assert set(report["uncertainty"]) == {"spf_low", "spf_high", "relative_95"}
    sensors = json.loads(
        _run("analyze", sample, "--no-events", "--flow-meter-pct", "1", "--temp-sensor-class", "AA").stdout
    )
    assert sensors["meters"]["heat_source"] == "flow_sensors"
    assert sensors["meters"]["assumptions"] == ["elec_meter_class: not stated, taken as class 2 (MID A)"]
    bad = _run("analyze", sample, "--elec-meter-includes", "fridge")
    assert bad.returncode == 2 and bad.stderr.startswith("error: --elec-meter-includes: 'fridge'")
    qp = _run("analyze", sample, "--heat-meter-qp", "0")
    assert qp.returncode == 2 and qp.stderr.startswith("error: --heat-meter-qp: must be greater than 0")
