"""Command line: ``python -m custom_components.ashp_cop.engine scop|fluid|analyze|fleet|report``.

Every command prints JSON on stdout (never NaN or Infinity). Bad input prints
one line on stderr naming the field and the reason, and exits with status 2;
so does output that cannot be written (a reader such as ``head`` that stops).
A batch of datasheets (``scop`` on a JSON array) answers each in its place: a
datasheet that is refused gets ``{"error": "FIELD: REASON"}`` there, the
others their figures; the command then exits with status 1 and one line on
stderr counting the refused and naming the first. Input files may be gzipped.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
from collections.abc import Sequence
from typing import Any

from .analyze import AnalysisOptions, analyze, iso_utc
from .audit import BOUNDARY_FEEDS
from .en14825 import CLIMATES, calculate_scop, parse_datasheet
from .errors import EngineInputError, shown
from .fluids import Medium, check_medium, check_temperature, cp_j_per_kg_k, density_kg_per_m3
from .heat import HeatCircuit, MeterPosition
from .inputs import read_json_text
from .interval_means import instants_of
from .modes import parse_mapping
from .tidy import tidy
from .timeseries import INTERVAL_MEAN_PRESETS, KNOWN_COLUMNS, PRESETS, SpooledCsv
from .uncertainty import DEFAULT_DTMIN_K, ELEC_METER_CLASSES, HEAT_METER_CLASSES, SENSOR_CLASSES, MeterChoice

EXIT_BAD_INPUT = 2
EXIT_SOME_REFUSED = 1  # a batch answered, with some datasheets refused in their place


class _PartlyRefused:
    """A batch's answers, some of them errors: printed whole, then the exit status says so."""

    def __init__(self, results: list[dict[str, object]], refused: list[tuple[int, EngineInputError]]) -> None:
        self.results = results
        self.summary = (
            f"{len(refused)} of {len(results)} datasheets refused, each answered in its place; the first: "
            f"[{refused[0][0]}].{refused[0][1]}"
        )


def _load_json(path: str) -> Any:
    text = read_json_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise EngineInputError("file", f"{path} is not valid JSON (line {err.lineno}: {err.msg})") from None
    except RecursionError:
        raise EngineInputError("file", f"{path} nests arrays or objects too deeply to be a datasheet") from None
    except ValueError as err:  # an integer beyond Python's 4300-digit limit
        raise EngineInputError("file", f"{path} is not usable JSON ({str(err).split(';')[0]})") from None


def _scop(args: argparse.Namespace) -> Any:
    data = _load_json(args.file)
    if isinstance(data, list):
        results: list[dict[str, object]] = []
        refused: list[tuple[int, EngineInputError]] = []
        for index, item in enumerate(data):
            try:
                results.append(calculate_scop(parse_datasheet(item)).as_dict(with_bins=args.bins))
            except EngineInputError as err:
                refused.append((index, err))
                results.append({"error": str(err)})
        return _PartlyRefused(results, refused) if refused else results
    return calculate_scop(parse_datasheet(data)).as_dict(with_bins=args.bins)


def _medium(args: argparse.Namespace) -> tuple[Medium, float]:
    """The medium and its glycol content: a glycol without --mass-fraction is not guessed as water."""
    if args.mass_fraction is None:
        medium = check_medium(args.medium, 0.0)
        if medium is not Medium.WATER:
            raise EngineInputError("--mass-fraction", f"{medium.value} needs its glycol content (% by mass)")
        return medium, 0.0
    fraction = _finite(args.mass_fraction, "--mass-fraction")
    return check_medium(args.medium, fraction), fraction


def _finite(value: float, option: str, *, low: float = -math.inf, positive: bool = False) -> float:
    if not math.isfinite(value):
        raise EngineInputError(option, f"must be a finite number (got {value})")
    if value < low or (positive and value <= 0):
        raise EngineInputError(
            option, f"must be {'greater than 0' if positive else f'at least {low:g}'} (got {value:g})"
        )
    return value


