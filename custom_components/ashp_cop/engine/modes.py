"""Operating modes: what the heat was for (space heating, hot water, cooling) and its own accounts.

A heat pump heats the building, reheats a hot-water tank (at a higher flow temperature, so at a lower
COP) or cools; owners compare each with others' (heatpumpmonitor.org splits every system this way).
The mode comes from any state (a controller's mode, a diverter valve's "hot water" flag) through a
mapping of its states to :class:`Mode`; a state mapped to ``unchanged`` (a controller showing
"defrost") keeps the mode that was running, so a defrost is charged to the mode it interrupted.

The rule for an interval (the time between two polls): half of it belongs to the mode read at its
start, half to the mode read at its end. For a power that is exactly the trapezoid rule's split (each
end's reading stands for half the interval), so an interval in which nothing changed goes wholly to its
mode, and one in which the mode changed at an unknown moment is shared without bias. A counter's
increase over an interval in which the mode changed is shared half and half; its catch-up after a
silent spell is charged as the spell's last interval (the modes of the poll before it arrived and of
its arrival), as nothing tells how it was spread. Where no mode is known (no
role bound, or no state read yet), it is space heating, as before modes existed. Per-mode totals add
up to the combined ones; energies a span could not count are left out of both.

Cooling: the water is colder leaving than coming back, so the heat power is negative; what it
removes (kWh) is the cooling energy, and EER = heat removed / electricity (EN 14511-1 3.4.6).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from enum import StrEnum

from .cop import RollingCop, period_cop
from .errors import EngineInputError, shown
from .spf import EnergyBalance

WH_PER_KWH = 1000.0
SEPARATOR = "/"  # a span bucket charged to a mode: "hot_water/heat_kwh"


class Mode(StrEnum):
    """What the heat pump's work is for."""

    SPACE_HEATING = "space_heating"
    HOT_WATER = "hot_water"
    COOLING = "cooling"
    OFF = "off"


MODES = tuple(Mode)
HEATING_MODES = (Mode.SPACE_HEATING, Mode.HOT_WATER)  # the modes that deliver heat (Carnot, SPF)
UNCHANGED = "unchanged"  # a state that tells no mode (defrost): the one running goes on
TARGETS = (*(m.value for m in MODES), UNCHANGED)
# The code of a mode in a Measurement (a snapshot carries numbers); UNCHANGED_CODE keeps the mode.
UNCHANGED_CODE = -1.0

# Common states of controllers, selects and helpers, lower-cased, to the mode they mean.
DEFAULT_STATE_MODES: dict[str, str] = {
    **dict.fromkeys(("heating", "heat", "sh", "space_heating", "space heating", "ch", "central_heating",
                     "heating_mode", "room_heating"), Mode.SPACE_HEATING.value),
    **dict.fromkeys(("dhw", "hot_water", "hot water", "water_heater", "tank", "domestic_hot_water", "hw",
                     "dhw_active", "legionella", "anti_legionella"), Mode.HOT_WATER.value),
    **dict.fromkeys(("cooling", "cool", "cooling_mode"), Mode.COOLING.value),
    **dict.fromkeys(("off", "standby", "idle", "stopped", "none"), Mode.OFF.value),
    **dict.fromkeys(("defrost", "defrosting"), UNCHANGED),
}  # fmt: skip
# A binary sensor (a diverter valve's "hot water" flag): on = hot water, off = space heating.
BINARY_STATE_MODES: dict[str, str] = {"on": Mode.HOT_WATER.value, "off": Mode.SPACE_HEATING.value}


def mode_code(target: str) -> float:
    """The number a mapped state travels as in a snapshot."""
    return UNCHANGED_CODE if target == UNCHANGED else float(MODES.index(Mode(target)))


def mode_of_code(value: float) -> Mode | None:
    """The mode a code stands for; None for UNCHANGED or anything else."""
    index = int(value) if math.isfinite(value) and value == int(value) else -1
    return MODES[index] if 0 <= index < len(MODES) else None


def default_mapping(states: Iterable[str], binary: bool = False) -> dict[str, str]:
    """The defaults for the states an entity can show (states without a default are left out)."""
    table = BINARY_STATE_MODES if binary else DEFAULT_STATE_MODES
    return {state: table[state.strip().lower()] for state in states if state.strip().lower() in table}


def format_mapping(mapping: Mapping[str, str]) -> str:
    """One ``state: mode`` a line, as the flow shows and edits it."""
    return "\n".join(f"{state}: {mode}" for state, mode in mapping.items())


