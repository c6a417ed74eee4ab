"""Home Assistant tests: the integration against the simulator on 127.0.0.1, real Modbus layer."""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest.mock import PropertyMock, patch

import pytest
from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigFlowResult, ConfigSubentryFlow, OptionsFlow
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowHandler
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion
from syrupy.location import PyTestLocation

from custom_components.ashp_cop.const import (
    CONF_ENTRY_TYPE,
    CONF_PROFILE,
    CONF_RETRIES,
    CONF_TIMEOUT,
    CONF_TRANSPORT,
    CONF_UNIT_ID,
    DOMAIN,
    ENTRY_HUB,
    SUBENTRY_DEVICE,
)
from custom_components.ashp_cop.entity import EntryFigureEntity
from tools.simulator.devices import LAYOUT, unit_id
from tools.simulator.server import ModbusServer, PlantSimulator

HUB_ENTRY_ID = "01HUBENTRY000000000000000"
STRINGS = json.loads(
    (Path(__file__).resolve().parents[2] / "custom_components" / "ashp_cop" / "strings.json").read_text()
)

# The 2026.x harness logs every SQL statement (INFO); the recorder thread's last ones reach the terminal.
logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None, socket_enabled: None) -> None:
    """Load custom_components/ashp_cop; sockets on for the simulator on 127.0.0.1."""


def _strings_of(flow: FlowHandler[Any, Any, Any]) -> dict[str, Any]:
    if isinstance(flow, ConfigSubentryFlow):
        return STRINGS["config_subentries"][flow.handler[1]]  # type: ignore[no-any-return]
    return STRINGS["options" if isinstance(flow, OptionsFlow) else "config"]  # type: ignore[no-any-return]


def _assert_described(flow: FlowHandler[Any, Any, Any], form: dict[str, Any]) -> None:
    """Every field of the form has a label and a description, every error a text, every placeholder a value."""
    strings = _strings_of(flow)
    step = strings["step"][form["step_id"]]
    shown = step.get("description", "")
    for key in form["data_schema"].schema if form.get("data_schema") is not None else ():
        assert str(key) in step.get("data", {}), f"{form['step_id']}: no label for {key}"
        assert str(key) in step.get("data_description", {}), f"{form['step_id']}: no data_description for {key}"
    for error in (form.get("errors") or {}).values():
        assert error in strings["error"], f"{form['step_id']}: no text for error {error}"
        shown += strings["error"][error]
    missing = set(re.findall(r"{(\w+)}", shown)) - set(form.get("description_placeholders") or {})
    assert not missing, f"{form['step_id']}: no value for the placeholders {missing}"


@pytest.fixture(autouse=True)
def every_form_is_described() -> Iterator[None]:
    """Each form this integration shows, in any test, is checked against strings.json."""
    show = FlowHandler.async_show_form

    def checked(flow: FlowHandler[Any, Any, Any], **form: Any) -> Any:
        if type(flow).__module__.startswith("custom_components.ashp_cop"):
            _assert_described(flow, form)
        return show(flow, **form)

    with patch.object(FlowHandler, "async_show_form", checked):
        yield


class SnapshotExtension(HomeAssistantSnapshotExtension):
    """One set of snapshots, valid on every Home Assistant release the tests run on.

    * Always in ``snapshots/`` beside the test file: the 2025.4 harness kept
      syrupy's ``__snapshots__``, the 2026.x harness moved to ``snapshots``.
    * A decimal state is written with its trailing zeros dropped (one kept):
      2025.4 rounds a unit-converted state to a precision it deduces (0 s shown
      in minutes is "0.00"), 2026.x converts without rounding ("0.0"). The
      number is compared; only its formatting differs between releases.
    """

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        return str(Path(test_location.filepath).parent / "snapshots")

    def serialize(self, data: Any, **kwargs: Any) -> str:
        return super().serialize(_canonical_states(data), **kwargs)  # type: ignore[no-any-return]


_DECIMAL = re.compile(r"(-?\d+\.\d*?)0+")


def _canonical_states(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    state = data.get("state")
    if isinstance(state, str) and (decimal := _DECIMAL.fullmatch(state)):
        canonical = decimal.group(1)
        return data | {"state": canonical + "0" if canonical.endswith(".") else canonical}
    return data


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """syrupy's snapshot, written and read through SnapshotExtension."""
    return snapshot.use_extension(SnapshotExtension)


async def start_subentry_reconfigure_flow(
    hass: HomeAssistant, entry: MockConfigEntry, subentry_id: str
) -> ConfigFlowResult:
    """A subentry's reconfigure flow (MockConfigEntry's own helper changed its signature in 2026.x)."""
    subentry = entry.subentries[subentry_id]
    return await hass.config_entries.subentries.async_init(  # type: ignore[return-value]
        (entry.entry_id, subentry.subentry_type), context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry_id}
    )


def deprecation_reports(records: Iterable[logging.LogRecord]) -> list[str]:
    """Home Assistant's reports of this integration's use of deprecated APIs (frame helper, deprecation helpers)."""
    found = []
    for record in records:
        message = record.getMessage()
        if f"custom integration '{DOMAIN}'" in message or (
            record.levelno >= logging.WARNING and DOMAIN in message and "deprecated" in message.lower()
        ):
            found.append(message)
    return found


