"""Register data types: how many registers a value takes and how it is decoded.

Modbus itself only carries 16-bit registers (big-endian on the wire, MBAP/RTU
spec clause 4.2); everything wider is a vendor convention, so word order and
byte order are part of each value's description.
"""

from __future__ import annotations

import math
import struct
from enum import StrEnum


class DataType(StrEnum):
    BOOL = "bool"
    INT16 = "int16"
    UINT16 = "uint16"
    INT32 = "int32"
    UINT32 = "uint32"
    FLOAT32 = "float32"
    INT64 = "int64"
    UINT64 = "uint64"
    FLOAT64 = "float64"


class Order(StrEnum):
    """Big = most significant first (Modbus' own order), little = reversed."""

    BIG = "big"
    LITTLE = "little"


_STRUCT: dict[DataType, str] = {
    DataType.BOOL: "H",
    DataType.INT16: "h",
    DataType.UINT16: "H",
    DataType.INT32: "i",
    DataType.UINT32: "I",
    DataType.FLOAT32: "f",
    DataType.INT64: "q",
    DataType.UINT64: "Q",
    DataType.FLOAT64: "d",
}

FLOAT_TYPES = frozenset({DataType.FLOAT32, DataType.FLOAT64})
_STRUCTS = {data_type: struct.Struct(">" + code) for data_type, code in _STRUCT.items()}


def register_count(data_type: DataType) -> int:
    """16-bit registers one value of ``data_type`` occupies."""
    return struct.calcsize(">" + _STRUCT[data_type]) // 2


def ordered_bytes(wire: bytes, word_order: Order, byte_order: Order) -> bytes:
    """A value's bytes as sent (register after register, each big-endian) put into big-endian value order."""
    if byte_order is Order.LITTLE:
        wire = b"".join(wire[i + 1 : i + 2] + wire[i : i + 1] for i in range(0, len(wire), 2))
    if word_order is Order.LITTLE:
        wire = b"".join(wire[i : i + 2] for i in range(len(wire) - 2, -1, -2))
    return wire


def _to_bytes(registers: list[int], word_order: Order, byte_order: Order) -> bytes:
    return ordered_bytes(struct.pack(f">{len(registers)}H", *registers), word_order, byte_order)


def _to_registers(raw: bytes, word_order: Order, byte_order: Order) -> list[int]:
    if byte_order is Order.LITTLE:
        raw = b"".join(raw[i + 1 : i + 2] + raw[i : i + 1] for i in range(0, len(raw), 2))
    words = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
    return words if word_order is Order.BIG else words[::-1]


def decode_bytes(data: bytes, data_type: DataType) -> float | int | bool:
    """The raw value held in ``data`` (big-endian value order)."""
    value: float | int = _STRUCTS[data_type].unpack(data)[0]
    if data_type is DataType.BOOL:
        return value != 0
    return value


def decode(registers: list[int], data_type: DataType, word_order: Order, byte_order: Order) -> float | int | bool:
    """The raw (unscaled) value held in ``registers``."""
    return decode_bytes(_to_bytes(registers, word_order, byte_order), data_type)


def encode(value: float | int | bool, data_type: DataType, word_order: Order, byte_order: Order) -> list[int]:
    """Registers holding the raw ``value`` (the simulator's side of :func:`decode`)."""
    code = _STRUCT[data_type]
    if data_type in FLOAT_TYPES:
        raw = struct.pack(">" + code, float(value))
    else:
        number = int(value) if not isinstance(value, float) or math.isfinite(value) else 0
        raw = struct.pack(">" + code, number)
    return _to_registers(raw, word_order, byte_order)
