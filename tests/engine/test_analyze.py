"""The field report on series whose answers are known in advance."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from custom_components.ashp_cop.engine import analyze as analyze_module
from custom_components.ashp_cop.engine import timeseries as timeseries_module
from custom_components.ashp_cop.engine.analyze import AnalysisOptions, analyze
from custom_components.ashp_cop.engine.errors import EngineInputError
from custom_components.ashp_cop.engine.timeseries import TimeSeries, read_csv

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


def _series(step_s: float, hours: float, **columns: object) -> TimeSeries:
    t = T0 + np.arange(0.0, hours * 3600 + step_s / 2, step_s)
    data = {name: np.broadcast_to(np.asarray(v(t) if callable(v) else v, dtype=float), t.shape).copy()
            for name, v in columns.items()}  # fmt: skip
    return TimeSeries(t_s=t, columns=data)


def test_constant_operation_gives_exact_energies_and_spf() -> None:
    series = _series(60, 10, heat_power_w=6000, elec_power_w=2000, backup_power_w=0, pump_power_w=50)
    report = analyze(series)
    assert report["heat_kwh"] == pytest.approx(60.0)
    assert report["elec_kwh"] == pytest.approx(20.5)
    assert report["spf"] == pytest.approx(60 / 20.5)
    assert report["spf_boundaries"] == pytest.approx({"unit": 3.0, "unit_backup": 3.0, "system": 60 / 20.5})
    assert report["running_hours"] == pytest.approx(10.0)


def test_boundaries_separate_backup_pumps_and_standby() -> None:
    # 5 h running at 2 kW with a 1 kW backup heater, then 5 h standby at 20 W; pump 50 W throughout.
    running = lambda t: np.where(t < T0 + 5 * 3600, 1.0, 0.0)  # noqa: E731
    series = _series(
        60,
        10,
        heat_power_w=lambda t: 7000 * running(t),
        elec_power_w=lambda t: 2000 * running(t) + 20 * (1 - running(t)),
        backup_power_w=lambda t: 1000 * running(t),
        pump_power_w=50,
    )
    report = analyze(series)
    breakdown = report["elec_breakdown_kwh"]
    assert breakdown["pumps"] == pytest.approx(0.5)
    # 299 minutes at 2 kW, the switching minute at the mean of 2 kW and 20 W (running), 300 minutes at 20 W
    assert breakdown["unit_running"] == pytest.approx((299 * 2000 + 1010) / 60 / 1000)
    assert breakdown["unit_standby"] == pytest.approx(300 * 20 / 60 / 1000)
    heat = report["heat_kwh"]
    assert report["spf_boundaries"]["unit"] == pytest.approx((heat - breakdown["backup"]) / breakdown["unit_running"])
    assert report["spf_boundaries"]["unit_backup"] == pytest.approx(
        heat / (breakdown["unit_running"] + breakdown["backup"])
    )
    assert report["spf"] == pytest.approx(heat / report["elec_kwh"])
    assert report["spf_boundaries"]["unit"] > report["spf_boundaries"]["unit_backup"] > report["spf"]
    unmetered = analyze(series, AnalysisOptions(backup_heat_metered=False))
    assert unmetered["spf"] == pytest.approx((heat + breakdown["backup"]) / report["elec_kwh"])


def test_defrost_is_netted_and_its_share_reported() -> None:
    # one defrost of 5 minutes each hour drawing 3 kW back, signalled by the controller
    minute = lambda t: ((t - T0) // 60) % 60  # noqa: E731
    series = _series(
        60,
        6,
        heat_power_w=lambda t: np.where(minute(t) < 5, -3000.0, 6000.0),
        elec_power_w=1500,
        defrost=lambda t: (minute(t) < 5).astype(float),
    )
    report = analyze(series)
    defrost = report["defrost"]
    assert defrost["source"] == "signal"
    assert defrost["count"] == 7  # at 0, 1, ... 6 h
    assert report["heat_kwh"] == pytest.approx(report["heat_positive_kwh"] - defrost["heat_kwh"])
    assert defrost["heat_share"] == pytest.approx(defrost["heat_kwh"] / report["heat_positive_kwh"])
    assert defrost["events"][1]["duration_s"] == 300.0
    assert defrost["events"][1]["start"] == "2026-01-01T01:00:00+00:00"
    # the last cycle starts on the final sample: its heat is the tail of the series
    assert sum(e["heat_drawn_kwh"] for e in defrost["events"]) == pytest.approx(defrost["heat_kwh"], rel=1e-9)


def test_heat_from_temperatures_and_flow_when_no_heat_meter() -> None:
    series = _series(10, 1, flow_temp_c=35.0, return_temp_c=30.0, flow_rate_m3h=1.2, elec_power_w=2000)
    report = analyze(series)
    assert report["heat_kwh"] == pytest.approx(6.95, rel=0.01)
    assert report["defrost"]["source"] == "reversed_flow"


def test_any_sampling_interval_without_options() -> None:
    profile = lambda t: 4000 + 2000 * np.sin((t - T0) / 3600 * np.pi / 4)  # noqa: E731
    fine = analyze(_series(1, 8, heat_power_w=profile, elec_power_w=1200))
    hourly = analyze(_series(3600, 8, heat_power_w=profile, elec_power_w=1200))
    assert fine["sampling_interval_s"] == 1.0 and hourly["sampling_interval_s"] == 3600.0
    assert fine["heat_kwh"] == pytest.approx(hourly["heat_kwh"], rel=0.02)
    assert fine["elec_kwh"] == pytest.approx(hourly["elec_kwh"], rel=1e-9)


def test_missing_columns_are_named() -> None:
    with pytest.raises(EngineInputError, match="elec_power_w: missing column"):
        analyze(_series(60, 1, heat_power_w=1000))
    with pytest.raises(EngineInputError, match="heat_power_w: missing column"):
        analyze(_series(60, 1, elec_power_w=1000, flow_temp_c=35))


def test_flow_temperature_outside_the_medium_range_is_refused() -> None:
    series = _series(60, 1, flow_temp_c=-3.0, return_temp_c=30.0, flow_rate_m3h=1.0, elec_power_w=1000)
    with pytest.raises(EngineInputError, match="flow_temp_c: -3 C is outside the liquid range of water"):
        analyze(series)


def test_sample_file_report_is_reproducible_bit_for_bit() -> None:
    path = REPO / "samples" / "four_winter_days.csv"
    first = json.dumps(analyze(read_csv(path)), sort_keys=True)
    second = json.dumps(analyze(read_csv(path)), sort_keys=True)
    assert first == second
    report = json.loads(first)
    assert 2.5 < report["spf"] < 4.5
    assert report["defrost"]["count"] > 10
    assert report["climate_normalised"]["scop"] is not None
    assert report["frosting_penalty"]["penalty"] > 0.05


def _flat(value: object, path: str = "") -> dict[str, object]:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _flat(item, f"{path}.{key}").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in _flat(item, f"{path}[{i}]").items()}
    return {path: value}


@pytest.mark.parametrize("rows_per_chunk", [7, 100, 1000])
def test_a_long_series_analysed_in_chunks_gives_the_same_report(
    rows_per_chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks cut at whole hours (7 rows is less than one hour of the sample: cut at the next hour)."""
    sample = read_csv(REPO / "samples" / "four_winter_days.csv")
    series = TimeSeries(sample.t_s + 57 * 60, sample.columns)  # the sample's defrosts then cross whole hours
    whole = _flat(analyze(series))
    monkeypatch.setattr(analyze_module, "ROWS_PER_CHUNK", rows_per_chunk)
    chunked = _flat(analyze(series))
    assert chunked.keys() == whole.keys()
    events = analyze(series)["defrost"]["events"]  # type: ignore[index]
    spanning = [e for e in events if e["start"][:13] != e["end"][:13]]
    assert len(events) == 59 and spanning  # cycles across an hour (a chunk's end) are joined, none lost or split
    for key, value in whole.items():
        if isinstance(value, float):
            assert chunked[key] == pytest.approx(value, rel=1e-12, abs=1e-12), key
        else:
            assert chunked[key] == value, key


