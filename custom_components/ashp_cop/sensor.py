"""Sensors of every kind of entry: a Modbus device's values and communication quality, a heat pump's
figures (powers, COPs, totals, per mode, cycling, Carnot, rating, seasonal) and a plant's."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfEnergy, UnitOfPower, UnitOfTemperature, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from .cycling_entities import (
    CARNOT_PERIOD_SENSORS,
    CARNOT_SENSORS,
    CYCLING_SENSORS,
    mode_carnot_period_sensors,
    mode_carnot_sensors,
)
from .engine.audit import resolution
from .entity import HeatPumpEntity, ModbusDeviceEntity, PlantEntity
from .entries import AshpCopConfigEntry, is_heat_pump, is_plant
from .heat_pump import HeatPumpConfigEntry
from .heat_pump_entities import (
    HEAT_PUMP_SENSORS,
    INSTALLER_SENSORS,
    RATING_SENSORS,
    SEASONAL_SENSORS,
    HeatPumpSensorDescription,
    InstallerSensorDescription,
    RatingSensorDescription,
    SeasonalSensorDescription,
)
from .meter_audit import audited_period
from .modbus_entities import (
    DIAGNOSTIC_DESCRIPTIONS,
    ModbusDiagnosticDescription,
    ModbusValueDescription,
    is_flag,
    value_description,
)
from .mode_entities import mode_seasonal_sensors, mode_sensors
from .plant import PlantConfigEntry
from .plant_entities import PLANT_SENSORS, PlantSensorDescription, unit_spf_description

PARALLEL_UPDATES = 0  # the coordinator polls; entities only read its data


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AshpCopConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    if is_plant(entry):
        _remove_units_gone(hass, entry)
        plant: list[SensorEntity] = [PlantSensor(entry, d) for d in PLANT_SENSORS]
        for unit in entry.runtime_data.heat_pump_ids:
            sensor = PlantSensor(entry, unit_spf_description(unit))
            sensor._attr_translation_placeholders = {"unit": entry.runtime_data.unit_title(unit)}
            plant.append(sensor)
        async_add_entities(plant)
        return
    if is_heat_pump(entry):
        figures: list[SensorEntity] = [HeatPumpSensor(entry, d) for d in HEAT_PUMP_SENSORS]
        modes = entry.runtime_data.modes
        figures += [HeatPumpSensor(entry, d) for d in mode_sensors(modes)]
        figures += [HeatPumpSensor(entry, d) for d in (*CYCLING_SENSORS, *CARNOT_SENSORS, *mode_carnot_sensors(modes))]
        # figures of the coordinator (its local day), as the rating's
        figures += [RatingSensor(entry, d) for d in (*CARNOT_PERIOD_SENSORS, *mode_carnot_period_sensors(modes))]
        if entry.runtime_data.rating is not None:
            figures += [RatingSensor(entry, d) for d in RATING_SENSORS]
        if entry.runtime_data.seasonal is not None:
            figures += [SeasonalSensor(entry, d) for d in (*SEASONAL_SENSORS, *mode_seasonal_sensors(modes))]
            figures += [InstallerSensor(entry, d) for d in INSTALLER_SENSORS]
        figures.append(PublicationSensor(entry, PUBLICATION_SENSOR))
        async_add_entities(figures)
        return
    coordinator = entry.runtime_data
    for subentry_id, device in coordinator.devices.items():
        subentry = entry.subentries[subentry_id]
        entities: list[SensorEntity] = [
            ModbusValueSensor(coordinator, subentry, value_description(spec))
            for spec in device.register_map.values
            if not is_flag(spec)
        ]
        entities += [ModbusDiagnosticSensor(coordinator, subentry, d) for d in DIAGNOSTIC_DESCRIPTIONS]
        async_add_entities(entities, config_subentry_id=subentry_id)


def _remove_units_gone(hass: HomeAssistant, entry: PlantConfigEntry) -> None:
    """A unit taken out of the plant takes its "SPF since plant setup" sensor along (it stayed unavailable)."""
    registry = er.async_get(hass)
    kept = {f"{entry.entry_id}_{unit_spf_description(unit).key}" for unit in entry.runtime_data.heat_pump_ids}
    prefix = f"{entry.entry_id}_{unit_spf_description('').key}"
    for registered in er.async_entries_for_config_entry(registry, entry.entry_id):
        if registered.unique_id.startswith(prefix) and registered.unique_id not in kept:
            registry.async_remove(registered.entity_id)


class ModbusValueSensor(ModbusDeviceEntity, SensorEntity):
    """A value read from a device: a number to the register's resolution, or the name of its state."""

    entity_description: ModbusValueDescription

    def _shown_state(self) -> StateType:
        value = self._value()
        if value is None:
            return None
        description = self.entity_description
        if description.states:
            return next((name for reading, name in description.states if reading == value), None)
        return rounded(float(value), description.state_digits)

    @property
    def native_value(self) -> StateType:
        shown: StateType = self._state_now
        return shown


