"""A heat pump's EN 14825 datasheet: design load, limits, test points, off-mode power.

Parsing validates every field and names the one that is wrong, because a
datasheet typed in from a PDF is the usual source of a wrong SCOP.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import EngineInputError, check_keys, shown
from .climate import climate_by_name

# EN 14825:2018 clause 8.4: Cdh = 0.9 when the degradation coefficient is not measured.
DEFAULT_CDH = 0.9
# Conversion coefficient of Regulations (EU) 811/2013 and 813/2013, still used
# for declared values; later primary-energy factors are 2.1 and 1.9.
DEFAULT_CC = 2.5

# Plausible ranges, wide enough that every KEYMARK population record still parses
# (the population's own extremes, typos included, are quoted where they set a bound).
# Outdoor temperatures: EN 14825's bins run from -22 C (colder climate's Tdesignh) to
# 15 C, test points at -15, -7, 2, 7 and 12 C plus TOL and Tbiv; declared TOLs reach
# -28 C. -40 to 20 C leaves room for colder-rated units.
OUTDOOR_RANGE_C = (-40.0, 20.0)
# WTOL is a water outlet temperature: liquid water at atmospheric pressure
# (the population declares 1 to 80 C).
WATER_RANGE_C = (0.0, 100.0)
# Regulation (EU) 813/2013 Art. 1 covers heat pumps up to 400 kW rated output
# (Prated = Pdesignh); the population's largest is 177 kW.
PDESIGNH_RANGE_KW = (0.1, 400.0)
# Declared capacities at mild points may exceed Pdesignh; 0.01 kW is the
# population's smallest (a typo, but one that computes).
PDH_RANGE_KW = (0.01, 1000.0)
# COPd: at most the Carnot COP between EN 14825's warmest test point (12 C) and
# the coolest outlet it prescribes there (24 C, low-temperature condition D):
# 297.15 K / 12 K = 24.8. The population spans 0.01 (a typo) to 12.83.
COP_RANGE = (0.01, 25.0)
# Off-mode powers: the population's largest is 10,876 W (a POFF typed in W for
# mW, most likely); 20 kW keeps it and refuses a power station.
OFFMODE_RANGE_W = (0.0, 20_000.0)
# Conversion coefficient: 2.5 (Regulation 811/2013), 2.1 (Directive 2018/2002),
# 1.9 (Directive (EU) 2023/1791); 1 to 4 covers any grid.
CC_RANGE = (1.0, 4.0)

DATASHEET_KEYS = ("climate", "reversible", "pdesignh_kw", "tbiv_c", "tol_c", "wtol_c", "points", "offmode_w", "cdh",
                  "cc", "water_or_brine_source", "offmode_hours", "declared_scop")  # fmt: skip
# EN 14825 Table A.4 has one table of off-mode hours for heating-only units and one for
# reversible ones; some manufacturers declare with the other (docs/engine.md).
OFFMODE_HOURS_TABLES = ("reversible", "heating_only")
# A declared SCOP shown beside the computed one (not used in the calculation).
DECLARED_SCOP_RANGE = (0.1, 25.0)
POINT_KEYS = ("t_c", "pdh_kw", "cop", "cdh")
OFFMODE_KEYS = ("off", "thermostat_off", "standby", "crankcase")


@dataclass(frozen=True, slots=True)
class TestPoint:
    """Declared capacity Pdh and COPd at one outdoor temperature."""

    t_c: float
    pdh_kw: float
    cop: float
    cdh: float = DEFAULT_CDH


@dataclass(frozen=True, slots=True)
class OffModePower:
    """Electric power in the off modes: POFF, PTO, PSB, PCK (W)."""

    off_w: float = 0.0
    thermostat_off_w: float = 0.0
    standby_w: float = 0.0
    crankcase_w: float = 0.0


@dataclass(frozen=True, slots=True)
class Datasheet:
    """Everything EN 14825 needs to rate one unit in one climate."""

    climate: str
    reversible: bool
    pdesignh_kw: float
    tbiv_c: float
    tol_c: float
    points: tuple[TestPoint, ...]
    offmode: OffModePower
    wtol_c: float | None = None
    cc: float = DEFAULT_CC
    water_or_brine_source: bool = False
    offmode_hours: str | None = None  # "reversible" or "heating_only"; None: by ``reversible``
    declared_scop: float | None = None

    @property
    def reversible_offmode_hours(self) -> bool:
        """Whether the reversible table of off-mode hours applies (EN 14825 Table A.4)."""
        return self.reversible if self.offmode_hours is None else self.offmode_hours == "reversible"


def _number(value: Any, field: str, limits: tuple[float, float] | None = None) -> float:
    """A finite number, within ``limits`` (inclusive) when given."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise EngineInputError(field, f"must be a number (got {shown(value)})")
    try:
        number = float(value)
    except ValueError:
        raise EngineInputError(field, f"must be a number (got {shown(value)})") from None
    except OverflowError:  # an integer of hundreds of digits
        raise EngineInputError(field, f"must be a finite number (got {shown(value)})") from None
    if not math.isfinite(number):
        raise EngineInputError(field, f"must be a finite number (got {shown(value)})")
    if limits is not None:
        low, high = limits
        if low > 0 and number <= 0:
            raise EngineInputError(field, f"must be greater than 0 (got {shown(value)})")
        if low == 0 and number < 0:
            raise EngineInputError(field, f"must not be negative (got {shown(value)})")
        if not low <= number <= high:
            raise EngineInputError(field, f"{number:g} is outside the plausible range {low:g} to {high:g}")
    return number


def _optional_number(data: Mapping[str, Any], key: str, limits: tuple[float, float]) -> float | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    return _number(value, key, limits)


