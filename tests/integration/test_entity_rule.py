"""What an owner sees at once (entity_rule.py): at most 30 figures enabled and shown, the rest hidden or disabled."""

from __future__ import annotations

from pathlib import Path

import pytest
from homeassistant.components.recorder import Recorder
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from custom_components.ashp_cop.const import CONF_DATASHEET, CONF_ROLES
from custom_components.ashp_cop.entity_rule import STATISTICS_KEYS
from custom_components.ashp_cop.mode_statistics import mode_statistic_ids
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
async def test_an_owner_sees_at_most_30_figures_and_statistics_keep_their_sources(
    hass: HomeAssistant, cooling: bool
) -> None:
    mapping = {"heat": "space_heating", "dhw": "hot_water"} | ({"cool": "cooling"} if cooling else {})
    hp = await mode_heat_pump(
        hass, mapping, "heat", select_options=["heat", "dhw", "cool"], **{CONF_DATASHEET: DATASHEET}
    )
    entries = er.async_entries_for_config_entry(er.async_get(hass), hp.entry_id)
    shown = sorted(e.translation_key or "" for e in entries if e.disabled_by is None and e.hidden_by is None)
    assert len(shown) <= 30, shown
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
    # the breakdowns the statistics are summed from stay enabled (a disabled entity records nothing): hidden
    for key in STATISTICS_KEYS & set(keys):
        entry = keys[key]
        assert entry.disabled_by is None and entry.hidden_by is er.RegistryEntryHider.INTEGRATION, key
        assert entry.entity_category is EntityCategory.DIAGNOSTIC
    ids = statistic_ids(hass, hp.entry_id, dict(hp.data[CONF_ROLES]))
    assert set(ids.energies) == {"heat_kwh", "defrost_heat_kwh", "unit_running_kwh", "unit_standby_kwh",
                                 "backup_kwh", "pumps_kwh"}  # fmt: skip
    every_source = {*ids.energies.values(), *(i for parts in mode_statistic_ids(hass, hp.entry_id).values()
                                              for i in parts.values())}  # fmt: skip
    for entity_id in every_source:
        state = hass.states.get(entity_id)
        assert state is not None, entity_id  # enabled: its states, so its statistics, are recorded
