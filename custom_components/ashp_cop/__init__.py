"""ASHP COP: how efficient an air-source heat pump really is, measured in the field.

The engine and Modbus command lines (``python -m custom_components.ashp_cop.engine``,
``... .modbus scan``) run where Home Assistant is not installed, and importing
them imports this package first: the Home Assistant set-up (entry_setup.py) is
imported only where Home Assistant can be. Home Assistant's loader finds the
set-up functions and CONFIG_SCHEMA as attributes of this package, so they are
re-exported here.
"""

from __future__ import annotations

from importlib.util import find_spec

if find_spec("homeassistant") is not None:
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
