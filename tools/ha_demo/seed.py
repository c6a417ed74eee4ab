"""A ready-made Home Assistant config folder: a user, the integration's entries, a dashboard.

Everything is written as Home Assistant's own storage files before it
starts, so the demo needs no clicking through onboarding or config flows.
The config entries are built with Home Assistant's ConfigEntry class, so
their stored form is exactly what the release writes itself.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from pathlib import Path
from types import MappingProxyType
from typing import Any

import bcrypt
import jwt
from homeassistant.config_entries import ConfigEntry, ConfigSubentryDataWithId

from custom_components.ashp_cop.const import (
    CONF_APPLICATION,
    CONF_DATASHEET,
    CONF_ENTRY_TYPE,
    CONF_MODE_MAP,
    CONF_PROFILE,
    CONF_ROLES,
    CONF_UNIT_ID,
    DOMAIN,
    ENTRY_HEAT_PUMP,
    ENTRY_HUB,
    SUBENTRY_DEVICE,
)
from custom_components.ashp_cop.mode_recorder import mode_statistic_id
from custom_components.ashp_cop.seasonal import daily_cop_statistic_id
from tools.simulator.devices import LAYOUT, unit_id

from .dashboard import HP, dashboard

REPO = Path(__file__).resolve().parents[2]
USERNAME = "demo"
PASSWORD = "heatpump"
TIME_ZONE = "Europe/Berlin"
HUB_ENTRY_ID = "01JDEMOHUB0000000000000000"
HEAT_PUMP_ENTRY_ID = "01JDEMOHEATPUMP00000000000"
BACKUP_ENTRY_ID = "01JDEMOBACKUP0000000000000"
DEVICE_TITLES = {1: "Heat meter", 2: "Outdoor unit meter", 3: "Backup heater meter", 4: "Circulation pump meter",
                 5: "Temperature transmitter", 6: "Controller"}  # fmt: skip
ROLES = {
    "flow_temp_c": "sensor.heat_meter_flow_temperature",
    "return_temp_c": "sensor.heat_meter_return_temperature",
    "flow_m3h": "sensor.heat_meter_flow_rate",
    "elec_power_w": "sensor.outdoor_unit_meter_power",
    "elec_energy_kwh": "sensor.outdoor_unit_meter_imported_energy",
    "backup_energy_kwh": "sensor.backup_heater_meter_imported_energy",
    "pump_energy_kwh": "sensor.circulation_pump_meter_imported_energy",
    "outdoor_temp_c": "sensor.controller_outdoor_temperature",
    "defrost": "binary_sensor.controller_defrost",
    "operating_mode": "sensor.controller_operating_mode",
    "compressor_running": "binary_sensor.controller_compressor_running",
}
# the controller's modes (generic_heat_pump_controller.yaml); the demo plant heats and reheats its tank
MODE_MAP = {
    "off": "off",
    "heating": "space_heating",
    "hot_water": "hot_water",
    "defrost": "unchanged",
    "cooling": "off",
}


def _store(config: Path, key: str, data: Any, version: int = 1, minor: int = 1) -> None:
    path = config / ".storage" / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": version, "minor_version": minor, "key": key, "data": data}, indent=1))


def _entries(modbus_port: int) -> list[dict[str, Any]]:
    hub = ConfigEntry(
        entry_id=HUB_ENTRY_ID, domain=DOMAIN, title=f"tcp://127.0.0.1:{modbus_port}", version=1, minor_version=1,
        source="user", unique_id=f"127.0.0.1:{modbus_port}", options={}, discovery_keys=MappingProxyType({}),
        data={CONF_ENTRY_TYPE: ENTRY_HUB, "transport": "tcp", "host": "127.0.0.1", "port": modbus_port,
              "scan_interval": 10, "timeout": 1.0, "retries": 2},
        subentries_data=[  # stored form: with fixed ids
            ConfigSubentryDataWithId(subentry_id=f"demo{offset}", subentry_type=SUBENTRY_DEVICE,
                                     title=DEVICE_TITLES[offset], unique_id=str(unit_id(0, offset)),
                                     data={CONF_UNIT_ID: unit_id(0, offset), CONF_PROFILE: profile})
            for offset, profile, _, _ in LAYOUT
        ],
    )  # fmt: skip
    heat_pump = ConfigEntry(
        entry_id=HEAT_PUMP_ENTRY_ID, domain=DOMAIN, title="Heat pump", version=1, minor_version=1, source="user",
        unique_id=None, options={}, discovery_keys=MappingProxyType({}), subentries_data=[],
        data={CONF_ENTRY_TYPE: ENTRY_HEAT_PUMP, CONF_ROLES: ROLES, "medium": "water", "mass_fraction_pct": 0,
              "meter_position": "return", "climate": "average", "flow_temp_offset_k": 0, "return_temp_offset_k": 0,
              "flow_rate_offset_m3h": 0, "running_threshold_w": 100, "rolling_window_min": 15, "scan_interval": 10,
              "backup_in_heat_meter": False, CONF_APPLICATION: 35, CONF_MODE_MAP: MODE_MAP,
              CONF_DATASHEET: (REPO / "samples" / "datasheet.json").read_text()},
    )  # fmt: skip
    # Home Assistant creates this entry itself on a first start, through a "system" flow that also leaves an
    # empty "New devices discovered" notification behind; an existing entry makes the flow stop quietly.
    backup = ConfigEntry(
        entry_id=BACKUP_ENTRY_ID, domain="backup", title="Backup", version=1, minor_version=1, source="system",
        unique_id=None, options={}, discovery_keys=MappingProxyType({}), subentries_data=[], data={},
    )  # fmt: skip
    return [hub.as_dict(), heat_pump.as_dict(), backup.as_dict()]


def energy_preferences() -> dict[str, Any]:
    """The Energy dashboard: the heat pump's electricity, as individual devices.

    Home Assistant's Energy dashboard has grid, solar, battery, gas and water
    sources and individual devices, all as consumption: there is no place for
    heat delivered, so the heat energy is on the demo's own dashboard instead.
    The simulated house has no grid meter, so no grid source either. The
    outdoor unit's electricity is given as running and standby, the two
    totals the backfilled history holds (a real set-up would pick the unit's
    electric energy, their sum).
    """
    devices = [
        ("electric_energy_while_running", "Heat pump running"),
        ("electric_energy_in_standby", "Heat pump in standby"),
        ("backup_heater_energy", "Backup heater"),
        ("circulation_pump_energy", "Circulation pump"),
    ]
    return {
        "energy_sources": [],
        "device_consumption": [{"stat_consumption": f"sensor.{HP}_{key}", "name": name} for key, name in devices],
    }


def _auth(config: Path) -> str:
    """A demo owner with a password, and a long-lived token for the demo script itself."""
    user_id = uuid.uuid4().hex
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    token_id, jwt_key = uuid.uuid4().hex, secrets.token_hex(64)
    _store(config, "auth", {
        "users": [{"id": user_id, "group_ids": ["system-admin"], "is_owner": True, "is_active": True, "name": "Demo",
                   "system_generated": False, "local_only": False}],
        "groups": [{"id": "system-admin", "name": "Administrators"}, {"id": "system-users", "name": "Users"},
                   {"id": "system-read-only", "name": "Read Only"}],
        "credentials": [{"id": uuid.uuid4().hex, "user_id": user_id, "auth_provider_type": "homeassistant",
                         "auth_provider_id": None, "created_at": now, "data": {"username": USERNAME}}],
        "refresh_tokens": [{"id": token_id, "user_id": user_id, "client_id": None, "client_name": "ashp_cop demo",
                            "client_icon": None, "token_type": "long_lived_access_token", "created_at": now,
                            "access_token_expiration": 315360000.0, "token": secrets.token_hex(64), "jwt_key": jwt_key,
                            "last_used_at": None, "last_used_ip": None, "expire_at": None, "credential_id": None,
                            "version": "2025.4.4"}],
    })  # fmt: skip
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=12))
    _store(config, "auth_provider.homeassistant",
           {"users": [{"username": USERNAME, "password": base64.b64encode(hashed).decode()}]})  # fmt: skip
    issued = int(time.time())
    return jwt.encode({"iss": token_id, "iat": issued, "exp": issued + 315360000}, jwt_key, algorithm="HS256")


def write_config(
    config: Path,
    *,
    modbus_port: int,
    http_port: int,
    heat_pump_totals: dict[str, float] | None = None,
    heat_pump_modes: dict[str, object] | None = None,
) -> str:
    """Write the config folder; returns the demo script's access token.

    ``heat_pump_totals``: where the backfilled history ends, so the live sensors carry on from there.
    """
    write_configuration_yaml(config, http_port)
    custom = config / "custom_components"
    custom.mkdir(exist_ok=True)
    link = custom / DOMAIN
    if not link.exists():
        link.symlink_to(REPO / "custom_components" / DOMAIN, target_is_directory=True)
    _store(config, "onboarding", {"done": ["user", "core_config", "analytics", "integration"]}, version=4)
    _store(config, "core.config_entries", {"entries": _entries(modbus_port)}, minor=5)
    if heat_pump_totals is not None:
        _store(config, f"{DOMAIN}.heat_pump.{HEAT_PUMP_ENTRY_ID}",
               {"format": 2, "totals": heat_pump_totals, "day": {}, "modes": heat_pump_modes or {},
                "saved_at": time.time()})  # fmt: skip
    mode_heat = [
        mode_statistic_id(HEAT_PUMP_ENTRY_ID, f"{mode}_heat_energy") for mode in ("space_heating", "hot_water")
    ]
    _store(config, "lovelace", {"config": dashboard(daily_cop_statistic_id(HEAT_PUMP_ENTRY_ID), mode_heat)})
    _store(config, "energy", energy_preferences())
    return _auth(config)


def stored_modbus_port(config: Path) -> int | None:
    """The simulator's port the stored hub entry connects to (an existing config folder)."""
    try:
        entries = json.loads((config / ".storage" / "core.config_entries").read_text())["data"]["entries"]
    except (OSError, ValueError, KeyError):
        return None
    hub = next((entry for entry in entries if entry.get("entry_id") == HUB_ENTRY_ID), None)
    port = hub.get("data", {}).get("port") if hub else None
    return port if isinstance(port, int) else None


def write_configuration_yaml(config: Path, http_port: int) -> None:
    """configuration.yaml, rewritten on every start so Home Assistant listens where the demo looks."""
    config.mkdir(parents=True, exist_ok=True)
    (config / "configuration.yaml").write_text(f"""\
homeassistant:
  name: ashp_cop demo
  latitude: 48.58
  longitude: 7.75
  elevation: 140
  unit_system: metric
  time_zone: {TIME_ZONE}
  currency: EUR
  country: FR
  auth_providers:
    - type: trusted_networks
      trusted_networks: [127.0.0.1/32]
      allow_bypass_login: true
    - type: homeassistant
http:
  server_host: 127.0.0.1
  server_port: {http_port}
frontend:
config:
history:
logbook:
energy:
recorder:
  commit_interval: 5
logger:
  default: warning
""")
