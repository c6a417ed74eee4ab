"""One open connection to a bus: one transaction at a time, retries, reconnects.

Retries and reconnects are done here rather than by pymodbus so that they are
bounded, backed off and counted the same way on every pymodbus version.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

from . import compat
from .crc import crc_ok
from .errors import HubConnectionError, TransactionError, describe_exception
from .planner import ReadBlock
from .settings import HubSettings, Transport

RECONNECT_BACKOFF_MIN_S = 0.5
RECONNECT_BACKOFF_MAX_S = 60.0
RETRY_BACKOFF_S = 0.05
# Exception codes worth retrying: the device is alive but momentarily busy.
_RETRY_CODES = frozenset({5, 6})


@dataclass(frozen=True, slots=True)
class Response:
    words: list[int] | list[bool]
    taken_at: float
    response_s: float
    attempts: int


class Connection:
    """A pymodbus client plus the lock that keeps the bus to one transaction."""

    def __init__(self, settings: HubSettings) -> None:
        self.settings = settings
        self.lock = asyncio.Lock()
        self._received = bytearray()
        self._client: compat.Client | None = None  # made on first use: pymodbus needs a running loop
        self._next_connect_at = 0.0
        self._reconnect_backoff_s = RECONNECT_BACKOFF_MIN_S
        self.reconnects = 0
        self._was_connected = False

    def _trace_packet(self, sending: bool, data: bytes) -> bytes:
        if not sending:
            self._received += data
        return data

    @property
    def client(self) -> compat.Client:
        if self._client is None:
            self._client = compat.make_client(self.settings, self._trace_packet)
        return self._client

    @property
    def connected(self) -> bool:
        return self._client is not None and bool(self._client.connected)

    async def connect(self) -> None:
        """Open the connection now or raise :class:`HubConnectionError` naming the target."""
        if self.settings.transport is Transport.SERIAL and not Path(self.settings.serial_port).exists():
            ok, reason = False, "no such device"
        else:
            try:
                ok = await compat.connect(self.client)
            except Exception as err:  # termios refusing the line settings, permissions
                ok = False
                reason = getattr(err, "strerror", None) or str(err) or type(err).__name__
            else:
                reason = "refused, unreachable or no answer"
        if not ok or not self.connected:
            self._next_connect_at = time.monotonic() + self._reconnect_backoff_s
            self._reconnect_backoff_s = min(self._reconnect_backoff_s * 2, RECONNECT_BACKOFF_MAX_S)
            raise HubConnectionError(f"cannot connect to {self.settings.describe}: {reason}")
        if self._was_connected:
            self.reconnects += 1
        self._was_connected = True
        self._reconnect_backoff_s = RECONNECT_BACKOFF_MIN_S

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    async def _ensure_connected(self) -> None:
        if self.connected:
            return
        if time.monotonic() < self._next_connect_at:
            raise TransactionError("disconnected", f"{self.settings.describe} is down; next reconnect attempt pending")
        try:
            await self.connect()
        except HubConnectionError as err:
            raise TransactionError("disconnected", str(err)) from err

    async def read(self, unit_id: int, block: ReadBlock, *, retries: int) -> Response:
        """Read one block, retrying timeouts up to ``retries`` times with growing pauses."""
        async with self.lock:
            last: TransactionError | None = None
            for attempt in range(retries + 1):
                if attempt:
                    await asyncio.sleep(RETRY_BACKOFF_S * 2 ** (attempt - 1))
                try:
                    return await self._read_once(unit_id, block, attempt + 1)
                except TransactionError as err:
                    last = err
                    if err.exception_code is not None and err.exception_code not in _RETRY_CODES:
                        raise
            assert last is not None
            raise last

    async def _read_once(self, unit_id: int, block: ReadBlock, attempts: int) -> Response:
        await self._ensure_connected()
        self._received.clear()
        started = time.monotonic()
        try:
            response = await compat.read(self.client, block.table, block.address, block.count, unit_id)
        except compat.NoResponseError as err:
            raise self._no_response(unit_id) from err
        except compat.NotConnectedError as err:
            self.close()
            raise TransactionError("disconnected", f"connection to {self.settings.describe} lost") from err
        elapsed = time.monotonic() - started
        code = compat.exception_code(response)
        if code is not None:
            message = describe_exception(
                code, unit=unit_id, function=block.table.function_code, address=block.address, count=block.count
            )
            raise TransactionError("exception", message, exception_code=code)
        words = compat.response_words(response, block.table, block.count)
        unit = compat.response_unit(response)
        if len(words) != block.count or (unit not in (None, 0, unit_id)):
            # A late answer to an earlier request or a confused gateway: drop the
            # connection so no stale bytes are matched to the next request.
            self.close()
            raise TransactionError(
                "framing", f"unit {unit_id}: answer did not match the request ({len(words)} of {block.count} values)"
            )
        return Response(words, time.time(), elapsed, attempts)

    def _no_response(self, unit_id: int) -> TransactionError:
        if not self.connected:
            return TransactionError("disconnected", f"connection to {self.settings.describe} lost")
        if self._received:
            garbled = bytes(self._received)
            if self.settings.uses_rtu_framing and not crc_ok(garbled):
                return TransactionError("crc", f"unit {unit_id}: answer failed its CRC check")
            return TransactionError("framing", f"unit {unit_id}: answer could not be decoded")
        return TransactionError(
            "timeout", f"unit {unit_id}: no answer within {self.settings.timeout_s:g} s on {self.settings.describe}"
        )
