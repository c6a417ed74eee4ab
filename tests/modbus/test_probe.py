"""The connection test before a hub is added: a Modbus server must answer; the same port under another name is found."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from custom_components.ashp_cop.modbus.hub import ModbusHub
from custom_components.ashp_cop.modbus.probe import HubProbeError, probe_hub, same_endpoint
from custom_components.ashp_cop.modbus.profiles import builtin_profile
from custom_components.ashp_cop.modbus.settings import HubSettings, Transport

pytestmark = pytest.mark.modbus
StartPlant = Callable[..., Any]
MakeHub = Callable[..., ModbusHub]


def _net(transport: Transport, port: int, host: str = "127.0.0.1") -> HubSettings:
    return HubSettings(transport, host=host, port=port, timeout_s=0.2)


@pytest.fixture
async def tcp_server(socket_enabled: None) -> AsyncIterator[Callable[..., Any]]:
    """A TCP server that answers the first request with ``reply`` (bytes, or made from the request), or closes."""
    servers: list[asyncio.Server] = []

    async def start(reply: bytes | Callable[[bytes], bytes] | None) -> int:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            request = await reader.read(12)
            if reply is not None:
                writer.write(reply(request) if callable(reply) else reply)
                await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("transport", [Transport.TCP, Transport.RTU_OVER_TCP, Transport.UDP])
@pytest.mark.parametrize("code", [2, 10, 11])
async def test_an_exception_answer_proves_a_modbus_server(
    transport: Transport, code: int, start_plant: StartPlant
) -> None:
    sim, server = await start_plant(transport=transport)
    sim.faults.exceptions[11] = code  # 10 and 11: a gateway with no path to, or no answer from, the unit
    assert await probe_hub(_net(transport, server.port), 11) == f"unit 11 answered with exception code {code}"


@pytest.mark.parametrize(("unit", "found"), [(1, "unit 1 answered"), (5, "a Modbus answer that does not fit")])
async def test_a_modbus_answer_proves_a_server_even_from_another_unit(
    unit: int, found: str, tcp_server: Callable[..., Any]
) -> None:
    # holding register 0 = 0: the request's transaction id, protocol 0, length 5, unit, function 3, 2 bytes
    port = await tcp_server(lambda request: request[:4] + bytes([0, 5, unit, 3, 2, 0, 0]))
    assert (await probe_hub(_net(Transport.TCP, port))).startswith(found)


async def test_a_web_server_and_a_closed_connection_are_not_modbus(tcp_server: Callable[..., Any]) -> None:
    web = await tcp_server(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    for transport in (Transport.TCP, Transport.RTU_OVER_TCP):
        with pytest.raises(HubProbeError) as found:
            await probe_hub(_net(transport, web))
        assert found.value.kind == "not_modbus"
        assert str(found.value) == f"{transport.value}://127.0.0.1:{web} answered, but not in Modbus: " + (
            "'HTTP/1.1 400 Bad Request' (a web server)"
        )
    binary = await tcp_server(bytes(range(0xF0, 0x100)))
    with pytest.raises(
        HubProbeError, match="answered, but not in Modbus: f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 fa fb fc fd fe"
    ):
        await probe_hub(_net(Transport.TCP, binary))
    closing = await tcp_server(None)
    with pytest.raises(HubProbeError, match="closed the connection instead of answering a Modbus request") as found:
        await probe_hub(_net(Transport.TCP, closing))
    assert found.value.kind == "not_modbus"


async def test_silence_and_a_closed_port_are_refused(
    start_plant: StartPlant, unused_tcp_port: int, unused_udp_port: int
) -> None:
    _, server = await start_plant()
    with pytest.raises(HubProbeError, match=r"no Modbus answer came from unit 1 within 0\.2 s") as found:
        await probe_hub(_net(Transport.TCP, server.port))  # the simulated plant has no unit 1
    assert found.value.kind == "no_answer"
    with pytest.raises(HubProbeError, match="over UDP only an answer proves a server") as found:
        await probe_hub(_net(Transport.UDP, unused_udp_port))
    assert found.value.kind == "no_answer"
    with pytest.raises(HubProbeError, match=f"cannot connect to tcp://127.0.0.1:{unused_tcp_port}") as found:
        await probe_hub(_net(Transport.TCP, unused_tcp_port))
    assert found.value.kind == "cannot_connect"


async def test_a_serial_hub_is_proven_by_opening_its_port_even_while_a_hub_holds_it(
    start_plant: StartPlant, make_hub: MakeHub
) -> None:
    _, server = await start_plant(transport=Transport.SERIAL)
    assert server.pty_path is not None
    line = HubSettings(Transport.SERIAL, serial_port=server.pty_path, parity="N", timeout_s=0.3)
    assert await probe_hub(line) == f"{server.pty_path} (9600 8N1) opened"
    with pytest.raises(HubProbeError, match=f"cannot connect to {server.pty_path} \\(9600 8E1\\)") as found:
        await probe_hub(HubSettings(Transport.SERIAL, serial_port=server.pty_path, parity="E"))
    assert found.value.kind == "cannot_connect"

    loaded = make_hub(server, Transport.SERIAL)
    loaded.add_device(11, builtin_profile("generic_heat_meter"))
    assert (await loaded.scan())[11].available
    faster = HubSettings(Transport.SERIAL, serial_port=server.pty_path, parity="N", baudrate=19200)
    assert await probe_hub(faster) == f"{server.pty_path} (19200 8N1) opened"  # the held port, borrowed
    assert (await loaded.scan())[11].available  # and the loaded hub reads on


async def test_the_same_port_is_found_under_another_name(start_plant: StartPlant, tmp_path: Path) -> None:
    tcp = _net(Transport.TCP, 5020)
    assert await same_endpoint(_net(Transport.TCP, 5020, host="localhost"), [tcp]) == tcp
    assert await same_endpoint(_net(Transport.UDP, 5020, host="LOCALHOST"), [tcp]) == tcp
    assert await same_endpoint(_net(Transport.TCP, 5021, host="localhost"), [tcp]) is None

    _, server = await start_plant(transport=Transport.SERIAL)
    by_id = tmp_path / "usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0"
    by_id.symlink_to(server.pty_path)
    serial = HubSettings(Transport.SERIAL, serial_port=str(server.pty_path))
    assert await same_endpoint(HubSettings(Transport.SERIAL, serial_port=str(by_id)), [tcp, serial]) == serial
    assert await same_endpoint(HubSettings(Transport.SERIAL, serial_port=str(tmp_path / "other")), [serial]) is None
