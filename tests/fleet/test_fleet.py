"""engine fleet: a small fleet on a local Dask cluster on 127.0.0.1 gives what analyze gives, file by file."""

from __future__ import annotations

import csv
import math
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("distributed", reason="the fleet needs requirements_fleet.txt (scripts/test's .venv-fleet pass)")
pytest.importorskip("pyarrow", reason="the fleet needs requirements_fleet.txt (scripts/test's .venv-fleet pass)")

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from custom_components.ashp_cop.engine import cli
from custom_components.ashp_cop.engine.analyze import AnalysisOptions, analyze
from custom_components.ashp_cop.engine.fleet import run
from custom_components.ashp_cop.engine.fleet.run import expand_sources, run_fleet, run_sequential, write_results
from custom_components.ashp_cop.engine.fleet.systems import CONTRACT_COLUMNS, analyse_system
from custom_components.ashp_cop.engine.interval_means import prepared
from custom_components.ashp_cop.engine.timeseries import PRESETS, read_csv
from tools.fleet_systems import write_fleet

FIELD_SYSTEMS = (44, 72, 162, 351)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _rows_equal(left: list[dict[str, Any]], right: list[dict[str, Any]]) -> None:
    assert len(left) == len(right)
    for a, b in zip(left, right, strict=True):
        assert a.keys() == b.keys(), (a["system"], a["period"])
        for key in a:
            assert _same(a[key], b[key]), (a["system"], a["period"], key, a[key], b[key])