def _fluid(args: argparse.Namespace) -> Any:
    medium, fraction = _medium(args)
    check_temperature(medium, fraction, _finite(args.temp, "--temp"))
    return {
        "cp_j_per_kg_k": cp_j_per_kg_k(medium, fraction, args.temp),
        "density_kg_per_m3": density_kg_per_m3(medium, fraction, args.temp),
    }


def _column_map(args: argparse.Namespace) -> tuple[dict[str, str], set[str]]:
    """Engine column -> header; and the names given with --column, whose header must exist."""
    mapping = dict(PRESETS[args.preset]) if args.preset else {}
    required = set()
    for item in args.column or []:
        name, sep, source = item.partition("=")
        if not sep or not source:
            raise EngineInputError("--column", f"{shown(item)} must look like NAME=HEADER")
        mapping[name] = source
        required.add(name)
    return mapping, required


def _meters(args: argparse.Namespace) -> MeterChoice:
    """The meters' classes as stated (uncertainty.py); the rest is resolved against the columns."""
    qp = None if args.heat_meter_qp is None else _finite(args.heat_meter_qp, "--heat-meter-qp", positive=True)
    pct = None if args.flow_meter_pct is None else _finite(args.flow_meter_pct, "--flow-meter-pct", positive=True)
    return MeterChoice(
        heat_meter_class=args.heat_meter_class,
        heat_meter_qp_m3h=qp,
        dtmin_k=_finite(args.heat_meter_dtmin, "--heat-meter-dtmin", positive=True),
        flow_meter_pct=pct,
        sensor_class=args.temp_sensor_class,
        matched_pair=args.matched_pair,
        elec_meter_class=args.elec_meter_class,
    )


def _includes(text: str | None) -> frozenset[str]:
    items = frozenset(item.strip() for item in (text or "").split(",") if item.strip())
    if unknown := items - set(BOUNDARY_FEEDS):
        raise EngineInputError("--elec-meter-includes", f"{shown(sorted(unknown)[0])} is not one of backup, pumps")
    return items


def _analyze(args: argparse.Namespace) -> Any:
    if args.climate not in CLIMATES:
        choices = ", ".join(sorted(CLIMATES))
        raise EngineInputError("climate", f"unknown climate {shown(args.climate)} (choose one of {choices})")
    medium, fraction = _medium(args)
    options = AnalysisOptions(
        circuit=HeatCircuit(
            medium=medium,
            mass_fraction_pct=fraction,
            meter_position=MeterPosition(args.meter_position),
        ),
        climate=args.climate,
        running_threshold_w=_finite(args.running_threshold, "--running-threshold", low=0.0),
        max_gap_s=None if args.max_gap is None else _finite(args.max_gap, "--max-gap", positive=True),
        backup_heat_metered=not args.backup_outside_heat_meter,
        list_defrost_events=not args.no_events,
        meters=_meters(args),
        elec_meter_includes=_includes(args.elec_meter_includes),
    )
    mapping, required = _column_map(args)
    if args.mode_column:
        mapping["mode"] = args.mode_column
        required.add("mode")
    try:
        mode_map = parse_mapping(args.mode_map) if args.mode_map else None
    except EngineInputError as err:
        raise EngineInputError("--mode-map", err.reason.replace("line", "item", 1)) from None
    with _spooled(args.file, mapping, required, mode_map) as series:
        if not (args.interval_means or args.preset in INTERVAL_MEAN_PRESETS) or series.rows < 2:
            return analyze(series, options)
        # rows that are means over their interval: as instants the trapezoid integrates exactly (interval_means.py;
        # hourly rows, so held in memory rather than spooled again)
        step_s = INTERVAL_MEAN_PRESETS.get(args.preset or "") or series.median_step_s()
        instants, gap_s = instants_of(series.blocks(), step_s)
        report = analyze(
            instants, options if options.max_gap_s is not None else dataclasses.replace(options, max_gap_s=gap_s)
        )
        # the file's rows and span, not the instants'; and how its rows were read
        return report | {"rows": series.rows, "start": iso_utc(series.start_s), "end": iso_utc(series.end_s),
                         "rows_are_interval_means_s": step_s}  # fmt: skip


