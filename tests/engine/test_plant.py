"""Plant COP: all heat over all electricity, shared loads included, counted from the plant's start."""

from __future__ import annotations

import pytest

from custom_components.ashp_cop.engine.plant import PlantLedger, UnitReading


def _ledger(**kwargs: object) -> PlantLedger:
    return PlantLedger(unit_ids=("a", "b"), **kwargs)  # type: ignore[arg-type]


def test_plant_spf_counts_shared_loads_and_each_unit_from_its_baseline() -> None:
    ledger = _ledger(shared_power=True, max_gap_s=4000)
    # two units that already ran before the plant existed
    ledger.update(0, {"a": UnitReading(1000, 400), "b": UnitReading(50, 20)}, 100.0)
    ledger.update(3600, {"a": UnitReading(1030, 410, 1.0), "b": UnitReading(70, 28)}, 100.0)
    assert ledger.totals.heat_kwh == pytest.approx(50)
    assert ledger.totals.net_heat_kwh == pytest.approx(49)  # a's defrosts drew back 1 kWh
    assert ledger.totals.shared_kwh == pytest.approx(0.1)
    assert ledger.elec_kwh == pytest.approx(18.1)
    assert ledger.spf == pytest.approx(49 / 18.1)
    assert ledger.unit_spf("a") == pytest.approx(29 / 10) and ledger.unit_spf("b") == pytest.approx(2.5)


def test_a_unit_that_is_not_loaded_keeps_the_span_open_and_catches_up_paired() -> None:
    ledger = _ledger(shared_power=True)
    ledger.update(0, {"a": UnitReading(0, 0), "b": UnitReading(0, 0)}, 100.0)
    ledger.update(60, {"a": UnitReading(0.1, 0.03), "b": UnitReading(0.1, 0.04)}, 100.0)
    assert ledger.totals.heat_kwh == pytest.approx(0.2)
    for t in range(120, 600, 60):  # b is reloading: its totals are unknown for eight minutes
        ledger.update(t, {"a": UnitReading(0.1 + (t - 60) / 600, 0.03 + (t - 60) / 2000)}, 100.0)
    assert ledger.totals.heat_kwh == pytest.approx(0.2)  # nothing counted on one side only
    ledger.update(600, {"a": UnitReading(1.0, 0.3), "b": UnitReading(0.5, 0.2)}, 100.0)
    assert ledger.totals.heat_kwh == pytest.approx(1.5)
    assert ledger.totals.shared_kwh == pytest.approx(100 * 600 / 3.6e6)


def test_a_silent_shared_power_drops_the_span_on_every_side() -> None:
    ledger = PlantLedger(unit_ids=("a",), shared_power=True, max_gap_s=900)
    ledger.update(0, {"a": UnitReading(0, 0)}, 100.0)
    ledger.update(600, {"a": UnitReading(1, 0.3)}, None)  # the shared pump's meter is silent
    ledger.update(1800, {"a": UnitReading(3, 0.9)}, 100.0)  # back after a gap the trapezoid may not bridge
    assert ledger.totals.heat_kwh == 0 and ledger.totals.shared_kwh == 0
    ledger.update(1860, {"a": UnitReading(3.1, 0.93)}, 100.0)
    assert ledger.totals.heat_kwh == pytest.approx(0.1)
    assert ledger.spf == pytest.approx(0.1 / (0.03 + 100 * 60 / 3.6e6))


def test_shared_counters_are_reset_proof_and_restored() -> None:
    ledger = PlantLedger(shared_counter_keys=("sensor.pumps",))
    ledger.update(0, {}, None, {"sensor.pumps": (10.0, 0.0)})
    ledger.update(60, {}, None, {"sensor.pumps": (10.5, 60.0)})
    for i, t in enumerate(range(120, 600, 60)):  # meter replaced: a new series, confirmed after five minutes
        ledger.update(t, {}, None, {"sensor.pumps": (0.2 + 0.01 * i, float(t))})
    # the old series, then the new one from its first reading (the minute of the replacement is not known)
    assert ledger.totals.shared_kwh == pytest.approx(0.5 + 0.07)
    assert [event.kind for _, event in ledger.take_counter_events()] == ["reset"]
    again = PlantLedger(shared_counter_keys=("sensor.pumps",))
    again.restore(ledger.export())
    again.update(600, {}, None, {"sensor.pumps": (0.3, 600.0)})
    assert again.totals.shared_kwh == pytest.approx(ledger.totals.shared_kwh + 0.3 - 0.27)
    again.restore({"totals": {"shared_kwh": -1}, "units": {"x": ["bad"]}})  # damaged parts are ignored
    assert again.totals.shared_kwh > 0.5
    assert "x" not in again.export()["units"]  # type: ignore[operator]


def test_a_shared_counters_reset_loses_the_units_one_poll_not_the_confirmation() -> None:
    """The five minutes a new series takes to confirm pair with what the units counted meanwhile."""
    ledger = PlantLedger(unit_ids=("a",), shared_counter_keys=("sensor.pumps",))
    for minute in range(11):
        pumps_kwh = 10.0 + 0.01 * minute if minute < 2 else 0.01 * (minute - 2)  # reset to 0 after minute 1
        ledger.update(60.0 * minute, {"a": UnitReading(0.1 * minute, 0.03 * minute)}, None,
                      {"sensor.pumps": (pumps_kwh, 60.0 * minute)})  # fmt: skip
    assert [event.kind for _, event in ledger.take_counter_events()] == ["reset"]
    # minutes 0-1 counted, 1-2 lost (the pumps' reset is inside it), 2-10 counted with the new series
    assert ledger.totals.heat_kwh == pytest.approx(0.1 + 0.8)
    assert ledger.totals.shared_kwh == pytest.approx(0.01 + 0.08)
    assert ledger.totals.elec_units_kwh == pytest.approx(0.03 + 0.24)


def test_restored_totals_never_show_zero_and_a_kill_never_counts_twice() -> None:
    ledger = _ledger()
    readings = [{"a": UnitReading(10 * h, 3 * h), "b": UnitReading(5 * h, 2 * h)} for h in range(8)]
    for hour in range(4):
        ledger.update(3600.0 * hour, readings[hour])
    saved = ledger.export()
    ledger.update(3600.0 * 4, readings[4])  # shown, then killed before the next save
    shown_heat, shown_elec = ledger.totals.heat_kwh, ledger.elec_kwh
    restarted = _ledger()
    restarted.restore(saved)
    assert restarted.totals.heat_kwh == pytest.approx(45)  # from storage, before any unit is loaded
    restarted.adopt_shown({"heat_kwh": shown_heat, "elec_units_kwh": shown_elec})
    assert restarted.totals.heat_kwh == shown_heat
    restarted.update(3600.0 * 6, readings[6])  # the units' totals replay hours 3 to 6
    assert restarted.totals.heat_kwh == pytest.approx(90)
    assert restarted.elec_kwh == pytest.approx(30)


def test_instant_plant_cop() -> None:
    ledger = _ledger(shared_power=True)
    ledger.update(0, {"a": UnitReading(0, 0, 0, 6000, 2000), "b": UnitReading(0, 0, 0, 3000, 1000)}, 100.0)
    assert ledger.cop == pytest.approx(9000 / 3100)
    ledger.update(10, {"a": UnitReading(0, 0, 0, None, None)}, None)
    assert ledger.cop is None
