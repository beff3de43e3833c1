"""Exact metrics against a brute-force enumeration in plain Python."""

import math
from collections import Counter
from itertools import product

import pytest
import torch

from evengan import GANConfig, Trainer, convert_float_matrix_to_int_list


def brute_force(trainer: Trainer) -> dict:
    """Every noise vector through G, one at a time, counted with a Counter."""
    cfg = trainer.config
    _n, upper = cfg.n_bits, cfg.upper
    g = trainer.generator
    counts = Counter()
    for z in product([0.0, 1.0], repeat=cfg.z_dim):
        with torch.no_grad():
            probs = g(torch.tensor([z]))
        counts[convert_float_matrix_to_int_list(probs)[0]] += 1
    total = 2**cfg.z_dim
    q = {x: c / total for x, c in counts.items()}
    evens = [x for x in range(0, upper, 2)]
    p = {x: 1 / len(evens) for x in evens}
    entropy = -sum(v * math.log2(v) for v in q.values())

    def kl(a, m):
        return sum(a[x] * math.log2(a[x] / m[x]) for x in a if a[x] > 0)

    m = {x: 0.5 * (q.get(x, 0) + p.get(x, 0)) for x in set(q) | set(p)}
    return {
        "even_ratio": sum(v for x, v in q.items() if x % 2 == 0),
        "coverage": sum(1 for x in evens if x in q) / len(evens),
        "distinct": len(q),
        "entropy_bits": entropy,
        "js_bits": 0.5 * kl(q, m) + 0.5 * kl(p, m),
        "q": q,
    }


@pytest.mark.parametrize("n", [3, 5, 7, 9])
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("steps", [0, 150])
def test_exact_metrics_match_brute_force(n, seed, steps):
    t = Trainer(GANConfig(n_bits=n, seed=seed))
    t.run(steps) if steps else None
    ev, ref = t.evaluate(), brute_force(t)
    assert ev["exhaustive"]
    for key in ("even_ratio", "coverage", "entropy_bits", "js_bits"):
        assert ev[key] == pytest.approx(ref[key], abs=1e-9), key
    assert ev["distinct"] == ref["distinct"]
    assert ev["effective_modes"] == pytest.approx(2 ** ref["entropy_bits"])
    dist = ev["distribution"]
    assert dist.shape == (2**n,) and dist.sum() == pytest.approx(1.0)
    for x in range(2**n):
        assert dist[x] == pytest.approx(ref["q"].get(x, 0.0), abs=1e-12)


@pytest.mark.parametrize("max_int", [6, 100])
def test_metrics_with_max_int_below_a_power_of_two(max_int):
    n = (max_int - 1).bit_length()
    t = Trainer(GANConfig(n_bits=max(n, 3), max_int=max_int, seed=2))
    t.run(100)
    ev, ref = t.evaluate(), brute_force(t)
    assert ev["coverage"] == pytest.approx(ref["coverage"])
    assert ev["js_bits"] == pytest.approx(ref["js_bits"], abs=1e-9)


@pytest.mark.parametrize("n", [3, 6])
def test_d_landscape_and_marginals_by_enumeration(n):
    t = Trainer(GANConfig(n_bits=n, seed=4))
    t.run(50)
    ev = t.evaluate()
    d = t.discriminator
    for x in range(2**n):
        bits = torch.tensor([[float(b) for b in format(x, f"0{n}b")]])
        assert ev["d_values"][x] == pytest.approx(float(d(bits)[0, 0]), abs=1e-6)
    zs = torch.tensor(list(product([0.0, 1.0], repeat=n)))
    with torch.no_grad():
        means = t.generator(zs).mean(0)
    assert ev["bit_marginals"] == pytest.approx(means.numpy(), abs=1e-6)


def test_perfect_generator_scores_perfectly():
    from evengan.metrics import summarize, target_distribution

    p = target_distribution(5, 32)[None, :]
    s = summarize(p, 32)
    assert float(s["coverage"][0]) == 1.0
    assert float(s["entropy_bits"][0]) == pytest.approx(4.0)
    assert float(s["js_bits"][0]) == pytest.approx(0.0, abs=1e-12)
    odd = torch.zeros(1, 32, dtype=torch.float64)
    odd[0, 1] = 1.0
    s = summarize(odd, 32)
    assert float(s["even_ratio"][0]) == 0.0 and float(s["js_bits"][0]) == pytest.approx(1.0)


@pytest.mark.parametrize("changes", [
    {"n_bits": 13},  # 2^13 noise vectors x 2^13 numbers: past the exact table's 2^24
    {"n_bits": 12, "noise_dim": 16},
    {"n_bits": 13, "noise": "gaussian"},  # 4,096 fixed draws x 2^13 numbers
])
def test_bernoulli_decoding_beyond_the_exact_table_samples(changes):
    trainer = Trainer(GANConfig(decode="sample", **changes))
    ev = trainer.evaluate()
    assert ev["exhaustive"] is False  # sampled, and the page says so
    q = ev["distribution"]
    assert q.shape == (2 ** trainer.config.n_bits,) and float(q.sum()) == pytest.approx(1.0)
    assert 0 <= ev["coverage"] <= 1 and 0 <= ev["js_bits"] <= 1
    # Counter-based draws: the same generator gives the same sample.
    assert (trainer.evaluate()["distribution"] == q).all()


def test_sampled_decoding_takes_keys_as_numpy_or_torch():
    from evengan.metrics import sample_distribution

    probs = torch.full((2, 2**12, 13), 0.5)  # 2^12 rows x 2^13 numbers: sampled
    a, exact_a = sample_distribution(probs, 13, key=torch.tensor([5, 6]))
    b, _ = sample_distribution(probs, 13, key=[5, 6])
    assert not exact_a and torch.equal(a, b)
    assert torch.allclose(a.sum(1), torch.ones(2, dtype=torch.float64))
