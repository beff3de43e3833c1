"""The mode-collapse lab: every training variant learns, the presets keep their promises,
and the interventions do what they say."""

import numpy as np
import pytest
import torch

from evengan import GANConfig, Trainer
from evengan.engine import Engine
from evengan.metrics import detect_collapse
from evengan.presets import PRESETS

VARIANTS = {
    "minimax": {"loss": "minimax"},
    "lsgan": {"loss": "lsgan"},
    "wgan": {"loss": "wgan", "lr_g": 5e-4, "lr_d": 5e-4, "d_steps": 5},
    "wgan-gp": {"loss": "wgan-gp", "d_hidden": 16, "d_steps": 3, "beta1": 0.5, "beta2": 0.9},
    "k-steps": {"d_steps": 3, "g_steps": 2},
    "sgd": {"optimizer_g": "sgd", "optimizer_d": "sgd", "lr_g": 0.05, "lr_d": 0.05,
            "momentum": 0.9},
    "label-smoothing": {"label_smoothing": 0.2},
    "instance-noise": {"instance_noise": 0.2},
    "mlp-d": {"d_hidden": 16, "d_depth": 2},
    "mbstd": {"d_hidden": 16, "mbstd": True},
    "pacgan": {"pack": 4, "d_hidden": 16, "batch_size": 32},
    "mlp-g": {"g_hidden": 16},
    "uniform-noise": {"noise": "uniform"},
    "gaussian-noise": {"noise": "gaussian", "noise_dim": 4},
    "bernoulli-decoding": {"decode": "sample"},
}


@pytest.mark.parametrize("changes", VARIANTS.values(), ids=VARIANTS.keys())
def test_every_variant_trains_and_learns_the_last_bit(changes):
    """Measured on seeds 0-5 at 1,500 steps: even ratio 1.0 for all but Bernoulli decoding
    (0.95-0.98, since sampling keeps some odd draws). We ask 0.9 on seed 1."""
    t = Trainer(GANConfig(seed=1, **changes))
    assert t.run(1500) == 1500 and not t.diverged
    ev = t.evaluate()
    assert ev["even_ratio"] >= 0.9
    assert np.isfinite(t.history.array()[:, 1:5]).all()


def _final(preset: str, seeds=range(10), steps=3000) -> dict:
    """Trains the preset's config over seeds at once (the same arithmetic as a Trainer)."""
    base = PRESETS[preset].config
    engine = Engine([base.replace(seed=s) for s in seeds])
    for _ in range(steps):
        engine.step()
    ev = engine.evaluate()
    return {k: ev[k].numpy() for k in ("coverage", "even_ratio", "js_bits")}


def test_healthy_preset_covers_the_evens_in_every_seed():
    """The issue asks even ratio >= 0.98 in all 10 seeds and median coverage >= 0.8.
    Measured: coverage 1.0 and even ratio 1.0 in each of seeds 0-19, JS 0.02-0.07 bits."""
    out = _final("healthy")
    assert out["even_ratio"].min() >= 0.98
    assert np.median(out["coverage"]) >= 0.95
    assert out["coverage"].min() >= 0.9


def test_collapse_preset_collapses_in_most_seeds():
    """Coverage <= 0.2 after 3,000 steps in at least 8 of 10 seeds (measured: 10 of 10,
    every run on one to three numbers)."""
    out = _final("collapse")
    assert (out["coverage"] <= 0.2).sum() >= 8


def test_tutorial_preset_is_the_tutorial_and_stays_narrow():
    assert PRESETS["tutorial"].config == GANConfig()
    out = _final("tutorial", steps=500)
    assert np.median(out["coverage"]) <= 0.35  # measured 0.13-0.25 over seeds 0-9


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_has_its_two_sentences_and_trains(name):
    preset = PRESETS[name]
    assert preset.blurb.count(". ") >= 1
    t = Trainer(preset.config)
    assert t.run(20) == 20


def test_peek_inputs_are_the_ones_the_step_uses():
    e = Engine([GANConfig(seed=2)])
    z, real = e.peek_inputs()
    e2 = Engine([GANConfig(seed=2)])
    e2.step(z=z, real=real)
    e.step()
    assert torch.equal(e.g, e2.g) and torch.equal(e.d, e2.d)


def test_narrated_step_is_a_real_step():
    a, b = Trainer(GANConfig(seed=4)), Trainer(GANConfig(seed=4))
    a.run(10)
    b.run(10)
    story = a.narrated_step()
    b.step()
    assert np.array_equal(a.history.array(), b.history.array())
    assert len(story["fake_ints"]) == 16 and story["g_change"] > 0 and story["d_change"] > 0
    assert story["record"]["step"] == 11


@pytest.mark.parametrize("changes", [{}, {"instance_noise": 0.3},
                                     {"loss": "wgan-gp", "d_hidden": 8}])
