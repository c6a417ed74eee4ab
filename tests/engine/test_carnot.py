"""Practical (Carnot) efficiency and heat-weighted temperatures, live and in analyze."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from custom_components.ashp_cop.engine.analyze import AnalysisOptions, analyze
from custom_components.ashp_cop.engine.carnot import (
    KEEP_DAYS,
    CarnotAccount,
    CarnotDays,
    carnot_cop,
    carnot_cop_series,
    practical_efficiency,
)
from custom_components.ashp_cop.engine.live import LiveHeatPump, LiveSettings, Measurement, Role
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
    assert live.carnot_day.practical_efficiency == pytest.approx(carnot["practical_efficiency"], rel=1e-9)
    assert live.carnot_day.mean_flow_temp_c == pytest.approx(carnot["mean_flow_temp_c"], rel=1e-9)
    assert live.carnot_total.mean_outdoor_temp_c == pytest.approx(carnot["mean_outdoor_temp_c"], rel=1e-9)
    restored = LiveHeatPump()
    restored.restore(live.export())
    assert restored.carnot_total == live.carnot_total
    restored.start_day()
    assert restored.carnot_day.practical_efficiency is None


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
