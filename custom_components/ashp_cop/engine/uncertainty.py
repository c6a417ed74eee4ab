"""The 95 % interval of a COP or SPF from the accuracy classes of its meters.

Error model (stated in README, "How the figures are defined"):

* Heat meter, EN 1434-1:2022 clause 9.2 (MID 2014/32/EU Annex VI, MI-004), three components, each
  with a maximum permissible error (MPE) at the interval's flow q and temperature difference dT:
  flow sensor ``(a + b qp/q) %`` capped (class 1: 1 + 0.01 qp/q, at most 3.5 %; class 2: 2 + 0.02
  qp/q, at most 5 %; class 3: 3 + 0.05 qp/q, at most 5 %), temperature sensor pair ``(0.5 + 3
  dTmin/dT) %`` and calculator ``(0.5 + dTmin/dT) %``. A dT below dTmin (outside the meter's rated
  range) is taken at dTmin; an unknown q (no flow column) or qp gives the flow sensor its cap.
* Or heat from a flow meter and two temperature sensors: the flow meter's stated MPE (%) and each
  sensor's IEC 60751:2022 tolerance class at its temperature t (AA: 0.1 + 0.0017 |t| K, A: 0.15 +
  0.002 |t| K, B: 0.3 + 0.005 |t| K); a matched pair instead gets the EN 1434-1 pair MPE above.
* Each electricity meter: its class (IEC 62053-21/-22 0.5, 1, 2; MID Annex V MI-003 classes C, B, A
  are 0.5, 1 and 2 % in their rated current range).

Each component's error is an independent draw, uniform within its MPE (GUM JCGM 100:2008 4.3.7: a
bound with nothing known inside it), and the same fraction of its MPE for the whole period (a
meter's systematic error); reading noise is not correlated and averages out over the period's
thousands of intervals, so it is neglected. Within the period, the MPE at each interval's q and dT
is weighted by that interval's heat, so the heat's relative error is the heat-weighted mean of the
per-interval ones; components multiply (flow x dT x calculator), the electricity meters add.

The interval is then that of the true figure: measured x (1 + e_elec) / (1 + e_heat), its 2.5 and
97.5 % quantiles taken over a fixed stratified sample (Latin hypercube, fixed seed) of the
components' uniform errors. A Monte Carlo sample rather than an analytic convolution: it is exact
for the ratio's non-linearity and the product of components (a convolution of uniforms needs
both linearised), deterministic, and a few hundred microseconds; results are cached by the
half-widths, which move slowly over a period. A worst-case sum of the MPEs is far too wide; a
k = 2 quadrature sum is too wide too (about 96 %).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from .arrays import FloatArray, IntArray
from .errors import EngineInputError

# EN 1434-1 clause 9.2.2.2 / MID MI-004: flow sensor MPE a + b qp/q (%), capped.
HEAT_METER_FLOW_MPE_PCT: dict[int, tuple[float, float, float]] = {1: (1.0, 0.01, 3.5), 2: (2.0, 0.02, 5.0),
                                                                  3: (3.0, 0.05, 5.0)}  # fmt: skip
HEAT_METER_CLASSES = tuple(HEAT_METER_FLOW_MPE_PCT)
DEFAULT_DTMIN_K = 3.0
# IEC 60751:2022 table 3: tolerance a + b |t| (K) of each class.
SENSOR_TOLERANCE_K: dict[str, tuple[float, float]] = {"AA": (0.1, 0.0017), "A": (0.15, 0.002), "B": (0.3, 0.005)}
SENSOR_CLASSES = tuple(SENSOR_TOLERANCE_K)
# IEC 62053-21/-22 class index = MPE (%); MID MI-003 classes C, B, A.
ELEC_METER_CLASSES = (0.5, 1.0, 2.0)
MID_ELEC_CLASS = {0.5: "C", 1.0: "B", 2.0: "A"}

# What an unknown meter is taken to be: the widest class the standards allow.
DEFAULT_HEAT_METER_CLASS = 3
DEFAULT_ELEC_METER_CLASS = 2.0
DEFAULT_FLOW_METER_PCT = 5.0
DEFAULT_SENSOR_CLASS = "B"

# Heat from flow x dT: an interval's heat error from a sensor is its heat / dT x the sensor's error;
# below this |dT| the heat is near nothing and the ratio is held finite.
SENSOR_DT_FLOOR_K = 0.1

COVERAGE = 0.95
_DRAWS = 8192
_SEED = 20261207
_MAX_COMPONENTS = 8


class HeatSource(StrEnum):
    """How the heat is measured."""

    HEAT_METER = "heat_meter"  # an EN 1434 heat meter (its calculator integrates flow x dT)
    FLOW_SENSORS = "flow_sensors"  # a flow meter and two temperature sensors, heat computed by ashp_cop


@dataclass(frozen=True, slots=True)
class MeterClasses:
    """The meters' accuracy classes; ``assumptions`` names each one taken by default."""

    heat_source: HeatSource = HeatSource.HEAT_METER
    heat_meter_class: int = DEFAULT_HEAT_METER_CLASS
    heat_meter_qp_m3h: float | None = None
    dtmin_k: float = DEFAULT_DTMIN_K
    flow_meter_pct: float = DEFAULT_FLOW_METER_PCT
    sensor_class: str = DEFAULT_SENSOR_CLASS
    matched_pair: bool = False
    elec_meter_class: float = DEFAULT_ELEC_METER_CLASS
    assumptions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.heat_meter_class not in HEAT_METER_CLASSES:
            raise EngineInputError("heat_meter_class", f"must be 1, 2 or 3 (got {self.heat_meter_class})")
        if self.heat_meter_qp_m3h is not None and not (
            math.isfinite(self.heat_meter_qp_m3h) and self.heat_meter_qp_m3h > 0
        ):
            raise EngineInputError("heat_meter_qp", f"must be a flow above 0 m3/h (got {self.heat_meter_qp_m3h})")
        if not (math.isfinite(self.dtmin_k) and self.dtmin_k > 0):
            raise EngineInputError("heat_meter_dtmin", f"must be above 0 K (got {self.dtmin_k})")
        if not (math.isfinite(self.flow_meter_pct) and 0 < self.flow_meter_pct < 50):
            raise EngineInputError("flow_meter_pct", f"must be above 0 and below 50 % (got {self.flow_meter_pct})")
        if self.sensor_class not in SENSOR_TOLERANCE_K:
            raise EngineInputError("temp_sensor_class", f"must be AA, A or B (got {self.sensor_class!r})")
        if self.elec_meter_class not in ELEC_METER_CLASSES:
            raise EngineInputError("elec_meter_class", f"must be 0.5, 1 or 2 (got {self.elec_meter_class})")

    @property
    def mid_metered(self) -> bool:
        """MID metering as heatpumpmonitor.org asks: heat meter class 2 or better, electricity class 1 or better,
        both stated (not assumed)."""
        stated = not {"heat_meter_class", "elec_meter_class"} & {a.split(":")[0] for a in self.assumptions}
        return (
            stated
            and self.heat_source is HeatSource.HEAT_METER
            and self.heat_meter_class <= 2
            and self.elec_meter_class <= 1.0
        )

    def as_report(self) -> dict[str, object]:
        out: dict[str, object] = {"heat_source": self.heat_source.value}
        if self.heat_source is HeatSource.HEAT_METER:
            out |= {"heat_meter_class": self.heat_meter_class, "heat_meter_qp_m3h": self.heat_meter_qp_m3h,
                    "heat_meter_dtmin_k": self.dtmin_k}  # fmt: skip
        else:
            out |= {"flow_meter_pct": self.flow_meter_pct, "temp_sensor_class": self.sensor_class,
                    "matched_pair": self.matched_pair}  # fmt: skip
        return out | {"elec_meter_class": self.elec_meter_class, "assumptions": list(self.assumptions)}


