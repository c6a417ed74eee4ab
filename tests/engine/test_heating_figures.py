"""What the heating figures of a reversible unit cover, live and in analyze (issue 16, items 5, 6 and 8).

Heating figures (heat, COP, rolling COP, SPF) are of every mode but cooling; cooling has its own EER.
Defrosts are found only while heating, above the noise floor of the temperature difference; negative
heat outside a defrost is no defrost heat. The same series fed to analyze and to the live model gives
the same figures.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from custom_components.ashp_cop.engine.analyze import AnalysisOptions, analyze
from custom_components.ashp_cop.engine.heat import HeatCircuit, heat_power_w
from custom_components.ashp_cop.engine.live import LiveHeatPump, LiveSettings, Measurement, Role
from custom_components.ashp_cop.engine.modes import Mode, mode_code
from custom_components.ashp_cop.engine.timeseries import TimeSeries

T0 = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
STEP_S = 60.0
FLOW_M3H = 1.2
COLUMN_ROLES = {"flow_temp_c": Role.FLOW_TEMP, "return_temp_c": Role.RETURN_TEMP, "flow_rate_m3h": Role.FLOW_RATE,
                "elec_power_w": Role.ELEC_POWER, "mode": Role.OPERATING_MODE}  # fmt: skip
# a heat meter's offset while idle: about -50 W at 1.2 m3/h (well inside the -0.5 K floor)
IDLE_NOISE_K = -0.036


def _series(*hours: tuple[str, float, float, float], defrost_minutes: tuple[int, int] | None = None) -> TimeSeries:
    """One hour per (mode, flow C, return C, electric W), sampled every minute; optionally a defrost
    (flow 28 C / return 31 C, 1.5 kW) in the given minutes of the series."""
    t = T0 + np.arange(0.0, len(hours) * 3600.0 + 1, STEP_S)
    hour = np.minimum(((t - T0) // 3600).astype(int), len(hours) - 1)
    mode, flow, ret, elec = (np.array([h[i] for h in hours])[hour] for i in range(4))
    flow, ret, elec = (np.asarray(a, dtype=float) for a in (flow, ret, elec))
    if defrost_minutes is not None:
        minute = np.round((t - T0) / 60).astype(int)
        inside = (minute >= defrost_minutes[0]) & (minute < defrost_minutes[1])
        flow, ret, elec = np.where(inside, 28.0, flow), np.where(inside, 31.0, ret), np.where(inside, 1500.0, elec)
    columns = {"flow_temp_c": flow, "return_temp_c": ret, "flow_rate_m3h": np.full(t.size, FLOW_M3H),
               "elec_power_w": elec, "mode": np.array([mode_code(str(m)) for m in mode])}  # fmt: skip
    return TimeSeries(t_s=t, columns=columns)


def _heat_w(flow_c: float, return_c: float) -> float:
    return float(heat_power_w(HeatCircuit(), flow_c, return_c, FLOW_M3H))


def _live(series: TimeSeries, bound: set[Role] | None = None) -> LiveHeatPump:
    live = LiveHeatPump(LiveSettings(bound=frozenset(bound or COLUMN_ROLES.values())))
    for i, t in enumerate(series.t_s):
        live.update(float(t), {role: Measurement(float(series.columns[name][i]), float(t))
                               for name, role in COLUMN_ROLES.items() if role in live.settings.bound})  # type: ignore[operator]  # fmt: skip
    return live


HEATING_THEN_COOLING = (("space_heating", 35.0, 30.0, 1750.0), ("cooling", 12.0, 17.0, 2000.0))


def test_analyze_counts_no_defrost_and_no_heat_of_a_cooling_hour() -> None:
    # on 061fd2c: 1 "defrost" of 3,540 s drawing 6.93 kWh (the cooling energy), combined heat 0.064 kWh, SPF 0.021
    report = analyze(_series(*HEATING_THEN_COOLING), AnalysisOptions(max_gap_s=120))
    defrost, modes = report["defrost"], report["modes"]
    assert isinstance(defrost, dict) and isinstance(modes, dict)
    assert (defrost["count"], defrost["total_duration_s"], defrost["heat_kwh"]) == (0, 0.0, 0.0)
    heating = _heat_w(35.0, 30.0)
    # 59 minutes of heating and the heating half of the minute in which cooling began (read at 01:00)
    assert report["heat_kwh"] == pytest.approx(heating * (3600 - 30) / 3.6e6, rel=1e-9)
    assert report["elec_kwh"] == pytest.approx(1750.0 * (3600 - 30) / 3.6e6, rel=1e-9)
    assert report["spf"] == pytest.approx(heating / 1750.0, rel=1e-9)
    assert report["heat_kwh"] == pytest.approx(modes["space_heating"]["heat_kwh"], rel=1e-12)
    # cooling is in its own EER
    assert modes["cooling"]["heat_kwh"] == pytest.approx(-_heat_w(12.0, 17.0) * (3600 + 30) / 3.6e6, rel=1e-9)
    assert modes["cooling"]["hours"] == pytest.approx((3600 + 30) / 3600)
    # the compressor's figures are of every mode: it ran both hours, and a cooling run is a start
    assert report["running_hours"] == pytest.approx(2.0)
    cycling = analyze(_series(("off", 25.0, 25.0, 15.0), ("cooling", 12.0, 17.0, 2000.0)))["cycling"]
    assert isinstance(cycling, dict)
    assert (cycling["starts"], cycling["run_hours"]) == (1, pytest.approx(1.0))
    assert modes["cooling"]["cop"] == pytest.approx(-_heat_w(12.0, 17.0) / 2000.0, rel=1e-9)


def test_analyze_takes_idle_heat_meter_noise_for_no_defrost_heat_and_no_spf() -> None:
    # on 061fd2c: 0.50 kWh of "defrost heat" with 0 defrosts and an SPF of -3.33
    t = T0 + np.arange(0.0, 10 * 3600.0 + 1, STEP_S)
    series = TimeSeries(t_s=t, columns={"heat_power_w": np.full(t.size, -50.0), "elec_power_w": np.full(t.size, 15.0)})
    report = analyze(series, AnalysisOptions(max_gap_s=120))
    defrost = report["defrost"]
    assert isinstance(defrost, dict)
    assert (defrost["count"], defrost["heat_kwh"]) == (0, 0.0)
    assert report["heat_kwh"] == 0.0  # the meter's offset is a debt heat would pay off: none came
    assert report["elec_kwh"] == pytest.approx(0.15)
    assert report["spf"] is None  # ten hours of standby: no SPF, not 0 and not negative
    assert report["spf_boundaries"] == {"unit": None, "unit_backup": None, "system": None}


def test_a_defrost_while_heating_is_still_found_and_its_heat_netted() -> None:
    series = _series(("space_heating", 35.0, 30.0, 1750.0), defrost_minutes=(20, 25))
    report = analyze(series, AnalysisOptions(max_gap_s=120))
    defrost = report["defrost"]
    assert isinstance(defrost, dict)
    assert defrost["count"] == 1
    assert defrost["total_duration_s"] == 300.0  # from its first sample to the first one after it
    # 4 whole minutes at -3 K and the halves at each edge: the negative part of 5 minutes of readings
    drawn = -_heat_w(28.0, 31.0) * 300 / 3.6e6
    assert defrost["heat_kwh"] == pytest.approx(drawn, rel=1e-9)
    assert report["heat_kwh"] == pytest.approx(report["heat_positive_kwh"] - drawn, rel=1e-12)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("hours", "defrost_minutes"),
    [
        (HEATING_THEN_COOLING, (30, 36)),
        ((("off", 25.0, 25.0 - IDLE_NOISE_K, 15.0), ("space_heating", 35.0, 30.0, 1750.0),
          ("cooling", 12.0, 17.0, 2000.0), ("hot_water", 52.0, 47.0, 2600.0),
          ("off", 25.0, 25.0 - IDLE_NOISE_K, 15.0)), (80, 86)),
    ],
    ids=["heating_then_cooling", "noise_heating_cooling_hot_water_noise"],
)  # fmt: skip
def test_live_and_analyze_agree_on_the_same_series(
    hours: tuple[tuple[str, float, float, float], ...], defrost_minutes: tuple[int, int]
) -> None:
    series = _series(*hours, defrost_minutes=defrost_minutes)
    report = analyze(series, AnalysisOptions(max_gap_s=120))
    live = _live(series)
    defrost, modes = report["defrost"], report["modes"]
    assert isinstance(defrost, dict) and isinstance(modes, dict)
    heating = live.heating_totals()
    assert defrost["count"] == live.totals.defrost_count == 1
    assert defrost["total_duration_s"] == live.totals.defrost_s
    assert defrost["heat_kwh"] == pytest.approx(heating.defrost_heat_kwh, rel=1e-9)
    assert defrost["heat_kwh"] == pytest.approx(live.totals.defrost_heat_kwh, rel=1e-9)
    assert report["heat_kwh"] == pytest.approx(heating.net_heat_kwh, rel=1e-9)
    assert report["elec_kwh"] == pytest.approx(heating.elec_kwh, rel=1e-9)
    # (the H1 and H2 boundaries may differ: an interval in which the unit started is running electricity in
    # analyze by its mean power, standby live by the state at its start)
    assert report["spf_boundaries"]["system"] == pytest.approx(live.spf()["system"], rel=1e-9)  # type: ignore[index]
    for mode in (Mode.SPACE_HEATING, Mode.HOT_WATER):
        assert modes[mode.value]["heat_kwh"] == pytest.approx(live.modes.totals[mode].net_heat_kwh, rel=1e-9, abs=1e-12)
        assert modes[mode.value]["elec_kwh"] == pytest.approx(live.modes.totals[mode].elec_kwh, rel=1e-9, abs=1e-12)
    assert modes["cooling"]["heat_kwh"] == pytest.approx(live.modes.totals[Mode.COOLING].cooling_kwh, rel=1e-9)
    assert modes["cooling"]["elec_kwh"] == pytest.approx(live.modes.totals[Mode.COOLING].elec_kwh, rel=1e-9)
    assert live.spf()["system"] == pytest.approx(report["spf"], rel=1e-9)


def test_cooling_electricity_is_not_in_the_heating_figures() -> None:
    # on 061fd2c: 2 h heating at COP 4.0 then 3 h cooling at EER 3.5 gave COP today and SPF since set-up 1.60
    heating_w = _heat_w(35.0, 30.0)
    series = _series(("space_heating", 35.0, 30.0, heating_w / 4.0), ("space_heating", 35.0, 30.0, heating_w / 4.0),
                     *[("cooling", 12.0, 17.0, -_heat_w(12.0, 17.0) / 3.5)] * 3)  # fmt: skip
    live = _live(series)
    assert live.daily_cop == pytest.approx(4.0, rel=1e-9)
    assert live.spf() == pytest.approx({"unit": 4.0, "unit_backup": 4.0, "system": 4.0}, rel=1e-9)
    assert live.rolling_cop is None  # the last window held cooling only: no heating COP, not 0
    assert live.modes.daily_cop(Mode.COOLING) == pytest.approx(3.5, rel=1e-9)
    assert live.modes.rolling_cop(Mode.COOLING) == pytest.approx(3.5, rel=1e-9)
    # the electricity sensors still show all the unit used (the Energy dashboard's consumption)
    cooling_kwh = live.modes.totals[Mode.COOLING].elec_unit_kwh
    assert live.totals.elec_unit_kwh == pytest.approx(live.heating_totals().elec_unit_kwh + cooling_kwh, rel=1e-9)
    report = analyze(series, AnalysisOptions(max_gap_s=120))
    assert report["spf"] == pytest.approx(4.0, rel=1e-9)


def test_a_day_of_cooling_or_standby_has_no_heating_cop() -> None:
    # on 061fd2c: cooling at 26 C showed COP today, rolling COP and SPF H1/H2/H4 since set-up at 0.0
    for hours in ((("cooling", 12.0, 17.0, 2000.0),) * 2, (("off", 25.0, 25.0, 15.0),) * 2):
        live = _live(_series(*hours))
        assert (live.daily_cop, live.rolling_cop) == (None, None)
        assert live.spf() == {"unit": None, "unit_backup": None, "system": None}


def test_without_the_mode_role_heat_is_space_heating_also_after_a_restored_mode() -> None:
    # on 061fd2c: mode dhw, role removed, 6 h of heating: hot-water heat 1.0 -> 36.98 kWh
    with_role = _live(_series(("hot_water", 52.0, 47.0, 2600.0)))
    hot_water_kwh = with_role.modes.totals[Mode.HOT_WATER].heat_kwh
    assert with_role.modes.current is Mode.HOT_WATER and hot_water_kwh > 5.0
    without = set(COLUMN_ROLES.values()) - {Role.OPERATING_MODE}
    after = LiveHeatPump(LiveSettings(bound=frozenset(without)))
    after.restore(with_role.export())
    heating = _series(*[("space_heating", 35.0, 30.0, 1750.0)] * 6)
    for i, t in enumerate(heating.t_s):
        after.update(float(t) + 3600.0, {role: Measurement(float(heating.columns[name][i]), float(t) + 3600.0)
                                         for name, role in COLUMN_ROLES.items() if role in without})  # fmt: skip
    assert after.modes.current is Mode.SPACE_HEATING
    assert after.modes.totals[Mode.HOT_WATER].heat_kwh == hot_water_kwh
    # six hours but the first minute after the restart (a power is not integrated across one)
    assert after.modes.totals[Mode.SPACE_HEATING].heat_kwh == pytest.approx(_heat_w(35.0, 30.0) * (6 - 1 / 60) / 1000)
