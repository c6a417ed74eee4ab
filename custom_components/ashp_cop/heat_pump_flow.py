"""The heat pump's forms and flow steps: which measurement plays which role, and the circuit's settings.

The config flow's heat-pump steps (add one; reconfigure its name, roles and meters' classes)
and the options flow (change its roles and settings later) share the forms
and checks here. A changed setting applies from then on: totals already
counted are never recomputed behind the user's back.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import voluptuous as vol
from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_NAME, CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector

from .const import (
    CONF_ALERT_DEGRADATION,
    CONF_ALERT_LOW_COP,
    CONF_ALERT_MAX_STARTS,
    CONF_ALERT_MIN_RUN,
    CONF_ALERT_STUCK,
    CONF_ALERT_SUSTAIN,
    CONF_APPLICATION,
    CONF_BACKUP_IN_HEAT_METER,
    CONF_CLIMATE,
    CONF_DATASHEET,
    CONF_ELEC_METER_CLASS,
    CONF_ELEC_METER_INCLUDES,
    CONF_ENTRY_TYPE,
    CONF_FLOW_METER_PCT,
    CONF_FLOW_RATE_OFFSET,
    CONF_FLOW_TEMP_OFFSET,
    CONF_HEAT_METER_CLASS,
    CONF_HEAT_METER_DTMIN,
    CONF_HEAT_METER_QP,
    CONF_MASS_FRACTION,
    CONF_MATCHED_PAIR,
    CONF_MEDIUM,
    CONF_METER_POSITION,
    CONF_MODE_MAP,
    CONF_RETURN_TEMP_OFFSET,
    CONF_ROLE_UNITS,
    CONF_ROLES,
    CONF_ROLLING_WINDOW,
    CONF_RUNNING_THRESHOLD,
    CONF_TEMP_SENSOR_CLASS,
    DEFAULT_CLIMATE,
    DEFAULT_ROLLING_WINDOW_MIN,
    DEFAULT_RUNNING_THRESHOLD_W,
    DEFAULT_SCAN_INTERVAL_S,
    ENTRY_HEAT_PUMP,
    METER_UNKNOWN,
)
from .engine.audit import BOUNDARY_FEEDS
from .engine.en14825 import parse_datasheet
from .engine.errors import EngineInputError
from .engine.expected import ExpectedCop
from .engine.fluids import Medium, check_medium
from .engine.heat import MeterPosition
from .engine.live import Role
from .engine.short_cycling import DEFAULT_MAX_STARTS_PER_HOUR, DEFAULT_MIN_MEDIAN_RUN_MIN
from .engine.uncertainty import DEFAULT_DTMIN_K
from .entries import reconfigured
from .identity import heat_pump_unique_id, meters_in_use, settings_of
from .keymark_flow import CONF_KEYMARK_SEARCH, KeymarkPick, KeymarkSteps, keymark_query
from .meter_audit import ELEC_CLASS_OPTIONS, SENSOR_CLASS_OPTIONS
from .mode_flow import MODE_DOMAINS, mode_map_step
from .role_sources import FLAG_ROLES, ROLE_QUANTITIES, check_binding

_BOX = selector.NumberSelectorMode.BOX


def roles_schema(roles: dict[str, str]) -> vol.Schema:
    """One optional entity picker per role; our own Modbus values are entities too."""
    fields: dict[vol.Marker, Any] = {}
    for role in Role:
        domains = ["binary_sensor", "sensor"] if role in FLAG_ROLES else ["sensor"]
        if role is Role.OPERATING_MODE:
            domains = MODE_DOMAINS
        picker = selector.EntitySelector(selector.EntitySelectorConfig(domain=domains))
        fields[vol.Optional(role.value, description={"suggested_value": roles.get(role.value)})] = picker
    return vol.Schema(fields)


def check_roles(user_input: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(roles, errors): heat and electricity must each have a source."""
    roles = {role.value: user_input[role.value] for role in Role if user_input.get(role.value)}
    errors: dict[str, str] = {}
    has = roles.keys()
    computed = {Role.FLOW_TEMP.value, Role.RETURN_TEMP.value, Role.FLOW_RATE.value} <= has
    if not (computed or Role.HEAT_POWER.value in has or Role.HEAT_ENERGY.value in has):
        errors["base"] = "no_heat_source"
    elif not (Role.ELEC_POWER.value in has or Role.ELEC_ENERGY.value in has):
        errors["base"] = "no_electricity_source"
    return roles, errors


