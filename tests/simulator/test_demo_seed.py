"""The demo's seeded config folder: every entity it names exists, the Energy dashboard is set, no stray notification.

The dashboard, the Energy preferences, the heat pump's roles and the
backfilled statistics name entities by id; the ids come from the entities'
translated names, so a renamed entity would leave the demo showing
"entity not available". Checked here against strings.json.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import voluptuous as vol
from homeassistant.components.energy.data import DEVICE_CONSUMPTION_SCHEMA
from homeassistant.helpers.entity import EntityDescription
from homeassistant.util import slugify

from custom_components.ashp_cop.cycling_entities import (
    CARNOT_PERIOD_SENSORS,
    CARNOT_SENSORS,
    CYCLING_SENSORS,
    SHORT_CYCLING_BINARY_SENSOR,
    mode_carnot_period_sensors,
    mode_carnot_sensors,
)
from custom_components.ashp_cop.engine.modes import Mode
from custom_components.ashp_cop.entity_rule import heat_pump_defaults
from custom_components.ashp_cop.heat_pump_entities import (
    ALERT_BINARY_SENSORS,
    HEAT_PUMP_BINARY_SENSORS,
    HEAT_PUMP_SENSORS,
    INSTALLER_SENSORS,
    RATING_SENSORS,
    SEASONAL_SENSORS,
)
from custom_components.ashp_cop.modbus.profiles import builtin_profile
from custom_components.ashp_cop.modbus_entities import is_flag
from custom_components.ashp_cop.mode_entities import mode_seasonal_sensors, mode_sensors
from custom_components.ashp_cop.mode_keys import HEATING_MODES
from custom_components.ashp_cop.seasonal import daily_cop_statistic_id
from tools.ha_demo.history import (
    ENERGY_SENSORS,
    FLOW_SENSOR,
    MEAN_SENSORS,
    MODE_STATISTICS,
    OUTDOOR_SENSOR,
    SUM_SENSORS,
    adjust_messages,
    import_messages,
    simulate_past,
)
from tools.ha_demo.seed import (
    DEVICE_TITLES,
    HEAT_PUMP_ENTRY_ID,
    ROLES,
    stored_modbus_port,
    write_config,
    write_configuration_yaml,
)
from tools.simulator.devices import LAYOUT

PACKAGE = Path(__file__).resolve().parents[2] / "custom_components" / "ashp_cop"


def _entity_ids() -> set[str]:
    """The ids Home Assistant gives the demo's entities: device name + translated entity name, slugified."""
    return set(_heat_pump_keys()) | _device_ids()


def heat_pump_descriptions(modes: tuple[Mode, ...] = HEATING_MODES) -> list[tuple[str, EntityDescription]]:
    """(platform, description) of every figure of a heat pump whose mapping produces ``modes``."""
    sensors = (*HEAT_PUMP_SENSORS, *RATING_SENSORS, *SEASONAL_SENSORS, *INSTALLER_SENSORS, *mode_sensors(modes),
               *mode_seasonal_sensors(modes), *CYCLING_SENSORS, *CARNOT_SENSORS, *CARNOT_PERIOD_SENSORS,
               *mode_carnot_sensors(modes), *mode_carnot_period_sensors(modes))  # fmt: skip
    binary = (*HEAT_PUMP_BINARY_SENSORS, *ALERT_BINARY_SENSORS, SHORT_CYCLING_BINARY_SENSOR)
    return [("sensor", d) for d in sensors] + [("binary_sensor", d) for d in binary]


def _heat_pump_keys() -> dict[str, str]:
    """The heat pump's entity ids in the demo -> their description keys."""
    names = json.loads((PACKAGE / "strings.json").read_text())["entity"]
    ids: dict[str, str] = {}
    for platform, description in heat_pump_descriptions():
        entity_id = f"{platform}.{slugify('Heat pump ' + names[platform][description.translation_key]['name'])}"
        ids[entity_id] = description.key
    return ids


