"""Write samples/four_winter_days.csv: a deterministic, simulated heat pump.

Not measured data: a simple model (Carnot fraction, weather compensation,
frosting penalty and defrost cycles below 5 C) so the demo and the tests have
a realistic series whose answers are known. Run from the repository root:
``python -m tools.sample_data``.
"""

from __future__ import annotations

import csv
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

from custom_components.ashp_cop.engine.fluids import Medium, cp_j_per_kg_k, density_kg_per_m3

OUT = Path(__file__).resolve().parents[1] / "samples" / "four_winter_days.csv"
START = datetime(2026, 1, 14, tzinfo=UTC)
STEP_S = 120
HOURS = 96
FLOW_M3H = 1.2
PUMP_W = 45.0
BUILDING_W_PER_K = 450.0
CARNOT_FRACTION = 0.5
DEFROST_EVERY_MIN = 50
DEFROST_MIN = 5


def rows() -> list[dict[str, str]]:
    out = []
    for step in range(HOURS * 3600 // STEP_S):
        minute = step * STEP_S // 60
        hour = minute / 60.0
        outdoor_c = 5.0 + 5.5 * math.sin(2 * math.pi * (hour - 9.0) / 24.0)
        flow_c = 28.0 + 0.55 * (16.0 - outdoor_c)
        defrosting = outdoor_c < 5.0 and minute % DEFROST_EVERY_MIN < DEFROST_MIN
        if defrosting:
            heat_w, elec_w = -2500.0, 1400.0
        else:
            heat_w = BUILDING_W_PER_K * (16.0 - outdoor_c)
            cop = CARNOT_FRACTION * (flow_c + 273.15) / (flow_c - outdoor_c + 8.0)
            if outdoor_c < 7.0:
                cop *= 1.0 - 0.08 * min(1.0, (7.0 - outdoor_c) / 6.0)
            elec_w = heat_w / cop + 25.0
        m_dot = FLOW_M3H / 3600.0 * density_kg_per_m3(Medium.WATER, 0.0, flow_c - 5.0)
        return_c = flow_c - heat_w / (m_dot * cp_j_per_kg_k(Medium.WATER, 0.0, flow_c - 2.5))
        out.append(
            {
                "timestamp": (START + timedelta(seconds=step * STEP_S)).isoformat(),
                "flow_temp_c": f"{flow_c:.3f}",
                "return_temp_c": f"{return_c:.3f}",
                "flow_rate_m3h": f"{FLOW_M3H:.3f}",
                "elec_power_w": f"{elec_w:.1f}",
                "outdoor_temp_c": f"{outdoor_c:.2f}",
                "defrost": "1" if defrosting else "0",
                "backup_power_w": "0",
                "pump_power_w": f"{PUMP_W:.1f}",
            }
        )
    return out


def main() -> None:
    data = rows()
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(data[0]))
        writer.writeheader()
        writer.writerows(data)
    print(f"wrote {len(data)} rows to {OUT}")


if __name__ == "__main__":
    main()