def check_bindings(
    hass: HomeAssistant, roles: dict[str, str], own_entry_id: str | None
) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """(errors, placeholders, unitless) of the picked entities.

    Each must exist, measure its role's quantity (device class) in a unit that
    converts to the role's, and not be a meter another heat pump reads; the
    message names the entity and its unit. Roles whose entity has no unit are
    returned so the flow asks for it.
    """
    errors: dict[str, str] = {}
    problems: list[str] = []
    unitless: list[str] = []
    for key, entity_id in roles.items():
        binding = check_binding(hass, Role(key), entity_id)
        if binding.problem is not None:
            errors[key] = binding.problem
            problems.append(binding.message)
        elif binding.needs_unit:
            unitless.append(key)
    for key, (entity_id, other) in meters_in_use(hass, roles, own_entry_id).items():
        errors.setdefault(key, "meter_in_use")
        problems.append(f"{entity_id} is already a meter of {other}")
    if problems:
        errors["base"] = "invalid_roles"
    return errors, {"error": "; ".join(problems)}, unitless


@dataclass(slots=True)
class RolesForm:
    """A submitted roles form: the roles, what is wrong with them, and which need a unit."""

    roles: dict[str, str]
    errors: dict[str, str]
    placeholders: dict[str, str]
    unitless: list[str]
    units: dict[str, str]  # units given before that still hold: same entity in the same role


def read_roles_form(
    hass: HomeAssistant, user_input: dict[str, Any], own_entry_id: str | None, before: dict[str, Any]
) -> RolesForm:
    roles, errors = check_roles(user_input)
    placeholders = {"error": ""}
    unitless: list[str] = []
    if not errors:
        errors, placeholders, unitless = check_bindings(hass, roles, own_entry_id)
    old_roles, old_units = before.get(CONF_ROLES, {}), before.get(CONF_ROLE_UNITS, {})
    units = {key: old_units[key] for key in unitless if key in old_units and old_roles.get(key) == roles[key]}
    return RolesForm(roles, errors, placeholders, unitless, units)


def units_form(flow: ConfigFlow | OptionsFlow, form: RolesForm) -> ConfigFlowResult:
    """One unit choice per role whose entity has none; the role's quantity decides the choices."""
    fields: dict[vol.Marker, Any] = {}
    for key in form.unitless:
        choices = ROLE_QUANTITIES[Role(key)].units
        picker = selector.SelectSelector(
            selector.SelectSelectorConfig(options=choices, mode=selector.SelectSelectorMode.DROPDOWN)
        )
        fields[vol.Required(key, default=form.units.get(key, vol.UNDEFINED))] = picker
    entities = ", ".join(form.roles[key] for key in form.unitless)
    return flow.async_show_form(step_id="role_units", data_schema=vol.Schema(fields),
                                description_placeholders={"entities": entities})  # fmt: skip


