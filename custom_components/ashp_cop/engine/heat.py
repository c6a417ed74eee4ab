"""Heat output of a hydronic circuit from flow rate and temperatures.

Q = m_dot * cp * (T_flow - T_return), with m_dot = rho(T_meter) * V_dot: the
volumetric flow is converted to mass flow at the temperature of the pipe the
flow meter sits in (EN 1434-1 calculator practice), and cp is taken at the
mean of flow and return temperature.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from .arrays import FloatArray
from .fluids import Medium, cp_j_per_kg_k, density_kg_per_m3

LPM_PER_M3H = 1000.0 / 60.0


class MeterPosition(StrEnum):
    """Pipe the volumetric flow meter is fitted in."""

    FLOW = "flow"
    RETURN = "return"


@dataclass(frozen=True, slots=True)
class HeatCircuit:
    """What the heat calculation needs to know about the circuit and its sensors."""

    medium: Medium = Medium.WATER
    mass_fraction_pct: float = 0.0
    meter_position: MeterPosition = MeterPosition.RETURN
    flow_temp_offset_k: float = 0.0
    return_temp_offset_k: float = 0.0
    flow_rate_offset_m3h: float = 0.0


def lpm_to_m3h(flow_lpm: FloatArray) -> FloatArray:
    """Litres per minute to cubic metres per hour."""
    return np.asarray(flow_lpm / LPM_PER_M3H, dtype=np.float64)


def heat_power_w(
    circuit: HeatCircuit,
    flow_temp_c: float | FloatArray,
    return_temp_c: float | FloatArray,
    flow_rate_m3h: float | FloatArray,
) -> FloatArray:
    """Heat power delivered to the building (W); negative while heat flows back.

    Sensor zero-offsets are subtracted first: each is the reading the sensor
    gives when the true value is zero (or, for the temperatures, the amount it
    reads high). Floats (one live reading) give a 0-d array, computed as floats.
    """
    t_flow = flow_temp_c - circuit.flow_temp_offset_k
    t_return = return_temp_c - circuit.return_temp_offset_k
    volume_m3s = (flow_rate_m3h - circuit.flow_rate_offset_m3h) / 3600.0
    t_meter = t_flow if circuit.meter_position is MeterPosition.FLOW else t_return
    rho = density_kg_per_m3(circuit.medium, circuit.mass_fraction_pct, t_meter)
    cp = cp_j_per_kg_k(circuit.medium, circuit.mass_fraction_pct, 0.5 * (t_flow + t_return))
    return np.asarray(rho * volume_m3s * cp * (t_flow - t_return), dtype=np.float64)


def preferred_heat_power_w(computed_w: FloatArray, metered_w: FloatArray | None) -> FloatArray:
    """The heat meter's own reading where it has one, else the computed power.

    A calibrated (MID) heat meter integrates at its own, faster rate, so its
    figure wins wherever it is present.
    """
    if metered_w is None:
        return computed_w
    return np.where(np.isfinite(metered_w), metered_w, computed_w)
