"""The plant's devices as Modbus register images, built from the shipped profiles.

Each simulated device encodes the plant's current state with the same register
map the integration decodes it with, so the simulator also exercises every
data type, word order and sentinel those maps use.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from custom_components.ashp_cop.modbus.datatypes import DataType, encode
from custom_components.ashp_cop.modbus.hub import ModbusHub
from custom_components.ashp_cop.modbus.profiles import builtin_profile
from custom_components.ashp_cop.modbus.registermap import RegisterMap, Table, ValueSpec, load_register_map

from .plant import HeatPump, Plant

TRUTH_UNIT = 247
TRUTH_FIELDS = (
    "heat_kwh", "defrost_heat_kwh", "backup_heat_kwh", "elec_unit_kwh", "elec_backup_kwh", "elec_pump_kwh",
    "defrost_count", "defrost_s",
    "compressor_starts", "compressor_run_s",
    # per mode (plant.Truth): appended, so the registers above keep their addresses (22 fields: 88 of 100)
    "sh_heat_kwh", "sh_defrost_heat_kwh", "sh_elec_unit_kwh", "sh_elec_kwh", "dhw_heat_kwh", "dhw_defrost_heat_kwh",
    "dhw_elec_unit_kwh", "dhw_elec_kwh", "cool_heat_kwh", "cool_elec_unit_kwh", "cool_elec_kwh", "off_elec_kwh",
)  # fmt: skip

INTEGER_RANGE = {
    DataType.INT16: (-(2**15), 2**15 - 1), DataType.UINT16: (0, 2**16 - 1), DataType.INT32: (-(2**31), 2**31 - 1),
    DataType.UINT32: (0, 2**32 - 1), DataType.INT64: (-(2**63), 2**63 - 1), DataType.UINT64: (0, 2**64 - 1),
}  # fmt: skip
ValueFn = Callable[[HeatPump], float | bool]


@dataclass(slots=True)
class SimDevice:
    """One unit id: a register map and where each of its values comes from."""

    unit_id: int
    register_map: RegisterMap
    sources: dict[str, ValueFn]
    heat_pump: int  # index into the plant, -1 for plant-wide devices
    role: str

    def span(self, table: Table) -> tuple[int, int]:
        """First address and the address after the last one the device has in ``table`` (identification included)."""
        specs = [s for s in self.register_map.values if s.table is table]
        specs += [r.spec for r in self.register_map.identify if r.spec.table is table]
        if not specs:
            return 0, 0
        return min(s.address for s in specs), max(s.end for s in specs)

    def value(self, plant: Plant, spec: ValueSpec) -> float | bool | None:
        if self.heat_pump < 0:
            return None
        source = self.sources.get(spec.key)
        return None if source is None else source(plant.heat_pumps[self.heat_pump])


def _meter(power: Callable[[HeatPump], float], energy: Callable[[HeatPump], float]) -> dict[str, ValueFn]:
    def current(hp: HeatPump) -> float:
        return power(hp) / 230.0

    return {
        "voltage_v": lambda hp: 230.0, "voltage_l1_v": lambda hp: 230.0, "voltage_l2_v": lambda hp: 231.0,
        "voltage_l3_v": lambda hp: 229.0, "current_a": current, "current_l1_a": lambda hp: current(hp) / 3,
        "current_l2_a": lambda hp: current(hp) / 3, "current_l3_a": lambda hp: current(hp) / 3,
        "power_w": power, "power_l1_w": lambda hp: power(hp) / 3, "power_l2_w": lambda hp: power(hp) / 3,
        "power_l3_w": lambda hp: power(hp) / 3, "power_factor": lambda hp: 0.97, "frequency_hz": lambda hp: 50.0,
        "import_energy_kwh": energy, "export_energy_kwh": lambda hp: 0.0,
    }  # fmt: skip


HEAT_METER: dict[str, ValueFn] = {
    "flow_temp_c": lambda hp: hp.state.flow_c,
    "return_temp_c": lambda hp: hp.state.return_c,
    "flow_m3h": lambda hp: hp.state.flow_m3h,
    "power_w": lambda hp: hp.state.heat_w,
    "heat_energy_kwh": lambda hp: hp.state.meter_heat_kwh,
    "volume_m3": lambda hp: hp.state.meter_volume_m3,
    "error_flags": lambda hp: 0,
}
TRANSMITTER: dict[str, ValueFn] = {
    "channel_1_temp_c": lambda hp: hp.state.flow_c,
    "channel_2_temp_c": lambda hp: hp.state.return_c,
    "channel_3_temp_c": lambda hp: hp.state.outdoor_c,
    "channel_4_temp_c": lambda hp: 48.0,  # hot-water cylinder
}
CONTROLLER: dict[str, ValueFn] = {
    "compressor_frequency_hz": lambda hp: hp.state.compressor_hz,
    "outdoor_temp_c": lambda hp: hp.state.outdoor_c,
    "flow_setpoint_c": lambda hp: hp.state.flow_setpoint_c,
    "operating_mode": lambda hp: hp.state.mode,
    "defrost_active": lambda hp: hp.state.defrosting,
    "compressor_running": lambda hp: hp.state.running,
    "backup_heater_on": lambda hp: hp.state.backup_on,
    "hot_water_active": lambda hp: hp.state.hot_water,
}

# (unit offset, profile, role, value sources) of each heat pump's devices.
UNIT_METER = _meter(lambda hp: hp.state.elec_unit_w, lambda hp: hp.state.meter_elec_unit_kwh)
BACKUP_METER = _meter(lambda hp: hp.state.elec_backup_w, lambda hp: hp.state.meter_elec_backup_kwh)
PUMP_METER = _meter(lambda hp: hp.state.elec_pump_w, lambda hp: hp.state.meter_elec_pump_kwh)
LAYOUT: tuple[tuple[int, str, str, dict[str, ValueFn]], ...] = (
    (1, "generic_heat_meter", "heat meter", HEAT_METER),
    (2, "eastron_sdm630", "outdoor unit electricity", UNIT_METER),
    (3, "eastron_sdm120", "backup heater electricity", BACKUP_METER),
    (4, "eastron_sdm230", "circulation pump electricity", PUMP_METER),
    (5, "generic_temperature_transmitter", "temperature transmitter", TRANSMITTER),
    (6, "generic_heat_pump_controller", "controller", CONTROLLER),
)


# Any shipped profile is served from the plant by its kind: value keys are
# shared across profiles of a kind (``power_w``, ``flow_temp_c``), so a new map
# is simulated as soon as its keys are among these.
SOURCES_BY_KIND: dict[str, dict[str, ValueFn]] = {
    "electricity_meter": UNIT_METER,
    "heat_meter": HEAT_METER,
    "temperature_transmitter": TRANSMITTER,
    "heat_pump_controller": CONTROLLER
    | {
        "flow_temp_c": lambda hp: hp.state.flow_c,
        "return_temp_c": lambda hp: hp.state.return_c,
        "hot_water_temp_c": lambda hp: 48.0,
        "flow_l_min": lambda hp: hp.state.flow_m3h * 1000 / 60,
    },
}


def profile_device(unit: int, profile: str, heat_pump: int = 0) -> SimDevice:
    """A device serving shipped profile ``profile`` with heat pump ``heat_pump``'s values, at ``unit``."""
    register_map = builtin_profile(profile)
    return SimDevice(unit, register_map, SOURCES_BY_KIND.get(register_map.kind, {}), heat_pump, f"{profile} {unit}")


