"""Answers as people read them: rounded floats, no -0.0, no Python reprs of sets or enums."""

from __future__ import annotations

from enum import StrEnum

from custom_components.ashp_cop.engine.tidy import tidy


class _Unit(StrEnum):
    CELSIUS = "°C"


def test_tidy_rounds_and_shows_no_reprs() -> None:
    raw = {"cop": 3.123456789012345, "net": -0.0, "tiny": -0.00001, "n": 3, "ok": True, "none": None,
           "roles": frozenset({_Unit.CELSIUS, "b"}), "rows": [(1.23456789, "x")], "unit": _Unit.CELSIUS}  # fmt: skip
    shown = tidy(raw, 4)
    assert shown == {"cop": 3.1235, "net": 0.0, "tiny": 0.0, "n": 3, "ok": True, "none": None,
                     "roles": ["b", "°C"], "rows": [[1.2346, "x"]], "unit": "°C"}  # fmt: skip
    assert str(shown["net"]) == "0.0" and str(shown["tiny"]) == "0.0"
    assert tidy(-0.0) == 0.0 and str(tidy(-0.0)) == "0.0" and tidy(0.1 + 0.2) == 0.1 + 0.2  # kept without digits
