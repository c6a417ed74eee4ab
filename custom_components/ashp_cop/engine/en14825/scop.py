"""EN 14825:2018 bin method: SCOPon, SCOPnet, SCOP and eta_s,h from a datasheet.

Per bin j of the reference climate (temperature Tj, hours hj):

* part load ratio pl(Tj) = (Tj - 16) / (Tdesignh - 16)            (formula 1)
* building heating load Ph(Tj) = Pdesignh * pl(Tj)
* declared capacity Pdh(Tj), COPd(Tj) and Cdh(Tj) interpolated linearly
  between the test points (clause 8.4; choices in docs/engine.md)
* below TOL the unit is off: elbu(Tj) = Ph(Tj)
* between TOL and Tbiv, where Pdh(Tj) < Ph(Tj), the unit runs flat out and
  the backup heater tops up: elbu(Tj) = Ph(Tj) - Pdh(Tj), COPbin = COPd
* at and above Tbiv a Pdh(Tj) under Ph(Tj) counts no backup (Tbiv is where
  the unit covers the load; a few percent under is test tolerance); where it
  falls short by more than SHORTFALL_TOLERANCE the declared Tbiv cannot be
  right: the result says so (``shortfall_warning``, naming tbiv_c) and gives
  the SCOP with that shortfall counted as backup heat, elbu(Tj) = Ph(Tj) -
  Pdh(Tj) wherever Pdh(Tj) < Ph(Tj), as formula 19's QSUP counts it
  (``scop_counting_shortfall``). The SCOP itself stays the declaration's way
  of computing it: the KEYMARK declarations do not count it (docs/engine.md)
* where Pdh(Tj) >= Ph(Tj) the unit cycles: CR = Ph/Pdh and, for water-based
  units, COPbin = COPd * CR / (Cdh * CR + 1 - Cdh)          (clause 8.5, formula 14)

Sums over the bins give
QH = sum hj Ph, QHE = sum hj (Ph - elbu)/COPbin, QSUP = sum hj elbu,
SCOPon = QH / (QHE + QSUP)                                  (formula 19)
SCOPnet = sum hj (Ph - elbu) / QHE                          (formula 20)
SCOP = QH / (QH/SCOPon + HTO PTO + HSB PSB + HCK PCK + HOFF POFF)   (formula 18)
eta_s,h = SCOP / CC - sum F(i), F(1) = 3 % (temperature controls),
F(2) = 5 % for water- or brine-source units (Regulation (EU) 813/2013 Annex III).

The loop is plain Python on purpose: a datasheet has at most 38 bins, where
numpy's per-call overhead costs more than it saves, and plain floats keep the
result bit-for-bit reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from typing import Literal

from ..errors import EngineInputError
from .climate import climate_by_name
from .datasheet import DEFAULT_CC, Datasheet, TestPoint

# Regulation (EU) 813/2013 Annex III, eta_s correction factors, in percent.
F1_TEMPERATURE_CONTROLS_PCT = 3.0
F2_GROUND_WATER_PUMP_PCT = 5.0
# Above Tbiv, a declared capacity further than this under the load is not test tolerance:
# the declared Tbiv is wrong (docs/engine.md: 487 of 26,485 KEYMARK records, 1.8 %).
SHORTFALL_TOLERANCE = 0.10


@dataclass(frozen=True, slots=True)
class ScopMethod:
    """The choices EN 14825 leaves open; docs/engine.md says why each default."""

    above_last_point: Literal["hold", "extrapolate"] = "extrapolate"
    cdh_between_points: Literal["interpolate", "colder_point"] = "interpolate"


DEFAULT_METHOD = ScopMethod()


@dataclass(frozen=True, slots=True)
class BinResult:
    """One temperature bin of the calculation (energies in kWh over the season)."""

    t_c: int
    hours: float
    load_kw: float
    pdh_kw: float
    cop_declared: float
    cop_bin: float
    backup_kw: float
    heat_kwh: float
    heat_pump_elec_kwh: float
    backup_kwh: float


@dataclass(frozen=True, slots=True)
class ScopResult:
    """EN 14825 figures of one datasheet."""

    climate: str
    scop: float
    scop_on: float
    scop_net: float
    eta_s_pct: float
    qh_kwh: float
    qhe_kwh: float
    qsup_kwh: float
    qoff_kwh: float
    annual_elec_kwh: float
    bins: tuple[BinResult, ...]
    shortfall_warning: str | None = None
    scop_counting_shortfall: float | None = None

    def as_dict(self, *, with_bins: bool = False) -> dict[str, object]:
        """The CLI's and the action's JSON result."""
        out: dict[str, object] = {
            "climate": self.climate,
            "scop": self.scop,
            "scop_on": self.scop_on,
            "scop_net": self.scop_net,
            "eta_s_pct": self.eta_s_pct,
            "qh_kwh": self.qh_kwh,
            "qhe_kwh": self.qhe_kwh,
            "qsup_kwh": self.qsup_kwh,
            "qoff_kwh": self.qoff_kwh,
            "annual_elec_kwh": self.annual_elec_kwh,
        }
        if self.shortfall_warning is not None:
            out["shortfall_warning"] = self.shortfall_warning
            out["scop_counting_shortfall"] = self.scop_counting_shortfall
        if with_bins:
            out["bins"] = [
                {
                    "t_c": b.t_c,
                    "hours": b.hours,
                    "load_kw": b.load_kw,
                    "pdh_kw": b.pdh_kw,
                    "cop_declared": b.cop_declared,
                    "cop_bin": b.cop_bin,
                    "backup_kw": b.backup_kw,
                }
                for b in self.bins
            ]
        return out


class _DeclaredCurve:
    """Pdh, COPd and Cdh at any outdoor temperature, linear between test points."""

    def __init__(self, points: Iterable[TestPoint], method: ScopMethod) -> None:
        unique: dict[float, TestPoint] = {}
        for point in points:
            # Duplicates carry the same figures (checked at parse time); keep the first.
            unique.setdefault(point.t_c, point)
        self._points = sorted(unique.values(), key=lambda p: p.t_c)
        self._method = method

    def at(self, t_c: float) -> tuple[float, float, float]:
        pts = self._points
        if t_c <= pts[0].t_c:
            p = pts[0]
            return p.pdh_kw, p.cop, p.cdh
        if t_c >= pts[-1].t_c:
            if self._method.above_last_point == "hold" or t_c == pts[-1].t_c:
                p = pts[-1]
                return p.pdh_kw, p.cop, p.cdh
            lo, hi = pts[-2], pts[-1]
        else:
            hi_index = next(i for i, p in enumerate(pts) if p.t_c >= t_c)
            lo, hi = pts[hi_index - 1], pts[hi_index]
        frac = (t_c - lo.t_c) / (hi.t_c - lo.t_c)
        pdh = lo.pdh_kw + frac * (hi.pdh_kw - lo.pdh_kw)
        cop = lo.cop + frac * (hi.cop - lo.cop)
        if pdh <= 0 or cop <= 0:
            # A steep fall between the last two points would extrapolate to a
            # non-physical value: hold the last point instead.
            pdh, cop = hi.pdh_kw, hi.cop
        if self._method.cdh_between_points == "colder_point" or t_c > hi.t_c:
            cdh = lo.cdh if t_c < hi.t_c else hi.cdh
        else:
            cdh = lo.cdh + frac * (hi.cdh - lo.cdh)
        return pdh, cop, cdh


@dataclass(frozen=True, slots=True)
class _Season:
    bins: tuple[BinResult, ...]
    qh: float
    qhe: float
    qsup: float
    heat_by_unit: float


def _season(sheet: Datasheet, method: ScopMethod, *, count_shortfall: bool) -> _Season:
    climate = climate_by_name(sheet.climate)
    curve = _DeclaredCurve(sheet.points, method)
    bins: list[BinResult] = []
    qh = qhe = qsup = heat_by_unit = 0.0
    for tj, hj in zip(climate.bins_c, climate.bin_hours, strict=True):
        load_kw = sheet.pdesignh_kw * climate.part_load_ratio(tj)
        pdh, cop_d, cdh = curve.at(tj)
        if tj < sheet.tol_c:
            backup_kw, cop_bin = load_kw, cop_d
        elif pdh < load_kw and (tj < sheet.tbiv_c or count_shortfall):
            backup_kw, cop_bin = load_kw - pdh, cop_d
        elif pdh < load_kw:
            # At and above Tbiv the unit covers the load by definition of Tbiv;
            # a declared Pdh a few percent under Ph there is test tolerance.
            backup_kw, cop_bin = 0.0, cop_d
        else:
            cr = load_kw / pdh
            backup_kw, cop_bin = 0.0, cop_d * cr / (cdh * cr + 1.0 - cdh)
        unit_heat_kw = load_kw - backup_kw
        bin_heat = hj * load_kw
        bin_unit_elec = hj * unit_heat_kw / cop_bin
        bin_backup = hj * backup_kw
        qh += bin_heat
        qhe += bin_unit_elec
        qsup += bin_backup
        heat_by_unit += hj * unit_heat_kw
        bins.append(BinResult(tj, hj, load_kw, pdh, cop_d, cop_bin, backup_kw, bin_heat, bin_unit_elec, bin_backup))
    return _Season(tuple(bins), qh, qhe, qsup, heat_by_unit)


def _shortfall(sheet: Datasheet, bins: Iterable[BinResult]) -> str | None:
    """Where the unit falls short of the load at or above its declared Tbiv by more than test tolerance."""
    short = [b for b in bins if b.t_c >= max(sheet.tbiv_c, sheet.tol_c) and b.pdh_kw < b.load_kw]
    worst = max(short, key=lambda b: 1.0 - b.pdh_kw / b.load_kw, default=None)
    if worst is None or 1.0 - worst.pdh_kw / worst.load_kw <= SHORTFALL_TOLERANCE:
        return None
    return (
        f"tbiv_c: at {worst.t_c} C, at or above Tbiv ({sheet.tbiv_c:g} C), the unit covers only "
        f"{100.0 * worst.pdh_kw / worst.load_kw:.0f} % of the load (Pdh {worst.pdh_kw:.2f} kW < Ph "
        f"{worst.load_kw:.2f} kW): the declared Tbiv cannot be right; scop_counting_shortfall counts the "
        "shortfall as backup heat (EN 14825:2018 formula 19, elbu = Ph - Pdh)"
    )


def calculate_scop(sheet: Datasheet, method: ScopMethod = DEFAULT_METHOD) -> ScopResult:
    """EN 14825:2018 SCOP of one validated datasheet."""
    climate = climate_by_name(sheet.climate)
    season = _season(sheet, method, count_shortfall=False)
    hours = climate.off_mode_hours(reversible=sheet.reversible_offmode_hours)
    off = sheet.offmode
    qoff = (
        hours.off_h * off.off_w
        + hours.thermostat_off_h * off.thermostat_off_w
        + hours.standby_h * off.standby_w
        + hours.crankcase_h * off.crankcase_w
    ) / 1000.0
    source = sheet.water_or_brine_source
    seasonal = seasonal_figures(season.qh, season.qhe, season.qsup, qoff, cc=sheet.cc, water_or_brine_source=source)
    warning = _shortfall(sheet, season.bins)
    counted = None
    if warning is not None:
        counting = _season(sheet, method, count_shortfall=True)
        counted = seasonal_figures(
            counting.qh, counting.qhe, counting.qsup, qoff, cc=sheet.cc, water_or_brine_source=source
        ).scop
    qh, qhe, bins = season.qh, season.qhe, season.bins
    result = ScopResult(
        climate=climate.name,
        scop=seasonal.scop,
        scop_on=seasonal.scop_on,
        scop_net=season.heat_by_unit / qhe if qhe > 0 else seasonal.scop_on,
        eta_s_pct=seasonal.eta_s_pct,
        qh_kwh=qh,
        qhe_kwh=qhe,
        qsup_kwh=season.qsup,
        qoff_kwh=qoff,
        annual_elec_kwh=qhe + season.qsup + qoff,
        bins=bins,
        shortfall_warning=warning,
        scop_counting_shortfall=counted,
    )
    # parse_datasheet's ranges keep every figure finite; a Datasheet built in code
    # skips them, and an overflow must never reach JSON as NaN or Infinity.
    if not all(math.isfinite(v) for v in astuple(result)[1:10]) or not all(
        math.isfinite(v) for b in bins for v in astuple(b)
    ):
        raise EngineInputError("datasheet", "the figures overflow (a value far outside what a heat pump declares)")
    return result


@dataclass(frozen=True, slots=True)
class SeasonalFigures:
    """SCOPon, SCOP and eta_s,h from the season's energies."""

    scop_on: float
    scop: float
    eta_s_pct: float


def seasonal_figures(
    qh_kwh: float,
    qhe_kwh: float,
    qsup_kwh: float,
    qoff_kwh: float,
    *,
    cc: float = DEFAULT_CC,
    water_or_brine_source: bool = False,
) -> SeasonalFigures:
    """EN 14825 formulas 19 and 18 and Regulation 813/2013's eta_s,h.

    SCOPon = QH / (QHE + QSUP); SCOP = QH / (QH / SCOPon + Qoff);
    eta_s,h = SCOP / CC * 100 - F(1) [- F(2)].
    """
    scop_on = qh_kwh / (qhe_kwh + qsup_kwh)
    scop = qh_kwh / (qh_kwh / scop_on + qoff_kwh)
    corrections = F1_TEMPERATURE_CONTROLS_PCT + (F2_GROUND_WATER_PUMP_PCT if water_or_brine_source else 0.0)
    return SeasonalFigures(scop_on=scop_on, scop=scop, eta_s_pct=scop / cc * 100.0 - corrections)


def calculate_scop_many(sheets: Iterable[Datasheet], method: ScopMethod = DEFAULT_METHOD) -> list[ScopResult]:
    """SCOP of many datasheets, in input order."""
    return [calculate_scop(sheet, method) for sheet in sheets]
