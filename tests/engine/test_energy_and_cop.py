"""Trapezoid integration with gaps, and COP as ratios of energies."""

from __future__ import annotations

import numpy as np
import pytest

from custom_components.ashp_cop.engine.cop import (
    RollingCop,
    instantaneous_cop,
    instantaneous_cop_series,
    period_cop,
    rolling_cop_series,
)
from custom_components.ashp_cop.engine.energy import (
    EnergyIntegrator,
    Intervals,
    default_max_gap_s,
    interval_energy_wh,
)


def test_trapezoid_is_exact_for_a_ramp() -> None:
    t = np.arange(0.0, 3601.0, 60.0)
    power = 1000.0 + t  # W, rising linearly
    energy = interval_energy_wh(power, Intervals.of(t, 120.0))
    # integral of (1000 + t) dt over an hour, in Wh
    assert energy.sum() == pytest.approx((1000.0 * 3600 + 3600.0**2 / 2) / 3600.0, rel=1e-12)


def test_gaps_longer_than_the_limit_are_not_bridged() -> None:
    t = np.array([0.0, 60.0, 120.0, 3720.0, 3780.0])
    power = np.full(5, 3600.0)
    energy = interval_energy_wh(power, Intervals.of(t, default_max_gap_s(t)))
    assert default_max_gap_s(t) == 90.0
    assert np.isnan(energy[2])
    assert np.nansum(energy) == pytest.approx(3 * 60.0)


def test_missing_reading_drops_both_neighbouring_intervals() -> None:
    t = np.arange(0.0, 300.0, 60.0)
    power = np.array([1000.0, 1000.0, np.nan, 1000.0, 1000.0])
    energy = interval_energy_wh(power, Intervals.of(t, 90.0))
    assert np.isnan(energy[1]) and np.isnan(energy[2])
    assert np.nansum(energy) == pytest.approx(2 * 1000.0 / 60.0)


def test_streaming_integrator_matches_the_vectorised_one() -> None:
    rng = np.random.default_rng(3)
    t = np.cumsum(rng.uniform(5, 15, 500))
    t[250:] += 600  # one long gap
    power = rng.uniform(0, 5000, 500)
    integrator = EnergyIntegrator(max_gap_s=30.0)
    for ti, pi in zip(t, power, strict=True):
        integrator.add(float(ti), float(pi))
    assert integrator.total_wh == pytest.approx(np.nansum(interval_energy_wh(power, Intervals.of(t, 30.0))), rel=1e-12)


def test_streaming_integrator_ignores_missing_and_repeated_readings() -> None:
    integrator = EnergyIntegrator(max_gap_s=120.0)
    integrator.add(0.0, 1000.0)
    integrator.add(60.0, None)  # unavailable: the next interval starts afresh
    integrator.add(120.0, 1000.0)
    integrator.add(120.0, 5000.0)  # same instant again: nothing to integrate
    integrator.add(180.0, 1000.0)
    assert integrator.total_wh == pytest.approx(1000.0 / 60.0)


def test_instantaneous_cop_is_none_when_not_running() -> None:
    assert instantaneous_cop(3000.0, 1000.0) == 3.0
    assert instantaneous_cop(50.0, 20.0) is None  # standby: not 2.5
    assert instantaneous_cop(0.0, 0.0) is None  # never 0/0
    assert instantaneous_cop(3000.0, None) is None
    assert instantaneous_cop(float("nan"), 1000.0) is None
    assert instantaneous_cop(500.0, 150.0, running_threshold_w=200.0) is None
    series = instantaneous_cop_series(np.array([3000.0, 50.0]), np.array([1000.0, 20.0]))
    assert series[0] == 3.0 and np.isnan(series[1])


def test_period_cop_needs_electricity() -> None:
    assert period_cop(30.0, 10.0) == 3.0
    assert period_cop(1.0, 0.0) is None


def test_rolling_cop_is_a_ratio_of_sums_not_a_mean_of_ratios() -> None:
    t_end = np.array([60.0, 120.0, 180.0])
    heat = np.array([100.0, 10.0, 100.0])
    elec = np.array([20.0, 10.0, 20.0])
    rolling = rolling_cop_series(t_end, heat, elec, window_s=300.0)
    assert rolling[-1] == pytest.approx(210.0 / 50.0)  # mean of ratios would be 3.67
    assert rolling[0] == pytest.approx(5.0)


def test_rolling_window_forgets_old_intervals() -> None:
    t_end = np.arange(60.0, 661.0, 60.0)
    heat = np.where(t_end <= 300, 400.0, 100.0)
    elec = np.full(t_end.size, 100.0)
    rolling = rolling_cop_series(t_end, heat, elec, window_s=300.0)
    assert rolling[-1] == pytest.approx(1.0)
    assert rolling[4] == pytest.approx(4.0)


def test_streaming_rolling_cop_matches_the_vectorised_one() -> None:
    rng = np.random.default_rng(7)
    t_end = np.cumsum(rng.uniform(10, 40, 300))
    heat = rng.uniform(0, 100, 300)
    elec = rng.uniform(5, 30, 300)
    vectorised = rolling_cop_series(t_end, heat, elec, window_s=300.0)
    live = RollingCop(window_s=300.0)
    for i in range(300):
        assert live.add(float(t_end[i]), float(heat[i]), float(elec[i])) == pytest.approx(vectorised[i], rel=1e-9)
    assert RollingCop().value is None
