"""A simulator on 127.0.0.1 and hubs talking to it through the real client code."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest

from custom_components.ashp_cop.modbus.hub import ModbusHub
from custom_components.ashp_cop.modbus.settings import HubSettings, Transport
from tools.simulator.server import ModbusServer, PlantSimulator

Plant = tuple[PlantSimulator, ModbusServer]


@pytest.fixture
async def start_plant(socket_enabled: None) -> AsyncIterator[Callable[..., Coroutine[Any, Any, Plant]]]:
    """Start a simulator (TCP unless told otherwise, its clock stopped unless given a speed); stopped after."""
    servers: list[ModbusServer] = []

    async def start(
        heat_pumps: int = 1, *, transport: Transport = Transport.TCP, baud: int | None = None, speed: float = 0.0
    ) -> Plant:
        sim = PlantSimulator(heat_pumps, seed=1, speed=speed)
        server = ModbusServer(sim, rtu=transport in (Transport.RTU_OVER_TCP, Transport.SERIAL), baud=baud)
        if transport is Transport.UDP:
            await server.start_udp()
        elif transport is Transport.SERIAL:
            server.start_pty()
        else:
            await server.start_tcp()
        servers.append(server)
        return sim, server

    yield start
    for server in servers:
        await server.close()


@pytest.fixture
def make_hub() -> Callable[..., ModbusHub]:
    """Hubs wired to a started simulator, each closed after the test."""
    hubs: list[ModbusHub] = []

    def make(server: ModbusServer, transport: Transport = Transport.TCP, **settings: Any) -> ModbusHub:
        options: dict[str, Any] = {"timeout_s": 0.3, "retries": 1} | settings
        if transport is Transport.SERIAL:
            assert server.pty_path is not None
            # A pseudo-terminal refuses parity bits (termios EINVAL): 8N1 there.
            hub = ModbusHub(HubSettings(transport, serial_port=server.pty_path, parity="N", **options))
        else:
            hub = ModbusHub(HubSettings(transport, **({"host": "127.0.0.1", "port": server.port} | options)))
        hubs.append(hub)
        return hub

    yield make  # type: ignore[misc]
    for hub in hubs:
        hub.close()
