"""The live heat-pump model against the simulated plant's ground truth."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from custom_components.ashp_cop.engine.live import LiveHeatPump, LiveSettings, Measurement, Role, Snapshot
from tools.simulator.plant import HeatPump, Plant

POLL_S = 30.0


def _snapshot(hp: HeatPump, t: float, roles: set[Role]) -> Snapshot:
    s = hp.state
    values = {
        Role.FLOW_TEMP: s.flow_c, Role.RETURN_TEMP: s.return_c, Role.FLOW_RATE: s.flow_m3h,
        Role.HEAT_POWER: s.heat_w, Role.HEAT_ENERGY: s.meter_heat_kwh, Role.ELEC_POWER: s.elec_unit_w,
        Role.ELEC_ENERGY: s.meter_elec_unit_kwh, Role.BACKUP_POWER: s.elec_backup_w,
        Role.BACKUP_ENERGY: s.meter_elec_backup_kwh, Role.PUMP_POWER: s.elec_pump_w,
        Role.PUMP_ENERGY: s.meter_elec_pump_kwh, Role.OUTDOOR_TEMP: s.outdoor_c, Role.DEFROST: float(s.defrosting),
    }  # fmt: skip
    return {role: Measurement(values[role], t) for role in roles}


def _follow(
    roles: set[Role], hours: float, *, mean_c: float = 1.0, hook: Callable[[Plant, float], None] | None = None
) -> tuple[LiveHeatPump, Plant]:
    plant = Plant(1, seed=1, mean_outdoor_c=mean_c)
    live = LiveHeatPump(LiveSettings())
    t = 0.0
    while t < hours * 3600:
        t += POLL_S
        plant.advance_to(t)
        if hook is not None:
            hook(plant, t)
        live.update(t, _snapshot(plant.heat_pumps[0], t, roles))
    return live, plant


POWER_ROLES = {Role.FLOW_TEMP, Role.RETURN_TEMP, Role.FLOW_RATE, Role.ELEC_POWER, Role.BACKUP_POWER, Role.PUMP_POWER}
COUNTER_ROLES = {Role.FLOW_TEMP, Role.RETURN_TEMP, Role.FLOW_RATE, Role.HEAT_ENERGY, Role.ELEC_ENERGY,
                 Role.BACKUP_ENERGY, Role.PUMP_ENERGY}  # fmt: skip


@pytest.mark.parametrize("roles", [POWER_ROLES, COUNTER_ROLES], ids=["powers", "counters"])
def test_a_day_matches_the_ground_truth(roles: set[Role]) -> None:
    live, plant = _follow(roles, 24)
    truth = plant.heat_pumps[0].truth
    totals = live.totals
    assert totals.heat_kwh == pytest.approx(truth.heat_kwh, rel=0.01)
    assert totals.elec_unit_kwh == pytest.approx(truth.elec_unit_kwh, rel=0.01)
    assert totals.pumps_kwh == pytest.approx(truth.elec_pump_kwh, rel=0.01)
    assert totals.defrost_heat_kwh == pytest.approx(truth.defrost_heat_kwh, rel=0.1)
    # defrost detected from T_flow < T_return alone (no controller flag bound)
    assert abs(totals.defrost_count - truth.defrost_count) <= 1
    assert totals.defrost_s == pytest.approx(truth.defrost_s, rel=0.1)
    assert live.spf()["system"] == pytest.approx(
        truth.heat_kwh / (truth.elec_unit_kwh + truth.elec_pump_kwh + truth.elec_backup_kwh), rel=0.015
    )
    assert live.daily_cop == pytest.approx(totals.heat_kwh / totals.elec_unit_kwh)


def test_cop_is_unknown_when_not_running_never_zero() -> None:
    live = LiveHeatPump()
    live.update(0.0, {Role.HEAT_POWER: Measurement(0.0, 0.0), Role.ELEC_POWER: Measurement(15.0, 0.0)})
    assert live.cop is None and not live.running
    live.update(30.0, {Role.HEAT_POWER: Measurement(6000.0, 30.0), Role.ELEC_POWER: Measurement(2000.0, 30.0)})
    assert live.cop == 3.0 and live.running


def test_a_meter_reset_never_takes_a_total_back() -> None:
    def reset_at_noon(plant: Plant, t: float) -> None:
        if t == 12 * 3600:
            plant.heat_pumps[0].state.meter_elec_unit_kwh = 0.0
            plant.heat_pumps[0].state.meter_heat_kwh = 0.0

    live, plant = _follow(COUNTER_ROLES, 24, hook=reset_at_noon)
    truth = plant.heat_pumps[0].truth
    assert live.totals.elec_unit_kwh == pytest.approx(truth.elec_unit_kwh, rel=0.01)
    assert live.totals.heat_kwh == pytest.approx(truth.heat_kwh, rel=0.01)


def test_an_unavailable_source_leaves_totals_alone() -> None:
    live = LiveHeatPump()
    roles = {Role.HEAT_POWER: Measurement(6000.0, 0.0), Role.ELEC_POWER: Measurement(2000.0, 0.0)}
    live.update(0.0, roles)
    live.update(60.0, roles)
    heat = live.totals.heat_kwh
    assert heat == pytest.approx(0.1)
    live.update(120.0, {Role.HEAT_POWER: Measurement(6000.0, 120.0)})  # electricity meter unavailable
    live.update(180.0, {})
    assert live.totals.heat_kwh == heat and live.totals.elec_unit_kwh == pytest.approx(2000 / 60 / 1000)
    assert live.heat_power_w is None and live.cop is None


def test_readings_taken_too_far_apart_give_no_heat_power() -> None:
    live = LiveHeatPump()
    live.update(100.0, {Role.FLOW_TEMP: Measurement(40.0, 100.0), Role.RETURN_TEMP: Measurement(35.0, 100.0),
                        Role.FLOW_RATE: Measurement(1.2, 80.0)})  # fmt: skip
    assert live.heat_power_w is None
    assert live.problem == "flow_temp_c: taken 20.0 s after flow_m3h (at most 5 s apart)"


def test_restart_restores_totals_and_counts_what_the_meters_saw_meanwhile() -> None:
    live = LiveHeatPump()
    for t, heat, elec in ((0.0, 100.0, 40.0), (60.0, 100.1, 40.03)):
        live.update(t, {Role.HEAT_ENERGY: Measurement(heat, t), Role.ELEC_ENERGY: Measurement(elec, t)})
    saved = live.export()
    restarted = LiveHeatPump()
    restarted.restore(saved)
    assert restarted.totals.heat_kwh == pytest.approx(0.1)
    # an hour later (far beyond the gap limit) the counters have moved on: that energy is counted
    restarted.update(
        3660.0, {Role.HEAT_ENERGY: Measurement(106.1, 3660.0), Role.ELEC_ENERGY: Measurement(42.03, 3660.0)}
    )
    assert restarted.totals.heat_kwh == pytest.approx(6.1)
    assert restarted.totals.elec_running_kwh == pytest.approx(2.03)  # 2 kW mean: running


def test_restore_ignores_damaged_values() -> None:
    live = LiveHeatPump()
    live.restore({"totals": {"heat_kwh": -5, "elec_running_kwh": float("nan"), "pumps_kwh": 3.0}, "counters": "x"})
    assert live.totals.heat_kwh == 0.0 and live.totals.elec_running_kwh == 0.0 and live.totals.pumps_kwh == 3.0
