"""What a hub's traffic says about its line and its electricity meters, as repair issues.

* The line: over the last ``LINE_WINDOW`` polls, answers that fail their CRC
  check (silence is not counted: it says nothing about the line). All of
  them: the line settings differ from the devices' (baud rate,
  parity, stop bits), as a wrong setting garbles every frame. Some of them
  (``NOISE_SHARE`` or more): reflections or interference, an unterminated or
  badly wired line (Modbus over serial line v1.02, 3.4: 120 ohm line
  termination at both ends, a balanced pair).
* A current transformer mounted backwards: every meter of this integration
  measures a load that only consumes (the outdoor unit, a backup heater, a
  pump), so an import power below ``-NEGATIVE_W`` for ``NEGATIVE_POLLS`` polls
  in a row means the CT (or the meter's wiring) reads the wrong way, named per
  phase where the map has phases.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from .modbus.device import DeviceScan, ModbusDevice

LINE_WINDOW = 10  # polls
LINE_MIN_ANSWERS = 10  # fewer answers in the window say nothing either way
NOISE_SHARE = 0.02  # a clean RS-485 line loses far fewer than 1 frame in 50
NEGATIVE_W = 20.0  # below a meter's zero noise on a load that draws nothing
NEGATIVE_POLLS = 5
_PHASES = (("power_l1_w", "L1"), ("power_l2_w", "L2"), ("power_l3_w", "L3"))


@dataclass(frozen=True, slots=True)
class HealthIssue:
    """One repair issue: ``key`` makes its id unique within the hub."""

    key: str
    translation_key: str
    placeholders: dict[str, str]


class HubHealth:
    """Fed every poll's results; returns the issues that hold now."""

    def __init__(self, hub: str) -> None:
        self.hub = hub
        self._counted: dict[str, tuple[int, int]] = {}  # subentry id -> (garbled answers, clean answers) so far
        self._window: deque[tuple[int, int]] = deque(maxlen=LINE_WINDOW)
        self._negative: dict[tuple[str, str], int] = {}  # (subentry id, value key) -> polls in a row below 0

    def update(self, devices: Mapping[str, ModbusDevice], scans: Mapping[int, DeviceScan]) -> list[HealthIssue]:
        return [*self._line(devices), *self._polarity(devices, scans)]

    def _line(self, devices: Mapping[str, ModbusDevice]) -> list[HealthIssue]:
        garbled = clean = 0
        for subentry_id, device in devices.items():
            counts = device.diagnostics
            # an exception answer passed its CRC check as much as a reading did
            now = (counts.errors["crc"], counts.answered + counts.errors["exception"])
            before = self._counted.get(subentry_id, (0, 0))
            garbled, clean = garbled + now[0] - before[0], clean + now[1] - before[1]
            self._counted[subentry_id] = now
        self._window.append((garbled, clean))
        garbled_window = sum(g for g, _ in self._window)
        clean_window = sum(c for _, c in self._window)
        if garbled_window == 0 or garbled_window + clean_window < LINE_MIN_ANSWERS:
            return []
        if clean_window == 0:
            return [HealthIssue("line_settings", "line_settings", {"hub": self.hub})]
        share = garbled_window / (garbled_window + clean_window)
        if share >= NOISE_SHARE:
            return [HealthIssue("line_noise", "line_noise", {"hub": self.hub, "percent": f"{100 * share:.0f}"})]
        return []

    def _polarity(self, devices: Mapping[str, ModbusDevice], scans: Mapping[int, DeviceScan]) -> list[HealthIssue]:
        issues: list[HealthIssue] = []
        for subentry_id, device in devices.items():
            if device.register_map.kind != "electricity_meter":
                continue
            scan = scans.get(device.unit_id)
            keys = {spec.key for spec in device.register_map.values}
            phases = [(key, phase) for key, phase in _PHASES if key in keys] or [("power_w", "")]
            for key, phase in phases:
                reading = scan.readings.get(key) if scan is not None else None
                value = reading.value if reading is not None else None
                if not isinstance(value, float):
                    continue  # no reading this poll: the count stands
                count = self._negative.get((subentry_id, key), 0) + 1 if value < -NEGATIVE_W else 0
                self._negative[(subentry_id, key)] = count
                if count >= NEGATIVE_POLLS:
                    placeholders = {"meter": device.name, "hub": self.hub, "phase": phase or "-",
                                    "power": f"{value:.0f}"}  # fmt: skip
                    issues.append(HealthIssue(f"ct_reversed_{subentry_id}_{phase or 'total'}", "ct_reversed",
                                              placeholders))  # fmt: skip
        return issues
