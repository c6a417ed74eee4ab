"""Entity descriptions of a plant: its energies, its COP and each unit's SPF beside it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import SensorDeviceClass, SensorEntityDescription, SensorStateClass
from homeassistant.const import UnitOfEnergy

from .engine.plant import PlantLedger


@dataclass(frozen=True, kw_only=True)
class PlantSensorDescription(SensorEntityDescription):
    value_fn: Callable[[PlantLedger], float | None]
    is_total: bool = False
    since_setup: bool = False  # counted from the plant's set-up: shown as the attribute period_start


def _energy(key: str, value_fn: Callable[[PlantLedger], float | None]) -> PlantSensorDescription:
    return PlantSensorDescription(
        key=key, translation_key=key, device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING, native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2, is_total=True, value_fn=value_fn,
    )  # fmt: skip


PLANT_SENSORS: tuple[PlantSensorDescription, ...] = (
    _energy("plant_heat_energy", lambda ledger: ledger.heat_kwh),
    _energy("plant_electric_energy", lambda ledger: ledger.elec_kwh),
    _energy("shared_energy", lambda ledger: ledger.totals.shared_kwh),
    PlantSensorDescription(
        key="plant_net_heat_energy", translation_key="plant_net_heat_energy", device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL, native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2, is_total=True, value_fn=lambda ledger: ledger.totals.net_heat_kwh,
    ),
    PlantSensorDescription(key="plant_spf", translation_key="plant_spf", state_class=SensorStateClass.MEASUREMENT,
                           suggested_display_precision=2, since_setup=True, value_fn=lambda ledger: ledger.spf),
    PlantSensorDescription(key="plant_cop", translation_key="plant_cop", state_class=SensorStateClass.MEASUREMENT,
                           suggested_display_precision=2, value_fn=lambda ledger: ledger.cop),
)  # fmt: skip


def unit_spf_description(entry_id: str) -> PlantSensorDescription:
    """One unit's SPF since the plant was set up, named after the unit."""
    return PlantSensorDescription(
        key=f"unit_spf_{entry_id.lower()}", translation_key="unit_spf", state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2, since_setup=True, value_fn=lambda ledger: ledger.unit_spf(entry_id),
    )  # fmt: skip
