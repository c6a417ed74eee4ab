"""Defrost detection with hysteresis and per-event accounting."""

from __future__ import annotations

import numpy as np
import pytest

from custom_components.ashp_cop.engine.defrost import defrost_events, detect_active, hysteresis
from custom_components.ashp_cop.engine.energy import Intervals


def test_hysteresis_latches_between_enter_and_leave() -> None:
    enter = np.array([0, 1, 0, 0, 0, 0, 1, 0], dtype=bool)
    leave = np.array([1, 0, 0, 0, 1, 0, 0, 0], dtype=bool)
    assert hysteresis(enter, leave).tolist() == [False, True, True, True, False, False, True, True]
    assert hysteresis(np.array([], dtype=bool), np.array([], dtype=bool)).size == 0


def test_reversed_flow_detects_defrost_and_noise_does_not_split_it() -> None:
    delta = np.array([5.0, 5.0, -2.0, -0.2, -1.5, -0.1, 3.0, 4.0, -0.3, 4.0])
    running = np.ones(delta.size, dtype=bool)
    active = detect_active(running, delta_t_k=delta)
    # -0.2 and -0.1 sit inside the band: still one cycle; -0.3 never enters.
    assert active.tolist() == [False, False, True, True, True, True, False, False, False, False]


def test_reversed_flow_while_off_is_not_defrost() -> None:
    delta = np.array([2.0, -3.0, -3.0, 2.0])
    running = np.array([True, False, False, True])
    assert not detect_active(running, delta_t_k=delta).any()


def test_explicit_signal_wins_and_missing_samples_keep_state() -> None:
    signal = np.array([0.0, 1.0, np.nan, 1.0, 0.0])
    delta = np.full(5, 5.0)  # temperatures say no defrost: the flag decides
    active = detect_active(np.ones(5, dtype=bool), delta_t_k=delta, signal=signal)
    assert active.tolist() == [False, True, True, True, False]


def test_events_carry_start_end_duration_and_heat_drawn_back() -> None:
    t = np.arange(0.0, 600.0, 60.0)
    heat_w = np.array([6000, 6000, -3600, -3600, -3600, 6000, 6000, 6000, 6000, 6000], dtype=float)
    active = np.array([0, 0, 1, 1, 1, 0, 0, 0, 0, 0], dtype=bool)
    events = defrost_events(t, active, heat_w, Intervals.of(t, 90.0))
    assert len(events) == 1
    event = events[0]
    assert (event.start_s, event.end_s, event.duration_s) == (120.0, 300.0, 180.0)
    # two whole minutes at -3.6 kW, plus the negative half of the interval
    # into the cycle and of the one out of it: 0.12 + 2 * 0.03 kWh
    assert event.heat_drawn_kwh == pytest.approx(0.12 + 2 * 0.5 * 3.6 / 60, rel=1e-9)


def test_events_at_the_edges_of_the_series() -> None:
    t = np.arange(0.0, 300.0, 60.0)
    active = np.array([1, 1, 0, 1, 1], dtype=bool)
    events = defrost_events(t, active, np.full(5, -1000.0), Intervals.of(t, 90.0))
    assert [(e.start_s, e.end_s) for e in events] == [(0.0, 120.0), (180.0, 240.0)]
    assert defrost_events(t, np.zeros(5, dtype=bool), np.zeros(5), Intervals.of(t, 90.0)) == []
