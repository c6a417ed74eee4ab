"""Scanning a bus: which unit ids answer, and which shipped profile each device is.

Every id of the range gets one read (holding register 0) with a short timeout.
What comes back sorts the id:
* a normal answer, or an exception a device sends (illegal function, illegal
  address, ...): a device is there;
* exception 10 or 11 (Modbus Application Protocol v1.1b3, clause 7: gateway
  path unavailable, gateway target failed to respond): a gateway answering for
  an id it has no device for, so nothing is there;
* silence until the timeout: nothing is there (a serial line stays silent);
* bytes that fail their CRC: something answered but garbled (wrong baud rate or
  parity when every answer is garbled, reflections when some are). Such a read
  is asked again (reflections garble some answers, not all); an id whose reads
  stay garbled, for its presence or for a profile's rule, is counted and named
  in the summary, never offered as a device (nor as an unknown one).
A present device is then matched against each shipped profile's ``identify``
rules (reads only: recognition never writes to a device); a recognised device
is read once with its map so the installer sees plausible values.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from .connection import Connection, Response
from .device import ModbusDevice
from .errors import HubConnectionError, TransactionError
from .hub import borrowed_port
from .planner import ReadBlock
from .profiles import builtin_profiles
from .reading import decode_value
from .registermap import IdentifyRule, RegisterMap, Table
from .settings import MAX_UNIT_ID, MIN_UNIT_ID, HubSettings, Transport

# Exception codes only a gateway sends, for an id no device of its has.
GATEWAY_ABSENT_CODES = frozenset({10, 11})
PRESENCE_BLOCK = ReadBlock(Table.HOLDING, 0, 1, ())
# Per-id timeout: a LAN gateway answers in milliseconds, and one that stays
# silent for an absent id makes 247 ids cost 247 x this, plus a reconnect
# every few ids (pymodbus drops a connection after 3 to 5 requests in a row
# went unanswered, about 0.1 s each): 0.08 s keeps 247 ids under 30 s.
NETWORK_TIMEOUT_S = 0.08
# A serial device answers within its turnaround (Modbus over serial line
# v1.02, 2.4.1: the slave processes, then answers); 0.1 s plus the frames'
# own wire time covers the meters shipped here.
SERIAL_TURNAROUND_S = 0.1
PROBE_REQUEST_BYTES = 8  # unit, function, address (2), count (2), CRC (2)
PROBE_ANSWER_BYTES = 7  # unit, function, byte count, one register (2), CRC (2)
GARBLED_KINDS = frozenset({"crc", "framing"})  # an answer came, but not one that could be read
GARBLED_TRIES = 3  # reads of one register whose answers keep failing their CRC check before it counts as garbled
SILENCE_CHARACTERS = 3.5  # between RTU frames (Modbus over serial line v1.02, 2.5.1.1)

Progress = Callable[[int, int, int], None]  # (ids done, ids in all, devices found)


@dataclass(frozen=True, slots=True)
class FoundUnit:
    """A unit id that answered: the profile recognised (None: no shipped map fits) and its values."""

    unit: int
    answers: str  # "ok": it delivered registers; "exception": it only answered with exceptions
    profile: str | None
    values: dict[str, float | bool | None] = field(default_factory=dict)
    candidates: tuple[str, ...] = ()  # every profile whose rules held (more than one: ambiguous)
    exception_code: int | None = None  # what it answered the presence read with, if an exception

    def as_json(self) -> dict[str, object]:
        return {"unit": self.unit, "profile": self.profile, "answers": self.answers, "values": self.values}

    @property
    def sanity(self) -> str:
        """A line for a sanity look: ``SDM630, 231.4 V, 1.92 kW``."""
        if self.profile is None:
            return f"unknown device ({'registers read' if self.answers == 'ok' else 'exceptions only'})"
        profile = builtin_profiles()[self.profile]
        shown = [profile.model or profile.title]
        for key, unit, factor, digits in _SANITY:
            value = self.values.get(key)
            if isinstance(value, float):
                shown.append(f"{value * factor:.{digits}f} {unit}")
            if len(shown) == 3:
                break
        return ", ".join(shown)


# Values shown in the sanity line, in order of preference: (key, unit shown, factor, decimals).
_SANITY = (
    ("voltage_l1_v", "V", 1.0, 1), ("voltage_v", "V", 1.0, 1), ("power_w", "kW", 0.001, 2),
    ("flow_temp_c", "°C", 1.0, 1), ("outdoor_temp_c", "°C", 1.0, 1), ("flow_m3h", "m³/h", 1.0, 3),
    ("import_energy_kwh", "kWh", 1.0, 1), ("heat_energy_kwh", "kWh", 1.0, 1),
)  # fmt: skip


@dataclass(slots=True)
class ScanReport:
    """Everything one scan found, and what the ids that are not in ``found`` did."""

    settings: HubSettings
    units: tuple[int, ...]
    found: list[FoundUnit] = field(default_factory=list)
    silent: list[int] = field(default_factory=list)
    gateway_absent: list[int] = field(default_factory=list)
    garbled: list[int] = field(default_factory=list)  # answers that failed their CRC or could not be decoded
    elapsed_s: float = 0.0
    error: str | None = None  # the connection could not be opened or was lost for good

    @property
    def line_hint(self) -> str | None:
        """What garbled answers say about the line, or None when every answer was clean."""
        if not self.garbled:
            return None
        if not self.found:
            return "every answer failed its CRC check: check the baud rate and parity against the devices' settings"
        return (
            "some answers failed their CRC check: check the bus termination (120 ohm at both ends only), "
            "the cable's twisted pair and its length"
        )

    def summary(self) -> str:
        parts = [
            f"{len(self.units)} ids scanned on {self.settings.describe} in {self.elapsed_s:.1f} s",
            f"{len(self.found)} answered",
            f"{len(self.silent)} silent",
        ]
        if self.gateway_absent:
            parts.append(f"{len(self.gateway_absent)} reported absent by the gateway")
        if self.garbled:
            parts.append(f"{len(self.garbled)} garbled ({', '.join(map(str, self.garbled[:10]))})")
        text = ", ".join(parts)
        if self.error:
            text += f"; stopped: {self.error}"
        if hint := self.line_hint:
            text += f"; {hint}"
        return text


def parse_units(text: str) -> tuple[int, ...]:
    """``1-247``, ``11,12,20-30``: the ids to scan, each within 1-247, in order, once."""
    units: list[int] = []
    for part in text.replace(" ", "").split(","):
        low, sep, high = part.partition("-")
        try:
            first, last = int(low), int(high) if sep else int(low)
        except ValueError:
            raise ValueError(f"{part!r} is not a unit id or a range such as 1-247") from None
        if not MIN_UNIT_ID <= first <= last <= MAX_UNIT_ID:
            raise ValueError(f"{part!r}: unit ids run from {MIN_UNIT_ID} to {MAX_UNIT_ID}, low to high")
        units.extend(u for u in range(first, last + 1) if u not in units)
    return tuple(units)


def default_timeout_s(settings: HubSettings) -> float:
    """The per-id timeout: 0.08 s on a network; on a serial line, 0.1 s plus the probe's wire time."""
    if settings.transport is not Transport.SERIAL:
        return NETWORK_TIMEOUT_S
    frames = PROBE_REQUEST_BYTES + PROBE_ANSWER_BYTES + 2 * SILENCE_CHARACTERS
    return round(SERIAL_TURNAROUND_S + frames * settings.bits_per_character / settings.baudrate, 3)