def _device_ids() -> set[str]:
    names = json.loads((PACKAGE / "strings.json").read_text())["entity"]
    ids = set()
    for offset, profile, _, _ in LAYOUT:
        for spec in builtin_profile(profile).values:
            platform = "binary_sensor" if is_flag(spec) else "sensor"
            ids.add(f"{platform}.{slugify(DEVICE_TITLES[offset] + ' ' + names[platform][spec.key]['name'])}")
    return ids


def _named(node: Any) -> set[str]:
    """Every entity id a dashboard (or any JSON) mentions."""
    if isinstance(node, dict):
        return set().union(*(_named(value) for value in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_named(value) for value in node)) if node else set()
    if isinstance(node, str) and node.split(".")[0] in ("sensor", "binary_sensor") and "." in node:
        return {node}
    return set()


def test_every_entity_the_demo_names_exists(tmp_path: Path) -> None:
    write_config(tmp_path, modbus_port=5020, http_port=8123)
    storage = tmp_path / ".storage"
    dashboard = json.loads((storage / "lovelace").read_text())["data"]["config"]
    energy = json.loads((storage / "energy").read_text())["data"]
    named = _named(dashboard) | _named(energy) | set(ROLES.values()) | set(SUM_SENSORS) | set(MEAN_SENSORS)
    assert len(named) > 30
    assert named - _entity_ids() == set()


def test_the_energy_dashboard_holds_the_heat_pumps_electricity(tmp_path: Path) -> None:
    write_config(tmp_path, modbus_port=5020, http_port=8123)
    energy = json.loads((tmp_path / ".storage" / "energy").read_text())["data"]
    for device in energy["device_consumption"]:
        vol.Schema(DEVICE_CONSUMPTION_SCHEMA)(device)  # what Home Assistant accepts from its own frontend
    consumption = {device["stat_consumption"] for device in energy["device_consumption"]}
    assert {"sensor.heat_pump_electric_energy_while_running", "sensor.heat_pump_electric_energy_in_standby"} <= (
        consumption
    )
    assert consumption <= set(ENERGY_SENSORS)  # backfilled: the dashboard shows the past weeks at once


def test_a_fresh_demo_has_the_backup_entry_home_assistant_would_announce(tmp_path: Path) -> None:
    """Without it, the first start's backup 'system' flow leaves an empty "New devices discovered" notification."""
    write_config(tmp_path, modbus_port=5020, http_port=8123)
    entries = json.loads((tmp_path / ".storage" / "core.config_entries").read_text())["data"]["entries"]
    assert [(e["domain"], e["source"]) for e in entries if e["domain"] != "ashp_cop"] == [("backup", "system")]


def test_a_later_start_keeps_the_stored_modbus_port_and_listens_where_it_is_asked(tmp_path: Path) -> None:
    write_config(tmp_path, modbus_port=5223, http_port=8123)
    assert stored_modbus_port(tmp_path) == 5223  # the hub entry connects there: the simulator must serve there
    write_configuration_yaml(tmp_path, 8323)  # a later start on another HTTP port
    assert "server_port: 8323" in (tmp_path / "configuration.yaml").read_text()
    assert stored_modbus_port(tmp_path / "missing") is None


def _cards(node: Any) -> list[dict[str, Any]]:
    """Every card of a dashboard, stacks and their cards alike, in order."""
    if isinstance(node, dict):
        own = [node] if "type" in node and node.get("type") not in ("sections", "grid") else []
        return own + [card for value in node.values() for card in _cards(value)]
    if isinstance(node, list):
        return [card for value in node for card in _cards(value)]
    return []


def test_the_demo_dashboard_opens_with_the_period_card_and_no_card_that_warns(tmp_path: Path) -> None:
    write_config(tmp_path, modbus_port=5020, http_port=8123)
    dashboard = json.loads((tmp_path / ".storage" / "lovelace").read_text())["data"]["config"]
    cards = _cards(dashboard["views"][0]["sections"])
    assert cards[0] == {"type": "custom:ashp-cop-period-card", "period": "month"}
    # a gauge of a figure unknown part of the day shows "Entity is non-numeric"; tiles and entities say Unknown
    assert [card for card in cards if card["type"] == "gauge"] == []
    # a chart of statistics the demo does not backfill showed "No statistics found" (compressor starts per day)
    charted = {entity if isinstance(entity, str) else entity["entity"]
               for card in cards if card["type"] == "statistics-graph" for entity in card["entities"]}  # fmt: skip
    # besides the sensors' energies: the integration's own statistics (daily COP, each mode's heat)
    assert charted - set(ENERGY_SENSORS) == {daily_cop_statistic_id(HEAT_PUMP_ENTRY_ID),
                                             *(s for s in MODE_STATISTICS if s.endswith("_heat_energy"))}  # fmt: skip
    assert set(MODE_STATISTICS) <= {
        m["metadata"]["statistic_id"]
        for m in import_messages(simulate_past(1, datetime(2027, 1, 10, tzinfo=UTC)))
        if m["type"] == "recorder/import_statistics"
    }


