"""Faults that can be switched on while the simulator runs.

From the command line they are typed on the simulator's standard input (see
``COMMANDS``); tests set the attributes of :class:`Faults` directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

COMMANDS = """\
latency SECONDS            extra delay before every answer (0 to clear)
timeout UNIT               UNIT stops answering (timeout UNIT off to clear)
exception UNIT CODE        UNIT answers every request with exception CODE (1-11; 0 clears)
missing UNIT ADDRESS       ADDRESS on UNIT answers "illegal data address" (code 2)
sentinel UNIT              UNIT's values read as their no-reading pattern (0xFFFF, 0x8000, NaN)
out_of_range UNIT          UNIT's values read far outside their valid range
corrupt UNIT               UNIT's RTU answers carry a wrong CRC
noisy UNIT                 every other RTU answer of UNIT carries a wrong CRC, the first one good (reflections)
short UNIT                 UNIT answers with one register fewer than asked (a confused gateway)
late UNIT SECONDS          UNIT answers every request SECONDS late, after the client gave up (0 clears)
bad_tid UNIT               UNIT's TCP/UDP answers carry a wrong transaction id (bad_tid UNIT off to clear)
duplicate UNIT [SECONDS]   UNIT's answers are sent twice, the copy SECONDS later (default 0; 'duplicate UNIT off')
gateway CODE               absent units answer exception CODE (10 or 11) as a gateway does (0: silent)
reversed UNIT              UNIT's power readings come out negative (a current transformer mounted backwards)
drop                       close every client connection now
stuck_flow HP              heat pump HP's (1-based) heat meter repeats its last flow reading
reset_counter UNIT         UNIT's energy counters restart from 0 (the truth does not)
replace_counter UNIT KWH   UNIT's meter is replaced by one whose counter starts at KWH
clear                      every fault off
"""


@dataclass(slots=True)
class Faults:
    latency_s: float = 0.0
    silent: set[int] = field(default_factory=set)
    exceptions: dict[int, int] = field(default_factory=dict)
    missing: dict[int, set[int]] = field(default_factory=dict)
    sentinel: set[int] = field(default_factory=set)
    out_of_range: set[int] = field(default_factory=set)
    corrupt: set[int] = field(default_factory=set)
    noisy: set[int] = field(default_factory=set)  # units whose every other RTU answer fails its CRC
    noisy_answers: dict[int, int] = field(default_factory=dict)  # unit -> answers it sent while noisy
    short: set[int] = field(default_factory=set)
    late: dict[int, float] = field(default_factory=dict)  # unit -> seconds its answers are held back
    bad_tid: set[int] = field(default_factory=set)  # MBAP answers with a transaction id that is not the request's
    duplicate: dict[int, float] = field(default_factory=dict)  # unit -> seconds between an answer and its copy
    stuck_flow: dict[int, float] = field(default_factory=dict)  # heat pump index -> frozen flow
    reversed_ct: set[int] = field(default_factory=set)  # units whose power reads negative (CT backwards)
    gateway_code: int = 0  # 10 or 11: an id nobody has is answered with this exception, as a gateway does
    drop_requested: int = 0  # bumped on every 'drop' so servers can act on it once

    def clear(self) -> None:
        self.latency_s = 0.0
        self.gateway_code = 0
        for collection in (self.silent, self.exceptions, self.missing, self.sentinel, self.out_of_range,
                           self.corrupt, self.short, self.late, self.bad_tid, self.duplicate, self.stuck_flow,
                           self.reversed_ct, self.noisy, self.noisy_answers):  # fmt: skip
            collection.clear()

    def garble(self, unit: int) -> bool:
        """Whether this RTU answer of ``unit`` goes out with a wrong CRC (counts a noisy unit's answers)."""
        if unit in self.noisy:
            self.noisy_answers[unit] = self.noisy_answers.get(unit, 0) + 1
            return self.noisy_answers[unit] % 2 == 0
        return unit in self.corrupt

    def spoil(self, unit: int) -> str | None:
        if unit in self.sentinel:
            return "sentinel"
        if unit in self.out_of_range:
            return "out_of_range"
        return None
