"""``python -m tools.simulator``: serve the simulated plant until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import stat
import sys
from pathlib import Path

from .devices import TRUTH_UNIT
from .faults import COMMANDS
from .meters_file import load_meters, save_meters
from .server import ModbusServer, PlantSimulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.simulator",
        description="Serve a simulated heat-pump plant room over Modbus on 127.0.0.1. Faults are typed on stdin:\n"
        + COMMANDS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5020, help="TCP/UDP port (default 5020)")
    parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second (default 1)")
    parser.add_argument("--seed", type=int, default=1, help="weather and cycling seed (default 1)")
    parser.add_argument("--heat-pumps", type=int, default=1, help="number of heat pumps, 6 devices each (default 1)")
    parser.add_argument("--outdoor-mean-c", type=float, default=2.0, help="mean outdoor temperature (default 2 C)")
    parser.add_argument("--hot-water", action="store_true", help="reheat a hot-water tank at 06:00 and 18:00")
    parser.add_argument("--cooling", action="store_true", help="cool the building above 22 C outdoor")
    parser.add_argument(
        "--meters",
        type=Path,
        default=None,
        metavar="FILE",
        help="keep the meter counters in FILE (read at start, saved every minute and at stop)",
    )
    framing = parser.add_mutually_exclusive_group()
    framing.add_argument("--rtu-over-tcp", action="store_true", help="RTU framing over TCP (a serial gateway)")
    framing.add_argument("--udp", action="store_true", help="Modbus UDP instead of TCP")
    framing.add_argument("--serial-pty", action="store_true", help="RTU on a pseudo-terminal (prints its path)")
    parser.add_argument("--baud", type=int, default=None, help="with RTU framing: hold each frame for its wire time")
    args = parser.parse_args(argv)
    if args.baud is not None and not (args.rtu_over_tcp or args.serial_pty):
        parser.error("--baud needs RTU framing (--rtu-over-tcp or --serial-pty)")
    if not 1 <= args.heat_pumps <= 20:
        parser.error("--heat-pumps must be 1 to 20")
    if args.speed <= 0:
        parser.error("--speed must be positive")
    return args


async def _control(sim: PlantSimulator, server: ModbusServer) -> None:
    loop = asyncio.get_running_loop()
    mode = os.fstat(sys.stdin.fileno()).st_mode if not sys.stdin.closed else 0
    if not (stat.S_ISFIFO(mode) or (stat.S_ISCHR(mode) and sys.stdin.isatty()) or stat.S_ISSOCK(mode)):
        return  # /dev/null or a file (a background run): faults only through the Python API
    reader = asyncio.StreamReader()
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    except (OSError, ValueError):
        return  # no usable stdin (background run): faults only through the Python API
    while line := await reader.readline():
        reply = apply_command(sim, server, line.decode().split())
        print(reply, flush=True)


def apply_command(sim: PlantSimulator, server: ModbusServer, words: list[str]) -> str:
    """Run one fault command; returns what to print."""
    faults = sim.faults
    try:
        match words:
            case ["latency", seconds]:
                faults.latency_s = float(seconds)
            case ["reversed", unit]:
                faults.reversed_ct.add(int(unit))
            case ["gateway", code]:
                if int(code) not in (0, 10, 11):
                    raise ValueError(f"{code} is not 0, 10 or 11")
                faults.gateway_code = int(code)
            case ["timeout", unit]:
                faults.silent.add(int(unit))
            case ["timeout", unit, "off"]:
                faults.silent.discard(int(unit))
            case ["exception", unit, code]:
                if int(code):
                    faults.exceptions[int(unit)] = int(code)
                else:
                    faults.exceptions.pop(int(unit), None)
            case ["missing", unit, address]:
                faults.missing.setdefault(int(unit), set()).add(int(address, 0))
            case ["sentinel", unit]:
                faults.sentinel.add(int(unit))
            case ["out_of_range", unit]:
                faults.out_of_range.add(int(unit))
            case ["corrupt", unit]:
                faults.corrupt.add(int(unit))
            case ["noisy", unit]:
                faults.noisy.add(int(unit))
            case ["short", unit]:
                faults.short.add(int(unit))
            case ["late", unit, seconds]:
                if not 0 <= float(seconds) < 3600:
                    raise ValueError(f"{seconds} is not 0 to 3600 seconds")
                if float(seconds):
                    faults.late[int(unit)] = float(seconds)
                else:
                    faults.late.pop(int(unit), None)
            case ["bad_tid", unit]:
                faults.bad_tid.add(int(unit))
            case ["bad_tid", unit, "off"]:
                faults.bad_tid.discard(int(unit))
            case ["duplicate", unit, "off"]:
                faults.duplicate.pop(int(unit), None)
            case ["duplicate", unit, *gap]:
                if len(gap) > 1 or not 0 <= (gap_s := float(gap[0]) if gap else 0.0) < 60:
                    raise ValueError(f"{' '.join(gap)} is not 0 to 60 seconds")
                faults.duplicate[int(unit)] = gap_s
            case ["drop"]:
                server.drop_connections()
            case ["stuck_flow", hp]:
                sim.freeze_flow(int(hp) - 1)
            case ["reset_counter", unit]:
                sim.reset_counter(int(unit))
            case ["replace_counter", unit, start_kwh]:
                sim.replace_counter(int(unit), float(start_kwh))
            case ["clear"]:
                faults.clear()
            case ["help"]:
                return COMMANDS
            case _:
                return "unknown command; one of:\n" + COMMANDS
    except (ValueError, KeyError, IndexError) as err:
        return f"bad argument: {err}"
    return "ok: " + " ".join(words)


async def run(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Installed, not inherited: a shell starts a background job with SIGINT ignored, and Python then
        # raises no KeyboardInterrupt; SIGTERM would end the process without closing the server. Before
        # the banner: once it is printed, a signal stops the simulator.
        loop.add_signal_handler(signum, stop.set)
    sim = PlantSimulator(args.heat_pumps, args.seed, args.speed, mean_outdoor_c=args.outdoor_mean_c,
                         hot_water=args.hot_water, cooling=args.cooling)  # fmt: skip
    carried_on = args.meters is not None and load_meters(sim.plant, args.meters)
    server = ModbusServer(sim, rtu=args.rtu_over_tcp or args.serial_pty, baud=args.baud)
    if args.serial_pty:
        where = f"RTU on {server.start_pty()}"
    elif args.udp:
        await server.start_udp(args.host, args.port)
        where = f"Modbus UDP on {args.host}:{server.port}"
    else:
        await server.start_tcp(args.host, args.port)
        where = f"{'RTU over TCP' if args.rtu_over_tcp else 'Modbus TCP'} on {args.host}:{server.port}"
    wire = f", {args.baud} baud wire time" if args.baud else ""
    print(f"ashp_cop plant simulator: {where}{wire}, speed x{args.speed:g}, seed {args.seed}")
    for unit, device in sorted(sim.devices.items()):
        print(f"  unit {unit:3d}  {device.register_map.name:32s} {device.role}")
    if carried_on:
        print(f"The meters carry on from {args.meters}.")
    print(f"Ground truth on unit {TRUTH_UNIT}. Type 'help' for faults; Ctrl-C stops.", flush=True)
    control = asyncio.create_task(_control(sim, server))
    keeper = asyncio.create_task(_keep_meters(sim, args.meters)) if args.meters is not None else None
    try:
        await stop.wait()
    finally:
        for task in (control, keeper):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await server.close()
        if args.meters is not None:
            sim.plant.advance_to(sim.sim_time_s())
            save_meters(sim.plant, args.meters)


async def _keep_meters(sim: PlantSimulator, path: Path) -> None:
    """The counters written every minute: a killed simulator loses at most a minute of them."""
    while True:
        await asyncio.sleep(60.0)
        sim.plant.advance_to(sim.sim_time_s())
        save_meters(sim.plant, path)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run(args))
    except ValueError as err:  # a meters file that is not one: refused, never overwritten
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
