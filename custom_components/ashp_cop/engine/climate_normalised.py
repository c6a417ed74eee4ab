"""Measured SCOP normalised to an EN 14825 reference climate.

Measured hours are binned by outdoor temperature (rounded to the nearest
whole degree, the bins Tj of EN 14825 Table A.1); each bin's COP is its heat
over its electricity. The bins are then weighted as EN 14825 weights them:
by the heat the reference building needs in that bin, hj * (16 - Tj), so

    SCOP_norm = sum hj (16 - Tj) / sum hj (16 - Tj) / COP_j

over the bins with data. Bins without measured hours are reported with the
share of the season's heat demand they hold; nothing is filled in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import FloatArray
from .en14825.climate import climate_by_name

# EN 14825: the building needs no heat at or above 16 C.
HEATING_LIMIT_C = 16.0


@dataclass(frozen=True, slots=True)
class NormalisedBin:
    """One climate bin with what was measured in it."""

    t_c: int
    climate_hours: float
    measured_hours: int
    heat_kwh: float
    elec_kwh: float

    @property
    def cop(self) -> float | None:
        """Measured COP of the bin, None without electricity."""
        return self.heat_kwh / self.elec_kwh if self.elec_kwh > 0 else None


@dataclass(frozen=True, slots=True)
class NormalisedScop:
    """Result of the normalisation."""

    climate: str
    scop: float | None
    demand_coverage: float
    bins: tuple[NormalisedBin, ...]
    hours_outside_climate: int

    @property
    def missing_bins(self) -> list[int]:
        """Bins of the climate with no measured COP."""
        return [b.t_c for b in self.bins if b.cop is None]

    def as_dict(self) -> dict[str, object]:
        """JSON form for the report."""
        return {
            "climate": self.climate,
            "scop": self.scop,
            "demand_coverage": self.demand_coverage,
            "missing_bins": self.missing_bins,
            "hours_outside_climate": self.hours_outside_climate,
            "bins": [
                {
                    "t_c": b.t_c,
                    "climate_hours": b.climate_hours,
                    "measured_hours": b.measured_hours,
                    "heat_kwh": b.heat_kwh,
                    "elec_kwh": b.elec_kwh,
                    "cop": b.cop,
                }
                for b in self.bins
            ],
        }


def normalised_scop(
    climate_name: str, outdoor_temp_c: FloatArray, heat_kwh: FloatArray, elec_kwh: FloatArray
) -> NormalisedScop:
    """Weight hourly measurements by the bin hours of ``climate_name``."""
    climate = climate_by_name(climate_name)
    usable = np.isfinite(outdoor_temp_c) & np.isfinite(heat_kwh) & np.isfinite(elec_kwh)
    bin_of_hour = np.rint(outdoor_temp_c[usable]).astype(np.int64)
    heat, elec = heat_kwh[usable], elec_kwh[usable]
    first = climate.bins_c[0]
    index = bin_of_hour - first
    inside = (index >= 0) & (index < len(climate.bins_c))
    n_bins = len(climate.bins_c)
    hours = np.bincount(index[inside], minlength=n_bins)
    heat_sum = np.bincount(index[inside], weights=heat[inside], minlength=n_bins)
    elec_sum = np.bincount(index[inside], weights=elec[inside], minlength=n_bins)
    bins = tuple(
        NormalisedBin(tj, hj, int(hours[k]), float(heat_sum[k]), float(elec_sum[k]))
        for k, (tj, hj) in enumerate(zip(climate.bins_c, climate.bin_hours, strict=True))
    )
    demand = [b.climate_hours * (HEATING_LIMIT_C - b.t_c) for b in bins]
    covered = [(d, b.cop) for d, b in zip(demand, bins, strict=True) if b.cop is not None and b.cop > 0]
    total_demand = sum(demand)
    covered_demand = sum(d for d, _ in covered)
    scop = covered_demand / sum(d / cop for d, cop in covered) if covered else None
    return NormalisedScop(
        climate=climate.name,
        scop=scop,
        demand_coverage=covered_demand / total_demand,
        bins=bins,
        hours_outside_climate=int((~inside).sum()),
    )
