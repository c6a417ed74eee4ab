"""The Modbus hub coordinator: one per hub (one connection), polling every device on it.

The heat pump, plant and seasonal coordinators live beside their figures
(heat_pump.py, plant.py, seasonal.py); they read, they do not poll a bus.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import (
    CONF_BAUDRATE,
    CONF_BYTESIZE,
    CONF_CT_PRIMARY,
    CONF_PARITY,
    CONF_PROFILE,
    CONF_REGISTER_MAP,
    CONF_RETRIES,
    CONF_SERIAL_PORT,
    CONF_STOPBITS,
    CONF_TIMEOUT,
    CONF_TRANSPORT,
    CONF_UNIT_ID,
    DEFAULT_PARITY,
    DEFAULT_RETRIES,
    DEFAULT_SCAN_INTERVAL_S,
    DEFAULT_TIMEOUT_S,
    DOMAIN,
    LOGGER,
    PARITY_LETTERS,
    PROFILE_CUSTOM,
    SUBENTRY_DEVICE,
)
from .hub_health import HealthIssue, HubHealth
from .modbus.device import DeviceScan, ModbusDevice
from .modbus.errors import HubConnectionError, ModbusConfigError, RegisterMapError
from .modbus.hub import ModbusHub
from .modbus.profiles import builtin_profile
from .modbus.registermap import RegisterMap, parse_register_map
from .modbus.serial_port import port_problem
from .modbus.settings import HubSettings, Transport

type HubConfigEntry = ConfigEntry[ModbusHubCoordinator]
REFUSED_MAP_ISSUE = "device_map_refused_"
HEALTH_ISSUE = "hub_health_"  # + entry id + _ + line_settings, line_noise, ct_reversed_<subentry>_<phase>


def hub_settings(data: dict[str, Any]) -> HubSettings:
    """The Modbus layer's settings from a hub entry's data (raises ModbusConfigError)."""
    transport = Transport(data[CONF_TRANSPORT])
    if transport is Transport.SERIAL:
        parity = str(data.get(CONF_PARITY, DEFAULT_PARITY))
        return HubSettings(
            transport,
            serial_port=data[CONF_SERIAL_PORT],
            baudrate=int(data.get(CONF_BAUDRATE, 9600)),
            parity=PARITY_LETTERS.get(parity, parity),  # anything else is refused by HubSettings, by name
            stopbits=int(data.get(CONF_STOPBITS, 1)),
            bytesize=int(data.get(CONF_BYTESIZE, 8)),
            timeout_s=float(data.get(CONF_TIMEOUT, DEFAULT_TIMEOUT_S)),
            retries=int(data.get(CONF_RETRIES, DEFAULT_RETRIES)),
        )
    return HubSettings(
        transport,
        host=data[CONF_HOST],
        port=int(data[CONF_PORT]),
        timeout_s=float(data.get(CONF_TIMEOUT, DEFAULT_TIMEOUT_S)),
        retries=int(data.get(CONF_RETRIES, DEFAULT_RETRIES)),
    )


def device_register_map(data: dict[str, Any]) -> RegisterMap:
    """A device subentry's map: a shipped profile or the user's own YAML (raises RegisterMapError)."""
    if data[CONF_PROFILE] == PROFILE_CUSTOM:
        return parse_register_map(data[CONF_REGISTER_MAP], source="register map")
    return builtin_profile(data[CONF_PROFILE])


class ModbusHubCoordinator(DataUpdateCoordinator[dict[int, DeviceScan]]):
    """Polls every device of one hub, one transaction at a time."""

    config_entry: HubConfigEntry
    # the hub's own device in the device registry: the devices on the hub are reached through it
    hub_device_id: str = ""

    def __init__(self, hass: HomeAssistant, entry: HubConfigEntry) -> None:
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} hub {entry.title}",
            update_interval=timedelta(seconds=int(entry.data.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL_S))),
        )
        self.hub = ModbusHub(hub_settings(dict(entry.data)))
        # subentry id -> device; unit ids may change on reconfigure, subentry ids never do
        self.devices: dict[str, ModbusDevice] = {}
        # subentry id -> why its register map was refused (a map stored before a stricter check)
        self.refused: dict[str, str] = {}
        # devices logged as unavailable: one line when a device stops answering, one when it is back
        self._unavailable: set[str] = set()
        # entity unique id -> its device and value key (value_of)
        self._values: dict[str, tuple[ModbusDevice, str]] = {}
        self._health = HubHealth(entry.title)
        # subentry id -> the primary current of an electricity meter's CTs, where the user gave it
        self.ct_primary_a: dict[str, float] = {}
        self._health_issues: set[str] = set()

    async def _add_devices(self) -> None:
        """Each device subentry on the bus; its map is read off the event loop.

        A map the present checks refuse (saved by an older release, say) leaves that one device out,
        named in a repair issue, rather than the whole hub and every other device on it.
        """
        entry = self.config_entry
        issues = {f"{REFUSED_MAP_ISSUE}{entry.entry_id}_{subentry_id}": subentry_id for subentry_id in entry.subentries}
        for domain, issue_id in list(ir.async_get(self.hass).issues):  # devices removed since
            if (
                domain == DOMAIN
                and issue_id.startswith(f"{REFUSED_MAP_ISSUE}{entry.entry_id}_")
                and issue_id not in issues
            ):
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)
        for subentry in entry.subentries.values():
            if subentry.subentry_type != SUBENTRY_DEVICE:
                continue
            issue_id = f"{REFUSED_MAP_ISSUE}{entry.entry_id}_{subentry.subentry_id}"
            try:
                register_map = await self.hass.async_add_executor_job(device_register_map, dict(subentry.data))
                device = self.hub.add_device(int(subentry.data[CONF_UNIT_ID]), register_map, name=subentry.title)
            except (RegisterMapError, ModbusConfigError, KeyError) as err:
                self.refused[subentry.subentry_id] = str(err)
                LOGGER.error("%s on %s is left out: %s", subentry.title, entry.title, err)
                ir.async_create_issue(
                    self.hass, DOMAIN, issue_id, is_fixable=False, severity=ir.IssueSeverity.ERROR,
                    translation_key="device_map_refused",
                    translation_placeholders={"device": subentry.title, "hub": entry.title, "error": str(err)},
                )  # fmt: skip
                continue
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            self.devices[subentry.subentry_id] = device
            if subentry.data.get(CONF_CT_PRIMARY):
                self.ct_primary_a[subentry.subentry_id] = float(subentry.data[CONF_CT_PRIMARY])

    async def _async_setup(self) -> None:
        prefix = f"{HEALTH_ISSUE}{self.config_entry.entry_id}_"
        for domain, issue_id in list(ir.async_get(self.hass).issues):  # what held before a restart is found anew
            if domain == DOMAIN and issue_id.startswith(prefix):
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)
        await self._add_devices()
        try:
            await self.hub.connect()
        except HubConnectionError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={"error": str(err)},
            ) from err

    async def _async_update_data(self) -> dict[int, DeviceScan]:
        scans = await self.hub.scan()
        self._log_availability(scans)
        issues = self._health.update(self.devices, scans, self.ct_primary_a)
        if self.hub.settings.transport is Transport.SERIAL and scans and not any(s.available for s in scans.values()):
            # nothing answered: say why, where it is the port (unplugged, taken by another program, not permitted)
            port = self.hub.settings.serial_port
            problem = await self.hass.async_add_executor_job(port_problem, port)
            if problem is not None:
                issues.append(HealthIssue("serial_port", f"serial_{problem.kind}",
                                          {"hub": self.config_entry.title, "error": problem.message}))  # fmt: skip
        self._sync_health(issues)
        if scans and not any(scan.available for scan in scans.values()):
            first = next(iter(scans.values()))
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="no_device_answered",
                translation_placeholders={"hub": self.hub.settings.describe, "error": "; ".join(first.errors[:1])},
            )
        return scans

    def _sync_health(self, issues: list[HealthIssue]) -> None:
        """Raise the line and meter issues that hold now, delete those that no longer do."""
        prefix = f"{HEALTH_ISSUE}{self.config_entry.entry_id}_"
        now = {prefix + issue.key: issue for issue in issues}
        for issue_id in self._health_issues - now.keys():
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
        for issue_id, issue in now.items():
            if issue_id not in self._health_issues:
                LOGGER.warning("%s: %s %s", self.config_entry.title, issue.translation_key, issue.placeholders)
            ir.async_create_issue(
                self.hass, DOMAIN, issue_id, is_fixable=False, severity=ir.IssueSeverity.WARNING,
                translation_key=issue.translation_key, translation_placeholders=issue.placeholders,
            )  # fmt: skip
        self._health_issues = set(now)

    def _log_availability(self, scans: dict[int, DeviceScan]) -> None:
        """Log (info) each device that stopped answering, once, and once when it is back.

        The coordinator itself logs only when the whole hub fails; one silent
        meter among several would otherwise go unnoticed in the log.
        """
        for subentry_id, device in self.devices.items():
            if not device.available and subentry_id not in self._unavailable:
                self._unavailable.add(subentry_id)
                why = "; ".join(scans[device.unit_id].errors[:1]) or "no answer"
                hub = self.hub.settings.describe
                LOGGER.info("%s (unit %s) on %s is unavailable: %s", device.name, device.unit_id, hub, why)
            elif device.available and subentry_id in self._unavailable:
                self._unavailable.discard(subentry_id)
                LOGGER.info(
                    "%s (unit %s) on %s is available again", device.name, device.unit_id, self.hub.settings.describe
                )

    def value_of(self, unique_id: str) -> tuple[ModbusDevice, str] | None:
        """The device and value key behind one of this hub's entities (unique id ``<subentry id>_<key>``).

        Found once per entity: heat pumps read their roles through it at every poll.
        """
        found = self._values.get(unique_id)
        if found is None:
            for subentry_id, device in self.devices.items():
                key = unique_id.removeprefix(f"{subentry_id}_")
                if key != unique_id:
                    found = self._values[unique_id] = (device, key)
                    break
        return found

    def shutdown_hub(self) -> None:
        self.hub.close()