def test_the_command_line_streams_the_file_with_the_same_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    """SpooledCsv (blocks through a temporary file) against the whole file in memory."""
    path = REPO / "samples" / "four_winter_days.csv"
    in_memory = analyze(read_csv(path))
    monkeypatch.setattr(timeseries_module, "ROWS_PER_BLOCK", 100)
    monkeypatch.setattr(timeseries_module, "SPOOL_IN_MEMORY_BYTES", 1000)  # spill to disk
    with timeseries_module.SpooledCsv(path) as spooled:
        assert spooled.rows == 2880 and spooled.median_step_s() == 120.0
        assert analyze(spooled) == in_memory  # one chunk: numpy's own sums, bit for bit


def test_a_defrost_flag_held_across_a_chunk_end_stays_one_cycle(monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing flag keeps the last state: the chunk after the cut starts inside the cycle."""
    # 1-minute samples over three hours; the flag rises at 00:50, is missing 00:51-01:09, falls at 01:10.
    minute = np.arange(181.0)
    flag = np.where(minute < 50, 0.0, np.where(minute == 50, 1.0, np.where(minute < 70, np.nan, 0.0)))
    series = _series(60, 3, heat_power_w=lambda t: np.where((t - T0) / 60 == 55, -2000.0, 6000.0),
                     elec_power_w=2000, defrost=flag)  # fmt: skip
    whole = analyze(series)["defrost"]
    monkeypatch.setattr(analyze_module, "ROWS_PER_CHUNK", 30)  # cut at 01:00, inside the cycle
    chunked = analyze(series)["defrost"]
    assert chunked == whole
    assert whole["count"] == 1 and whole["total_duration_s"] == 20 * 60  # type: ignore[index]