def unit_id(heat_pump: int, offset: int) -> int:
    """Heat pump n (0-based) uses units 10(n+1)+1 to 10(n+1)+6: 11-16, 21-26, ..."""
    return 10 * (heat_pump + 1) + offset


def add_plant_devices(hub: ModbusHub, heat_pumps: int = 1, **options: Any) -> None:
    """Every device the simulator serves for ``heat_pumps`` heat pumps, with the map it serves, on ``hub``."""
    for n in range(heat_pumps):
        for offset, profile, role, _ in LAYOUT:
            name = role if heat_pumps == 1 else f"hp{n + 1} {role}"
            hub.add_device(unit_id(n, offset), builtin_profile(profile), name=name, **options)


def truth_map(heat_pumps: int) -> RegisterMap:
    """The ground-truth map: sim time at 0, then the Truth fields of each heat pump."""
    base = load_register_map(Path(__file__).with_name("truth.yaml"))
    values = list(base.values)
    for n in range(heat_pumps):
        for i, name in enumerate(TRUTH_FIELDS):
            unit = "kWh" if name.endswith("kwh") else ""
            address = 100 * n + 4 * (i + 1)
            values.append(ValueSpec(f"hp{n + 1}_{name}", address, Table.INPUT, base.values[0].data_type, unit=unit))
    return RegisterMap(name=base.name, title=base.title, kind=base.kind, values=tuple(values), max_gap=8)