@pytest.fixture(autouse=True)
def no_deprecation_reports(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every Home Assistant test fails if the release it runs on reports a deprecated call of ours."""
    yield
    reports = deprecation_reports([*caplog.get_records("setup"), *caplog.get_records("call")])
    assert not reports, "\n".join(reports)


@pytest.fixture(autouse=True)
def every_heat_pump_figure_enabled(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every heat pump and plant figure enabled, as before issue 17 made most of them disabled by default.

    The tests read figures by entity id whatever their default; the tests that prove the defaults
    (marked ``entity_defaults``) see them as an owner's Home Assistant does.
    """
    if request.node.get_closest_marker("entity_defaults"):
        yield
        return
    with patch.object(EntryFigureEntity, "entity_registry_enabled_default", new_callable=PropertyMock,
                      return_value=True):  # fmt: skip
        yield


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Every entity enabled, the noisy and diagnostic ones included (for snapshots)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


async def _plant_room(*, rtu: bool) -> AsyncIterator[tuple[PlantSimulator, ModbusServer]]:
    sim = PlantSimulator(1, seed=1, speed=0.0, start_s=12 * 3600.0)
    server = ModbusServer(sim, rtu=rtu)
    await server.start_tcp()
    yield sim, server
    await server.close()


@pytest.fixture
async def plant(hass: HomeAssistant) -> AsyncIterator[tuple[PlantSimulator, ModbusServer]]:
    """A one-heat-pump plant room on a free port, its clock stopped so states are reproducible."""
    async for served in _plant_room(rtu=False):
        yield served


@pytest.fixture
async def rtu_plant(hass: HomeAssistant) -> AsyncIterator[tuple[PlantSimulator, ModbusServer]]:
    """The same plant room behind a serial gateway in transparent mode: RTU frames, with their CRC, over TCP."""
    async for served in _plant_room(rtu=True):
        yield served


# For runs of hundreds of polls: one reply that takes over 0.3 s on a loaded 2-core machine (the simulator
# answers from the test's own event loop) would make a device unavailable for a poll, which is not what
# those tests are about (the Modbus tests prove timeouts on their own).
LONG_RUN_TIMEOUT_S = 2.0


def hub_data(port: int, **extra: Any) -> dict[str, Any]:
    return {CONF_ENTRY_TYPE: ENTRY_HUB, CONF_TRANSPORT: "tcp", CONF_HOST: "127.0.0.1", CONF_PORT: port,
            CONF_SCAN_INTERVAL: 10, CONF_TIMEOUT: 0.3, CONF_RETRIES: 0, **extra}  # fmt: skip


def plant_subentries() -> list[dict[str, Any]]:
    """The simulated heat pump's six devices as subentries with fixed ids (stable snapshots)."""
    return [
        {"subentry_id": f"device_{unit_id(0, offset)}", "subentry_type": SUBENTRY_DEVICE, "title": role.capitalize(),
         "unique_id": str(unit_id(0, offset)), "data": {CONF_UNIT_ID: unit_id(0, offset), CONF_PROFILE: profile}}
        for offset, profile, role, _ in LAYOUT
    ]  # fmt: skip


def plant_hub_entry(port: int, **extra: Any) -> MockConfigEntry:
    """The hub of the simulated plant room serving on ``port``, its six devices as subentries."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=HUB_ENTRY_ID,
        title="tcp://127.0.0.1",
        unique_id=f"127.0.0.1:{port}",
        data=hub_data(port, **extra),
        subentries_data=plant_subentries(),  # type: ignore[arg-type]
    )


@pytest.fixture
def hub_entry(plant: tuple[PlantSimulator, ModbusServer]) -> MockConfigEntry:
    _, server = plant
    return plant_hub_entry(server.port)


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def just_after_local_midnight(hass: HomeAssistant) -> None:
    """Put Home Assistant in the fixed-offset zone where it is now between 01:00 and 02:00 local time.

    Tests that run a plant for hours on a clock starting at wall time crossed local midnight when run
    late in the day (US/Pacific, the harness' zone, from 16:00: seen at 00:04 UTC), and their figures
    "today" started again in the middle of the run. From 01:00 they have 22 hours of one local day.
    """
    offset_h = (1 - datetime.now(UTC).hour + 12) % 24 - 12  # -12 to +11: UTC+offset is at 01:xx now
    await hass.config.async_set_time_zone("Etc/GMT" if offset_h == 0 else f"Etc/GMT{-offset_h:+d}")


@contextlib.asynccontextmanager
async def serving_plant(hass: HomeAssistant, sim: PlantSimulator, **extra: Any) -> AsyncIterator[MockConfigEntry]:
    """``sim`` served over Modbus TCP on a free port of 127.0.0.1 and its hub set up, until the block ends;
    the local day has just begun, so hours of polling stay within it (just_after_local_midnight)."""
    await just_after_local_midnight(hass)
    server = ModbusServer(sim)
    await server.start_tcp()
    try:
        hub = plant_hub_entry(server.port, **extra)
        await setup_entry(hass, hub)
        yield hub
    finally:
        await server.close()
