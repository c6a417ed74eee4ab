"""The simulated plant behaves like a plant: weather, load, COP, cycling, defrost, backup, meters."""

from __future__ import annotations

import itertools

import pytest

from tools.simulator.plant import TIFR_C, Plant, carnot_cop, frosting_factor, heating_curve_c


def _run(plant: Plant, seconds: float, step_s: float = 60.0) -> list[dict[str, float]]:
    samples = []
    for _ in range(int(seconds / step_s)):
        plant.advance(step_s)
        s = plant.heat_pumps[0].state
        samples.append({
            "outdoor_c": s.outdoor_c, "heat_w": s.heat_w, "elec_w": s.elec_unit_w, "running": float(s.running),
            "defrost": float(s.defrosting), "backup_w": s.elec_backup_w, "flow_c": s.flow_c, "return_c": s.return_c,
            "meter_heat_kwh": s.meter_heat_kwh, "meter_elec_kwh": s.meter_elec_unit_kwh,
        })  # fmt: skip
    return samples


def test_outdoor_temperature_follows_the_day() -> None:
    plant = Plant(1, seed=3, mean_outdoor_c=5.0)
    by_hour = {}
    for hour in range(24):
        plant.advance_to(hour * 3600.0)
        by_hour[hour] = plant.heat_pumps[0].state.outdoor_c
    assert min(by_hour, key=lambda h: by_hour[h]) in range(1, 6)  # coldest before dawn
    assert max(by_hour, key=lambda h: by_hour[h]) in range(13, 18)


def test_cop_physics() -> None:
    assert carnot_cop(35, 7, 0.45) > carnot_cop(55, 7, 0.45) > carnot_cop(55, -10, 0.45)
    assert frosting_factor(TIFR_C) == 1.0 and frosting_factor(20) == 1.0
    assert frosting_factor(1.0) == pytest.approx(0.9)
    assert heating_curve_c(16) == 25.0 and heating_curve_c(-10) == 50.0


def test_counters_only_rise_and_truth_balances() -> None:
    plant = Plant(1, seed=1, mean_outdoor_c=1.0)
    samples = _run(plant, 2 * 86400)
    for key in ("meter_heat_kwh", "meter_elec_kwh"):
        values = [s[key] for s in samples]
        assert all(b >= a for a, b in itertools.pairwise(values))
    truth = plant.heat_pumps[0].truth
    state = plant.heat_pumps[0].state
    assert state.meter_heat_kwh == pytest.approx(truth.heat_kwh + truth.defrost_heat_kwh, rel=1e-9)
    assert state.meter_elec_unit_kwh == pytest.approx(truth.elec_unit_kwh, rel=1e-9)
    cop = truth.heat_kwh / truth.elec_unit_kwh
    assert 2.0 < cop < 4.5


def test_defrost_reverses_heat_flow_near_zero_and_never_when_mild() -> None:
    cold = Plant(1, seed=1, mean_outdoor_c=1.0)
    samples = _run(cold, 86400)
    defrosting = [s for s in samples if s["defrost"]]
    assert cold.heat_pumps[0].truth.defrost_count >= 5
    assert all(s["heat_w"] < 0 and s["flow_c"] < s["return_c"] for s in defrosting)
    mild = Plant(1, seed=1, mean_outdoor_c=10.0)
    mild_samples = _run(mild, 86400)
    assert all(s["outdoor_c"] < TIFR_C + 0.2 for s in mild_samples if s["defrost"])  # frost needs < Tifr
    assert mild.heat_pumps[0].truth.defrost_count < cold.heat_pumps[0].truth.defrost_count


def test_compressor_cycles_at_low_load() -> None:
    plant = Plant(1, seed=1, mean_outdoor_c=12.0)
    running = [s["running"] for s in _run(plant, 86400)]
    starts = sum(1 for a, b in itertools.pairwise(running) if b and not a)
    assert starts >= 3
    assert 0 < sum(running) < len(running)


def test_backup_heater_only_below_the_bivalent_point() -> None:
    plant = Plant(1, seed=1, mean_outdoor_c=-9.0)
    samples = _run(plant, 86400)
    with_backup = [s for s in samples if s["backup_w"] > 0]
    assert with_backup
    assert all(s["outdoor_c"] < plant.heat_pumps[0].spec.bivalent_c for s in with_backup)
    assert plant.heat_pumps[0].truth.backup_heat_kwh == pytest.approx(plant.heat_pumps[0].truth.elec_backup_kwh)
