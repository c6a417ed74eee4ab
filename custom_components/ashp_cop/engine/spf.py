"""Seasonal performance factors on the SEPEMO system boundaries.

SEPEMO-Build (Zottl et al., 2012), boundaries H1 to H4:
  unit        (H1) = unit heat / unit electricity while running
  unit_backup (H2) = unit + backup heat / (unit running + backup electricity)
  system      (H4) = all heat / all electricity (standby, backup, circulation pumps)
Heat is net heat (defrost netted). The backup heater's heat equals its
electricity; it is already in the measured heat when the heater sits inside
the heat meter (``backup_heat_metered``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .cop import MIN_ELEC_KWH, period_cop


@dataclass(frozen=True, slots=True)
class EnergyBalance:
    """Energies of one period (kWh)."""

    heat_kwh: float
    unit_running_kwh: float
    unit_standby_kwh: float = 0.0
    backup_kwh: float = 0.0
    pumps_kwh: float = 0.0
    backup_heat_metered: bool = True

    @property
    def system_heat_kwh(self) -> float:
        return self.heat_kwh if self.backup_heat_metered else self.heat_kwh + self.backup_kwh

    @property
    def elec_kwh(self) -> float:
        return self.unit_running_kwh + self.unit_standby_kwh + self.backup_kwh + self.pumps_kwh

    @property
    def ran(self) -> bool:
        """Whether the unit or its backup heater ran: a period of standby alone has no SPF (not 0)."""
        return self.unit_running_kwh > MIN_ELEC_KWH or self.backup_kwh > MIN_ELEC_KWH

    def spf_boundaries(self) -> dict[str, float | None]:
        if not self.ran:
            return dict.fromkeys(("unit", "unit_backup", "system"))
        system_heat = self.system_heat_kwh
        return {
            "unit": period_cop(system_heat - self.backup_kwh, self.unit_running_kwh),
            "unit_backup": period_cop(system_heat, self.unit_running_kwh + self.backup_kwh),
            "system": period_cop(system_heat, self.elec_kwh),
        }
