"""Entity descriptions of a heat pump's compressor cycling, practical (Carnot) efficiency and short-cycling alert.

Counts are whole numbers; times are kept in seconds and shown in minutes or hours; the practical
efficiency is shown in percent of the Carnot COP, as heatpumpmonitor.org shows it. Figures "today"
start from 0 at local midnight, so they are measurements, not totals (a total_increasing sensor
must only fall at a meter reset).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

from homeassistant.components.binary_sensor import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import PERCENTAGE, UnitOfTemperature, UnitOfTime

from .engine.live import LiveHeatPump
from .engine.short_cycling import SHORT_CYCLING
from .heat_pump import HeatPumpCoordinator
from .heat_pump_entities import HeatPumpBinaryDescription, HeatPumpSensorDescription, RatingSensorDescription
from .statistics import heating_season_start


def _percent(value: float | None) -> float | None:
    return None if value is None else 100.0 * value


def _duration(
    key: str, value_fn: Callable[[LiveHeatPump], float | None], *, total: bool = False, shown_in: str = UnitOfTime.HOURS
) -> HeatPumpSensorDescription:
    return HeatPumpSensorDescription(
        key=key, translation_key=key, device_class=SensorDeviceClass.DURATION,
        state_class=SensorStateClass.TOTAL_INCREASING if total else SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTime.SECONDS, suggested_unit_of_measurement=shown_in,
        suggested_display_precision=1, is_total=total, value_fn=value_fn,
    )  # fmt: skip


def _efficiency(
    key: str, value_fn: Callable[[LiveHeatPump], float | None], *, since_setup: bool = False
) -> HeatPumpSensorDescription:
    return HeatPumpSensorDescription(
        key=key, translation_key=key, state_class=SensorStateClass.MEASUREMENT, native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=1, since_setup=since_setup, value_fn=lambda live: _percent(value_fn(live)),
    )  # fmt: skip


def _temperature(key: str, value_fn: Callable[[LiveHeatPump], float | None]) -> HeatPumpSensorDescription:
    return HeatPumpSensorDescription(
        key=key, translation_key=key, device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT, native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        suggested_display_precision=1, value_fn=value_fn,
    )  # fmt: skip


CYCLING_SENSORS: tuple[HeatPumpSensorDescription, ...] = (
    HeatPumpSensorDescription(
        key="compressor_starts", translation_key="compressor_starts", state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=0, is_total=True, value_fn=lambda live: live.totals.compressor_starts,
    ),
    HeatPumpSensorDescription(
        key="compressor_starts_today", translation_key="compressor_starts_today",
        state_class=SensorStateClass.MEASUREMENT, suggested_display_precision=0,
        value_fn=lambda live: live.day.compressor_starts,
    ),
    _duration("compressor_run_time", lambda live: live.totals.compressor_run_s, total=True),
    _duration("compressor_run_time_today", lambda live: live.day.compressor_run_s),
    _duration("mean_run_length_today", lambda live: live.day.mean_run_s, shown_in=UnitOfTime.MINUTES),
    HeatPumpSensorDescription(
        key="short_runs_today", translation_key="short_runs_today", state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE, suggested_display_precision=0,
        value_fn=lambda live: _percent(live.day.short_run_share),
    ),
)  # fmt: skip

CARNOT_SENSORS: tuple[HeatPumpSensorDescription, ...] = (
    _efficiency("practical_efficiency", lambda live: live.practical_efficiency),
    _efficiency("rolling_practical_efficiency", lambda live: live.rolling_practical_efficiency),
    _efficiency("practical_efficiency_today", lambda live: live.carnot_day.practical_efficiency),
    _efficiency(
        "practical_efficiency_since_setup", lambda live: live.carnot_total.practical_efficiency, since_setup=True
    ),
    _temperature("mean_flow_temp_today", lambda live: live.carnot_day.mean_flow_temp_c),
    _temperature("mean_outdoor_temp_today", lambda live: live.carnot_day.mean_outdoor_temp_c),
)


def _since(first: Callable[[datetime], datetime]) -> Callable[[HeatPumpCoordinator], float | None]:
    """The practical efficiency from the local day ``first`` gives for today on, today's heat included."""

    def value(coordinator: HeatPumpCoordinator) -> float | None:
        live = coordinator.live
        start = first(datetime.combine(coordinator.day, time())).date()
        return _percent(live.carnot_days.since(start, live.carnot_day).practical_efficiency)

    return value


# The heating season (from 1 September, as the SCOP of the season) and the last 365 days, from the days'
# heat-weighted sums kept with the totals (engine/carnot.py); counted since the entry was set up.
CARNOT_PERIOD_SENSORS: tuple[RatingSensorDescription, ...] = tuple(
    RatingSensorDescription(
        key=key, translation_key=key, state_class=SensorStateClass.MEASUREMENT, native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=1, value_fn=_since(first),
    )
    for key, first in (
        ("practical_efficiency_season", heating_season_start),
        ("practical_efficiency_last_365_days", lambda today: today - timedelta(days=364)),
    )
)  # fmt: skip

SHORT_CYCLING_BINARY_SENSOR = HeatPumpBinaryDescription(
    key=f"alert_{SHORT_CYCLING}",
    translation_key=f"alert_{SHORT_CYCLING}",
    device_class=BinarySensorDeviceClass.PROBLEM,
    value_fn=lambda live: False,  # read from the coordinator's short-cycling monitor (binary_sensor.py)
)
