"""Render the brand images Home Assistant shows for the integration (2026.3+ serves a custom integration's own).

    .venv-brand/bin/python -m tools.brand.render     (set up: see README, "Brand images")

Writes custom_components/ashp_cop/brand/ from tools/brand/icon.svg and logo.svg,
by the brands rules: icon square, 256 px (@2x 512 px); logo landscape, shortest
side 128 px (@2x 256 px); PNG with transparency; dark_ variants where the image
would vanish on a dark theme (the logo's ink; the icon carries its own
background, so Home Assistant falls back to it). Records what it rendered from,
and what, in tools/brand/rendered.json: tests/test_repository.py checks that
the images are the ones the sources give.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import cairosvg  # type: ignore[import-not-found,unused-ignore]

HERE = Path(__file__).resolve().parent
BRAND = HERE.parents[1] / "custom_components" / "ashp_cop" / "brand"
MANIFEST = HERE / "rendered.json"
# the logo's colours that would vanish on a dark theme -> what they become in the dark_ variants
DARK_THEME = {"#0b4f73": "#d6ecf4", "#ffffff": "#15303d"}  # ink, fan blades

# output file -> (source, width px, height px, dark)
IMAGES: dict[str, tuple[str, int, int, bool]] = {
    "icon.png": ("icon.svg", 256, 256, False),
    "icon@2x.png": ("icon.svg", 512, 512, False),
    "logo.png": ("logo.svg", 384, 128, False),
    "logo@2x.png": ("logo.svg", 768, 256, False),
    "dark_logo.png": ("logo.svg", 384, 128, True),
    "dark_logo@2x.png": ("logo.svg", 768, 256, True),
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def render() -> dict[str, dict[str, str]]:
    BRAND.mkdir(exist_ok=True)
    sources = {name: (HERE / name).read_text(encoding="utf-8") for name in {s for s, *_ in IMAGES.values()}}
    outputs = {}
    for name, (source, width, height, dark) in IMAGES.items():
        svg = sources[source]
        for light, dark_colour in DARK_THEME.items() if dark else ():
            svg = svg.replace(light, dark_colour)
        png = cairosvg.svg2png(bytestring=svg.encode(), output_width=width, output_height=height)
        (BRAND / name).write_bytes(png)
        outputs[name] = sha256(png)
    manifest = {
        "sources": {name: sha256(text.encode()) for name, text in sorted(sources.items())},
        "images": outputs,
    }
    MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


if __name__ == "__main__":
    for name in render()["images"]:
        print(BRAND / name)
