"""``python tools/ha_demo/keeper.py PROGRAM ARGS...``: runs one of the demo's children and stops it cleanly.

Home Assistant installs its SIGTERM handler only once it has started (``HomeAssistant.async_run``:
after bootstrap and ``async_start``, 20 s to minutes). Until then a SIGTERM ends it at once, as the
kernel's default: no final write, the recorder's database "not shut down cleanly", totals back to
the last save. That SIGTERM came from the demo's stop (Ctrl-C during a start) or, with the demo
killed, from the kernel (``PR_SET_PDEATHSIG``), and Home Assistant was gone within 0.5 s.

So each child runs under this keeper. The keeper takes the demo's signal (SIGTERM, SIGINT or
SIGHUP: any of them, once) and hands the child one SIGTERM as soon as the child catches SIGTERM
(Linux: ``SigCgt`` in /proc/PID/status), then waits for it and exits with its code. It reaps the
child, so none is left a zombie when the demo is gone. Standard library only: it runs by path,
whatever the working directory.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1  # linux/prctl.h
# A child that never catches SIGTERM (another program) gets it after this long anyway.
CATCH_WAIT_S = 900.0
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def catches(pid: int, signum: int) -> bool | None:
    """Whether process ``pid`` has a handler for ``signum`` now; None where that cannot be told (not Linux)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (signum - 1) & 1)
    return None


def _libc_with_prctl() -> ctypes.CDLL | None:
    """The C library if it has prctl (Linux), looked up now rather than in the forked child."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


LIBC = _libc_with_prctl()


def stop_with_parent(parent_pid: int) -> None:
    """In a child before it runs its program: a SIGTERM when its parent dies, however it dies (Linux)."""
    if LIBC is None:
        return
    LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent_pid:  # the parent died before prctl took hold: no signal would come
        os.kill(os.getpid(), signal.SIGTERM)


def deliver_when_caught(process: subprocess.Popen[bytes], signum: int, wait_s: float = CATCH_WAIT_S) -> None:
    """Send ``signum`` once the child catches it (or has exited, or ``wait_s`` passed)."""
    deadline = time.monotonic() + wait_s
    while process.poll() is None and catches(process.pid, signum) is False and time.monotonic() < deadline:
        time.sleep(0.05)
    if process.poll() is None:
        process.send_signal(signum)


def main(argv: list[str]) -> int:
    stopping: list[int] = []

    def asked_to_stop(signum: int, frame: object) -> None:
        stopping.append(signum)

    for signum in _STOP_SIGNALS:
        signal.signal(signum, asked_to_stop)
    if stopping:  # asked to stop before the child was started: nothing to stop
        return 0
    keeper = os.getpid()
    child = subprocess.Popen(argv, preexec_fn=lambda: stop_with_parent(keeper))  # noqa: PLW1509
    while child.poll() is None and not stopping:
        time.sleep(0.05)
    if stopping:
        deliver_when_caught(child, signal.SIGTERM)
    code = child.wait()
    return code if code >= 0 else 128 - code  # killed by a signal: as a shell reports it


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
