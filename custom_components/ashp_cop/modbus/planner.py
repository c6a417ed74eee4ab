"""Read planning: as few requests as possible for the values a device must report.

Values of one table are merged into one request while the gap between them is
at most ``max_gap`` registers and the request stays within the per-request
limit (125 registers or 2000 bits, Modbus Application Protocol 6.1 to 6.4, or
lower where the device says so). A merged request never spans a register known
to be missing, because reading it would fail the whole request.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from .registermap import MAX_BITS_PER_READ, Table, ValueSpec


@dataclass(frozen=True, slots=True)
class ReadBlock:
    """One request: a table, a start address, a count and the values it carries."""

    table: Table
    address: int
    count: int
    values: tuple[ValueSpec, ...]


def plan_reads(
    values: Iterable[ValueSpec],
    *,
    max_registers: int,
    max_gap: int,
    missing: Collection[tuple[Table, int]] = (),
) -> list[ReadBlock]:
    """Blocks covering ``values``, in table then address order."""
    by_table: dict[Table, list[ValueSpec]] = {}
    for spec in values:
        by_table.setdefault(spec.table, []).append(spec)
    blocks: list[ReadBlock] = []
    for table in sorted(by_table, key=lambda t: t.function_code):
        limit = MAX_BITS_PER_READ if table.is_bits else max_registers
        gap = max_gap * 16 if table.is_bits else max_gap  # bits are cheap: 16 per register's worth
        bad = sorted(address for t, address in missing if t is table)
        current: list[ValueSpec] = []
        for spec in sorted(by_table[table], key=lambda s: s.address):
            if current and _joinable(current, spec, limit, gap, bad):
                current.append(spec)
                continue
            if current:
                blocks.append(_block(table, current))
            current = [spec]
        if current:
            blocks.append(_block(table, current))
    return blocks


def split_block(block: ReadBlock) -> tuple[ReadBlock, ReadBlock]:
    """The two halves (by values) of a block that failed, to find the bad address."""
    half = len(block.values) // 2
    return _block(block.table, list(block.values[:half])), _block(block.table, list(block.values[half:]))


def _joinable(current: list[ValueSpec], spec: ValueSpec, limit: int, gap: int, bad: list[int]) -> bool:
    start, end = current[0].address, max(s.end for s in current)
    if spec.address - end > gap or spec.end - start > limit:
        return False
    return not any(end <= address < spec.address for address in bad)


def _block(table: Table, values: list[ValueSpec]) -> ReadBlock:
    start = values[0].address
    end = max(s.end for s in values)
    return ReadBlock(table=table, address=start, count=end - start, values=tuple(values))
