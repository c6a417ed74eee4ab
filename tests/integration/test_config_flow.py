"""Every path of the hub flow and the device subentry flow, errors and recovery included."""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import Any

import pytest
import yaml
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT, CONF_SCAN_INTERVAL, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import selector
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ashp_cop import config_flow
from custom_components.ashp_cop import coordinator as coordinator_module
from custom_components.ashp_cop.config_flow import CONF_PROBE_UNIT, register_map_object, register_map_text
from custom_components.ashp_cop.const import (
    CONF_BAUDRATE,
    CONF_BYTESIZE,
    CONF_CT_PRIMARY,
    CONF_PARITY,
    CONF_PROFILE,
    CONF_REGISTER_MAP,
    CONF_RETRIES,
    CONF_SERIAL_PORT,
    CONF_STOPBITS,
    CONF_TIMEOUT,
    CONF_TRANSPORT,
    CONF_UNIT_ID,
    DOMAIN,
    SUBENTRY_DEVICE,
)
from custom_components.ashp_cop.modbus import probe
from custom_components.ashp_cop.modbus.serial_port import PortProblem
from tests.integration.conftest import (
    hub_data,
    plant_hub_entry,
    plant_subentries,
    setup_entry,
    start_subentry_reconfigure_flow,
)
from tools.simulator.devices import LAYOUT
from tools.simulator.server import ModbusServer, PlantSimulator

# Talks Modbus to the simulator: run again against the newest pymodbus.
pytestmark = pytest.mark.modbus

Plant = tuple[PlantSimulator, ModbusServer]
NETWORK = {CONF_SCAN_INTERVAL: 10, CONF_TIMEOUT: 0.3, CONF_RETRIES: 0}
PROBE = {CONF_PROBE_UNIT: 11}  # the connection test asks the simulated heat meter (nothing answers unit 1)


async def _start_hub_flow(hass: HomeAssistant, transport: str) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU and result["menu_options"] == ["hub", "heat_pump", "plant"]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "hub"})
    assert result["type"] is FlowResultType.FORM and result["step_id"] == "hub"
    return await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_TRANSPORT: transport})  # type: ignore[return-value]


async def test_tcp_hub_after_a_failed_connection(hass: HomeAssistant, plant: Plant, unused_tcp_port: int) -> None:
    _, server = plant
    result = await _start_hub_flow(hass, "tcp")
    assert result["step_id"] == "network"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: unused_tcp_port, **NETWORK}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    assert f"cannot connect to tcp://127.0.0.1:{unused_tcp_port}" in result["description_placeholders"]["error"]

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: " 127.0.0.1 ", CONF_PORT: float(server.port), **NETWORK, **PROBE}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"tcp://127.0.0.1:{server.port}"
    assert result["data"] == {"entry_type": "hub", CONF_TRANSPORT: "tcp", CONF_HOST: "127.0.0.1",
                              CONF_PORT: server.port, **NETWORK}  # fmt: skip
    assert result["result"].unique_id == f"127.0.0.1:{server.port}"
    await hass.async_block_till_done()  # the new entry sets up (a test ending mid-set-up fails at teardown)
    assert result["result"].state is ConfigEntryState.LOADED


async def test_the_same_hub_twice_is_refused(hass: HomeAssistant, plant: Plant) -> None:
    _, server = plant
    MockConfigEntry(domain=DOMAIN, unique_id=f"127.0.0.1:{server.port}", data={}).add_to_hass(hass)
    result = await _start_hub_flow(hass, "rtu_over_tcp")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: server.port, **NETWORK, **PROBE}
    )
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "already_configured"


async def test_invalid_setting_is_named(hass: HomeAssistant) -> None:
    result = await _start_hub_flow(hass, "udp")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "  ", CONF_PORT: 502, **NETWORK}
    )
    assert result["errors"] == {"base": "invalid_setting"}
    assert result["description_placeholders"]["error"] == "host: a network hub needs a host name or address"


