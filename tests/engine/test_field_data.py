"""Yearly SPFs of four real systems (heatpumpmonitor.org hourly data)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from custom_components.ashp_cop.engine.analyze import AnalysisOptions, analyze
from custom_components.ashp_cop.engine.timeseries import PRESETS, read_csv

SYSTEMS = (44, 72, 162, 351)


@pytest.mark.parametrize("system", SYSTEMS)
def test_yearly_spf_matches_the_published_figures(system: int, shared_validation: Path) -> None:
    # The shared files are read as they are, gzipped.
    series = read_csv(
        shared_validation / "field" / f"system_{system}_hourly_2023-2026.csv.gz", PRESETS["heatpumpmonitor"]
    )
    with (shared_validation / "field" / "computed_spf_by_period.csv").open(encoding="utf-8") as handle:
        years = [r for r in csv.DictReader(handle) if r["system_id"] == str(system) and r["period"].isdigit()]
    assert years
    for row in years:
        year = int(row["period"])
        start = datetime(year, 1, 1, tzinfo=UTC).timestamp()
        end = datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()
        report = analyze(series.between(start, end), AnalysisOptions(list_defrost_events=False))
        # The reference sums hourly means; the trapezoid cannot integrate an hour
        # that stands alone between gaps (system 72 has 55 such hours in 2025,
        # 0.75 % of the SPF). Everywhere else the two agree within 0.05 %.
        assert report["spf"] == pytest.approx(float(row["spf"]), rel=0.01), row["period"]
        assert report["heat_kwh"] == pytest.approx(float(row["heat_kwh"]), rel=0.01), row["period"]
        assert report["measured_hours"] <= float(row["valid_hours"])


@pytest.mark.parametrize("system", SYSTEMS)
def test_coverage_hours_are_the_published_valid_hours_and_hourly_data_gives_no_cycling(
    system: int, shared_validation: Path
) -> None:
    """Per calendar year, the hours with heat and electricity both present are the reference's
    ``valid_hours``; hourly means show no compressor start, run length or defrost event."""
    series = read_csv(
        shared_validation / "field" / f"system_{system}_hourly_2023-2026.csv.gz", PRESETS["heatpumpmonitor"]
    )
    with (shared_validation / "field" / "computed_spf_by_period.csv").open(encoding="utf-8") as handle:
        years = [r for r in csv.DictReader(handle) if r["system_id"] == str(system) and r["period"].isdigit()]
    for row in years:
        year = int(row["period"])
        start = datetime(year, 1, 1, tzinfo=UTC).timestamp()
        end = datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()
        report = analyze(series.between(start, end), AnalysisOptions(list_defrost_events=False))
        coverage = report["coverage"]
        assert isinstance(coverage, dict)
        assert coverage["hours"] == float(row["valid_hours"]), row["period"]
        assert coverage["days"] == float(row["valid_hours"]) / 24
        cycling = report["cycling"]
        assert isinstance(cycling, dict)
        assert cycling["measurable"] is False
        assert "120 s" in cycling["reason"]
        assert "starts" not in cycling and "mean_run_min" not in cycling
        defrost = report["defrost"]
        assert isinstance(defrost, dict)
        assert defrost["count"] is None and defrost["measurable"] is False
        # an interval beside the SPF that holds it, from the stated-conservative default classes
        band = report["uncertainty"]
        assert isinstance(band, dict)
        assert band["spf_low"] < report["spf"] < band["spf_high"]
