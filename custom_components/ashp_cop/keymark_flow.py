"""Pick a datasheet from the Heat Pump KEYMARK database: search, choose the unit, then its conditions.

The database ships with the integration (keymark.json.gz, built by
tools/keymark_build.py); it is read in an executor the first time a flow
searches it and kept for the rest of the run. The picked record fills the
datasheet form, which the user can still edit before saving.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

import voluptuous as vol
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
from homeassistant.util.hass_dict import HassKey

from .const import CONF_APPLICATION, CONF_CLIMATE, CONF_DATASHEET
from .engine.en14825 import calculate_scop, parse_datasheet
from .engine.en14825.keymark import declared_scop_conflict, offmode_hours_used
from .engine.en14825.keymark_db import KeymarkDatabase, Unit
from .engine.errors import EngineInputError

DATABASE_PATH = Path(__file__).parent / "keymark.json.gz"
CONF_KEYMARK_SEARCH = "keymark_search"
CONF_KEYMARK_UNIT = "keymark_unit"
CONF_OFFMODE_HOURS = "offmode_hours"
# A select longer than this is no help: the form says how many matched and asks for more words.
MAX_LISTED = 50

_DATABASE: HassKey[KeymarkDatabase] = HassKey("ashp_cop_keymark")
_LOCK: HassKey[asyncio.Lock] = HassKey("ashp_cop_keymark_lock")


async def async_keymark_database(hass: HomeAssistant) -> KeymarkDatabase:
    """The shipped database, read once off the event loop and then kept."""
    if (database := hass.data.get(_DATABASE)) is not None:
        return database
    async with hass.data.setdefault(_LOCK, asyncio.Lock()):
        if (database := hass.data.get(_DATABASE)) is None:
            database = await hass.async_add_executor_job(KeymarkDatabase.load, DATABASE_PATH)
            hass.data[_DATABASE] = database
    return database


def keymark_query(user_input: dict[str, Any] | None) -> str:
    """The search text of a submitted datasheet form ('' when none)."""
    return str((user_input or {}).get(CONF_KEYMARK_SEARCH) or "").strip()


def datasheet_text(sheet: dict[str, Any]) -> str:
    """The datasheet as JSON to read and edit in the form: one key, and one test point, per line."""
    lines = []
    for key, value in sheet.items():
        text = json.dumps(value, ensure_ascii=False)
        if key == "points":
            text = "[\n    " + ",\n    ".join(json.dumps(point) for point in value) + "\n  ]"
        lines.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(lines) + "\n}"


def _select(options: list[selector.SelectOptionDict] | list[str], key: str | None = None) -> selector.SelectSelector:
    config = selector.SelectSelectorConfig(options=options, mode=selector.SelectSelectorMode.DROPDOWN)
    if key is not None:
        config["translation_key"] = key
    return selector.SelectSelector(config)


@dataclass(slots=True)
class KeymarkPick:
    """One flow's way through the database: the search, the unit, and the datasheet it filled."""

    query: str = ""
    total: int = 0
    units: tuple[Unit, ...] = ()
    unit: Unit | None = None
    database: KeymarkDatabase | None = None
    filled: dict[str, Any] = field(default_factory=dict)  # the datasheet form's values
    placeholders: dict[str, str] = field(default_factory=dict)
    refusal: str = ""  # why the engine refuses the record picked last
    climate: str = "average"  # preselected where the unit declares it: the heat pump's reference climate

    async def search(self, hass: HomeAssistant, query: str) -> dict[str, str]:
        """Search; the errors of the datasheet form (none when something matched)."""
        self.database = await async_keymark_database(hass)
        result = self.database.search(query, limit=MAX_LISTED)
        if not result.total:  # the matches of the last search that found something stay listed
            return {CONF_KEYMARK_SEARCH: "keymark_no_match"}
        self.query, self.total, self.units = query, result.total, result.units
        return {}

    def unit_form(
        self, flow: ConfigFlow | OptionsFlow, errors: dict[str, str] | None = None, failed_query: str = ""
    ) -> ConfigFlowResult:
        """The matches to pick from, and the search text to search again (flows have no way back)."""
        options = [selector.SelectOptionDict(value=str(unit.index), label=unit.label) for unit in self.units]
        schema = vol.Schema({
            vol.Optional(CONF_KEYMARK_UNIT): _select(options),
            vol.Optional(CONF_KEYMARK_SEARCH, description={"suggested_value": failed_query or self.query}):
                selector.TextSelector(),
        })  # fmt: skip
        placeholders = {"query": failed_query or self.query, "count": str(self.total), "listed": str(len(self.units))}
        return flow.async_show_form(step_id="keymark_unit", data_schema=schema, errors=errors,
                                    description_placeholders=placeholders)  # fmt: skip

    def choose_unit(self, user_input: dict[str, Any]) -> None:
        index = int(user_input[CONF_KEYMARK_UNIT])
        self.unit = next(unit for unit in self.units if unit.index == index)

    def conditions_form(self, flow: ConfigFlow | OptionsFlow, errors: dict[str, str] | None = None) -> ConfigFlowResult:
        """Outlet temperature and climate as the unit declares them, and the off-mode hours to apply."""
        assert self.database is not None and self.unit is not None  # set by the steps before
        conditions = self.database.conditions(self.unit.index)
        outlets = sorted({str(outlet) for outlet, _ in conditions})
        climates = sorted({climate for _, climate in conditions})
        first = self.database.record(self.unit.index, *conditions[0])
        reversible = first.get("reversible") == "1"
        schema = vol.Schema({
            vol.Required(CONF_APPLICATION, default=outlets[0]): _select(outlets, CONF_APPLICATION),
            vol.Required(CONF_CLIMATE, default=self.climate if self.climate in climates else climates[0]):
                _select(climates, CONF_CLIMATE),
            vol.Required(CONF_OFFMODE_HOURS, default=offmode_hours_used(self.unit.manufacturer, reversible)):
                _select(["reversible", "heating_only"], CONF_OFFMODE_HOURS),
        })  # fmt: skip
        placeholders = {"unit": self.unit.label, "error": self.refusal}
        return flow.async_show_form(step_id="keymark_conditions", data_schema=schema, errors=errors,
                                    description_placeholders=placeholders)  # fmt: skip

    def fill(self, user_input: dict[str, Any]) -> dict[str, str]:
        """Fill the datasheet form from the chosen record; the errors of the conditions form."""
        assert self.database is not None and self.unit is not None  # set by the steps before
        outlet, climate = int(user_input[CONF_APPLICATION]), str(user_input[CONF_CLIMATE])
        if (outlet, climate) not in self.database.conditions(self.unit.index):
            return {"base": "keymark_condition_missing"}
        record = self.database.record(self.unit.index, outlet, climate)
        sheet = self.database.datasheet(self.unit.index, outlet, climate)
        sheet[CONF_OFFMODE_HOURS] = user_input[CONF_OFFMODE_HOURS]
        try:
            computed = calculate_scop(parse_datasheet(sheet))
        except EngineInputError as err:  # six declarations put Tbiv below TOL
            self.refusal = str(err)
            return {"base": "keymark_record_refused"}
        implied = declared_scop_conflict(record)
        self.filled = {CONF_DATASHEET: datasheet_text(sheet), CONF_APPLICATION: str(outlet)}
        self.placeholders = {
            "unit": self.unit.label,
            "outlet": str(outlet),
            "climate": climate,
            "declared_scop": record.get("scop") or "-",
            "eta_s": record.get("eta_s_pct") or "-",
            # said only where the two declarations disagree; nothing otherwise (a bare "-" read as a riddle)
            "implied_scop": ""
            if implied is None
            else f" The declared ηs,h implies SCOP {implied:.2f}, not the declared SCOP.",
            "computed_scop": f"{computed.scop:.2f}",
            "computed_scop_on": f"{computed.scop_on:.2f}",
            "attribution": self.database.attribution,
            "error": "",
        }
        return {}


