"""The shipped Heat Pump KEYMARK database: built from ../shared, small, searched by tokens."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from custom_components.ashp_cop.engine.en14825 import calculate_scop, parse_datasheet
from custom_components.ashp_cop.engine.en14825.keymark_db import KeymarkDatabase
from custom_components.ashp_cop.engine.errors import EngineInputError
from tools.keymark_build import DEFAULT_OUTPUT, build, database, encode

SHIPPED = DEFAULT_OUTPUT


@pytest.fixture(scope="module")
def db() -> KeymarkDatabase:
    return KeymarkDatabase.load(SHIPPED)


def test_shipped_file_is_what_the_script_builds_from_shared(shared_validation: Path) -> None:
    built = build(shared_validation / "keymark_population.csv.gz")
    # compared decompressed: another zlib may pack the same bytes differently
    assert json.loads(gzip.decompress(SHIPPED.read_bytes())) == json.loads(gzip.decompress(built))
    assert gzip.decompress(SHIPPED.read_bytes()) == gzip.decompress(built)


def test_build_is_deterministic_and_small() -> None:
    data = json.loads(gzip.decompress(SHIPPED.read_bytes()))
    assert encode(data) == encode(json.loads(gzip.decompress(SHIPPED.read_bytes())))
    assert SHIPPED.stat().st_size < 2_000_000
    assert "CC-BY-4.0" in data["attribution"]


def test_every_population_record_is_in_the_database(db: KeymarkDatabase) -> None:
    assert db.record_count == 26491
    assert len(db.units) == 7587


def test_search_ignores_case_and_diacritics_and_needs_every_token(db: KeymarkDatabase) -> None:
    plain, accented = db.search("BROTJE"), db.search("brötje")
    assert plain.total == accented.total > 0
    assert all("brötje" in unit.manufacturer.casefold() for unit in plain.units)
    both = db.search("daikin altherma")
    assert 0 < both.total < db.search("daikin").total
    assert all("altherma" in (unit.modelname + unit.title).casefold() for unit in both.units)
    assert db.search("daikin nosuchmodel").total == 0
    assert db.search("  ,; ").total == 0


def test_search_filters_by_outlet_and_climate_and_caps_the_list(db: KeymarkDatabase) -> None:
    everything = db.search("a", limit=10)
    assert len(everything.units) == 10 < everything.total
    colder = db.search("vitocal", climate="colder", outlet_temp_c=55)
    assert 0 < colder.total < db.search("vitocal").total
    for unit in colder.units:
        assert (55, "colder") in db.conditions(unit.index)


def test_a_found_unit_gives_a_datasheet_that_reproduces_its_declared_scop(db: KeymarkDatabase) -> None:
    unit = db.search("vitocal 250 AWO-AC-AF251.A40").units[0]
    outlet, climate = db.conditions(unit.index)[0]
    sheet = parse_datasheet(db.datasheet(unit.index, outlet, climate))
    assert sheet.declared_scop is not None
    assert calculate_scop(sheet).scop == pytest.approx(sheet.declared_scop, rel=0.01)


def test_unknown_unit_or_condition_is_named(db: KeymarkDatabase) -> None:
    with pytest.raises(EngineInputError, match="no unit number 99999"):
        db.conditions(99999)
    unit = db.search("vitocal 250").units[0]
    with pytest.raises(EngineInputError, match="declares nothing for 45 C"):
        db.record(unit.index, 45, "average")
    with pytest.raises(EngineInputError, match="unknown format"):
        KeymarkDatabase({**database([]), "format": 0})
