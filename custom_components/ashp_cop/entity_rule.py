"""Which figures of a heat pump an owner sees at once (Home Assistant's rule for less-used entities).

Shown, enabled by default: what an owner reads: COP now, today and rolling; the SCOP of the season, the
last 365 days and the lifetime; per mode the COP (cooling: EER) today and the SPF of the season; heat,
net heat and electricity totals and the powers behind them; running and defrost; the alerts; the rated
SCOP where a datasheet is given: 23 for a heat pump with hot water mapped (25 with cooling too).

Enabled but hidden, diagnostic: the combined energy breakdowns the seasonal SCOP, ``recalculate`` and
the period card sum from their recorded hours (the electricity while running and in standby, backup
heater, pumps, the heat drawn back by defrosts, the compressor starts): 6, so 29 enabled with hot water
mapped (31 with cooling too). The history import writes the same sensors' statistics; disabled, they would
record none. Hidden, they stay off the device page's and the default dashboard's lists.

Disabled by default, diagnostic: each mode's energy totals (heat, heat drawn back, electricity; cooling's
heat removed and electricity). Their hours are kept whether the sensors are enabled or not: the
integration writes them as its own statistics (mode_recorder.py).

Everything else exists disabled by default (an owner enables what they want): the Carnot figures and
heat-weighted temperatures per period and per mode, the cycling details, rolling figures per mode, the
SPF per boundary since set-up, the expected COP and its gap, the climate-normalised SCOP and the
SCOP of each mode over 365 days and the lifetime. The installer figures (heat loss, balance temperature,
design heat load, oversizing, the heating curve as run) are disabled too, and diagnostic: they describe
the installation (for its installer or auditor), not how efficiently it runs.
"""

from __future__ import annotations

from homeassistant.const import EntityCategory

from .engine.alerts import ALERTS
from .engine.short_cycling import SHORT_CYCLING
from .mode_keys import MODE_STATISTICS

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
})  # fmt: skip

MODE_TOTAL_KEYS: frozenset[str] = frozenset(key for parts in MODE_STATISTICS.values() for key in parts.values())


INSTALLER_KEYS: frozenset[str] = frozenset({
    "heat_loss_coefficient", "balance_temperature", "design_heat_load", "oversizing_factor",
    "heating_curve_slope", "heating_curve_flow_at_0c",
})  # fmt: skip


def heat_pump_defaults(key: str) -> tuple[bool, bool, EntityCategory | None]:
    """(enabled by default, visible by default, entity category) of a heat pump figure's key."""
    if key in OWNER_KEYS:
        return True, True, None
    if key in STATISTICS_KEYS:
        return True, False, EntityCategory.DIAGNOSTIC
    if key in INSTALLER_KEYS or key in MODE_TOTAL_KEYS:
        return False, True, EntityCategory.DIAGNOSTIC
    return False, True, None
