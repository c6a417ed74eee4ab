"""Actions: the EN 14825 SCOP of a datasheet, a heat pump's figures over a period, its history imported or exported."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import voluptuous as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util

from .const import CONF_BACKUP_IN_HEAT_METER, CONF_CLIMATE, CONF_ENTRY_TYPE, CONF_ROLES, DOMAIN, ENTRY_HEAT_PUMP
from .engine.en14825 import calculate_scop, parse_datasheet
from .engine.errors import EngineInputError
from .engine.tidy import tidy
from .heat_pump import HeatPumpConfigEntry
from .history_export import ExportError, async_export_history
from .history_import import HistoryError
from .statistics import period_figures, statistic_ids

SERVICE_CALCULATE_SCOP = "calculate_scop"
SERVICE_RECALCULATE = "recalculate"
SERVICE_IMPORT_HISTORY = "import_history"
SERVICE_EXPORT_HISTORY = "export_history"
ANSWER_DIGITS = 4  # decimals of the figures an action answers with: 0.1 Wh, a COP to 0.0001

# The datasheet fields go to the engine's parse_datasheet unchanged, the path the
# command line takes: the same keys, ranges and messages (an unknown key is named
# with the nearest valid one), never a second, looser schema.
# services.yaml's default climate applies to a call without one, as the form shows it.
CALCULATE_SCOP_SCHEMA = vol.Schema(
    {vol.Optional("bins", default=False): cv.boolean, vol.Optional("climate", default="average"): object},
    extra=vol.ALLOW_EXTRA,
)
RECALCULATE_SCHEMA = vol.Schema({
    vol.Required("config_entry_id"): cv.string,
    vol.Required("start"): cv.datetime,
    vol.Optional("end"): cv.datetime,
})  # fmt: skip
IMPORT_HISTORY_SCHEMA = vol.Schema({
    vol.Required("config_entry_id"): cv.string,
    vol.Optional("start"): cv.datetime,
    vol.Optional("end"): cv.datetime,
})  # fmt: skip


def async_setup_services(hass: HomeAssistant) -> None:
    async def calculate(call: ServiceCall) -> ServiceResponse:
        fields = dict(call.data)
        with_bins = fields.pop("bins", False)
        try:
            result = calculate_scop(parse_datasheet(fields))
        except EngineInputError as err:
            raise _invalid("invalid_datasheet", error=str(err)) from err
        return cast(ServiceResponse, tidy(result.as_dict(with_bins=with_bins), ANSWER_DIGITS))

    async def recalculate(call: ServiceCall) -> ServiceResponse:
        entry = _loaded_heat_pump(hass, call)
        start = _aware(call.data["start"])
        end = _aware(call.data.get("end") or dt_util.utcnow())
        if end <= start:
            raise _invalid("empty_period", start=start.isoformat(), end=end.isoformat())
        config: dict[str, Any] = {**entry.data, **entry.options}
        ids = statistic_ids(hass, entry.entry_id, dict(config.get(CONF_ROLES, {})))
        climate = config.get(CONF_CLIMATE, "average")
        metered = bool(config.get(CONF_BACKUP_IN_HEAT_METER, True))
        figures = await period_figures(hass, ids, start, end, climate=climate, backup_heat_metered=metered)
        return cast(ServiceResponse, tidy(figures, ANSWER_DIGITS))

    async def import_history(call: ServiceCall) -> ServiceResponse:
        entry = _loaded_heat_pump(hass, call)
        start, end = _open_period(call)
        history = entry.runtime_data.history
        if history is None:
            raise _invalid("no_recorder")
        try:
            summary = await history.async_import(start, end)
        except HistoryError as err:
            raise _invalid(err.key, **err.placeholders) from err
        return cast(ServiceResponse, summary)

    async def export_history(call: ServiceCall) -> ServiceResponse:
        entry = _loaded_heat_pump(hass, call)
        start, end = _open_period(call)
        try:
            return cast(ServiceResponse, await async_export_history(hass, entry, start, end))
        except ExportError as err:
            raise _invalid(err.key, **err.placeholders) from err

    hass.services.async_register(DOMAIN, SERVICE_CALCULATE_SCOP, calculate, CALCULATE_SCOP_SCHEMA,
                                 supports_response=SupportsResponse.ONLY)  # fmt: skip
    hass.services.async_register(DOMAIN, SERVICE_RECALCULATE, recalculate, RECALCULATE_SCHEMA,
                                 supports_response=SupportsResponse.ONLY)  # fmt: skip
    hass.services.async_register(DOMAIN, SERVICE_IMPORT_HISTORY, import_history, IMPORT_HISTORY_SCHEMA,
                                 supports_response=SupportsResponse.OPTIONAL)  # fmt: skip
    # The same fields as import_history: a heat pump and an optional period.
    hass.services.async_register(DOMAIN, SERVICE_EXPORT_HISTORY, export_history, IMPORT_HISTORY_SCHEMA,
                                 supports_response=SupportsResponse.OPTIONAL)  # fmt: skip


def _loaded_heat_pump(hass: HomeAssistant, call: ServiceCall) -> HeatPumpConfigEntry:
    """The call's heat pump entry, loaded, with the recorder running; a translated error otherwise."""
    entry = hass.config_entries.async_get_entry(call.data["config_entry_id"])
    if entry is None or entry.domain != DOMAIN or entry.data.get(CONF_ENTRY_TYPE) != ENTRY_HEAT_PUMP:
        raise _invalid("not_a_heat_pump", entry_id=call.data["config_entry_id"])
    if entry.state is not ConfigEntryState.LOADED:
        raise _invalid("heat_pump_not_loaded", name=entry.title)
    if "recorder" not in hass.config.components:
        raise _invalid("no_recorder")
    return cast(HeatPumpConfigEntry, entry)


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders)


def _open_period(call: ServiceCall) -> tuple[datetime | None, datetime | None]:
    """The call's optional start and end (aware), refused when the end does not come after the start."""
    start = _aware(call.data["start"]) if "start" in call.data else None
    end = _aware(call.data["end"]) if "end" in call.data else None
    if start is not None and end is not None and end <= start:
        raise _invalid("empty_period", start=start.isoformat(), end=end.isoformat())
    return start, end


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt_util.get_default_time_zone())
