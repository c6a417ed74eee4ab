"""What the demo waits for, said while it waits: a first start takes minutes (README, "Run the demo").

A poll every second printing a line would flood the terminal, and a silent wait of six minutes reads as a
hang; a :class:`Progress` prints at most one line every ``every_s`` seconds, saying what it waits for and
how far it has come.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

# "2026-12-07 16:10:00.123 INFO (MainThread) [homeassistant.bootstrap] Setting up stage 1: ..."
_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? (?P<level>[A-Z]+) \([^)]*\) (?P<message>.*)$")
MAX_SAID = 110  # characters of a log line quoted: one terminal line


def last_log_line(log: Path) -> str:
    """The last entry of Home Assistant's log, without its date and thread ('' while there is none)."""
    try:
        with log.open("rb") as file:
            file.seek(max(0, log.stat().st_size - 8192))
            lines = file.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    for line in reversed(lines):
        if entry := _LOG_LINE.match(line):
            said = f"{entry['level']} {entry['message']}"
            return said if len(said) <= MAX_SAID else said[: MAX_SAID - 3] + "..."
    return ""


def next_five_minute_mark(now: datetime) -> str:
    """``HH:MM`` of the next 5-minute mark of the clock, when the recorder compiles 5-minute statistics."""
    mark = now.replace(second=0, microsecond=0) + timedelta(minutes=5 - now.minute % 5)
    return mark.strftime("%H:%M")


def clock_text(seconds: float) -> str:
    """``m:ss``."""
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


class Progress:
    """One line at most every ``every_s`` seconds: '{what} ({elapsed}[ of up to {limit}]): {detail}'."""

    def __init__(
        self,
        what: str,
        *,
        limit_s: float | None = None,
        every_s: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
        say: Callable[[str], None] = lambda line: print(line, flush=True),
    ) -> None:
        self.what, self.limit_s, self.every_s, self.clock, self.say = what, limit_s, every_s, clock, say
        self.started = clock()
        self._said_at: float | None = None

    def tick(self, detail: str, *, done: bool = False) -> None:
        """Say where the wait is, unless a line was said less than ``every_s`` seconds ago (``done``: say it)."""
        now = self.clock()
        if not done and self._said_at is not None and now - self._said_at < self.every_s:
            return
        self._said_at = now
        elapsed = clock_text(now - self.started)
        limit = f" of up to {clock_text(self.limit_s)}" if self.limit_s is not None else ""
        self.say(f"{self.what} ({elapsed}{limit}): {detail}")
