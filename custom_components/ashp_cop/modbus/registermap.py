"""Register maps: YAML data files describing a device's values, checked on load.

A map is data, not code, so a user can copy a generic map and edit addresses
without touching Python; everything a typo could break is checked here, with
the file and the field named in the error (see docs/modbus.md for the format).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from .datatypes import FLOAT_TYPES, DataType, Order, register_count
from .errors import RegisterMapError

# Modbus Application Protocol v1.1b3, 6.3/6.4: at most 125 registers per read,
# 6.1/6.2: at most 2000 coils or discrete inputs.
MAX_REGISTERS_PER_READ = 125
MAX_BITS_PER_READ = 2000
MAX_ADDRESS = 0xFFFF

UNITS = ("°C", "K", "m³/h", "L/min", "m³", "W", "kW", "Wh", "kWh", "MWh", "V", "A", "Hz", "%", "rpm", "")
KINDS = ("electricity_meter", "heat_meter", "temperature_transmitter", "heat_pump_controller", "other")

# A device map is small: the largest shipped one has 13 values in 1.5 KB. These
# limits keep a pasted or generated map from stalling Home Assistant while it
# is checked (65,536 values took 24 s) and each value becomes an entity.
MAX_VALUES = 500
MAX_TEXT_CHARS = 256 * 1024
_SHOWN_CHARS = 60

_KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")
_MAP_FIELDS = frozenset(
    {"name", "title", "manufacturer", "model", "kind", "source", "max_registers_per_request", "max_gap", "defaults",
     "values", "identify"}
)  # fmt: skip
_VALUE_FIELDS = frozenset(
    {"address", "table", "data_type", "word_order", "byte_order", "scale", "offset", "unit", "valid_range",
     "no_reading", "description", "states"}
)  # fmt: skip
_DEFAULT_FIELDS = _VALUE_FIELDS - {"address", "description", "states"}
_IDENTIFY_FIELDS = frozenset({"value", "address", "table", "data_type", "word_order", "byte_order", "equals", "range"})
MAX_IDENTIFY_RULES = 8  # each is one read of every answering unit in a bus scan


class Table(StrEnum):
    """The four Modbus data tables, each read with its own function code."""

    COIL = "coil"
    DISCRETE_INPUT = "discrete_input"
    HOLDING = "holding"
    INPUT = "input"

    @property
    def function_code(self) -> int:
        return {"coil": 1, "discrete_input": 2, "holding": 3, "input": 4}[self.value]

    @property
    def is_bits(self) -> bool:
        return self in (Table.COIL, Table.DISCRETE_INPUT)


@dataclass(frozen=True, slots=True)
class ValueSpec:
    """One value of a device: where it lives and how raw registers become a reading."""

    key: str
    address: int
    table: Table
    data_type: DataType
    word_order: Order = Order.BIG
    byte_order: Order = Order.BIG
    scale: float = 1.0
    offset: float = 0.0
    unit: str = ""
    valid_min: float | None = None
    valid_max: float | None = None
    no_reading: tuple[int, ...] = ()
    nan_is_no_reading: bool = True
    description: str = ""
    # An enumeration (an operating mode, say): reading -> state name, in map order; empty for a quantity.
    states: tuple[tuple[int, str], ...] = ()
    # Registers (or bits) the value occupies and the first address after it;
    # worked out once, as every scan plans and decodes with them.
    count: int = field(init=False, repr=False, compare=False)
    end: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        count = 1 if self.table.is_bits else register_count(self.data_type)
        object.__setattr__(self, "count", count)
        object.__setattr__(self, "end", self.address + count)


@dataclass(frozen=True, slots=True)
class IdentifyRule:
    """One read that tells this device from others: a register holding one of ``equals``, or a value in a range.

    A rule names a value of the map (its decoding, and by default its valid
    range) or an identification register outside the map (a model code).
    """

    spec: ValueSpec
    equals: tuple[int, ...] = ()
    low: float | None = None
    high: float | None = None

    def holds(self, value: float | bool | None) -> bool:
        if value is None or isinstance(value, bool):
            return False
        if self.equals:
            return value in self.equals
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    @property
    def expected(self) -> str:
        """What the rule wants, for a log line: ``one of 1648, 1649`` or ``45 to 65 Hz``."""
        if self.equals:
            return "one of " + ", ".join(str(v) for v in self.equals)
        return f"{self.low:g} to {self.high:g} {self.spec.unit}".rstrip()


@dataclass(frozen=True, slots=True)
class RegisterMap:
    """A device's values plus how its reads may be merged."""

    name: str
    title: str
    kind: str
    values: tuple[ValueSpec, ...]
    manufacturer: str = ""
    model: str = ""
    source: str = ""
    max_registers_per_request: int = MAX_REGISTERS_PER_READ
    max_gap: int = 16
    # How a bus scan recognises the device; empty for a generic template (never recognised).
    identify: tuple[IdentifyRule, ...] = ()

    def value(self, key: str) -> ValueSpec:
        for spec in self.values:
            if spec.key == key:
                return spec
        raise KeyError(key)


