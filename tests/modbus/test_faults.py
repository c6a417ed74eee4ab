"""Faults injected into the simulator: the hub names them, counts them and carries on."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from custom_components.ashp_cop.modbus.errors import HubConnectionError, ModbusConfigError
from custom_components.ashp_cop.modbus.hub import ModbusHub
from custom_components.ashp_cop.modbus.profiles import builtin_profile
from custom_components.ashp_cop.modbus.settings import HubSettings, Transport
from tools.simulator.devices import add_plant_devices

pytestmark = pytest.mark.modbus
StartPlant = Callable[..., Any]
MakeHub = Callable[..., ModbusHub]


async def test_silent_device_is_unavailable_without_stalling_the_bus(
    start_plant: StartPlant, make_hub: MakeHub
) -> None:
    sim, server = await start_plant()
    hub = make_hub(server, timeout_s=0.2, retries=2)
    add_plant_devices(hub)
    sim.faults.silent.add(12)

    first = await hub.scan()
    assert not first[12].available
    assert first[12].errors == [f"unit 12: no answer within 0.2 s on tcp://127.0.0.1:{server.port}"]
    assert all(first[u].available and len(first[u].readings) for u in (11, 13, 14, 15, 16))
    diagnostics = hub.devices[12].diagnostics
    assert diagnostics.errors["timeout"] == 1
    assert diagnostics.last_error is not None and "no answer" in diagnostics.last_error

    # once unavailable, a scan spends one attempt on it, not retries on every block
    requests = sim.requests
    await hub.scan()
    assert sim.requests - requests == 7  # 6 devices' 7 requests, the silent one tried once
    sim.faults.silent.clear()
    recovered = await hub.scan()
    assert recovered[12].available and recovered[12].readings["power_w"].value is not None


async def test_retries_are_bounded(start_plant: StartPlant, make_hub: MakeHub) -> None:
    sim, server = await start_plant()
    hub = make_hub(server, timeout_s=0.1, retries=3)
    hub.add_device(15, builtin_profile("generic_temperature_transmitter"))
    sim.faults.silent.add(15)
    await hub.scan()
    assert sim.requests == 4  # one try plus three retries, then the device is given up for this scan


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (1, "code 1, illegal function: the device does not support function 4"),
        (4, "code 4, server device failure: unit 11 failed while reading register 0"),
        (6, "code 6, server device busy: unit 11 is busy, try again later"),
        (11, "code 11, gateway target device failed to respond: unit 11 did not answer the gateway"),
    ],
)
async def test_exception_codes_in_plain_words(
    code: int, message: str, start_plant: StartPlant, make_hub: MakeHub
) -> None:
    sim, server = await start_plant()
    hub = make_hub(server)
    hub.add_device(11, builtin_profile("generic_heat_meter"))
    sim.faults.exceptions[11] = code
    scan = (await hub.scan())[11]
    assert scan.errors[0] == message
    assert not scan.available and scan.readings == {}  # it answered, but with no reading it is not shown as working
    assert hub.devices[11].diagnostics.errors["exception"] >= 1


async def test_missing_register_is_isolated_skipped_and_retried(start_plant: StartPlant, make_hub: MakeHub) -> None:
    sim, server = await start_plant()
    hub = make_hub(server)
    device = hub.add_device(12, builtin_profile("eastron_sdm630"), missing_retry_s=0.2)
    sim.faults.missing[12] = {0x0034}

    scan = (await hub.scan())[12]
    assert "power_w" not in scan.readings
    assert len(scan.readings) == 12  # every other value of the meter still read
    assert device.missing_registers() == {
        "power_w": "code 2, illegal data address: register 52 does not exist on unit 12 (power_w, registers 52 to 53)"
    }
    # from now on the bad register is left out of the plan: no extra requests
    requests = sim.requests
    again = (await hub.scan())[12]
    assert len(again.readings) == 12 and not again.errors
    assert sim.requests - requests == len(device.plan())
    # the device gets its register back; after the retry time it is read again
    sim.faults.missing.clear()
    await asyncio.sleep(0.25)
    back = (await hub.scan())[12]
    assert back.readings["power_w"].value is not None
    assert device.missing_registers() == {}


@pytest.mark.parametrize(
    ("fault", "problem"), [("sentinel", "no reading"), ("out_of_range", "out of range")]
)  # fmt: skip
async def test_invalid_readings_are_none_with_the_reason(
    fault: str, problem: str, start_plant: StartPlant, make_hub: MakeHub
) -> None:
    sim, server = await start_plant()
    hub = make_hub(server)
    for unit, profile in [(11, "generic_heat_meter"), (12, "eastron_sdm630"), (15, "generic_temperature_transmitter")]:
        hub.add_device(unit, builtin_profile(profile))
    getattr(sim.faults, fault).update({11, 12, 15})
    scans = await hub.scan()
    for unit in (12, 15):
        for key, reading in scans[unit].readings.items():
            assert reading.value is None, key
            assert reading.problem is not None and reading.problem.startswith(problem)
    for key in ("flow_temp_c", "return_temp_c", "flow_m3h", "heat_energy_kwh"):
        assert scans[11].readings[key].value is None


async def test_dropped_connection_reconnects(start_plant: StartPlant, make_hub: MakeHub) -> None:
    _sim, server = await start_plant()
    hub = make_hub(server)
    add_plant_devices(hub)
    await hub.connect()
    await hub.scan()
    server.drop_connections()
    await asyncio.sleep(0.05)
    scans = await hub.scan()
    assert all(s.available for s in scans.values())
    assert hub.connection.reconnects == 1


async def test_crc_errors_are_counted(start_plant: StartPlant, make_hub: MakeHub) -> None:
    sim, server = await start_plant(transport=Transport.RTU_OVER_TCP)
    hub = make_hub(server, Transport.RTU_OVER_TCP, timeout_s=0.2, retries=0)
    add_plant_devices(hub)
    sim.faults.corrupt.add(13)
    scans = await hub.scan()
    assert hub.devices[13].diagnostics.errors["crc"] == 1
    assert scans[13].errors == ["unit 13: answer failed its CRC check"]
    assert scans[14].available and scans[14].readings["power_w"].value == pytest.approx(45.0)


async def test_latency_shows_in_response_times(start_plant: StartPlant, make_hub: MakeHub) -> None:
    sim, server = await start_plant()
    hub = make_hub(server, timeout_s=1.0)
    device = hub.add_device(11, builtin_profile("generic_heat_meter"))
    sim.faults.latency_s = 0.05
    await hub.scan()
    await hub.scan()
    report = device.diagnostics.as_dict()
    assert report["transactions"] == 2
    assert report["response_time_mean_ms"] >= 50  # type: ignore[operator]
    assert report["response_time_worst_ms"] >= report["response_time_mean_ms"]  # type: ignore[operator]


async def test_latency_beyond_the_timeout_is_a_timeout(start_plant: StartPlant, make_hub: MakeHub) -> None:
    sim, server = await start_plant()
    hub = make_hub(server, timeout_s=0.1, retries=0)
    hub.add_device(11, builtin_profile("generic_heat_meter"))
    sim.faults.latency_s = 0.3
    scan = (await hub.scan())[11]
    assert not scan.available
    assert hub.devices[11].diagnostics.errors == {"timeout": 1}


async def test_stuck_flow_meter_and_counter_reset(start_plant: StartPlant, make_hub: MakeHub) -> None:
    sim, server = await start_plant()
    hub = make_hub(server)
    hub.add_device(11, builtin_profile("generic_heat_meter"))
    sim.advance(3600)
    before = (await hub.scan())[11].readings
    sim.freeze_flow(0)
    sim.plant.heat_pumps[0].spec.design_flow_m3h = 2.0
    sim.advance(600)
    stuck = (await hub.scan())[11].readings
    assert stuck["flow_m3h"].value == before["flow_m3h"].value
    assert sim.plant.heat_pumps[0].state.flow_m3h == pytest.approx(2.0, rel=0.02)  # the real flow moved on

    truth_before = sim.plant.heat_pumps[0].truth.heat_kwh
    sim.reset_counter(11)
    after = (await hub.scan())[11].readings
    assert after["heat_energy_kwh"].value < before["heat_energy_kwh"].value  # type: ignore[operator]
    assert sim.plant.heat_pumps[0].truth.heat_kwh >= truth_before  # the truth never resets


async def test_unreachable_host_is_named_and_other_hubs_keep_working(
    start_plant: StartPlant, make_hub: MakeHub, unused_tcp_port: int
) -> None:
    _sim, server = await start_plant()
    dead = make_hub(server, port=unused_tcp_port)
    refused = f"cannot connect to tcp://127.0.0.1:{unused_tcp_port}: refused, unreachable or no answer"
    with pytest.raises(HubConnectionError, match=refused):
        await dead.connect()
    dead.add_device(11, builtin_profile("generic_heat_meter"))
    scan = (await dead.scan())[11]
    assert not scan.available
    assert dead.devices[11].diagnostics.errors["disconnected"] == 1

    alive = make_hub(server)
    alive.add_device(11, builtin_profile("generic_heat_meter"))
    assert (await alive.scan())[11].available


async def test_hubs_poll_concurrently_and_a_bus_one_transaction_at_a_time(
    start_plant: StartPlant, make_hub: MakeHub
) -> None:
    sim, server = await start_plant()
    sim.faults.latency_s = 0.1
    hubs = [make_hub(server, timeout_s=1.0) for _ in range(3)]
    for hub in hubs:
        hub.add_device(11, builtin_profile("generic_heat_meter"))
        hub.add_device(15, builtin_profile("generic_temperature_transmitter"))
    server.bus = _CountingLock()  # measure how many requests are in the server at once
    await asyncio.gather(*(hub.scan() for hub in hubs))
    assert server.bus.max_inside == 3  # the three hubs' requests overlapped
    # one hub alone never has two requests outstanding
    server.bus = _CountingLock()
    await hubs[0].scan()
    assert server.bus.max_inside == 1


async def test_a_serial_port_is_opened_once(start_plant: StartPlant, make_hub: MakeHub) -> None:
    _, server = await start_plant(transport=Transport.SERIAL)
    first = make_hub(server, Transport.SERIAL)
    second = make_hub(server, Transport.SERIAL)
    assert first.connection is second.connection
    with pytest.raises(ModbusConfigError, match="is already open as"):
        make_hub(server, Transport.SERIAL, timeout_s=0.9)


async def test_a_serial_port_is_opened_once_under_any_of_its_names(start_plant: StartPlant, tmp_path: Path) -> None:
    _, server = await start_plant(transport=Transport.SERIAL)
    by_id = tmp_path / "usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0"
    by_id.symlink_to(server.pty_path)
    first = ModbusHub(HubSettings(Transport.SERIAL, serial_port=server.pty_path, parity="N"))
    second = ModbusHub(HubSettings(Transport.SERIAL, serial_port=str(by_id), parity="N"))
    assert first.connection is second.connection
    first.add_device(11, builtin_profile("generic_heat_meter"))
    assert (await first.scan())[11].available
    by_id.unlink()  # the adapter is gone and its link with it: the port is still let go of
    first.close()
    assert first.connection.connected
    second.close()
    assert not second.connection.connected
    third = ModbusHub(HubSettings(Transport.SERIAL, serial_port=server.pty_path, parity="N", baudrate=19200))
    assert third.connection is not first.connection  # opened anew, with its own line settings
    third.close()


async def test_serial_line_settings_the_port_refuses_are_named(start_plant: StartPlant) -> None:
    _, server = await start_plant(transport=Transport.SERIAL)
    hub = ModbusHub(HubSettings(Transport.SERIAL, serial_port=server.pty_path, parity="E"))  # a pty has no parity
    try:
        with pytest.raises(HubConnectionError, match=f"cannot connect to {server.pty_path} \\(9600 8E1\\): "):
            await hub.connect()
    finally:
        hub.close()


async def test_duplicate_unit_id_on_a_hub_is_refused() -> None:
    hub = ModbusHub(HubSettings(Transport.TCP, host="127.0.0.1", port=1502))
    hub.add_device(3, builtin_profile("eastron_sdm120"))
    with pytest.raises(ModbusConfigError, match="unit_id: 3 is already used by Eastron SDM120"):
        hub.add_device(3, builtin_profile("eastron_sdm630"))
    hub.close()


class _CountingLock:
    """Stands in for the simulator's bus lock and records the most requests inside at once."""

    def __init__(self) -> None:
        self.inside = 0
        self.max_inside = 0

    async def __aenter__(self) -> None:
        self.inside += 1
        self.max_inside = max(self.max_inside, self.inside)

    async def __aexit__(self, *exc: object) -> None:
        self.inside -= 1


