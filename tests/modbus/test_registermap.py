"""Register maps: the shipped profiles load, and every kind of bad map is named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from custom_components.ashp_cop.modbus.datatypes import DataType
from custom_components.ashp_cop.modbus.device import ModbusDevice
from custom_components.ashp_cop.modbus.errors import ModbusConfigError, RegisterMapError
from custom_components.ashp_cop.modbus.profiles import PROFILE_DIR, builtin_profile, builtin_profiles
from custom_components.ashp_cop.modbus.registermap import Table, load_register_map, parse_register_map

GOOD = """
name: my_meter
kind: electricity_meter
defaults: {table: input, data_type: float32}
values:
  power_w: {address: 12, unit: W}
  import_energy_kwh: {address: 72, unit: kWh, valid_range: [0, 1.0e9]}
"""


def test_builtin_profiles_load_and_cover_the_plant_room() -> None:
    profiles = builtin_profiles()
    assert set(profiles) == {
        "eastron_sdm120", "eastron_sdm230", "eastron_sdm630", "generic_energy_meter_float32", "generic_heat_meter",
        "generic_temperature_transmitter", "generic_heat_pump_controller", "carlo_gavazzi_em24", "abb_b2x",
        "kamstrup_multical_403", "sontex_supercal_5", "lg_therma_v", "nibe_modbus",
    }  # fmt: skip
    for profile in profiles.values():  # a product map says where it comes from and how a scan knows it
        assert profile.source and (profile.identify or profile.name.startswith("generic_")), profile.name
        assert profile.manufacturer or profile.name.startswith("generic_"), profile.name
    assert len(list(PROFILE_DIR.glob("*.yaml"))) == len(profiles)
    sdm630 = builtin_profile("eastron_sdm630")
    assert sdm630.value("import_energy_kwh").address == 0x0048  # Eastron input register 30073
    assert sdm630.value("power_w").address == 0x0034  # 30053 total system power
    meter = builtin_profile("generic_heat_meter")
    assert {"flow_temp_c", "return_temp_c", "flow_m3h", "power_w", "heat_energy_kwh", "volume_m3"} <= {
        v.key for v in meter.values
    }
    controller = builtin_profile("generic_heat_pump_controller")
    assert controller.value("defrost_active").table is Table.DISCRETE_INPUT
    assert controller.value("operating_mode").states == (
        (0, "off"),
        (1, "heating"),
        (2, "hot_water"),
        (3, "defrost"),
        (4, "cooling"),
    )


def test_unknown_profile_lists_the_known_ones() -> None:
    with pytest.raises(
        KeyError,
        match=re.escape("no built-in profile 'sdm999' (there are: abb_b2x, carlo_gavazzi_em24, eastron_sdm120"),
    ):
        builtin_profile("sdm999")


def test_good_map_with_defaults_and_yaml_1_1_exponent() -> None:
    parsed = parse_register_map(GOOD, source="my.yaml")
    energy = parsed.value("import_energy_kwh")
    assert energy.data_type is DataType.FLOAT32
    assert energy.valid_max == 1.0e9
    assert parsed.max_registers_per_request == 125


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nvalues: [1, 2", "my.yaml: line 2: not valid YAML"),
        ("- a\n- b", "my.yaml: map: must be a mapping, got list"),
        ("name: My Meter\nvalues: {a: {address: 1}}", "my.yaml: name: 'My Meter' must be lower_snake_case"),
        ("name: m\nvalues: {}", "my.yaml: values: a map needs at least one value"),
        ("name: m\nvendor: x\nvalues: {a: {address: 1}}", "my.yaml: map: unknown field 'vendor'"),
        ("name: m\nvalues: {a: {address: 70000}}", "my.yaml: values.a.address: 70000 is outside 0 to 65535"),
        ("name: m\nvalues: {a: {address: -1}}", "my.yaml: values.a.address: -1 is outside 0 to 65535"),
        ("name: m\nvalues: {a: {address: 65535, data_type: float32}}",
         "my.yaml: values.a.address: float32 at 65535 runs past register 65535"),
        ("name: m\nvalues: {a: {address: 1, data_type: float16}}",
         "my.yaml: values.a.data_type: 'float16' is not one of bool, int16"),
        ("name: m\nvalues: {a: {address: 1, table: coil, data_type: uint16}}",
         "my.yaml: values.a.data_type: a coil holds one bit: use bool, not uint16"),
        ("name: m\nvalues: {a: {address: 1, table: eeprom}}", "my.yaml: values.a.table: 'eeprom' is not one of"),
        ("name: m\nvalues: {a: {address: 1, scale: 0}}", "my.yaml: values.a.scale: must not be 0"),
        ("name: m\nvalues: {a: {address: 1, unit: degC}}", "my.yaml: values.a.unit: 'degC' is not one of"),
        ("name: m\nvalues: {a: {address: 1, valid_range: [5, 1]}}",
         "my.yaml: values.a.valid_range: min 5 must be below max 1"),
        ("name: m\nvalues: {a: {address: 1, no_reading: [0x1FFFF]}}",
         "my.yaml: values.a.no_reading: 131071 is not nan or a 16-bit register pattern"),
        ("name: m\nvalues: {a: {address: 1, no_reading: [nan]}}",
         "my.yaml: values.a.no_reading: nan only applies to float types"),
        ("name: m\nvalues: {a: {address: 1, data_type: uint32}, b: {address: 2}}",
         "my.yaml: values.b.address: 2 overlaps a (1 to 2)"),
        ("name: m\nmax_registers_per_request: 126\nvalues: {a: {address: 1}}",
         "my.yaml: max_registers_per_request: 126 is outside 1 to 125"),
        ("name: m\nkind: fridge\nvalues: {a: {address: 1}}", "my.yaml: kind: 'fridge' is not one of"),
        ("name: m\nvalues: {a: {address: 1, adress: 2}}", "my.yaml: values.a: unknown field 'adress'"),
        ("name: m\nvalues: {a: {address: 1, states: [off, on]}}",
         "my.yaml: values.a.states: must map readings to names"),
        ("name: m\nvalues: {a: {address: 1, states: {0: off}}}",
         "my.yaml: values.a.states.0: False is read as a yes/no value: quote the name ('off')"),
        ("name: m\nvalues: {a: {address: 1, states: {0: Heating}}}", "my.yaml: values.a.states.0: 'Heating' must be"),
        ("name: m\nvalues: {a: {address: 1, states: {x: idle}}}",
         "my.yaml: values.a.states.x: the reading must be a whole number, got 'x'"),
        ("name: m\nvalues: {a: {address: 1, states: {0: idle, 1: idle}}}",
         "my.yaml: values.a.states: the name 'idle' is given to two readings"),
        ("name: m\nvalues: {a: {address: 1, data_type: float32, states: {0: idle}}}",
         "my.yaml: values.a.states: only whole-number data types can hold states, not float32"),
        ("name: m\nvalues: {a: {address: 1, unit: W, states: {0: idle}}}",
         "my.yaml: values.a.states: a value with states has no unit (it has 'W')"),
        ("name: m\ndefaults: {states: {0: idle}}\nvalues: {a: {address: 1}}",
         "my.yaml: defaults: unknown field 'states'"),
        # issue 8: "$" let a trailing newline through; keys are matched whole
        ('name: m\nvalues: {"a\\n": {address: 1}}', "my.yaml: values['a\\n']: 'a\\n' must be lower_snake_case"),
        ('name: "m\\n"\nvalues: {a: {address: 1}}', "my.yaml: name: 'm\\n' must be lower_snake_case"),
        # duplicate keys were merged silently (the last won)
        ("name: m\nvalues:\n  a: {address: 1}\n  a: {address: 5}\n",
         "my.yaml: line 4: key 'a' is given twice (first on line 3)"),
        ("name: m\nvalues: {a: {address: 1, scale: 2, scale: 3}}",
         "my.yaml: line 2: key 'scale' is given twice (first on line 2)"),
        # a 400-digit number escaped as OverflowError ("Unknown error" in the flow)
        ("name: m\nvalues: {a: {address: 1, scale: " + "1" * 400 + "}}",
         "my.yaml: values.a.scale: must be a finite number, got <a 400-digit number>"),
        ("name: m\nvalues: {a: {address: 1, valid_range: [0, 1" + "0" * 400 + "]}}",
         "my.yaml: values.a.valid_range: must be a finite number, got <a 401-digit number>"),
        ("name: m\nvalues: {a: {address: " + "9" * 400 + "}}",
         "my.yaml: values.a.address: <a 400-digit number> is outside 0 to 65535"),
        ("name: m\nvalues: {a: {address: " + "9" * 5000 + "}}", "my.yaml: yaml: not a usable value (Exceeds the limit"),
        ("name: m\nvalues: " + "[" * 5000 + "]" * 5000, "my.yaml: yaml: nested too deeply to be a register map"),
        ("name: m\nvalues: {a: {address: 1, description: 2001-13-01}}",
         "my.yaml: yaml: not a usable value (month must be in 1..12)"),
        # size limits: 65,536 values were accepted after 24 s
        ("name: m\nvalues:\n" + "".join(f"  v{i}: {{address: {i}}}\n" for i in range(501)),
         "my.yaml: values: 501 values: a map holds at most 500 (split the device)"),
        ("name: m\nvalues:\n" + "".join(f"  v{i}: {{address: {i}}}\n" for i in range(65536)),
         "my.yaml: map: is longer than 256 KiB of text"),
    ],
)  # fmt: skip
def test_bad_maps_are_named(text: str, message: str) -> None:
    with pytest.raises(RegisterMapError, match=re.escape(message)):
        parse_register_map(text, source="my.yaml")


def test_merge_keys_may_override_and_a_full_map_loads() -> None:
    """YAML merge keys (<<: *anchor) override on purpose: not a duplicate. 500 values are allowed."""
    merged = parse_register_map("name: m\nvalues:\n  a: &f {address: 1, unit: W}\n  b: {<<: *f, address: 3}\n")
    assert merged.value("b").address == 3 and merged.value("b").unit == "W"
    full = parse_register_map("name: m\nvalues:\n" + "".join(f"  v{i}: {{address: {i}}}\n" for i in range(500)))
    assert len(full.values) == 500


def test_unreadable_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RegisterMapError, match=re.escape("missing.yaml: file: cannot be read")):
        load_register_map(tmp_path / "missing.yaml")


@pytest.mark.parametrize("unit_id", [0, 248, -1])
def test_unit_id_outside_1_to_247(unit_id: int) -> None:
    with pytest.raises(ModbusConfigError, match=f"unit_id: {unit_id} is outside 1 to 247"):
        ModbusDevice(unit_id, builtin_profile("eastron_sdm120"))


def test_request_size_over_125_is_refused() -> None:
    with pytest.raises(ModbusConfigError, match="max_registers_per_request: 126 is outside 1 to 125"):
        ModbusDevice(1, builtin_profile("eastron_sdm120"), max_registers_per_request=126)


def test_the_example_map_of_the_docs_loads() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "modbus.md").read_text()
    example = re.search(r"```yaml\n(.*?)```", docs, flags=re.DOTALL)
    assert example is not None
    parsed = parse_register_map(example.group(1), source="docs/modbus.md")
    assert parsed.value("operating_mode").states[2] == (2, "hot_water")


IDENTIFY_BASE = """
name: my_meter
kind: electricity_meter
defaults: {table: input, data_type: float32}
values:
  power_w: {address: 12, unit: W}
