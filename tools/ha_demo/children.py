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
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from functools import partial
from typing import Any

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _libc_with_prctl() -> ctypes.CDLL | None:
    """The C library if it has prctl (Linux), looked up now rather than in the forked child."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _libc_with_prctl()


def _stop_with_parent(parent_pid: int) -> None:
    """In the child before it runs its program: SIGTERM when the demo dies, however it dies."""
    if _LIBC is None:
        return
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent_pid:  # the demo died before prctl took hold: no signal would come
        os.kill(os.getpid(), signal.SIGTERM)


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
        """Start ``args`` in a process group of its own (call it before starting any thread: preexec_fn)."""
        stop_with_parent = partial(_stop_with_parent, os.getpid())
        process = subprocess.Popen(args, process_group=0, preexec_fn=stop_with_parent, **popen)  # noqa: PLW1509
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
