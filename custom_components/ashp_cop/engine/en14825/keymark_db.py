"""The Heat Pump KEYMARK database shipped with the integration, and its search.

Built by tools/keymark_build.py; loaded once (the caller keeps it), searched in
memory: every query token must occur in the unit's manufacturer, model or
title, compared without case or diacritics.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import EngineInputError, shown
from .keymark import normalise, record_to_datasheet

FORMAT = 1
ATTRIBUTION = (
    "Heat Pump KEYMARK declared data (keymark.eu) as collected by the hplib project "
    "(FZJ-IEK3-VSA/hplib, input/csv; its derived database is CC-BY-4.0)"
)
RECORD_COLUMNS = (
    "climate", "outlet_temp_c", "reversible", "refrigerant", "prated_kw", "scop", "eta_s_pct", "tbiv", "tol",
    "wtol", "pdh_m7", "cop_m7", "cdh_047", "pdh_p2", "cop_p2", "cdh_048", "pdh_p7", "cop_p7", "cdh_049",
    "pdh_p12", "cop_p12", "cdh_050", "pdh_tbiv", "cop_tbiv", "pdh_tol", "cop_tol", "cdh_021", "pdh_m15",
    "cop_m15", "cdh_051", "poff_w", "pto_w", "psb_w", "pck_w",
)  # fmt: skip
DEFAULT_LIMIT = 50


@dataclass(frozen=True, slots=True)
class Unit:
    """One declared unit (an outdoor unit with its indoor unit), in every climate and outlet it declares."""

    index: int
    manufacturer: str
    modelname: str
    title: str

    @property
    def label(self) -> str:
        """Model code first: a select option is cut at its width, and the manufacturer is what is cut then."""
        parts = [self.modelname, self.manufacturer]
        if normalise(self.title) != normalise(self.modelname):
            parts.insert(0, self.title)
        return " · ".join(part for part in parts if part)


@dataclass(frozen=True, slots=True)
class SearchResult:
    """How many units matched, and the first ``limit`` of them."""

    total: int
    units: tuple[Unit, ...]


class KeymarkDatabase:
    """Units and their declared records, with a token index for the search."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        if data.get("format") != FORMAT:
            raise EngineInputError("keymark database", f"unknown format {shown(data.get('format'))}")
        self.attribution = str(data["attribution"])
        self.units = tuple(Unit(i, *unit) for i, unit in enumerate(data["units"]))
        self._haystacks = tuple(normalise(" ".join(unit)) for unit in data["units"])
        # "af251" finds "AF 251" too: a token may also match the text without its spaces
        self._compact = tuple(haystack.replace(" ", "") for haystack in self._haystacks)
        self._columns = ("manufacturer", *data["record_columns"][1:])
        climate, outlet = self._columns.index("climate"), self._columns.index("outlet_temp_c")
        # Records stay tuples of shared strings (a dict each would hold several times as much): some 15 MB in all.
        strings: dict[str, str] = {}
        self._records: list[dict[tuple[int, str], tuple[str, ...]]] = [{} for _ in self.units]
        for unit_index, *values in data["records"]:
            unit = self.units[unit_index]
            record = tuple(strings.setdefault(v, v) for v in (unit.manufacturer, *values))
            # a unit declared twice for one condition: the first (sorted) record stands
            self._records[unit_index].setdefault((int(record[outlet]), record[climate]), record)
        self.record_count = len(data["records"])

    @classmethod
    def load(cls, path: Path) -> KeymarkDatabase:
        """Read the shipped file (blocking: run it in an executor)."""
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return cls(json.load(handle))

    def search(
        self, text: str, *, outlet_temp_c: int | None = None, climate: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> SearchResult:
        """Units whose manufacturer, model and title hold every token of ``text``, filtered by the conditions."""
        tokens = normalise(text).split()
        if not tokens:
            return SearchResult(0, ())
        matches: list[Unit] = []
        total = 0
        for unit, haystack, compact, conditions in zip(
            self.units, self._haystacks, self._compact, self._records, strict=True
        ):
            if not all(token in haystack or token in compact for token in tokens):
                continue
            if any(
                (outlet_temp_c is None or outlet == outlet_temp_c) and (climate is None or name == climate)
                for outlet, name in conditions
            ):
                total += 1
                if len(matches) < limit:
                    matches.append(unit)
        return SearchResult(total, tuple(matches))

    def conditions(self, unit_index: int) -> list[tuple[int, str]]:
        """(outlet temperature C, climate) pairs the unit declares, sorted."""
        return sorted(self._records[self._unit(unit_index)])

    def record(self, unit_index: int, outlet_temp_c: int, climate: str) -> Mapping[str, str]:
        """The declared record of one unit at one outlet temperature and climate."""
        try:
            record = self._records[self._unit(unit_index)][(outlet_temp_c, climate)]
        except KeyError:
            raise EngineInputError(
                "keymark", f"{self.units[unit_index].label} declares nothing for {outlet_temp_c} C, {climate} climate"
            ) from None
        return dict(zip(self._columns, record, strict=True))

    def datasheet(self, unit_index: int, outlet_temp_c: int, climate: str) -> dict[str, Any]:
        """The record as an engine datasheet, with its declared SCOP."""
        return record_to_datasheet(self.record(unit_index, outlet_temp_c, climate), with_declared=True)

    def _unit(self, unit_index: int) -> int:
        if not 0 <= unit_index < len(self.units):
            raise EngineInputError("keymark", f"no unit number {unit_index}")
        return unit_index
