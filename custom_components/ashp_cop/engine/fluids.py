"""Density and specific heat of the heat-transfer medium.

Water: density from Kell (1975), J. Chem. Eng. Data 20(1), 97-105, valid
0-150 C; specific heat from the DIPPR equation 100 fit for liquid water
(Perry's Chemical Engineers' Handbook, 8th ed., Table 2-153), valid 273-533 K.

Propylene and ethylene glycol in water, 0-60 % by mass: Melinder's
polynomials f = sum_ij c_ij (x - xm)^i (T - Tm)^j, with x in % by mass and T
in C (A. Melinder, Properties of Secondary Working Fluids for Indirect
Systems, IIR 2010, as tabulated in the IBPSA Modelica library).

All functions take numpy arrays or floats and are evaluated with the same
operations in the same order, so results are reproducible bit for bit: a
float is computed as a float (the live engine's one reading per poll, where
numpy's per-call overhead would cost several times the arithmetic), and the
powers of the temperature are products, never ``**`` (numpy's vectorised
power and the C library's differ in the last bit).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import overload

import numpy as np

from .arrays import FloatArray
from .errors import EngineInputError

MAX_MASS_FRACTION_PCT = 60.0
MIN_TEMP_C = -20.0
MAX_TEMP_C = 90.0


class Medium(StrEnum):
    """Heat-transfer media the engine knows."""

    WATER = "water"
    PROPYLENE_GLYCOL = "propylene_glycol"
    ETHYLENE_GLYCOL = "ethylene_glycol"


@dataclass(frozen=True, slots=True)
class _MelinderFit:
    xm_pct: float
    tm_c: float
    # Number of temperature terms for each power of (x - xm): Melinder's 6 x (4,4,4,3,2,1).
    terms_per_x_power: tuple[int, ...]
    density: tuple[float, ...]
    cp: tuple[float, ...]
    freezing: tuple[float, ...]


_NT = (4, 4, 4, 3, 2, 1)

_PROPYLENE = _MelinderFit(
    xm_pct=30.7031,
    tm_c=32.7083,
    terms_per_x_power=_NT,
    density=(1.018e3, -5.406e-1, -2.666e-3, 1.347e-5, 7.604e-1, -9.450e-3, 5.541e-5, -1.343e-7,
             -2.498e-3, 2.700e-5, -4.018e-7, 3.376e-9, -1.550e-4, 2.829e-6, -7.175e-9,
             -1.131e-6, -2.221e-8, 2.342e-8),
    cp=(3.882e3, 2.699e0, -1.659e-3, -1.032e-5, -1.304e1, 5.070e-2, -4.752e-5, 1.522e-6,
        -1.598e-1, 9.534e-5, 1.167e-5, -4.870e-8, 3.539e-4, 3.102e-5, -2.950e-7,
        5.000e-5, -7.135e-7, -4.959e-7),
    freezing=(-1.325e1, -3.820e-5, 7.865e-7, -1.733e-9, -6.631e-1, 6.774e-6, -6.242e-8, -7.819e-10,
              -1.094e-2, 5.332e-8, -4.169e-9, 3.288e-11, -2.283e-4, -1.131e-8, 1.918e-10,
              -3.409e-6, 8.035e-11, 1.465e-8),
)  # fmt: skip

_ETHYLENE = _MelinderFit(
    xm_pct=30.8462,
    tm_c=31.728,
    terms_per_x_power=_NT,
    density=(1.034e3, -4.781e-1, -2.692e-3, 4.725e-6, 1.311e0, -6.876e-3, 4.805e-5, 1.690e-8,
             7.490e-5, 7.855e-5, -3.995e-7, 4.982e-9, -1.062e-4, 1.229e-6, -1.153e-8,
             -9.623e-7, -7.221e-8, 4.891e-8),
    cp=(3.737e3, 2.930e0, -4.675e-3, -1.389e-5, -1.799e1, 1.046e-1, -4.147e-4, 1.847e-7,
        -9.933e-2, 3.516e-4, 5.109e-6, -7.138e-8, 2.610e-3, -1.189e-6, -1.643e-7,
        1.537e-5, -4.272e-7, -1.618e-6),
    freezing=(-1.525e1, -1.566e-6, -2.278e-7, 2.169e-9, -8.080e-1, -1.339e-6, 2.047e-08, -2.717e-11,
              -1.334e-2, 6.332e-8, 2.373e-10, -2.183e-12, -7.293e-5, -1.764e-9, -2.442e-11,
              1.006e-6, -7.662e-11, 1.140e-9),
)  # fmt: skip

_FITS = {Medium.PROPYLENE_GLYCOL: _PROPYLENE, Medium.ETHYLENE_GLYCOL: _ETHYLENE}

# Kell (1975) formula (16) coefficients, t in C, density in kg/m3.
_KELL_NUM = (999.83952, 16.945176, -7.9870401e-3, -46.170461e-6, 105.56302e-9, -280.54253e-12)
_KELL_DEN = 16.879850e-3
# DIPPR equation 100 for liquid water, T in K, cp in J/(kmol K); molar mass kg/kmol.
_DIPPR_CP = (276370.0, -2090.1, 8.125, -0.014116, 9.3701e-6)
_WATER_MOLAR_MASS = 18.01528


def _melinder(
    coeffs: tuple[float, ...], fit: _MelinderFit, x_pct: float, temp_c: float | FloatArray
) -> float | FloatArray:
    dx = x_pct - fit.xm_pct
    dt = temp_c - fit.tm_c
    total = _zero_like(temp_c)
    n = 0
    for i, terms in enumerate(fit.terms_per_x_power):
        dt_j: float | FloatArray = 1.0  # dt**j
        for _ in range(terms):
            total = total + coeffs[n] * dx**i * dt_j
            dt_j = dt_j * dt
            n += 1
    return total


def _poly(coeffs: tuple[float, ...], x: float | FloatArray) -> float | FloatArray:
    total = _zero_like(x)
    x_power: float | FloatArray = 1.0
    for c in coeffs:
        total = total + c * x_power
        x_power = x_power * x
    return total


def _zero_like(x: float | FloatArray) -> float | FloatArray:
    return np.zeros_like(x) if isinstance(x, np.ndarray) else 0.0


def _as_number(temp_c: float | FloatArray) -> float | FloatArray:
    """A float stays a float; anything else (an array, a list, an int) becomes a float64 array."""
    return temp_c if isinstance(temp_c, float) else np.asarray(temp_c, dtype=np.float64)


def check_medium(medium: str, mass_fraction_pct: float) -> Medium:
    """Validated medium and mass fraction (0 % for water)."""
    try:
        kind = Medium(medium)
    except ValueError:
        choices = ", ".join(m.value for m in Medium)
        raise EngineInputError("medium", f"unknown medium {medium!r} (choose one of {choices})") from None
    if not 0.0 <= mass_fraction_pct <= MAX_MASS_FRACTION_PCT:
        raise EngineInputError(
            "mass_fraction", f"must be between 0 and {MAX_MASS_FRACTION_PCT:g} % by mass (got {mass_fraction_pct:g})"
        )
    if kind is Medium.WATER and mass_fraction_pct != 0.0:
        raise EngineInputError("mass_fraction", "water has no glycol: use 0 or choose a glycol medium")
    return kind


def freezing_point_c(medium: Medium, mass_fraction_pct: float) -> float:
    """Temperature below which the medium is no longer liquid (C)."""
    if medium is Medium.WATER or mass_fraction_pct == 0.0:
        return 0.0
    fit = _FITS[medium]
    # Melinder's freezing-point polynomial depends on concentration only.
    return float(_melinder(fit.freezing, fit, mass_fraction_pct, np.asarray(fit.tm_c)))


def check_temperature(medium: Medium, mass_fraction_pct: float, temp_c: float, field: str = "temp") -> None:
    """Refuse a temperature outside the correlations' liquid range."""
    lowest = max(MIN_TEMP_C, freezing_point_c(medium, mass_fraction_pct))
    if not lowest <= temp_c <= MAX_TEMP_C:
        raise EngineInputError(
            field,
            f"{temp_c:g} C is outside the liquid range of {medium.value} at {mass_fraction_pct:g} % "
            f"({lowest:.1f} to {MAX_TEMP_C:g} C)",
        )


