"""The Trainer: records, determinism, bounded history, live config, and the tutorial's train()."""

import numpy as np
import pytest
import torch

from evengan import (
    Discriminator,
    GANConfig,
    Generator,
    Trainer,
    convert_float_matrix_to_int_list,
    train,
)
from evengan.history import History

RECORD_KEYS = {"step", "loss_g", "loss_d", "d_real", "d_fake", "even_batch"}


def test_step_returns_a_record_and_counts():
    t = Trainer()
    rec = t.step()
    assert set(rec) >= RECORD_KEYS
    assert rec["step"] == 1 and t.step_count == 1
    assert 0 < rec["d_real"] < 1 and 0 < rec["d_fake"] < 1
    assert t.run(9) == 9 and t.step_count == 10
    assert list(t.history["step"]) == list(range(1, 11))


def test_generator_gives_bit_probabilities():
    t = Trainer(GANConfig(n_bits=5))
    out = t.generator(torch.zeros(3, 5))
    assert out.shape == (3, 5) and bool(((out > 0) & (out < 1)).all())
    assert t.discriminator(torch.zeros(4, 5)).shape == (4, 1)


@pytest.mark.parametrize("seed", [0, 11])
def test_same_config_same_history_whatever_the_global_rng(seed):
    torch.manual_seed(1)
    np.random.seed(1)
    a = Trainer(GANConfig(seed=seed))
    a.run(200)
    torch.manual_seed(999)
    np.random.seed(999)
    torch.rand(100)  # disturb the global stream between the two runs
    b = Trainer(GANConfig(seed=seed))
    b.run(120)
    b.run(80)  # chunking must not matter either
    assert np.array_equal(a.history.array(), b.history.array())
    assert torch.equal(a.engine.g, b.engine.g)


def test_different_seeds_differ():
    a, b = Trainer(GANConfig(seed=1)), Trainer(GANConfig(seed=2))
    a.run(10)
    b.run(10)
    assert not np.array_equal(a.history["loss_g"], b.history["loss_g"])


def test_training_does_not_advance_the_global_rng():
    torch.manual_seed(5)
    state = torch.get_rng_state().clone()
    t = Trainer()
    t.run(120)  # through evaluations, which read the networks as modules
    t.generator(torch.zeros(7)), t.discriminator.state_dict()
    assert torch.equal(torch.get_rng_state(), state)


def test_history_is_bounded_and_keeps_every_tenth_of_a_long_run():
    t = Trainer(history_capacity=256)
    t.run(3000)
    steps = t.history["step"]
    assert len(steps) <= 256
    assert steps[-1] == 3000 and steps[0] == 1  # the newest step, and the first
    assert np.all(np.diff(steps) > 0)
    # One stride from first to last (16 steps here), the newest step apart.
    assert set(np.diff(steps[:-1])) == {16}
    per_tenth = np.histogram(steps, bins=10, range=(0, 3000))[0]
    assert per_tenth.max() - per_tenth.min() <= 2  # every era as dense as the others


def test_a_long_log_keeps_every_tenth_of_its_rows():
    h = History(["x"], capacity=4096)
    for start in range(0, 1_000_000, 7919):  # chunks of a prime size, as Play hands them in
        rows = np.arange(start + 1, min(start + 7919, 1_000_000) + 1)
        h.append(np.column_stack([rows, rows]))
    per_tenth = np.histogram(h["step"], bins=10, range=(0, 1_000_000))[0]
    assert per_tenth.min() >= 0.9 * len(h) / 10, per_tenth
    assert h["step"][-1] == 1_000_000 and h.count == 1_000_000


def test_a_log_thins_by_its_row_numbers_alone():
    """The worked example of evengan.history, checked against appending row by row."""
    whole = History(["x"], capacity=8)
    whole.append([[i, i] for i in range(10)])
    assert whole["step"].tolist() == [0, 2, 4, 6, 8, 9]
    by_row = History(["x"], capacity=8)
    for i in range(17):
        by_row.append([[i, i]])
    assert by_row["step"].tolist() == [0, 4, 8, 12, 16]


@pytest.mark.parametrize("capacity, total", [(8, 100), (64, 1000), (100, 99)])
def test_history_thinning(capacity, total):
    h = History(["x"], capacity)
    for s in range(1, total + 1):
        h.append([[s, s * 2]])
    assert len(h) <= capacity
    assert h["step"][-1] == total and np.all(h["x"] == 2 * h["step"])


def test_live_config_change_keeps_the_run_and_structural_change_resets():
    t = Trainer()
    t.run(30)
    assert not t.update_config(t.config.replace(lr_g=5e-3))
    assert t.step_count == 30 and t.engine.hp["lr_g"] == 5e-3
    assert t.update_config(t.config.replace(n_bits=8))
    assert t.step_count == 0 and len(t.history) == 0


def test_live_lr_change_equals_a_run_that_had_it():
    """Changing lr_g at step 20 behaves like a trainer that changes it at step 20 too."""
    a, b = Trainer(), Trainer()
    a.run(20)
    b.run(20)
    a.update_config(a.config.replace(lr_g=0.01, instance_noise=0.1))
    b.update_config(b.config.replace(lr_g=0.01, instance_noise=0.1))
    a.run(10)
    b.run(10)
    assert np.array_equal(a.history.array(), b.history.array())
    c = Trainer()
    c.run(30)
    assert not np.array_equal(a.history.array(), c.history.array())


