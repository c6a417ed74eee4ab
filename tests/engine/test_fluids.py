"""Fluid properties against CoolProp (IAPWS-95 water, CoolProp's own glycol fits)."""

from __future__ import annotations

import numpy as np
import pytest

from custom_components.ashp_cop.engine.errors import EngineInputError
from custom_components.ashp_cop.engine.fluids import (
    Medium,
    check_medium,
    check_temperature,
    cp_j_per_kg_k,
    density_kg_per_m3,
    freezing_point_c,
)

CP = pytest.importorskip("CoolProp.CoolProp")
TOLERANCE = 0.005


def _reference(medium: Medium, pct: float, temp_c: float) -> tuple[float, float]:
    fluid = (
        "Water"
        if medium is Medium.WATER or pct == 0
        else f"INCOMP::{'MPG' if medium is Medium.PROPYLENE_GLYCOL else 'MEG'}[{pct / 100}]"
    )
    t_k = temp_c + 273.15
    return CP.PropsSI("C", "T", t_k, "P", 3e5, fluid), CP.PropsSI("D", "T", t_k, "P", 3e5, fluid)


def _grid(medium: Medium) -> list[tuple[float, float]]:
    fractions = [0.0] if medium is Medium.WATER else [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    return [(pct, float(t)) for pct in fractions for t in range(-20, 91, 5) if t >= freezing_point_c(medium, pct) + 0.5]


@pytest.mark.parametrize("medium", list(Medium))
def test_within_half_a_percent_of_coolprop_across_the_range(medium: Medium) -> None:
    grid = _grid(medium)
    assert len(grid) > 15
    worst_cp = worst_rho = 0.0
    for pct, temp_c in grid:
        cp_ref, rho_ref = _reference(medium, pct, temp_c)
        worst_cp = max(worst_cp, abs(cp_j_per_kg_k(medium, pct, temp_c) / cp_ref - 1))
        worst_rho = max(worst_rho, abs(density_kg_per_m3(medium, pct, temp_c) / rho_ref - 1))
    assert worst_cp < TOLERANCE
    assert worst_rho < TOLERANCE


def test_published_spot_values() -> None:
    # Water at 20 C: 998.21 kg/m3 and 4184 J/(kg K) (IAPWS-95).
    assert density_kg_per_m3(Medium.WATER, 0.0, 20.0) == pytest.approx(998.21, abs=0.05)
    assert cp_j_per_kg_k(Medium.WATER, 0.0, 20.0) == pytest.approx(4184, rel=0.003)
    # Glycol lowers cp and raises density; ethylene more dense than propylene.
    assert cp_j_per_kg_k(Medium.PROPYLENE_GLYCOL, 40.0, 20.0) < 3800
    assert density_kg_per_m3(Medium.ETHYLENE_GLYCOL, 40.0, 20.0) > density_kg_per_m3(
        Medium.PROPYLENE_GLYCOL, 40.0, 20.0
    )
    # Freezing points of 30 % mixtures: about -13 C (propylene) and -15 C (ethylene).
    assert freezing_point_c(Medium.PROPYLENE_GLYCOL, 30.0) == pytest.approx(-12.9, abs=1.0)
    assert freezing_point_c(Medium.ETHYLENE_GLYCOL, 30.0) == pytest.approx(-15.4, abs=1.0)


def test_arrays_and_scalars_agree_bit_for_bit() -> None:
    temps = np.array([5.0, 35.0, 55.0])
    array = cp_j_per_kg_k(Medium.PROPYLENE_GLYCOL, 25.0, temps)
    for value, temp in zip(array, temps, strict=True):
        assert value == cp_j_per_kg_k(Medium.PROPYLENE_GLYCOL, 25.0, float(temp))


@pytest.mark.parametrize(
    ("medium", "pct", "message"),
    [
        ("brine", 0.0, "unknown medium 'brine'"),
        ("propylene_glycol", 70.0, "between 0 and 60"),
        ("water", 20.0, "water has no glycol"),
    ],
)
def test_bad_medium_is_named(medium: str, pct: float, message: str) -> None:
    with pytest.raises(EngineInputError, match=message):
        check_medium(medium, pct)


def test_temperature_below_freezing_is_refused() -> None:
    with pytest.raises(EngineInputError, match=r"temp: -5 C is outside the liquid range of water"):
        check_temperature(Medium.WATER, 0.0, -5.0)
    check_temperature(Medium.PROPYLENE_GLYCOL, 40.0, -18.0)
    with pytest.raises(EngineInputError, match="outside the liquid range"):
        check_temperature(Medium.PROPYLENE_GLYCOL, 40.0, 95.0)
