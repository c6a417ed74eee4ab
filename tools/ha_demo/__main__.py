"""``python -m tools.ha_demo``: the simulator and Home Assistant with the integration, until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import aiohttp
from homeassistant.util import dt as dt_util

from .children import Children, interrupt_on_signals
from .faults import FAULTS_FIFO, SIMULATOR_LOG, fault_pipe
from .history import (
    JOIN_FILE,
    Hourly,
    import_messages,
    join_figures,
    join_messages,
    last_full_hour,
    mode_join,
    pending_join,
    save_join,
    send,
    simulate_past,
)
from .options import REPO, add_options
from .progress import Progress, last_log_line, next_five_minute_mark
from .seed import (
    HEAT_PUMP_ENTRY_ID,
    PASSWORD,
    TIME_ZONE,
    USERNAME,
    stored_modbus_port,
    write_config,
    write_configuration_yaml,
)


def _free(port: int) -> int:
    """``port`` if nothing listens on it, else a free one."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) != 0:
            return port
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        return int(spare.getsockname()[1])


async def _wait_for_api(
    url: str,
    token: str,
    process: subprocess.Popen[bytes],
    log: Path,
    *,
    timeout_s: float = 600,
    poll_s: float = 1,
    every_s: float = 15,
) -> None:
    """Until Home Assistant says it runs; meanwhile what it is at: its state and the last line of its log."""
    deadline = time.monotonic() + timeout_s
    progress = Progress("waiting for Home Assistant to start", limit_s=timeout_s, every_s=every_s)
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"Home Assistant stopped during start-up (exit {process.returncode})")
            state = "its web server does not answer yet"
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"{url}/api/config") as response:
                    if response.status == 200:
                        state = f"state {(await response.json()).get('state')}"
                        if state == "state RUNNING":
                            return
            progress.tick(f"{state}; its log says: {last_log_line(log) or 'nothing yet'}")
            await asyncio.sleep(poll_s)
    raise TimeoutError(f"Home Assistant did not come up at {url} within {timeout_s:.0f} s")


