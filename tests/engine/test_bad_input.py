"""Bad input to the engine's command line: one line naming the input and the problem, exit 2.

Every case here printed a Python traceback, or wrong output with exit 0, on
caf5a84 (issue 8). Files the auditors actually have (.gz, semicolon-separated
with decimal commas) are read.
"""

from __future__ import annotations

import copy
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from custom_components.ashp_cop.engine import inputs
from custom_components.ashp_cop.engine.cli import main
from custom_components.ashp_cop.engine.en14825 import Datasheet, calculate_scop, parse_datasheet
from custom_components.ashp_cop.engine.errors import EngineInputError
from custom_components.ashp_cop.engine.timeseries import read_csv

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CSV = REPO / "samples" / "four_winter_days.csv"
SHEET: dict[str, Any] = json.loads((REPO / "samples" / "datasheet.json").read_text(encoding="utf-8"))
HEADER = "timestamp,elec_power_w,heat_power_w\n"
TWO_ROWS = "2026-01-01T00:00:00Z,1000,3000\n2026-01-01T00:01:00Z,1000,3000\n"


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Exit 2, nothing on stdout, exactly one line on stderr: that line."""
    status, out, err = _cli(capsys, *args)
    assert (status, out) == (2, ""), err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    return err.strip()


def _file(tmp_path: Path, content: str | bytes, name: str = "in.csv") -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def _sheet(tmp_path: Path, data: Any) -> str:
    return _file(tmp_path, json.dumps(data), "sheet.json")


# --- analyze: files -----------------------------------------------------------------------------------------------


def test_no_fully_measured_interval_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Every interval misses its heat reading at one end; an outdoor column made _hourly index an empty array.
    path = _file(tmp_path, "timestamp,elec_power_w,heat_power_w,outdoor_temp_c\n"
                           "2026-01-01T00:00:00Z,100,,5\n2026-01-01T00:01:00Z,100,,5\n")  # fmt: skip
    assert _refused(capsys, "analyze", path) == (
        "error: file: no interval has heat and electricity measured at both ends within 90 s: nothing to integrate"
    )
    # the same when the gap limit is shorter than every interval
    assert "within 100 s" in _refused(capsys, "analyze", str(SAMPLE_CSV), "--max-gap", "100")


def test_a_file_that_is_not_utf8_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _file(
        tmp_path, (HEADER + "2026-01-01T00:00:00Z,1000,3000\n2026-01-01T00:01:00Z,1000,caf\xe9\n").encode("latin-1")
    )
    assert _refused(capsys, "analyze", path) == (
        f"error: file: {path} is not UTF-8 text (byte 0xe9): save it as UTF-8 (CSV UTF-8 in Excel)"
    )
    bom16 = _file(tmp_path, (HEADER + TWO_ROWS).encode("utf-16"), "utf16.csv")  # Excel's "Unicode text"
    status, out, _ = _cli(capsys, "analyze", bom16)
    assert status == 0 and json.loads(out)["rows"] == 2


def test_gzip_is_read_like_the_plain_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = _cli(capsys, "analyze", str(SAMPLE_CSV))
    zipped = tmp_path / "series.csv.gz"
    zipped.write_bytes(gzip.compress(SAMPLE_CSV.read_bytes()))
    assert _cli(capsys, "analyze", str(zipped)) == plain
    assert plain[0] == 0
    broken = _file(tmp_path, gzip.compress(SAMPLE_CSV.read_bytes())[:2000], "cut.csv.gz")
    assert _refused(capsys, "analyze", broken).startswith(f"error: file: {broken} is a damaged gzip file")


def test_the_shared_field_files_are_read_as_gz(shared_validation: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_validation / "field" / "system_44_hourly_2023-2026.csv.gz"
    status, out, err = _cli(capsys, "analyze", str(path), "--preset", "heatpumpmonitor", "--no-events")
    assert status == 0, err
    report = json.loads(out)
    assert report["rows"] == 27048 and report["sampling_interval_s"] == 3600.0
    assert "series_id" in report["ignored_columns"]


def test_a_line_longer_than_128_kib_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _file(tmp_path, HEADER + "2026-01-01T00:00:00Z,1000," + "1" * 140_000 + "\n")
    assert _refused(capsys, "analyze", path) == (
        f"error: file: {path}: line 2 is longer than 131,072 characters (not a record)"
    )


def test_a_quoted_field_over_the_csv_limit_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = "".join("x" * 1000 + "\n" for _ in range(140))  # short lines, one 140 KB quoted field
    path = _file(tmp_path, HEADER + f'2026-01-01T00:00:00Z,1000,"{lines}"\n')
    assert "field larger than field limit" in _refused(capsys, "analyze", path)


def test_a_400_digit_reading_is_refused_in_one_short_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _file(tmp_path, HEADER + "2026-01-01T00:00:00Z,1000," + "1" * 400 + "\n2026-01-01T00:01:00Z,1,1\n")
    line = _refused(capsys, "analyze", path)
    assert line.startswith("error: heat_power_w: row 2: '1111") and "(402 characters)" in line and len(line) < 200


def test_a_reading_outside_physics_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 1e300 W made every energy infinite: "heat_kwh": Infinity is not JSON.
    path = _file(tmp_path, HEADER + "2026-01-01T00:00:00Z,1e300,1\n2026-01-01T00:01:00Z,1000,3000\n")
    assert _refused(capsys, "analyze", path) == (
        "error: elec_power_w: row 2: '1e300' is outside the plausible range -1e+08 to 1e+08"
    )


def test_a_timestamp_in_the_year_10000_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 9999-12-31 23:58 at UTC-5 is the year 10000 in UTC, which no report can print.
    path = _file(tmp_path, HEADER + "9999-12-31T23:58:00-05:00,1,1\n9999-12-31T23:59:00-05:00,1,1\n")
    assert _refused(capsys, "analyze", path) == (
        "error: timestamp: row 2: '9999-12-31T23:58:00-05:00' is outside the years 1 to 9999 in UTC"
    )


def test_a_duplicate_header_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _file(tmp_path, "timestamp,elec_power_w,heat_power_w,heat_power_w\n2026-01-01T00:00:00Z,1,2,3\n")
    assert _refused(capsys, "analyze", path) == (
        "error: file: column 'heat_power_w' appears 2 times in the header (columns 3, 4): which one is meant?"
    )
    # an unused column twice (trailing empty headers of a spreadsheet export) is harmless
    ok = _file(tmp_path, "timestamp,elec_power_w,heat_power_w,,\n" + TWO_ROWS.replace("\n", ",,\n"), "ok.csv")
    assert _cli(capsys, "analyze", ok)[0] == 0


def test_semicolons_and_decimal_commas_are_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    comma = _cli(capsys, "analyze", str(SAMPLE_CSV))
    text = SAMPLE_CSV.read_text(encoding="utf-8")
    for separator, name in ((";", "semicolon.csv"), ("\t", "tab.csv")):
        european = text.replace(",", separator).replace(".", ",")
        assert _cli(capsys, "analyze", _file(tmp_path, european, name)) == comma
    grouped = _file(tmp_path, "timestamp;elec_power_w;heat_power_w\n2026-01-01T00:00:00Z;1.000,5;3\n", "grouped.csv")
    assert read_csv(grouped).columns["elec_power_w"].tolist() == [1000.5]  # refused as not a number on 061fd2c


# Four hours of a heat pump drawing 1,250 W and more: what a spreadsheet exports with thousands separators.
_HOURS = [("35.5", "1250", "4262.5"), ("36", "1250", "4250"), ("38.25", "1480", "4736"), ("40", "1100", "3850")]


def _hours(separator: str, decimal: str, thousands: str) -> str:
    def number(text: str) -> str:
        whole, _, fraction = text.partition(".")
        grouped = f"{int(whole):,}".replace(",", thousands)
        return grouped + (decimal + fraction if fraction else "")

    lines = [separator.join(("timestamp", "flow_temp_c", "elec_power_w", "heat_power_w"))]
    for hour, cells in enumerate(_HOURS):
        lines.append(separator.join((f"2026-01-01T{hour:02d}:00:00Z", *map(number, cells))))
    return "\n".join(lines) + "\n"


def test_thousands_separators_are_read_by_the_files_convention(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On 061fd2c `1,250` in a tab file and `1.250` in a semicolon file were both read as 1.25 W."""
    plain = _cli(capsys, "analyze", _file(tmp_path, _hours(",", ".", ""), "plain.csv"))
    assert plain[0] == 0 and json.loads(plain[1])["spf"] == pytest.approx(3.34, abs=0.01)
    for separator, decimal, thousands in (("\t", ".", ","), (";", ",", "."), ("\t", ",", "."), (";", ".", ",")):
        text = _hours(separator, decimal, thousands)
        assert f"1{thousands}250" in text
        assert _cli(capsys, "analyze", _file(tmp_path, text, "grouped.csv")) == plain, (separator, decimal)


