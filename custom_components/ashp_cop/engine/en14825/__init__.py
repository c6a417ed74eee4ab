"""EN 14825:2018 seasonal coefficient of performance (SCOP) for heating."""

from .climate import CLIMATES, Climate, climate_by_name
from .datasheet import Datasheet, OffModePower, TestPoint, parse_datasheet
from .scop import BinResult, ScopResult, calculate_scop, calculate_scop_many

__all__ = [
    "CLIMATES",
    "BinResult",
    "Climate",
    "Datasheet",
    "OffModePower",
    "ScopResult",
    "TestPoint",
    "calculate_scop",
    "calculate_scop_many",
    "climate_by_name",
    "parse_datasheet",
]
