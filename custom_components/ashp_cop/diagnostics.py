"""Diagnostics download: settings (hosts and serial paths redacted), communication, figures."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant

from .const import CONF_SERIAL_PORT
from .entries import AshpCopConfigEntry, is_heat_pump, is_hub, is_plant

TO_REDACT = {CONF_HOST, CONF_SERIAL_PORT, "unique_id", "title"}


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: AshpCopConfigEntry) -> dict[str, Any]:
    report: dict[str, Any] = {"entry": async_redact_data(entry.as_dict(), TO_REDACT)}
    if is_hub(entry):
        coordinator = entry.runtime_data
        connection = coordinator.hub.connection
        report["hub"] = {
            "transport": coordinator.hub.settings.transport.value,
            "connected": connection.connected,
            "reconnects": connection.reconnects,
            "last_update_success": coordinator.last_update_success,
        }
        report["devices"] = {
            subentry_id: {
                "unit_id": device.unit_id,
                "register_map": device.register_map.name,
                "available": device.available,
                "requests_per_scan": len(device.plan()),
                "communication": device.diagnostics.as_dict(),
                "missing_registers": device.missing_registers(),
                "readings": {key: {"value": r.value, "problem": r.problem} for key, r in sorted(device.last.items())},
            }
            for subentry_id, device in coordinator.devices.items()
        }
    elif is_heat_pump(entry):
        live = entry.runtime_data.live
        report["heat_pump"] = {
            "settings": asdict(live.settings),
            "totals": asdict(live.totals),
            "today": asdict(live.day),
            "now": {
                "heat_power_w": live.heat_power_w,
                "elec_power_w": live.elec_power_w,
                "cop": live.cop,
                "running": live.running,
                "defrost": live.defrost_active,
                "problem": live.problem,
            },
            "spf": live.spf(),
            "role_problems": entry.runtime_data.problems,
            "accounting": entry.runtime_data.accounting(),
        }
    elif is_plant(entry):
        report["plant"] = entry.runtime_data.diagnostics()
    return report
