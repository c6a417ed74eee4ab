"""Seasonal figures per operating mode from the recorder's statistics (beside the combined ones).

Each mode's SPF over a period is its net heat (heat delivered less the heat defrosts drew back while
it ran) over all the electricity charged to it (unit, backup heater, pumps: SEPEMO H4, as the
combined SCOP); cooling's seasonal EER is the heat it removed over its electricity. The hourly
changes of the mode's own total_increasing sensors are summed over the period, so the same
statistics always give the same figure.

Those hours are the integration's own statistics of each mode's totals (mode_recorder.py), written
whether the sensors that show the totals are enabled or not; where such a sensor recorded hours
itself (a heat pump set up before 0.6.0, or a sensor its owner enabled) they are read up to the first
hour of the integration's statistic (statistics.one_source).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from .const import DOMAIN
from .engine.cop import period_cop
from .mode_keys import MODE_STATISTICS
from .mode_recorder import mode_statistic_id

type Hourly = Mapping[str, Mapping[float, float]]


def mode_statistic_ids(hass: HomeAssistant, entry_id: str) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Mode -> part (heat, drawn, elec) -> statistic id, for the modes whose sensors exist (mapped); and each
    of those statistics' sensor (statistic id -> entity id), whose own rows come first (statistics.one_source)."""
    registry = er.async_get(hass)
    found: dict[str, dict[str, str]] = {}
    sensors: dict[str, str] = {}
    for mode, parts in MODE_STATISTICS.items():
        entity_ids = {
            key: registry.async_get_entity_id("sensor", DOMAIN, f"{entry_id}_{key}") for key in parts.values()
        }
        if not all(entity_ids.values()):
            continue
        found[mode.value] = {part: mode_statistic_id(entry_id, key) for part, key in parts.items()}
        sensors |= {mode_statistic_id(entry_id, key): entity_id for key, entity_id in entity_ids.items() if entity_id}
    return found, sensors


def mode_figures(hourly: Hourly, ids: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, Any]]:
    """Each mode's heat, electricity and SPF (cooling: EER) of the hours in ``hourly`` (already sliced)."""
    out: dict[str, dict[str, Any]] = {}
    for mode, parts in ids.items():
        heat = sum(hourly.get(parts["heat"], {}).values()) - sum(hourly.get(parts.get("drawn", ""), {}).values())
        elec = sum(hourly.get(parts["elec"], {}).values())
        spf = period_cop(heat, elec)
        out[mode] = {
            "heat_kwh": round(heat, 4),
            "elec_kwh": round(elec, 4),
            "spf": None if spf is None else round(spf, 4),
            "hours": len(hourly.get(parts["elec"], {})),
        }
    return out