async def test_serial_hub_missing_port_then_a_real_line(hass: HomeAssistant, tmp_path: Any) -> None:
    sim = PlantSimulator(1, seed=1, speed=0.0)
    server = ModbusServer(sim, rtu=True)
    pty = server.start_pty()
    try:
        result = await _start_hub_flow(hass, "serial")
        assert result["step_id"] == "serial"
        line = {CONF_BAUDRATE: "9600", CONF_PARITY: "none", CONF_STOPBITS: "1", CONF_BYTESIZE: "8", **NETWORK}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_SERIAL_PORT: str(tmp_path / "ttyUSB7"), **line}
        )
        assert result["errors"] == {"base": "port_missing"}
        assert result["description_placeholders"]["error"].startswith(f"{tmp_path / 'ttyUSB7'} does not exist")
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_SERIAL_PORT: pty, **line})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"][CONF_BAUDRATE] == 9600 and result["data"][CONF_PARITY] == "none"
        assert result["result"].unique_id == pty
        assert await hass.config_entries.async_unload(result["result"].entry_id)
    finally:
        await server.close()


async def test_reconfigure_moves_the_hub_and_keeps_its_entities(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    await setup_entry(hass, hub_entry)
    before = {e.entity_id: e.unique_id for e in er.async_entries_for_config_entry(entity_registry, hub_entry.entry_id)}
    moved = ModbusServer(PlantSimulator(1, seed=1, speed=0.0))
    await moved.start_tcp()
    try:
        result = await hub_entry.start_reconfigure_flow(hass)
        assert result["step_id"] == "network"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: moved.port, **NETWORK}
        )
        assert result["type"] is FlowResultType.ABORT and result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done()
        assert hub_entry.data[CONF_PORT] == moved.port
        assert hub_entry.unique_id == f"127.0.0.1:{moved.port}"
        assert hub_entry.state is ConfigEntryState.LOADED
        after = {
            e.entity_id: e.unique_id for e in er.async_entries_for_config_entry(entity_registry, hub_entry.entry_id)
        }
        assert after == before
        assert await hass.config_entries.async_unload(hub_entry.entry_id)
    finally:
        await moved.close()


async def test_reconfigure_changes_the_transport_and_keeps_the_devices(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """README: a transparent serial gateway needs RTU over TCP; that meant deleting the hub and its devices."""
    await setup_entry(hass, hub_entry)
    before = {e.entity_id: e.unique_id for e in er.async_entries_for_config_entry(entity_registry, hub_entry.entry_id)}
    gateway = ModbusServer(PlantSimulator(1, seed=1, speed=0.0), rtu=True)  # RTU frames over a TCP socket
    await gateway.start_tcp()
    try:
        result = await hub_entry.start_reconfigure_flow(hass)
        assert result["step_id"] == "network" and result["data_schema"]({})[CONF_TRANSPORT] == "tcp"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_HOST: "127.0.0.1", CONF_PORT: gateway.port, CONF_TRANSPORT: "rtu_over_tcp", **NETWORK},
        )
        assert result["type"] is FlowResultType.ABORT and result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done()
        assert hub_entry.data[CONF_TRANSPORT] == "rtu_over_tcp" and hub_entry.state is ConfigEntryState.LOADED
        after = {
            e.entity_id: e.unique_id for e in er.async_entries_for_config_entry(entity_registry, hub_entry.entry_id)
        }
        assert after == before and len(hub_entry.subentries) == len(LAYOUT)
        assert await hass.config_entries.async_unload(hub_entry.entry_id)
    finally:
        await gateway.close()


async def test_reconfigure_onto_another_hub_is_refused(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry
) -> None:
    await setup_entry(hass, hub_entry)
    other = ModbusServer(PlantSimulator(1, seed=1, speed=0.0))
    await other.start_tcp()
    MockConfigEntry(domain=DOMAIN, unique_id=f"127.0.0.1:{other.port}", data={}).add_to_hass(hass)
    try:
        result = await hub_entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: other.port, **NETWORK}
        )
        assert result["type"] is FlowResultType.ABORT and result["reason"] == "already_configured"
        assert hub_entry.data[CONF_PORT] != other.port
    finally:
        await other.close()


async def _device_flow(hass: HomeAssistant, entry: MockConfigEntry, **user: Any) -> dict[str, Any]:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_DEVICE), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM and result["step_id"] == "user"
    return await hass.config_entries.subentries.async_configure(result["flow_id"], user)  # type: ignore[return-value]


