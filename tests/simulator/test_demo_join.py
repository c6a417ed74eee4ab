"""The join of the demo's backfilled history to the live sums survives a first start stopped before it.

On a fresh start the demo backfills the history, then waits up to 6 minutes for the live sensors' first
5-minute statistics before lifting their sums by the history's. A first start killed or stopped in that
wait used to leave the live sums unlifted for ever (later starts never joined): the first live hour was
then negative by the whole history (-488.8 kWh of heat on a 5-day demo: history sum 488.8265, the first
live 5-minute sum 0.182).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tools.ha_demo.history import (
    MODE_STATISTICS,
    SUM_SENSORS,
    adjust_messages,
    history_end,
    join_messages,
    mode_join_messages,
    pending_join,
    save_join,
    simulate_past,
)

HISTORY = simulate_past(1, datetime(2027, 1, 10, 12, tzinfo=UTC))
HEAT = "sensor.heat_pump_heat_energy"
# as the recorder holds them after the backfill: the last backfilled hour's sums
HISTORY_SUMS = {sid: round(sum(getattr(HISTORY, name)), 4) for sid, name in SUM_SENSORS.items()}


def _since(config: Path) -> datetime:
    since = pending_join(config)
    assert since is not None
    return since


def test_a_first_start_notes_the_join_a_later_start_makes(tmp_path: Path) -> None:
    assert pending_join(tmp_path) is None  # a folder no fresh start wrote owes no join
    save_join(tmp_path, HISTORY)
    since = _since(tmp_path)
    assert since == history_end(HISTORY)
    assert HISTORY_SUMS[HEAT] > 10  # a winter day's heat
    # live sums not lifted yet (from 0, the first 5 minutes' energy): every lift, the very ones the first start
    # would have sent
    unlifted = {**dict.fromkeys(SUM_SENSORS, 0.01), HEAT: 0.18}
    assert join_messages(since, HISTORY_SUMS, unlifted) == [m for m in adjust_messages(HISTORY) if m["adjustment"]]


def test_a_lift_already_made_is_never_made_twice(tmp_path: Path) -> None:
    save_join(tmp_path, HISTORY)
    since = _since(tmp_path)
    # killed after the recorder lifted the sums, before the join was noted as made
    lifted = {sid: kwh + 0.18 for sid, kwh in HISTORY_SUMS.items()}
    assert join_messages(since, HISTORY_SUMS, lifted) == []
    # killed halfway through the lifts: only those still owed
    messages = join_messages(since, HISTORY_SUMS, {**lifted, HEAT: 0.18})
    assert [m["statistic_id"] for m in messages] == [HEAT]
    assert messages[0]["adjustment"] == pytest.approx(HISTORY_SUMS[HEAT])
    assert messages[0]["start_time"] == history_end(HISTORY).isoformat()


def test_a_history_a_kill_lost_is_not_lifted_into_the_first_live_hour(tmp_path: Path) -> None:
    # the demo killed 8 s after its start: 2 of the 17 backfilled statistics reached the database
    save_join(tmp_path, HISTORY)
    kept = {sid: HISTORY_SUMS[sid] for sid in (HEAT, "sensor.heat_pump_heat_drawn_back_by_defrosts")}
    messages = join_messages(_since(tmp_path), kept, {**dict.fromkeys(SUM_SENSORS, 0.01), HEAT: 0.18})
    assert {m["statistic_id"]: m["adjustment"] for m in messages} == {sid: kwh for sid, kwh in kept.items() if kwh}


def test_the_mode_statistics_are_lifted_only_where_written_before_the_backfill() -> None:
    """The integration writes each mode's hours itself: a first live hour written after the backfill carries on
    from it (no lift); one written before it (an hour ended between the start and the backfill) starts from 0
    and is lifted by the history's sum, or that hour would be negative by the whole history."""
    since = history_end(HISTORY)
    after, before = list(MODE_STATISTICS)[:2]
    past = {sid: [{"sum": 100.0}] for sid in (after, before)}
    live = {after: [{"sum": 101.5}], before: [{"sum": 1.5}]}
    messages = mode_join_messages(since, past, live)
    assert [(m["statistic_id"], m["adjustment"], m["start_time"]) for m in messages] == [
        (before, 100.0, since.isoformat())
    ]
    assert mode_join_messages(since, past, {}) == []  # no live hour yet: it will carry on from the backfill
