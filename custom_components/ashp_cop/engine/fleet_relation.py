"""The fleet relation: SPF against the heat-weighted flow-minus-outdoor temperature.

heatpumpmonitor.org publishes SPF = -0.110 x dT + 7.04 over 225 systems with
a 90 % prediction interval of about +-0.51: the lower the flow temperature
above the outdoor air, the higher the SPF (the Carnot limit's dependence on
the lift). This fits the same ordinary least-squares line over a fleet and
gives each system its residual, how far it stands above or below what its
temperatures predict.

Prediction interval of a new system at dT = x0 (Montgomery & Runger, Applied
Statistics and Probability for Engineers, eq. 11-33):
    y_hat(x0) +- t(1 - alpha/2, n - 2) * s * sqrt(1 + 1/n + (x0 - x_mean)^2 / Sxx)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .arrays import FloatArray
from .line_fit import least_squares

# Systems below this share of the period's hours measured are left out of the fit.
MIN_COVERAGE = 0.8
PREDICTION_LEVEL = 0.90
# The standard normal's 95th percentile (the two-sided 90 % interval).
_Z_95 = 1.6448536269514722


def t_quantile_95(dof: int) -> float:
    """Student's t 95th percentile for ``dof`` degrees of freedom.

    Cornish-Fisher expansion about the normal quantile (Abramowitz & Stegun
    26.7.5, the terms to 1/dof^4): within 0.1 % of the exact value from 3
    degrees of freedom on; 1 and 2 are exact closed forms.
    """
    if dof < 1:
        raise ValueError("needs at least one degree of freedom")
    if dof == 1:
        return math.tan(math.pi * (0.95 - 0.5))
    if dof == 2:
        p = 0.95
        return (2.0 * p - 1.0) / math.sqrt(2.0 * p * (1.0 - p))
    z, n = _Z_95, float(dof)
    g1 = (z**3 + z) / 4.0
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96.0
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384.0
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160.0
    return z + g1 / n + g2 / n**2 + g3 / n**3 + g4 / n**4


@dataclass(frozen=True, slots=True)
class FleetRelation:
    """The fitted line SPF = slope x dT + intercept, with what it rests on."""

    slope: float
    intercept: float
    r_squared: float
    systems: int
    residual_sd: float
    mean_dt_k: float
    sxx: float
    t_value: float

    def predict(self, dt_k: FloatArray | float) -> FloatArray:
        """The SPF the line gives at flow-minus-outdoor temperature ``dt_k``."""
        return self.slope * np.asarray(dt_k, dtype=np.float64) + self.intercept

    def half_width(self, dt_k: FloatArray | float) -> FloatArray:
        """Half-width of the 90 % prediction interval of one new system at ``dt_k``."""
        x = np.asarray(dt_k, dtype=np.float64)
        return (
            self.t_value * self.residual_sd * np.sqrt(1.0 + 1.0 / self.systems + (x - self.mean_dt_k) ** 2 / self.sxx)
        )

    def as_dict(self) -> dict[str, float | int]:
        return {
            "slope_per_k": self.slope,
            "intercept": self.intercept,
            "r_squared": self.r_squared,
            "systems": self.systems,
            "residual_sd": self.residual_sd,
            "prediction_level": PREDICTION_LEVEL,
            "prediction_half_width_at_mean": float(self.half_width(self.mean_dt_k)),
            "mean_dt_k": self.mean_dt_k,
        }


def fit_relation(dt_k: FloatArray, spf: FloatArray) -> FleetRelation | str:
    """The least-squares line of SPF on dT, or why it cannot be fitted (a reason, not a figure)."""
    n = int(np.count_nonzero(np.isfinite(dt_k) & np.isfinite(spf)))
    if n < 3:
        return f"needs at least 3 systems with SPF and temperatures (has {n})"
    fitted = least_squares(dt_k, spf)
    if fitted is None:
        return "every system has the same flow-minus-outdoor temperature: no slope to fit"
    return FleetRelation(
        slope=fitted.slope,
        intercept=fitted.intercept,
        r_squared=fitted.r_squared,
        systems=n,
        residual_sd=math.sqrt(fitted.ss_res / (n - 2)),
        mean_dt_k=fitted.mean_x,
        sxx=fitted.sxx,
        t_value=t_quantile_95(n - 2),
    )
