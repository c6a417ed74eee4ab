"""Bus scan: a simulated bus of shipped profiles at random ids, some silent, one answering only exceptions."""

from __future__ import annotations

import asyncio
import json
import math
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from custom_components.ashp_cop.modbus.cli import settings_from_url
from custom_components.ashp_cop.modbus.datatypes import FLOAT_TYPES
from custom_components.ashp_cop.modbus.hub import ModbusHub
from custom_components.ashp_cop.modbus.profiles import builtin_profile, builtin_profiles
from custom_components.ashp_cop.modbus.scan import FoundUnit, ScanReport, parse_units, scan_bus, scan_hub
from custom_components.ashp_cop.modbus.settings import HubSettings, Transport
from tools.simulator.server import ModbusServer, PlantSimulator

pytestmark = pytest.mark.modbus
StartPlant = Callable[..., Any]
ROOT = Path(__file__).resolve().parents[2]
RECOGNISABLE = sorted(name for name, profile in builtin_profiles().items() if profile.identify)
GENERIC = sorted(name for name, profile in builtin_profiles().items() if not profile.identify)


def _bus(seed: int) -> tuple[dict[int, str], int]:
    """Every recognisable profile and every generic one at random ids, plus an id that answers only exceptions."""
    rng = random.Random(seed)
    names = RECOGNISABLE + GENERIC
    units = rng.sample(range(1, 61), len(names) + 1)
    return dict(zip(units, names, strict=False)), units[-1]


def _settings(transport: Transport, server: ModbusServer) -> HubSettings:
    if transport is Transport.SERIAL:
        assert server.pty_path is not None
        return HubSettings(transport, serial_port=server.pty_path, parity="N")  # a pty refuses parity bits
    return HubSettings(transport, host="127.0.0.1", port=server.port)


def _same_layout(a: str, b: str) -> bool:
    return builtin_profile(a).values == builtin_profile(b).values


def _check_values(sim: PlantSimulator, found: FoundUnit) -> None:
    """Every value decoded through the real client is the plant's, to the register's resolution."""
    assert found.profile is not None
    device = sim.devices[found.unit]
    checked = 0
    for spec in builtin_profile(found.profile).values:
        expected = device.value(sim.plant, spec)
        if expected is None:
            continue
        got = found.values[spec.key]
        if isinstance(expected, bool):
            assert got is expected, spec.key
            continue
        assert isinstance(got, float), (spec.key, got)
        step = 1e-4 * max(1.0, abs(expected)) + (0.01 if spec.data_type in FLOAT_TYPES else abs(spec.scale))
        assert math.isclose(got, expected, abs_tol=step), (found.profile, spec.key, got, expected)
        checked += 1
    assert checked >= 3, f"{found.profile}: too few values compared"


@pytest.mark.parametrize("transport", [Transport.TCP, Transport.RTU_OVER_TCP, Transport.UDP, Transport.SERIAL])
async def test_scan_finds_exactly_the_devices_and_recognises_every_profile(
    transport: Transport, start_plant: StartPlant
) -> None:
    sim, server = await start_plant(transport=transport)
    bus, exceptions_only = _bus(seed=20)
    sim.serve_profiles(bus)
    sim.devices[exceptions_only] = sim.devices.pop(next(iter(bus)))  # a device with the wrong map ...
    sim.faults.exceptions[exceptions_only] = 2  # ... that answers every read with "illegal data address"
    present = {u: p for u, p in bus.items() if u != next(iter(bus))}

    report = await scan_bus(_settings(transport, server), parse_units("1-60"))

    found = {f.unit: f for f in report.found}
    assert sorted(found) == sorted([*present, exceptions_only]), report.summary()
    assert found[exceptions_only].answers == "exception"
    assert found[exceptions_only].profile is None
    assert found[exceptions_only].exception_code == 2
    for unit, profile in present.items():
        result = found[unit]
        assert result.answers == "ok", (unit, profile)
        if profile in GENERIC:
            assert result.profile is None, f"a generic {profile} at {unit} was taken for {result.profile}"
            continue
        # SDM120 and SDM230 share one layout: either name reads the meter right, both are offered
        assert result.profile == profile or (profile in result.candidates and _same_layout(profile, result.profile))
        _check_values(sim, result)
    assert sorted(report.silent) == sorted(set(range(1, 61)) - set(found))
    assert not report.garbled and not report.gateway_absent and report.error is None
    assert sim.functions <= {1, 2, 3, 4}, "a scan only reads"


