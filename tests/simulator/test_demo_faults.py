"""The demo's simulator takes fault commands written to the FIFO in its config folder (a meter unplugged and back)."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest

from custom_components.ashp_cop.modbus.hub import ModbusHub
from custom_components.ashp_cop.modbus.profiles import builtin_profile
from custom_components.ashp_cop.modbus.settings import HubSettings, Transport
from tools.ha_demo.children import Children
from tools.ha_demo.faults import FAULTS_FIFO, SIMULATOR_LOG, fault_pipe

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.modbus


async def _logged(log: Path, text: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while text not in log.read_text():
        assert time.monotonic() < deadline, f"{text!r} not in the simulator's log: {log.read_text()!r}"
        await asyncio.sleep(0.05)


async def test_a_command_written_to_the_fifo_unplugs_a_meter_and_plugs_it_back(
    socket_enabled: None, unused_tcp_port: int, tmp_path: Path
) -> None:
    children = Children()
    faults = fault_pipe(tmp_path)
    with (tmp_path / SIMULATOR_LOG).open("ab") as log:
        children.start("the simulator", [sys.executable, "-m", "tools.simulator", "--port", str(unused_tcp_port)],
                       cwd=REPO, stdin=faults, stdout=log)  # fmt: skip
    os.close(faults)
    hub = ModbusHub(HubSettings(Transport.TCP, host="127.0.0.1", port=unused_tcp_port, timeout_s=0.3, retries=0))
    for unit, profile in ((11, "generic_heat_meter"), (12, "eastron_sdm630")):
        hub.add_device(unit, builtin_profile(profile))
    try:
        await _logged(tmp_path / SIMULATOR_LOG, "Type 'help' for faults")
        assert all(reading.available for reading in (await hub.scan()).values())
        (tmp_path / FAULTS_FIFO).write_text("timeout 11\n")  # as a user types it: echo 'timeout 11' > FIFO
        await _logged(tmp_path / SIMULATOR_LOG, "ok: timeout 11")
        readings = await hub.scan()
        assert not readings[11].available and readings[12].available
        (tmp_path / FAULTS_FIFO).write_text("timeout 11 off\n")  # a second writer: the simulator still reads
        await _logged(tmp_path / SIMULATOR_LOG, "ok: timeout 11 off")
        assert (await hub.scan())[11].available
    finally:
        hub.close()
        assert children.stop(timeout_s=20) == {"the simulator": 0}


def test_a_file_in_the_fifos_place_is_replaced(tmp_path: Path) -> None:
    (tmp_path / FAULTS_FIFO).write_text("left behind\n")
    os.close(fault_pipe(tmp_path))
    os.close(fault_pipe(tmp_path))  # and an existing FIFO is reused
    assert (tmp_path / FAULTS_FIFO).is_fifo()
