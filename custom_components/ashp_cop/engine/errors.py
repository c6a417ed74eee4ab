"""Errors the engine raises for bad input.

Every error names the field that is wrong and why, so a command-line user or a
Home Assistant repair message can show it as one line.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

# A value quoted in an error is cut to this many characters: the line stays one line.
MAX_SHOWN_CHARS = 60


class EngineInputError(ValueError):
    """Input the engine refuses to compute with (never guessed around)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def shown(value: object) -> str:
    """``repr(value)`` cut to one short line (a 400-digit number, a 100 KB cell)."""
    try:
        text = repr(value)
    except (RecursionError, ValueError):  # deeply nested containers; ints past Python's digit limit
        text = f"<{type(value).__name__}>"
    if len(text) > MAX_SHOWN_CHARS:
        text = f"{text[: MAX_SHOWN_CHARS - 20]}...({len(text)} characters)"
    return text.replace("\n", "\\n")


def nearest(name: str, known: Iterable[str]) -> str:
    """' (did you mean X?)' for the closest known name, or the list of known names."""
    choices = list(known)
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(choices)})"


def check_keys(data: Mapping[Any, Any], known: Iterable[str], prefix: str = "") -> None:
    """Refuse a key that is not in ``known``, naming the nearest valid one."""
    names = tuple(known)
    for key in data:
        if key not in names:
            plain = isinstance(key, str) and key.isprintable() and len(key) <= MAX_SHOWN_CHARS
            label = key if plain else shown(key)
            raise EngineInputError(f"{prefix}{label}", "unknown key" + nearest(str(key)[:MAX_SHOWN_CHARS], names))
