"""How a hub reaches its bus: transport, address or serial line, timing."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .errors import ModbusConfigError

MIN_UNIT_ID = 1
MAX_UNIT_ID = 247  # Modbus over serial line v1.02, 2.2: 1-247 are individual addresses


class Transport(StrEnum):
    TCP = "tcp"
    RTU_OVER_TCP = "rtu_over_tcp"
    UDP = "udp"
    SERIAL = "serial"


@dataclass(frozen=True, slots=True)
class HubSettings:
    """One connection. ``host``/``port`` for network transports, ``serial_port`` and line settings for serial."""

    transport: Transport
    host: str = ""
    port: int = 502
    serial_port: str = ""
    baudrate: int = 9600
    parity: str = "E"  # Modbus over serial line 2.5.1: even parity is the default
    stopbits: int = 1
    bytesize: int = 8
    timeout_s: float = 1.0
    retries: int = 2

    def __post_init__(self) -> None:
        if self.transport is Transport.SERIAL:
            if not self.serial_port:
                raise ModbusConfigError("serial_port", "a serial hub needs a device path such as /dev/ttyUSB0")
            if self.baudrate not in (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200):
                raise ModbusConfigError("baudrate", f"{self.baudrate} is not a standard rate")
            if self.parity not in ("N", "E", "O"):
                raise ModbusConfigError("parity", f"{self.parity!r} is not N, E or O")
            if self.stopbits not in (1, 2):
                raise ModbusConfigError("stopbits", f"{self.stopbits} is not 1 or 2")
            if self.bytesize not in (7, 8):
                raise ModbusConfigError("bytesize", f"{self.bytesize} is not 7 or 8")
        else:
            if not self.host:
                raise ModbusConfigError("host", "a network hub needs a host name or address")
            if not 1 <= self.port <= 65535:
                raise ModbusConfigError("port", f"{self.port} is outside 1 to 65535")
        if not 0.05 <= self.timeout_s <= 60:
            raise ModbusConfigError("timeout_s", f"{self.timeout_s} s is outside 0.05 to 60 s")
        if not 0 <= self.retries <= 10:
            raise ModbusConfigError("retries", f"{self.retries} is outside 0 to 10")

    @property
    def uses_rtu_framing(self) -> bool:
        return self.transport in (Transport.RTU_OVER_TCP, Transport.SERIAL)

    @property
    def bits_per_character(self) -> int:
        """Start bit + data bits + parity bit + stop bits (11 for 8E1)."""
        return 1 + self.bytesize + (0 if self.parity == "N" else 1) + self.stopbits

    @property
    def describe(self) -> str:
        if self.transport is Transport.SERIAL:
            return f"{self.serial_port} ({self.baudrate} {self.bytesize}{self.parity}{self.stopbits})"
        return f"{self.transport.value}://{self.host}:{self.port}"


def check_unit_id(unit_id: int) -> int:
    """A device address, or an error naming the allowed range."""
    if isinstance(unit_id, bool) or not isinstance(unit_id, int) or not MIN_UNIT_ID <= unit_id <= MAX_UNIT_ID:
        raise ModbusConfigError("unit_id", f"{unit_id!r} is outside {MIN_UNIT_ID} to {MAX_UNIT_ID}")
    return unit_id
