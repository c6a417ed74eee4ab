"""Event-loop cost of one poll of a 30-device plant inside Home Assistant (run by scripts/bench).

Run with pytest (it borrows the test harness's Home Assistant):
``pytest tools/bench_ha_poll.py -p no:cacheprovider --no-cov -q -s``. The
simulator runs in its own process at 10x speed and the hub is polled once a
second, so each poll sees 10 s of plant time (the default scan interval).
``time.process_time`` counts this process's CPU, user and kernel (the
loopback TCP stack included); ``ru_utime`` the user-space part alone, the
event loop's own work. Waiting for the network is in neither. Prints one
JSON line.
"""

from __future__ import annotations

import json
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant, callback
from pytest_homeassistant_custom_component.common import MockConfigEntry  # type: ignore[import-untyped]

from custom_components.ashp_cop.const import CONF_PROFILE, CONF_UNIT_ID, DOMAIN, SUBENTRY_DEVICE
from tools.simulator.devices import LAYOUT, unit_id

HEAT_PUMPS = 5
POLLS = 20
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _custom(enable_custom_integrations: None, socket_enabled: None) -> None:
    """Load custom_components; allow loopback sockets."""


async def test_poll_cost(hass: HomeAssistant) -> None:
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    simulator = subprocess.Popen(
        [sys.executable, "-m", "tools.simulator", "--port", str(port), "--heat-pumps", str(HEAT_PUMPS),
         "--speed", "10"], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert simulator.stdout is not None
        simulator.stdout.readline()
        subentries: list[Any] = [
            {"subentry_id": f"d{unit_id(n, o)}", "subentry_type": SUBENTRY_DEVICE, "title": f"{role} {n + 1}",
             "unique_id": str(unit_id(n, o)), "data": {CONF_UNIT_ID: unit_id(n, o), CONF_PROFILE: profile}}
            for n in range(HEAT_PUMPS) for o, profile, role, _ in LAYOUT
        ]  # fmt: skip
        entry = MockConfigEntry(domain=DOMAIN, subentries_data=subentries, data={
            "entry_type": "hub", "transport": "tcp", "host": "127.0.0.1", "port": port, "scan_interval": 10,
            "timeout": 2.0, "retries": 0})  # fmt: skip
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        coordinator = entry.runtime_data
        writes = 0

        @callback
        def count(_: Any) -> None:
            nonlocal writes
            writes += 1

        hass.bus.async_listen("state_changed", count)
        cpu = user = 0.0
        hass.loop.set_debug(False)  # the test harness runs asyncio in debug mode; production does not
        for _ in range(POLLS):
            time.sleep(1.0)  # 10 s of plant time between polls: the default scan interval
            started, started_user = time.process_time(), resource.getrusage(resource.RUSAGE_SELF).ru_utime
            await coordinator.async_refresh()
            await hass.async_block_till_done()
            cpu += time.process_time() - started
            user += resource.getrusage(resource.RUSAGE_SELF).ru_utime - started_user
        entities = len(hass.states.async_entity_ids())
        print(json.dumps({"ha_poll_devices": len(coordinator.devices), "ha_poll_cpu_ms": round(cpu / POLLS * 1000, 2),
                          "ha_poll_user_cpu_ms": round(user / POLLS * 1000, 2),
                          "ha_entities": entities, "ha_state_writes_per_poll": round(writes / POLLS, 1)}))  # fmt: skip
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)
