"""A run trained with the class is bit-identical to the same run trained alone.

This is what keeps share links reproducing on the class server: whichever runs share a batch,
at whatever slot, each gets its own bits. It holds by construction (evengan.exact), so the
test compares with torch.equal on any CPU.
"""

import pytest
import torch

from evengan import GANConfig
from evengan.lockstep import class_key, run_together
from evengan.trainer import Trainer

VARIANTS = [
    {},
    {"d_hidden": 16, "pack": 4, "batch_size": 32},
    {"g_hidden": 8, "loss": "lsgan", "label_smoothing": 0.1},
    {"loss": "wgan", "optimizer_d": "sgd", "momentum": 0.5},
    {"noise": "gaussian", "instance_noise": 0.2, "d_steps": 2, "g_steps": 2},
]


def _same(a: Trainer, b: Trainer) -> None:
    sa, sb = a.engine.state(), b.engine.state()
    for name in ("g", "d", "g_m", "g_v", "d_m", "d_v"):
        assert torch.equal(sa[name], sb[name]), name
    assert (sa["counter"] == sb["counter"]).all() and a.step_count == b.step_count
    assert (a.history.array() == b.history.array()).all()
    assert (a.evals.array() == b.evals.array()).all()


@pytest.mark.parametrize("changes", VARIANTS, ids=lambda c: ",".join(c) or "tutorial")
@pytest.mark.parametrize("size,slot", [(2, 1), (5, 0), (5, 3), (12, 11)])
def test_a_run_in_a_class_equals_the_run_alone(changes, size, slot):
    base = GANConfig(**changes)
    # Classmates differ in seed and learning rates, and have trained different numbers of
    # steps before (same phase of the evaluation period, as the scheduler groups them).
    class_ = [Trainer(base.replace(seed=100 + i, lr_g=1e-3 * (1 + i % 3))) for i in range(size)]
    for i, t in enumerate(class_):
        t.run(50 * (i % 3))
    student = Trainer(base.replace(seed=7))
    student.run(100)
    alone = Trainer(base.replace(seed=7))
    alone.run(100)
    class_[slot] = student
    taken = run_together(class_, 130)
    alone.run(130)
    assert taken[slot] == 130
    _same(student, alone)


def test_runs_at_different_phases_or_structures_do_not_share_a_key():
    cfg = GANConfig()
    assert class_key(cfg, "both", 0, 50) == class_key(cfg.replace(seed=3, lr_d=0.01), "both",
                                                       100, 50)
    assert class_key(cfg, "both", 0, 50) != class_key(cfg, "both", 7, 50)
    assert class_key(cfg, "both", 0, 50) != class_key(cfg, "g", 0, 50)
    assert class_key(cfg, "both", 0, 50) != class_key(cfg.replace(n_bits=8), "both", 0, 50)
    assert class_key(cfg.replace(loss="wgan-gp"), "both", 0, 50) is None
    with pytest.raises(ValueError):
        run_together([Trainer(cfg), Trainer(cfg.replace(n_bits=8))], 5)


def test_a_run_that_blows_up_in_a_class_stops_where_it_would_alone():
    wild = GANConfig(loss="lsgan", lr_d=10.0, lr_g=10.0, optimizer_d="sgd", optimizer_g="sgd",
                     d_hidden=32)
    alone = Trainer(wild)
    alone.run(2000)
    assert alone.diverged  # otherwise this test tests nothing
    together = [Trainer(wild.replace(lr_d=1e-3, lr_g=1e-3)), Trainer(wild)]
    taken = run_together(together, 2000)
    assert taken[1] == alone.step_count and together[1].diverged == alone.diverged
    assert taken[0] == 2000 and together[0].diverged is None
    _same(together[1], alone)


def test_runs_that_decode_differently_never_share_a_class():
    """An engine evaluates all its runs one way, so decoding is part of the class key (two
    playing students, one sampling, once stopped each other)."""
    base = GANConfig(seed=1)
    keys = {class_key(base.replace(decode=d), "both", 0, 50) for d in ("threshold", "sample")}
    assert len(keys) == 2
    a, b = Trainer(base), Trainer(base.replace(seed=2, decode="sample"))
    with pytest.raises(ValueError, match="cannot share a batch"):
        run_together([a, b], 5)
