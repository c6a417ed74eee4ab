"""The column-wise reader gives the line reader's numbers (or its errors); the HTML audit report."""

from __future__ import annotations

import base64
import re
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pyarrow", reason="the fleet needs requirements_fleet.txt (scripts/test's .venv-fleet pass)")
pytest.importorskip("matplotlib", reason="the report needs requirements_fleet.txt (scripts/test's .venv-fleet pass)")

import pyarrow as pa
import pyarrow.parquet as pq

from custom_components.ashp_cop.engine import cli
from custom_components.ashp_cop.engine.errors import EngineInputError
from custom_components.ashp_cop.engine.fleet import columnar
from custom_components.ashp_cop.engine.fleet.columnar import _csv_columns, read_series
from custom_components.ashp_cop.engine.fleet.report import system_report
from custom_components.ashp_cop.engine.timeseries import PRESETS, TimeSeries, read_csv
from tools.fleet_systems import write_system


def _assert_same(a: TimeSeries, b: TimeSeries) -> None:
    assert np.array_equal(a.t_s, b.t_s)
    assert list(a.columns) == list(b.columns)
    assert a.ignored_columns == b.ignored_columns
    for name in a.columns:
        assert np.array_equal(a.columns[name], b.columns[name], equal_nan=True), name


@pytest.mark.parametrize("system", [44, 72, 162, 351])
def test_the_field_files_read_column_wise_give_the_line_readers_numbers(system: int, shared_validation: Path) -> None:
    path = shared_validation / "field" / f"system_{system}_hourly_2023-2026.csv.gz"
    fast = _csv_columns(str(path), PRESETS["heatpumpmonitor"])
    assert fast is not None  # taken by the column-wise road, not handed back
    _assert_same(fast, read_csv(path, PRESETS["heatpumpmonitor"]))


def test_ten_second_samples_with_gaps_and_fractions_of_a_second(tmp_path: Path) -> None:
    path = tmp_path / "ten_s.csv"
    write_system(path, 2, days=2, step_s=10)
    text = path.read_text().replace("timestamp,", "timestamp,note,", 1).replace("+00:00,", "+00:00,x,")
    # Fractions of a second, and one instant written with another offset.
    path.write_text(text.replace("+00:00,", ".250+00:00,", 5).replace("T12:00:00+00:00", "T13:00:00+01:00", 1))
    fast = _csv_columns(str(path), {})
    assert fast is not None
    _assert_same(fast, read_csv(path))
    assert fast.ignored_columns == ("note",)


def test_many_blocks_give_the_same_series_and_order_is_checked_across_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 1 << 13)  # some 12 blocks of 8 KB
    path = tmp_path / "ten_s.csv"
    write_system(path, 3, days=1, step_s=60)
    fast = _csv_columns(str(path), {})
    assert fast is not None
    _assert_same(fast, read_csv(path))
    lines = path.read_text().splitlines()
    lines[1200], lines[1201] = lines[1201], lines[1200]  # backwards, deep in the file
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(EngineInputError) as line_error:
        read_csv(path)
    with pytest.raises(EngineInputError) as fast_error:
        read_series(path)
    assert str(fast_error.value) == str(line_error.value) == "timestamp: timestamps go backwards at rows 1202"


@pytest.mark.parametrize(
    ("cell", "error"),
    [("NaN", "'NaN' is not a finite number"), ("1e400", "is not a finite number"), (" 5", None),
     ("2e8", "outside the plausible range"), ("NA", "'NA' is not a number")],
)  # fmt: skip
def test_what_the_line_reader_refuses_it_refuses_with_the_same_words(
    tmp_path: Path, cell: str, error: str | None
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "timestamp,elec_power_w,heat_power_w\n"
        "2025-01-01T00:00:00+00:00,500,2000\n"
        f"2025-01-01T00:01:00+00:00,{cell},2000\n"
    )
    if error is None:
        _assert_same(read_series(path), read_csv(path))
        return
    with pytest.raises(EngineInputError) as line_error:
        read_csv(path)
    with pytest.raises(EngineInputError) as fast_error:
        read_series(path)
    assert str(fast_error.value) == str(line_error.value)
    assert error in str(fast_error.value)


