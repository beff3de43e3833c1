"""A run is a recipe: config, seed and the log of actions rebuild it bit for bit.

Bit-identity holds by construction: the rebuilt run performs the very same operations in the
same order on the same machine, with every random draw a hash of (seed, counter).
"""

import numpy as np
import pytest
import torch

from evengan import GANConfig, Trainer
from evengan.recipe import check, decode, encode, recipe

LIVE_CHANGES = [{"lr_g": 1e-2}, {"lr_d": 5e-4}, {"beta1": 0.5}, {"label_smoothing": 0.1},
                {"instance_noise": 0.2}, {"d_steps": 2}, {"g_steps": 2}, {"lr_g": 1e-3}]


def _same_run(a: Trainer, b: Trainer) -> None:
    sa, sb = a.engine.state(), b.engine.state()
    for name in ("g", "d", "g_m", "g_v", "d_m", "d_v"):
        assert torch.equal(sa[name], sb[name]), name
    assert (sa["counter"] == sb["counter"]).all() and a.step_count == b.step_count
    assert np.array_equal(a.history.array(), b.history.array(), equal_nan=True)
    assert a.config == b.config


def _random_actions(trainer: Trainer, rng: np.random.Generator, count: int) -> None:
    for _ in range(count):
        what = rng.integers(6)
        if what <= 1:
            trainer.run(int(rng.integers(1, 120)), ["both", "g", "d"][rng.integers(3)])
        elif what == 2:
            trainer.step(["both", "g", "d"][rng.integers(3)])
        elif what == 3:
            change = LIVE_CHANGES[rng.integers(len(LIVE_CHANGES))]
            trainer.update_config(trainer.config.replace(**change))
        elif what == 4:
            trainer.reinit(["g", "d"][rng.integers(2)])
        else:
            n = trainer.config.n_bits
            trainer.set_weight("g", 0, int(rng.integers(n)), int(rng.integers(n)),
                               float(rng.normal()))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("base", [GANConfig(), GANConfig(d_hidden=8, pack=2, n_bits=5)],
                         ids=["tutorial", "mlp-d"])
def test_a_random_history_of_actions_rebuilds_bit_for_bit(seed, base):
    rng = np.random.default_rng(seed)
    live = Trainer(base.replace(seed=seed))
    _random_actions(live, rng, 25)
    rebuilt = Trainer.from_recipe(decode(encode(live.recipe())))  # through a link's encoding
    _same_run(live, rebuilt)
    # The rebuilt run goes on exactly as the live one does.
    live.run(77)
    rebuilt.run(77)
    _same_run(live, rebuilt)


def test_consecutive_runs_merge_and_a_reset_starts_a_new_recipe():
    t = Trainer()
    t.run(10)
    t.step()
    t.run(5, "d")
    assert recipe(t)["log"] == [{"do": "run", "mode": "both", "n": 11},
                                {"do": "run", "mode": "d", "n": 5}]
    t.update_config(t.config.replace(n_bits=6))  # new networks: step 0 again
    assert recipe(t) == {"v": 1, "config": GANConfig(n_bits=6).to_dict(), "log": []}


def test_a_checkpoint_keeps_the_recipe_so_a_loaded_run_can_be_shared(tmp_path):
    t = Trainer()
    t.run(40)
    t.update_config(t.config.replace(lr_d=5e-3))
    t.run(25, "d")
    t.save(tmp_path / "run.npz")
    loaded = Trainer.load(tmp_path / "run.npz")
    assert loaded.recipe() == t.recipe()
    _same_run(Trainer.from_recipe(loaded.recipe()), t)
    loaded.run(10)  # and it goes on logging
    assert loaded.recipe()["log"][-1] == {"do": "run", "mode": "both", "n": 10}


def test_a_checkpoint_whose_recipe_does_not_lead_to_its_step_is_refused(tmp_path):
    from evengan import checkpoint

    t = Trainer()
    t.run(40)
    t.actions = [{"do": "run", "mode": "both", "n": 39}]  # a forged past
    t.save(tmp_path / "forged.npz")
    with pytest.raises(checkpoint.InvalidCheckpoint, match="recipe"):
        Trainer.load(tmp_path / "forged.npz")
    t.actions = None  # a past not known: the file loads, without a recipe
    t.save(tmp_path / "unknown.npz")
    with pytest.raises(ValueError, match="past is not known"):
        Trainer.load(tmp_path / "unknown.npz").recipe()


