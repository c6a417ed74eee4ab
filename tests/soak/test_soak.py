"""The soak of issue 8: a simulated day (``scripts/soak --days N`` for more) with faults of every kind.

Targets (at 7 days, and here for one): with counter roles, heat and electricity within 0.5 % of the
simulator's truth; with power roles, the COP over the spans counted within 1 % of the truth's over the
same spans; no total_increasing sensor of a heat pump or plant ever steps back; no negative hour in
their statistics.
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import freezegun.api
import pytest
from freezegun import freeze_time
from homeassistant.core import HomeAssistant

from tests.soak.harness import Soak, SoakSettings
from tools.simulator.server import ModbusServer, PlantSimulator


def _settings() -> SoakSettings:
    """The soak's length and poll from the environment (scripts/soak), a day by default."""
    return SoakSettings(
        days=float(os.environ.get("ASHP_SOAK_DAYS", "1")),
        poll_s=int(os.environ.get("ASHP_SOAK_POLL_S", "30")),
        seed=int(os.environ.get("ASHP_SOAK_SEED", "7")),
    )


@pytest.mark.soak
async def test_soak_with_faults_and_restarts(hass: HomeAssistant) -> None:
    settings = _settings()
    start = datetime.now(UTC).replace(microsecond=0)
    loop = asyncio.get_running_loop()
    loop.set_debug(False)  # the harness's asyncio debug checks would cost more than the soak itself
    frozen_loop_time = loop.time
    with freeze_time(start, real_asyncio=True) as frozen:
        # Home Assistant binds the loop's clock to a monotonic the harness lets freezegun freeze: Modbus
        # timeouts would never expire. Its wall clock stays simulated; the loop keeps real time.
        # (through freezegun.api: freezegun replaces any module's own name for the real monotonic)
        loop.time = freezegun.api.real_monotonic  # type: ignore[method-assign]
        sim = PlantSimulator(1, seed=settings.seed, speed=0.0, start_s=0.0)
        server = ModbusServer(sim)
        await server.start_tcp()
        try:
            report = await Soak(hass, sim, server, frozen, settings).run()  # type: ignore[arg-type]
        finally:
            await server.close()
            loop.time = frozen_loop_time  # type: ignore[method-assign]
    line = json.dumps(report, separators=(",", ":"))
    if path := os.environ.get("ASHP_SOAK_REPORT"):
        Path(path).write_text(line + "\n")
    print(line)
    assert all(report["faults"].get(kind, 0) > 0 for kind in ("silent", "drop", "exceptions", "sentinel", "reset",
                                                                 "restart", "kill")), report["faults"]  # fmt: skip
    assert report["backwards_steps"] == 0, report["backwards_steps_by_sensor"]
    assert report["negative_statistics_hours"] == 0
    assert abs(report["counters"]["heat_error_pct"]) <= 0.5, report["counters"]
    assert abs(report["counters"]["elec_error_pct"]) <= 0.5, report["counters"]
    assert abs(report["powers"]["cop_error_pct"]) <= 1.0, report["powers"]
