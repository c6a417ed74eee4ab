"""Turn Heat Pump KEYMARK rows of ../shared/validation into engine datasheets."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from custom_components.ashp_cop.engine.en14825 import parse_datasheet
from custom_components.ashp_cop.engine.en14825.keymark import record_to_datasheet
from custom_components.ashp_cop.engine.errors import EngineInputError

SHARED_VALIDATION = Path(__file__).resolve().parents[2].parent / "shared" / "validation"


def row_to_datasheet(row: dict[str, str]) -> dict[str, Any]:
    """A KEYMARK record as the JSON datasheet that `engine scop` reads (the engine's own conversion)."""
    return record_to_datasheet(row)


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
