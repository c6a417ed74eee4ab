"""The plausibility guard in Home Assistant: a heat pump bound to one phase's power over the simulated plant.

On 061fd2c such a unit showed COP 11 and 145-174 % of Carnot for hours with no alert. The electricity role
here is a test entity reading a third of the outdoor unit's true power (one phase of three), the rest comes
from the simulator over Modbus through the real hub.
"""

from __future__ import annotations

import time

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from custom_components.ashp_cop.const import DOMAIN
from custom_components.ashp_cop.diagnostics import async_get_config_entry_diagnostics
from tests.integration.conftest import LONG_RUN_TIMEOUT_S, serving_plant, setup_entry
from tests.integration.test_heat_pump import heat_pump_entry
from tools.simulator.server import PlantSimulator

pytestmark = pytest.mark.modbus

POLL_S = 60.0
PHASE = "sensor.one_phase_power"
ROLES = {
    "heat_power_w": "sensor.heat_meter_power",
    "elec_power_w": PHASE,
    "flow_temp_c": "sensor.heat_meter_flow_temperature",
    "outdoor_temp_c": "sensor.controller_outdoor_temperature",
}


async def test_one_phase_of_three_raises_an_issue_flags_its_hours_and_clears(hass: HomeAssistant) -> None:
    sim = PlantSimulator(1, seed=1, speed=0.0, mean_outdoor_c=2.0, start_s=0.0)
    async with serving_plant(hass, sim, timeout=LONG_RUN_TIMEOUT_S) as hub:
        hass.states.async_set(PHASE, "0", {"unit_of_measurement": "W"})
        hp = heat_pump_entry(ROLES)
        await setup_entry(hass, hp)
        origin = time.time() + 1.0 - sim.plant.time_s
        hp.runtime_data.clock = lambda: origin + sim.plant.time_s
        issue_id = f"implausible_cop_{hp.entry_id}"
        registry = ir.async_get(hass)

        async def run(hours: float, share: float) -> None:
            for _ in range(int(hours * 3600 / POLL_S)):
                sim.advance(POLL_S)
                await hub.runtime_data.async_refresh()
                true_w = hass.states.get("sensor.outdoor_unit_electricity_power")
                assert true_w is not None
                hass.states.async_set(PHASE, str(float(true_w.state) * share), {"unit_of_measurement": "W"})
                await hp.runtime_data.async_refresh()
            await hass.async_block_till_done()

        await run(3, share=1.0)  # the whole meter: nothing raised
        assert registry.async_get_issue(DOMAIN, issue_id) is None

        await run(3, share=1 / 3)
        issue = registry.async_get_issue(DOMAIN, issue_id)
        assert issue is not None and issue.translation_key == "implausible_cop"
        placeholders = issue.translation_placeholders or {}
        # the latest flagged hour: a third of the electricity, three times the COP, beyond the ideal machine
        assert float(placeholders["cop"]) > 6.0 and float(placeholders["carnot_pct"]) > 115.0
        assert placeholders["elec"] == PHASE and placeholders["heat"] == "sensor.heat_meter_power"
        report = await async_get_config_entry_diagnostics(hass, hp)
        guard = report["heat_pump"]["plausibility"]
        assert guard["alert"] is True and len(guard["flagged_hours"]) >= 2
        assert all("above_carnot" in hour["reasons"] for hour in guard["flagged_hours"])
        assert all(hour["practical_efficiency"] > 1.0 for hour in guard["flagged_hours"])

        assert await hass.config_entries.async_reload(hp.entry_id)  # a restart: the issue stays up
        await hass.async_block_till_done()
        hp.runtime_data.clock = lambda: origin + sim.plant.time_s
        assert registry.async_get_issue(DOMAIN, issue_id) is not None

        await run(2, share=1.0)  # the meter bound right again: the first plausible hour clears the issue
        assert registry.async_get_issue(DOMAIN, issue_id) is None
        report = await async_get_config_entry_diagnostics(hass, hp)
        assert report["heat_pump"]["plausibility"]["alert"] is False
        assert len(report["heat_pump"]["plausibility"]["flagged_hours"]) >= 2  # the hours stay listed
