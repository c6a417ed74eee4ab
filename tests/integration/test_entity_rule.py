"""What an owner sees at once (entity_rule.py): at most 30 figures enabled with hot water, the rest disabled."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.models import StatisticData
from homeassistant.components.recorder.statistics import async_import_statistics
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.components.recorder.common import async_wait_recording_done

from custom_components.ashp_cop.const import CONF_DATASHEET, CONF_ROLES, DOMAIN
from custom_components.ashp_cop.entity_rule import MODE_TOTAL_KEYS, STATISTICS_KEYS
from custom_components.ashp_cop.mode_recorder import mode_statistic_id
from custom_components.ashp_cop.statistics import period_figures, statistic_ids
from tests.integration.test_actions import _hours, _meta
from tests.integration.test_heat_pump import mode_heat_pump, power_heat_pump

DATASHEET = (Path(__file__).resolve().parents[2] / "samples" / "datasheet.json").read_text()


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """With the recorder: the seasonal figures exist only beside it."""


@pytest.mark.entity_defaults
@pytest.mark.parametrize("cooling", [False, True])
async def test_an_owner_sees_23_figures_28_enabled_and_statistics_keep_their_sources(
    hass: HomeAssistant, cooling: bool
) -> None:
    mapping = {"heat": "space_heating", "dhw": "hot_water"} | ({"cool": "cooling"} if cooling else {})
    hp = await mode_heat_pump(
        hass, mapping, "heat", select_options=["heat", "dhw", "cool"], **{CONF_DATASHEET: DATASHEET}
    )
    entries = er.async_entries_for_config_entry(er.async_get(hass), hp.entry_id)
    enabled = sorted(e.translation_key or "" for e in entries if e.disabled_by is None)
    shown = [e for e in entries if e.disabled_by is None and e.hidden_by is None]
    # 23 shown + 5 hidden with hot water (on 21b80a1: 35 enabled, the per-mode totals among them); cooling adds 2
    assert len(enabled) == (30 if cooling else 28), enabled
    assert len(shown) == (25 if cooling else 23)
    keys = {e.unique_id.removeprefix(f"{hp.entry_id}_"): e for e in entries}
    owner = ("cop", "daily_cop", "rolling_cop", "scop_season", "scop_last_365_days", "scop_lifetime",
             "space_heating_daily_cop", "hot_water_spf_season", "heat_energy", "net_heat_energy",
             "electric_energy", "running", "defrost", "alert_low_cop", "alert_short_cycling", "rated_scop")  # fmt: skip
    for key in owner:
        assert keys[key].disabled_by is None and keys[key].hidden_by is None, key
    assert ("cooling_daily_eer" in keys) is cooling
    for key in ("practical_efficiency_today", "mean_flow_temp_today", "space_heating_rolling_cop",
                "spf_system", "scop_climate_normalised", "mean_run_length_today"):  # fmt: skip
        assert keys[key].disabled_by is er.RegistryEntryDisabler.INTEGRATION, key
    # the combined breakdowns the statistics are summed from stay enabled (a disabled entity records nothing): hidden
    for key in STATISTICS_KEYS & set(keys):
        entry = keys[key]
        assert entry.disabled_by is None and entry.hidden_by is er.RegistryEntryHider.INTEGRATION, key
        assert entry.entity_category is EntityCategory.DIAGNOSTIC
    # each mode's totals: disabled, their hours kept by the integration's own statistics (mode_recorder.py); the
    # heat drawn back: disabled, its hours the heat's less the net heat's
    mode_keys = MODE_TOTAL_KEYS & set(keys)
    assert len(mode_keys) == (8 if cooling else 6)
    for key in (*mode_keys, "defrost_energy"):
        assert keys[key].disabled_by is er.RegistryEntryDisabler.INTEGRATION, key
        assert keys[key].entity_category is EntityCategory.DIAGNOSTIC
    ids = statistic_ids(hass, hp.entry_id, dict(hp.data[CONF_ROLES]))
    assert set(ids.energies) == {"heat_kwh", "defrost_heat_kwh", "unit_running_kwh", "unit_standby_kwh",
                                 "backup_kwh", "pumps_kwh"}  # fmt: skip
    for field, entity_id in ids.energies.items():
        # enabled: its states, so its statistics, are recorded (the heat drawn back: heat less net heat)
        assert (hass.states.get(entity_id) is not None) is (field != "defrost_heat_kwh"), entity_id
    assert ids.net_heat is not None and hass.states.get(ids.net_heat) is not None
    assert ids.modes["hot_water"] == {part: mode_statistic_id(hp.entry_id, f"hot_water_{key}") for part, key in
                                      (("heat", "heat_energy"), ("drawn", "defrost_energy"),
                                       ("elec", "electric_energy"))}  # fmt: skip
    assert set(ids.modes) == {"space_heating", "hot_water", *(["cooling"] if cooling else [])}


@pytest.mark.entity_defaults
async def test_the_heat_drawn_back_is_heat_less_net_heat_where_its_own_sensor_recorded_no_hour(
    hass: HomeAssistant,
) -> None:
    """Disabled by default, the heat drawn back records nothing; the SCOP is still net of defrosts (on 3fb4049,
    with it disabled, every defrost's heat would have counted as delivered)."""
    hp = await power_heat_pump(hass)
    registry = er.async_get(hass)

    def entity(key: str) -> str:
        entity_id = registry.async_get_entity_id("sensor", DOMAIN, f"{hp.entry_id}_{key}")
        assert entity_id is not None
        return entity_id

    assert hass.states.get(entity("defrost_energy")) is None  # disabled: no state, no statistics of its own
    start = dt_util.start_of_local_day() - timedelta(days=2)
    hours = {"heat_energy": [6.0, 6.0, 6.0], "net_heat_energy": [5.5, 6.0, 5.0],
             "electric_energy_running": [2.0, 2.0, 2.0]}  # fmt: skip
    for key, kwh in hours.items():
        async_import_statistics(hass, _meta(entity(key), "kWh", has_sum=True), _hours(start, kwh, cumulative=True))
    # an hour its sensor recorded itself (enabled before 0.6.0): its own row is taken for that hour
    async_import_statistics(hass, _meta(entity("defrost_energy"), "kWh", has_sum=True),
                            [StatisticData(start=start + timedelta(hours=2), state=0.8, sum=0.8)])  # fmt: skip
    await async_wait_recording_done(hass)
    ids = statistic_ids(hass, hp.entry_id, dict(hp.data[CONF_ROLES]))
    figures = await period_figures(hass, ids, start, start + timedelta(hours=3))
    assert figures["heat_kwh"] == pytest.approx(5.5 + 6.0 + 5.2) and figures["hours"] == 3
    assert figures["scop"] == pytest.approx(16.7 / 6.0, abs=1e-4)