async def test_add_a_device_after_a_wrong_unit_id(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry
) -> None:
    await setup_entry(hass, hub_entry)
    result = await _device_flow(
        hass, hub_entry, **{CONF_NAME: "Meter", CONF_UNIT_ID: 12, CONF_PROFILE: "eastron_sdm120"}
    )
    assert result["errors"] == {CONF_UNIT_ID: "unit_id_in_use"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Meter", CONF_UNIT_ID: 99, CONF_PROFILE: "eastron_sdm120"}
    )
    assert result["errors"] == {"base": "device_not_answering"}
    assert result["description_placeholders"]["error"].startswith("unit 99: no answer")
    # a second heat pump's backup meter, added to the simulator meanwhile
    sim, _ = plant
    sim.devices[23] = sim.devices[13]
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Second meter", CONF_UNIT_ID: 23, CONF_PROFILE: "eastron_sdm120"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    subentry = next(s for s in hub_entry.subentries.values() if s.title == "Second meter")
    assert subentry.data == {CONF_UNIT_ID: 23, CONF_PROFILE: "eastron_sdm120"} and subentry.unique_id == "23"
    assert hass.states.get("sensor.second_meter_power") is not None


async def test_add_a_device_names_garbled_answers_as_line_settings_or_termination(
    hass: HomeAssistant, rtu_plant: Plant
) -> None:
    """Issue 20: CRC errors are named in the device flow (on main: only in the scan summary and repair issues)."""
    sim, server = rtu_plant
    entry = plant_hub_entry(server.port, **{CONF_TRANSPORT: "rtu_over_tcp"})
    await setup_entry(hass, entry)
    sim.devices[23] = sim.devices[13]  # a second backup-heater meter on the line
    sim.faults.corrupt.add(23)  # every answer garbled: its baud rate or parity differs from the hub's
    meter = {CONF_NAME: "Second meter", CONF_UNIT_ID: 23, CONF_PROFILE: "eastron_sdm120"}
    result = await _device_flow(hass, entry, **meter)
    assert result["errors"] == {"base": "line_settings"}
    assert result["description_placeholders"]["error"] == "unit 23: 3 of 3 answers failed their CRC check"

    sim.faults.corrupt.clear()
    sim.faults.noisy.add(23)  # every other answer garbled: reflections on an unterminated line
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], meter)
    assert result["errors"] == {"base": "line_noise"}
    garbled, _, answers = result["description_placeholders"]["error"].removeprefix("unit 23: ").split()[:3]
    assert 0 < int(garbled) < int(answers)
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], meter)  # added as it is
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert any(s.unique_id == "23" for s in entry.subentries.values())
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_add_a_device_with_its_own_register_map(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    await setup_entry(hass, hub_entry)
    loop_thread = threading.get_ident()
    parsed_in: list[str] = []
    parse = coordinator_module.parse_register_map

    def spy(text: str, **kwargs: Any) -> Any:
        parsed_in.append("loop" if threading.get_ident() == loop_thread else "executor")
        return parse(text, **kwargs)

    monkeypatch.setattr(coordinator_module, "parse_register_map", spy)
    result = await _device_flow(hass, hub_entry, **{CONF_NAME: "Own meter", CONF_UNIT_ID: 30, CONF_PROFILE: "custom"})
    assert result["step_id"] == "register_map"
    # the frontend's YAML code editor (an object selector; a proportional-font textarea before), showing the
    # template to start from
    field = next(key for key in result["data_schema"].schema if key == CONF_REGISTER_MAP)
    assert isinstance(result["data_schema"].schema[field], selector.ObjectSelector)
    assert result["data_schema"]({})[CONF_REGISTER_MAP]["name"] == "generic_heat_meter"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_REGISTER_MAP: "name: own\nvalues: {power_w: {address: 70000}}"}
    )
    assert result["errors"] == {CONF_REGISTER_MAP: "invalid_register_map"}
    assert result["description_placeholders"]["error"] == (
        "register map: values.power_w.address: 70000 is outside 0 to 65535"
    )
    twice = "name: own\nvalues:\n  power_w: {address: 0x34}\n  power_w: {address: 0x36}\n"
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {CONF_REGISTER_MAP: twice})
    assert result["description_placeholders"]["error"] == (
        "register map: line 4: key 'power_w' is given twice (first on line 3)"  # was merged silently
    )
    own = "name: own\ndefaults: {table: input, data_type: float32}\nvalues: {power_w: {address: 0x34, unit: W}}"
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {CONF_REGISTER_MAP: own})
    assert result["errors"] == {"base": "device_not_answering"}  # a valid map, but nothing answers at unit 30 yet
    assert result["description_placeholders"]["error"].startswith("unit 30: no answer")
    sim, _ = plant
    sim.devices[30] = sim.devices[12]
    # the editor sends the parsed YAML; unchanged, the map is stored as typed (hexadecimal addresses kept)
    shown = result["data_schema"]({})[CONF_REGISTER_MAP]
    assert shown == yaml.safe_load(own)
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {CONF_REGISTER_MAP: shown})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_REGISTER_MAP] == own
    # Each pasted map was parsed in an executor thread, never in the event loop (check and probe, each time).
    assert len(parsed_in) >= 6 and set(parsed_in) == {"executor"}
    monkeypatch.undo()
    await hass.async_block_till_done()
    power = hass.states.get("sensor.own_meter_power")
    assert power is not None
    assert float(power.state) == pytest.approx(sim.plant.heat_pumps[0].state.elec_unit_w, abs=0.051)


