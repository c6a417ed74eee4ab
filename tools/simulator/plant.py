"""The physics of the simulated plant: weather, building, heat pumps, meters.

Deliberately simple but physically shaped, so that the integration's figures
can be checked against a known truth:
* outdoor temperature: daily cosine (coldest at 03:00) plus slow weather
  swings of 2 to 5 days (sums of sinusoids with seeded phases);
* building load: UA x (16 C - outdoor), the usual degree-day balance point;
* flow temperature: a heating curve from 25 C at 16 C outdoor to 50 C at -10 C;
* COP: 45 % of the Carnot COP between the condenser (flow + 3 K) and the
  evaporator (outdoor - 5 K), times a frosting penalty below Tifr = 7 C
  (EN 14825 8.4 uses the same threshold for its frosting region);
* the compressor modulates down to 30 % and cycles on/off below that, on a thermostat with
  minimum run and off times (cycling.py); the minimum off time holds across changes of mode too;
* frost builds while running below 7 C, fastest near 0 C in humid air, and a
  defrost reverses the cycle for five minutes, drawing heat from the water;
* a 3 or 6 kW backup heater runs below the bivalent point when the unit
  cannot cover the load;
* every meter counter only ever goes up (unless a reset fault is injected);
* optionally (``hot_water``) a 500 l hot-water tank that loses 0.42 K an hour and is reheated from
  45 to 50 C at 06:00 and 18:00 (flow 50 to 55 C, the unit at 75 % output, space heating paused),
  with the controller's diverter flag and mode register; optionally (``cooling``) the building is
  cooled above 22 C outdoor (cooling load UA x (outdoor - 22 C), EER from the reversed Carnot cycle);
* the truth is kept per mode too (space heating, hot water, cooling, off: what the controller shows).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from .cycling import DEFAULT_BUFFER_WH, DEFAULT_MIN_OFF_S, DEFAULT_MIN_RUN_S, OnOffControl

WATER_DENSITY_KG_M3 = 990.0  # near 45 C
WATER_CP_J_KG_K = 4180.0
TIFR_C = 7.0  # EN 14825: no frosting penalty at or above 7 C
BALANCE_POINT_C = 16.0
DEFROST_S = 300.0
STEP_S = 10.0
TANK_J_PER_K = 500.0 * 4180.0  # 500 l of water
HOT_WATER_OUTPUT = 0.75  # share of the full output a tank reheat runs at
TANK_LOSS_K_PER_H = 0.42  # standing losses and draws, spread over the day
TANK_START_C, TANK_TARGET_C = 45.0, 50.0
HOT_WATER_HOURS = (6.0, 18.0)  # local sim time at which the tank is reheated
COOLING_ABOVE_C = 22.0
COOLING_FLOW_C = 18.0
# the controller's operating_mode register (generic_heat_pump_controller.yaml)
MODE_OFF, MODE_HEATING, MODE_HOT_WATER, MODE_DEFROST, MODE_COOLING = 0, 1, 2, 3, 4
MODE_NAMES = {MODE_OFF: "off", MODE_HEATING: "sh", MODE_HOT_WATER: "dhw", MODE_COOLING: "cool"}


@dataclass(slots=True)
class HeatPumpSpec:
    rated_heat_w: float = 8000.0
    design_outdoor_c: float = -10.0
    bivalent_c: float = -5.0
    carnot_fraction: float = 0.45
    min_modulation: float = 0.3
    design_flow_m3h: float = 1.3
    pump_power_w: float = 45.0
    standby_power_w: float = 12.0
    backup_step_w: float = 3000.0
    buffer_wh: float = DEFAULT_BUFFER_WH  # heat between the thermostat's switch points when cycling
    min_run_s: float = DEFAULT_MIN_RUN_S
    min_off_s: float = DEFAULT_MIN_OFF_S


@dataclass(slots=True)
class Truth:
    """Cumulative true energies of one heat pump (kWh), never touched by faults."""

    heat_kwh: float = 0.0  # net heat from the unit into the water (defrost subtracts)
    defrost_heat_kwh: float = 0.0  # heat drawn back from the water while defrosting
    backup_heat_kwh: float = 0.0
    elec_unit_kwh: float = 0.0
    elec_backup_kwh: float = 0.0
    elec_pump_kwh: float = 0.0
    defrost_count: int = 0
    defrost_s: float = 0.0
    # per mode (sh: space heating, dhw: hot water, cool: cooling, off): net heat (cooling: heat
    # removed), heat drawn back by defrosts, the unit's and all electricity (unit, backup, pumps)
    sh_heat_kwh: float = 0.0
    sh_defrost_heat_kwh: float = 0.0
    sh_elec_unit_kwh: float = 0.0
    sh_elec_kwh: float = 0.0
    dhw_heat_kwh: float = 0.0
    dhw_defrost_heat_kwh: float = 0.0
    dhw_elec_unit_kwh: float = 0.0
    dhw_elec_kwh: float = 0.0
    cool_heat_kwh: float = 0.0
    cool_elec_unit_kwh: float = 0.0
    cool_elec_kwh: float = 0.0
    off_elec_kwh: float = 0.0
    compressor_starts: int = 0  # stopped -> running (defrosts run the compressor too)
    compressor_run_s: float = 0.0


@dataclass(slots=True)
class HeatPumpState:
    """What the meters and the controller see at one instant, plus their counters."""

    outdoor_c: float = 5.0
    humidity: float = 0.8
    flow_c: float = 30.0
    return_c: float = 30.0
    flow_setpoint_c: float = 30.0
    flow_m3h: float = 0.0
    heat_w: float = 0.0
    elec_unit_w: float = 0.0
    elec_backup_w: float = 0.0
    elec_pump_w: float = 0.0
    compressor_hz: float = 0.0
    running: bool = False
    defrosting: bool = False
    backup_on: bool = False
    mode: int = MODE_HEATING  # what the controller's mode register shows (MODE_*)
    hot_water: bool = False  # the diverter valve sends the flow to the tank
    tank_c: float = TANK_START_C + 2.0  # some hours after the last reheat
    # meter counters (what the devices report; a reset fault zeroes them)
    meter_heat_kwh: float = 0.0
    meter_volume_m3: float = 0.0
    meter_elec_unit_kwh: float = 0.0
    meter_elec_backup_kwh: float = 0.0
    meter_elec_pump_kwh: float = 0.0


@dataclass(slots=True)
class HeatPump:
    spec: HeatPumpSpec
    state: HeatPumpState = field(default_factory=HeatPumpState)
    truth: Truth = field(default_factory=Truth)
    frost: float = 0.0
    defrost_left_s: float = 0.0
    mode_running: int = MODE_HEATING  # the mode a defrost interrupted
    cycle_s: float = 0.0  # a seeded phase: where in its on/off cycle the unit starts
    control: OnOffControl = field(default_factory=OnOffControl)
    stopped_s: float = math.inf  # how long the compressor has been stopped (0 while it runs)

    @property
    def ua_w_per_k(self) -> float:
        return self.spec.rated_heat_w / (BALANCE_POINT_C - self.spec.design_outdoor_c)


def heating_curve_c(outdoor_c: float) -> float:
    """Weather-compensated flow temperature: 25 C at 16 C outdoor, 50 C at -10 C."""
    slope = (50.0 - 25.0) / (BALANCE_POINT_C + 10.0)
    return min(55.0, max(25.0, 25.0 + slope * (BALANCE_POINT_C - outdoor_c)))


def frosting_factor(outdoor_c: float) -> float:
    """COP multiplier for frost on the evaporator: worst (-10 %) at 0 to 2 C, none from Tifr up."""
    if outdoor_c >= TIFR_C:
        return 1.0
    return 1.0 - 0.10 * max(0.0, 1.0 - abs(outdoor_c - 1.0) / 8.0)


def carnot_cop(flow_c: float, outdoor_c: float, fraction: float) -> float:
    sink_k = flow_c + 3.0 + 273.15
    source_k = outdoor_c - 5.0 + 273.15
    return min(7.0, max(1.2, fraction * sink_k / (sink_k - source_k)))


def carnot_eer(flow_c: float, outdoor_c: float, fraction: float) -> float:
    """Cooling: the evaporator 5 K below the chilled water, the condenser 5 K above the outdoor air."""
    source_k = flow_c - 5.0 + 273.15
    sink_k = outdoor_c + 5.0 + 273.15
    return min(7.0, max(1.5, fraction * source_k / max(sink_k - source_k, 1.0)))


class Weather:
    """Outdoor temperature and humidity over time, reproducible from a seed."""

    def __init__(self, seed: int, mean_c: float = 2.0, daily_swing_c: float = 4.0) -> None:
        rng = random.Random(seed)
        self.mean_c = mean_c
        self.daily_swing_c = daily_swing_c
        self.swings = [
            (rng.uniform(1.0, 3.0), rng.uniform(2.0, 5.0) * 86400, rng.uniform(0, 2 * math.pi)) for _ in range(3)
        ]

    def outdoor_c(self, t_s: float) -> float:
        hour = (t_s / 3600.0) % 24
        daily = -self.daily_swing_c * math.cos(2 * math.pi * (hour - 3.0) / 24)
        slow = sum(a * math.sin(2 * math.pi * t_s / period + phase) for a, period, phase in self.swings)
        return self.mean_c + daily + slow

    def humidity(self, t_s: float) -> float:
        hour = (t_s / 3600.0) % 24
        return 0.82 + 0.12 * math.cos(2 * math.pi * (hour - 3.0) / 24)


class Plant:
    """Heat pumps sharing one weather, advanced in steps of at most 10 s."""

    def __init__(
        self, heat_pumps: int = 1, seed: int = 1, *, mean_outdoor_c: float = 2.0, start_s: float = 0.0,
        hot_water: bool = False, cooling: bool = False,
    ) -> None:  # fmt: skip
        self.hot_water = hot_water
        self.cooling = cooling
        self.weather = Weather(seed, mean_outdoor_c)
        self.rng = random.Random(seed + 1)
        self.time_s = start_s
        self.heat_pumps = [HeatPump(HeatPumpSpec(rated_heat_w=8000.0 + 2000.0 * i)) for i in range(heat_pumps)]
        for hp in self.heat_pumps:
            hp.cycle_s = self.rng.uniform(0, 3600)
            hp.control = OnOffControl(hp.spec.buffer_wh * hp.cycle_s / 3600.0, hp.cycle_s < 1800.0, 3600.0)
            self._step(hp, 0.0)

    def advance_to(self, time_s: float) -> None:
        while self.time_s < time_s:
            dt = min(STEP_S, time_s - self.time_s)
            self.time_s += dt
            for hp in self.heat_pumps:
                self._step(hp, dt)

    def advance(self, seconds: float) -> None:
        self.advance_to(self.time_s + seconds)

    def _step(self, hp: HeatPump, dt: float) -> None:
        spec, s = hp.spec, hp.state
        s.outdoor_c = self.weather.outdoor_c(self.time_s)
        s.humidity = self.weather.humidity(self.time_s)
        demand_w = hp.ua_w_per_k * max(0.0, BALANCE_POINT_C - s.outdoor_c)
        s.flow_setpoint_c = heating_curve_c(s.outdoor_c)
        max_w = spec.rated_heat_w * (1.0 + 0.02 * (s.outdoor_c - 7.0))
        min_w = spec.min_modulation * max_w

        hp.cycle_s = (hp.cycle_s + dt) % 3600.0
        control = hp.control
        s.hot_water = self.hot_water and self._tank_due(hp, dt)
        cooling_w = hp.ua_w_per_k * max(0.0, s.outdoor_c - COOLING_ABOVE_C) if self.cooling else 0.0
        if s.hot_water:  # the diverter sends the whole output to the tank; space heating waits
            output_w = HOT_WATER_OUTPUT * max_w
            s.flow_setpoint_c = s.tank_c + 5.0
        elif cooling_w > 0:
            output_w = min(cooling_w, max_w) if cooling_w >= min_w else (min_w if hp.cycle_s < 3600.0 * cooling_w
                                                                          / min_w else 0.0)  # fmt: skip
            s.flow_setpoint_c = COOLING_FLOW_C
        elif demand_w <= 0:
            output_w = 0.0
            control.no_load(spec.buffer_wh)
        elif demand_w >= min_w:
            output_w = min(demand_w, max_w)
            control.modulating()
        else:  # on/off cycling at the minimum output
            on = control.step(dt, demand_w, min_w, buffer_wh=spec.buffer_wh, min_run_s=spec.min_run_s,
                              min_off_s=spec.min_off_s)  # fmt: skip
            output_w = min_w if on else 0.0
        if output_w > 0 and not s.running and hp.stopped_s < spec.min_off_s:
            # The anti-short-cycle timer protects the compressor whatever the mode asks: a reheat due just
            # after a heating run stopped (or heating just after a reheat) waits for the minimum off time.
            output_w = 0.0
        running = output_w > 0 or hp.defrost_left_s > 0
        hp.stopped_s = 0.0 if running else hp.stopped_s + dt
        if dt > 0:
            hp.truth.compressor_starts += running and not s.running
            hp.truth.compressor_run_s += dt if running else 0.0

        if hp.defrost_left_s > 0:
            hp.defrost_left_s = max(0.0, hp.defrost_left_s - dt)
            s.defrosting = True
        else:
            s.defrosting = False
            if output_w > 0 and s.outdoor_c < TIFR_C:
                wetness = max(0.0, s.humidity - 0.6) / 0.4
                closeness = max(0.0, 1.0 - abs(s.outdoor_c) / 8.0)
                hp.frost += dt * (0.2 + 0.8 * wetness * closeness) / 2400.0
                if hp.frost >= 1.0:
                    hp.frost = 0.0
                    hp.defrost_left_s = DEFROST_S
                    hp.truth.defrost_count += 1
                    s.defrosting = True

        # an ultrasonic meter's reading jitters by a few tenths of a percent
        pumping = demand_w > 0 or running
        s.flow_m3h = spec.design_flow_m3h * (1.0 + 0.003 * self.rng.gauss(0.0, 1.0)) if pumping else 0.0
        if s.defrosting:
            heat_w = -0.3 * spec.rated_heat_w
            elec_unit_w = 0.15 * spec.rated_heat_w
            s.compressor_hz = 60.0
        elif output_w > 0 and cooling_w > 0 and not s.hot_water:
            heat_w = -output_w  # heat taken out of the water
            elec_unit_w = output_w / carnot_eer(COOLING_FLOW_C, s.outdoor_c, spec.carnot_fraction) + 25.0
            s.compressor_hz = 20.0 + 90.0 * output_w / spec.rated_heat_w
        elif output_w > 0:
            cop = carnot_cop(s.flow_setpoint_c, s.outdoor_c, spec.carnot_fraction) * frosting_factor(s.outdoor_c)
            heat_w = output_w
            elec_unit_w = output_w / cop + 25.0  # fan and controls on top of the compressor
            s.compressor_hz = 20.0 + 90.0 * output_w / spec.rated_heat_w
        else:
            heat_w = 0.0
            elec_unit_w = spec.standby_power_w + (18.0 if s.outdoor_c < 0 else 0.0)  # crankcase heater
            s.compressor_hz = 0.0
        s.running = running
        deficit_w = 0.0 if s.hot_water else demand_w - max(heat_w, 0.0)
        s.backup_on = s.outdoor_c < spec.bivalent_c and deficit_w > 0.1 * spec.backup_step_w
        s.elec_backup_w = (
            (spec.backup_step_w if deficit_w <= spec.backup_step_w else 2 * spec.backup_step_w) if s.backup_on else 0.0
        )
        s.elec_pump_w = spec.pump_power_w if s.flow_m3h > 0 else 3.0
        s.heat_w = heat_w
        s.elec_unit_w = elec_unit_w

        if s.flow_m3h > 0:
            delta_k = heat_w / (WATER_DENSITY_KG_M3 * s.flow_m3h / 3600.0 * WATER_CP_J_KG_K)
            s.return_c = s.flow_setpoint_c - max(delta_k, 0.0) - 5.0 * (not running)
            s.flow_c = s.return_c + delta_k
        else:
            s.flow_c = s.return_c = 20.0 + 0.2 * max(s.outdoor_c, 0.0)

        if s.hot_water:
            s.tank_c += heat_w * dt / TANK_J_PER_K
        if s.defrosting:
            s.mode = MODE_DEFROST
        else:
            s.mode = (MODE_HOT_WATER if s.hot_water else MODE_COOLING if cooling_w > 0
                      else MODE_HEATING if demand_w > 0 else MODE_OFF)  # fmt: skip
            hp.mode_running = s.mode

        hours = dt / 3600.0
        self._truth_by_mode(hp, hours)
        t = hp.truth
        t.heat_kwh += heat_w * hours / 1000.0
        if s.defrosting:
            t.defrost_heat_kwh += -heat_w * hours / 1000.0
            t.defrost_s += dt
        t.backup_heat_kwh += s.elec_backup_w * hours / 1000.0
        t.elec_unit_kwh += elec_unit_w * hours / 1000.0
        t.elec_backup_kwh += s.elec_backup_w * hours / 1000.0
        t.elec_pump_kwh += s.elec_pump_w * hours / 1000.0
        # A heat meter counts heating energy only; defrost heat is not subtracted.
        s.meter_heat_kwh += max(heat_w, 0.0) * hours / 1000.0
        s.meter_volume_m3 += s.flow_m3h * hours
        s.meter_elec_unit_kwh += elec_unit_w * hours / 1000.0
        s.meter_elec_backup_kwh += s.elec_backup_w * hours / 1000.0
        s.meter_elec_pump_kwh += s.elec_pump_w * hours / 1000.0

    def _tank_due(self, hp: HeatPump, dt: float) -> bool:
        """Whether the tank is being reheated in this step: from a scheduled hour until it is at its target."""
        s = hp.state
        s.tank_c -= TANK_LOSS_K_PER_H * dt / 3600.0
        if s.hot_water:
            return s.tank_c < TANK_TARGET_C
        now_h, before_h = (self.time_s / 3600.0) % 24, ((self.time_s - dt) / 3600.0) % 24
        crossed = any(before_h < hour <= now_h for hour in HOT_WATER_HOURS) if dt > 0 else False
        return crossed and s.tank_c < TANK_TARGET_C - 1.0

    def _truth_by_mode(self, hp: HeatPump, hours: float) -> None:
        """The step's energies charged to the mode that ran (a defrost: the mode it interrupted)."""
        s, t = hp.state, hp.truth
        prefix = MODE_NAMES[hp.mode_running]
        elec_w = s.elec_unit_w + s.elec_backup_w + s.elec_pump_w
        setattr(t, f"{prefix}_elec_kwh", getattr(t, f"{prefix}_elec_kwh") + elec_w * hours / 1000.0)
        if prefix == "off":
            return
        if prefix == "cool":
            t.cool_heat_kwh += max(-s.heat_w, 0.0) * hours / 1000.0
        else:
            setattr(t, f"{prefix}_heat_kwh", getattr(t, f"{prefix}_heat_kwh") + s.heat_w * hours / 1000.0)
            if s.defrosting:
                drawn = getattr(t, f"{prefix}_defrost_heat_kwh") - s.heat_w * hours / 1000.0
                setattr(t, f"{prefix}_defrost_heat_kwh", drawn)
        setattr(t, f"{prefix}_elec_unit_kwh", getattr(t, f"{prefix}_elec_unit_kwh") + s.elec_unit_w * hours / 1000.0)
