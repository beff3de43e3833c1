"""The exact metrics: G's output distribution q over all 2^n integers against the target p.

p is the config's target (evengan.target): the tutorial's is uniform over the even numbers below
the upper bound. Every function works on a leading run dimension R, so a sweep scores a
thousand generators in one call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from . import target as targets
from .encoding import bits_to_ints, ints_to_bits

# The scalar exact metrics, in the order logs and tables keep them. target_ratio came last, so
# a log written before it is read with the column added (evengan.checkpoint._pad_log).
SCALARS = ("even_ratio", "coverage", "distinct", "entropy_bits", "js_bits", "target_ratio")

# Above this many (noise vector, integer) pairs the exact Bernoulli decoding is sampled instead.
_EXACT_SAMPLE_LIMIT = 2**24


def threshold_distribution(probs: torch.Tensor, n: int) -> torch.Tensor:
    """q from bit probabilities (R, k, n), each row thresholded at 0.5 with mass 1/k: (R, 2^n)."""
    R, k, _ = probs.shape
    ints = bits_to_ints(probs >= 0.5)
    return counts_to_distribution(ints, n, k)


def counts_to_distribution(ints: torch.Tensor, n: int, k: int) -> torch.Tensor:
    R = ints.shape[0]
    offsets = torch.arange(R, device=ints.device)[:, None] * 2**n
    counts = torch.bincount((ints + offsets).flatten(), minlength=R * 2**n)
    return counts.view(R, 2**n).to(torch.float64) / k


def sample_distribution(
    probs: torch.Tensor, n: int, key: np.ndarray | torch.Tensor | None = None
) -> tuple[torch.Tensor, bool]:
    """q when each bit is drawn Bernoulli(p): exact where affordable, else one draw per row.

    Returns (q, exact). The exact form sums, over noise rows, the product of bit likelihoods.
    """
    R, k, _ = probs.shape
    if k * 2**n <= _EXACT_SAMPLE_LIMIT:
        p = probs.to(torch.float64).clamp(1e-12, 1 - 1e-12)
        bits = ints_to_bits(torch.arange(2**n, device=probs.device), n).to(torch.float64)
        log_q = torch.log(p) @ bits.T + torch.log1p(-p) @ (1 - bits).T  # (R, k, 2^n)
        return log_q.exp().mean(dim=1), True
    from . import rng  # only the sampled fallback needs random numbers

    # rng hashes NumPy keys (the device only says where the draws go), so a key given as a
    # tensor comes back to the host first.
    if key is None:
        keys = rng.mix32(np.arange(R, dtype=np.int64) + 77)
    else:
        keys = np.asarray(key.cpu() if isinstance(key, torch.Tensor) else key, dtype=np.int64)
    u = rng.uniform(keys, k * n, probs.device).view(R, k, n)
    return counts_to_distribution(bits_to_ints(u < probs), n, k), False


def target_distribution(n: int, upper: int, target: str = targets.DEFAULT) -> torch.Tensor:
    """p as float64 of shape (2^n,): the target's weights below `upper`, normalised (uniform
    over the evens for the tutorial's target)."""
    return torch.from_numpy(targets.distribution(target, upper, 2**n))


def target_marginals(n: int, upper: int, target: str = targets.DEFAULT) -> torch.Tensor:
    """Per-bit mean of the target numbers: for the evens, 1/2 on the high bits and 0 on the
    parity bit."""
    p = target_distribution(n, upper, target)
    bits = ints_to_bits(torch.arange(2**n), n).to(torch.float64)
    return p @ bits


