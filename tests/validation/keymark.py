"""Turn Heat Pump KEYMARK rows of ../shared/validation into engine datasheets."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from custom_components.ashp_cop.engine.en14825 import parse_datasheet
from custom_components.ashp_cop.engine.errors import EngineInputError

SHARED_VALIDATION = Path(__file__).resolve().parents[2].parent / "shared" / "validation"

# (column suffix, test temperature C, Cdh column)
_FIXED_POINTS = (("m15", -15.0, "cdh_051"), ("m7", -7.0, "cdh_047"), ("p2", 2.0, "cdh_048"),
                 ("p7", 7.0, "cdh_049"), ("p12", 12.0, "cdh_050"))  # fmt: skip


_FIXED_CDH_KEYS = ("cdh_047", "cdh_048", "cdh_049", "cdh_050")


def _num(row: dict[str, str], key: str) -> float | None:
    value = row.get(key, "")
    return float(value) if value not in ("", None) else None


def _point(row: dict[str, str], suffix: str, t_c: float | None, cdh_key: str | None) -> dict[str, float] | None:
    pdh, cop = _num(row, f"pdh_{suffix}"), _num(row, f"cop_{suffix}")
    if pdh is None or cop is None or t_c is None or pdh <= 0 or cop <= 0:
        return None
    point = {"t_c": t_c, "pdh_kw": pdh, "cop": cop}
    cdh = _num(row, cdh_key) if cdh_key else None
    if cdh is not None and cdh > 0:
        point["cdh"] = cdh
    return point


def row_to_datasheet(row: dict[str, str]) -> dict[str, Any]:
    """A KEYMARK record as the JSON datasheet that `engine scop` reads.

    The Tbiv and TOL points come first: where one shares its temperature with
    a fixed point (Tbiv = -7 C, say) the engine uses the first one listed.
    """
    candidates = [_point(row, "tbiv", _num(row, "tbiv"), None), _point(row, "tol", _num(row, "tol"), None)]
    candidates += [_point(row, suffix, t_c, cdh_key) for suffix, t_c, cdh_key in _FIXED_POINTS]
    sheet: dict[str, Any] = {
        "climate": row["climate"],
        "reversible": row["reversible"] == "1",
        "pdesignh_kw": _num(row, "prated_kw"),
        "tbiv_c": _num(row, "tbiv"),
        "tol_c": _num(row, "tol"),
        "points": [point for point in candidates if point is not None],
        "offmode_w": {
            "off": _num(row, "poff_w") or 0.0,
            "thermostat_off": _num(row, "pto_w") or 0.0,
            "standby": _num(row, "psb_w") or 0.0,
            "crankcase": _num(row, "pck_w") or 0.0,
        },
    }
    # EN14825_021 is the Cdh declared at TOL. Where the unit also declares Cdh
    # at the fixed points A-D it stands for any point left blank; where it is
    # the only Cdh, the fixed points keep the standard's default of 0.9.
    general_cdh = _num(row, "cdh_021")
    if general_cdh is not None and general_cdh > 0:
        if any(row.get(key) for key in _FIXED_CDH_KEYS):
            sheet["cdh"] = general_cdh
        else:
            for point in sheet["points"]:
                if point["t_c"] in (sheet["tbiv_c"], sheet["tol_c"]):
                    point.setdefault("cdh", general_cdh)
    wtol = _num(row, "wtol")
    if wtol is not None:
        sheet["wtol_c"] = wtol
    return sheet


def read_cases() -> list[dict[str, str]]:
    with (SHARED_VALIDATION / "keymark_cases.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def population_datasheets() -> list[dict[str, Any]]:
    """Every population record the engine accepts, as CLI datasheets."""
    sheets = []
    for row in iter_population():
        sheet = row_to_datasheet(row)
        try:
            parse_datasheet(sheet)
        except EngineInputError:
            continue  # six records declare Tbiv below TOL
        sheets.append(sheet)
    return sheets


def iter_population() -> Iterator[dict[str, str]]:
    with gzip.open(SHARED_VALIDATION / "keymark_population.csv.gz", "rt", newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)
