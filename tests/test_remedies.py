"""The two remedies of the lessons, each checked against a plain PyTorch reference fed the
engine's own noise and data: R1 (Mescheder et al. 2018) and the unrolled G (Metz et al. 2016).

The references are nn.Linear modules, torch.optim and autograd, written from the papers'
formulas; the engine must agree to float rounding (atol 1e-5), not bit for bit: torch's fused
kernels round differently from ours, and differently on each CPU.
"""

import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from evengan import GANConfig
from evengan.engine import Engine
from tests.test_engine import linear_pair


def _batches(cfg: GANConfig, steps: int):
    gen = torch.Generator().manual_seed(0)
    n = cfg.n_bits
    for _ in range(steps):
        z = torch.randint(0, 2, (cfg.batch_size, n), generator=gen).float()
        real = torch.randint(0, 2 ** (n - 1), (cfg.batch_size,), generator=gen) * 2
        yield z, ((real[:, None] >> torch.arange(n - 1, -1, -1)) & 1).float()


def _d_loss(weight, bias, real, fake):
    """The tutorial's D loss on logits: BCE's mean on the real half and on the fake half."""
    s_real, s_fake = F.linear(real, weight, bias), F.linear(fake, weight, bias)
    return 0.5 * (F.softplus(-s_real).mean() + F.softplus(s_fake).mean())


def _assert_same_weights(e: Engine, g: nn.Linear, d: nn.Linear) -> None:
    assert torch.allclose(e.g_views[0][0][0].T, g.weight, atol=1e-5)
    assert torch.allclose(e.g_views[0][1][0, 0], g.bias, atol=1e-5)
    assert torch.allclose(e.d_views[0][0][0].T, d.weight, atol=1e-5)
    assert torch.allclose(e.d_views[0][1][0, 0], d.bias, atol=1e-5)


@pytest.mark.parametrize("gamma", [0.5, 5.0])
def test_r1_matches_a_reference_that_takes_the_penalty_by_autograd(gamma):
    cfg = GANConfig(seed=4, r1_weight=gamma)
    e = Engine([cfg])
    assert e.closed_form  # a linear D: grad_x D = w, so R1 is gamma/2 |w|^2 in closed form
    g, d = linear_pair(e)
    opt_g, opt_d = (torch.optim.Adam(m.parameters(), lr=1e-3) for m in (g, d))
    for z, real in _batches(cfg, 30):
        e.step(z=z[None], real=real[None])
        fake = torch.sigmoid(g(z)).detach()  # D judges the fakes G made before its update
        # (1) update G
        opt_g.zero_grad()
        F.softplus(-d(torch.sigmoid(g(z)))).mean().backward()
        opt_g.step()
        # (2) update D, with R1 on the real batch
        opt_d.zero_grad()
        x = real.clone().requires_grad_(True)
        (grad_x,) = torch.autograd.grad(d(x).sum(), x, create_graph=True)
        r1 = gamma / 2 * (grad_x * grad_x).sum(-1).mean()
        (_d_loss(d.weight, d.bias, real, fake) + r1).backward()
        opt_d.step()
    _assert_same_weights(e, g, d)


def test_r1_pulls_a_linear_d_toward_zero():
    """Trained alone against a frozen G, D keeps growing its weights; R1 holds them small."""
    plain, r1 = Engine([GANConfig(seed=2)]), Engine([GANConfig(seed=2, r1_weight=10.0)])
    for e in (plain, r1):
        for _ in range(300):
            e.step(mode="d")
    norms = [float(e.d_views[0][0].norm()) for e in (plain, r1)]
    assert norms[1] < 0.5 * norms[0]


