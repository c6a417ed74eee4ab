"""Installer figures from a measured series: heat loss, design load, oversizing, the heating curve as run.

Daily figures first (energies by the trapezoid over the intervals where heat
and electricity are both measured, as analyze integrates them), then:

* Heat-loss coefficient H (W/K) and balance temperature Tb (C): the daily
  mean heat output Q = H x (Tb - To) on heating days (the energy-signature
  method, EN ISO 52016-1's steady-state balance; CIBSE TM41 degree-day
  analysis). A least-squares line Q = a + b x To over days that are almost
  fully measured and colder than ``HEATING_DAY_MAX_C``: H = -b, Tb = a / H.
  Hot water made on those days is counted in Q, which lifts Tb, not H.
* Design heat load: H x (Tb - Tdesignh) at the EN 14825 climate's design
  temperature (Table 1: average -10 C, warmer +2 C, colder -22 C).
* Oversizing factor: the datasheet's Pdesignh (or, without one, the
  highest hourly heat output measured) over the design heat load.
* Weather compensation as run: each heating hour's heat-weighted flow
  temperature against its mean outdoor temperature (hours colder than
  ``HEATING_DAY_MAX_C`` with heat delivered; daily means would flatten the
  curve, a mild day heating only in its coldest hours),
  flow = flow_at_0c + slope x To (slope in K of flow per K outdoor).

A figure the data cannot support is None with the reason beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .analyze import AnalysisOptions, _heat_power
from .arrays import FloatArray
from .en14825.climate import climate_by_name
from .energy import Intervals, interval_energy_wh
from .line_fit import LineFit, least_squares
from .timeseries import TimeSeries

SECONDS_PER_DAY = 86_400.0
# A day counts for the fits when at least this many of its hours are measured.
MIN_MEASURED_H = 20.0
# Days at least this warm heat no house: they are left out of the heat-loss fit.
HEATING_DAY_MAX_C = 14.0
MIN_FIT_DAYS = 14


@dataclass(frozen=True, slots=True)
class BinnedFigures:
    """One entry per UTC day (or hour) with a sample: energies over measured intervals, temperature means."""

    start_s: FloatArray
    heat_kwh: FloatArray
    elec_kwh: FloatArray
    measured_h: FloatArray
    outdoor_c: FloatArray
    flow_c: FloatArray  # heat-weighted mean flow temperature

    @property
    def cop(self) -> FloatArray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.elec_kwh > 0, self.heat_kwh / self.elec_kwh, np.nan)

    @property
    def mean_heat_kw(self) -> FloatArray:
        """Mean heat output over the measured time."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.measured_h > 0, self.heat_kwh / self.measured_h, np.nan)


@dataclass(frozen=True, slots=True)
class DailyFigures:
    """The series by day, and by hour (for the heating curve and the highest output)."""

    days: BinnedFigures
    hours: BinnedFigures

    @property
    def max_hourly_heat_kw(self) -> float | None:
        full = self.hours.measured_h >= 1.0
        return float(self.hours.mean_heat_kw[full].max()) if full.any() else None


def _per_bin(index: Any, weights: FloatArray, size: int) -> FloatArray:
    return np.asarray(np.bincount(index, weights=weights, minlength=size), dtype=np.float64)


def _mean_per_bin(index: Any, values: FloatArray, weights: FloatArray, size: int) -> FloatArray:
    keep = np.isfinite(values) & np.isfinite(weights) & (weights > 0)
    total = _per_bin(index[keep], values[keep] * weights[keep], size)
    weight = _per_bin(index[keep], weights[keep], size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weight > 0, total / weight, np.nan)


def _binned(
    series: TimeSeries, heat_wh: FloatArray, elec_wh: FloatArray, dt_s: FloatArray, width_s: float
) -> BinnedFigures:
    usable = np.isfinite(heat_wh) & np.isfinite(elec_wh)
    starts, sample_bin = np.unique(np.floor(series.t_s / width_s).astype(np.int64), return_inverse=True)
    size = starts.size
    interval_bin = sample_bin[:-1]
    heat = _per_bin(interval_bin[usable], heat_wh[usable] / 1000.0, size)
    elec = _per_bin(interval_bin[usable], elec_wh[usable] / 1000.0, size)
    measured = _per_bin(interval_bin[usable], dt_s[usable] / 3600.0, size)
    outdoor, flow = series.get("outdoor_temp_c"), series.get("flow_temp_c")
    nan = np.full(size, np.nan)
    outdoor_mean = nan if outdoor is None else _mean_per_bin(sample_bin, outdoor, np.ones(outdoor.size), size)
    flow_mean = nan
    if flow is not None:
        weights = np.where(usable, heat_wh, np.nan)
        flow_mean = _mean_per_bin(interval_bin, 0.5 * (flow[:-1] + flow[1:]), weights, size)
    return BinnedFigures(starts * width_s, heat, elec, measured, outdoor_mean, flow_mean)


def daily_figures(series: TimeSeries, options: AnalysisOptions | None = None) -> DailyFigures:
    """Daily and hourly heat, electricity (all meters), measured hours and temperatures of ``series``."""
    options = options or AnalysisOptions()
    max_gap_s = options.gap_limit_s(series.median_step_s())
    intervals = Intervals.of(series.t_s, max_gap_s)
    heat_wh = interval_energy_wh(_heat_power(series, options.circuit), intervals)
    elec_w = series.columns["elec_power_w"].copy()
    for extra in ("backup_power_w", "pump_power_w"):
        column = series.get(extra)
        if column is not None:
            elec_w = elec_w + column
    elec_wh = interval_energy_wh(elec_w, intervals)
    return DailyFigures(
        _binned(series, heat_wh, elec_wh, intervals.dt_s, SECONDS_PER_DAY),
        _binned(series, heat_wh, elec_wh, intervals.dt_s, 3600.0),
    )


