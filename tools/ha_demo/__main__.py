"""``python -m tools.ha_demo``: the simulator and Home Assistant with the integration, until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
from homeassistant.util import dt as dt_util

from .history import (
    Hourly,
    adjust_messages,
    history_end,
    import_messages,
    last_full_hour,
    live_statistics_started,
    send,
    simulate_past,
)
from .seed import HEAT_PUMP_ENTRY_ID, PASSWORD, TIME_ZONE, USERNAME, write_config

REPO = Path(__file__).resolve().parents[2]


def _free(port: int) -> int:
    """``port`` if nothing listens on it, else a free one."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) != 0:
            return port
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        return int(spare.getsockname()[1])


async def _wait_for_api(url: str, token: str, process: subprocess.Popen[bytes], timeout_s: float = 600) -> None:
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"Home Assistant stopped during start-up (exit {process.returncode})")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"{url}/api/config") as response:
                    if response.status == 200 and (await response.json()).get("state") == "RUNNING":
                        return
            await asyncio.sleep(1)
    raise TimeoutError(f"Home Assistant did not come up at {url} within {timeout_s:.0f} s")


async def _reload(url: str, token: str, entry_id: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    reload_url = f"{url}/api/config/config_entries/entry/{entry_id}/reload"
    async with aiohttp.ClientSession(headers=headers) as session, session.post(reload_url) as response:
        response.raise_for_status()


async def _prepare(url: str, token: str, hass: subprocess.Popen[bytes], history: Hourly) -> None:
    await _wait_for_api(url, token, hass)
    print(f"backfilling {len(history.start) // 24} days of simulated history into the recorder ...", flush=True)
    await send(url, token, import_messages(history))
    print("waiting for the live sensors' first 5-minute statistics to join the history to them (up to 6 min) ...",
          flush=True)  # fmt: skip
    deadline = time.monotonic() + 420
    while not await live_statistics_started(url, token, history_end(history)):
        if time.monotonic() > deadline or hass.poll() is not None:
            raise RuntimeError("the live sensors wrote no statistics: the history is not joined to them")
        await asyncio.sleep(10)
    await send(url, token, adjust_messages(history))
    await asyncio.sleep(6)  # the recorder commits every 5 s
    await _reload(url, token, HEAT_PUMP_ENTRY_ID)  # seasonal figures read the statistics on setup


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.ha_demo", description=__doc__)
    parser.add_argument("--config", type=Path, default=REPO / ".demo" / "config", help="Home Assistant config folder")
    parser.add_argument("--http-port", type=int, default=8123)
    parser.add_argument("--modbus-port", type=int, default=5020)
    parser.add_argument("--days", type=int, default=45, help="days of simulated history to backfill")
    parser.add_argument("--fresh", action="store_true", help="start from an empty config folder")
    args = parser.parse_args(argv)

    if args.fresh and args.config.exists():
        subprocess.run(["rm", "-rf", str(args.config)], check=True)
    first_run = not (args.config / ".storage" / "core.config_entries").exists()
    http_port, modbus_port = _free(args.http_port), _free(args.modbus_port)
    if not first_run:  # keep the ports the stored entries know
        modbus_port = args.modbus_port
    history = None
    if first_run:
        # simulated before Home Assistant starts: its first live hour comes after the history's last
        print(f"simulating {args.days} days of history ...", flush=True)
        dt_util.set_default_time_zone(dt_util.get_time_zone(TIME_ZONE) or dt_util.UTC)
        history = simulate_past(args.days, last_full_hour())
    token = write_config(args.config, modbus_port=modbus_port, http_port=http_port,
                         heat_pump_totals=history.totals() if history else None) if first_run else (
        (args.config / ".demo_token").read_text())  # fmt: skip
    (args.config / ".demo_token").write_text(token)
    url = f"http://127.0.0.1:{http_port}"

    python = sys.executable
    simulator_args = ["-m", "tools.simulator", "--port", str(modbus_port), "--speed", "1", "--seed", "1"]
    simulator = subprocess.Popen(
        [python, *simulator_args], cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
    )
    hass = subprocess.Popen([str(Path(python).parent / "hass"), "-c", str(args.config), "--skip-pip"], cwd=REPO)
    try:
        print(f"starting Home Assistant in {args.config} (the first start takes a minute) ...", flush=True)
        asyncio.run(_prepare(url, token, hass, history) if history is not None else
                    _wait_for_api(url, token, hass))  # fmt: skip
        print(f"\nashp_cop demo is running: {url}/lovelace/heat-pump")
        print(f"login: {USERNAME} / {PASSWORD} (from this machine the login is skipped)")
        print(f"simulated plant room: Modbus TCP on 127.0.0.1:{modbus_port}. Ctrl-C stops both.", flush=True)
        signal.signal(signal.SIGTERM, _interrupt)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        for process in (hass, simulator):
            process.terminate()
        for process in (hass, simulator):
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
