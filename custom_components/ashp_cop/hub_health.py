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
* Current transformers too large for the load: with the CTs' primary current
  given for a meter, a phase whose current stays below 5 % of it in
  ``CT_LOW_SHARE`` or more of the polls while the unit runs (IEC 62053-21,
  8.1: a class 1 meter's accuracy is specified from 5 % of its rated current;
  below it the error grows), over at least ``CT_MIN_RUNNING_POLLS`` of them.
"""

from __future__ import annotations

import statistics
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
_CURRENTS = (("current_l1_a", "L1"), ("current_l2_a", "L2"), ("current_l3_a", "L3"))
CT_LOW_FRACTION = 0.05  # of the CT's primary current (IEC 62053-21: class accuracy from 5 % of rated current)
CT_LOW_SHARE = 0.8  # "most of the running time"
CT_MIN_RUNNING_POLLS = 30
CT_WINDOW = 720  # running polls remembered (2 h at a 10 s scan interval)
RUNNING_W = 100.0  # the metered load counts as running above this


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
        self._currents: dict[tuple[str, str], deque[float]] = {}  # (subentry id, key) -> currents while running

    def update(
        self,
        devices: Mapping[str, ModbusDevice],
        scans: Mapping[int, DeviceScan],
        ct_primary_a: Mapping[str, float] | None = None,
    ) -> list[HealthIssue]:
        issues = [*self._line(devices), *self._polarity(devices, scans)]
        for subentry_id, primary_a in (ct_primary_a or {}).items():
            device = devices.get(subentry_id)
            if device is not None and device.register_map.kind == "electricity_meter":
                issues += self._ct_size(subentry_id, device, scans.get(device.unit_id), primary_a)
        return issues

    def _ct_size(
        self, subentry_id: str, device: ModbusDevice, scan: DeviceScan | None, primary_a: float
    ) -> list[HealthIssue]:
        readings = scan.readings if scan is not None else {}
        power = readings.get("power_w")
        if power is None or not isinstance(power.value, float) or power.value < RUNNING_W:
            return []  # not running (or not read): the running time is what counts
        keys = {spec.key for spec in device.register_map.values}
        issues: list[HealthIssue] = []
        for key, phase in [(k, p) for k, p in _CURRENTS if k in keys] or [("current_a", "")]:
            reading = readings.get(key)
            if reading is None or not isinstance(reading.value, float):
                continue
            seen = self._currents.setdefault((subentry_id, key), deque(maxlen=CT_WINDOW))
            seen.append(abs(reading.value))
            low = sum(1 for current in seen if current < CT_LOW_FRACTION * primary_a)
            if len(seen) >= CT_MIN_RUNNING_POLLS and low >= CT_LOW_SHARE * len(seen):
                placeholders = {"meter": device.name, "hub": self.hub, "phase": phase or "-",
                                "primary": f"{primary_a:g}", "share": f"{100 * low / len(seen):.0f}",
                                "median": f"{statistics.median(seen):.2f}"}  # fmt: skip
                issues.append(HealthIssue(f"ct_oversized_{subentry_id}_{phase or 'total'}", "ct_oversized",
                                          placeholders))  # fmt: skip
        return issues

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