def _spooled(path: str, mapping: dict[str, str], required: set[str], mode_map: dict[str, str] | None) -> SpooledCsv:
    """The file spooled for the analysis: read column-wise by pyarrow where the auditors' tools are installed
    (the same numbers, several times faster), else by the line reader."""
    if mode_map is None and "mode" not in mapping:
        try:
            from .fleet.columnar import spool_csv  # noqa: PLC0415
        except ModuleNotFoundError as err:
            if err.name != "pyarrow" and not (err.name or "").startswith("pyarrow."):
                raise
        else:
            return spool_csv(path, mapping, required)
    return SpooledCsv(path, mapping, required, mode_map)


def _without_auditors_tools(err: ModuleNotFoundError) -> Exception:
    """What to say when engine/fleet cannot be imported: its requirements (or the error itself)."""
    if err.name and err.name.split(".")[0] in {"dask", "distributed", "pyarrow", "matplotlib"}:
        return EngineInputError(
            "requirements", f"needs the auditors' tools ({err.name} is missing): pip install -r requirements_fleet.txt"
        )
    return err


# engine/fleet is imported here only, inside the commands: it needs requirements_fleet.txt.
def _fleet(args: argparse.Namespace) -> Any:
    if args.workers is not None and args.workers < 1:
        raise EngineInputError("--workers", f"must be at least 1 (got {args.workers})")
    try:
        from .fleet.run import fleet_command  # noqa: PLC0415
    except ModuleNotFoundError as err:
        raise _without_auditors_tools(err) from None
    return fleet_command(args.sources, args.out, preset=args.preset, workers=args.workers, scheduler=args.scheduler,
                         report_dir=args.report)  # fmt: skip


