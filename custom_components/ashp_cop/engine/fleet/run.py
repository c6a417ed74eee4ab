"""``engine fleet``: every system of a fleet analysed on Dask distributed, one table of results.

A local cluster of N worker processes on 127.0.0.1 by default (its HTTP server too),
or an existing cluster when a scheduler address is given (its workers must
import this package: start them from the repository's root, or wherever the
integration is installed, with requirements_fleet.txt). Each worker analyses
whole files (systems.py); results come back as rows, are put in the order
of the sources (so a run gives the same table whatever finishes first) and
written at the end: Parquet and CSV into temporary files beside the targets,
then renamed, so an interrupted run leaves the previous results or none,
never half a table.
"""

from __future__ import annotations

import glob
import json
import math
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from distributed import Client, LocalCluster, as_completed

from ..errors import EngineInputError
from ..fleet_relation import MIN_COVERAGE, FleetRelation, fit_relation
from .systems import CONTRACT_COLUMNS, Row, analyse_system, analyse_systems, system_name

SUFFIXES = (".csv", ".csv.gz", ".parquet")
# The period whose figures the fleet relation compares: a whole year, the latest one.
RELATION_PERIOD = "last365"
# How long an existing cluster's scheduler has to answer.
SCHEDULER_TIMEOUT_S = 20.0


def expand_sources(sources: Sequence[str]) -> list[str]:
    """The system files named by files, folders (their CSV, CSV.gz and Parquet files) and globs, in order."""
    found: list[str] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            matches = sorted(str(p) for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(SUFFIXES))
        elif path.is_file():
            matches = [source]
        else:
            matches = sorted(glob.glob(source, recursive=True))  # noqa: PTH207 - Path.glob takes no absolute pattern
        if not matches:
            raise EngineInputError("SOURCE", f"{source} names no file (a file, a folder or a glob)")
        found.extend(m for m in matches if m not in found)
    owners: dict[str, str] = {}
    for path_text in found:
        name = system_name(path_text)
        if name in owners:
            raise EngineInputError("SOURCE", f"{owners[name]} and {path_text} would both be system {name!r}")
        owners[name] = path_text
    return found


@contextmanager
def _client(workers: int | None, scheduler: str | None) -> Iterator[Client]:
    if scheduler:
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as err:
            raise EngineInputError(
                "--scheduler", f"no Dask scheduler answered at {scheduler} within {SCHEDULER_TIMEOUT_S:g} s ({err})"
            ) from None
        with client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            scheduler_port=0,
            # The scheduler's HTTP server starts even without a dashboard (on 8787 of the host by
            # default): on 127.0.0.1, at a free port.
            dashboard_address="127.0.0.1:0",
            memory_limit=0,  # the analysis streams: a worker's memory is measured, not capped
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _progress(done: int, total: int, stream: TextIO) -> None:
    width = 30
    filled = width * done // total
    stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} systems")
    if done == total:
        stream.write("\n")
    stream.flush()


# Systems per task: a task of one system cost the scheduler and the transfer of its rows some 10 ms, a
# third of a year of hourly samples' analysis (2,000 systems: 50.6 s in a plain loop, 70.1 s on one
# worker); a few systems per task amortise it, while enough tasks per worker keep the workers evenly busy.
MAX_SYSTEMS_PER_TASK = 16
TASKS_PER_WORKER = 8


