"""Errors the engine raises for bad input.

Every error names the field that is wrong and why, so a command-line user or a
Home Assistant repair message can show it as one line.
"""

from __future__ import annotations


class EngineInputError(ValueError):
    """Input the engine refuses to compute with (never guessed around)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
