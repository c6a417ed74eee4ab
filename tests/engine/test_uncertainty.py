"""The SPF's 95 % interval is calibrated: over draws of the meters' errors it holds the true SPF 95 % of the time.

Each case is a month of hourly intervals of a heat pump (flow, dT, temperatures, heat and electricity).
A draw is a set of meters: each EN 1434-1 component of the heat meter (or the flow meter and each
IEC 60751 sensor) and each electricity meter gets an error uniform within its maximum permissible
error, the same fraction of it for the whole month, applied interval by interval at that
interval's true flow and dT. The engine sees only what those meters read and states its interval;
the share of draws whose interval holds the true SPF is the coverage.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pytest

from custom_components.ashp_cop.engine.arrays import FloatArray
from custom_components.ashp_cop.engine.errors import EngineInputError
from custom_components.ashp_cop.engine.uncertainty import (
    HEAT_METER_FLOW_MPE_PCT,
    MAX_HEAT_HALF_WIDTH,
    SENSOR_TOLERANCE_K,
    HeatErrorSums,
    HeatSource,
    MeterChoice,
    MeterClasses,
    component_mpe,
    component_mpe_at,
    interval,
)

DRAWS = 2000
HOURS = 24 * 30
RHO_CP_KWH_PER_M3_K = 1.16  # water near 35 C: 993 kg/m3 x 4.18 kJ/kg K / 3600


@dataclass(frozen=True)
class Case:
    meters: MeterClasses
    flow_m3h: tuple[float, float]
    delta_t_k: tuple[float, float]
    unit_and_pump_kwh: bool = True  # two electricity meters (unit, circulation pump)


def _class_2(qp_m3h: float) -> MeterClasses:
    """A MID heat meter (class 2) and electricity meters (class 1, MID B): what heatpumpmonitor.org asks."""
    return MeterClasses(heat_meter_class=2, heat_meter_qp_m3h=qp_m3h, elec_meter_class=1.0)


CASES = {
    "small_dt": Case(_class_2(1.5), (0.9, 1.4), (2.0, 4.0)),
    "large_dt": Case(_class_2(1.5), (0.6, 1.0), (8.0, 12.0)),
    "low_flow": Case(_class_2(2.5), (0.05, 0.3), (4.0, 8.0)),
    "class_3": Case(
        MeterClasses(heat_meter_class=3, heat_meter_qp_m3h=1.5, elec_meter_class=2.0), (0.5, 1.5), (3.0, 7.0)
    ),
    "flow_meter_with_sensors": Case(
        MeterClasses(heat_source=HeatSource.FLOW_SENSORS, flow_meter_pct=2.0, sensor_class="A", elec_meter_class=1.0),
        (0.6, 1.4), (3.0, 7.0),
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Month:
    flow_m3h: FloatArray
    flow_c: FloatArray
    return_c: FloatArray
    heat_kwh: FloatArray
    unit_kwh: FloatArray
    pump_kwh: FloatArray


def _month(case: Case, rng: np.random.Generator) -> Month:
    flow = rng.uniform(*case.flow_m3h, HOURS)
    delta = rng.uniform(*case.delta_t_k, HOURS)
    flow_c = rng.uniform(30.0, 50.0, HOURS)
    heat = RHO_CP_KWH_PER_M3_K * flow * delta
    unit = heat / rng.uniform(2.5, 4.5, HOURS)
    pump = np.full(HOURS, 0.04 if case.unit_and_pump_kwh else 0.0)
    return Month(flow, flow_c, flow_c - delta, heat, unit, pump)


def _true_heat_factor(case: Case, month: Month, u: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per interval: the heat the meters read / the true heat, and the flow and dT they read."""
    m = case.meters
    delta = month.flow_c - month.return_c
    if m.heat_source is HeatSource.HEAT_METER:
        a, b, cap = HEAT_METER_FLOW_MPE_PCT[m.heat_meter_class]
        assert m.heat_meter_qp_m3h is not None
        flow_err = u[0] * np.minimum(a + b * m.heat_meter_qp_m3h / month.flow_m3h, cap) / 100
        dt = np.maximum(delta, m.dtmin_k)
        pair_err = u[1] * (0.5 + 3 * m.dtmin_k / dt) / 100
        calc_err = u[2] * (0.5 + m.dtmin_k / dt) / 100
        factor = (1 + flow_err) * (1 + pair_err) * (1 + calc_err)
        return factor, month.flow_m3h * (1 + flow_err), delta * (1 + pair_err)
    a_k, b_k = SENSOR_TOLERANCE_K[m.sensor_class]
    flow_err = u[0] * m.flow_meter_pct / 100
    read_delta = delta + u[1] * (a_k + b_k * month.flow_c) - u[2] * (a_k + b_k * month.return_c)
    return (1 + flow_err) * read_delta / delta, month.flow_m3h * (1 + flow_err), read_delta


