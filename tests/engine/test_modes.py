"""Operating modes: per-mode accounts in the live model, against the simulated plant's truth per mode."""

from __future__ import annotations

import pytest

from custom_components.ashp_cop.engine.errors import EngineInputError
from custom_components.ashp_cop.engine.live import LiveHeatPump, LiveSettings, Measurement, Role, Snapshot
from custom_components.ashp_cop.engine.modes import (
    UNCHANGED,
    Mode,
    default_mapping,
    mode_code,
    modes_of,
    parse_mapping,
    unmapped,
)
from tools.simulator.plant import HeatPump, Plant

POLL_S = 30.0
CONTROLLER_STATES = {0: "off", 1: "heating", 2: "hot_water", 3: "defrost", 4: "cooling"}
MAPPING = default_mapping(CONTROLLER_STATES.values())
COUNTERS = {Role.FLOW_TEMP, Role.RETURN_TEMP, Role.FLOW_RATE, Role.HEAT_ENERGY, Role.HEAT_POWER, Role.ELEC_ENERGY,
            Role.BACKUP_ENERGY, Role.PUMP_ENERGY, Role.DEFROST, Role.OPERATING_MODE}  # fmt: skip
POWERS = {Role.HEAT_POWER, Role.ELEC_POWER, Role.BACKUP_POWER, Role.PUMP_POWER, Role.DEFROST, Role.OPERATING_MODE}


def _snapshot(hp: HeatPump, t: float, roles: set[Role]) -> Snapshot:
    s = hp.state
    values = {
        Role.FLOW_TEMP: s.flow_c, Role.RETURN_TEMP: s.return_c, Role.FLOW_RATE: s.flow_m3h, Role.HEAT_POWER: s.heat_w,
        Role.HEAT_ENERGY: s.meter_heat_kwh, Role.ELEC_POWER: s.elec_unit_w, Role.ELEC_ENERGY: s.meter_elec_unit_kwh,
        Role.BACKUP_POWER: s.elec_backup_w, Role.BACKUP_ENERGY: s.meter_elec_backup_kwh, Role.PUMP_POWER: s.elec_pump_w,
        Role.PUMP_ENERGY: s.meter_elec_pump_kwh, Role.DEFROST: float(s.defrosting),
        Role.OPERATING_MODE: mode_code(MAPPING[CONTROLLER_STATES[s.mode]]),
    }  # fmt: skip
    return {role: Measurement(values[role], t) for role in roles}


def _follow(
    roles: set[Role], hours: float, *, mean_c: float = 1.0, cooling: bool = False
) -> tuple[LiveHeatPump, Plant]:
    plant = Plant(1, seed=1, mean_outdoor_c=mean_c, hot_water=True, cooling=cooling)
    live = LiveHeatPump(LiveSettings(bound=frozenset(roles)))
    t = 0.0
    while t < hours * 3600:
        t += POLL_S
        plant.advance_to(t)
        live.update(t, _snapshot(plant.heat_pumps[0], t, roles))
    return live, plant


@pytest.mark.parametrize("roles", [COUNTERS, POWERS], ids=["counters", "powers"])
def test_two_days_with_hot_water_match_the_truth_per_mode(roles: set[Role]) -> None:
    live, plant = _follow(roles, 48)
    truth = plant.heat_pumps[0].truth
    sh, hw = live.modes.totals[Mode.SPACE_HEATING], live.modes.totals[Mode.HOT_WATER]
    assert truth.dhw_heat_kwh > 5.0
    assert hw.net_heat_kwh == pytest.approx(truth.dhw_heat_kwh, rel=0.01)
    assert hw.elec_kwh == pytest.approx(truth.dhw_elec_kwh, rel=0.01)
    assert hw.elec_unit_kwh == pytest.approx(truth.dhw_elec_unit_kwh, rel=0.01)
    assert sh.net_heat_kwh == pytest.approx(truth.sh_heat_kwh, rel=0.01)
    assert sh.elec_kwh == pytest.approx(truth.sh_elec_kwh, rel=0.01)
    # a defrost is charged to the mode it interrupted
    assert hw.defrost_heat_kwh == pytest.approx(truth.dhw_defrost_heat_kwh, rel=0.1, abs=0.05)
    assert sh.defrost_heat_kwh == pytest.approx(truth.sh_defrost_heat_kwh, rel=0.1)
    # the modes add up to the combined totals
    total = live.totals
    modes = live.modes.totals.values()
    assert sum(m.heat_kwh for m in modes) == pytest.approx(total.heat_kwh, rel=1e-9)
    assert sum(m.defrost_heat_kwh for m in modes) == pytest.approx(total.defrost_heat_kwh, rel=1e-9)
    assert sum(m.elec_unit_kwh for m in modes) == pytest.approx(total.elec_unit_kwh, rel=1e-9)
    # hot water runs at 50-55 C flow: its COP is below space heating's
    assert 1.5 < live.modes.daily_cop(Mode.HOT_WATER) < live.modes.daily_cop(Mode.SPACE_HEATING)  # type: ignore[operator]


