"""Diagnostics download: settings, communication, figures; no host, port or serial path anywhere.

Hosts, ports and serial paths (a /dev/serial/by-id name carries the adapter's
serial number) are redacted as settings and wherever they appear in a text,
error messages included.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .const import CONF_SERIAL_PORT, DOMAIN
from .engine.plausibility import FlaggedHour, PlausibilityGuard
from .engine.tidy import tidy
from .entries import AshpCopConfigEntry, is_heat_pump, is_hub, is_plant

TO_REDACT = {CONF_HOST, CONF_PORT, CONF_SERIAL_PORT, "unique_id", "title"}


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: AshpCopConfigEntry) -> dict[str, Any]:
    texts = sorted(_endpoint_texts(hass), key=len, reverse=True)  # host:port before the host alone
    report: dict[str, Any] = _scrub(_report(entry), texts)
    return report


def _endpoint_texts(hass: HomeAssistant) -> set[str]:
    """How every hub's endpoint can appear in a text: host:port, the host, the serial path and its real path."""
    texts: set[str] = set()
    for hub in hass.config_entries.async_entries(DOMAIN):
        if not is_hub(hub):
            continue
        host, port, path = hub.data.get(CONF_HOST), hub.data.get(CONF_PORT), hub.data.get(CONF_SERIAL_PORT)
        if host:
            texts |= {str(host), f"{host}:{port}"}
        if path:
            texts |= {str(path), os.path.realpath(str(path))}
    return {text for text in texts if text.strip()}


def _scrub(value: Any, texts: list[str]) -> Any:
    """``value`` with every occurrence of ``texts`` in any string replaced."""
    if isinstance(value, str):
        for text in texts:
            value = value.replace(text, REDACTED)
        return value
    if isinstance(value, dict):
        return {key: _scrub(item, texts) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item, texts) for item in value]
    return value


def _plausibility(guard: PlausibilityGuard) -> dict[str, Any]:
    """The implausible-COP alert and the hours it flagged (engine/plausibility.py), hours in UTC."""
    return {"alert": guard.active, "flagged_hours": [_flagged(hour) for hour in guard.flagged]}


def _flagged(hour: FlaggedHour) -> dict[str, Any]:
    efficiency = hour.practical_efficiency
    return {
        "hour": dt_util.utc_from_timestamp(hour.start_s).isoformat(),
        "cop": round(hour.cop, 3),
        "practical_efficiency": None if efficiency is None else round(efficiency, 3),
        "reasons": list(hour.reasons),
    }


def _report(entry: AshpCopConfigEntry) -> dict[str, Any]:
    report: dict[str, Any] = {"entry": async_redact_data(entry.as_dict(), TO_REDACT)}
    if is_hub(entry):
        coordinator = entry.runtime_data
        connection = coordinator.hub.connection
        report["hub"] = {
            "transport": coordinator.hub.settings.transport.value,
            "connected": connection.connected,
            "reconnects": connection.reconnects,
            "stale_answers": connection.stale_answers,
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
            "settings": tidy(asdict(live.settings)),  # the bound roles: a list of names, not a frozenset repr
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
            "plausibility": _plausibility(live.plausibility),
            "audit": {  # the meters, the interval's account and heatpumpmonitor.org's check (engine/live_audit.py)
                "meters": entry.runtime_data.meter_account.meters.as_report(),
                "boundary": entry.runtime_data.meter_account.boundary,
                "account": entry.runtime_data.meter_account.export(),
                "relative_half_widths": entry.runtime_data.meter_account.relative(),
                "publication": entry.runtime_data.publication(),
            },
        }
        if (history := entry.runtime_data.history) is not None:
            report["heat_pump"]["history_import"] = history.diagnostics()
    elif is_plant(entry):
        report["plant"] = entry.runtime_data.diagnostics()
    return report
