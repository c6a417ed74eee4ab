"""Per-mode figures of ``analyze``: the same intervals as the combined figures, charged by their ends' modes.

The rule is the live one (modes.py): half of each interval belongs to the mode at its start, half to
the mode at its end, each half at that end's power (the trapezoid rule split at its middle). A row
without a mode (an empty cell, or a state mapped to ``unchanged``) keeps the mode before it; before
the first one, and without a mode column, it is space heating.

Per mode: net heat (cooling: heat removed) and every electricity (unit, backup heater, pumps: the
SEPEMO H4 boundary of the combined ``spf``), and their ratio (``cop``; cooling: EER), null where the
mode had no electricity. The modes add up to the combined figures. Heating modes also get the
combined ``carnot`` object over their own heat, charged as live charges it: an interval of one mode
wholly, the halves of one in which the mode changed at their own end's powers (carnot.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .arrays import BoolArray, FloatArray, IntArray
from .carnot import CarnotAccount, carnot_account
from .cop import period_cop
from .errors import EngineInputError, shown
from .modes import HEATING_MODES, MODES, TARGETS, Mode, mode_code

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


@dataclass(frozen=True, slots=True)
class CarnotInputs:
    """What the practical efficiency of a chunk needs (carnot.py): per interval and per row."""

    heat_wh: FloatArray  # each interval's net heat and running electricity (trapezoid rule)
    elec_wh: FloatArray
    heat_w: FloatArray  # each row's powers: an interval in which the mode changed is charged by its halves
    elec_w: FloatArray
    flow_c: FloatArray | None  # each interval's mean temperatures
    outdoor_c: FloatArray | None
    ran: BoolArray


class ModeSums:
    """Per-mode energies over the chunks of one analysis."""

    def __init__(self, backup_heat_metered: bool) -> None:
        self.backup_heat_metered = backup_heat_metered
        self._last = float(MODES.index(Mode.SPACE_HEATING))
        self._wh: dict[Mode, dict[str, list[float]]] = {
            mode: {"heat": [], "elec": [], "backup": [], "s": []} for mode in MODES
        }
        self.carnot = {mode: CarnotAccount() for mode in HEATING_MODES}
        self.last_modes: FloatArray = np.empty(0)  # the last chunk's rows' modes, unknown ones filled

    def fill(self, codes: FloatArray | None, rows: int) -> FloatArray:
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
        modes: FloatArray,
        *,
        dt_s: FloatArray,
        usable: BoolArray,
        heat_halves_wh: tuple[FloatArray, FloatArray],
        elec_w: FloatArray,
        backup_w: FloatArray,
        carnot: CarnotInputs | None = None,
    ) -> None:
        """One chunk: its rows' modes (:meth:`fill`) and powers; ``usable`` marks the intervals every figure counts.

        ``heat_halves_wh``: each interval's heat charged to the mode at its start and at its end (a heating
        mode's net heat, cooling's heat removed as a negative number; analyze.py works them out).
        """
        self.last_modes = modes
        if carnot is not None:
            self._add_carnot(modes, dt_s, carnot)
        # the trapezoid's halves: the start's and the end's reading, each over half the interval (Wh)
        half_h = np.where(usable, 0.5 * dt_s / SECONDS_PER_HOUR, 0.0)
        for heat_wh, take in zip(heat_halves_wh, (slice(None, -1), slice(1, None)), strict=True):
            end_modes = modes[take]
            for index, mode in enumerate(MODES):
                self._wh[mode]["heat"].append(float(np.sum(np.where(usable, heat_wh, 0.0)[end_modes == index])))
            for name, power in (("elec", elec_w), ("backup", backup_w)):
                wh = np.where(usable, power[take], 0.0) * half_h
                for index, mode in enumerate(MODES):
                    self._wh[mode][name].append(float(np.sum(wh[end_modes == index])))
            for index, mode in enumerate(MODES):
                self._wh[mode]["s"].append(float(np.sum(np.where(usable, 0.5 * dt_s, 0.0)[end_modes == index])))

    def _add_carnot(self, modes: FloatArray, dt_s: FloatArray, c: CarnotInputs) -> None:
        """As live: an interval of one mode is that mode's; one in which the mode changed gives each end's
        mode half the interval at that end's powers (so at that end's efficiency)."""
        start, end = modes[:-1], modes[1:]
        same = start == end
        half_h = 0.5 * dt_s / SECONDS_PER_HOUR
        # Each selection is taken from the intervals it can hold (the same values in the same order as masking
        # the whole chunk, so the same sums): one pass over the chunk, not one per mode and end.
        kept = np.flatnonzero(c.ran & same)
        whole = _Picked.of(c.heat_wh, c.elec_wh, c.flow_c, c.outdoor_c, kept)
        changed = np.flatnonzero(c.ran & ~same)  # rare: a mode changed within the interval
        halves = [
            (_Picked.of(c.heat_w[take] * half_h, c.elec_w[take] * half_h, c.flow_c, c.outdoor_c, changed),
             end_modes[changed])
            for take, end_modes in ((slice(None, -1), start), (slice(1, None), end))
        ]  # fmt: skip
        for mode, account in self.carnot.items():
            code = MODES.index(mode)
            account.merge(whole.account(start[kept] == code))
            if changed.size:
                for picked, end_modes in halves:
                    account.merge(picked.account(end_modes == code))

    def report(self) -> dict[str, dict[str, object]]:
        out: dict[str, dict[str, object]] = {}
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
            if mode in self.carnot:
                out[mode.value]["carnot"] = self.carnot[mode].as_report()
        return out


@dataclass(frozen=True, slots=True)
class _Picked:
    """Per-interval energies (Wh) and mean temperatures of some of a chunk's intervals."""

    heat_wh: FloatArray
    elec_wh: FloatArray
    flow_c: FloatArray | None
    outdoor_c: FloatArray | None

    @classmethod
    def of(
        cls, heat_wh: FloatArray, elec_wh: FloatArray, flow_c: FloatArray | None, outdoor_c: FloatArray | None,
        rows: IntArray,
    ) -> _Picked:  # fmt: skip
        return cls(heat_wh[rows], elec_wh[rows], None if flow_c is None else flow_c[rows],
                   None if outdoor_c is None else outdoor_c[rows])  # fmt: skip

    def account(self, selection: BoolArray) -> CarnotAccount:
        return carnot_account(self.heat_wh, self.elec_wh, self.flow_c, self.outdoor_c, selection)
