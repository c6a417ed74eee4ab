"""What the recorder last recorded of an entry's own total sensors.

After an unclean stop (a crash, a power cut, a kill) the saved totals can lag what the sensors had
already shown by up to one save interval. The recorder holds what was shown; a total restarts from
the higher of the two, so the Energy dashboard and the statistics never see it step back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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

_MARGIN = timedelta(minutes=5)
# Half a step of what a state shows (sensor.py rounds energy to 1 Wh; a duration is shown to 0.1 min;
# counts are whole): a recorded state proves a total was higher than restored only beyond that.
_HALF_STEP: dict[str | None, float] = {"kWh": 0.0005, "s": 3.0, None: 0.5}


def shown_above(shown: float, current: float, unit: str | None) -> bool:
    """Whether a recorded (rounded) state shows more than ``current`` would show."""
    return shown > current + _HALF_STEP[unit]


class RecordedTotals:
    """Looks up what the recorder holds of an entry's total sensors, once each, as their entity ids become known.

    A sensor's entity id comes from the entity registry. After a kill soon after the entry's sensors were
    first registered (a first start, or a mode mapped since the last save), the registry on disk does not
    know them yet: they are looked up when each sensor is added again, before it writes its first state
    (``async_adopt``), so no total is shown below what the recorder held. ``adopt`` raises the totals to
    what was found (sensor key -> value, in ``sensors[key]``'s unit: "kWh", "s", or None for a count).
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        saved_at: float | None,
        sensors: Mapping[str, str | None],
        adopt: Callable[[dict[str, float]], None],
    ) -> None:
        self._hass = hass
        self._adopt = adopt
        self._created_at = entry.created_at
        # the recorder may have committed a state a little before the save it followed
        self._since = self._created_at if saved_at is None else max(
            self._created_at, dt_util.utc_from_timestamp(saved_at) - _MARGIN
        )  # fmt: skip
        self._entry_id = entry.entry_id
        self.pending: dict[str, str | None] = dict(sensors) if "recorder" in hass.config.components else {}

    async def async_adopt_known(self) -> None:
        """The highest value recorded since the last save of every sensor the registry knows (at set-up)."""
        registry = er.async_get(self._hass)
        wanted = {
            entity_id: key
            for key in self.pending
            if (entity_id := registry.async_get_entity_id(Platform.SENSOR, DOMAIN, f"{self._entry_id}_{key}"))
            is not None
        }
        self._adopt(await self._highest(wanted))

    async def async_adopt(self, key: str, entity_id: str) -> None:
        """A sensor being added: its highest recorded value, if it was not looked up at set-up."""
        if key in self.pending:
            self._adopt(await self._highest({entity_id: key}))

    async def _highest(self, wanted: dict[str, str]) -> dict[str, float]:
        units = {key: self.pending.pop(key) for key in wanted.values()}
        if not wanted:
            return {}
        recorded = await get_instance(self._hass).async_add_executor_job(
            _states_since, self._hass, self._since, list(wanted)
        )
        values: dict[str, float] = {}
        for entity_id, states in recorded.items():
            key = wanted.get(entity_id)
            if key is None:
                continue
            shown = [_native_value(state, units[key]) for state in states if state.last_updated >= self._created_at]
            numbers = [value for value in shown if value is not None]
            if numbers:
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