def _unrolled(d: nn.Linear, opt: torch.optim.Optimizer, k: int, real, fake, lr, momentum):
    """D's weight and bias after k more of its optimiser's steps, differentiable in `fake`:
    Adam's or SGD's formula, from the optimiser's own state."""
    params = [d.weight, d.bias]
    w = [p.detach().requires_grad_(True) for p in params]
    state = [opt.state.get(p, {}) for p in params]
    adam = isinstance(opt, torch.optim.Adam)
    if adam:
        b1, b2 = opt.defaults["betas"]
        m = [s.get("exp_avg", torch.zeros_like(p)) for s, p in zip(state, params)]
        v = [s.get("exp_avg_sq", torch.zeros_like(p)) for s, p in zip(state, params)]
        t0 = int(state[0].get("step", 0))
    else:
        buf = [s.get("momentum_buffer", None) for s in state]
        buf = [torch.zeros_like(p) if b is None else b for b, p in zip(buf, params)]
    for j in range(1, k + 1):
        grads = torch.autograd.grad(_d_loss(w[0], w[1], real, fake), w, create_graph=True)
        if adam:
            t = t0 + j
            m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, grads)]
            v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, grads)]
            w = [wi - lr / (1 - b1**t) * mi / (vi.sqrt() / math.sqrt(1 - b2**t) + 1e-8)
                 for wi, mi, vi in zip(w, m, v)]
        else:
            buf = [momentum * bi + gi for bi, gi in zip(buf, grads)]
            w = [wi - lr * bi for wi, bi in zip(w, buf)]
    return w


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_unrolled_g_matches_a_reference_that_differentiates_through_d_steps(k, optimizer):
    cfg = GANConfig(seed=7, unroll_steps=k, optimizer_d=optimizer, momentum=0.5,
                    lr_d=0.05 if optimizer == "sgd" else 1e-3)
    e = Engine([cfg])
    assert not e.closed_form
    g, d = linear_pair(e)
    opt_g = torch.optim.Adam(g.parameters(), lr=cfg.lr_g)
    opt_d = (torch.optim.Adam(d.parameters(), lr=cfg.lr_d) if optimizer == "adam" else
             torch.optim.SGD(d.parameters(), lr=cfg.lr_d, momentum=cfg.momentum))
    for z, real in _batches(cfg, 20):
        e.step(z=z[None], real=real[None])
        # (1) update G against D unrolled k steps on this step's batches
        opt_g.zero_grad()
        fake = torch.sigmoid(g(z))
        w, b = _unrolled(d, opt_d, k, real, fake, cfg.lr_d, cfg.momentum)
        F.softplus(-F.linear(fake, w, b)).mean().backward()
        opt_g.step()
        # (2) update D as usual, on the fakes G made before its update
        opt_d.zero_grad()
        _d_loss(d.weight, d.bias, real, fake.detach()).backward()
        opt_d.step()
    _assert_same_weights(e, g, d)


def test_unrolling_changes_g_gradient_and_leaves_d_alone():
    """Same noise and data: G's gradient differs from the plain one, D's update does not (the
    unrolled D is a copy in G's graph, never the live one)."""
    plain, unrolled = Engine([GANConfig(seed=3)]), Engine([GANConfig(seed=3, unroll_steps=5)])
    z, real = plain.peek_inputs()
    grads = [e._g_grad(z, 0.0, real)[0] for e in (plain, unrolled)]
    assert (grads[0] - grads[1]).abs().max() > 1e-3 * grads[0].abs().max()
    records = [e.step(z=z, real=real) for e in (plain, unrolled)]
    assert torch.allclose(plain.d, unrolled.d, atol=1e-6)
    # The G loss logged is against the live D, as in any run (so it still reads against ln 2)
    assert torch.allclose(records[0][:, 0], records[1][:, 0], atol=1e-6)


@pytest.mark.parametrize("changes", [{"unroll_steps": 2}, {"r1_weight": 1.0, "d_hidden": 6}])
def test_batched_runs_of_a_remedy_train_as_they_would_alone(changes):
    """Autograd's kernels are not batch-invariant, so agreement is to rounding (atol 1e-5)."""
    cfgs = [GANConfig(seed=s, lr_g=lr, **changes) for s, lr in [(0, 1e-3), (1, 3e-3)]]
    together, alone = Engine(cfgs), Engine([cfgs[1]])
    for _ in range(15):
        together.step()
        alone.step()
    assert torch.allclose(together.g[1], alone.g[0], atol=1e-5)
    assert torch.allclose(together.d[1], alone.d[0], atol=1e-5)


def test_remedies_are_config_fields_links_and_cli_flags():
    cfg = GANConfig(unroll_steps=5, r1_weight=2.5)
    assert cfg.to_query() == {"unroll_steps": "5", "r1_weight": "2.5"}
    assert cfg.autograd and not GANConfig(r1_weight=2.5).autograd
    assert cfg.batch_key() != GANConfig().batch_key()
    for bad in ({"unroll_steps": -1}, {"unroll_steps": 21}, {"r1_weight": -0.1}):
        with pytest.raises(ValueError):
            GANConfig(**bad)
