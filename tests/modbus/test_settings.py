"""Hub settings: everything outside what Modbus or a serial line allows is named."""

from __future__ import annotations

import re
from typing import Any

import pytest

from custom_components.ashp_cop.modbus.errors import HubConnectionError, ModbusConfigError
from custom_components.ashp_cop.modbus.hub import ModbusHub
from custom_components.ashp_cop.modbus.profiles import builtin_profile
from custom_components.ashp_cop.modbus.settings import HubSettings, Transport

SERIAL: dict[str, Any] = {"transport": Transport.SERIAL, "serial_port": "/dev/x"}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"transport": Transport.TCP}, "host: a network hub needs a host name or address"),
        ({"transport": Transport.TCP, "host": "h", "port": 0}, "port: 0 is outside 1 to 65535"),
        ({"transport": Transport.UDP, "host": "h", "port": 70000}, "port: 70000 is outside 1 to 65535"),
        ({"transport": Transport.SERIAL}, "serial_port: a serial hub needs a device path such as /dev/ttyUSB0"),
        (SERIAL | {"baudrate": 9601}, "baudrate: 9601 is not a standard rate"),
        (SERIAL | {"parity": "X"}, "parity: 'X' is not N, E or O"),
        (SERIAL | {"stopbits": 3}, "stopbits: 3 is not 1 or 2"),
        (SERIAL | {"bytesize": 5}, "bytesize: 5 is not 7 or 8"),
        ({"transport": Transport.TCP, "host": "h", "timeout_s": 0}, "timeout_s: 0 s is outside 0.05 to 60 s"),
        ({"transport": Transport.TCP, "host": "h", "retries": 11}, "retries: 11 is outside 0 to 10"),
    ],
)  # fmt: skip
def test_bad_settings_are_named(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ModbusConfigError, match=re.escape(message)):
        HubSettings(**settings)


def test_settings_describe_themselves() -> None:
    serial = HubSettings(Transport.SERIAL, serial_port="/dev/ttyUSB0", baudrate=9600, parity="E")
    assert serial.describe == "/dev/ttyUSB0 (9600 8E1)"
    assert serial.bits_per_character == 11
    assert HubSettings(Transport.SERIAL, serial_port="/dev/x", parity="N", stopbits=2).bits_per_character == 11
    assert HubSettings(Transport.RTU_OVER_TCP, host="gw", port=4001).describe == "rtu_over_tcp://gw:4001"


@pytest.mark.modbus
async def test_missing_serial_device_is_named_and_retried_with_back_off(tmp_path: Any) -> None:
    path = str(tmp_path / "ttyUSB9")
    hub = ModbusHub(HubSettings(Transport.SERIAL, serial_port=path, timeout_s=0.1))
    hub.add_device(1, builtin_profile("eastron_sdm120"))
    try:
        with pytest.raises(HubConnectionError, match=re.escape(f"cannot connect to {path} (9600 8E1): no such device")):
            await hub.connect()
        scan = (await hub.scan())[1]  # straight after a failed attempt: no new attempt yet
        assert not scan.available
        assert scan.errors == [f"{path} (9600 8E1) is down; next reconnect attempt pending"]
    finally:
        hub.close()