@pytest.mark.parametrize(
    "rows",
    [["2025-01-01 00:00:00,1,1", "2025-01-01 00:01:00,1,1"],  # no UTC offset
     ["2025-01-01T00:01:00Z,1,1", "2025-01-01T00:00:00Z,1,1"],  # backwards
     ["2025-01-01T00:00:00Z,1,1", "2025-01-01T00:00:00Z,1,1"]],  # duplicate
)  # fmt: skip
def test_bad_timestamps_go_to_the_line_reader_and_its_error(tmp_path: Path, rows: list[str]) -> None:
    path = tmp_path / "times.csv"
    path.write_text("timestamp,elec_power_w,heat_power_w\n" + "\n".join(rows) + "\n")
    with pytest.raises(EngineInputError) as line_error:
        read_csv(path)
    with pytest.raises(EngineInputError) as fast_error:
        read_series(path)
    assert str(fast_error.value) == str(line_error.value)


def test_semicolons_and_decimal_commas_are_read_by_the_line_reader(tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    path.write_text("timestamp;elec_power_w;heat_power_w\n2025-01-01T00:00:00Z;1,5;2\n2025-01-01T00:01:00Z;2;3\n")
    assert _csv_columns(str(path), {}) is None
    assert read_series(path).columns["elec_power_w"][0] == 1.5


def test_parquet_gives_the_numbers_of_the_same_csv(tmp_path: Path) -> None:
    csv_path = tmp_path / "sys.csv"
    write_system(csv_path, 4, days=3)
    series = read_csv(csv_path)
    table = pa.table({"timestamp": pa.array((series.t_s * 1e6).astype(np.int64), pa.timestamp("us", tz="UTC")),
                      **{k: pa.array(v) for k, v in series.columns.items()}})  # fmt: skip
    pq.write_table(table, tmp_path / "sys.parquet")
    _assert_same(read_series(tmp_path / "sys.parquet"), series)
    naive = table.set_column(0, "timestamp", table.column(0).cast(pa.timestamp("us")))
    pq.write_table(naive, tmp_path / "naive.parquet")
    with pytest.raises(EngineInputError, match="timestamps must be timezone-aware"):
        read_series(tmp_path / "naive.parquet")


def _images(page: str) -> list[str]:
    return [base64.b64decode(m).decode("utf-8") for m in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)]


def test_the_report_is_one_offline_file_with_labelled_plots_and_the_installer_figures(tmp_path: Path) -> None:
    path = tmp_path / "minute.csv"
    write_system(path, 5, days=40, step_s=60)
    # A defrost signal: the first 5 minutes of every hour colder than 5 C outdoors.
    lines = path.read_text().splitlines()
    marked = [lines[0] + ",defrost"] + [
        f"{line},{int(line.split(',')[-1] != '' and float(line.split(',')[-1]) < 5 and i % 60 < 5)}"
        for i, line in enumerate(lines[1:])
    ]
    path.write_text("\n".join(marked) + "\n")
    page = system_report(str(path))
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")
    assert "@page { size: A4" in page
    svgs = _images(page)
    # monthly SPF, daily COP, daily heat, heating curve, cycling, defrost, against the fleet
    assert len(svgs) == 7
    labels = ("SPF (system boundary, H4)", "daily COP (–)", "mean heat output (kW)",
              "heat-weighted flow temperature (°C)", "run length (min)", "share of running time in defrost (%)",
              "heat-weighted flow minus outdoor temperature (K)")  # fmt: skip
    for label in labels:
        assert any(label in svg for svg in svgs), label
    assert "heat-loss coefficient" in page and " W/K" in page and "design heat load at -10 °C" in page
    write_system(path, 5, days=40, step_s=60)  # without the signal: flow and return never cross
    assert "Defrost: no defrost cycle detected in" in system_report(str(path))


def test_hourly_data_says_why_cycling_and_defrost_are_not_drawn(shared_validation: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    source = str(shared_validation / "field" / "system_351_hourly_2023-2026.csv.gz")
    assert cli.main(["report", source, "--preset", "heatpumpmonitor", "--out", str(out),
                     "--datasheet", "samples/datasheet.json"]) == 0  # fmt: skip
    page = out.read_text()
    assert "samples every 3600 s cannot resolve compressor runs" in page
    assert "Defrost: needs samples every 120 s or less" in page
    assert "datasheet SCOP (EN 14825)" in page and "<h2>Datasheet</h2>" in page


def test_engine_analyze_prints_the_same_report_with_and_without_the_column_wise_reader(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ten_s.csv"
    write_system(path, 7, days=3, step_s=10)
    assert cli.main(["analyze", str(path)]) == 0
    columnar = capsys.readouterr().out
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as without requirements_fleet.txt
    monkeypatch.delitem(sys.modules, "custom_components.ashp_cop.engine.fleet.columnar")
    assert cli.main(["analyze", str(path)]) == 0
    assert capsys.readouterr().out == columnar
