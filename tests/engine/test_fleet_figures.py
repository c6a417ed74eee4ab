"""The numpy-only parts of the fleet audit: periods, the fleet relation, installer figures."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from custom_components.ashp_cop.engine.fleet_relation import FleetRelation, fit_relation, t_quantile_95
from custom_components.ashp_cop.engine.installer import daily_figures, installer_figures
from custom_components.ashp_cop.engine.periods import periods_of
from custom_components.ashp_cop.engine.timeseries import TimeSeries
from tools.fleet_systems import START, system_rows


def _ts(year: int, month: int, day: int = 1) -> float:
    return datetime(year, month, day, tzinfo=UTC).timestamp()


def test_periods_are_years_heating_seasons_the_last_365_days_and_all() -> None:
    periods = {p.name: p for p in periods_of(_ts(2024, 3, 5), _ts(2025, 11, 20))}
    assert list(periods) == ["2024", "2025", "season-2023/24", "season-2024/25", "season-2025/26", "last365", "all"]
    assert periods["season-2024/25"].start_s == _ts(2024, 10) and periods["season-2024/25"].end_s == _ts(2025, 5)
    last = periods["last365"]
    assert last.end_s is not None and last.start_s is not None and last.end_s - last.start_s == 365 * 86_400
    assert last.start_s <= _ts(2025, 11, 20) < last.end_s  # the last sample is in it
    assert periods["2024"].length_h(0.0, 0.0) == 366 * 24  # a whole year, however much the series covers
    assert periods["all"].length_h(_ts(2024, 3, 5), _ts(2024, 3, 6)) == 24


@pytest.mark.parametrize(("dof", "exact"), [(1, 6.313752), (2, 2.919986), (3, 2.353363), (5, 2.015048),
                                            (10, 1.812461), (30, 1.697261), (1000, 1.646379)])  # fmt: skip
def test_t_quantile_matches_the_tables_within_0_1_percent(dof: int, exact: float) -> None:
    assert t_quantile_95(dof) == pytest.approx(exact, rel=1e-3)


def test_the_relation_recovers_a_known_line_and_its_prediction_interval() -> None:
    rng = np.random.default_rng(7)
    dt_k = rng.uniform(15.0, 40.0, 400)
    spf = -0.110 * dt_k + 7.04 + rng.normal(0.0, 0.3, 400)
    fitted = fit_relation(dt_k, spf)
    assert isinstance(fitted, FleetRelation)
    assert fitted.slope == pytest.approx(-0.110, abs=0.01)
    assert fitted.intercept == pytest.approx(7.04, abs=0.25)
    # 90 % of new systems fall within the interval (binomial spread of 1,000 draws: +-3 %).
    new_dt = rng.uniform(15.0, 40.0, 1000)
    new_spf = -0.110 * new_dt + 7.04 + rng.normal(0.0, 0.3, 1000)
    inside = np.abs(new_spf - fitted.predict(new_dt)) <= fitted.half_width(new_dt)
    assert 0.87 <= inside.mean() <= 0.93
    assert fitted.half_width(fitted.mean_dt_k) == pytest.approx(1.645 * 0.3, rel=0.1)


def test_a_relation_the_data_cannot_support_is_a_reason() -> None:
    assert fit_relation(np.array([20.0, 25.0]), np.array([4.0, 3.5])) == (
        "needs at least 3 systems with SPF and temperatures (has 2)"
    )
    assert "same flow-minus-outdoor" in str(fit_relation(np.full(4, 25.0), np.array([3.0, 3.5, 4.0, 4.5])))


def _synthetic(index: int) -> TimeSeries:
    columns = system_rows(index)
    count = columns["elec_power_w"].size
    return TimeSeries(START.timestamp() + np.arange(count) * 3600.0, columns)


def test_heat_loss_and_heating_curve_come_back_from_a_house_of_known_figures() -> None:
    rng = np.random.default_rng([19, 3])  # the generator's own draws for system 3
    rng.normal(0.0, 1.5, 8760)
    ua_w_per_k, balance_c = rng.uniform(120.0, 320.0), rng.uniform(14.0, 17.0)
    offset_c, slope = rng.uniform(27.0, 42.0), rng.uniform(0.3, 1.0)
    figures = installer_figures(daily_figures(_synthetic(3)), "average")
    # Days average the hours: the daily fit sees the house's line smeared by the
    # hours above the balance temperature, within a few per cent.
    assert figures["heat_loss_w_per_k"] == pytest.approx(ua_w_per_k, rel=0.05)
    assert figures["balance_temp_c"] == pytest.approx(balance_c, abs=0.6)
    assert figures["heat_loss_r_squared"] > 0.95
    assert figures["design_temp_c"] == -10.0
    assert figures["design_heat_load_kw"] == pytest.approx(
        figures["heat_loss_w_per_k"] * (figures["balance_temp_c"] + 10.0) / 1000.0
    )
    assert figures["oversizing_capacity_source"] == "highest hourly heat output measured"
    # flow = offset + slope x (20 - To): dflow/dTo = -slope, 0 C gives offset + 20 slope.
    assert figures["weather_comp_slope_k_per_k"] == pytest.approx(-slope, abs=0.05)
    assert figures["weather_comp_flow_at_0c"] == pytest.approx(offset_c + 20.0 * slope, abs=1.0)
    with_sheet = installer_figures(daily_figures(_synthetic(3)), "colder", pdesignh_kw=9.0)
    assert with_sheet["design_temp_c"] == -22.0
    assert with_sheet["oversizing_factor"] == pytest.approx(9.0 / with_sheet["design_heat_load_kw"])


def test_installer_figures_the_data_cannot_support_are_none_with_a_reason() -> None:
    series = _synthetic(1)
    short = series.between(series.start_s, series.start_s + 5 * 86_400)
    figures = installer_figures(daily_figures(short))
    assert figures["heat_loss_w_per_k"] is None and figures["design_heat_load_kw"] is None
    assert figures["heat_loss_reason"] == "needs 14 days (has 5)"
    assert figures["weather_comp_slope_k_per_k"] is None
