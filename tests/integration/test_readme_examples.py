"""The README's automation examples load in Home Assistant and fire on this integration's alerts and issues."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import async_mock_service

from custom_components.ashp_cop.repairs import sync_alert_issues

README = Path(__file__).resolve().parents[2] / "README.md"


def _automations() -> list[dict[str, Any]]:
    blocks = re.findall(r"```yaml\n(automation:.*?)```", README.read_text(), flags=re.DOTALL)
    assert len(blocks) == 2
    return [item for block in blocks for item in yaml.safe_load(block)["automation"]]


async def test_the_readme_automations_fire_on_an_alert_and_on_a_repair_issue(hass: HomeAssistant) -> None:
    notify = async_mock_service(hass, "notify", "notify")
    notes = async_mock_service(hass, "persistent_notification", "create")
    assert await async_setup_component(hass, "automation", {"automation": _automations()})
    await hass.async_block_till_done()
    assert [state.state for state in hass.states.async_all("automation")] == ["on", "on"]

    hass.states.async_set("sensor.garden_heat_pump_rolling_cop", "0.93")
    hass.states.async_set("binary_sensor.garden_heat_pump_cop_below_threshold", "off")
    hass.states.async_set("binary_sensor.garden_heat_pump_cop_below_threshold", "on")
    await hass.async_block_till_done()
    assert len(notify) == 1 and "Rolling COP 0.93" in notify[0].data["message"]

    sync_alert_issues(hass, "01ENTRY", "Garden heat pump", {"low_cop": True}, {"cop": "0.93", "baseline": "-"})
    await hass.async_block_till_done()
    assert [call.data["message"] for call in notes] == ["New repair issue low_cop_01ENTRY: see Settings > Repairs."]
