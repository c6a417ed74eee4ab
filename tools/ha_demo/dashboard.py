"""The demo dashboard: COP, energy, defrost, SCOP, cycling and practical efficiency of the simulated heat pump."""

from __future__ import annotations

from typing import Any

HP = "heat_pump"  # entity ids of the heat pump entry titled "Heat pump"


def _e(kind: str, key: str) -> str:
    return f"{kind}.{HP}_{key}"


def dashboard(daily_cop_statistic: str) -> dict[str, Any]:
    cop_now = {
        "type": "entities", "title": "Now",
        "entities": [_e("sensor", "cop"), _e("sensor", "rolling_cop"), _e("sensor", "heat_power"),
                     _e("sensor", "electric_power"), _e("binary_sensor", "running"), _e("binary_sensor", "defrost"),
                     "sensor.controller_outdoor_temperature", "sensor.heat_meter_flow_temperature",
                     "sensor.heat_meter_return_temperature", "sensor.heat_meter_flow_rate"],
    }  # fmt: skip
    gauges = {
        "type": "horizontal-stack",
        "cards": [
            {"type": "gauge", "entity": _e("sensor", "rolling_cop"), "name": "Rolling COP", "min": 0, "max": 6,
             "severity": {"red": 0, "yellow": 2, "green": 3}},
            {"type": "gauge", "entity": _e("sensor", "cop_today"), "name": "COP today", "min": 0, "max": 6,
             "severity": {"red": 0, "yellow": 2, "green": 3}},
            {"type": "gauge", "entity": _e("sensor", "expected_cop_now"), "name": "Datasheet expects", "min": 0,
             "max": 6},
        ],
    }  # fmt: skip
    history = {
        "type": "history-graph", "title": "COP against the datasheet", "hours_to_show": 6,
        "entities": [_e("sensor", "cop"), _e("sensor", "rolling_cop"), _e("sensor", "expected_cop_now")],
    }  # fmt: skip
    energy = {
        "type": "entities", "title": "Energy",
        "entities": [_e("sensor", "heat_energy"), _e("sensor", "electric_energy"),
                     _e("sensor", "electric_energy_while_running"), _e("sensor", "electric_energy_in_standby"),
                     _e("sensor", "backup_heater_energy"), _e("sensor", "circulation_pump_energy")],
    }  # fmt: skip
    defrost = {
        "type": "entities", "title": "Defrost",
        "entities": [_e("binary_sensor", "defrost"), _e("sensor", "defrosts"), _e("sensor", "time_defrosting"),
                     _e("sensor", "heat_drawn_back_by_defrosts")],
    }  # fmt: skip
    scop = {
        "type": "entities", "title": "Seasonal performance",
        "entities": [_e("sensor", "rated_scop_en_14825"), _e("sensor", "scop_this_heating_season"),
                     _e("sensor", "scop_last_365_days"), _e("sensor", "scop_normalised_to_the_reference_climate"),
                     _e("sensor", "scop_lifetime"), _e("sensor", "spf_unit_since_setup_h1"),
                     _e("sensor", "spf_with_backup_heater_since_setup_h2"),
                     _e("sensor", "spf_whole_system_since_setup_h4"),
                     _e("sensor", "cop_against_the_datasheet")],
    }  # fmt: skip
    daily = {
        "type": "statistics-graph", "title": "Daily COP", "chart_type": "bar", "period": "day", "days_to_show": 30,
        "stat_types": ["mean"], "entities": [daily_cop_statistic],
    }  # fmt: skip
    heat_and_electricity = {
        "type": "statistics-graph", "title": "Heat and electricity per day", "chart_type": "bar", "period": "day",
        "days_to_show": 30, "stat_types": ["change"],
        "entities": [_e("sensor", "heat_energy"), _e("sensor", "electric_energy_while_running"),
                     _e("sensor", "electric_energy_in_standby")],
    }  # fmt: skip
    alerts = {
        "type": "entities", "title": "Alerts",
        "entities": [_e("binary_sensor", "cop_below_threshold"), _e("binary_sensor", "below_own_baseline"),
                     _e("binary_sensor", "flow_meter_stuck"), _e("binary_sensor", "no_flow")],
    }  # fmt: skip
    cycling = {
        "type": "entities", "title": "Compressor cycling",
        "entities": [_e("sensor", "compressor_starts_today"), _e("sensor", "mean_run_length_today"),
                     _e("sensor", "runs_shorter_than_10_min_today"), _e("sensor", "compressor_run_time_today"),
                     _e("binary_sensor", "short_cycling")],
    }  # fmt: skip
    cycles_per_day = {
        "type": "statistics-graph", "title": "Compressor starts per day", "chart_type": "bar", "period": "day",
        "days_to_show": 30, "stat_types": ["change"], "entities": [_e("sensor", "compressor_starts")],
    }  # fmt: skip
    carnot = {
        "type": "entities", "title": "Practical efficiency (of the Carnot COP)",
        "entities": [_e("sensor", "practical_efficiency_of_carnot_cop"), _e("sensor", "rolling_practical_efficiency"),
                     _e("sensor", "practical_efficiency_today"),
                     _e("sensor", "practical_efficiency_this_heating_season"),
                     _e("sensor", "practical_efficiency_last_365_days"),
                     _e("sensor", "practical_efficiency_since_setup"),
                     _e("sensor", "heat_weighted_flow_temperature_today"),
                     _e("sensor", "heat_weighted_outdoor_temperature_today")],
    }  # fmt: skip
    return {
        "title": "Heat pump",
        "views": [{
            "title": "Heat pump", "path": "heat-pump", "type": "sections", "max_columns": 3,
            "sections": [
                {"type": "grid", "cards": [gauges, cop_now]},
                {"type": "grid", "cards": [history, scop, daily]},
                {"type": "grid", "cards": [energy, heat_and_electricity, defrost, alerts]},
                {"type": "grid", "cards": [cycling, cycles_per_day, carnot]},
            ],
        }],
    }  # fmt: skip