async def _read(connection: Connection, unit: int, block: ReadBlock) -> Response:
    """One read, asked again while its answer fails its CRC check: reflections garble some answers, not all.

    A wrong line setting garbles every answer, so a garbled id costs ``GARBLED_TRIES`` reads; a silent one, one.
    """
    for _ in range(GARBLED_TRIES - 1):
        try:
            return await connection.read(unit, block, retries=0)
        except TransactionError as err:
            if err.kind not in GARBLED_KINDS:
                raise
    return await connection.read(unit, block, retries=0)


class _UnitReads:
    """One unit's reads during recognition, each asked once however many profiles need it."""

    def __init__(self, connection: Connection, unit: int) -> None:
        self.connection = connection
        self.unit = unit
        self._done: dict[tuple[Table, int, int], list[int] | TransactionError] = {}
        self.answered_ok = False
        self.garbled = False

    async def words(self, table: Table, address: int, count: int) -> list[int] | None:
        key = (table, address, count)
        if key not in self._done:
            try:
                response = await _read(self.connection, self.unit, ReadBlock(table, address, count, ()))
            except TransactionError as err:
                self._done[key] = err
                self.garbled |= err.kind in GARBLED_KINDS
            else:
                self._done[key] = [int(w) for w in response.words]
                self.answered_ok = True
        done = self._done[key]
        return None if isinstance(done, TransactionError) else done

    async def holds(self, rule: IdentifyRule) -> bool:
        words = await self.words(rule.spec.table, rule.spec.address, rule.spec.count)
        return words is not None and rule.holds(decode_value(rule.spec, words, 0.0).value)


