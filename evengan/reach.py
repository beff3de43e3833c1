"""What a one-layer generator can express, for a target: exact for independent bits, measured
for the tutorial's G.

The tutorial's G thresholds one linear map of the noise, so each output bit is its own
function of the noise, and bits are tied together only through the noise they share. A G
whose bits are independent (each bit fair or fixed) emits a *subcube*: every number that
agrees with a pattern such as 1*0*0 (* free). It stays inside the target only on a subcube
the target contains. Multiples of 4 are the subcube *****00, all of them at once; no two
multiples of 3 differ in one bit (2**i is never a multiple of 3), so independent bits cover
one multiple of 3 without leaving the target, or more only by emitting other numbers too.

`frontier` gives, exactly, what independent fair bits can do: for each subcube C, the share
of the target it covers (|C & S| / |S|) and the share of its numbers in the target
(|C & S| / |C|), reduced to the points no other subcube beats on both. Worked example, the
multiples of 4 below 16 (0, 4, 8, 12): the subcube **00 covers all four and is all in the
target, so the frontier is the one point (1.0, 1.0):

    >>> frontier("multiples:4", 16, 4)
    [(1.0, 1.0)]
    >>> [(round(c, 3), r) for c, r in frontier("multiples:3", 16, 4)]  # 0, 3, 6, 9, 12, 15
    [(0.167, 1.0), (0.333, 0.5), (1.0, 0.375)]

`measure` trains the tutorial's linear G over many seeds against a strong D (32 hidden units,
judging pairs, as the packing lesson found best) and reports each seed's coverage and
in-target ratio: what such a G reaches in practice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TextIO

import numpy as np

from . import target as targets
from .config import GANConfig

# The subcubes of n bits number 3**n: enumerated up to this many bits (3**10 is 59,049, a
# few milliseconds and megabytes; 3**12 took 57 MB and 130 ms on the page's thread).
MAX_EXACT_BITS = 10
# How the measurement trains: the run's bits, bound, target and noise, the tutorial's linear
# G and learning rate, against the packing lesson's best D.
MEASURE = {"g_hidden": 0, "d_hidden": 32, "d_depth": 1, "pack": 2, "batch_size": 48,
           "loss": "bce", "lr_g": 1e-3, "lr_d": 1e-3}
SEEDS, STEPS = 16, 2000
MAX_SEEDS = 256  # the command's bound; seeds x steps is bounded as a sweep's work is
# The settings the measurement takes from the run; the rest are MEASURE's.
FROM_RUN = ("n_bits", "max_int", "target", "noise", "noise_dim")
# A seed "stays in the target" at this in-target ratio or above.
CLEAN = 0.99


def subcube_counts(member: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """For every subcube of n bits (each bit 0, 1 or free: 3**n of them), how many target
    numbers it holds and how many numbers it has. `member` is 0/1 over 0..2**n - 1.

    Built one bit at a time: a pattern with bit i free holds what its two halves hold."""
    counts = np.asarray(member, dtype=np.int64).reshape((2,) * n)
    for axis in range(n):
        a, b = np.take(counts, 0, axis), np.take(counts, 1, axis)
        counts = np.stack([a, b, a + b], axis=axis)
    free = np.zeros((3,) * n, dtype=np.int64)
    for axis in range(n):
        shape = [1] * n
        shape[axis] = 3
        free = free + (np.arange(3) == 2).reshape(shape)
    return counts.ravel(), (2 ** free).ravel()


def frontier(spec: str, upper: int, n: int) -> list[tuple[float, float]]:
    """The (coverage, in-target ratio) points that independent fair bits reach and no other
    subcube beats on both, by coverage; ValueError above MAX_EXACT_BITS bits."""
    if n > MAX_EXACT_BITS:
        raise ValueError(f"the subcubes are enumerated up to {MAX_EXACT_BITS} bits, not {n}")
    member = np.zeros(2**n, dtype=np.int64)
    member[:upper] = targets.weights(spec, upper) > 0
    inside, size = subcube_counts(member, n)
    keep = inside > 0
    cover = inside[keep] / member.sum()
    ratio = inside[keep] / size[keep]
    best: dict[float, float] = {}
    for c, r in zip(cover.tolist(), ratio.tolist(), strict=True):
        best[c] = max(best.get(c, 0.0), r)
    out, top = [], -1.0
    for c in sorted(best, reverse=True):  # keep a point only if it beats every wider one
        if best[c] > top:
            out.append((c, best[c]))
            top = best[c]
    return out[::-1]


def clean_best(points: Sequence[tuple[float, float]]) -> float:
    """The most of the target a point reaches while staying wholly inside it."""
    return max((c for c, r in points if r >= 1.0), default=0.0)


def measure_config(config: GANConfig) -> GANConfig:
    """The settings the measurement trains for a run: its bits, bound, target and noise."""
    return GANConfig(**MEASURE, **{name: getattr(config, name) for name in FROM_RUN})


def measure(config: GANConfig, seeds: int = SEEDS, steps: int = STEPS,
            progress: Callable[[int, int], None] | None = None, **sweep: Any) -> dict:
    """Each of `seeds` linear Gs trained `steps` steps for this run's target: {"coverage",
    "target_ratio"} lists by seed, and the settings used."""
    from .sweep import run_sweep  # the sweep is heavy to import and only this needs it

    base = measure_config(config)
    table = run_sweep(base, {}, seeds, steps, progress=progress, **sweep)
    return {"config": base.to_query(), "seeds": seeds, "steps": table.steps,
            "coverage": [float(r["coverage"]) for r in table.rows],
            "target_ratio": [float(r["target_ratio"]) for r in table.rows]}


def summary(measured: dict) -> dict:
    """The measurement in four figures: best coverage, how many seeds stay in the target
    (in-target ratio at least CLEAN) and the best coverage among them, and the median
    in-target ratio."""
    cov = np.asarray(measured["coverage"])
    ratio = np.asarray(measured["target_ratio"])
    clean = cov[ratio >= CLEAN]
    return {"best": float(cov.max()), "best_clean": float(clean.max()) if len(clean) else 0.0,
            "clean_seeds": int(len(clean)), "median_ratio": float(np.median(ratio))}


def command(config: GANConfig, seeds: int, steps: int, as_json: bool, quiet: bool,
            out: TextIO, err: TextIO) -> int:
    """`python -m evengan reach [config flags] [--seeds K] [--steps N] [--json]`."""
    from .progressbar import Progress

    if not 1 <= seeds <= MAX_SEEDS:
        raise ValueError(f"--seeds must be 1..{MAX_SEEDS}, got {seeds}")
    points = frontier(config.target, config.upper, config.n_bits) \
        if config.n_bits <= MAX_EXACT_BITS else None
    bar = Progress(seeds * steps, err, enabled=not (quiet or as_json), label="GAN-steps")
    measured = measure(config, seeds, steps, progress=lambda done, total: bar.update(done))
    bar.close()
    figures = {"target": config.target, "target_size": config.target_size,
               "independent_bits": points, "measured": measured, **summary(measured)}
    if as_json:
        out.write(json.dumps(figures) + "\n")
        return 0
    size = config.target_size
    out.write(f"target {config.target}: {size} numbers below {config.upper}\n")
    if points is not None:
        best = clean_best(points)
        out.write(f"  independent fair bits (exact): at most {round(best * size)} of {size} "
                  f"({best:.3f}) without leaving the target\n")
    s = summary(measured)
    clean = (f"{s['clean_seeds']} stay in the target (in-target ratio >= {CLEAN}), the best "
             f"of them covering {s['best_clean']:.3f}" if s["clean_seeds"] else
             f"none stays in the target (in-target ratio >= {CLEAN})")
    out.write(f"  the tutorial's linear G, {seeds} seeds x {steps} steps against a D of "
              f"{MEASURE['d_hidden']} units judging pairs: best coverage {s['best']:.3f}; "
              f"{clean}; median in-target ratio {s['median_ratio']:.3f}\n")
    return 0
