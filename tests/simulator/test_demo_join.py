"""The join of the demo's backfilled history to the live sums survives a first start stopped before it.

On a fresh start the demo backfills the history, then waits up to 6 minutes for the live sensors' first
5-minute statistics before lifting their sums by the history's totals. A first start killed or stopped in
that wait used to leave the live sums unlifted for ever (later starts never joined): the first live hour
was then negative by the whole history (-488 kWh of heat on a 5-day demo).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tools.ha_demo.history import (
    ENERGY_SENSORS,
    adjust_messages,
    history_end,
    join_messages,
    pending_join,
    save_join,
    simulate_past,
)

HISTORY = simulate_past(1, datetime(2027, 1, 10, 12, tzinfo=UTC))


def test_a_first_start_notes_the_join_a_later_start_makes(tmp_path: Path) -> None:
    assert pending_join(tmp_path) is None  # a folder no fresh start wrote owes no join
    save_join(tmp_path, HISTORY)
    pending = pending_join(tmp_path)
    assert pending is not None
    since, lifts_kwh = pending
    assert since == history_end(HISTORY)
    assert lifts_kwh == {
        sid: pytest.approx(sum(getattr(HISTORY, name)), abs=1e-3) for sid, name in ENERGY_SENSORS.items()
    }
    assert lifts_kwh["sensor.heat_pump_heat_energy"] > 10  # a day of a winter's heat
    # live sums not lifted yet (they lag the seeded states by the history): every lift, the very ones the first
    # start would have sent (the demo's figures: state 489.008 kWh, sum 0.182 kWh in the first 5 minutes)
    unlifted = {sid: (kwh + 0.18, 0.18) for sid, kwh in lifts_kwh.items()}
    assert join_messages(since, lifts_kwh, unlifted) == [m for m in adjust_messages(HISTORY) if m["adjustment"]]


def test_a_lift_already_made_is_never_made_twice(tmp_path: Path) -> None:
    save_join(tmp_path, HISTORY)
    pending = pending_join(tmp_path)
    assert pending is not None
    since, lifts_kwh = pending
    # killed after the recorder lifted the sums, before the join was noted as made
    lifted = {sid: (kwh + 0.18, kwh + 0.18) for sid, kwh in lifts_kwh.items()}
    assert join_messages(since, lifts_kwh, lifted) == []
    # killed halfway through the lifts: only those still owed
    heat = "sensor.heat_pump_heat_energy"
    half = {**lifted, heat: (lifts_kwh[heat] + 0.18, 0.18)}
    messages = join_messages(since, lifts_kwh, half)
    assert [m["statistic_id"] for m in messages] == [heat]
    assert messages[0]["adjustment"] == pytest.approx(lifts_kwh[heat])
    assert messages[0]["start_time"] == history_end(HISTORY).isoformat()
