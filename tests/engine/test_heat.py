"""Heat output from flow and temperatures, and the heat meter's precedence."""

from __future__ import annotations

import numpy as np
import pytest

from custom_components.ashp_cop.engine.fluids import Medium, cp_j_per_kg_k, density_kg_per_m3
from custom_components.ashp_cop.engine.heat import (
    HeatCircuit,
    MeterPosition,
    heat_power_w,
    lpm_to_m3h,
    preferred_heat_power_w,
)


def _one(circuit: HeatCircuit, flow_c: float, return_c: float, flow_m3h: float) -> float:
    return float(heat_power_w(circuit, np.array([flow_c]), np.array([return_c]), np.array([flow_m3h]))[0])


def test_heat_is_mass_flow_times_cp_times_delta_t() -> None:
    circuit = HeatCircuit(meter_position=MeterPosition.RETURN)
    rho = density_kg_per_m3(Medium.WATER, 0.0, 30.0)
    cp = cp_j_per_kg_k(Medium.WATER, 0.0, 32.5)
    expected = 1.2 / 3600 * rho * cp * 5.0
    assert _one(circuit, 35.0, 30.0, 1.2) == pytest.approx(expected, rel=1e-12)
    assert 6900 < expected < 7000  # 1.2 m3/h at 5 K is about 6.95 kW


def test_meter_position_sets_the_density_temperature() -> None:
    on_return = _one(HeatCircuit(meter_position=MeterPosition.RETURN), 55.0, 45.0, 1.0)
    on_flow = _one(HeatCircuit(meter_position=MeterPosition.FLOW), 55.0, 45.0, 1.0)
    ratio = density_kg_per_m3(Medium.WATER, 0.0, 55.0) / density_kg_per_m3(Medium.WATER, 0.0, 45.0)
    assert on_flow / on_return == pytest.approx(ratio, rel=1e-12)
    assert on_flow < on_return


def test_glycol_delivers_less_heat_for_the_same_flow() -> None:
    water = _one(HeatCircuit(), 35.0, 30.0, 1.0)
    glycol = _one(HeatCircuit(medium=Medium.PROPYLENE_GLYCOL, mass_fraction_pct=30.0), 35.0, 30.0, 1.0)
    assert 0.9 < glycol / water < 0.97


def test_offsets_are_subtracted_before_the_calculation() -> None:
    offsets = HeatCircuit(flow_temp_offset_k=0.3, return_temp_offset_k=-0.2, flow_rate_offset_m3h=0.05)
    assert _one(offsets, 35.3, 29.8, 1.25) == pytest.approx(_one(HeatCircuit(), 35.0, 30.0, 1.2), rel=1e-12)


def test_reversed_flow_gives_negative_heat() -> None:
    assert _one(HeatCircuit(), 28.0, 31.0, 1.0) < 0


def test_litres_per_minute() -> None:
    assert lpm_to_m3h(np.array([20.0]))[0] == pytest.approx(1.2)


def test_heat_meter_reading_wins_where_present() -> None:
    computed = np.array([1000.0, 2000.0, 3000.0])
    metered = np.array([1100.0, np.nan, 2900.0])
    assert preferred_heat_power_w(computed, metered).tolist() == [1100.0, 2000.0, 2900.0]
    assert preferred_heat_power_w(computed, None) is computed
