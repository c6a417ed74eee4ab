"""The meters' classes of a heat pump entry, and what the audit shows beside its figures.

The engine does the work (engine/uncertainty.py, audit.py, live_audit.py); this module reads the
entry's settings into it and shapes what entities show: the 95 % interval ("3.42 ± 0.12"), the
boundary, the coverage, and heatpumpmonitor.org's publication check.
"""

from __future__ import annotations

from typing import Any

from .const import (
    CONF_ELEC_METER_CLASS,
    CONF_ELEC_METER_INCLUDES,
    CONF_FLOW_METER_PCT,
    CONF_HEAT_METER_CLASS,
    CONF_HEAT_METER_DTMIN,
    CONF_HEAT_METER_QP,
    CONF_MATCHED_PAIR,
    CONF_ROLES,
    CONF_TEMP_SENSOR_CLASS,
    METER_UNKNOWN,
)
from .engine.audit import BOUNDARY_FEEDS
from .engine.live import Role
from .engine.uncertainty import DEFAULT_DTMIN_K, MeterChoice, MeterClasses

# the settings' option (a translation key) -> the class
ELEC_CLASS_OPTIONS = {"class_0_5": 0.5, "class_1": 1.0, "class_2": 2.0}
SENSOR_CLASS_OPTIONS = {"aa": "AA", "a": "A", "b": "B"}

# what a bound role meters, beyond the unit: backup heater and circulation pumps (SEPEMO boundary)
_FEED_ROLES = {"backup": (Role.BACKUP_POWER, Role.BACKUP_ENERGY), "pumps": (Role.PUMP_POWER, Role.PUMP_ENERGY)}


def _stated(config: dict[str, Any], key: str) -> str | None:
    value = config.get(key)
    return None if value in (None, "", METER_UNKNOWN) else str(value)


def _positive(config: dict[str, Any], key: str) -> float | None:
    value = config.get(key)
    return float(value) if isinstance(value, int | float) and value > 0 else None


def meter_classes(config: dict[str, Any]) -> MeterClasses:
    """The entry's meters; one not stated at its conservative default, listed as an assumption."""
    roles = dict(config.get(CONF_ROLES, {}))
    heat_class = _stated(config, CONF_HEAT_METER_CLASS)
    elec_class = ELEC_CLASS_OPTIONS.get(str(config.get(CONF_ELEC_METER_CLASS)))
    sensor_class = SENSOR_CLASS_OPTIONS.get(str(config.get(CONF_TEMP_SENSOR_CLASS)))
    choice = MeterChoice(
        heat_meter_class=None if heat_class is None else int(heat_class),
        heat_meter_qp_m3h=_positive(config, CONF_HEAT_METER_QP),
        dtmin_k=_positive(config, CONF_HEAT_METER_DTMIN) or DEFAULT_DTMIN_K,
        flow_meter_pct=_positive(config, CONF_FLOW_METER_PCT),
        sensor_class=sensor_class,
        matched_pair=bool(config.get(CONF_MATCHED_PAIR, False)),
        elec_meter_class=elec_class,
    )
    heat_metered = Role.HEAT_POWER.value in roles or Role.HEAT_ENERGY.value in roles
    return choice.resolve(heat_metered=heat_metered)


def metered_feeds(config: dict[str, Any]) -> frozenset[str]:
    """The feeds the electricity metered covers: a bound backup or pump role, or the unit's meter includes it."""
    roles = dict(config.get(CONF_ROLES, {}))
    bound = {feed for feed, feed_roles in _FEED_ROLES.items() if any(r.value in roles for r in feed_roles)}
    includes = {str(item) for item in config.get(CONF_ELEC_METER_INCLUDES, []) if item in BOUNDARY_FEEDS}
    return frozenset(bound | includes)


# The period figures of a heat pump entity (by key) that carry the interval, and the coverage they count over
# (today's; since the account started; none for a rolling window of minutes). Instantaneous COP/EER carry none.
_PERIOD_OF_KEY = {"daily_cop": "today", "rolling_cop": None, "spf_unit": "since_setup",
                  "spf_unit_backup": "since_setup", "spf_system": "since_setup"}  # fmt: skip
_PERIOD_OF_SUFFIX = {"_daily_cop": "today", "_daily_eer": "today", "_rolling_cop": None, "_rolling_eer": None}


def audited_period(key: str) -> tuple[bool, str | None]:
    """(whether the figure ``key`` carries the audit's attributes, the period its coverage counts)."""
    if key in _PERIOD_OF_KEY:
        return True, _PERIOD_OF_KEY[key]
    for suffix, period in _PERIOD_OF_SUFFIX.items():
        if key.endswith(suffix):
            return True, period
    return False, None


def band_attributes(value: float | None, band: dict[str, float | None], digits: int = 2) -> dict[str, Any]:
    """The interval as attributes, and the line an owner reads at a glance: "3.42 ± 0.12"."""
    low, high = band["spf_low"], band["spf_high"]
    if value is None or low is None or high is None:
        return {"band": None, "band_low": None, "band_high": None, "uncertainty_95_pct": None}
    relative = band["relative_95"]
    return {
        "band": f"{value:.{digits}f} ± {(high - low) / 2:.{digits}f}",
        "band_low": round(low, digits),
        "band_high": round(high, digits),
        "uncertainty_95_pct": None if relative is None else round(100 * relative, 1),
    }
