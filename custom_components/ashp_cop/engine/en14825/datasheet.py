"""A heat pump's EN 14825 datasheet: design load, limits, test points, off-mode power.

Parsing validates every field and names the one that is wrong, because a
datasheet typed in from a PDF is the usual source of a wrong SCOP.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import EngineInputError
from .climate import climate_by_name

# EN 14825:2018 clause 8.4: Cdh = 0.9 when the degradation coefficient is not measured.
DEFAULT_CDH = 0.9
# Conversion coefficient of Regulations (EU) 811/2013 and 813/2013, still used
# for declared values; later primary-energy factors are 2.1 and 1.9.
DEFAULT_CC = 2.5


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


def _number(value: Any, field: str, *, lower: str = "any") -> float:
    """A finite number; ``lower`` is "any", "non_negative" or "positive"."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise EngineInputError(field, f"must be a number (got {value!r})")
    try:
        number = float(value)
    except ValueError:
        raise EngineInputError(field, f"must be a number (got {value!r})") from None
    if not math.isfinite(number):
        raise EngineInputError(field, f"must be a finite number (got {value!r})")
    if lower == "positive" and number <= 0:
        raise EngineInputError(field, f"must be greater than 0 (got {value!r})")
    if lower == "non_negative" and number < 0:
        raise EngineInputError(field, f"must not be negative (got {value!r})")
    return number


def _positive(value: Any, field: str) -> float:
    return _number(value, field, lower="positive")


def _not_negative(value: Any, field: str) -> float:
    return _number(value, field, lower="non_negative")


def _optional_number(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    return _number(value, key)


def _boolean(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1):
        return bool(value)
    raise EngineInputError(field, f"must be true or false (got {value!r})")


def _require(data: Mapping[str, Any], key: str, prefix: str = "") -> Any:
    if key not in data or data[key] is None or data[key] == "":
        raise EngineInputError(f"{prefix}{key}", "is required")
    return data[key]


def _cdh(raw: Any, field: str, default: float) -> float:
    if raw is None or raw == "":
        return default
    cdh = _positive(raw, field)
    if cdh > 1.0:
        raise EngineInputError(field, f"must be between 0 and 1 (got {raw!r})")
    return cdh


def _parse_point(raw: Any, index: int, default_cdh: float) -> TestPoint:
    prefix = f"points[{index}]."
    if not isinstance(raw, Mapping):
        raise EngineInputError(f"points[{index}]", "must be an object with t_c, pdh_kw and cop")
    cdh = _cdh(raw.get("cdh"), prefix + "cdh", default_cdh)
    return TestPoint(
        t_c=_number(_require(raw, "t_c", prefix), prefix + "t_c"),
        pdh_kw=_positive(_require(raw, "pdh_kw", prefix), prefix + "pdh_kw"),
        cop=_positive(_require(raw, "cop", prefix), prefix + "cop"),
        cdh=cdh,
    )


def _parse_offmode(raw: Any) -> OffModePower:
    if raw is None:
        return OffModePower()
    if not isinstance(raw, Mapping):
        raise EngineInputError("offmode_w", "must be an object with off, thermostat_off, standby, crankcase")
    known = {"off", "thermostat_off", "standby", "crankcase"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise EngineInputError(
            f"offmode_w.{unknown[0]}", "is not an off mode (use off, thermostat_off, standby, crankcase)"
        )
    return OffModePower(
        off_w=_not_negative(raw.get("off", 0), "offmode_w.off"),
        thermostat_off_w=_not_negative(raw.get("thermostat_off", 0), "offmode_w.thermostat_off"),
        standby_w=_not_negative(raw.get("standby", 0), "offmode_w.standby"),
        crankcase_w=_not_negative(raw.get("crankcase", 0), "offmode_w.crankcase"),
    )


def _check_points(points: Sequence[TestPoint], tol_c: float) -> None:
    if len(points) < 2:
        raise EngineInputError("points", "needs at least two test points to interpolate between")
    if min(point.t_c for point in points) > tol_c:
        raise EngineInputError("points", f"no test point at or below TOL ({tol_c:g} C)")


def parse_datasheet(data: Any) -> Datasheet:
    """Validate a datasheet object (the CLI's and the action's JSON format)."""
    if not isinstance(data, Mapping):
        raise EngineInputError("datasheet", "must be a JSON object")
    climate = climate_by_name(_require(data, "climate"))
    raw_points = _require(data, "points")
    if not isinstance(raw_points, Sequence) or isinstance(raw_points, (str, bytes)):
        raise EngineInputError("points", "must be a list of test points")
    # A unit-wide Cdh (KEYMARK code EN14825_021) stands for points declared without one.
    default_cdh = _cdh(data.get("cdh"), "cdh", DEFAULT_CDH)
    points = tuple(_parse_point(raw, i, default_cdh) for i, raw in enumerate(raw_points))
    tol_c = _number(_require(data, "tol_c"), "tol_c")
    tbiv_c = _number(_require(data, "tbiv_c"), "tbiv_c")
    if tbiv_c < tol_c:
        raise EngineInputError("tbiv_c", f"must not be below tol_c ({tbiv_c:g} C < {tol_c:g} C)")
    _check_points(points, tol_c)
    cc = _positive(data.get("cc", DEFAULT_CC), "cc")
    return Datasheet(
        climate=climate.name,
        reversible=_boolean(data.get("reversible", False), "reversible"),
        pdesignh_kw=_positive(_require(data, "pdesignh_kw"), "pdesignh_kw"),
        tbiv_c=tbiv_c,
        tol_c=tol_c,
        points=points,
        offmode=_parse_offmode(data.get("offmode_w")),
        wtol_c=_optional_number(data, "wtol_c"),
        cc=cc,
        water_or_brine_source=_boolean(data.get("water_or_brine_source", False), "water_or_brine_source"),
    )
