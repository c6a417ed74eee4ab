"""Ordinary least squares of a straight line, shared by the installer figures and the fleet relation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import FloatArray


@dataclass(frozen=True, slots=True)
class LineFit:
    """y = intercept + slope x over ``points`` points, with R^2 and what a prediction interval needs."""

    slope: float
    intercept: float
    r_squared: float
    points: int
    ss_res: float
    mean_x: float
    sxx: float


def least_squares(x: FloatArray, y: FloatArray) -> LineFit | None:
    """The line through the finite pairs of ``x`` and ``y``; None where x does not vary (or no pair)."""
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if x.size == 0:
        return None
    mean_x, mean_y = float(x.mean()), float(y.mean())
    sxx = float(np.sum((x - mean_x) ** 2))
    if sxx <= 0.0:
        return None
    slope = float(np.sum((x - mean_x) * (y - mean_y))) / sxx
    intercept = mean_y - slope * mean_x
    ss_res = float(np.sum((y - intercept - slope * x) ** 2))
    ss_tot = float(np.sum((y - mean_y) ** 2))
    return LineFit(slope, intercept, 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0, int(x.size), ss_res, mean_x, sxx)
