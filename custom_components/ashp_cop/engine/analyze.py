"""Field performance report of a measured time series.

Heat: the heat meter's power where present, else m_dot * cp * dT (heat.py).
Electricity: the unit's meter, plus backup heater and circulation pump
meters where present. All energies use the trapezoid rule on the intervals
where every channel the figure needs was measured (energy.py), so a ratio is
never taken between energies of different hours.

Seasonal performance factors on the SEPEMO boundaries (Zottl et al.,
SEPEMO-Build D4.2, 2012):
  unit         (H1) heat from the unit / unit electricity while running
  unit_backup  (H2) + backup heater (its heat is its electricity)
  system       (H4) + circulation pumps and the unit's standby electricity
``spf`` is the system figure: net heat (defrost netted) over all electricity.

These combined figures are of the heating modes: with a ``mode`` column, the halves of each interval
read in cooling mode are left out of them (cooling has its own EER in ``modes``), as live leaves them
out (README, "How the figures are defined"). Defrost heat is the heat drawn back inside a defrost;
negative heat outside one is a debt later heat pays off, as live.py carries it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from .arrays import BoolArray, FloatArray, IntArray
from .audit import BOUNDARY_FEEDS, AuditAccount, ChunkFeeds, apply_resolution, boundary_code
from .carnot import CarnotAccount, carnot_account, interval_means
from .climate_normalised import normalised_scop
from .cop import DEFAULT_RUNNING_THRESHOLD_W, period_cop
from .cycling import SeriesCycles, running_samples
from .defrost import DEFAULT_ENTER_DELTA_K, DEFAULT_EXIT_DELTA_K, DefrostTracker, detect_active, pay_off_debt
from .energy import GAP_LIMIT_INTERVALS, Intervals, interval_energy_wh
from .errors import EngineInputError
from .fluids import check_temperature
from .frosting import DEFAULT_TIFR_C, MeasuredPenalty, penalty_from_measurements
from .heat import HeatCircuit, heat_power_w, preferred_heat_power_w
from .mode_analysis import MODE_COLUMN, CarnotInputs, ModeSums
from .modes import MODES, Mode
from .spf import EnergyBalance
from .timeseries import SeriesSource, TimeSeries
from .uncertainty import MeterChoice

SECONDS_PER_HOUR = 3600.0
# A series is analysed in chunks of about this many rows, cut at whole hours,
# so memory stays that of one chunk. Up to this length the figures are numpy's
# sums over the whole series; past it, the chunks' sums are added exactly
# (math.fsum), which may differ from one whole-series sum in the last bit.
ROWS_PER_CHUNK = 1 << 20
_HEAT_FROM_FLOW = frozenset({"flow_temp_c", "return_temp_c", "flow_rate_m3h"})


@dataclass(frozen=True, slots=True)
class AnalysisOptions:
    """Choices of the analysis; the defaults suit an ordinary installation."""

    circuit: HeatCircuit = field(default_factory=HeatCircuit)
    climate: str = "average"
    running_threshold_w: float = DEFAULT_RUNNING_THRESHOLD_W
    max_gap_s: float | None = None
    backup_heat_metered: bool = True
    defrost_enter_delta_k: float = DEFAULT_ENTER_DELTA_K
    defrost_exit_delta_k: float = DEFAULT_EXIT_DELTA_K
    tifr_c: float = DEFAULT_TIFR_C
    list_defrost_events: bool = True
    meters: MeterChoice = field(default_factory=MeterChoice)  # accuracy classes, for the 95 % intervals
    # what the unit's electricity meter also covers (or the installation lacks): backup, pumps
    elec_meter_includes: frozenset[str] = frozenset()

    def gap_limit_s(self, sampling_interval_s: float) -> float:
        """The longest interval integrated: ``max_gap_s`` if given, else 1.5 sampling intervals (energy.py)."""
        return self.max_gap_s if self.max_gap_s is not None else sampling_interval_s * GAP_LIMIT_INTERVALS


def _defrost_source(names: frozenset[str]) -> str:
    if "defrost" in names:
        return "signal"
    return "reversed_flow" if {"flow_temp_c", "return_temp_c"} <= names else "none"


def iso_utc(t_s: float) -> str:
    """A moment (epoch s) as the report writes it: ISO 8601 in UTC."""
    return datetime.fromtimestamp(t_s, tz=UTC).isoformat()


def _heat_power(series: TimeSeries, circuit: HeatCircuit) -> FloatArray:
    metered = series.get("heat_power_w")
    parts = [series.get(n) for n in ("flow_temp_c", "return_temp_c", "flow_rate_m3h")]
    if any(p is None for p in parts):
        if metered is None:
            raise EngineInputError(
                "heat_power_w", "missing column: give heat_power_w or flow_temp_c, return_temp_c and flow_rate_m3h"
            )
        return metered
    flow_c, return_c, flow_m3h = (p for p in parts if p is not None)
    for name, temps in (("flow_temp_c", flow_c), ("return_temp_c", return_c)):
        finite = temps[np.isfinite(temps)]
        if finite.size:
            check_temperature(circuit.medium, circuit.mass_fraction_pct, float(finite.min()), name)
            check_temperature(circuit.medium, circuit.mass_fraction_pct, float(finite.max()), name)
    return preferred_heat_power_w(heat_power_w(circuit, flow_c, return_c, flow_m3h), metered)


@dataclass(frozen=True, slots=True)
class _Hourly:
    """Hourly heat, electricity (kWh) and mean outdoor temperature of one chunk."""

    mean_temp_c: FloatArray
    heat_kwh: FloatArray
    elec_kwh: FloatArray


def _hourly(
    t_start_s: FloatArray,
    usable: BoolArray,
    heat_wh: FloatArray,
    elec_wh: FloatArray,
    *,
    sample_t_s: FloatArray,
    outdoor: FloatArray,
) -> _Hourly:
    """Per hour with a measured interval: heat, electricity and the mean of its outdoor samples."""
    hour_of_interval = np.floor(t_start_s / SECONDS_PER_HOUR).astype(np.int64)
    hour_of_sample = np.floor(sample_t_s / SECONDS_PER_HOUR).astype(np.int64)
    hours, inverse = _sorted_unique(hour_of_interval[usable])
    if hours.size == 0:
        return _Hourly(np.empty(0), np.empty(0), np.empty(0))
    heat = np.bincount(inverse, weights=heat_wh[usable], minlength=hours.size) / 1000.0
    elec = np.bincount(inverse, weights=elec_wh[usable], minlength=hours.size) / 1000.0
    known = np.isfinite(outdoor)
    pos = np.searchsorted(hours, hour_of_sample[known])
    pos_ok = (pos < hours.size) & (hours[np.minimum(pos, hours.size - 1)] == hour_of_sample[known])
    temp_sum = np.bincount(pos[pos_ok], weights=outdoor[known][pos_ok], minlength=hours.size)
    temp_n = np.bincount(pos[pos_ok], minlength=hours.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_temp = np.where(temp_n > 0, temp_sum / temp_n, np.nan)
    return _Hourly(mean_temp, heat, elec)


def _sorted_unique(values: IntArray) -> tuple[IntArray, IntArray]:
    """``np.unique(values, return_inverse=True)`` of values already in order (the intervals' hours), without
    its sort: one pass instead of an argsort of a million rows per chunk."""
    if values.size < 2 or not bool(np.all(values[1:] >= values[:-1])):
        hours, inverse = np.unique(values, return_inverse=True)
        return hours, inverse
    first = np.empty(values.size, dtype=bool)
    first[0] = True
    np.not_equal(values[1:], values[:-1], out=first[1:])
    return values[first], np.cumsum(first) - 1


def _hour_cut(t_s: FloatArray, rows_per_chunk: int) -> int | None:
    """Index of the first sample of an hour, as late as possible within ``rows_per_chunk``."""
    hours = np.floor(t_s / SECONDS_PER_HOUR).astype(np.int64)
    new_hour = np.flatnonzero(hours[1:] != hours[:-1]) + 1
    if new_hour.size == 0:
        return None
    within = new_hour[new_hour <= rows_per_chunk]
    return int(within[-1]) if within.size else int(new_hour[0])


def _hour_chunks(blocks: Iterator[TimeSeries], rows_per_chunk: int) -> Iterator[tuple[TimeSeries, bool]]:
    """Consecutive chunks that end on the first sample of an hour, which starts the next chunk too.

    Each interval then lies in exactly one chunk, every hour's intervals and
    samples in the same one; the flag marks the last chunk. A series of up to
    ``rows_per_chunk`` rows is one chunk.
    """
    buffer: list[TimeSeries] = []
    size = 0
    for block in blocks:
        buffer.append(block)
        size += len(block)
        if size <= rows_per_chunk:
            continue
        pending = TimeSeries.concatenate(buffer)
        while len(pending) > rows_per_chunk and (cut := _hour_cut(pending.t_s, rows_per_chunk)) is not None:
            yield pending.slice(0, cut + 1), False
            pending = pending.slice(cut, len(pending))
        buffer = [pending.copy()]
        size = len(pending)
    yield TimeSeries.concatenate(buffer), True


@dataclass
class _Totals:
    """Sums over the chunks: each figure's partial sums, added once at the end."""

    parts: dict[str, list[float]] = field(default_factory=dict)
    hourly: list[_Hourly] = field(default_factory=list)

    def add(self, name: str, value: float) -> None:
        self.parts.setdefault(name, []).append(value)

    def total(self, name: str) -> float:
        # One chunk (a series of up to ROWS_PER_CHUNK rows) gives numpy's own sum unchanged.
        return math.fsum(self.parts.get(name, ()))


class _Analysis:
    """The analysis of one series, fed chunk by chunk."""

    def __init__(self, options: AnalysisOptions, max_gap_s: float, audit: AuditAccount, step_s: float) -> None:
        self.options = options
        self.max_gap_s = max_gap_s
        self.audit = audit
        self.step_s = step_s
        self.totals = _Totals()
        self.defrost = DefrostTracker()
        self.modes = ModeSums(options.backup_heat_metered)
        self.cycles = SeriesCycles(max_gap_s)
        self.carnot = CarnotAccount()
        self.heat_debt_wh = 0.0  # negative heat outside defrosts not yet netted from later heat (as live)

    def add(self, chunk: TimeSeries, last: bool) -> None:
        options, totals = self.options, self.totals
        intervals = Intervals.of(chunk.t_s, self.max_gap_s)
        every_mode_unit_w = chunk.columns["elec_power_w"]
        every_mode_heat_w = _heat_power(chunk, options.circuit)
        every_mode_backup_w, every_mode_pump_w = chunk.get("backup_power_w"), chunk.get("pump_power_w")
        # Every figure below is taken over the same intervals: all channels measured.
        every_mode_unit_wh = interval_energy_wh(every_mode_unit_w, intervals)
        usable = np.isfinite(every_mode_unit_wh)
        for power in (every_mode_heat_w, every_mode_backup_w, every_mode_pump_w):
            if power is not None:
                usable &= np.isfinite(interval_energy_wh(power, intervals))
        with np.errstate(invalid="ignore", divide="ignore"):
            unit_mean_w = every_mode_unit_wh * SECONDS_PER_HOUR / intervals.dt_s
        running = usable & (unit_mean_w >= options.running_threshold_w)
        standby = usable & ~running
        # The combined (heating) figures leave cooling out, as live does (README, "How the figures are
        # defined"): a reading taken in cooling mode stands for no heating power, so each interval keeps
        # the trapezoid's half of the ends that were not cooling (the modes.py rule).
        modes = self.modes.fill(chunk.get(MODE_COLUMN), chunk.t_s.size)
        cooling_row = modes == MODES.index(Mode.COOLING)
        unit_w, heat_w = _heating_only(every_mode_unit_w, cooling_row), _heating_only(every_mode_heat_w, cooling_row)
        backup_w = None if every_mode_backup_w is None else _heating_only(every_mode_backup_w, cooling_row)
        pump_w = None if every_mode_pump_w is None else _heating_only(every_mode_pump_w, cooling_row)
        unit_wh = interval_energy_wh(unit_w, intervals)
        backup_wh = interval_energy_wh(backup_w, intervals) if backup_w is not None else np.zeros_like(unit_wh)
        pump_wh = interval_energy_wh(pump_w, intervals) if pump_w is not None else np.zeros_like(unit_wh)

        flow_c, return_c = chunk.get("flow_temp_c"), chunk.get("return_temp_c")
        sample_running = np.isfinite(every_mode_unit_w) & (every_mode_unit_w >= options.running_threshold_w)
        delta_t = flow_c - return_c if flow_c is not None and return_c is not None else None
        active = detect_active(
            sample_running,
            delta_t,
            chunk.get("defrost"),
            options.defrost_enter_delta_k,
            options.defrost_exit_delta_k,
            initial=self.defrost.state_before,
            cooling=cooling_row,
        )
        self.defrost.add(chunk.t_s, active, heat_w, intervals, last=last)
        # Heat drawn back while defrosting (either end of the interval in a defrost) is defrost heat;
        # negative heat outside a defrost (a meter's offset while idle) is a debt later heat pays off, as live.
        heat_pos_wh = interval_energy_wh(np.maximum(heat_w, 0.0), intervals)
        heat_neg_wh = np.where(usable, -interval_energy_wh(np.minimum(heat_w, 0.0), intervals), 0.0)
        in_defrost = active[:-1] | active[1:]
        defrost_wh = np.where(in_defrost, heat_neg_wh, 0.0)
        paid_wh, self.heat_debt_wh = pay_off_debt(
            self.heat_debt_wh, np.where(usable, heat_pos_wh, 0.0), np.where(in_defrost, 0.0, heat_neg_wh)
        )
        heat_wh = heat_pos_wh - paid_wh - defrost_wh
        for name, energy_wh, mask in (("heat", heat_wh, usable), ("heat_positive", heat_pos_wh, usable),
                                      ("defrost_heat", defrost_wh, usable),
                                      ("unit_running", unit_wh, running), ("standby", unit_wh, standby),
                                      ("backup", backup_wh, usable), ("pump", pump_wh, usable)):  # fmt: skip
            totals.add(name, float(np.sum(energy_wh[mask])))
        totals.add("measured_intervals", float(np.count_nonzero(usable)))
        totals.add("measured_s", float(intervals.dt_s[usable].sum()))
        totals.add("unmeasured_s", float(intervals.dt_s[~usable].sum()))
        totals.add("running_s", float(intervals.dt_s[running].sum()))
        zeros = np.zeros_like(every_mode_unit_w)
        backup = every_mode_backup_w if every_mode_backup_w is not None else zeros
        outdoor = chunk.get("outdoor_temp_c")
        carnot = CarnotInputs(
            heat_wh, unit_wh, heat_w, unit_w, interval_means(flow_c), interval_means(outdoor), running
        )
        self.modes.add(modes, dt_s=intervals.dt_s, usable=usable,
                       heat_halves_wh=_heat_halves_wh(every_mode_heat_w, heat_pos_wh, paid_wh, in_defrost=in_defrost,
                                                      cooling_row=cooling_row, dt_s=intervals.dt_s),
                       elec_w=every_mode_unit_w + backup + (every_mode_pump_w if every_mode_pump_w is not None
                                                            else zeros),
                       backup_w=backup, carnot=carnot)  # fmt: skip
        self._audit(chunk, last, heat=(heat_w, heat_wh), feeds_wh=(unit_wh, backup_wh, pump_wh), usable=usable,
                    running=running)  # fmt: skip

        self.cycles.add(
            chunk.t_s, running_samples(chunk.get("compressor_running"), every_mode_unit_w, options.running_threshold_w)
        )
        self.carnot.merge(carnot_account(carnot.heat_wh, carnot.elec_wh, carnot.flow_c, carnot.outdoor_c, running))
        if outdoor is not None:
            own = chunk.t_s.size if last else chunk.t_s.size - 1
            elec_wh = unit_wh + backup_wh + pump_wh
            totals.hourly.append(
                _hourly(chunk.t_s[:-1], usable, heat_wh, elec_wh, sample_t_s=chunk.t_s[:own], outdoor=outdoor[:own])
            )

    def _audit(
        self, chunk: TimeSeries, last: bool, *, heat: tuple[FloatArray, FloatArray],
        feeds_wh: tuple[FloatArray, FloatArray, FloatArray], usable: BoolArray, running: BoolArray,
    ) -> None:  # fmt: skip
        """The audit's sums of this chunk (audit.py): error weights, coverage, heat-meter errors."""
        heat_w, heat_wh = heat
        flow_c, return_c, flow_m3h = (chunk.get(n) for n in ("flow_temp_c", "return_temp_c", "flow_rate_m3h"))
        flow_heat_w = None
        if flow_c is not None and return_c is not None and flow_m3h is not None:
            metered = "heat_power_w" in chunk.columns
            flow_heat_w = heat_power_w(self.options.circuit, flow_c, return_c, flow_m3h) if metered else heat_w
        powers = {"heat": heat_w, "elec": chunk.columns["elec_power_w"], "backup": chunk.get("backup_power_w"),
                  "pumps": chunk.get("pump_power_w")}  # fmt: skip
        self.audit.add(
            ChunkFeeds(
                t_s=chunk.t_s,
                own_rows=chunk.t_s.size if last else chunk.t_s.size - 1,
                step_s=self.step_s,
                heat_w=heat_w,
                unit_w=chunk.columns["elec_power_w"],
                metered_feeds={name: p for name, p in powers.items() if p is not None},
                flow_c=flow_c,
                return_c=return_c,
                flow_m3h=flow_m3h,
                flow_heat_w=flow_heat_w,
                heat_wh=np.where(usable, heat_wh, np.nan),
                feeds_wh=dict(zip(("unit", *BOUNDARY_FEEDS), feeds_wh, strict=True)),
                running=running,
                modes=self.modes.last_modes,
                running_threshold_w=self.options.running_threshold_w,
            )
        )


def _metered(names: frozenset[str], includes: frozenset[str]) -> frozenset[str]:
    """What the electricity metered covers: the feeds with their own column, and what the unit's meter includes."""
    own = {"backup"} if "backup_power_w" in names else set()
    own |= {"pumps"} if "pump_power_w" in names else set()
    return frozenset(own | (includes & set(BOUNDARY_FEEDS)))


def _audit_report(report: dict[str, object], audit: AuditAccount, series: SeriesSource, step_s: float) -> None:
    """The audit's keys beside the figures (audit.py): intervals, boundary, coverage, resolution, publication."""
    spf = report["spf"]
    assert spf is None or isinstance(spf, float)
    report["uncertainty"] = audit.uncertainty(spf)
    report["boundary"] = boundary_code(audit.metered)
    report["meters"] = audit.meters.as_report()
    modes = report["modes"]
    assert isinstance(modes, dict)
    for index, mode in enumerate(MODES):
        figures = modes[mode.value]
        cop = figures["cop"]
        figures["uncertainty"] = audit.uncertainty(cop if isinstance(cop, float) else None, index)
        figures["boundary"] = report["boundary"]
    report["coverage"] = audit.coverage_report(series.start_s, series.end_s, step_s)
    elec = report["elec_kwh"]
    assert isinstance(elec, float)
    report["publication"] = audit.publication(
        spf=spf, elec_kwh=elec, start_s=series.start_s, end_s=series.end_s, step_s=step_s
    )
    apply_resolution(report, step_s)


def _heating_only(power_w: FloatArray, cooling_row: BoolArray) -> FloatArray:
    """A power with the readings taken while cooling at 0: its trapezoid is the heating modes' share."""
    return np.where(cooling_row, 0.0, power_w) if cooling_row.any() else power_w


def _heat_halves_wh(
    heat_w: FloatArray,
    heat_pos_wh: FloatArray,
    paid_wh: FloatArray,
    *,
    in_defrost: BoolArray,
    cooling_row: BoolArray,
    dt_s: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Each interval's heat charged to the mode of its start and of its end (the trapezoid's halves).

    A heating mode gets its half's heat delivered, less its share of the debt the interval paid off
    (in proportion, as live.py's split) and less the heat a defrost drew back; cooling gets its half's
    heat removed, as a negative number (mode_analysis.py reports its sign turned).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        kept = np.where(heat_pos_wh > 0, (heat_pos_wh - paid_wh) / heat_pos_wh, 1.0)
    half_h = 0.5 * dt_s / SECONDS_PER_HOUR
    halves = []
    for take in (slice(None, -1), slice(1, None)):
        power, cooling = heat_w[take], cooling_row[take]
        positive, negative = np.maximum(power, 0.0) * half_h, np.minimum(power, 0.0) * half_h
        heating_wh = positive * kept + np.where(in_defrost, negative, 0.0)
        halves.append(np.where(cooling, negative, heating_wh))
    return halves[0], halves[1]


def analyze(series: SeriesSource, options: AnalysisOptions = AnalysisOptions()) -> dict[str, object]:
    """The JSON report of ``engine analyze`` for one time series (in memory or streamed from a file)."""
    if "elec_power_w" not in series.names:
        raise EngineInputError("elec_power_w", "missing column: the unit's electric power is needed for any COP")
    if series.rows < 2:
        raise EngineInputError("timestamp", "needs at least two rows to integrate energy")
    if "heat_power_w" not in series.names and not series.names >= _HEAT_FROM_FLOW:
        raise EngineInputError(
            "heat_power_w", "missing column: give heat_power_w or flow_temp_c, return_temp_c and flow_rate_m3h"
        )
    sampling_interval_s = series.median_step_s()
    max_gap_s = options.gap_limit_s(sampling_interval_s)
    audit = AuditAccount(
        options.meters.resolve(heat_metered="heat_power_w" in series.names),
        _metered(series.names, options.elec_meter_includes),
    )
    analysis = _Analysis(options, max_gap_s, audit, sampling_interval_s)
    for chunk, last in _hour_chunks(series.blocks(), ROWS_PER_CHUNK):
        analysis.add(chunk, last)
    totals, events = analysis.totals, analysis.defrost.events
    if totals.total("measured_intervals") == 0:
        raise EngineInputError(
            "file",
            f"no interval has heat and electricity measured at both ends within {max_gap_s:g} s: nothing to integrate",
        )

    heat_kwh = totals.total("heat") / 1000.0
    heat_positive_kwh = totals.total("heat_positive") / 1000.0
    unit_running_kwh = totals.total("unit_running") / 1000.0
    standby_kwh = totals.total("standby") / 1000.0
    backup_kwh = totals.total("backup") / 1000.0
    pump_kwh = totals.total("pump") / 1000.0
    balance = EnergyBalance(heat_kwh, unit_running_kwh, standby_kwh, backup_kwh, pump_kwh, options.backup_heat_metered)
    elec_kwh = balance.elec_kwh
    defrost_heat_kwh = totals.total("defrost_heat") / 1000.0
    running_s = totals.total("running_s")
    defrost_s = float(sum(e.duration_s for e in events))
    names = series.names

    report: dict[str, object] = {
        "rows": series.rows,
        "start": iso_utc(series.start_s),
        "end": iso_utc(series.end_s),
        "sampling_interval_s": sampling_interval_s,
        "max_gap_s": max_gap_s,
        "measured_hours": totals.total("measured_s") / SECONDS_PER_HOUR,
        "unmeasured_hours": totals.total("unmeasured_s") / SECONDS_PER_HOUR,
        "heat_kwh": heat_kwh,
        "heat_positive_kwh": heat_positive_kwh,
        "elec_kwh": elec_kwh,
        "spf": balance.spf_boundaries()["system"],
        "spf_boundaries": balance.spf_boundaries(),
        "elec_breakdown_kwh": {
            "unit_running": unit_running_kwh,
            "unit_standby": standby_kwh,
            "backup": backup_kwh,
            "pumps": pump_kwh,
        },
        "running_hours": running_s / SECONDS_PER_HOUR,
        "defrost": {
            "source": _defrost_source(names),
            "count": len(events),
            "total_duration_s": defrost_s,
            "heat_kwh": defrost_heat_kwh,
            "heat_share": period_cop(defrost_heat_kwh, heat_positive_kwh),
            "time_share": defrost_s / running_s if running_s > 0 else None,
            "events": [
                {
                    "start": iso_utc(e.start_s),
                    "end": iso_utc(e.end_s),
                    "duration_s": e.duration_s,
                    "heat_drawn_kwh": e.heat_drawn_kwh,
                }
                for e in events
            ]
            if options.list_defrost_events
            else None,
        },
        "cycling": {
            "source": "compressor_running" if "compressor_running" in names else "running_threshold",
            **analysis.cycles.counts.as_report(),
        },
        "carnot": analysis.carnot.as_report(),
        "ignored_columns": list(series.ignored_columns),
        "modes": analysis.modes.report(),
    }
    if "outdoor_temp_c" not in names:
        report["climate_normalised"] = None
        report["frosting_penalty"] = "needs outdoor_temp_c"
    else:
        mean_temp = np.concatenate([h.mean_temp_c for h in totals.hourly])
        hourly_heat = np.concatenate([h.heat_kwh for h in totals.hourly])
        hourly_elec = np.concatenate([h.elec_kwh for h in totals.hourly])
        report["climate_normalised"] = normalised_scop(options.climate, mean_temp, hourly_heat, hourly_elec).as_dict()
        running_hours = hourly_elec * 1000.0 >= options.running_threshold_w
        measured = penalty_from_measurements(
            mean_temp[running_hours], hourly_heat[running_hours], hourly_elec[running_hours], options.tifr_c
        )
        report["frosting_penalty"] = (
            {
                "penalty": measured.penalty,
                "tifr_c": measured.tifr_c,
                "hours_above_tifr": measured.hours_above,
                "hours_below_tifr": measured.hours_below,
            }
            if isinstance(measured, MeasuredPenalty)
            else measured
        )
    _audit_report(report, audit, series, sampling_interval_s)
    return report
