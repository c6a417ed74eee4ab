"""Bus-scan figures for ``scripts/bench``: 247 unit ids on a TCP gateway and on a 9600 8E1 line.

The simulator serves four shipped profiles at ids 7, 63, 129 and 200. A TCP
gateway either answers an id it has no device for with exception 11 or stays
silent (the per-id timeout then sets the pace); the target is 247 ids in
under 30 s. The serial case is RTU over TCP with the simulator holding every
frame for its wire time at 9600 baud, 11 bits a character (8E1); its limit is
the wire time of every request and answer (each followed by 3.5 characters
of silence, Modbus over serial line v1.02, 2.5.1.1) plus one timeout for
every request nobody answered.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from custom_components.ashp_cop.modbus.scan import PROBE_REQUEST_BYTES, SILENCE_CHARACTERS, default_timeout_s, scan_bus
from custom_components.ashp_cop.modbus.settings import HubSettings, Transport
from tools.simulator.server import BITS_PER_CHARACTER, ModbusServer, PlantSimulator

BUS = {7: "eastron_sdm630", 63: "carlo_gavazzi_em24", 129: "kamstrup_multical_403", 200: "lg_therma_v"}
BAUD = 9600


async def _scan(*, gateway_code: int = 0, baud: int | None = None) -> dict[str, float]:
    sim = PlantSimulator(1, seed=1, speed=0.0)
    sim.serve_profiles(BUS)
    sim.faults.gateway_code = gateway_code
    server = ModbusServer(sim, rtu=baud is not None, baud=baud)
    await server.start_tcp()
    transport = Transport.RTU_OVER_TCP if baud else Transport.TCP
    settings = HubSettings(transport, host="127.0.0.1", port=server.port)
    if baud:  # the per-id timeout a serial line at this speed gets
        settings = replace(settings, timeout_s=default_timeout_s(HubSettings(Transport.SERIAL, serial_port="x")))
    try:
        report = await scan_bus(settings)
    finally:
        await server.close()
    assert sorted(f.unit for f in report.found) == sorted(BUS), report.summary()
    figures = {"s": round(report.elapsed_s, 2), "found": len(report.found)}
    if baud:
        char_s = BITS_PER_CHARACTER / baud
        answered = sum(e.request_bytes + e.response_bytes + 2 * SILENCE_CHARACTERS for e in sim.exchanges) * char_s
        unanswered = sim.requests - len(sim.exchanges)
        limit = answered + unanswered * ((PROBE_REQUEST_BYTES + SILENCE_CHARACTERS) * char_s + settings.timeout_s)
        figures |= {
            "timeout_s": settings.timeout_s,
            "wire_limit_s": round(limit, 2),
            "ratio": round(report.elapsed_s / limit, 3),
        }
    return figures


async def _report() -> dict[str, object]:
    return {
        "tcp_gateway_exception_247_ids": await _scan(gateway_code=11),
        "tcp_gateway_silent_247_ids": await _scan(),
        "rtu_9600_8e1_247_ids": await _scan(baud=BAUD),
    }


def scan_report() -> dict[str, object]:
    return asyncio.run(_report())


if __name__ == "__main__":
    print(scan_report())
