"""A burst of "illegal address" answers: registers come back within seconds, a device without readings is down."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from custom_components.ashp_cop.modbus.hub import ModbusHub
from custom_components.ashp_cop.modbus.profiles import builtin_profile

pytestmark = pytest.mark.modbus
StartPlant = Callable[..., Any]
MakeHub = Callable[..., ModbusHub]


class Clock:
    """A monotonic clock the test moves by hand (the device's back-off is minutes long at its end)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("code", [2, 3])
async def test_a_burst_on_every_register_is_retried_within_seconds_with_a_growing_back_off(
    code: int, start_plant: StartPlant, make_hub: MakeHub
) -> None:
    sim, server = await start_plant()
    hub = make_hub(server, retries=0)
    meter = hub.add_device(12, builtin_profile("eastron_sdm630"))
    meter.clock = clock = Clock()
    values = len(meter.register_map.values)

    sim.faults.exceptions[12] = code  # a meter rebooting: every request refused for a moment
    burst = (await hub.scan())[12]
    assert burst.readings == {} and not burst.available  # answered, but nothing read: not shown as working
    assert len(meter.missing) == values

    requests = sim.requests
    waiting = (await hub.scan())[12]
    assert sim.requests == requests  # every value waits for its retry: no request
    assert not waiting.available and waiting.errors == [
        "unit 12: every value was refused by the device; next try in 5 s"
    ]

    clock.now += 5  # the first retry, the burst still on: each value asked on its own, refused again
    assert not (await hub.scan())[12].available
    assert sim.requests - requests == values
    clock.now += 1
    assert (await hub.scan())[12].errors == ["unit 12: every value was refused by the device; next try in 9 s"]

    sim.faults.exceptions.clear()
    clock.now += 9
    back = (await hub.scan())[12]
    assert back.available and len(back.readings) == values and meter.missing == {}
    requests = sim.requests
    await hub.scan()
    assert sim.requests - requests == len(meter.plan()) < values  # merged requests again


async def test_a_register_that_stays_missing_backs_off_to_ten_minutes(
    start_plant: StartPlant, make_hub: MakeHub
) -> None:
    sim, server = await start_plant()
    hub = make_hub(server)
    meter = hub.add_device(12, builtin_profile("eastron_sdm630"))
    meter.clock = clock = Clock()
    sim.faults.missing[12] = {0x34}  # power_w really is not there
    waits = []
    for _ in range(10):
        scan = (await hub.scan())[12]
        assert scan.available and "power_w" not in scan.readings  # the other values are read all along
        wait_s = meter.missing[(meter.register_map.values[0].table, 0x34)].retry_at - clock.now
        waits.append(wait_s)
        clock.now += wait_s
    assert waits == [5, 10, 20, 40, 80, 160, 320, 600, 600, 600]