def circuit_schema(config: dict[str, Any]) -> vol.Schema:
    def number(key: str, default: float, limits: tuple[float, float, float], unit: str) -> Any:
        low, high, step = limits
        config_ = selector.NumberSelectorConfig(min=low, max=high, step=step, mode=_BOX, unit_of_measurement=unit)
        return {vol.Required(key, default=config.get(key, default)): selector.NumberSelector(config_)}

    def choice(key: str, options: list[str], default: str) -> Any:
        return {vol.Required(key, default=config.get(key, default)): selector.SelectSelector(
            selector.SelectSelectorConfig(options=options, translation_key=key))}  # fmt: skip

    return vol.Schema({
        **choice(CONF_MEDIUM, [m.value for m in Medium], Medium.WATER.value),
        **number(CONF_MASS_FRACTION, 0, (0, 60, 1), "%"),
        **choice(CONF_METER_POSITION, [p.value for p in MeterPosition], MeterPosition.RETURN.value),
        **choice(CONF_CLIMATE, ["average", "warmer", "colder"], DEFAULT_CLIMATE),
        **number(CONF_FLOW_TEMP_OFFSET, 0, (-5, 5, 0.01), "K"),
        **number(CONF_RETURN_TEMP_OFFSET, 0, (-5, 5, 0.01), "K"),
        **number(CONF_FLOW_RATE_OFFSET, 0, (-1, 1, 0.001), "m³/h"),
        **number(CONF_RUNNING_THRESHOLD, DEFAULT_RUNNING_THRESHOLD_W, (0, 5000, 1), "W"),
        **number(CONF_ROLLING_WINDOW, DEFAULT_ROLLING_WINDOW_MIN, (1, 1440, 1), "min"),
        **number(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL_S, (1, 3600, 1), "s"),
        vol.Required(CONF_BACKUP_IN_HEAT_METER, default=config.get(CONF_BACKUP_IN_HEAT_METER, True)):
            selector.BooleanSelector(),
        **meters_fields(config),
    })  # fmt: skip


def meters_fields(config: dict[str, Any]) -> dict[Any, Any]:
    """The meters' accuracy classes (engine/uncertainty.py): "unknown" takes the widest class, shown as assumed."""

    def choice(key: str, options: list[str], *, multiple: bool = False) -> dict[Any, Any]:
        default = config.get(key, [] if multiple else METER_UNKNOWN)
        return {vol.Required(key, default=default): selector.SelectSelector(selector.SelectSelectorConfig(
            options=options, translation_key=key, multiple=multiple))}  # fmt: skip

    def number(key: str, limits: tuple[float, float, float], unit: str, default: float | None = None) -> dict[Any, Any]:
        low, high, step = limits
        options = selector.NumberSelectorConfig(min=low, max=high, step=step, mode=_BOX, unit_of_measurement=unit)
        marker = (vol.Required(key, default=config.get(key, default)) if default is not None
                  else vol.Optional(key, description={"suggested_value": config.get(key)}))  # fmt: skip
        return {marker: selector.NumberSelector(options)}

    return {
        **choice(CONF_HEAT_METER_CLASS, [METER_UNKNOWN, "1", "2", "3"]),
        **number(CONF_HEAT_METER_QP, (0.1, 1000, 0.1), "m³/h"),
        **number(CONF_HEAT_METER_DTMIN, (0.5, 20, 0.5), "K", DEFAULT_DTMIN_K),
        **number(CONF_FLOW_METER_PCT, (0.1, 20, 0.1), "%"),
        **choice(CONF_TEMP_SENSOR_CLASS, [METER_UNKNOWN, *SENSOR_CLASS_OPTIONS]),
        vol.Required(CONF_MATCHED_PAIR, default=config.get(CONF_MATCHED_PAIR, False)): selector.BooleanSelector(),
        **choice(CONF_ELEC_METER_CLASS, [METER_UNKNOWN, *ELEC_CLASS_OPTIONS]),
        **choice(CONF_ELEC_METER_INCLUDES, list(BOUNDARY_FEEDS), multiple=True),
    }


# the meters' settings by key, also asked when a heat pump is reconfigured
METER_KEYS: tuple[str, ...] = tuple(str(marker) for marker in meters_fields({}))


