"""A plant of two heat pumps and a shared pump: its COP and each unit's SPF beside it."""

from __future__ import annotations

import pytest
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ashp_cop.const import (
    CONF_ENTRY_TYPE,
    CONF_HEAT_PUMPS,
    CONF_SHARED_ENERGY,
    CONF_SHARED_POWER,
    DOMAIN,
    ENTRY_PLANT,
)
from tests.integration.conftest import setup_entry
from tests.integration.test_heat_pump import heat_pump_entry

# Talks Modbus to the simulator: run again against the newest pymodbus.
pytestmark = pytest.mark.modbus


async def _two_heat_pumps(hass: HomeAssistant) -> tuple[MockConfigEntry, MockConfigEntry]:
    for name, heat, elec in (("a", "6000", "2000"), ("b", "3000", "1200")):
        hass.states.async_set(f"sensor.{name}_heat", heat, {"unit_of_measurement": "W"})
        hass.states.async_set(f"sensor.{name}_elec", elec, {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.shared_pump", "100", {"unit_of_measurement": "W"})
    first = heat_pump_entry({"heat_power_w": "sensor.a_heat", "elec_power_w": "sensor.a_elec"}, entry_id="HPA")
    second = heat_pump_entry({"heat_power_w": "sensor.b_heat", "elec_power_w": "sensor.b_elec"}, entry_id="HPB")
    object.__setattr__(second, "title", "Second heat pump")
    await setup_entry(hass, first)
    await setup_entry(hass, second)
    return first, second


async def test_plant_cop_includes_the_shared_loads(hass: HomeAssistant) -> None:
    first, second = await _two_heat_pumps(hass)
    plant = MockConfigEntry(domain=DOMAIN, title="Plant room", data={
        CONF_ENTRY_TYPE: ENTRY_PLANT, CONF_HEAT_PUMPS: ["HPA", "HPB"], CONF_SHARED_POWER: ["sensor.shared_pump"],
        CONF_SHARED_ENERGY: []})  # fmt: skip
    await setup_entry(hass, plant)
    # a COP or SPF state keeps 2 decimals: within half a step
    assert float(hass.states.get("sensor.plant_room_cop").state) == pytest.approx(9000 / 3300, abs=0.005)  # type: ignore[union-attr]
    clock = {"t": 1_900_000_000.0}
    for entry in (first, second, plant):
        entry.runtime_data.clock = lambda: clock["t"]
    for _ in range(61):  # an hour, a minute at a time
        clock["t"] += 60
        for entry in (first, second, plant):
            await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert float(hass.states.get("sensor.plant_room_heat_energy").state) == pytest.approx(9.0, rel=1e-3)  # type: ignore[union-attr]
    assert float(hass.states.get("sensor.plant_room_electric_energy").state) == pytest.approx(3.3, rel=1e-3)  # type: ignore[union-attr]
    assert float(hass.states.get("sensor.plant_room_spf_since_setup").state) == pytest.approx(9 / 3.3, abs=0.005)  # type: ignore[union-attr]
    assert float(hass.states.get("sensor.plant_room_garden_heat_pump_spf_since_plant_setup").state) == pytest.approx(
        3.0, abs=0.005
    )  # type: ignore[union-attr]
    assert float(hass.states.get("sensor.plant_room_second_heat_pump_spf_since_plant_setup").state) == pytest.approx(
        2.5, abs=0.005
    )  # type: ignore[union-attr]

    # a unit that goes away leaves the totals where they are
    assert await hass.config_entries.async_unload(second.entry_id)
    await plant.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert float(hass.states.get("sensor.plant_room_heat_energy").state) >= 6.0  # type: ignore[union-attr]
    assert plant.runtime_data.problems == {"HPB": "heat pump not loaded"}


async def test_plant_flow_and_options(hass: HomeAssistant) -> None:
    await _two_heat_pumps(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "plant"})
    assert result["step_id"] == "plant"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Plant room", CONF_HEAT_PUMPS: []}
    )
    assert result["errors"] == {CONF_HEAT_PUMPS: "no_heat_pumps"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_NAME: "Plant room", CONF_HEAT_PUMPS: ["HPA"], CONF_SHARED_POWER: ["sensor.shared_pump"]},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_ENTRY_TYPE: ENTRY_PLANT, CONF_HEAT_PUMPS: ["HPA"],
                              CONF_SHARED_POWER: ["sensor.shared_pump"], CONF_SHARED_ENERGY: []}  # fmt: skip
    await hass.async_block_till_done()
    plant = result["result"]
    assert plant.unique_id == "plant:HPA"  # its heat pumps
    result = await hass.config_entries.options.async_init(plant.entry_id)
    assert result["step_id"] == "plant"
    result = await hass.config_entries.options.async_configure(result["flow_id"], {CONF_HEAT_PUMPS: ["HPA", "HPB"]})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert plant.runtime_data.heat_pump_ids == ["HPA", "HPB"]


async def test_a_unit_taken_out_of_the_plant_takes_its_spf_sensor_along(hass: HomeAssistant) -> None:
    await _two_heat_pumps(hass)
    data = {
        CONF_ENTRY_TYPE: ENTRY_PLANT,
        CONF_HEAT_PUMPS: ["HPA", "HPB"],
        CONF_SHARED_POWER: [],
        CONF_SHARED_ENERGY: [],
    }
    plant = MockConfigEntry(domain=DOMAIN, title="Plant room", data=data)
    await setup_entry(hass, plant)
    gone = "sensor.plant_room_second_heat_pump_spf_since_plant_setup"
    assert hass.states.get(gone) is not None
    hass.config_entries.async_update_entry(plant, data={**plant.data, CONF_HEAT_PUMPS: ["HPA"]})
    await hass.async_block_till_done()  # the update listener reloads the plant
    registry = er.async_get(hass)
    assert registry.async_get(gone) is None and hass.states.get(gone) is None  # not left unavailable
    assert registry.async_get("sensor.plant_room_garden_heat_pump_spf_since_plant_setup") is not None
