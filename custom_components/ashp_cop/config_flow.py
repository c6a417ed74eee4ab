"""Configuration in the UI: Modbus hubs (devices as subentries) and heat pumps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import voluptuous as vol
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT, CONF_SCAN_INTERVAL
from homeassistant.core import callback
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.helpers import selector

from .const import (
    CONF_BAUDRATE,
    CONF_BYTESIZE,
    CONF_ENTRY_TYPE,
    CONF_PARITY,
    CONF_PROFILE,
    CONF_REGISTER_MAP,
    CONF_RETRIES,
    CONF_ROLES,
    CONF_SERIAL_PORT,
    CONF_STOPBITS,
    CONF_TIMEOUT,
    CONF_TRANSPORT,
    CONF_UNIT_ID,
    DEFAULT_PORT,
    DEFAULT_RETRIES,
    DEFAULT_SCAN_INTERVAL_S,
    DEFAULT_TIMEOUT_S,
    DOMAIN,
    ENTRY_HEAT_PUMP,
    ENTRY_HUB,
    ENTRY_PLANT,
    PROFILE_CUSTOM,
    SUBENTRY_DEVICE,
)
from .coordinator import HubConfigEntry, device_register_map, hub_settings
from .heat_pump_flow import (
    alerts_schema,
    check_circuit,
    check_datasheet,
    check_roles,
    circuit_schema,
    datasheet_schema,
    entry_config,
    roles_schema,
)
from .modbus.device import ModbusDevice
from .modbus.errors import HubConnectionError, ModbusConfigError, RegisterMapError
from .modbus.hub import ModbusHub
from .modbus.profiles import PROFILE_DIR, builtin_profiles
from .modbus.settings import HubSettings, Transport
from .plant_flow import check_plant, plant_schema

_NUMBER = selector.NumberSelectorMode.BOX


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
        vol.Required(CONF_PARITY, default=defaults.get(CONF_PARITY, "E")): choice(["E", "N", "O"], CONF_PARITY),
        vol.Required(CONF_STOPBITS, default=str(defaults.get(CONF_STOPBITS, 1))): choice(["1", "2"], CONF_STOPBITS),
        vol.Required(CONF_BYTESIZE, default=str(defaults.get(CONF_BYTESIZE, 8))): choice(["8", "7"], CONF_BYTESIZE),
        **_common_schema(defaults),
    })  # fmt: skip


def _normalise(transport: Transport, user_input: dict[str, Any]) -> dict[str, Any]:
    """Entry data with numbers as numbers (selectors hand back floats and strings)."""
    data: dict[str, Any] = {CONF_ENTRY_TYPE: ENTRY_HUB, CONF_TRANSPORT: transport.value}
    for key, value in user_input.items():
        if key in (CONF_PORT, CONF_SCAN_INTERVAL, CONF_RETRIES, CONF_BAUDRATE, CONF_STOPBITS, CONF_BYTESIZE):
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


async def validate_hub(data: dict[str, Any]) -> tuple[HubSettings | None, dict[str, str], dict[str, str]]:
    """(settings, errors, placeholders): the settings are checked and the connection opened once."""
    try:
        settings = hub_settings(data)
    except ModbusConfigError as err:
        return None, {"base": "invalid_setting"}, {"error": str(err)}
    hub = ModbusHub(settings)
    try:
        await hub.connect()
    except HubConnectionError as err:
        return None, {"base": "cannot_connect"}, {"error": str(err)}
    except ModbusConfigError as err:
        return None, {"base": "invalid_setting"}, {"error": str(err)}
    finally:
        hub.close()
    return settings, {}, {}


type Checker = Callable[[dict[str, Any]], tuple[dict[str, Any], dict[str, str], dict[str, str]]]


async def settings_step(
    flow: ConfigFlow | OptionsFlow,
    step_id: str,
    user_input: dict[str, Any] | None,
    *,
    check: Checker,
    schema: Callable[[dict[str, Any]], vol.Schema],
    defaults: dict[str, Any],
    on_valid: Callable[[dict[str, Any]], Awaitable[ConfigFlowResult]],
) -> ConfigFlowResult:
    """One heat-pump settings form, shared by the config flow and the options flow: check it, go on or show why."""
    errors: dict[str, str] = {}
    placeholders = {"error": ""}
    if user_input is not None:
        settings, errors, placeholders = check(user_input)
        if not errors:
            return await on_valid(settings)
    return flow.async_show_form(step_id=step_id, data_schema=schema(user_input or defaults), errors=errors,
                                description_placeholders=placeholders)  # fmt: skip


class AshpCopConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a Modbus hub or a heat pump."""

    VERSION = 1

    def __init__(self) -> None:
        self._transport = Transport.TCP
        self._roles: dict[str, str] = {}
        self._circuit: dict[str, Any] = {}
        self._name = ""

    @classmethod
    @callback
    def async_get_supported_subentry_types(cls, config_entry: ConfigEntry) -> dict[str, type[ConfigSubentryFlow]]:
        if config_entry.data.get(CONF_ENTRY_TYPE) == ENTRY_HUB:
            return {SUBENTRY_DEVICE: DeviceSubentryFlow}
        return {}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        return self.async_show_menu(step_id="user", menu_options=["hub", "heat_pump", "plant"])

    async def async_step_plant(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Several heat pumps and the loads they share, with one COP for the whole."""
        errors: dict[str, str] = {}
        if user_input is not None:
            settings, errors = check_plant(user_input)
            if not errors:
                name = user_input[CONF_NAME].strip()
                return self.async_create_entry(title=name, data={CONF_ENTRY_TYPE: ENTRY_PLANT, **settings})
        name = vol.Required(CONF_NAME, default=(user_input or {}).get(CONF_NAME, vol.UNDEFINED))
        schema = vol.Schema({name: selector.TextSelector()}).extend(plant_schema(self.hass, user_input or {}).schema)
        return self.async_show_form(step_id="plant", data_schema=schema, errors=errors)

    async def async_step_heat_pump(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Name the heat pump and bind its measurements."""
        errors: dict[str, str] = {}
        if user_input is not None:
            self._roles, errors = check_roles(user_input)
            self._name = user_input[CONF_NAME].strip()
            if not errors:
                return await self.async_step_circuit()
        name = vol.Required(CONF_NAME, default=self._name or vol.UNDEFINED)
        schema = vol.Schema({name: selector.TextSelector()}).extend(roles_schema(self._roles).schema)
        return self.async_show_form(step_id="heat_pump", data_schema=schema, errors=errors)

    async def async_step_circuit(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Medium, sensor offsets, thresholds."""

        async def next_step(circuit: dict[str, Any]) -> ConfigFlowResult:
            self._circuit = circuit
            return await self.async_step_datasheet()

        return await settings_step(
            self, "circuit", user_input, check=check_circuit, schema=circuit_schema, defaults={}, on_valid=next_step
        )

    async def async_step_datasheet(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Optionally, the unit's EN 14825 datasheet, for the rated SCOP and the COP to expect."""

        async def create(rating: dict[str, Any]) -> ConfigFlowResult:
            data = {CONF_ENTRY_TYPE: ENTRY_HEAT_PUMP, **entry_config(self._roles, self._circuit | rating)}
            return self.async_create_entry(title=self._name, data=data)

        return await settings_step(
            self, "datasheet", user_input, check=check_datasheet, schema=datasheet_schema, defaults={}, on_valid=create
        )

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
            data = _normalise(self._transport, user_input)
            settings, errors, found = await validate_hub(data)
            placeholders |= found
            if settings is not None:
                await self.async_set_unique_id(hub_unique_id(settings))
                if self.source == "reconfigure":
                    entry = self._get_reconfigure_entry()
                    self._abort_if_unique_id_mismatch_elsewhere(entry)
                    return self.async_update_reload_and_abort(entry, unique_id=hub_unique_id(settings), data=data,
                                                              title=settings.describe)  # fmt: skip
                self._abort_if_unique_id_configured()
                return self.async_create_entry(title=settings.describe, data=data)
            defaults = user_input
        elif self.source == "reconfigure":
            defaults = dict(self._get_reconfigure_entry().data)
        return self.async_show_form(
            step_id=step_id, data_schema=schema(defaults), errors=errors, description_placeholders=placeholders
        )

    def _abort_if_unique_id_mismatch_elsewhere(self, entry: ConfigEntry) -> None:
        for other in self._async_current_entries(include_ignore=False):
            if other.entry_id != entry.entry_id and other.unique_id == self.unique_id:
                raise AbortFlow("already_configured")

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Change host, port or serial settings; devices, entities and history stay."""
        entry = self._get_reconfigure_entry()
        self._transport = Transport(entry.data[CONF_TRANSPORT])
        if self._transport is Transport.SERIAL:
            return await self.async_step_serial()
        return await self.async_step_network()


def _transport_schema(default: Transport) -> vol.Schema:
    return vol.Schema({
        vol.Required(CONF_TRANSPORT, default=default.value): selector.SelectSelector(selector.SelectSelectorConfig(
            options=[t.value for t in Transport], translation_key=CONF_TRANSPORT,
            mode=selector.SelectSelectorMode.LIST)),
    })  # fmt: skip


class PlantOptionsFlow(OptionsFlow):
    """Change which heat pumps and shared loads make up the plant."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        return await self.async_step_plant()

    async def async_step_plant(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            settings, errors = check_plant(user_input)
            if not errors:
                return self.async_create_entry(data=settings)
        current = user_input or {**self.config_entry.data, **self.config_entry.options}
        return self.async_show_form(step_id="plant", data_schema=plant_schema(self.hass, current), errors=errors)


class HeatPumpOptionsFlow(OptionsFlow):
    """Change a heat pump's roles and settings; they apply from now on."""

    def __init__(self) -> None:
        self._roles: dict[str, str] = {}
        self._circuit: dict[str, Any] = {}
        self._rating: dict[str, Any] = {}

    def _current(self) -> dict[str, Any]:
        return {**self.config_entry.data, **self.config_entry.options}

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            self._roles, errors = check_roles(user_input)
            if not errors:
                return await self.async_step_circuit()
        roles = self._roles or dict(self._current().get(CONF_ROLES, {}))
        return self.async_show_form(step_id="init", data_schema=roles_schema(roles), errors=errors)

    async def async_step_circuit(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        async def next_step(circuit: dict[str, Any]) -> ConfigFlowResult:
            self._circuit = circuit
            return await self.async_step_datasheet()

        return await settings_step(self, "circuit", user_input, check=check_circuit, schema=circuit_schema,
                                   defaults=self._current(), on_valid=next_step)  # fmt: skip

    async def async_step_datasheet(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        async def next_step(rating: dict[str, Any]) -> ConfigFlowResult:
            self._rating = rating
            return await self.async_step_alerts()

        return await settings_step(self, "datasheet", user_input, check=check_datasheet, schema=datasheet_schema,
                                   defaults=self._current(), on_valid=next_step)  # fmt: skip

    async def async_step_alerts(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Thresholds of the alerts (repair issues and problem sensors)."""
        if user_input is not None:
            return self.async_create_entry(data=entry_config(self._roles, self._circuit | self._rating | user_input))
        return self.async_show_form(step_id="alerts", data_schema=alerts_schema(self._current()))


class DeviceSubentryFlow(ConfigSubentryFlow):
    """A device on a hub: unit id and register map (shipped profile or the user's own)."""

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}

    def _schema(self, defaults: dict[str, Any]) -> vol.Schema:
        profiles = [*sorted(builtin_profiles()), PROFILE_CUSTOM]
        return vol.Schema({
            vol.Required(CONF_NAME, default=defaults.get(CONF_NAME, vol.UNDEFINED)): selector.TextSelector(),
            vol.Required(CONF_UNIT_ID, default=defaults.get(CONF_UNIT_ID, 1)):
                selector.NumberSelector(selector.NumberSelectorConfig(min=1, max=247, step=1, mode=_NUMBER)),
            vol.Required(CONF_PROFILE, default=defaults.get(CONF_PROFILE, vol.UNDEFINED)):
                selector.SelectSelector(selector.SelectSelectorConfig(options=profiles, translation_key=CONF_PROFILE,
                                                                      mode=selector.SelectSelectorMode.DROPDOWN)),
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
                if user_input[CONF_PROFILE] == PROFILE_CUSTOM:
                    template = defaults.get(CONF_REGISTER_MAP) or await self.hass.async_add_executor_job(_template)
                    self._data[CONF_REGISTER_MAP] = template
                    return await self.async_step_register_map()
                probe_error = await self._probe()
                if probe_error is None:
                    return self._finish()
                errors["base"] = "device_not_answering"
                placeholders["error"] = probe_error
            defaults = user_input
        return self.async_show_form(step_id=step_id, data_schema=self._schema(defaults), errors=errors,
                                    description_placeholders=placeholders)  # fmt: skip

    async def async_step_register_map(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        errors: dict[str, str] = {}
        placeholders = {"error": ""}
        if user_input is not None:
            self._data[CONF_REGISTER_MAP] = user_input[CONF_REGISTER_MAP]
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
                errors["base"] = "device_not_answering"
                placeholders["error"] = probe_error
        schema = vol.Schema({
            vol.Required(CONF_REGISTER_MAP, default=self._data[CONF_REGISTER_MAP]):
                selector.TextSelector(selector.TextSelectorConfig(multiline=True)),
        })  # fmt: skip
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

    async def _probe(self) -> str | None:
        """Read the device once over the hub's own connection: None if it answered."""
        entry: HubConfigEntry = self._get_entry()
        coordinator = getattr(entry, "runtime_data", None)
        if coordinator is None:
            return None  # hub not loaded (retrying setup): the device is checked when it loads
        register_map = await self.hass.async_add_executor_job(device_register_map, self._data)
        device = ModbusDevice(self._data[CONF_UNIT_ID], register_map)
        scan = await device.scan(coordinator.hub.connection, retries=0)
        return None if scan.available else "; ".join(scan.errors[:2])


def _template() -> str:
    return (PROFILE_DIR / "generic_heat_meter.yaml").read_text(encoding="utf-8")