async def test_a_gateway_s_exceptions_10_and_11_mean_nobody_is_there(start_plant: StartPlant) -> None:
    sim, server = await start_plant()
    sim.serve_profiles({7: "carlo_gavazzi_em24", 9: "eastron_sdm630"})
    sim.faults.gateway_code = 11
    sim.faults.exceptions[9] = 4  # a device that fails: present, an exception of its own
    report = await scan_bus(_settings(Transport.TCP, server))
    assert [(f.unit, f.profile, f.answers) for f in report.found] == [
        (7, "carlo_gavazzi_em24", "ok"),
        (9, None, "exception"),
    ]
    assert len(report.gateway_absent) == 245 and not report.silent
    assert "245 reported absent by the gateway" in report.summary()


async def test_crc_errors_are_not_devices_and_name_the_line_settings(start_plant: StartPlant) -> None:
    sim, server = await start_plant(transport=Transport.RTU_OVER_TCP)
    sim.serve_profiles({3: "eastron_sdm120", 5: "eastron_sdm630"})
    sim.faults.corrupt.update({3, 5})  # every answer garbled: wrong baud rate or parity
    report = await scan_bus(_settings(Transport.RTU_OVER_TCP, server), parse_units("1-8"))
    assert report.found == [] and report.garbled == [3, 5]
    assert "check the baud rate and parity" in report.summary()

    sim.faults.corrupt.discard(3)  # some answers garbled: reflections, termination
    report = await scan_bus(_settings(Transport.RTU_OVER_TCP, server), parse_units("1-8"))
    assert [f.unit for f in report.found] == [3] and report.garbled == [5]
    assert "termination" in report.summary()


async def test_reflections_garbling_some_answers_neither_hide_nor_misname_a_device(start_plant: StartPlant) -> None:
    """On main a garbled recognition read made a present SDM630 an "unknown device", offered with a generic map."""
    sim, server = await start_plant(transport=Transport.RTU_OVER_TCP)
    bus = {3: "eastron_sdm630", 5: "lg_therma_v", 7: "kamstrup_multical_403"}
    sim.serve_profiles(bus)
    sim.faults.noisy.update(bus)  # every other answer garbled: an unterminated line
    report = await scan_bus(_settings(Transport.RTU_OVER_TCP, server), parse_units("1-8"))
    assert [(f.unit, f.profile) for f in report.found] == list(bus.items())
    assert report.garbled == [] and not report.silent.count(3)

    sim.faults.noisy.clear()
    sim.faults.corrupt.add(5)  # and a device whose every answer is garbled stays out of the list, named
    report = await scan_bus(_settings(Transport.RTU_OVER_TCP, server), parse_units("1-8"))
    assert [f.unit for f in report.found] == [3, 7] and report.garbled == [5]


async def test_a_closed_port_stops_the_scan_naming_it(socket_enabled: None) -> None:
    report = await scan_bus(HubSettings(Transport.TCP, host="127.0.0.1", port=1), parse_units("1-3"))
    assert report.found == [] and report.error is not None and "127.0.0.1:1" in report.error


