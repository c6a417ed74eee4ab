"""Modbus figures for ``scripts/bench``: requests per scan and serial-bus scan time.

A plant of 30 devices (five heat pumps of six devices each, the shipped
profiles) is served by the simulator on 127.0.0.1 and read through the real
hub, once with the read planner and once the way per-sensor YAML set-ups poll
(one request per value). For the serial case the simulator holds every frame
for its wire time at 9600 baud 8E1; the wire-time limit is worked out from the
plan alone: every request and answer's bytes plus the 3.5-character silence
after each, at 11 bits a character (Modbus over serial line v1.02, 2.5.1).
"""

from __future__ import annotations

import asyncio
import math
import socket
import subprocess
import sys
import time

from custom_components.ashp_cop.modbus.hub import ModbusHub
from custom_components.ashp_cop.modbus.planner import ReadBlock
from custom_components.ashp_cop.modbus.settings import HubSettings, Transport
from tools.simulator.devices import LAYOUT, add_plant_devices
from tools.simulator.server import BITS_PER_CHARACTER, ModbusServer, PlantSimulator

HEAT_PUMPS = 5
BAUD = 9600
RTU_REQUEST_BYTES = 8  # unit, function, address (2), count (2), CRC (2)


def rtu_response_bytes(block: ReadBlock) -> int:
    data = math.ceil(block.count / 8) if block.table.is_bits else 2 * block.count
    return 3 + data + 2  # unit, function, byte count, data, CRC


def wire_time_s(blocks: list[ReadBlock], baud: int) -> float:
    characters = sum(RTU_REQUEST_BYTES + rtu_response_bytes(b) + 2 * 3.5 for b in blocks)
    return characters * BITS_PER_CHARACTER / baud


async def _scan(transport: Transport, *, merge: bool, baud: int | None = None) -> tuple[int, float, float]:
    """(requests, seconds, wire-time limit) of one scan of the whole plant."""
    sim = PlantSimulator(HEAT_PUMPS, seed=1)
    server = ModbusServer(sim, rtu=transport is Transport.RTU_OVER_TCP, baud=baud)
    await server.start_tcp()
    hub = ModbusHub(HubSettings(transport, host="127.0.0.1", port=server.port, timeout_s=5.0, retries=0))
    try:
        add_plant_devices(hub, HEAT_PUMPS, merge=merge)
        await hub.connect()
        await hub.scan()  # warm-up: connection, caches
        blocks = [b for d in hub.devices.values() for b in d.plan()]
        before = sim.requests
        started = time.perf_counter()
        scans = await hub.scan()
        elapsed = time.perf_counter() - started
        assert all(s.available and not s.errors for s in scans.values()), "simulator plant must read cleanly"
        return sim.requests - before, elapsed, wire_time_s(blocks, baud or BAUD)
    finally:
        hub.close()
        await server.close()


async def _scan_cpu_ms(scans: int = 50) -> float:
    """Event-loop (CPU) time of one scan of the 30-device plant, the simulator in its own process.

    process_time counts only this process's CPU, so waiting for the network is
    left out, as the target asks ("apart from waiting for the network").
    """
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "tools.simulator", "--port", str(port), "--heat-pumps", str(HEAT_PUMPS)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        server.stdout.readline()  # the banner: it listens
        hub = ModbusHub(HubSettings(Transport.TCP, host="127.0.0.1", port=port, timeout_s=5.0, retries=0))
        add_plant_devices(hub, HEAT_PUMPS)
        await hub.connect()
        await hub.scan()
        started = time.process_time()
        for _ in range(scans):
            await hub.scan()
        hub.close()
        return (time.process_time() - started) / scans * 1000
    finally:
        server.terminate()
        server.wait(timeout=10)


async def _report() -> dict[str, object]:
    planned, planned_s, _ = await _scan(Transport.TCP, merge=True)
    per_value, per_value_s, _ = await _scan(Transport.TCP, merge=False)
    _, rtu_s, rtu_limit_s = await _scan(Transport.RTU_OVER_TCP, merge=True, baud=BAUD)
    _, rtu_per_value_s, _ = await _scan(Transport.RTU_OVER_TCP, merge=False, baud=BAUD)
    return {
        "devices": HEAT_PUMPS * len(LAYOUT),
        "planned_transactions_per_scan": planned,
        "per_value_transactions_per_scan": per_value,
        "transaction_reduction": round(per_value / planned, 2),
        "tcp_planned_scan_ms": round(planned_s * 1000, 1),
        "tcp_per_value_scan_ms": round(per_value_s * 1000, 1),
        "rtu_9600_scan_s": round(rtu_s, 3),
        "rtu_9600_wire_limit_s": round(rtu_limit_s, 3),
        "rtu_9600_ratio": round(rtu_s / rtu_limit_s, 3),
        "rtu_9600_per_value_scan_s": round(rtu_per_value_s, 3),
        "scan_30_devices_cpu_ms": round(await _scan_cpu_ms(), 2),
    }


def modbus_report() -> dict[str, object]:
    return asyncio.run(_report())