def test_a_number_the_file_leaves_ambiguous_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = _hours("\t", ".", ",").replace("35.5", "35").replace("38.25", "38").replace("4,262.5", "4,262")
    assert "." not in text
    assert _refused(capsys, "analyze", _file(tmp_path, text, "tab.csv")) == (
        "error: heat_power_w: row 2: '4,262' could be 4262 or 4.262: the file shows no decimal separator to tell a "
        "thousands separator from it (write numbers without thousands separators, or with at least one value "
        "showing the decimal separator)"
    )
    both = _hours(";", ",", ".").replace("4.736", "4736.5")  # a point for decimals where others have a comma
    assert _refused(capsys, "analyze", _file(tmp_path, both, "both.csv")) == (
        "error: heat_power_w: row 4: '4736.5' writes its decimals after a point, where column flow_temp_c row 2 "
        "('35,5') writes them after a comma: which does the file use?"
    )


def test_a_missing_timestamp_column_shows_the_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _file(tmp_path, "time|power\n1|2\n")
    assert _refused(capsys, "analyze", path) == (
        "error: timestamp: missing column (the file needs one; its header has: time|power)"
    )


# --- analyze: options -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--running-threshold", "nan"], "--running-threshold: must be a finite number (got nan)"),
        (["--running-threshold", "-5"], "--running-threshold: must be at least 0 (got -5)"),
        (["--max-gap", "inf"], "--max-gap: must be a finite number (got inf)"),
        (["--max-gap", "0"], "--max-gap: must be greater than 0 (got 0)"),
        (["--medium", "propylene_glycol"], "--mass-fraction: propylene_glycol needs its glycol content (% by mass)"),
        (
            ["--mass-fraction", "nan", "--medium", "ethylene_glycol"],
            "--mass-fraction: must be a finite number (got nan)",
        ),
    ],
)
def test_options_are_checked(capsys: pytest.CaptureFixture[str], option: list[str], message: str) -> None:
    assert _refused(capsys, "analyze", str(SAMPLE_CSV), *option) == f"error: {message}"