def test_the_demo_dashboard_shows_only_figures_enabled_by_default(tmp_path: Path) -> None:
    """A disabled entity on a card reads "Entity not available": the dashboard names what an owner has."""
    write_config(tmp_path, modbus_port=5020, http_port=8123)
    dashboard = json.loads((tmp_path / ".storage" / "lovelace").read_text())["data"]["config"]
    keys = _heat_pump_keys()
    disabled = {entity_id for entity_id in _named(dashboard) & set(keys) if not heat_pump_defaults(keys[entity_id])[0]}
    assert disabled == set()


def test_the_backfill_holds_the_bound_temperatures_the_period_card_weighs_by_heat() -> None:
    """The period card showed '—' for flow temperature and % of Carnot over the backfilled weeks: only the
    outdoor temperature's hourly means were imported, not the flow temperature bound to the heat pump."""
    history = simulate_past(1, datetime(2027, 1, 10, tzinfo=UTC))
    means = {
        m["metadata"]["statistic_id"]: [row["mean"] for row in m["stats"]]
        for m in import_messages(history)
        if m["type"] == "recorder/import_statistics" and m["metadata"]["statistic_id"] in MEAN_SENSORS
    }
    assert set(means) == set(MEAN_SENSORS) and all(len(rows) == 24 for rows in means.values())
    # a winter day: water in the heating circuit's range, warmer than outdoors every hour
    assert all(20 <= flow <= 60 for flow in means[FLOW_SENSOR])
    assert all(f > o for f, o in zip(means[FLOW_SENSOR], means[OUTDOOR_SENSOR], strict=True))


def test_the_backfill_holds_the_compressor_starts_and_the_live_count_carries_on_from_them() -> None:
    """The period card showed no starts over the backfilled weeks (only the live hours' were recorded)."""
    history = simulate_past(1, datetime(2027, 1, 10, tzinfo=UTC))
    starts = next(m for m in import_messages(history) if m["type"] == "recorder/import_statistics"
                  and m["metadata"]["statistic_id"] == "sensor.heat_pump_compressor_starts")  # fmt: skip
    assert starts["metadata"]["unit_of_measurement"] is None and starts["metadata"]["has_sum"]
    sums = [row["sum"] for row in starts["stats"]]
    # the simulated unit runs through a winter day (modulating, no stop): 0 starts each hour, recorded as 0
    assert len(sums) == 24 and sums == sorted(sums) and sums[-1] == sum(history.starts) == 0
    assert history.totals()["compressor_starts"] == round(sum(history.starts))  # the live sensor starts there
    lift = next(m for m in adjust_messages(history) if m["statistic_id"] == "sensor.heat_pump_compressor_starts")
    assert lift["adjustment"] == sums[-1] and lift["adjustment_unit_of_measurement"] is None


def test_the_energy_rows_are_named_apart_within_what_a_desktop_column_shows(tmp_path: Path) -> None:
    """The Energy card showed "Heat pump Electric energ..." three times on a desktop column (device name first)."""
    write_config(tmp_path, modbus_port=5020, http_port=8123)
    dashboard = json.loads((tmp_path / ".storage" / "lovelace").read_text())["data"]["config"]
    cards = _cards(dashboard["views"][0]["sections"])
    for card in cards:
        if card.get("title") in ("Energy", "Heat and electricity per day"):
            names = [row["name"] for row in card["entities"]]
            assert all(len(name) <= 25 for name in names) and len({name[:20] for name in names}) == len(names)
