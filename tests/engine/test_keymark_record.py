"""A KEYMARK record as a datasheet: Cdh rules, point order, off-mode tables, declared figures."""

from __future__ import annotations

from custom_components.ashp_cop.engine.en14825 import calculate_scop, parse_datasheet
from custom_components.ashp_cop.engine.en14825.keymark import (
    declared_scop_conflict,
    normalise,
    offmode_hours_used,
    record_to_datasheet,
)

ROW = {
    "manufacturer": "Example GmbH", "climate": "average", "outlet_temp_c": "35", "reversible": "1",
    "prated_kw": "8", "scop": "4.50", "eta_s_pct": "177", "tbiv": "-7", "tol": "-10", "wtol": "60",
    "pdh_m7": "7.1", "cop_m7": "2.9", "cdh_047": "", "pdh_p2": "4.4", "cop_p2": "4.4", "cdh_048": "",
    "pdh_p7": "3.0", "cop_p7": "6.0", "cdh_049": "", "pdh_p12": "3.1", "cop_p12": "7.5", "cdh_050": "",
    "pdh_tbiv": "7.0", "cop_tbiv": "2.8", "pdh_tol": "6.5", "cop_tol": "2.4", "cdh_021": "",
    "pdh_m15": "", "cop_m15": "", "cdh_051": "", "poff_w": "10", "pto_w": "20", "psb_w": "10", "pck_w": "0",
}  # fmt: skip


def _cdh_by_t(row: dict[str, str]) -> list[tuple[float, float]]:
    return [(p["t_c"], p["cdh"]) for p in record_to_datasheet(row)["points"]]


def test_limit_points_come_first_and_win_over_a_fixed_point_at_the_same_temperature() -> None:
    points = record_to_datasheet(ROW)["points"]
    assert [p["t_c"] for p in points] == [-7, -10, 2, 7, 12]  # A at -7 C is the Tbiv point's
    result = calculate_scop(parse_datasheet(record_to_datasheet(ROW)))
    assert {b.t_c: b.pdh_kw for b in result.bins}[-7] == 7.0  # the Tbiv point's 7.0 kW, not A's 7.1
    # the alternative docs/engine.md measures: A wins
    fixed_first = record_to_datasheet(ROW, limit_points_first=False)["points"]
    assert [(p["t_c"], p["pdh_kw"]) for p in fixed_first] == [(-7, 7.1), (2, 4.4), (7, 3.0), (12, 3.1), (-10, 6.5)]


def test_blank_cdh_is_no_degradation() -> None:
    assert {cdh for _, cdh in _cdh_by_t(ROW)} == {1.0}


def test_cdh_declared_at_tol_only_leaves_the_fixed_points_at_the_standard_default() -> None:
    row = {**ROW, "cdh_021": "0.98"}
    assert _cdh_by_t(row) == [(-7, 0.98), (-10, 0.98), (2, 0.9), (7, 0.9), (12, 0.9)]
    # a Cdh of 1 at TOL says there is no degradation at all
    assert {cdh for _, cdh in _cdh_by_t({**ROW, "cdh_021": "1.00"})} == {1.0}


def test_cdh_at_tol_fills_blank_fixed_points_where_a_b_c_or_d_declare_their_own() -> None:
    row = {**ROW, "cdh_021": "0.95", "cdh_048": "0.97"}
    assert _cdh_by_t(row) == [(-7, 0.95), (-10, 0.95), (2, 0.97), (7, 0.95), (12, 0.95)]


def test_offmode_hours_follow_the_manufacturers_declared_practice() -> None:
    assert offmode_hours_used("Example GmbH", True) == "reversible"
    assert offmode_hours_used("Example GmbH", False) == "heating_only"
    assert offmode_hours_used("BDR Thermea FR (DE DIETRICH)", True) == "heating_only"
    assert offmode_hours_used("August Brötje GmbH", True) == "heating_only"
    assert offmode_hours_used("August Brötje GmbH", False) == "heating_only"
    assert offmode_hours_used("LG Electronics Inc.", False) == "reversible"
    assert offmode_hours_used("LG Electronics Inc.", True) == "reversible"
    sheet = record_to_datasheet({**ROW, "manufacturer": "BDR Thermea FR (OERTLI)"})
    assert sheet["reversible"] is True
    assert sheet["offmode_hours"] == "heating_only"
    assert calculate_scop(parse_datasheet(sheet)).qoff_kwh == (3672 * 10 + 179 * 20) / 1000


def test_declared_figures_and_their_contradictions() -> None:
    sheet = record_to_datasheet(ROW, with_declared=True)
    assert sheet["declared_scop"] == 4.5
    assert sheet["wtol_c"] == 60
    assert "declared_scop" not in record_to_datasheet(ROW)
    assert declared_scop_conflict(ROW) is None  # (177 + 3) * 2.5 / 100 = 4.50
    assert declared_scop_conflict({**ROW, "eta_s_pct": "160"}) == (160 + 3) * 2.5 / 100
    assert declared_scop_conflict({**ROW, "eta_s_pct": ""}) is None


def test_normalise_folds_case_diacritics_and_punctuation() -> None:
    assert normalise("August BRÖTJE GmbH, BLW-Split/K 4") == "august brotje gmbh blw split k 4"
    assert normalise("Æ  ß") == "æ ss"


def test_a_cell_that_is_not_a_number_counts_as_blank() -> None:
    sheet = record_to_datasheet({**ROW, "pdh_p12": "n/a", "wtol": "-", "cdh_048": "inf"})
    assert [p["t_c"] for p in sheet["points"]] == [-7, -10, 2, 7]
    assert "wtol_c" not in sheet
    assert sheet["points"][2]["cdh"] == 1.0
    assert [p["t_c"] for p in record_to_datasheet({**ROW, "tol": "-7"})["points"]] == [-7, 2, 7, 12]
