"""Batch-invariant arithmetic: a run's numbers never depend on the runs beside it.

The class server trains the runs of many students in one batched call, and a share link must
still reproduce each of them alone. PyTorch does not promise that: a batched matmul picks its
kernel and its summation order by shape and memory alignment (two copies of one run at batch
positions 0 and 2 differ in the last bits on an AVX-512 CPU), and an elementwise kernel computes
the last few elements of a tensor with scalar code whose `exp` rounds differently from the
vector code's. So the training step is written here from operations whose result per element is
fixed by IEEE 754 alone:

- `+ - * /`, `sqrt`, comparisons, `where`, `round`, `clamp` and bit moves on int32: each is
  correctly rounded (or exact), element by element, in a vector lane or a scalar tail alike;
- sums run as a pairwise tree whose shape depends only on the length summed, never on the
  batch, so every run adds its numbers in the same order;
- `exp` and `log` are built from those operations (range reduction and a polynomial).

Worked example: a dot product of 7 terms is padded with a zero to 8 and added as
((t0+t4) + (t2+t6)) + ((t1+t5) + (t3+0)), whatever R is and wherever the run sits in the
batch. Alone or with 29 others, the run gets the same bits. As a bonus the results are the
same on every x86 CPU, AVX2 or AVX-512.

No op here may be a fused multiply-add: `torch.addcmul`, `lerp`, `add(alpha=...)` and friends
round once where two ops round twice, and only on some code paths.
"""

from __future__ import annotations

import torch

_LOG2E = 1.4426950408889634
# ln 2 split so that n * _LN2_HI is exact in float32 for |n| < 2**15 (Cody and Waite).
_LN2_HI = 0.693359375
_LN2_LO = -2.12194440e-4
_SQRT_HALF = 0.7071067811865476
# Largest elementwise product tensor a contraction builds per run before it works in chunks.
PRODUCTS_PER_RUN = 1 << 16


def exp(x: torch.Tensor) -> torch.Tensor:
    """e**x in float32, within 2 ulp; inputs are clamped to [-87, 88] (no inf, no denormals).

    x = (32 m + j) ln2 / 32 + r with |r| <= ln2 / 64, so e**x = 2**m * 2**(j/32) * e**r: a
    table of the 32 values 2**(j/32), exponent bits for 2**m, and four terms of e**r's series.
    """
    x = x.clamp(-87.0, 88.0)
    n = torch.round(x * (32 * _LOG2E))
    r = (x - n * (_LN2_HI / 32)) - n * (_LN2_LO / 32)
    p = ((r * (1.0 / 6) + 0.5) * r + 1.0) * r + 1.0  # next term r**4 / 24 < 6e-10
    k = n.to(torch.int32)
    two_m = (((k >> 5) + 127) << 23).view(torch.float32)  # 2**m from its exponent bits
    return p * _exp_table(x.device)[k & 31] * two_m


_EXP_TABLES: dict = {}


def _exp_table(device: torch.device) -> torch.Tensor:
    table = _EXP_TABLES.get(device)
    if table is None:
        table = _EXP_TABLES[device] = torch.tensor(
            [2.0 ** (j / 32) for j in range(32)], dtype=torch.float32, device=device)
    return table


def log(x: torch.Tensor) -> torch.Tensor:
    """Natural log in float32 for x > 0 (normal numbers), within 2 ulp."""
    bits = x.view(torch.int32)
    e = (bits >> 23) - 127
    m = ((bits & 0x7FFFFF) | 0x3F800000).view(torch.float32)  # mantissa in [1, 2)
    big = m > 2 * _SQRT_HALF
    m = torch.where(big, m * 0.5, m)  # now in [sqrt(1/2), sqrt(2))
    e = torch.where(big, e + 1, e).to(torch.float32)
    # log m = 2 atanh(s) with s = (m - 1) / (m + 1), |s| < 0.172: odd series to s**11.
    s = (m - 1.0) / (m + 1.0)
    s2 = s * s
    p = s2 * (2.0 / 11) + (2.0 / 9)
    for c in (2.0 / 7, 2.0 / 5, 2.0 / 3, 2.0):
        p = p * s2 + c
    return (p * s + e * _LN2_LO) + e * _LN2_HI


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """1 / (1 + e**-x), computed from e**-|x| so that neither tail overflows."""
    e = exp(-x.abs())
    return torch.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(x: torch.Tensor) -> torch.Tensor:
    """log(1 + e**x) = max(x, 0) + log(1 + e**-|x|)."""
    return x.clamp(min=0.0) + log(1.0 + exp(-x.abs()))


