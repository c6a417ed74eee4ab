"""Per-mode figures of ``analyze``: the same intervals as the combined figures, charged by their ends' modes.

The rule is the live one (modes.py): half of each interval belongs to the mode at its start, half to
the mode at its end, each half at that end's power (the trapezoid rule split at its middle). A row
without a mode (an empty cell, or a state mapped to ``unchanged``) keeps the mode before it; before
the first one, and without a mode column, it is space heating.

Per mode: net heat (cooling: heat removed) and every electricity (unit, backup heater, pumps: the
SEPEMO H4 boundary of the combined ``spf``), and their ratio (``cop``; cooling: EER), null where the
mode had no electricity. The modes add up to the combined figures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from .arrays import BoolArray, FloatArray
from .cop import period_cop
from .errors import EngineInputError, shown
from .modes import MODES, TARGETS, Mode, mode_code

SECONDS_PER_HOUR = 3600.0
MODE_COLUMN = "mode"
# what a mode cell may say without --mode-map: the modes themselves
CANONICAL_MAP: dict[str, str] = {target: target for target in TARGETS}


def parse_mode_cells(values: Sequence[str], first_row: int, mapping: Mapping[str, str]) -> FloatArray:
    """Mode codes of a block of cells (NaN: empty or ``unchanged``); a value the mapping lacks is refused."""
    out = np.full(len(values), np.nan)
    codes = {state: mode_code(target) for state, target in mapping.items()}
    for i, cell in enumerate(values):
        text = cell.strip()
        if not text:
            continue
        code = codes.get(text)
        if code is None:
            raise EngineInputError(
                MODE_COLUMN,
                f"row {first_row + i}: {shown(text)} is not a mode (use space_heating, hot_water, cooling or off, "
                "or map it with --mode-map)",
            )
        out[i] = code if code >= 0 else np.nan
    return out


class ModeSums:
    """Per-mode energies over the chunks of one analysis."""

    def __init__(self, backup_heat_metered: bool) -> None:
        self.backup_heat_metered = backup_heat_metered
        self._last = float(MODES.index(Mode.SPACE_HEATING))
        self._wh: dict[Mode, dict[str, list[float]]] = {
            mode: {"heat": [], "elec": [], "backup": [], "s": []} for mode in MODES
        }

    def _filled(self, codes: FloatArray | None, rows: int) -> FloatArray:
        """Each row's mode, an unknown one carried from the row before (across chunks too)."""
        if codes is None:
            return np.full(rows, self._last)
        known = np.isfinite(codes)
        index = np.where(known, np.arange(rows), -1)
        np.maximum.accumulate(index, out=index)
        filled = np.where(index >= 0, codes[np.maximum(index, 0)], self._last)
        self._last = float(filled[-1]) if rows else self._last
        return filled

    def add(
        self,
        codes: FloatArray | None,
        *,
        dt_s: FloatArray,
        usable: BoolArray,
        heat_w: FloatArray,
        elec_w: FloatArray,
        backup_w: FloatArray,
    ) -> None:
        """One chunk: its rows' modes and powers; ``usable`` marks the intervals every figure counts."""
        modes = self._filled(codes, heat_w.size)
        # the trapezoid's halves: the start's and the end's reading, each over half the interval (Wh)
        half_h = np.where(usable, 0.5 * dt_s / SECONDS_PER_HOUR, 0.0)
        for take in (slice(None, -1), slice(1, None)):
            end_modes = modes[take]
            for name, power in (("heat", heat_w), ("elec", elec_w), ("backup", backup_w)):
                wh = np.where(usable, power[take], 0.0) * half_h
                for index, mode in enumerate(MODES):
                    self._wh[mode][name].append(float(np.sum(wh[end_modes == index])))
            for index, mode in enumerate(MODES):
                self._wh[mode]["s"].append(float(np.sum(np.where(usable, 0.5 * dt_s, 0.0)[end_modes == index])))

    def report(self) -> dict[str, dict[str, float | None]]:
        out: dict[str, dict[str, float | None]] = {}
        for mode in MODES:
            sums = {name: math.fsum(parts) / 1000.0 for name, parts in self._wh[mode].items() if name != "s"}
            heat = -sums["heat"] if mode is Mode.COOLING else sums["heat"]
            if not self.backup_heat_metered and mode is not Mode.COOLING:
                heat += sums["backup"]
            out[mode.value] = {
                "heat_kwh": heat,
                "elec_kwh": sums["elec"],
                "cop": period_cop(heat, sums["elec"]),
                "hours": math.fsum(self._wh[mode]["s"]) / SECONDS_PER_HOUR,
            }
        return out
