"""Meter counters judged reading by reading: dips, glitches, jumps, resets and replacements."""

from __future__ import annotations

import pytest

from custom_components.ashp_cop.engine.counters import CONFIRM_S, MeterCounter, Outcome


def _feed(counter: MeterCounter, readings: list[float | None], start_s: float = 0.0, every_s: float = 10.0) -> float:
    """Feed readings every ``every_s``; returns the energy the counter accepted."""
    total = 0.0
    for i, value in enumerate(readings):
        step = counter.observe(value, start_s + i * every_s)
        if step.outcome is Outcome.ACCEPTED:
            total += step.increase_kwh
    return total


def test_a_dip_within_the_noise_is_no_change() -> None:
    counter = MeterCounter()
    # the case: 0.5 kWh counted, then a dip of 0.001 kWh must not count 1000.5 kWh
    counted = _feed(counter, [1000.0, 1000.2, 1000.5, 1000.499, 1000.5, 1000.6], every_s=60.0)
    assert counted == pytest.approx(0.6)
    assert counter.events == []


@pytest.mark.parametrize("glitch", [0.0, 5e8, 999.0, 1.0e12])
def test_a_glitch_that_comes_back_is_never_counted(glitch: float) -> None:
    counter = MeterCounter()
    counted = _feed(counter, [1000.0, 1000.1, glitch, 1000.2, 1000.3])
    assert counted == pytest.approx(0.3)
    assert [event.kind for event in counter.events] == ["glitch_ignored"]


def test_a_glitch_held_for_two_polls_is_still_a_glitch() -> None:
    counter = MeterCounter()
    counted = _feed(counter, [1000.0, 1000.1, 0.0, 0.0, 1000.2])
    assert counted == pytest.approx(0.2)


def test_a_reset_counts_only_once_the_new_series_is_confirmed() -> None:
    counter = MeterCounter()
    outcomes = []
    value = 0.0
    readings = [1000.0, 1000.1] + [round(0.05 * i, 3) for i in range(1, 40)]
    for i, value in enumerate(readings):
        outcomes.append(counter.observe(value, i * 10.0).outcome)
    held = outcomes.count(Outcome.HELD)
    assert outcomes[:2] == [Outcome.FIRST, Outcome.ACCEPTED]
    assert Outcome.NEW_SERIES in outcomes
    confirmed_at = outcomes.index(Outcome.NEW_SERIES)
    assert held == confirmed_at - 2 and (confirmed_at - 2) * 10.0 >= CONFIRM_S - 10.0
    assert all(o is Outcome.ACCEPTED for o in outcomes[confirmed_at + 1 :])
    assert [event.kind for event in counter.events] == ["reset"]
    assert counter.last_value == value


def test_a_reset_from_a_small_value_that_climbs_back_past_it_is_still_a_reset() -> None:
    # seen in the demo: the plant room restarted, its meter from 0, and within the five minutes of
    # confirmation it climbed back to the 0.172 kWh it had read before; every kWh since the reset counts
    counter = MeterCounter()
    readings = [0.162, 0.172] + [round(0.002 + 0.0065 * i, 4) for i in range(40)]
    steps = [counter.observe(value, i * 10.0) for i, value in enumerate(readings)]
    assert [event.kind for event in counter.events] == ["reset"]
    counted = sum(s.increase_kwh for s in steps if s.outcome in (Outcome.ACCEPTED, Outcome.NEW_SERIES))
    # the old series' 0.01 and the new one's from its first reading; only the poll across the reset is unknown
    assert counted == pytest.approx(0.01 + 0.0065 * 39, abs=1e-6)


def test_a_replacement_meter_starting_elsewhere_is_a_new_series_not_energy() -> None:
    counter = MeterCounter()
    readings = [5000.0, 5000.1] + [12.0 + 0.05 * i for i in range(40)]
    counted = _feed(counter, readings)
    assert [event.kind for event in counter.events] == ["replaced"]
    # only increases inside the two series count, never the step between them
    assert counted < 0.1 + 0.05 * 40
    assert counted > 0.1


def test_a_larger_unit_teaches_its_own_rate() -> None:
    counter = MeterCounter()
    # 180 kW: beyond the default limit; after one confirmed series the counter follows it
    counted = _feed(counter, [100.0 + 0.5 * i for i in range(200)])
    assert [event.kind for event in counter.events] == ["jump"]
    assert counter.max_rate_kw >= 180.0
    assert counted == pytest.approx(0.5 * 199, rel=0.2)
    assert counter.observe(counter.last_value + 0.5, 10.0 * 200).outcome is Outcome.ACCEPTED  # type: ignore[operator]


def test_a_whole_kwh_meter_steps_are_plausible() -> None:
    counter = MeterCounter()
    # a heat meter showing whole kWh: one step of 1 kWh between two 10 s polls is its resolution, not 360 kW
    counted = _feed(counter, [float(1000 + i // 60) for i in range(600)])
    assert counted == pytest.approx(9.0)
    assert counter.events == []


def test_the_same_reading_seen_again_adds_nothing_and_missing_readings_are_missing() -> None:
    counter = MeterCounter()
    assert counter.observe(10.0, 5.0).outcome is Outcome.FIRST
    again = counter.observe(10.0, 5.0)
    assert again.outcome is Outcome.ACCEPTED and again.increase_kwh == 0.0
    for bad in (None, float("nan"), float("inf"), -1.0):
        assert counter.observe(bad, 15.0).outcome is Outcome.MISSING


def test_export_and_restore_keep_the_series_and_drop_damage() -> None:
    counter = MeterCounter()
    _feed(counter, [1000.0, 1000.1, 0.0, 1000.2])
    again = MeterCounter.restore(counter.export())
    assert again.last_value == counter.last_value and again.resolution_kwh == counter.resolution_kwh
    assert [e.kind for e in again.events] == ["glitch_ignored"]
    assert again.observe(1000.3, 40.0).increase_kwh == pytest.approx(0.1)
    damaged = MeterCounter.restore({"last_value": float("nan"), "last_s": "x", "events": [{"kind": 3}]})
    assert damaged.last_value is None and damaged.events == []
