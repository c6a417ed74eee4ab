"""Before a hub is added: proof that a Modbus server answers there, and whether it is a hub already configured.

What can be proven depends on the transport:
* TCP, RTU over TCP, UDP: one request (holding register 0 of ``PROBE_UNIT_ID``)
  must be answered in Modbus. An exception answer counts, gateways' 10 and 11
  ("no path", "the device did not answer the gateway") included: a Modbus
  server sent it. Bytes that are not Modbus (a web server's "HTTP/1.1 400"),
  a connection closed without an answer, and silence are refused. Over UDP
  there is no connection at all, so only an answer proves anything.
* serial: without a known device nothing on the line has to answer; what is
  proven is that the port opens with the hub's line settings (a port already
  held by a loaded hub is borrowed for the test, between two transactions).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterable

from .connection import Connection, rtu_frame_length
from .crc import crc_ok
from .errors import HubConnectionError, TransactionError
from .hub import borrowed_port, serial_port_key
from .planner import ReadBlock
from .registermap import Table
from .serial_port import port_problem
from .settings import HubSettings, Transport

# Most meters leave the factory as unit 1 and most buses start there; a hub
# whose devices sit elsewhere is tested with one of theirs.
PROBE_UNIT_ID = 1
_PROBE_BLOCK = ReadBlock(Table.HOLDING, 0, 1, ())
RESOLVE_TIMEOUT_S = 5.0  # a name that does not resolve by then is compared as written


class HubProbeError(Exception):
    """The probe found no Modbus server; ``kind`` is ``cannot_connect``, ``not_modbus`` or ``no_answer``,
    or for a serial port one of :class:`~.serial_port.PortProblem`'s kinds."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


async def probe_hub(settings: HubSettings, unit_id: int = PROBE_UNIT_ID) -> str:
    """What answered (for the log), or :class:`HubProbeError` saying what was found instead."""
    if settings.transport is Transport.SERIAL:
        # A port our own hub holds is borrowed below; any other holder would mix its frames with ours.
        # (/proc and the device are read in a thread: the event loop does no file I/O)
        problem = await asyncio.get_running_loop().run_in_executor(None, port_problem, settings.serial_port)
        if problem is not None:
            raise HubProbeError(problem.kind, problem.message)
        async with borrowed_port(settings):
            await _open(Connection(settings))
        return f"{settings.describe} opened"
    connection = Connection(settings)
    try:
        await _open(connection, keep=True)
        try:
            await connection.read(unit_id, _PROBE_BLOCK, retries=0)
        except TransactionError as err:
            if err.exception_code is not None:
                return f"unit {unit_id} answered with exception code {err.exception_code}"
            if _looks_like_modbus(connection.received, framed_rtu=settings.uses_rtu_framing):
                return f"a Modbus answer that does not fit the request ({err})"
            raise _not_a_server(settings, unit_id, connection.received, err) from err
        return f"unit {unit_id} answered"
    finally:
        connection.close()


async def _open(connection: Connection, *, keep: bool = False) -> None:
    try:
        await connection.connect()
    except HubConnectionError as err:
        raise HubProbeError("cannot_connect", str(err)) from err
    finally:
        if not keep:
            connection.close()


def _not_a_server(settings: HubSettings, unit_id: int, received: bytes, err: TransactionError) -> HubProbeError:
    where = settings.describe
    if received:
        return HubProbeError("not_modbus", f"{where} answered, but not in Modbus: {_preview(received)}")
    if err.kind == "disconnected":
        return HubProbeError("not_modbus", f"{where} closed the connection instead of answering a Modbus request")
    waited = f"within {settings.timeout_s:g} s"
    if settings.transport is Transport.UDP:
        return HubProbeError(
            "no_answer",
            f"no Modbus answer from unit {unit_id} at {where} {waited}; over UDP only an answer proves a server",
        )
    return HubProbeError(
        "no_answer",
        f"{where} accepts connections, but no Modbus answer came from unit {unit_id} {waited} "
        "(a gateway stays silent for a unit id no device has: test with one that a device has)",
    )


def _looks_like_modbus(data: bytes, *, framed_rtu: bool) -> bool:
    """A whole Modbus frame at the head of ``data``: an MBAP header with protocol 0, or an RTU frame with its CRC."""
    if framed_rtu:
        length = rtu_frame_length(data)
        return length >= 5 and len(data) >= length and crc_ok(data[:length])
    if len(data) < 9:
        return False
    protocol, length = int.from_bytes(data[2:4], "big"), int.from_bytes(data[4:6], "big")
    return protocol == 0 and 2 <= length <= 254 and len(data) >= 6 + length


def _preview(data: bytes) -> str:
    """The first line of what came, quoted if it is text, else its first bytes in hex; a web server named."""
    line = data.split(b"\n", 1)[0].strip()[:60]
    text = bool(line) and all(32 <= byte < 127 for byte in line)
    shown = f"'{line.decode('ascii')}'" if text else data[:16].hex(" ")
    return f"{shown} (a web server)" if data.startswith(b"HTTP/") else shown


async def endpoint_names(settings: HubSettings) -> frozenset[str]:
    """Every name the hub's endpoint goes by: the serial port's real path, or each address the host resolves to."""
    if settings.transport is Transport.SERIAL:
        return frozenset({serial_port_key(settings.serial_port)})
    lookup = asyncio.get_running_loop().getaddrinfo(settings.host, settings.port, type=socket.SOCK_STREAM)
    try:
        found = await asyncio.wait_for(lookup, RESOLVE_TIMEOUT_S)
    except (OSError, UnicodeError, TimeoutError):  # not resolvable now: compare by the name as written
        return frozenset({f"{settings.host.lower()}:{settings.port}"})
    return frozenset(f"{sockaddr[0]}:{settings.port}" for *_, sockaddr in found)


async def same_endpoint(settings: HubSettings, others: Iterable[HubSettings]) -> HubSettings | None:
    """The first of ``others`` that reaches the same port as ``settings`` (names resolved), if any."""
    serial = settings.transport is Transport.SERIAL
    candidates = [other for other in others if (other.transport is Transport.SERIAL) is serial]
    mine, *theirs = await asyncio.gather(endpoint_names(settings), *map(endpoint_names, candidates))
    return next((other for other, names in zip(candidates, theirs, strict=True) if mine & names), None)
