"""Field performance report of a measured time series.

Heat: the heat meter's power where present, else m_dot * cp * dT (heat.py).
Electricity: the unit's meter, plus backup heater and circulation pump
meters where present. All energies use the trapezoid rule on the intervals
where every channel the figure needs was measured (energy.py), so a ratio is
never taken between energies of different hours.

Seasonal performance factors on the SEPEMO boundaries (Zottl et al.,
SEPEMO-Build D4.2, 2012):
  unit         (H1) heat from the unit / unit electricity while running
  unit_backup  (H2) + backup heater (its heat is its electricity)
  system       (H4) + circulation pumps and the unit's standby electricity
``spf`` is the system figure: net heat (defrost netted) over all electricity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from .arrays import BoolArray, FloatArray
from .climate_normalised import normalised_scop
from .cop import DEFAULT_RUNNING_THRESHOLD_W, period_cop
from .defrost import DEFAULT_ENTER_DELTA_K, DEFAULT_EXIT_DELTA_K, defrost_events, detect_active
from .energy import Intervals, default_max_gap_s, interval_energy_wh
from .errors import EngineInputError
from .fluids import check_temperature
from .frosting import DEFAULT_TIFR_C, MeasuredPenalty, penalty_from_measurements
from .heat import HeatCircuit, heat_power_w, preferred_heat_power_w
from .spf import EnergyBalance
from .timeseries import TimeSeries

SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class AnalysisOptions:
    """Choices of the analysis; the defaults suit an ordinary installation."""

    circuit: HeatCircuit = field(default_factory=HeatCircuit)
    climate: str = "average"
    running_threshold_w: float = DEFAULT_RUNNING_THRESHOLD_W
    max_gap_s: float | None = None
    backup_heat_metered: bool = True
    defrost_enter_delta_k: float = DEFAULT_ENTER_DELTA_K
    defrost_exit_delta_k: float = DEFAULT_EXIT_DELTA_K
    tifr_c: float = DEFAULT_TIFR_C
    list_defrost_events: bool = True


def _iso(t_s: float) -> str:
    return datetime.fromtimestamp(t_s, tz=UTC).isoformat()


def _heat_power(series: TimeSeries, circuit: HeatCircuit) -> FloatArray:
    metered = series.get("heat_power_w")
    parts = [series.get(n) for n in ("flow_temp_c", "return_temp_c", "flow_rate_m3h")]
    if any(p is None for p in parts):
        if metered is None:
            raise EngineInputError(
                "heat_power_w", "missing column: give heat_power_w or flow_temp_c, return_temp_c and flow_rate_m3h"
            )
        return metered
    flow_c, return_c, flow_m3h = (p for p in parts if p is not None)
    for name, temps in (("flow_temp_c", flow_c), ("return_temp_c", return_c)):
        finite = temps[np.isfinite(temps)]
        if finite.size:
            check_temperature(circuit.medium, circuit.mass_fraction_pct, float(finite.min()), name)
            check_temperature(circuit.medium, circuit.mass_fraction_pct, float(finite.max()), name)
    return preferred_heat_power_w(heat_power_w(circuit, flow_c, return_c, flow_m3h), metered)


def _sum_kwh(energy_wh: FloatArray, mask: BoolArray) -> float:
    return float(np.sum(energy_wh[mask])) / 1000.0


def _hourly(
    t_start_s: FloatArray,
    usable: BoolArray,
    heat_wh: FloatArray,
    elec_wh: FloatArray,
    series: TimeSeries,
) -> tuple[FloatArray, FloatArray, FloatArray] | None:
    """Hourly heat, electricity (kWh) and mean outdoor temperature."""
    outdoor = series.get("outdoor_temp_c")
    if outdoor is None:
        return None
    hour_of_interval = np.floor(t_start_s / SECONDS_PER_HOUR).astype(np.int64)
    hour_of_sample = np.floor(series.t_s / SECONDS_PER_HOUR).astype(np.int64)
    hours, inverse = np.unique(hour_of_interval[usable], return_inverse=True)
    heat = np.bincount(inverse, weights=heat_wh[usable], minlength=hours.size) / 1000.0
    elec = np.bincount(inverse, weights=elec_wh[usable], minlength=hours.size) / 1000.0
    known = np.isfinite(outdoor)
    pos = np.searchsorted(hours, hour_of_sample[known])
    pos_ok = (pos < hours.size) & (hours[np.minimum(pos, hours.size - 1)] == hour_of_sample[known])
    temp_sum = np.bincount(pos[pos_ok], weights=outdoor[known][pos_ok], minlength=hours.size)
    temp_n = np.bincount(pos[pos_ok], minlength=hours.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_temp = np.where(temp_n > 0, temp_sum / temp_n, np.nan)
    return mean_temp, heat, elec


def analyze(series: TimeSeries, options: AnalysisOptions = AnalysisOptions()) -> dict[str, object]:
    """The JSON report of ``engine analyze`` for one time series."""
    unit_w = series.get("elec_power_w")
    if unit_w is None:
        raise EngineInputError("elec_power_w", "missing column: the unit's electric power is needed for any COP")
    if len(series) < 2:
        raise EngineInputError("timestamp", "needs at least two rows to integrate energy")
    heat_w = _heat_power(series, options.circuit)
    max_gap_s = options.max_gap_s if options.max_gap_s is not None else default_max_gap_s(series.t_s)
    intervals = Intervals.of(series.t_s, max_gap_s)

    backup_w = series.get("backup_power_w")
    pump_w = series.get("pump_power_w")
    heat_wh = interval_energy_wh(heat_w, intervals)
    heat_pos_wh = interval_energy_wh(np.maximum(heat_w, 0.0), intervals)
    unit_wh = interval_energy_wh(unit_w, intervals)
    backup_wh = interval_energy_wh(backup_w, intervals) if backup_w is not None else np.zeros_like(unit_wh)
    pump_wh = interval_energy_wh(pump_w, intervals) if pump_w is not None else np.zeros_like(unit_wh)
    # Every figure below is taken over the same intervals: all channels measured.
    usable = np.isfinite(heat_wh) & np.isfinite(unit_wh) & np.isfinite(backup_wh) & np.isfinite(pump_wh)

    with np.errstate(invalid="ignore", divide="ignore"):
        unit_mean_w = unit_wh * SECONDS_PER_HOUR / intervals.dt_s
    running = usable & (unit_mean_w >= options.running_threshold_w)
    standby = usable & ~running

    heat_kwh = _sum_kwh(heat_wh, usable)
    heat_positive_kwh = _sum_kwh(heat_pos_wh, usable)
    unit_running_kwh = _sum_kwh(unit_wh, running)
    standby_kwh = _sum_kwh(unit_wh, standby)
    backup_kwh = _sum_kwh(backup_wh, usable)
    pump_kwh = _sum_kwh(pump_wh, usable)
    balance = EnergyBalance(heat_kwh, unit_running_kwh, standby_kwh, backup_kwh, pump_kwh, options.backup_heat_metered)
    elec_kwh = balance.elec_kwh

    sample_running = np.isfinite(unit_w) & (unit_w >= options.running_threshold_w)
    flow_c, return_c = series.get("flow_temp_c"), series.get("return_temp_c")
    delta_t = flow_c - return_c if flow_c is not None and return_c is not None else None
    signal = series.get("defrost")
    active = detect_active(sample_running, delta_t, signal, options.defrost_enter_delta_k, options.defrost_exit_delta_k)
    events = defrost_events(series.t_s, active, heat_w, intervals)
    defrost_heat_kwh = heat_positive_kwh - heat_kwh
    running_s = float(intervals.dt_s[running].sum())
    defrost_s = float(sum(e.duration_s for e in events))

    report: dict[str, object] = {
        "rows": len(series),
        "start": _iso(float(series.t_s[0])),
        "end": _iso(float(series.t_s[-1])),
        "sampling_interval_s": float(np.median(intervals.dt_s)),
        "max_gap_s": max_gap_s,
        "measured_hours": float(intervals.dt_s[usable].sum()) / SECONDS_PER_HOUR,
        "unmeasured_hours": float(intervals.dt_s[~usable].sum()) / SECONDS_PER_HOUR,
        "heat_kwh": heat_kwh,
        "heat_positive_kwh": heat_positive_kwh,
        "elec_kwh": elec_kwh,
        "spf": period_cop(balance.system_heat_kwh, elec_kwh),
        "spf_boundaries": balance.spf_boundaries(),
        "elec_breakdown_kwh": {
            "unit_running": unit_running_kwh,
            "unit_standby": standby_kwh,
            "backup": backup_kwh,
            "pumps": pump_kwh,
        },
        "running_hours": running_s / SECONDS_PER_HOUR,
        "defrost": {
            "source": "signal" if signal is not None else ("reversed_flow" if delta_t is not None else "none"),
            "count": len(events),
            "total_duration_s": defrost_s,
            "heat_kwh": defrost_heat_kwh,
            "heat_share": period_cop(defrost_heat_kwh, heat_positive_kwh),
            "time_share": defrost_s / running_s if running_s > 0 else None,
            "events": [
                {
                    "start": _iso(e.start_s),
                    "end": _iso(e.end_s),
                    "duration_s": e.duration_s,
                    "heat_drawn_kwh": e.heat_drawn_kwh,
                }
                for e in events
            ]
            if options.list_defrost_events
            else None,
        },
        "ignored_columns": list(series.ignored_columns),
    }
    hourly = _hourly(series.t_s[:-1], usable, heat_wh, unit_wh + backup_wh + pump_wh, series)
    if hourly is None:
        report["climate_normalised"] = None
        report["frosting_penalty"] = "needs outdoor_temp_c"
    else:
        mean_temp, hourly_heat, hourly_elec = hourly
        report["climate_normalised"] = normalised_scop(options.climate, mean_temp, hourly_heat, hourly_elec).as_dict()
        running_hours = hourly_elec * 1000.0 >= options.running_threshold_w
        measured = penalty_from_measurements(
            mean_temp[running_hours], hourly_heat[running_hours], hourly_elec[running_hours], options.tifr_c
        )
        report["frosting_penalty"] = (
            {
                "penalty": measured.penalty,
                "tifr_c": measured.tifr_c,
                "hours_above_tifr": measured.hours_above,
                "hours_below_tifr": measured.hours_below,
            }
            if isinstance(measured, MeasuredPenalty)
            else measured
        )
    return report
