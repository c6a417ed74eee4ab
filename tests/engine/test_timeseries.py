"""CSV time series: strict parsing with errors that name the row and the field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from custom_components.ashp_cop.engine.errors import EngineInputError
from custom_components.ashp_cop.engine.timeseries import PRESETS, read_csv

HEADER = "timestamp,elec_power_w,heat_power_w\n"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "series.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_offsets_empty_cells_and_ignored_columns(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "timestamp,elec_power_w,heat_power_w,room\n"
        "2026-01-01T00:00:00+01:00,1000,3000,20\n"
        "2025-12-31T23:01:00Z,,3100,20\n",
    )
    series = read_csv(path)
    assert series.t_s.tolist() == [1767222000.0, 1767222060.0]
    assert np.isnan(series.columns["elec_power_w"][1])
    assert series.ignored_columns == ("room",)


def test_litres_per_minute_become_cubic_metres_per_hour(tmp_path: Path) -> None:
    path = _write(tmp_path, "timestamp,flow_rate_lpm\n2026-01-01T00:00:00Z,20\n2026-01-01T00:01:00Z,25\n")
    assert read_csv(path).columns["flow_rate_m3h"].tolist() == pytest.approx([1.2, 1.5])


def test_column_map_and_preset(tmp_path: Path) -> None:
    path = _write(tmp_path, "timestamp,heatpump_elec,heatpump_heat\n2026-01-01T00:00:00Z,500,1500\n")
    series = read_csv(path, PRESETS["heatpumpmonitor"])
    assert series.columns["heat_power_w"].tolist() == [1500.0]
    with pytest.raises(EngineInputError, match="'power' is not a column"):
        read_csv(path, {"power": "heatpump_elec"})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("2026-01-01T00:00:00Z,1,1\n2026-01-01T00:00:00Z,1,1\n", "timestamp: duplicate timestamps at rows 3"),
        ("2026-01-01T00:01:00Z,1,1\n2026-01-01T00:00:00Z,1,1\n", "timestamp: timestamps go backwards at rows 3"),
        ("2026-01-01T00:00:00,1,1\n", "timestamp: row 2: .* has no UTC offset"),
        ("yesterday,1,1\n", "timestamp: row 2: 'yesterday' is not an ISO 8601 time"),
        ("2026-01-01T00:00:00Z,NaN,1\n", "elec_power_w: row 2: 'NaN' is not a finite number"),
        ("2026-01-01T00:00:00Z,1,inf\n", "heat_power_w: row 2: 'inf' is not a finite number"),
        ("2026-01-01T00:00:00Z,1,lots\n", "heat_power_w: row 2: 'lots' is not a number"),
        ("2026-01-01T00:00:00Z,1\n", "file: row 2 has 2 cells, the header has 3"),
        ("", "timestamp: the file has no data rows"),
    ],
)
def test_bad_files_are_refused_naming_the_problem(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(EngineInputError, match=message):
        read_csv(_write(tmp_path, HEADER + body))


def test_duplicates_are_listed_not_silently_dropped(tmp_path: Path) -> None:
    rows = "".join(f"2026-01-01T00:0{i // 2}:00Z,1,1\n" for i in range(16))
    with pytest.raises(EngineInputError, match=r"rows 3, 5, 7, 9, 11 and 3 more"):
        read_csv(_write(tmp_path, HEADER + rows))


def test_missing_timestamp_column_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(EngineInputError, match="timestamp: missing column"):
        read_csv(_write(tmp_path, "time,elec_power_w\n1,2\n"))
    with pytest.raises(EngineInputError, match="file: cannot open"):
        read_csv(tmp_path / "absent.csv")


def test_between_slices_half_open(tmp_path: Path) -> None:
    body = "".join(f"2026-01-01T00:0{i}:00Z,{i},1\n" for i in range(5))
    series = read_csv(_write(tmp_path, HEADER + body))
    part = series.between(series.t_s[1], series.t_s[3])
    assert part.columns["elec_power_w"].tolist() == [1.0, 2.0]