def systems_per_task(systems: int, workers: int) -> int:
    """How many systems one task analyses: at most MAX_SYSTEMS_PER_TASK, at least TASKS_PER_WORKER tasks each."""
    return max(1, min(MAX_SYSTEMS_PER_TASK, systems // (TASKS_PER_WORKER * max(workers, 1))))


def analyse_on(client: Client, paths: Sequence[str], preset: str | None = None,
               progress: TextIO | None = None) -> list[Row]:  # fmt: skip
    """Rows of every system analysed on ``client``'s workers, in the order of ``paths``."""
    paths = list(paths)
    size = systems_per_task(len(paths), len(client.nthreads()))
    batches = [paths[i : i + size] for i in range(0, len(paths), size)]
    futures = client.map(analyse_systems, batches, preset=preset, pure=False)
    index = {future.key: batch for future, batch in zip(futures, batches, strict=True)}
    by_path: dict[str, list[Row]] = {}
    for future in as_completed(futures):
        by_path.update(zip(index[future.key], future.result(), strict=True))
        if progress is not None:
            _progress(len(by_path), len(paths), progress)
    return [row for path in paths for row in by_path[path]]


def run_fleet(
    paths: Sequence[str],
    preset: str | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: TextIO | None = None,
) -> list[Row]:
    """Rows of every system, in the order of ``paths``; a progress bar on ``progress`` if given."""
    with _client(workers, scheduler) as client:
        return analyse_on(client, paths, preset, progress)


def run_sequential(paths: Sequence[str], preset: str | None = None) -> list[Row]:
    """The same rows by a plain loop in this process: the reference a cluster's results must equal."""
    return [row for path in paths for row in analyse_system(path, preset)]


def summarise(rows: list[Row]) -> dict[str, Any]:
    """The fleet relation over the systems' ``last365`` figures with enough coverage, and each one's residual.

    Adds ``fleet_residual`` (measured minus predicted SPF) to those rows.
    """
    chosen = [r for r in rows if r["period"] == RELATION_PERIOD and r.get("error") is None]
    usable = [r for r in chosen if (r.get("coverage") or 0.0) >= MIN_COVERAGE and r.get("spf") is not None
              and r.get("flow_minus_outdoor_k") is not None]  # fmt: skip
    fitted = fit_relation(
        np.array([r["flow_minus_outdoor_k"] for r in usable], dtype=np.float64),
        np.array([r["spf"] for r in usable], dtype=np.float64),
    )
    in_fit = {id(r) for r in usable}
    systems = []
    for row in chosen:
        entry: dict[str, Any] = {"system": row["system"], "spf": row["spf"],
                                 "flow_minus_outdoor_k": row.get("flow_minus_outdoor_k"),
                                 "coverage": row.get("coverage"), "in_fit": id(row) in in_fit}  # fmt: skip
        if isinstance(fitted, FleetRelation) and row.get("spf") is not None and entry["flow_minus_outdoor_k"]:
            predicted = float(fitted.predict(entry["flow_minus_outdoor_k"]))
            entry.update(predicted_spf=predicted, residual=row["spf"] - predicted)
            row["fleet_residual"] = row["spf"] - predicted
        systems.append(entry)
    return {
        "period": RELATION_PERIOD,
        "min_coverage": MIN_COVERAGE,
        "relation": fitted.as_dict() if isinstance(fitted, FleetRelation) else None,
        "relation_reason": None if isinstance(fitted, FleetRelation) else fitted,
        "systems_analysed": len({r["system"] for r in rows}),
        "systems_failed": sorted({r["system"] for r in rows if r["period"] == "all" and r.get("error")}),
        "systems": systems,
    }


def _finite_or_none(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def results_table(rows: list[Row]) -> pa.Table:
    """The rows as a table: contract columns first, then every other column, sorted.

    A column of numbers is float64 (booleans stay boolean); one where any row
    has text is text (a figure some rows replace with the reason it is missing).
    """
    names = list(CONTRACT_COLUMNS) + sorted({k for r in rows for k in r} - set(CONTRACT_COLUMNS))
    arrays = {}
    for name in names:
        values = [_finite_or_none(r.get(name)) for r in rows]
        present = [v for v in values if v is not None]
        if name in ("system", "period", "error") or any(isinstance(v, str) for v in present):
            arrays[name] = pa.array([None if v is None else str(v) for v in values], pa.string())
        elif present and all(isinstance(v, bool) for v in present):
            arrays[name] = pa.array(values, pa.bool_())
        else:
            arrays[name] = pa.array([None if v is None else float(v) for v in values], pa.float64())
    return pa.table(arrays)


def _atomic(target: Path, write: Callable[[Path], None]) -> Path:
    """Write through a temporary file beside ``target``; returns it (renamed by the caller)."""
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    try:
        Path(temp).chmod(0o666 & ~umask)  # what a plain open() would have made, not mkstemp's 0600
        write(Path(temp))
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return Path(temp)


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def write_results(rows: list[Row], summary: dict[str, Any], out: Path) -> list[Path]:
    """RESULTS as Parquet at ``out``, CSV and the summary JSON beside it; all written, then all renamed."""
    table = results_table(rows)
    targets = [out, out.with_suffix(".csv"), out.with_suffix(".summary.json")]
    text = json.dumps(summary, indent=2, allow_nan=False) + "\n"
    writers: list[Callable[[Path], None]] = [
        lambda p: pq.write_table(table, p),
        lambda p: pa_csv.write_csv(table, p),
        lambda p: _write_text(p, text),
    ]
    temps: list[Path] = []
    try:
        for target, write in zip(targets, writers, strict=True):
            temps.append(_atomic(target, write))
    except BaseException:
        for temp in temps:
            temp.unlink(missing_ok=True)
        raise
    for temp, target in zip(temps, targets, strict=True):
        temp.replace(target)
    return targets


def fleet_command(
    sources: Sequence[str],
    out: str,
    *,
    preset: str | None,
    workers: int | None,
    scheduler: str | None,
    report_dir: str | None,
) -> dict[str, Any]:
    """What ``engine fleet`` does; returns what it prints (the summary and where the files are)."""
    paths = expand_sources(sources)
    target = Path(out)
    if target.suffix != ".parquet":
        raise EngineInputError("--out", f"{out} must end in .parquet (the CSV and summary go beside it)")
    if not target.parent.is_dir():
        raise EngineInputError("--out", f"folder {target.parent} does not exist")
    progress = sys.stderr if sys.stderr.isatty() else None
    with _client(workers, scheduler) as client:
        rows = analyse_on(client, paths, preset, progress)
        summary = summarise(rows)
        written = write_results(rows, summary, target)
        if report_dir is not None:
            from .report import write_fleet_reports  # noqa: PLC0415 - matplotlib only when reports are asked for

            written += write_fleet_reports(paths, rows, summary, Path(report_dir), preset, client=client)
    return {"files": [str(p) for p in written], **{k: v for k, v in summary.items() if k != "systems"}}
