"""Errors of the Modbus layer, each naming what is wrong in one line."""

from __future__ import annotations

# Modbus Application Protocol v1.1b3, clause 7 (exception codes 1 to 11).
EXCEPTION_MESSAGES: dict[int, str] = {
    1: "illegal function: the device does not support function {function}",
    2: "illegal data address: register {address} does not exist on unit {unit}",
    3: "illegal data value: the device refused reading {count} registers at {address} on unit {unit}",
    4: "server device failure: unit {unit} failed while reading register {address}",
    5: "acknowledge: unit {unit} accepted the request but needs more time",
    6: "server device busy: unit {unit} is busy, try again later",
    7: "negative acknowledge: unit {unit} cannot perform the request",
    8: "memory parity error: unit {unit} found a parity error in its memory",
    10: "gateway path unavailable: the gateway has no path to unit {unit}",
    11: "gateway target device failed to respond: unit {unit} did not answer the gateway",
}


def describe_exception(code: int, *, unit: int, function: int, address: int, count: int) -> str:
    """Plain message for a Modbus exception response."""
    template = EXCEPTION_MESSAGES.get(code, "exception code {code} from unit {unit} (not defined by the standard)")
    return f"code {code}, " + template.format(code=code, unit=unit, function=function, address=address, count=count)


class RegisterMapError(ValueError):
    """A register map file that fails its schema; names the file and the field."""

    def __init__(self, source: str, field: str, reason: str) -> None:
        super().__init__(f"{source}: {field}: {reason}")
        self.source = source
        self.field = field
        self.reason = reason


class ModbusConfigError(ValueError):
    """A hub or device setting outside what Modbus allows (unit id, address, count)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class HubConnectionError(ConnectionError):
    """The hub could not open its connection (host, port or serial device named)."""


class TransactionError(Exception):
    """One request that failed; ``kind`` is the diagnostics bucket it counts in."""

    def __init__(self, kind: str, message: str, *, exception_code: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.exception_code = exception_code
