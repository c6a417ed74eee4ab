"""Rows that are means over their hour (heatpumpmonitor.org's export) integrated as such (interval_means.py)."""

from __future__ import annotations

import csv
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from custom_components.ashp_cop.engine.analyze import AnalysisOptions, analyze
from custom_components.ashp_cop.engine.cli import main
from custom_components.ashp_cop.engine.errors import EngineInputError
from custom_components.ashp_cop.engine.interval_means import as_instants, prepared
from custom_components.ashp_cop.engine.timeseries import PRESETS, TimeSeries, read_csv

HOUR_S = 3600.0


def _hourly(heat_w: list[float], elec_w: list[float], hours: list[int]) -> TimeSeries:
    t_s = np.array([1_735_689_600.0 + HOUR_S * h for h in hours])  # 2025-01-01T00:00Z
    return TimeSeries(t_s=t_s, columns={"heat_power_w": np.array(heat_w), "elec_power_w": np.array(elec_w)})


def test_every_valid_hour_counts_its_mean_times_the_hour_also_alone_and_beside_a_missing_reading() -> None:
    # a run of 3 hours, a missing hour, a lone hour, two missing hours, a run of 3 with its middle heat missing
    hours = [0, 1, 2, 4, 7, 8, 9]
    heat = [6000.0, 5000.0, 4000.0, 3000.0, 2000.0, float("nan"), 1000.0]
    elec = [2000.0, 1500.0, 1000.0, 1000.0, 500.0, 400.0, 250.0]
    series = _hourly(heat, elec, hours)
    instants, gap_s = prepared(series, "heatpumpmonitor")
    assert gap_s == 1.5 * HOUR_S
    report = analyze(instants, AnalysisOptions(max_gap_s=gap_s))
    valid = [i for i, h in enumerate(heat) if h == h]
    assert report["heat_kwh"] == pytest.approx(sum(heat[i] for i in valid) / 1000, rel=1e-12)
    assert report["elec_kwh"] == pytest.approx(sum(elec[i] for i in valid) / 1000, rel=1e-12)
    assert report["measured_hours"] == pytest.approx(len(valid))
    # read as instants the trapezoid counted half of each run's edge hours and the lone hour not at all
    as_read = analyze(series, AnalysisOptions(max_gap_s=gap_s))
    assert as_read["heat_kwh"] == pytest.approx((6000 / 2 + 5000 + 4000 / 2) / 1000)


def test_a_preset_without_interval_means_and_rows_too_close_are_left_or_named() -> None:
    series = _hourly([1.0, 2.0], [1.0, 1.0], [0, 1])
    same, gap_s = prepared(series, None)
    assert same is series and gap_s is None  # not a means preset: read as before
    close = TimeSeries(t_s=np.array([0.0, 3600.0, 3601.0]),
                       columns={"heat_power_w": np.ones(3), "elec_power_w": np.ones(3)})  # fmt: skip
    with pytest.raises(EngineInputError, match="rows less than 1800 s apart cannot be means over 3600 s intervals"):
        list(as_instants([close], HOUR_S))


def _published(shared: Path, system: int, year: str) -> dict[str, str]:
    with (shared / "field" / "computed_spf_by_period.csv").open(encoding="utf-8") as handle:
        return next(r for r in csv.DictReader(handle) if r["system_id"] == str(system) and r["period"] == year)


def test_system_72_in_2025_is_the_published_spf(shared_validation: Path) -> None:
    """0.75 % high read as instants (55 runs of valid hours, 41 of them under 5 hours); now within 0.01 %."""
    path = shared_validation / "field" / "system_72_hourly_2023-2026.csv.gz"
    series, gap_s = prepared(read_csv(path, PRESETS["heatpumpmonitor"]), "heatpumpmonitor")
    year = series.between(datetime(2025, 1, 1, tzinfo=UTC).timestamp(), datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    report = analyze(year, AnalysisOptions(max_gap_s=gap_s, list_defrost_events=False))
    published = _published(shared_validation, 72, "2025")
    assert report["spf"] == pytest.approx(float(published["spf"]), rel=1e-4)
    assert report["heat_kwh"] == pytest.approx(float(published["heat_kwh"]), rel=5e-4)
    assert report["measured_hours"] == pytest.approx(float(published["valid_hours"]), abs=1.5)


def test_the_command_line_reads_the_preset_as_means_and_reports_the_files_rows(
    shared_validation: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = shared_validation / "field" / "system_72_hourly_2023-2026.csv.gz"
    assert main(["analyze", str(path), "--preset", "heatpumpmonitor", "--no-events"]) == 0
    report = json.loads(capsys.readouterr().out)
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    valid = [r for r in rows if r["heatpump_heat"] and r["heatpump_elec"]]
    spf = sum(float(r["heatpump_heat"]) for r in valid) / sum(float(r["heatpump_elec"]) for r in valid)
    assert report["rows"] == len(rows) and report["rows_are_interval_means_s"] == HOUR_S
    assert report["start"] == datetime.fromisoformat(rows[0]["timestamp"]).astimezone(UTC).isoformat()
    assert report["spf"] == pytest.approx(spf, rel=1e-4)


def test_any_file_of_interval_means_is_read_so_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """export_history's files are hourly means too: --interval-means counts each row's hour (here a lone one)."""
    path = tmp_path / "export.csv"
    rows = [(0, 4000, 1000), (2, 3000, 1000), (3, 6000, 2000), (4, 2000, 500)]  # a lone hour, then a run of 3
    path.write_text("timestamp,heat_power_w,elec_power_w\n" + "".join(
        f"2025-01-01T{hour:02d}:00:00+00:00,{heat},{elec}\n" for hour, heat, elec in rows))  # fmt: skip
    assert main(["analyze", str(path), "--no-events", "--interval-means"]) == 0  # the step: the median, 1 h
    report = json.loads(capsys.readouterr().out)
    assert (report["heat_kwh"], report["elec_kwh"], report["rows"]) == (pytest.approx(15.0), pytest.approx(4.5), 4)
    assert report["rows_are_interval_means_s"] == HOUR_S and report["measured_hours"] == pytest.approx(4.0)
    assert main(["analyze", str(path), "--no-events"]) == 0
    assert json.loads(capsys.readouterr().out)["heat_kwh"] == pytest.approx(8.5)  # as instants: 2 intervals
