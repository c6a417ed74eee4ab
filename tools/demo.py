"""``scripts/demo``: the rated SCOP of a datasheet beside a measured series, then the plant room in Home Assistant.

With no file: EN 14825 on samples/datasheet.json, the field analysis of
samples/four_winter_days.csv, a few simulated hours of the plant room read over
Modbus through the real hub, then the simulator and Home Assistant with the
integration (tools/ha_demo) until Ctrl-C. With a CSV file: only the engine's
analysis of that file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from custom_components.ashp_cop.engine.analyze import AnalysisOptions, analyze
from custom_components.ashp_cop.engine.en14825 import calculate_scop, parse_datasheet
from custom_components.ashp_cop.engine.errors import EngineInputError
from custom_components.ashp_cop.engine.timeseries import read_csv
from tools.demo_modbus import modbus_summary
from tools.ha_demo.options import add_options

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
USAGE = """\
Without a file: the EN 14825 rating of samples/datasheet.json, the analysis of
samples/four_winter_days.csv and a few simulated hours read over Modbus; then
the plant-room simulator and Home Assistant with the integration, dashboard and
backfilled history, until Ctrl-C (which stops both cleanly).
With FILE.csv: only the engine's analysis of that file."""


def _fmt(value: object, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def summary(csv_path: Path, *, modbus: bool) -> int:
    """The datasheet's rating and the analysis of ``csv_path``; with ``modbus``, a simulated hub's reading too."""
    try:
        sheet = parse_datasheet(json.loads((SAMPLES / "datasheet.json").read_text(encoding="utf-8")))
        rated = calculate_scop(sheet)
        report = analyze(read_csv(csv_path), AnalysisOptions(climate=sheet.climate, list_defrost_events=False))
    except EngineInputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    normalised = report["climate_normalised"]
    defrost = report["defrost"]
    assert isinstance(normalised, dict) and isinstance(defrost, dict)
    print(f"Datasheet (EN 14825, {rated.climate} climate): SCOP {rated.scop:.2f}, eta_s,h {rated.eta_s_pct:.0f} %")
    print(f"  SCOPon {rated.scop_on:.2f}  SCOPnet {rated.scop_net:.2f}  QH {rated.qh_kwh:.0f} kWh")
    print(f"Measured ({csv_path.name}, {report['start']} to {report['end']}):")
    heat, elec, spf = _fmt(report["heat_kwh"], 1), _fmt(report["elec_kwh"], 1), _fmt(report["spf"])
    print(f"  heat {heat} kWh, electricity {elec} kWh, SPF {spf}")
    boundaries = report["spf_boundaries"]
    assert isinstance(boundaries, dict)
    print("  SPF by boundary: " + ", ".join(f"{name} {_fmt(value)}" for name, value in boundaries.items()))
    print(
        f"  defrost: {defrost['count']} cycles, {_fmt(defrost['heat_kwh'], 2)} kWh drawn back "
        f"({_fmt((defrost['heat_share'] or 0) * 100, 1)} % of heat)"
    )
    print(
        f"  climate-normalised SCOP: {_fmt(normalised['scop'])} "
        f"(covers {_fmt(normalised['demand_coverage'] * 100, 0)} % of the season's heat demand)"
    )
    penalty = report["frosting_penalty"]
    if isinstance(penalty, dict):
        print(f"  frosting penalty below {penalty['tifr_c']:g} C: {penalty['penalty'] * 100:.1f} % (measured)")
    else:
        print(f"  frosting penalty: not estimated ({penalty})")
    if modbus:
        print("\n".join(modbus_summary()), flush=True)
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/demo", description=USAGE,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("csv", nargs="?", type=Path, metavar="FILE.csv",
                        help="analyse only this file (columns: README, 'The engine on the command line')")  # fmt: skip
    add_options(parser)
    args = parser.parse_args(argv)
    if args.csv is not None:
        return summary(args.csv, modbus=False)
    status = summary(SAMPLES / "four_winter_days.csv", modbus=True)
    if status:
        return status
    from tools.ha_demo.__main__ import run  # noqa: PLC0415  (Home Assistant is imported only when it is run)

    return run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
