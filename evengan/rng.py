"""Counter-based random numbers: every draw is a hash of (seed, counter, position).

A run's randomness then depends on its own seed and step alone, never on the global RNG or on
which other runs share its batch, so a run inside a sweep of a thousand replays exactly as a
single Trainer with the same seed. The state to checkpoint is one integer counter per run.

The hash is integer arithmetic, exact in any backend: the same code runs on NumPy int64 arrays
(fast for the small draws of one run on the CPU) and on torch int64 tensors (for a GPU sweep),
with identical results.
"""

from __future__ import annotations

import numpy as np
import torch

MASK = 0xFFFFFFFF
# Odd multiplier below 2**27: products of 32-bit values stay inside int64, so no overflow.
_MULT = 0x45D9F3B
_COUNTER_SALT = 0x3C6EF372


def mix32(x):
    """A 32-bit integer hash (xor-shift-multiply) of int64 values < 2**32; ints, arrays, tensors."""
    x = ((x >> 16) ^ x) * _MULT & MASK
    x = ((x >> 16) ^ x) * _MULT & MASK
    return (x >> 16) ^ x


def seed_keys(seeds: list[int]) -> np.ndarray:
    """Per-run base keys from seeds."""
    return mix32(np.asarray(seeds, dtype=np.int64) & MASK)


def draw_keys(base: np.ndarray, counter: int | np.ndarray) -> np.ndarray:
    """Per-run keys of the draw numbered `counter` (one for all runs, or one per run)."""
    return mix32(base ^ mix32((counter + _COUNTER_SALT) & MASK))


_INDEX_CACHE: dict[int, np.ndarray] = {}


def hashed(keys: np.ndarray, count: int, device: str | torch.device = "cpu") -> torch.Tensor:
    """`count` 32-bit hashes per key, as an int64 tensor of shape (R, count) on `device`."""
    idx = _INDEX_CACHE.get(count)
    if idx is None:
        idx = _INDEX_CACHE.setdefault(count, mix32(np.arange(count, dtype=np.int64) + 1))
    device = torch.device(device)
    if device.type == "cpu":
        return torch.from_numpy(mix32(idx[None, :] ^ keys[:, None]))
    k = torch.as_tensor(keys, device=device)[:, None]
    return mix32(torch.as_tensor(idx, device=device)[None, :] ^ k)


def to_uniform(h: torch.Tensor) -> torch.Tensor:
    """Floats in [0, 1) from 32-bit hashes."""
    return h.to(torch.float32) * (1.0 / 2**32)


def uniform(keys: np.ndarray, count: int, device: str | torch.device = "cpu") -> torch.Tensor:
    """`count` float32 uniforms in [0, 1) per key: shape (R, count)."""
    return to_uniform(hashed(keys, count, device))


def below(h: torch.Tensor, n: int) -> torch.Tensor:
    """Integers uniform in 0..n-1 from 32-bit hashes (multiply-shift)."""
    return (h * n) >> 32


def normal(u1: torch.Tensor, u2: torch.Tensor) -> torch.Tensor:
    """Standard normals from two uniform tensors (Box-Muller), in batch-invariant arithmetic
    (evengan.exact), since they feed the training step."""
    from . import exact

    # 1 - u1 is in (0, 1]; the floor keeps a u1 that rounded up to 1.0 finite.
    r = (-2.0 * exact.log((1.0 - u1).clamp(min=2.0**-32))).sqrt()
    return r * exact.cos2pi(u2)