def _score(profile: RegisterMap) -> tuple[int, int]:
    """A match on an identification register outranks one on plausible ranges; more rules outrank fewer."""
    return sum(1 for rule in profile.identify if rule.equals), len(profile.identify)


async def recognise(connection: Connection, unit: int, profiles: Iterable[RegisterMap]) -> tuple[list[str], _UnitReads]:
    """Names of the profiles whose every rule holds on ``unit``, best first."""
    reads = _UnitReads(connection, unit)
    matches: list[RegisterMap] = []
    for profile in profiles:
        if not profile.identify:
            continue
        for rule in profile.identify:
            if not await reads.holds(rule):
                break
        else:
            matches.append(profile)
    matches.sort(key=lambda p: (tuple(-s for s in _score(p)), p.name))
    return [p.name for p in matches], reads


async def scan_bus(
    settings: HubSettings,
    units: Iterable[int] = range(MIN_UNIT_ID, MAX_UNIT_ID + 1),
    *,
    timeout_s: float | None = None,
    profiles: Mapping[str, RegisterMap] | None = None,
    progress: Progress | None = None,
    on_found: Callable[[FoundUnit], None] | None = None,
) -> ScanReport:
    """Try every id of ``units``; cancelling the task stops the scan and closes the connection."""
    settings = replace(settings, timeout_s=timeout_s or default_timeout_s(settings), retries=0)
    chosen = builtin_profiles() if profiles is None else profiles
    report = ScanReport(settings, tuple(units))
    connection = Connection(settings)
    started = time.monotonic()
    try:
        await connection.connect()
        task = asyncio.current_task()
        for done, unit in enumerate(report.units, 1):
            if task is not None and task.cancelling():
                # pymodbus 3.11 turns a cancel inside a request into "no response": stop here instead
                raise asyncio.CancelledError
            found = await _scan_unit(connection, unit, chosen, report)
            if found is not None:
                report.found.append(found)
                if on_found is not None:
                    on_found(found)
            if progress is not None:
                progress(done, len(report.units), len(report.found))
    except HubConnectionError as err:
        report.error = str(err)
    finally:
        connection.close()
        report.elapsed_s = time.monotonic() - started
    return report


async def _scan_unit(
    connection: Connection, unit: int, profiles: Mapping[str, RegisterMap], report: ScanReport
) -> FoundUnit | None:
    code: int | None = None
    try:
        await _read(connection, unit, PRESENCE_BLOCK)
    except TransactionError as err:
        if err.kind == "disconnected":  # pymodbus drops the connection after a few unanswered requests
            garbled = bool(connection.received)  # bytes came, but no frame this request could take
            if not connection.connected:
                await connection.connect()  # raises HubConnectionError: the scan stops, naming the target
            (report.garbled if garbled else report.silent).append(unit)
            return None
        if err.exception_code in GATEWAY_ABSENT_CODES:
            report.gateway_absent.append(unit)
            return None
        if err.exception_code is None:
            (report.garbled if err.kind in GARBLED_KINDS else report.silent).append(unit)
            return None
        code = err.exception_code
    names, reads = await recognise(connection, unit, profiles.values())
    if reads.garbled:  # a rule unread may be the one that tells this profile from another: no guess offered
        report.garbled.append(unit)
        return None
    if not names:
        answered = reads.answered_ok or code is None
        return FoundUnit(unit, "ok" if answered else "exception", None, exception_code=code)
    device = ModbusDevice(unit, profiles[names[0]], name=names[0])
    scan = await device.scan(connection, retries=0)
    values = {key: reading.value for key, reading in scan.readings.items()}
    return FoundUnit(unit, "ok", names[0], values, tuple(names), code)


async def scan_hub(settings: HubSettings, units: Iterable[int], *, progress: Progress | None = None) -> ScanReport:
    """:func:`scan_bus` on a hub's own endpoint: a serial port a loaded hub holds is borrowed for the scan.

    One RS-485 line carries one transaction at a time: the loaded hub's polls
    wait on its lock until the scan is over, then it reopens the port.
    """
    async with borrowed_port(settings):
        return await scan_bus(settings, units, progress=progress)
