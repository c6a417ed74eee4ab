"""Repository rules: manifest, HACS metadata, and an engine free of Home Assistant."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from custom_components.ashp_cop.heat_pump_entities import (
    ALERT_BINARY_SENSORS,
    HEAT_PUMP_BINARY_SENSORS,
    HEAT_PUMP_SENSORS,
    RATING_SENSORS,
    SEASONAL_SENSORS,
)
from custom_components.ashp_cop.modbus_entities import DIAGNOSTIC_DESCRIPTIONS, TRANSLATED_KEYS

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "custom_components" / "ashp_cop"
# numpy and the standard library only: the engine runs on small ARM and musl systems.
ENGINE_MAY_IMPORT = {"__future__", "numpy", "collections", "dataclasses", "typing", "enum", "math", "csv", "json",
                     "argparse", "sys", "pathlib", "datetime", "codecs", "contextlib", "difflib", "gzip", "io",
                     "itertools", "os", "tempfile", "zlib"}  # fmt: skip


def test_manifest_has_what_hacs_and_home_assistant_need() -> None:
    manifest = json.loads((PACKAGE / "manifest.json").read_text())
    for key in (
        "domain",
        "name",
        "version",
        "codeowners",
        "documentation",
        "issue_tracker",
        "integration_type",
        "loggers",
    ):
        assert manifest[key], key
    assert manifest["domain"] == "ashp_cop"
    assert manifest["iot_class"] == "local_polling"
    assert manifest["config_flow"] is True
    # Home Assistant pins pymodbus for its own integration: a range, never ==.
    assert all("==" not in requirement for requirement in manifest["requirements"])
    assert "pymodbus>=3.8.3" in manifest["requirements"]
    hacs = json.loads((REPO / "hacs.json").read_text())
    assert tuple(map(int, hacs["homeassistant"].split("."))) <= (2025, 4, 4)
    changelog = (REPO / "CHANGELOG.md").read_text()
    assert f"## {manifest['version']}" in changelog


def test_engine_imports_nothing_from_home_assistant() -> None:
    for path in (PACKAGE / "engine").rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                assert not name.startswith("homeassistant"), f"{path.relative_to(REPO)} imports {name}"
                assert name.split(".")[0] in ENGINE_MAY_IMPORT, f"{path} imports {name}"


def _absolute_imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_modbus_layer_is_free_of_home_assistant_and_pymodbus_is_behind_compat() -> None:
    for path in (PACKAGE / "modbus").rglob("*.py"):
        for name in _absolute_imports(path):
            assert not name.startswith("homeassistant"), f"{path.relative_to(REPO)} imports {name}"
            if name.startswith("pymodbus"):
                assert path.name == "compat.py", f"{path.relative_to(REPO)} imports {name} outside compat.py"


def test_shipped_code_never_imports_the_simulator() -> None:
    for path in PACKAGE.rglob("*.py"):
        for name in _absolute_imports(path):
            assert not name.startswith(("tools", "tests")), f"{path.relative_to(REPO)} imports {name}"


def test_translations_cover_every_entity_and_error() -> None:
    strings = json.loads((PACKAGE / "strings.json").read_text())
    assert strings == json.loads((PACKAGE / "translations" / "en.json").read_text())
    sensors, binaries = strings["entity"]["sensor"], strings["entity"]["binary_sensor"]
    for description in (*HEAT_PUMP_SENSORS, *RATING_SENSORS, *SEASONAL_SENSORS, *DIAGNOSTIC_DESCRIPTIONS):
        assert description.translation_key in sensors, description.key
    for description in (*HEAT_PUMP_BINARY_SENSORS, *ALERT_BINARY_SENSORS):
        assert description.translation_key in binaries, description.key
    assert sensors.keys() | binaries.keys() >= TRANSLATED_KEYS
    code = "\n".join(path.read_text() for path in PACKAGE.glob("*.py"))
    raised = re.findall(r'translation_domain=DOMAIN,\s*translation_key="([a-z_]+)"', code)
    for key in set(raised) | set(re.findall(r'_invalid\("([a-z_]+)"', code)):
        assert key in strings["exceptions"], key
    for key in re.findall(r'errors\[[^\]]+\] = "([a-z_]+)"', code):
        assert key in strings["config"]["error"] or key in strings["config_subentries"]["device"]["error"], key
    for alert in ("low_cop", "degraded", "flow_stuck", "no_flow"):
        assert alert in strings["issues"]
    services = (PACKAGE / "services.yaml").read_text()
    for service in strings["services"]:
        assert f"{service}:" in services


def test_every_field_of_every_form_has_a_label_and_a_description() -> None:
    """Quality scale (config-flow): data_description for each field; the flows' forms are checked against
    these at run time too (tests/integration/conftest.py)."""
    strings = json.loads((PACKAGE / "strings.json").read_text())
    sections = {"config": strings["config"], "options": strings["options"]}
    sections |= {f"config_subentries.{kind}": flow for kind, flow in strings["config_subentries"].items()}
    for name, section in sections.items():
        for step_id, step in section["step"].items():
            fields = set(step.get("data", {}))
            assert set(step.get("data_description", {})) == fields, f"{name}.step.{step_id}"
    code = "\n".join(path.read_text() for path in PACKAGE.glob("*.py"))
    aborts = set(strings["config"]["abort"]) | set(strings["config_subentries"]["device"]["abort"])
    for reason in re.findall(r'(?:reason|error)="([a-z_]+)"', code):
        assert reason in aborts, reason


def test_entry_kinds_are_typed_without_ignores() -> None:
    """Quality scale (runtime-data, strict-typing): each entry kind has its typed alias (entries.py), so the setup,
    the platforms and the diagnostics need no type: ignore."""
    for name in ("__init__.py", "sensor.py", "binary_sensor.py", "diagnostics.py"):
        assert "type: ignore" not in (PACKAGE / name).read_text(), name
