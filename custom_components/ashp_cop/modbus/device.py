"""A device on a bus: plans its reads, scans, copes with missing registers."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from .connection import Connection
from .diagnostics import DeviceDiagnostics
from .errors import ModbusConfigError, TransactionError
from .planner import ReadBlock, plan_reads, split_block
from .reading import Reading, decode_block
from .registermap import MAX_REGISTERS_PER_READ, RegisterMap, Table
from .settings import check_unit_id

# Exception codes devices use for "no such register" (2) or a range that runs
# into one (3); the block is split until the single culprit is found.
_ADDRESS_CODES = frozenset({2, 3})
# A register refused that way is tried again on its own after 5 s, then after
# twice as long each time it is refused again, up to 10 minutes: a device
# that refuses everything for a moment (booting, a gateway losing its bus) is
# read again within seconds, a register it really lacks costs almost nothing.
MISSING_RETRY_S = 5.0


def _monotonic() -> float:
    """time.monotonic looked up when called: a test harness that moves the clock moves the back-off too."""
    return time.monotonic()


MISSING_RETRY_MAX_S = 600.0


@dataclass(slots=True)
class DeviceScan:
    """What one scan produced: readings by value key and whether the device delivered any."""

    readings: dict[str, Reading] = field(default_factory=dict)
    available: bool = True
    errors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Missing:
    message: str
    retry_at: float
    refusals: int = 1


class ModbusDevice:
    """One unit id with its register map."""

    def __init__(
        self,
        unit_id: int,
        register_map: RegisterMap,
        *,
        name: str = "",
        max_registers_per_request: int | None = None,
        max_gap: int | None = None,
        missing_retry_s: float = MISSING_RETRY_S,
        missing_retry_max_s: float = MISSING_RETRY_MAX_S,
        merge: bool = True,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.unit_id = check_unit_id(unit_id)
        self.register_map = register_map
        self.name = name or f"{register_map.title} (unit {unit_id})"
        limit = max_registers_per_request or register_map.max_registers_per_request
        if not 1 <= limit <= MAX_REGISTERS_PER_READ:
            raise ModbusConfigError("max_registers_per_request", f"{limit} is outside 1 to {MAX_REGISTERS_PER_READ}")
        self.max_registers = min(limit, register_map.max_registers_per_request)
        self.max_gap = register_map.max_gap if max_gap is None else max_gap
        self.missing_retry_s = missing_retry_s  # the first back-off; doubled on every further refusal
        self.missing_retry_max_s = max(missing_retry_max_s, missing_retry_s)
        self.clock = clock or _monotonic
        self.merge = merge  # False: one request per value, for devices that refuse merged reads
        self.diagnostics = DeviceDiagnostics()
        self.available = True
        self.missing: dict[tuple[Table, int], _Missing] = {}
        self.last: dict[str, Reading] = {}
        self._plan: list[ReadBlock] | None = None

    def plan(self, now: float | None = None) -> list[ReadBlock]:
        """This scan's requests: known-missing registers left out until their retry time."""
        if not self.missing:  # the usual case: the plan only changes when a register goes missing
            if self._plan is None:
                self._plan = self._make_plan(0.0)
            return self._plan
        self._plan = None
        return self._make_plan(self.clock() if now is None else now)

    def _make_plan(self, now: float) -> list[ReadBlock]:
        due = {where for where, m in self.missing.items() if m.retry_at <= now}
        skipped = self.missing.keys() - due
        values = [v for v in self.register_map.values if (v.table, v.address) not in skipped]
        normal = [v for v in values if (v.table, v.address) not in due]
        retried = [v for v in values if (v.table, v.address) in due]
        if not self.merge:
            return [ReadBlock(v.table, v.address, v.count, (v,)) for v in values]
        blocks = plan_reads(normal, max_registers=self.max_registers, max_gap=self.max_gap, missing=self.missing.keys())
        # A re-tried register is read on its own so it cannot spoil a good block.
        return blocks + [ReadBlock(v.table, v.address, v.count, (v,)) for v in retried]

    async def scan(self, connection: Connection, *, retries: int) -> DeviceScan:
        """Read every planned block; a silent device costs one attempt, not the whole plan.

        The device counts as available only when it delivered readings: one that
        answers nothing but exceptions is not shown as working.
        """
        result = DeviceScan()
        queue = deque(self.plan())
        answered = 0
        while queue:
            block = queue.popleft()
            try:
                response = await connection.read(self.unit_id, block, retries=retries if self.available else 0)
            except TransactionError as err:
                self.diagnostics.record_error(err.kind, str(err), time.time())
                result.errors.append(str(err))
                if err.exception_code is not None:
                    answered += 1
                    if err.exception_code in _ADDRESS_CODES:
                        queue.extendleft(reversed(self._narrow(block, str(err))))
                    continue
                if not answered:
                    break  # no answer at all: do not spend the bus's time on the rest
                continue
            answered += 1
            self.diagnostics.record_success(response.response_s)
            for spec in block.values:
                self.missing.pop((spec.table, spec.address), None)
            result.readings.update(decode_block(block, response.words, response.taken_at))
        result.available = bool(result.readings)
        if not result.available and not result.errors:  # nothing asked: every value waits for its retry
            wait_s = min(m.retry_at for m in self.missing.values()) - self.clock()
            result.errors.append(
                f"unit {self.unit_id}: every value was refused by the device; next try in {max(wait_s, 0):.0f} s"
            )
        self.available = result.available
        self.last.update(result.readings)
        return result

    def _narrow(self, block: ReadBlock, message: str) -> list[ReadBlock]:
        if len(block.values) > 1:
            return list(split_block(block))
        spec = block.values[0]
        self.last.pop(spec.key, None)  # no stale value behind a register that is gone
        text = message if spec.count == 1 else f"{message} ({spec.key}, registers {spec.address} to {spec.end - 1})"
        where = (spec.table, spec.address)
        refusals = min(self.missing[where].refusals + 1, 32) if where in self.missing else 1  # 2**31 x 5 s: capped
        wait_s = min(self.missing_retry_s * 2 ** (refusals - 1), self.missing_retry_max_s)
        self.missing[where] = _Missing(text, self.clock() + wait_s, refusals)
        return []

    def missing_registers(self) -> dict[str, str]:
        """Value keys currently skipped because the device said they do not exist."""
        keys = {(v.table, v.address): v.key for v in self.register_map.values}
        return {keys[where]: m.message for where, m in self.missing.items() if where in keys}