def test_non_finite_training_stops_and_keeps_the_last_finite_state():
    t = Trainer(GANConfig(loss="lsgan", lr_d=10.0, lr_g=10.0, optimizer_d="sgd",
                          optimizer_g="sgd", d_hidden=32))
    t.run(2000)
    assert t.diverged and "step" in t.diverged
    assert bool(t.engine.finite().all())
    assert np.isfinite(t.history.array()[:, 1:5]).all()
    assert t.run(10) == 0  # paused until reset
    t.reset()
    assert t.diverged is None


def test_record_eval_builds_the_timeline():
    t = Trainer(GANConfig(n_bits=5), eval_every=0)
    for _ in range(3):
        t.run(10)
        t.record_eval()
    t.record_eval()  # same step again: not duplicated
    assert list(t.evals["step"]) == [10, 20, 30]
    assert t.timeline.array().shape == (3, 1 + 32)
    assert np.allclose(t.timeline.array()[:, 1:].sum(1), 1.0)


@pytest.mark.parametrize("every, steps", [(50, 175), (20, 100), (7, 30)])
def test_exact_metrics_are_recorded_every_eval_every_steps(every, steps):
    t = Trainer(eval_every=every)
    t.run(steps // 2)
    t.run(steps - steps // 2)
    assert list(t.evals["step"]) == list(range(0, steps + 1, every))
    reference = Trainer(eval_every=0)  # evaluating never changes the run
    reference.run(steps)
    assert np.array_equal(reference.history.array(), t.history.array())


# ---- the tutorial's train() -------------------------------------------------------------


def test_train_returns_the_tutorial_modules_and_is_reproducible(capsys):
    g1, d1 = train(training_steps=50, print_output_every_n_steps=10, seed=4)
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 5 and printed[0].startswith("[")
    g2, d2 = train(training_steps=50, print_output_every_n_steps=0, seed=4)
    assert isinstance(g1, Generator) and isinstance(d1, Discriminator)
    assert torch.equal(g1.dense_layer.weight, g2.dense_layer.weight)
    assert torch.equal(d1.dense.bias, d2.dense.bias)


def test_train_modules_compute_what_the_trainer_computes():
    g, d = train(training_steps=30, seed=8, print_output_every_n_steps=0)
    t = Trainer(GANConfig(seed=8, lr_g=0.001, lr_d=0.001))
    t.run(30)
    z = torch.tensor([[1.0, 0, 1, 1, 0, 0, 1]])
    assert torch.allclose(g(z), t.generator(z), atol=1e-6)
    assert torch.allclose(d(z), t.discriminator(z), atol=1e-6)


@pytest.mark.parametrize("max_int", [100, 1000])
def test_train_with_max_int_not_a_power_of_two(max_int):
    g, _ = train(max_int=max_int, training_steps=20, seed=1, print_output_every_n_steps=0)
    assert g.dense_layer.in_features == (max_int - 1).bit_length()


@pytest.mark.parametrize("max_int", [128, 256])  # the tutorial's training test, made honest
def test_tutorial_training_test_over_fixed_seeds(max_int):
    """The tutorial asserts that every generated number is even after 500 steps.

    That holds for most seeds, not all: measured here 15 of seeds 0-19 for 128 and 16 for 256.
    We require at least 12 of 20, and check it on all 2^n noise vectors, not a random 16.
    """
    n = (max_int - 1).bit_length()
    zs = torch.tensor([[float(b) for b in format(i, f"0{n}b")] for i in range(2**n)])
    passed = 0
    for seed in range(20):
        g, _ = train(max_int=max_int, batch_size=16, training_steps=500, learning_rate=0.001,
                     print_output_every_n_steps=1_000_000, seed=seed)
        with torch.no_grad():
            passed += all(v % 2 == 0 for v in convert_float_matrix_to_int_list(g(zs)))
    assert passed >= 12


def test_generator_and_discriminator_are_ordinary_torch_modules_over_the_live_run():
    import io

    t = Trainer(GANConfig(d_hidden=8, d_depth=2, seed=4))
    t.run(20)
    g, d = t.generator, t.discriminator
    assert sum(p.numel() for p in g.parameters()) == t.engine.g.shape[1]
    assert sum(p.numel() for p in d.parameters()) == t.engine.d.shape[1]
    assert list(d.state_dict()) == [f"layers.{i}.{w}" for i in range(3) for w in ("weight", "bias")]
    # nn.Linear's layout: weight (out, in), and out = x @ weight.T + bias, as the run computes.
    x = torch.rand(5, 7)
    lin = g.layers[0]
    assert torch.allclose(torch.sigmoid(x @ lin.weight.T + lin.bias), g(x), atol=1e-6)
    # torch.save of the state dict holds the run's weights; loading it writes into a run.
    buf = io.BytesIO()
    torch.save(d.state_dict(), buf)
    other = Trainer(GANConfig(d_hidden=8, d_depth=2, seed=5))
    other.discriminator.load_state_dict(torch.load(io.BytesIO(buf.getvalue())))
    assert torch.equal(other.engine.d, t.engine.d)
