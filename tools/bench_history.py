"""Importing two years of hourly statistics for one heat pump (run by scripts/bench).

Run with pytest (it borrows the test harness's Home Assistant and its recorder, SQLite):
``pytest tools/bench_history.py -p no:cacheprovider --no-cov -q -s``. The bound meters' statistics
(a heat meter's and an electricity meter's hourly energy, the outdoor temperature) are imported
first, untimed; then the ``ashp_cop.import_history`` action is timed, from the call until the
recorder has written every row. Wall time, as a user waits for it. Prints one JSON line.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from homeassistant.components.recorder.core import Recorder
from homeassistant.components.recorder.models import StatisticData, StatisticMeanType
from homeassistant.components.recorder.statistics import async_import_statistics
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry  # type: ignore[import-untyped]
from pytest_homeassistant_custom_component.components.recorder.common import (  # type: ignore[import-untyped]
    async_wait_recording_done,
)

from custom_components.ashp_cop.compat import statistic_metadata
from custom_components.ashp_cop.const import CONF_ENTRY_TYPE, CONF_ROLES, DOMAIN, ENTRY_HEAT_PUMP

HOURS = 2 * 365 * 24
METERS = {"heat_energy_kwh": "sensor.bench_heat", "elec_energy_kwh": "sensor.bench_elec"}


@pytest.fixture(autouse=True)
def _custom(recorder_mock: Recorder, enable_custom_integrations: None) -> None:
    """Load custom_components with the recorder (it starts before Home Assistant)."""


async def test_import_two_years(hass: HomeAssistant) -> None:
    for name in ("homeassistant.components.recorder", "sqlalchemy.engine", "sqlalchemy.engine.Engine"):
        logging.getLogger(name).setLevel(logging.WARNING)  # the harness logs every SQL statement
    for entity_id in METERS.values():
        hass.states.async_set(entity_id, "0", {"unit_of_measurement": "kWh"})
    entry = MockConfigEntry(domain=DOMAIN, title="Bench heat pump",
                            data={CONF_ENTRY_TYPE: ENTRY_HEAT_PUMP, CONF_ROLES: METERS})  # fmt: skip
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)  # nothing to import yet
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    start = end - timedelta(hours=HOURS)
    t = np.arange(HOURS)
    outdoor = 8 - 9 * np.cos(2 * np.pi * t / 8760) + 4 * np.sin(2 * np.pi * t / 24)
    heat = np.clip(16 - outdoor, 0, None) * 0.45
    for entity_id, kwh in ((METERS["heat_energy_kwh"], heat), (METERS["elec_energy_kwh"], heat / 3.2 + 0.015)):
        sums = np.cumsum(kwh)
        async_import_statistics(hass, statistic_metadata(
            statistic_id=entity_id, source="recorder", name=None, unit_of_measurement="kWh", has_sum=True,
            mean_type=StatisticMeanType.NONE,
        ), [StatisticData(start=start + timedelta(hours=i), state=float(s), sum=float(s))
            for i, s in enumerate(sums)])  # fmt: skip
    await async_wait_recording_done(hass)
    started = time.perf_counter()
    response = await hass.services.async_call(DOMAIN, "import_history", {"config_entry_id": entry.entry_id},
                                              blocking=True, return_response=True)  # fmt: skip
    await async_wait_recording_done(hass)
    seconds = time.perf_counter() - started
    assert response is not None and response["hours"] == HOURS
    written: dict[str, int] = response["statistics_written"]  # type: ignore[assignment]
    rows = sum(written.values())
    print(json.dumps({"history_import_hours": HOURS, "history_import_rows": rows,
                      "history_import_s": round(seconds, 2)}))  # fmt: skip
    assert await hass.config_entries.async_unload(entry.entry_id)
