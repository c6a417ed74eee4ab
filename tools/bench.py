"""``scripts/bench``: the engine's speed targets, printed as one JSON object.

* ``scop_population_s``: ``engine scop`` on every KEYMARK record of
  ../shared/validation (26,491 datasheets; target well under 30 s).
* ``analyze_year_10s_s``: ``engine analyze`` on a year of 10-second samples
  (3.15 million rows; target well under a minute).
* ``analyze_10m_peak_rss_mb``: the peak resident memory of ``engine
  analyze`` on 10 million rows of 3-second samples (target under 1 GB: the
  file is streamed, so memory does not grow with it), with its time.
All run the real command line in a subprocess, as an auditor would.
* One poll of a 30-device hub inside Home Assistant (tools/bench_ha_poll.py):
  CPU time per poll and state writes per poll.
* ``history_import_s``: the ``import_history`` action on two years of a heat
  pump's meter statistics (tools/bench_history.py; target under 10 s).
* ``keymark_load_s`` and ``keymark_search_ms``: loading the shipped Heat
  Pump KEYMARK database, and the slowest of a set of searches (target under
  50 ms each; the median of 20 runs of each query).
* The Modbus figures of :mod:`tools.modbus_bench` (requests per scan of a
  30-device plant, planned against per-value polling; scan time on a 9600 baud
  serial bus against its wire-time limit).
* ``bus_scan``: the figures of :mod:`tools.scan_bench` (247 unit ids on a TCP
  gateway, target under 30 s; on a 9600 8E1 line against wire time plus timeouts).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from custom_components.ashp_cop.engine.en14825.keymark_db import KeymarkDatabase
from tests.validation.keymark import SHARED_VALIDATION, population_datasheets
from tools.keymark_build import DEFAULT_OUTPUT as KEYMARK_DATABASE
from tools.modbus_bench import modbus_report
from tools.scan_bench import scan_report

REPO = Path(__file__).resolve().parents[1]
YEAR_S = 365 * 24 * 3600
STEP_S = 10
LONG_ROWS = 10_000_000
LONG_STEP_S = 3


def _engine_measured(*args: str) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MB) of one engine command.

    The peak is the child's own VmHWM, polled: getrusage's ru_maxrss would
    count this (large) process's memory, which the child holds between fork
    and exec.
    """
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "custom_components.ashp_cop.engine", *args], cwd=REPO, stdout=subprocess.DEVNULL
    )
    status = Path(f"/proc/{process.pid}/status")
    peak_kb = 0
    while process.poll() is None:
        try:
            hwm = next(line for line in status.read_text().splitlines() if line.startswith("VmHWM:"))
            peak_kb = max(peak_kb, int(hwm.split()[1]))
        except (OSError, StopIteration):  # exiting: its memory is gone
            pass
        time.sleep(0.05)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, process.args)
    return time.perf_counter() - start, peak_kb / 1024


def _engine(*args: str) -> float:
    return _engine_measured(*args)[0]


def _write_year(path: Path, step_s: int = STEP_S, rows: int | None = None) -> int:
    t = np.arange(0, YEAR_S if rows is None else rows * step_s, step_s, dtype=np.int64)
    rng = np.random.default_rng(1)
    outdoor = 8 - 9 * np.cos(2 * np.pi * t / YEAR_S) + 4 * np.sin(2 * np.pi * t / 86400) + rng.normal(0, 0.3, t.size)
    load = np.clip(16 - outdoor, 0, None) * 400
    elec = np.where(load > 0, load / 3.5 + 30, 15)
    flow = 30 + 0.5 * np.clip(16 - outdoor, 0, None)
    ret = flow - load / (1.2 / 3600 * 1000 * 4180)
    base = np.datetime64("2025-01-01T00:00:00")
    stamps = (base + t.astype("timedelta64[s]")).astype(str)
    with path.open("w", encoding="utf-8") as handle:
        handle.write("timestamp,flow_temp_c,return_temp_c,flow_rate_m3h,elec_power_w,outdoor_temp_c\n")
        for chunk in range(0, t.size, 500_000):
            part = slice(chunk, chunk + 500_000)
            lines = [
                f"{s}+00:00,{f:.2f},{r:.2f},1.200,{e:.1f},{o:.2f}\n"
                for s, f, r, e, o in zip(stamps[part], flow[part], ret[part], elec[part], outdoor[part], strict=True)
            ]
            handle.writelines(lines)
    return int(t.size)


def _ha_bench(path: str) -> dict[str, object]:
    """A Home Assistant bench (tools/bench_ha_poll.py, tools/bench_history.py) runs under pytest: it borrows the
    test harness's Home Assistant; its JSON line is its report."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", path, "-p", "no:cacheprovider", "--no-cov", "-q", "-s",
         "-p", "no:logging"], cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    line = next(line for line in result.stdout.splitlines() if line.startswith("{"))
    return dict(json.loads(line))


KEYMARK_QUERIES = ("a", "daikin", "daikin altherma", "brotje blw", "vitocal 250", "lg therma v", "nosuchunit")


def _keymark() -> dict[str, object]:
    start = time.perf_counter()
    db = KeymarkDatabase.load(KEYMARK_DATABASE)
    load_s = time.perf_counter() - start
    slowest_ms = 0.0
    for query in KEYMARK_QUERIES:
        for outlet, climate in ((None, None), (35, "average")):
            runs = []
            for _ in range(20):
                start = time.perf_counter()
                db.search(query, outlet_temp_c=outlet, climate=climate)
                runs.append(time.perf_counter() - start)
            slowest_ms = max(slowest_ms, sorted(runs)[len(runs) // 2] * 1000)
    return {"keymark_load_s": round(load_s, 2), "keymark_search_ms": round(slowest_ms, 1)}


def main() -> None:
    report: dict[str, object] = modbus_report()
    report["bus_scan"] = scan_report()
    report |= _keymark()
    with tempfile.TemporaryDirectory() as tmp:
        if SHARED_VALIDATION.is_dir():
            sheets = population_datasheets()
            path = Path(tmp) / "population.json"
            path.write_text(json.dumps(sheets), encoding="utf-8")
            report["scop_datasheets"] = len(sheets)
            report["scop_population_s"] = round(_engine("scop", str(path)), 2)
        csv_path = Path(tmp) / "year.csv"
        report["analyze_rows"] = _write_year(csv_path)
        report["analyze_year_10s_s"] = round(_engine("analyze", str(csv_path), "--no-events"), 2)
        report["analyze_10m_rows"] = _write_year(csv_path, LONG_STEP_S, LONG_ROWS)
        seconds, peak_mb = _engine_measured("analyze", str(csv_path), "--no-events")
        report["analyze_10m_s"] = round(seconds, 1)
        report["analyze_10m_peak_rss_mb"] = round(peak_mb)
    report |= _ha_bench("tools/bench_ha_poll.py")
    report |= _ha_bench("tools/bench_history.py")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
