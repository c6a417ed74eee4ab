"""On/off cycling of a unit oversized for the load: a thermostat on the water with minimum run and off times.

Below its minimum modulation an inverter unit cannot follow the load, so it runs at its minimum
output until the water (system volume and emitters, ``buffer_wh`` of heat between the thermostat's
switch points) is charged, then stops until the building has drawn it down. A controller's
anti-short-cycle timers hold every run for ``min_run_s`` and every stop for ``min_off_s``. So the
milder the weather, the shorter the runs and the longer the pauses: at 12 C outdoor the default
unit (8 kW, 30 % minimum) runs about 15 minutes twice an hour; a smaller system volume cycles
faster (what the short-cycling alert is tested against).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_BUFFER_WH = 350.0  # ~60 l of system water over a 5 K thermostat band
DEFAULT_MIN_RUN_S = 360.0
DEFAULT_MIN_OFF_S = 180.0


@dataclass(slots=True)
class OnOffControl:
    """The thermostat's state: heat stored above the lower switch point, and the time in the current state."""

    charge_wh: float = 0.0
    on: bool = False
    in_state_s: float = 0.0

    def step(self, dt_s: float, demand_w: float, min_w: float, *, buffer_wh: float, min_run_s: float,
             min_off_s: float) -> bool:  # fmt: skip
        """Advance by ``dt_s`` at a load below the unit's minimum output; whether it runs during this step."""
        if self.on and self.charge_wh >= buffer_wh and self.in_state_s >= min_run_s:
            self.on, self.in_state_s = False, 0.0
        elif not self.on and self.charge_wh <= 0.0 and self.in_state_s >= min_off_s:
            self.on, self.in_state_s = True, 0.0
        output_w = min_w if self.on else 0.0
        self.charge_wh += (output_w - demand_w) * dt_s / 3600.0
        self.in_state_s += dt_s
        return self.on

    def modulating(self) -> None:
        """The load is within the unit's range: it runs continuously, the water at its set point."""
        self._switch(on=True)
        self.charge_wh = 0.0

    def no_load(self, buffer_wh: float) -> None:
        """No heating load (above the balance point): stopped, the water warm."""
        self._switch(on=False)
        self.charge_wh = buffer_wh

    def _switch(self, *, on: bool) -> None:
        if self.on != on:
            self.on, self.in_state_s = on, 0.0
