"""Entities write a state only when what they show changes (entity.py), over the simulated plant.

A write that would show the same state and attributes is skipped: Home Assistant would only move
``last_reported`` and fire ``state_reported``. So over a running plant every write of ours is a
``state_changed``, never a ``state_reported``; what changed is written at the poll it changed; a
device that goes silent and answers again is written both ways, even with the very value it had.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.integration.test_heat_pump import CLOCK_ORIGIN, modbus_heat_pump
from tools.simulator.devices import unit_id
from tools.simulator.server import ModbusServer, PlantSimulator

pytestmark = pytest.mark.modbus

Plant = tuple[PlantSimulator, ModbusServer]
HEAT_METER = unit_id(0, 1)  # the heat meter of the plant's heat pump (flow, return, flow rate)


class Writes:
    """The state_changed and state_reported events of a set of entities."""

    def __init__(self, hass: HomeAssistant, entity_ids: set[str]) -> None:
        self.changed: list[str] = []
        self.reported: list[str] = []

        @callback
        def ours(data: Any) -> bool:
            return data["entity_id"] in entity_ids

        hass.bus.async_listen(EVENT_STATE_CHANGED, lambda event: self.changed.append(event.data["entity_id"]),
                              event_filter=ours)  # fmt: skip
        hass.bus.async_listen(EVENT_STATE_REPORTED, self._reported, event_filter=ours)

    @callback
    def _reported(self, event: Event[Any]) -> None:
        self.reported.append(event.data["entity_id"])

    def clear(self) -> None:
        self.changed.clear()
        self.reported.clear()


def _entity_ids(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    return {e.entity_id for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)}


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


async def _poll(hass: HomeAssistant, hub: MockConfigEntry, hp: MockConfigEntry) -> None:
    await hub.runtime_data.async_refresh()
    await hp.runtime_data.async_refresh()
    await hass.async_block_till_done()


async def test_a_change_is_written_at_once_and_nothing_is_written_twice(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry
) -> None:
    sim, _ = plant
    hp = await modbus_heat_pump(hass, hub_entry)
    hp.runtime_data.clock = lambda: CLOCK_ORIGIN + sim.plant.time_s
    figures = _entity_ids(hass, hp)
    writes = Writes(hass, figures | _entity_ids(hass, hub_entry))
    live = hp.runtime_data.live
    for _ in range(30):  # five minutes of a running plant, a poll every 10 s
        sim.advance(10)
        await _poll(hass, hub_entry, hp)
        # what changed is in the state machine at the poll it changed (the figures are rounded to 1 Wh, 1 W)
        assert float(_state(hass, "sensor.garden_heat_pump_heat_energy")) == round(live.totals.heat_kwh, 3)
        power = _state(hass, "sensor.garden_heat_pump_heat_power")
        if live.heat_power_w is None:  # the heat meter did not answer in time (a loaded machine)
            assert power == STATE_UNKNOWN
        else:
            assert float(power) == round(live.heat_power_w)
    assert len(set(writes.changed) & figures) >= 10  # powers, COPs, energies, run time ... changed
    # The COP, the rolling COP, the SPF move in every poll by less than the 0.01 they are shown to: a write
    # of the same state would only be "reported". Every write showed something new.
    assert writes.reported == []

    writes.clear()
    await _poll(hass, hub_entry, hp)  # the plant's clock stood still: nothing new, nothing written
    assert writes.changed == [] and writes.reported == []


async def test_availability_is_written_both_ways_even_with_the_same_value(
    hass: HomeAssistant, plant: Plant, hub_entry: MockConfigEntry
) -> None:
    sim, _ = plant
    hp = await modbus_heat_pump(hass, hub_entry)
    now_s = [time.time()]  # the heat pump's polls go on (after its set-up's poll) while the plant's clock stands still
    hp.runtime_data.clock = lambda: now_s[0]

    async def poll() -> None:
        now_s[0] += 10
        await _poll(hass, hub_entry, hp)

    sim.advance(10)
    await poll()
    flow, power = "sensor.heat_meter_flow_temperature", "sensor.garden_heat_pump_heat_power"
    before = (_state(hass, flow), _state(hass, power))
    writes = Writes(hass, {flow, power})

    sim.faults.silent.add(HEAT_METER)
    await poll()
    assert (_state(hass, flow), _state(hass, power)) == (STATE_UNAVAILABLE, STATE_UNKNOWN)  # no flow, no heat
    assert float(_state(hass, "sensor.garden_heat_pump_heat_energy")) > 0  # a total stays shown
    assert sorted(writes.changed) == sorted([flow, power])

    writes.clear()
    sim.faults.silent.clear()  # the meter answers the very values it showed before
    await poll()
    assert (_state(hass, flow), _state(hass, power)) == before
    assert sorted(writes.changed) == sorted([flow, power]) and writes.reported == []