def parse_mapping(text: str) -> dict[str, str]:
    """``state: mode`` lines (or ``state=mode``, comma-separated) to a mapping; a bad line is named."""
    mapping: dict[str, str] = {}
    for number, line in enumerate(text.replace(",", "\n").splitlines(), start=1):
        item = line.strip()
        if not item:
            continue
        sep = ":" if ":" in item else "="
        state, found, target = (part.strip() for part in item.rpartition(sep))
        if not found or not state:
            raise EngineInputError("mode_map", f"line {number}: {shown(item)} must look like STATE: MODE")
        if target not in TARGETS:
            raise EngineInputError(
                "mode_map", f"line {number}: {shown(target)} is not a mode (choose one of {', '.join(TARGETS)})"
            )
        mapping[state] = target
    return mapping


def usable_mapping(stored: Mapping[str, str]) -> tuple[dict[str, str], str]:
    """(the stored lines whose target is a mode, the other lines named; '' when none).

    An older release or a hand-edited entry stored lines such as ``compressor_running: binary_sensor.x``;
    they are left out wherever the stored mapping is used or shown, never half-used.
    """
    usable = {state: target for state, target in stored.items() if target in TARGETS}
    refused = "; ".join(f"{state}: {target} is not a mode" for state, target in stored.items() if target not in TARGETS)
    return usable, refused


def unmapped(states: Iterable[str], mapping: Mapping[str, str]) -> list[str]:
    """The states the mapping does not name."""
    return [state for state in states if state not in mapping]


def modes_of(mapping: Mapping[str, str] | None) -> tuple[Mode, ...]:
    """The modes a mapping can produce, in order; without a mapping: none (everything is space heating)."""
    if not mapping:
        return ()
    produced = set(mapping.values())
    return tuple(mode for mode in MODES if mode.value in produced)


@dataclass(slots=True)
class ModeTotals:
    """Energies charged to one mode (kWh), never decreasing (live.Totals extends it: all modes together)."""

    heat_kwh: float = 0.0  # heat delivered to the water
    defrost_heat_kwh: float = 0.0  # heat drawn back by defrosts that interrupted this mode
    cooling_kwh: float = 0.0  # heat removed from the water (cooling)
    elec_running_kwh: float = 0.0
    elec_standby_kwh: float = 0.0
    backup_kwh: float = 0.0
    pumps_kwh: float = 0.0

    @property
    def net_heat_kwh(self) -> float:
        return self.heat_kwh - self.defrost_heat_kwh

    @property
    def elec_unit_kwh(self) -> float:
        return self.elec_running_kwh + self.elec_standby_kwh

    @property
    def elec_kwh(self) -> float:
        """Every electricity charged to the mode: unit, backup heater, circulation pumps (SEPEMO H4)."""
        return self.elec_unit_kwh + self.backup_kwh + self.pumps_kwh

    def system_heat_kwh(self, backup_heat_metered: bool) -> float:
        return EnergyBalance(self.net_heat_kwh, self.elec_running_kwh, self.elec_standby_kwh, self.backup_kwh,
                             self.pumps_kwh, backup_heat_metered).system_heat_kwh  # fmt: skip


BUCKETS = tuple(f.name for f in fields(ModeTotals))


def heating_part(combined: ModeTotals, cooling: ModeTotals) -> ModeTotals:
    """What the heating figures of a reversible unit cover: every mode but cooling (space heating, hot water,
    and the standby of ``off``); cooling has its own EER. Never below 0 (a total adopted after an unclean stop
    may lead its parts by a little)."""
    return ModeTotals(**{bucket: max(0.0, getattr(combined, bucket) - getattr(cooling, bucket)) for bucket in BUCKETS})


_KEYS: dict[tuple[Mode, str], str] = {}


def bucket_of(mode: Mode, bucket: str) -> str:
    """The span bucket of ``bucket`` charged to ``mode`` (made once: it is asked for several times a poll)."""
    key = _KEYS.get((mode, bucket))
    if key is None:
        key = _KEYS[(mode, bucket)] = f"{mode.value}{SEPARATOR}{bucket}"
    return key


