"""Reference heating seasons of EN 14825:2018 (Annex A, Table A.1 bins).

Bin temperatures Tj (C) with their hours hj, the design temperature Tdesignh,
the equivalent active-mode hours HHE of Regulation (EU) 811/2013 Annex VII and
813/2013, and the off-mode hours (HOFF, HTO, HSB, HCK) of EN 14825 Table A.4
for heating-only units. Reversible units have no off or standby mode in the
heating season (HOFF = HSB = 0) and their crankcase heater runs only in
thermostat-off hours (HCK = HTO).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import EngineInputError, shown


@dataclass(frozen=True, slots=True)
class OffModeHours:
    """Hours of the heating season in each off mode (EN 14825 Table A.4)."""

    off_h: float
    thermostat_off_h: float
    standby_h: float
    crankcase_h: float


@dataclass(frozen=True, slots=True)
class Climate:
    """One EN 14825 reference heating season."""

    name: str
    tdesignh_c: float
    tbiv_max_c: float
    hhe_h: float
    bins_c: tuple[int, ...]
    bin_hours: tuple[float, ...]
    off_mode_heating_only: OffModeHours
    off_mode_reversible: OffModeHours

    def off_mode_hours(self, *, reversible: bool) -> OffModeHours:
        """Off-mode hours that apply to a heating-only or a reversible unit."""
        return self.off_mode_reversible if reversible else self.off_mode_heating_only

    def part_load_ratio(self, tj_c: float) -> float:
        """pl(Tj) = (Tj - 16) / (Tdesignh - 16), EN 14825:2018 formula (1)."""
        return (tj_c - 16.0) / (self.tdesignh_c - 16.0)


def _bins(first_c: int, hours: tuple[float, ...]) -> tuple[tuple[int, ...], tuple[float, ...]]:
    return tuple(range(first_c, first_c + len(hours))), hours


_AVG_BINS = _bins(
    -10,
    (1, 25, 23, 24, 27, 68, 91, 89, 165, 173, 240, 280, 320, 357, 356, 303,
     330, 326, 348, 335, 315, 215, 169, 151, 105, 74),
)  # fmt: skip
_WARM_BINS = _bins(
    2,
    (3, 22, 63, 63, 175, 162, 259, 360, 428, 430, 503, 444, 384, 294),
)  # fmt: skip
_COLD_BINS = _bins(
    -22,
    (1, 6, 13, 17, 19, 26, 39, 41, 35, 52, 37, 41, 43, 54, 90, 125, 169, 195,
     278, 306, 454, 385, 490, 533, 380, 228, 261, 279, 229, 269, 233, 230,
     243, 191, 146, 150, 97, 61),
)  # fmt: skip

CLIMATES: dict[str, Climate] = {
    "average": Climate(
        name="average",
        tdesignh_c=-10.0,
        tbiv_max_c=2.0,
        hhe_h=2066.0,
        bins_c=_AVG_BINS[0],
        bin_hours=_AVG_BINS[1],
        off_mode_heating_only=OffModeHours(3672, 179, 0, 3851),
        off_mode_reversible=OffModeHours(0, 179, 0, 179),
    ),
    "warmer": Climate(
        name="warmer",
        tdesignh_c=2.0,
        tbiv_max_c=7.0,
        hhe_h=1336.0,
        bins_c=_WARM_BINS[0],
        bin_hours=_WARM_BINS[1],
        off_mode_heating_only=OffModeHours(4345, 755, 0, 4476),
        off_mode_reversible=OffModeHours(0, 755, 0, 755),
    ),
    "colder": Climate(
        name="colder",
        tdesignh_c=-22.0,
        tbiv_max_c=-7.0,
        hhe_h=2465.0,
        bins_c=_COLD_BINS[0],
        bin_hours=_COLD_BINS[1],
        off_mode_heating_only=OffModeHours(2189, 131, 0, 2944),
        off_mode_reversible=OffModeHours(0, 131, 0, 131),
    ),
}


def climate_by_name(name: str, field: str = "climate") -> Climate:
    """The reference climate called ``name``, or a clear error naming the choices."""
    try:
        return CLIMATES[name]
    except (KeyError, TypeError):
        choices = ", ".join(sorted(CLIMATES))
        raise EngineInputError(field, f"unknown climate {shown(name)} (choose one of {choices})") from None
