"""Integers and bit vectors, most significant bit first.

An n-bit number x is the vector (b_{n-1}, ..., b_1, b_0) with x = sum b_i 2^i; the last entry is
the parity bit, which is all a generator has to get right to emit only even numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


def create_binary_list_from_int(number: int) -> list[int]:
    """The binary digits of a non-negative integer, most significant first: 6 -> [1, 1, 0]."""
    if isinstance(number, bool) or not isinstance(number, (int, np.integer)):
        raise ValueError(f"only non-negative integers can be encoded, got {number!r}")
    if number < 0:
        raise ValueError(f"only non-negative integers can be encoded, got {number}")
    return [int(c) for c in format(int(number), "b")]


def convert_float_matrix_to_int_list(float_matrix: Any, threshold: float = 0.5) -> list[int]:
    """Thresholds each row (value >= threshold is a 1) and reads it as a binary number.

    Takes nested lists, NumPy arrays or torch tensors (gradients or not) of shape (k, n).
    """
    if isinstance(float_matrix, torch.Tensor):
        float_matrix = float_matrix.detach().cpu().numpy()
    bits = np.asarray(float_matrix, dtype=np.float64)
    if bits.ndim == 1:
        bits = bits[None, :]
    if bits.ndim != 2:
        raise ValueError(f"expected a matrix of shape (k, n), got shape {bits.shape}")
    weights = [1 << (bits.shape[1] - 1 - i) for i in range(bits.shape[1])]
    return [sum(w for w, b in zip(weights, row, strict=False) if b >= threshold) for row in bits]


def ints_to_bits(ints: torch.Tensor, n: int) -> torch.Tensor:
    """Integer tensor of any shape to its n bits, MSB first: shape (..., n), same dtype."""
    shifts = torch.arange(n - 1, -1, -1, device=ints.device, dtype=ints.dtype)
    return (ints[..., None] >> shifts) & 1


def bits_to_ints(bits: torch.Tensor) -> torch.Tensor:
    """0/1 tensor of shape (..., n), MSB first, to int64 of shape (...)."""
    n = bits.shape[-1]
    weights = 2 ** torch.arange(n - 1, -1, -1, device=bits.device, dtype=torch.int64)
    return (bits.to(torch.int64) * weights).sum(-1)
