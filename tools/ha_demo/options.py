"""The demo's command-line options, shared by ``scripts/demo`` and ``python -m tools.ha_demo``."""

from __future__ import annotations

import argparse
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fresh", action="store_true", help="start from an empty config folder (deletes --config)")
    parser.add_argument("--http-port", type=int, default=8123, metavar="PORT",
                        help="Home Assistant's port on 127.0.0.1 (default 8123; a free one if taken)")  # fmt: skip
    parser.add_argument("--modbus-port", type=int, default=5020, metavar="PORT",
                        help="the simulator's Modbus TCP port on 127.0.0.1 (default 5020)")  # fmt: skip
    parser.add_argument("--days", type=int, default=45,
                        help="days of simulated history backfilled on a fresh start (default 45)")  # fmt: skip
    parser.add_argument("--config", type=Path, default=REPO / ".demo" / "config", metavar="DIR",
                        help="Home Assistant's config folder (default .demo/config)")  # fmt: skip
