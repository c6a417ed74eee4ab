"""Plant COP: all heat over all electricity, shared loads included, counted from the plant's start."""

from __future__ import annotations

import pytest

from custom_components.ashp_cop.engine.plant import PlantLedger, UnitReading


def test_plant_spf_counts_shared_loads_and_each_unit_from_its_baseline() -> None:
    ledger = PlantLedger()
    # two units that already ran before the plant existed
    ledger.update(0, {"a": UnitReading(1000, 400), "b": UnitReading(50, 20)}, [100.0], {}, max_gap_s=4000)
    ledger.update(3600, {"a": UnitReading(1030, 410), "b": UnitReading(70, 28)}, [100.0], {}, max_gap_s=4000)
    assert ledger.heat_kwh == pytest.approx(50)
    assert ledger.shared.total_kwh == pytest.approx(0.1)
    assert ledger.elec_kwh == pytest.approx(18.1)
    assert ledger.spf == pytest.approx(50 / 18.1)
    assert ledger.unit_spf("a") == pytest.approx(3.0) and ledger.unit_spf("b") == pytest.approx(2.5)


def test_shared_counters_are_reset_proof_and_restored() -> None:
    ledger = PlantLedger()
    ledger.update(0, {}, [], {"sensor.pumps": 10.0})
    ledger.update(60, {}, [], {"sensor.pumps": 10.5})
    ledger.update(120, {}, [], {"sensor.pumps": 0.2})  # meter replaced
    assert ledger.shared.total_kwh == pytest.approx(0.7)
    again = PlantLedger()
    again.restore(ledger.export())
    again.update(180, {}, [], {"sensor.pumps": 0.3})
    assert again.shared.total_kwh == pytest.approx(0.8)
    again.restore({"baselines": {"x": ["bad"]}, "shared_kwh": -1})  # damaged parts are ignored
    assert again.shared.total_kwh == pytest.approx(0.8)
    assert "x" not in again.baselines


def test_instant_plant_cop() -> None:
    ledger = PlantLedger()
    ledger.update(0, {"a": UnitReading(0, 0, 6000, 2000), "b": UnitReading(0, 0, 3000, 1000)}, [100.0], {})
    assert ledger.cop == pytest.approx(9000 / 3100)
    ledger.update(10, {"a": UnitReading(0, 0, None, None)}, [], {})
    assert ledger.cop is None
