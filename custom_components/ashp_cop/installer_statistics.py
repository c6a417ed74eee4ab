"""Installer figures of a heat pump from the recorder's hourly statistics (engine/installer.py).

The heat-loss coefficient and balance temperature, the design heat load at the climate's EN 14825
design temperature, the oversizing factor and the heating curve as run, over the last 365 days: each
hour's net heat (heat delivered less the heat defrosts drew back) and electricity from the heat pump's
own energy totals, the hourly means of the bound outdoor and flow temperature sensors, grouped into
local calendar days. A figure the days cannot support yet is None with the reason (the fits need
``MIN_FIT_DAYS`` heating days of at least ``MIN_MEASURED_H`` measured hours, the heating curve as many
days' worth of heating hours).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from homeassistant.util import dt as dt_util

from .engine.installer import hourly_figures, installer_figures
from .statistics import Hourly, StatisticIds

_ELECTRICITY = ("unit_running_kwh", "unit_standby_kwh", "backup_kwh", "pumps_kwh")


def installer_of(
    hourly: Hourly,
    ids: StatisticIds,
    flow_id: str | None,
    start: datetime,
    end: datetime,
    *,
    climate: str,
    pdesignh_kw: float | None,
    backup_heat_metered: bool = True,
) -> dict[str, Any]:
    """The installer figures of the hours in [start, end) of ``hourly``."""
    low, high = start.timestamp(), end.timestamp()
    delivered = hourly.get(ids.energies.get("heat_kwh", ""), {})
    drawn = hourly.get(ids.energies.get("defrost_heat_kwh", ""), {})
    backup = hourly.get(ids.energies.get("backup_kwh", ""), {})
    elec_series = [hourly[i] for f in _ELECTRICITY if (i := ids.energies.get(f, "")) in hourly]
    outdoor = hourly.get(ids.outdoor or "", {})
    flow = hourly.get(flow_id or "", {})
    hours = sorted(h for h in delivered if low <= h < high)
    nan = float("nan")

    def elec(hour: float) -> float:
        # an hour the running electricity has no statistic for is unmeasured; another meter's gap adds 0
        if not elec_series or hour not in elec_series[0]:
            return nan
        return sum(series.get(hour, 0.0) for series in elec_series)

    heat = [delivered[h] - drawn.get(h, 0.0) + (0.0 if backup_heat_metered else backup.get(h, 0.0)) for h in hours]
    days = [dt_util.as_local(dt_util.utc_from_timestamp(h)).date().toordinal() for h in hours]
    daily = hourly_figures(
        np.array(hours, dtype=np.float64),
        np.array(heat, dtype=np.float64),
        np.array([elec(h) for h in hours], dtype=np.float64),
        np.array([outdoor.get(h, nan) for h in hours], dtype=np.float64),
        np.array([flow.get(h, nan) for h in hours], dtype=np.float64),
        day=np.array(days, dtype=np.int64),
    )
    figures = installer_figures(daily, climate, pdesignh_kw)
    if not outdoor:
        reason = "no outdoor temperature statistics (bind the outdoor temperature role)"
        figures["heat_loss_reason"] = figures["heat_loss_reason"] and reason
        figures["weather_comp_reason"] = figures["weather_comp_reason"] and reason
    elif not flow and figures["weather_comp_reason"]:
        figures["weather_comp_reason"] = "no flow temperature statistics (bind the flow temperature role)"
    figures["oversizing_reason"] = figures["heat_loss_reason"] or (
        None if figures["oversizing_factor"] is not None else "no fully measured hour to take the highest output from"
    )
    return figures