def _report(args: argparse.Namespace) -> Any:
    try:
        from .fleet.report import report_command  # noqa: PLC0415
    except ModuleNotFoundError as err:
        raise _without_auditors_tools(err) from None
    return report_command(args.file, args.out, preset=args.preset, datasheet=args.datasheet)


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
    fluid.add_argument("--mass-fraction", type=float, help="glycol content, %% by mass (required for a glycol)")
    fluid.add_argument("--temp", type=float, required=True, help="temperature, C")
    fluid.set_defaults(run=_fluid)

    report = commands.add_parser("analyze", help="field performance report of a CSV time series")
    report.add_argument("file", help="CSV (or .csv.gz) with a timestamp column and any of: " + ", ".join(KNOWN_COLUMNS))
    report.add_argument("--climate", default="average", help="EN 14825 climate for the normalised SCOP")
    report.add_argument("--medium", default="water", help=", ".join(m.value for m in Medium))
    report.add_argument("--mass-fraction", type=float, help="glycol content, %% by mass (required for a glycol)")
    report.add_argument("--meter-position", choices=[p.value for p in MeterPosition], default="return")
    report.add_argument("--running-threshold", type=float, default=100.0, help="W below which the unit is off")
    report.add_argument("--max-gap", type=float, default=None, help="longest interval integrated, s")
    report.add_argument(
        "--backup-outside-heat-meter", action="store_true", help="the backup heater's heat is not metered"
    )
    report.add_argument("--preset", choices=sorted(PRESETS), help="column names of a known exporter")
    report.add_argument("--column", action="append", metavar="NAME=HEADER", help="read column NAME from HEADER")
    report.add_argument("--no-events", action="store_true", help="leave the per-event defrost list out")
    report.add_argument(
        "--interval-means", action="store_true",
        help="each row is the mean over the interval it starts (hourly exports, export_history's files): each "
             "counts its interval (the heatpumpmonitor preset implies it)",
    )  # fmt: skip
    report.add_argument(
        "--mode-column", metavar="HEADER",
        help="read the operating mode from column HEADER (default: a column named mode, if any); without one "
        "everything is space heating",
    )  # fmt: skip
    report.add_argument(
        "--mode-map", metavar="STATE=MODE,...",
        help="what the mode column's values mean, e.g. dhw=hot_water,heat=space_heating,defrost=unchanged (modes: "
        "space_heating, hot_water, cooling, off; unchanged keeps the mode before)",
    )  # fmt: skip
    meters = report.add_argument_group("meters (the 95 % intervals and the publication check; unknown: the widest)")
    meters.add_argument("--heat-meter-class", type=int, choices=HEAT_METER_CLASSES, help="EN 1434 / MID class")
    meters.add_argument("--heat-meter-qp", type=float, metavar="M3H", help="the heat meter's permanent flow qp, m3/h")
    meters.add_argument(
        "--heat-meter-dtmin", type=float, metavar="K", default=DEFAULT_DTMIN_K,
        help="the heat meter's smallest rated temperature difference, K (default 3)",
    )  # fmt: skip
    meters.add_argument(
        "--elec-meter-class", type=float, choices=ELEC_METER_CLASSES, help="IEC 62053 class (MID: C, B, A)"
    )
    meters.add_argument(
        "--flow-meter-pct", type=float, metavar="PCT", help="heat from flow x dT: the flow meter's MPE, %%"
    )
    meters.add_argument("--temp-sensor-class", choices=SENSOR_CLASSES, help="heat from flow x dT: IEC 60751 class")
    meters.add_argument("--matched-pair", action="store_true", help="the temperature sensors are an EN 1434 pair")
    meters.add_argument(
        "--elec-meter-includes", metavar="backup,pumps",
        help="what the unit's electricity meter also covers (or the installation lacks): the SPF's boundary",
    )  # fmt: skip
    report.set_defaults(run=_analyze)

    fleet = commands.add_parser(
        "fleet", help="every system of a fleet on Dask: per-period results and the fleet relation"
    )
    fleet.add_argument("sources", nargs="+", metavar="SOURCE", help="files, folders or globs (CSV, CSV.gz, Parquet)")
    fleet.add_argument("--out", required=True, help="RESULTS.parquet (RESULTS.csv and RESULTS.summary.json beside it)")
    where = fleet.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, help="worker processes of a local cluster (default: one per CPU)")
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on this existing Dask cluster")
    fleet.add_argument("--preset", choices=sorted(PRESETS), help="column names of a known exporter")
    fleet.add_argument("--report", metavar="DIR", help="also write an HTML report per system and one of the fleet")
    fleet.set_defaults(run=_fleet)

    audit = commands.add_parser("report", help="self-contained HTML audit report of one system")
    audit.add_argument("file", help="CSV, CSV.gz or Parquet time series (as for analyze)")
    audit.add_argument("--datasheet", help="JSON datasheet (as for scop): its SCOP beside the measured SPF")
    audit.add_argument("--preset", choices=sorted(PRESETS), help="column names of a known exporter")
    audit.add_argument("--out", default="report.html", help="the HTML file to write (default report.html)")
    audit.set_defaults(run=_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status."""
    args = build_parser().parse_args(argv)
    partly: _PartlyRefused | None = None
    try:
        result = args.run(args)
        if isinstance(result, _PartlyRefused):
            partly, result = result, result.results
        try:
            text = json.dumps(tidy(result), indent=2, allow_nan=False)
        except ValueError:
            raise EngineInputError(
                "output", "a figure is not a finite number (an input far outside its range)"
            ) from None
    except EngineInputError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (head, say) stopped reading: say so once, and keep Python's
        # own flush at exit from raising again on the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print("error: stdout: the reader closed the pipe before the output was complete", file=sys.stderr)
        return EXIT_BAD_INPUT
    if partly is not None:
        print(f"error: {partly.summary}", file=sys.stderr)
        return EXIT_SOME_REFUSED
    return 0
