"""The tutorial's bit helpers, its own cases first, then every integer of several widths."""

import numpy as np
import pytest
import torch

from evengan import convert_float_matrix_to_int_list, create_binary_list_from_int
from evengan.encoding import bits_to_ints, ints_to_bits


@pytest.mark.parametrize(
    "number, expected",
    [
        (1, [1]),  # single odd
        (0, [0]),  # zero
        (7, [1, 1, 1]),  # small prime
        (128, [1, 0, 0, 0, 0, 0, 0, 0]),  # large even
        (129, [1, 0, 0, 0, 0, 0, 0, 1]),  # large odd
    ],
)
def test_tutorial_cases(number, expected):
    assert create_binary_list_from_int(number) == expected


@pytest.mark.parametrize("bad", [-1, -128, 1.0, 2.5, "3", None, True, [1]])
def test_rejects_negatives_and_non_integers(bad):
    with pytest.raises(ValueError):
        create_binary_list_from_int(bad)


@pytest.mark.parametrize("number", [2**64, 2**200 + 12345, 10**40])
def test_any_size(number):
    bits = create_binary_list_from_int(number)
    assert int("".join(map(str, bits)), 2) == number
    assert bits[0] == 1


def test_numpy_integers_accepted():
    assert create_binary_list_from_int(np.int64(6)) == [1, 1, 0]


def test_tutorial_matrix_case():
    assert convert_float_matrix_to_int_list(np.array([[0.6, 0.2], [0.5, 0.5]])) == [2, 3]


@pytest.mark.parametrize("n", [3, 5, 8])
def test_conversion_inverts_encoding_for_every_integer(n):
    rows = [[0] * (n - len(b)) + b for b in map(create_binary_list_from_int, range(2**n))]
    as_floats = np.array(rows, dtype=np.float64) * 0.9 + 0.05  # 0 -> 0.05, 1 -> 0.95
    assert convert_float_matrix_to_int_list(as_floats) == list(range(2**n))
    assert convert_float_matrix_to_int_list(torch.tensor(as_floats, requires_grad=True)) == list(
        range(2**n)
    )
    ints = torch.arange(2**n)
    assert torch.equal(ints_to_bits(ints, n), torch.tensor(rows))
    assert torch.equal(bits_to_ints(torch.tensor(rows)), ints)


def test_threshold_is_inclusive_and_configurable():
    m = [[0.5, 0.49], [0.7, 0.7]]
    assert convert_float_matrix_to_int_list(m) == [2, 3]
    assert convert_float_matrix_to_int_list(m, threshold=0.75) == [0, 0]


def test_conversion_rejects_non_matrices():
    with pytest.raises(ValueError):
        convert_float_matrix_to_int_list(np.zeros((2, 2, 2)))
