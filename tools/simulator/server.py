"""The Modbus side of the simulator: framing, requests, wire time, faults.

Written from the Modbus specifications rather than with pymodbus' server, so
that the simulator is independent of the client library under test:
* Modbus Messaging on TCP/IP v1.0b (MBAP header: transaction, protocol 0,
  length, unit), used for TCP and UDP;
* Modbus over serial line v1.02 (RTU: unit, PDU, CRC-16; frames separated by
  3.5 character times), used for RTU over TCP and the pseudo-terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import struct
import time
from dataclasses import dataclass

from custom_components.ashp_cop.modbus.crc import crc_ok, with_crc
from custom_components.ashp_cop.modbus.registermap import MAX_BITS_PER_READ, MAX_REGISTERS_PER_READ, Table

from .devices import SimDevice, build_devices, profile_device, register_image
from .faults import Faults
from .plant import Plant

_TABLES = {1: Table.COIL, 2: Table.DISCRETE_INPUT, 3: Table.HOLDING, 4: Table.INPUT}
BITS_PER_CHARACTER = 11  # RTU: start + 8 data + parity + stop (Modbus over serial line 2.5.1)


@dataclass(slots=True)
class Exchange:
    """Bytes of one request and its answer, for wire-time accounting."""

    request_bytes: int
    response_bytes: int


class PlantSimulator:
    """The plant, its devices, a clock and the faults; answers request PDUs."""

    def __init__(self, heat_pumps: int = 1, seed: int = 1, speed: float = 1.0, *, mean_outdoor_c: float = 2.0,
                 start_s: float = 0.0, hot_water: bool = False, cooling: bool = False) -> None:  # fmt: skip
        self.plant = Plant(heat_pumps, seed, mean_outdoor_c=mean_outdoor_c, start_s=start_s, hot_water=hot_water,
                           cooling=cooling)  # fmt: skip
        self.devices: dict[int, SimDevice] = build_devices(self.plant)
        self.faults = Faults()
        self.speed = speed
        self._origin_wall = time.monotonic()
        self._origin_sim = self.plant.time_s
        self.requests = 0
        self.functions: set[int] = set()  # function codes asked for (a scan must only read)
        self.exchanges: list[Exchange] = []

    def serve_profiles(self, units: dict[int, str]) -> None:
        """Serve exactly these devices (unit id -> shipped profile), every one with heat pump 1's values."""
        self.devices = {unit: profile_device(unit, profile) for unit, profile in units.items()}

    def sim_time_s(self) -> float:
        return self._origin_sim + (time.monotonic() - self._origin_wall) * self.speed

    def advance(self, seconds: float) -> None:
        """Jump the plant forward (tests), keeping the clock in step."""
        self.plant.advance(seconds)
        self._origin_sim += seconds

    def reset_counter(self, unit: int) -> None:
        """UNIT's energy counters restart from 0 (the truth does not)."""
        self.replace_counter(unit, 0.0)

    def replace_counter(self, unit: int, start_kwh: float) -> None:
        """UNIT's meter is replaced by one whose counter starts at ``start_kwh``."""
        device = self.devices[unit]
        state = self.plant.heat_pumps[device.heat_pump].state
        field = {"heat meter": "meter_heat_kwh", "outdoor unit electricity": "meter_elec_unit_kwh",
                 "backup heater electricity": "meter_elec_backup_kwh",
                 "circulation pump electricity": "meter_elec_pump_kwh"}  # fmt: skip
        role = device.role.split(" ", 3)[-1]
        if role in field:
            setattr(state, field[role], start_kwh)
            if role == "heat meter":
                state.meter_volume_m3 = 0.0

    def answer(self, unit: int, pdu: bytes) -> bytes | None:
        """The response PDU, or None where a real device would stay silent."""
        self.requests += 1
        self.plant.advance_to(self.sim_time_s())
        device = self.devices.get(unit)
        function = pdu[0] if pdu else 0
        self.functions.add(function)
        if device is None and self.faults.gateway_code:
            return bytes([function | 0x80, self.faults.gateway_code])  # a gateway: no device at that id
        if device is None or unit in self.faults.silent:
            return None  # nobody at that address: a real bus is silent too
        if unit in self.faults.exceptions:
            return bytes([function | 0x80, self.faults.exceptions[unit]])
        if function not in _TABLES or len(pdu) != 5:
            return bytes([function | 0x80, 1])
        address, count = struct.unpack(">HH", pdu[1:5])
        table = _TABLES[function]
        limit = MAX_BITS_PER_READ if table.is_bits else MAX_REGISTERS_PER_READ
        if not 1 <= count <= limit or address + count > 0x10000:
            return bytes([function | 0x80, 3])
        image = self._image(device)
        wanted = range(address, address + count)
        missing = self.faults.missing.get(unit, set())
        low, high = device.span(table)
        # Like most meters: unused registers inside the device's range read 0,
        # anything outside it is an illegal data address (exception code 2).
        if address < low or address + count > high or any(a in missing for a in wanted):
            return bytes([function | 0x80, 2])
        if table.is_bits:
            bits = [image.get((table, a), 0) for a in wanted]
            packed = bytes(sum(b << i for i, b in enumerate(bits[j : j + 8])) for j in range(0, count, 8))
            return bytes([function, len(packed)]) + packed
        words = [image.get((table, a), 0) for a in wanted]
        if unit in self.faults.short and count > 1:
            words, count = words[:-1], count - 1
        return bytes([function, 2 * count]) + struct.pack(f">{count}H", *words)

    def _image(self, device: SimDevice) -> dict[tuple[Table, int], int]:
        hp = device.heat_pump
        stuck = hp in self.faults.stuck_flow and "flow_m3h" in device.sources
        if stuck:
            actual = self.plant.heat_pumps[hp].state.flow_m3h
            self.plant.heat_pumps[hp].state.flow_m3h = self.faults.stuck_flow[hp]
        try:
            reversed_ct = device.unit_id in self.faults.reversed_ct
            return register_image(device, self.plant, spoil=self.faults.spoil(device.unit_id), reversed_ct=reversed_ct)
        finally:
            if stuck:
                self.plant.heat_pumps[hp].state.flow_m3h = actual

    def freeze_flow(self, heat_pump: int) -> None:
        self.faults.stuck_flow[heat_pump] = self.plant.heat_pumps[heat_pump].state.flow_m3h


