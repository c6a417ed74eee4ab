"""The keys of the per-mode sensors, for the coordinator's adoption of recorded totals and the statistics."""

from __future__ import annotations

from .engine.modes import HEATING_MODES, Mode, bucket_of

__all__ = ["HEATING_MODES", "MODE_ELECTRIC_SENSORS", "MODE_SHOWN_TOTALS", "MODE_STATISTICS"]

# sensor key -> the engine total it shows (adopted from the recorder after an unclean stop); the
# electricity sensors show a sum and are adopted into the running part (heat_pump.py)
MODE_SHOWN_TOTALS: dict[str, str] = {
    **{f"{m.value}_heat_energy": bucket_of(m, "heat_kwh") for m in HEATING_MODES},
    **{f"{m.value}_defrost_energy": bucket_of(m, "defrost_heat_kwh") for m in HEATING_MODES},
    "cooling_energy": bucket_of(Mode.COOLING, "cooling_kwh"),
}
MODE_ELECTRIC_SENSORS: dict[str, Mode] = {
    **{f"{m.value}_electric_energy": m for m in HEATING_MODES},
    "cooling_electric_energy": Mode.COOLING,
}
# sensor key of each mode's statistics -> its part: heat delivered, heat drawn back, electricity
MODE_STATISTICS: dict[Mode, dict[str, str]] = {
    **{m: {"heat": f"{m.value}_heat_energy", "drawn": f"{m.value}_defrost_energy",
           "elec": f"{m.value}_electric_energy"} for m in HEATING_MODES},
    Mode.COOLING: {"heat": "cooling_energy", "elec": "cooling_electric_energy"},
}  # fmt: skip
