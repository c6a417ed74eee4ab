"""What the recorder last recorded of an entry's own total sensors.

After an unclean stop (a crash, a power cut, a kill) the saved totals can lag what the sensors had
already shown by up to one save interval. The recorder holds what was shown; a total restarts from
the higher of the two, so the Energy dashboard and the statistics never see it step back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from homeassistant.components.recorder.history import get_significant_states
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import BaseUnitConverter, DurationConverter, EnergyConverter

from .const import DOMAIN

# what a total is kept in by the engine, and how a recorded state in another unit converts to it
_NATIVE: dict[str, tuple[type[BaseUnitConverter], str]] = {
    "kWh": (EnergyConverter, "kWh"),
    "s": (DurationConverter, "s"),
}


# the recorder may have committed a state a little before the save it followed
_MARGIN = timedelta(minutes=5)
# Half a step of what a state shows (sensor.py rounds energy to 1 Wh; a duration is shown to 0.1 min;
# counts are whole): a recorded state proves a total was higher than restored only beyond that.
_HALF_STEP: dict[str | None, float] = {"kWh": 0.0005, "s": 3.0, None: 0.5}


def shown_above(shown: float, current: float, unit: str | None) -> bool:
    """Whether a recorded (rounded) state shows more than ``current`` would show."""
    return shown > current + _HALF_STEP[unit]


async def last_recorded_totals(
    hass: HomeAssistant, entry: ConfigEntry, saved_at: float | None, sensors: Mapping[str, str | None]
) -> dict[str, float]:
    """Sensor key -> the highest value recorded since the last save, in ``sensors[key]``'s unit.

    ``saved_at``: when the totals were last saved (None: never). Only states recorded since the entry
    was created count: an entity id reused from a removed entry must not hand its old total to a new
    one. Units: "kWh", "s", or None for a count.
    """
    created_at = entry.created_at
    since = created_at if saved_at is None else max(created_at, dt_util.utc_from_timestamp(saved_at) - _MARGIN)
    if "recorder" not in hass.config.components:
        return {}
    registry = er.async_get(hass)
    wanted = {
        entity_id: key
        for key in sensors
        if (entity_id := registry.async_get_entity_id(Platform.SENSOR, DOMAIN, f"{entry.entry_id}_{key}")) is not None
    }
    if not wanted:
        return {}
    recorded = await get_instance(hass).async_add_executor_job(_states_since, hass, since, list(wanted))
    values: dict[str, float] = {}
    for entity_id, states in recorded.items():
        key = wanted.get(entity_id)
        shown = [_native_value(state, sensors[key]) for state in states if key and state.last_updated >= created_at]
        numbers = [value for value in shown if value is not None]
        if key is not None and numbers:
            values[key] = max(numbers)
    return values


def _states_since(hass: HomeAssistant, start: datetime, entity_ids: list[str]) -> dict[str, list[State]]:
    rows = get_significant_states(
        hass, start, entity_ids=entity_ids, include_start_time_state=False, significant_changes_only=False
    )
    return {entity_id: [s for s in states if isinstance(s, State)] for entity_id, states in rows.items()}


def _native_value(state: State, unit: str | None) -> float | None:
    try:
        value = float(state.state)
    except ValueError:
        return None  # unavailable or unknown: nothing shown
    shown_unit = state.attributes.get("unit_of_measurement")
    if unit is None or shown_unit in (None, unit):
        return value
    converter, native = _NATIVE[unit]
    if shown_unit not in converter.VALID_UNITS:
        return None
    return converter.convert(value, shown_unit, native)