class ModeAccounts:
    """Per-mode totals (lifetime and today) and rolling COPs, fed by each counted span."""

    def __init__(self, rolling_window_s: float) -> None:
        self.totals = {mode: ModeTotals() for mode in MODES}
        self.day = {mode: ModeTotals() for mode in MODES}
        self._rolling = {mode: RollingCop(rolling_window_s) for mode in MODES}
        self.mode: Mode | None = None  # the mode in force now; None: not known yet

    @property
    def current(self) -> Mode:
        return self.mode or Mode.SPACE_HEATING

    def observe(self, code: float | None) -> None:
        """A poll's mode reading (a code; None: no reading): unknown and ``unchanged`` keep the mode."""
        mode = None if code is None else mode_of_code(code)
        if mode is not None:
            self.mode = mode

    # -- figures ---------------------------------------------------------------------------------------
    def daily_cop(self, mode: Mode) -> float | None:
        """COP (cooling: EER) of the mode today, as the combined one: net heat over the unit's electricity."""
        day = self.day[mode]
        return period_cop(_useful_kwh(mode, day), day.elec_unit_kwh) if day.elec_running_kwh > 0 else None

    def rolling_cop(self, mode: Mode) -> float | None:
        return self._rolling[mode].value

    def start_day(self) -> None:
        self.day = {mode: ModeTotals() for mode in MODES}

    # -- counting --------------------------------------------------------------------------------------
    def split(self, energy: dict[str, float]) -> dict[Mode, dict[str, float]]:
        """Take the per-mode buckets out of a counted span's ``energy``: what each mode gets.

        The per-mode parts of a bucket add up to the combined figure: heat a debt paid off lowers the
        modes' parts in proportion; a combined energy no mode part covers (a span restored from before
        modes were counted) goes to the mode in force.
        """
        charged_keys = [k for k in energy if SEPARATOR in k]
        if not charged_keys:  # no mode bound (or a span from before): all to the mode in force
            return {self.current: {bucket: energy[bucket] for bucket in BUCKETS if bucket in energy}}
        parts: dict[Mode, dict[str, float]] = {mode: {} for mode in MODES}
        for key in charged_keys:
            kwh = energy.pop(key)
            mode_name, _, bucket = key.partition(SEPARATOR)
            if mode_name in Mode.__members__.values() and bucket in BUCKETS:
                parts[Mode(mode_name)][bucket] = kwh
        for bucket in BUCKETS:
            combined = energy.get(bucket, 0.0)
            charged = sum(p.get(bucket, 0.0) for p in parts.values())
            if charged > combined + 1e-12 and charged > 0:
                scale = combined / charged
                for p in parts.values():
                    if bucket in p:
                        p[bucket] *= scale
            elif combined - charged > 1e-12:
                own = parts[self.current]
                own[bucket] = own.get(bucket, 0.0) + combined - charged
        return parts

    def commit(self, now_s: float, parts: Mapping[Mode, Mapping[str, float]], credits: Mapping[str, float]) -> None:
        """Add each mode's energies; lifetime totals first absorb what they showed before an unclean stop."""
        for mode, energy in parts.items():
            total, day = self.totals[mode], self.day[mode]
            for bucket, kwh in energy.items():
                credit = min(credits.get(bucket_of(mode, bucket), 0.0), kwh) if credits else 0.0
                setattr(total, bucket, getattr(total, bucket) + kwh - credit)
                setattr(day, bucket, getattr(day, bucket) + kwh)
            get = energy.get
            useful = get("cooling_kwh", 0.0) if mode is Mode.COOLING else get("heat_kwh", 0.0) - get(
                "defrost_heat_kwh", 0.0)  # fmt: skip
            elec_wh = (get("elec_running_kwh", 0.0) + get("elec_standby_kwh", 0.0)) * WH_PER_KWH
            self._rolling[mode].push(now_s, useful * WH_PER_KWH, elec_wh, ran=get("elec_running_kwh", 0.0) > 0)
        for mode, rolling in self._rolling.items():  # the other modes' windows move on too
            if mode not in parts:
                rolling.expire(now_s)

    # -- restore ---------------------------------------------------------------------------------------
    def export(self) -> dict[str, object]:
        return {
            "mode": None if self.mode is None else self.mode.value,
            "totals": {mode.value: asdict(t) for mode, t in self.totals.items()},
            "day": {mode.value: asdict(t) for mode, t in self.day.items()},
        }

    def restore(self, saved: object) -> None:
        """Continue from :meth:`export`; unknown or damaged parts are ignored (a missing mode starts at 0)."""
        if not isinstance(saved, Mapping):
            return
        mode = saved.get("mode")
        self.mode = Mode(mode) if isinstance(mode, str) and mode in Mode.__members__.values() else None
        for name in ("totals", "day"):
            accounts = saved.get(name)
            if not isinstance(accounts, Mapping):
                continue
            for mode_name, values in accounts.items():
                if mode_name in Mode.__members__.values() and isinstance(values, Mapping):
                    target = getattr(self, name)[Mode(mode_name)]
                    for bucket in BUCKETS:
                        value = values.get(bucket)
                        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
                            setattr(target, bucket, max(0.0, float(value)))


def _useful_kwh(mode: Mode, totals: ModeTotals) -> float:
    """What the mode is for: heat removed while cooling, net heat otherwise."""
    return totals.cooling_kwh if mode is Mode.COOLING else totals.net_heat_kwh
