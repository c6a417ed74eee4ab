"""Command line: ``python -m custom_components.ashp_cop.engine scop|fluid|analyze``.

Every command prints JSON on stdout. Bad input prints one line on stderr
naming the field and the reason, and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .analyze import AnalysisOptions, analyze
from .en14825 import CLIMATES, calculate_scop, parse_datasheet
from .errors import EngineInputError
from .fluids import Medium, check_medium, check_temperature, cp_j_per_kg_k, density_kg_per_m3
from .heat import HeatCircuit, MeterPosition
from .timeseries import KNOWN_COLUMNS, PRESETS, read_csv

EXIT_BAD_INPUT = 2


def _scop(args: argparse.Namespace) -> Any:
    try:
        data = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except OSError as err:
        raise EngineInputError("file", f"cannot read {args.file}: {err.strerror}") from None
    except json.JSONDecodeError as err:
        raise EngineInputError("file", f"{args.file} is not valid JSON (line {err.lineno}: {err.msg})") from None
    if isinstance(data, list):
        results = []
        for index, item in enumerate(data):
            try:
                results.append(calculate_scop(parse_datasheet(item)).as_dict(with_bins=args.bins))
            except EngineInputError as err:
                raise EngineInputError(f"[{index}].{err.field}", err.reason) from None
        return results
    return calculate_scop(parse_datasheet(data)).as_dict(with_bins=args.bins)


def _fluid(args: argparse.Namespace) -> Any:
    medium = check_medium(args.medium, args.mass_fraction)
    check_temperature(medium, args.mass_fraction, args.temp)
    return {
        "cp_j_per_kg_k": cp_j_per_kg_k(medium, args.mass_fraction, args.temp),
        "density_kg_per_m3": density_kg_per_m3(medium, args.mass_fraction, args.temp),
    }


def _column_map(args: argparse.Namespace) -> dict[str, str]:
    mapping = dict(PRESETS[args.preset]) if args.preset else {}
    for item in args.column or []:
        name, sep, source = item.partition("=")
        if not sep or not source:
            raise EngineInputError("--column", f"{item!r} must look like NAME=HEADER")
        mapping[name] = source
    return mapping


def _analyze(args: argparse.Namespace) -> Any:
    if args.climate not in CLIMATES:
        choices = ", ".join(sorted(CLIMATES))
        raise EngineInputError("climate", f"unknown climate {args.climate!r} (choose one of {choices})")
    medium = check_medium(args.medium, args.mass_fraction)
    options = AnalysisOptions(
        circuit=HeatCircuit(
            medium=medium,
            mass_fraction_pct=args.mass_fraction,
            meter_position=MeterPosition(args.meter_position),
        ),
        climate=args.climate,
        running_threshold_w=args.running_threshold,
        max_gap_s=args.max_gap,
        backup_heat_metered=not args.backup_outside_heat_meter,
        list_defrost_events=not args.no_events,
    )
    return analyze(read_csv(args.file, _column_map(args)), options)


def build_parser() -> argparse.ArgumentParser:
    """Argument parser of the engine's command line."""
    parser = argparse.ArgumentParser(prog="python -m custom_components.ashp_cop.engine", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    scop = commands.add_parser("scop", help="EN 14825 SCOP of one datasheet or a JSON array of them")
    scop.add_argument("file", help="JSON file: one datasheet object or an array of them")
    scop.add_argument("--bins", action="store_true", help="include the per-bin breakdown")
    scop.set_defaults(run=_scop)

    fluid = commands.add_parser("fluid", help="density and specific heat of the heat-transfer medium")
    fluid.add_argument("--medium", default="water", help=", ".join(m.value for m in Medium))
    fluid.add_argument("--mass-fraction", type=float, default=0.0, help="glycol content, %% by mass")
    fluid.add_argument("--temp", type=float, required=True, help="temperature, C")
    fluid.set_defaults(run=_fluid)

    report = commands.add_parser("analyze", help="field performance report of a CSV time series")
    report.add_argument("file", help="CSV with a timestamp column and any of: " + ", ".join(KNOWN_COLUMNS))
    report.add_argument("--climate", default="average", help="EN 14825 climate for the normalised SCOP")
    report.add_argument("--medium", default="water", help=", ".join(m.value for m in Medium))
    report.add_argument("--mass-fraction", type=float, default=0.0, help="glycol content, %% by mass")
    report.add_argument("--meter-position", choices=[p.value for p in MeterPosition], default="return")
    report.add_argument("--running-threshold", type=float, default=100.0, help="W below which the unit is off")
    report.add_argument("--max-gap", type=float, default=None, help="longest interval integrated, s")
    report.add_argument(
        "--backup-outside-heat-meter", action="store_true", help="the backup heater's heat is not metered"
    )
    report.add_argument("--preset", choices=sorted(PRESETS), help="column names of a known exporter")
    report.add_argument("--column", action="append", metavar="NAME=HEADER", help="read column NAME from HEADER")
    report.add_argument("--no-events", action="store_true", help="leave the per-event defrost list out")
    report.set_defaults(run=_analyze)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        result = args.run(args)
    except EngineInputError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0
