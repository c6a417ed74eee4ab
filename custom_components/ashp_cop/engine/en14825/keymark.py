"""A Heat Pump KEYMARK record (one unit, one climate, one outlet temperature) as an engine datasheet.

The same conversion serves the population check, the shipped database and the
picker in the heat-pump flow, so the figure a user sees is the one measured
over the population. Every rule below is documented with its measured share
in docs/engine.md ("KEYMARK records").

Columns follow the export in ../shared/validation: ``pdh_<suffix>``/``cop_<suffix>``
at -15 (m15), -7 (m7), +2 (p2), +7 (p7), +12 C (p12), at Tbiv and TOL; Cdh codes
EN14825_047/048/049/050/051 at -7/+2/+7/+12/-15 C and EN14825_021 (declared at TOL).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from typing import Any, Literal

from .datasheet import DEFAULT_CC
from .scop import F1_TEMPERATURE_CONTROLS_PCT

type OffModeHours = Literal["reversible", "heating_only"]

# (column suffix, test temperature C, Cdh column)
FIXED_POINTS: tuple[tuple[str, float, str], ...] = (
    ("m15", -15.0, "cdh_051"),
    ("m7", -7.0, "cdh_047"),
    ("p2", 2.0, "cdh_048"),
    ("p7", 7.0, "cdh_049"),
    ("p12", 12.0, "cdh_050"),
)
FIXED_CDH_COLUMNS = ("cdh_047", "cdh_048", "cdh_049", "cdh_050")
# A Cdh left blank in a KEYMARK record: the declarations reproduce best with no degradation (1.0),
# not EN 14825 clause 8.4's default 0.9 for an unmeasured Cdh (docs/engine.md).
BLANK_CDH = 1.0
# ...except where the record declares a degradation (below 1) at TOL only: then the fixed
# points A-D were evidently not measured and take the clause 8.4 default.
UNMEASURED_CDH = 0.9

# Manufacturers whose declared SCOPs were computed with the other table of off-mode hours
# (EN 14825 Table A.4 heating-only vs reversible): (normalised name fragment, flagged reversible).
# Net gain over the population per pair in docs/engine.md; pairs whose net gain is not
# positive at both 1 % and 2 % (Daikin, Ariston, Baxi) keep the flag's table.
OTHER_OFFMODE_TABLE: tuple[tuple[str, bool], ...] = (
    ("brotje", True),
    ("oertli", True),
    ("de dietrich", True),
    ("lg electronics", False),
    ("gd midea", False),
)

# EN 14825 rounds eta_s to whole percent; a declared SCOP further than this from the SCOP its
# own eta_s implies (Regulation (EU) 813/2013 Annex III: SCOP = (eta_s + F1) * CC / 100)
# contradicts it.
ETA_CONTRADICTION = 0.01


def normalise(text: str) -> str:
    """Lower case, diacritics removed, runs of anything but letters and digits as one space."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join("".join(ch if ch.isalnum() else " " for ch in plain).split())


def _num(row: Mapping[str, str], key: str) -> float | None:
    value = row.get(key, "")
    if value in ("", None):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _point(row: Mapping[str, str], suffix: str, t_c: float | None) -> dict[str, float] | None:
    pdh, cop = _num(row, f"pdh_{suffix}"), _num(row, f"cop_{suffix}")
    if pdh is None or cop is None or t_c is None or pdh <= 0 or cop <= 0:
        return None
    return {"t_c": t_c, "pdh_kw": pdh, "cop": cop}


def _declared_cdh(row: Mapping[str, str], key: str) -> float | None:
    cdh = _num(row, key)
    return cdh if cdh is not None and cdh > 0 else None