identify:
"""


@pytest.mark.parametrize(
    ("rules", "named"),
    [
        ("  - {value: nothing, range: [0, 1]}", "identify[0].value: 'nothing' is not a value of this map"),
        ("  - {value: power_w}", "give either equals"),
        ("  - {value: power_w, range: [0, 1], equals: [1]}", "give either equals"),
        ("  - {address: 11, equals: [1]}\n  - {range: [0, 1]}", "identify[1]: give either value"),
        ("  - {value: power_w, address: 3, range: [0, 1]}", "give either value"),
        ("  - {value: power_w, table: holding, range: [0, 1]}", "table comes from the value itself"),
        ("  - {address: 11, equals: []}", "identify[0].equals: must be a list of whole numbers"),
        ("  - {address: 11, equals: [1.5]}", "identify[0].equals: must be a list of whole numbers"),
        ("  - {address: 11, table: coil, equals: [1]}", "a coil or discrete input cannot identify"),
        ("  - {value: power_w, range: [2, 1]}", "identify[0].range: min 2 must be below max 1"),
        ("  - {address: 11, equals: [1], colour: red}", "unknown field 'colour'"),
        ("  {address: 11}", "identify: must be a list of rules"),
        ("\n".join(["  - {address: 11, equals: [1]}"] * 9), "at most 8"),
    ],
)
def test_bad_identification_rules_are_named(rules: str, named: str) -> None:
    with pytest.raises(RegisterMapError, match=re.escape(named)):
        parse_register_map(IDENTIFY_BASE + rules + "\n")


def test_identification_rules_load() -> None:
    em24 = builtin_profile("carlo_gavazzi_em24")
    (rule,) = em24.identify
    assert (rule.spec.table, rule.spec.address, rule.equals[0]) == (Table.HOLDING, 0x000B, 1648)
    assert rule.holds(1651.0) and not rule.holds(1647.0) and not rule.holds(None)
    sdm630 = builtin_profile("eastron_sdm630")
    assert sdm630.identify[0].spec is sdm630.value("voltage_l1_v")
    assert sdm630.identify[0].expected == "80 to 300 V"
