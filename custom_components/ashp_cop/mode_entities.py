"""Entity descriptions per operating mode: energies, COP today and rolling, seasonal SPF (engine/modes.py).

Only the modes the mapping can produce get entities (no cooling sensors unless a state maps to
cooling); without an operating mode bound there are none, and the combined figures say it all.
Heating modes show heat delivered, the heat defrosts drew back and their electricity (unit, backup
heater and pumps: the SEPEMO H4 boundary the combined SCOP uses); cooling shows the heat removed,
its electricity and EERs.
"""

from __future__ import annotations

from homeassistant.components.sensor import SensorStateClass

from .engine.modes import Mode
from .heat_pump_entities import HeatPumpSensorDescription, SeasonalSensorDescription, _energy, _period, _ratio
from .mode_keys import HEATING_MODES

PERIODS = ("season", "last_365_days", "lifetime")


def _heating(mode: Mode) -> tuple[HeatPumpSensorDescription, ...]:
    m = mode.value
    return (
        _energy(f"{m}_heat_energy", lambda live: live.modes.totals[mode].heat_kwh),
        _energy(f"{m}_defrost_energy", lambda live: live.modes.totals[mode].defrost_heat_kwh),
        _energy(f"{m}_electric_energy", lambda live: live.modes.totals[mode].elec_kwh),
        _ratio(f"{m}_daily_cop", lambda live: live.modes.daily_cop(mode)),
        _ratio(f"{m}_rolling_cop", lambda live: live.modes.rolling_cop(mode)),
    )


COOLING_SENSORS: tuple[HeatPumpSensorDescription, ...] = (
    _energy("cooling_energy", lambda live: live.modes.totals[Mode.COOLING].cooling_kwh),
    _energy("cooling_electric_energy", lambda live: live.modes.totals[Mode.COOLING].elec_kwh),
    _ratio("cooling_eer", lambda live: live.eer),  # EN 14511-1 3.4.6: heat removed / electricity
    _ratio("cooling_daily_eer", lambda live: live.modes.daily_cop(Mode.COOLING)),
    _ratio("cooling_rolling_eer", lambda live: live.modes.rolling_cop(Mode.COOLING)),
)


def mode_sensors(modes: tuple[Mode, ...]) -> list[HeatPumpSensorDescription]:
    out: list[HeatPumpSensorDescription] = []
    for mode in modes:
        out += COOLING_SENSORS if mode is Mode.COOLING else _heating(mode) if mode in HEATING_MODES else ()
    return out


def mode_seasonal_sensors(modes: tuple[Mode, ...]) -> list[SeasonalSensorDescription]:
    """SPF (cooling: seasonal EER) of each mode over the season, 365 days and the lifetime."""
    out: list[SeasonalSensorDescription] = []
    for mode in modes:
        if mode is Mode.OFF:
            continue
        figure = "eer" if mode is Mode.COOLING else "spf"
        for period in PERIODS:
            key = f"{mode.value}_{figure}_{period}"
            out.append(SeasonalSensorDescription(
                key=key, translation_key=key, state_class=SensorStateClass.MEASUREMENT, suggested_display_precision=2,
                value_fn=_period(period, "modes", mode.value, "spf"), period=period,
            ))  # fmt: skip
    return out