def _brief(value: object) -> str:
    """``repr(value)`` cut to one short line (a 400-digit number stays readable)."""
    if isinstance(value, int) and value.bit_length() > 200:
        try:
            return f"<a {len(str(abs(value)))}-digit number>"
        except ValueError:  # past Python's 4300-digit conversion limit
            return f"<a number of about {int(value.bit_length() * math.log10(2))} digits>"
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else f"{text[: _SHOWN_CHARS - 20]}...({len(text)} characters)"


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice in one mapping (YAML 1.2 forbids it; PyYAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[tuple[str, str], int] = {}
        for key_node, _ in node.value:
            # Merge keys (<<: *defaults) may be overridden on purpose; only plain keys count.
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                key, line = (key_node.tag, key_node.value), key_node.start_mark.line + 1
                if key in seen:
                    raise _DuplicateKeyError(key_node.value, seen[key], line)
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


class _DuplicateKeyError(Exception):
    def __init__(self, key: str, first_line: int, line: int) -> None:
        super().__init__(key)
        self.key, self.first_line, self.line = key, first_line, line


def load_register_map(path: Path) -> RegisterMap:
    """Read and check a register map file."""
    try:
        with path.open(encoding="utf-8") as handle:
            text = handle.read(MAX_TEXT_CHARS + 1)
    except OSError as err:
        raise RegisterMapError(str(path), "file", f"cannot be read ({err.strerror})") from err
    except UnicodeDecodeError as err:
        raise RegisterMapError(str(path), "file", f"is not UTF-8 text ({err.reason})") from err
    return parse_register_map(text, source=path.name)


def parse_register_map(text: str, *, source: str = "register map") -> RegisterMap:
    """Check a register map given as YAML text (a user's edited copy, say)."""
    if len(text) > MAX_TEXT_CHARS:
        raise RegisterMapError(source, "map", f"is longer than {MAX_TEXT_CHARS // 1024} KiB of text")
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: no Python objects
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "yaml"
        raise RegisterMapError(source, where, f"not valid YAML ({getattr(err, 'problem', err)})") from err
    except _DuplicateKeyError as err:
        raise RegisterMapError(
            source, f"line {err.line}", f"key {_brief(err.key)} is given twice (first on line {err.first_line})"
        ) from None
    except RecursionError:
        raise RegisterMapError(source, "yaml", "nested too deeply to be a register map") from None
    except ValueError as err:  # a date such as 2001-13-01, an integer past Python's 4300 digits
        raise RegisterMapError(source, "yaml", f"not a usable value ({str(err).split(';')[0]})") from None
    return register_map_from_dict(data, source=source)


def register_map_from_dict(data: object, *, source: str = "register map") -> RegisterMap:
    """Check an already-parsed register map."""
    check = _Checker(source)
    root = check.mapping(data, "map", _MAP_FIELDS)
    name = check.key(root.get("name"), "name")
    defaults = check.mapping(root.get("defaults", {}), "defaults", _DEFAULT_FIELDS)
    max_per_request = check.integer(
        root.get("max_registers_per_request", MAX_REGISTERS_PER_READ), "max_registers_per_request", 1,
        MAX_REGISTERS_PER_READ,
    )  # fmt: skip
    max_gap = check.integer(root.get("max_gap", 16), "max_gap", 0, MAX_REGISTERS_PER_READ)
    kind = root.get("kind", "other")
    if kind not in KINDS:
        check.fail("kind", f"{_brief(kind)} is not one of {', '.join(KINDS)}")
    raw_values = check.mapping(root.get("values"), "values", None)
    if not raw_values:
        check.fail("values", "a map needs at least one value")
    if len(raw_values) > MAX_VALUES:
        check.fail("values", f"{len(raw_values)} values: a map holds at most {MAX_VALUES} (split the device)")
    values = tuple(check.value(key, raw, defaults) for key, raw in raw_values.items())
    check.no_overlaps(values)
    identify = check.identify(root.get("identify", []), values)
    return RegisterMap(
        name=name,
        title=check.text(root.get("title", name), "title"),
        kind=str(kind),
        values=values,
        manufacturer=check.text(root.get("manufacturer", ""), "manufacturer"),
        model=check.text(root.get("model", ""), "model"),
        source=check.text(root.get("source", ""), "source"),
        max_registers_per_request=max_per_request,
        max_gap=max_gap,
        identify=identify,
    )


class _Checker:
    """Schema checks that raise :class:`RegisterMapError` naming the field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field: str, reason: str) -> None:
        raise RegisterMapError(self.source, field, reason)

    def mapping(self, data: object, field: str, allowed: frozenset[str] | None) -> Mapping[str, Any]:
        if not isinstance(data, Mapping):
            self.fail(field, f"must be a mapping, got {type(data).__name__}")
        assert isinstance(data, Mapping)
        if allowed is not None:
            unknown = sorted(str(k) for k in data if k not in allowed)
            if unknown:
                self.fail(field, f"unknown field {_brief(unknown[0])} (allowed: {', '.join(sorted(allowed))})")
        return data

    def key(self, data: object, field: str) -> str:
        if not isinstance(data, str) or not _KEY.fullmatch(data):
            self.fail(field, f"{_brief(data)} must be lower_snake_case (letters, digits, _; at most 64)")
        assert isinstance(data, str)
        return data

    def text(self, data: object, field: str) -> str:
        if not isinstance(data, str):
            self.fail(field, f"must be text, got {type(data).__name__}")
        return str(data)

    def integer(self, data: object, field: str, low: int, high: int) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail(field, f"must be a whole number, got {_brief(data)}")
        assert isinstance(data, int)
        if not low <= data <= high:
            self.fail(field, f"{_brief(data)} is outside {low} to {high}")
        return data

    def number(self, data: object, field: str) -> float:
        if isinstance(data, str):
            # YAML 1.1 reads 1.0e9 (no sign in the exponent) as text; accept it.
            try:
                data = float(data)
            except ValueError:
                self.fail(field, f"must be a finite number, got {_brief(data)}")
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail(field, f"must be a finite number, got {_brief(data)}")
        assert isinstance(data, int | float)
        try:
            number = float(data)
        except OverflowError:  # an integer of hundreds of digits
            number = math.inf
        if not math.isfinite(number):
            self.fail(field, f"must be a finite number, got {_brief(data)}")
        return number

    def choice[E: StrEnum](self, data: object, field: str, enum: type[E]) -> E:
        try:
            return enum(str(data))
        except ValueError:
            self.fail(field, f"{_brief(data)} is not one of {', '.join(e.value for e in enum)}")
            raise  # unreachable: fail() raised

    def value(self, key: object, raw: object, defaults: Mapping[str, Any]) -> ValueSpec:
        plain = isinstance(key, str) and key.isprintable() and len(key) <= _SHOWN_CHARS
        where = f"values.{key}" if plain else f"values[{_brief(key)}]"
        self.key(key, where)
        assert isinstance(key, str)
        item = {**defaults, **self.mapping(raw, where, _VALUE_FIELDS)}
        table = self.choice(item.get("table", "holding"), f"{where}.table", Table)
        data_type = self.choice(item.get("data_type", "bool" if table.is_bits else "uint16"), f"{where}.data_type",
                                DataType)  # fmt: skip
        if table.is_bits and data_type is not DataType.BOOL:
            self.fail(f"{where}.data_type", f"a {table.value} holds one bit: use bool, not {data_type.value}")
        address = self.integer(item.get("address"), f"{where}.address", 0, MAX_ADDRESS)
        size = 1 if table.is_bits else register_count(data_type)
        if address + size - 1 > MAX_ADDRESS:
            self.fail(f"{where}.address", f"{data_type.value} at {address} runs past register {MAX_ADDRESS}")
        scale = self.number(item.get("scale", 1.0), f"{where}.scale")
        if scale == 0:
            self.fail(f"{where}.scale", "must not be 0 (every reading would be 0)")
        unit = item.get("unit", "")
        if unit not in UNITS:
            self.fail(f"{where}.unit", f"{_brief(unit)} is not one of {', '.join(repr(u) for u in UNITS)}")
        valid_min, valid_max = self.valid_range(item.get("valid_range"), f"{where}.valid_range")
        sentinels, nan_sentinel = self.no_reading(item.get("no_reading", []), f"{where}.no_reading", data_type, size)
        states = self.states(raw, f"{where}.states", data_type, str(unit))
        return ValueSpec(
            key=key,
            address=address,
            table=table,
            data_type=data_type,
            word_order=self.choice(item.get("word_order", "big"), f"{where}.word_order", Order),
            byte_order=self.choice(item.get("byte_order", "big"), f"{where}.byte_order", Order),
            scale=scale,
            offset=self.number(item.get("offset", 0.0), f"{where}.offset"),
            unit=str(unit),
            valid_min=valid_min,
            valid_max=valid_max,
            no_reading=sentinels,
            nan_is_no_reading=nan_sentinel or data_type in FLOAT_TYPES,
            description=self.text(item.get("description", ""), f"{where}.description"),
            states=states,
        )

    def states(self, raw: object, field: str, data_type: DataType, unit: str) -> tuple[tuple[int, str], ...]:
        """An enumeration's readings and their names: ``{0: "off", 1: heating}``."""
        data = raw.get("states") if isinstance(raw, Mapping) else None
        if data is None:
            return ()
        if not isinstance(data, Mapping) or not data:
            self.fail(field, f"must map readings to names, like {{0: 'off', 1: heating}}, got {data!r}")
        assert isinstance(data, Mapping)
        if data_type is DataType.BOOL or data_type in FLOAT_TYPES:
            self.fail(field, f"only whole-number data types can hold states, not {data_type.value}")
        if unit:
            self.fail(field, f"a value with states has no unit (it has {unit!r})")
        states: list[tuple[int, str]] = []
        for reading, name in data.items():
            if isinstance(reading, bool) or not isinstance(reading, int):
                self.fail(f"{field}.{reading}", f"the reading must be a whole number, got {reading!r}")
            if isinstance(name, bool):
                # YAML 1.1 reads off/on/yes/no as true/false
                self.fail(f"{field}.{reading}", f"{name!r} is read as a yes/no value: quote the name ('off')")
            if not isinstance(name, str) or not _KEY.match(name):
                self.fail(f"{field}.{reading}", f"{name!r} must be lower_snake_case (letters, digits, _; at most 64)")
            states.append((reading, name))
        names = [name for _, name in states]
        if len(set(names)) != len(names):
            duplicate = next(name for name in names if names.count(name) > 1)
            self.fail(field, f"the name {duplicate!r} is given to two readings")
        return tuple(states)

    def valid_range(self, data: object, field: str) -> tuple[float | None, float | None]:
        if data is None:
            return None, None
        if not isinstance(data, list) or len(data) != 2:
            self.fail(field, f"must be [min, max], got {_brief(data)}")
        assert isinstance(data, list)
        low, high = self.number(data[0], field), self.number(data[1], field)
        if low >= high:
            self.fail(field, f"min {low:g} must be below max {high:g}")
        return low, high

    def no_reading(self, data: object, field: str, data_type: DataType, size: int) -> tuple[tuple[int, ...], bool]:
        if not isinstance(data, list):
            self.fail(field, f"must be a list of register patterns (like 0xFFFF) or nan, got {_brief(data)}")
        assert isinstance(data, list)
        patterns: list[int] = []
        nan = False
        for item in data:
            if isinstance(item, str) and item.lower() == "nan":
                if data_type not in FLOAT_TYPES:
                    self.fail(field, f"nan only applies to float types, not {data_type.value}")
                nan = True
            elif isinstance(item, int) and not isinstance(item, bool) and 0 <= item < 1 << (16 * size):
                patterns.append(item)
            else:
                self.fail(field, f"{_brief(item)} is not nan or a {16 * size}-bit register pattern")
        return tuple(patterns), nan

    def identify(self, data: object, values: tuple[ValueSpec, ...]) -> tuple[IdentifyRule, ...]:
        """Recognition rules: ``- {value: frequency_hz, range: [45, 65]}`` or ``- {address: 11, equals: [1648]}``."""
        if not isinstance(data, list):
            self.fail("identify", f"must be a list of rules, got {_brief(data)}")
        assert isinstance(data, list)
        if len(data) > MAX_IDENTIFY_RULES:
            self.fail("identify", f"{len(data)} rules: at most {MAX_IDENTIFY_RULES} (each costs a read per device)")
        by_key = {spec.key: spec for spec in values}
        rules: list[IdentifyRule] = []
        for index, raw in enumerate(data):
            where = f"identify[{index}]"
            item = self.mapping(raw, where, _IDENTIFY_FIELDS)
            if ("value" in item) == ("address" in item):
                self.fail(where, "give either value (a key of this map) or address (an identification register)")
            if "value" in item:
                if item["value"] not in by_key:
                    self.fail(f"{where}.value", f"{_brief(item['value'])} is not a value of this map")
                extra = sorted(set(item) & {"address", "table", "data_type", "word_order", "byte_order"})
                if extra:
                    self.fail(where, f"{extra[0]} comes from the value itself; leave it out")
                spec = by_key[item["value"]]
            else:
                spec = self.value(f"identify_{index}", {k: v for k, v in item.items() if k not in ("equals", "range")},
                                  {})  # fmt: skip
            if spec.table.is_bits:
                self.fail(where, "a coil or discrete input cannot identify a device (every bit reads 0 or 1)")
            if ("equals" in item) == ("range" in item):
                self.fail(where, "give either equals (the values the register holds) or range ([min, max])")
            if "equals" in item:
                equals = item["equals"]
                if (
                    not isinstance(equals, list)
                    or not equals
                    or not all(isinstance(v, int) and not isinstance(v, bool) for v in equals)
                ):
                    self.fail(f"{where}.equals", f"must be a list of whole numbers, got {_brief(equals)}")
                rules.append(IdentifyRule(spec, equals=tuple(equals)))
            else:
                low, high = self.valid_range(item["range"], f"{where}.range")
                rules.append(IdentifyRule(spec, low=low, high=high))
        return tuple(rules)

    def no_overlaps(self, values: tuple[ValueSpec, ...]) -> None:
        by_table: dict[Table, list[ValueSpec]] = {}
        for spec in values:
            by_table.setdefault(spec.table, []).append(spec)
        for specs in by_table.values():
            specs.sort(key=lambda s: s.address)
            for before, after in itertools.pairwise(specs):
                if after.address < before.end:
                    span = f"{before.address} to {before.end - 1}"
                    self.fail(f"values.{after.key}.address", f"{after.address} overlaps {before.key} ({span})")
