"""Every malformed datasheet is refused with the field named; nothing is guessed."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from custom_components.ashp_cop.engine.cli import main
from custom_components.ashp_cop.engine.en14825 import parse_datasheet
from custom_components.ashp_cop.engine.errors import EngineInputError

SAMPLE: dict[str, Any] = json.loads((Path(__file__).resolve().parents[2] / "samples" / "datasheet.json").read_text())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pdesignh_kw": [8]}, "pdesignh_kw: must be a number (got [8])"),
        ({"pdesignh_kw": "nan"}, "pdesignh_kw: must be a finite number (got 'nan')"),
        ({"cc": -1}, "cc: must be greater than 0 (got -1)"),
        ({"offmode_w": {"off": -5}}, "must not be negative (got -5)"),
        ({"points": [1, 2]}, "points[0]: must be an object with t_c, pdh_kw and cop"),
        ({"points": "none"}, "points: must be a list of test points"),
        ({"offmode_w": [10]}, "offmode_w: must be an object with off, thermostat_off, standby, crankcase"),
        ({"reversible": "yes"}, "reversible: must be true or false (got 'yes')"),
    ],
)
def test_malformed_fields_are_named(change: dict[str, Any], message: str) -> None:
    with pytest.raises(EngineInputError, match=re.escape(message)):
        parse_datasheet(SAMPLE | change)


def test_not_an_object_and_optional_parts() -> None:
    with pytest.raises(EngineInputError, match="datasheet: must be a JSON object"):
        parse_datasheet([SAMPLE])  # type: ignore[arg-type]
    sheet = parse_datasheet({k: v for k, v in SAMPLE.items() if k != "offmode_w"} | {"reversible": 1})
    assert sheet.reversible is True
    assert sheet.offmode.off_w == 0.0


def test_cli_names_unreadable_and_broken_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scop", str(tmp_path / "missing.json")]) == 2
    assert "error: file: cannot read" in capsys.readouterr().err
    broken = tmp_path / "broken.json"
    broken.write_text("{points: ")
    assert main(["scop", str(broken)]) == 2
    assert "is not valid JSON (line 1" in capsys.readouterr().err
    series = tmp_path / "s.csv"
    series.write_text("timestamp,x\n2026-01-01T00:00:00+00:00,1\n")
    assert main(["analyze", str(series), "--column", "flow_temp_c"]) == 2
    assert "--column: 'flow_temp_c' must look like NAME=HEADER" in capsys.readouterr().err