def test_an_edited_register_map_is_stored_as_yaml_text_and_an_unchanged_one_as_typed() -> None:
    typed = "# my meter\nname: own\nvalues: {power_w: {address: 0x34, unit: W}}\n"
    edited = yaml.safe_load(typed) | {"title": "Own meter"}
    stored = register_map_text(edited, typed)
    assert yaml.safe_load(stored) == edited and "0x34" not in stored  # the editor's YAML: no comment, no hex
    assert register_map_text(yaml.safe_load(typed), typed) == typed
    assert register_map_text("name: x", typed) == "name: x"  # a text is taken as it is
    assert register_map_object("values: [") == "values: ["  # a map that does not parse is shown as its text


async def test_reconfigure_a_device_keeps_its_entities(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    await setup_entry(hass, hub_entry)
    result = await start_subentry_reconfigure_flow(hass, hub_entry, "device_13")
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Immersion heater", CONF_UNIT_ID: 13, CONF_PROFILE: "eastron_sdm230"}
    )
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert hub_entry.subentries["device_13"].title == "Immersion heater"
    assert hub_entry.subentries["device_13"].data[CONF_PROFILE] == "eastron_sdm230"
    entity = entity_registry.async_get("sensor.backup_heater_electricity_power")
    assert entity is not None and entity.unique_id == "device_13_power_w"


async def test_a_device_is_added_to_a_hub_that_is_not_loaded_and_read_when_it_is(
    hass: HomeAssistant, unused_tcp_port: int
) -> None:
    hub = MockConfigEntry(domain=DOMAIN, unique_id=f"127.0.0.1:{unused_tcp_port}", data=hub_data(unused_tcp_port))
    hub.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(hub.entry_id)
    assert hub.state is ConfigEntryState.SETUP_RETRY
    result = await _device_flow(hass, hub, **{CONF_NAME: "Meter", CONF_UNIT_ID: 5, CONF_PROFILE: "eastron_sdm120"})
    assert result["type"] is FlowResultType.CREATE_ENTRY  # nothing to read it through now: checked when the hub loads
    assert next(iter(hub.subentries.values())).data == {CONF_UNIT_ID: 5, CONF_PROFILE: "eastron_sdm120"}
    await hass.config_entries.async_unload(hub.entry_id)


async def test_reconfigure_a_serial_hub_shows_its_line_settings(hass: HomeAssistant) -> None:
    server = ModbusServer(PlantSimulator(1, seed=1, speed=0.0), rtu=True)
    pty = server.start_pty()
    line = {CONF_BAUDRATE: "9600", CONF_PARITY: "none", CONF_STOPBITS: "1", CONF_BYTESIZE: "8", **NETWORK}
    data = {"entry_type": "hub", CONF_TRANSPORT: "serial", CONF_SERIAL_PORT: pty, **line}
    hub = MockConfigEntry(domain=DOMAIN, unique_id=pty, title=f"serial://{pty}", data=data)
    hub.add_to_hass(hass)
    try:
        result = await hub.start_reconfigure_flow(hass)
        assert result["step_id"] == "serial"
        assert result["data_schema"]({})[CONF_SERIAL_PORT] == pty and result["data_schema"]({})[CONF_PARITY] == "none"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_SERIAL_PORT: pty, **line, CONF_TIMEOUT: 0.5}
        )
        assert result["type"] is FlowResultType.ABORT and result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done()
        assert hub.data[CONF_TIMEOUT] == 0.5 and hub.data[CONF_BAUDRATE] == 9600 and hub.unique_id == pty
        await hass.config_entries.async_unload(hub.entry_id)
    finally:
        await server.close()