@dataclass(frozen=True, slots=True)
class MeterChoice:
    """The meters as the user stated them (None: not stated), resolved once the columns are known."""

    heat_meter_class: int | None = None
    heat_meter_qp_m3h: float | None = None
    dtmin_k: float = DEFAULT_DTMIN_K
    flow_meter_pct: float | None = None
    sensor_class: str | None = None
    matched_pair: bool = False
    elec_meter_class: float | None = None

    def resolve(self, heat_metered: bool) -> MeterClasses:
        """The classes to use, an unknown one at its stated conservative default (listed as an assumption).

        Heat comes from a heat meter where the series has a heat meter's power and no flow meter or
        sensor class was stated (or a heat meter class was); else from flow x dT.
        """
        flow_stated = self.flow_meter_pct is not None or self.sensor_class is not None
        heat_meter = self.heat_meter_class is not None or (heat_metered and not flow_stated)
        assumptions: list[str] = []
        if heat_meter:
            if self.heat_meter_class is None:
                assumptions.append(f"heat_meter_class: not stated, taken as class {DEFAULT_HEAT_METER_CLASS} "
                                   "(EN 1434's widest)")  # fmt: skip
            if self.heat_meter_qp_m3h is None:
                assumptions.append("heat_meter_qp: not stated, the flow sensor's error taken at its cap")
        else:
            if self.flow_meter_pct is None:
                assumptions.append(f"flow_meter_pct: not stated, taken as {DEFAULT_FLOW_METER_PCT:g} %")
            if self.sensor_class is None:
                assumptions.append(f"temp_sensor_class: not stated, taken as IEC 60751 class "
                                   f"{DEFAULT_SENSOR_CLASS}, not a matched pair")  # fmt: skip
        if self.elec_meter_class is None:
            assumptions.append(f"elec_meter_class: not stated, taken as class {DEFAULT_ELEC_METER_CLASS:g} "
                               "(MID A)")  # fmt: skip
        return MeterClasses(
            heat_source=HeatSource.HEAT_METER if heat_meter else HeatSource.FLOW_SENSORS,
            heat_meter_class=DEFAULT_HEAT_METER_CLASS if self.heat_meter_class is None else self.heat_meter_class,
            heat_meter_qp_m3h=self.heat_meter_qp_m3h,
            dtmin_k=self.dtmin_k,
            flow_meter_pct=DEFAULT_FLOW_METER_PCT if self.flow_meter_pct is None else self.flow_meter_pct,
            sensor_class=DEFAULT_SENSOR_CLASS if self.sensor_class is None else self.sensor_class,
            matched_pair=self.matched_pair,
            elec_meter_class=DEFAULT_ELEC_METER_CLASS if self.elec_meter_class is None else self.elec_meter_class,
            assumptions=tuple(assumptions),
        )


