"""``python -m tools.simulator``: the documented command starts, serves, takes faults, stops."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from custom_components.ashp_cop.modbus.hub import ModbusHub
from custom_components.ashp_cop.modbus.profiles import builtin_profile
from custom_components.ashp_cop.modbus.settings import HubSettings, Transport

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.modbus


def _simulator(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tools.simulator", *args],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_help_lists_every_option() -> None:
    result = subprocess.run([sys.executable, "-m", "tools.simulator", "--help"], cwd=REPO, capture_output=True,
                            text=True, check=True)  # fmt: skip
    for option in ("--port", "--speed", "--seed", "--rtu-over-tcp", "--baud", "--heat-pumps", "--udp", "timeout UNIT"):
        assert option in result.stdout


def test_baud_without_rtu_is_refused() -> None:
    result = subprocess.run([sys.executable, "-m", "tools.simulator", "--baud", "9600"], cwd=REPO,
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 2
    assert "--baud needs RTU framing" in result.stderr


async def test_documented_command_serves_and_takes_faults(socket_enabled: None, unused_tcp_port: int) -> None:
    process = _simulator("--port", str(unused_tcp_port), "--speed", "1", "--seed", "1")
    try:
        assert process.stdout is not None and process.stdin is not None
        banner = [process.stdout.readline() for _ in range(9)]
        assert banner[0].startswith(f"ashp_cop plant simulator: Modbus TCP on 127.0.0.1:{unused_tcp_port}")
        assert "unit  11  generic_heat_meter" in banner[1]
        assert "unit 247  simulator_truth" in banner[7]
        hub = ModbusHub(HubSettings(Transport.TCP, host="127.0.0.1", port=unused_tcp_port, timeout_s=0.3, retries=0))
        hub.add_device(11, builtin_profile("generic_heat_meter"))
        try:
            assert (await hub.scan())[11].available
            process.stdin.write("timeout 11\n")
            process.stdin.flush()
            reply = await asyncio.to_thread(process.stdout.readline)
            assert reply.strip() == "ok: timeout 11"
            assert not (await hub.scan())[11].available
            process.stdin.write("nonsense\n")
            process.stdin.flush()
            assert (await asyncio.to_thread(process.stdout.readline)).startswith("unknown command; one of:")
        finally:
            hub.close()
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
