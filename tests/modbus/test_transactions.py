"""Answers matched to their requests: a late answer or a wrong transaction id never becomes a reading."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from custom_components.ashp_cop.modbus.hub import ModbusHub
from custom_components.ashp_cop.modbus.profiles import builtin_profile
from custom_components.ashp_cop.modbus.reading import Reading
from custom_components.ashp_cop.modbus.settings import Transport

pytestmark = pytest.mark.modbus
StartPlant = Callable[..., Any]
MakeHub = Callable[..., ModbusHub]


def _values(readings: dict[str, Reading]) -> dict[str, float | bool | None]:
    return {key: reading.value for key, reading in readings.items()}


async def _late_and_same_shaped_hub(start_plant: StartPlant, make_hub: MakeHub, transport: Transport) -> Any:
    sim, server = await start_plant(transport=transport)
    hub = make_hub(server, transport, timeout_s=0.25, retries=1)
    # One request per value: flow and return temperature (one register each), flow,
    # power, energy, volume (two each) are requests of the same shape, so an answer
    # taken for the next request would put one value's number under another's name.
    hub.add_device(11, builtin_profile("generic_heat_meter"), merge=False)
    hub.add_device(15, builtin_profile("generic_temperature_transmitter"))
    return sim, hub


@pytest.mark.parametrize("transport", [Transport.TCP, Transport.RTU_OVER_TCP, Transport.UDP, Transport.SERIAL])
async def test_a_late_answer_is_never_taken_for_a_later_request(
    transport: Transport, start_plant: StartPlant, make_hub: MakeHub
) -> None:
    sim, hub = await _late_and_same_shaped_hub(start_plant, make_hub, transport)
    truth = {unit: _values(scan.readings) for unit, scan in (await hub.scan()).items()}  # the clock is stopped
    assert truth[11]["flow_temp_c"] != truth[11]["return_temp_c"]
    assert len(truth[11]) == 7 and len(truth[15]) == 4

    sim.faults.late[11] = 0.4  # every answer of unit 11 comes after the client's 0.25 s
    for _ in range(2):
        scans = await hub.scan()
        for unit, scan in scans.items():
            for key, value in _values(scan.readings).items():
                assert value == truth[unit][key], f"unit {unit} {key}: {value} is not its own reading"
        assert not scans[11].available and scans[15].available

    sim.faults.late.clear()
    for _ in range(3):
        scans = await hub.scan()
        for unit, scan in scans.items():
            for key, value in _values(scan.readings).items():
                assert value == truth[unit][key], f"unit {unit} {key}: {value} is not its own reading"
    assert _values(scans[11].readings) == truth[11] and _values(scans[15].readings) == truth[15]
    assert hub.connection.stale_answers >= 1  # the late answers came, and were discarded


@pytest.mark.parametrize("transport", [Transport.TCP, Transport.UDP])
async def test_an_answer_with_a_wrong_transaction_id_is_refused(
    transport: Transport, start_plant: StartPlant, make_hub: MakeHub
) -> None:
    sim, server = await start_plant(transport=transport)
    hub = make_hub(server, transport, timeout_s=0.2, retries=0)
    hub.add_device(11, builtin_profile("generic_heat_meter"))
    hub.add_device(15, builtin_profile("generic_temperature_transmitter"))
    sim.faults.bad_tid.add(11)

    scans = await hub.scan()
    assert scans[11].readings == {} and not scans[11].available
    assert scans[11].errors == [
        f"unit 11: no answer within 0.2 s on {transport.value}://127.0.0.1:{server.port}; "
        "an answer with transaction id 32769 (not 1) was discarded"
    ]
    assert scans[15].available and len(scans[15].readings) == 4  # the next request gets its own answer

    sim.faults.bad_tid.clear()
    back = (await hub.scan())[11]
    assert back.available and len(back.readings) == 7


async def test_an_rtu_answer_that_does_not_fit_its_request_is_named(start_plant: StartPlant, make_hub: MakeHub) -> None:
    sim, server = await start_plant(transport=Transport.RTU_OVER_TCP)
    hub = make_hub(server, Transport.RTU_OVER_TCP, timeout_s=0.2, retries=0)
    hub.add_device(11, builtin_profile("generic_heat_meter"))
    hub.add_device(15, builtin_profile("generic_temperature_transmitter"))
    sim.faults.short.add(11)  # one register fewer than asked: no transaction id tells it from a late answer
    scans = await hub.scan()
    assert scans[11].errors == [
        "unit 11: an answer that does not fit the request (unit 11, function 4, 25 bytes) was discarded: "
        "a late answer or a confused device"
    ]
    assert hub.devices[11].diagnostics.errors == {"framing": 1}
    assert scans[15].available and hub.connection.stale_answers == 1


@pytest.mark.parametrize(
    ("transport", "gap_s"), [(Transport.RTU_OVER_TCP, 0.03), (Transport.RTU_OVER_TCP, 0.0), (Transport.TCP, 0.03)]
)
async def test_a_gateway_that_sends_every_answer_twice_gives_each_request_its_own(
    transport: Transport, gap_s: float, start_plant: StartPlant, make_hub: MakeHub
) -> None:
    """The copy of one answer, of the same shape as the next request's, is never taken for it.

    On main the RTU gateway whose copy came 30 ms after the answer shifted every
    reading by one request in every scan (return temperature read the flow's).
    """
    sim, hub = await _late_and_same_shaped_hub(start_plant, make_hub, transport)
    truth = {unit: _values(scan.readings) for unit, scan in (await hub.scan()).items()}  # the clock is stopped

    for unit in (11, 15):
        sim.faults.duplicate[unit] = gap_s  # back to back, or the copy after the next request went out
    for _ in range(3):
        scans = await hub.scan()
        for unit, scan in scans.items():
            assert scan.available, scan.errors
            for key, value in _values(scan.readings).items():
                assert value == truth[unit][key], f"unit {unit} {key}: {value} is not its own reading"
            assert _values(scan.readings) == truth[unit]
    if transport is Transport.RTU_OVER_TCP and gap_s:
        # pymodbus 3.11 drops a copy that came in the answer's own chunk unseen; a later copy is ours to drop
        assert hub.connection.repeats_answers and hub.connection.stale_answers >= 3

    sim.faults.duplicate.clear()  # the gateway mended: its copies are no longer waited for
    for _ in range(2):
        scans = await hub.scan()
    assert {unit: _values(scan.readings) for unit, scan in scans.items()} == truth
    assert not hub.connection.repeats_answers