def test_slow_motion_tells_what_d_saw_in_the_step_itself(changes):
    """D's verdicts in the story are the step's own, instance noise included: the record's
    D(real) and D(fake) are their means."""
    t = Trainer(GANConfig(seed=4, **changes))
    t.run(20)
    story = t.narrated_step()
    record = story["record"]
    assert abs(float(np.mean(story["d_real"])) - record["d_real"]) < 1e-5
    assert abs(float(np.mean(story["d_fake"])) - record["d_fake"]) < 1e-5


def test_set_weight_changes_the_output_and_rejects_bad_indices():
    t = Trainer(GANConfig(seed=5))
    z = torch.ones(1, 7)
    before = t.generator(z).detach().clone()
    t.engine.set_weight("g", 0, 0, 6, 25.0)  # noise bit 0 -> output bit 0 (the parity bit)
    assert float(t.generator.weight(0)[0, 6]) == 25.0
    assert float(t.generator(z)[0, 6]) > float(before[0, 6])
    t.engine.set_weight("g", 0, 7, 6, -9.0)  # row 7, one past the inputs: the bias
    assert float(t.generator.bias(0)[6]) == -9.0
    for bad in [(1, 0, 0), (0, 8, 0), (0, 0, 7)]:
        with pytest.raises(ValueError):
            t.engine.set_weight("g", *bad, 1.0)
    with pytest.raises(ValueError):
        t.engine.set_weight("d", 0, 0, 0, float("nan"))


def test_reinit_gives_new_weights_and_fresh_optimiser():
    t = Trainer(GANConfig(seed=6))
    t.run(30)
    old = t.engine.d.detach().clone()
    t.engine.reinit("d")
    assert not torch.equal(old, t.engine.d)
    assert t.engine.opt["d"]["t"] == 0 and float(t.engine.opt["d"]["m"].abs().sum()) == 0
    assert t.run(5) == 5


@pytest.mark.parametrize("seed", [1, 2])
def test_the_collapse_preset_collapses_early_and_stays(seed):
    t = Trainer(PRESETS["collapse"].config.replace(seed=seed))
    t.run(1000)
    found = detect_collapse(t.evals["step"], t.evals["coverage"], t.evals["entropy_bits"],
                            t.config.evens)
    assert found.collapsed and found.since <= 300


def test_d_bit_weights_and_singular_values_are_recorded():
    t = Trainer(GANConfig(seed=7))
    t.run(100)
    w = t.weights.last()
    assert w["step"] == 100
    sv = [w[f"g_sv{i}"] for i in range(7)]
    assert sv == sorted(sv, reverse=True) and sv[0] > 0
    lin = t.discriminator.weight(0)[:, 0].detach().numpy()
    assert np.allclose([w[f"d_bit{i}"] for i in range(7)], lin, atol=1e-6)


def test_a_linear_d_pushes_every_sample_the_same_way():
    """The teaching point of the push panel: a linear D's gradient on G's outputs is its own
    weight vector for every sample (rank one); an MLP D pushes samples apart."""
    linear = Trainer(GANConfig(seed=3))
    linear.run(200)
    e = linear.engine
    push = e.push(e.display_noise())[0].double().numpy()
    sv = np.linalg.svd(push, compute_uv=False)
    assert sv[1] < 1e-5 * sv[0]
    weights = e.weight("d", 0)[:, 0].double().numpy()
    assert np.allclose(np.abs(push[0] / np.linalg.norm(push[0])),
                       np.abs(weights / np.linalg.norm(weights)), atol=1e-5)
    mlp = Trainer(GANConfig(seed=3, d_hidden=16))
    mlp.run(200)
    push = mlp.engine.push(mlp.engine.display_noise())[0].double().numpy()
    sv = np.linalg.svd(push, compute_uv=False)
    assert sv[1] > 0.01 * sv[0]


def test_the_push_is_minus_the_gradient_of_g_s_loss_checked_by_finite_differences():
    t = Trainer(GANConfig(seed=4, d_hidden=8, loss="lsgan"))
    t.run(50)
    e = t.engine
    z = e.display_noise(4)
    push = e.push(z)[0].double()
    x = e.probabilities(z).double()

    def loss(x):  # G's loss summed over the batch, in float64
        from evengan.losses import Scores
        s = e.d_spec.forward(e.d.detach().double(), e.features(x), False)[..., 0]
        return float(e.loss.g(Scores(s)).sum())

    h = 1e-6
    for i, j in [(0, 0), (1, 3), (3, 6)]:
        up, down = x.clone(), x.clone()
        up[0, i, j] += h
        down[0, i, j] -= h
        assert abs(-(loss(up) - loss(down)) / (2 * h) - float(push[i, j])) < 1e-4
