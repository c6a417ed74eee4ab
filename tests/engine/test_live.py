"""The live heat-pump model against the simulated plant's ground truth."""

from __future__ import annotations

import itertools
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
    assert totals.net_heat_kwh == pytest.approx(truth.heat_kwh, rel=0.01)
    assert totals.heat_kwh == pytest.approx(truth.heat_kwh + truth.defrost_heat_kwh, rel=0.01)
    assert totals.elec_unit_kwh == pytest.approx(truth.elec_unit_kwh, rel=0.01)
    assert totals.pumps_kwh == pytest.approx(truth.elec_pump_kwh, rel=0.01)
    assert totals.defrost_heat_kwh == pytest.approx(truth.defrost_heat_kwh, rel=0.1)
    # defrost detected from T_flow < T_return alone (no controller flag bound)
    assert abs(totals.defrost_count - truth.defrost_count) <= 1
    assert totals.defrost_s == pytest.approx(truth.defrost_s, rel=0.1)
    assert live.spf()["system"] == pytest.approx(
        truth.heat_kwh / (truth.elec_unit_kwh + truth.elec_pump_kwh + truth.elec_backup_kwh), rel=0.015
    )
    assert live.daily_cop == pytest.approx(totals.net_heat_kwh / totals.elec_unit_kwh)


def test_the_spf_follows_every_change_of_the_totals_it_is_made_of() -> None:
    """spf() is worked out once per change of the totals (three sensors read it each poll), never kept stale."""
    live = LiveHeatPump()
    assert live.spf() == {"unit": None, "unit_backup": None, "system": None}
    t = 0.0
    for _ in range(10):
        live.update(t, {Role.HEAT_POWER: Measurement(6000.0, t), Role.ELEC_POWER: Measurement(2000.0, t),
                        Role.PUMP_POWER: Measurement(100.0, t)})  # fmt: skip
        assert live.spf() == live.totals.balance(True).spf_boundaries()
        t += 30.0
    assert live.spf()["unit"] == pytest.approx(3.0)
    live.adopt_shown({"pumps_kwh": live.totals.pumps_kwh + 1.0})  # a total raised outside a poll
    assert live.spf() == live.totals.balance(True).spf_boundaries()
    assert live.spf()["system"] == pytest.approx(live.totals.net_heat_kwh / (live.totals.elec_unit_kwh
                                                                              + live.totals.pumps_kwh))  # fmt: skip


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
    assert live.totals.net_heat_kwh == pytest.approx(truth.heat_kwh, rel=0.01)


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


def _silence(role_set: set[Role], silent: set[Role], start_h: float, end_h: float) -> Callable[..., Snapshot]:
    """A snapshot maker whose ``silent`` roles say nothing between start_h and end_h."""

    def snapshot(hp: HeatPump, t: float) -> Snapshot:
        roles = role_set - silent if start_h * 3600 < t <= end_h * 3600 else role_set
        return _snapshot(hp, t, roles)

    return snapshot


def _run_with(
    make: Callable[[HeatPump, float], Snapshot], hours: float, roles: set[Role], *, reset_elec_at_h: float | None = None
) -> tuple[LiveHeatPump, Plant]:
    """Follow the plant for ``hours``; the unit's electricity meter restarts from 0 at ``reset_elec_at_h``."""
    plant = Plant(1, seed=3, mean_outdoor_c=1.0)
    live = LiveHeatPump(LiveSettings(bound=frozenset(roles)))
    t = 0.0
    while t < hours * 3600:
        t += POLL_S
        plant.advance_to(t)
        if reset_elec_at_h is not None and t == reset_elec_at_h * 3600:
            plant.heat_pumps[0].state.meter_elec_unit_kwh = 0.0
        live.update(t, make(plant.heat_pumps[0], t))
    return live, plant


@pytest.mark.parametrize(
    ("roles", "silent"),
    [
        (COUNTER_ROLES, {Role.ELEC_ENERGY}),
        (COUNTER_ROLES, {Role.HEAT_ENERGY, Role.FLOW_TEMP, Role.RETURN_TEMP, Role.FLOW_RATE}),
        (POWER_ROLES, {Role.ELEC_POWER}),
        (POWER_ROLES, {Role.FLOW_RATE}),
    ],
    ids=["elec-counter", "heat-meter", "elec-power", "flow-meter"],
)
def test_one_meter_silent_for_an_hour_of_three_leaves_the_period_cop_true(roles: set[Role], silent: set[Role]) -> None:
    # the case: period COP 4.98 or 2.20 against a true 3.36 when one side's catch-up was unpaired
    live, plant = _run_with(_silence(roles, silent, 1.0, 2.0), 3.0, roles)
    truth = plant.heat_pumps[0].truth
    true_cop = truth.heat_kwh / truth.elec_unit_kwh
    measured = live.totals.net_heat_kwh / live.totals.elec_unit_kwh
    assert measured == pytest.approx(true_cop, rel=0.02)
    if roles is COUNTER_ROLES:
        # counters catch up on both sides: nothing of the silent hour is lost
        assert live.totals.elec_unit_kwh == pytest.approx(truth.elec_unit_kwh, rel=0.005)
        assert live.totals.heat_kwh == pytest.approx(truth.heat_kwh + truth.defrost_heat_kwh, rel=0.005)


