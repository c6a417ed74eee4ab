"""Figures as people read them in a JSON answer: no ``-0.0``, no 16-digit floats, sets as lists."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any


def tidy(value: Any, digits: int | None = None) -> Any:
    """``value`` with every float rounded to ``digits`` decimals (None: kept) and ``-0.0`` shown as 0.0.

    Mappings, lists and tuples are walked; a set or frozenset becomes a sorted list and an enum its
    value, so a diagnostics download or an action's answer never shows a Python repr.
    """
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        shown = value if digits is None else round(value, digits)
        return 0.0 if shown == 0 else shown  # -0.0 == 0: a rounded tiny negative figure reads as 0
    if isinstance(value, Enum):
        return tidy(value.value, digits)
    if isinstance(value, Mapping):
        return {key: tidy(item, digits) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((tidy(item, digits) for item in value), key=str)
    if isinstance(value, list | tuple):
        return [tidy(item, digits) for item in value]
    return value
