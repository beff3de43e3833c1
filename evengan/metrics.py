"""The exact metrics: G's output distribution q over all 2^n integers against the target p.

p is uniform over the even numbers below the config's upper bound. Every function works on a
leading run dimension R, so a sweep scores a thousand generators in one call.
"""

from __future__ import annotations

import numpy as np
import torch

from .encoding import bits_to_ints, ints_to_bits

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


def target_distribution(n: int, upper: int) -> torch.Tensor:
    """p: uniform over the even numbers below `upper`, as float64 of shape (2^n,)."""
    p = torch.zeros(2**n, dtype=torch.float64)
    p[0:upper:2] = 1.0
    return p / p.sum()


def target_marginals(n: int, upper: int) -> torch.Tensor:
    """Per-bit mean of the target numbers: 1/2 for the high bits, 0 for the parity bit."""
    p = target_distribution(n, upper)
    bits = ints_to_bits(torch.arange(2**n), n).to(torch.float64)
    return p @ bits


def summarize(q: torch.Tensor, upper: int) -> dict[str, torch.Tensor]:
    """The scalar metrics of each run, from q of shape (R, 2^n) (float64 recommended)."""
    n = (q.shape[1] - 1).bit_length()
    p = target_distribution(n, upper).to(q.device)
    target = p > 0
    q = q.to(torch.float64)
    support = q > 0
    # + 0.0 turns the -0.0 of a one-number generator into 0.0
    entropy = -(torch.where(support, q * torch.log2(q), torch.zeros_like(q))).sum(1) + 0.0
    return {
        "even_ratio": q[:, 0::2].sum(1),
        "coverage": (support & target).sum(1).to(torch.float64) / target.sum(),
        "distinct": support.sum(1).to(torch.float64),
        "entropy_bits": entropy,
        "effective_modes": 2**entropy,
        "js_bits": js_divergence(q, p[None, :]),
    }


def js_divergence(q: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """Jensen-Shannon divergence in bits (0..1) along the last dimension."""
    m = 0.5 * (q + p)

    def kl(a: torch.Tensor) -> torch.Tensor:
        safe_m = torch.where(m > 0, m, torch.ones_like(m))
        ratio = torch.where(a > 0, a / safe_m, torch.ones_like(a))
        return (a * torch.log2(ratio)).sum(-1)

    return (0.5 * kl(q) + 0.5 * kl(p)).clamp(min=0.0)


def collapse_events(steps, coverage, entropy, window: int = 10, drop_coverage: float = 0.5,
                    min_drop: float = 0.15, drop_entropy: float = 1.5) -> list[tuple[float, str]]:
    """Steps where coverage or entropy fell sharply: (step, what fell).

    A fall is sharp when, against the best of the previous `window` evaluations, coverage
    loses at least `drop_coverage` of its value and `min_drop` in absolute terms, or entropy
    loses at least `drop_entropy` bits. `what` is "coverage", "entropy" or "coverage+entropy".
    A fall is reported once, where it first shows; the next of the same kind can come only
    after `window` evaluations, so a noisy plateau does not fire at every wobble.
    """
    steps, coverage, entropy = (np.asarray(a, dtype=np.float64) for a in (steps, coverage, entropy))
    events: list[tuple[float, str]] = []
    quiet_until = {"coverage": 0, "entropy": 0}
    for i in range(1, len(steps)):
        lo = max(0, i - window)
        best_c, best_h = coverage[lo:i].max(), entropy[lo:i].max()
        fell = {
            "coverage": coverage[i] <= best_c * (1 - drop_coverage) and best_c - coverage[i]
            >= min_drop,
            "entropy": best_h - entropy[i] >= drop_entropy,
        }
        kinds = [k for k, now in fell.items() if now and i >= quiet_until[k]]
        for k in kinds:
            quiet_until[k] = i + window
        if kinds:
            events.append((float(steps[i]), "+".join(kinds)))
    return events