def blank_fixed_cdh(
    row: Mapping[str, str], blank_cdh: float = BLANK_CDH, unmeasured_cdh: float = UNMEASURED_CDH
) -> float:
    """The Cdh of a fixed point whose own is blank."""
    at_tol = _declared_cdh(row, "cdh_021")
    if at_tol is not None and any(_declared_cdh(row, key) for key in FIXED_CDH_COLUMNS):
        return at_tol  # the unit declares Cdh at A-D: its TOL value stands for a point left blank
    if at_tol is not None and at_tol < 1.0:
        return unmeasured_cdh
    return blank_cdh


def offmode_hours_used(manufacturer: str, reversible: bool) -> OffModeHours:
    """The off-mode hours table the manufacturer's declarations evidently used."""
    name = normalise(manufacturer)
    other = any(fragment in name and flag == reversible for fragment, flag in OTHER_OFFMODE_TABLE)
    return "reversible" if reversible != other else "heating_only"


def declared_scop_conflict(row: Mapping[str, str], cc: float = DEFAULT_CC) -> float | None:
    """The SCOP the declared eta_s implies where it contradicts the declared SCOP, else None."""
    scop, eta = _num(row, "scop"), _num(row, "eta_s_pct")
    if scop is None or eta is None or scop <= 0:
        return None
    implied = (eta + F1_TEMPERATURE_CONTROLS_PCT) * cc / 100.0
    return implied if abs(implied / scop - 1.0) > ETA_CONTRADICTION else None


def record_to_datasheet(
    row: Mapping[str, str],
    *,
    with_declared: bool = False,
    blank_cdh: float = BLANK_CDH,
    unmeasured_cdh: float = UNMEASURED_CDH,
    limit_points_first: bool = True,
) -> dict[str, Any]:
    """A KEYMARK record as the JSON datasheet ``parse_datasheet`` reads.

    The Tbiv and TOL points come first: where one shares its temperature with
    a fixed point (Tbiv = -7 C, say) it stands for both, the point measured at
    the unit's own limit, and the other is left out (the engine would use the
    first listed; the expected COP, the last). Every point carries its Cdh; ``blank_cdh``,
    ``unmeasured_cdh`` and ``limit_points_first`` are there to measure the
    alternatives (docs/engine.md).
    """
    tbiv, tol = _num(row, "tbiv"), _num(row, "tol")
    at_tol = _declared_cdh(row, "cdh_021")
    fixed_blank = blank_fixed_cdh(row, blank_cdh, unmeasured_cdh)
    limits: list[tuple[str, float | None, str | None]] = [("tbiv", tbiv, None), ("tol", tol, None)]
    fixed: list[tuple[str, float | None, str | None]] = list(FIXED_POINTS)
    points: list[dict[str, float]] = []
    for suffix, t_c, cdh_key in limits + fixed if limit_points_first else fixed + limits:
        point = _point(row, suffix, t_c)
        if point is None or any(point["t_c"] == listed["t_c"] for listed in points):
            continue
        declared = _declared_cdh(row, cdh_key) if cdh_key else None
        if declared is not None:
            point["cdh"] = declared
        elif cdh_key is None:  # Tbiv, TOL: the Cdh declared at TOL
            point["cdh"] = at_tol if at_tol is not None else blank_cdh
        else:
            point["cdh"] = fixed_blank
        points.append(point)
    reversible = row.get("reversible") == "1"
    sheet: dict[str, Any] = {
        "climate": row.get("climate"),
        "reversible": reversible,
        "offmode_hours": offmode_hours_used(row.get("manufacturer", ""), reversible),
        "pdesignh_kw": _num(row, "prated_kw"),
        "tbiv_c": tbiv,
        "tol_c": tol,
        "points": points,
        "offmode_w": {
            "off": _num(row, "poff_w") or 0.0,
            "thermostat_off": _num(row, "pto_w") or 0.0,
            "standby": _num(row, "psb_w") or 0.0,
            "crankcase": _num(row, "pck_w") or 0.0,
        },
    }
    wtol = _num(row, "wtol")
    if wtol is not None:
        sheet["wtol_c"] = wtol
    if with_declared and (scop := _num(row, "scop")) is not None:
        sheet["declared_scop"] = scop
    return sheet
