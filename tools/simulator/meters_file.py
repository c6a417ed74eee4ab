"""The meters' counters kept in a file between runs (``--meters FILE``), as a plant room's meters are.

Real meters do not restart from 0 when Home Assistant or the demo restarts; without this, every
restart of the demo looked to the integration like a reset of every meter.
"""

from __future__ import annotations

import json
from pathlib import Path

from tools.simulator.plant import Plant

COUNTERS = ("meter_heat_kwh", "meter_volume_m3", "meter_elec_unit_kwh", "meter_elec_backup_kwh", "meter_elec_pump_kwh")


def load_meters(plant: Plant, path: Path) -> bool:
    """Set the counters from ``path`` (written by :func:`save_meters`); False if there is none to use."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    except (OSError, ValueError) as err:
        raise ValueError(f"{path}: not a meters file ({err})") from err
    pumps = saved.get("heat_pumps") if isinstance(saved, dict) else None
    if not isinstance(pumps, list):
        raise ValueError(f"{path}: not a meters file (no 'heat_pumps' list)")
    for heat_pump, counters in zip(plant.heat_pumps, pumps, strict=False):
        for name in COUNTERS:
            value = counters.get(name) if isinstance(counters, dict) else None
            if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1e12:
                setattr(heat_pump.state, name, float(value))
    return True


def save_meters(plant: Plant, path: Path) -> None:
    """Write the counters atomically (a kill mid-write leaves the previous file)."""
    data = {"heat_pumps": [{name: getattr(hp.state, name) for name in COUNTERS} for hp in plant.heat_pumps]}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(path)
