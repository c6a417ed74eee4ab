"""Practical (Carnot) efficiency and heat-weighted temperatures, live and in analyze."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from custom_components.ashp_cop.engine.analyze import AnalysisOptions, analyze
from custom_components.ashp_cop.engine.carnot import (
    KEEP_DAYS,
    CarnotAccount,
    CarnotBook,
    CarnotDays,
    carnot_cop,
    carnot_cop_series,
    practical_efficiency,
)
from custom_components.ashp_cop.engine.live import LiveHeatPump, LiveSettings, Measurement, Role
from custom_components.ashp_cop.engine.modes import HEATING_MODES, Mode, mode_code
from custom_components.ashp_cop.engine.timeseries import TimeSeries

T0 = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


def test_carnot_cop_uses_heatpumpmonitors_offsets() -> None:
    # heatpumpmonitor.org's worked example: 35 C flow, 6 C outside -> an ideal COP of 8.4
    assert carnot_cop(35.0, 6.0) == pytest.approx((35 + 2 + 273.15) / ((35 + 2) - (6 - 6)))
    assert carnot_cop(35.0, 6.0) == pytest.approx(8.4, abs=0.02)  # shown rounded to 0.1
    assert practical_efficiency(3.77, 35.0, 6.0) == pytest.approx(0.45, abs=0.005)


@pytest.mark.parametrize(("flow_c", "outdoor_c"), [(20.0, 30.0), (25.0, 33.0), (None, 5.0), (35.0, None)])
def test_no_lift_or_no_temperature_gives_no_carnot_cop(flow_c: float | None, outdoor_c: float | None) -> None:
    assert carnot_cop(flow_c, outdoor_c) is None  # T_cond <= T_evap: no heat pump lift, never a division by 0
    assert practical_efficiency(3.0, flow_c, outdoor_c) is None
    if flow_c is not None and outdoor_c is not None:
        assert np.isnan(carnot_cop_series(np.array([flow_c]), np.array([outdoor_c]))[0])


def _two_regimes(step_s: float) -> TimeSeries:
    """Two hours at 35 C flow / 6 C outdoor (COP 4, 6 kW), two at 45 C / -2 C (COP 2.5, 3 kW), then idle."""
    t = T0 + np.arange(0.0, 5 * 3600 + 1, step_s)
    hours = (t - T0) / 3600
    first, second = hours < 2, (hours >= 2) & (hours < 4)
    heat = np.where(first, 6000.0, np.where(second, 3000.0, 0.0))
    elec = np.where(first, 1500.0, np.where(second, 1200.0, 15.0))
    flow = np.where(first, 35.0, np.where(second, 45.0, 25.0))
    outdoor = np.where(first, 6.0, np.where(second, -2.0, 8.0))
    return TimeSeries(t_s=t, columns={"heat_power_w": heat, "elec_power_w": elec, "flow_temp_c": flow,
                                      "outdoor_temp_c": outdoor})  # fmt: skip


def test_analyze_weights_the_practical_efficiency_and_temperatures_by_heat() -> None:
    report = analyze(_two_regimes(60.0), AnalysisOptions(max_gap_s=120))
    carnot = report["carnot"]
    assert isinstance(carnot, dict)
    eta_1 = 4.0 / carnot_cop(35.0, 6.0)  # type: ignore[operator]
    eta_2 = 2.5 / carnot_cop(45.0, -2.0)  # type: ignore[operator]
    # 12 kWh at eta_1 and 6 kWh at eta_2; the two intervals across each change blend both sides
    assert carnot["practical_efficiency"] == pytest.approx((12 * eta_1 + 6 * eta_2) / 18, rel=5e-3)
    assert carnot["mean_flow_temp_c"] == pytest.approx((12 * 35 + 6 * 45) / 18, rel=5e-3)
    assert carnot["mean_outdoor_temp_c"] == pytest.approx((12 * 6 + 6 * -2) / 18, abs=0.05)
    assert carnot["condensing_offset_k"] == 2.0
    assert carnot["evaporating_offset_k"] == 6.0


def test_the_live_model_agrees_with_analyze_of_the_same_polls() -> None:
    series = _two_regimes(30.0)
    live = LiveHeatPump(LiveSettings(bound=frozenset({Role.HEAT_POWER, Role.ELEC_POWER, Role.FLOW_TEMP,
                                                      Role.OUTDOOR_TEMP})))  # fmt: skip
    for i, t in enumerate(series.t_s):
        live.update(float(t), {Role(name): Measurement(float(column[i]), float(t))
                               for name, column in series.columns.items()})  # fmt: skip
        if (t - T0) == 3600:
            assert live.practical_efficiency == pytest.approx(4.0 / carnot_cop(35.0, 6.0))  # type: ignore[operator]
            assert live.rolling_practical_efficiency == pytest.approx(live.practical_efficiency)
    carnot = analyze(series, AnalysisOptions(max_gap_s=120))["carnot"]
    assert isinstance(carnot, dict)
    assert live.carnot.day.practical_efficiency == pytest.approx(carnot["practical_efficiency"], rel=1e-9)
    assert live.carnot.day.mean_flow_temp_c == pytest.approx(carnot["mean_flow_temp_c"], rel=1e-9)
    assert live.carnot.total.mean_outdoor_temp_c == pytest.approx(carnot["mean_outdoor_temp_c"], rel=1e-9)
    restored = LiveHeatPump()
    restored.restore(live.export())
    assert restored.carnot == live.carnot
    restored.start_day()
    assert restored.carnot.day.practical_efficiency is None


def test_no_practical_efficiency_while_defrosting() -> None:
    live = LiveHeatPump(LiveSettings(bound=frozenset({Role.HEAT_POWER, Role.ELEC_POWER, Role.FLOW_TEMP,
                                                      Role.OUTDOOR_TEMP, Role.DEFROST})))  # fmt: skip
    for t, heat_w, defrost in ((0.0, 6000.0, 0.0), (30.0, -2000.0, 1.0)):
        live.update(t, {Role.HEAT_POWER: Measurement(heat_w, t), Role.ELEC_POWER: Measurement(1500.0, t),
                        Role.FLOW_TEMP: Measurement(35.0, t), Role.OUTDOOR_TEMP: Measurement(2.0, t),
                        Role.DEFROST: Measurement(defrost, t)})  # fmt: skip
        assert (live.practical_efficiency is None) == bool(defrost)


def test_closed_days_make_a_season_and_the_last_365_days() -> None:
    days = CarnotDays()
    first = date(2025, 9, 1)
    for n in range(420):  # every day 10 kWh at a COP of 3.2, the last 30 days at 4.8
        account = CarnotAccount()
        account.add(10.0, 10.0 / (8.0 * (0.6 if n >= 390 else 0.4)), 35.0, 6.0)  # a COP of 8 x 0.6 or 8 x 0.4
        days.close(first + timedelta(days=n), account)
    today = CarnotAccount()
    assert len(days.days) == KEEP_DAYS  # older days are let go
    last_month = days.since(first + timedelta(days=390), today)
    assert last_month.practical_efficiency == pytest.approx(0.6 * 8.0 / carnot_cop(35.0, 6.0))  # type: ignore[operator]
    restored = CarnotDays()
    restored.restore({**days.export(), "not a date": {}, "2026-02-30": {}})
    assert restored.since(first, today) == days.since(first, today)


def test_merge_adds_every_sum_of_an_account() -> None:
    names = [f.name for f in fields(CarnotAccount)]
    one = CarnotAccount(**{name: 1.0 + n for n, name in enumerate(names)})
    other = CarnotAccount(**{name: 10.0 * (1 + n) for n, name in enumerate(names)})
    one.merge(other)
    assert [getattr(one, name) for name in names] == [11.0 * (1 + n) for n in range(len(names))]


def test_a_period_asked_for_at_every_poll_follows_each_closed_day_and_restore() -> None:
    """since() keeps the closed days' sum between polls: a day closed or a restore in between is never missed."""
    days = CarnotDays()
    first = date(2025, 9, 1)

    def day_account(heat_kwh: float) -> CarnotAccount:
        account = CarnotAccount()
        account.add(heat_kwh, heat_kwh / 3.0, 35.0, 6.0)
        return account

    def plain_sum(start: date, today: CarnotAccount) -> CarnotAccount:
        total = CarnotAccount()
        for day, account in days.days.items():
            if day >= start:
                total.merge(account)
        total.merge(today)
        return total

    today = day_account(1.0)
    for n in range(5):
        days.close(first + timedelta(days=n), day_account(10.0 + n))
        assert days.since(first, today) == plain_sum(first, today)  # the same sums in the same order
        assert days.since(first, today).heat_kwh == pytest.approx(sum(10.0 + k for k in range(n + 1)) + 1.0)
    today.merge(day_account(2.0))  # today's heat counts at once
    assert days.since(first, today).heat_kwh == pytest.approx(60.0 + 3.0)
    days.restore({(first + timedelta(days=9)).isoformat(): day_account(100.0).export()})
    assert days.since(first, today).heat_kwh == pytest.approx(160.0 + 3.0)


