"""scripts/demo's command line: --help only helps, a CSV file is only analysed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import demo

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "four_winter_days.csv"


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

    monkeypatch.setattr(demo, "modbus_summary", no_modbus)
    assert demo.main([str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "Measured (four_winter_days.csv" in out and "SPF 3.23" in out


def test_a_missing_csv_file_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main(["/nonexistent/series.csv"]) == 2
    assert "/nonexistent/series.csv" in capsys.readouterr().err
