"""The audit report: one self-contained HTML file per system, and one of the fleet.

Plots are drawn by matplotlib (Agg) as SVG and embedded as base64 data URIs,
so the file opens offline, sends as one attachment and prints on A4 (the
page CSS sets the size and keeps each figure on one page). Every figure is
one the engine computes: analyze for the SPFs (whole file, each month),
installer.py for heat loss and the heating curve, the fleet relation for
where the system stands. A plot the data cannot support is replaced by a
sentence saying why.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from ..analyze import AnalysisOptions, analyze
from ..cycling import running_samples
from ..defrost import detect_active
from ..en14825 import calculate_scop, parse_datasheet
from ..errors import EngineInputError
from ..fleet_relation import FleetRelation, fit_relation
from ..inputs import read_json_text
from ..installer import HEATING_DAY_MAX_C, MIN_MEASURED_H, DailyFigures, daily_figures, installer_figures
from ..interval_means import prepared
from ..timeseries import PRESETS, TimeSeries
from .columnar import read_series
from .systems import system_name

# heatpumpmonitor.org's published relation (225 systems): the reference without a fleet of one's own.
PUBLISHED_RELATION = {"slope_per_k": -0.110, "intercept": 7.04, "half_width": 0.51, "source": "heatpumpmonitor.org"}
# Compressor runs and defrost cycles last minutes: coarser samples cannot resolve them.
RUNS_MAX_STEP_S = 300.0
DEFROST_MAX_STEP_S = 120.0
_FIGSIZE = (7.0, 3.4)

_CSS = """
@page { size: A4; margin: 14mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #222;
       max-width: 180mm; margin: auto; }
