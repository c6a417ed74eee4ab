"""Compressor cycling: starts, run time and run lengths, live (sample by sample) and over a series.

What "running" means: the compressor-running flag where one is bound (a binary sensor, or the
controller's own Modbus flag), otherwise electric power at or above the running threshold (cop.py),
the same state the COP and the running/standby split use.

* A **start** is a change from stopped to running between two known samples. A run already going
  at the first sample is not a start (it started before we looked), nor is a run seen again after
  a restart of Home Assistant (the state before the restart is kept).
* **Run time** adds each interval whose start sample was running, never across a gap longer than
  the gap limit (as running time and the energies: what was not seen is not counted).
* A **run's length** is the time from its first running sample to its first stopped one, so it is
  known to within one sampling interval; a run whose start or end fell in a gap (or before the
  first sample) has no known length and stays out of the mean and the short-run share.
* A **short run** is shorter than ``SHORT_RUN_S`` (10 minutes): the usual field definition of
  short cycling (compressor makers ask for 6 to 10 minutes of minimum run time, so that oil
  returns to the compressor and the refrigerant circuit settles; heatpumpmonitor.org and the
  Energy Saving Trust field trials count cycles against the same order of length).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .arrays import FloatArray

SHORT_RUN_S = 600.0


@dataclass(frozen=True, slots=True)
class CycleStep:
    """What one sample changed: a start, and the length of a run that ended (None: not known)."""

    started: bool = False
    ended: bool = False
    run_s: float | None = None


NO_CHANGE = CycleStep()


@dataclass(slots=True)
class CycleTracker:
    """The compressor's state between samples: running or not, and since when (None: not known)."""

    running: bool | None = None  # None: no sample seen yet
    run_start_s: float | None = None

    def step(self, now_s: float, running: bool, after_gap: bool) -> CycleStep:
        """One known sample; ``after_gap``: the interval that it closes is longer than the gap limit."""
        before = self.running
        self.running = running
        if before is None:
            self.run_start_s = None  # a run already going at the first sample: not a start, length unknown
            return NO_CHANGE
        if running and not before:
            self.run_start_s = None if after_gap else now_s
            return CycleStep(started=True)
        if before and not running:
            start, self.run_start_s = self.run_start_s, None
            return CycleStep(ended=True, run_s=None if start is None or after_gap else now_s - start)
        if running and after_gap:
            self.run_start_s = None  # it may have stopped and started again unseen
        return NO_CHANGE

    def forget_start(self) -> None:
        """A run was shown to have started after the last save (an unclean stop): it is under way."""
        self.running = True
        self.run_start_s = None

    def export(self) -> dict[str, object]:
        return {"running": self.running, "run_start_s": self.run_start_s}

    def restore(self, saved: object) -> None:
        if not isinstance(saved, Mapping):
            return
        running = saved.get("running")
        start = saved.get("run_start_s")
        self.running = running if isinstance(running, bool) else None
        self.run_start_s = None
        if isinstance(start, int | float) and math.isfinite(start) and self.running:
            self.run_start_s = float(start)


@dataclass  # no slots: live.Totals combines it with modes.ModeTotals, and two slotted bases cannot be combined
class CycleCounts:
    """Starts, run time and the runs of known length (count, total, how many were short)."""

    compressor_starts: int = 0
    compressor_run_s: float = 0.0
    runs: int = 0  # runs of known length that ended
    runs_s: float = 0.0
    short_runs: int = 0

    def add(self, step: CycleStep) -> None:
        self.compressor_starts += step.started
        if step.ended and step.run_s is not None:
            self.runs += 1
            self.runs_s += step.run_s
            self.short_runs += step.run_s < SHORT_RUN_S

    @property
    def mean_run_s(self) -> float | None:
        return self.runs_s / self.runs if self.runs else None

    @property
    def short_run_share(self) -> float | None:
        return self.short_runs / self.runs if self.runs else None

    def as_report(self) -> dict[str, float | int | None]:
        """The ``cycling`` object of ``engine analyze``."""
        mean = self.mean_run_s
        return {
            "starts": self.compressor_starts,
            "run_hours": self.compressor_run_s / 3600.0,
            "mean_run_min": None if mean is None else mean / 60.0,
            "short_run_share": self.short_run_share,
            "runs_of_known_length": self.runs,
        }


def running_samples(running_flag: FloatArray | None, elec_power_w: FloatArray, threshold_w: float) -> FloatArray:
    """Per sample 1.0 running, 0.0 stopped, NaN not known: the flag where the series has one, else the power.

    Never a mix of both: a flag and a threshold disagree by a few samples around every start and
    stop, and switching between them would make starts that never were.
    """
    source, limit = (running_flag, 0.5) if running_flag is not None else (elec_power_w, threshold_w)
    return np.where(np.isfinite(source), (source >= limit).astype(float), np.nan)


@dataclass(slots=True)
class SeriesCycles:
    """Cycling over a series fed block by block (analyze's chunks), vectorised for long series.

    Run time is summed over the intervals at once; the tracker only sees the samples that can change
    something (a change of state, or the first sample after a gap), which gives the same counts as
    feeding it every sample. A block may repeat the previous block's last sample (analyze's chunks
    overlap by one): samples not after the last one seen are skipped.
    """

    max_gap_s: float
    tracker: CycleTracker = field(default_factory=CycleTracker)
    counts: CycleCounts = field(default_factory=CycleCounts)
    last_t_s: float | None = None

    def add(self, t_s: FloatArray, running: FloatArray) -> None:
        """Samples of running (1.0), stopped (0.0) or not known (NaN)."""
        known = np.isfinite(running)
        t, state = t_s[known], running[known] >= 0.5
        if self.last_t_s is not None:
            keep = t > self.last_t_s
            t, state = t[keep], state[keep]
        if t.size == 0:
            return
        if self.last_t_s is None or self.tracker.running is None:
            self.counts.add(self.tracker.step(float(t[0]), bool(state[0]), after_gap=False))
        else:
            t = np.concatenate(([self.last_t_s], t))
            state = np.concatenate(([self.tracker.running], state))
        dt = np.diff(t)
        gap = dt > self.max_gap_s
        self.counts.compressor_run_s += float(dt[state[:-1] & ~gap].sum())
        for i in np.flatnonzero((state[1:] != state[:-1]) | gap) + 1:
            self.counts.add(self.tracker.step(float(t[i]), bool(state[i]), after_gap=bool(gap[i - 1])))
        self.last_t_s = float(t[-1])
