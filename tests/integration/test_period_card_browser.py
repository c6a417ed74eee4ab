"""The period card end to end in a real browser: headless Chromium (Debian's) on Home Assistant's own server.

Playwright's Python package lives in .venv-browser (requirements_browser.txt, set up by scripts/test) and
drives /usr/bin/chromium (scripts/test installs Debian's package where it can); the browser loads the
card from the URL the integration serves and reads the table through the websocket API, as on a dashboard.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from homeassistant.components.http import StaticPathConfig
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ashp_cop.const import DOMAIN
from custom_components.ashp_cop.period_card import CARD_URL
from tests.integration.test_period_card import HOURS, SHARED_KWH, a_day_with_modes, a_plant_over

REPO = Path(__file__).resolve().parents[2]
BROWSER_PYTHON = REPO / ".venv-browser" / "bin" / "python"
CHROMIUM = Path("/usr/bin/chromium")
DRIVER = REPO / "tests" / "browser" / "drive_card.py"


def _why_no_browser() -> str | None:
    if not CHROMIUM.exists():
        return f"skipped: no chromium ({CHROMIUM} is missing: scripts/test installs Debian's chromium package as root)"
    if not BROWSER_PYTHON.exists():
        return "skipped: no chromium driver (.venv-browser is missing: scripts/test sets it up)"
    return None


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """The recorder starts before Home Assistant does."""


@pytest.mark.skipif(_why_no_browser() is not None, reason=_why_no_browser() or "")
async def test_the_card_shows_the_period_table_at_desktop_and_phone_width(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, hass_access_token: str, tmp_path: Path
) -> None:
    assert await async_setup_component(hass, "websocket_api", {})  # with http: served before the entry loads
    hp, start, day = await a_day_with_modes(hass)
    plant = await a_plant_over(hass, hp, start, day)  # the card opens on the plant; the heat pump is picked after
    harness = StaticPathConfig("/ashp_cop_test/harness.html", str(REPO / "tests" / "browser" / "harness.html"), False)
    await hass.http.async_register_static_paths([harness])
    client = await hass_client()
    base = str(client.make_url("")).rstrip("/")
    served = await client.get(CARD_URL)
    assert served.status == 200 and "customElements.define" in await served.text()
    recalculated = await hass.services.async_call(DOMAIN, "recalculate", {"config_entry_id": hp.entry_id,
        "start": start.isoformat(), "end": (start + timedelta(hours=HOURS)).isoformat()},
        blocking=True, return_response=True)  # fmt: skip
    assert recalculated is not None
    shots = Path(os.environ.get("ASHP_COP_SCREENSHOTS", str(tmp_path)))
    done = await hass.async_add_executor_job(lambda: subprocess.run(  # the browser calls back into this loop
        [str(BROWSER_PYTHON), str(DRIVER), base, hass_access_token, CARD_URL, start.date().isoformat(), str(shots),
         hass.config.time_zone, hp.title],
        capture_output=True, text=True, timeout=180, check=False,
    ))  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    shown = json.loads(done.stdout)
    assert shown["errors"] == []
    desktop, phone = shown["desktop"], shown["phone"]
    plant_view = shown["plant"]["cells"]  # the plant, then each heat pump by its title, then the shared loads
    assert list(plant_view) == ["combined", f"unit_{hp.entry_id}", "unit_UNITB", "shared"]
    assert plant_view[f"unit_{hp.entry_id}"]["cop"] == f"{recalculated['scop']:.2f}"
    assert plant_view["shared"]["elec_kwh"] == f"{SHARED_KWH * HOURS:.1f}" and plant_view["shared"]["cop"] == "—"
    assert {"Plant", "Garden heat pump", "Annex heat pump", "Shared loads"} <= set(shown["plant"]["labels"])
    assert shown["plant"]["title"] == plant.title
    assert desktop["layout"] == "wide" and phone["layout"] == "narrow"  # figures as rows at a phone's width
    assert not phone["overflow"]  # nothing wider than the phone
    # at any width the table the card shows fits it (the wide one from 641 px of card on)
    assert all(fits for _, fits in shown["fits"].values()), shown["fits"]
    assert {layout for layout, _ in shown["fits"].values()} == {"wide", "narrow"}
    assert shown["fits_column"]  # a desktop column of 340 px: the units under the row headings leave room
    for view in (desktop, phone):
        cells = view["cells"]
        assert list(cells) == ["combined", "running", "space_heating", "hot_water"]
        assert cells["combined"]["heat_kwh"] == f"{recalculated['heat_kwh']:.1f}"
        assert cells["combined"]["elec_kwh"] == f"{recalculated['elec_kwh']:.1f}"
        assert cells["combined"]["cop"] == f"{recalculated['scop']:.2f}"
        assert cells["space_heating"]["cop"] == f"{recalculated['modes']['space_heating']['spf']:.2f}"  # type: ignore[index]
        assert cells["space_heating"]["flow_temp_c"].removesuffix(" °C") == "35.0"  # the unit: in the cell or heading
        assert cells["combined"]["starts"] == str(HOURS)
        assert cells["hot_water"]["starts"] == "—"  # not counted per mode: a dash, with its reason as a tooltip
        assert f"{HOURS} h of statistics" in view["when"]
        assert "No statistics" not in view["text"] and "warning" not in view["text"].lower()
