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
