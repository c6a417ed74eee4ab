"""Entity descriptions of a heat pump: powers, COPs, energy totals, defrost, SPF."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntityDescription
from homeassistant.components.sensor import SensorDeviceClass, SensorEntityDescription, SensorStateClass
from homeassistant.const import PERCENTAGE, UnitOfEnergy, UnitOfPower, UnitOfTemperature, UnitOfTime

from .engine.alerts import ALERTS
from .engine.live import LiveHeatPump
from .heat_pump import HeatPumpCoordinator


@dataclass(frozen=True, kw_only=True)
class HeatPumpSensorDescription(SensorEntityDescription):
    value_fn: Callable[[LiveHeatPump], float | None]
    # Totals keep showing their (restored) value while a source is down: an
    # energy total that turned unavailable or 0 would break the Energy dashboard.
    is_total: bool = False
    since_setup: bool = False  # counted from the entry's set-up: shown as the attribute period_start
    # the engine's resolution rule the figure needs (engine/audit.py RESOLUTION_LIMITS_S): polled coarser, it
    # is unknown with the rule's reason, or (``coarse_estimate``) shown with a note saying how far it is off
    resolution: str | None = None
    coarse_estimate: bool = False


@dataclass(frozen=True, kw_only=True)
class HeatPumpBinaryDescription(BinarySensorEntityDescription):
    value_fn: Callable[[LiveHeatPump], bool]


def _energy(key: str, value_fn: Callable[[LiveHeatPump], float | None]) -> HeatPumpSensorDescription:
    return HeatPumpSensorDescription(
        key=key, translation_key=key, device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING, native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2, is_total=True,
        value_fn=value_fn,
    )  # fmt: skip


def _ratio(
    key: str, value_fn: Callable[[LiveHeatPump], float | None], *, since_setup: bool = False
) -> HeatPumpSensorDescription:
    return HeatPumpSensorDescription(
        key=key, translation_key=key, state_class=SensorStateClass.MEASUREMENT, suggested_display_precision=2,
        value_fn=value_fn, since_setup=since_setup,
    )  # fmt: skip


HEAT_PUMP_SENSORS: tuple[HeatPumpSensorDescription, ...] = (
    HeatPumpSensorDescription(
        key="heat_power", translation_key="heat_power", device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT, native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=0, value_fn=lambda live: live.heat_power_w,
    ),
    HeatPumpSensorDescription(
        key="electric_power", translation_key="electric_power", device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT, native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=0, value_fn=lambda live: live.elec_power_w,
    ),
    _ratio("cop", lambda live: live.cop),
    _ratio("rolling_cop", lambda live: live.rolling_cop),
    _ratio("daily_cop", lambda live: live.daily_cop),
    _energy("heat_energy", lambda live: live.totals.heat_kwh),
    # Net heat falls while a defrost draws heat back, so it is a `total`, never `total_increasing`.
    HeatPumpSensorDescription(
        key="net_heat_energy", translation_key="net_heat_energy", device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL, native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2, is_total=True, value_fn=lambda live: live.totals.net_heat_kwh,
    ),
    _energy("electric_energy", lambda live: live.totals.elec_unit_kwh),
    _energy("electric_energy_running", lambda live: live.totals.elec_running_kwh),
    _energy("electric_energy_standby", lambda live: live.totals.elec_standby_kwh),
    _energy("backup_energy", lambda live: live.totals.backup_kwh),
    _energy("pump_energy", lambda live: live.totals.pumps_kwh),
    _energy("defrost_energy", lambda live: live.totals.defrost_heat_kwh),
    HeatPumpSensorDescription(
        key="defrost_count", translation_key="defrost_count", state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=0, is_total=True, value_fn=lambda live: live.totals.defrost_count,
    ),
    HeatPumpSensorDescription(
        key="defrost_duration", translation_key="defrost_duration", device_class=SensorDeviceClass.DURATION,
        state_class=SensorStateClass.TOTAL_INCREASING, native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.HOURS, suggested_display_precision=1, is_total=True,
        value_fn=lambda live: live.totals.defrost_s,
    ),
    _ratio("spf_unit", lambda live: live.spf()["unit"], since_setup=True),
    _ratio("spf_unit_backup", lambda live: live.spf()["unit_backup"], since_setup=True),
    _ratio("spf_system", lambda live: live.spf()["system"], since_setup=True),
)  # fmt: skip

ALERT_BINARY_SENSORS: tuple[HeatPumpBinaryDescription, ...] = tuple(
    HeatPumpBinaryDescription(
        key=f"alert_{name}",
        translation_key=f"alert_{name}",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda live: False,
    )
    for name in ALERTS
)
HEAT_PUMP_BINARY_SENSORS: tuple[HeatPumpBinaryDescription, ...] = (
    HeatPumpBinaryDescription(
        key="defrost", translation_key="defrost", device_class=BinarySensorDeviceClass.RUNNING,
        value_fn=lambda live: live.defrost_active,
    ),
    HeatPumpBinaryDescription(
        key="running", translation_key="running", device_class=BinarySensorDeviceClass.RUNNING,
        value_fn=lambda live: live.running,
    ),
)  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class RatingSensorDescription(SensorEntityDescription):
    """Rated against measured: only with a datasheet."""

    value_fn: Callable[[HeatPumpCoordinator], float | None]
    attributes_fn: Callable[[HeatPumpCoordinator], dict[str, Any] | None] = lambda _: None


def _declared(coordinator: HeatPumpCoordinator) -> dict[str, Any] | None:
    rating = coordinator.rating
    return None if rating is None or rating.declared_scop is None else {"declared_scop": rating.declared_scop}


RATING_SENSORS: tuple[RatingSensorDescription, ...] = (
    RatingSensorDescription(
        key="rated_scop", translation_key="rated_scop", state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        value_fn=lambda c: None if c.rating is None else c.rating.scop.scop, attributes_fn=_declared,
    ),
    RatingSensorDescription(
        key="expected_cop", translation_key="expected_cop", state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2, value_fn=lambda c: c.expected_cop,
    ),
    RatingSensorDescription(
        key="cop_gap", translation_key="cop_gap", state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE, suggested_display_precision=1, value_fn=lambda c: c.cop_gap_pct,
    ),
)  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class SeasonalSensorDescription(SensorEntityDescription):
    """A figure over a period, from the recorder's statistics; the period is shown in its attributes."""

    value_fn: Callable[[dict[str, dict[str, Any]]], float | None]
    period: str  # season, last_365_days or lifetime (statistics.seasonal_periods)
    normalised: bool = False  # climate-normalised: its own hours (those with an outdoor temperature too)


