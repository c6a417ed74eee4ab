"""Configuration in the UI: Modbus hubs (devices as subentries), heat pumps and plants."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import voluptuous as vol
import yaml
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT, CONF_SCAN_INTERVAL
from homeassistant.core import callback
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.helpers import selector
from homeassistant.helpers.hassio import is_hassio

from .compat import async_update_entry_and_abort
from .const import (
    CONF_BAUDRATE,
    CONF_BYTESIZE,
    CONF_CT_PRIMARY,
    CONF_ENTRY_TYPE,
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
    DEFAULT_PORT,
    DEFAULT_RETRIES,
    DEFAULT_SCAN_INTERVAL_S,
    DEFAULT_TIMEOUT_S,
    DOMAIN,
    ENTRY_HEAT_PUMP,
    ENTRY_HUB,
    ENTRY_PLANT,
    LOGGER,
    PARITY_LETTERS,
    PROFILE_CUSTOM,
    SUBENTRY_DEVICE,
    SUBENTRY_SCAN,
)
from .coordinator import HubConfigEntry, device_register_map, hub_settings
from .heat_pump_flow import HeatPumpConfigSteps, HeatPumpOptionsFlow
from .modbus.device import ModbusDevice
from .modbus.errors import ModbusConfigError, RegisterMapError
from .modbus.probe import PROBE_UNIT_ID, HubProbeError, probe_hub, same_endpoint
from .modbus.profiles import PROFILE_DIR, builtin_profiles
from .modbus.settings import HubSettings, Transport
from .plant_flow import PlantConfigSteps, PlantOptionsFlow
from .scan_flow import ScanSubentryFlow

_NUMBER = selector.NumberSelectorMode.BOX
PROBE_SCANS = 3  # reads of a device whose answers fail their CRC check: every answer garbled, or some
CONF_PROBE_UNIT = "probe_unit_id"  # the unit the connection test asks; not stored


def _common_schema(defaults: dict[str, Any]) -> dict[vol.Marker, Any]:
    return {
        vol.Required(CONF_SCAN_INTERVAL, default=defaults.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL_S)):
            selector.NumberSelector(selector.NumberSelectorConfig(min=1, max=3600, step=1, mode=_NUMBER,
                                                                  unit_of_measurement="s")),
        vol.Required(CONF_TIMEOUT, default=defaults.get(CONF_TIMEOUT, DEFAULT_TIMEOUT_S)):
            selector.NumberSelector(selector.NumberSelectorConfig(min=0.05, max=60, step=0.05, mode=_NUMBER,
                                                                  unit_of_measurement="s")),
        vol.Required(CONF_RETRIES, default=defaults.get(CONF_RETRIES, DEFAULT_RETRIES)):
            selector.NumberSelector(selector.NumberSelectorConfig(min=0, max=10, step=1, mode=_NUMBER)),
    }  # fmt: skip


def _network_schema(defaults: dict[str, Any]) -> vol.Schema:
    return vol.Schema({
        vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, vol.UNDEFINED)): selector.TextSelector(),
        vol.Required(CONF_PORT, default=defaults.get(CONF_PORT, DEFAULT_PORT)):
            selector.NumberSelector(selector.NumberSelectorConfig(min=1, max=65535, step=1, mode=_NUMBER)),
        **_common_schema(defaults),
        vol.Required(CONF_PROBE_UNIT, default=defaults.get(CONF_PROBE_UNIT, PROBE_UNIT_ID)):
            selector.NumberSelector(selector.NumberSelectorConfig(min=1, max=247, step=1, mode=_NUMBER)),
    })  # fmt: skip


def _serial_schema(defaults: dict[str, Any]) -> vol.Schema:
    def choice(options: list[str], key: str) -> selector.SelectSelector:
        config = selector.SelectSelectorConfig(
            options=options, translation_key=key, mode=selector.SelectSelectorMode.DROPDOWN
        )
        return selector.SelectSelector(config)

    return vol.Schema({
        vol.Required(CONF_SERIAL_PORT, default=defaults.get(CONF_SERIAL_PORT, vol.UNDEFINED)): selector.TextSelector(),
        vol.Required(CONF_BAUDRATE, default=str(defaults.get(CONF_BAUDRATE, 9600))):
            choice(["1200", "2400", "4800", "9600", "19200", "38400", "57600", "115200"], CONF_BAUDRATE),
        vol.Required(CONF_PARITY, default=defaults.get(CONF_PARITY, DEFAULT_PARITY)): choice(list(PARITY_LETTERS),
                                                                                          CONF_PARITY),
        vol.Required(CONF_STOPBITS, default=str(defaults.get(CONF_STOPBITS, 1))): choice(["1", "2"], CONF_STOPBITS),
        vol.Required(CONF_BYTESIZE, default=str(defaults.get(CONF_BYTESIZE, 8))): choice(["8", "7"], CONF_BYTESIZE),
        **_common_schema(defaults),
    })  # fmt: skip


def _normalise(transport: Transport, user_input: dict[str, Any]) -> dict[str, Any]:
    """Entry data with numbers as numbers (selectors hand back floats and strings)."""
    data: dict[str, Any] = {CONF_ENTRY_TYPE: ENTRY_HUB, CONF_TRANSPORT: transport.value}
    for key, value in user_input.items():
        if key in (CONF_PORT, CONF_SCAN_INTERVAL, CONF_RETRIES, CONF_BAUDRATE, CONF_STOPBITS, CONF_BYTESIZE,
                   CONF_PROBE_UNIT):  # fmt: skip
            data[key] = int(float(value))
        elif key == CONF_TIMEOUT:
            data[key] = float(value)
        else:
            data[key] = value.strip() if isinstance(value, str) else value
    return data


def hub_unique_id(settings: HubSettings) -> str:
    """One hub per endpoint: host:port for the network transports, the device path for serial."""
    if settings.transport is Transport.SERIAL:
        return settings.serial_port
    return f"{settings.host.lower()}:{settings.port}"


async def validate_hub(
    data: dict[str, Any],
    *,
    probe_unit: int = PROBE_UNIT_ID,
    before_probe: Callable[[HubSettings], Awaitable[None]] | None = None,
) -> tuple[HubSettings | None, dict[str, str], dict[str, str]]:
    """(settings, errors, placeholders): the settings checked, then a Modbus server proven at that address.

    ``before_probe`` runs on valid settings before anything is sent (the flow
    aborts there on a hub that is configured already).
    """
    try:
        settings = hub_settings(data)
    except ModbusConfigError as err:
        return None, {"base": "invalid_setting"}, {"error": str(err)}
    if before_probe is not None:
        await before_probe(settings)
    try:
        found = await probe_hub(settings, probe_unit)
    except HubProbeError as err:
        return None, {"base": err.kind}, {"error": str(err)}
    LOGGER.debug("connection test of %s: %s", settings.describe, found)
    return settings, {}, {}


class AshpCopConfigFlow(HeatPumpConfigSteps, PlantConfigSteps, domain=DOMAIN):
    """Add a Modbus hub, a heat pump or a plant (their steps are in heat_pump_flow.py and plant_flow.py)."""

    VERSION = 1
    MINOR_VERSION = 2  # 1.2: parity stored as "even"/"none"/"odd" (async_migrate_entry in __init__.py)

    def __init__(self) -> None:
        super().__init__()
        self._transport = Transport.TCP

    @classmethod
    @callback
    def async_get_supported_subentry_types(cls, config_entry: ConfigEntry) -> dict[str, type[ConfigSubentryFlow]]:
        if config_entry.data.get(CONF_ENTRY_TYPE) == ENTRY_HUB:
            return {SUBENTRY_DEVICE: DeviceSubentryFlow, SUBENTRY_SCAN: ScanSubentryFlow}
        return {}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        return self.async_show_menu(step_id="user", menu_options=["hub", "heat_pump", "plant"])

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        if config_entry.data.get(CONF_ENTRY_TYPE) == ENTRY_PLANT:
            return PlantOptionsFlow()
        return HeatPumpOptionsFlow()

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        return config_entry.data.get(CONF_ENTRY_TYPE) in (ENTRY_HEAT_PUMP, ENTRY_PLANT)

    async def async_step_hub(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        if user_input is not None:
            self._transport = Transport(user_input[CONF_TRANSPORT])
            return await (
                self.async_step_serial() if self._transport is Transport.SERIAL else self.async_step_network()
            )
        return self.async_show_form(step_id="hub", data_schema=_transport_schema(self._transport))

    async def async_step_network(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        return await self._hub_step("network", _network_schema, user_input)

    async def async_step_serial(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        return await self._hub_step("serial", _serial_schema, user_input)

    async def _hub_step(self, step_id: str, schema: Any, user_input: dict[str, Any] | None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {"error": ""}
        defaults: dict[str, Any] = {}
        if user_input is not None:
            if step_id == "network" and CONF_TRANSPORT in user_input:  # reconfigure: the transport may change
                user_input = dict(user_input)
                self._transport = Transport(user_input.pop(CONF_TRANSPORT))
            data = _normalise(self._transport, user_input)
            probe_unit = data.pop(CONF_PROBE_UNIT, PROBE_UNIT_ID)
            settings, errors, found = await validate_hub(data, probe_unit=probe_unit, before_probe=self._abort_if_known)
            placeholders |= found
            if errors.get("base") == "port_permission":  # what to do differs: Home Assistant OS or a container/venv
                errors["base"] = "port_permission_os" if is_hassio(self.hass) else "port_permission_container"
            if settings is not None:
                if self.source == "reconfigure":
                    entry = self._get_reconfigure_entry()
                    return async_update_entry_and_abort(self, entry, unique_id=hub_unique_id(settings), data=data,
                                                        title=settings.describe)  # fmt: skip
                return self.async_create_entry(title=settings.describe, data=data)
            defaults = user_input
        elif self.source == "reconfigure":
            entry = self._get_reconfigure_entry()
            defaults = {**entry.data, CONF_PROBE_UNIT: _first_unit(entry)}
        data_schema = schema(defaults)
        if self.source == "reconfigure" and step_id == "network":
            # a serial gateway found to be transparent moves to RTU over TCP, keeping the hub and its devices
            data_schema = data_schema.extend({
                vol.Required(CONF_TRANSPORT, default=self._transport.value): selector.SelectSelector(
                    selector.SelectSelectorConfig(options=[t.value for t in NETWORK_TRANSPORTS],
                                                  translation_key=CONF_TRANSPORT,
                                                  mode=selector.SelectSelectorMode.DROPDOWN)),
            })  # fmt: skip
        return self.async_show_form(
            step_id=step_id, data_schema=data_schema, errors=errors, description_placeholders=placeholders
        )

    async def _abort_if_known(self, settings: HubSettings) -> None:
        """Abort on a hub configured already: the same unique id, or the same port once names are resolved."""
        await self.async_set_unique_id(hub_unique_id(settings))
        own = self._get_reconfigure_entry().entry_id if self.source == "reconfigure" else None
        hubs: dict[HubSettings, str] = {}
        for entry in self._async_current_entries(include_ignore=False):
            if entry.entry_id == own:
                continue
            if entry.unique_id == self.unique_id:
                raise AbortFlow("already_configured")
            if entry.data.get(CONF_ENTRY_TYPE) == ENTRY_HUB:
                with contextlib.suppress(ModbusConfigError, KeyError, ValueError):
                    hubs[hub_settings(dict(entry.data))] = entry.title
        if (same := await same_endpoint(settings, hubs)) is not None:
            raise AbortFlow("same_hub", {"hub": hubs[same], "address": settings.describe})

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Change host, port or serial settings; devices, entities and history stay."""
        entry = self._get_reconfigure_entry()
        if entry.data.get(CONF_ENTRY_TYPE) == ENTRY_HEAT_PUMP:
            return await self.async_step_reconfigure_heat_pump()
        if entry.data.get(CONF_ENTRY_TYPE) == ENTRY_PLANT:
            return await self.async_step_reconfigure_plant()
        self._transport = Transport(entry.data[CONF_TRANSPORT])
        if self._transport is Transport.SERIAL:
            return await self.async_step_serial()
        return await self.async_step_network()


