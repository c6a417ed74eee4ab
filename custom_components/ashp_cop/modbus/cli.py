"""``python -m custom_components.ashp_cop.modbus scan URL``: the bus scan from a terminal.

For installers without Home Assistant at hand: one JSON object per unit that
answered on standard output, a summary line on standard error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from urllib.parse import parse_qs, urlsplit

from .errors import ModbusConfigError
from .scan import FoundUnit, parse_units, scan_bus
from .settings import HubSettings, Transport

_SCHEMES = {"tcp": Transport.TCP, "rtu-over-tcp": Transport.RTU_OVER_TCP, "udp": Transport.UDP,
            "serial": Transport.SERIAL}  # fmt: skip
_PARITY = {"even": "E", "odd": "O", "none": "N", "e": "E", "o": "O", "n": "N"}
_SERIAL_OPTIONS = ("baud", "parity", "stopbits", "bytesize")


def settings_from_url(url: str) -> HubSettings:
    """``tcp://HOST:PORT``, ``rtu-over-tcp://HOST:PORT``, ``udp://HOST:PORT``, ``serial:///dev/ttyUSB0?baud=9600&parity=even``."""
    parts = urlsplit(url)
    transport = _SCHEMES.get(parts.scheme)
    if transport is None:
        raise ValueError(f"{url!r}: the scheme must be one of {', '.join(s + '://' for s in _SCHEMES)}")
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    try:
        if transport is Transport.SERIAL:
            unknown = sorted(set(options) - set(_SERIAL_OPTIONS))
            if unknown:
                raise ValueError(f"{url!r}: unknown option {unknown[0]!r} (there are: {', '.join(_SERIAL_OPTIONS)})")
            parity = options.get("parity", "even").lower()
            if parity not in _PARITY:
                raise ValueError(f"{url!r}: parity {parity!r} is not even, odd or none")
            return HubSettings(
                transport,
                serial_port=parts.path,
                baudrate=int(options.get("baud", 9600)),
                parity=_PARITY[parity],
                stopbits=int(options.get("stopbits", 1)),
                bytesize=int(options.get("bytesize", 8)),
            )
        if options:
            raise ValueError(f"{url!r}: options are for serial:// only")
        if not parts.hostname:
            raise ValueError(f"{url!r}: no host (write {parts.scheme}://HOST:PORT)")
        return HubSettings(transport, host=parts.hostname, port=parts.port or 502)
    except ModbusConfigError as err:
        raise ValueError(f"{url!r}: {err}") from err
    except ValueError as err:
        if str(err).startswith(repr(url)):
            raise
        raise ValueError(f"{url!r}: {err}") from err  # a port or a baud rate that is not a number


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.ashp_cop.modbus",
        description="Modbus tools of ashp_cop that need no Home Assistant.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    scan = commands.add_parser(
        "scan",
        help="find the devices on a bus and recognise the shipped profiles (reads only)",
        description="Try every unit id of a bus; prints one JSON object per unit that answered, a summary on stderr.",
    )
    scan.add_argument(
        "url",
        help="tcp://HOST:PORT, rtu-over-tcp://HOST:PORT, udp://HOST:PORT or serial:///dev/ttyUSB0?baud=9600&parity=even",
    )
    scan.add_argument("--units", default="1-247", help="ids to try, such as 1-247 or 1,2,10-20 (default 1-247)")
    scan.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="S",
        help="seconds to wait for each id (default 0.08 on a network, 0.1 plus wire time on serial)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = settings_from_url(args.url)
        units = parse_units(args.units)
        if args.timeout is not None and not 0.05 <= args.timeout <= 60:
            raise ValueError(f"--timeout {args.timeout:g}: give 0.05 to 60 s")
    except ValueError as err:
        parser.error(str(err))

    def show(found: FoundUnit) -> None:
        print(json.dumps(found.as_json(), ensure_ascii=False), flush=True)

    report = asyncio.run(scan_bus(settings, units, timeout_s=args.timeout, on_found=show))
    print(report.summary(), file=sys.stderr)
    return 1 if report.error else 0
