"""Entity descriptions of a heat pump's compressor cycling, practical (Carnot) efficiency and short-cycling alert.

Counts are whole numbers; times are kept in seconds and shown in minutes or hours; the practical
efficiency is shown in percent of the Carnot COP, as heatpumpmonitor.org shows it. Figures "today"
start from 0 at local midnight, so they are measurements, not totals (a total_increasing sensor
must only fall at a meter reset).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from homeassistant.components.binary_sensor import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import PERCENTAGE, UnitOfTemperature, UnitOfTime

from .engine.carnot import CarnotAccount
from .engine.live import LiveHeatPump
from .engine.modes import HEATING_MODES, Mode
from .engine.short_cycling import SHORT_CYCLING
from .heat_pump import HeatPumpCoordinator
from .heat_pump_entities import HeatPumpBinaryDescription, HeatPumpSensorDescription, RatingSensorDescription
from .statistics import heating_season_start


def _percent(value: float | None) -> float | None:
    return None if value is None else 100.0 * value


# Starts and run lengths need samples at most the engine's "cycling" limit apart (engine/audit.py): polled
# coarser, a run and the pause after it fit between two polls and are never seen. The run time is kept
# (``coarse_estimate``): each start and stop is placed to within one poll and a missed run is shorter than
# two polls, so the sum is off by at most one poll per run edge; it is shown with that note, not nulled.
CYCLING = "cycling"


def _duration(
    key: str,
    value_fn: Callable[[LiveHeatPump], float | None],
    *,
    total: bool = False,
    shown_in: str = UnitOfTime.HOURS,
    estimate: bool = False,
) -> HeatPumpSensorDescription:
    return HeatPumpSensorDescription(
        key=key, translation_key=key, device_class=SensorDeviceClass.DURATION,
        state_class=SensorStateClass.TOTAL_INCREASING if total else SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTime.SECONDS, suggested_unit_of_measurement=shown_in,
        suggested_display_precision=1, is_total=total, value_fn=value_fn, resolution=CYCLING,
        coarse_estimate=estimate,
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
        resolution=CYCLING,
    ),
    HeatPumpSensorDescription(
        key="compressor_starts_today", translation_key="compressor_starts_today",
        state_class=SensorStateClass.MEASUREMENT, suggested_display_precision=0,
        value_fn=lambda live: live.day.compressor_starts, resolution=CYCLING,
    ),
    _duration("compressor_run_time", lambda live: live.totals.compressor_run_s, total=True, estimate=True),
    _duration("compressor_run_time_today", lambda live: live.day.compressor_run_s, estimate=True),
    _duration("mean_run_length_today", lambda live: live.day.mean_run_s, shown_in=UnitOfTime.MINUTES),
    HeatPumpSensorDescription(
        key="short_runs_today", translation_key="short_runs_today", state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE, suggested_display_precision=0,
        value_fn=lambda live: _percent(live.day.short_run_share), resolution=CYCLING,
    ),
)  # fmt: skip

CARNOT_SENSORS: tuple[HeatPumpSensorDescription, ...] = (
    _efficiency("practical_efficiency", lambda live: live.practical_efficiency),
    _efficiency("rolling_practical_efficiency", lambda live: live.rolling_practical_efficiency),
    _efficiency("practical_efficiency_today", lambda live: live.carnot.day.practical_efficiency),
    _efficiency(
        "practical_efficiency_since_setup", lambda live: live.carnot.total.practical_efficiency, since_setup=True
    ),
    _temperature("mean_flow_temp_today", lambda live: live.carnot.day.mean_flow_temp_c),
    _temperature("mean_outdoor_temp_today", lambda live: live.carnot.day.mean_outdoor_temp_c),
)


Figure = Callable[[CarnotAccount], float | None]


def _practical(account: CarnotAccount) -> float | None:
    return _percent(account.practical_efficiency)


def _mean_flow(account: CarnotAccount) -> float | None:
    return account.mean_flow_temp_c


def _mean_outdoor(account: CarnotAccount) -> float | None:
    return account.mean_outdoor_temp_c


def _since(
    first: Callable[[datetime], datetime], figure: Figure, mode: Mode | None = None
) -> Callable[[HeatPumpCoordinator], float | None]:
    """A figure from the local day ``first`` gives for today on, today's heat included (one mode's, or all)."""
    starts: dict[date, date] = {}  # the day counted -> the period's first day (asked for at every poll)

    def value(coordinator: HeatPumpCoordinator) -> float | None:
        live = coordinator.live
        book = live.carnot if mode is None else live.carnot_by_mode[mode]
        start = starts.get(day := coordinator.day)
        if start is None:
            starts.clear()
            start = starts[day] = first(datetime.combine(day, time())).date()
        return figure(book.since(start))

    return value


def _last_365_days(today: datetime) -> datetime:
    return today - timedelta(days=364)


def _period_sensor(key: str, value_fn: Callable[[HeatPumpCoordinator], float | None], temperature: bool) -> (
        RatingSensorDescription):  # fmt: skip
    return RatingSensorDescription(
        key=key, translation_key=key, state_class=SensorStateClass.MEASUREMENT, suggested_display_precision=1,
        device_class=SensorDeviceClass.TEMPERATURE if temperature else None,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS if temperature else PERCENTAGE, value_fn=value_fn,
    )  # fmt: skip


# The heating season (from 1 September, as the SCOP of the season) and the last 365 days, from the days'
# heat-weighted sums kept with the totals (engine/carnot.py); counted since the entry was set up.
CARNOT_PERIOD_SENSORS: tuple[RatingSensorDescription, ...] = (
    _period_sensor("practical_efficiency_season", _since(heating_season_start, _practical), temperature=False),
    _period_sensor("practical_efficiency_last_365_days", _since(_last_365_days, _practical), temperature=False),
    _period_sensor("mean_flow_temp_season", _since(heating_season_start, _mean_flow), temperature=True),
    _period_sensor("mean_outdoor_temp_season", _since(heating_season_start, _mean_outdoor), temperature=True),
)


def _today(mode: Mode, figure: Figure) -> Callable[[LiveHeatPump], float | None]:
    return lambda live: figure(live.carnot_by_mode[mode].day)


def mode_carnot_sensors(modes: tuple[Mode, ...]) -> list[HeatPumpSensorDescription]:
    """Each heating mode's practical efficiency and heat-weighted temperatures today (what the heat was made at)."""
    out: list[HeatPumpSensorDescription] = []
    for mode in (m for m in modes if m in HEATING_MODES):
        m = mode.value
        out += [
            _temperature(f"{m}_mean_flow_temp_today", _today(mode, _mean_flow)),
            _temperature(f"{m}_mean_outdoor_temp_today", _today(mode, _mean_outdoor)),
            HeatPumpSensorDescription(
                key=f"{m}_practical_efficiency_today", translation_key=f"{m}_practical_efficiency_today",
                state_class=SensorStateClass.MEASUREMENT, native_unit_of_measurement=PERCENTAGE,
                suggested_display_precision=1, value_fn=_today(mode, _practical),
            ),
        ]  # fmt: skip
    return out


def mode_carnot_period_sensors(modes: tuple[Mode, ...]) -> list[RatingSensorDescription]:
    """The same over the heating season, per heating mode."""
    out: list[RatingSensorDescription] = []
    for mode in (m for m in modes if m in HEATING_MODES):
        for figure, name, temperature in ((_practical, "practical_efficiency", False),
                                          (_mean_flow, "mean_flow_temp", True),
                                          (_mean_outdoor, "mean_outdoor_temp", True)):  # fmt: skip
            key = f"{mode.value}_{name}_season"
            out.append(_period_sensor(key, _since(heating_season_start, figure, mode), temperature))
    return out


SHORT_CYCLING_BINARY_SENSOR = HeatPumpBinaryDescription(
    key=f"alert_{SHORT_CYCLING}",
    translation_key=f"alert_{SHORT_CYCLING}",
    device_class=BinarySensorDeviceClass.PROBLEM,
    value_fn=lambda live: False,  # read from the coordinator's short-cycling monitor (binary_sensor.py)
)
