"""Alerts raised as repair issues, so they reach a person outside the dashboards too."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN


def issue_id(entry_id: str, alert: str) -> str:
    return f"{alert}_{entry_id}"


def sync_alert_issues(
    hass: HomeAssistant, entry_id: str, title: str, active: dict[str, bool], placeholders: dict[str, str]
) -> None:
    """Create an issue for each alert that holds, delete it once the condition is gone."""
    for alert, on in active.items():
        if on:
            ir.async_create_issue(
                hass, DOMAIN, issue_id(entry_id, alert), is_fixable=False, is_persistent=False,
                severity=ir.IssueSeverity.WARNING, translation_key=alert,
                translation_placeholders={"name": title, **placeholders},
            )  # fmt: skip
        else:
            ir.async_delete_issue(hass, DOMAIN, issue_id(entry_id, alert))


def clear_alert_issues(hass: HomeAssistant, entry_id: str, alerts: tuple[str, ...]) -> None:
    for alert in alerts:
        ir.async_delete_issue(hass, DOMAIN, issue_id(entry_id, alert))
