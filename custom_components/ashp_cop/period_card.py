"""The period card: served and loaded by the integration itself, and the websocket commands it calls.

The card (frontend/ashp-cop-period-card.js, a plain web component: no build step) is served from
``CARD_URL`` and added to the frontend's extra module URLs while a heat pump or plant entry is
loaded, so a dashboard can use ``type: custom:ashp-cop-period-card`` without a resource set up by
hand; the URL goes when the last such entry unloads (the static route stays until Home Assistant
restarts: aiohttp cannot remove a route, and nothing loads it any more).

``ashp_cop/heat_pumps`` lists the loaded heat pumps and plants; ``ashp_cop/period`` answers the table of
one over a period (period_table.py), computed from the recorder's long-term statistics.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

import voluptuous as vol
from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL, add_extra_js_url, remove_extra_js_url
from homeassistant.components.http import StaticPathConfig
from homeassistant.components.websocket_api import async_register_command
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.decorators import async_response, websocket_command
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_HEAT_PUMP, ENTRY_PLANT
from .period_table import period_table, plant_table

CARD_FILE = Path(__file__).parent / "frontend" / "ashp-cop-period-card.js"
CARD_URL = f"/{DOMAIN}/ashp-cop-period-card.js"
# The card's URL with a digest of its content, so a browser loads a changed card, not its cached copy.
# Read when the module is imported (Home Assistant imports a custom integration in its executor), so
# setting up an entry awaits nothing for it: a test or a stop cancelling a set-up mid-way finds no
# executor job here.
VERSIONED_CARD_URL = f"{CARD_URL}?v={hashlib.sha256(CARD_FILE.read_bytes()).hexdigest()[:12]}"
_SERVED: HassKey[set[str]] = HassKey(f"{DOMAIN}_card")  # the entries the card is loaded for
# the URL the frontend was given: removed as it was added, even if the card's file changed meanwhile
_URL: HassKey[str] = HassKey(f"{DOMAIN}_card_url")


@callback
def async_setup_card_commands(hass: HomeAssistant) -> None:
    async_register_command(hass, ws_heat_pumps)
    async_register_command(hass, ws_period)


async def async_load_card(hass: HomeAssistant, entry_id: str) -> None:
    """Serve the card and have the frontend load it (once, whichever entry comes first)."""
    url = VERSIONED_CARD_URL
    served = hass.data.get(_SERVED)
    if served is None:
        served = hass.data[_SERVED] = set()
        if hass.http is not None:  # no http server (a test without it): nothing to serve to
            await hass.http.async_register_static_paths([StaticPathConfig(CARD_URL, str(CARD_FILE), False)])
    if not served and DATA_EXTRA_MODULE_URL in hass.data:
        hass.data[_URL] = url
        add_extra_js_url(hass, url)
    served.add(entry_id)


@callback
def async_unload_card(hass: HomeAssistant, entry_id: str) -> None:
    """The last heat pump or plant unloaded: the frontend stops loading the card."""
    served = hass.data.get(_SERVED)
    if served is None or entry_id not in served:
        return
    served.discard(entry_id)
    if not served and (url := hass.data.pop(_URL, None)) is not None:
        remove_extra_js_url(hass, url)


def loaded_card_url(hass: HomeAssistant) -> str | None:
    """The URL the frontend loads the card from now, None while it loads none."""
    url = hass.data.get(_URL)
    if url is None or DATA_EXTRA_MODULE_URL not in hass.data:
        return None
    return url if url in hass.data[DATA_EXTRA_MODULE_URL].urls else None


@websocket_command({vol.Required("type"): f"{DOMAIN}/heat_pumps"})
@callback
def ws_heat_pumps(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    entries = [
        {"entry_id": entry.entry_id, "title": entry.title, "kind": entry.data.get(CONF_ENTRY_TYPE)}
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.data.get(CONF_ENTRY_TYPE) in (ENTRY_HEAT_PUMP, ENTRY_PLANT) and entry.state is ConfigEntryState.LOADED
    ]
    connection.send_result(msg["id"], {"entries": entries, "recorder": "recorder" in hass.config.components})


@websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/period",
        vol.Required("entry_id"): str,
        vol.Required("start"): str,
        vol.Optional("end"): str,
    }
)
@async_response
async def ws_period(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    entry = hass.config_entries.async_get_entry(msg["entry_id"])
    kind = None if entry is None or entry.domain != DOMAIN else entry.data.get(CONF_ENTRY_TYPE)
    if entry is None or kind not in (ENTRY_HEAT_PUMP, ENTRY_PLANT):
        connection.send_error(
            msg["id"], "not_a_heat_pump", f"{msg['entry_id']} is not a heat pump or plant of {DOMAIN}"
        )
        return
    if entry.state is not ConfigEntryState.LOADED or "recorder" not in hass.config.components:
        connection.send_error(msg["id"], "not_loaded", f"{entry.title} is not loaded, or the recorder is not running")
        return
    start, end = _moment(msg["start"]), _moment(msg.get("end"))
    if start is None or end is None or end <= start:
        connection.send_error(msg["id"], "invalid_period", f"not a period: {msg['start']} to {msg.get('end')}")
        return
    config = {**entry.data, **entry.options}
    table_of = plant_table if kind == ENTRY_PLANT else period_table
    table = await table_of(hass, entry.entry_id, config, start, end)
    table["title"] = entry.title
    table["kind"] = kind
    connection.send_result(msg["id"], table)


def _moment(text: str | None) -> datetime | None:
    """An ISO 8601 moment (now where none is given); one without an offset is local time."""
    if text is None:
        return dt_util.utcnow()
    moment = dt_util.parse_datetime(text)
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt_util.get_default_time_zone())