async def _reload(url: str, token: str, entry_id: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    reload_url = f"{url}/api/config/config_entries/entry/{entry_id}/reload"
    async with aiohttp.ClientSession(headers=headers) as session, session.post(reload_url) as response:
        response.raise_for_status()


async def _prepare(url: str, token: str, hass: subprocess.Popen[bytes], history: Hourly | None, config: Path) -> None:
    await _wait_for_api(url, token, hass, config / "home-assistant.log")
    if history is not None:
        days = len(history.start) // 24
        backfill = Progress(f"backfilling {days} days of simulated history into the recorder", every_s=5)
        await send(
            url, token, import_messages(history),
            on_answer=lambda sent, count: backfill.tick(f"{sent}/{count} statistics", done=sent == count),
        )  # fmt: skip
    since = pending_join(config)  # noted on the first start: a start stopped before the join makes it now
    if since is None:
        return
    # the recorder writes 5-minute statistics at each 5-minute mark, and the first after a start has none of the
    # live sensors' states yet: up to 6 minutes after Home Assistant came up
    waiting = Progress("waiting for the live sensors' first 5-minute statistics to join the history to them",
                       limit_s=LIVE_STATISTICS_LIMIT_S, every_s=30)  # fmt: skip
    deadline = time.monotonic() + LIVE_STATISTICS_LIMIT_S
    while True:
        if hass.poll() is not None:
            raise RuntimeError("Home Assistant stopped before the history was joined to the live sensors: "
                               "the next start joins them")  # fmt: skip
        figures = await join_figures(url, token, since)
        if figures is not None:
            break
        if time.monotonic() > deadline:
            raise RuntimeError("the live sensors wrote no statistics: the history is not joined to them")
        waiting.tick(
            f"the recorder writes them at each 5-minute mark, the next at {next_five_minute_mark(datetime.now())}"
        )
        await asyncio.sleep(10)
    await send(url, token, join_messages(since, *figures) + await mode_join(url, token, since))
    await asyncio.sleep(6)  # the recorder commits every 5 s
    (config / JOIN_FILE).unlink(missing_ok=True)
    await _reload(url, token, HEAT_PUMP_ENTRY_ID)  # seasonal figures read the statistics on setup


LIVE_STATISTICS_LIMIT_S = 420

REACH_FROM_ELSEWHERE = """\
It listens on 127.0.0.1 only. From another machine, tunnel the port over SSH:
    ssh -N -L {port}:127.0.0.1:{port} {user}@{host}
then open http://127.0.0.1:{port}/lovelace/heat-pump there (the tunnel counts as this machine)."""


def run(args: argparse.Namespace) -> int:
    """Start the simulator and Home Assistant, run until Ctrl-C or SIGTERM, then stop both with one signal each."""
    if args.fresh and args.config.exists():
        shutil.rmtree(args.config)
    first_run = not (args.config / ".storage" / "core.config_entries").exists()
    http_port, modbus_port = _free(args.http_port), _free(args.modbus_port)
    stored_port = None if first_run else stored_modbus_port(args.config)
    if stored_port is not None and stored_port != modbus_port:  # the stored hub entry connects there
        print(f"the simulator serves on port {stored_port}, where this config folder's hub connects "
              f"(--fresh to start over on another)", flush=True)  # fmt: skip
        modbus_port = stored_port
    history = None
    if first_run:
        # simulated before Home Assistant starts: its first live hour comes after the history's last
        print(f"simulating {args.days} days of history ...", flush=True)
        dt_util.set_default_time_zone(dt_util.get_time_zone(TIME_ZONE) or dt_util.UTC)
        history = simulate_past(args.days, last_full_hour())
        token = write_config(args.config, modbus_port=modbus_port, http_port=http_port,
                             heat_pump_totals=history.totals(), heat_pump_modes=history.mode_totals())  # fmt: skip
        save_join(args.config, history)
    else:
        write_configuration_yaml(args.config, http_port)
        token = (args.config / ".demo_token").read_text()
    (args.config / ".demo_token").write_text(token)
    url = f"http://127.0.0.1:{http_port}"

    interrupt_on_signals()
    python = sys.executable
    children = Children()
    try:
        # the meters keep counting across restarts of the demo, as a plant room's do; a hot-water tank twice a day
        simulator_args = ["-m", "tools.simulator", "--port", str(modbus_port), "--speed", "1", "--seed", "1",
                          "--meters", str(args.config / "simulator_meters.json"), "--hot-water"]  # fmt: skip
        # its fault commands come through a FIFO: in a process group of its own, reading the terminal would
        # stop it (SIGTTIN)
        faults = fault_pipe(args.config)
        with (args.config / SIMULATOR_LOG).open("ab") as log:
            children.start("the simulator", [python, *simulator_args], cwd=REPO, stdin=faults, stdout=log)
        os.close(faults)
        hass = children.start("Home Assistant", [str(Path(python).parent / "hass"), "-c", str(args.config),
                                                 "--skip-pip"], cwd=REPO, stdin=subprocess.DEVNULL)  # fmt: skip
        print(f"starting Home Assistant in {args.config} (the first start takes a minute or two) ...", flush=True)
        asyncio.run(_prepare(url, token, hass, history, args.config))
        print(f"\nashp_cop demo is running: {url}/lovelace/heat-pump")
        print(f"From this machine no login is asked (trusted network 127.0.0.1); the user is {USERNAME} / {PASSWORD}.")
        print(REACH_FROM_ELSEWHERE.format(port=http_port, user=getpass.getuser(), host=socket.gethostname()))
        print(f"Simulated plant room: Modbus TCP on 127.0.0.1:{modbus_port}. Ctrl-C stops both.", flush=True)
        print(f"Unplug a meter: echo 'timeout 11' > {args.config / FAULTS_FIFO} (the heat meter; 'timeout 11 off', "
              f"'clear'); the answers and every fault: {args.config / SIMULATOR_LOG}", flush=True)  # fmt: skip
        hass.wait()
        print(f"Home Assistant stopped by itself (exit {hass.returncode})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping Home Assistant (it saves its state first; Ctrl-C again kills it) and the simulator ...",
              flush=True)  # fmt: skip
        return 0
    finally:
        codes = children.stop()
        print("stopped: " + ", ".join(f"{name} (exit {code})" for name, code in codes.items()), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.ha_demo", description=__doc__)
    add_options(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
