"""Constants of the Home Assistant layer."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "ashp_cop"
LOGGER = logging.getLogger(__package__)

CONF_ENTRY_TYPE: Final = "entry_type"
ENTRY_HUB: Final = "hub"
ENTRY_HEAT_PUMP: Final = "heat_pump"
SUBENTRY_DEVICE: Final = "device"
SUBENTRY_SCAN: Final = "scan"  # a flow only: it adds device subentries, never one of its own

# hub
CONF_TRANSPORT: Final = "transport"
CONF_SERIAL_PORT: Final = "serial_port"
CONF_BAUDRATE: Final = "baudrate"
CONF_PARITY: Final = "parity"
# Parity as stored and offered (selector options are translation keys: lowercase
# words) -> the letter of the Modbus layer and pyserial. Entries of version 1.1
# stored the letters (migrated in __init__.py).
PARITY_LETTERS: Final = {"none": "N", "even": "E", "odd": "O"}
DEFAULT_PARITY: Final = "even"  # Modbus over serial line 2.5.1: even parity is the default
CONF_STOPBITS: Final = "stopbits"
CONF_BYTESIZE: Final = "bytesize"
CONF_TIMEOUT: Final = "timeout"
CONF_RETRIES: Final = "retries"
DEFAULT_SCAN_INTERVAL_S: Final = 10
DEFAULT_TIMEOUT_S: Final = 1.0
DEFAULT_RETRIES: Final = 2
DEFAULT_PORT: Final = 502

# device subentry
CONF_UNIT_ID: Final = "unit_id"
CONF_PROFILE: Final = "profile"
CONF_CT_PRIMARY: Final = "ct_primary_a"  # an electricity meter's current transformers: their primary current
CONF_REGISTER_MAP: Final = "register_map"
PROFILE_CUSTOM: Final = "custom"

# heat pump entry
CONF_ROLES: Final = "roles"
CONF_ROLE_UNITS: Final = "role_units"  # role -> unit, for a bound entity that has none
CONF_MODE_MAP: Final = "mode_map"  # state of the operating-mode entity -> mode (engine/modes.py)
CONF_MEDIUM: Final = "medium"
CONF_MASS_FRACTION: Final = "mass_fraction_pct"
CONF_METER_POSITION: Final = "meter_position"
CONF_FLOW_TEMP_OFFSET: Final = "flow_temp_offset_k"
CONF_RETURN_TEMP_OFFSET: Final = "return_temp_offset_k"
CONF_FLOW_RATE_OFFSET: Final = "flow_rate_offset_m3h"
CONF_RUNNING_THRESHOLD: Final = "running_threshold_w"
CONF_ROLLING_WINDOW: Final = "rolling_window_min"
CONF_CLIMATE: Final = "climate"
CONF_BACKUP_IN_HEAT_METER: Final = "backup_in_heat_meter"
CONF_DATASHEET: Final = "datasheet"
DEFAULT_ROLLING_WINDOW_MIN: Final = 5
DEFAULT_RUNNING_THRESHOLD_W: Final = 100
DEFAULT_CLIMATE: Final = "average"
CONF_APPLICATION: Final = "application_c"
CONF_ALERT_LOW_COP: Final = "alert_low_cop"
CONF_ALERT_DEGRADATION: Final = "alert_degradation_pct"
CONF_ALERT_SUSTAIN: Final = "alert_sustain_min"
CONF_ALERT_STUCK: Final = "alert_flow_stuck_min"
CONF_ALERT_MAX_STARTS: Final = "alert_max_starts_per_hour"
CONF_ALERT_MIN_RUN: Final = "alert_min_median_run_min"

# plant entry
ENTRY_PLANT: Final = "plant"
CONF_HEAT_PUMPS: Final = "heat_pumps"
CONF_SHARED_POWER: Final = "shared_power"
CONF_SHARED_ENERGY: Final = "shared_energy"
# The meters' accuracy classes (engine/uncertainty.py): the 95 % interval of each figure, the publication check.
CONF_HEAT_METER_CLASS: Final = "heat_meter_class"
CONF_HEAT_METER_QP: Final = "heat_meter_qp_m3h"
CONF_HEAT_METER_DTMIN: Final = "heat_meter_dtmin_k"
CONF_FLOW_METER_PCT: Final = "flow_meter_pct"
CONF_TEMP_SENSOR_CLASS: Final = "temp_sensor_class"
CONF_MATCHED_PAIR: Final = "temp_sensor_matched_pair"
CONF_ELEC_METER_CLASS: Final = "elec_meter_class"
CONF_ELEC_METER_INCLUDES: Final = "elec_meter_includes"
METER_UNKNOWN: Final = "unknown"
