"""Serial port problems named: a port held by a second process, a missing adapter, permission denied."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from custom_components.ashp_cop.modbus.probe import HubProbeError, probe_hub
from custom_components.ashp_cop.modbus.serial_port import port_holders, port_problem
from custom_components.ashp_cop.modbus.settings import HubSettings, Transport

pytestmark = pytest.mark.modbus
MODULE = Path(__file__).resolve().parents[2] / "custom_components/ashp_cop/modbus/serial_port.py"


@pytest.fixture
def pty() -> Iterator[str]:
    master, slave = os.openpty()
    yield os.ttyname(slave)
    os.close(master)
    os.close(slave)


def _hold(path: str) -> subprocess.Popen[str]:
    """A second process that opens ``path`` and keeps it open."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import os, sys, time; os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY); "
         "print('open', flush=True); time.sleep(60)", path],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline() == "open\n"
    return holder


async def test_a_port_held_by_a_second_process_is_refused_naming_it(pty: str) -> None:
    assert port_problem(pty) is None  # this process's own descriptors do not count
    holder = _hold(pty)
    try:
        problem = port_problem(pty)
        assert problem is not None and problem.kind == "port_busy"
        assert problem.holders == port_holders(pty) and f"(pid {holder.pid})" in problem.holders[0]
        assert problem.message == f"{pty} is held by another process: {problem.holders[0]}"
        with pytest.raises(HubProbeError, match=f"pid {holder.pid}") as caught:
            await probe_hub(HubSettings(Transport.SERIAL, serial_port=pty, parity="N"))
        assert caught.value.kind == "port_busy"
    finally:
        holder.kill()
        holder.wait()
    assert port_problem(pty) is None
    assert await probe_hub(HubSettings(Transport.SERIAL, serial_port=pty, parity="N")) == f"{pty} (9600 8N1) opened"


async def test_an_unplugged_adapter_is_named(tmp_path: Path) -> None:
    missing = str(tmp_path / "ttyUSB0")
    problem = port_problem(missing)
    assert problem is not None and problem.kind == "port_missing"
    assert problem.message.startswith(f"{missing} does not exist: the USB adapter is unplugged")
    with pytest.raises(HubProbeError) as caught:
        await probe_hub(HubSettings(Transport.SERIAL, serial_port=missing))
    assert caught.value.kind == "port_missing"


def test_permission_denied_names_the_group(pty: str) -> None:
    """As a user outside the port's group (nobody), the port is refused with the group named.

    The harness runs as root, which may open anything: the check runs in a process of user nobody,
    with the system's Python and the module loaded from its file (it needs nothing but the standard library).
    """
    python = Path("/usr/bin/python3")
    if not python.exists():
        pytest.skip("no /usr/bin/python3 to run the check as another user")
    Path(pty).chmod(0o660)  # rw for its owner and group only
    code = (
        "import importlib.util, sys; spec = importlib.util.spec_from_file_location('serial_port', sys.argv[1]); "
        "module = importlib.util.module_from_spec(spec); sys.modules['serial_port'] = module; "
        "spec.loader.exec_module(module); problem = module.port_problem(sys.argv[2]); "
        "print(problem.kind, problem.group, problem.message, sep='|')"
    )
    done = subprocess.run(
        [python, "-c", code, MODULE, pty], user=65534, group=65534, extra_groups=[], capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    kind, group, message = done.stdout.strip().split("|")
    assert kind == "port_permission"
    assert message == f"permission denied on {pty} (owned by group {group})"
