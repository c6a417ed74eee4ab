"""Event-loop cost of one poll of a 30-device plant inside Home Assistant (run by scripts/bench).

Run with pytest (it borrows the test harness's Home Assistant):
``pytest tools/bench_ha_poll.py -p no:cacheprovider --no-cov -q -s``. The
simulator runs in its own process at 10x speed and the hub is polled once a
second, so each poll sees 10 s of plant time (the default scan interval).
A second run polls the hub and the plant's five heat pumps (each bound to its
heat meter, meters and controller, its operating mode included; set
``ASHP_BENCH_MODES=0`` to leave the mode out): the heat-pump accounting per poll.
``time.process_time`` counts this process's CPU, user and kernel (the
loopback TCP stack included); ``ru_utime`` the user-space part alone, the
event loop's own work. Waiting for the network is in neither. Prints one
JSON line.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry  # type: ignore[import-untyped]

from custom_components.ashp_cop.const import CONF_PROFILE, CONF_UNIT_ID, DOMAIN, SUBENTRY_DEVICE
from tools.simulator.devices import LAYOUT, unit_id

HEAT_PUMPS = 5
POLLS = 20
# role -> (device offset, value key) of each heat pump (tools/simulator/devices.py LAYOUT)
HEAT_PUMP_ROLES = {
    "flow_temp_c": (1, "flow_temp_c"), "return_temp_c": (1, "return_temp_c"), "flow_m3h": (1, "flow_m3h"),
    "heat_energy_kwh": (1, "heat_energy_kwh"), "elec_power_w": (2, "power_w"),
    "elec_energy_kwh": (2, "import_energy_kwh"), "backup_energy_kwh": (3, "import_energy_kwh"),
    "pump_energy_kwh": (4, "import_energy_kwh"), "outdoor_temp_c": (6, "outdoor_temp_c"),
    "defrost": (6, "defrost_active"), "operating_mode": (6, "operating_mode"),
}  # fmt: skip
MODE_MAP = {"off": "off", "heating": "space_heating", "hot_water": "hot_water", "defrost": "unchanged",
            "cooling": "cooling"}  # fmt: skip
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
        hass.loop.set_debug(False)  # the test harness runs asyncio in debug mode; production does not
        cpu, user = await _polls([coordinator])
        entities = len(hass.states.async_entity_ids())
        report = {"ha_poll_devices": len(coordinator.devices), "ha_poll_cpu_ms": round(cpu / POLLS * 1000, 2),
                  "ha_poll_user_cpu_ms": round(user / POLLS * 1000, 2),
                  "ha_entities": entities, "ha_state_writes_per_poll": round(writes / POLLS, 1)}  # fmt: skip
        heat_pumps = await _heat_pumps(hass, modes=os.environ.get("ASHP_BENCH_MODES", "1") != "0")
        cpu, user = await _polls([coordinator, *(hp.runtime_data for hp in heat_pumps)])
        report |= {"ha_poll_with_heat_pumps_cpu_ms": round(cpu / POLLS * 1000, 2),
                   "ha_poll_with_heat_pumps_user_cpu_ms": round(user / POLLS * 1000, 2)}  # fmt: skip
        print(json.dumps(report))
        for hp in heat_pumps:
            assert await hass.config_entries.async_unload(hp.entry_id)
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)


async def _polls(coordinators: list[Any]) -> tuple[float, float]:
    """CPU and user CPU (s) of POLLS polls of the coordinators, one after the other, a second apart."""
    cpu = user = 0.0
    hass = coordinators[0].hass
    for _ in range(POLLS):
        time.sleep(1.0)  # 10 s of plant time between polls: the default scan interval
        started, started_user = time.process_time(), resource.getrusage(resource.RUSAGE_SELF).ru_utime
        for coordinator in coordinators:
            await coordinator.async_refresh()
        await hass.async_block_till_done()
        cpu += time.process_time() - started
        user += resource.getrusage(resource.RUSAGE_SELF).ru_utime - started_user
    return cpu, user


async def _heat_pumps(hass: HomeAssistant, *, modes: bool) -> list[MockConfigEntry]:
    """A heat pump entry per simulated unit, bound to its own devices' values (its own timer never fires)."""
    registry = er.async_get(hass)
    entries = []
    for n in range(HEAT_PUMPS):
        roles = {}
        for role, (offset, key) in HEAT_PUMP_ROLES.items():
            if role == "operating_mode" and not modes:
                continue
            domain = "binary_sensor" if role == "defrost" else "sensor"
            entity_id = registry.async_get_entity_id(domain, DOMAIN, f"d{unit_id(n, offset)}_{key}")
            assert entity_id is not None, (role, key)
            roles[role] = entity_id
        data = {"entry_type": "heat_pump", "roles": roles, "scan_interval": 24 * 3600, "running_threshold_w": 100,
                **({"mode_map": MODE_MAP} if modes else {})}  # fmt: skip
        entry = MockConfigEntry(domain=DOMAIN, title=f"Heat pump {n + 1}", data=data)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        entries.append(entry)
    await hass.async_block_till_done()
    return entries
