"""EN 14825:2018 seasonal coefficient of performance (SCOP) for heating."""

from .climate import CLIMATES, Climate, climate_by_name
from .datasheet import Datasheet, OffModePower, TestPoint, parse_datasheet
from .scop import BinResult, ScopResult, SeasonalFigures, calculate_scop, calculate_scop_many, seasonal_figures

__all__ = [
    "CLIMATES",
    "BinResult",
    "Climate",
    "Datasheet",
    "OffModePower",
    "ScopResult",
    "SeasonalFigures",
    "TestPoint",
    "calculate_scop",
    "calculate_scop_many",
    "climate_by_name",
    "parse_datasheet",
    "seasonal_figures",
]
