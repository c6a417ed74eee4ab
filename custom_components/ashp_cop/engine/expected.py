"""The COP a datasheet leads one to expect at the present outdoor and flow temperatures.

EN 14825 measures each test point at the outlet temperature its application's
variable-outlet curve sets for that outdoor temperature (EN 14825:2018
Table 7: low-temperature application 35 C, medium-temperature 55 C). To
carry a point to another flow temperature the unit's exergetic (second-law)
efficiency eta = COP / COP_Carnot is taken as the quantity that varies only
with the outdoor temperature, the usual simplification of datasheet-based
heat-pump models (e.g. VDI 4650-1; Ruhnau et al., Scientific Data 6:189, 2019):

    COP_Carnot(T_flow, T_out) = (T_flow + 273.15) / (T_flow - T_out)
    eta(T_out) = piecewise linear through the declared points at or above Tifr
                 and at or below -7 C (held constant beyond the outermost)
    COP_expected = eta(T_out) * COP_Carnot(T_flow, T_out) * (1 - FP * w'(T_out))

FP is the datasheet's frosting penalty, measured on eta at +2 C against the
frost-free line; w' is the AS/NZS 5125 weight (frosting.py) faded to 0 at
-7 C, whose declared point already includes its frost. Every declared point
is reproduced at its own outlet temperature.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .en14825.datasheet import TestPoint
from .errors import EngineInputError
from .frosting import DEFAULT_TIFR_C, FULL_PENALTY_AT_C, LOW_TEST_POINT_C, penalty_weight

KELVIN = 273.15
# EN 14825:2018 Table 7, average climate, variable outlet (outdoor C -> outlet C)
OUTLET_CURVES_C: dict[int, tuple[tuple[float, float], ...]] = {
    35: ((-10.0, 35.0), (-7.0, 34.0), (2.0, 30.0), (7.0, 27.0), (12.0, 24.0)),
    55: ((-10.0, 55.0), (-7.0, 52.0), (2.0, 42.0), (7.0, 36.0), (12.0, 30.0)),
}
MIN_LIFT_K = 3.0  # below this the Carnot COP explodes; no real unit gets near it


def carnot_cop(flow_temp_c: float, outdoor_temp_c: float) -> float:
    lift_k = max(flow_temp_c - outdoor_temp_c, MIN_LIFT_K)
    return (flow_temp_c + KELVIN) / lift_k


def datasheet_outlet_c(application_c: int, outdoor_temp_c: float) -> float:
    if application_c not in OUTLET_CURVES_C:
        raise EngineInputError("application_c", f"must be 35 or 55 (got {application_c})")
    curve = OUTLET_CURVES_C[application_c]
    return float(np.interp(outdoor_temp_c, [t for t, _ in curve], [o for _, o in curve]))


COLD_POINT_C = -7.0  # declared with whatever frost it has: no penalty added at or below it


def frosting_weight(outdoor_temp_c: float, tifr_c: float = DEFAULT_TIFR_C) -> float:
    """AS/NZS 5125 weight w(T), faded out towards -7 C where the declared point already holds the frost."""
    fade = min(max((outdoor_temp_c - COLD_POINT_C) / (FULL_PENALTY_AT_C - COLD_POINT_C), 0.0), 1.0)
    return float(penalty_weight(outdoor_temp_c, tifr_c)) * fade


@dataclass(frozen=True, slots=True)
class ExpectedCop:
    """The datasheet's performance as a function of outdoor and flow temperature."""

    anchors_c: tuple[float, ...]
    eta: tuple[float, ...]
    frosting_penalty: float
    tifr_c: float = DEFAULT_TIFR_C

    @classmethod
    def from_points(
        cls, points: Sequence[TestPoint], application_c: int = 35, tifr_c: float = DEFAULT_TIFR_C
    ) -> ExpectedCop:
        """Frost-free eta through the points at or above Tifr and at or below -7 C; FP from +2 C."""
        by_t = {p.t_c: p.cop / carnot_cop(datasheet_outlet_c(application_c, p.t_c), p.t_c) for p in points}
        anchors = sorted(t for t in by_t if t >= tifr_c or t <= COLD_POINT_C)
        if len([t for t in anchors if t >= tifr_c]) < 1 or len(anchors) < 2:
            raise EngineInputError("points", f"needs a test point at or above Tifr ({tifr_c:g} C) and one more")
        penalty = 0.0
        if LOW_TEST_POINT_C in by_t:
            weight = frosting_weight(LOW_TEST_POINT_C, tifr_c)
            frost_free = float(np.interp(LOW_TEST_POINT_C, anchors, [by_t[t] for t in anchors]))
            shortfall = 1.0 - by_t[LOW_TEST_POINT_C] / frost_free
            if shortfall > 0 and weight > 0:
                # scaled by the weight at +2 C so that the declared point is reproduced exactly
                penalty = shortfall / weight
            else:  # no frosting shows at +2 C: the point is simply part of the curve
                anchors = sorted([*anchors, LOW_TEST_POINT_C])
        return cls(tuple(anchors), tuple(by_t[t] for t in anchors), penalty, tifr_c)

    def cop(self, outdoor_temp_c: float, flow_temp_c: float) -> float:
        eta = float(np.interp(outdoor_temp_c, self.anchors_c, self.eta))
        frosting = 1.0 - self.frosting_penalty * frosting_weight(outdoor_temp_c, self.tifr_c)
        return eta * carnot_cop(flow_temp_c, outdoor_temp_c) * frosting


def gap_pct(measured: float | None, expected: float | None) -> float | None:
    """(measured - expected) / expected in %: negative when the unit does worse than its datasheet."""
    if measured is None or expected is None or expected <= 0:
        return None
    return 100.0 * (measured - expected) / expected
