"""The register maps shipped with the integration (``modbus/maps/*.yaml``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .registermap import RegisterMap, load_register_map

PROFILE_DIR = Path(__file__).parent / "maps"


@cache
def builtin_profiles() -> dict[str, RegisterMap]:
    """Every shipped map by name, checked once per process."""
    maps = [load_register_map(path) for path in sorted(PROFILE_DIR.glob("*.yaml"))]
    return {m.name: m for m in maps}


def builtin_profile(name: str) -> RegisterMap:
    """A shipped map; the error lists the names that exist."""
    profiles = builtin_profiles()
    if name not in profiles:
        raise KeyError(f"no built-in profile {name!r} (there are: {', '.join(sorted(profiles))})")
    return profiles[name]
