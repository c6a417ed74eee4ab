"""Expected COP from a datasheet at other outdoor and flow temperatures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from custom_components.ashp_cop.engine.en14825 import parse_datasheet
from custom_components.ashp_cop.engine.en14825.datasheet import TestPoint as Point
from custom_components.ashp_cop.engine.errors import EngineInputError
from custom_components.ashp_cop.engine.expected import ExpectedCop, carnot_cop, datasheet_outlet_c, gap_pct

SHEET = parse_datasheet(json.loads((Path(__file__).resolve().parents[2] / "samples" / "datasheet.json").read_text()))


def test_declared_points_are_reproduced_at_their_own_outlet_temperatures() -> None:
    expected = ExpectedCop.from_points(SHEET.points, application_c=35)
    for point in SHEET.points:
        assert expected.cop(point.t_c, datasheet_outlet_c(35, point.t_c)) == pytest.approx(point.cop, rel=1e-9)


def test_hotter_flow_and_colder_air_cost_cop() -> None:
    expected = ExpectedCop.from_points(SHEET.points)
    assert expected.cop(7, 35) > expected.cop(7, 45) > expected.cop(7, 55)
    assert expected.cop(10, 35) > expected.cop(0, 35) > expected.cop(-7, 35)


def test_a_frosting_dip_at_plus_2_is_applied_in_its_band_only() -> None:
    frosty = [p if p.t_c != 2 else Point(2.0, p.pdh_kw, 3.6) for p in SHEET.points]
    expected = ExpectedCop.from_points(frosty)
    assert expected.frosting_penalty > 0.1
    no_frost = ExpectedCop(expected.anchors_c, expected.eta, 0.0)
    assert expected.cop(2, 30) == pytest.approx(3.6)
    assert expected.cop(1, 35) == pytest.approx(no_frost.cop(1, 35) * (1 - expected.frosting_penalty))
    assert expected.cop(8, 35) == pytest.approx(no_frost.cop(8, 35))
    assert expected.cop(-7, 35) == pytest.approx(no_frost.cop(-7, 35))


def test_carnot_and_outlet_curves() -> None:
    assert carnot_cop(35, 7) == pytest.approx(308.15 / 28)
    assert carnot_cop(20, 19) == pytest.approx(293.15 / 3)  # lift floored at 3 K
    assert datasheet_outlet_c(55, 2) == 42 and datasheet_outlet_c(35, -20) == 35 and datasheet_outlet_c(35, 4.5) == 28.5
    with pytest.raises(EngineInputError, match="application_c: must be 35 or 55"):
        datasheet_outlet_c(45, 2)


def test_needs_frost_free_points_and_gap_sign() -> None:
    with pytest.raises(EngineInputError, match="needs a test point at or above Tifr"):
        ExpectedCop.from_points([p for p in SHEET.points if p.t_c < 7])
    assert gap_pct(2.7, 3.0) == pytest.approx(-10.0)
    assert gap_pct(None, 3.0) is None and gap_pct(3.0, 0.0) is None
