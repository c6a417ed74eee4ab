"""Repository rules: manifest, HACS metadata, and an engine free of Home Assistant."""

from __future__ import annotations

import ast
import hashlib
import json
import re
import struct
from pathlib import Path
from typing import Any

import pytest
import voluptuous as vol
from homeassistant.helpers import selector

from custom_components.ashp_cop import config_flow
from custom_components.ashp_cop.heat_pump_entities import (
    ALERT_BINARY_SENSORS,
    HEAT_PUMP_BINARY_SENSORS,
    HEAT_PUMP_SENSORS,
    RATING_SENSORS,
    SEASONAL_SENSORS,
)
from custom_components.ashp_cop.heat_pump_flow import circuit_schema, datasheet_schema
from custom_components.ashp_cop.modbus.settings import Transport
from custom_components.ashp_cop.modbus_entities import DIAGNOSTIC_DESCRIPTIONS, TRANSLATED_KEYS
from tests.hassfest import translation_errors, translation_key

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "custom_components" / "ashp_cop"
# numpy and the standard library only: the engine runs on small ARM and musl systems.
ENGINE_MAY_IMPORT = {"__future__", "numpy", "collections", "dataclasses", "typing", "enum", "math", "csv", "json",
                     "argparse", "sys", "pathlib", "datetime", "codecs", "contextlib", "difflib", "gzip", "io",
                     "itertools", "os", "tempfile", "unicodedata", "zlib",
                     "ctypes"}  # fmt: skip  # ctypes: glibc's mallopt for the command line (allocator.py; none on musl)

# engine/fleet: the auditors' tools, imported only by the command line (engine/cli.py, lazily).
FLEET = PACKAGE / "engine" / "fleet"
FLEET_REQUIREMENTS = {"dask", "distributed", "pyarrow", "matplotlib"}
FLEET_MAY_IMPORT = FLEET_REQUIREMENTS | {"base64", "glob", "html", "io", "os", "sys", "tempfile"}


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
        auditors_tools = FLEET in path.parents
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                assert not name.startswith("homeassistant"), f"{path.relative_to(REPO)} imports {name}"
                allowed = ENGINE_MAY_IMPORT | (FLEET_MAY_IMPORT if auditors_tools else set())
                assert name.split(".")[0] in allowed, f"{path} imports {name}"


def test_only_the_auditors_tools_import_their_requirements_and_the_cli_reaches_them_lazily() -> None:
    """dask, pyarrow and matplotlib (requirements_fleet.txt) are never imported by the integration."""
    for path in PACKAGE.rglob("*.py"):
        if FLEET in path.parents:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        top_level = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [("." * node.level) + (node.module or "")]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in FLEET_REQUIREMENTS, f"{path.relative_to(REPO)} imports {name}"
                if "fleet" in name.split("."):
                    assert id(node) not in top_level, f"{path.relative_to(REPO)} imports {name} at import time"
    assert "fleet" in (PACKAGE / "engine" / "cli.py").read_text()  # the one lazy way in (_auditors_tools)
    pinned = (REPO / "requirements_fleet.txt").read_text()
    for requirement in ("dask[distributed]==", "pyarrow==", "matplotlib=="):
        assert requirement in pinned


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
        subentry_errors = [flow.get("error", {}) for flow in strings["config_subentries"].values()]
        assert key in strings["config"]["error"] or any(key in errors for errors in subentry_errors), key
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
    aborts = set(strings["config"]["abort"]).union(*(flow["abort"] for flow in strings["config_subentries"].values()))
    for reason in re.findall(r'(?:reason|error)="([a-z_]+)"', code):
        assert reason in aborts, reason


def test_entry_kinds_are_typed_without_ignores() -> None:
    """Quality scale (runtime-data, strict-typing): each entry kind has its typed alias (entries.py), so the setup,
    the platforms and the diagnostics need no type: ignore."""
    for name in ("__init__.py", "entry_setup.py", "sensor.py", "binary_sensor.py", "diagnostics.py"):
        assert "type: ignore" not in (PACKAGE / name).read_text(), name


