"""The command lines for installers and auditors run where Home Assistant is not installed.

Each runs in a subprocess whose launcher makes ``import homeassistant`` fail as
it does where the package is absent (a None in sys.modules: the import raises
ModuleNotFoundError and importlib finds no spec), then runs the module as
``python -m`` would. Before entry_setup.py the package's __init__ imported
Home Assistant, so neither command started there.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from custom_components.ashp_cop.modbus.settings import Transport
from tests.modbus.conftest import Plant
from tests.modbus.test_scan import StartPlant

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = """
import runpy, sys
sys.modules["homeassistant"] = None  # as if Home Assistant were not installed
sys.argv = sys.argv[1:]
try:
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
finally:
    assert sys.modules["homeassistant"] is None
"""


async def _run(module: str, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", LAUNCHER, module, *args,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_launcher_hides_home_assistant() -> None:
    code, _, err = await _run("custom_components.ashp_cop.entry_setup")
    assert code != 0 and "ModuleNotFoundError" in err and "homeassistant" in err


async def test_the_scan_command_runs_without_home_assistant(start_plant: StartPlant) -> None:
    plant: Plant = await start_plant(transport=Transport.TCP)
    sim, server = plant
    sim.serve_profiles({3: "eastron_sdm630"})
    code, out, err = await _run(
        "custom_components.ashp_cop.modbus", "scan", f"tcp://127.0.0.1:{server.port}", "--units", "1-4"
    )
    assert code == 0, err
    assert [(line["unit"], line["profile"]) for line in map(json.loads, out.splitlines())] == [(3, "eastron_sdm630")]
    assert "4 ids scanned" in err and "1 answered, 3 silent" in err


async def test_the_engine_command_runs_without_home_assistant() -> None:
    sample = str(ROOT / "samples" / "four_winter_days.csv")
    code, out, err = await _run("custom_components.ashp_cop.engine", "analyze", sample, "--no-events")
    assert code == 0, err
    report = json.loads(out)
    assert report["defrost"]["events"] is None and report["climate_normalised"]["climate"] == "average"
