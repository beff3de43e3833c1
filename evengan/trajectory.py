"""Where a run goes: one coordinate of G and one of D over time, and the distance to the
target, for the convergence lesson (Mescheder et al. 2018).

The two coordinates are the game's own, read off one bit: G's mean of that bit over all its
noise (the target's is 1/2 for every bit but the last) and what D puts on the bit (its weight,
for the tutorial's linear D). D's weight answers G's mean, G's mean answers D's weight: near
the target the pair turns around (1/2, 0), and a path that keeps turning never arrives.
Worked example, the tutorial's settings with bit b6: the path starts near (0.5, -0.1) and
keeps circling; with R1 D's weight is pulled to 0 and the circles close in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .config import GANConfig
from .engine import Engine


@dataclass(frozen=True)
class Trajectory:
    """One run's path: at each recorded step, G's mean of the bit, D's weight on it, and the
    Jensen-Shannon distance (bits) of G's exact output distribution to the target."""

    config: GANConfig
    bit: int  # which bit, 0 the most significant (b{n-1})
    steps: np.ndarray
    g_mean: np.ndarray
    d_weight: np.ndarray
    distance: np.ndarray

    def late_spread(self, share: float = 0.25) -> float:
        """How far the path still wanders over its last `share` of steps: the diagonal of its
        bounding box there, in D's weight and G's mean. Near 0 for a run that has settled."""
        tail = max(2, int(len(self.steps) * share))
        return float(np.hypot(np.ptp(self.g_mean[-tail:]), np.ptp(self.d_weight[-tail:])))


def trace(configs: Sequence[GANConfig], steps: int, every: int = 20, bit: int = 0,
          progress: Callable[[int, int], None] | None = None) -> list[Trajectory]:
    """Trains each config (one batched engine per batch key) `steps` steps and records its
    path every `every` steps, step 0 included. Deterministic: a config and its seed fix it."""
    if steps < 0 or every < 1:
        raise ValueError("steps must be >= 0 and every >= 1")
    out: list[Trajectory | None] = [None] * len(configs)
    groups: dict[tuple, list[int]] = {}
    for i, cfg in enumerate(configs):
        if not 0 <= bit < cfg.n_bits:
            raise ValueError(f"bit must be in 0..{cfg.n_bits - 1}, got {bit}")
        groups.setdefault(cfg.batch_key(), []).append(i)
    done = 0
    for members in groups.values():
        engine = Engine([configs[i] for i in members])
        marks, rows = [], []
        for t in range(0, steps + 1):
            if t % every == 0 or t == steps:
                marks.append(t)
                rows.append(_coordinates(engine, bit))
            if t < steps:
                engine.step(record=False)
                done += len(members)
                if progress:
                    progress(done, steps * len(configs))
        g, d, js = (np.stack([r[k] for r in rows], axis=1) for k in range(3))
        for j, i in enumerate(members):
            out[i] = Trajectory(configs[i], bit, np.array(marks), g[j], d[j], js[j])
    return [t for t in out if t is not None]


def _coordinates(engine: Engine, bit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ev = engine.evaluate(per_run=True)
    g = ev["bit_marginals"][:, bit].double().numpy()
    d = np.array([engine.d_bit_weights(r)[bit] for r in range(engine.R)])
    return g, d, ev["js_bits"].double().numpy()
