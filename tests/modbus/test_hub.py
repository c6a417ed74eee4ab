"""Hubs against the simulator on loopback: every transport, decoding and time stamps."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from custom_components.ashp_cop.modbus.compat import PYMODBUS_VERSION
from custom_components.ashp_cop.modbus.device import ModbusDevice
from custom_components.ashp_cop.modbus.hub import ModbusHub
from custom_components.ashp_cop.modbus.settings import Transport
from tools.simulator.devices import TRUTH_UNIT, add_plant_devices, truth_map

pytestmark = pytest.mark.modbus


@pytest.mark.parametrize("transport", list(Transport))
async def test_every_transport_reads_the_whole_plant(
    transport: Transport, start_plant: Callable[..., Any], make_hub: Callable[..., ModbusHub]
) -> None:
    sim, server = await start_plant(transport=transport)
    hub = make_hub(server, transport)
    await hub.connect()
    add_plant_devices(hub)
    before = time.time()
    scans = await hub.scan()
    after = time.time()

    assert all(scan.available and not scan.errors for scan in scans.values()), PYMODBUS_VERSION
    state = sim.plant.heat_pumps[0].state
    meter = scans[11].readings
    assert meter["flow_temp_c"].value == pytest.approx(state.flow_c, abs=0.006)  # int16 x 0.01
    assert meter["return_temp_c"].value == pytest.approx(state.return_c, abs=0.006)
    assert meter["flow_m3h"].value == pytest.approx(state.flow_m3h, abs=0.0006)  # uint32 x 0.001
    assert meter["power_w"].value == pytest.approx(state.heat_w, abs=0.6)  # signed int32
    assert scans[12].readings["power_w"].value == pytest.approx(state.elec_unit_w, abs=0.051)  # float32, to 0.1 W
    assert scans[13].readings["voltage_v"].value == 230.0
    assert scans[15].readings["channel_3_temp_c"].value == pytest.approx(state.outdoor_c, abs=0.06)
    controller = scans[16].readings
    assert controller["defrost_active"].value is state.defrosting
    assert controller["compressor_running"].value is state.running
    # one request per device except the controller (registers + discrete inputs)
    assert sim.requests == 7
    stamps = [r.taken_at for scan in scans.values() for r in scan.readings.values()]
    assert before <= min(stamps) <= max(stamps) <= after


async def test_readings_follow_the_plant_and_counters_rise(
    start_plant: Callable[..., Any], make_hub: Callable[..., ModbusHub]
) -> None:
    sim, server = await start_plant()
    hub = make_hub(server)
    add_plant_devices(hub)
    first = await hub.scan()
    sim.advance(6 * 3600)
    second = await hub.scan()
    for unit, key in [(11, "heat_energy_kwh"), (11, "volume_m3"), (12, "import_energy_kwh"), (14, "import_energy_kwh")]:
        assert second[unit].readings[key].value > first[unit].readings[key].value  # type: ignore[operator]
    truth = sim.plant.heat_pumps[0].truth
    # the heat meter counts heating only; the truth subtracts what defrosts took back
    metered = second[11].readings["heat_energy_kwh"].value
    assert metered == pytest.approx(truth.heat_kwh + truth.defrost_heat_kwh, abs=0.02)


async def test_accelerated_time_and_ground_truth_unit(
    start_plant: Callable[..., Any], make_hub: Callable[..., ModbusHub]
) -> None:
    sim, server = await start_plant(speed=3600.0)
    hub = make_hub(server)
    hub.devices[TRUTH_UNIT] = ModbusDevice(TRUTH_UNIT, truth_map(1))
    start = (await hub.scan())[TRUTH_UNIT].readings["sim_time_s"].value
    wall = time.monotonic()
    while time.monotonic() - wall < 0.3:
        await hub.scan()
    scan = (await hub.scan())[TRUTH_UNIT].readings
    elapsed_wall = time.monotonic() - wall
    assert scan["sim_time_s"].value - start >= 0.3 * 3600  # type: ignore[operator]
    assert scan["sim_time_s"].value - start <= (elapsed_wall + 0.1) * 3600  # type: ignore[operator]
    assert scan["hp1_heat_kwh"].value == pytest.approx(sim.plant.heat_pumps[0].truth.heat_kwh, rel=0.05)