def _coverage(case: Case, seed: int) -> tuple[float, float]:
    """Share of draws whose interval holds the true SPF, and the mean relative half-width."""
    rng = np.random.default_rng(seed)
    month = _month(case, rng)
    true_spf = month.heat_kwh.sum() / (month.unit_kwh.sum() + month.pump_kwh.sum())
    hits, widths = 0, []
    for _ in range(DRAWS):
        u = rng.uniform(-1.0, 1.0, 5)
        factor, read_flow, read_delta = _true_heat_factor(case, month, u)
        read_heat = month.heat_kwh * factor
        mpe_pct = case.meters.elec_meter_class / 100
        read_unit, read_pump = month.unit_kwh.sum() * (1 + u[3] * mpe_pct), month.pump_kwh.sum() * (1 + u[4] * mpe_pct)
        spf = read_heat.sum() / (read_unit + read_pump)
        # what the engine sees: the meters' readings only
        read_flow_c = month.flow_c
        sums = HeatErrorSums()
        sums.add(
            read_heat,
            component_mpe(case.meters, flow_m3h=read_flow, flow_c=read_flow_c, return_c=read_flow_c - read_delta),
        )
        band = interval(float(spf), case.meters, sums.relative(), [float(read_unit), float(read_pump)])
        low, high = band["spf_low"], band["spf_high"]
        assert low is not None and high is not None and band["relative_95"] is not None
        hits += low <= true_spf <= high
        widths.append(band["relative_95"])
    return hits / DRAWS, float(np.mean(widths))


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_95_percent_interval_is_calibrated(name: str) -> None:
    coverage, width = _coverage(CASES[name], seed=sorted(CASES).index(name) + 1)
    print(f"calibration {name}: coverage {coverage:.4f}, mean half-width {width:.4f}")
    assert 0.935 <= coverage <= 0.975, (name, coverage)


def test_a_worst_case_sum_is_not_calibrated() -> None:
    """The sum of the MPEs (what a naive band states) holds the truth in every draw: far too wide."""
    case = CASES["small_dt"]
    rng = np.random.default_rng(9)
    month = _month(case, rng)
    sums = HeatErrorSums()
    sums.add(month.heat_kwh, component_mpe(case.meters, flow_m3h=month.flow_m3h, flow_c=month.flow_c,
                                            return_c=month.return_c))  # fmt: skip
    worst = sum(sums.relative().values()) + case.meters.elec_meter_class / 100
    band = interval(3.0, case.meters, sums.relative(), [float(month.unit_kwh.sum()), float(month.pump_kwh.sum())])
    assert band["relative_95"] is not None
    # the calibrated half-width is well inside the worst case
    assert band["relative_95"] < 0.75 * worst


def test_no_heat_gives_no_interval() -> None:
    sums = HeatErrorSums()
    sums.add(np.array([0.0, np.nan]), {"flow": 0.02})
    assert interval(None, MeterClasses(), sums.relative(), [1.0]) == {
        "spf_low": None, "spf_high": None, "relative_95": None
    }  # fmt: skip
    assert sums.relative() == {}


@pytest.mark.parametrize(
    ("option", "kwargs"),
    [("heat_meter_class", {"heat_meter_class": 4}), ("heat_meter_qp", {"heat_meter_qp_m3h": 0.0}),
     ("temp_sensor_class", {"sensor_class": "C"}), ("elec_meter_class", {"elec_meter_class": 3.0}),
     ("flow_meter_pct", {"flow_meter_pct": -1.0}), ("heat_meter_dtmin", {"dtmin_k": float("nan")})],
)  # fmt: skip
def test_meter_classes_out_of_range_are_refused_by_name(option: str, kwargs: dict[str, Any]) -> None:
    with pytest.raises(EngineInputError, match=option):
        replace(MeterClasses(), **kwargs)


@pytest.mark.parametrize("name", sorted(CASES))
def test_one_reading_with_floats_gives_the_arrays_figures(name: str) -> None:
    """The live heat pump weighs each poll with floats (component_mpe_at): the same as the arrays analyze uses."""
    meters = CASES[name].meters
    rng = np.random.default_rng(3)
    flows, temps, deltas = rng.uniform(0.01, 3, 50), rng.uniform(-5, 60, 50), rng.uniform(-3, 12, 50)
    readings = [(float(q), float(f), float(f - d)) for q, f, d in zip(flows, temps, deltas, strict=True)]
    readings += [(0.0, 40.0, 35.0), (1.0, 40.0, 40.0)]
    for q, flow_c, return_c in readings:
        arrays = component_mpe(meters, flow_m3h=np.array([q]), flow_c=np.array([flow_c]),
                               return_c=np.array([return_c]))  # fmt: skip
        floats = component_mpe_at(meters, flow_m3h=q, flow_c=flow_c, return_c=return_c)
        assert floats == pytest.approx({k: float(np.broadcast_to(v, (1,))[0]) for k, v in arrays.items()}, rel=1e-12)
    unknown = component_mpe(meters, flow_m3h=None, flow_c=None, return_c=None)
    assert component_mpe_at(meters, flow_m3h=None, flow_c=None, return_c=None) == pytest.approx(
        {k: float(np.max(v)) for k, v in unknown.items()}
    )


def test_a_net_heat_that_is_a_small_difference_of_large_flows_has_no_band() -> None:
    """Seen in Home Assistant over a few hours whose net heat was a small part of the heat that flowed:
    'band 1.91 ± 5.94' with a negative lower bound. Such a figure gets no interval rather than a wrong one."""
    meters = MeterChoice().resolve(heat_metered=True)
    wide = interval(1.91, meters, {"flow": 3.1, "temperature_pair": 0.03, "calculator": 0.01}, [1.0])
    assert wide == {"spf_low": None, "spf_high": None, "relative_95": None}
    just_below = interval(1.91, meters, {"flow": MAX_HEAT_HALF_WIDTH - 0.01}, [1.0])
    assert just_below["spf_low"] is not None and 0 < just_below["spf_low"] < 1.91 < just_below["spf_high"]