def tree_sum(x: torch.Tensor, dim: int) -> torch.Tensor:
    """Sum over `dim` as a pairwise tree: zero-padded to a power of two, element i meets
    element i + n/2, then again on the half.

    The order depends on the length summed only, so each run's sum is the same at any R.
    """
    dim = dim % x.dim()
    n = x.shape[dim]
    size = 1 << max(n - 1, 0).bit_length()
    if size != n:  # x + 0.0 is x, so the padding changes no sum, only fixes its shape
        pad = list(x.shape)
        pad[dim] = size - n
        x = torch.cat([x, x.new_zeros(pad)], dim)
    while size > 1:
        size //= 2
        x = x.narrow(dim, 0, size) + x.narrow(dim, size, size)
    return x.squeeze(dim)


def mean(x: torch.Tensor, dim: int) -> torch.Tensor:
    return tree_sum(x, dim) / float(x.shape[dim])


def contract(a: torch.Tensor, b: torch.Tensor, dim: int) -> torch.Tensor:
    """sum over `dim` of a * b (broadcast), in tree order, in bounded memory.

    Where the product tensor of one run would pass PRODUCTS_PER_RUN elements, `dim` is cut
    into chunks whose size depends on the run's shapes only; each chunk is tree-summed and the
    chunk sums are added in order, so memory stays at one chunk's products.
    """
    shape = [max(i, j) for i, j in zip(a.shape, b.shape, strict=True)]  # same rank here
    dim = dim % len(shape)
    per_run = 1
    for size in shape[1:]:
        per_run *= size
    length = shape[dim]
    if per_run <= PRODUCTS_PER_RUN or length == 1:
        return tree_sum(a * b, dim)
    chunk = max(1, PRODUCTS_PER_RUN * length // per_run)
    total = None
    for lo in range(0, length, chunk):
        k = min(chunk, length - lo)
        part_a = a.narrow(dim, lo, k) if a.shape[dim] != 1 else a
        part_b = b.narrow(dim, lo, k) if b.shape[dim] != 1 else b
        part = tree_sum(part_a * part_b, dim)
        total = part if total is None else total + part  # chunk after chunk, in order
    return total


def matmul(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """(R, B, K) @ (R, K, J) -> (R, B, J)."""
    return contract(x[..., :, None], w[:, None, :, :], 2)


def matmul_tn(x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """x^T @ g over the batch: (R, B, K), (R, B, J) -> (R, K, J), a weight gradient."""
    return contract(x[..., :, None], g[..., None, :], 1)


def matmul_nt(g: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """g @ w^T: (R, B, J), (R, K, J) -> (R, B, K), a gradient sent back to a layer's input."""
    return contract(g[..., None, :], w[:, None, :, :], 3)


def cos2pi(u: torch.Tensor) -> torch.Tensor:
    """cos(2 pi u) for any float32 u, within a few ulp."""
    w = (u - torch.round(u)).abs()  # in [0, 1/2]: cos is even and has period 1
    flip = w > 0.25
    w = torch.where(flip, 0.5 - w, w)  # cos(2 pi (1/2 - w)) = -cos(2 pi w)
    x = w * 6.283185307179586
    x2 = x * x
    # Taylor series of cos to x**14 on [0, pi/2]; the next term is below 1e-10.
    p = x2 * (-1.0 / 87178291200) + (1.0 / 479001600)
    for coef in (-1.0 / 3628800, 1.0 / 40320, -1.0 / 720, 1.0 / 24, -0.5, 1.0):
        p = p * x2 + coef
    c = p
    return torch.where(flip, -c, c)
