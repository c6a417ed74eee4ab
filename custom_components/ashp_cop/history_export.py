"""The ``export_history`` action: a heat pump's hourly history as a CSV the engine reads without options.

One row per hour from the recorder's long-term statistics: the heat pump's own
energy totals as hourly mean powers (kWh in the hour x 1000 = mean W), and the
hourly means of its bound temperature sensors. ``engine analyze`` and ``engine
fleet`` read the file as it is; the meters behind each column (entity ids,
units, the entry's settings) go to a sidecar JSON beside it, since a comment
line would not be CSV.

Where the operating-mode role is bound, each hour also gets its ``mode``: the mode that drew most of
the hour's electricity (by heat where none drew any; ``off`` where no mode had any energy), read from
the per-mode sensors' hourly statistics. ``analyze`` charges an hourly row wholly to its row's mode (the
trapezoid's halves either side of it: mode_analysis.py), so its per-mode figures are those of each
hour's dominant mode; the exact split of an hour in which the mode changed is in the share columns
``<mode>_heat_share`` and ``<mode>_elec_share`` (0 to 1 of the hour's per-mode heat, cooling's heat
removed, and electricity), which the engine lists as ignored and an auditor can weight by.
Written into ``<config>/ashp_cop_exports/`` through a
temporary file, so a file there is always whole.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from homeassistant.util import slugify

from .const import CONF_CLIMATE, CONF_ROLES
from .engine.live import Role
from .engine.mode_analysis import MODE_COLUMN
from .engine.modes import Mode
from .heat_pump import HeatPumpConfigEntry
from .statistics import Hourly, StatisticIds, hourly_statistics, statistic_ids

EXPORT_FOLDER = "ashp_cop_exports"
# engine column -> the EnergyBalance fields summed into it (statistics.py ENERGY_KEYS); heat is net of defrosts
_ENERGY_COLUMNS = {
    "heat_power_w": ("heat_kwh",),
    "elec_power_w": ("unit_running_kwh", "unit_standby_kwh"),
    "backup_power_w": ("backup_kwh",),
    "pump_power_w": ("pumps_kwh",),
}
_TEMPERATURE_COLUMNS = {
    "flow_temp_c": Role.FLOW_TEMP,
    "return_temp_c": Role.RETURN_TEMP,
    "outdoor_temp_c": Role.OUTDOOR_TEMP,
}
# The recorder keeps statistics since Home Assistant 0.118 (2020): an open start reaches them all.
_EARLIEST = datetime(2020, 1, 1, tzinfo=UTC)


class ExportError(Exception):
    """A translated reason the export cannot be made."""

    def __init__(self, key: str, **placeholders: str) -> None:
        super().__init__(key)
        self.key = key
        self.placeholders = placeholders


type ModeIds = dict[str, dict[str, str]]  # mode -> part (heat, drawn, elec) -> statistic id (mode_statistics.py)


def _sources(
    hass: HomeAssistant, entry: HeatPumpConfigEntry
) -> tuple[StatisticIds, dict[str, list[str]], dict[str, str], ModeIds]:
    """The heat pump's statistics (statistics.py); energy column -> its statistic ids (the heat pump's own
    totals); temperature column -> the bound sensor; the per-mode sensors where the operating-mode role is bound."""
    config: dict[str, Any] = {**entry.data, **entry.options}
    roles = dict(config.get(CONF_ROLES, {}))
    ids = statistic_ids(hass, entry.entry_id, roles)
    energies = {column: [ids.energies[f] for f in fields if f in ids.energies]
                for column, fields in _ENERGY_COLUMNS.items()}  # fmt: skip
    energies = {column: found for column, found in energies.items() if found}
    if "defrost_heat_kwh" in ids.energies and "heat_power_w" in energies:
        energies["heat_power_w"] = [*energies["heat_power_w"], "-" + ids.energies["defrost_heat_kwh"]]
    temperatures = {column: roles[role.value] for column, role in _TEMPERATURE_COLUMNS.items() if roles.get(role.value)}
    modes = ids.modes if roles.get(Role.OPERATING_MODE.value) else {}
    return ids, energies, temperatures, modes


def _mode_columns(modes: ModeIds) -> list[str]:
    return [MODE_COLUMN, *(f"{mode}_{part}_share" for mode in modes for part in ("heat", "elec"))]


def _mode_cells(by_id: Hourly, modes: ModeIds, hour: float) -> list[str]:
    """The hour's dominant mode and each mode's shares of its heat and electricity (empty: no mode statistics)."""
    heat: dict[str, float] = {}
    elec: dict[str, float] = {}
    for mode, parts in modes.items():
        delivered = by_id.get(parts["heat"], {}).get(hour)
        used = by_id.get(parts["elec"], {}).get(hour)
        if delivered is None and used is None:
            continue
        heat[mode] = max(0.0, (delivered or 0.0) - by_id.get(parts.get("drawn", ""), {}).get(hour, 0.0))
        elec[mode] = max(0.0, used or 0.0)
    if not heat:
        return [""] * (1 + 2 * len(modes))  # the hour predates the mode sensors: analyze keeps the mode before
    heat_sum, elec_sum = sum(heat.values()), sum(elec.values())
    weights = elec if elec_sum > 0 else heat
    dominant = max(weights, key=lambda m: weights[m]) if (elec_sum > 0 or heat_sum > 0) else Mode.OFF.value
    cells = [dominant]
    for mode in modes:
        for values, total in ((heat, heat_sum), (elec, elec_sum)):
            cells.append(f"{values.get(mode, 0.0) / total:.4f}" if total > 0 else "")
    return cells


def _table(by_id: Hourly, energies: dict[str, list[str]], temperatures: dict[str, str],
           modes: ModeIds) -> tuple[list[str], list[list[str]]]:  # fmt: skip
    """The CSV's header and rows: every hour any column's statistic has, an empty cell where one has none."""
    columns = {i.lstrip("-") for ids in energies.values() for i in ids} | set(temperatures.values())
    hours = sorted({hour for statistic_id in columns for hour in by_id.get(statistic_id, {})})
    header = ["timestamp", *energies, *temperatures, *(_mode_columns(modes) if modes else [])]
    table = []
    for hour in hours:
        cells = [datetime.fromtimestamp(hour, tz=UTC).isoformat()]
        for ids in energies.values():
            parts = [(-1.0 if i.startswith("-") else 1.0, by_id.get(i.lstrip("-"), {}).get(hour)) for i in ids]
            # every meter of the column must have the hour, else the hour is a gap (never a partial sum)
            known = all(value is not None for sign, value in parts if sign > 0)
            total = sum(sign * (value or 0.0) for sign, value in parts)
            cells.append(f"{total * 1000.0:.3f}" if known and math.isfinite(total) else "")
        for entity_id in temperatures.values():
            value = by_id.get(entity_id, {}).get(hour)
            cells.append(f"{value:.3f}" if value is not None and math.isfinite(value) else "")
        if modes:
            cells += _mode_cells(by_id, modes, hour)
        table.append(cells)
    return header, table


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        Path(temp).chmod(0o644)
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


async def async_export_history(
    hass: HomeAssistant, entry: HeatPumpConfigEntry, start: datetime | None, end: datetime | None
) -> dict[str, Any]:
    """Write the CSV and its sidecar; returns where they are and what they hold."""
    ids, energies, temperatures, modes = _sources(hass, entry)
    if "heat_power_w" not in energies or "elec_power_w" not in energies:
        raise ExportError("export_no_energy", name=entry.title)
    first = start or _EARLIEST
    last = end or dt_util.utcnow()
    # the recalculate action's read (every energy's hourly change), with the temperatures' hourly means
    by_id = await hourly_statistics(hass, ids, first, last, means=set(temperatures.values()))
    # A total or sensor the recorder has no statistics of (a backup heater never bound, say) is no column:
    # an empty column would make every hour unmeasured for the engine.
    present = {statistic_id for statistic_id, hours in by_id.items() if hours}
    energies = {
        column: kept for column, ids in energies.items() if (kept := [i for i in ids if i.lstrip("-") in present])
    }
    temperatures = {column: entity_id for column, entity_id in temperatures.items() if entity_id in present}
    modes = {mode: parts for mode, parts in modes.items() if present & set(parts.values())}
    header, table = _table(by_id, energies, temperatures, modes)
    if not table or "heat_power_w" not in energies or "elec_power_w" not in energies:
        raise ExportError("export_nothing", name=entry.title, start=first.isoformat(), end=last.isoformat())
    folder = Path(hass.config.path(EXPORT_FOLDER))
    stem = f"{slugify(entry.title) or entry.entry_id}_{table[0][0][:10]}_{table[-1][0][:10]}"
    csv_path, meta_path = folder / f"{stem}.csv", folder / f"{stem}.meta.json"
    config: dict[str, Any] = {**entry.data, **entry.options}
    metadata = {
        "heat_pump": entry.title,
        "entry_id": entry.entry_id,
        "exported_at": dt_util.utcnow().isoformat(),
        "hours": len(table),
        "start": table[0][0],
        "end": table[-1][0],
        "climate": config.get(CONF_CLIMATE, "average"),
        "resolution": "hour: each energy column is the hour's energy as a mean power (W), each temperature "
        "the hour's mean; the timestamp is the start of the hour (UTC)",
        "columns": {
            **{column: {"unit": "W", "statistics": ids, "from": "hourly change of the energy totals (kWh x 1000); "
                        "a leading '-' is subtracted (heat drawn back by defrosts)"}
               for column, ids in energies.items()},
            **{column: {"unit": "°C", "statistics": [entity_id], "from": "hourly mean"}
               for column, entity_id in temperatures.items()},
            **({MODE_COLUMN: {"statistics": sorted(i for parts in modes.values() for i in parts.values()),
                              "from": "the mode that drew most of the hour's electricity (by heat where none did, "
                                      "off where no mode had energy); <mode>_heat_share and <mode>_elec_share "
                                      "are each mode's share of the hour's per-mode net heat and electricity; "
                                      "a mode's sensor's own hours, where it recorded any, up to the first "
                                      "hour of these statistics"}}
               if modes else {}),
        },
    }  # fmt: skip
    text = ",".join(header) + "\n" + "".join(",".join(row) + "\n" for row in table)
    try:
        await hass.async_add_executor_job(_write_atomic, csv_path, text)
        await hass.async_add_executor_job(_write_atomic, meta_path, json.dumps(metadata, indent=2) + "\n")
    except OSError as err:
        raise ExportError("export_failed", path=str(csv_path), error=str(err)) from err
    return {"path": str(csv_path), "metadata_path": str(meta_path), "hours": len(table),
            "start": table[0][0], "end": table[-1][0], "columns": header[1:]}  # fmt: skip