class ModbusDiagnosticSensor(ModbusDeviceEntity, SensorEntity):
    """Communication quality of a device; available even while the device is silent."""

    entity_description: ModbusDiagnosticDescription

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The device's counts start with the hub's set-up: a count is a total since then, declared by last_reset,
        # so a restart (counts from 0) is a reset the recorder knows and no total_increasing sensor steps back.
        counted = self.entity_description.state_class is SensorStateClass.TOTAL
        self._attr_last_reset = dt_util.utcnow() if counted else None

    @property
    def available(self) -> bool:
        return True

    def _value(self) -> StateType:
        return self.entity_description.value_fn(self.device)

    @property
    def native_value(self) -> StateType:
        shown: StateType = self._state_now
        return shown


# Decimals a figure's state keeps, by unit: what the figure resolves (1 Wh, 1 W, 1 s, 0.1 %); ratios such as
# COP, SPF and SCOP keep 0.01. The display precision of each description sets what is shown.
_STATE_DIGITS: dict[str | None, int] = {
    UnitOfEnergy.KILO_WATT_HOUR: 3, UnitOfPower.WATT: 0, UnitOfTime.SECONDS: 0, PERCENTAGE: 1,
    UnitOfTemperature.CELSIUS: 1,  # heat-weighted means: 0.1 K, what the transmitters resolve
}  # fmt: skip
_RATIO_DIGITS = 2


def rounded(value: float, digits: int) -> float | int | None:
    """``value`` to ``digits`` decimals, a whole number (a count, 1 W steps) as an int; not finite: unknown."""
    if not math.isfinite(value):
        return None
    return round(value) if digits <= 0 else round(value, digits)


def to_whole_minutes(seconds: float) -> float:
    """A duration to the minute: shown in hours and minutes ("1h 34m"), never "3,823m 18s" or "0.0944444 h"."""
    return 60.0 * round(seconds / 60.0)


def state_digits(description: SensorEntityDescription) -> int:
    if description.native_unit_of_measurement is None and description.suggested_display_precision == 0:
        return 0  # a count
    return _STATE_DIGITS.get(description.native_unit_of_measurement, _RATIO_DIGITS)


class FigureSensor(SensorEntity):
    """A computed figure, rounded to what it resolves; an energy total (``is_total``) stays available.

    What the description fixes (total or not, the decimals kept, the set-up time a figure counts from)
    is read once, not at each poll.
    """

    _is_total = False
    _digits = _RATIO_DIGITS
    _whole_minutes = False
    _since_setup: dict[str, Any] | None = None
    _state_now: Any  # kept by the change-only entity base (entity.py)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        description = self.entity_description
        self._is_total = bool(getattr(description, "is_total", False))
        self._digits = state_digits(description)
        # a duration shown in hours (run time, time defrosting) to the minute; one shown in minutes (the
        # mean run length) keeps its seconds
        self._whole_minutes = (
            description.device_class == SensorDeviceClass.DURATION
            and description.suggested_unit_of_measurement == UnitOfTime.HOURS
        )
        created = self._entry_created_at()
        if created is not None and getattr(description, "since_setup", False):
            self._since_setup = {"period_start": created.isoformat()}

    def _value(self) -> Any:
        raise NotImplementedError

    @property
    def available(self) -> bool:
        return self._is_total or super().available

    async def async_added_to_hass(self) -> None:
        if self._is_total:
            await self._adopt_recorded()  # before its first state is worked out
        await super().async_added_to_hass()

    async def _adopt_recorded(self) -> None:
        """A total the recorder held before an unclean stop, where the registry did not know the sensor at setup."""

    def _shown_state(self) -> StateType:
        value = self._value()
        if value is None:
            return None
        return rounded(to_whole_minutes(float(value)) if self._whole_minutes else float(value), self._digits)

    @property
    def native_value(self) -> StateType:
        shown: StateType = self._state_now
        return shown

    def _entry_created_at(self) -> datetime | None:
        return None

    def _shown_attributes(self) -> dict[str, Any] | None:
        """A figure counted since the entry's set-up says since when (it runs to now)."""
        return self._since_setup


