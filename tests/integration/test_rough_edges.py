"""Rough edges a new user met in the demo (issue 17): each one's fix, held."""

from __future__ import annotations

from homeassistant.const import UnitOfTemperature
from homeassistant.core import HomeAssistant

from custom_components.ashp_cop.engine.live import Role
from custom_components.ashp_cop.role_sources import check_binding


async def test_a_wrong_sensor_is_named_with_its_unit_symbol_not_a_python_repr(hass: HomeAssistant) -> None:
    # an entity writes its unit as the enum member: the message showed "<UnitOfTemperature.CELSIUS: '°C'>"
    hass.states.async_set("sensor.flow", "35.0", {"unit_of_measurement": UnitOfTemperature.CELSIUS,
                                                  "device_class": "temperature"})  # fmt: skip
    binding = check_binding(hass, Role.HEAT_POWER, "sensor.flow")
    assert binding.problem == "wrong_device_class"
    assert binding.message == "sensor.flow is a temperature sensor in '°C', not power"
