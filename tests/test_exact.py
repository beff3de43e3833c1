"""Batch-invariant arithmetic: accurate against float64, and the same bits at any batch size.

Bit-identity is asserted here because IEEE 754 guarantees it: every op in evengan.exact is a
correctly rounded +, -, *, /, sqrt, a comparison, a selection or a bit move, applied element
by element, and every sum is a tree whose shape depends on the summed length only.
"""

import math

import pytest
import torch
import torch.nn.functional as F

from evengan import exact as ex

GEN = torch.Generator().manual_seed(0)


def test_exp_log_sigmoid_softplus_cos_match_float64():
    x = torch.linspace(-87, 88, 100_001)
    assert ((ex.exp(x).double() / torch.exp(x.double())) - 1).abs().max() < 3e-7
    y = torch.logspace(-37, 37, 100_001)
    assert (ex.log(y).double() - torch.log(y.double())).abs().max() < 1e-5  # ~1 ulp at 85
    s = torch.linspace(-30, 30, 100_001)
    assert (ex.sigmoid(s).double() - torch.sigmoid(s.double())).abs().max() < 2e-7
    assert (ex.softplus(s).double() - F.softplus(s.double())).abs().max() < 5e-6
    u = torch.rand(100_000, generator=GEN) * 4 - 2
    assert (ex.cos2pi(u).double() - torch.cos(2 * math.pi * u.double())).abs().max() < 5e-7


@pytest.mark.parametrize("n", [1, 2, 7, 16, 33])
def test_tree_sum_is_a_sum_and_ignores_its_neighbours(n):
    x = torch.randn(5, n, 3, generator=GEN)
    total = ex.tree_sum(x, 1)
    assert torch.allclose(total.double(), x.double().sum(1), atol=1e-5)
    for r in range(5):  # the same row alone, or in a batch of another size, adds up the same
        assert torch.equal(ex.tree_sum(x[r : r + 1], 1)[0], total[r])
        assert torch.equal(ex.tree_sum(x[r:], 1)[0], total[r])


def test_matmuls_match_torch_and_are_batch_invariant():
    x, w = torch.randn(6, 16, 7, generator=GEN), torch.randn(6, 7, 5, generator=GEN)
    g = torch.randn(6, 16, 5, generator=GEN)
    assert torch.allclose(ex.matmul(x, w), x @ w, atol=1e-5)
    assert torch.allclose(ex.matmul_tn(x, g), x.transpose(1, 2) @ g, atol=1e-5)
    assert torch.allclose(ex.matmul_nt(g, w), g @ w.transpose(1, 2), atol=1e-5)
    for r in (0, 3, 5):
        assert torch.equal(ex.matmul(x[r : r + 1], w[r : r + 1])[0], ex.matmul(x, w)[r])
        assert torch.equal(ex.matmul_tn(x[r : r + 1], g[r : r + 1])[0], ex.matmul_tn(x, g)[r])


def test_large_contractions_work_in_chunks_with_the_same_result_per_run():
    # 1 x 2048 x 64 x 64 products would pass the per-run limit: the batch is cut into chunks.
    x, g = torch.randn(3, 2048, 64, generator=GEN), torch.randn(3, 2048, 64, generator=GEN)
    full = ex.matmul_tn(x, g)
    assert torch.allclose(full, x.transpose(1, 2) @ g, atol=1e-3)
    assert torch.equal(ex.matmul_tn(x[1:2], g[1:2])[0], full[1])
