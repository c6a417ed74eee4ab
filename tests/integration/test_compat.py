"""compat.py: one behaviour whatever the Home Assistant release, and nothing it reports as deprecated."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.components.recorder.models import StatisticMeanType
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import frame
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

import custom_components.ashp_cop as integration
from custom_components.ashp_cop import compat
from custom_components.ashp_cop.const import DOMAIN
from tests.integration.conftest import deprecation_reports, hub_data, plant_subentries, setup_entry
from tools.simulator.server import ModbusServer, PlantSimulator

# Talks Modbus to the simulator: run again against the newest pymodbus.
pytestmark = pytest.mark.modbus

Plant = tuple[PlantSimulator, ModbusServer]


def _count_setups() -> Any:
    return patch.object(integration, "async_setup_entry", wraps=integration.async_setup_entry)


async def _reconfigure(hass: HomeAssistant, entry: MockConfigEntry, port: int) -> None:
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: port, "scan_interval": 10, "timeout": 0.3, "retries": 0}
    )
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()


async def test_reconfiguring_a_loaded_hub_reloads_it_once(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry
) -> None:
    await setup_entry(hass, hub_entry)
    moved = ModbusServer(PlantSimulator(1, seed=1, speed=0.0))
    await moved.start_tcp()
    try:
        with _count_setups() as setups:
            await _reconfigure(hass, hub_entry, moved.port)
        assert setups.call_count == 1
        assert hub_entry.state is ConfigEntryState.LOADED
        assert hub_entry.runtime_data.hub.settings.port == moved.port
        assert await hass.config_entries.async_unload(hub_entry.entry_id)
    finally:
        await moved.close()


async def test_reconfiguring_a_hub_that_could_not_connect_sets_it_up_at_once(
    hass: HomeAssistant, plant: Plant, unused_tcp_port: int
) -> None:
    # Set up against a closed port: no update listener yet, the entry waits for a retry.
    _, server = plant
    entry = MockConfigEntry(domain=DOMAIN, unique_id=f"127.0.0.1:{unused_tcp_port}", data=hub_data(unused_tcp_port),
                            subentries_data=plant_subentries())  # type: ignore[arg-type]  # fmt: skip
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    with _count_setups() as setups:
        await _reconfigure(hass, entry, server.port)
    assert setups.call_count == 1
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)


def test_statistic_metadata_carries_a_unit_class_where_the_release_has_one() -> None:
    energy = compat.statistic_metadata(statistic_id="sensor.heat", source="recorder", name=None,
                                       unit_of_measurement="kWh", has_sum=True,
                                       mean_type=StatisticMeanType.NONE)  # fmt: skip
    ratio = compat.statistic_metadata(statistic_id=f"{DOMAIN}:cop", source=DOMAIN, name="COP",
                                      unit_of_measurement=None, has_sum=False,
                                      mean_type=StatisticMeanType.ARITHMETIC)  # fmt: skip
    if compat.HAS_STATISTIC_UNIT_CLASS:
        from homeassistant.components.recorder.statistics import UNIT_CLASS_TO_UNIT_CONVERTER  # noqa: PLC0415

        assert energy.get("unit_class") == "energy"
        # a unitless ratio: no class, or one whose converter takes no unit (2026.x: "unitless")
        unit_class = ratio["unit_class"]  # type: ignore[typeddict-item,unused-ignore]
        assert unit_class is None or None in UNIT_CLASS_TO_UNIT_CONVERTER[unit_class].VALID_UNITS
    else:
        assert "unit_class" not in energy and "unit_class" not in ratio
    assert energy["unit_of_measurement"] == "kWh" and energy["has_sum"] is True


@pytest.mark.parametrize("has_via_device_id", [True, False])
def test_a_device_behind_a_hub_names_it_the_way_the_release_takes(has_via_device_id: bool) -> None:
    with patch.object(compat, "HAS_VIA_DEVICE_ID", has_via_device_id):
        info = compat.device_info_via(identifiers={(DOMAIN, "meter")}, name="Meter", manufacturer=None, model="M",
                                      via_identifier=(DOMAIN, "hub"), via_device_id="0123abcd")  # fmt: skip
    fields = dict(info)
    if has_via_device_id:
        assert fields["via_device_id"] == "0123abcd" and "via_device" not in fields
    else:
        assert fields["via_device"] == (DOMAIN, "hub") and "via_device_id" not in fields
    assert fields["identifiers"] == {(DOMAIN, "meter")}


async def test_a_deprecation_report_is_caught(hass: HomeAssistant, caplog: pytest.LogCaptureFixture) -> None:
    """The guard every Home Assistant test runs under (conftest.no_deprecation_reports) sees a real report."""
    await async_setup_component(hass, "homeassistant", {})
    frame.report_usage("calls an API that is going away", integration_domain=DOMAIN, breaks_in_ha_version="2099.1")
    reports = deprecation_reports(caplog.records)
    assert len(reports) == 1 and "calls an API that is going away" in reports[0]
    caplog.clear()  # this test's own report is not a failure