def _period(name: str, *path: str) -> Callable[[dict[str, dict[str, Any]]], float | None]:
    def value(data: dict[str, dict[str, Any]]) -> float | None:
        node: Any = data.get(name)
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        return node if isinstance(node, int | float) else None

    return value


SEASONAL_SENSORS: tuple[SeasonalSensorDescription, ...] = tuple(
    SeasonalSensorDescription(
        key=key,
        translation_key=key,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        value_fn=_period(*path),
        period=path[0],
        normalised="climate_normalised" in path,
    )
    for key, path in (
        ("scop_season", ("season", "scop")),
        ("scop_last_365_days", ("last_365_days", "scop")),
        ("scop_lifetime", ("lifetime", "scop")),
        ("scop_climate_normalised", ("last_365_days", "climate_normalised", "scop")),
    )
)


@dataclass(frozen=True, kw_only=True)
class InstallerSensorDescription(SeasonalSensorDescription):
    """An installer figure over the last 365 days (installer_statistics.py): its fit and its reason beside it."""

    attributes: tuple[tuple[str, str], ...] = ()  # attribute -> the figure's key in the installer figures
    reason_key: str = "heat_loss_reason"  # the figure's key saying why it is null


def _installer(
    key: str, figure: str, unit: str | None, device_class: SensorDeviceClass | None, **more: Any
) -> InstallerSensorDescription:
    return InstallerSensorDescription(
        key=key, translation_key=key, state_class=SensorStateClass.MEASUREMENT, device_class=device_class,
        native_unit_of_measurement=unit, suggested_display_precision=2 if unit != UnitOfTemperature.CELSIUS else 1,
        value_fn=_period("installer", figure), period="installer", **more,
    )  # fmt: skip


_FIT = (("r_squared", "heat_loss_r_squared"), ("days_used", "heat_loss_days_used"))
_CURVE = (("r_squared", "weather_comp_r_squared"), ("hours_used", "weather_comp_hours_used"))
INSTALLER_SENSORS: tuple[InstallerSensorDescription, ...] = (
    _installer("heat_loss_coefficient", "heat_loss_w_per_k", "W/K", None, attributes=_FIT),
    _installer("balance_temperature", "balance_temp_c", UnitOfTemperature.CELSIUS, SensorDeviceClass.TEMPERATURE,
               attributes=_FIT),
    _installer("design_heat_load", "design_heat_load_kw", UnitOfPower.KILO_WATT, SensorDeviceClass.POWER,
               attributes=(("climate", "climate"), ("design_temperature", "design_temp_c"), *_FIT)),
    _installer("oversizing_factor", "oversizing_factor", None, None,
               attributes=(("capacity_kw", "oversizing_capacity_kw"), ("capacity_source", "oversizing_capacity_source"),
                           ("design_heat_load_kw", "design_heat_load_kw")), reason_key="oversizing_reason"),
    _installer("heating_curve_slope", "weather_comp_slope_k_per_k", "K/K", None, attributes=_CURVE,
               reason_key="weather_comp_reason"),
    _installer("heating_curve_flow_at_0c", "weather_comp_flow_at_0c", UnitOfTemperature.CELSIUS,
               SensorDeviceClass.TEMPERATURE, attributes=_CURVE, reason_key="weather_comp_reason"),
)  # fmt: skip