async def test_home_assistants_own_web_port_is_not_a_modbus_hub(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    assert await async_setup_component(hass, "http", {})
    web = await hass_client_no_auth()  # Home Assistant's own web server, on a free port of 127.0.0.1
    for transport in ("tcp", "rtu_over_tcp"):
        result = await _start_hub_flow(hass, transport)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: web.port, **NETWORK}
        )
        assert result["type"] is FlowResultType.FORM and result["errors"] == {"base": "not_modbus"}
        assert result["description_placeholders"]["error"] == (
            f"{transport}://127.0.0.1:{web.port} answered, but not in Modbus: 'HTTP/1.0 400 Bad Request' (a web server)"
        )
        hass.config_entries.flow.async_abort(result["flow_id"])


async def test_udp_without_an_answer_is_refused(hass: HomeAssistant, unused_udp_port: int) -> None:
    result = await _start_hub_flow(hass, "udp")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: unused_udp_port, **NETWORK}
    )
    assert result["errors"] == {"base": "no_answer"}
    assert result["description_placeholders"]["error"] == (
        f"no Modbus answer from unit 1 at udp://127.0.0.1:{unused_udp_port} within 0.3 s; "
        "over UDP only an answer proves a server"
    )


async def test_a_gateway_is_proven_by_its_exception_answer_and_silence_names_the_unit(
    hass: HomeAssistant, plant: Plant
) -> None:
    sim, server = plant
    result = await _start_hub_flow(hass, "tcp")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: "127.0.0.1", CONF_PORT: server.port, **NETWORK},  # asks unit 1: nobody there
    )
    assert result["errors"] == {"base": "no_answer"}
    assert result["description_placeholders"]["error"].startswith(
        f"tcp://127.0.0.1:{server.port} accepts connections, but no Modbus answer came from unit 1 within 0.3 s"
    )
    sim.faults.exceptions[11] = 11  # "gateway target device failed to respond": a Modbus gateway answered
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: server.port, **NETWORK, **PROBE}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_PROBE_UNIT not in result["data"]
    await hass.async_block_till_done()  # the new entry sets up (a test ending mid-set-up fails at teardown)
    assert result["result"].state is ConfigEntryState.LOADED


async def test_the_same_hub_under_another_name_is_refused(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry
) -> None:
    _, server = plant
    hub_entry.add_to_hass(hass)
    requests = plant[0].requests
    result = await _start_hub_flow(hass, "tcp")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "localhost", CONF_PORT: server.port, **NETWORK}
    )
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "same_hub"
    assert result["description_placeholders"] == {"hub": "tcp://127.0.0.1", "address": f"tcp://localhost:{server.port}"}
    assert plant[0].requests == requests  # refused before anything was sent


