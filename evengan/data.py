"""Real training data: uniformly drawn even numbers, as bit vectors."""

from __future__ import annotations

import numpy as np


def even_bit_length(max_int: int) -> int:
    """Bits needed for every number below max_int (the tutorial's log2, right for any max_int)."""
    return max(1, (int(max_int) - 1).bit_length())


def generate_even_data(
    max_int: int, batch_size: int = 16, rng: np.random.Generator | int | None = None
) -> tuple[list[int], list[list[int]]]:
    """A batch of even numbers below max_int as equal-length bit lists, with all-ones labels.

    `rng` is a NumPy Generator or a seed; without it a fresh generator is used, so the global
    NumPy state is never read or advanced.
    """
    if isinstance(max_int, bool) or not isinstance(max_int, (int, np.integer)) or max_int < 2:
        raise ValueError(f"max_int must be an integer >= 2, got {max_int!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    width = even_bit_length(max_int)
    evens = 2 * gen.integers(0, (int(max_int) + 1) // 2, size=int(batch_size))
    shifts = np.arange(width - 1, -1, -1)
    bits = (evens[:, None] >> shifts) & 1
    return [1] * int(batch_size), bits.tolist()
