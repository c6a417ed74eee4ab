"""Shared fixtures: where the reference data of ../shared lives."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.validation.keymark import SHARED_VALIDATION


@pytest.fixture
def shared_validation() -> Path:
    """../shared/validation, or a skip that says why."""
    if not SHARED_VALIDATION.is_dir():
        pytest.skip(f"reference data not found at {SHARED_VALIDATION} (clone the repository beside ../shared)")
    return SHARED_VALIDATION
