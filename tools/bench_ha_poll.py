"""Event-loop cost of one poll of a 30-device plant inside Home Assistant (run by scripts/bench).

Run with pytest (it borrows the test harness's Home Assistant):
``pytest tools/bench_ha_poll.py -p no:cacheprovider --no-cov -q -s``. The
simulator runs in its own process at 10x speed and the hub is polled once a
second, so each poll sees 10 s of plant time (the default scan interval).
``time.process_time`` counts this process's CPU, user and kernel (the
loopback TCP stack included); ``ru_utime`` the user-space part alone, the
event loop's own work. Waiting for the network is in neither. Prints one
JSON line.

Beside the hub, each simulated unit is a heat pump entry bound to its devices' values (counters,
temperatures, flags): ``ha_heat_pumps_cpu_ms`` is their accounting per poll (all five together),
the figure the engine's own work per poll shows in. State writes count every write, also one Home
Assistant only reports (the same state again: ``state_reported``).
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
from custom_components.ashp_cop.engine.live import Role
from tools.simulator.devices import LAYOUT, unit_id

HEAT_PUMPS = 5
# (role, device offset, value key) of each heat pump entry; a role this release does not know is left out
HEAT_PUMP_ROLES = (("flow_temp_c", 1, "flow_temp_c"), ("return_temp_c", 1, "return_temp_c"),
                   ("flow_m3h", 1, "flow_m3h"), ("heat_energy_kwh", 1, "heat_energy_kwh"),
                   ("elec_energy_kwh", 2, "import_energy_kwh"), ("elec_power_w", 2, "power_w"),
                   ("backup_energy_kwh", 3, "import_energy_kwh"), ("pump_energy_kwh", 4, "import_energy_kwh"),
                   ("outdoor_temp_c", 6, "outdoor_temp_c"), ("defrost", 6, "defrost_active"),
                   ("compressor_running", 6, "compressor_running"),
                   ("operating_mode", 6, "operating_mode"))  # fmt: skip
# the controller's modes mapped (an operating mode bound: per-mode accounting; ASHP_BENCH_MODES=0 leaves it out)
MODE_MAP = {"off": "off", "heating": "space_heating", "hot_water": "hot_water", "defrost": "unchanged",
            "cooling": "cooling"}  # fmt: skip
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
        entities = len(hass.states.async_entity_ids())  # the hub's
        heat_pumps = [await _heat_pump(hass, n) for n in range(HEAT_PUMPS)]
        writes = heat_pump_writes = 0

        @callback
        def count(_: Any) -> None:
            nonlocal writes
            writes += 1

        hass.bus.async_listen("state_changed", count)
        hass.bus.async_listen("state_reported", count, event_filter=callback(lambda _: True))
        cpu = user = heat_pump_cpu = 0.0
        hass.loop.set_debug(False)  # the test harness runs asyncio in debug mode; production does not
        for _ in range(POLLS):
            time.sleep(1.0)  # 10 s of plant time between polls: the default scan interval
            started, started_user = time.process_time(), resource.getrusage(resource.RUSAGE_SELF).ru_utime
            await coordinator.async_refresh()
            await hass.async_block_till_done()
            cpu += time.process_time() - started
            user += resource.getrusage(resource.RUSAGE_SELF).ru_utime - started_user
            started, hub_writes = time.process_time(), writes
            for heat_pump in heat_pumps:
                await heat_pump.runtime_data.async_refresh()
            await hass.async_block_till_done()
            heat_pump_cpu += time.process_time() - started
            heat_pump_writes += writes - hub_writes
            writes = hub_writes  # the hub's alone
        print(json.dumps({"ha_poll_devices": len(coordinator.devices), "ha_poll_cpu_ms": round(cpu / POLLS * 1000, 2),
                          "ha_poll_user_cpu_ms": round(user / POLLS * 1000, 2),
                          "ha_heat_pumps_cpu_ms": round(heat_pump_cpu / POLLS * 1000, 2),
                          "ha_entities": entities, "ha_state_writes_per_poll": round(writes / POLLS, 1),
                          "ha_heat_pump_state_writes_per_poll": round(heat_pump_writes / POLLS, 1)}))  # fmt: skip
        for heat_pump in heat_pumps:
            assert await hass.config_entries.async_unload(heat_pump.entry_id)
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)


async def _heat_pump(hass: HomeAssistant, n: int) -> MockConfigEntry:
    """Heat pump n, bound to its devices' values on the hub."""
    registry = er.async_get(hass)
    known = {role.value for role in Role}
    if os.environ.get("ASHP_BENCH_MODES", "1") == "0":
        known.discard("operating_mode")
    roles = {}
    for role, offset, key in HEAT_PUMP_ROLES:
        if role in known:
            domain = "binary_sensor" if role in ("defrost", "compressor_running") else "sensor"
            entity_id = registry.async_get_entity_id(domain, DOMAIN, f"d{unit_id(n, offset)}_{key}")
            assert entity_id is not None, (role, key)
            roles[role] = entity_id
    entry = MockConfigEntry(domain=DOMAIN, title=f"Heat pump {n + 1}", data={
        "entry_type": "heat_pump", "roles": roles, "medium": "water", "mass_fraction_pct": 0,
        "meter_position": "return", "flow_temp_offset_k": 0, "return_temp_offset_k": 0, "flow_rate_offset_m3h": 0,
        "running_threshold_w": 100, "rolling_window_min": 5, "scan_interval": 10,
        "backup_in_heat_meter": True, "mode_map": MODE_MAP})  # fmt: skip
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry
