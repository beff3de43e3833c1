"""Named configs for class, each with what to watch for."""

from __future__ import annotations

from .config import GANConfig, Preset

PRESETS: dict[str, Preset] = {
    "tutorial": Preset(
        GANConfig(),
        "The tutorial's exact settings: linear G and D, BCE loss, Adam at 1e-3, batch 16. "
        "Watch the losses settle near ln 2 while the heatmap shows a handful of numbers.",
    ),
}