def _heating_then_hot_water(step_s: float) -> TimeSeries:
    """Two hours of space heating at 35 C flow (COP 4, 6 kW), one of hot water at 52 C (COP 2.6, 5 kW), 6 C outside."""
    t = T0 + np.arange(0.0, 3 * 3600 + 1, step_s)
    heating = (t - T0) < 2 * 3600
    columns = {
        "heat_power_w": np.where(heating, 6000.0, 5000.0),
        "elec_power_w": np.where(heating, 1500.0, 5000.0 / 2.6),
        "flow_temp_c": np.where(heating, 35.0, 52.0),
        "outdoor_temp_c": np.full(t.size, 6.0),
        "mode": np.where(heating, mode_code("space_heating"), mode_code("hot_water")),
    }
    return TimeSeries(t_s=t, columns=columns)


def test_each_heating_mode_has_its_own_practical_efficiency_and_temperatures() -> None:
    series = _heating_then_hot_water(60.0)
    report = analyze(series, AnalysisOptions(max_gap_s=120))
    modes, combined = report["modes"], report["carnot"]
    assert isinstance(modes, dict) and isinstance(combined, dict)
    heating, hot_water = modes["space_heating"]["carnot"], modes["hot_water"]["carnot"]
    # 119 whole minutes of heating (100 Wh each) and 60 of hot water (83.3 Wh); the minute of the change gives
    # each mode half of it at that end's power (50 Wh, 41.7 Wh), at the minute's mean flow temperature, 43.5 C
    heating_wh, hot_water_wh, half_heating_wh, half_hot_water_wh = 11900.0, 5000.0, 50.0, 5000 / 120
    assert heating["mean_flow_temp_c"] == pytest.approx(
        (heating_wh * 35 + half_heating_wh * 43.5) / (heating_wh + half_heating_wh), rel=1e-9
    )
    assert hot_water["mean_flow_temp_c"] == pytest.approx(
        (hot_water_wh * 52 + half_hot_water_wh * 43.5) / (hot_water_wh + half_hot_water_wh), rel=1e-9
    )
    assert heating["mean_outdoor_temp_c"] == pytest.approx(6.0)
    assert hot_water["mean_outdoor_temp_c"] == pytest.approx(6.0)
    assert heating["practical_efficiency"] == pytest.approx(4.0 / carnot_cop(35.0, 6.0), rel=2e-3)  # type: ignore[operator]
    assert hot_water["practical_efficiency"] == pytest.approx(2.6 / carnot_cop(52.0, 6.0), rel=5e-3)  # type: ignore[operator]
    assert "carnot" not in modes["cooling"]  # cooling has an EER, not a heating Carnot efficiency
    # the modes' heat-weighted sums add up to the combined ones
    weighted = heating["heat_kwh_weighted"] + hot_water["heat_kwh_weighted"]
    assert weighted == pytest.approx(combined["heat_kwh_weighted"], rel=1e-12)
    blended = (heating["practical_efficiency"] * heating["heat_kwh_weighted"]
               + hot_water["practical_efficiency"] * hot_water["heat_kwh_weighted"]) / weighted  # fmt: skip
    # ... and so do their practical efficiencies, but for the interval of the change (charged by its halves)
    assert blended == pytest.approx(combined["practical_efficiency"], rel=1e-3)


