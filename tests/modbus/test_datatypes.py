"""Decoding registers: every data type, word and byte order, sentinels, scaling."""

from __future__ import annotations

import math

import pytest

from custom_components.ashp_cop.modbus.datatypes import DataType, Order, decode, encode, register_count
from custom_components.ashp_cop.modbus.reading import decode_value
from custom_components.ashp_cop.modbus.registermap import Table, ValueSpec

BIG, LITTLE = Order.BIG, Order.LITTLE


@pytest.mark.parametrize(
    ("registers", "data_type", "word_order", "byte_order", "expected"),
    [
        ([0x4366, 0x0000], DataType.FLOAT32, BIG, BIG, 230.0),  # Eastron: 230 V, high word first
        ([0x0000, 0x4366], DataType.FLOAT32, LITTLE, BIG, 230.0),
        ([0x6643, 0x0000], DataType.FLOAT32, BIG, LITTLE, 230.0),
        ([0xFFFF], DataType.INT16, BIG, BIG, -1),
        ([0xFFFF], DataType.UINT16, BIG, BIG, 65535),
        ([0xFFFF, 0xFFFE], DataType.INT32, BIG, BIG, -2),
        ([0x0001, 0x0000], DataType.UINT32, BIG, BIG, 65536),
        ([0x0000, 0x0001], DataType.UINT32, LITTLE, BIG, 65536),
        ([0x0000, 0x0000, 0x0001, 0x0000], DataType.UINT64, BIG, BIG, 65536),
        ([0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF], DataType.INT64, BIG, BIG, -1),
        ([0x4059, 0x0000, 0x0000, 0x0000], DataType.FLOAT64, BIG, BIG, 100.0),
        ([0x0001], DataType.BOOL, BIG, BIG, True),
    ],
)
def test_decode_known_patterns(
    registers: list[int], data_type: DataType, word_order: Order, byte_order: Order, expected: float
) -> None:
    assert decode(registers, data_type, word_order, byte_order) == expected


@pytest.mark.parametrize("data_type", [t for t in DataType if t is not DataType.BOOL])
@pytest.mark.parametrize("word_order", list(Order))
@pytest.mark.parametrize("byte_order", list(Order))
def test_encode_decode_round_trip(data_type: DataType, word_order: Order, byte_order: Order) -> None:
    value = -1234 if data_type.value.startswith("int") else 4321
    if data_type.value.startswith("float"):
        value = -12.5
    registers = encode(value, data_type, word_order, byte_order)
    assert len(registers) == register_count(data_type)
    assert decode(registers, data_type, word_order, byte_order) == value


def test_sentinel_pattern_is_in_the_values_own_order() -> None:
    # 0x80000000 as a little-word-order int32: the low word comes first on the wire
    spec = _spec(data_type=DataType.INT32, word_order=LITTLE, no_reading=(0x80000000,))
    assert decode_value(spec, [0x0000, 0x8000], taken_at=1.0).value is None
    assert decode_value(spec, [0x8000, 0x0000], taken_at=1.0).value == 32768


def _spec(**kwargs: object) -> ValueSpec:
    base: dict[str, object] = {"key": "flow_temp_c", "address": 0, "table": Table.INPUT, "data_type": DataType.INT16}
    return ValueSpec(**(base | kwargs))  # type: ignore[arg-type]


def test_scale_offset_and_time_stamp() -> None:
    reading = decode_value(_spec(scale=0.01, offset=-10.0), [4071], taken_at=123.0)
    assert reading.value == pytest.approx(30.71)
    assert reading.taken_at == 123.0
    assert reading.problem is None


def test_sentinel_means_no_reading() -> None:
    reading = decode_value(_spec(no_reading=(0x8000,)), [0x8000], taken_at=1.0)
    assert reading.value is None
    assert reading.problem == "no reading (sentinel value)"


def test_nan_float_means_no_reading() -> None:
    registers = encode(math.nan, DataType.FLOAT32, BIG, BIG)
    reading = decode_value(_spec(data_type=DataType.FLOAT32), registers, taken_at=1.0)
    assert reading.value is None
    assert reading.problem == "no reading (not a number)"


def test_out_of_range_is_refused_with_the_range() -> None:
    spec = _spec(scale=0.1, unit="°C", valid_min=-20.0, valid_max=110.0)
    reading = decode_value(spec, [5000], taken_at=1.0)
    assert reading.value is None
    assert reading.problem == "out of range: 500 °C outside -20 to 110"