def rtu_request_length(buffer: bytes) -> int | None:
    """Length of the RTU request at the head of ``buffer`` (None: need more bytes)."""
    if len(buffer) < 2:
        return None
    function = buffer[1]
    if function in (1, 2, 3, 4, 5, 6):
        return 8
    if function in (15, 16):
        return 9 + buffer[6] if len(buffer) >= 7 else None
    return len(buffer)  # unknown function: take what arrived and answer "illegal function"


class ModbusServer:
    """Serves a :class:`PlantSimulator` over TCP, RTU over TCP, UDP or a pseudo-terminal."""

    def __init__(self, sim: PlantSimulator, *, rtu: bool = False, baud: int | None = None) -> None:
        self.sim = sim
        self.rtu = rtu
        self.baud = baud
        self.bus = asyncio.Lock()  # a serial bus carries one frame at a time
        self._servers: list[asyncio.AbstractServer] = []
        self._writers: set[asyncio.StreamWriter] = set()
        self._transports: list[asyncio.BaseTransport] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._seen_drop = 0
        self.port = 0
        self.pty_path: str | None = None
        self._pty_fd: int | None = None

    def _char_s(self) -> float:
        return BITS_PER_CHARACTER / self.baud if self.baud else 0.0

    async def _hold_wire(self, frame_bytes: int) -> None:
        """A frame's time on the wire plus the 3.5-character silence after it."""
        if self.baud:
            await asyncio.sleep((frame_bytes + 3.5) * self._char_s())

    async def _respond(self, unit: int, pdu: bytes, request_bytes: int) -> bytes | None:
        async with self.bus:
            await self._hold_wire(request_bytes)
            if self.sim.faults.latency_s:
                await asyncio.sleep(self.sim.faults.latency_s)
            if late_s := self.sim.faults.late.get(unit):
                await asyncio.sleep(late_s)  # a slow device: its answer comes after the client's timeout
            answer = self.sim.answer(unit, pdu)
            if answer is None:
                return None
            frame_bytes = len(answer) + (3 if self.rtu else 7)
            await self._hold_wire(frame_bytes)
            self.sim.exchanges.append(Exchange(request_bytes, frame_bytes))
            return answer

    def _track(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _mbap_frame(self, tid: int, unit: int, answer: bytes) -> bytes:
        if unit in self.sim.faults.bad_tid:
            tid = (tid + 0x8000) & 0xFFFF or 1  # never the request's id, never 0
        return struct.pack(">HHHB", tid, 0, len(answer) + 1, unit) + answer

    def _rtu_frame(self, unit: int, answer: bytes) -> bytes:
        frame = with_crc(bytes([unit]) + answer)
        if self.sim.faults.garble(unit):
            frame = frame[:-1] + bytes([frame[-1] ^ 0xFF])
        return frame

    # -- stream transports -------------------------------------------------
    async def start_tcp(self, host: str = "127.0.0.1", port: int = 0) -> None:
        server = await asyncio.start_server(self._serve_stream, host, port)
        self._servers.append(server)
        self.port = server.sockets[0].getsockname()[1]

    async def _serve_stream(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._track(task)
        self._writers.add(writer)
        try:
            while True:
                if self.rtu:
                    await self._one_rtu(reader, writer)
                else:
                    await self._one_mbap(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _one_mbap(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        header = await reader.readexactly(7)
        tid, protocol, length, unit = struct.unpack(">HHHB", header)
        pdu = await reader.readexactly(length - 1)
        if protocol != 0:
            return
        answer = await self._respond(unit, pdu, 7 + len(pdu))
        if answer is not None and not self._dropped():
            await self._send(writer, unit, self._mbap_frame(tid, unit, answer))

    async def _one_rtu(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        buffer = await reader.readexactly(2)
        length = rtu_request_length(buffer)
        while length is None:
            buffer += await reader.readexactly(1)
            length = rtu_request_length(buffer)
        buffer += await reader.readexactly(length - len(buffer))
        if not crc_ok(buffer):
            return  # a real device ignores a frame with a bad CRC
        answer = await self._respond(buffer[0], buffer[1:-2], len(buffer))
        if answer is not None and not self._dropped():
            await self._send(writer, buffer[0], self._rtu_frame(buffer[0], answer))

    async def _send(self, writer: asyncio.StreamWriter, unit: int, frame: bytes) -> None:
        """Write one answer; a 'duplicate' fault writes it again (a gateway repeating every frame)."""
        writer.write(frame)
        if (gap_s := self.sim.faults.duplicate.get(unit)) is not None:
            if gap_s:
                await writer.drain()
                await asyncio.sleep(gap_s)
            writer.write(frame)
        await writer.drain()

    def _dropped(self) -> bool:
        """Act on a 'drop' fault once: close every open connection."""
        if self.sim.faults.drop_requested == self._seen_drop:
            return False
        self._seen_drop = self.sim.faults.drop_requested
        for writer in list(self._writers):
            writer.close()
        return True

    def drop_connections(self) -> None:
        self.sim.faults.drop_requested += 1
        self._dropped()

    # -- datagrams ---------------------------------------------------------
    async def start_udp(self, host: str = "127.0.0.1", port: int = 0) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: _Datagrams(self), local_addr=(host, port))
        self._transports.append(transport)
        self.port = transport.get_extra_info("sockname")[1]

    # -- pseudo-terminal (a serial line without hardware) ----------------------
    def start_pty(self) -> str:
        master, slave = os.openpty()
        self.pty_path = os.ttyname(slave)
        self._pty_fd = master
        self._pty_slave = slave
        self._pty_buffer = b""
        os.set_blocking(master, False)
        asyncio.get_running_loop().add_reader(master, self._pty_readable)
        return self.pty_path

    def _pty_readable(self) -> None:
        assert self._pty_fd is not None
        with contextlib.suppress(BlockingIOError):
            self._pty_buffer += os.read(self._pty_fd, 1024)
        while (length := rtu_request_length(self._pty_buffer)) is not None and len(self._pty_buffer) >= length:
            frame, self._pty_buffer = self._pty_buffer[:length], self._pty_buffer[length:]
            if crc_ok(frame):
                self._track(asyncio.get_running_loop().create_task(self._pty_answer(frame)))

    async def _pty_answer(self, frame: bytes) -> None:
        answer = await self._respond(frame[0], frame[1:-2], len(frame))
        if answer is not None and self._pty_fd is not None:
            os.write(self._pty_fd, self._rtu_frame(frame[0], answer))

    async def close(self) -> None:
        for server in self._servers:
            server.close()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks))
        for server in self._servers:
            await server.wait_closed()
        for transport in self._transports:
            transport.close()
        if self._pty_fd is not None:
            asyncio.get_running_loop().remove_reader(self._pty_fd)
            os.close(self._pty_fd)
            os.close(self._pty_slave)
            self._pty_fd = None


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, server: ModbusServer) -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.server._track(asyncio.get_running_loop().create_task(self._answer(data, addr)))

    async def _answer(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) < 8:
            return
        tid, protocol, _, unit = struct.unpack(">HHHB", data[:7])
        answer = await self.server._respond(unit, data[7:], len(data))
        if answer is not None and self.transport is not None and protocol == 0:
            self.transport.sendto(self.server._mbap_frame(tid, unit, answer), addr)