class HeatPumpSensor(FigureSensor, HeatPumpEntity):
    """A figure of the heat pump; a period figure also shows its 95 % interval, boundary and coverage."""

    entity_description: HeatPumpSensorDescription

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._audited, self._coverage_period = audited_period(self.entity_description.key)
        self._audit_key: tuple[Any, int] | None = None
        self._audit_attributes: dict[str, Any] | None = None
        self._unsupported, self._coarse_note = self._resolution_check()

    def _resolution_check(self) -> tuple[bool, dict[str, Any] | None]:
        """(unknown, attributes): a figure the heat pump's poll interval is too coarse for (the engine's rule,
        engine/audit.py) is unknown with the rule's reason, or, an estimate, shown with it. The interval is
        the entry's option: changing it reloads the entry and so builds the entities again."""
        rule = self.entity_description.resolution
        interval = self.coordinator.update_interval
        if rule is None or interval is None:
            return False, None
        poll_s = interval.total_seconds()
        check = resolution(poll_s)[rule]
        if check["measurable"]:
            return False, None
        if self.entity_description.coarse_estimate:
            estimate = (f"an estimate: each start and stop is placed to within one poll ({poll_s:g} s) and runs "
                        f"shorter than two polls can be missed; {check['reason']}")  # fmt: skip
            return False, {"estimate": estimate}
        return True, {"reason": check["reason"]}

    def _value(self) -> Any:
        if self._unsupported:
            return None
        return self.entity_description.value_fn(self.coordinator.live)

    async def _adopt_recorded(self) -> None:
        if self.coordinator.recorded is not None:
            await self.coordinator.recorded.async_adopt(self.entity_description.key, self.entity_id)

    def _shown_attributes(self) -> dict[str, Any] | None:
        attributes = super()._shown_attributes()
        if self._coarse_note is not None:
            return self._coarse_note if attributes is None else {**attributes, **self._coarse_note}
        if not self._audited:
            return attributes
        # the interval of the state as shown, so it changes only with what is shown; built again only when the
        # state or the heat pump's interval and coverage changed
        self.coordinator.audit_now()
        key = (self._state_now, self.coordinator.audit_version)
        if key != self._audit_key:
            audit = self.coordinator.figure_audit(self._state_now, self._coverage_period)
            self._audit_attributes = audit if attributes is None else {**attributes, **audit}
            self._audit_key = key
        return self._audit_attributes

    def _entry_created_at(self) -> datetime | None:
        return self.coordinator.config_entry.created_at


class RatingSensor(FigureSensor, HeatPumpEntity):
    """The datasheet's promise beside the measurement."""

    entity_description: RatingSensorDescription

    def _value(self) -> Any:
        return self.entity_description.value_fn(self.coordinator)

    def _shown_attributes(self) -> dict[str, Any] | None:
        """The rated SCOP shows the SCOP its datasheet declares beside it."""
        return self.entity_description.attributes_fn(self.coordinator)