def test_delivered_heat_and_heat_drawn_back_never_decrease_through_defrosts() -> None:
    plant = Plant(1, seed=1, mean_outdoor_c=1.0)
    live = LiveHeatPump(LiveSettings(bound=frozenset(POWER_ROLES)))
    seen: list[tuple[float, float]] = []
    t = 0.0
    while t < 24 * 3600:
        t += POLL_S
        plant.advance_to(t)
        live.update(t, _snapshot(plant.heat_pumps[0], t, POWER_ROLES))
        seen.append((live.totals.heat_kwh, live.totals.defrost_heat_kwh))
    assert plant.heat_pumps[0].truth.defrost_count > 10
    assert all(b[0] >= a[0] and b[1] >= a[1] for a, b in itertools.pairwise(seen))
    assert live.totals.defrost_heat_kwh > 0.5


@pytest.mark.parametrize("absurd", [1e308, -1e308, 5e8])
def test_an_absurd_power_reading_never_reaches_a_total(absurd: float) -> None:
    live = LiveHeatPump(LiveSettings(bound=frozenset({Role.HEAT_POWER, Role.ELEC_POWER})))
    for t in range(0, 600, 10):
        heat = absurd if t == 300 else 6000.0
        live.update(float(t), {Role.HEAT_POWER: Measurement(heat, t), Role.ELEC_POWER: Measurement(2000.0, t)})
    assert live.totals.heat_kwh == pytest.approx(6.0 * 590 / 3600, rel=1e-9)
    assert all(v == v and abs(v) < 1e6 for v in live.export()["totals"].values())  # type: ignore[union-attr]


def test_a_counter_glitch_through_the_live_model_changes_no_total() -> None:
    roles = frozenset({Role.HEAT_ENERGY, Role.ELEC_ENERGY})
    live = LiveHeatPump(LiveSettings(bound=roles))
    heat, elec = 1000.0, 400.0
    for i in range(60):
        t = 60.0 * i
        shown_heat = {20: heat - 0.101, 30: 0.0, 40: 5e8}.get(i, heat)  # a dip of 0.001 kWh, 0, a spike
        live.update(t, {Role.HEAT_ENERGY: Measurement(shown_heat, t), Role.ELEC_ENERGY: Measurement(elec, t)})
        heat, elec = round(heat + 0.1, 3), round(elec + 0.03, 3)
    assert live.totals.heat_kwh == pytest.approx(5.9, abs=1e-6)
    assert live.totals.elec_unit_kwh == pytest.approx(1.77, abs=1e-6)
    assert [event.kind for _, event in live.take_counter_events()] == ["glitch_ignored", "glitch_ignored"]
    assert live.take_counter_events() == []  # each event is handed over once


def test_a_kill_never_brings_a_total_back_and_never_counts_twice() -> None:
    roles = frozenset({Role.HEAT_ENERGY, Role.ELEC_ENERGY})

    def reading(t: float) -> Snapshot:
        return {
            Role.HEAT_ENERGY: Measurement(1000.0 + t / 600.0, t),
            Role.ELEC_ENERGY: Measurement(400.0 + t / 2000.0, t),
        }

    live = LiveHeatPump(LiveSettings(bound=roles))
    for t in range(0, 3601, 10):
        live.update(float(t), reading(float(t)))
        if t == 3000:
            saved = live.export()  # the last save before the kill
    shown_heat, shown_running = live.totals.heat_kwh, live.totals.elec_running_kwh
    assert shown_heat == pytest.approx(6.0)

    restarted = LiveHeatPump(LiveSettings(bound=roles))
    restarted.restore(saved)
    assert restarted.totals.heat_kwh == pytest.approx(5.0)  # the saved value lags what was shown
    raised = restarted.adopt_shown({"heat_kwh": shown_heat, "elec_running_kwh": shown_running})
    assert raised["heat_kwh"] == pytest.approx(1.0)
    assert restarted.totals.heat_kwh == shown_heat  # never lower than shown
    for t in range(4800, 7201, 10):  # back 20 minutes later
        restarted.update(float(t), reading(float(t)))
    assert restarted.totals.heat_kwh == pytest.approx(12.0)  # 1000 -> 1012 kWh, each kWh once
    assert restarted.totals.elec_unit_kwh == pytest.approx(3.6)


