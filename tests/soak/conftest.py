"""The soak runs the whole integration with the recorder, as a user runs it."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.components.recorder import Recorder


@pytest.fixture
def recorder_config() -> dict[str, Any]:
    """Only the heat pumps' and the plant's own sensors are recorded: their statistics are what is checked."""
    return {"include": {"entity_globs": ["sensor.soak_*"]}}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None, socket_enabled: None
) -> None:
    """The recorder starts before Home Assistant does; sockets on for the simulator on 127.0.0.1."""
