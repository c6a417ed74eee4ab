"""Base entities: a value of a Modbus device, and a figure of a heat pump."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.const import ATTR_RESTORED
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator

from .compat import device_info_via
from .const import DOMAIN
from .coordinator import ModbusHubCoordinator
from .entity_rule import heat_pump_defaults
from .heat_pump import HeatPumpCoordinator
from .modbus.device import ModbusDevice
from .plant import PlantCoordinator


class ChangeOnlyEntity[C: DataUpdateCoordinator[Any]](CoordinatorEntity[C]):
    """A coordinator's entity that writes its state only when what it shows changed.

    What it shows (its availability, its state as written: rounded, a state's name, on/off; and its
    attributes) is worked out once per update and kept: the properties Home Assistant reads while
    writing (``native_value``, ``is_on``, ``extra_state_attributes``) return what was kept rather than
    work it out again. A write that would show the same is skipped: Home Assistant would only move the
    state's ``last_reported`` and fire ``state_reported``; no state row, no statistics change. A
    30-device plant polled every few seconds would otherwise write hundreds of unchanged states a
    minute into the state machine and the recorder.
    """

    _attr_has_entity_name = True
    _last_written: tuple[Any, ...] | None = None
    _state_now: Any = None  # the state as last worked out (_refresh)
    _attributes_now: dict[str, Any] | None = None

    def _value(self) -> Any:
        raise NotImplementedError

    def _shown_state(self) -> Any:
        """The state as Home Assistant writes it (a figure rounded, a state's name); its value by default."""
        return self._value()

    def _shown_attributes(self) -> dict[str, Any] | None:
        return None

    def _refresh(self) -> tuple[Any, ...]:
        """Work out what the entity shows now and keep it; returns it to compare with what was written."""
        if not self.available:
            return (False,)  # Home Assistant writes "unavailable" whatever the state would be
        self._state_now = state = self._shown_state()
        self._attributes_now = attributes = self._shown_attributes()
        return (True, state, attributes)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        return self._attributes_now

    @callback
    def _handle_coordinator_update(self) -> None:
        shown = self._refresh()
        if shown != self._last_written:
            self._last_written = shown
            self.async_write_ha_state()

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self._last_written = self._refresh()  # the platform writes it next
        self._drop_placeholder_state()

    async def async_will_remove_from_hass(self) -> None:
        await super().async_will_remove_from_hass()
        self._drop_placeholder_state(restored_only=False)

    @callback
    def _drop_placeholder_state(self, *, restored_only: bool = True) -> None:
        """Keep a reload out of the logbook.

        Unloading an entity leaves Home Assistant's placeholder state behind
        (unavailable, ``restored: true``), and the logbook lists every change
        from one state to another: each reload wrote "became unavailable" and
        then "cleared (no problem detected)", "turned off" ... for every binary
        sensor. Removing the state first makes both the placeholder and the
        entity's first state new states, which the logbook does not list; a
        device going unavailable while loaded is still logged as before.
        """
        state = self.hass.states.get(self.entity_id)
        if state is not None and (not restored_only or state.attributes.get(ATTR_RESTORED)):
            self.hass.states.async_remove(self.entity_id, context=self._context)


class ModbusDeviceEntity(ChangeOnlyEntity[ModbusHubCoordinator]):
    """One entity of one Modbus device (a config subentry of a hub); shows the reading of its key."""

    def __init__(
        self, coordinator: ModbusHubCoordinator, subentry: ConfigSubentry, description: EntityDescription
    ) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        self.subentry_id = subentry.subentry_id
        self._attr_unique_id = f"{subentry.subentry_id}_{description.key}"
        register_map = self.device.register_map
        self._attr_device_info = device_info_via(
            identifiers={(DOMAIN, subentry.subentry_id)},
            name=subentry.title,
            manufacturer=register_map.manufacturer or None,
            model=register_map.model or register_map.title,
            via_identifier=(DOMAIN, coordinator.config_entry.entry_id),
            via_device_id=coordinator.hub_device_id,
        )

    @property
    def device(self) -> ModbusDevice:
        return self.coordinator.devices[self.subentry_id]

    @property
    def available(self) -> bool:
        return super().available and self.device.available

    def _value(self) -> Any:
        reading = self.device.last.get(self.entity_description.key)
        return None if reading is None else reading.value


class EntryFigureEntity[C: DataUpdateCoordinator[Any]](ChangeOnlyEntity[C]):
    """One figure of a heat pump or plant entry, on the entry's own device."""

    _model = ""

    def __init__(self, entry: ConfigEntry[C], description: EntityDescription) -> None:
        super().__init__(entry.runtime_data)
        self.entity_description = description
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, entry.entry_id)}, name=entry.title, model=self._model)


class HeatPumpEntity(EntryFigureEntity[HeatPumpCoordinator]):
    """One figure of a heat pump entry: shown, hidden or disabled by default as entity_rule.py says."""

    _model = "Air-source heat pump"

    def __init__(self, entry: ConfigEntry[HeatPumpCoordinator], description: EntityDescription) -> None:
        super().__init__(entry, description)
        enabled, visible, category = heat_pump_defaults(description.key)
        self._attr_entity_registry_enabled_default = enabled
        self._attr_entity_registry_visible_default = visible
        self._attr_entity_category = category


class PlantEntity(EntryFigureEntity[PlantCoordinator]):
    """One figure of a plant entry."""

    _model = "Heat-pump plant"