def test_fluid_needs_the_glycol_content(capsys: pytest.CaptureFixture[str]) -> None:
    assert _refused(capsys, "fluid", "--medium", "propylene_glycol", "--temp", "20") == (
        "error: --mass-fraction: propylene_glycol needs its glycol content (% by mass)"
    )
    status, out, _ = _cli(capsys, "fluid", "--temp", "20")  # water needs none
    assert status == 0 and json.loads(out)["cp_j_per_kg_k"] == pytest.approx(4184, abs=10)


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (["flow_temp_c=nope"], "flow_temp_c: read from column 'nope', which the file does not have (known: "),
        (["flow_temp_c=flow_tmp_c"], "flow_temp_c: read from column 'flow_tmp_c', which the file does not have "
                                     "(did you mean flow_temp_c?)"),
        (["flow_temp_c=return_temp_c"], "return_temp_c: column 'return_temp_c' is already read as flow_temp_c"),
        (["flow_temp=x"], "column_map: 'flow_temp' is not a column the engine reads (did you mean flow_temp_c?)"),
    ],
)  # fmt: skip
def test_a_column_option_must_name_a_header_of_its_own(
    capsys: pytest.CaptureFixture[str], columns: list[str], message: str
) -> None:
    args = [arg for column in columns for arg in ("--column", column)]
    assert _refused(capsys, "analyze", str(SAMPLE_CSV), *args).startswith(f"error: {message}")


def test_swapped_columns_are_read_as_asked(capsys: pytest.CaptureFixture[str]) -> None:
    swapped = ["--column", "flow_temp_c=return_temp_c", "--column", "return_temp_c=flow_temp_c"]
    status, out, err = _cli(capsys, "analyze", str(SAMPLE_CSV), *swapped)
    assert status == 0, err
    straight = json.loads(_cli(capsys, "analyze", str(SAMPLE_CSV))[1])
    # Heat comes from flow minus return: read the other way round it is drawn from the building.
    assert json.loads(out)["heat_kwh"] < 0 < straight["heat_kwh"]


# --- scop -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pdesignh_kw": 1e308}, "pdesignh_kw: 1e+308 is outside the plausible range 0.1 to 400"),
        ({"cc": 1e-320}, "cc: 9.99989e-321 is outside the plausible range 1 to 4"),
        ({"offmode": {"off": 5}}, "offmode: unknown key (did you mean offmode_w?)"),
        ({"tbiv": -7}, "tbiv: unknown key (did you mean tbiv_c?)"),
        ({"offmode_w": {"of": 5}}, "offmode_w.of: unknown key (did you mean off?)"),
        ({"pdesignh_kw": int("1" * 400)}, "pdesignh_kw: must be a finite number (got 111111111111111111111111111111"
                                          "1111111111...(400 characters))"),
        ({"wtol_c": 300}, "wtol_c: 300 is outside the plausible range 0 to 100"),
        ({"offmode_w": {"off": 1e6}}, "offmode_w.off: 1e+06 is outside the plausible range 0 to 20000"),
    ],
)  # fmt: skip
def test_scop_refuses_keys_and_values_no_datasheet_has(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, Any], message: str
) -> None:
    assert _refused(capsys, "scop", _sheet(tmp_path, SHEET | change)) == f"error: {message}"


