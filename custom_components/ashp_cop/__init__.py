"""ASHP COP: how efficient an air-source heat pump really is, measured in the field.

The engine and Modbus command lines (``python -m custom_components.ashp_cop.engine``,
``... .modbus scan``) import this package first, also where Home Assistant is not
installed. Home Assistant's loader finds the set-up functions and CONFIG_SCHEMA as
attributes of this package, so they are re-exported here, but only in a process
that runs Home Assistant (its core imported before its integrations): importing
Home Assistant took 2.1 of the 6 s ``engine analyze`` spent on a year of 10-s
samples, in a Python that has it installed.
"""

from __future__ import annotations

import sys

if "homeassistant.core" in sys.modules:
    from .entry_setup import (
        CONFIG_SCHEMA,
        PLATFORMS,
        async_migrate_entry,
        async_remove_entry,
        async_setup,
        async_setup_entry,
        async_unload_entry,
    )

    __all__ = [
        "CONFIG_SCHEMA",
        "PLATFORMS",
        "async_migrate_entry",
        "async_remove_entry",
        "async_setup",
        "async_setup_entry",
        "async_unload_entry",
    ]
