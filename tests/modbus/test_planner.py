"""Read planning: merged requests within the gap and size limits, never across a missing register."""

from __future__ import annotations

from custom_components.ashp_cop.modbus.datatypes import DataType
from custom_components.ashp_cop.modbus.device import ModbusDevice
from custom_components.ashp_cop.modbus.planner import plan_reads, split_block
from custom_components.ashp_cop.modbus.profiles import builtin_profile, builtin_profiles
from custom_components.ashp_cop.modbus.registermap import Table, ValueSpec


def _reg(key: str, address: int, data_type: DataType = DataType.UINT16, table: Table = Table.HOLDING) -> ValueSpec:
    return ValueSpec(key=key, address=address, table=table, data_type=data_type)


def _spans(blocks: list) -> list[tuple[str, int, int]]:  # type: ignore[type-arg]
    return [(b.table.value, b.address, b.count) for b in blocks]


def test_values_within_the_gap_share_a_request() -> None:
    values = [_reg("a", 0), _reg("b", 1, DataType.FLOAT32), _reg("c", 10), _reg("d", 40)]
    assert _spans(plan_reads(values, max_registers=125, max_gap=8)) == [("holding", 0, 11), ("holding", 40, 1)]
    assert _spans(plan_reads(values, max_registers=125, max_gap=29)) == [("holding", 0, 41)]
    assert _spans(plan_reads(values, max_registers=125, max_gap=0)) == [
        ("holding", 0, 3), ("holding", 10, 1), ("holding", 40, 1),
    ]  # fmt: skip


def test_request_size_limit_is_respected() -> None:
    values = [_reg(f"v{i}", i * 2, DataType.UINT32) for i in range(100)]  # 200 registers back to back
    blocks = plan_reads(values, max_registers=125, max_gap=0)
    assert [b.count for b in blocks] == [124, 76]
    assert all(b.count <= 125 for b in blocks)
    assert [b.count for b in plan_reads(values, max_registers=40, max_gap=0)] == [40] * 5


def test_tables_are_planned_apart_in_function_code_order() -> None:
    values = [_reg("h", 0), _reg("i", 0, table=Table.INPUT), _reg("c", 0, DataType.BOOL, Table.COIL)]
    assert [b.table for b in plan_reads(values, max_registers=125, max_gap=8)] == [
        Table.COIL,
        Table.HOLDING,
        Table.INPUT,
    ]


def test_a_missing_register_is_never_spanned() -> None:
    values = [_reg("a", 0), _reg("b", 4)]
    assert _spans(plan_reads(values, max_registers=125, max_gap=8, missing={(Table.HOLDING, 2)})) == [
        ("holding", 0, 1), ("holding", 4, 1),
    ]  # fmt: skip
    # the same address in another table does not matter
    assert _spans(plan_reads(values, max_registers=125, max_gap=8, missing={(Table.INPUT, 2)})) == [("holding", 0, 5)]


def test_split_block_halves_by_values() -> None:
    block = plan_reads([_reg("a", 0), _reg("b", 1), _reg("c", 5)], max_registers=125, max_gap=8)[0]
    first, second = split_block(block)
    assert (first.address, first.count, [v.key for v in first.values]) == (0, 1, ["a"])
    assert (second.address, second.count, [v.key for v in second.values]) == (1, 5, ["b", "c"])


def test_shipped_profiles_need_few_requests() -> None:
    planned = {name: len(ModbusDevice(1, m).plan()) for name, m in builtin_profiles().items()}
    assert planned == {
        "eastron_sdm120": 1, "eastron_sdm230": 1, "eastron_sdm630": 1, "generic_energy_meter_float32": 1,
        "generic_heat_meter": 1, "generic_temperature_transmitter": 1, "generic_heat_pump_controller": 2,
        # energy at 5000h and the rest at 5B00h; 0003-000C and 3135; 102, 302 and 702-725 (gaps of 200 registers)
        "carlo_gavazzi_em24": 1, "abb_b2x": 2, "kamstrup_multical_403": 1, "sontex_supercal_5": 3, "lg_therma_v": 1,
        "nibe_modbus": 2,
    }  # fmt: skip
    values = sum(len(m.values) for m in builtin_profiles().values())
    assert values / sum(planned.values()) >= 5


def test_device_limit_lowers_the_request_size() -> None:
    device = ModbusDevice(1, builtin_profile("eastron_sdm630"), max_registers_per_request=20)
    assert all(b.count <= 20 for b in device.plan())
    assert len(device.plan()) > 1