async def test_an_answer_that_does_not_match_is_a_framing_error(start_plant: StartPlant, make_hub: MakeHub) -> None:
    sim, server = await start_plant()
    hub = make_hub(server, retries=0)
    hub.add_device(11, builtin_profile("generic_heat_meter"))
    hub.add_device(15, builtin_profile("generic_temperature_transmitter"))
    sim.faults.short.add(11)
    scans = await hub.scan()
    assert scans[11].errors == ["unit 11: answer did not match the request (10 of 11 values)"]
    assert hub.devices[11].diagnostics.errors == {"framing": 1}
    assert scans[15].available  # the connection was reopened for the next device
    sim.faults.short.clear()
    assert (await hub.scan())[11].available


async def test_reconnect_attempts_back_off_and_say_why(socket_enabled: None, unused_tcp_port: int) -> None:
    hub = ModbusHub(HubSettings(Transport.TCP, host="127.0.0.1", port=unused_tcp_port, timeout_s=0.2))
    hub.add_device(11, builtin_profile("generic_heat_meter"))
    try:
        with pytest.raises(HubConnectionError):
            await hub.connect()
        assert "next reconnect attempt pending" in (await hub.scan())[11].errors[0]
        await asyncio.sleep(0.6)  # the first back-off (0.5 s) has passed: a new attempt, refused again
        assert (await hub.scan())[11].errors[0].startswith(f"cannot connect to tcp://127.0.0.1:{unused_tcp_port}")
    finally:
        hub.close()