def summarize(q: torch.Tensor, upper: int, target: str = targets.DEFAULT
              ) -> dict[str, torch.Tensor]:
    """The scalar metrics of each run, from q of shape (R, 2^n) (float64 recommended): the
    in-target ratio q(support of p), coverage of p's support, distinct numbers, entropy, JS to
    p; and the even ratio, whatever the target."""
    n = (q.shape[1] - 1).bit_length()
    p = target_distribution(n, upper, target).to(q.device)
    inside = p > 0
    q = q.to(torch.float64)
    support = q > 0
    # + 0.0 turns the -0.0 of a one-number generator into 0.0
    entropy = -(torch.where(support, q * torch.log2(q), torch.zeros_like(q))).sum(1) + 0.0
    return {
        "even_ratio": q[:, 0::2].sum(1),
        # For the evens of n bits the two ratios are one sum, so they agree to the last bit.
        "target_ratio": (q[:, 0::2].sum(1) if bool(inside[0::2].all() and not inside[1::2].any())
                         else torch.where(inside, q, torch.zeros_like(q)).sum(1)),
        "coverage": (support & inside).sum(1).to(torch.float64) / inside.sum(),
        "distinct": support.sum(1).to(torch.float64),
        "entropy_bits": entropy,
        "effective_modes": 2**entropy,
        "js_bits": js_divergence(q, p[None, :]),
    }


def shown_ratio(target: str) -> str:
    """The ratio a page or table shows for a run: the even ratio for the tutorial's evens (as
    it always has, max_int or not), the in-target ratio for any other target."""
    return "even_ratio" if target == targets.DEFAULT else "target_ratio"


def js_divergence(q: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """Jensen-Shannon divergence in bits (0..1) along the last dimension."""
    m = 0.5 * (q + p)

    def kl(a: torch.Tensor) -> torch.Tensor:
        safe_m = torch.where(m > 0, m, torch.ones_like(m))
        ratio = torch.where(a > 0, a / safe_m, torch.ones_like(a))
        return (a * torch.log2(ratio)).sum(-1)

    return (0.5 * kl(q) + 0.5 * kl(p)).clamp(min=0.0)


# A run is collapsed when G uses under this share of the target's numbers (the evens, for the
# tutorial), by coverage or by effective modes (2 ** entropy): the seed ensemble's and the
# sweep's threshold too.
COLLAPSE_SHARE = 0.25


@dataclass(frozen=True)
class Collapse:
    """What the collapse detector makes of a run's evaluations (see detect_collapse)."""

    collapsed: bool  # now, after the last evaluation
    since: float | None  # the step the current collapse began, when collapsed
    events: list[tuple[float, str]]  # (step, "collapse" | "recovered"), in order


def detect_collapse(steps, coverage, entropy_bits, n_target: int, window: int = 10,
                    need: int = 9) -> Collapse:
    """Collapse that stays: G uses under COLLAPSE_SHARE of the target's n_target numbers
    (coverage, or effective modes 2 ** entropy over n_target) in at least `need` of the last
    `window` evaluations; it is over when G uses at least that share in `need` of the last
    `window`.

    A dip shorter than that is not called collapse, and a run that collapsed and came back
    says so ("recovered"), so a warning never outlives what it warns about. Each event is
    dated where its streak began. Over the five presets x 20 seeds x 3,000 steps the state at
    the end agrees with the final coverage in every run, and 60 of 61 onsets are in runs that
    end collapsed (tests/test_collapse.py).

    Worked example, one evaluation per 50 steps, 64 evens: coverage 0.8 for 8 evaluations,
    then 0.1 for 12 gives Collapse(True, 400.0, [(400.0, "collapse")]).
    """
    steps, coverage, entropy_bits = (np.asarray(a, dtype=np.float64)
                                     for a in (steps, coverage, entropy_bits))
    low = np.minimum(coverage, np.exp2(entropy_bits) / n_target) < COLLAPSE_SHARE
    on, since, events = False, None, []
    for i in range(window - 1, len(low)):
        recent = low[i - window + 1 : i + 1]
        flips = recent.sum() >= need if not on else (~recent).sum() >= need
        if flips:
            on = not on
            start = float(steps[i - window + 1 + int(np.argmax(recent == on))])
            events.append((start, "collapse" if on else "recovered"))
            since = start if on else None
    return Collapse(on, since, events)