def _abs_dt(delta_t_k: FloatArray | None, dtmin_k: float) -> FloatArray:
    """|dT| as the MPE formulas take it: at least dTmin; unknown gives dTmin (the widest)."""
    if delta_t_k is None:
        return np.full(1, dtmin_k)
    magnitude = np.abs(delta_t_k)
    return np.where(np.isfinite(magnitude), np.maximum(magnitude, dtmin_k), dtmin_k)


def component_mpe(
    meters: MeterClasses,
    *,
    flow_m3h: FloatArray | None,
    flow_c: FloatArray | None,
    return_c: FloatArray | None,
) -> dict[str, FloatArray | float]:
    """Each component's MPE as a fraction at each interval's flow and temperatures.

    A ``sensor`` component is in kelvin (the error of dT it may cause), to be divided by dT
    where the heat is weighted (the heat's error from it is rho cp q x the sensor's error).
    """
    delta_t = flow_c - return_c if flow_c is not None and return_c is not None else None
    if meters.heat_source is HeatSource.HEAT_METER:
        a_pct, b_pct, cap_pct = HEAT_METER_FLOW_MPE_PCT[meters.heat_meter_class]
        if flow_m3h is None or meters.heat_meter_qp_m3h is None:
            flow_part: FloatArray | float = cap_pct / 100.0
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                pct = a_pct + b_pct * meters.heat_meter_qp_m3h / flow_m3h
            flow_part = np.where(np.isfinite(pct) & (flow_m3h > 0), np.minimum(pct, cap_pct), cap_pct) / 100.0
    else:
        flow_part = meters.flow_meter_pct / 100.0
    out: dict[str, FloatArray | float] = {"flow": flow_part}
    dt_abs = _abs_dt(delta_t, meters.dtmin_k)
    if meters.heat_source is HeatSource.HEAT_METER or meters.matched_pair:
        out["temperature_pair"] = np.asarray((0.5 + 3.0 * meters.dtmin_k / dt_abs) / 100.0, dtype=np.float64)
    else:
        # rho cp q x the sensor's error: |heat| / |dT| x tolerance, dT kept off zero
        dt_sensor = _abs_dt(delta_t, SENSOR_DT_FLOOR_K)
        a_k, b_k = SENSOR_TOLERANCE_K[meters.sensor_class]
        for name, temps in (("flow_sensor", flow_c), ("return_sensor", return_c)):
            tolerance_k = a_k + b_k * np.abs(temps) if temps is not None else np.float64(a_k + b_k * 50.0)
            out[name] = np.asarray(tolerance_k / dt_sensor, dtype=np.float64)
    if meters.heat_source is HeatSource.HEAT_METER:
        out["calculator"] = np.asarray((0.5 + meters.dtmin_k / dt_abs) / 100.0, dtype=np.float64)
    return out


