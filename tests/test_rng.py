"""The counter-based RNG: reproducible, backend-independent, and uniform enough."""

import numpy as np
import pytest
import torch

from evengan import rng


def test_same_key_same_numbers_and_keys_differ():
    keys = rng.draw_keys(rng.seed_keys([0, 1, 0]), 5)
    h = rng.hashed(keys, 100)
    assert torch.equal(h[0], h[2])
    assert not torch.equal(h[0], h[1])
    assert not torch.equal(h, rng.hashed(rng.draw_keys(rng.seed_keys([0, 1, 0]), 6), 100))


def test_numpy_and_torch_hash_agree():
    x = np.arange(0, 2**32, 2**20 + 7, dtype=np.int64)
    assert np.array_equal(rng.mix32(x), rng.mix32(torch.from_numpy(x)).numpy())
    assert rng.mix32(12345) == int(rng.mix32(np.int64(12345)))


def test_draws_do_not_touch_the_global_rng():
    torch.manual_seed(0)
    before = torch.get_rng_state().clone()
    rng.uniform(rng.draw_keys(rng.seed_keys([3]), 1), 1000)
    assert torch.equal(torch.get_rng_state(), before)


@pytest.mark.parametrize("seed", [0, 1, 99])
def test_uniform_moments_and_bit_balance(seed):
    # 100,000 draws: mean within 0.005 of 1/2 (about 5 sigma), each of the low 8 bits fair.
    h = rng.hashed(rng.draw_keys(rng.seed_keys([seed]), 1), 100_000)[0]
    u = rng.to_uniform(h)
    assert abs(float(u.mean()) - 0.5) < 0.005
    assert abs(float(u.var()) - 1 / 12) < 0.002
    for bit in range(8):
        assert abs(float(((h >> bit) & 1).float().mean()) - 0.5) < 0.01
    assert abs(float((h >> 31).float().mean()) - 0.5) < 0.01


def test_below_is_uniform_over_range():
    h = rng.hashed(rng.draw_keys(rng.seed_keys([4]), 2), 64_000)[0]
    counts = torch.bincount(rng.below(h, 64), minlength=64).float()
    assert counts.min() > 800 and counts.max() < 1200  # expected 1000 each


def test_normal_moments():
    u = rng.uniform(rng.draw_keys(rng.seed_keys([5]), 1), 200_000)[0]
    z = rng.normal(u[:100_000], u[100_000:])
    assert abs(float(z.mean())) < 0.02 and abs(float(z.std()) - 1) < 0.02