def test_a_kill_with_powers_keeps_what_was_shown_and_loses_only_the_downtime() -> None:
    roles = frozenset({Role.HEAT_POWER, Role.ELEC_POWER})
    live = LiveHeatPump(LiveSettings(bound=roles))
    power = {Role.HEAT_POWER: 6000.0, Role.ELEC_POWER: 2000.0}
    for t in range(0, 3601, 10):
        live.update(float(t), {role: Measurement(value, t) for role, value in power.items()})
        if t == 3000:
            saved = live.export()
    restarted = LiveHeatPump(LiveSettings(bound=roles))
    restarted.restore(saved)
    restarted.adopt_shown({"heat_kwh": live.totals.heat_kwh})
    for t in range(4800, 7201, 10):
        restarted.update(float(t), {role: Measurement(value, t) for role, value in power.items()})
    # shown 6 kWh before the kill, 4 kWh in the 40 minutes after the restart; the downtime is lost
    assert restarted.totals.heat_kwh == pytest.approx(10.0)


def test_totals_saved_by_the_first_format_come_back_with_delivered_heat() -> None:
    live = LiveHeatPump()
    live.restore({"totals": {"heat_kwh": 90.0, "defrost_heat_kwh": 4.0, "elec_running_kwh": 30.0},
                  "counters": {"heat_energy_kwh": 1234.5}, "time_s": 100.0})  # fmt: skip
    assert live.totals.heat_kwh == 94.0 and live.totals.net_heat_kwh == 90.0
    assert live.counters[Role.HEAT_ENERGY].last_value == 1234.5


def test_a_confirmed_reset_costs_one_poll_not_the_confirmation() -> None:
    roles = frozenset({Role.HEAT_ENERGY, Role.ELEC_ENERGY})

    def reset_elec_at_three_hours(plant: Plant, t: float) -> None:
        if t == 3 * 3600:
            plant.heat_pumps[0].state.meter_elec_unit_kwh = 0.0

    live, plant = _follow(set(roles), 6, hook=reset_elec_at_three_hours)
    truth = plant.heat_pumps[0].truth
    # left out: the first poll (a baseline) and the poll across the reset; before, also the five minutes of
    # its confirmation (0.36 kWh of electricity at this unit's 4.3 kW)
    elec_w, heat_w = 4500.0, 13000.0  # above what the simulated unit draws and delivers here
    assert -1e-6 <= truth.elec_unit_kwh - live.totals.elec_unit_kwh <= 2 * elec_w * POLL_S / 3.6e6
    assert -1e-6 <= truth.heat_kwh + truth.defrost_heat_kwh - live.totals.heat_kwh <= 2 * heat_w * POLL_S / 3.6e6
    assert [event.kind for _, event in live.take_counter_events()] == ["reset"]


def test_a_reset_while_another_meter_is_silent_loses_at_most_one_poll_not_the_span() -> None:
    # seen in the 7-day soak: the heat meter silent 100 minutes, the electricity meter reset inside that
    # spell; no poll split the span at the reset, so the whole span was dropped on both sides (-1.3 %)
    roles = {Role.HEAT_ENERGY, Role.ELEC_ENERGY}
    live, plant = _run_with(_silence(roles, {Role.HEAT_ENERGY}, 1.0, 2.5), 4.0, roles, reset_elec_at_h=1.5)
    truth = plant.heat_pumps[0].truth
    elec_w, heat_w = 4500.0, 13000.0  # above what the simulated unit draws and delivers here
    # the first poll is a baseline on both sides; electricity also lacks the part of the poll before the reset
    assert -1e-6 <= truth.elec_unit_kwh - live.totals.elec_unit_kwh <= 2 * elec_w * POLL_S / 3.6e6
    assert -1e-6 <= truth.heat_kwh + truth.defrost_heat_kwh - live.totals.heat_kwh <= heat_w * POLL_S / 3.6e6
    assert [event.kind for _, event in live.take_counter_events()] == ["reset"]


def test_a_reset_found_only_after_a_long_silence_of_its_own_meter_drops_the_span() -> None:
    # the meter was silent, then read from a new series: what it counted before the reset is unknown for
    # the whole silence, so the span is left out on both sides rather than counted low
    roles = {Role.HEAT_ENERGY, Role.ELEC_ENERGY}
    live, plant = _run_with(_silence(roles, {Role.ELEC_ENERGY}, 1.0, 2.0), 3.0, roles, reset_elec_at_h=1.5)
    truth = plant.heat_pumps[0].truth
    true_cop = (truth.heat_kwh + truth.defrost_heat_kwh) / truth.elec_unit_kwh
    assert live.totals.heat_kwh / live.totals.elec_unit_kwh == pytest.approx(true_cop, rel=0.01)
    assert live.totals.elec_unit_kwh < 0.75 * truth.elec_unit_kwh  # the silent hour is not counted


