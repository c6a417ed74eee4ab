"""Compressor cycling: starts, run time and run lengths, live and in analyze, through restarts."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from custom_components.ashp_cop.engine import analyze as analyze_module
from custom_components.ashp_cop.engine.analyze import analyze
from custom_components.ashp_cop.engine.cycling import NO_CHANGE, CycleTracker
from custom_components.ashp_cop.engine.live import LiveHeatPump, LiveSettings, Measurement, Role, Snapshot
from custom_components.ashp_cop.engine.short_cycling import ShortCyclingMonitor
from custom_components.ashp_cop.engine.timeseries import TimeSeries

T0 = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
POLL_S = 30.0
POWERS = frozenset({Role.HEAT_POWER, Role.ELEC_POWER})


def _power(t: float, on: bool) -> Snapshot:
    return {Role.HEAT_POWER: Measurement(6000.0 if on else 0.0, t),
            Role.ELEC_POWER: Measurement(1500.0 if on else 15.0, t)}  # fmt: skip


# Minutes of (running, length): a run going at the start, then 4 complete runs (5, 20, 8, 40 min), one going at the end.
PLAN = ((True, 12), (False, 10), (True, 5), (False, 30), (True, 20), (False, 7), (True, 8), (False, 9), (True, 40),
        (False, 15), (True, 25))  # fmt: skip


def _states() -> list[tuple[float, bool]]:
    samples, t = [], T0
    for on, minutes in PLAN:
        for _ in range(int(minutes * 60 / POLL_S)):
            samples.append((t, on))
            t += POLL_S
    return samples


def _follow(samples: list[tuple[float, bool]], live: LiveHeatPump | None = None) -> LiveHeatPump:
    live = live or LiveHeatPump(LiveSettings(bound=POWERS))
    for t, on in samples:
        live.update(t, _power(t, on))
    return live


def test_starts_run_time_and_run_lengths_from_the_running_threshold() -> None:
    live = _follow(_states())
    totals = live.totals
    assert totals.compressor_starts == 5  # the run going at the first sample is not a start
    on_minutes = sum(minutes for on, minutes in PLAN if on)
    assert totals.compressor_run_s == pytest.approx(on_minutes * 60 - POLL_S)  # the last sample closes no interval
    assert totals.runs == 4  # the first run (started before) and the last one (still going) have no known length
    assert totals.mean_run_s == pytest.approx((5 + 20 + 8 + 40) * 60 / 4)
    assert totals.short_run_share == pytest.approx(2 / 4)  # 5 and 8 minutes are shorter than 10
    assert live.day.compressor_starts == 5


def test_a_bound_running_flag_decides_not_the_power() -> None:
    settings = LiveSettings(bound=POWERS | {Role.COMPRESSOR_RUNNING})
    live = LiveHeatPump(settings)
    for i, (t, on) in enumerate(_states()):
        snapshot = dict(_power(t, on))
        # the flag says the compressor stayed on through the 7-minute pause, the power says it stopped
        flag = on or 77 * 60 <= t - T0 < 84 * 60  # PLAN[5], after 77 minutes
        if i % 10 != 3:  # now and then the flag is not read: the state is kept, never taken from the power
            snapshot[Role.COMPRESSOR_RUNNING] = Measurement(1.0 if flag else 0.0, t)
        live.update(t, snapshot)
    assert live.totals.compressor_starts == 4


def test_a_restart_neither_adds_a_start_nor_loses_one() -> None:
    samples = _states()
    for cut in range(40, len(samples) - 40, 7):
        live = _follow(samples[:cut])
        restored = LiveHeatPump(LiveSettings(bound=POWERS))
        restored.restore(live.export())
        # down for 20 minutes: the samples of that time are never seen
        resumed = [s for s in samples[cut:] if s[0] >= samples[cut][0] + 1200]
        whole = _follow(samples[:cut] + resumed)
        assert _follow(resumed, restored).totals.compressor_starts == whole.totals.compressor_starts, cut


def test_a_start_shown_before_a_kill_is_not_counted_again() -> None:
    samples = _states()
    first_start = next(i for i in range(1, len(samples)) if samples[i][1] and not samples[i - 1][1])
    saved = _follow(samples[: first_start - 2]).export()  # saved while stopped
    shown = _follow(samples[: first_start + 3])  # the start was shown, then the process was killed
    assert shown.totals.compressor_starts == 1
    restored = LiveHeatPump(LiveSettings(bound=POWERS))
    restored.restore(saved)
    restored.adopt_shown({"compressor_starts": 1.0, "compressor_run_s": shown.totals.compressor_run_s})
    _follow(samples[first_start + 5 :], restored)
    assert restored.totals.compressor_starts == _follow(samples).totals.compressor_starts


def test_a_gap_counts_the_start_it_hides_but_no_run_time_or_length() -> None:
    tracker = CycleTracker()
    assert not tracker.step(0.0, False, after_gap=False).started
    step = tracker.step(3600.0, True, after_gap=True)
    assert step.started
    ended = tracker.step(3630.0, False, after_gap=False)
    assert ended.ended and ended.run_s is None  # it started somewhere in the gap


def _series(samples: list[tuple[float, bool]], **extra: np.ndarray) -> TimeSeries:
    t = np.array([s[0] for s in samples])
    on = np.array([s[1] for s in samples], dtype=float)
    return TimeSeries(t_s=t, columns={"heat_power_w": 6000.0 * on, "elec_power_w": 1500.0 * on + 15.0 * (1 - on),
                                      **extra})  # fmt: skip


def _live_report(live: LiveHeatPump) -> dict[str, object]:
    totals = live.totals
    mean = totals.mean_run_s
    return {"starts": totals.compressor_starts, "run_hours": totals.compressor_run_s / 3600.0,
            "mean_run_min": None if mean is None else mean / 60.0, "short_run_share": totals.short_run_share,
            "runs_of_known_length": totals.runs}  # fmt: skip


@pytest.mark.parametrize("rows_per_chunk", [1 << 20, 37])
def test_analyze_counts_what_the_live_model_counts(rows_per_chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analyze_module, "ROWS_PER_CHUNK", rows_per_chunk)  # chunk edges inside runs too
    samples = _states()
    samples = samples[:100] + samples[140:]  # a 20-minute gap in a pause and a run
    report = analyze(_series(samples), analyze_module.AnalysisOptions(max_gap_s=900))
    cycling = report["cycling"]
    assert isinstance(cycling, dict)
    assert cycling.pop("source") == "running_threshold"
    assert cycling == pytest.approx(_live_report(_follow(samples)))
    assert cycling["starts"] == 5


def test_analyze_takes_a_compressor_running_column_over_the_power() -> None:
    samples = _states()
    flag = np.array([1.0] * len(samples))  # the compressor never stopped: only the fan and pumps did
    report = analyze(_series(samples, compressor_running=flag))
    assert report["cycling"] == pytest.approx({"source": "compressor_running", "starts": 0,
                                               "run_hours": (samples[-1][0] - samples[0][0]) / 3600,
                                               "mean_run_min": None, "short_run_share": None,
                                               "runs_of_known_length": 0})  # fmt: skip


def _monitor_over(starts_min: list[float], run_min: float, space_heating: bool = True) -> list[bool]:
    """The alert after each start of runs of ``run_min`` minutes beginning at ``starts_min``."""
    monitor = ShortCyclingMonitor()
    tracker = CycleTracker()
    states = [(t * 60, True) for t in starts_min] + [((t + run_min) * 60, False) for t in starts_min]
    tracker.step(-60.0, False, after_gap=False)
    seen = []
    for t, on in sorted(states):
        seen.append(monitor.update(t, tracker.step(t, on, after_gap=False), space_heating=space_heating))
    return seen


def test_short_cycling_holds_over_three_starts_an_hour_and_clears() -> None:
    four_an_hour = [15.0 * i for i in range(8)]  # two hours of 4 starts/h, 12-minute runs (not short)
    seen = _monitor_over(four_an_hour, 12.0)
    # events: start, stop, start, ...; the 4th start (45 min, event 6) makes 4 in the hour
    assert not any(seen[:6])
    assert all(seen[6:])
    monitor = ShortCyclingMonitor()
    monitor.restore({"starts": [0.0, 600.0, 1200.0, 1800.0], "runs": []})
    assert monitor.update(1900.0, NO_CHANGE, space_heating=True)
    assert not monitor.update(3700.0, NO_CHANGE, space_heating=True)  # the first start left the hour: it clears
    assert not any(_monitor_over(four_an_hour, 5.0, space_heating=False))  # hot water: never short cycling


def test_short_cycling_from_a_median_run_under_ten_minutes() -> None:
    every_two_hours = [120.0 * i for i in range(8)]  # 1 start every 2 h: never the starts condition
    seen = _monitor_over(every_two_hours, 6.0)
    assert not any(seen[:10]) and seen[-1]  # judged once the day holds 6 runs of known length
    assert not any(_monitor_over(every_two_hours, 11.0))
