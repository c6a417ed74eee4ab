"""Rough edges a new user met in the demo (issue 17): each one's fix, held."""

from __future__ import annotations

import pytest
from homeassistant.const import UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from custom_components.ashp_cop.const import CONF_MODE_MAP, DOMAIN
from custom_components.ashp_cop.engine.live import Role
from custom_components.ashp_cop.engine.modes import TARGETS
from custom_components.ashp_cop.role_sources import check_binding
from tests.integration.conftest import setup_entry
from tests.integration.test_heat_pump import heat_pump_entry
from tools.ha_demo.seed import MODE_MAP, ROLES


async def test_a_wrong_sensor_is_named_with_its_unit_symbol_not_a_python_repr(hass: HomeAssistant) -> None:
    # an entity writes its unit as the enum member: the message showed "<UnitOfTemperature.CELSIUS: '°C'>"
    hass.states.async_set("sensor.flow", "35.0", {"unit_of_measurement": UnitOfTemperature.CELSIUS,
                                                  "device_class": "temperature"})  # fmt: skip
    binding = check_binding(hass, Role.HEAT_POWER, "sensor.flow")
    assert binding.problem == "wrong_device_class"
    assert binding.message == "sensor.flow is a temperature sensor in '°C', not power"


async def test_a_stored_mode_mapping_with_a_line_that_is_no_mode_is_named_not_half_used(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """The demo stored `compressor_running: binary_sensor...` among the modes: loaded silently before."""
    hass.states.async_set("sensor.hm_power", "6000", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.meter_power", "2000", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.hp_mode", "heating")
    roles = {
        "heat_power_w": "sensor.hm_power",
        "elec_power_w": "sensor.meter_power",
        "operating_mode": "sensor.hp_mode",
    }
    stored = {"heating": "space_heating", "hot_water": "hot_water", "compressor_running": "binary_sensor.running"}
    hp = heat_pump_entry(roles, **{CONF_MODE_MAP: stored})
    await setup_entry(hass, hp)
    assert hp.runtime_data.mode_map == {"heating": "space_heating", "hot_water": "hot_water"}
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"mode_map_refused_{hp.entry_id}")
    assert issue is not None and issue.translation_placeholders == {
        "name": hp.title, "error": "compressor_running: binary_sensor.running is not a mode"}  # fmt: skip
    assert "lines of its mode mapping are left out: compressor_running" in caplog.text


def test_the_demo_seeds_roles_as_roles_and_modes_as_modes() -> None:
    assert set(MODE_MAP.values()) <= set(TARGETS)
    assert set(ROLES) <= {role.value for role in Role} and "compressor_running" in ROLES
