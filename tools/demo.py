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

from tools.ha_demo.options import add_options

# The engine, the simulator and Home Assistant are imported where they are used: `scripts/demo --help` runs
# with any Python 3.13, before (and without) the demo's environment is built.

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
    """The analysis of ``csv_path``; with ``modbus`` (the demo's own data) the sample datasheet's rating beside it
    and a simulated hub's reading too. A file of the user's own is not rated against the sample datasheet: it
    rates another unit."""
    from custom_components.ashp_cop.engine.analyze import AnalysisOptions, analyze  # noqa: PLC0415
    from custom_components.ashp_cop.engine.en14825 import calculate_scop, parse_datasheet  # noqa: PLC0415
    from custom_components.ashp_cop.engine.errors import EngineInputError  # noqa: PLC0415
    from custom_components.ashp_cop.engine.timeseries import read_csv  # noqa: PLC0415

    try:
        sheet = parse_datasheet(json.loads((SAMPLES / "datasheet.json").read_text(encoding="utf-8")))
        rated = calculate_scop(sheet) if modbus else None
        report = analyze(read_csv(csv_path), AnalysisOptions(climate=sheet.climate, list_defrost_events=False))
    except EngineInputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    normalised = report["climate_normalised"]
    defrost = report["defrost"]
    assert isinstance(normalised, dict) and isinstance(defrost, dict)
    if rated is not None:
        print(f"Sample datasheet ({SAMPLES.name}/datasheet.json, EN 14825, {rated.climate} climate): "
              f"SCOP {rated.scop:.2f}, eta_s,h {rated.eta_s_pct:.0f} %")  # fmt: skip
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
    _more(report)
    if modbus:
        from tools.demo_modbus import modbus_summary  # noqa: PLC0415

        print("\n".join(modbus_summary()), flush=True)
    return 0


def _more(report: dict[str, object]) -> None:
    """Per mode, cycling and Carnot, where the file supports them (the full report: `engine analyze FILE`)."""
    modes = report.get("modes")
    if isinstance(modes, dict):
        for mode, figures in modes.items():
            if isinstance(figures, dict) and figures.get("heat_kwh"):
                heat, elec, cop = (
                    _fmt(figures.get("heat_kwh"), 1),
                    _fmt(figures.get("elec_kwh"), 1),
                    _fmt(figures.get("cop")),
                )
                print(f"  {mode.replace('_', ' ')}: heat {heat} kWh, electricity {elec} kWh, COP {cop}")
    cycling = report.get("cycling")
    if isinstance(cycling, dict) and cycling.get("starts") is not None:
        print(f"  cycling: {cycling['starts']} starts, {_fmt(cycling.get('run_hours'), 1)} h running")
    carnot = report.get("carnot")
    if isinstance(carnot, dict) and isinstance(carnot.get("practical_efficiency"), float):
        flow, outdoor = _fmt(carnot.get("mean_flow_temp_c"), 1), _fmt(carnot.get("mean_outdoor_temp_c"), 1)
        print(f"  practical efficiency: {carnot['practical_efficiency'] * 100:.0f} % of Carnot at a heat-weighted "
              f"flow of {flow} C, outdoor {outdoor} C")  # fmt: skip


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