def hourly_figures(
    start_s: FloatArray,
    heat_kwh: FloatArray,
    elec_kwh: FloatArray,
    outdoor_c: FloatArray,
    flow_c: FloatArray,
    *,
    day: npt.NDArray[np.int64] | None = None,
) -> DailyFigures:
    """The same figures from hourly energies and means (Home Assistant's long-term statistics).

    An hour counts as measured where both its heat and its electricity are known (NaN: not); ``day``
    numbers each hour's day (the local calendar day; default the UTC day). A day's outdoor temperature
    is the mean of its hours', its flow temperature the heat-weighted mean.
    """
    measured = np.isfinite(heat_kwh) & np.isfinite(elec_kwh)
    heat, elec = np.where(measured, heat_kwh, 0.0), np.where(measured, elec_kwh, 0.0)
    hours = BinnedFigures(start_s, heat, elec, measured.astype(np.float64), outdoor_c,
                          np.where(measured, flow_c, np.nan))  # fmt: skip
    keys = np.floor(start_s / SECONDS_PER_DAY).astype(np.int64) if day is None else day
    _, first, index = np.unique(keys, return_index=True, return_inverse=True)
    size = first.size
    days = BinnedFigures(
        start_s[first],
        _per_bin(index, heat, size),
        _per_bin(index, elec, size),
        _per_bin(index, measured.astype(np.float64), size),
        _mean_per_bin(index, outdoor_c, np.ones(outdoor_c.size), size),
        _mean_per_bin(index, flow_c, np.where(measured, heat, np.nan), size),
    )
    return DailyFigures(days, hours)


def fit_line(x: FloatArray, y: FloatArray, minimum: int = MIN_FIT_DAYS, unit: str = "days") -> LineFit | str:
    """Least-squares line, or why it cannot be fitted."""
    points = int(np.count_nonzero(np.isfinite(x) & np.isfinite(y)))
    if points < minimum:
        return f"needs {minimum} {unit} (has {points})"
    fitted = least_squares(x, y)
    return fitted if fitted is not None else "the outdoor temperature did not vary"


def installer_figures(
    daily: DailyFigures, climate: str = "average", pdesignh_kw: float | None = None
) -> dict[str, Any]:
    """Heat loss, balance temperature, design load, oversizing and the heating curve (see the module doc)."""
    days, hours = daily.days, daily.hours
    heating = (days.measured_h >= MIN_MEASURED_H) & (days.outdoor_c < HEATING_DAY_MAX_C) & (days.heat_kwh > 0)
    mean_heat_w = days.mean_heat_kw * 1000.0
    figures: dict[str, Any] = {"climate": climate, "heat_loss_days_used": int(heating.sum())}
    signature = fit_line(days.outdoor_c[heating], mean_heat_w[heating])
    tdesign_c = climate_by_name(climate).tdesignh_c
    figures["design_temp_c"] = tdesign_c
    if isinstance(signature, str) or signature.slope >= 0:
        reason = signature if isinstance(signature, str) else "heat output does not rise as it gets colder"
        figures.update(heat_loss_w_per_k=None, balance_temp_c=None, heat_loss_r_squared=None,
                       design_heat_load_kw=None, oversizing_factor=None, heat_loss_reason=reason)  # fmt: skip
    else:
        h_w_per_k = -signature.slope
        balance_c = signature.intercept / h_w_per_k
        design_kw = h_w_per_k * (balance_c - tdesign_c) / 1000.0
        capacity_kw, capacity_source = (
            (pdesignh_kw, "datasheet Pdesignh") if pdesignh_kw is not None else
            (daily.max_hourly_heat_kw, "highest hourly heat output measured")
        )  # fmt: skip
        figures.update(
            heat_loss_w_per_k=h_w_per_k,
            balance_temp_c=balance_c,
            heat_loss_r_squared=signature.r_squared,
            heat_loss_fit_intercept_w=signature.intercept,
            design_heat_load_kw=design_kw,
            oversizing_factor=capacity_kw / design_kw if capacity_kw and design_kw > 0 else None,
            oversizing_capacity_kw=capacity_kw,
            oversizing_capacity_source=capacity_source,
            heat_loss_reason=None,
        )
    heating_hours = (hours.measured_h >= 1.0) & (hours.outdoor_c < HEATING_DAY_MAX_C) & (hours.heat_kwh > 0)
    curve = fit_line(hours.outdoor_c[heating_hours], hours.flow_c[heating_hours], MIN_FIT_DAYS * 24, "heating hours")
    if isinstance(curve, str):
        figures.update(weather_comp_slope_k_per_k=None, weather_comp_flow_at_0c=None, weather_comp_reason=curve)
    else:
        figures.update(weather_comp_slope_k_per_k=curve.slope, weather_comp_flow_at_0c=curve.intercept,
                       weather_comp_r_squared=curve.r_squared, weather_comp_hours_used=curve.points,
                       weather_comp_reason=None)  # fmt: skip
    return figures
