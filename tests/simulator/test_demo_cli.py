"""scripts/demo's command line: --help only helps, a CSV file is only analysed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tools import demo, demo_modbus

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "four_winter_days.csv"


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_prints_the_options_and_runs_nothing(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        demo.main([flag])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: scripts/demo")
    assert "--http-port" in out and "FILE.csv" in out and "Datasheet" not in out


def test_a_csv_file_is_only_analysed(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def no_modbus() -> list[str]:
        raise AssertionError("the Modbus part ran")

    monkeypatch.setattr(demo_modbus, "modbus_summary", no_modbus)
    assert demo.main([str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "Measured (four_winter_days.csv" in out and "SPF 3.23" in out
    # the sample datasheet rates another unit: not printed beside the user's own file
    assert "datasheet" not in out.lower() and "SCOPon" not in out
    # what the file supports beyond the totals: per mode, cycling, Carnot
    assert "space heating: heat 422.1 kWh" in out and "h running" in out and "% of Carnot" in out


def test_scripts_demo_help_builds_nothing() -> None:
    """It built the 800 MB demo environment before printing the help."""
    done = subprocess.run(["bash", str(REPO / "scripts" / "demo"), "--help"], capture_output=True, text=True,
                          timeout=60, check=False, cwd=REPO)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: scripts/demo") and "setting up" not in done.stderr


def test_a_missing_csv_file_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main(["/nonexistent/series.csv"]) == 2
    assert "/nonexistent/series.csv" in capsys.readouterr().err
