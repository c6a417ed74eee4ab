"""The simulated unit cycles like an oversized one: minimum run and off times, starts and run time in its truth."""

from __future__ import annotations

import itertools

import pytest

from tools.simulator.devices import TRUTH_FIELDS, truth_map
from tools.simulator.plant import STEP_S, Plant


def _states(plant: Plant, seconds: float) -> list[bool]:
    states = []
    for _ in range(int(seconds / STEP_S)):
        plant.advance(STEP_S)
        states.append(plant.heat_pumps[0].state.running)
    return states


def test_mild_weather_cycles_with_minimum_run_and_off_times() -> None:
    plant = Plant(1, seed=1, mean_outdoor_c=12.0)
    hp = plant.heat_pumps[0]
    plant.advance(3600)
    before = (hp.truth.compressor_starts, hp.truth.compressor_run_s)
    states = [hp.state.running, *_states(plant, 86400)]
    runs = [len(list(group)) * STEP_S for on, group in itertools.groupby(states[1:]) if on]
    pauses = [len(list(group)) * STEP_S for on, group in itertools.groupby(states[1:]) if not on]
    starts = sum(1 for a, b in itertools.pairwise(states) if b and not a)
    assert 10 <= starts <= 60  # about one start an hour at 12 C mean
    assert hp.truth.compressor_starts - before[0] == starts
    assert hp.truth.compressor_run_s - before[1] == sum(states[1:]) * STEP_S
    assert min(runs[1:-1]) >= hp.spec.min_run_s and min(pauses[1:-1]) >= hp.spec.min_off_s


def test_a_small_system_volume_cycles_faster() -> None:
    def starts(buffer_wh: float) -> int:
        plant = Plant(1, seed=1, mean_outdoor_c=12.0)
        plant.heat_pumps[0].spec.buffer_wh = buffer_wh
        plant.advance(86400)
        return plant.heat_pumps[0].truth.compressor_starts

    assert starts(80.0) > 2 * starts(350.0)


def test_the_truth_unit_serves_starts_and_run_time_after_the_existing_fields() -> None:
    specs = {spec.key: spec.address for spec in truth_map(2).values}
    assert specs["hp1_heat_kwh"] == 4 and specs["hp1_defrost_s"] == 32  # unchanged addresses
    assert specs["hp1_compressor_starts"] == 36 and specs["hp2_compressor_run_s"] == 140
    assert TRUTH_FIELDS[8:10] == ("compressor_starts", "compressor_run_s")  # the per-mode truth comes after them


@pytest.mark.parametrize(("seed", "mean_outdoor_c"), [(7, 12.0), (5, 8.0)], ids=["heating_to_hot_water",
                                                                                 "hot_water_to_heating"])  # fmt: skip
def test_a_change_of_mode_keeps_the_compressors_minimum_off_time(seed: int, mean_outdoor_c: float) -> None:
    # A tank reheat due just after a heating run stopped (seed 7, 12 C: 06:00 of day 5), or heating wanted
    # just after a reheat stopped (seed 5, 8 C: 18:45 of day 5), once restarted the compressor after 10 s:
    # a stop no poll could see, so a start the truth counted and no meter reading could. The anti-short-cycle
    # timer protects the compressor whatever the mode asks.
    plant = Plant(1, seed=seed, mean_outdoor_c=mean_outdoor_c, hot_water=True)
    hp = plant.heat_pumps[0]
    states = [hp.state.running, *_states(plant, 5 * 86400)]
    pauses = [len(list(group)) * STEP_S for on, group in itertools.groupby(states) if not on]
    assert hp.truth.dhw_heat_kwh > 4 * 5 and len(pauses) > 20  # the tank was reheated twice a day, it cycled
    assert min(pauses[1:-1]) >= hp.spec.min_off_s