NETWORK_TRANSPORTS = (Transport.TCP, Transport.RTU_OVER_TCP, Transport.UDP)


def _first_unit(entry: ConfigEntry) -> int:
    """The lowest unit id of a hub's devices: the connection test asks a device the hub has."""
    units = [int(s.data[CONF_UNIT_ID]) for s in entry.subentries.values() if CONF_UNIT_ID in s.data]
    return min(units, default=PROBE_UNIT_ID)


def _transport_schema(default: Transport) -> vol.Schema:
    return vol.Schema({
        vol.Required(CONF_TRANSPORT, default=default.value): selector.SelectSelector(selector.SelectSelectorConfig(
            options=[t.value for t in Transport], translation_key=CONF_TRANSPORT,
            mode=selector.SelectSelectorMode.LIST)),
    })  # fmt: skip


class DeviceSubentryFlow(ConfigSubentryFlow):
    """A device on a hub: unit id and register map (shipped profile or the user's own)."""

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}
        self._noisy: dict[str, Any] = {}  # the device refused once for partly garbled answers

    def _schema(self, defaults: dict[str, Any]) -> vol.Schema:
        profiles = [*sorted(builtin_profiles()), PROFILE_CUSTOM]
        return vol.Schema({
            vol.Required(CONF_NAME, default=defaults.get(CONF_NAME, vol.UNDEFINED)): selector.TextSelector(),
            vol.Required(CONF_UNIT_ID, default=defaults.get(CONF_UNIT_ID, 1)):
                selector.NumberSelector(selector.NumberSelectorConfig(min=1, max=247, step=1, mode=_NUMBER)),
            vol.Required(CONF_PROFILE, default=defaults.get(CONF_PROFILE, vol.UNDEFINED)):
                selector.SelectSelector(selector.SelectSelectorConfig(options=profiles, translation_key=CONF_PROFILE,
                                                                      mode=selector.SelectSelectorMode.DROPDOWN)),
            vol.Optional(CONF_CT_PRIMARY, description={"suggested_value": defaults.get(CONF_CT_PRIMARY)}):
                selector.NumberSelector(selector.NumberSelectorConfig(min=1, max=10000, step=1, mode=_NUMBER,
                                                                      unit_of_measurement="A")),
        })  # fmt: skip

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        await self.hass.async_add_executor_job(builtin_profiles)  # file reads stay off the event loop
        return await self._device_step("user", user_input)

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        await self.hass.async_add_executor_job(builtin_profiles)
        return await self._device_step("reconfigure", user_input)

    async def _device_step(self, step_id: str, user_input: dict[str, Any] | None) -> SubentryFlowResult:
        errors: dict[str, str] = {}
        placeholders = {"error": ""}
        defaults: dict[str, Any] = dict(self._get_reconfigure_subentry().data) if step_id == "reconfigure" else {}
        if step_id == "reconfigure":
            defaults[CONF_NAME] = self._get_reconfigure_subentry().title
        if user_input is not None:
            unit_id = int(user_input[CONF_UNIT_ID])
            if self._unit_in_use(unit_id):
                errors[CONF_UNIT_ID] = "unit_id_in_use"
            else:
                self._data = {CONF_UNIT_ID: unit_id, CONF_PROFILE: user_input[CONF_PROFILE],
                              CONF_NAME: user_input[CONF_NAME].strip()}  # fmt: skip
                if user_input.get(CONF_CT_PRIMARY):
                    self._data[CONF_CT_PRIMARY] = int(user_input[CONF_CT_PRIMARY])
                if user_input[CONF_PROFILE] == PROFILE_CUSTOM:
                    template = defaults.get(CONF_REGISTER_MAP) or await self.hass.async_add_executor_job(_template)
                    self._data[CONF_REGISTER_MAP] = template
                    return await self.async_step_register_map()
                probe_error = await self._probe()
                if probe_error is None:
                    return self._finish()
                errors["base"], placeholders["error"] = probe_error
            defaults = user_input
        return self.async_show_form(step_id=step_id, data_schema=self._schema(defaults), errors=errors,
                                    description_placeholders=placeholders)  # fmt: skip

    async def async_step_register_map(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        errors: dict[str, str] = {}
        placeholders = {"error": ""}
        if user_input is not None:
            self._data[CONF_REGISTER_MAP] = await self.hass.async_add_executor_job(
                register_map_text, user_input[CONF_REGISTER_MAP], self._data[CONF_REGISTER_MAP]
            )
            try:
                # A pasted map may be large: YAML parsing stays off the event loop.
                await self.hass.async_add_executor_job(device_register_map, self._data)
            except RegisterMapError as err:
                errors[CONF_REGISTER_MAP] = "invalid_register_map"
                placeholders["error"] = str(err)
            else:
                probe_error = await self._probe()
                if probe_error is None:
                    return self._finish()
                errors["base"], placeholders["error"] = probe_error
        shown = await self.hass.async_add_executor_job(register_map_object, self._data[CONF_REGISTER_MAP])
        # the object selector is the frontend's YAML code editor (monospace, line numbers, YAML checked as typed)
        schema = vol.Schema({vol.Required(CONF_REGISTER_MAP, default=shown): selector.ObjectSelector()})
        return self.async_show_form(step_id="register_map", data_schema=schema, errors=errors,
                                    description_placeholders=placeholders)  # fmt: skip

    def _unit_in_use(self, unit_id: int) -> bool:
        own = self._get_reconfigure_subentry().subentry_id if self.source == "reconfigure" else None
        return any(
            int(s.data.get(CONF_UNIT_ID, 0)) == unit_id and s.subentry_id != own
            for s in self._get_entry().subentries.values()
        )

    def _finish(self) -> SubentryFlowResult:
        entry = self._get_entry()
        data = dict(self._data)
        name = data.pop(CONF_NAME)
        if self.source == "reconfigure":
            return self.async_update_and_abort(entry, self._get_reconfigure_subentry(), title=name, data=data,
                                               unique_id=str(data[CONF_UNIT_ID]))  # fmt: skip
        return self.async_create_entry(title=name, data=data, unique_id=str(data[CONF_UNIT_ID]))

    async def _probe(self) -> tuple[str, str] | None:
        """Read the device over the hub's own connection: None if it answered, else (error key, what happened).

        A device that answers is read ``PROBE_SCANS`` times, to tell line settings that differ from the device's
        (every answer fails its CRC check) from reflections on the line (some do), as the hub's repair issues do
        (hub_health.py). A device whose answers are only partly garbled is refused once,
        naming the termination; submitted again unchanged, it is added as it is (the repair issue keeps watch).
        """
        entry: HubConfigEntry = self._get_entry()
        coordinator = getattr(entry, "runtime_data", None)
        if coordinator is None:
            return None  # hub not loaded (retrying setup): the device is checked when it loads
        register_map = await self.hass.async_add_executor_job(device_register_map, self._data)
        device = ModbusDevice(self._data[CONF_UNIT_ID], register_map)
        scans = [await device.scan(coordinator.hub.connection, retries=0)]
        counts = device.diagnostics
        while len(scans) < PROBE_SCANS and counts.errors["crc"] + counts.answered + counts.errors["exception"]:
            scans.append(await device.scan(coordinator.hub.connection, retries=0))  # silence is not read again
        garbled, clean = counts.errors["crc"], counts.answered + counts.errors["exception"]
        answered = any(scan.available for scan in scans)
        if garbled:
            told = f"unit {device.unit_id}: {garbled} of {garbled + clean} answers failed their CRC check"
            if not clean:
                return "line_settings", told
            if not answered or self._noisy != self._data:
                self._noisy = dict(self._data)
                return "line_noise", told
        return None if answered else ("device_not_answering", "; ".join(scans[0].errors[:2]))


def register_map_object(text: str) -> Any:
    """The stored register map (YAML text) as the YAML editor shows it: parsed; the text itself if it does not
    parse (the register map check then names the line)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def register_map_text(submitted: Any, before: str) -> str:
    """The register map to store, YAML text as ever: the YAML editor sends the parsed YAML, which keeps neither
    comments nor hexadecimal addresses, so a map submitted unchanged keeps its text as typed; a text (an API
    client, a map that did not parse) is taken as it is."""
    if isinstance(submitted, str):
        return submitted
    if register_map_object(before) == submitted:
        return before
    return str(yaml.safe_dump(submitted, sort_keys=False, allow_unicode=True, default_flow_style=None))


def _template() -> str:
    return (PROFILE_DIR / "generic_heat_meter.yaml").read_text(encoding="utf-8")