def test_cooling_counts_the_heat_removed_and_its_eer() -> None:
    live, plant = _follow(POWERS, 24, mean_c=26.0, cooling=True)
    truth = plant.heat_pumps[0].truth
    cooling = live.modes.totals[Mode.COOLING]
    assert truth.cool_heat_kwh > 10
    assert cooling.cooling_kwh == pytest.approx(truth.cool_heat_kwh, rel=0.01)
    assert cooling.elec_kwh == pytest.approx(truth.cool_elec_kwh, rel=0.01)
    assert cooling.heat_kwh == 0 and cooling.defrost_heat_kwh == 0  # returning colder water is no defrost
    assert live.totals.defrost_count == 0
    eer = live.modes.daily_cop(Mode.COOLING)
    assert eer == pytest.approx(truth.cool_heat_kwh / truth.cool_elec_unit_kwh, rel=0.01)
    # the heat removed is not a debt the next heating would pay off
    assert live.heat_debt_kwh == 0
    # while cooling there is no (negative) COP, but an EER: the next poll at which the unit cools
    t = plant.time_s
    limit = t + 86400
    state = plant.heat_pumps[0].state
    while state.heat_w >= 0 and t < limit:
        t += POLL_S
        plant.advance_to(t)
        live.update(t, _snapshot(plant.heat_pumps[0], t, POWERS))
    assert state.heat_w < 0 and live.cop is None
    assert live.eer == pytest.approx(-state.heat_w / state.elec_unit_w, rel=0.01)


def _poll(live: LiveHeatPump, t: float, heat_w: float, elec_w: float, mode: str | None) -> None:
    snapshot = {Role.HEAT_POWER: Measurement(heat_w, t), Role.ELEC_POWER: Measurement(elec_w, t)}
    if mode is not None:
        snapshot[Role.OPERATING_MODE] = Measurement(mode_code(mode), t)
    live.update(t, snapshot)


def test_an_interval_in_which_the_mode_changed_is_shared_by_its_ends() -> None:
    live = LiveHeatPump(
        LiveSettings(max_gap_s=7200.0, bound=frozenset({Role.HEAT_POWER, Role.ELEC_POWER, Role.OPERATING_MODE}))
    )
    _poll(live, 0.0, 4000.0, 1000.0, "space_heating")
    _poll(live, 3600.0, 4000.0, 1000.0, "space_heating")  # 4 kWh of heat, 1 kWh electricity
    _poll(live, 7200.0, 8000.0, 4000.0, "hot_water")  # the mode changed somewhere in this hour
    _poll(live, 10800.0, 8000.0, 4000.0, UNCHANGED)  # a defrost-like state: hot water goes on
    sh, hw = live.modes.totals[Mode.SPACE_HEATING], live.modes.totals[Mode.HOT_WATER]
    # each end's reading stands for half the interval: 2 kWh at 4 kW to heating, 4 kWh at 8 kW to hot water
    assert sh.heat_kwh == pytest.approx(4.0 + 2.0)
    assert hw.heat_kwh == pytest.approx(4.0 + 8.0)
    assert sh.elec_running_kwh == pytest.approx(1.0 + 0.5)
    assert hw.elec_running_kwh == pytest.approx(2.0 + 4.0)
    assert sh.heat_kwh + hw.heat_kwh == pytest.approx(live.totals.heat_kwh)
    assert live.modes.rolling_cop(Mode.HOT_WATER) == pytest.approx(2.0)