@pytest.mark.parametrize(
    ("point", "message"),
    [
        ({"cop": 1e-300}, "points[0].cop: 1e-300 is outside the plausible range 0.01 to 25"),
        ({"cop": 30}, "points[0].cop: 30 is outside the plausible range 0.01 to 25"),
        ({"t_c": -300}, "points[0].t_c: -300 is outside the plausible range -40 to 20"),
        ({"pdh_kw": 5000}, "points[0].pdh_kw: 5000 is outside the plausible range 0.01 to 1000"),
        ({"copd": 3}, "points[0].copd: unknown key (did you mean cop?)"),
    ],
)
def test_scop_refuses_absurd_test_points(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], point: dict[str, Any], message: str
) -> None:
    sheet = copy.deepcopy(SHEET)
    sheet["points"][0] |= point
    assert _refused(capsys, "scop", _sheet(tmp_path, sheet)) == f"error: {message}"


def test_an_unknown_key_changed_the_scop_before(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`offmode` for `offmode_w` was dropped silently: the SCOP came out without off-mode power."""
    good = json.loads(_cli(capsys, "scop", _sheet(tmp_path, SHEET))[1])
    typo = {k: v for k, v in SHEET.items() if k != "offmode_w"} | {"offmode": SHEET["offmode_w"]}
    assert "did you mean offmode_w?" in _refused(capsys, "scop", _sheet(tmp_path, typo))
    assert good["qoff_kwh"] > 0


def test_scop_names_hostile_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep = _file(tmp_path, "[" * 100_000 + "]" * 100_000, "deep.json")
    assert _refused(capsys, "scop", deep) == f"error: file: {deep} nests arrays or objects too deeply to be a datasheet"
    huge = _file(tmp_path, '{"pdesignh_kw": ' + "9" * 5000 + "}", "huge.json")
    assert _refused(capsys, "scop", huge).startswith(f"error: file: {huge} is not usable JSON (Exceeds the limit")
    zipped = tmp_path / "sheet.json.gz"
    zipped.write_bytes(gzip.compress(json.dumps(SHEET).encode()))
    assert _cli(capsys, "scop", str(zipped)) == _cli(capsys, "scop", _sheet(tmp_path, SHEET))


def test_a_datasheet_file_is_read_whole_only_up_to_its_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inputs, "MAX_JSON_CHARS", 2 * 1024 * 1024)
    big = _file(tmp_path, json.dumps([SHEET] * 5000), "big.json")  # 2.9 MB
    assert _refused(capsys, "scop", big) == f"error: file: {big} is larger than 2 MiB of text"


def test_a_result_that_overflows_is_refused_not_printed_as_nan() -> None:
    """parse_datasheet's ranges keep figures finite; a Datasheet built in code skips them."""
    sheet = parse_datasheet(SHEET)
    fields = {name: getattr(sheet, name) for name in Datasheet.__dataclass_fields__}
    with pytest.raises(EngineInputError, match="datasheet: the figures overflow"):
        calculate_scop(Datasheet(**fields | {"pdesignh_kw": 1e308}))


# --- output -------------------------------------------------------------------------------------------------------


def test_a_reader_that_closes_the_pipe_gets_one_line() -> None:
    """`engine analyze ... | head` printed a BrokenPipeError traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before anything is written
    try:
        done = subprocess.run(
            [sys.executable, "-m", "custom_components.ashp_cop.engine", "analyze", str(SAMPLE_CSV)],
            cwd=REPO, stdout=write_end, stderr=subprocess.PIPE, text=True, check=False, timeout=120,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert done.returncode == 2
    assert done.stderr == "error: stdout: the reader closed the pipe before the output was complete\n"


def test_the_timestamp_column_can_be_read_from_another_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--column timestamp=time` failed with "'timestamp' is not a column the engine reads"."""
    path = _file(
        tmp_path, "time,elec_power_w,heat_power_w\n2026-01-01T00:00:00Z,1000,3000\n2026-01-01T00:01:00Z,1000,3000\n"
    )
    status, out, err = _cli(capsys, "analyze", path, "--column", "timestamp=time")
    assert status == 0 and json.loads(out)["elec_kwh"] > 0, err
    assert _refused(capsys, "analyze", path, "--column", "timestamp=when").startswith(
        "error: timestamp: missing column"
    )


def test_a_thousands_separator_out_of_place_is_not_a_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = _hours("\t", ".", ",").replace("1,480", "1,4,80")
    assert _refused(capsys, "analyze", _file(tmp_path, text, "tab.csv")) == (
        "error: elec_power_w: row 4: '1,4,80' is not a number (the file writes decimals after a point, as column "
        "flow_temp_c row 2 ('35.5') shows)"
    )