def build_devices(plant: Plant) -> dict[int, SimDevice]:
    devices: dict[int, SimDevice] = {}
    for n in range(len(plant.heat_pumps)):
        for offset, profile, role, sources in LAYOUT:
            unit = unit_id(n, offset)
            devices[unit] = SimDevice(unit, builtin_profile(profile), sources, n, f"heat pump {n + 1} {role}")
    devices[TRUTH_UNIT] = SimDevice(TRUTH_UNIT, truth_map(len(plant.heat_pumps)), {}, -1, "ground truth")
    return devices


def truth_value(plant: Plant, key: str) -> float:
    if key == "sim_time_s":
        return plant.time_s
    hp_part, _, name = key.partition("_")
    return float(getattr(plant.heat_pumps[int(hp_part[2:]) - 1].truth, name))


def register_image(
    device: SimDevice, plant: Plant, *, spoil: str | None = None, reversed_ct: bool = False
) -> dict[tuple[Table, int], int]:
    """Every register (or bit) of the device now; ``spoil`` = 'sentinel' or 'out_of_range'.

    ``reversed_ct``: power values come out with the wrong sign, as from a current transformer mounted backwards.
    """
    image: dict[tuple[Table, int], int] = {}
    for spec in device.register_map.values:
        if device.heat_pump < 0:
            raw: float | bool | None = truth_value(plant, spec.key)
        else:
            value = device.value(plant, spec)
            if reversed_ct and spec.key.startswith("power") and isinstance(value, float | int):
                value = -value
            raw = None if value is None else _raw(spec, value, spoil)
        if raw is None:
            continue
        if spec.table.is_bits:
            image[(spec.table, spec.address)] = int(bool(raw))
            continue
        if spoil == "sentinel" and device.heat_pump >= 0:
            words = [0xFFFF] * spec.count if not spec.no_reading else _sentinel_words(spec)
        else:
            words = encode(raw, spec.data_type, spec.word_order, spec.byte_order)
        for i, word in enumerate(words):
            image[(spec.table, spec.address + i)] = word
    for rule in device.register_map.identify:
        if rule.equals and rule.spec.key not in device.sources:  # a model code: the first value the map accepts
            raw_code = (rule.equals[0] - rule.spec.offset) / rule.spec.scale
            words = encode(raw_code, rule.spec.data_type, rule.spec.word_order, rule.spec.byte_order)
            for i, word in enumerate(words):
                image[(rule.spec.table, rule.spec.address + i)] = word
    return image


def _raw(spec: ValueSpec, value: float | bool, spoil: str | None) -> float | bool:
    if isinstance(value, bool) or spec.table.is_bits:
        return value
    if spoil == "out_of_range" and spec.valid_max is not None and spec.valid_min is not None:
        value = spec.valid_max + 0.5 * (spec.valid_max - spec.valid_min)
    raw = (value - spec.offset) / spec.scale
    if spec.data_type in INTEGER_RANGE:
        low, high = INTEGER_RANGE[spec.data_type]
        raw = min(max(round(raw), low), high)  # a real register saturates rather than wrapping
    return raw if math.isfinite(raw) else 0.0


def _sentinel_words(spec: ValueSpec) -> list[int]:
    pattern = spec.no_reading[0]
    words = [(pattern >> (16 * (spec.count - 1 - i))) & 0xFFFF for i in range(spec.count)]
    # The pattern is given in the value's own order; put it back into wire order.
    return words if spec.word_order.value == "big" else words[::-1]
