"""``scripts/bench`` figures of the fleet audit (issue 19), printed as one JSON object.

Run with requirements_fleet.txt installed (scripts/bench does: .venv with the
.venv-fleet overlay). On a synthetic fleet (tools/fleet_systems.py, one year
of hourly samples per system; 2,000 systems by default):

* ``fleet_sequential_s``: a plain loop over the files in one process, the reference;
* ``fleet_1_worker_s`` / ``fleet_2_workers_s``: a local cluster of 1 and of 2 worker
  processes (started and idle before the clock starts), and their ratio
  ``fleet_speedup_2_over_1`` (target at least 1.7 on 2 cores);
* ``fleet_worker_peak_rss_mb``: the highest peak resident memory of any worker (target under 1 GB);
* ``fleet_equal_to_sequential`` and ``fleet_separate_processes_equal``: the rows of the
  cluster and of a ``dask scheduler`` with two ``dask worker`` processes (127.0.0.1,
  ports 18601-18608) equal those of the loop, every column of every row;
* ``read_year_10s_line_s`` / ``read_year_10s_columnar_s``: ``engine analyze`` of a year of
  10-s samples (3.15 M rows) without and with the column-wise reader, and whether
  the two reports are identical (``analyze_year_10s_identical``).

    python -m tools.bench_fleet [--systems N] [--folder DIR] [--skip-read]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from distributed import Client, LocalCluster

from custom_components.ashp_cop.engine.fleet.run import analyse_on, run_fleet, run_sequential
from custom_components.ashp_cop.engine.fleet.systems import Row
from tools.bench import _write_year
from tools.fleet_systems import write_fleet

REPO = Path(__file__).resolve().parents[1]
SCHEDULER_PORT = 18601  # and the 7 ports after it (scheduler's HTTP server, two workers and their nannies)


def _same_rows(left: Sequence[Row], right: Sequence[Row]) -> bool:
    def same(a: Any, b: Any) -> bool:
        return (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)) or a == b

    return len(left) == len(right) and all(
        a.keys() == b.keys() and all(same(a[k], b[k]) for k in a) for a, b in zip(left, right, strict=True)
    )


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), run inside each worker."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return math.nan


def _timed_cluster(paths: list[str], workers: int) -> tuple[float, list[Row], float]:
    """Seconds to analyse ``paths`` on an idle local cluster, the rows in order, the workers' highest peak memory."""
    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                     scheduler_port=0, dashboard_address="127.0.0.1:0", memory_limit=0) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        client.wait_for_workers(workers)
        start = time.perf_counter()
        rows = analyse_on(client, paths)  # as engine fleet runs them (systems_per_task a task)
        seconds = time.perf_counter() - start
        peaks = client.run(_peak_rss_mb)
    return seconds, rows, max(peaks.values())


def _listening(parents: list[int]) -> list[str]:
    """Local addresses of the listening TCP sockets of ``parents`` and their children (``ss``; [] without it)."""
    pids = set(parents)
    for entry in Path("/proc").iterdir():
        try:
            # /proc/PID/stat: "pid (name) state ppid ..."; the name may hold spaces, not ")"
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid in parents:
            pids.add(int(entry.name))
    try:
        out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return [line.split()[3] for line in out.splitlines() if any(f"pid={pid}," in line for pid in pids)]


def _separate_processes(paths: list[str]) -> list[Row]:
    """The rows from ``dask scheduler`` and two ``dask worker`` processes started on their own."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    address = f"tcp://127.0.0.1:{SCHEDULER_PORT}"
    dask = [sys.executable, "-m", "dask"]
    # Every listening socket on 127.0.0.1 at a port of its own (18601-18608): the HTTP servers start even
    # without a dashboard, on every interface unless told.
    started = [subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", str(SCHEDULER_PORT),
                                 "--dashboard-address", f"127.0.0.1:{SCHEDULER_PORT + 1}"],
                                env=env, cwd=REPO, stderr=subprocess.DEVNULL)]  # fmt: skip
    try:
        time.sleep(3)
        for n in range(2):
            ports = [str(SCHEDULER_PORT + 2 + 3 * n + i) for i in range(3)]
            started.append(subprocess.Popen([*dask, "worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                                             "--worker-port", ports[0], "--nanny-port", ports[1],
                                             "--dashboard-address", f"127.0.0.1:{ports[2]}", "--memory-limit", "0"],
                                            env=env, cwd=REPO, stderr=subprocess.DEVNULL))  # fmt: skip
        if started[0].poll() is not None:
            raise RuntimeError(f"dask scheduler did not start on {address} (is the port taken?)")
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        listening = _listening([p.pid for p in started])
        if any(not address.startswith("127.0.0.1:") for address in listening):
            raise RuntimeError(f"a Dask process listens beyond 127.0.0.1: {listening}")
        return run_fleet(paths, scheduler=address)
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(timeout=30)


def _engine_analyze(path: Path, overlay: bool) -> tuple[float, bytes]:
    env = dict(os.environ)
    if not overlay:
        env["PYTHONPATH"] = ""  # the Home Assistant venv alone: the line reader
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "custom_components.ashp_cop.engine", "analyze", str(path),
                          "--no-events"], env=env, cwd=REPO, check=True, capture_output=True).stdout  # fmt: skip
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--systems", type=int, default=2000)
    parser.add_argument("--folder", type=Path, help="reuse (or keep) the generated fleet here")
    parser.add_argument("--skip-read", action="store_true", help="leave out the 10-s reading figures")
    args = parser.parse_args()
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp) / "fleet"
        paths = sorted(str(p) for p in folder.glob("system_*.csv"))[: args.systems] if folder.is_dir() else []
        if len(paths) < args.systems:
            start = time.perf_counter()
            paths = [str(p) for p in write_fleet(folder, args.systems)]
            report["fleet_generate_s"] = round(time.perf_counter() - start, 1)
        report["fleet_systems"] = len(paths)
        start = time.perf_counter()
        reference = run_sequential(paths)
        report["fleet_sequential_s"] = round(time.perf_counter() - start, 1)
        report["fleet_rows"] = len(reference)
        one_s, one_rows, one_peak = _timed_cluster(paths, 1)
        two_s, two_rows, two_peak = _timed_cluster(paths, 2)
        report |= {
            "fleet_1_worker_s": round(one_s, 1),
            "fleet_2_workers_s": round(two_s, 1),
            "fleet_speedup_2_over_1": round(one_s / two_s, 2),
            "fleet_systems_per_s_2_workers": round(len(paths) / two_s, 1),
            "fleet_worker_peak_rss_mb": round(max(one_peak, two_peak)),
            "fleet_equal_to_sequential": _same_rows(one_rows, reference) and _same_rows(two_rows, reference),
            "fleet_separate_processes_equal": _same_rows(_separate_processes(paths), reference),
        }
        if not args.skip_read:
            year = Path(tmp) / "year.csv"
            report["read_year_10s_rows"] = _write_year(year)
            line_s, line_out = _engine_analyze(year, overlay=False)
            columnar_s, columnar_out = _engine_analyze(year, overlay=True)
            report |= {
                "analyze_year_10s_line_reader_s": round(line_s, 2),
                "analyze_year_10s_columnar_s": round(columnar_s, 2),
                "analyze_year_10s_identical": line_out == columnar_out,
            }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
