"""Rewind and branches: going back to a step is exactly a fresh replay of the recipe to it.

The snapshots are only a shortcut: a rewound run must equal, bit for bit, the run that
Trainer.from_recipe builds from the recipe cut at that step (the same operations in the same
order on the same machine, so bit-identity is guaranteed, not lucky).
"""

import io

import numpy as np
import pytest
import torch

from evengan import GANConfig, Trainer, budget, rewind
from evengan.history import History
from evengan.recipe import after, prefix, split_step, steps

from .test_recipe import _random_actions

LOGS = ("history", "evals", "weights", "timeline")


def _identical(a: Trainer, b: Trainer) -> None:
    sa, sb = a.engine.state(), b.engine.state()
    for name in ("g", "d", "g_m", "g_v", "d_m", "d_v"):
        assert torch.equal(sa[name], sb[name]), name
    for name in ("counter", "g_t", "d_t"):
        assert np.array_equal(sa[name], sb[name]), name
    assert a.step_count == b.step_count and a.config == b.config
    for name in LOGS:
        if getattr(a, name) is not None:
            assert np.array_equal(getattr(a, name).array(), getattr(b, name).array(),
                                  equal_nan=True), name
    assert a.recipe() == b.recipe()
    assert a.diverged == b.diverged
    assert a.last_batch() == b.last_batch()


def _replayed_to(trainer: Trainer, step: int) -> Trainer:
    """The recipe replayed to `step`: cut there, or whole at the run's current step."""
    data = trainer.recipe()
    if step == trainer.step_count and not trainer.diverged:
        return Trainer.from_recipe(data)
    return Trainer.from_recipe({**data, "log": prefix(data["log"], step)})


def test_prefix_and_after_cut_a_log_at_the_moment_it_reaches_a_step():
    log = [{"do": "run", "mode": "both", "n": 500},
           {"do": "config", "set": {"lr_g": 0.01}},
           {"do": "run", "mode": "both", "n": 500}]
    # The worked example of prefix()'s docstring.
    assert prefix(log, 500) == log[:1]
    assert prefix(log, 700) == [log[0], log[1], {**log[2], "n": 200}]
    # What was done at step 500 after reaching it belongs to what comes after.
    assert after(log, 500) == log[1:]
    assert after(log, 700) == [{**log[2], "n": 300}]
    assert prefix(log, 0) == [] and after(log, 0) == log


@pytest.mark.parametrize("seed", range(4))
def test_prefix_then_after_is_the_whole_log_at_every_step(seed):
    rng = np.random.default_rng(seed)
    live = Trainer(GANConfig(seed=seed), eval_every=0)
    _random_actions(live, rng, 12)
    log = live.recipe()["log"]
    for s in range(steps(log) + 1):  # every step: the output space is small enough
        replay = Trainer(GANConfig(seed=seed), eval_every=0)
        replay.actions = prefix(log, s) + after(log, s)
        merged = Trainer(GANConfig(seed=seed), eval_every=0)
        for action in replay.actions:
            merged.note(**{k: v for k, v in action.items()}) if action["do"] != "run" \
                else merged.note("run", mode=action["mode"], n=action["n"])
        assert merged.actions == log, s
        assert steps(prefix(log, s)) == s


