"""Synthetic fleets for the fleet tests and scripts/bench: one CSV per system.

Not measured data. Each system is a house with a heat-loss coefficient and a
balance temperature, heated by a heat pump whose COP is a fixed fraction of
the Carnot COP between its flow temperature (+2 K) and the outdoor air
(-6 K), run on a weather-compensation curve of its own; hourly samples of
one year (or of ``step_s`` seconds), a day of gaps here and there. Systems
differ in their curves, so a fleet spans the SPF-against-dT relation.
Deterministic: system ``i`` of seed ``s`` is always the same file.

    python -m tools.fleet_systems OUT_DIR --systems 2000 [--days 365] [--step-s 3600]
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from custom_components.ashp_cop.engine.arrays import FloatArray

START = datetime(2025, 1, 1, tzinfo=UTC)
HEADER = "timestamp,elec_power_w,heat_power_w,flow_temp_c,return_temp_c,outdoor_temp_c"
STANDBY_W = 12.0
ROOM_C = 20.0


def _timestamps(count: int, step_s: int) -> list[str]:
    start_s = int(START.timestamp())
    return [datetime.fromtimestamp(start_s + i * step_s, tz=UTC).isoformat() for i in range(count)]


def system_rows(index: int, *, days: int = 365, step_s: int = 3600, seed: int = 19) -> dict[str, FloatArray]:
    """The columns of system ``index``: outdoor climate, house and heat pump drawn from its own generator."""
    rng = np.random.default_rng([seed, index])
    count = days * 86_400 // step_s
    t_h = np.arange(count) * step_s / 3600.0
    day = t_h / 24.0
    outdoor_c = (10.0 - 7.0 * np.cos(2 * np.pi * (day - 20.0) / 365.0) + 3.0 * np.sin(2 * np.pi * (t_h - 9.0) / 24.0)
                 + rng.normal(0.0, 1.5, count))  # fmt: skip
    ua_w_per_k = rng.uniform(120.0, 320.0)
    balance_c = rng.uniform(14.0, 17.0)
    curve_offset_c = rng.uniform(27.0, 42.0)
    curve_slope = rng.uniform(0.3, 1.0)
    carnot_fraction = rng.uniform(0.42, 0.52)
    demand_w = np.maximum(ua_w_per_k * (balance_c - outdoor_c), 0.0)
    flow_c = curve_offset_c + curve_slope * (ROOM_C - outdoor_c)
    cop = carnot_fraction * (flow_c + 2.0 + 273.15) / (flow_c + 2.0 - (outdoor_c - 6.0))
    heating = demand_w > 0
    heat_w = np.where(heating, demand_w, 0.0)
    elec_w = np.where(heating, heat_w / cop + STANDBY_W, STANDBY_W)
    return_c = np.where(heating, flow_c - heat_w / 900.0, flow_c - 0.2)
    gaps = np.zeros(count, dtype=bool)
    for start in rng.integers(0, count, size=3):
        gaps[start : start + 86_400 // step_s] = True
    columns = {"elec_power_w": elec_w, "heat_power_w": heat_w, "flow_temp_c": flow_c, "return_temp_c": return_c,
               "outdoor_temp_c": outdoor_c}  # fmt: skip
    return {name: np.where(gaps, np.nan, np.round(values, 3)) for name, values in columns.items()}


def write_system(path: Path, index: int, *, days: int = 365, step_s: int = 3600, seed: int = 19) -> None:
    """One system's CSV (an empty cell where the sample is missing)."""
    columns = system_rows(index, days=days, step_s=step_s, seed=seed)
    stamps = _timestamps(next(iter(columns.values())).size, step_s)
    cells = np.stack([np.char.mod("%.3f", values) for values in columns.values()], axis=1)
    cells[cells == "nan"] = ""
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER + "\n")
        handle.writelines(
            f"{stamp},{','.join(str(cell) for cell in row)}\n" for stamp, row in zip(stamps, cells, strict=True)
        )


def write_fleet(folder: Path, systems: int, *, days: int = 365, step_s: int = 3600, seed: int = 19) -> list[Path]:
    """``systems`` files ``system_0000.csv``, ... in ``folder`` (made if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(systems):
        path = folder / f"system_{index:04d}.csv"
        write_system(path, index, days=days, step_s=step_s, seed=seed)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--systems", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--step-s", type=int, default=3600)
    args = parser.parse_args()
    write_fleet(args.out, args.systems, days=args.days, step_s=args.step_s)


if __name__ == "__main__":
    main()
