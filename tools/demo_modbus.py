"""The demo's Modbus part: poll the simulated plant room through the real hub.

The simulator runs at 1,800 simulated seconds per real second; the hub scans
every device twice a (real) second, and the meters' counters give the period's
COP, held beside the simulator's ground truth.
"""

from __future__ import annotations

import asyncio

from custom_components.ashp_cop.modbus.device import DeviceScan
from custom_components.ashp_cop.modbus.hub import ModbusHub
from custom_components.ashp_cop.modbus.settings import HubSettings, Transport
from tools.simulator.devices import add_plant_devices
from tools.simulator.server import ModbusServer, PlantSimulator

SPEED = 1800.0
SCANS = 12
SCAN_INTERVAL_S = 0.5


async def poll(scans: int = SCANS) -> list[str]:
    sim = PlantSimulator(1, seed=1, speed=SPEED)
    server = ModbusServer(sim)
    await server.start_tcp()
    hub = ModbusHub(HubSettings(Transport.TCP, host="127.0.0.1", port=server.port, timeout_s=1.0))
    try:
        add_plant_devices(hub)
        await hub.connect()
        truth = sim.plant.heat_pumps[0].truth
        first = await hub.scan()
        heat0, drawn0, elec0 = truth.heat_kwh, truth.defrost_heat_kwh, truth.elec_unit_kwh
        start_s = sim.plant.time_s
        for _ in range(scans):
            await asyncio.sleep(SCAN_INTERVAL_S)
            last = await hub.scan()
        heat1, drawn1, elec1 = truth.heat_kwh, truth.defrost_heat_kwh, truth.elec_unit_kwh
        hours = (sim.plant.time_s - start_s) / 3600
    finally:
        hub.close()
        await server.close()

    def value(scans: dict[int, DeviceScan], unit: int, key: str) -> float:
        return float(scans[unit].readings[key].value or 0.0)

    metered_heat = value(last, 11, "heat_energy_kwh") - value(first, 11, "heat_energy_kwh")
    metered_elec = value(last, 12, "import_energy_kwh") - value(first, 12, "import_energy_kwh")
    lines = [f"Modbus (simulated plant room over TCP on 127.0.0.1, {hours:.1f} simulated hours, {scans + 1} scans):"]
    for unit, device in sorted(hub.devices.items()):
        d = device.diagnostics
        mean = d.response_time_mean_s or 0.0
        lines.append(
            f"  unit {unit} {device.name:30s} {len(device.plan())} request(s)/scan, "
            f"{d.transactions} transactions, {d.error_count} errors, mean {mean * 1000:.1f} ms"
        )
    meter = last[11].readings
    lines.append(
        f"  now: flow {meter['flow_temp_c'].value:.1f} C, return {meter['return_temp_c'].value:.1f} C, "
        f"{meter['flow_m3h'].value:.2f} m3/h, outdoor {value(last, 16, 'outdoor_temp_c'):.1f} C"
    )
    lines.append(
        f"  heat meter {metered_heat:.2f} kWh / outdoor-unit meter {metered_elec:.2f} kWh = COP "
        f"{metered_heat / metered_elec:.2f}; true net COP {(heat1 - heat0) / (elec1 - elec0):.2f} "
        f"(defrosts drew back {drawn1 - drawn0:.2f} kWh the heat meter does not subtract)"
    )
    return lines


def modbus_summary() -> list[str]:
    return asyncio.run(poll())