h1 { font-size: 16pt; margin-bottom: 2pt; } h2 { font-size: 12pt; margin-top: 14pt; border-bottom: 1px solid #999; }
table { border-collapse: collapse; margin: 6pt 0; }
td, th { border: 1px solid #bbb; padding: 2pt 6pt; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 8pt 0; break-inside: avoid; page-break-inside: avoid; } img { width: 100%; }
figcaption, .note { font-size: 9pt; color: #555; }
"""


def _svg(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(fig: Any, caption: str) -> str:
    return (
        f'<figure><img alt="{html.escape(caption)}" src="data:image/svg+xml;base64,{_svg(fig)}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def _note(text: str) -> str:
    return f'<p class="note">{html.escape(text)}</p>'


def _axes(xlabel: str, ylabel: str, title: str) -> tuple[Any, Any]:
    fig, ax = plt.subplots(figsize=_FIGSIZE)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    return fig, ax


def _fmt(value: Any, digits: int = 2, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{unit}"
    return f"{value}{unit}"


def _table(rows: Sequence[tuple[str, str]]) -> str:
    cells = "".join(f'<tr><th>{html.escape(k)}</th><td class="n">{html.escape(v)}</td></tr>' for k, v in rows)
    return f"<table>{cells}</table>"


def _monthly(series: TimeSeries, options: AnalysisOptions) -> tuple[list[str], list[float | None]]:
    """SPF of each calendar month: analyze of that month's samples (None where it has none to integrate)."""
    first = datetime.fromtimestamp(series.start_s, tz=UTC)
    last = datetime.fromtimestamp(series.end_s, tz=UTC)
    labels, values = [], []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        nxt = (year + (month == 12), month % 12 + 1)
        start = datetime(year, month, 1, tzinfo=UTC).timestamp()
        end = datetime(nxt[0], nxt[1], 1, tzinfo=UTC).timestamp()
        try:
            spf = analyze(series.between(start, end), options)["spf"]
        except EngineInputError:
            spf = None
        labels.append(f"{year}-{month:02d}")
        values.append(spf if isinstance(spf, float) else None)
        year, month = nxt
    return labels, values


def _monthly_plot(labels: list[str], values: list[float | None]) -> str:
    fig, ax = _axes("month", "SPF (system boundary, H4)", "Monthly SPF")
    heights = [v if v is not None else 0.0 for v in values]
    ax.bar(range(len(labels)), heights, color="#3a7ebf")
    step = max(1, len(labels) // 18)
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=60, fontsize=7)
    return _figure(fig, "SPF of each calendar month (heat over all electricity); a missing bar: no measured hour.")


def _daily_plots(daily: DailyFigures, figures: Mapping[str, Any]) -> str:
    days, hours = daily.days, daily.hours
    full = days.measured_h >= MIN_MEASURED_H
    parts = []
    fig, ax = _axes("daily mean outdoor temperature (°C)", "daily COP (–)", "Daily COP against outdoor temperature")
    ax.scatter(days.outdoor_c[full], days.cop[full], s=6, alpha=0.5, color="#c0392b")
    ax.set_ylim(0, max(7.0, float(np.nanpercentile(days.cop[full], 99)) if full.any() else 7.0))
    parts.append(_figure(fig, f"Each point is one day with at least {MIN_MEASURED_H:g} hours measured."))
    fig, ax = _axes(
        "daily mean outdoor temperature (°C)", "mean heat output (kW)", "Daily heat against outdoor temperature"
    )
    ax.scatter(days.outdoor_c[full], days.mean_heat_kw[full], s=6, alpha=0.5)
    caption = "Heat loss: " + (figures.get("heat_loss_reason") or "")
    if figures.get("heat_loss_w_per_k") is not None:
        h, tb = figures["heat_loss_w_per_k"], figures["balance_temp_c"]
        x = np.linspace(min(figures["design_temp_c"], float(np.nanmin(days.outdoor_c))), tb, 50)
        ax.plot(x, h * (tb - x) / 1000.0, color="k", label=f"H = {h:.0f} W/K, Tb = {tb:.1f} °C")
        ax.axvline(figures["design_temp_c"], ls=":", color="grey", label=f"design {figures['design_temp_c']:g} °C")
        ax.legend(fontsize=8)
        caption = (
            f"Fitted heat loss H = {h:.0f} W/K, balance temperature {tb:.1f} °C "
            f"(R² {figures['heat_loss_r_squared']:.2f}, {figures['heat_loss_days_used']} heating days)."
        )
    parts.append(_figure(fig, caption))
    fig, ax = _axes(
        "hourly mean outdoor temperature (°C)",
        "heat-weighted flow temperature (°C)",
        "Flow temperature against outdoor temperature (heating curve as run)",
    )
    heating = (hours.measured_h >= 1.0) & (hours.outdoor_c < HEATING_DAY_MAX_C) & (hours.heat_kwh > 0)
    ax.scatter(hours.outdoor_c[heating], hours.flow_c[heating], s=2, alpha=0.15, color="#8e44ad")
    caption = "Weather compensation: " + (figures.get("weather_comp_reason") or "")
    if figures.get("weather_comp_slope_k_per_k") is not None:
        slope, at0 = figures["weather_comp_slope_k_per_k"], figures["weather_comp_flow_at_0c"]
        x = np.linspace(float(np.nanmin(hours.outdoor_c)), HEATING_DAY_MAX_C, 20)
        ax.plot(x, at0 + slope * x, color="k", label=f"flow = {at0:.1f} °C {slope:+.2f} K/K × outdoor")
        ax.legend(fontsize=8)
        caption = (
            f"Heating curve as run (each point a heating hour): {slope:+.2f} K per K, {at0:.1f} °C at 0 °C outdoor."
        )
    parts.append(_figure(fig, caption))
    return "".join(parts)


def _cycling_plots(series: TimeSeries, step_s: float) -> str:
    if step_s > RUNS_MAX_STEP_S:
        return _note(
            f"Cycling: samples every {step_s:g} s cannot resolve compressor runs (needs {RUNS_MAX_STEP_S:g} s or less)."
        )
    running = running_samples(series.get("compressor_running"), series.columns["elec_power_w"], 100.0)
    state = np.nan_to_num(running, nan=0.0) >= 0.5
    starts = np.flatnonzero(state[1:] & ~state[:-1]) + 1
    stops = np.flatnonzero(~state[1:] & state[:-1]) + 1
    stops = stops[stops > (starts[0] if starts.size else 0)]
    count = min(starts.size, stops.size)
    lengths_min = (series.t_s[stops[:count]] - series.t_s[starts[:count]]) / 60.0
    days = np.floor(series.t_s[starts] / 86_400.0)
    per_day = np.unique(days, return_counts=True)[1] if days.size else np.empty(0)
    if count == 0:
        return _note("Cycling: no compressor run in the data.")
    fig, (left, right) = plt.subplots(1, 2, figsize=_FIGSIZE)
    left.hist(per_day, bins=np.arange(0, per_day.max() + 2) - 0.5, color="#16a085")
    left.set_xlabel("compressor starts per day")
    left.set_ylabel("days")
    right.hist(lengths_min, bins=np.linspace(0.0, float(lengths_min.max()) * 1.05, 31), color="#d35400")
    right.set_xlabel("run length (min)")
    right.ticklabel_format(axis="x", useOffset=False, style="plain")
    right.set_ylabel("runs")
    fig.suptitle("Cycling", fontsize=10)
    fig.tight_layout()
    return _figure(
        fig,
        f"{count} run{'s' if count != 1 else ''}; median {np.median(lengths_min):.0f} min, "
        f"median {np.median(per_day):.0f} starts on a day with one.",
    )


def _defrost_plot(series: TimeSeries, step_s: float) -> str:
    flow, ret, outdoor = series.get("flow_temp_c"), series.get("return_temp_c"), series.get("outdoor_temp_c")
    signal = series.get("defrost")
    if step_s > DEFROST_MAX_STEP_S or outdoor is None or (signal is None and (flow is None or ret is None)):
        return _note(
            f"Defrost: needs samples every {DEFROST_MAX_STEP_S:g} s or less, outdoor temperature and a "
            "defrost signal or flow and return temperatures (defrost cycles last minutes)."
        )
    unit = series.columns["elec_power_w"]
    running = np.isfinite(unit) & (unit >= 100.0)
    active = detect_active(running, flow - ret if flow is not None and ret is not None else None, signal)
    bins = np.arange(-15, 21, 2)
    which = np.digitize(outdoor, bins)
    run_n = np.bincount(which[running], minlength=bins.size + 1)
    defrost_n = np.bincount(which[running & active], minlength=bins.size + 1)
    if not defrost_n.any():
        hours = float(np.count_nonzero(running)) * step_s / 3600.0
        return _note(f"Defrost: no defrost cycle detected in {hours:,.0f} running hours.")
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(run_n > 0, defrost_n / run_n * 100.0, np.nan)
    fig, ax = _axes(
        "outdoor temperature (°C)", "share of running time in defrost (%)", "Defrost by outdoor temperature"
    )
    centres = np.concatenate(([bins[0] - 1], bins + 1.0))
    ax.bar(centres, share, width=1.8, color="#2980b9")
    return _figure(fig, "Time in defrost over running time, per 2 K band of outdoor temperature.")


def _relation_plot(
    points: Sequence[tuple[str, float, float]], relation: Mapping[str, Any], highlight: str | None, title: str
) -> str:
    fig, ax = _axes("heat-weighted flow minus outdoor temperature (K)", "SPF (–)", title)
    xs = np.array([p[1] for p in points], dtype=np.float64)
    ys = np.array([p[2] for p in points], dtype=np.float64)
    span = np.linspace(
        min(15.0, float(xs.min()) - 2 if xs.size else 15.0), max(40.0, float(xs.max()) + 2 if xs.size else 40.0), 50
    )
    line = relation["slope_per_k"] * span + relation["intercept"]
    half = (
        relation["half_width"](span) if callable(relation["half_width"]) else np.full(span.size, relation["half_width"])
    )
    ax.fill_between(span, line - half, line + half, alpha=0.2, color="grey", label="90 % prediction interval")
    ax.plot(
        span,
        line,
        color="k",
        label=f"SPF = {relation['slope_per_k']:.3f} × dT + {relation['intercept']:.2f} ({relation['source']})",
    )
    ax.scatter(xs, ys, s=14, color="#3a7ebf", label="systems")
    for name, x, y in points:
        if name == highlight:
            ax.scatter([x], [y], s=80, color="#c0392b", marker="*", zorder=5, label=name)
    ax.legend(fontsize=7)
    return _figure(
        fig,
        "Lower flow temperatures above the outdoor air give higher SPFs; the band is where 90 % of "
        "new systems with the same temperatures would fall.",
    )


def _relation_dict(relation: FleetRelation | None) -> dict[str, Any]:
    if relation is None:
        return {**PUBLISHED_RELATION}
    return {
        "slope_per_k": relation.slope,
        "intercept": relation.intercept,
        "half_width": relation.half_width,
        "source": f"this fleet, {relation.systems} systems",
    }


def system_report(
    path: str,
    *,
    preset: str | None = None,
    datasheet: Any = None,
    relation: FleetRelation | None = None,
    fleet_points: Sequence[tuple[str, float, float]] = (),
) -> str:
    """The HTML audit report of one system's file."""
    # interval means (a preset's) as instants, with their gap limit (interval_means.py)
    series, gap_s = prepared(read_series(path, PRESETS[preset] if preset else None), preset)
    options = AnalysisOptions(list_defrost_events=False, max_gap_s=gap_s)
    report: dict[str, Any] = analyze(series, options)
    scop = None
    pdesignh = None
    if datasheet is not None:
        sheet = parse_datasheet(datasheet)
        scop, pdesignh = calculate_scop(sheet).scop, sheet.pdesignh_kw
    daily = daily_figures(series, options)
    figures = installer_figures(daily, options.climate, pdesignh)
    name = system_name(path)
    modes = report["modes"] if isinstance(report["modes"], dict) else {}
    boundaries = report["spf_boundaries"] if isinstance(report["spf_boundaries"], dict) else {}
    normalised = report.get("climate_normalised") if isinstance(report.get("climate_normalised"), dict) else None
    carnot = report["carnot"] if isinstance(report["carnot"], dict) else {}
    dt = (
        carnot["mean_flow_temp_c"] - carnot["mean_outdoor_temp_c"]
        if carnot.get("mean_flow_temp_c") is not None and carnot.get("mean_outdoor_temp_c") is not None
        else None
    )
    period_h = (series.end_s - series.start_s) / 3600.0
    summary = [
        ("period", f"{report['start'][:10]} to {report['end'][:10]}"),
        ("hours measured (coverage)", f"{report['measured_hours']:,.0f} h ({report['measured_hours'] / period_h:.0%})"),
        ("heat / electricity", f"{report['heat_kwh']:,.0f} kWh / {report['elec_kwh']:,.0f} kWh"),
        ("SPF system (H4)", _fmt(boundaries.get("system"))),
        ("SPF unit + backup (H2)", _fmt(boundaries.get("unit_backup"))),
        ("SPF unit (H1)", _fmt(boundaries.get("unit"))),
        *((f"COP {mode.replace('_', ' ')}", _fmt(v.get("cop"))) for mode, v in modes.items() if v.get("hours")),
        ("climate-normalised SCOP (EN 14825 average)", _fmt(normalised.get("scop") if normalised else None)),
        ("datasheet SCOP (EN 14825)", _fmt(scop)),
        ("heat-weighted flow − outdoor", _fmt(dt, 1, " K")),
        ("practical efficiency (of Carnot)", _fmt(carnot.get("practical_efficiency"), 2)),
    ]
    installer = [
        ("heat-loss coefficient", _fmt(figures.get("heat_loss_w_per_k"), 0, " W/K")),
        ("balance temperature", _fmt(figures.get("balance_temp_c"), 1, " °C")),
        (
            "fit R² (heating days used)",
            f"{_fmt(figures.get('heat_loss_r_squared'))} ({figures['heat_loss_days_used']})",
        ),
        (f"design heat load at {figures['design_temp_c']:g} °C", _fmt(figures.get("design_heat_load_kw"), 1, " kW")),
        (
            "oversizing factor",
            f"{_fmt(figures.get('oversizing_factor'))} ({figures.get('oversizing_capacity_source') or '—'})",
        ),
        ("heating curve slope", _fmt(figures.get("weather_comp_slope_k_per_k"), 2, " K/K")),
        ("flow temperature at 0 °C outdoor", _fmt(figures.get("weather_comp_flow_at_0c"), 1, " °C")),
    ]
    step_s = series.median_step_s()
    points = list(fleet_points) or ([(name, dt, report["spf"])] if dt is not None and report["spf"] else [])
    body = [
        f"<h1>Heat pump audit: {html.escape(name)}</h1>",
        _note(
            f"ashp_cop engine report of {Path(path).name}; SPF on the SEPEMO boundaries; energies by the "
            "trapezoid over the hours where heat and electricity are both measured."
        ),
        "<h2>Summary</h2>",
        _table(summary),
        "<h2>Installer figures</h2>",
        _table(installer),
        "<h2>Monthly SPF</h2>",
        _monthly_plot(*_monthly(series, options)),
        "<h2>Daily figures</h2>",
        _daily_plots(daily, figures),
        "<h2>Cycling</h2>",
        _cycling_plots(series, step_s),
        "<h2>Defrost</h2>",
        _defrost_plot(series, step_s),
    ]
    if scop is not None:
        fig, ax = _axes("", "seasonal performance (–)", "Datasheet against field")
        labels = ["datasheet SCOP", "measured SPF", "climate-normalised SPF"]
        values = [scop, report["spf"] or 0.0, (normalised or {}).get("scop") or 0.0]
        ax.bar(labels, values, color=["#7f8c8d", "#3a7ebf", "#16a085"])
        body += [
            "<h2>Datasheet</h2>",
            _figure(
                fig,
                "EN 14825 SCOP of the datasheet beside the measured SPF and the SPF "
                "normalised to the EN 14825 average climate.",
            ),
        ]
    if points:
        body += [
            "<h2>Against the fleet</h2>",
            _relation_plot(points, _relation_dict(relation), name, "Where this system stands"),
        ]
    return _page(f"Heat pump audit: {name}", body)


def _page(title: str, body: Sequence[str]) -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>\n"
    )


def _half_width_at_mean(relation: FleetRelation) -> float:
    return float(relation.half_width(relation.mean_dt_k))


def fleet_report(rows: Sequence[Mapping[str, Any]], summary: Mapping[str, Any], relation: FleetRelation | None) -> str:
    """The HTML report of a fleet: SPF against dT with the fitted line and band, the distribution of SPF."""
    points = [(s["system"], s["flow_minus_outdoor_k"], s["spf"]) for s in summary["systems"] if s.get("in_fit")]
    spfs = np.array([p[2] for p in points], dtype=np.float64)
    body = [
        f"<h1>Fleet audit: {summary['systems_analysed']} systems</h1>",
        _note(
            f"Period {summary['period']}; systems with at least {summary['min_coverage']:.0%} of the hours "
            f"measured enter the relation ({len(points)}). Failed: {len(summary['systems_failed'])}."
        ),
    ]
    if relation is not None and points:
        body.append(
            _relation_plot(points, _relation_dict(relation), None, "SPF against flow-minus-outdoor temperature")
        )
        body.append(
            _table(
                [
                    ("slope", f"{relation.slope:.3f} per K"),
                    ("intercept", f"{relation.intercept:.2f}"),
                    ("R²", f"{relation.r_squared:.2f}"),
                    ("90 % prediction interval at the mean dT", f"± {_half_width_at_mean(relation):.2f}"),
                ]
            )
        )
    else:
        body.append(_note(f"No fleet relation: {summary.get('relation_reason')}"))
    if spfs.size:
        fig, ax = _axes("SPF (–)", "systems", "Distribution of SPF")
        ax.hist(spfs, bins=min(30, max(5, spfs.size // 3)), color="#3a7ebf")
        body.append(
            _figure(
                fig,
                f"Median {np.median(spfs):.2f}, 10th to 90th percentile "
                f"{np.percentile(spfs, 10):.2f} to {np.percentile(spfs, 90):.2f}.",
            )
        )
    ranked = sorted((s for s in summary["systems"] if s.get("residual") is not None), key=lambda s: s["residual"])
    body.append("<h2>Systems by residual (measured − predicted SPF)</h2>")
    body.append(_table([(s["system"], _residual_text(s)) for s in ranked]))
    return _page("Fleet audit", body)


def _residual_text(system: Mapping[str, Any]) -> str:
    return f"{system['residual']:+.2f} (SPF {system['spf']:.2f}, dT {system['flow_minus_outdoor_k']:.1f} K)"


def _write(target: Path, text: str) -> Path:
    temp = target.with_name(f".{target.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    temp.replace(target)
    return target


def report_command(path: str, out: str, *, preset: str | None, datasheet: str | None) -> dict[str, Any]:
    """What ``engine report`` does: write one system's report; returns what it prints."""
    sheet = json.loads(read_json_text(datasheet)) if datasheet else None
    target = _write(Path(out), system_report(path, preset=preset, datasheet=sheet))
    return {"report": str(target)}


def write_system_report(
    path: str,
    folder: str,
    preset: str | None,
    relation: FleetRelation | None,
    points: Sequence[tuple[str, float, float]],
) -> str:
    """One system's report into ``folder`` (run on a worker of the fleet's cluster); returns its path."""
    target = Path(folder) / f"{system_name(path)}.html"
    return str(_write(target, system_report(path, preset=preset, relation=relation, fleet_points=points)))


def write_fleet_reports(
    paths: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    summary: Mapping[str, Any],
    folder: Path,
    preset: str | None,
    *,
    client: Any = None,
) -> list[Path]:
    """``fleet.html`` and one report per system that could be analysed, into ``folder``.

    With a Dask ``client`` the systems' reports are drawn on its workers, like the analyses.
    """
    folder.mkdir(parents=True, exist_ok=True)
    points = [(s["system"], s["flow_minus_outdoor_k"], s["spf"]) for s in summary["systems"] if s.get("in_fit")]
    fitted = fit_relation(
        np.array([p[1] for p in points], dtype=np.float64), np.array([p[2] for p in points], dtype=np.float64)
    )
    relation = fitted if isinstance(fitted, FleetRelation) else None
    written = [_write(folder / "fleet.html", fleet_report(rows, summary, relation))]
    failed = set(summary["systems_failed"])
    todo = [path for path in paths if system_name(path) not in failed]
    options: dict[str, Any] = {"folder": str(folder), "preset": preset, "relation": relation, "points": points}
    if client is None:
        reports = [write_system_report(path, **options) for path in todo]
    else:
        reports = client.gather(client.map(write_system_report, todo, pure=False, **options))
    return written + [Path(p) for p in reports]
