"""A COP physics does not allow: the sign of a binding that measures only part of the truth.

No heat pump beats the ideal (Carnot) machine between its water and its air, and none reaches a
seasonal-scale COP above 10 at heating temperatures: a unit bound to one phase of a three-phase
meter shows a third of its electricity and a COP three times too high; a heat meter that also
sees another heat source shows too much heat. Such figures are counted as they come (nothing
recorded is rewritten) but they must reach a person.

Judged per counted clock hour (UTC), over the heating intervals counted in it (cooling is judged
by its own EER, not here): an hour in which the compressor ran at least ``MIN_RUN_S`` is
*implausible* when

* its practical efficiency (heat-weighted COP / COP_Carnot, carnot.py) is above
  ``MAX_PRACTICAL_EFFICIENCY`` = 1.0 (100 % of Carnot: the second law of thermodynamics; real
  units reach 0.4 to 0.6, carnot.py), or
* its COP (net heat over running electricity) is above ``MAX_COP`` = 10: field hours of the best
  air-source units stay under it; only laboratory points at the mildest EN 14825 condition (12 C
  outdoor, 24 C outlet, where Carnot allows 15) declare more (the KEYMARK population's highest
  COPd is 12.83, engine/en14825/datasheet.py).

The alert turns on with the first implausible hour (the hour itself is the sustain time) and off
with the first judged hour that is plausible again. Hours with less running are not judged: the
heat a circuit gives back after the compressor stops would make a short run's COP meaningless.
The last ``KEEP_FLAGGED`` implausible hours are kept for the diagnostics.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

IMPLAUSIBLE_COP = "implausible_cop"  # the alert's (and its repair issue's) name
MAX_PRACTICAL_EFFICIENCY = 1.0
MAX_COP = 10.0
MIN_RUN_S = 1800.0  # half the hour running: "sustained"
KEEP_FLAGGED = 48
HOUR_S = 3600


@dataclass(frozen=True, slots=True)
class FlaggedHour:
    """One implausible hour: its start (s since the epoch, UTC), figures and what was above physics."""

    start_s: float
    cop: float
    practical_efficiency: float | None
    reasons: tuple[str, ...]


@dataclass(slots=True)
class _Hour:
    index: int
    run_s: float = 0.0
    heat_kwh: float = 0.0
    elec_kwh: float = 0.0
    carnot_heat_kwh: float = 0.0  # heat of the intervals with a practical efficiency
    heat_efficiency_kwh: float = 0.0


@dataclass(slots=True)
class PlausibilityGuard:
    """Judges each counted hour; ``active`` while the last judged hour was beyond physics."""

    active: bool = False
    flagged: list[FlaggedHour] = field(default_factory=list)
    _hour: _Hour | None = None

    def _at(self, now_s: float) -> _Hour:
        index = math.floor(now_s / HOUR_S)
        hour = self._hour
        if hour is None or index > hour.index:
            if hour is not None:
                self._judge(hour)
            hour = self._hour = _Hour(index)
        return hour

    def run(self, now_s: float, run_s: float) -> None:
        """Compressor run time counted at ``now_s``."""
        self._at(now_s).run_s += run_s

    def add(
        self, now_s: float, heat_kwh: float, elec_kwh: float, carnot_heat_kwh: float, heat_efficiency_kwh: float
    ) -> None:
        """One counted heating span: net heat, running electricity and its Carnot account (carnot.py)."""
        hour = self._at(now_s)
        hour.heat_kwh += heat_kwh
        hour.elec_kwh += elec_kwh
        hour.carnot_heat_kwh += carnot_heat_kwh
        hour.heat_efficiency_kwh += heat_efficiency_kwh

    def _judge(self, hour: _Hour) -> None:
        if hour.run_s < MIN_RUN_S or hour.elec_kwh <= 0 or hour.heat_kwh <= 0:
            return  # not judged: the alert stays as it was
        cop = hour.heat_kwh / hour.elec_kwh
        efficiency = hour.heat_efficiency_kwh / hour.carnot_heat_kwh if hour.carnot_heat_kwh > 0 else None
        reasons = tuple(
            reason
            for reason, above in (
                ("above_carnot", efficiency is not None and efficiency > MAX_PRACTICAL_EFFICIENCY),
                ("cop_above_10", cop > MAX_COP),
            )
            if above
        )
        self.active = bool(reasons)
        if reasons:
            self.flagged.append(FlaggedHour(float(hour.index * HOUR_S), cop, efficiency, reasons))
            del self.flagged[:-KEEP_FLAGGED]

    @property
    def last_flagged(self) -> FlaggedHour | None:
        return self.flagged[-1] if self.flagged else None

    def export(self) -> dict[str, object]:
        hour = None if self._hour is None else asdict(self._hour)
        return {"active": self.active, "hour": hour, "flagged": [asdict(f) for f in self.flagged]}

    def restore(self, saved: object) -> None:
        """What was exported; anything malformed is left out (the guard then starts afresh)."""
        if not isinstance(saved, Mapping):
            return
        self.active = saved.get("active") is True
        hour = saved.get("hour")
        if isinstance(hour, Mapping):
            try:
                self._hour = _Hour(int(hour["index"]), *(float(hour[name]) for name in _HOUR_SUMS))
            except (KeyError, TypeError, ValueError):
                self._hour = None
        for item in saved.get("flagged") or ():
            if isinstance(item, Mapping):
                try:
                    efficiency = item.get("practical_efficiency")
                    self.flagged.append(FlaggedHour(
                        float(item["start_s"]), float(item["cop"]),
                        None if efficiency is None else float(efficiency), tuple(map(str, item["reasons"])),
                    ))  # fmt: skip
                except (KeyError, TypeError, ValueError):
                    continue
        del self.flagged[:-KEEP_FLAGGED]


_HOUR_SUMS = ("run_s", "heat_kwh", "elec_kwh", "carnot_heat_kwh", "heat_efficiency_kwh")
