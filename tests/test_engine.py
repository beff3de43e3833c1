"""The one GAN step: hand-written gradients against autograd, and against the tutorial's loop."""

import math

import pytest
import torch
import torch.nn as nn

from evengan import GANConfig
from evengan.engine import Engine
from evengan.losses import LOSSES

VARIANTS = [
    {},
    {"loss": "minimax"},
    {"loss": "lsgan", "label_smoothing": 0.1},
    {"loss": "wgan", "optimizer_d": "sgd", "optimizer_g": "sgd", "momentum": 0.5},
    {"label_smoothing": 0.2, "instance_noise": 0.3},
    {"d_hidden": 8, "d_depth": 2},
    {"g_hidden": 6, "g_depth": 2, "noise": "gaussian", "noise_dim": 3},
    {"pack": 4, "d_hidden": 5},
    {"d_steps": 3, "g_steps": 2, "noise": "uniform"},
    {"beta1": 0.5, "beta2": 0.99, "lr_g": 5e-3},
    {"r1_weight": 2.0},
    {"r1_weight": 0.5, "pack": 2, "instance_noise": 0.1, "loss": "lsgan"},
]


@pytest.mark.parametrize("changes", VARIANTS, ids=lambda c: ",".join(c) or "tutorial")
@pytest.mark.parametrize("seed", [0, 5])
def test_closed_form_gradients_equal_autograd(changes, seed):
    cfg = GANConfig(seed=seed, batch_size=8, **changes)
    fast, slow = Engine([cfg]), Engine([cfg])
    slow.closed_form = False
    for _ in range(5):
        ra, rb = fast.step(), slow.step()
        assert torch.allclose(ra[:, :5], rb[:, :5], atol=1e-5)
    assert torch.allclose(fast.g, slow.g, atol=1e-5)
    assert torch.allclose(fast.d, slow.d, atol=1e-5)


@pytest.mark.parametrize("mode", ["g", "d"])
def test_one_network_modes_leave_the_other_alone(mode):
    e = Engine([GANConfig(seed=1)])
    g0, d0 = e.g.detach().clone(), e.d.detach().clone()
    rec = e.step(mode)
    assert torch.equal(e.g, g0) == (mode == "d")
    assert torch.equal(e.d, d0) == (mode == "g")
    assert torch.isfinite(rec[0, :5]).all()


def linear_pair(e: Engine) -> tuple[nn.Linear, nn.Linear]:
    """The tutorial's G and D as nn.Linear modules holding the engine's first run's weights."""
    n = e.n
    g, d = nn.Linear(n, n), nn.Linear(n, 1)
    with torch.no_grad():
        g.weight.copy_(e.g_views[0][0][0].T)
        g.bias.copy_(e.g_views[0][1][0, 0])
        d.weight.copy_(e.d_views[0][0][0].T)
        d.bias.copy_(e.d_views[0][1][0, 0])
    return g, d


def test_matches_a_plain_pytorch_reference_of_the_tutorial_step():
    """nn.Linear + BCELoss + torch.optim.Adam, fed the engine's own noise and data."""
    cfg = GANConfig(seed=3)
    e = Engine([cfg])
    n = cfg.n_bits
    g, d = linear_pair(e)
    opt_g = torch.optim.Adam(g.parameters(), lr=cfg.lr_g)
    opt_d = torch.optim.Adam(d.parameters(), lr=cfg.lr_d)
    bce = nn.BCELoss()
    gen = torch.Generator().manual_seed(0)
    ones, zeros = torch.ones(cfg.batch_size, 1), torch.zeros(cfg.batch_size, 1)
    for _ in range(30):
        z = torch.randint(0, 2, (cfg.batch_size, n), generator=gen).float()
        real = (torch.randint(0, 64, (cfg.batch_size,), generator=gen) * 2)
        real = ((real[:, None] >> torch.arange(n - 1, -1, -1)) & 1).float()
        e.step(z=z[None], real=real[None])
        # (1) update G
        opt_g.zero_grad()
        fake = torch.sigmoid(g(z))
        bce(torch.sigmoid(d(fake)), ones).backward()
        opt_g.step()
        # (2) update D on real data and that same fake batch
        opt_d.zero_grad()
        loss_d = (bce(torch.sigmoid(d(real)), ones) + bce(torch.sigmoid(d(fake.detach())), zeros))
        (loss_d / 2).backward()
        opt_d.step()
    assert torch.allclose(e.g_views[0][0][0].T, g.weight, atol=1e-5)
    assert torch.allclose(e.g_views[0][1][0, 0], g.bias, atol=1e-5)
    assert torch.allclose(e.d_views[0][0][0].T, d.weight, atol=1e-5)
    assert torch.allclose(e.d_views[0][1][0, 0], d.bias, atol=1e-5)


def test_initial_weights_follow_nn_linear_bounds():
    e = Engine([GANConfig(n_bits=9, seed=2)])
    w = e.g_views[0][0]
    bound = 1 / math.sqrt(9)
    assert float(w.abs().max()) <= bound
    assert float(w.abs().max()) > 0.8 * bound  # spread over the whole range, not squeezed


def test_runs_in_a_batch_are_independent_of_each_other():
    """Bit for bit on any CPU: the closed-form step is batch-invariant arithmetic
    (evengan.exact), whose every op IEEE 754 rounds the same in any lane or position."""
    cfgs = [GANConfig(seed=s, lr_g=lr) for s, lr in [(0, 1e-3), (1, 2e-3), (0, 1e-3)]]
    together = Engine(cfgs)
    alone = Engine([cfgs[1]])
    for _ in range(20):
        together.step()
        alone.step()
    assert torch.equal(together.g[1], alone.g[0]) and torch.equal(together.d[1], alone.d[0])
    assert torch.equal(together.g[0], together.g[2])


def test_structure_mismatch_is_refused():
    with pytest.raises(ValueError):
        Engine([GANConfig(), GANConfig(n_bits=8)])
    with pytest.raises(ValueError):
        Engine([GANConfig()]).step("neither")


@pytest.mark.parametrize("loss", [name for name, entry in LOSSES.items() if entry.closed_form])
def test_every_loss_of_the_table_has_slopes_that_match_autograd(loss):
    """A loss added to evengan.losses is checked here with nothing else to write: its
    hand-written slopes drive the closed-form path, autograd differentiates its loss."""
    # SGD: an update proportional to the gradient (Adam's would blow a rounding difference
    # in a near-zero gradient up to a whole step).
    cfg = GANConfig(seed=2, batch_size=8, loss=loss, d_hidden=6, optimizer_g="sgd",
                    optimizer_d="sgd", lr_g=0.05, lr_d=0.05)
    fast, slow = Engine([cfg]), Engine([cfg])
    slow.closed_form = False
    for _ in range(4):
        ra, rb = fast.step(), slow.step()
        assert torch.allclose(ra[:, :2], rb[:, :2], atol=1e-5)  # the two losses
    assert torch.allclose(fast.g, slow.g, atol=1e-5)
    assert torch.allclose(fast.d, slow.d, atol=1e-5)