@pytest.fixture(scope="module")
def small_fleet(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    folder = tmp_path_factory.mktemp("fleet")
    paths = [str(p) for p in write_fleet(folder, 6, days=60)]
    (folder / "unreadable.csv").write_text("timestamp,elec_power_w\n2025-01-01T00:00:00+00:00,NaN\n")
    return [*paths, str(folder / "unreadable.csv")]


def test_a_local_cluster_gives_the_rows_of_a_plain_loop_in_the_order_of_the_files(
    small_fleet: list[str], socket_enabled: None
) -> None:
    rows = run_fleet(small_fleet, workers=2)
    _rows_equal(rows, run_sequential(small_fleet))
    assert [r["system"] for r in rows if r["period"] == "all"] == [Path(p).stem for p in small_fleet]


def test_systems_go_a_few_per_task_and_come_back_in_the_order_of_the_files(
    small_fleet: list[str], socket_enabled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task of one system cost some 10 ms of scheduling and transfer (a third of an hourly year's analysis):
    a big fleet goes 16 systems a task, keeping 8 tasks a worker for an even load."""
    assert [run.systems_per_task(n, 2) for n in (2000, 100, 7, 0)] == [16, 6, 1, 1]
    assert run.systems_per_task(2000, 200) == 1
    monkeypatch.setattr(run, "TASKS_PER_WORKER", 1)  # so the small fleet goes 3 a task: 3, 3 and 1
    assert run.systems_per_task(len(small_fleet), 2) == 3
    rows = run_fleet(small_fleet, workers=2)
    _rows_equal(rows, run_sequential(small_fleet))


def test_each_period_is_analyze_of_that_period_alone(small_fleet: list[str]) -> None:
    path = small_fleet[1]
    series = read_csv(path)
    rows = {r["period"]: r for r in analyse_system(path)}
    assert set(rows) == {"2025", "season-2024/25", "last365", "all"}
    whole = analyze(read_csv(path), AnalysisOptions())
    assert rows["all"]["spf"] == whole["spf"]
    assert rows["all"]["heat_kwh"] == whole["heat_kwh"]
    assert rows["all"]["hours"] == whole["measured_hours"]
    start = datetime(2024, 10, 1, tzinfo=UTC).timestamp()
    season = analyze(series.between(start, datetime(2025, 5, 1, tzinfo=UTC).timestamp()))
    assert rows["season-2024/25"]["spf"] == season["spf"]
    assert rows["season-2024/25"]["coverage"] == pytest.approx(season["measured_hours"] / (212 * 24))


def test_an_unreadable_file_is_a_row_with_the_reason_and_the_run_goes_on(small_fleet: list[str]) -> None:
    rows = run_sequential(small_fleet)
    broken = [r for r in rows if r["system"] == "unreadable"]
    assert broken == [{"system": "unreadable", "period": "all", "spf": None, "heat_kwh": None, "elec_kwh": None,
                       "hours": None, "error": "elec_power_w: row 2: 'NaN' is not a finite number (leave the cell "
                       "empty for no reading)"}]  # fmt: skip
    assert sum(r["period"] == "all" and r["error"] is None for r in rows) == 6


def test_results_parquet_and_csv_hold_the_contract_columns_and_a_failed_write_leaves_the_old_ones(
    small_fleet: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = run_sequential(small_fleet)
    out = tmp_path / "results.parquet"
    write_results(rows, run.summarise(rows), out)
    table = pq.read_table(out)
    assert table.column_names[: len(CONTRACT_COLUMNS)] == list(CONTRACT_COLUMNS)
    assert table.num_rows == len(rows)
    assert pa_csv.read_csv(out.with_suffix(".csv")).num_rows == len(rows)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def fail(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(run.pa_csv, "write_csv", fail)
    with pytest.raises(OSError, match="disk full"):
        write_results(rows[:3], run.summarise(rows[:3]), out)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no temporary file left either


def test_sources_are_files_folders_and_globs_and_one_name_is_one_system(small_fleet: list[str], tmp_path: Path) -> None:
    folder = str(Path(small_fleet[0]).parent)
    assert expand_sources([folder]) == sorted(small_fleet)
    assert expand_sources([small_fleet[0], f"{folder}/system_000*.csv"])[0] == small_fleet[0]
    twin = tmp_path / "system_0000.csv.gz"
    twin.write_bytes(b"")
    with pytest.raises(cli.EngineInputError, match="would both be system 'system_0000'"):
        expand_sources([small_fleet[0], str(twin)])
    with pytest.raises(cli.EngineInputError, match="names no file"):
        expand_sources([str(tmp_path / "none*.csv")])


def test_the_command_writes_results_and_prints_the_fleet_relation(
    small_fleet: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], socket_enabled: None
) -> None:
    out = tmp_path / "fleet.parquet"
    reports = tmp_path / "reports"
    assert cli.main(["fleet", *small_fleet, "--out", str(out), "--workers", "2", "--report", str(reports)]) == 0
    printed = capsys.readouterr().out
    assert '"relation_reason": "needs at least 3 systems' in printed  # 60 days: no last365 with 80 % coverage
    assert '"systems_failed": [\n    "unreadable"\n  ]' in printed
    assert out.exists() and out.with_suffix(".csv").exists() and out.with_suffix(".summary.json").exists()
    # The fleet's page, and a report drawn on the workers for every system that could be analysed.
    assert sorted(p.name for p in reports.iterdir()) == ["fleet.html", *(f"system_{i:04d}.html" for i in range(6))]
    assert "No fleet relation: needs at least 3 systems" in (reports / "fleet.html").read_text()
    assert "<h2>Against the fleet</h2>" in (reports / "system_0002.html").read_text()


def test_a_scheduler_that_does_not_answer_is_named(
    small_fleet: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    socket_enabled: None, unused_tcp_port: int,
) -> None:  # fmt: skip
    monkeypatch.setattr(run, "SCHEDULER_TIMEOUT_S", 2.0)
    address = f"tcp://127.0.0.1:{unused_tcp_port}"  # a closed port
    out = tmp_path / "r.parquet"
    assert cli.main(["fleet", small_fleet[0], "--out", str(out), "--scheduler", address]) == cli.EXIT_BAD_INPUT
    assert f"error: --scheduler: no Dask scheduler answered at {address} within 2 s" in capsys.readouterr().err
    assert not out.exists()


def test_without_the_auditors_tools_the_command_says_what_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    monkeypatch.delitem(sys.modules, "custom_components.ashp_cop.engine.fleet.run")
    assert cli.main(["fleet", str(tmp_path), "--out", str(tmp_path / "r.parquet")]) == cli.EXIT_BAD_INPUT
    assert "pip install -r requirements_fleet.txt" in capsys.readouterr().err


def test_the_four_field_systems_through_fleet_give_analyze_and_the_published_spf(
    shared_validation: Path, socket_enabled: None
) -> None:
    files = [str(shared_validation / "field" / f"system_{s}_hourly_2023-2026.csv.gz") for s in FIELD_SYSTEMS]
    rows = run_fleet(files, "heatpumpmonitor", workers=2)
    with (shared_validation / "field" / "computed_spf_by_period.csv").open(encoding="utf-8") as handle:
        published = [r for r in csv.DictReader(handle) if r["period"].isdigit()]
    assert len(published) == 15
    for reference in published:
        system, year = int(reference["system_id"]), int(reference["period"])
        row = next(r for r in rows if r["system"] == f"system_{system}_hourly_2023-2026" and r["period"] == str(year))
        # analyze of that year alone, the rows read as the preset says (hourly means: interval_means.py)
        series, gap_s = prepared(read_csv(files[FIELD_SYSTEMS.index(system)], PRESETS["heatpumpmonitor"]),
                                 "heatpumpmonitor")  # fmt: skip
        alone = analyze(series.between(datetime(year, 1, 1, tzinfo=UTC).timestamp(),
                                       datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()),
                        AnalysisOptions(max_gap_s=gap_s))  # fmt: skip
        assert row["spf"] == alone["spf"] and row["heat_kwh"] == alone["heat_kwh"], (system, year)
        # The reference sums the hourly means of the valid hours. Read as instants (the trapezoid between
        # them) system 72 in 2025 was 0.75 % high (55 runs of valid hours, 41 under 5 hours); as means, every
        # system-year is within 0.05 % (the hour cut at each new year).
        assert row["spf"] == pytest.approx(float(reference["spf"]), rel=0.0005), (system, year)
        assert row["hours"] == pytest.approx(int(reference["valid_hours"]), abs=1.5), (system, year)
