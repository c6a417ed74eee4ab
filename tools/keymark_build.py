"""Build the Heat Pump KEYMARK database the integration ships (custom_components/ashp_cop/keymark.json.gz).

Run: .venv/bin/python -m tools.keymark_build [keymark_population.csv.gz [output]]

The source is the air-to-water records of ../shared/validation/keymark_population.csv.gz
(keymark.eu exports as collected by FZJ-IEK3-VSA/hplib, CC-BY-4.0). The output is
deterministic: the same source gives the same bytes (gzip without a timestamp).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from custom_components.ashp_cop.engine.en14825.keymark import normalise
from custom_components.ashp_cop.engine.en14825.keymark_db import ATTRIBUTION, FORMAT, RECORD_COLUMNS

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO.parent / "shared" / "validation" / "keymark_population.csv.gz"
DEFAULT_OUTPUT = REPO / "custom_components" / "ashp_cop" / "keymark.json.gz"
UNIT_KEY = ("manufacturer", "modelname", "title")


def read_source(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def database(rows: Iterable[Mapping[str, str]]) -> dict[str, Any]:
    """The database object: units (manufacturer, model, title) and their records, sorted."""
    by_unit: dict[tuple[str, ...], list[list[str]]] = {}
    for row in rows:
        unit = tuple(row[key].strip() for key in UNIT_KEY)
        by_unit.setdefault(unit, []).append([row[column].strip() for column in RECORD_COLUMNS])
    units = sorted(by_unit, key=lambda unit: (tuple(normalise(part) for part in unit), unit))
    records: list[list[Any]] = []
    for index, unit in enumerate(units):
        # one record per outlet temperature and climate; the same unit declared twice keeps both
        records.extend([index, *record] for record in sorted(by_unit[unit]))
    return {
        "format": FORMAT,
        "attribution": ATTRIBUTION,
        "unit_columns": list(UNIT_KEY),
        "record_columns": ["unit", *RECORD_COLUMNS],
        "units": [list(unit) for unit in units],
        "records": records,
    }


def encode(data: Mapping[str, Any]) -> bytes:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as handle:
        handle.write(text.encode("utf-8"))
    return out.getvalue()


def build(source: Path = DEFAULT_SOURCE) -> bytes:
    return encode(database(read_source(source)))


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    output = Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_OUTPUT
    if not source.is_file():
        sys.exit(f"KEYMARK source not found: {source} (the shared validation data sit beside the repository)")
    payload = build(source)
    output.write_bytes(payload)
    print(f"{output}: {len(payload):,} bytes")


if __name__ == "__main__":
    main()
