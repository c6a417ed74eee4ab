"""Climate-normalised measured SCOP and the frosting penalty."""

from __future__ import annotations

import numpy as np
import pytest

from custom_components.ashp_cop.engine.climate_normalised import normalised_scop
from custom_components.ashp_cop.engine.en14825 import CLIMATES
from custom_components.ashp_cop.engine.en14825 import TestPoint as DeclaredPoint
from custom_components.ashp_cop.engine.errors import EngineInputError
from custom_components.ashp_cop.engine.frosting import (
    MeasuredPenalty,
    apply_frosting_penalty,
    penalty_from_datasheet,
    penalty_from_measurements,
    penalty_weight,
)


def test_constant_cop_normalises_to_itself() -> None:
    temps = np.arange(-10.0, 16.0)
    result = normalised_scop("average", temps, 3.5 * np.ones(temps.size), np.ones(temps.size))
    assert result.scop == pytest.approx(3.5)
    assert result.demand_coverage == pytest.approx(1.0)
    assert result.missing_bins == []


def test_bins_are_weighted_by_the_climates_heat_demand() -> None:
    temps = np.array([-5.0, 10.0])
    heat = np.array([20.0, 50.0])  # COP 2 at -5 C, 5 at 10 C
    elec = np.array([10.0, 10.0])
    result = normalised_scop("average", temps, heat, elec)
    hours = dict(zip(CLIMATES["average"].bins_c, CLIMATES["average"].bin_hours, strict=True))
    d_cold, d_mild = hours[-5] * 21, hours[10] * 6
    assert result.scop == pytest.approx((d_cold + d_mild) / (d_cold / 2 + d_mild / 5))
    assert -10 in result.missing_bins and -5 not in result.missing_bins
    total = sum(h * (16 - t) for t, h in hours.items())
    assert result.demand_coverage == pytest.approx((d_cold + d_mild) / total)


def test_no_data_means_no_figure_and_outside_hours_are_counted() -> None:
    result = normalised_scop("warmer", np.array([-5.0, 20.0]), np.array([1.0, 1.0]), np.array([1.0, 1.0]))
    assert result.scop is None
    assert result.hours_outside_climate == 2
    with pytest.raises(EngineInputError, match="unknown climate"):
        normalised_scop("arctic", np.array([0.0]), np.array([1.0]), np.array([1.0]))


def test_penalty_weight_is_full_below_one_degree_and_zero_above_tifr() -> None:
    assert penalty_weight(np.array([-5.0, 1.0, 4.0, 7.0, 10.0]), tifr_c=7.0).tolist() == [1.0, 1.0, 0.5, 0.0, 0.0]
    assert apply_frosting_penalty(4.0, 4.0, 0.1, tifr_c=7.0) == pytest.approx(4.0 * 0.95)


def test_penalty_from_datasheet_against_the_frost_free_line() -> None:
    points = [
        DeclaredPoint(-7, 6.0, 2.6),
        DeclaredPoint(2, 5.0, 3.3),
        DeclaredPoint(7, 4.0, 4.5),
        DeclaredPoint(12, 3.5, 5.5),
    ]
    # line through (7, 4.5) and (12, 5.5) gives 3.5 at 2 C: FP = 1 - 3.3/3.5
    assert penalty_from_datasheet(points) == pytest.approx(1 - 3.3 / 3.5)
    with pytest.raises(EngineInputError, match="test point at 2 C"):
        penalty_from_datasheet([p for p in points if p.t_c != 2])
    with pytest.raises(EngineInputError, match="two test points at or above Tifr"):
        penalty_from_datasheet(points[:3])


def test_penalty_from_measurements_recovers_a_known_penalty() -> None:
    temps = np.linspace(-6.0, 14.0, 400)
    cop = 3.0 + 0.1 * temps
    true_penalty = 0.12
    cop_seen = cop * (1 - true_penalty * penalty_weight(temps, 7.0))
    elec = np.full(temps.size, 1.5)
    result = penalty_from_measurements(temps, cop_seen * elec, elec, tifr_c=7.0)
    assert isinstance(result, MeasuredPenalty)
    expected = 1 - (cop_seen[temps < 7] * elec[temps < 7]).sum() / (cop[temps < 7] * elec[temps < 7]).sum()
    assert result.penalty == pytest.approx(expected, rel=1e-6)
    assert result.model_slope_per_k == pytest.approx(0.1)


def test_penalty_from_measurements_says_why_it_cannot() -> None:
    reason = penalty_from_measurements(np.full(50, 3.0), np.full(50, 3.0), np.ones(50))
    assert isinstance(reason, str) and "has 0 above and 50 below" in reason
