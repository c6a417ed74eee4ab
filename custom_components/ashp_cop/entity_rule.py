"""Which figures of a heat pump an owner sees at once (Home Assistant's rule for less-used entities).

Shown, enabled by default: what an owner reads: COP now, today and rolling; the SCOP of the season, the
last 365 days and the lifetime; per mode the COP (cooling: EER) today and the SPF of the season; heat,
net heat and electricity totals and the powers behind them; running and defrost; the alerts; the rated
SCOP where a datasheet is given: 23 for a heat pump with hot water mapped (25 with cooling too).

Enabled but hidden, diagnostic: the energy breakdowns the recorder's statistics are kept from (the
electricity while running and in standby, backup heater, pumps, heat drawn back by defrosts, each
mode's heat and electricity, the compressor starts). The seasonal SCOP, ``recalculate`` and the period
card sum their hourly statistics, and a disabled entity records none: disabling them would leave those
figures silently wrong (heat drawn back uncounted) or empty. Hidden, they stay off the device page's
and the default dashboard's lists.

Everything else exists disabled by default (an owner enables what they want): the Carnot figures and
heat-weighted temperatures per period and per mode, the cycling details, rolling figures per mode, the
SPF per boundary since set-up, the expected COP and its gap, the climate-normalised SCOP and the
SCOP of each mode over 365 days and the lifetime.
"""

from __future__ import annotations

from homeassistant.const import EntityCategory

from .engine.alerts import ALERTS
from .engine.short_cycling import SHORT_CYCLING

OWNER_KEYS: frozenset[str] = frozenset({
    "cop", "daily_cop", "rolling_cop", "heat_power", "electric_power",
    "scop_season", "scop_last_365_days", "scop_lifetime",
    "heat_energy", "net_heat_energy", "electric_energy",
    "running", "defrost", "rated_scop",
    *(f"alert_{name}" for name in (*ALERTS, SHORT_CYCLING)),
    "space_heating_daily_cop", "hot_water_daily_cop", "cooling_daily_eer",
    "space_heating_spf_season", "hot_water_spf_season", "cooling_eer_season",
})  # fmt: skip

STATISTICS_KEYS: frozenset[str] = frozenset({
    "electric_energy_running", "electric_energy_standby", "backup_energy", "pump_energy", "defrost_energy",
    "compressor_starts",
    *(f"{mode}_{part}" for mode in ("space_heating", "hot_water")
      for part in ("heat_energy", "defrost_energy", "electric_energy")),
    "cooling_energy", "cooling_electric_energy",
})  # fmt: skip


def heat_pump_defaults(key: str) -> tuple[bool, bool, EntityCategory | None]:
    """(enabled by default, visible by default, entity category) of a heat pump figure's key."""
    if key in OWNER_KEYS:
        return True, True, None
    if key in STATISTICS_KEYS:
        return True, False, EntityCategory.DIAGNOSTIC
    return False, True, None
