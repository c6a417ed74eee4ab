"""Refusing to combine readings taken too far apart.

Heat power is rho * cp * flow * (T_flow - T_return): during a defrost or a
compressor start the temperatures move by kelvins within seconds, so a flow
reading and a temperature reading from different moments give a power that
never existed. Each Modbus reading carries the time it was taken; this check
sits between those readings and the physics.
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import EngineInputError

DEFAULT_MAX_SKEW_S = 5.0


def check_simultaneous(taken_at: Mapping[str, float], max_skew_s: float = DEFAULT_MAX_SKEW_S) -> None:
    """Raise naming the earliest and latest reading if they lie more than ``max_skew_s`` apart."""
    if max_skew_s < 0:
        raise EngineInputError("max_skew_s", f"must not be negative, got {max_skew_s}")
    if len(taken_at) < 2:
        return
    first = min(taken_at, key=lambda k: taken_at[k])
    last = max(taken_at, key=lambda k: taken_at[k])
    skew_s = taken_at[last] - taken_at[first]
    if skew_s > max_skew_s:
        raise EngineInputError(last, f"taken {skew_s:.1f} s after {first} (at most {max_skew_s:g} s apart)")
