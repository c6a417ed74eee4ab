"""One open connection to a bus: one transaction at a time, retries, reconnects.

Retries and reconnects are done here rather than by pymodbus so that they are
bounded, backed off and counted the same way on every pymodbus version.
"""

from __future__ import annotations

import asyncio
import contextlib
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
# RTU: how long a copy of an answer is waited for beyond the last response time
# (a gateway that repeats every frame sends the copy right after the original).
COPY_WAIT_S = 0.1
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
        self._sent = b""
        # RTU has no transaction id: (unit, function) of requests that timed out
        # -> until when their late answer is waited for before the next such request
        self._unsettled: dict[tuple[int, int], float] = {}
        self._stray = asyncio.Event()
        self._expected: tuple[int, int, int] | None = None  # unit, function, data bytes of the request in flight
        self.stale_answers = 0  # answers that belonged to another (earlier) request, discarded
        # RTU: what the last answer said, and whether the gateway was seen sending every answer twice
        self._last_answer: tuple[object, ...] | None = None
        self._last_response_s = 0.0
        self.repeats_answers = False
        self._client: compat.Client | None = None  # made on first use: pymodbus needs a running loop
        self._next_connect_at = 0.0
        self._reconnect_backoff_s = RECONNECT_BACKOFF_MIN_S
        self.reconnects = 0
        self._was_connected = False

    def _trace_packet(self, sending: bool, data: bytes) -> bytes:
        if sending:
            self._sent = data
            return data
        if data.startswith(self._received):  # pymodbus passes its whole receive buffer each time
            self._received[:] = data
        else:
            self._received += data
        if self._is_stale(data):
            self.stale_answers += 1
        return data

    def _is_stale(self, data: bytes) -> bool:
        """Whether the whole frame at the head of ``data`` answers anything but the request in flight.

        Counted here, where every frame passes on every pymodbus version (newer
        ones skip a wrong transaction id or unit before handing anything over).
        """
        if self.settings.uses_rtu_framing:
            length = rtu_frame_length(data)
            if length < 5 or len(data) < length or (self._expected is not None and _fits(data, *self._expected)):
                return False
            return crc_ok(data[:length])  # a whole frame, not this request's (the CRC only then: it costs)
        if len(data) < 8 or data[2:4] != b"\0\0" or len(data) < 6 + int.from_bytes(data[4:6], "big"):
            return False  # not (yet) a whole MBAP frame
        return self._expected is None or data[:2] != self._sent[:2]

    @property
    def client(self) -> compat.Client:
        if self._client is None:
            self._client = compat.make_client(self.settings, self._trace_packet)
        return self._client

    @property
    def received(self) -> bytes:
        """What arrived since the last request was sent."""
        return bytes(self._received)

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
        if self.settings.uses_rtu_framing:
            await self._flush()
            await self._settle(unit_id, block.table.function_code)
        self._received.clear()
        self._expected = (unit_id, block.table.function_code, data_bytes(block))
        started = time.monotonic()
        try:
            response = await self._answer(unit_id, block, started + self.settings.timeout_s)
        except compat.NotConnectedError as err:
            self.close()
            raise TransactionError("disconnected", f"connection to {self.settings.describe} lost") from err
        finally:
            self._expected = None
            if self._client is not None and self.connected:
                compat.catch_strays(self._client, self._on_stray)
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
            # This request's transaction id on a confused gateway's answer:
            # reopen the connection so nothing of it is left for the next request.
            self.close()
            raise TransactionError(
                "framing", f"unit {unit_id}: answer did not match the request ({len(words)} of {block.count} values)"
            )
        return Response(words, time.time(), elapsed, attempts)

    async def _answer(self, unit_id: int, block: ReadBlock, deadline: float) -> object:
        """This request's answer: any other that comes first (a late one) is discarded and waited past."""
        try:
            response = await compat.read(self.client, block.table, block.address, block.count, unit_id)
            while not self._answers(response, unit_id, block):
                response = await compat.next_response(self.client, deadline - time.monotonic())
            if self.settings.uses_rtu_framing:
                response = await self._past_copies(response, unit_id, block, deadline)
        except (compat.NoResponseError, TimeoutError) as err:
            if self.settings.uses_rtu_framing:
                self._unsettled[(unit_id, block.table.function_code)] = time.monotonic() + self.settings.timeout_s
            raise self._no_response(unit_id, block) from err
        return response

    async def _past_copies(self, response: object, unit_id: int, block: ReadBlock, deadline: float) -> object:
        """RTU has no transaction id: a gateway's copy of the last answer can fit this request.

        An answer saying exactly what the last one said may be that copy: the
        real answer then follows within about one response time, and is taken
        instead. Once the gateway was seen repeating, the copy of this answer is
        waited for too, so that it cannot meet the next request.
        """
        window_s = COPY_WAIT_S + 2 * self._last_response_s
        copied = False
        while compat.response_key(response) == self._last_answer:
            try:
                later = await compat.next_response(self.client, min(window_s, deadline - time.monotonic()))
            except TimeoutError:
                break  # nothing followed: the same values again
            if self._answers(later, unit_id, block):
                self._copy_discarded()
                response, copied = later, True
        self._last_answer = compat.response_key(response)
        self._last_response_s = time.monotonic() - (deadline - self.settings.timeout_s)
        # (after a copy was just taken over, ``later`` may be the copy itself: pymodbus 3.11 keeps
        # only the first of two frames that come in one chunk, so its own copy is not waited for)
        if self.repeats_answers and not copied:
            try:
                copy = await compat.next_response(self.client, min(window_s, self.settings.timeout_s))
            except TimeoutError:
                self.repeats_answers = False  # the gateway stopped repeating
            else:
                if compat.response_key(copy) == self._last_answer:
                    self._copy_discarded()
        return response

    def _copy_discarded(self) -> None:
        self.stale_answers += 1
        self.repeats_answers = True

    async def _flush(self) -> None:
        """Before an RTU request: what already arrived goes to the strays, not to this request."""
        await asyncio.sleep(0)  # let the loop read what the socket holds
        if self._client is not None and self.connected:
            compat.flush(self._client)

    def _answers(self, response: object, unit_id: int, block: ReadBlock) -> bool:
        """Whether ``response`` is the answer to the request just sent.

        MBAP (TCP, UDP): the transaction id must be the request's (Modbus
        Messaging on TCP/IP v1.0b, 3.1.3). RTU has none: unit, function and
        length must fit, and a late answer of the same shape is kept off by
        ``_settle``.
        """
        if not self.settings.uses_rtu_framing:
            return compat.transaction_id(response) == int.from_bytes(self._sent[:2], "big")
        if compat.response_unit(response) != unit_id or compat.response_function(response) != block.table.function_code:
            return False
        if compat.exception_code(response) is not None:
            return True
        whole = 8 * data_bytes(block) if block.table.is_bits else block.count  # bits come in whole bytes
        return compat.response_count(response, block.table) == whole

    async def _settle(self, unit_id: int, function: int) -> None:
        """On RTU, before asking a unit again what timed out, wait out the late answer (up to one timeout)."""
        key = (unit_id, function)
        while (until := self._unsettled.get(key)) is not None and (remaining := until - time.monotonic()) > 0:
            self._stray.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stray.wait(), remaining)
        self._unsettled.pop(key, None)

    def _on_stray(self, response: object) -> None:
        """An answer that came while no request waited for it (counted as it passed ``_trace_packet``)."""
        if self.settings.uses_rtu_framing:
            unit = compat.response_unit(response)
            self._unsettled.pop((unit or 0, compat.response_function(response)), None)
            if compat.response_key(response) == self._last_answer:
                self.repeats_answers = True  # a copy of the last answer: the gateway repeats its frames
        self._stray.set()

    def _no_response(self, unit_id: int, block: ReadBlock) -> TransactionError:
        if not self.connected:
            return TransactionError("disconnected", f"connection to {self.settings.describe} lost")
        silent = f"unit {unit_id}: no answer within {self.settings.timeout_s:g} s on {self.settings.describe}"
        received = bytes(self._received)
        if not received:
            return TransactionError("timeout", silent)
        if not self.settings.uses_rtu_framing:
            tid, sent = int.from_bytes(received[:2], "big"), int.from_bytes(self._sent[:2], "big")
            if len(received) >= 8 and received[2:4] == b"\0\0" and tid != sent:
                return TransactionError(
                    "timeout", f"{silent}; an answer with transaction id {tid} (not {sent}) was discarded"
                )
            return TransactionError("framing", f"unit {unit_id}: answer could not be decoded")
        frame = received[: rtu_frame_length(received)]
        if not crc_ok(frame):
            return TransactionError("crc", f"unit {unit_id}: answer failed its CRC check")
        if not _fits(frame, unit_id, block.table.function_code, data_bytes(block)):
            return TransactionError(
                "framing",
                f"unit {unit_id}: an answer that does not fit the request (unit {frame[0]}, function {frame[1]}, "
                f"{len(frame)} bytes) was discarded: a late answer or a confused device",
            )
        return TransactionError("framing", f"unit {unit_id}: answer could not be decoded")


def data_bytes(block: ReadBlock) -> int:
    """Data bytes of a full answer to ``block``: 2 a register, bits packed 8 to a byte."""
    return -(-block.count // 8) if block.table.is_bits else 2 * block.count


def _fits(frame: bytes, unit: int, function: int, data_length: int) -> bool:
    """An RTU answer (unit, function, byte count ...) from ``unit`` to ``function`` with the data asked for."""
    if frame[0] != unit or frame[1] & 0x7F != function:
        return False
    return bool(frame[1] & 0x80) or frame[2] == data_length


def rtu_frame_length(data: bytes) -> int:
    """Length of the RTU answer at the head of ``data``: unit, function, byte count, data, CRC; 5 for an exception."""
    if len(data) >= 2 and data[1] & 0x80:
        return 5
    if len(data) >= 3 and data[1] in (1, 2, 3, 4):
        return 5 + data[2]
    return len(data)