def _boolean(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1):
        return bool(value)
    raise EngineInputError(field, f"must be true or false (got {shown(value)})")


def _require(data: Mapping[str, Any], key: str, prefix: str = "") -> Any:
    if key not in data or data[key] is None or data[key] == "":
        raise EngineInputError(f"{prefix}{key}", "is required")
    return data[key]


def _cdh(raw: Any, field: str, default: float) -> float:
    if raw is None or raw == "":
        return default
    cdh = _number(raw, field, (math.ulp(0.0), math.inf))
    if cdh > 1.0:  # a fraction (EN 14825:2018 clause 8.4); the population declares 0.1 to 1
        raise EngineInputError(field, f"must be between 0 and 1 (got {shown(raw)})")
    return cdh


def _parse_point(raw: Any, index: int, default_cdh: float) -> TestPoint:
    prefix = f"points[{index}]."
    if not isinstance(raw, Mapping):
        raise EngineInputError(f"points[{index}]", "must be an object with t_c, pdh_kw and cop")
    check_keys(raw, POINT_KEYS, prefix)
    cdh = _cdh(raw.get("cdh"), prefix + "cdh", default_cdh)
    return TestPoint(
        t_c=_number(_require(raw, "t_c", prefix), prefix + "t_c", OUTDOOR_RANGE_C),
        pdh_kw=_number(_require(raw, "pdh_kw", prefix), prefix + "pdh_kw", PDH_RANGE_KW),
        cop=_number(_require(raw, "cop", prefix), prefix + "cop", COP_RANGE),
        cdh=cdh,
    )


def _parse_offmode(raw: Any) -> OffModePower:
    if raw is None:
        return OffModePower()
    if not isinstance(raw, Mapping):
        raise EngineInputError("offmode_w", "must be an object with off, thermostat_off, standby, crankcase")
    check_keys(raw, OFFMODE_KEYS, "offmode_w.")
    return OffModePower(
        off_w=_number(raw.get("off", 0), "offmode_w.off", OFFMODE_RANGE_W),
        thermostat_off_w=_number(raw.get("thermostat_off", 0), "offmode_w.thermostat_off", OFFMODE_RANGE_W),
        standby_w=_number(raw.get("standby", 0), "offmode_w.standby", OFFMODE_RANGE_W),
        crankcase_w=_number(raw.get("crankcase", 0), "offmode_w.crankcase", OFFMODE_RANGE_W),
    )


def _offmode_hours(raw: Any) -> str | None:
    if raw is None or raw == "":
        return None
    if raw not in OFFMODE_HOURS_TABLES:
        raise EngineInputError("offmode_hours", f"must be reversible or heating_only (got {shown(raw)})")
    return str(raw)


def _check_points(points: Sequence[TestPoint], tol_c: float) -> None:
    first_at: dict[float, int] = {}
    for index, point in enumerate(points):
        earlier = first_at.setdefault(point.t_c, index)
        if earlier != index and point != points[earlier]:
            # The same point listed twice is harmless; two different ones leave the curve undefined there.
            other = points[earlier]
            raise EngineInputError(
                f"points[{index}].t_c",
                f"{point.t_c:g} C is also the temperature of points[{earlier}], with other figures "
                f"(Pdh {other.pdh_kw:g} / {point.pdh_kw:g} kW, COP {other.cop:g} / {point.cop:g}, "
                f"Cdh {other.cdh:g} / {point.cdh:g}): which one is declared?",
            )
    if len(first_at) < 2:
        raise EngineInputError("points", "needs at least two test points to interpolate between")
    if min(point.t_c for point in points) > tol_c:
        raise EngineInputError("points", f"no test point at or below TOL ({tol_c:g} C)")


def parse_datasheet(data: Any) -> Datasheet:
    """Validate a datasheet object (the CLI's and the action's JSON format)."""
    if not isinstance(data, Mapping):
        raise EngineInputError("datasheet", "must be a JSON object")
    check_keys(data, DATASHEET_KEYS)
    climate = climate_by_name(_require(data, "climate"))
    raw_points = _require(data, "points")
    if not isinstance(raw_points, Sequence) or isinstance(raw_points, (str, bytes)):
        raise EngineInputError("points", "must be a list of test points")
    # A unit-wide Cdh (KEYMARK code EN14825_021) stands for points declared without one.
    default_cdh = _cdh(data.get("cdh"), "cdh", DEFAULT_CDH)
    points = tuple(_parse_point(raw, i, default_cdh) for i, raw in enumerate(raw_points))
    tol_c = _number(_require(data, "tol_c"), "tol_c", OUTDOOR_RANGE_C)
    tbiv_c = _number(_require(data, "tbiv_c"), "tbiv_c", OUTDOOR_RANGE_C)
    if tbiv_c < tol_c:
        raise EngineInputError("tbiv_c", f"must not be below tol_c ({tbiv_c:g} C < {tol_c:g} C)")
    _check_points(points, tol_c)
    cc = _number(data.get("cc", DEFAULT_CC), "cc", CC_RANGE)
    return Datasheet(
        climate=climate.name,
        reversible=_boolean(data.get("reversible", False), "reversible"),
        pdesignh_kw=_number(_require(data, "pdesignh_kw"), "pdesignh_kw", PDESIGNH_RANGE_KW),
        tbiv_c=tbiv_c,
        tol_c=tol_c,
        points=points,
        offmode=_parse_offmode(data.get("offmode_w")),
        wtol_c=_optional_number(data, "wtol_c", WATER_RANGE_C),
        cc=cc,
        water_or_brine_source=_boolean(data.get("water_or_brine_source", False), "water_or_brine_source"),
        offmode_hours=_offmode_hours(data.get("offmode_hours")),
        declared_scop=_optional_number(data, "declared_scop", DECLARED_SCOP_RANGE),
    )
