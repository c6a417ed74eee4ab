"""Where a heat pump's or a plant's totals live between restarts.

Saved on a fixed cadence and at Home Assistant's final write: one save is kept pending at most
``SAVE_INTERVAL_S`` ahead and re-armed only once it was written, so a poll every few seconds can
never postpone it (``Store.async_delay_save`` moves a pending write back each time it is called).
A clean stop writes the latest totals (the pending save runs at the final write); a kill loses at
most one interval of counting, and what the sensors had already shown is taken back from the
recorder (recorded.py), so no total restarts lower than it was seen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

STORAGE_VERSION = 1
SAVE_INTERVAL_S = 60.0
HEAT_PUMP = "heat_pump"
PLANT = "plant"


def totals_key(kind: str, entry_id: str) -> str:
    """The storage key of a heat pump's (``HEAT_PUMP``) or a plant's (``PLANT``) totals."""
    return f"ashp_cop.{kind}.{entry_id}"


async def async_remove_totals(hass: HomeAssistant, kind: str, entry_id: str) -> None:
    """A removed entry's totals file goes with it."""
    await Store[dict[str, Any]](hass, STORAGE_VERSION, totals_key(kind, entry_id)).async_remove()


class TotalsStore:
    """One entry's totals on disk."""

    def __init__(self, hass: HomeAssistant, key: str, export: Callable[[], dict[str, Any]]) -> None:
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, key)
        self._export = export
        self._pending = False

    async def async_load(self) -> dict[str, Any] | None:
        """The saved totals; ``saved_at`` (s since the epoch) tells when they were written."""
        return await self._store.async_load()

    @callback
    def changed(self) -> None:
        """The totals changed: make sure a save is pending (never postponing one that is)."""
        if not self._pending:
            self._pending = True
            self._store.async_delay_save(self._write, SAVE_INTERVAL_S)

    def _write(self) -> dict[str, Any]:
        """Called by the store when it writes: the data of that moment, and a new save may be armed."""
        self._pending = False
        return self._stamped()

    def _stamped(self) -> dict[str, Any]:
        return {**self._export(), "saved_at": dt_util.utcnow().timestamp()}

    async def async_save(self) -> None:
        """Write now (unload and reload)."""
        self._pending = False
        await self._store.async_save(self._stamped())
