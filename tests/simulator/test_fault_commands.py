"""The simulator's fault commands for late answers, wrong transaction ids and repeated answers, as typed on stdin."""

from __future__ import annotations

import pytest

from custom_components.ashp_cop.modbus.crc import crc_ok
from tools.simulator.__main__ import apply_command
from tools.simulator.faults import COMMANDS
from tools.simulator.server import ModbusServer, PlantSimulator


@pytest.fixture
def sim() -> PlantSimulator:
    return PlantSimulator(1, seed=1, speed=0.0)


def test_late_answers_are_set_and_cleared(sim: PlantSimulator) -> None:
    server = ModbusServer(sim)
    assert apply_command(sim, server, ["late", "11", "1.5"]) == "ok: late 11 1.5"
    assert sim.faults.late == {11: 1.5}
    assert apply_command(sim, server, ["late", "11", "0"]) == "ok: late 11 0"
    assert sim.faults.late == {}
    assert apply_command(sim, server, ["late", "11", "nan"]) == "bad argument: nan is not 0 to 3600 seconds"
    assert apply_command(sim, server, ["late", "11", "soon"]).startswith("bad argument: could not convert")
    assert sim.faults.late == {}


def test_wrong_transaction_ids_are_set_and_cleared(sim: PlantSimulator) -> None:
    server = ModbusServer(sim)
    assert apply_command(sim, server, ["bad_tid", "12"]) == "ok: bad_tid 12"
    assert sim.faults.bad_tid == {12}
    assert apply_command(sim, server, ["bad_tid", "12", "off"]) == "ok: bad_tid 12 off"
    assert sim.faults.bad_tid == set()
    apply_command(sim, server, ["bad_tid", "12"])
    apply_command(sim, server, ["late", "13", "2"])
    assert apply_command(sim, server, ["clear"]) == "ok: clear"
    assert sim.faults.bad_tid == set() and sim.faults.late == {}


def test_a_repeating_gateway_is_set_and_cleared(sim: PlantSimulator) -> None:
    server = ModbusServer(sim)
    assert apply_command(sim, server, ["duplicate", "11"]) == "ok: duplicate 11"
    assert apply_command(sim, server, ["duplicate", "12", "0.02"]) == "ok: duplicate 12 0.02"
    assert sim.faults.duplicate == {11: 0.0, 12: 0.02}
    assert apply_command(sim, server, ["duplicate", "12", "-1"]) == "bad argument: -1 is not 0 to 60 seconds"
    assert apply_command(sim, server, ["duplicate", "11", "off"]) == "ok: duplicate 11 off"
    assert sim.faults.duplicate == {12: 0.02}
    assert apply_command(sim, server, ["clear"]) == "ok: clear"
    assert sim.faults.duplicate == {}


def test_help_lists_them() -> None:
    assert "late UNIT SECONDS" in COMMANDS and "bad_tid UNIT" in COMMANDS and "duplicate UNIT" in COMMANDS


def test_a_gateway_answers_for_absent_units(sim: PlantSimulator) -> None:
    server = ModbusServer(sim)
    read = bytes([3, 0, 0, 0, 1])
    assert sim.answer(99, read) is None  # nobody there: silence, as on a bare bus
    assert apply_command(sim, server, ["gateway", "11"]) == "ok: gateway 11"
    assert sim.answer(99, read) == bytes([0x83, 11])
    assert sim.answer(11, read) is not None and sim.answer(11, read) != bytes([0x83, 11])  # a device answers itself
    assert apply_command(sim, server, ["gateway", "12"]) == "bad argument: 12 is not 0, 10 or 11"
    apply_command(sim, server, ["clear"])
    assert sim.answer(99, read) is None
    assert "gateway CODE" in COMMANDS


def test_a_noisy_unit_garbles_every_other_rtu_answer(sim: PlantSimulator) -> None:
    server = ModbusServer(sim, rtu=True)
    assert apply_command(sim, server, ["noisy", "11"]) == "ok: noisy 11"
    read = bytes([3, 0, 0, 0, 1])
    frames = [server._rtu_frame(11, read) for _ in range(4)]
    good = [crc_ok(frame) for frame in frames]
    assert good == [True, False, True, False]  # the first good, then every other one garbled
    assert all(crc_ok(server._rtu_frame(12, read)) for _ in range(2))  # the other units stay clean
    apply_command(sim, server, ["clear"])
    assert all(crc_ok(server._rtu_frame(11, read)) for _ in range(2))
    assert "noisy UNIT" in COMMANDS
