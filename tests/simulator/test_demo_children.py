"""The demo stops its children (Home Assistant, the simulator) with exactly one signal each, and leaves none behind.

Real processes and real signals: a supervisor built like tools/ha_demo's run()
starts two children that log every signal they get and take a moment to
"save" before they exit, as Home Assistant does.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tools.ha_demo.keeper import LIBC

REPO = Path(__file__).resolve().parents[2]

# Logs each signal; the first starts a 0.5 s save, then the child exits. A second signal
# while saving is logged too (Home Assistant would die of it: it drops its handlers).
# Home Assistant catches SIGTERM only once it has started: ``late`` children take 1.5 s to get there.
CHILD = textwrap.dedent("""
    import signal, sys, time
    log = open(sys.argv[1], "a", buffering=1)
    if len(sys.argv) > 2:
        log.write("starting\\n")
        time.sleep(1.5)
    stopping = []
    def handler(signum, frame):
        log.write(signal.Signals(signum).name + "\\n")
        stopping.append(signum)
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    log.write("started\\n")
    while not stopping:
        time.sleep(0.01)
    time.sleep(0.5)
    log.write("saved\\n")
""")
SUPERVISOR = textwrap.dedent("""
    import sys
    from tools.ha_demo.children import Children, interrupt_on_signals
    interrupt_on_signals()
    children = Children()
    late = sys.argv[4:]
    try:
        first = children.start("first", [sys.executable, "-c", sys.argv[1], sys.argv[2], *late])
        children.start("second", [sys.executable, "-c", sys.argv[1], sys.argv[3], *late])
        print(first.pid, children.running[1][1].pid, flush=True)
        first.wait()
    except KeyboardInterrupt:
        pass
    finally:
        print(children.stop(timeout_s=20), flush=True)
""")


def _start(tmp_path: Path, *, late: bool = False) -> tuple[subprocess.Popen[str], list[Path], list[int]]:
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    supervisor = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, CHILD, *map(str, logs), *(["late"] if late else [])], cwd=REPO,
        stdout=subprocess.PIPE, text=True,
        start_new_session=True,  # its own process group: as the demo in a terminal's foreground
    )  # fmt: skip
    assert supervisor.stdout is not None
    pids = [int(pid) for pid in supervisor.stdout.readline().split()]
    deadline = time.monotonic() + 20
    while not all(log.exists() and ("starting" if late else "started") in log.read_text() for log in logs):
        assert time.monotonic() < deadline, "the children did not start"
        time.sleep(0.05)
    return supervisor, logs, pids


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"


def _wait_gone(pids: list[int], timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not all(_gone(pid) for pid in pids):
        assert time.monotonic() < deadline, f"still running: {[pid for pid in pids if not _gone(pid)]}"
        time.sleep(0.05)


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_one_ctrl_c_or_sigterm_stops_each_child_with_one_signal(tmp_path: Path, how: str) -> None:
    supervisor, logs, pids = _start(tmp_path)
    if how == "ctrl-c":  # the terminal sends SIGINT to the whole foreground process group
        os.killpg(supervisor.pid, signal.SIGINT)
    else:
        supervisor.send_signal(signal.SIGTERM)
    out, _ = supervisor.communicate(timeout=30)
    assert supervisor.returncode == 0
    assert out.strip() == "{'first': 0, 'second': 0}"  # both saved and exited by themselves
    for log in logs:
        assert log.read_text().split() == ["started", "SIGTERM", "saved"]
    _wait_gone(pids)


@pytest.mark.skipif(LIBC is None, reason="PR_SET_PDEATHSIG is Linux only")
def test_children_stop_cleanly_when_the_demo_is_killed(tmp_path: Path) -> None:
    supervisor, logs, pids = _start(tmp_path)
    supervisor.kill()  # kill -9: the demo cannot stop anything itself
    supervisor.wait(timeout=10)
    _wait_gone(pids)
    for log in logs:
        assert log.read_text().split() == ["started", "SIGTERM", "saved"]


@pytest.mark.skipif(LIBC is None, reason="PR_SET_PDEATHSIG and /proc/PID/status are Linux only")
@pytest.mark.parametrize("how", ["kill -9", "ctrl-c"])
def test_children_still_starting_stop_cleanly_once_they_can(tmp_path: Path, how: str) -> None:
    """The issue's case: the demo killed (or stopped) while Home Assistant was starting, before it catches SIGTERM.

    Killed by the kernel's default action it left a zombie within 0.5 s and a database "not shut down cleanly".
    """
    supervisor, logs, pids = _start(tmp_path, late=True)
    if how == "kill -9":
        supervisor.kill()
    else:
        os.killpg(supervisor.pid, signal.SIGINT)
    supervisor.wait(timeout=30)
    _wait_gone(pids)
    for log in logs:
        assert log.read_text().split() == ["starting", "started", "SIGTERM", "saved"]
