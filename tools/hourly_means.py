"""How far heat from mean flow and temperatures is from the heat delivered (README, "History from the recorder").

The recorder keeps means of flow rate and temperatures, not of their product: heat built from the
means of an hour (or of 5 minutes) misses what flow and temperature difference do together within
it. Measured on the simulated plant (tools/simulator) over days of a cold spell (2 C mean, the pump
always running) and of mild weather (14 C mean: the unit starts 15 times a day and the pump stops between calls
for heat): the heat of its 10-second states against heat from hourly and from 5-minute means of the
same states, all through the engine's heat formula. ``python -m tools.hourly_means`` prints one JSON
line.
"""

from __future__ import annotations

import json

import numpy as np

from custom_components.ashp_cop.engine.arrays import FloatArray
from custom_components.ashp_cop.engine.heat import HeatCircuit, heat_power_w
from tools.simulator.plant import STEP_S, Plant

DAYS = 3
WEATHER_C = {"cold": 2.0, "mild": 14.0}


def heat_from_means_error_pct(days: int = DAYS, seed: int = 1) -> dict[str, float]:
    """Heat from hourly and 5-minute means against the heat of the 10-second states, in % (negative: too low)."""
    result = {"heat_from_means_days": float(days)}
    for weather, mean_c in WEATHER_C.items():
        for name, error in _errors(days, seed, mean_c).items():
            result[f"heat_from_{name}_means_{weather}_error_pct"] = error
    return result


def _errors(days: int, seed: int, mean_outdoor_c: float) -> dict[str, float]:
    plant = Plant(1, seed, start_s=0.0, mean_outdoor_c=mean_outdoor_c)
    hp = plant.heat_pumps[0]
    steps = int(days * 86400 / STEP_S)
    flow, ret, rate = (np.empty(steps) for _ in range(3))
    for i in range(steps):
        plant.advance(STEP_S)
        s = hp.state
        flow[i], ret[i], rate[i] = s.flow_c, s.return_c, s.flow_m3h
    circuit = HeatCircuit()
    truth_kwh = float(heat_power_w(circuit, flow, ret, rate).sum()) * STEP_S / 3.6e6
    result: dict[str, float] = {}
    for name, period_s in (("hourly", 3600), ("5min", 300)):
        n = int(period_s / STEP_S)

        def mean(values: FloatArray, n: int = n) -> FloatArray:
            return np.asarray(values.reshape(-1, n).mean(axis=1), dtype=np.float64)

        from_means_kwh = float(heat_power_w(circuit, mean(flow), mean(ret), mean(rate)).sum()) * period_s / 3.6e6
        result[name] = round(100 * (from_means_kwh / truth_kwh - 1), 2)
    return result


if __name__ == "__main__":
    print(json.dumps(heat_from_means_error_pct()))