def test_a_counter_catch_up_is_shared_between_the_modes_around_it() -> None:
    bound = frozenset({Role.HEAT_ENERGY, Role.ELEC_ENERGY, Role.OPERATING_MODE})
    live = LiveHeatPump(LiveSettings(bound=bound))

    def poll(t: float, heat: float | None, elec: float | None, mode: str) -> None:
        snapshot = {Role.OPERATING_MODE: Measurement(mode_code(mode), t)}
        if heat is not None and elec is not None:
            snapshot |= {Role.HEAT_ENERGY: Measurement(heat, t), Role.ELEC_ENERGY: Measurement(elec, t)}
        live.update(t, snapshot)

    poll(0.0, 100.0, 50.0, "space_heating")
    poll(30.0, 100.1, 50.03, "space_heating")
    poll(60.0, None, None, "hot_water")  # the meters are silent while the mode changes
    poll(90.0, 100.3, 50.13, "hot_water")  # the catch-up covers 30 s to 90 s
    sh, hw = live.modes.totals[Mode.SPACE_HEATING], live.modes.totals[Mode.HOT_WATER]
    # one interval: the modes of the poll before it arrived (60 s) and of its arrival, both hot water
    assert sh.heat_kwh == pytest.approx(0.1)
    assert hw.heat_kwh == pytest.approx(0.2)
    assert sh.heat_kwh + hw.heat_kwh == pytest.approx(live.totals.heat_kwh)


def test_without_a_mode_everything_is_space_heating() -> None:
    live = LiveHeatPump(LiveSettings(bound=frozenset({Role.HEAT_POWER, Role.ELEC_POWER})))
    for i in range(5):
        _poll(live, 30.0 * i, 5000.0, 1500.0, None)
    assert live.modes.totals[Mode.SPACE_HEATING].heat_kwh == pytest.approx(live.totals.heat_kwh)
    assert live.modes.totals[Mode.SPACE_HEATING].elec_unit_kwh == pytest.approx(live.totals.elec_unit_kwh)
    assert live.modes.totals[Mode.HOT_WATER].heat_kwh == 0


def test_mode_totals_survive_a_restart_and_are_never_restored_lower_than_shown() -> None:
    live = LiveHeatPump(
        LiveSettings(max_gap_s=7200.0, bound=frozenset({Role.HEAT_POWER, Role.ELEC_POWER, Role.OPERATING_MODE}))
    )
    _poll(live, 0.0, 8000.0, 3000.0, "hot_water")
    _poll(live, 3600.0, 8000.0, 3000.0, "hot_water")
    saved = live.export()
    again = LiveHeatPump(live.settings)
    again.restore(saved)
    assert again.modes.totals[Mode.HOT_WATER].heat_kwh == pytest.approx(8.0)
    assert again.modes.mode is Mode.HOT_WATER  # the next interval starts in the mode that was running
    raised = again.adopt_shown({"hot_water/heat_kwh": 9.5, "hot_water/elec_running_kwh": 1.0, "bogus/heat_kwh": 5})
    assert raised == {"hot_water/heat_kwh": pytest.approx(1.5)}
    assert again.modes.totals[Mode.HOT_WATER].heat_kwh == 9.5
    # an export from before modes were counted restores with every mode at 0, the combined totals kept
    old = {k: v for k, v in saved.items() if k != "modes"}
    older = LiveHeatPump(live.settings)
    older.restore(old)
    assert older.totals.heat_kwh == pytest.approx(8.0)
    assert older.modes.totals[Mode.HOT_WATER].heat_kwh == 0


def test_mappings_are_parsed_and_checked() -> None:
    assert default_mapping(["Heating", "DHW", "Standby", "eco"]) == {
        "Heating": "space_heating", "DHW": "hot_water", "Standby": "off",
    }  # fmt: skip
    assert default_mapping(["on", "off"], binary=True) == {"on": "hot_water", "off": "space_heating"}
    assert parse_mapping("heat: space_heating\ndhw=hot_water, defrost: unchanged") == {
        "heat": "space_heating", "dhw": "hot_water", "defrost": "unchanged",
    }  # fmt: skip
    with pytest.raises(EngineInputError, match="line 2: 'warm' is not a mode"):
        parse_mapping("heat: space_heating\neco: warm")
    with pytest.raises(EngineInputError, match="line 1: 'eco' must look like STATE: MODE"):
        parse_mapping("eco")
    assert unmapped(["heat", "eco"], {"heat": "space_heating"}) == ["eco"]
    assert modes_of({"a": "space_heating", "b": "cooling", "c": "unchanged"}) == (Mode.SPACE_HEATING, Mode.COOLING)
    assert modes_of({}) == ()
