"""The engine's command line as a process of its own: what it imports and how it sets the allocator.

Where Home Assistant is installed (every Home Assistant user's Python), importing the engine imported
it too through the package's __init__: 2.1 of the 6 s ``engine analyze`` took on a year of 10-s samples.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_engine_does_not_import_home_assistant_where_it_is_installed() -> None:
    shown = _python(
        "import importlib.util, sys\n"
        "import custom_components.ashp_cop.engine.cli, custom_components.ashp_cop.engine.analyze\n"
        "import custom_components.ashp_cop as package\n"
        "print(importlib.util.find_spec('homeassistant') is not None, 'homeassistant' in sys.modules,"
        " hasattr(package, 'async_setup_entry'))"
    )
    assert shown == "True False False"  # installed, not imported, no set-up re-exported


def test_home_assistant_finds_the_set_up_where_it_runs() -> None:
    """Home Assistant's core is imported before its integrations: the package then re-exports the set-up."""
    shown = _python(
        "import homeassistant.core\n"
        "import custom_components.ashp_cop as package\n"
        "print(all(hasattr(package, name) for name in package.__all__), sorted(package.__all__)[:3])"
    )
    assert shown == "True ['CONFIG_SCHEMA', 'PLATFORMS', 'async_migrate_entry']"


def test_the_allocator_is_tuned_once_and_says_so() -> None:
    shown = _python(
        "from custom_components.ashp_cop.engine.allocator import tune_for_large_arrays\n"
        "print(tune_for_large_arrays(), tune_for_large_arrays())"
    )
    assert shown == ("True True" if sys.platform.startswith("linux") else "False False")