DEFROST_ROLES = frozenset({Role.HEAT_POWER, Role.ELEC_POWER, Role.DEFROST})


def _defrosting(t: float) -> Snapshot:
    """6 kW of heat, a defrost from 600 s to 900 s drawing 3 kW back (the controller's flag says so)."""
    defrost = 600.0 <= t < 900.0
    return {Role.HEAT_POWER: Measurement(-3000.0 if defrost else 6000.0, t),
            Role.ELEC_POWER: Measurement(2000.0, t), Role.DEFROST: Measurement(float(defrost), t)}  # fmt: skip


def _restarted(saved: dict[str, object], shown: dict[str, float] | None = None) -> LiveHeatPump:
    live = LiveHeatPump(LiveSettings(bound=DEFROST_ROLES))
    live.restore(saved)
    live.adopt_shown(shown or {})
    return live


@pytest.mark.parametrize("restarts", [(700,), (650, 800)], ids=["one restart", "two restarts"])
def test_a_restart_during_a_defrost_neither_counts_it_again_nor_loses_its_heat(restarts: tuple[int, ...]) -> None:
    live = LiveHeatPump(LiveSettings(bound=DEFROST_ROLES))
    for t in range(0, 1201, 10):
        if t in restarts:  # stopped cleanly (saved on the way down) one poll earlier, started again now
            live = _restarted(live.export())
        live.update(float(t), _defrosting(float(t)))
    assert live.totals.defrost_count == 1
    # 3 kW drawn back for 300 s (the flag's polls) = 0.25 kWh, less the 10 s poll each restart could not integrate
    assert live.totals.defrost_heat_kwh == pytest.approx(0.25 - len(restarts) * 3 * 10 / 3600, abs=1e-9)
    assert live.totals.defrost_s == pytest.approx(300.0 - len(restarts) * 10)


def test_a_kill_after_a_defrost_began_neither_loses_nor_repeats_it() -> None:
    live = LiveHeatPump(LiveSettings(bound=DEFROST_ROLES))
    for t in range(0, 701, 10):
        live.update(float(t), _defrosting(float(t)))
        if t == 590:
            saved = live.export()  # the last save, just before the defrost began
    assert live.totals.defrost_count == 1
    restarted = _restarted(saved, {"defrost_count": 1.0})  # the recorder showed the defrost
    for t in range(730, 1201, 10):
        restarted.update(float(t), _defrosting(float(t)))
    assert restarted.totals.defrost_count == 1


def test_a_defrost_told_by_the_temperatures_goes_on_across_a_restart() -> None:
    """Without a flag, inside the hysteresis band (-0.5 K < dT <= 0 K) a defrost only goes on: after a restart too."""
    roles = frozenset({Role.FLOW_TEMP, Role.RETURN_TEMP, Role.FLOW_RATE, Role.ELEC_POWER})

    def reading(t: float) -> Snapshot:
        delta_k = 5.0 if t < 600 or t >= 900 else (-3.0 if t < 700 else -0.3)
        return {Role.FLOW_TEMP: Measurement(35.0 + delta_k, t), Role.RETURN_TEMP: Measurement(35.0, t),
                Role.FLOW_RATE: Measurement(1.0, t), Role.ELEC_POWER: Measurement(2000.0, t)}  # fmt: skip

    def follow(restart_at: float | None) -> LiveHeatPump:
        live = LiveHeatPump(LiveSettings(bound=roles))
        for t in range(0, 1201, 10):
            if t == restart_at:
                restarted = LiveHeatPump(LiveSettings(bound=roles))
                restarted.restore(live.export())
                live = restarted
            live.update(float(t), reading(float(t)))
        return live

    steady, restarted = follow(None), follow(750)
    assert steady.totals.defrost_count == restarted.totals.defrost_count == 1
    # the -0.3 K polls after the restart are still the defrost's heat drawn back, not idle noise
    drawn_in_one_poll_kwh = 0.3 * 1.0 * 4180 * 993 / 3600 * 10 / 3.6e6
    assert restarted.totals.defrost_heat_kwh == pytest.approx(
        steady.totals.defrost_heat_kwh, abs=2 * drawn_in_one_poll_kwh
    )
    assert restarted.heat_debt_kwh == 0.0
