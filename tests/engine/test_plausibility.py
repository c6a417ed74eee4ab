"""The plausibility guard: a COP beyond physics, as one phase of a three-phase meter gives, is flagged per hour."""

from __future__ import annotations

from custom_components.ashp_cop.engine.live import LiveHeatPump, LiveSettings, Measurement, Role, Snapshot
from custom_components.ashp_cop.engine.plausibility import PlausibilityGuard
from tools.simulator.plant import Plant

POLL_S = 30.0
ROLES = (Role.FLOW_TEMP, Role.RETURN_TEMP, Role.FLOW_RATE, Role.ELEC_POWER, Role.OUTDOOR_TEMP)


def _follow(live: LiveHeatPump, plant: Plant, start_s: float, hours: float, elec_share: float) -> float:
    """Poll the plant for ``hours``; the electricity role reads ``elec_share`` of the unit's true power."""
    t = start_s
    while t < start_s + hours * 3600:
        t += POLL_S
        plant.advance_to(t)
        s = plant.heat_pumps[0].state
        values = {Role.FLOW_TEMP: s.flow_c, Role.RETURN_TEMP: s.return_c, Role.FLOW_RATE: s.flow_m3h,
                  Role.ELEC_POWER: s.elec_unit_w * elec_share, Role.OUTDOOR_TEMP: s.outdoor_c}  # fmt: skip
        snapshot: Snapshot = {role: Measurement(values[role], t) for role in ROLES}
        live.update(t, snapshot)
    return t


def test_one_phase_of_three_is_flagged_hour_by_hour_and_clears_when_plausible() -> None:
    """On 061fd2c a unit bound to one phase's power showed COP 11 and 145 % of Carnot for hours, unflagged."""
    plant = Plant(1, seed=1, mean_outdoor_c=2.0)
    live = LiveHeatPump(LiveSettings())
    t = _follow(live, plant, 0.0, 3, elec_share=1.0)  # the whole meter: plausible
    guard = live.plausibility
    assert not guard.active and guard.flagged == []
    honest = live.totals.net_heat_kwh / live.totals.elec_running_kwh
    assert 2.0 < honest < 5.0

    t = _follow(live, plant, t, 4, elec_share=1 / 3)  # one phase of three
    assert guard.active
    assert len(guard.flagged) >= 3  # every hour that ran long enough
    for hour in guard.flagged:
        assert hour.start_s % 3600 == 0 and hour.start_s >= 3 * 3600
        assert hour.cop > 10 or (hour.practical_efficiency is not None and hour.practical_efficiency > 1.0)
        assert set(hour.reasons) <= {"above_carnot", "cop_above_10"} and hour.reasons
    assert max(h.practical_efficiency or 0.0 for h in guard.flagged) > 1.0  # beyond the ideal machine

    saved = live.export()
    again = LiveHeatPump(LiveSettings())
    again.restore(saved)  # a restart keeps the alert and its hours
    assert again.plausibility.active and again.plausibility.flagged == guard.flagged

    _follow(live, plant, t, 2, elec_share=1.0)  # the meter bound again: the first judged hour clears it
    assert not guard.active
    assert len(guard.flagged) >= 3  # the flagged hours stay for the diagnostics


def test_hours_with_little_running_are_not_judged() -> None:
    guard = PlausibilityGuard()
    guard.run(100.0, 600.0)  # 10 minutes of running with an absurd COP
    guard.add(100.0, heat_kwh=2.0, elec_kwh=0.1, carnot_heat_kwh=2.0, heat_efficiency_kwh=4.0)
    guard.run(3700.0, 0.0)  # the next hour closes it
    assert not guard.active and guard.flagged == []
    guard.run(3800.0, 3000.0)
    guard.add(3800.0, heat_kwh=6.0, elec_kwh=0.5, carnot_heat_kwh=6.0, heat_efficiency_kwh=4.8)  # COP 12, 80 %
    guard.run(7300.0, 0.0)
    assert guard.active and [(h.start_s, h.reasons) for h in guard.flagged] == [(3600.0, ("cop_above_10",))]
