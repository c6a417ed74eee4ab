"""One system of a fleet: its file analysed by ``analyze`` over every period, as result rows.

Each period's figures are ``analyze`` of the samples in that period, with
the options ``engine analyze`` uses by default; the period ``all`` is
``analyze`` of the whole file, so a fleet row and ``engine analyze FILE``
agree to the last bit. A file or period that cannot be analysed gives a row
whose ``error`` says why; the other columns are then empty.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..allocator import tune_for_large_arrays
from ..analyze import AnalysisOptions, analyze
from ..errors import EngineInputError
from ..interval_means import prepared
from ..periods import periods_of
from ..timeseries import PRESETS
from .columnar import read_series

# The columns tests and tools rely on, first in every table (others follow, sorted).
CONTRACT_COLUMNS = ("system", "period", "spf", "heat_kwh", "elec_kwh", "hours", "error")
_EXTENSIONS = (".csv.gz", ".csv", ".parquet")
OPTIONS = AnalysisOptions(list_defrost_events=False)
Row = dict[str, Any]


def system_name(path: str | Path) -> str:
    """The file's name without its extensions: ``system_44_hourly.csv.gz`` -> ``system_44_hourly``."""
    name = Path(path).name
    for extension in _EXTENSIONS:
        if name.lower().endswith(extension):
            return name[: -len(extension)]
    return name


def flatten(report: Mapping[str, Any], prefix: str = "") -> Row:
    """The report's scalar figures as ``a.b.c`` columns; lists (events, bins) are left out.

    Whatever the analysis reports (fields other helpers add included) becomes
    a column without this module knowing it.
    """
    row: Row = {}
    for key, value in report.items():
        if isinstance(value, Mapping):
            row.update(flatten(value, f"{prefix}{key}."))
        elif not isinstance(value, list):
            row[f"{prefix}{key}"] = value
    return row


def _row(system: str, period: str, report: Mapping[str, Any], period_h: float) -> Row:
    carnot = report.get("carnot") or {}
    flow, outdoor = carnot.get("mean_flow_temp_c"), carnot.get("mean_outdoor_temp_c")
    hours = float(report["measured_hours"])
    return {
        "system": system,
        "period": period,
        "spf": report["spf"],
        "heat_kwh": report["heat_kwh"],
        "elec_kwh": report["elec_kwh"],
        "hours": hours,
        "error": None,
        "period_hours": period_h,
        "coverage": hours / period_h if period_h > 0 else None,
        # Heat-weighted means of the Carnot account (carnot.py): the fleet relation's x.
        "flow_minus_outdoor_k": flow - outdoor if flow is not None and outdoor is not None else None,
        **flatten(report),
    }


def error_row(system: str, period: str, reason: str) -> Row:
    """A row that says why ``system`` (or one of its periods) has no figures."""
    return {"system": system, "period": period, "spf": None, "heat_kwh": None, "elec_kwh": None, "hours": None,
            "error": reason}  # fmt: skip


def analyse_system(path: str, preset: str | None = None) -> list[Row]:
    """Rows of one system: one per period; a single ``all`` row with the reason if the file is unusable."""
    system = system_name(path)
    tune_for_large_arrays()  # in each worker process, as in the command line (allocator.py)
    try:
        series = read_series(path, PRESETS[preset] if preset else None)
    except EngineInputError as err:
        return [error_row(system, "all", str(err))]
    except Exception as err:  # a fleet goes on past any one unreadable file
        return [error_row(system, "all", f"{type(err).__name__}: {err}")]
    instants, gap_s = prepared(series, preset)  # interval means as instants (interval_means.py)
    options = OPTIONS if gap_s is None else dataclasses.replace(OPTIONS, max_gap_s=gap_s)
    rows = []
    for period in periods_of(series.start_s, series.end_s):
        part = instants if period.start_s is None else instants.between(period.start_s, period.end_s)
        try:
            report = analyze(part, options)
        except EngineInputError as err:
            rows.append(error_row(system, period.name, str(err)))
            continue
        rows.append(_row(system, period.name, report, period.length_h(series.start_s, series.end_s)))
    return rows


def analyse_systems(paths: list[str], preset: str | None = None) -> list[list[Row]]:
    """One task of a fleet run: each system's rows, in the order of ``paths``."""
    return [analyse_system(path, preset) for path in paths]
