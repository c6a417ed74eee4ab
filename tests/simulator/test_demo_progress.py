"""A first start of the demo takes minutes: it says what it waits for, with progress (issue 17, rough edge 9).

The environment's set-up runs scripts/lib/env.sh with a stand-in Python (no 800 MB install); the waits talk to
a small web server on 127.0.0.1 standing in for Home Assistant's API and websocket.
"""

from __future__ import annotations

import stat
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import WSMsgType, web

from tools.ha_demo.__main__ import _wait_for_api
from tools.ha_demo.history import send
from tools.ha_demo.progress import Progress, last_log_line, next_five_minute_mark

REPO = Path(__file__).resolve().parents[2]

# Makes an environment of itself on `-m venv DIR`, records each pip call, and tells its version.
FAKE_PYTHON = """#!/usr/bin/env bash
case "$*" in
    --version) echo "Python 3.13.0" ;;
    "-m venv "*) mkdir -p "$3/bin" && cp "$0" "$3/bin/python" ;;
    *) echo "$*" >>"$(dirname "$0")/../pip-calls" ;;
esac
"""


def test_setting_up_an_environment_says_each_step(tmp_path: Path) -> None:
    python = tmp_path / "python3"
    python.write_text(FAKE_PYTHON)
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    (tmp_path / "requirements_x.txt").write_text("# a comment\nhomeassistant==2025.4.4\n\nnumpy==2.2.2\n")
    script = f'source "{REPO}/scripts/lib/env.sh"; ROOT="{tmp_path}"; find_python() {{ echo "{python}"; }}; ' \
             "ensure_venv .venv-x requirements_x.txt && ensure_venv .venv-x requirements_x.txt"  # fmt: skip
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "setting up .venv-x from requirements_x.txt with Python 3.13.0 (a few minutes; once, until the file changes)",
        "setting up .venv-x (step 1 of 3): creating the environment",
        "setting up .venv-x (step 2 of 3): upgrading pip",
        "setting up .venv-x (step 3 of 3): installing the 2 packages of requirements_x.txt and what they need",
        "setting up .venv-x: done",
    ]  # and nothing the second time: the stamp matches
    assert len((tmp_path / ".venv-x" / "pip-calls").read_text().splitlines()) == 2


def test_the_last_line_of_home_assistants_log_is_quoted_without_its_date(tmp_path: Path) -> None:
    log = tmp_path / "home-assistant.log"
    assert last_log_line(log) == ""  # not written yet
    log.write_text(
        "2026-12-07 16:10:00.123 INFO (MainThread) [homeassistant.bootstrap] Setting up stage 0\n"
        "2026-12-07 16:10:04.456 INFO (MainThread) [homeassistant.bootstrap] Setting up stage 1: " + "x" * 200 + "\n"
        "  a traceback's line\n"
    )
    said = last_log_line(log)
    assert said.startswith("INFO [homeassistant.bootstrap] Setting up stage 1: xxx") and said.endswith("...")
    assert len(said) == 110


def test_progress_says_a_line_at_most_every_so_often() -> None:
    now = [100.0]
    lines: list[str] = []
    progress = Progress("waiting for X", limit_s=420, every_s=30, clock=lambda: now[0], say=lines.append)
    for elapsed_s in (0, 10, 29, 30, 95):
        now[0] = 100.0 + elapsed_s
        progress.tick(f"at {elapsed_s}")
    progress.tick("the end", done=True)  # said however soon after the last
    assert lines == [
        "waiting for X (0:00 of up to 7:00): at 0",
        "waiting for X (0:30 of up to 7:00): at 30",
        "waiting for X (1:35 of up to 7:00): at 95",
        "waiting for X (1:35 of up to 7:00): the end",
    ]


def test_the_next_five_minute_mark_is_named() -> None:
    assert next_five_minute_mark(datetime(2026, 12, 7, 16, 21, 51)) == "16:25"
    assert next_five_minute_mark(datetime(2026, 12, 7, 16, 25, 0)) == "16:30"  # compiled at this one already
    assert next_five_minute_mark(datetime(2026, 12, 7, 23, 58, 3)) == "00:00"


@pytest.fixture
async def home_assistant_standin(socket_enabled: None) -> AsyncIterator[tuple[str, list[str]]]:
    """A web server answering /api/config as a starting Home Assistant does: not found, STARTING, RUNNING."""
    answers = [None, None, "NOT_RUNNING", "STARTING", "RUNNING"]

    async def config(request: web.Request) -> web.Response:
        state = answers.pop(0) if len(answers) > 1 else answers[0]
        return web.json_response({"state": state}) if state else web.Response(status=404)

    async def websocket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "auth_required"})
        await ws.receive_json()
        await ws.send_json({"type": "auth_ok"})
        async for message in ws:
            if message.type is WSMsgType.TEXT:
                await ws.send_json({"id": message.json()["id"], "type": "result", "success": True})
        return ws

    app = web.Application()
    app.router.add_get("/api/config", config)
    app.router.add_get("/api/websocket", websocket)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", answers
    await runner.cleanup()


async def test_waiting_for_home_assistant_says_its_state_and_its_log(
    home_assistant_standin: tuple[str, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = home_assistant_standin
    log = tmp_path / "home-assistant.log"
    log.write_text("2026-12-07 16:10:00.123 INFO (MainThread) [homeassistant.bootstrap] Setting up stage 2: {}\n")
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        await _wait_for_api(url, "token", process, log, timeout_s=30, poll_s=0.01, every_s=0)
    finally:
        process.kill()
        process.wait()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4  # one a poll here (every_s=0); the fifth answer was RUNNING
    assert lines[0].startswith("waiting for Home Assistant to start (0:00 of up to 0:30): its web server does not")
    assert lines[2].endswith("state NOT_RUNNING; its log says: INFO [homeassistant.bootstrap] Setting up stage 2: {}")
    assert "state STARTING" in lines[3]


async def test_the_backfill_counts_what_it_has_sent(home_assistant_standin: tuple[str, list[str]]) -> None:
    url, _ = home_assistant_standin
    counted: list[tuple[int, int]] = []
    messages: list[dict[str, Any]] = [{"type": "recorder/import_statistics"} for _ in range(3)]
    answers = await send(url, "token", messages, on_answer=lambda done, count: counted.append((done, count)))
    assert len(answers) == 3 and counted == [(1, 3), (2, 3), (3, 3)]
