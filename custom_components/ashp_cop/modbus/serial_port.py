"""Why a serial port cannot be used, named: missing, not permitted, or held by another process.

Linux lets two processes open one tty at once (unless one of them asked for
exclusive use, TIOCEXCL, which root ignores), and their frames then mix on
the line: every answer is garbled for both. So a port that opens is still
refused while another process holds it, and the process is named from
/proc (``/proc/PID/fd`` links to the device; only processes whose /proc
entries this user may read are seen).
"""

from __future__ import annotations

import errno
import grp
import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True, slots=True)
class PortProblem:
    """``kind``: ``port_missing``, ``port_permission``, ``port_busy`` or ``port_error``; ``message`` names the port."""

    kind: str
    message: str
    group: str = ""  # the device's group (port_permission): the one the user must be in
    holders: tuple[str, ...] = ()  # "name (pid N)" of each other process that has it open (port_busy)


def port_holders(path: str) -> tuple[str, ...]:
    """Other processes that have ``path`` open, as ``name (pid N)``, in pid order."""
    target = os.path.realpath(path)
    own = os.getpid()
    found: list[tuple[int, str]] = []
    for entry in PROC.iterdir() if PROC.is_dir() else ():
        if not entry.name.isdigit() or int(entry.name) == own:
            continue
        try:
            if not any(str(fd.readlink()) == target for fd in (entry / "fd").iterdir()):
                continue
            name = (entry / "comm").read_text(encoding="utf-8", errors="replace").strip()
        except OSError:  # gone meanwhile, or another user's process
            continue
        found.append((int(entry.name), f"{name} (pid {entry.name})"))
    return tuple(text for _, text in sorted(found))


def _group(path: str) -> str:
    try:
        return grp.getgrgid(Path(path).stat().st_gid).gr_name
    except (KeyError, OSError):
        return "dialout"


def port_problem(path: str) -> PortProblem | None:
    """Why ``path`` cannot serve as this process's Modbus line, or None when it opens and nobody else holds it."""
    real = os.path.realpath(path)
    if not Path(real).exists():
        return PortProblem(
            "port_missing",
            f"{path} does not exist: the USB adapter is unplugged, or got another name when plugged in again "
            "(its /dev/serial/by-id/... name stays the same)",
        )
    try:
        fd = os.open(real, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    except PermissionError:
        group = _group(real)
        return PortProblem("port_permission", f"permission denied on {path} (owned by group {group})", group=group)
    except OSError as err:
        if err.errno in (errno.EBUSY, errno.EAGAIN):
            holders = port_holders(real)
            return PortProblem("port_busy", _busy_text(path, holders), holders=holders)
        return PortProblem("port_error", f"{path}: {err.strerror or err}")
    os.close(fd)
    holders = port_holders(real)
    if holders:
        return PortProblem("port_busy", _busy_text(path, holders), holders=holders)
    return None


def _busy_text(path: str, holders: tuple[str, ...]) -> str:
    if not holders:
        return f"{path} is in exclusive use by another process (its name cannot be read here)"
    return f"{path} is held by another process: {', '.join(holders)}"
