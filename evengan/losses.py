"""The GAN losses, one table: each loss beside its slope, as micrograd keeps an op beside its
backward (tests/test_engine.py checks every slope against autograd).

D scores a batch with raw numbers s. A loss reads them through Scores: for the probability
losses also sigmoid(s), softplus(s) = log(1 + e**s) and softplus(-s). Worked example, the
tutorial's non-saturating loss, for one fake scored s = 0: D(G(z)) = 1/2, G's loss is
softplus(-0) = ln 2 and its slope d loss / d s is sigmoid(0) - 1 = -1/2.

To add a loss, add an entry to LOSSES: its G loss and D loss per sample, their slopes, and
what the page should say of its scores (family). Everything else (the config's choices, the
engine's two gradient paths, the budget, the captions) reads this table; tests/test_engine.py
checks every entry's slopes against autograd.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Scores:
    """D's raw scores of a batch (R, k), and for the BCE losses their sigmoid and softplus."""

    FIELDS = ("s", "sigmoid", "softplus", "softplus_neg", "e")
    s: torch.Tensor
    sigmoid: torch.Tensor | None = None
    softplus: torch.Tensor | None = None  # log(1 + e**s)
    softplus_neg: torch.Tensor | None = None  # log(1 + e**-s)
    e: torch.Tensor | None = None  # e**-|s|, kept by the batch-invariant path

    @property
    def judged(self) -> torch.Tensor:
        """What D says in its own units: a probability for BCE, the raw score otherwise."""
        return self.s if self.sigmoid is None else self.sigmoid

    def part(self, lo: int, hi: int) -> Scores:
        return Scores(*(None if x is None else x[:, lo:hi] for x in self._fields()))

    def detach(self) -> Scores:
        return Scores(*(None if x is None else x.detach() for x in self._fields()))

    def _fields(self) -> tuple:
        return tuple(getattr(self, f) for f in self.FIELDS)


# How the page speaks of D's scores: a probability, least squares' targets, a critic's raw
# score. A new family needs its words in app/text.py (c_losses_, c_landscape_, m_d_help_,
# scale_); a loss of an existing family needs none.
FAMILIES = ("prob", "ls", "critic")

Mean = Callable[[torch.Tensor], torch.Tensor]  # a batch mean (the engine's, batch-invariant)


@dataclass(frozen=True)
class Loss:
    """One loss. D's target for real samples is `target`: 1 less the label smoothing `smooth`
    (a tensor, or None where smoothing is off). Slopes are per sample, before the 1/B of the
    batch mean."""

    g: Callable[[Scores], torch.Tensor]  # G's loss per fake sample
    g_slope: Callable[[Scores], torch.Tensor]  # its derivative in s_fake
    d: Callable[[Scores, Scores, torch.Tensor, torch.Tensor | None, Mean], torch.Tensor]
    d_slopes: Callable[[Scores, Scores, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
    probability: bool  # D's score is a logit: D(x) = sigmoid(s) is a probability
    family: str  # how the page speaks of D's scores: "prob", "ls" or "critic"
    label: str  # its name in a menu where no translation has one
    closed_form: bool = True  # the hand-written, batch-invariant gradients apply
    clip: bool = False  # D's weights are clipped after each update (WGAN)
    penalty: bool = False  # D's loss adds a gradient penalty (WGAN-GP, autograd only)

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:  # the page has words for these alone
            raise ValueError(f"a loss's family must be one of {', '.join(FAMILIES)}")


def _bce_d(real: Scores, fake: Scores, target, smooth, mean: Mean) -> torch.Tensor:
    # -log D(x) on reals (or its smoothed mix with -log(1 - D(x))), -log(1 - D(G(z))) on
    # fakes, averaged over the two halves.
    per_real = real.softplus_neg
    if smooth is not None:
        per_real = target * per_real + smooth * real.softplus
    return 0.5 * (mean(per_real) + mean(fake.softplus))


def _bce_d_slopes(real: Scores, fake: Scores, target):
    return 0.5 * (real.sigmoid - target), 0.5 * fake.sigmoid


def _ls_d(real: Scores, fake: Scores, target, smooth, mean: Mean) -> torch.Tensor:
    sr, sf = real.s, fake.s
    return 0.5 * (mean((sr - target) * (sr - target)) + mean(sf * sf))


def _critic_d(real: Scores, fake: Scores, target, smooth, mean: Mean) -> torch.Tensor:
    return mean(fake.s) - mean(real.s)


def _critic_d_slopes(real: Scores, fake: Scores, target):
    return torch.full_like(real.s, -1.0), torch.ones_like(fake.s)


LOSSES: dict[str, Loss] = {
    # The tutorial's: G minimises -log D(G(z)), which keeps its gradient while D is sure.
    "bce": Loss(g=lambda f: f.softplus_neg, g_slope=lambda f: f.sigmoid - 1, d=_bce_d,
                d_slopes=_bce_d_slopes, probability=True, family="prob",
                label="non-saturating BCE (tutorial)"),
    # The original objective: G minimises log(1 - D(G(z))), flat where D is sure.
    "minimax": Loss(g=lambda f: -f.softplus, g_slope=lambda f: -f.sigmoid, d=_bce_d,
                    d_slopes=_bce_d_slopes, probability=True, family="prob",
                    label="minimax (saturating)"),
    # Least squares: D pulls real scores to 1 and fake ones to 0, G pulls fakes to 1.
    "lsgan": Loss(g=lambda f: 0.5 * ((f.s - 1) * (f.s - 1)), g_slope=lambda f: f.s - 1,
                  d=_ls_d, d_slopes=lambda r, f, target: (r.s - target, f.s),
                  probability=False, family="ls", label="least squares"),
    # Wasserstein: a critic whose real-minus-fake gap estimates a distance, kept Lipschitz
    # by clipping its weights, or by a penalty on its gradient.
    "wgan": Loss(g=lambda f: -f.s, g_slope=lambda f: torch.full_like(f.s, -1.0),
                 d=_critic_d, d_slopes=_critic_d_slopes, probability=False, family="critic",
                 label="Wasserstein, clipped critic", clip=True),
    "wgan-gp": Loss(g=lambda f: -f.s, g_slope=lambda f: torch.full_like(f.s, -1.0),
                    d=_critic_d, d_slopes=_critic_d_slopes, probability=False,
                    family="critic", label="Wasserstein, gradient penalty",
                    closed_form=False, penalty=True),
}
