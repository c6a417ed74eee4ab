"""Turning the registers of a block into readings, each stamped with its time."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .datatypes import bit_pattern, decode
from .planner import ReadBlock
from .registermap import ValueSpec


@dataclass(frozen=True, slots=True)
class Reading:
    """One value as read: ``value`` is None when the device had no valid reading.

    ``taken_at`` is the wall-clock time (s since the epoch) the response
    arrived, so values read at different moments are never combined blindly.
    """

    value: float | bool | None
    taken_at: float
    problem: str | None = None


def decode_block(block: ReadBlock, words: list[int] | list[bool], taken_at: float) -> dict[str, Reading]:
    """Readings of every value in ``block`` from the words (or bits) it returned."""
    readings: dict[str, Reading] = {}
    for spec in block.values:
        offset = spec.address - block.address
        if block.table.is_bits:
            readings[spec.key] = Reading(bool(words[offset]), taken_at)
        else:
            registers = [int(w) for w in words[offset : offset + spec.count]]
            readings[spec.key] = decode_value(spec, registers, taken_at)
    return readings


def decode_value(spec: ValueSpec, registers: list[int], taken_at: float) -> Reading:
    """Scale, offset, sentinel and range checks of one value."""
    if spec.no_reading and bit_pattern(registers, spec.word_order, spec.byte_order) in spec.no_reading:
        return Reading(None, taken_at, "no reading (sentinel value)")
    raw = decode(registers, spec.data_type, spec.word_order, spec.byte_order)
    if isinstance(raw, bool):
        return Reading(raw, taken_at)
    if isinstance(raw, float) and not math.isfinite(raw):
        return Reading(None, taken_at, "no reading (not a number)")
    value = raw * spec.scale + spec.offset
    if (spec.valid_min is not None and value < spec.valid_min) or (
        spec.valid_max is not None and value > spec.valid_max
    ):
        return Reading(
            None,
            taken_at,
            f"out of range: {value:g} {spec.unit} outside {spec.valid_min:g} to {spec.valid_max:g}".replace("  ", " "),
        )
    return Reading(float(value), taken_at)
