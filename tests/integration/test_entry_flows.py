"""Heat-pump and plant entries: reconfigure, bindings the flows refuse, unit questions, one entry per meters."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER, ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ashp_cop.const import (
    CONF_APPLICATION,
    CONF_ELEC_METER_CLASS,
    CONF_ENTRY_TYPE,
    CONF_HEAT_METER_CLASS,
    CONF_HEAT_METER_QP,
    CONF_HEAT_PUMPS,
    CONF_ROLE_UNITS,
    CONF_ROLES,
    CONF_RUNNING_THRESHOLD,
    CONF_SHARED_ENERGY,
    CONF_SHARED_POWER,
    DOMAIN,
    ENTRY_PLANT,
)
from custom_components.ashp_cop.engine.live import Role
from custom_components.ashp_cop.role_sources import FLAG_ROLES, ROLE_QUANTITIES, read_roles
from tests.integration.conftest import setup_entry
from tests.integration.test_heat_pump import CIRCUIT, heat_pump_entry

POWERS = {"heat_power_w": "sensor.hm_power", "elec_power_w": "sensor.meter_power"}


def _sensor(hass: HomeAssistant, entity_id: str, state: str, unit: str | None = None, kind: str | None = None) -> None:
    attributes = {"unit_of_measurement": unit} if unit else {}
    hass.states.async_set(entity_id, state, attributes | ({"device_class": kind} if kind else {}))


def _plain_sensors(hass: HomeAssistant) -> None:
    """A heat meter and an electricity meter (6 kW, 2 kW), and sensors that cannot play every role."""
    _sensor(hass, "sensor.hm_power", "6000", "W", "power")
    _sensor(hass, "sensor.meter_power", "2000", "W", "power")
    _sensor(hass, "sensor.outside", "5", "°C", "temperature")
    _sensor(hass, "sensor.tank", "3", "gal")
    _sensor(hass, "sensor.bare_power", "2.0")  # a power sensor without a unit: its readings are in kW
    _sensor(hass, "sensor.bare_heat", "1.25")  # a heat counter without a unit: in MWh


async def _heat_pump(
    hass: HomeAssistant, bound: dict[str, str] | None = None, options: dict[str, Any] | None = None
) -> MockConfigEntry:
    _plain_sensors(hass)
    entry = heat_pump_entry(bound or POWERS)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options=options or {})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def _plant_entry(title: str, heat_pumps: list[str], unique_id: str | None = None) -> MockConfigEntry:
    data = {CONF_ENTRY_TYPE: ENTRY_PLANT, CONF_HEAT_PUMPS: heat_pumps, CONF_SHARED_POWER: [], CONF_SHARED_ENERGY: []}
    return MockConfigEntry(domain=DOMAIN, title=title, data=data, unique_id=unique_id)


def _value(hass: HomeAssistant, entity_id: str) -> float:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return float(state.state)


def _suggested(result: dict[str, Any]) -> dict[str, Any]:
    markers = result["data_schema"].schema
    return {
        str(key): key.description["suggested_value"]
        for key in markers
        if (key.description or {}).get("suggested_value")
    }


async def _reconfigure(hass: HomeAssistant, entry: ConfigEntry) -> dict[str, Any]:
    context = {"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    return await hass.config_entries.flow.async_init(DOMAIN, context=context)  # type: ignore[return-value]


async def _user_flow(hass: HomeAssistant, kind: str) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    return await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": kind})  # type: ignore[return-value]


async def test_reconfigure_renames_a_heat_pump_and_binds_another_meter(hass: HomeAssistant) -> None:
    _sensor(hass, "sensor.new_meter", "1.5", "kW", "power")
    # roles changed in the options before: they win over the data until a reconfigure replaces both
    hp = await _heat_pump(
        hass,
        {"heat_power_w": "sensor.hm_power", "elec_power_w": "sensor.old"},
        {CONF_ROLES: POWERS, CONF_RUNNING_THRESHOLD: 150},
    )
    hp.runtime_data.live.totals.heat_kwh = 123.0

    result = await _reconfigure(hass, hp)
    assert result["type"] is FlowResultType.FORM and result["step_id"] == "reconfigure_heat_pump"
    assert result["data_schema"]({})[CONF_NAME] == "Garden heat pump"
    assert _suggested(result) == POWERS
    with patch.object(hass.config_entries, "async_reload", wraps=hass.config_entries.async_reload) as reload:
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_NAME: " Garden ASHP ", "heat_power_w": "sensor.hm_power", "elec_power_w": "sensor.new_meter"},
        )
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "heat_pump_reconfigured"
    assert reload.call_count == 1  # the update listener's reload, once
    assert hp.title == "Garden ASHP" and hp.state is ConfigEntryState.LOADED
    assert hp.data[CONF_ROLES] == {"heat_power_w": "sensor.hm_power", "elec_power_w": "sensor.new_meter"}
    assert hp.options == {CONF_RUNNING_THRESHOLD: 150}  # the roles left the options, the settings stayed
    assert hp.unique_id == "heat_pump:sensor.hm_power+sensor.new_meter"
    # the same entities (ids and history), now reading the new meter; the total went on from where it was
    assert _value(hass, "sensor.garden_heat_pump_electric_power") == 1500.0
    assert _value(hass, "sensor.garden_heat_pump_cop") == 4.0
    assert _value(hass, "sensor.garden_heat_pump_heat_energy") == 123.0


async def test_reconfigure_states_the_meters_classes(hass: HomeAssistant) -> None:
    # classes set in the options before: the form starts from them, and the reconfigure's win over both
    hp = await _heat_pump(
        hass, options={CONF_HEAT_METER_CLASS: "3", CONF_HEAT_METER_QP: 2.5, CONF_RUNNING_THRESHOLD: 150}
    )
    result = await _reconfigure(hass, hp)
    assert result["step_id"] == "reconfigure_heat_pump"
    shown = result["data_schema"]({})
    assert (shown[CONF_HEAT_METER_CLASS], shown[CONF_ELEC_METER_CLASS]) == ("3", "unknown")
    assert _suggested(result) == POWERS | {CONF_HEAT_METER_QP: 2.5}
    # a refused binding shows the form again with the classes as they were typed
    typed = {CONF_HEAT_METER_CLASS: "2", CONF_ELEC_METER_CLASS: "class_1"}  # the qp emptied
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_NAME: "Garden heat pump",
            "heat_power_w": "sensor.outside",
            "elec_power_w": "sensor.meter_power",
            **typed,
        },
    )
    assert result["errors"]["heat_power_w"] == "wrong_device_class"
    assert {key: result["data_schema"]({})[key] for key in typed} == typed
    assert CONF_HEAT_METER_QP not in _suggested(result)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Garden heat pump", **POWERS, **typed}
    )
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "heat_pump_reconfigured"
    await hass.async_block_till_done()
    assert (hp.data[CONF_HEAT_METER_CLASS], hp.data[CONF_ELEC_METER_CLASS]) == ("2", "class_1")
    assert CONF_HEAT_METER_QP not in hp.data  # emptied: it leaves the entry, its data and its options
    assert hp.options == {CONF_RUNNING_THRESHOLD: 150}
    meters = hp.runtime_data.meter_account.meters  # the reloaded heat pump reads them
    assert (meters.heat_meter_class, meters.heat_meter_qp_m3h, meters.elec_meter_class) == (2, None, 1.0)
    assert [a.split(":")[0] for a in meters.assumptions] == ["heat_meter_qp"]


async def test_reconfigure_refuses_bad_bindings_and_asks_a_missing_unit(hass: HomeAssistant) -> None:
    hp = await _heat_pump(hass)
    result = await _reconfigure(hass, hp)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_NAME: "Garden heat pump", "heat_power_w": "sensor.outside", "elec_power_w": "sensor.gone"},
    )
    assert result["errors"] == {
        "heat_power_w": "wrong_device_class", "elec_power_w": "entity_not_found", "base": "invalid_roles"
    }  # fmt: skip
    assert result["description_placeholders"]["error"] == (
        "sensor.outside is a temperature sensor in '°C', not power; sensor.gone does not exist"
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Garden heat pump", **POWERS, "elec_power_w": "sensor.bare_power"}
    )
    assert result["step_id"] == "role_units"
    assert result["description_placeholders"] == {"entities": "sensor.bare_power"}
    assert [str(key) for key in result["data_schema"].schema] == ["elec_power_w"]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"elec_power_w": "kW"})
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "heat_pump_reconfigured"
    await hass.async_block_till_done()
    assert hp.data[CONF_ROLE_UNITS] == {"elec_power_w": "kW"}
    assert _value(hass, "sensor.garden_heat_pump_electric_power") == 2000.0
    assert _value(hass, "sensor.garden_heat_pump_cop") == 3.0


async def test_the_flow_refuses_roles_it_could_not_read_and_names_them(hass: HomeAssistant) -> None:
    _plain_sensors(hass)
    result = await _user_flow(hass, "heat_pump")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {
        CONF_NAME: "Garden heat pump", "heat_power_w": "sensor.outside", "elec_power_w": "sensor.missing",
        "pump_power_w": "sensor.tank",
    })  # fmt: skip
    assert result["type"] is FlowResultType.FORM and result["step_id"] == "heat_pump"
    assert result["errors"] == {"heat_power_w": "wrong_device_class", "elec_power_w": "entity_not_found",
                                "pump_power_w": "wrong_unit", "base": "invalid_roles"}  # fmt: skip
    assert result["description_placeholders"]["error"] == (
        "sensor.outside is a temperature sensor in '°C', not power; sensor.missing does not exist; "
        "sensor.tank is in 'gal', which cannot be converted to W"
    )
    # sensors without a unit: the flow asks for it, with the units of the role's quantity only
    roles = {
        "heat_power_w": "sensor.hm_power",
        "heat_energy_kwh": "sensor.bare_heat",
        "elec_power_w": "sensor.bare_power",
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_NAME: "Garden heat pump", **roles})
    assert result["step_id"] == "role_units"
    assert result["description_placeholders"] == {"entities": "sensor.bare_heat, sensor.bare_power"}
    choices = {str(key): value.config["options"] for key, value in result["data_schema"].schema.items()}
    assert "MWh" in choices["heat_energy_kwh"] and "W" not in choices["heat_energy_kwh"]
    assert "kW" in choices["elec_power_w"] and "°C" not in choices["elec_power_w"]
    with pytest.raises(Exception, match="elec_power_w"):  # every unit must be given
        await hass.config_entries.flow.async_configure(result["flow_id"], {"heat_energy_kwh": "MWh"})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"heat_energy_kwh": "MWh", "elec_power_w": "kW"}
    )
    assert result["step_id"] == "circuit"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CIRCUIT)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_APPLICATION: "35"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_ROLES] == roles
    assert result["data"][CONF_ROLE_UNITS] == {"heat_energy_kwh": "MWh", "elec_power_w": "kW"}
    assert result["result"].unique_id == "heat_pump:sensor.bare_heat+sensor.bare_power"
    await hass.async_block_till_done()
    hp = result["result"]
    assert hp.runtime_data.problems == {}
    assert _value(hass, "sensor.garden_heat_pump_electric_power") == 2000.0
    values, _ = read_roles(hass, roles, hp.data[CONF_ROLE_UNITS])
    assert values[Role.HEAT_ENERGY].value == 1250.0  # 1.25 MWh in kWh


async def test_options_refuse_bad_bindings_and_keep_a_given_unit(hass: HomeAssistant) -> None:
    hp = await _heat_pump(hass)
    result = await hass.config_entries.options.async_init(hp.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"heat_power_w": "sensor.hm_power", "elec_power_w": "sensor.outside"}
    )
    assert result["errors"] == {"elec_power_w": "wrong_device_class", "base": "invalid_roles"}
    assert result["description_placeholders"]["error"] == "sensor.outside is a temperature sensor in '°C', not power"
    bound = {"heat_power_w": "sensor.hm_power", "elec_power_w": "sensor.bare_power"}
    result = await hass.config_entries.options.async_configure(result["flow_id"], bound)
    assert result["step_id"] == "role_units"
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"elec_power_w": "kW"})
    result = await hass.config_entries.options.async_configure(result["flow_id"], CIRCUIT)
    result = await hass.config_entries.options.async_configure(result["flow_id"], {CONF_APPLICATION: "35"})
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert hp.options[CONF_ROLE_UNITS] == {"elec_power_w": "kW"}
    assert _value(hass, "sensor.garden_heat_pump_electric_power") == 2000.0
    assert hp.unique_id == "heat_pump:sensor.hm_power+sensor.bare_power"  # follows the bindings after the reload

    # the next time, the unit given for the same sensor in the same role is what the form starts from
    result = await hass.config_entries.options.async_init(hp.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], bound)
    assert result["data_schema"]({}) == {"elec_power_w": "kW"}


async def test_the_same_meters_cannot_make_a_second_heat_pump(hass: HomeAssistant) -> None:
    first = await _heat_pump(hass)
    result = await _user_flow(hass, "heat_pump")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_NAME: "Again", **POWERS})
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "heat_pump_already_configured"

    _sensor(hass, "sensor.other_heat", "3000", "W", "power")
    _sensor(hass, "sensor.other_meter", "1000", "W", "power")
    result = await _user_flow(hass, "heat_pump")
    shared = {"heat_power_w": "sensor.other_heat", "elec_power_w": "sensor.meter_power"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_NAME: "Second", **shared})
    assert result["errors"] == {"elec_power_w": "meter_in_use", "base": "invalid_roles"}
    assert result["description_placeholders"]["error"] == "sensor.meter_power is already a meter of Garden heat pump"
    own = {"heat_power_w": "sensor.other_heat", "elec_power_w": "sensor.other_meter"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_NAME: "Second", **own})
    assert result["step_id"] == "circuit"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CIRCUIT)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_APPLICATION: "35"})
    second = result["result"]
    await hass.async_block_till_done()

    # a reconfigure cannot take the first heat pump's meter either
    result = await _reconfigure(hass, second)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_NAME: "Second", **shared})
    assert result["errors"] == {"elec_power_w": "meter_in_use", "base": "invalid_roles"}
    assert first.unique_id == "heat_pump:sensor.hm_power+sensor.meter_power"


async def test_entries_made_before_unique_ids_get_theirs_at_setup(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    _plain_sensors(hass)
    first, twin = heat_pump_entry(POWERS, entry_id="OLD1"), heat_pump_entry(POWERS, entry_id="OLD2")
    plant = _plant_entry("Plant room", ["OLD1"])
    for entry in (first, twin, plant):
        assert entry.unique_id is None
        await setup_entry(hass, entry)
    assert first.unique_id == "heat_pump:sensor.hm_power+sensor.meter_power"
    assert plant.unique_id == "plant:OLD1"
    # two old entries on the same meters: the first keeps them, the other stays without and is named in the log
    assert twin.unique_id is None and twin.state is ConfigEntryState.LOADED
    assert "Garden heat pump reads the same meters as Garden heat pump" in caplog.text


async def _two_heat_pumps_and_a_plant(hass: HomeAssistant) -> MockConfigEntry:
    _plain_sensors(hass)
    _sensor(hass, "sensor.b_heat", "3000", "W", "power")
    _sensor(hass, "sensor.b_elec", "1200", "W", "power")
    _sensor(hass, "sensor.pump_kwh", "40.5", "kWh", "energy")
    await setup_entry(hass, heat_pump_entry(POWERS, entry_id="HPA"))
    await setup_entry(hass, heat_pump_entry({"heat_power_w": "sensor.b_heat", "elec_power_w": "sensor.b_elec"},
                                            entry_id="HPB"))  # fmt: skip
    plant = _plant_entry("Plant room", ["HPA", "HPB"])
    await setup_entry(hass, plant)
    return plant


async def test_plant_flow_refuses_the_same_heat_pumps_and_shared_loads_it_could_not_read(hass: HomeAssistant) -> None:
    plant = await _two_heat_pumps_and_a_plant(hass)
    assert plant.unique_id == "plant:HPA+HPB"
    result = await _user_flow(hass, "plant")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Again", CONF_HEAT_PUMPS: ["HPB", "HPA"]}
    )
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "plant_already_configured"

    result = await _user_flow(hass, "plant")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {
        CONF_NAME: "Upstairs", CONF_HEAT_PUMPS: ["HPA"],
        CONF_SHARED_POWER: ["sensor.none", "sensor.outside", "sensor.bare_power"], CONF_SHARED_ENERGY: ["sensor.tank"],
    })  # fmt: skip
    assert result["errors"] == {CONF_SHARED_POWER: "entity_not_found", CONF_SHARED_ENERGY: "wrong_unit",
                                "base": "invalid_plant"}  # fmt: skip
    assert result["description_placeholders"]["error"] == (
        "sensor.none does not exist; sensor.outside is a temperature sensor in '°C', not power; "
        "sensor.bare_power has no unit (a power sensor needs one); sensor.tank is in 'gal', which cannot be converted "
        "to kWh"
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_NAME: "Upstairs",
            CONF_HEAT_PUMPS: ["HPA"],
            CONF_SHARED_POWER: [],
            CONF_SHARED_ENERGY: ["sensor.pump_kwh"],
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == "plant:HPA"
    await hass.async_block_till_done()

    # its options cannot turn it into the other plant
    upstairs = result["result"]
    result = await hass.config_entries.options.async_init(upstairs.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], {CONF_HEAT_PUMPS: ["HPA", "HPB"]})
    assert result["errors"] == {CONF_HEAT_PUMPS: "same_heat_pumps", "base": "invalid_plant"}
    assert result["description_placeholders"]["error"] == "Plant room holds the same heat pumps"


async def test_reconfigure_renames_a_plant_and_changes_what_it_holds(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    plant = await _two_heat_pumps_and_a_plant(hass)
    hass.config_entries.async_update_entry(plant, options={CONF_HEAT_PUMPS: ["HPA", "HPB"], CONF_SHARED_POWER: []})
    await hass.async_block_till_done()
    other = _plant_entry("Upstairs", ["HPA"], unique_id="plant:HPA")
    other.add_to_hass(hass)
    before = {e.entity_id for e in er.async_entries_for_config_entry(entity_registry, plant.entry_id)}

    result = await _reconfigure(hass, plant)
    assert result["step_id"] == "reconfigure_plant"
    assert result["data_schema"]({})[CONF_NAME] == "Plant room"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Plant room", CONF_HEAT_PUMPS: []}
    )
    assert result["errors"] == {CONF_HEAT_PUMPS: "no_heat_pumps"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Plant room", CONF_HEAT_PUMPS: ["HPA"]}
    )
    assert result["errors"] == {CONF_HEAT_PUMPS: "same_heat_pumps", "base": "invalid_plant"}
    assert result["description_placeholders"]["error"] == "Upstairs holds the same heat pumps"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Boiler room", CONF_HEAT_PUMPS: ["HPB"], CONF_SHARED_ENERGY: ["sensor.pump_kwh"]}
    )
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "plant_reconfigured"
    await hass.async_block_till_done()
    assert plant.title == "Boiler room" and plant.state is ConfigEntryState.LOADED
    assert plant.data[CONF_HEAT_PUMPS] == ["HPB"] and plant.data[CONF_SHARED_ENERGY] == ["sensor.pump_kwh"]
    assert plant.options == {} and plant.unique_id == "plant:HPB"
    assert plant.runtime_data.heat_pump_ids == ["HPB"]
    after = {e.entity_id for e in er.async_entries_for_config_entry(entity_registry, plant.entry_id)}
    # the same entities (ids and history) go on, but the SPF of the unit taken out (issue 17: it stayed unavailable)
    gone = "sensor.plant_room_garden_heat_pump_spf_since_plant_setup"
    assert gone in before and gone not in after and before - {gone} <= after


async def test_a_heat_pump_or_plant_has_no_devices_to_add_and_a_hub_no_options(
    hass: HomeAssistant, hub_entry: MockConfigEntry
) -> None:
    plant = await _two_heat_pumps_and_a_plant(hass)
    hub_entry.add_to_hass(hass)
    heat_pump = hass.config_entries.async_get_entry("HPA")
    assert heat_pump is not None
    assert heat_pump.supported_subentry_types == {} and plant.supported_subentry_types == {}
    assert heat_pump.supports_options and plant.supports_options and not hub_entry.supports_options
    assert "device" in hub_entry.supported_subentry_types


def test_each_role_has_one_quantity_in_the_unit_its_name_says() -> None:
    """The flow's check and the reading share ROLE_QUANTITIES; a role's key names the unit the engine wants."""
    suffix_units = {"_c": "°C", "_m3h": "m³/h", "_w": "W", "_kwh": "kWh"}
    assert set(ROLE_QUANTITIES) == set(Role) - set(FLAG_ROLES) - {Role.OPERATING_MODE}  # a state, not a quantity
    assert set(FLAG_ROLES) == {Role.DEFROST, Role.COMPRESSOR_RUNNING}
    for role, quantity in ROLE_QUANTITIES.items():
        wanted = next(unit for suffix, unit in suffix_units.items() if role.value.endswith(suffix))
        assert quantity.unit == wanted, role
        assert quantity.convertible(quantity.unit) and quantity.unit in quantity.units


async def test_stored_units_only_for_sensors_without_one(hass: HomeAssistant) -> None:
    _plain_sensors(hass)
    roles = {"elec_power_w": "sensor.meter_power", "pump_power_w": "sensor.bare_power"}
    values, problems = read_roles(hass, roles, {"elec_power_w": "kW", "pump_power_w": "kW"})
    assert problems == {}
    assert values[Role.ELEC_POWER].value == 2000.0  # the entity says W: its own unit wins
    assert values[Role.PUMP_POWER].value == 2000.0  # no unit on the entity: the one given
    values, _ = read_roles(hass, roles)
    assert values[Role.PUMP_POWER].value == 2.0  # an entry made before units were asked reads it as before


async def test_entities_that_are_registered_but_not_loaded_disabled_or_our_own_figures(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    _plain_sensors(hass)
    # another integration's sensors: one still starting (only in the registry), one disabled by the user
    entity_registry.async_get_or_create("sensor", "other", "probe", suggested_object_id="probe",
                                        original_device_class="temperature", unit_of_measurement="°C")  # fmt: skip
    entity_registry.async_get_or_create("sensor", "other", "off", suggested_object_id="switched_off",
                                        disabled_by=er.RegistryEntryDisabler.USER)  # fmt: skip
    result = await _user_flow(hass, "heat_pump")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {
        CONF_NAME: "Garden heat pump", "heat_power_w": "sensor.probe", "elec_power_w": "sensor.switched_off",
    })  # fmt: skip
    assert result["description_placeholders"]["error"] == (
        "sensor.probe is a temperature sensor in '°C', not power; sensor.switched_off is disabled"
    )
    hass.states.async_set("binary_sensor.defrost", "on")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Garden heat pump", **POWERS, "defrost": "binary_sensor.defrost"}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CIRCUIT)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_APPLICATION: "35"})
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.garden_heat_pump_defrost").state == "on"  # type: ignore[union-attr]

    # one heat pump's figure can feed another: this integration's own entity that is not a Modbus value
    _sensor(hass, "sensor.meter_b", "1000", "W", "power")
    roles = {"heat_power_w": "sensor.garden_heat_pump_heat_power", "elec_power_w": "sensor.meter_b"}
    values, problems = read_roles(hass, roles)
    assert problems == {} and values[Role.HEAT_POWER].value == 6000.0
