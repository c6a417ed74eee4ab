"""Repair issues from a hub's traffic: garbled answers (line settings, termination) and a CT mounted backwards."""

from __future__ import annotations

import pytest
from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ashp_cop.const import (
    CONF_BAUDRATE,
    CONF_BYTESIZE,
    CONF_CT_PRIMARY,
    CONF_PARITY,
    CONF_RETRIES,
    CONF_SERIAL_PORT,
    CONF_STOPBITS,
    CONF_TIMEOUT,
    CONF_TRANSPORT,
    DOMAIN,
)
from custom_components.ashp_cop.coordinator import HEALTH_ISSUE
from custom_components.ashp_cop.hub_health import CT_MIN_RUNNING_POLLS, NEGATIVE_POLLS
from tests.integration.conftest import hub_data, plant_hub_entry, plant_subentries, setup_entry
from tools.simulator.server import ModbusServer, PlantSimulator

pytestmark = pytest.mark.modbus
Plant = tuple[PlantSimulator, ModbusServer]


async def _polls(entry: MockConfigEntry, count: int) -> None:
    for _ in range(count):
        await entry.runtime_data.async_refresh()


def _issue(registry: ir.IssueRegistry, entry: MockConfigEntry, key: str) -> ir.IssueEntry | None:
    return registry.async_get_issue(DOMAIN, f"{HEALTH_ISSUE}{entry.entry_id}_{key}")


async def test_a_backwards_current_transformer_is_named_per_phase(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry, issue_registry: ir.IssueRegistry
) -> None:
    sim, _ = plant
    while sim.plant.heat_pumps[0].state.elec_unit_w < 300:  # the outdoor unit running, its phases well above 20 W
        sim.advance(300)
    await setup_entry(hass, hub_entry)
    await _polls(hub_entry, NEGATIVE_POLLS)
    assert not [i for (d, i) in issue_registry.issues if d == DOMAIN and i.startswith(HEALTH_ISSUE)]

    sim.faults.reversed_ct.add(12)  # the SDM630 on the outdoor unit
    await _polls(hub_entry, NEGATIVE_POLLS - 1)
    assert _issue(issue_registry, hub_entry, "ct_reversed_device_12_L1") is None  # not on one poll's say-so
    await _polls(hub_entry, 1)
    for phase in ("L1", "L2", "L3"):
        issue = _issue(issue_registry, hub_entry, f"ct_reversed_device_12_{phase}")
        assert issue is not None and issue.translation_key == "ct_reversed"
        assert issue.translation_placeholders is not None
        assert issue.translation_placeholders["meter"] == "Outdoor unit electricity"
        assert issue.translation_placeholders["phase"] == phase
        assert float(issue.translation_placeholders["power"]) < -20
    sim.faults.reversed_ct.clear()  # turned round
    await _polls(hub_entry, 1)
    assert _issue(issue_registry, hub_entry, "ct_reversed_device_12_L1") is None


async def test_garbled_answers_name_the_line_settings_or_the_termination(
    hass: HomeAssistant, rtu_plant: Plant, issue_registry: ir.IssueRegistry
) -> None:
    sim, server = rtu_plant
    # every garbled answer waits out the timeout: 0.15 s (a clean answer takes milliseconds) halves the test
    entry = plant_hub_entry(server.port, **{CONF_TRANSPORT: "rtu_over_tcp", CONF_TIMEOUT: 0.15})
    await setup_entry(hass, entry)
    await _polls(entry, 3)
    assert _issue(issue_registry, entry, "line_settings") is None
    assert _issue(issue_registry, entry, "line_noise") is None

    sim.faults.corrupt.update(range(11, 17))  # every answer garbled: wrong baud rate or parity
    await _polls(entry, 12)
    issue = _issue(issue_registry, entry, "line_settings")
    assert issue is not None and issue.translation_placeholders == {"hub": entry.title}

    sim.faults.corrupt = {13}  # one meter's answers garbled: reflections
    await _polls(entry, 12)
    assert _issue(issue_registry, entry, "line_settings") is None
    noise = _issue(issue_registry, entry, "line_noise")
    assert noise is not None and noise.translation_placeholders is not None
    assert 2 <= int(noise.translation_placeholders["percent"]) < 100

    sim.faults.corrupt.clear()
    await _polls(entry, 12)
    assert _issue(issue_registry, entry, "line_noise") is None
    assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize(("primary_a", "raised"), [(100, True), (20, False)])