def component_mpe_at(
    meters: MeterClasses, *, flow_m3h: float | None, flow_c: float | None, return_c: float | None
) -> dict[str, float]:
    """:func:`component_mpe` of one reading, with floats (a poll's: numpy's per-call overhead is most of it)."""
    if meters.heat_source is HeatSource.HEAT_METER:
        a_pct, b_pct, cap_pct = HEAT_METER_FLOW_MPE_PCT[meters.heat_meter_class]
        flow_pct = cap_pct
        if flow_m3h is not None and meters.heat_meter_qp_m3h is not None and flow_m3h > 0:
            flow_pct = min(a_pct + b_pct * meters.heat_meter_qp_m3h / flow_m3h, cap_pct)
        out = {"flow": flow_pct / 100.0}
    else:
        out = {"flow": meters.flow_meter_pct / 100.0}
    delta = None if flow_c is None or return_c is None else abs(flow_c - return_c)
    dt_abs = meters.dtmin_k if delta is None or not math.isfinite(delta) else max(delta, meters.dtmin_k)
    if meters.heat_source is HeatSource.HEAT_METER or meters.matched_pair:
        out["temperature_pair"] = (0.5 + 3.0 * meters.dtmin_k / dt_abs) / 100.0
    else:
        dt_sensor = SENSOR_DT_FLOOR_K if delta is None or not math.isfinite(delta) else max(delta, SENSOR_DT_FLOOR_K)
        a_k, b_k = SENSOR_TOLERANCE_K[meters.sensor_class]
        for name, temp in (("flow_sensor", flow_c), ("return_sensor", return_c)):
            out[name] = (a_k + b_k * (abs(temp) if temp is not None else 50.0)) / dt_sensor
    if meters.heat_source is HeatSource.HEAT_METER:
        out["calculator"] = (0.5 + meters.dtmin_k / dt_abs) / 100.0
    return out


def heat_groups(meters: MeterClasses) -> tuple[tuple[str, ...], ...]:
    """The heat's error factors: components of one group add, the groups multiply."""
    if meters.heat_source is HeatSource.HEAT_METER:
        return (("flow",), ("temperature_pair",), ("calculator",))
    if meters.matched_pair:
        return (("flow",), ("temperature_pair",))
    return (("flow",), ("flow_sensor", "return_sensor"))


@dataclass
class HeatErrorSums:
    """Per group of intervals (modes, or one): the heat and each component's heat-weighted MPE, summed."""

    groups: int = 1
    heat_wh: list[FloatArray] = field(default_factory=list)
    weighted: dict[str, list[FloatArray]] = field(default_factory=dict)

    def add(self, heat_wh: FloatArray, mpe: Mapping[str, FloatArray | float], group: IntArray | None = None) -> None:
        """One chunk: each interval's heat (NaN or masked: not counted) and its components' MPE."""
        counted = np.isfinite(heat_wh)
        index = np.zeros(heat_wh.size, dtype=np.int64) if group is None else group.astype(np.int64)
        index, heat = index[counted], heat_wh[counted]
        self.heat_wh.append(np.bincount(index, weights=heat, minlength=self.groups).astype(np.float64))
        for name, fraction in mpe.items():
            values = np.broadcast_to(fraction, heat_wh.shape)[counted]
            # The error of heat from a sensor is rho cp q x its error whatever the sign of dT (|h| / |dT|).
            weights = np.abs(heat) * values if name.endswith("_sensor") else heat * values
            self.weighted.setdefault(name, []).append(
                np.bincount(index, weights=weights, minlength=self.groups).astype(np.float64)
            )

    def relative(self, group: int | None = 0) -> dict[str, float]:
        """Each component's heat-weighted MPE as a fraction of the group's heat (its error's half-width);
        ``group`` None: of all groups together."""

        def total(parts: list[FloatArray]) -> float:
            return math.fsum(float(p.sum() if group is None else p[group]) for p in parts)

        heat = total(self.heat_wh)
        if heat <= 0:
            return {}
        return {name: abs(total(parts)) / heat for name, parts in self.weighted.items()}


