"""Hourly history from recorded meter statistics: joint hours, gaps, running and standby, ranges."""

from __future__ import annotations

import numpy as np
import pytest

from custom_components.ashp_cop.engine.hourly_history import (
    HOUR_S,
    build_history,
    counter_changes,
    hour_grid,
    on_grid,
    ranges,
    screen_hours,
)

NAN = np.nan


def test_only_hours_every_channel_knows_count() -> None:
    grid = hour_grid(0, 6 * HOUR_S)
    heat = np.array([3.0, 3.0, NAN, 3.0, 0.0, 3.0])
    elec = np.array([1.0, NAN, 1.0, 1.0, 0.02, -1.0])  # a negative hour of electricity is not plausible
    history = build_history(grid, {"heat": heat, "elec": elec})
    assert list(history.hour_s) == [0, 3 * HOUR_S, 4 * HOUR_S]
    assert list(history.heat_kwh) == [3.0, 3.0, 0.0]
    # 20 Wh in an hour with no heat: standby; the others ran
    assert list(history.running_kwh) == [1.0, 1.0, 0.0] and list(history.standby_kwh) == [0.0, 0.0, 0.02]
    assert history.covered == [(0, HOUR_S), (3 * HOUR_S, 5 * HOUR_S)]
    assert history.missing == [(HOUR_S, 3 * HOUR_S), (5 * HOUR_S, 6 * HOUR_S)]


def test_a_heat_power_hour_below_zero_is_heat_drawn_back_a_counter_hour_is_a_dip() -> None:
    grid = hour_grid(0, 2 * HOUR_S)
    channels = {"heat": np.array([2.0, -0.4]), "elec": np.array([0.8, 0.3])}
    signed = build_history(grid, channels, heat_signed=True)
    assert list(signed.heat_kwh) == [2.0, 0.0] and list(signed.drawn_kwh) == [0.0, 0.4]
    assert list(signed.net_kwh) == [2.0, -0.4]
    counter = build_history(grid, channels)
    assert list(counter.hour_s) == [0]


def test_a_bound_backup_heater_must_be_known_too() -> None:
    grid = hour_grid(0, 2 * HOUR_S)
    history = build_history(grid, {"heat": np.array([2.0, 2.0]), "elec": np.array([0.5, 0.5]),
                                   "backup": np.array([0.0, NAN])})  # fmt: skip
    assert list(history.hour_s) == [0] and list(history.backup_kwh) == [0.0]


def test_a_counters_first_hour_after_a_gap_spans_the_gap_and_is_left_out() -> None:
    changes = np.array([NAN, 1.0, 1.0, NAN, NAN, 3.0, 1.0])
    assert np.array_equal(counter_changes(changes, first_is_start=True),
                          [NAN, 1.0, 1.0, NAN, NAN, NAN, 1.0], equal_nan=True)  # fmt: skip
    assert np.array_equal(counter_changes(changes, first_is_start=False),
                          [NAN, NAN, 1.0, NAN, NAN, NAN, 1.0], equal_nan=True)  # fmt: skip


def test_values_land_on_their_hour_and_nowhere_else() -> None:
    grid = hour_grid(7200, 7200 + 3 * HOUR_S)
    values = on_grid(grid, {7200.0: 1.0, 7200.0 + 2 * HOUR_S: 3.0, 7200.0 + 1800: 9.0, 0.0: 9.0})
    assert np.array_equal(values, [1.0, NAN, 3.0], equal_nan=True)
    assert ranges(grid, np.array([True, False, True])) == [
        (7200, 7200 + HOUR_S),
        (7200 + 2 * HOUR_S, 7200 + 3 * HOUR_S),
    ]


def test_history_needs_heat_and_electricity() -> None:
    with pytest.raises(ValueError, match="missing"):
        build_history(hour_grid(0, HOUR_S), {"heat": np.array([1.0])})


def test_hours_no_meter_could_have_counted_are_left_out_and_named() -> None:
    """Issue 16, item 4: the live counters' rate limit (50 kW, or three times the rate a larger unit shows)."""
    grid = hour_grid(0, 48 * HOUR_S)
    heat = np.full(48, 6.0)
    heat[10] = 1_000_006.0  # a glitched reading on a 6 kW unit
    heat[20] = -3.0  # a counter's dip
    elec = np.full(48, 2.0)
    elec[30] = 51.0  # more than 50 kW for an hour
    screened, left_out = screen_hours(grid, {"heat": heat, "elec": elec})
    assert [(hour.hour_s, hour.channel, hour.reason) for hour in left_out] == [
        (10 * HOUR_S, "heat", "above_max_rate"),
        (20 * HOUR_S, "heat", "negative"),
        (30 * HOUR_S, "elec", "above_max_rate"),
    ]
    assert left_out[0].kwh == 1_000_006.0 and left_out[0].limit_kwh == pytest.approx(50.01)
    assert np.isnan(screened["heat"][[10, 20]]).all() and np.isnan(screened["elec"][30])
    assert np.nansum(screened["heat"]) == pytest.approx(6.0 * 46)
    history = build_history(grid, screened)
    assert history.missing == [(10 * HOUR_S, 11 * HOUR_S), (20 * HOUR_S, 21 * HOUR_S), (30 * HOUR_S, 31 * HOUR_S)]

    # a 70 kW unit teaches its own rate, as a live counter learns it: its hours stay, a glitch still goes
    big = np.full(48, 70.0)
    big[5] = 5_000.0
    screened, left_out = screen_hours(grid, {"heat": big, "elec": np.full(48, 25.0)})
    assert [(hour.hour_s, hour.channel) for hour in left_out] == [(5 * HOUR_S, "heat")]
    assert left_out[0].limit_kwh == pytest.approx(210.01)

    # heat from a power: a negative hour is heat drawn back, judged by its size
    drawn = np.full(48, 6.0)
    drawn[3], drawn[4] = -2.0, -900.0
    _, left_out = screen_hours(grid, {"heat": drawn, "elec": np.full(48, 2.0)}, heat_signed=True)
    assert [(hour.hour_s, hour.reason) for hour in left_out] == [(4 * HOUR_S, "above_max_rate")]
