"""One version number: pyproject.toml, manifest.json and the CHANGELOG's top section agree."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_pyproject_manifest_and_changelog_name_the_same_version() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    manifest = json.loads((REPO / "custom_components" / "ashp_cop" / "manifest.json").read_text())["version"]
    sections = re.findall(r"^## (\S+)", (REPO / "CHANGELOG.md").read_text(), flags=re.MULTILINE)
    assert sections, "CHANGELOG.md has no '## <version>' section"
    assert pyproject == manifest == sections[0]
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest)  # what HACS and Home Assistant compare
    assert len(set(sections)) == len(sections), "a version appears twice in the CHANGELOG"
