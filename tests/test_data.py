"""Real data: the tutorial's cases, and the non-powers of two it got wrong."""

import math

import numpy as np
import pytest

from evengan import generate_even_data


@pytest.mark.parametrize(
    "max_int, batch_size", [(2, 2), (128, 2), (128, 16), (1024, 16)]  # the tutorial's cases
)
def test_tutorial_cases(max_int, batch_size):
    labels, data = generate_even_data(max_int, batch_size=batch_size, rng=0)
    assert len(labels) == len(data) == batch_size
    assert labels == [1] * batch_size
    for bits in data:
        assert bits[-1] == 0
        assert len(bits) == math.log(max_int, 2)


@pytest.mark.parametrize("max_int", [3, 5, 6, 7, 100, 129, 1000])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_any_max_int_gives_equal_lengths_all_even_all_below(max_int, seed):
    _, data = generate_even_data(max_int, batch_size=256, rng=seed)
    width = (max_int - 1).bit_length()
    assert {len(b) for b in data} == {width}
    values = [int("".join(map(str, b)), 2) for b in data]
    assert all(v % 2 == 0 and v < max_int for v in values)


def test_covers_every_even_below_max_int():
    _, data = generate_even_data(10, batch_size=2000, rng=3)
    values = {int("".join(map(str, b)), 2) for b in data}
    assert values == {0, 2, 4, 6, 8}


def test_seeded_and_leaves_global_numpy_rng_alone():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    a = generate_even_data(128, 32, rng=7)
    b = generate_even_data(128, 32, rng=7)
    assert a == b
    assert np.array_equal(np.random.get_state()[1], before)


@pytest.mark.parametrize("max_int, batch", [(1, 4), (0, 4), (128, 0), (2.5, 4), (128, -3)])
def test_bad_arguments(max_int, batch):
    with pytest.raises(ValueError):
        generate_even_data(max_int, batch)