def test_the_live_model_splits_the_practical_efficiency_by_mode_as_analyze_does() -> None:
    series = _heating_then_hot_water(30.0)
    roles = {"heat_power_w": Role.HEAT_POWER, "elec_power_w": Role.ELEC_POWER, "flow_temp_c": Role.FLOW_TEMP,
             "outdoor_temp_c": Role.OUTDOOR_TEMP, "mode": Role.OPERATING_MODE}  # fmt: skip
    live = LiveHeatPump(LiveSettings(bound=frozenset(roles.values())))
    for i, t in enumerate(series.t_s):
        live.update(float(t), {role: Measurement(float(series.columns[name][i]), float(t))
                               for name, role in roles.items()})  # fmt: skip
    modes = analyze(series, AnalysisOptions(max_gap_s=120))["modes"]
    assert isinstance(modes, dict)
    for mode in HEATING_MODES:
        expected, book = modes[mode.value]["carnot"], live.carnot_by_mode[mode]
        assert book.day.practical_efficiency == pytest.approx(expected["practical_efficiency"], rel=1e-9)
        assert book.total.mean_flow_temp_c == pytest.approx(expected["mean_flow_temp_c"], rel=1e-9)
        assert book.total.mean_outdoor_temp_c == pytest.approx(expected["mean_outdoor_temp_c"], rel=1e-9)
    # kept across a restart, and a closed day goes into the season of its mode
    restored = LiveHeatPump()
    restored.restore(live.export())
    assert restored.carnot_by_mode == live.carnot_by_mode
    closed = date(2026, 1, 1)
    restored.start_day(closed=closed)
    hot_water = restored.carnot_by_mode[Mode.HOT_WATER]
    assert hot_water.day.practical_efficiency is None
    assert (
        hot_water.since(closed).practical_efficiency == live.carnot_by_mode[Mode.HOT_WATER].total.practical_efficiency
    )
    assert hot_water.since(closed + timedelta(days=1)).practical_efficiency is None


def test_a_store_from_before_modes_had_carnot_accounts_restores_with_empty_ones() -> None:
    live = LiveHeatPump()
    live.carnot.total.add(3.0, 1.0, 35.0, 5.0)
    saved = live.export()
    carnot = saved["carnot"]
    assert isinstance(carnot, dict)
    del carnot["modes"]  # the store of 0.5.0 before per-mode accounts
    restored = LiveHeatPump()
    restored.restore(saved)
    assert restored.carnot.total == live.carnot.total
    assert all(book == CarnotBook() for book in restored.carnot_by_mode.values())