class SeasonalSensor(FigureSensor, HeatPumpEntity):
    """SCOP over a season, a year or the lifetime, refreshed hourly from statistics."""

    entity_description: SeasonalSensorDescription

    def __init__(self, entry: HeatPumpConfigEntry, description: SeasonalSensorDescription) -> None:
        super().__init__(entry, description)
        seasonal = entry.runtime_data.seasonal
        assert seasonal is not None  # only made when the recorder runs
        self._seasonal = seasonal

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(self._seasonal.async_add_listener(self._handle_coordinator_update))

    def _value(self) -> Any:
        return self.entity_description.value_fn(self._seasonal.data or {})

    def _shown_attributes(self) -> dict[str, Any] | None:
        """The period the figure covers: its bounds, the first hour with statistics, the hours it holds."""
        description = self.entity_description
        figures = (self._seasonal.data or {}).get(description.period)
        if not isinstance(figures, dict):
            return None
        attributes = {
            "period_start": figures["data_from"] if description.period == "lifetime" else figures["start"],
            "period_end": figures["end"],
            "data_from": figures["data_from"],
            "hours": figures["hours"],
        }
        if description.normalised:
            normalised = figures.get("climate_normalised") or {}
            attributes["hours"] = normalised.get("hours", 0)
            coverage = normalised.get("demand_coverage")
            attributes["demand_coverage_pct"] = None if coverage is None else round(100 * coverage, 1)
        # the share of the period's hours its figure holds, its 95 % interval and boundary
        start = datetime.fromisoformat(attributes["period_start"] or figures["start"])
        period_h = (datetime.fromisoformat(figures["end"]) - start).total_seconds() / 3600
        attributes["coverage_pct"] = round(100 * min(attributes["hours"] / period_h, 1.0), 1) if period_h > 0 else None
        return attributes | self.coordinator.figure_audit(self._state_now, None)


PUBLICATION_SENSOR = SensorEntityDescription(
    key="publication", translation_key="publication", device_class=SensorDeviceClass.ENUM,
    options=["publishable", "not_publishable"], entity_category=EntityCategory.DIAGNOSTIC,
)  # fmt: skip


class PublicationSensor(HeatPumpEntity, SensorEntity):
    """heatpumpmonitor.org's publication check over the last 365 days, with its reasons (engine/audit.py)."""

    _check: dict[str, object]

    def _value(self) -> Any:
        return self.coordinator.publication()

    def _shown_state(self) -> StateType:
        self._check = self._value()  # worked out once per update: the attributes show the same check
        return "publishable" if self._check["publishable"] else "not_publishable"

    def _shown_attributes(self) -> dict[str, Any] | None:
        check = self._check
        error = check["heat_meter_error"]
        assert isinstance(error, dict)
        days = check["days_in_window"]
        return {"reasons": check["reasons"], "boundary": check["boundary"], "mid_metered": check["mid_metered"],
                "days_in_last_365": None if not isinstance(days, float) else round(days, 1),
                "heat_meter_error_h": round(float(error["seconds"]) / 3600, 2),
                "heat_meter_error_kwh": round(float(error["kwh"]), 2),
                "meter_assumptions": list(self.coordinator.meter_account.meters.assumptions)}  # fmt: skip

    @property
    def native_value(self) -> StateType:
        shown: StateType = self._state_now
        return shown


class InstallerSensor(SeasonalSensor):
    """Heat loss, design load, oversizing or the heating curve as run, over the last 365 days of statistics."""

    entity_description: InstallerSensorDescription

    def _shown_attributes(self) -> dict[str, Any] | None:
        """The fit behind the figure (R², days or hours used) and, while it is null, why."""
        description = self.entity_description
        figures = (self._seasonal.data or {}).get("installer")
        if not isinstance(figures, dict):
            return None
        attributes = {name: figures.get(key) for name, key in description.attributes}
        for name in ("r_squared", "capacity_kw", "design_heat_load_kw"):
            value = attributes.get(name)
            if isinstance(value, float):
                attributes[name] = round(value, 3)
        attributes["reason"] = figures.get(description.reason_key) if self._value() is None else None
        return attributes


class PlantSensor(FigureSensor, PlantEntity):
    """A figure of the whole plant."""

    entity_description: PlantSensorDescription

    def _value(self) -> Any:
        return self.entity_description.value_fn(self.coordinator.ledger)

    async def _adopt_recorded(self) -> None:
        if self.coordinator.recorded is not None:
            await self.coordinator.recorded.async_adopt(self.entity_description.key, self.entity_id)

    def _entry_created_at(self) -> datetime | None:
        return self.coordinator.config_entry.created_at
