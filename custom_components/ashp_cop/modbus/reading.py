"""Turning the registers of a block into readings, each stamped with its time."""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from .datatypes import FLOAT_TYPES, decode_bytes, ordered_bytes
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
    # registers to bytes once per block; each value then slices its own bytes
    wire = b"" if block.table.is_bits else struct.pack(f">{len(words)}H", *(int(w) for w in words))
    for spec in block.values:
        offset = spec.address - block.address
        if block.table.is_bits:
            readings[spec.key] = Reading(bool(words[offset]), taken_at)
        else:
            data = ordered_bytes(wire[2 * offset : 2 * (offset + spec.count)], spec.word_order, spec.byte_order)
            readings[spec.key] = _reading(spec, data, taken_at)
    return readings


# Floats carry noise far below what a meter can resolve (an SDM is class 1);
# rounding to these steps keeps a state from being rewritten for that noise.
FLOAT_RESOLUTION: dict[str, float] = {
    "W": 0.1, "kW": 0.0001, "Wh": 1.0, "kWh": 0.001, "MWh": 0.000001, "V": 0.1, "A": 0.001, "Hz": 0.01,
    "°C": 0.01, "K": 0.01, "m³/h": 0.0001, "L/min": 0.01, "m³": 0.001, "%": 0.01, "rpm": 1.0, "": 0.001,
}  # fmt: skip


def decode_value(spec: ValueSpec, registers: list[int], taken_at: float) -> Reading:
    """Scale, offset, sentinel and range checks of one value."""
    wire = struct.pack(f">{len(registers)}H", *registers)
    return _reading(spec, ordered_bytes(wire, spec.word_order, spec.byte_order), taken_at)


def _reading(spec: ValueSpec, data: bytes, taken_at: float) -> Reading:
    if spec.no_reading and int.from_bytes(data, "big") in spec.no_reading:
        return Reading(None, taken_at, "no reading (sentinel value)")
    raw = decode_bytes(data, spec.data_type)
    if isinstance(raw, bool):
        return Reading(raw, taken_at)
    if isinstance(raw, float) and not math.isfinite(raw):
        return Reading(None, taken_at, "no reading (not a number)")
    value = raw * spec.scale + spec.offset
    if spec.data_type in FLOAT_TYPES:
        step = FLOAT_RESOLUTION.get(spec.unit, 0.0001)
        value = round(round(value / step) * step, 10)
    if (spec.valid_min is not None and value < spec.valid_min) or (
        spec.valid_max is not None and value > spec.valid_max
    ):
        return Reading(
            None,
            taken_at,
            f"out of range: {value:g} {spec.unit} outside {spec.valid_min:g} to {spec.valid_max:g}".replace("  ", " "),
        )
    if spec.states and not any(value == reading for reading, _ in spec.states):
        known = ", ".join(str(reading) for reading, _ in spec.states)
        return Reading(None, taken_at, f"unknown state: {value:g} is none of {known}")
    return Reading(float(value), taken_at)