def check_circuit(user_input: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """(settings, errors, placeholders): the medium and its mass fraction checked by the engine."""
    settings = dict(user_input)
    settings[CONF_SCAN_INTERVAL] = int(settings[CONF_SCAN_INTERVAL])
    try:
        check_medium(Medium(settings[CONF_MEDIUM]), float(settings[CONF_MASS_FRACTION]))
    except EngineInputError as err:
        return settings, {CONF_MASS_FRACTION: "invalid_medium"}, {"error": str(err)}
    return settings, {}, {"error": ""}


def entry_config(roles: dict[str, str], units: dict[str, str], circuit: dict[str, Any]) -> dict[str, Any]:
    return {CONF_ROLES: roles, CONF_ROLE_UNITS: units, **circuit}


def datasheet_schema(config: dict[str, Any]) -> vol.Schema:
    return vol.Schema({
        vol.Optional(CONF_DATASHEET, description={"suggested_value": config.get(CONF_DATASHEET, "")}):
            selector.TextSelector(selector.TextSelectorConfig(multiline=True)),
        vol.Required(CONF_APPLICATION, default=str(config.get(CONF_APPLICATION, 35))): selector.SelectSelector(
            selector.SelectSelectorConfig(options=["35", "55"], translation_key=CONF_APPLICATION)),
        # a search that found nothing keeps its text to correct (it was emptied)
        vol.Optional(CONF_KEYMARK_SEARCH, description={"suggested_value": config.get(CONF_KEYMARK_SEARCH)}):
            selector.TextSelector(),
    })  # fmt: skip


def check_datasheet(user_input: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """(settings, errors, placeholders): an empty datasheet is fine; a bad one is named."""
    text = (user_input.get(CONF_DATASHEET) or "").strip()
    application = int(user_input.get(CONF_APPLICATION, 35))
    settings: dict[str, Any] = {CONF_DATASHEET: text, CONF_APPLICATION: application}
    if not text:
        return settings, {}, {"error": ""}
    try:
        sheet = parse_datasheet(json.loads(text))
        ExpectedCop.from_points(sheet.points, application)
    except json.JSONDecodeError as err:
        return (
            settings,
            {CONF_DATASHEET: "invalid_datasheet"},
            {"error": f"not valid JSON ({err.msg}, line {err.lineno})"},
        )
    except EngineInputError as err:
        return settings, {CONF_DATASHEET: "invalid_datasheet"}, {"error": str(err)}
    return settings, {}, {"error": ""}


def alerts_schema(config: dict[str, Any]) -> vol.Schema:
    def number(key: str, default: float, limits: tuple[float, float, float], unit: str | None) -> Any:
        low, high, step = limits
        options = selector.NumberSelectorConfig(min=low, max=high, step=step, mode=_BOX)
        if unit:
            options["unit_of_measurement"] = unit
        return {vol.Required(key, default=config.get(key, default)): selector.NumberSelector(options)}

    return vol.Schema({
        **number(CONF_ALERT_LOW_COP, 1.0, (0.5, 3.0, 0.05), None),
        **number(CONF_ALERT_DEGRADATION, 20, (5, 60, 1), "%"),
        **number(CONF_ALERT_SUSTAIN, 60, (1, 1440, 1), "min"),
        **number(CONF_ALERT_STUCK, 30, (1, 1440, 1), "min"),
        **number(CONF_ALERT_MAX_STARTS, DEFAULT_MAX_STARTS_PER_HOUR, (1, 30, 0.5), "starts/h"),
        **number(CONF_ALERT_MIN_RUN, DEFAULT_MIN_MEDIAN_RUN_MIN, (1, 120, 1), "min"),
    })  # fmt: skip


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
    placeholders: dict[str, str] | None = None,
) -> ConfigFlowResult:
    """One heat-pump settings form, shared by the config flow and the options flow: check it, go on or show why."""
    errors: dict[str, str] = {}
    shown = {"error": ""}
    if user_input is not None:
        settings, errors, shown = check(user_input)
        if not errors:
            return await on_valid(settings)
    return flow.async_show_form(step_id=step_id, data_schema=schema(user_input or defaults), errors=errors,
                                description_placeholders={**(placeholders or {}), **shown})  # fmt: skip


async def datasheet_step(
    flow: ConfigFlow | OptionsFlow,
    pick: KeymarkPick,
    user_input: dict[str, Any] | None,
    *,
    keymark: bool,
    defaults: dict[str, Any],
    on_valid: Callable[[dict[str, Any]], Awaitable[ConfigFlowResult]],
    climate: str | None = None,
) -> ConfigFlowResult:
    """The datasheet form, typed or (``keymark``) filled from the KEYMARK database; a search text searches it.

    The KEYMARK conditions preselect ``climate``, the heat pump's reference climate.
    """
    step_id = "datasheet_keymark" if keymark else "datasheet"
    placeholders = pick.placeholders if keymark else {}
    if query := keymark_query(user_input):
        pick.climate = str(climate or DEFAULT_CLIMATE)
        errors = await pick.search(flow.hass, query)
        if not errors:
            return pick.unit_form(flow)
        return flow.async_show_form(step_id=step_id, data_schema=datasheet_schema(user_input or {}), errors=errors,
                                    description_placeholders={**placeholders, "error": "", "query": query})  # fmt: skip
    return await settings_step(flow, step_id, user_input, check=check_datasheet, schema=datasheet_schema,
                               defaults=pick.filled if keymark else defaults, on_valid=on_valid,
                               placeholders=placeholders)  # fmt: skip


class HeatPumpConfigSteps(KeymarkSteps, ConfigFlow):
    """The config flow's heat-pump steps: add one (roles, their units, circuit, datasheet), or reconfigure its
    name, roles and meters' classes (its other settings stay in the options flow)."""

    def __init__(self) -> None:
        super().__init__()
        self._name = ""
        self._form = RolesForm({}, {}, {}, [], {})
        self._circuit: dict[str, Any] = {}
        self._modes: dict[str, Any] = {}
        self._meters: dict[str, Any] = {}
        self._pick = KeymarkPick()

    def _name_and_roles(self) -> vol.Schema:
        name = vol.Required(CONF_NAME, default=self._name or vol.UNDEFINED)
        return vol.Schema({name: selector.TextSelector()}).extend(roles_schema(self._form.roles).schema)

    async def async_step_heat_pump(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Name the heat pump and bind its measurements."""
        if user_input is not None:
            self._name = user_input[CONF_NAME].strip()
            roles, errors = check_roles(user_input)
            if not errors:  # the same heat and electricity meters are the same heat pump
                await self.async_set_unique_id(heat_pump_unique_id(roles))
                self._abort_if_unique_id_configured(error="heat_pump_already_configured")
            self._form = read_roles_form(self.hass, user_input, None, {})
            if not self._form.errors:
                return await self.async_step_role_units()
        return self.async_show_form(step_id="heat_pump", data_schema=self._name_and_roles(), errors=self._form.errors,
                                    description_placeholders=self._form.placeholders or {"error": ""})  # fmt: skip

    async def async_step_role_units(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The unit of each bound sensor that has none (asked only when there is one)."""
        if self._form.unitless and user_input is None:
            return units_form(self, self._form)
        self._form.units = {key: (user_input or {})[key] for key in self._form.unitless}
        return await self.async_step_mode_map()

    async def async_step_mode_map(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Which state of the operating mode entity means which mode (only with one bound)."""
        before = settings_of(self._get_reconfigure_entry()) if self.source == SOURCE_RECONFIGURE else {}
        return await mode_map_step(self, user_input, self._form.roles, before, self._after_modes)

    async def _after_modes(self, modes: dict[str, Any]) -> ConfigFlowResult:
        self._modes = modes
        if self.source == SOURCE_RECONFIGURE:
            entry = self._get_reconfigure_entry()
            # the meters as the form left them: a number emptied there leaves the entry
            data = {k: v for k, v in entry.data.items() if k != CONF_MODE_MAP and k not in METER_KEYS}
            data |= {CONF_ROLES: self._form.roles, CONF_ROLE_UNITS: self._form.units, **modes, **self._meters}
            return reconfigured(
                self, entry, reason="heat_pump_reconfigured", title=self._name, data=data,
                unique_id=heat_pump_unique_id(self._form.roles),
                replaced=(CONF_ROLES, CONF_ROLE_UNITS, CONF_MODE_MAP, *METER_KEYS),
            )  # fmt: skip
        return await self.async_step_circuit()

    async def async_step_circuit(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Medium, sensor offsets, thresholds."""

        async def next_step(circuit: dict[str, Any]) -> ConfigFlowResult:
            self._circuit = circuit
            return await self.async_step_datasheet()

        return await settings_step(
            self, "circuit", user_input, check=check_circuit, schema=circuit_schema, defaults={}, on_valid=next_step
        )

    async def async_step_datasheet(
        self, user_input: dict[str, Any] | None = None, *, keymark: bool = False
    ) -> ConfigFlowResult:
        """Optionally, the unit's EN 14825 datasheet, for the rated SCOP and the COP to expect."""

        async def create(rating: dict[str, Any]) -> ConfigFlowResult:
            settings = entry_config(self._form.roles, self._form.units, self._circuit | rating | self._modes)
            return self.async_create_entry(title=self._name, data={CONF_ENTRY_TYPE: ENTRY_HEAT_PUMP, **settings})

        return await datasheet_step(self, self._pick, user_input, keymark=keymark, defaults={}, on_valid=create,
                                    climate=self._circuit.get(CONF_CLIMATE))  # fmt: skip

    async def async_step_reconfigure_heat_pump(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Rename the heat pump, bind other measurements or state its meters' classes (the circuit step's
        fields); its totals, entities and history stay."""
        entry = self._get_reconfigure_entry()
        current = settings_of(entry)
        if user_input is None:
            self._name = entry.title
            self._form = RolesForm(dict(current.get(CONF_ROLES, {})), {}, {"error": ""}, [], {})
        else:
            self._name = user_input[CONF_NAME].strip()
            self._meters = {key: user_input[key] for key in METER_KEYS if key in user_input}
            self._form = read_roles_form(self.hass, user_input, entry.entry_id, current)
            if not self._form.errors:
                return await self.async_step_role_units()
        return self.async_show_form(
            step_id="reconfigure_heat_pump",
            data_schema=self._name_and_roles().extend(meters_fields(user_input or current)),
            errors=self._form.errors,
            description_placeholders=self._form.placeholders,
        )


class HeatPumpOptionsFlow(KeymarkSteps, OptionsFlow):
    """Change a heat pump's roles and settings; they apply from now on."""

    def __init__(self) -> None:
        self._form = RolesForm({}, {}, {"error": ""}, [], {})
        self._circuit: dict[str, Any] = {}
        self._rating: dict[str, Any] = {}
        self._modes: dict[str, Any] = {}
        self._pick = KeymarkPick()

    def _current(self) -> dict[str, Any]:
        return settings_of(self.config_entry)

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        if user_input is not None:
            self._form = read_roles_form(self.hass, user_input, self.config_entry.entry_id, self._current())
            if not self._form.errors:
                return await self.async_step_role_units()
        roles = self._form.roles or dict(self._current().get(CONF_ROLES, {}))
        return self.async_show_form(step_id="init", data_schema=roles_schema(roles), errors=self._form.errors,
                                    description_placeholders=self._form.placeholders)  # fmt: skip

    async def async_step_role_units(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The unit of each bound sensor that has none (asked only when there is one)."""
        if self._form.unitless and user_input is None:
            return units_form(self, self._form)
        self._form.units = {key: (user_input or {})[key] for key in self._form.unitless}
        return await self.async_step_mode_map()

    async def async_step_mode_map(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Which state of the operating mode entity means which mode (only with one bound)."""

        async def next_step(modes: dict[str, Any]) -> ConfigFlowResult:
            self._modes = modes
            return await self.async_step_circuit()

        return await mode_map_step(self, user_input, self._form.roles, self._current(), next_step)

    async def async_step_circuit(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        async def next_step(circuit: dict[str, Any]) -> ConfigFlowResult:
            self._circuit = circuit
            return await self.async_step_datasheet()

        return await settings_step(self, "circuit", user_input, check=check_circuit, schema=circuit_schema,
                                   defaults=self._current(), on_valid=next_step)  # fmt: skip

    async def async_step_datasheet(
        self, user_input: dict[str, Any] | None = None, *, keymark: bool = False
    ) -> ConfigFlowResult:
        async def next_step(rating: dict[str, Any]) -> ConfigFlowResult:
            self._rating = rating
            return await self.async_step_alerts()

        return await datasheet_step(self, self._pick, user_input, keymark=keymark, defaults=self._current(),
                                    on_valid=next_step, climate=self._circuit.get(CONF_CLIMATE))  # fmt: skip

    async def async_step_alerts(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Thresholds of the alerts (repair issues and problem sensors)."""
        if user_input is not None:
            settings = self._circuit | self._rating | self._modes | user_input
            return self.async_create_entry(data=entry_config(self._form.roles, self._form.units, settings))
        return self.async_show_form(step_id="alerts", data_schema=alerts_schema(self._current()))