def _strings_files() -> dict[str, dict[str, Any]]:
    return {name: json.loads((PACKAGE / name).read_text()) for name in ("strings.json", "translations/en.json")}


def test_translations_pass_hassfests_checks() -> None:
    for name, strings in _strings_files().items():
        assert translation_errors(strings) is None, f"{name}: {translation_errors(strings)}"


def test_the_hassfest_checks_refuse_what_hassfest_refuses() -> None:
    strings = _strings_files()["strings.json"]
    strings["selector"]["parity"]["options"] = {"E": "Even", "N": "None", "O": "Odd"}  # as 0.3.0 shipped them
    assert "Invalid translation key 'E', need to be [a-z0-9-_]+" in str(translation_errors(strings))
    for bad in ("serial_", "_serial", "rtu__tcp", "Serial"):
        with pytest.raises(vol.Invalid):
            translation_key(bad)
    strings = _strings_files()["strings.json"]
    strings["config"]["step"]["network"]["data_description"]["nonexistent"] = "Described but not asked."
    assert "data_description key nonexistent is not in data" in str(translation_errors(strings))
    strings = _strings_files()["strings.json"]
    strings["config"]["abort"]["already_configured"] = "See https://example.org for help."
    assert "should not contain URLs" in str(translation_errors(strings))


def _select_selectors(schema: vol.Schema) -> list[selector.SelectSelector]:
    found = []
    for value in schema.schema.values():
        if isinstance(value, selector.SelectSelector):
            found.append(value)
    return found


def test_every_option_of_a_translated_selector_is_a_translation_key_with_a_translation() -> None:
    schemas = [
        config_flow._transport_schema(Transport.TCP), config_flow._network_schema({}), config_flow._serial_schema({}),
        config_flow.DeviceSubentryFlow()._schema({}), circuit_schema({}), datasheet_schema({}),
    ]  # fmt: skip
    translated = _strings_files()["strings.json"]["selector"]
    checked = 0
    for schema in schemas:
        for select in _select_selectors(schema):
            key = select.config.get("translation_key")
            if key is None:
                continue
            for option in select.config["options"]:
                value = option if isinstance(option, str) else option["value"]
                assert translation_key(value) == value
                assert value in translated[key]["options"], f"selector {key}: option {value!r} has no translation"
                checked += 1
    assert checked >= 30  # transport, parity, line settings, profiles, medium, position, climate, application


def _png_size_and_colour_type(path: Path) -> tuple[int, int, int]:
    data = path.read_bytes()[:26]
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height, data[25]


def test_brand_images_follow_the_brands_rules_and_come_from_their_sources() -> None:
    """Home Assistant 2026.3+ serves custom_components/<domain>/brand/: icon.png; logo, @2x and dark_ optional."""
    brand = PACKAGE / "brand"
    images = {path.name: _png_size_and_colour_type(path) for path in brand.iterdir()}
    allowed = {
        f"{dark}{kind}{scale}.png" for dark in ("", "dark_") for kind in ("icon", "logo") for scale in ("", "@2x")
    }
    assert "icon.png" in images and set(images) <= allowed
    for name, (width, height, colour_type) in images.items():
        assert colour_type == 6, f"{name}: RGBA (transparency) expected"
        scale = 2 if "@2x" in name else 1
        if "icon" in name:
            assert (width, height) == (256 * scale, 256 * scale), name
        else:
            assert width >= height and 128 * scale <= height <= 256 * scale, name
        if scale == 2:
            assert (width, height) == tuple(2 * side for side in images[name.replace("@2x", "")][:2]), name
    # rendered by tools/brand/render.py from the sources as they are now
    rendered = json.loads((REPO / "tools" / "brand" / "rendered.json").read_text())
    for source, digest in rendered["sources"].items():
        assert hashlib.sha256((REPO / "tools" / "brand" / source).read_bytes()).hexdigest() == digest, (
            f"tools/brand/{source} changed since the images were rendered: run tools/brand/render.py"
        )
    assert rendered["images"] == {name: hashlib.sha256((brand / name).read_bytes()).hexdigest() for name in images}