async def test_a_serial_port_a_loaded_hub_holds_is_borrowed_for_the_scan(
    start_plant: StartPlant, make_hub: Callable[..., ModbusHub]
) -> None:
    _, server = await start_plant(transport=Transport.SERIAL)
    loaded = make_hub(server, Transport.SERIAL)
    loaded.add_device(11, builtin_profile("generic_heat_meter"))
    assert (await loaded.scan())[11].available and loaded.connection.connected
    report = await scan_hub(_settings(Transport.SERIAL, server), parse_units("10-12"))
    assert report.error is None and [f.unit for f in report.found] == [11, 12] and report.silent == [10]
    assert not loaded.connection.connected  # closed for the scan: one line, one connection at a time
    assert (await loaded.scan())[11].available  # and the loaded hub reopens it and reads on


async def test_progress_and_cancel(start_plant: StartPlant) -> None:
    sim, server = await start_plant()
    sim.serve_profiles({2: "eastron_sdm630"})
    seen: list[tuple[int, int, int]] = []
    task = asyncio.create_task(scan_bus(_settings(Transport.TCP, server), progress=lambda *p: seen.append(p)))
    while len(seen) < 5:
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert seen[:2] == [(1, 247, 0), (2, 247, 1)]
    assert len(seen) < 247


def test_sanity_line() -> None:
    found = FoundUnit(12, "ok", "eastron_sdm630", {"voltage_l1_v": 231.44, "power_w": 1920.0, "frequency_hz": 50.0})
    assert found.sanity == "SDM630-Modbus, 231.4 V, 1.92 kW"
    assert FoundUnit(3, "exception", None).sanity == "unknown device (exceptions only)"


@pytest.mark.parametrize(("text", "units"), [("1-3", (1, 2, 3)), ("5,1-2,2", (5, 1, 2)), ("247", (247,))])
def test_unit_ranges(text: str, units: tuple[int, ...]) -> None:
    assert parse_units(text) == units


@pytest.mark.parametrize("text", ["0-3", "3-1", "248", "a", "1-", ""])
def test_bad_unit_ranges_are_named(text: str) -> None:
    with pytest.raises(ValueError, match="unit id"):
        parse_units(text)


def test_urls() -> None:
    assert settings_from_url("tcp://127.0.0.1:5020") == HubSettings(Transport.TCP, host="127.0.0.1", port=5020)
    assert settings_from_url("rtu-over-tcp://127.0.0.1:4001").transport is Transport.RTU_OVER_TCP
    assert settings_from_url("udp://127.0.0.1").port == 502
    serial = settings_from_url("serial:///dev/ttyUSB0?baud=19200&parity=none")
    assert (serial.serial_port, serial.baudrate, serial.parity) == ("/dev/ttyUSB0", 19200, "N")
    assert settings_from_url("serial:///dev/ttyUSB0").parity == "E"  # Modbus over serial line 2.5.1
    for bad, named in [("http://x", "scheme"), ("serial:///dev/ttyUSB0?baud=9601", "9601"),
                       ("serial:///dev/x?speed=1", "speed"), ("tcp://127.0.0.1:x", "127.0.0.1:x"),
                       ("serial:///dev/x?parity=mark", "mark")]:  # fmt: skip
        with pytest.raises(ValueError, match=named):
            settings_from_url(bad)


async def test_command_line_scan_prints_one_json_object_per_unit(start_plant: StartPlant) -> None:
    sim, server = await start_plant()
    sim.serve_profiles({4: "lg_therma_v", 6: "kamstrup_multical_403"})
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "custom_components.ashp_cop.modbus", "scan", f"tcp://127.0.0.1:{server.port}",
        "--units", "1-10", "--timeout", "0.1",
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    lines = [json.loads(line) for line in out.decode().splitlines()]
    assert [(line["unit"], line["profile"], line["answers"]) for line in lines] == [
        (4, "lg_therma_v", "ok"),
        (6, "kamstrup_multical_403", "ok"),
    ]
    assert set(lines[0]["values"]) == {spec.key for spec in builtin_profile("lg_therma_v").values}
    assert "10 ids scanned" in err.decode() and "2 answered, 8 silent" in err.decode()


def test_report_types() -> None:
    report = ScanReport(HubSettings(Transport.TCP, host="127.0.0.1"), (1,))
    assert report.line_hint is None