async def test_current_transformers_too_large_for_the_load_are_named(
    hass: HomeAssistant, plant: Plant, issue_registry: ir.IssueRegistry, primary_a: int, raised: bool
) -> None:
    sim, server = plant
    while not 1500 < sim.plant.heat_pumps[0].state.elec_unit_w < 3000:  # running: about 2.2 to 4.3 A a phase
        sim.advance(300)
    subentries = plant_subentries()
    for subentry in subentries:
        if subentry["unique_id"] == "12":  # the SDM630 on the outdoor unit, its CTs 100/5 A or 20/5 A
            subentry["data"] = {**subentry["data"], CONF_CT_PRIMARY: primary_a}
    entry = MockConfigEntry(domain=DOMAIN, entry_id="01HEALTHHUB", title="hub", unique_id=f"127.0.0.1:{server.port}",
                            data=hub_data(server.port), subentries_data=subentries)  # type: ignore[arg-type]  # fmt: skip
    await setup_entry(hass, entry)
    await _polls(entry, CT_MIN_RUNNING_POLLS - 2)  # setup polled once: 29 running polls
    assert _issue(issue_registry, entry, "ct_oversized_device_12_L1") is None  # too few yet
    await _polls(entry, 1)
    issue = _issue(issue_registry, entry, "ct_oversized_device_12_L1")
    if not raised:  # 5 % of 20 A is 1 A: the unit draws more
        assert issue is None
        return
    assert issue is not None and issue.translation_placeholders is not None
    assert issue.translation_placeholders["meter"] == "Outdoor unit electricity"
    assert issue.translation_placeholders["primary"] == "100" and issue.translation_placeholders["share"] == "100"
    assert 2 < float(issue.translation_placeholders["median"]) < 5
    for phase in ("L2", "L3"):
        assert _issue(issue_registry, entry, f"ct_oversized_device_12_{phase}") is not None


async def test_a_serial_adapter_unplugged_at_run_time_raises_an_issue_naming_the_port(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry
) -> None:
    server = ModbusServer(PlantSimulator(1, seed=1, speed=0.0), rtu=True)
    pty = server.start_pty()
    line = {CONF_BAUDRATE: 9600, CONF_PARITY: "none", CONF_STOPBITS: 1, CONF_BYTESIZE: 8}
    entry = MockConfigEntry(
        domain=DOMAIN, title=pty, unique_id=pty, subentries_data=plant_subentries(),  # type: ignore[arg-type]
        data={"entry_type": "hub", CONF_TRANSPORT: "serial", CONF_SERIAL_PORT: pty, **line, CONF_SCAN_INTERVAL: 10,
              CONF_TIMEOUT: 0.3, CONF_RETRIES: 0},
    )  # fmt: skip
    try:
        await setup_entry(hass, entry)
        await _polls(entry, 1)
        assert _issue(issue_registry, entry, "serial_port") is None
        await server.close()  # the pseudo-terminal goes away, as a USB adapter does when unplugged
        await _polls(entry, 1)
        issue = _issue(issue_registry, entry, "serial_port")
        assert issue is not None and issue.translation_key == "serial_port_missing"
        assert issue.translation_placeholders is not None
        assert issue.translation_placeholders["error"].startswith(f"{pty} does not exist: the USB adapter is unplugged")
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await server.close()
