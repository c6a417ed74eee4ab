"""``python -m tools.simulator``: the documented command starts, serves, takes faults, stops."""

from __future__ import annotations

import asyncio
import json
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


def _simulator(*args: str, sigint_ignored: bool = False) -> subprocess.Popen[str]:
    """The documented command; ``sigint_ignored`` starts it as a shell starts a background job (`cmd &`)."""
    command = [sys.executable, "-m", "tools.simulator", *args]
    if sigint_ignored:  # what a non-interactive shell does for `cmd &`; exec keeps the ignored disposition
        command = ["sh", "-c", 'trap "" INT; exec "$0" "$@"', *command]
    return subprocess.Popen(
        command, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _stop(process: subprocess.Popen[str], signum: int) -> int | None:
    """Send ``signum`` and wait up to 10 s: the exit code, None if it did not stop (then it is killed)."""
    process.send_signal(signum)
    try:
        return process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        return None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


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
        assert _stop(process, signal.SIGINT) == 0


@pytest.mark.parametrize(
    ("signum", "sigint_ignored"),
    [(signal.SIGINT, False), (signal.SIGINT, True), (signal.SIGTERM, False), (signal.SIGTERM, True)],
    ids=["sigint", "sigint-in-a-background-job", "sigterm", "sigterm-in-a-background-job"],
)
async def test_the_simulator_stops_on_a_signal_however_it_was_started(
    socket_enabled: None, unused_tcp_port: int, signum: int, sigint_ignored: bool
) -> None:
    process = _simulator("--port", str(unused_tcp_port), "--speed", "1", sigint_ignored=sigint_ignored)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("ashp_cop plant simulator: Modbus TCP on 127.0.0.1")
    finally:
        code = _stop(process, signum)
    assert code == 0, f"exit code {code} (None: still serving 10 s after the signal)"
    # the port was given back: a new server binds it at once
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", unused_tcp_port)
    server.close()
    await server.wait_closed()


async def test_the_meters_carry_on_across_restarts_of_the_simulator(
    socket_enabled: None, unused_tcp_port: int, tmp_path: Path
) -> None:
    # a plant room's meters do not restart from 0 when the demo restarts (each restart was a "reset")
    meters = tmp_path / "meters.json"
    meters.write_text('{"heat_pumps": [{"meter_heat_kwh": 1234.5, "meter_elec_unit_kwh": 456.7}]}')
    process = _simulator("--port", str(unused_tcp_port), "--meters", str(meters))
    hub = ModbusHub(HubSettings(Transport.TCP, host="127.0.0.1", port=unused_tcp_port, timeout_s=0.5, retries=0))
    hub.add_device(11, builtin_profile("generic_heat_meter"))
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(9)]
        assert banner[-1] == f"The meters carry on from {meters}.\n"
        heat = (await hub.scan())[11].readings["heat_energy_kwh"].value
        assert isinstance(heat, float) and 1234.5 <= heat < 1234.6
    finally:
        hub.close()
        assert _stop(process, signal.SIGTERM) == 0
    saved = json.loads(meters.read_text())["heat_pumps"][0]
    assert saved["meter_heat_kwh"] >= 1234.5 and saved["meter_elec_unit_kwh"] >= 456.7


def test_a_meters_file_that_is_not_one_is_refused_and_kept(tmp_path: Path) -> None:
    meters = tmp_path / "meters.json"
    meters.write_text("{not json")
    result = subprocess.run([sys.executable, "-m", "tools.simulator", "--port", "0", "--meters", str(meters)],
                            cwd=REPO, capture_output=True, text=True, check=False, timeout=30)  # fmt: skip
    assert result.returncode == 2
    assert f"{meters}: not a meters file" in result.stderr
    assert meters.read_text() == "{not json"
