"""Hyperparameters of one GAN run, validated, and their round trip through a URL query."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field, fields
from typing import Any

from . import target as _target
from .losses import LOSSES as _LOSS_TABLE

# Fields whose change needs new networks or a different batch shape. Every other field is a
# number the running optimisers and losses can take on the fly.
STRUCTURAL_FIELDS = (
    "n_bits",
    "max_int",
    "batch_size",
    "loss",
    "optimizer_g",
    "optimizer_d",
    "g_hidden",
    "g_depth",
    "d_hidden",
    "d_depth",
    "mbstd",
    "pack",
    "noise",
    "noise_dim",
)

# The most steps one run may take: the app's per-session cap, the CLI's --steps limit and the
# highest step a checkpoint may claim.
MAX_STEPS = 1_000_000

LOSSES = tuple(_LOSS_TABLE)  # evengan.losses: one entry a loss
OPTIMIZERS = ("adam", "sgd")
NOISES = ("binary", "uniform", "gaussian")
DECODES = ("threshold", "sample")


@dataclass(frozen=True)
class GANConfig:
    """Everything that, with the seed, fixes a training run bit for bit."""

    # Bits per number; the tutorial's max_int=128 is 7 bits. 2**n_bits outputs are enumerable.
    n_bits: int = 7
    # Real numbers lie below max_int; 0 means 2**n_bits (every number of n_bits bits).
    max_int: int = 0
    # Which numbers are real and how often (evengan.target): "even" is the tutorial's.
    target: str = _target.DEFAULT
    # Samples per minibatch, real and fake alike (the tutorial uses 16).
    batch_size: int = 16
    # Generator learning rate (the tutorial uses 1e-3 for both networks).
    lr_g: float = 1e-3
    # Discriminator learning rate.
    lr_d: float = 1e-3
    # Seeds weights, noise and data; with the rest of the config it determines the run.
    seed: int = 1
    # "bce" is the tutorial's non-saturating loss; the others are the usual remedies.
    loss: str = "bce"
    # Optimiser of G: "adam" (the tutorial's) or plain "sgd" with momentum.
    optimizer_g: str = "adam"
    # Optimiser of D.
    optimizer_d: str = "adam"
    # Adam's first-moment decay; GAN papers often lower it to 0.5 for stability.
    beta1: float = 0.9
    # Adam's second-moment decay.
    beta2: float = 0.999
    # SGD momentum (ignored by Adam).
    momentum: float = 0.0
    # Discriminator updates per step: k > 1 lets D catch up with G.
    d_steps: int = 1
    # Generator updates per step.
    g_steps: int = 1
    # One-sided label smoothing: real targets become 1 - label_smoothing.
    label_smoothing: float = 0.0
    # Std of Gaussian noise added to every D input, real and fake; blurs D's view.
    instance_noise: float = 0.0
    # WGAN weight clipping bound for the critic (loss "wgan").
    clip: float = 0.01
    # Weight of the gradient penalty (loss "wgan-gp").
    gp_weight: float = 10.0
    # Unrolled GAN (Metz et al. 2016): G's update looks at D after k more of D's own steps,
    # differentiated through them. 0 is the plain update.
    unroll_steps: int = 0
    # R1 (Mescheder et al. 2018): D's loss adds r1_weight / 2 * |grad_x D(x)|^2 on real data.
    r1_weight: float = 0.0
    # Hidden width of G; 0 is the tutorial's single Linear + Sigmoid.
    g_hidden: int = 0
    # Hidden layers of G when g_hidden > 0.
    g_depth: int = 1
    # Hidden width of D; 0 is the tutorial's linear D, blind to anything but bit means.
    d_hidden: int = 0
    # Hidden layers of D when d_hidden > 0.
    d_depth: int = 1
    # Append the minibatch standard deviation as a D feature, so D can see a lack of variety.
    mbstd: bool = False
    # PacGAN: D judges `pack` samples at once; batch_size must be a multiple of it.
    pack: int = 1
    # Noise fed to G: "binary" bits as in the tutorial, "uniform" on [0, 1) or "gaussian".
    noise: str = "binary"
    # Noise dimension; 0 means n_bits, as in the tutorial.
    noise_dim: int = 0
    # How G's bit probabilities become numbers for metrics and display.
    decode: str = "threshold"

    def __post_init__(self) -> None:
        for f in fields(self):
            _check(f.name, getattr(self, f.name))
        if self.max_int and self.max_int > 2**self.n_bits:
            raise ValueError(
                f"max_int must be at most 2**n_bits = {2**self.n_bits}, got {self.max_int}"
            )
        if self.batch_size % self.pack:
            raise ValueError(
                f"batch_size must be a multiple of pack ({self.pack}), got {self.batch_size}"
            )
        # One spelling per target, so equal targets make equal configs, keys and links.
        object.__setattr__(self, "target", _target.canonical(self.target))
        _target.check_fits(self.target, self.upper)

    # Derived sizes, kept here so that every layer agrees on them.
    @property
    def upper(self) -> int:
        """Exclusive upper bound of the real numbers."""
        return self.max_int or 2**self.n_bits

    @property
    def evens(self) -> int:
        """How many even numbers lie below upper (the tutorial's target)."""
        return (self.upper + 1) // 2

    @property
    def target_size(self) -> int:
        """How many numbers the target holds below upper: what coverage counts."""
        return _target.support_size(self.target, self.upper)

    @property
    def target_entropy(self) -> float:
        """The target's own entropy in bits, which G's should reach (n - 1 for the evens)."""
        return _target.entropy_bits(self.target, self.upper)

    @property
    def is_even(self) -> bool:
        """Whether the target is the tutorial's evens (the page then speaks of "even")."""
        return self.target == _target.DEFAULT

    @property
    def z_dim(self) -> int:
        return self.noise_dim or self.n_bits

    @property
    def autograd(self) -> bool:
        """Whether a step takes torch's autograd instead of the hand-written gradients: the
        minibatch-std feature, a loss without a closed form, unrolling (it differentiates
        through D's updates) and R1 on a hidden-layer D (a gradient of a gradient). R1 on a
        linear D is a weight decay on D's weights, in closed form."""
        return (self.mbstd or not _LOSS_TABLE[self.loss].closed_form or self.unroll_steps > 0
                or (self.r1_weight > 0 and self.d_hidden > 0))

    def replace(self, **changes: Any) -> GANConfig:
        """A copy with some fields changed, validated like a new config."""
        return dataclasses.replace(self, **changes)

    def structure(self) -> tuple:
        """The fields that decide tensor shapes: runs sharing them can train in one batch."""
        return tuple(getattr(self, name) for name in STRUCTURAL_FIELDS)

    def batch_key(self) -> tuple:
        """What runs must share to train in one batched engine: the shapes, and the fields that
        shape a step's plan of random draws (k steps, instance noise on or off), the D loss's
        form (label smoothing and R1 on or off), G's unrolling, the evaluation (decoding) and the
        target (one table of real numbers an engine). The rest (learning rates, betas, seeds,
        ...) may differ from run to run."""
        return (self.structure(), self.d_steps, self.g_steps, self.instance_noise > 0,
                self.label_smoothing > 0, self.decode, self.unroll_steps, self.r1_weight > 0,
                self.target)

    @staticmethod
    def structure_fields() -> tuple[str, ...]:
        return STRUCTURAL_FIELDS + ("seed",)

    def needs_reset(self, other: GANConfig) -> bool:
        """Whether moving from self to other needs new networks (a new seed means new weights)."""
        return self.structure() != other.structure() or self.seed != other.seed

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GANConfig:
        unknown = sorted(set(data) - set(FIELD_NAMES))
        if unknown:
            raise ValueError(f"unknown config field {unknown[0]!r}")
        return cls(**data)

    def to_query(self) -> dict[str, str]:
        """The fields that differ from the defaults, as strings, for a share link."""
        default = GANConfig()
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value != getattr(default, f.name):
                out[f.name] = _format(value)
        return out


FIELD_NAMES = tuple(f.name for f in fields(GANConfig))

# Allowed values: (type, low, high) for numbers, a tuple of strings for choices.
_RULES: dict[str, Any] = {
    "n_bits": (int, 3, 16),
    "max_int": (int, 0, 2**16),
    "target": (str, None, None),
    "batch_size": (int, 1, 4096),
    "lr_g": (float, 0.0, 10.0),
    "lr_d": (float, 0.0, 10.0),
    "seed": (int, 0, 2**31 - 1),
    "loss": LOSSES,
    "optimizer_g": OPTIMIZERS,
    "optimizer_d": OPTIMIZERS,
    "beta1": (float, 0.0, 0.999999),
    "beta2": (float, 0.0, 0.999999),
    "momentum": (float, 0.0, 0.999999),
    "d_steps": (int, 1, 20),
    "g_steps": (int, 1, 20),
    "label_smoothing": (float, 0.0, 0.5),
    "instance_noise": (float, 0.0, 2.0),
    "clip": (float, 1e-6, 10.0),
    "gp_weight": (float, 0.0, 1000.0),
    "unroll_steps": (int, 0, 20),
    "r1_weight": (float, 0.0, 1000.0),
    "g_hidden": (int, 0, 256),
    "g_depth": (int, 1, 4),
    "d_hidden": (int, 0, 256),
    "d_depth": (int, 1, 4),
    "mbstd": (bool, None, None),
    "pack": (int, 1, 8),
    "noise": NOISES,
    "noise_dim": (int, 0, 16),
    "decode": DECODES,
}


def allowed(name: str) -> str:
    """Human words for the values a field takes."""
    rule = _RULES[name]
    if isinstance(rule[0], str):
        return "one of " + ", ".join(rule)
    kind, low, high = rule
    if kind is str:
        return "even, odd, multiples:K, range:A-B, primes or set:1,5,9"
    if kind is bool:
        return "true or false"
    word = "an integer" if kind is int else "a number"
    return f"{word} in {_format(low)}..{_format(high)}"


def _check(name: str, value: Any) -> None:
    rule = _RULES[name]
    bad = ValueError(f"{name} must be {allowed(name)}, got {value!r}")
    if isinstance(rule[0], str):
        if value not in rule:
            raise bad
        return
    kind, low, high = rule
    if kind is str:
        _target.check(value)  # its own message says what is wrong
        return
    if kind is bool:
        if not isinstance(value, bool):
            raise bad
        return
    if isinstance(value, bool):
        raise bad
    if kind is int and not isinstance(value, int):
        raise bad
    if kind is float and (not isinstance(value, (int, float)) or not math.isfinite(value)):
        raise bad
    if not low <= value <= high:
        raise bad


def parse_field(name: str, raw: Any) -> Any:
    """Turns a string (from a URL or a command line) into the field's type, or raises ValueError."""
    if name not in _RULES:
        raise ValueError(f"unknown config field {name!r}")
    rule = _RULES[name]
    text = str(raw).strip()
    if isinstance(rule[0], str):
        value: Any = text.lower()
    elif rule[0] is str:
        value = _target.canonical(text)  # its own message says what is wrong
    else:
        kind = rule[0]
        try:
            if kind is bool:
                lowered = text.lower()
                if lowered not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                    raise ValueError
                value = lowered in ("1", "true", "yes", "on")
            elif kind is int:
                value = int(text)
            else:
                value = float(text)
        except ValueError:
            raise ValueError(f"{name} must be {allowed(name)}, got {text!r}") from None
    _check(name, value)
    return value


def _format(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


@dataclass(frozen=True)
class Preset:
    """A named config with the two sentences a teacher says about it."""

    config: GANConfig
    # What to watch for, in two sentences.
    blurb: str = field(default="")
