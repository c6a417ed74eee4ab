"""Everything that differs between pymodbus 3.8.3 and the newest release.

Known differences handled here:
* connecting: from 3.10 a serial transport completes its setup in a callback;
* matching answers to requests: 3.8 hands the first frame that arrives to the
  waiting request whatever its transaction id, and fails (dropping the
  connection) on a frame that arrives while no request waits; 3.9 ignores a
  frame whose transaction id or unit is not the last request's; from 3.10 the
  framer skips such frames. No release checks an RTU answer's function or
  length. The connection checks every answer itself (``transaction_id``,
  ``response_unit``, ``response_function``) and waits on with
  ``next_response``; ``catch_strays`` takes what arrives between requests;
* the unit-id keyword of the read calls: ``slave=`` up to 3.9, ``device_id=`` from 3.10;
* client constructors: ``framer=FramerType...`` and ``retries``/``reconnect_delay``
  keywords, identical across the range today, kept here so a change lands in one place.
Nothing outside this module imports pymodbus.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

import pymodbus
from pymodbus import FramerType
from pymodbus.client import AsyncModbusSerialClient, AsyncModbusTcpClient, AsyncModbusUdpClient
from pymodbus.client.base import ModbusBaseClient
from pymodbus.exceptions import ConnectionException, ModbusIOException

from .registermap import Table
from .settings import HubSettings, Transport

PYMODBUS_VERSION: str = pymodbus.__version__
_UNIT_KEYWORD = (
    "device_id" if "device_id" in inspect.signature(AsyncModbusTcpClient.read_holding_registers).parameters else "slave"
)
_READ_METHOD = {
    Table.COIL: "read_coils",
    Table.DISCRETE_INPUT: "read_discrete_inputs",
    Table.HOLDING: "read_holding_registers",
    Table.INPUT: "read_input_registers",
}

Client = ModbusBaseClient
NoResponseError = ModbusIOException
NotConnectedError = ConnectionException
TracePacket = Callable[[bool, bytes], bytes]


def make_client(settings: HubSettings, trace_packet: TracePacket) -> Client:
    """A pymodbus client that neither retries nor reconnects by itself (the hub does both)."""
    common: dict[str, Any] = {
        "timeout": settings.timeout_s,
        "retries": 0,
        "reconnect_delay": 0,
        "trace_packet": trace_packet,
    }
    if settings.transport is Transport.SERIAL:
        return AsyncModbusSerialClient(
            settings.serial_port,
            framer=FramerType.RTU,
            baudrate=settings.baudrate,
            bytesize=settings.bytesize,
            parity=settings.parity,
            stopbits=settings.stopbits,
            **common,
        )
    if settings.transport is Transport.UDP:
        return AsyncModbusUdpClient(settings.host, port=settings.port, framer=FramerType.SOCKET, **common)
    framer = FramerType.RTU if settings.transport is Transport.RTU_OVER_TCP else FramerType.SOCKET
    return AsyncModbusTcpClient(settings.host, port=settings.port, framer=framer, **common)


async def connect(client: Client) -> bool:
    """Open the client's connection; True once it is usable."""
    ok = bool(await client.connect())
    # pymodbus 3.10 and newer finish a serial transport's setup in a loop
    # callback: let it run, or a close right after this races it.
    await asyncio.sleep(0)
    return ok


async def read(client: Client, table: Table, address: int, count: int, unit_id: int) -> Any:
    """One read request; returns pymodbus' response PDU."""
    method = getattr(client, _READ_METHOD[table])
    return await method(address, count=count, **{_UNIT_KEYWORD: unit_id})


async def next_response(client: Client, timeout_s: float) -> Any:
    """The next answer on the line, after the one pymodbus handed over was refused as not this request's.

    A fresh future on pymodbus' transaction manager takes the next frame on
    every release; a frame already waiting in the receive buffer (it came in
    the same segment as the refused one) is fed through at once.
    """
    manager = client.ctx
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    manager.response_future = future
    if manager.recv_buffer:
        manager.datagram_received(b"", None)
    return await asyncio.wait_for(future, max(timeout_s, 0.0))


def flush(client: Client) -> None:
    """Feed every whole frame still waiting in pymodbus' receive buffer to whoever waits (``catch_strays``).

    pymodbus takes one frame per chunk received: a second frame that came in
    the same chunk (a gateway repeating its answer) would otherwise wait there
    and be handed to the next request.
    """
    manager = client.ctx
    while manager.recv_buffer:
        before = len(manager.recv_buffer)
        manager.datagram_received(b"", None)
        if len(manager.recv_buffer) >= before:
            return  # the start of a frame still arriving


def catch_strays(client: Client, on_stray: Callable[[Any], None]) -> None:
    """Until the next request, every answer that arrives goes to ``on_stray`` and never to a later request."""
    manager = client.ctx
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def caught(done: asyncio.Future[Any]) -> None:
        if manager.response_future is done:  # still between requests: keep catching
            catch_strays(client, on_stray)
        if not done.cancelled():
            on_stray(done.result())

    future.add_done_callback(caught)
    manager.response_future = future


def transaction_id(response: Any) -> int:
    """The MBAP transaction id an answer carried (0 with RTU framing, which has none)."""
    return int(getattr(response, "transaction_id", 0) or 0)


def response_function(response: Any) -> int:
    """The function code an answer is for (the exception bit cleared)."""
    return int(response.function_code) & 0x7F


def response_count(response: Any, table: Table) -> int:
    """Registers, or bits in whole bytes, an answer carries (0 for an exception)."""
    if response.isError():
        return 0
    return len(response.bits) if table.is_bits else len(response.registers)


def exception_code(response: Any) -> int | None:
    """The Modbus exception code of an error response, None for a normal one."""
    if response.isError():
        return int(getattr(response, "exception_code", 0) or 0)
    return None


def response_unit(response: Any) -> int | None:
    """The unit id the response claims to come from (attribute renamed across versions)."""
    for name in ("dev_id", "slave_id", "device_id"):
        value = getattr(response, name, None)
        if isinstance(value, int):
            return value
    return None


def response_key(response: Any) -> tuple[object, ...]:
    """What an answer says (unit, function, exception or data): two copies of one answer have the same key."""
    if response.isError():
        return (response_unit(response), int(response.function_code), exception_code(response))
    data = tuple(getattr(response, "registers", None) or ()) + tuple(
        bool(b) for b in getattr(response, "bits", None) or ()
    )
    return (response_unit(response), int(response.function_code), data)


def response_words(response: Any, table: Table, count: int) -> list[int] | list[bool]:
    """Registers or bits of a response (bit responses are padded to whole bytes)."""
    if table.is_bits:
        return [bool(b) for b in response.bits[:count]]
    return [int(r) for r in response.registers]
