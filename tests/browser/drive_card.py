"""Drive the period card in headless Chromium (Debian's /usr/bin/chromium) against a running Home Assistant.

Run by tests/integration/test_period_card_browser.py with .venv-browser's Python (Playwright lives only
there): loads the card as the frontend loads it (a module from the URL the integration serves), gives it
a `hass` whose callWS speaks Home Assistant's websocket API, picks a custom period through the card's own
selector, and prints what the card shows at a desktop and at a phone's width (JSON on stdout).

    drive_card.py BASE_URL TOKEN CARD_URL DAY SCREENSHOT_DIR TIME_ZONE HEAT_PUMP_TITLE

Where a plant is loaded too, the card opens on it (the whole installation): its table is read first, then
the heat pump titled HEAT_PUMP_TITLE is picked from the card's own list.

The browser runs in Home Assistant's time zone: the owner's days are the server's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import urlencode

from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
HARNESS_URL = "/ashp_cop_test/harness.html"  # tests/browser/harness.html, served by the test


def _shown(page: Page) -> dict[str, object]:
    """The table the card shows now: the visible one's cells by row and column, and the period line."""
    return page.evaluate(
        """() => {
          const root = window.card.shadowRoot;
          const table = [...root.querySelectorAll("table")].find((t) => getComputedStyle(t).display !== "none");
          const cells = {};
          if (table) {
            const narrow = table.classList.contains("narrow");
            const rowKeys = [...table.querySelectorAll("thead th[data-row]")].map((th) => th.dataset.row);
            for (const tr of table.querySelectorAll("tbody tr")) {
              tr.querySelectorAll("td").forEach((td, i) => {
                const row = narrow ? rowKeys[i] : tr.dataset.row;
                (cells[row] = cells[row] || {})[td.dataset.col] = td.textContent;
              });
            }
          }
          return {
            layout: table ? table.className : null,
            cells,
            when: root.querySelector(".when").textContent,
            title: root.querySelector("h2").textContent,
            labels: table ? [...table.querySelectorAll(table.classList.contains("narrow") ? "thead th[data-row]"
              : "tbody th[scope=row]")].map((th) => th.textContent) : [],
            text: root.textContent,
            overflow: document.documentElement.scrollWidth > window.innerWidth,
            fits: table ? table.scrollWidth <= table.parentElement.clientWidth : null,
          };
        }"""
    )


def main(base_url: str, token: str, card_url: str, day: str, shots: str, time_zone: str, heat_pump: str) -> None:
    out: dict[str, object] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1100, "height": 700}, timezone_id=time_zone)
        errors: list[str] = []
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(f"{base_url}{HARNESS_URL}?{urlencode({'card': card_url, 'token': token})}")
        card = page.locator("ashp-cop-period-card")
        card.locator("button[data-period=custom]").click()
        card.locator("input[data-custom=start]").fill(day)
        card.locator("input[data-custom=start]").dispatch_event("change")
        card.locator("input[data-custom=end]").fill(day)
        card.locator("input[data-custom=end]").dispatch_event("change")
        try:
            page.wait_for_function(
                "() => /of statistics/.test(window.card.shadowRoot.querySelector('.when').textContent)"
                " && window.card.shadowRoot.querySelector('td')",
                timeout=30000,
            )
        except Exception:
            print(f"the card shows: {_shown(page)}; page errors: {errors}", file=sys.stderr)
            raise
        if card.locator("select.entry").count():  # a plant is loaded: the card opens on it; then its heat pump
            page.wait_for_function("() => window.card.shadowRoot.querySelector('tr[data-row=shared]')", timeout=30000)
            out["plant"] = _shown(page)
            page.screenshot(path=str(Path(shots) / "h17-card-plant.png"), full_page=True)
            card.locator("select.entry").select_option(label=heat_pump)
            page.wait_for_function(
                "() => window.card.shadowRoot.querySelector('tr[data-row=running]')"
                " && /of statistics/.test(window.card.shadowRoot.querySelector('.when').textContent)",
                timeout=30000,
            )
        out["desktop"] = _shown(page)
        page.screenshot(path=str(Path(shots) / "h17-card-desktop.png"), full_page=True)
        page.set_viewport_size({"width": 380, "height": 760})
        page.wait_for_timeout(200)
        out["phone"] = _shown(page)
        page.screenshot(path=str(Path(shots) / "h17-card-phone.png"), full_page=True)
        # a desktop dashboard's narrowest column (a card of 340 px) with a month's figures (3-digit kWh)
        page.set_viewport_size({"width": 356, "height": 760})
        page.wait_for_timeout(100)
        out["fits_column"] = _shown(page)["fits"]
        # a desktop masonry column (some 560 to 660 px) cut the wide table's last column by a few pixels: the
        # widest figures of a year (the day's energies and starts x 365: 5 digits and a separator) at each width
        page.evaluate(
            """() => { const table = structuredClone(window.card._table);
              for (const row of Object.values(table.rows)) for (const key of ["elec_kwh", "heat_kwh", "starts"])
                if (row[key] !== null && row[key] !== undefined) row[key] *= 365;
              window.card._table = table; window.card._render(); }"""
        )
        out["fits"] = {}
        for width in (500, 578, 616, 656, 700, 900):  # the card: 16 px less
            page.set_viewport_size({"width": width, "height": 760})
            page.wait_for_timeout(100)
            shown = _shown(page)
            out["fits"][width] = [shown["layout"], shown["fits"]]
        out["errors"] = errors
        browser.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main(*sys.argv[1:8])
