"""Joint spans: energies are counted only over spans every channel measured.

A ratio of energies (COP, SPF, SCOP) is only meaningful when numerator and denominator cover the
same time, as the engine's analyze does with its intervals. Live readings arrive poll by poll and
any channel may be silent for a while, so each channel adds what it measured to the open span and
the span is settled at the next poll at which *every* channel has a reading:

* counted, when every channel measured all of it (a counter's catch-up after a silent spell covers
  exactly the span the others integrated meanwhile, so both sides are paired);
* dropped on every side, when a channel could not (a power silent longer than the gap limit, a
  counter that changed series, a restart).

Nothing is ever counted on one side only.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field


class SpanBrokenError(Exception):
    """A channel cannot measure the span it is in."""


@dataclass(slots=True)
class PowerChannel:
    """A power integrated by the trapezoid rule between its readings (energy.py), never across a gap."""

    last: tuple[float, float] | None = None  # (time, power)

    def step(self, now_s: float, power_w: float | None, max_gap_s: float) -> tuple[float, float, float] | None:
        """(start power, end power, seconds) of the interval this reading closes, or None.

        Raises :class:`SpanBrokenError` when the reading follows a gap the rule may not bridge
        (or is the first one: there is nothing to integrate from).
        """
        if power_w is None:
            return None
        last, self.last = self.last, (now_s, power_w)
        if last is None or now_s - last[0] > max_gap_s:
            raise SpanBrokenError
        if now_s <= last[0]:
            return None
        return last[1], power_w, now_s - last[0]


@dataclass(slots=True)
class _Cut:
    """A poll inside an open span at which every channel had a reading but ``held`` (a counter in doubt)."""

    held: frozenset[str]
    energy: dict[str, float]
    broken: dict[str, float]


@dataclass(slots=True)
class Span:
    """What the channels measured since the last poll at which all of them had a reading."""

    buckets: tuple[str, ...]
    start_s: float | None = None
    energy: dict[str, float] = field(default_factory=dict)
    broken: dict[str, float] = field(default_factory=dict)  # channel -> when it broke the span
    cuts: dict[float, _Cut] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.energy = {bucket: self.energy.get(bucket, 0.0) for bucket in self.buckets}

    def add(self, bucket: str, kwh: float) -> None:
        self.energy[bucket] = self.energy.get(bucket, 0.0) + kwh

    def break_at(self, channel: str, time_s: float) -> None:
        self.broken.setdefault(channel, time_s)

    def note_cut(self, now_s: float, held: frozenset[str]) -> None:
        """Every channel but a counter in doubt has a reading now: the span may later restart here."""
        if self.start_s is not None:
            self.cuts[now_s] = _Cut(held, dict(self.energy), dict(self.broken))

    def restart_at(self, time_s: float, channel: str) -> bool:
        """Drop what came before ``time_s``, where ``channel`` (a counter) began a new series.

        Possible only at a cut at which every other channel had a reading: what they measured after it
        pairs with what the new series counted. Returns False when there is no such cut.
        """
        cut = self.cuts.get(time_s)
        if cut is None or cut.held != frozenset({channel}):
            return False
        self.energy = {bucket: kwh - cut.energy.get(bucket, 0.0) for bucket, kwh in self.energy.items()}
        self.broken = {name: when for name, when in self.broken.items() if when > time_s}
        self.start_s = time_s
        self.cuts = {t: c for t, c in self.cuts.items() if t > time_s}
        return True

    def settle(self, now_s: float, channels: Collection[str], present: Collection[str]) -> dict[str, float] | None:
        """At a poll: the energies to count if every channel has a reading and measured the whole span.

        Once every channel has a reading a new span starts here, whether the old one counted or not.
        None: nothing to count (the span is still open, or it was dropped).
        """
        if not channels or not set(channels) <= set(present):
            return None
        counted = None
        if self.start_s is not None and not self.broken:
            counted = dict(self.energy)
            if not all(math.isfinite(v) and v >= -1e-9 for v in counted.values()):
                counted = None  # never let a non-finite or negative energy into a total
            else:
                counted = {bucket: max(0.0, kwh) for bucket, kwh in counted.items()}
        self.start_s = now_s
        self.energy = dict.fromkeys(self.buckets, 0.0)
        self.broken = {}
        self.cuts = {}
        return counted

    def export(self) -> dict[str, object]:
        return {"start_s": self.start_s, "energy": dict(self.energy)}

    def restore(self, saved: object) -> None:
        if not isinstance(saved, Mapping):
            return
        start, energy = finite(saved.get("start_s")), saved.get("energy")
        if start is None or not isinstance(energy, Mapping):
            return
        self.start_s = start
        for bucket in {*self.buckets, *(str(key) for key in energy)}:
            value = finite(energy.get(bucket))
            self.energy[bucket] = value if value is not None and value >= 0 else 0.0


def after_credits(energy: Mapping[str, float], credits: Mapping[str, float]) -> dict[str, float]:
    """Energies less what a total already showed before an unclean stop (never below 0)."""
    return {bucket: kwh - min(credits.get(bucket, 0.0), kwh) for bucket, kwh in energy.items()}


def trapezoid_parts_kwh(start_w: float, end_w: float, dt_s: float) -> tuple[float, float]:
    """(positive, negative) energy of one interval, each end clipped: they add up to the trapezoid."""
    hours = dt_s / 3600.0 / 1000.0
    positive = 0.5 * (max(start_w, 0.0) + max(end_w, 0.0)) * hours
    negative = -0.5 * (min(start_w, 0.0) + min(end_w, 0.0)) * hours
    return positive, negative


def finite(value: object) -> float | None:
    """A finite number, or None for anything else (damaged storage, text, bools)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)