def _good() -> dict:
    t = Trainer()
    t.run(30)
    t.reinit("g")
    return recipe(t)


@pytest.mark.parametrize("tamper", [
    lambda r: r.update(v=2),
    lambda r: r.update(extra=1),
    lambda r: r["config"].update(n_bits=99),
    lambda r: r["config"].update(evil=1),
    lambda r: r.update(log="run"),
    lambda r: r["log"].append({"do": "format_disk"}),
    lambda r: r["log"].append({"do": "run", "mode": "both", "n": 10**9}),
    lambda r: r["log"].append({"do": "run", "mode": "sideways", "n": 5}),
    lambda r: r["log"].append({"do": "run", "mode": "both", "n": True}),
    lambda r: r["log"].append({"do": "reinit", "net": "x"}),
    lambda r: r["log"].append({"do": "config", "set": {"n_bits": 9}}),
    lambda r: r["log"].append({"do": "config", "set": {"lr_g": -1.0}}),
    lambda r: r["log"].append({"do": "set_weight", "net": "g", "layer": 0, "row": 0,
                               "col": 99, "value": 1.0}),
    lambda r: r["log"].append({"do": "set_weight", "net": "g", "layer": 0, "row": 8,
                               "col": 0, "value": 1.0}),
    lambda r: r["log"].append({"do": "set_weight", "net": "g", "layer": 0, "row": 0,
                               "col": 0, "value": float("inf")}),
    lambda r: r["log"].extend([{"do": "reinit", "net": "g"}] * 6000),
])
def test_a_tampered_recipe_is_refused_in_one_sentence(tamper):
    data = _good()
    tamper(data)
    with pytest.raises(ValueError) as err:
        Trainer.from_recipe(data)
    assert "\n" not in str(err.value)


def test_a_recipe_over_the_step_budget_is_refused_before_training():
    data = {"v": 1, "config": GANConfig().to_dict(),
            "log": [{"do": "run", "mode": "both", "n": 600_000}] * 2}
    with pytest.raises(ValueError, match="1,000,000"):
        check(data)
    assert check(data, max_steps=2_000_000)[0] == GANConfig()


@pytest.mark.parametrize("text", ["", "!!!", "a" * 30_000, encode({"v": 1})[:-3],
                                  "eJwrSS0uAQAEXQHB"])
def test_damaged_links_are_refused(text):
    with pytest.raises(ValueError):
        check(decode(text))


def test_a_deflate_bomb_in_a_link_is_refused():
    import base64
    import zlib

    bomb = base64.urlsafe_b64encode(zlib.compress(b"[" * 5_000_000, 9)).decode()
    assert len(bomb) < 20_000
    with pytest.raises(ValueError, match="damaged"):
        decode(bomb)


@pytest.mark.parametrize("bad", [123, "", "x" * 20_001, "not-a-recipe", ["run"]])
def test_a_checkpoint_with_a_crafted_recipe_field_is_refused(tmp_path, bad, monkeypatch):
    from evengan import checkpoint

    t = Trainer()
    t.run(5)
    real, write = {}, checkpoint.write
    monkeypatch.setattr(checkpoint, "write", lambda target, meta, arrays: real.update(
        meta=meta, arrays=arrays))
    t.save(tmp_path / "x.npz")  # what save would write, kept to be tampered with
    write(tmp_path / "bad.npz", {**real["meta"], "recipe": bad}, real["arrays"])
    with pytest.raises(checkpoint.InvalidCheckpoint):
        Trainer.load(tmp_path / "bad.npz")


def test_a_long_history_is_the_same_however_the_run_was_chunked():
    """Past the history's capacity it thins; what it keeps must not depend on the chunks a
    run was trained in (Play's slices against a replay's evaluation periods)."""
    a, b = Trainer(history_capacity=64), Trainer(history_capacity=64)
    a.run(1000)
    rng = np.random.default_rng(0)
    while b.step_count < 1000:
        b.run(int(min(rng.integers(1, 40), 1000 - b.step_count)))
    _same_run(a, b)
