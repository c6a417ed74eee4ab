"""Readings from different moments are not combined."""

from __future__ import annotations

import pytest

from custom_components.ashp_cop.engine.errors import EngineInputError
from custom_components.ashp_cop.engine.simultaneity import check_simultaneous


def test_readings_within_the_limit_pass() -> None:
    check_simultaneous({"flow_m3h": 100.0, "flow_temp_c": 101.5, "return_temp_c": 104.9}, max_skew_s=5)


def test_readings_too_far_apart_name_both() -> None:
    with pytest.raises(EngineInputError, match=r"return_temp_c: taken 12\.0 s after flow_m3h \(at most 5 s apart\)"):
        check_simultaneous({"flow_m3h": 100.0, "flow_temp_c": 101.0, "return_temp_c": 112.0}, max_skew_s=5)


def test_negative_limit_refused() -> None:
    with pytest.raises(EngineInputError, match="max_skew_s"):
        check_simultaneous({"a": 0.0}, max_skew_s=-1)


def test_a_single_reading_needs_no_partner() -> None:
    check_simultaneous({"flow_m3h": 100.0}, max_skew_s=0)
    check_simultaneous({}, max_skew_s=0)
