"""The demo dashboard: the period card first (the integration's own: any period's heat, electricity, COP,
temperatures, % of Carnot and starts), then COP, energy, defrost, SCOP, cycling and practical efficiency of the
simulated heat pump, and COP and energy by operating mode.

No card may show a warning on a fresh demo: figures that are unknown for part of the day (a COP today before
the first run) sit in entities and tile cards, which say "Unknown", never in gauges ("Entity is non-numeric");
charts show only statistics the demo backfills or writes from its first hour.
"""

from __future__ import annotations

from typing import Any

HP = "heat_pump"  # entity ids of the heat pump entry titled "Heat pump"


def _e(kind: str, key: str) -> str:
    return f"{kind}.{HP}_{key}"


def by_mode_cards(heat_statistics: list[str]) -> list[dict[str, Any]]:
    """The section "By operating mode": COP, energy, practical efficiency and the flow temperature the heat was
    made at, of space heating and hot water side by side.

    Cards about how the unit runs in each mode (compressor starts and run lengths per day) go at the end
    of this list. Each mode's heat per day is charted from the integration's own statistics
    (``heat_statistics``, space heating's then hot water's): the sensors that show those totals are disabled
    by default.
    """
    gauges = {
        "type": "horizontal-stack",
        "cards": [
            {"type": "tile", "entity": _e("sensor", f"{mode}_cop_today"), "name": f"{name} COP today"}
            for mode, name in (("space_heating", "Heating"), ("hot_water", "Hot water"))
        ],
    }  # fmt: skip
    figures = {
        "type": "glance", "title": "Heating and hot water", "columns": 2, "state_color": False,
        "entities": [
            {"entity": _e("sensor", f"{mode}_{key}"), "name": f"{name} {label}"}
            for key, label in (("cop_today", "COP today"), ("spf_this_season", "SPF season"))
            for mode, name in (("space_heating", "Heating"), ("hot_water", "Hot water"))
        ],
    }  # fmt: skip
    per_day = {
        "type": "statistics-graph", "title": "Heat per day by mode", "chart_type": "bar", "period": "day",
        "days_to_show": 30, "stat_types": ["change"],
        "entities": [{"entity": statistic, "name": name}
                     for statistic, name in zip(heat_statistics, ("Heating", "Hot water"), strict=True)],
    }  # fmt: skip
    return [gauges, figures, per_day]


def _named(key: str, name: str) -> dict[str, str]:
    """A row (or a chart's series) of a heat pump sensor under a name of its own."""
    return {"entity": _e("sensor", key), "name": name}


def dashboard(daily_cop_statistic: str, mode_heat_statistics: list[str]) -> dict[str, Any]:
    by_mode = by_mode_cards(mode_heat_statistics)
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
            {"type": "tile", "entity": _e("sensor", "rolling_cop"), "name": "Rolling COP"},
            {"type": "tile", "entity": _e("sensor", "cop_today"), "name": "COP today"},
        ],
    }  # fmt: skip
    history = {
        "type": "history-graph", "title": "COP", "hours_to_show": 6,
        "entities": [_e("sensor", "cop"), _e("sensor", "rolling_cop")],
    }  # fmt: skip
    # the rows named by what tells them apart: the entities' own names, after the device's, cut into the same
    # "Heat pump Electric energ..." three times on a desktop column
    energy = {
        "type": "entities", "title": "Energy",
        "entities": [_named("heat_energy", "Heat"), _named("electric_energy", "Electricity"),
                     _named("electric_energy_while_running", "Running electricity"),
                     _named("electric_energy_in_standby", "Standby electricity"),
                     _named("backup_heater_energy", "Backup heater"),
                     _named("circulation_pump_energy", "Circulation pump")],
    }  # fmt: skip
    defrost = {
        "type": "entities", "title": "Defrost",
        "entities": [_e("binary_sensor", "defrost"), _e("sensor", "heat_drawn_back_by_defrosts")],
    }  # fmt: skip
    scop = {
        "type": "entities", "title": "Seasonal performance",
        "entities": [_e("sensor", "rated_scop_en_14825"), _e("sensor", "scop_this_heating_season"),
                     _e("sensor", "scop_last_365_days"), _e("sensor", "scop_lifetime")],
    }  # fmt: skip
    daily = {
        "type": "statistics-graph", "title": "Daily COP", "chart_type": "bar", "period": "day", "days_to_show": 30,
        "stat_types": ["mean"], "entities": [daily_cop_statistic],
    }  # fmt: skip
    heat_and_electricity = {
        "type": "statistics-graph", "title": "Heat and electricity per day", "chart_type": "bar", "period": "day",
        "days_to_show": 30, "stat_types": ["change"],
        "entities": [_named("heat_energy", "Heat"), _named("electric_energy_while_running", "Running electricity"),
                     _named("electric_energy_in_standby", "Standby electricity")],
    }  # fmt: skip
    alerts = {
        "type": "entities", "title": "Alerts",
        "entities": [_e("binary_sensor", "cop_below_threshold"), _e("binary_sensor", "below_own_baseline"),
                     _e("binary_sensor", "flow_meter_stuck"), _e("binary_sensor", "no_flow"),
                     _e("binary_sensor", "short_cycling")],
    }  # fmt: skip
    # starts, Carnot and heat-weighted temperatures over any period: in the period card (their sensors are
    # disabled by default, entity_rule.py; a chart of starts per day stayed empty over the backfilled weeks)
    period = {"type": "custom:ashp-cop-period-card", "period": "month"}
    return {
        "title": "Heat pump",
        "views": [{
            "title": "Heat pump", "path": "heat-pump", "type": "sections", "max_columns": 3,
            "sections": [
                {"type": "grid", "cards": [period, gauges, cop_now]},
                {"type": "grid", "cards": [history, scop, daily]},
                {"type": "grid", "cards": [energy, heat_and_electricity, defrost, alerts]},
                {"type": "grid", "cards": [{"type": "heading", "heading": "By operating mode"}, *by_mode]},
            ],
        }],
    }  # fmt: skip
