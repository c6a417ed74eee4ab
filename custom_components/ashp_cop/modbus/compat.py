"""Everything that differs between pymodbus 3.8.3 and the newest release.

Known differences handled here:
* connecting: from 3.10 a serial transport completes its setup in a callback;
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


def response_words(response: Any, table: Table, count: int) -> list[int] | list[bool]:
    """Registers or bits of a response (bit responses are padded to whole bytes)."""
    if table.is_bits:
        return [bool(b) for b in response.bits[:count]]
    return [int(r) for r in response.registers]