@overload
def density_kg_per_m3(medium: Medium, mass_fraction_pct: float, temp_c: float) -> float: ...
@overload
def density_kg_per_m3(medium: Medium, mass_fraction_pct: float, temp_c: FloatArray) -> FloatArray: ...
def density_kg_per_m3(medium: Medium, mass_fraction_pct: float, temp_c: float | FloatArray) -> float | FloatArray:
    """Density of the medium at ``temp_c``."""
    t = _as_number(temp_c)
    if medium is Medium.WATER:
        rho = _poly(_KELL_NUM, t) / (1.0 + _KELL_DEN * t)
    else:
        fit = _FITS[medium]
        rho = _melinder(fit.density, fit, mass_fraction_pct, t)
    return float(rho) if np.ndim(temp_c) == 0 else np.asarray(rho, dtype=np.float64)


@overload
def cp_j_per_kg_k(medium: Medium, mass_fraction_pct: float, temp_c: float) -> float: ...
@overload
def cp_j_per_kg_k(medium: Medium, mass_fraction_pct: float, temp_c: FloatArray) -> FloatArray: ...
def cp_j_per_kg_k(medium: Medium, mass_fraction_pct: float, temp_c: float | FloatArray) -> float | FloatArray:
    """Specific heat capacity of the medium at ``temp_c``."""
    t = _as_number(temp_c)
    if medium is Medium.WATER:
        cp = _poly(_DIPPR_CP, t + 273.15) / _WATER_MOLAR_MASS
    else:
        fit = _FITS[medium]
        cp = _melinder(fit.cp, fit, mass_fraction_pct, t)
    return float(cp) if np.ndim(temp_c) == 0 else np.asarray(cp, dtype=np.float64)
