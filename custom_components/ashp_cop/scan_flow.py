"""Scan for devices on a hub: try its unit ids, list what answered, add the ticked ones as devices.

A subentry flow of its own ("Scan for devices" on the hub): the scan runs as
the progress step's task, so closing the dialog cancels it (the connection
is closed and a borrowed serial port handed back). It never creates a
subentry of its own type: each ticked device becomes a device subentry.
"""

from __future__ import annotations

import asyncio
from types import MappingProxyType
from typing import Any

import voluptuous as vol
from homeassistant.config_entries import ConfigSubentry, ConfigSubentryFlow, SubentryFlowResult
from homeassistant.helpers import selector

from .const import CONF_PROFILE, CONF_UNIT_ID, SUBENTRY_DEVICE
from .coordinator import hub_settings
from .modbus.errors import ModbusConfigError
from .modbus.profiles import builtin_profiles
from .modbus.scan import FoundUnit, ScanReport, parse_units, scan_hub
from .modbus.settings import MAX_UNIT_ID, MIN_UNIT_ID

CONF_UNITS = "units"
CONF_DEVICES = "devices"
_NONE = "-"
GENERIC_DEFAULT = "generic_heat_meter"


class ScanSubentryFlow(ConfigSubentryFlow):
    """Scan for devices -> (progress) -> tick the ones to add -> a generic map for each unrecognised one ticked."""

    def __init__(self) -> None:
        self._units: tuple[int, ...] = ()
        self._task: asyncio.Task[ScanReport] | None = None
        self._done = 0
        self._found = 0
        self._chosen: list[FoundUnit] = []  # ticked in "pick", in the order shown
        self._generic: dict[int, str] = {}  # unit -> the generic map picked for a device no profile recognised

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        errors: dict[str, str] = {}
        placeholders = {"error": ""}
        text = f"{MIN_UNIT_ID}-{MAX_UNIT_ID}"
        if user_input is not None:
            text = str(user_input[CONF_UNITS])
            try:
                self._units = parse_units(text)
            except ValueError as err:
                errors[CONF_UNITS] = "invalid_units"
                placeholders["error"] = str(err)
            else:
                return await self.async_step_scanning()
        schema = vol.Schema({vol.Required(CONF_UNITS, default=text): selector.TextSelector()})
        return self.async_show_form(step_id="user", data_schema=schema, errors=errors,
                                    description_placeholders=placeholders)  # fmt: skip

    async def async_step_scanning(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        if self._task is None:
            try:
                settings = hub_settings(dict(self._get_entry().data))
            except ModbusConfigError as err:
                return self.async_abort(reason="cannot_connect", description_placeholders={"error": str(err)})
            self._task = self.hass.async_create_task(
                scan_hub(settings, self._units, progress=self._on_progress), "ashp_cop bus scan"
            )
        if not self._task.done():
            return self.async_show_progress(
                step_id="scanning",
                progress_action="scanning",
                progress_task=self._task,
                description_placeholders={
                    "done": str(self._done),
                    "total": str(len(self._units)),
                    "found": str(self._found),
                },
            )
        return self.async_show_progress_done(next_step_id="pick")

    def _on_progress(self, done: int, total: int, found: int) -> None:
        self._done, self._found = done, found

    async def async_step_pick(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        assert self._task is not None
        report = self._task.result()
        if report.error:
            return self.async_abort(reason="cannot_connect", description_placeholders={"error": report.error})
        entry = self._get_entry()
        configured = {int(s.data[CONF_UNIT_ID]): s.title for s in entry.subentries.values() if CONF_UNIT_ID in s.data}
        # A device no shipped profile recognises is offered too, unticked: the installer picks a generic map for it
        # (issue 20). Recognised ones come first, ticked.
        new = [f for f in report.found if f.unit not in configured]
        addable = [f for f in new if f.profile is not None] + [f for f in new if f.profile is None]
        placeholders = {
            "summary": report.summary(),
            "configured": _listing(f"{f.unit} ({configured[f.unit]})" for f in report.found if f.unit in configured),
            "unknown": _listing(f"{f.unit} ({f.sanity})" for f in addable if f.profile is None),
        }
        if not addable:
            return self.async_abort(reason="no_new_devices", description_placeholders=placeholders)
        errors: dict[str, str] = {}
        if user_input is not None:
            chosen = {int(unit) for unit in user_input[CONF_DEVICES]}
            if chosen:
                self._chosen = [f for f in addable if f.unit in chosen]
                return await self.async_step_generic()
            errors["base"] = "nothing_chosen"
        options = [selector.SelectOptionDict(value=str(f.unit), label=f"{f.unit}: {f.sanity}") for f in addable]
        ticked = [str(f.unit) for f in addable if f.profile is not None]
        schema = vol.Schema({
            vol.Optional(CONF_DEVICES, default=ticked): selector.SelectSelector(
                selector.SelectSelectorConfig(options=options, multiple=True, mode=selector.SelectSelectorMode.LIST)),
        })  # fmt: skip
        return self.async_show_form(step_id="pick", data_schema=schema, errors=errors,
                                    description_placeholders=placeholders)  # fmt: skip

    async def async_step_generic(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """One form per ticked device no profile recognised: which generic map it gets. Then all are added."""
        unknown = [f for f in self._chosen if f.profile is None and f.unit not in self._generic]
        if user_input is not None:
            self._generic[unknown[0].unit] = str(user_input[CONF_PROFILE])
            unknown = unknown[1:]
        if unknown:
            found = unknown[0]
            schema = vol.Schema({
                vol.Required(CONF_PROFILE, default=GENERIC_DEFAULT): selector.SelectSelector(
                    selector.SelectSelectorConfig(options=generic_profiles(), translation_key=CONF_PROFILE,
                                                  mode=selector.SelectSelectorMode.LIST)),
            })  # fmt: skip
            placeholders = {"unit": str(found.unit), "sanity": found.sanity, "left": str(len(unknown) - 1)}
            return self.async_show_form(step_id="generic", data_schema=schema, description_placeholders=placeholders)
        entry = self._get_entry()
        for found in self._chosen:
            profile = found.profile or self._generic[found.unit]
            self.hass.config_entries.async_add_subentry(entry, _device_subentry(found.unit, profile))
        return self.async_abort(reason="devices_added", description_placeholders={"count": str(len(self._chosen))})


def generic_profiles() -> list[str]:
    """The shipped maps that recognise no device (no identify rules): templates for a device of its kind."""
    return sorted(name for name, profile in builtin_profiles().items() if not profile.identify)


def _listing(items: Any) -> str:
    text = ", ".join(items)
    return text or _NONE


def _device_subentry(unit: int, profile: str) -> ConfigSubentry:
    title = builtin_profiles()[profile].title
    return ConfigSubentry(
        data=MappingProxyType({CONF_UNIT_ID: unit, CONF_PROFILE: profile}),
        subentry_type=SUBENTRY_DEVICE,
        title=f"{title} (unit {unit})",
        unique_id=str(unit),
    )
