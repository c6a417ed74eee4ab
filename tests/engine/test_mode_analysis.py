"""``analyze`` per operating mode: the contract, the rule for a changing mode, the CLI and the truth."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from custom_components.ashp_cop.engine.analyze import AnalysisOptions, analyze
from custom_components.ashp_cop.engine.cli import main
from custom_components.ashp_cop.engine.timeseries import read_csv
from tools.simulator.plant import MODE_NAMES, Plant

START = datetime(2026, 1, 5, tzinfo=UTC).timestamp()
SIM_MODES = {"sh": "space_heating", "dhw": "hot_water", "cool": "cooling", "off": "off"}


def _csv(path: Path, rows: list[tuple[float, float, float, str]], mode_header: str = "mode") -> Path:
    lines = [f"timestamp,heat_power_w,elec_power_w,{mode_header}"]
    lines += [f"{datetime.fromtimestamp(START + t, UTC).isoformat()},{h},{e},{m}" for t, h, e, m in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_each_interval_is_charged_half_to_the_mode_at_each_end(tmp_path: Path) -> None:
    rows = [(0, 4000, 1000, "space_heating"), (600, 4000, 1000, "space_heating"), (1200, 8000, 4000, "hot_water"),
            (1800, 8000, 4000, "")]  # fmt: skip  # an empty cell keeps the mode
    report = analyze(read_csv(_csv(tmp_path / "a.csv", rows)), AnalysisOptions(max_gap_s=900))
    modes = report["modes"]
    assert isinstance(modes, dict)
    sh, hw = modes["space_heating"], modes["hot_water"]
    # 600 s at 4 kW, then the changing interval: 300 s at 4 kW to heating, 300 s at 8 kW to hot water
    assert sh["heat_kwh"] == pytest.approx(4.0 / 6 + 4.0 / 12)
    assert hw["heat_kwh"] == pytest.approx(8.0 / 12 + 8.0 / 6)
    assert sh["elec_kwh"] == pytest.approx(1.0 / 6 + 1.0 / 12)
    assert hw["cop"] == pytest.approx(2.0)
    assert sh["heat_kwh"] + hw["heat_kwh"] == pytest.approx(report["heat_kwh"])
    assert sh["elec_kwh"] + hw["elec_kwh"] == pytest.approx(report["elec_kwh"])
    cooling = {key: modes["cooling"][key] for key in ("heat_kwh", "elec_kwh", "cop", "hours")}
    assert cooling == {"heat_kwh": 0.0, "elec_kwh": 0.0, "cop": None, "hours": 0.0}


def test_without_a_mode_column_everything_is_space_heating(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("timestamp,heat_power_w,elec_power_w\n" + "\n".join(
        f"{datetime.fromtimestamp(START + 60 * i, UTC).isoformat()},5000,1500" for i in range(10)) + "\n")  # fmt: skip
    report = analyze(read_csv(path))
    assert report["modes"]["space_heating"]["heat_kwh"] == pytest.approx(report["heat_kwh"])  # type: ignore[index]
    assert report["modes"]["hot_water"]["cop"] is None  # type: ignore[index]


def test_the_cli_reads_a_named_mode_column_with_a_mapping(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [(60 * i, 5000, 2000, "DHW" if 3 <= i < 6 else "Heat") for i in range(10)]
    path = _csv(tmp_path / "c.csv", rows, mode_header="hp_mode")
    status = main(["analyze", str(path), "--mode-column", "hp_mode", "--mode-map", "DHW=hot_water,Heat=space_heating"])
    out = json.loads(capsys.readouterr().out)
    assert status == 0
    assert set(out["modes"]) >= {"space_heating", "hot_water", "cooling"}
    assert {"heat_kwh", "elec_kwh", "cop"} <= set(out["modes"]["hot_water"])
    assert out["modes"]["hot_water"]["heat_kwh"] == pytest.approx(5.0 * 3 / 60)
    assert out["modes"]["cooling"]["cop"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "error: mode: row 5: 'eco' is not a mode (use space_heating, hot_water, cooling or off, or map it with "
             "--mode-map)"),
        (["--mode-map", "heat=space_heating,eco=warm"], "error: --mode-map: item 2: 'warm' is not a mode (choose one "
                                                        "of space_heating, hot_water, cooling, off, unchanged)"),
        (["--mode-column", "state"], "error: mode: read from column 'state', which the file does not have"),
    ],
)  # fmt: skip
def test_bad_mode_values_are_one_line_naming_the_value_and_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    rows = [(60 * i, 5000, 2000, "eco" if i == 3 else "space_heating") for i in range(6)]
    status = main(["analyze", str(_csv(tmp_path / "d.csv", rows)), *args])
    captured = capsys.readouterr()
    assert status == 2 and captured.out == ""
    assert captured.err.strip().startswith(message)
    assert captured.err.count("\n") == 1


def test_per_mode_figures_of_a_simulated_series_match_the_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two days of 30 s readings with hot-water cycles and defrosts: each mode within 1 % of the truth."""
    plant = Plant(1, seed=1, mean_outdoor_c=1.0, hot_water=True)
    hp = plant.heat_pumps[0]
    lines = ["timestamp,heat_power_w,elec_power_w,backup_power_w,pump_power_w,defrost,state"]
    for step in range(2 * 2880 + 1):
        plant.advance_to(30.0 * step)
        s = hp.state
        state = "defrost" if s.defrosting else MODE_NAMES[s.mode]
        lines.append(f"{datetime.fromtimestamp(START + 30.0 * step, UTC).isoformat()},{s.heat_w},{s.elec_unit_w},"
                     f"{s.elec_backup_w},{s.elec_pump_w},{int(s.defrosting)},{state}")  # fmt: skip
    path = tmp_path / "sim.csv"
    path.write_text("\n".join(lines) + "\n")
    mapping = ",".join(f"{k}={v}" for k, v in SIM_MODES.items()) + ",defrost=unchanged"
    assert main(["analyze", str(path), "--mode-column", "state", "--mode-map", mapping, "--no-events"]) == 0
    modes = json.loads(capsys.readouterr().out)["modes"]
    truth = hp.truth
    assert truth.dhw_heat_kwh > 10
    assert modes["hot_water"]["heat_kwh"] == pytest.approx(truth.dhw_heat_kwh, rel=0.01)
    assert modes["hot_water"]["elec_kwh"] == pytest.approx(truth.dhw_elec_kwh, rel=0.01)
    assert modes["space_heating"]["heat_kwh"] == pytest.approx(truth.sh_heat_kwh, rel=0.01)
    assert modes["space_heating"]["elec_kwh"] == pytest.approx(truth.sh_elec_kwh, rel=0.01)
    assert modes["hot_water"]["cop"] == pytest.approx(truth.dhw_heat_kwh / truth.dhw_elec_kwh, rel=0.015)
