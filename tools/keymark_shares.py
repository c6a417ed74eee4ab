"""Measure the KEYMARK population shares quoted in docs/engine.md ("KEYMARK records").

Run: .venv/bin/python -m tools.keymark_shares [path to keymark_population.csv.gz]
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from custom_components.ashp_cop.engine.en14825 import calculate_scop, parse_datasheet
from custom_components.ashp_cop.engine.en14825.keymark import (
    OTHER_OFFMODE_TABLE,
    declared_scop_conflict,
    normalise,
    record_to_datasheet,
)
from custom_components.ashp_cop.engine.en14825.scop import DEFAULT_METHOD, ScopMethod
from custom_components.ashp_cop.engine.errors import EngineInputError

DEFAULT_SOURCE = Path(__file__).resolve().parents[2] / "shared" / "validation" / "keymark_population.csv.gz"

type Variant = Callable[[Mapping[str, str]], dict[str, Any]]


def _flag_table(row: Mapping[str, str]) -> dict[str, Any]:
    sheet = record_to_datasheet(row)
    del sheet["offmode_hours"]
    return sheet


VARIANTS: dict[str, Variant] = {
    "engine (record_to_datasheet)": record_to_datasheet,
    "off-mode hours by the reversible flag only": _flag_table,
    "blank Cdh 0.9 (EN 14825 clause 8.4 default)": lambda row: record_to_datasheet(row, blank_cdh=0.9),
    "blank Cdh 1.0 at A-D also where only TOL declares one below 1": lambda row: record_to_datasheet(
        row, unmeasured_cdh=1.0
    ),
    "fixed points win over Tbiv and TOL": lambda row: record_to_datasheet(row, limit_points_first=False),
}
# The engine's open choices (docs/engine.md, EN 14825 SCOP), measured with the engine's conversion.
METHODS: dict[str, ScopMethod] = {
    "method: hold above the last point": ScopMethod(above_last_point="hold"),
    "method: Cdh of the colder point": ScopMethod(cdh_between_points="colder_point"),
}
# Manufacturers the issue named as declaring with the other off-mode table, beside the engine's table.
CANDIDATES = (*OTHER_OFFMODE_TABLE, ("chappee", True), ("remeha", True), ("daikin", True), ("ariston", True),
              ("baxi", True))  # fmt: skip


def _offmode_gains(rows: list[dict[str, str]]) -> None:
    """Records within 1 % / 2 % with the flag's table and with the other, per (manufacturer, flag)."""
    for fragment, flag in CANDIDATES:
        hits: Counter[str] = Counter()
        for row in rows:
            if fragment not in normalise(row["manufacturer"]) or (row["reversible"] == "1") != flag:
                continue
            try:
                sheet = parse_datasheet(_flag_table(row))
            except EngineInputError:
                continue
            declared = float(row["scop"])
            other = dataclasses.replace(sheet, offmode_hours="heating_only" if flag else "reversible")
            for name, candidate in (("flag", sheet), ("other", other)):
                deviation = abs(calculate_scop(candidate).scop / declared - 1)
                hits[f"{name} 1"] += deviation <= 0.01
                hits[f"{name} 2"] += deviation <= 0.02
            hits["records"] += 1
        print(
            f"  {fragment!r} flagged {'reversible' if flag else 'heating-only'}: {hits['records']} records, "
            f"within 1 % {hits['flag 1']} -> {hits['other 1']}, within 2 % {hits['flag 2']} -> {hits['other 2']}"
        )


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    with gzip.open(source, "rt", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    total = len(rows)
    runs = [(name, variant, DEFAULT_METHOD) for name, variant in VARIANTS.items()]
    runs += [(name, record_to_datasheet, method) for name, method in METHODS.items()]
    for name, variant, method in runs:
        hits: Counter[str] = Counter()
        for row in rows:
            try:
                sheet = parse_datasheet(variant(row))
                result = calculate_scop(sheet, method)
            except EngineInputError:
                hits["refused"] += 1
                continue
            declared = float(row["scop"])
            deviation = abs(result.scop / declared - 1)
            hits["1"] += deviation <= 0.01
            hits["2"] += deviation <= 0.02
            if deviation > 0.01 and name.startswith("engine"):
                other = dataclasses.replace(
                    sheet, offmode_hours="heating_only" if sheet.reversible_offmode_hours else "reversible"
                )
                if abs(calculate_scop(other).scop / declared - 1) <= 0.01:
                    hits["other table"] += 1
                elif abs(result.scop_on / declared - 1) <= 0.01:
                    hits["SCOPon"] += 1
            if name.startswith("engine") and declared_scop_conflict(row) is not None:
                hits["eta contradicts"] += 1
                hits["eta contradicts, engine within 1 %"] += deviation <= 0.01
            if name.startswith("engine") and sheet.offmode_hours != (
                "reversible" if sheet.reversible else "heating_only"
            ):
                hits["other table preselected"] += 1
        print(f"{name}: {hits['1'] / total:.2%} within 1 %, {hits['2'] / total:.2%} within 2 % of {total}")
        for key in sorted(k for k in hits if k not in ("1", "2")):
            print(f"  {key}: {hits[key]} ({hits[key] / total:.2%})")
    print("other off-mode table by manufacturer (flag's table -> other table):")
    _offmode_gains(rows)


if __name__ == "__main__":
    main()