@pytest.mark.parametrize("seed", range(5))
def test_rewind_equals_a_fresh_replay_to_that_step(seed):
    rng = np.random.default_rng(100 + seed)
    base = GANConfig(seed=seed) if seed % 2 else GANConfig(seed=seed, d_hidden=8, n_bits=5)
    live = Trainer(base)
    live.snapshots = rewind.Snapshots(every=40)  # many snapshots, crossed in every way
    _random_actions(live, rng, 30)
    end = live.step_count
    for step in sorted({0, 1, end // 3, end // 2, end - 1, end, *rng.integers(0, end, 4)}):
        _identical(live.fork(int(step)), _replayed_to(live, int(step)))
    live.rewind(end // 2)
    _identical(live, _replayed_to(live, end // 2))
    live.run(123)  # and goes on as the replay does
    again = Trainer.from_recipe(live.recipe())
    _identical(live, again)


def test_a_fork_at_the_current_step_keeps_what_was_just_done():
    live = Trainer(GANConfig(seed=2))
    live.run(300)
    live.update_config(live.config.replace(lr_g=0.01))  # at step 300, after reaching it
    live.set_weight("g", 0, 1, 2, 0.5)
    branch = live.fork(300)
    assert branch.config.lr_g == 0.01 and branch.recipe() == live.recipe()
    _identical(branch, live)
    earlier = live.fork(299)  # one step back: both changes came after, so both go
    assert earlier.config.lr_g == live.origin.lr_g


def test_a_fork_leaves_the_run_it_came_from_as_it_was():
    live = Trainer(GANConfig(seed=3))
    live.run(900)
    before = Trainer.from_recipe(live.recipe())
    branch = live.fork(400)
    branch.update_config(branch.config.replace(lr_g=0.01))
    branch.run(300)
    live.run(10)
    before.run(10)
    _identical(live, before)
    assert split_step(live.recipe(), branch.recipe()) == 400


def test_a_diverged_run_rewinds_to_before_its_blow_up():
    live = Trainer(GANConfig(loss="lsgan", lr_d=10.0, lr_g=10.0, optimizer_d="sgd",
                             optimizer_g="sgd", d_hidden=32))
    live.run(2000)
    assert live.diverged, "this config must blow up for the test to mean anything"
    at = live.step_count
    back = live.fork(at // 2)
    assert back.diverged is None
    _identical(back, _replayed_to(live, at // 2))


def test_split_step_is_the_last_step_two_runs_share():
    a = Trainer(GANConfig(seed=1))
    a.run(250)
    b = a.fork(250)
    a.run(100, "d")
    b.run(100, "g")
    assert split_step(a.recipe(), b.recipe()) == 250
    b_both = a.fork(300)
    assert split_step(a.recipe(), b_both.recipe()) == 300  # one is the other's prefix
    other_seed = Trainer(GANConfig(seed=2))
    other_seed.run(250)
    assert split_step(a.recipe(), other_seed.recipe()) == 0
    # Brute force: the largest step at which the cut recipes agree.
    brute = max(s for s in range(351) if prefix(a.recipe()["log"], s)
                == prefix(b.recipe()["log"], s))
    assert brute == 250


@pytest.mark.parametrize("capacity", [8, 16, 64])
def test_rewind_is_exact_when_the_logs_have_thinned(capacity):
    live = Trainer(GANConfig(seed=6), history_capacity=capacity, eval_every=7)
    live.snapshots = rewind.Snapshots(every=3)  # snapshots between thinnings, on and off
    live.snapshots.take(live)
    live.run(400)
    for step in (1, 2, 99, 100, 101, 250, 399, 400):
        data = live.recipe()
        replay = (Trainer.from_recipe(data, history_capacity=capacity, eval_every=7)
                  if step == 400 else Trainer.from_recipe(
                      {**data, "log": prefix(data["log"], step)}, history_capacity=capacity,
                      eval_every=7))
        _identical(live.fork(step), replay)


def test_snapshots_stay_few_and_small_on_a_long_run():
    live = Trainer(GANConfig(seed=4))
    live.snapshots = rewind.Snapshots(every=2)
    live.snapshots.take(live)
    live.run(3000)
    kept = live.snapshots.kept
    assert len(kept) <= rewind.MAX_SNAPSHOTS
    assert live.snapshots.every > 2  # spacing doubled as they thinned
    assert live.snapshots.nbytes() <= budget.rewind_bytes(live.config)
    assert kept[0].step == 0
    _identical(live.fork(2222), _replayed_to(live, 2222))


def test_a_run_loaded_from_a_checkpoint_rewinds_through_its_recipe():
    live = Trainer(GANConfig(seed=5))
    live.run(300)
    live.update_config(live.config.replace(lr_d=5e-4))
    live.run(200)
    buf = io.BytesIO()
    live.save(buf)
    loaded = Trainer.load(buf.getvalue())
    loaded.eval_every = live.eval_every
    loaded.rewind(350)
    _identical(loaded, _replayed_to(live, 350))


def test_rewind_refuses_a_step_not_reached():
    live = Trainer(GANConfig())
    live.run(10)
    for bad in (-1, 11, 2.5, "3"):
        with pytest.raises(ValueError, match="step must be in 0..10"):
            live.rewind(bad)


def test_a_frozen_history_never_changes_as_the_log_goes_on():
    log = History(["x"], capacity=8)
    log.append([[i, i * i] for i in range(1, 7)])
    frozen = log.frozen()
    seen = frozen[0][: frozen[1]].copy()
    log.append([[i, -i] for i in range(7, 40)])  # fills and thins many times
    assert np.array_equal(frozen[0][: frozen[1]], seen)
    back = History(["x"], capacity=8)
    back.restore(frozen)
    assert np.array_equal(back.array(), seen)
