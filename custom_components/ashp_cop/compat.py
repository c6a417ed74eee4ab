"""Differences between Home Assistant releases, in one place (modbus/compat.py does the same for pymodbus).

Supported: 2025.4 (hacs.json's minimum) to what users run today (2026.11). Each
difference is decided once, at import, from what the running release has, never
from its version number:

* statistics metadata: ``unit_class`` exists from 2025.11; without it 2026.11
  reports the call (``report_usage``, "stop working in 2026.11") and fills it in,
  and this project's tests fail on any such report (tests/integration/conftest.py).
* device info: ``via_device_id`` (the parent's device registry id) replaces
  ``via_device`` (the parent's identifier) in 2026.11, which reports
  ``via_device`` (breaks 2027.8) and hides it from type checking.
* reconfiguring an entry that has an update listener: 2026.11 reports
  ``async_update_reload_and_abort`` on such an entry (breaks 2026.12), and on
  every release it reloads the entry twice (the listener and the flow).
* device registry: a device belongs to one config entry and subentry from
  2026.11 (``config_entry_id``, ``config_subentry_id``); reading
  ``config_entries_subentries`` or calling ``async_get_device`` is reported, a
  RuntimeError for callers that are not integrations (tests, tools), and breaks
  for all in 2027.10 and 2027.8 respectively (2026.11's device_registry.py).
  ``async_get_device_by_identifier`` takes the owning entry.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, cast

from homeassistant.components.recorder.models import StatisticMeanType, StatisticMetaData
from homeassistant.components.recorder.statistics import STATISTIC_UNIT_TO_UNIT_CONVERTER
from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult
from homeassistant.helpers.device_registry import DeviceEntry, DeviceInfo, DeviceRegistry


def _field_names(cls: type) -> frozenset[str]:
    """Fields of a TypedDict or a dataclass, without evaluating annotations (Python 3.14 evaluates them lazily)."""
    if dataclasses.is_dataclass(cls):
        return frozenset(field.name for field in dataclasses.fields(cls))
    return frozenset(getattr(cls, "__required_keys__", ())) | frozenset(getattr(cls, "__optional_keys__", ()))


HAS_STATISTIC_UNIT_CLASS = "unit_class" in _field_names(StatisticMetaData)
HAS_VIA_DEVICE_ID = "via_device_id" in _field_names(DeviceInfo)


def unit_class_of(unit: str | None) -> str | None:
    """The recorder's unit class of a statistic unit ("energy" for kWh), None for a unit it cannot convert."""
    converter = STATISTIC_UNIT_TO_UNIT_CONVERTER.get(unit)
    return None if converter is None else converter.UNIT_CLASS


def statistic_metadata(
    *,
    statistic_id: str,
    source: str,
    name: str | None,
    unit_of_measurement: str | None,
    has_sum: bool,
    mean_type: StatisticMeanType,
) -> StatisticMetaData:
    """Metadata for async_add_external_statistics / async_import_statistics, with unit_class where it exists."""
    metadata: dict[str, Any] = {
        "statistic_id": statistic_id,
        "source": source,
        "name": name,
        "unit_of_measurement": unit_of_measurement,
        "has_sum": has_sum,
        "mean_type": mean_type,
    }
    if HAS_STATISTIC_UNIT_CLASS:
        metadata["unit_class"] = unit_class_of(unit_of_measurement)
    return cast(StatisticMetaData, metadata)


def device_info_via(
    *,
    identifiers: set[tuple[str, str]],
    name: str,
    manufacturer: str | None,
    model: str | None,
    via_identifier: tuple[str, str],
    via_device_id: str,
) -> DeviceInfo:
    """Device info of a device reached through another (a Modbus device through its hub).

    ``via_device_id`` is the parent's device registry id, ``via_identifier`` its
    identifier: each release gets the one it takes.
    """
    fields: dict[str, Any] = {"identifiers": identifiers, "name": name, "manufacturer": manufacturer, "model": model}
    if HAS_VIA_DEVICE_ID:
        fields["via_device_id"] = via_device_id
    else:
        fields["via_device"] = via_identifier
    # a TypedDict up to 2026.10, a dataclass from 2026.11: built the same way, typed as what this release has
    return cast(DeviceInfo, cast(Any, DeviceInfo)(**fields))


def async_update_entry_and_abort(
    flow: ConfigFlow, entry: ConfigEntry, *, data: Mapping[str, Any], title: str, unique_id: str
) -> ConfigFlowResult:
    """End a reconfigure flow: update the entry and have it reloaded exactly once.

    A loaded entry reloads through its update listener (the listener runs when
    the entry changed). An entry without a listener, one whose setup failed and
    waits for a retry, is reloaded here, so the new settings get their try now.
    """
    listening = bool(entry.update_listeners)
    flow.hass.config_entries.async_update_entry(entry, data=data, title=title, unique_id=unique_id)
    if not listening:
        flow.hass.config_entries.async_schedule_reload(entry.entry_id)
    return flow.async_abort(reason="reconfigure_successful")


def device_by_identifier(
    registry: DeviceRegistry, identifier: tuple[str, str], config_entry_id: str
) -> DeviceEntry | None:
    """The device of ``config_entry_id`` with ``identifier``, looked up the way the running release takes."""
    lookup = getattr(registry, "async_get_device_by_identifier", None)
    if lookup is not None:
        found: DeviceEntry | None = lookup(identifier, config_entry_id)
        return found
    device = registry.async_get_device(identifiers={identifier})
    return device if device is not None and config_entry_id in device.config_entries else None


def device_subentry_ids(device: DeviceEntry, config_entry_id: str) -> set[str | None]:
    """The subentries of ``config_entry_id`` the device belongs to (one from 2026.11)."""
    if hasattr(device, "config_subentry_id"):
        owner = getattr(device, "config_entry_id", None)
        return {getattr(device, "config_subentry_id", None)} if owner == config_entry_id else set()
    return set(device.config_entries_subentries.get(config_entry_id, set()))
