"""What an owner sees at once (entity_rule.py): at most 30 figures enabled with hot water, the rest disabled."""

from __future__ import annotations

from pathlib import Path

import pytest
from homeassistant.components.recorder import Recorder
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from custom_components.ashp_cop.const import CONF_DATASHEET, CONF_ROLES
from custom_components.ashp_cop.entity_rule import MODE_TOTAL_KEYS, STATISTICS_KEYS
from custom_components.ashp_cop.mode_recorder import mode_statistic_id
from custom_components.ashp_cop.statistics import statistic_ids
from tests.integration.test_heat_pump import mode_heat_pump

DATASHEET = (Path(__file__).resolve().parents[2] / "samples" / "datasheet.json").read_text()


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """With the recorder: the seasonal figures exist only beside it."""


@pytest.mark.entity_defaults
@pytest.mark.parametrize("cooling", [False, True])
async def test_an_owner_sees_23_figures_29_enabled_and_statistics_keep_their_sources(
    hass: HomeAssistant, cooling: bool
) -> None:
    mapping = {"heat": "space_heating", "dhw": "hot_water"} | ({"cool": "cooling"} if cooling else {})
    hp = await mode_heat_pump(
        hass, mapping, "heat", select_options=["heat", "dhw", "cool"], **{CONF_DATASHEET: DATASHEET}
    )
    entries = er.async_entries_for_config_entry(er.async_get(hass), hp.entry_id)
    enabled = sorted(e.translation_key or "" for e in entries if e.disabled_by is None)
    shown = [e for e in entries if e.disabled_by is None and e.hidden_by is None]
    # 23 shown + 6 hidden with hot water (on 21b80a1: 35 enabled, the per-mode totals among them); cooling adds 2
    assert len(enabled) == (31 if cooling else 29), enabled
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
    # each mode's totals: disabled, their hours kept by the integration's own statistics (mode_recorder.py)
    mode_keys = MODE_TOTAL_KEYS & set(keys)
    assert len(mode_keys) == (8 if cooling else 6)
    for key in mode_keys:
        assert keys[key].disabled_by is er.RegistryEntryDisabler.INTEGRATION, key
        assert keys[key].entity_category is EntityCategory.DIAGNOSTIC
    ids = statistic_ids(hass, hp.entry_id, dict(hp.data[CONF_ROLES]))
    assert set(ids.energies) == {"heat_kwh", "defrost_heat_kwh", "unit_running_kwh", "unit_standby_kwh",
                                 "backup_kwh", "pumps_kwh"}  # fmt: skip
    for entity_id in ids.energies.values():
        assert hass.states.get(entity_id) is not None, entity_id  # enabled: its states, so its statistics, are recorded
    assert ids.modes["hot_water"] == {part: mode_statistic_id(hp.entry_id, f"hot_water_{key}") for part, key in
                                      (("heat", "heat_energy"), ("drawn", "defrost_energy"),
                                       ("elec", "electric_energy"))}  # fmt: skip
    assert set(ids.modes) == {"space_heating", "hot_water", *(["cooling"] if cooling else [])}
