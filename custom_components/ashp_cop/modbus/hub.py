"""A hub: one connection and the devices on it, polled one transaction at a time.

A serial port is opened once per process and shared by every hub that names
it (under any of its names: /dev/serial/by-id/... and /dev/ttyUSB0 are one
port), so two configurations of one RS-485 line can never interleave frames.
Different hubs poll concurrently (each awaits its own connection).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import replace

from .connection import Connection
from .device import DeviceScan, ModbusDevice
from .errors import ModbusConfigError
from .registermap import RegisterMap
from .settings import HubSettings, Transport

_serial_ports: dict[str, tuple[Connection, int]] = {}  # by the port's real path


def serial_port_key(path: str) -> str:
    """One name for a serial port however it is reached (symbolic links resolved)."""
    return os.path.realpath(path)


def open_serial_connection(path: str) -> Connection | None:
    """The connection a loaded hub holds on this serial port, if any."""
    shared = _serial_ports.get(serial_port_key(path))
    return None if shared is None else shared[0]


@contextlib.asynccontextmanager
async def borrowed_port(settings: HubSettings) -> AsyncIterator[None]:
    """Within the block, a serial port a loaded hub holds is free for another connection to it.

    One RS-485 line carries one transaction at a time: the loaded hub's polls
    wait on its lock until the block is over (it is taken between two of its
    transactions), then it reopens the port on its next request. A network
    endpoint, or a port no hub holds, has nothing to borrow.
    """
    held = open_serial_connection(settings.serial_port) if settings.transport is Transport.SERIAL else None
    if held is None:
        yield
        return
    async with held.lock:
        held.close()
        yield


def _acquire(settings: HubSettings) -> Connection:
    if settings.transport is not Transport.SERIAL:
        return Connection(settings)
    key = serial_port_key(settings.serial_port)
    shared = _serial_ports.get(key)
    if shared is None:
        connection = Connection(settings)
        _serial_ports[key] = (connection, 1)
        return connection
    connection, users = shared
    if replace(settings, serial_port=connection.settings.serial_port) != connection.settings:
        raise ModbusConfigError(
            "serial_port", f"{settings.serial_port} is already open as {connection.settings.describe}"
        )
    _serial_ports[key] = (connection, users + 1)
    return connection


def _release(connection: Connection) -> None:
    # found by identity: the port's link may point elsewhere by now (a USB adapter plugged in again)
    port = next((key for key, (held, _) in _serial_ports.items() if held is connection), None)
    if port is None:  # a network connection, never shared
        connection.close()
        return
    _, users = _serial_ports[port]
    if users <= 1:
        del _serial_ports[port]
        connection.close()
    else:
        _serial_ports[port] = (connection, users - 1)


class ModbusHub:
    """Devices behind one connection."""

    def __init__(self, settings: HubSettings) -> None:
        self.settings = settings
        self.connection = _acquire(settings)
        self.devices: dict[int, ModbusDevice] = {}
        self._closed = False

    async def connect(self) -> None:
        """Open the connection; :class:`HubConnectionError` names the host or port that failed."""
        if not self.connection.connected:
            await self.connection.connect()

    def add_device(self, unit_id: int, register_map: RegisterMap, **options: object) -> ModbusDevice:
        """Put a device on the bus; a second device with the same unit id is refused."""
        if unit_id in self.devices:
            raise ModbusConfigError("unit_id", f"{unit_id} is already used by {self.devices[unit_id].name}")
        device = ModbusDevice(unit_id, register_map, **options)  # type: ignore[arg-type]
        self.devices[unit_id] = device
        return device

    async def scan(self) -> dict[int, DeviceScan]:
        """One pass over every device, in unit-id order."""
        return {
            unit_id: await device.scan(self.connection, retries=self.settings.retries)
            for unit_id, device in sorted(self.devices.items())
        }

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            _release(self.connection)
