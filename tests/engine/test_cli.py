"""The command line as auditors and scripts/demo use it: real subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.engine.test_en14825 import SEED
from tests.validation.keymark import iter_population, population_datasheets, row_to_datasheet

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "custom_components.ashp_cop.engine", *args],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


def _json(tmp_path: Path, data: Any) -> str:
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_scop_of_one_and_of_many_in_order(tmp_path: Path) -> None:
    one = _run("scop", _json(tmp_path, SEED))
    assert one.returncode == 0, one.stderr
    result = json.loads(one.stdout)
    assert {"scop", "scop_on", "scop_net", "eta_s_pct", "qh_kwh", "qhe_kwh", "qsup_kwh", "qoff_kwh"} <= set(result)
    warmer = {**SEED, "climate": "warmer", "tbiv_c": 2, "tol_c": 2}
    many = _run("scop", _json(tmp_path, [SEED, warmer, SEED]))
    results = json.loads(many.stdout)
    assert [r["climate"] for r in results] == ["average", "warmer", "average"]
    assert results[0] == results[2] == result


def test_scop_bad_input_is_one_line_and_non_zero(tmp_path: Path) -> None:
    nordic = "climate: unknown climate 'nordic' (choose one of average, colder, warmer)"
    one = _run("scop", _json(tmp_path, {**SEED, "climate": "nordic"}))
    assert (one.returncode, one.stdout, one.stderr) == (2, "", f"error: {nordic}\n")
    zero = _run("scop", _json(tmp_path, {**SEED, "points": [{"t_c": -10, "pdh_kw": 8, "cop": 0}]}))
    assert zero.returncode == 2 and "points[0].cop: must be greater than 0" in zero.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert "is not valid JSON" in _run("scop", str(broken)).stderr


def test_a_batch_answers_each_datasheet_in_its_place(tmp_path: Path) -> None:
    """On 061fd2c one refused datasheet refused the whole batch (26,489 KEYMARK records for one)."""
    twice_at_2c = {**SEED, "points": [*SEED["points"], {"t_c": 2, "pdh_kw": 7.5, "cop": 5.2}]}
    batch = _run("scop", _json(tmp_path, [SEED, {**SEED, "climate": "nordic"}, twice_at_2c, SEED]))
    assert batch.returncode == 1
    results = json.loads(batch.stdout)
    alone = json.loads(_run("scop", _json(tmp_path, SEED)).stdout)
    assert results[0] == results[3] == alone
    assert results[1] == {"error": "climate: unknown climate 'nordic' (choose one of average, colder, warmer)"}
    assert results[2]["error"].startswith("points[5].t_c: 2 C is also the temperature of points[2], with other")
    assert batch.stderr == (
        "error: 2 of 4 datasheets refused, each answered in its place; the first: [1].climate: unknown climate "
        "'nordic' (choose one of average, colder, warmer)\n"
    )


def test_fluid() -> None:
    done = _run("fluid", "--medium", "ethylene_glycol", "--mass-fraction", "30", "--temp", "20")
    assert done.returncode == 0
    values = json.loads(done.stdout)
    assert 3500 < values["cp_j_per_kg_k"] < 3800
    assert 1030 < values["density_kg_per_m3"] < 1050
    bad = _run("fluid", "--medium", "oil", "--temp", "20")
    assert bad.returncode == 2 and bad.stderr.startswith("error: medium:")


def test_analyze_the_sample_and_refuse_a_bad_climate() -> None:
    sample = str(REPO / "samples" / "four_winter_days.csv")
    done = _run("analyze", sample, "--climate", "colder", "--no-events")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["climate_normalised"]["climate"] == "colder"
    assert report["defrost"]["events"] is None
    assert "-0.0," not in done.stdout and "-0.0\n" not in done.stdout  # a figure of nothing reads 0.0
    bad = _run("analyze", sample, "--climate", "tropical")
    assert bad.returncode == 2 and "climate: unknown climate 'tropical'" in bad.stderr


def test_analyze_reports_duplicate_timestamps(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text(
        "timestamp,elec_power_w,heat_power_w\n2026-01-01T00:00:00Z,1,1\n2026-01-01T00:00:00Z,1,1\n", encoding="utf-8"
    )
    done = _run("analyze", str(path))
    assert done.returncode == 2
    assert done.stderr.strip() == "error: timestamp: duplicate timestamps at rows 3"


@pytest.mark.slow
def test_scop_of_the_whole_population_from_the_command_line(tmp_path: Path, shared_validation: Path) -> None:
    sheets = population_datasheets()
    done = _run("scop", _json(tmp_path, sheets))
    assert done.returncode == 0, done.stderr[-500:]
    assert len(json.loads(done.stdout)) == len(sheets) > 26000
    # every record, the six that declare Tbiv below TOL too: each answered in its place
    every = [row_to_datasheet(row) for row in iter_population()]
    done = _run("scop", _json(tmp_path, every))
    answers = json.loads(done.stdout)
    assert done.returncode == 1 and len(answers) == len(every) == len(sheets) + 6
    assert sum("error" in answer for answer in answers) == 6
    assert done.stderr.startswith("error: 6 of 26491 datasheets refused, each answered in its place; the first: [")
