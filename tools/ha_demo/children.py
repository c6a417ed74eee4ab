"""The demo's child processes (Home Assistant, the simulator): each stopped with one signal, and waited for.

A terminal's Ctrl-C goes to its whole foreground process group. Home Assistant
stops cleanly on its first SIGINT or SIGTERM and then drops its handlers, so a
second signal (the demo's own stop, arriving while it was still saving) killed
it before it had written its storage. So each child runs in a process group of
its own, out of the terminal's reach, and the demo sends it exactly one SIGTERM
and waits until it has exited.

If the demo itself is killed (``kill -9``), nobody is left to stop the
children: on Linux each one asks the kernel beforehand for a SIGTERM when its
parent dies (``PR_SET_PDEATHSIG``), so it still stops cleanly, once.

Each child runs under a keeper (keeper.py) that takes that SIGTERM and hands
it on only once the child catches it: Home Assistant does not until it has
started, and a SIGTERM before that ended it at once, uncleanly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

from .keeper import stop_with_parent

KEEPER = Path(__file__).with_name("keeper.py")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def interrupt_on_signals() -> None:
    """Ctrl-C, SIGTERM and a closed terminal (SIGHUP) all raise KeyboardInterrupt, so the demo stops its
    children first, however it was started (a background start ignores SIGINT)."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)


class Children:
    """Processes started in their own process groups, stopped together by :meth:`stop`."""

    def __init__(self) -> None:
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, args: list[str], **popen: Any) -> subprocess.Popen[bytes]:
        """Start ``args`` under its keeper, in a process group of its own (before starting any thread: preexec_fn)."""
        keeper = [sys.executable, str(KEEPER), *args]
        with_parent = partial(stop_with_parent, os.getpid())
        process = subprocess.Popen(keeper, process_group=0, preexec_fn=with_parent, **popen)  # noqa: PLW1509
        self.running.append((name, process))
        return process

    def stop(self, timeout_s: float = 300.0) -> dict[str, int]:
        """One SIGTERM to each child, then wait for all of them; their exit codes by name.

        Another Ctrl-C (KeyboardInterrupt) while waiting, or the timeout, kills
        what is still running: the user asked twice, or something hangs.
        """
        for _, process in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        try:
            for _, process in self.running:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except (KeyboardInterrupt, subprocess.TimeoutExpired):
            for name, process in self.running:
                if process.poll() is None:
                    print(f"killing {name} (pid {process.pid})", file=sys.stderr, flush=True)
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
                    process.wait()
        return {name: process.returncode for name, process in self.running}
