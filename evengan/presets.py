"""Named configs for class, each with what to watch for. Their claims are tested."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .config import GANConfig, Preset

PRESETS: dict[str, Preset] = {
    "tutorial": Preset(
        GANConfig(),
        "The tutorial's exact settings: linear G and D, BCE loss, Adam at 1e-3, batch 16. "
        "The losses settle near ln 2 and most numbers come out even, yet G emits only a "
        "handful of the 64 evens.",
    ),
    "collapse": Preset(
        GANConfig(g_hidden=32, d_hidden=32),
        "A bigger G (an MLP) makes it worse: it learns to send every noise vector to one or "
        "two even numbers. D judges one sample at a time, so a single convincing number is "
        "all G needs.",
    ),
    "healthy": Preset(
        GANConfig(d_hidden=64, pack=4, batch_size=64, noise_dim=10),
        "The fix: D is an MLP that judges 4 samples at once (PacGAN), so a batch of "
        "look-alikes gives G away, and G gets 10 noise bits for 7 output bits. Coverage "
        "climbs to all 64 evens.",
    ),
    "minimax": Preset(
        GANConfig(loss="minimax"),
        "The original, saturating loss: G minimises log(1 - D(G(z))). While D is sure, G's "
        "gradient nearly vanishes; compare G's gradient norm with the tutorial's.",
    ),
    "wgan-gp": Preset(
        GANConfig(loss="wgan-gp", d_hidden=32, d_steps=3, beta1=0.5, beta2=0.9),
        "A Wasserstein critic with a gradient penalty, trained 3 times per G step. Losses are "
        "no longer near ln 2: the critic's gap between real and fake is what falls.",
    ),
}

# Name -> config alone, exported as evengan.PRESETS for code that wants the settings without
# the notes. Read-only, so that no caller can change a preset for everyone else.
CONFIGS: Mapping[str, GANConfig] = MappingProxyType(
    {name: preset.config for name, preset in PRESETS.items()})
