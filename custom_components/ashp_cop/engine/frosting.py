"""Frosting penalty after the AS/NZS 5125.1 approach.

Below an initial frosting temperature Tifr an air-source unit's coil ices up
and its COP falls below what its frost-free performance would predict. The
penalty is FP = 1 - COP_tested / COP_model at the low-temperature test point,
where COP_model extrapolates the unit's own frost-free performance (a straight
line through its points at or above Tifr). Below Tifr the penalised COP is
COP' = (1 - FP * w(T)) * COP, with w = 1 at or below 1 C, falling linearly to
0 at Tifr.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .arrays import FloatArray
from .en14825.datasheet import TestPoint
from .errors import EngineInputError

DEFAULT_TIFR_C = 7.0
FULL_PENALTY_AT_C = 1.0
LOW_TEST_POINT_C = 2.0
MIN_HOURS_EACH_SIDE = 24


def penalty_weight(outdoor_temp_c: FloatArray | float, tifr_c: float = DEFAULT_TIFR_C) -> FloatArray:
    """w(T): 1 at or below 1 C, 0 at or above Tifr, linear between."""
    t = np.asarray(outdoor_temp_c, dtype=np.float64)
    if tifr_c <= FULL_PENALTY_AT_C:
        return np.where(t < tifr_c, 1.0, 0.0)
    return np.clip((tifr_c - t) / (tifr_c - FULL_PENALTY_AT_C), 0.0, 1.0)


def apply_frosting_penalty(
    cop: FloatArray | float, outdoor_temp_c: FloatArray | float, penalty: float, tifr_c: float = DEFAULT_TIFR_C
) -> FloatArray:
    """COP' = (1 - FP * w(T)) * COP."""
    return np.asarray(cop, dtype=np.float64) * (1.0 - penalty * penalty_weight(outdoor_temp_c, tifr_c))


def penalty_from_datasheet(
    points: Sequence[TestPoint], tifr_c: float = DEFAULT_TIFR_C, low_point_c: float = LOW_TEST_POINT_C
) -> float:
    """FP at the low-temperature test point (+2 C) against the frost-free line."""
    frost_free = sorted({p.t_c: p for p in points if p.t_c >= tifr_c}.values(), key=lambda p: p.t_c)
    low = next((p for p in points if p.t_c == low_point_c), None)
    if len(frost_free) < 2:
        raise EngineInputError(
            "points", f"needs two test points at or above Tifr ({tifr_c:g} C) to model frost-free COP"
        )
    if low is None:
        raise EngineInputError("points", f"needs the test point at {low_point_c:g} C to measure the frosting penalty")
    slope, intercept = np.polyfit([p.t_c for p in frost_free], [p.cop for p in frost_free], 1)
    model = float(intercept + slope * low_point_c)
    return 1.0 - low.cop / model


@dataclass(frozen=True, slots=True)
class MeasuredPenalty:
    """Frosting penalty estimated from measured hours."""

    penalty: float
    tifr_c: float
    hours_above: int
    hours_below: int
    model_slope_per_k: float
    model_intercept: float


def penalty_from_measurements(
    outdoor_temp_c: FloatArray, heat_kwh: FloatArray, elec_kwh: FloatArray, tifr_c: float = DEFAULT_TIFR_C
) -> MeasuredPenalty | str:
    """FP from hourly data: measured heat below Tifr against the unit's own model.

    The model is a straight COP(T) line fitted, weighted by electricity, to
    the running hours at or above Tifr; below Tifr the expected heat is
    electricity * COP_model(T), and FP = 1 - measured heat / expected heat.
    Returns the reason as text when the data do not allow it.
    """
    usable = np.isfinite(outdoor_temp_c) & (elec_kwh > 0) & np.isfinite(heat_kwh)
    above = usable & (outdoor_temp_c >= tifr_c)
    below = usable & (outdoor_temp_c < tifr_c)
    n_above, n_below = int(above.sum()), int(below.sum())
    if n_above < MIN_HOURS_EACH_SIDE or n_below < MIN_HOURS_EACH_SIDE:
        return (
            f"needs {MIN_HOURS_EACH_SIDE} running hours on each side of Tifr ({tifr_c:g} C); "
            f"has {n_above} above and {n_below} below"
        )
    temps = outdoor_temp_c[above]
    if np.ptp(temps) < 2.0:
        return "running hours above Tifr span less than 2 K of outdoor temperature"
    cop = heat_kwh[above] / elec_kwh[above]
    slope, intercept = np.polyfit(temps, cop, 1, w=np.sqrt(elec_kwh[above]))
    expected = elec_kwh[below] * (intercept + slope * outdoor_temp_c[below])
    expected_kwh = float(expected.sum())
    if expected_kwh <= 0:  # no heat measured above Tifr (flow equal to return, say): nothing to compare with
        return "the frost-free model from the hours above Tifr expects no heat below it"
    penalty = 1.0 - float(heat_kwh[below].sum()) / expected_kwh
    return MeasuredPenalty(penalty, tifr_c, n_above, n_below, float(slope), float(intercept))