async def test_a_loaded_serial_hub_changes_its_line_settings(hass: HomeAssistant) -> None:
    server = ModbusServer(PlantSimulator(1, seed=1, speed=0.0), rtu=True)
    pty = server.start_pty()
    line = {CONF_BAUDRATE: 9600, CONF_PARITY: "none", CONF_STOPBITS: 1, CONF_BYTESIZE: 8}
    entry = MockConfigEntry(
        domain=DOMAIN, title=pty, unique_id=pty, subentries_data=plant_subentries(),  # type: ignore[arg-type]
        data={"entry_type": "hub", CONF_TRANSPORT: "serial", CONF_SERIAL_PORT: pty, **line, **NETWORK},
    )  # fmt: skip
    try:
        await setup_entry(hass, entry)
        assert hass.states.get("sensor.heat_meter_flow_temperature").state != STATE_UNAVAILABLE  # type: ignore[union-attr]
        form = {CONF_SERIAL_PORT: pty, CONF_BAUDRATE: "9600", CONF_STOPBITS: "1", CONF_BYTESIZE: "8", **NETWORK}

        result = await entry.start_reconfigure_flow(hass)
        assert result["step_id"] == "serial"
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {**form, CONF_PARITY: "even"})
        assert result["errors"] == {"base": "cannot_connect"}  # a pseudo-terminal refuses parity bits
        assert result["description_placeholders"]["error"].startswith(f"cannot connect to {pty} (9600 8E1): ")
        await entry.runtime_data.async_refresh()  # the loaded hub reads on, with its own settings
        assert entry.runtime_data.last_update_success

        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {**form, CONF_PARITY: "none", CONF_BAUDRATE: "19200"}
        )
        assert result["type"] is FlowResultType.ABORT and result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED and entry.data[CONF_BAUDRATE] == 19200
        assert entry.runtime_data.hub.settings.describe == f"{pty} (19200 8N1)"
        assert hass.states.get("sensor.heat_meter_flow_temperature").state != STATE_UNAVAILABLE  # type: ignore[union-attr]
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await server.close()


async def test_a_serial_port_held_by_another_process_is_refused_naming_it(hass: HomeAssistant) -> None:
    sim = PlantSimulator(1, seed=1, speed=0.0)
    server = ModbusServer(sim, rtu=True)
    pty = server.start_pty()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import os, sys, time; os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY); "
         "print('open', flush=True); time.sleep(60)", pty],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        result = await _start_hub_flow(hass, "serial")
        line = {CONF_BAUDRATE: "9600", CONF_PARITY: "none", CONF_STOPBITS: "1", CONF_BYTESIZE: "8", **NETWORK}
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_SERIAL_PORT: pty, **line})
        assert result["errors"] == {"base": "port_busy"}
        assert f"{pty} is held by another process: python" in result["description_placeholders"]["error"]
        assert f"(pid {holder.pid})" in result["description_placeholders"]["error"]
        holder.kill()
        holder.wait()
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_SERIAL_PORT: pty, **line})
        assert result["type"] is FlowResultType.CREATE_ENTRY  # the other program stopped: the port is ours
        assert await hass.config_entries.async_unload(result["result"].entry_id)
    finally:
        holder.kill()
        holder.wait()
        await server.close()


@pytest.mark.parametrize(("hassio", "error"), [(True, "port_permission_os"), (False, "port_permission_container")])
async def test_permission_denied_says_what_to_do_where_home_assistant_runs(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch, hassio: bool, error: str
) -> None:
    # Root (the test harness) may open any port: the refusal a user meets is reproduced for real in
    # tests/modbus/test_serial_port.py (a process of another user); here only the flow's wording is checked.
    denied = PortProblem("port_permission", "permission denied on /dev/ttyUSB0 (owned by group dialout)", "dialout")
    monkeypatch.setattr(probe, "port_problem", lambda path: denied)
    monkeypatch.setattr(config_flow, "is_hassio", lambda hass: hassio)
    result = await _start_hub_flow(hass, "serial")
    line = {CONF_BAUDRATE: "9600", CONF_PARITY: "none", CONF_STOPBITS: "1", CONF_BYTESIZE: "8", **NETWORK}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERIAL_PORT: "/dev/ttyUSB0", **line}
    )
    assert result["errors"] == {"base": error}
    assert result["description_placeholders"]["error"] == denied.message


async def test_a_meter_s_current_transformers_are_kept_with_the_device(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry
) -> None:
    sim, _ = plant
    sim.devices[22] = sim.devices[12]
    await setup_entry(hass, hub_entry)
    user = {CONF_NAME: "Second unit meter", CONF_UNIT_ID: 22, CONF_PROFILE: "eastron_sdm630", CONF_CT_PRIMARY: 100.0}
    result = await _device_flow(hass, hub_entry, **user)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    subentry = next(s for s in hub_entry.subentries.values() if s.unique_id == "22")
    assert subentry.data == {CONF_UNIT_ID: 22, CONF_PROFILE: "eastron_sdm630", CONF_CT_PRIMARY: 100}
    assert hub_entry.runtime_data.ct_primary_a[subentry.subentry_id] == 100.0