class _DatasheetFlow(Protocol):
    async def async_step_datasheet(self, user_input: dict[str, Any] | None = None, *, keymark: bool = False) -> Any: ...


class KeymarkSteps:
    """The KEYMARK steps of the heat pump's config flow and options flow (both have a datasheet step)."""

    _pick: KeymarkPick

    async def async_step_keymark_unit(self, user_input: dict[str, Any]) -> ConfigFlowResult:
        """The unit among the search's matches, then its conditions; or another search."""
        flow = cast(ConfigFlow | OptionsFlow, self)
        query = keymark_query(user_input)
        if query and query != self._pick.query:
            errors = await self._pick.search(flow.hass, query)
            return self._pick.unit_form(flow, errors, query if errors else "")
        if CONF_KEYMARK_UNIT not in user_input:
            return self._pick.unit_form(flow, {CONF_KEYMARK_UNIT: "keymark_no_unit"})
        self._pick.choose_unit(user_input)
        return self._pick.conditions_form(flow)

    async def async_step_keymark_conditions(self, user_input: dict[str, Any]) -> ConfigFlowResult:
        """Outlet temperature, climate and off-mode hours; then the datasheet filled from the record."""
        if errors := self._pick.fill(user_input):
            return self._pick.conditions_form(cast(ConfigFlow | OptionsFlow, self), errors)
        return await self.async_step_datasheet_keymark()

    async def async_step_datasheet_keymark(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The datasheet filled from the KEYMARK record, to check or edit before saving."""
        result: ConfigFlowResult = await cast(_DatasheetFlow, self).async_step_datasheet(user_input, keymark=True)
        return result
