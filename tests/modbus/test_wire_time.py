"""The simulator's serial wire time, and the bench's wire-time arithmetic, agree with the frames."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from custom_components.ashp_cop.modbus.hub import ModbusHub
from custom_components.ashp_cop.modbus.settings import Transport
from tools.modbus_bench import RTU_REQUEST_BYTES, rtu_response_bytes, wire_time_s
from tools.simulator.devices import add_plant_devices
from tools.simulator.server import BITS_PER_CHARACTER

pytestmark = pytest.mark.modbus


async def test_frames_are_held_for_their_wire_time(
    start_plant: Callable[..., Any], make_hub: Callable[..., ModbusHub]
) -> None:
    sim, server = await start_plant(transport=Transport.RTU_OVER_TCP, baud=9600)
    hub = make_hub(server, Transport.RTU_OVER_TCP, timeout_s=2.0)
    add_plant_devices(hub)
    await hub.connect()
    blocks = [b for d in sorted(hub.devices.values(), key=lambda d: d.unit_id) for b in d.plan()]
    started = time.perf_counter()
    await hub.scan()
    elapsed = time.perf_counter() - started

    # the bytes the simulator saw are the bytes the bench's arithmetic assumes
    assert [(e.request_bytes, e.response_bytes) for e in sim.exchanges] == [
        (RTU_REQUEST_BYTES, rtu_response_bytes(b)) for b in blocks
    ]
    limit = wire_time_s(blocks, 9600)
    assert limit == pytest.approx(sum(e.request_bytes + e.response_bytes + 7 for e in sim.exchanges) * 11 / 9600)
    assert BITS_PER_CHARACTER == 11  # 8E1: start, 8 data, parity, stop
    assert elapsed >= limit  # a scan can never beat the wire