def test_licence_is_one_hacs_recognises_and_the_readme_says_so() -> None:
    licence = (REPO / "LICENSE").read_text()
    assert licence.startswith("MIT License\n") and "Permission is hereby granted, free of charge" in licence
    assert "MIT" in (REPO / "README.md").read_text().split("## Licence", 1)[1]


def test_workflows_run_hassfest_hacs_and_the_tests_on_push_and_pull_request() -> None:
    workflows = REPO / ".github" / "workflows"
    validate = (workflows / "validate.yml").read_text()
    tests = (workflows / "tests.yml").read_text()
    assert "uses: home-assistant/actions/hassfest@" in validate
    assert "uses: hacs/action@" in validate and "category: integration" in validate
    assert "ignore:" not in validate  # no HACS check switched off
    assert "run: scripts/test" in tests
    for workflow in (validate, tests):
        assert re.search(r"^on:\n(  \S+:\n(    .*\n)*)*  push:\n", workflow, re.MULTILINE), workflow
        assert "  pull_request:\n" in workflow


# Calls Home Assistant 2026.11 reports as deprecated (helpers/frame.py report_usage, read in its source),
# allowed only in compat.py, which picks what the running release takes.
DEPRECATED_IN_2026_11 = {
    "async_update_reload_and_abort": "reloads an entry that has an update listener twice; reported, breaks 2026.12",
    "via_device=": "DeviceInfo.via_device: reported, breaks 2027.8 (via_device_id)",
    "StatisticMetaData(": "statistics metadata without unit_class: reported, breaks 2026.11",
    ".async_get_device(": "device registry lookup: reported, breaks 2027.8",
    ".config_entries_subentries": "a device has one entry and subentry: reported (a RuntimeError outside integrations)",
    "async_generate_entity_id": "reported, breaks 2027.2",
    "default_manufacturer": "DeviceInfo.default_*: reported, breaks 2027.9",
    "default_model": "DeviceInfo.default_*: reported, breaks 2027.9",
    "default_name": "DeviceInfo.default_*: reported, breaks 2027.9",
    "OptionsFlowWithConfigEntry": "phased out",
    "async_add_job": "reported",
    "async_run_job": "reported",
}


def test_calls_home_assistant_2026_11_reports_are_made_only_in_compat() -> None:
    """The integration, its tools and its tests: 2026.11 raises in a test where it only reports for an integration."""
    paths = [*PACKAGE.rglob("*.py"), *(REPO / "tools").rglob("*.py"), *(REPO / "tests").rglob("*.py")]
    for path in paths:
        if path == PACKAGE / "compat.py" or path == Path(__file__).resolve():
            continue
        code = path.read_text()
        for call, why in DEPRECATED_IN_2026_11.items():
            assert call not in code, f"{path.relative_to(REPO)} uses {call}: {why}"


def _package_imports() -> dict[str, set[str]]:
    """Module -> the package's modules it imports (relative imports, also those made only for type checking)."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        package = module.rsplit(".", 1)[0] if "." in module and path.name != "__init__.py" else ""
        if path.name == "__init__.py":
            module = module.removesuffix(".__init__").removesuffix("__init__")
            package = module
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join([*base, *([node.module] if node.module else [])])
                targets.add(target.removesuffix(".__init__"))
        graph[module] = targets
    return graph


def test_the_package_has_no_import_circle() -> None:
    """A circle (heat_pump -> history_import -> seasonal -> heat_pump) makes the reader hold three modules at once."""
    graph = _package_imports()

    def circle_from(start: str) -> list[str] | None:
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        seen: set[str] = set()
        while stack:
            node, path = stack.pop()
            for target in graph.get(node, ()):
                if target == start:
                    return [*path, start]
                if target not in seen:
                    seen.add(target)
                    stack.append((target, [*path, target]))
        return None

    circles = [circle for module in sorted(graph) if module and (circle := circle_from(module))]
    assert circles == [], circles[:3]