def _latin_hypercube() -> FloatArray:
    """A Latin hypercube of uniform draws on [-1, 1]: each column's strata each hit once (fixed seed)."""
    rng = np.random.default_rng(_SEED)
    strata = np.stack([rng.permutation(_DRAWS) for _ in range(_MAX_COMPONENTS)], axis=1)
    return 2.0 * (strata + rng.random((_DRAWS, _MAX_COMPONENTS))) / _DRAWS - 1.0


_UNIT_DRAWS = _latin_hypercube()
_BOUNDS: dict[tuple[tuple[tuple[float, ...], ...], tuple[float, ...]], tuple[float, float]] = {}
_MAX_CACHED = 4096


def _ratio_bounds(heat: tuple[tuple[float, ...], ...], elec: tuple[float, ...]) -> tuple[float, float]:
    """2.5 and 97.5 % quantiles of true / measured = (1 + e_elec) / prod(1 + e_heat group), cached."""
    if (cached := _BOUNDS.get((heat, elec))) is not None:
        return cached
    if len(_BOUNDS) >= _MAX_CACHED:
        _BOUNDS.clear()
    bounds = _BOUNDS[heat, elec] = _quantiles(heat, elec)
    return bounds


def _quantiles(heat: tuple[tuple[float, ...], ...], elec: tuple[float, ...]) -> tuple[float, float]:
    draws = _UNIT_DRAWS
    column = 0
    denominator = np.ones(_DRAWS)
    for group in heat:
        factor = np.ones(_DRAWS)
        for half_width in group:
            factor += half_width * draws[:, column]
            column += 1
        denominator *= factor
    numerator = np.ones(_DRAWS)
    for half_width in elec:
        numerator += half_width * draws[:, column]
        column += 1
    low, high = np.quantile(numerator / denominator, [(1 - COVERAGE) / 2, (1 + COVERAGE) / 2])
    return float(low), float(high)


def _key(value: float) -> float:
    # four significant digits: the bounds move by far less than the figure's last shown digit
    return float(f"{value:.4g}")


def ratio_bounds(heat_groups: Sequence[Sequence[float]], elec_half_widths: Sequence[float]) -> tuple[float, float]:
    """Bounds of true / measured for these relative half-widths (heat: groups that multiply)."""
    heat = tuple(tuple(_key(w) for w in group if w > 0) for group in heat_groups)
    elec = tuple(_key(w) for w in elec_half_widths if w > 0)
    if sum(len(g) for g in heat) + len(elec) > _MAX_COMPONENTS:
        raise ValueError("more error components than the drawn sample holds")
    return _ratio_bounds(tuple(g for g in heat if g), elec)


def elec_half_widths(meters: MeterClasses, feeds_kwh: Sequence[float]) -> list[float]:
    """Each electricity meter's share of the total times its MPE (each feed is its own meter)."""
    total = math.fsum(feeds_kwh)
    if total <= 0:
        return []
    return [meters.elec_meter_class / 100.0 * kwh / total for kwh in feeds_kwh if kwh > 0]


# Beyond this half-width of one heat factor (50 %) the first-order error model no longer holds.
MAX_HEAT_HALF_WIDTH = 0.5


def interval(
    value: float | None, meters: MeterClasses, heat_relative: Mapping[str, float], feeds_kwh: Sequence[float]
) -> dict[str, float | None]:
    """``{"spf_low", "spf_high", "relative_95"}`` of a measured figure (nulls where it has none)."""
    if value is None or not heat_relative:
        return {"spf_low": None, "spf_high": None, "relative_95": None}
    groups = [[heat_relative.get(name, 0.0) for name in group] for group in heat_groups(meters)]
    if any(math.fsum(group) >= MAX_HEAT_HALF_WIDTH for group in groups):
        # The net heat is a small difference of large flows (heat delivered less heat drawn back, or
        # readings around zero): its error is no longer small against it, the ratio's distribution has no
        # meaningful 95 % interval (a draw can turn the heat's sign). No band rather than a wrong one.
        return {"spf_low": None, "spf_high": None, "relative_95": None}
    low, high = ratio_bounds(groups, elec_half_widths(meters, feeds_kwh))
    return {"spf_low": value * low, "spf_high": value * high, "relative_95": (high - low) / 2.0}
