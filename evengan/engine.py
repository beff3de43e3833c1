"""The one GAN training step, over R runs stacked along a leading dimension.

The Trainer is this engine at R = 1; the sweep runs it at R = 1024. There is no second copy of
the step: a sweep's run and a Trainer with the same config replay the same arithmetic, and
because the random numbers are hashes of (seed, counter), the same numbers too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from . import exact as ex
from . import metrics, rng
from .config import GANConfig
from .encoding import ints_to_bits
from .models import NetSpec, StackedNet, net_specs

# Record columns returned by step(), one row per run.
RECORD_COLUMNS = ("loss_g", "loss_d", "d_real", "d_fake", "even_batch", "grad_g", "grad_d")
# Hyperparameters that may differ between the runs of one batch: one value per run.
PER_RUN = (
    "lr_g",
    "lr_d",
    "beta1",
    "beta2",
    "momentum",
    "label_smoothing",
    "instance_noise",
    "clip",
    "gp_weight",
)
_EPS = 1e-8  # Adam's epsilon, as in torch.optim.Adam
_EVAL_DRAWS = 4096  # evaluation set size when the noise space is too big or continuous
_EVAL_KEY = 0x5EED  # fixed, seed-independent, so every run is judged on the same noise
_KEEP_GRAD = 4096  # parameters up to which a step keeps its gradient until records()
_RAW_FLOATS = 1 << 21  # floats that steps may keep for their records before they are made


class Engine:
    """R GANs sharing one structure (shapes, loss, optimisers), each with its own seed."""

    def __init__(self, configs: Sequence[GANConfig], device: str | torch.device = "cpu",
                 init: bool = True):
        """init=False leaves the weights at zero and draws nothing (stack() fills them)."""
        if not configs:
            raise ValueError("an engine needs at least one config")
        first = configs[0]
        if any(c.batch_key() != first.batch_key() for c in configs):
            raise ValueError("configs in one engine must share their batch key "
                             "(GANConfig.batch_key: shapes, k steps, noise and smoothing on/off)")
        self.configs = list(configs)
        self.base = first
        self.device = torch.device(device)
        self.R = len(configs)
        self.n, self.batch, self.z_dim = first.n_bits, first.batch_size, first.z_dim
        self.evens = (first.upper + 1) // 2
        self.g_spec, self.d_spec = net_specs(first)
        # Hand-written gradients for everything but the minibatch-std feature and WGAN-GP,
        # which take autograd; tests compare the two paths on every variant. The hand-written
        # path is also batch-invariant arithmetic (evengan.exact), so a run's bits never depend
        # on its batch; the autograd path uses torch's own kernels.
        self.closed_form = not first.mbstd and first.loss != "wgan-gp"
        # The score is a logit for the BCE losses, a raw critic value for LSGAN and WGAN.
        self.squash = (self._sigmoid if first.loss in ("bce", "minimax") else None)
        self._seed_keys = rng.seed_keys([c.seed for c in configs])
        self.set_hyper(configs)
        # Each run counts its own draws, so runs at different steps can share a batch.
        self.counters = np.zeros(self.R, dtype=np.int64)
        self.steps = 0
        if init:
            self.g, self.d = self._init_params(self.g_spec), self._init_params(self.d_spec)
        else:
            self.g, self.d = (torch.zeros(self.R, spec.n_params, device=self.device)
                              .requires_grad_(True) for spec in (self.g_spec, self.d_spec))
        self.opt = {"g": self._opt_state(self.g), "d": self._opt_state(self.d)}
        self._refresh_views()
        self._nan = torch.full((self.R,), math.nan, device=self.device)
        # Bits of every even target number, so a real batch is one lookup.
        evens = 2 * torch.arange(self.evens, device=self.device)
        self._even_bits = ints_to_bits(evens, self.n).to(torch.float32)
        self._parity = None
        if first.upper == 2**self.n:
            self._parity = torch.ones(self.n, device=self.device)
            self._parity[-1] = 0.0
        self._bit_shifts = torch.arange(32, device=self.device)

    def _refresh_views(self) -> None:
        """Live, graph-free layer views of both networks for the closed-form path."""
        self.g_views = self.g_spec.views(self.g.detach())
        self.d_views = self.d_spec.views(self.d.detach())

    # ---- set-up -------------------------------------------------------------------------

    def set_hyper(self, configs: Sequence[GANConfig]) -> None:
        """Takes new per-run numbers (learning rates, smoothing, ...) without touching weights."""
        if (len(configs) != self.R or configs[0].structure() != self.base.structure()
                or any(c.batch_key() != configs[0].batch_key() for c in configs)):
            raise ValueError("set_hyper needs configs of one batch key and the engine's "
                             "structure, one per run")
        self.configs = list(configs)
        self.base = configs[0]
        self._hp64 = {name: np.array([float(getattr(c, name)) for c in configs])
                      for name in PER_RUN}
        self.hp = {name: self._per_run(values) for name, values in self._hp64.items()}
        self._one_minus = {name: self._per_run(1.0 - self._hp64[name])
                           for name in ("beta1", "beta2")}
        self._smoothing = any(c.label_smoothing > 0 for c in configs)
        # Instance noise adds random draws to a step, so turning it on changes the step's plan.
        self._blurred = any(c.instance_noise > 0 for c in configs)
        self._plans: dict = {}

    def _per_run(self, values) -> torch.Tensor:
        """An (R, 1) float32 tensor: one form whether or not the runs agree, so that a run's
        arithmetic is the same alone and in any batch."""
        out = torch.from_numpy(np.asarray(values, dtype=np.float32).reshape(-1, 1))
        return out if self.device.type == "cpu" else out.to(self.device)

    # Elementwise pieces: batch-invariant on the closed-form path, autograd-friendly elsewhere.
    def _sigmoid(self, x: torch.Tensor) -> torch.Tensor:
        return ex.sigmoid(x) if self.closed_form else torch.sigmoid(x)

    def _mean(self, x: torch.Tensor) -> torch.Tensor:
        """Mean over the batch (the last dimension)."""
        return ex.mean(x, -1) if self.closed_form else x.mean(dim=-1)

    @property
    def counter(self) -> int:
        """The first run's draw counter (the only one of a Trainer's engine)."""
        return int(self.counters[0])

    def _keys(self):
        self.counters += 1
        return rng.draw_keys(self._seed_keys, self.counters)

    def _init_params(self, spec: NetSpec) -> torch.Tensor:
        u = rng.uniform(self._keys(), spec.n_params, self.device)
        bound = spec.init_bounds().to(self.device)
        return ((2 * u - 1) * bound).requires_grad_(True)

    def _opt_state(self, flat: torch.Tensor) -> dict:
        return {"m": torch.zeros_like(flat), "v": torch.zeros_like(flat),
                "t": np.zeros(self.R, dtype=np.int64)}

    def set_weight(self, net: str, layer: int, row: int, col: int, value: float) -> None:
        """Sets one weight of one layer by hand (every run): out = x @ W + b, W[row, col]."""
        spec, flat = (self.g_spec, self.g) if net == "g" else (self.d_spec, self.d)
        if not 0 <= layer < len(spec.layers):
            raise ValueError(f"layer must be in 0..{len(spec.layers) - 1}, got {layer}")
        _, fan_in, fan_out = spec.layers[layer]
        if not (0 <= row < fan_in and 0 <= col < fan_out):
            raise ValueError(
                f"weight index must be within {fan_in} x {fan_out}, got ({row}, {col})")
        if not math.isfinite(value):
            raise ValueError(f"a weight must be a finite number, got {value}")
        with torch.no_grad():
            spec.views(flat.detach())[layer][0][:, row, col] = value

    def reinit(self, net: str) -> None:
        """Fresh weights and optimiser state for "g" or "d", drawn from the run's own stream."""
        spec = self.g_spec if net == "g" else self.d_spec
        flat = self._init_params(spec)
        setattr(self, net, flat)
        self.opt[net] = self._opt_state(flat)
        self._refresh_views()

    # ---- the pieces of a step -----------------------------------------------------------

    def noise(self, piece: torch.Tensor) -> torch.Tensor:
        """G's input, shape (R, B, z_dim), from its piece of the step's random numbers:
        fair bits for binary noise, 32-bit hashes (twice as many for Gaussian) otherwise."""
        kind, shape = self.base.noise, (self.R, self.batch, self.z_dim)
        if kind == "binary":
            return piece.view(shape)
        u = rng.to_uniform(piece)
        if kind == "uniform":
            return u.view(shape)
        half = u.shape[1] // 2
        return rng.normal(u[:, :half], u[:, half:]).view(shape)

    def _noise_piece(self) -> tuple[str, int]:
        """(kind, size) of the random piece one noise batch needs."""
        size = self.batch * self.z_dim
        if self.base.noise == "binary":
            return "bits", size
        return "hash", size * (2 if self.base.noise == "gaussian" else 1)

    def _real_piece(self) -> tuple[str, int]:
        if self._parity is not None:
            return "bits", self.batch * self.n
        return "hash", self.batch

    def real(self, piece: torch.Tensor) -> torch.Tensor:
        """A batch of real even numbers as bits, shape (R, B, n), from its random piece.

        Below a power of two an even number is n - 1 fair bits and a 0: the piece is bits and
        the last one is multiplied away. Other bounds pick one of the evens by multiply-shift
        of a hash.
        """
        if self._parity is not None:
            return piece.view(self.R, self.batch, self.n) * self._parity
        return self._even_bits[rng.below(piece, self.evens)]

    def generate(self, z: torch.Tensor, flat: torch.Tensor | None = None) -> torch.Tensor:
        """G's bit probabilities for noise z, shape (R, k, n)."""
        logits = self.g_spec.forward(self.g if flat is None else flat, z, self.closed_form)
        return ex.sigmoid(logits) if self.closed_form else torch.sigmoid(logits)

    def _pack(self, x: torch.Tensor) -> torch.Tensor:
        """PacGAN: `pack` consecutive samples become one D input."""
        pack = self.base.pack
        if pack == 1:
            return x
        return x.reshape(x.shape[0], x.shape[1] // pack, x.shape[2] * pack)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """D's input from samples (R, B, n): PacGAN packing, then the minibatch-std column."""
        x = self._pack(x)
        if self.base.mbstd:
            spread = x.std(dim=1, unbiased=False).mean(dim=-1, keepdim=True)
            x = torch.cat([x, spread[:, None, :].expand(-1, x.shape[1], 1)], dim=-1)
        return x

    def score(self, x: torch.Tensor, flat: torch.Tensor | None = None) -> torch.Tensor:
        """D's raw output for samples (R, B, n): shape (R, B // pack)."""
        flat = self.d if flat is None else flat
        return self.d_spec.forward(flat, self.features(x), self.closed_form)[..., 0]

    def judge(self, s: torch.Tensor) -> Scores:
        """D's raw scores with what the losses read of them.

        For the BCE losses one exp of -|s| gives the sigmoid, and one log of 1 + that exp
        gives both softplus(s) and softplus(-s): two transcendental calls where the losses and
        slopes would make six. On the batch-invariant path the log waits for records().
        """
        if self.squash is None:
            return Scores(s)
        if not self.closed_form:
            return Scores(s, torch.sigmoid(s), F.softplus(s), F.softplus(-s))
        e = ex.exp(-s.abs())
        inv = 1.0 / (1.0 + e)
        # The softplus values wait for records(), which takes one log for many steps.
        return Scores(s, torch.where(s >= 0, inv, e * inv), e=e)

    def g_loss(self, fake: Scores) -> torch.Tensor:
        """Per-run generator loss from D's scores of the fakes, shape (R,)."""
        loss, s = self.base.loss, fake.s
        if loss == "bce":  # non-saturating: -log D(G(z))
            per = fake.softplus_neg
        elif loss == "minimax":  # log(1 - D(G(z))), the original, saturating objective
            per = -fake.softplus
        elif loss == "lsgan":
            per = 0.5 * ((s - 1) * (s - 1))
        else:
            per = -s
        return self._mean(per)

    def d_loss(self, real: Scores, fake: Scores) -> torch.Tensor:
        """Per-run discriminator loss, shape (R,); BCE is averaged over real and fake halves."""
        loss, target = self.base.loss, 1 - self.hp["label_smoothing"]
        mean, sr, sf = self._mean, real.s, fake.s
        if loss in ("bce", "minimax"):
            per_real = real.softplus_neg
            if self._smoothing:
                per_real = target * per_real + self.hp["label_smoothing"] * real.softplus
            return 0.5 * (mean(per_real) + mean(fake.softplus))
        if loss == "lsgan":
            return 0.5 * (mean((sr - target) * (sr - target)) + mean(sf * sf))
        return mean(sf) - mean(sr)

    def g_loss_slope(self, fake: Scores) -> torch.Tensor:
        """d g_loss / d s_fake, per sample (before the 1/B of the mean)."""
        loss = self.base.loss
        if loss == "bce":
            return fake.sigmoid - 1
        if loss == "minimax":
            return -fake.sigmoid
        if loss == "lsgan":
            return fake.s - 1
        return torch.full_like(fake.s, -1.0)

    def d_loss_slopes(self, real: Scores, fake: Scores):
        """(d d_loss / d s_real, d d_loss / d s_fake), per sample, before the 1/B of the means."""
        loss, target = self.base.loss, 1 - self.hp["label_smoothing"]
        if loss in ("bce", "minimax"):
            return 0.5 * (real.sigmoid - target), 0.5 * fake.sigmoid
        if loss == "lsgan":
            return real.s - target, fake.s
        return torch.full_like(real.s, -1.0), torch.ones_like(fake.s)

    def gradient_penalty(self, real: torch.Tensor, fake: torch.Tensor, h: torch.Tensor):
        """WGAN-GP: (|grad_x D(x)| - 1)^2 at random points between real and fake samples."""
        eps = rng.to_uniform(h)[..., None]
        mid = (eps * real + (1 - eps) * fake).requires_grad_(True)
        (grad,) = torch.autograd.grad(self.score(mid).sum(), mid, create_graph=True)
        return ((grad.norm(dim=-1) - 1) ** 2).mean(dim=1)

    def _update(self, net: str, grad: torch.Tensor) -> None:
        """One optimiser step of every run, elementwise (so batch-invariant).

        Adam is torch.optim.Adam's formula (equal to float rounding: torch's own kernels fuse
        some of its operations): the bias corrections of each run's own step count are taken
        in float64, as torch does in Python, then applied in float32.
        """
        flat, state, hp = getattr(self, net), self.opt[net], self.hp
        lr = hp["lr_" + net]
        kind = self.base.optimizer_g if net == "g" else self.base.optimizer_d
        state["t"] += 1
        with torch.no_grad():
            if kind == "adam":
                t, h64 = state["t"], self._hp64
                step_size = self._per_run(h64["lr_" + net] / (1 - h64["beta1"] ** t))
                root_bc2 = self._per_run(np.sqrt(1 - h64["beta2"] ** t))
                m, v = state["m"], state["v"]
                m.mul_(hp["beta1"]).add_(grad * self._one_minus["beta1"])
                v.mul_(hp["beta2"]).add_(grad * grad * self._one_minus["beta2"])
                denom = (v.sqrt() / root_bc2).add_(_EPS)
                flat.sub_(m / denom * step_size)
            else:
                buf = state["m"].mul_(hp["momentum"]).add_(grad)
                flat.sub_(buf * lr)
            if net == "d" and self.base.loss == "wgan":
                clip = hp["clip"]
                flat.copy_(torch.maximum(torch.minimum(flat, clip), -clip))

    # ---- the step -----------------------------------------------------------------------

    def step(self, mode: str = "both", z: torch.Tensor | None = None,
             real: torch.Tensor | None = None, record: bool = True) -> torch.Tensor | None:
        """One training step of every run; returns records of shape (R, len(RECORD_COLUMNS)),
        or None with record=False. See _step()."""
        raw = self._step(mode, z, real, record)
        return None if raw is None else self.records([raw])[0]

    def run_steps(self, n: int, mode: str = "both") -> torch.Tensor:
        """n steps; their records, shape (n, R, len(RECORD_COLUMNS)), are worked out together,
        a few dozen small operations for many steps instead of that many per step. What the
        steps keep for their records stays under about _RAW_FLOATS floats."""
        kept = sum(min(spec.n_params, _KEEP_GRAD) for spec in (self.g_spec, self.d_spec))
        per_step = self.R * (6 * self.batch + kept)
        chunk = max(1, _RAW_FLOATS // per_step)
        out = []
        for lo in range(0, n, chunk):
            out.append(self.records([self._step(mode) for _ in range(min(chunk, n - lo))]))
        return torch.cat(out) if len(out) != 1 else out[0]

    def _step(self, mode: str = "both", z: torch.Tensor | None = None,
              real: torch.Tensor | None = None, record: bool = True) -> Raw | None:
        """One training step of every run; returns what its records are made of.

        mode "both" is the tutorial's step: (1) update G against D, (2) update D on a real batch
        and that same fake batch. "g" and "d" update one network only. `z` and `real` replace
        the first noise and data draws (to feed identical inputs to a reference). With
        record=False (sweeps, which only read the final metrics) nothing is logged and the
        step skips the loss values and norms it would only have reported; the updates are
        the same.
        """
        cfg = self.base
        do_g, do_d = mode in ("both", "g"), mode in ("both", "d")
        if not (do_g or do_d):
            raise ValueError(f"mode must be 'both', 'g' or 'd', got {mode!r}")
        h = self._step_hashes(do_g, do_d)
        z = self.noise(h["z0"]) if z is None else z
        x_real = self.real(h["x0"]) if real is None else real
        blur_r, blur_f = self._blur(h, 0, x_real.shape)

        if self.closed_form and do_g and do_d:
            # D is not changed by G's update and D's step uses the fakes G made before it, so
            # both gradients come from one pass of D over the real and fake batch together.
            grad_gd, loss_g, loss_d, real_scores, fake_scores, fake0 = self._joint_grads(
                z, x_real, blur_r, blur_f)
            grads = {"g": grad_gd[0], "d": grad_gd[1]}
        else:
            grads = None
        grad_g = grad_d = None
        # (1) update G against the current D
        if do_g:
            if grads is None:
                grad, loss_g, fake0 = self._g_grad(z, blur_f)
            else:
                grad = grads["g"]
            grad_g = grad
            self._update("g", grad)
            for j in range(1, cfg.g_steps):
                grad, _, _ = self._g_grad(self.noise(h[f"zg{j}"]), 0.0)
                self._update("g", grad)
        else:
            with torch.no_grad():
                fake0 = self.generate(z)
        self.last_fake = fake0

        # (2) update D on a real batch and the fake batch G made before its update
        x_seen, f_seen = x_real + blur_r, fake0 + blur_f
        if do_d:
            if grads is None:
                grad, loss_d, real_scores, fake_scores = self._d_grad(x_seen, f_seen,
                                                                      h.get("gp0"))
            else:
                grad = grads["d"]
            grad_d = grad
            self._update("d", grad)
            for j in range(1, cfg.d_steps):
                with torch.no_grad():
                    fake = self.generate(self.noise(h[f"zd{j}"]))
                br, bf = self._blur(h, j, x_real.shape)
                grad, _, _, _ = self._d_grad(self.real(h[f"x{j}"]) + br, fake + bf,
                                             h.get(f"gp{j}"))
                self._update("d", grad)
        elif record:
            with torch.no_grad():
                real_scores, fake_scores = self._score_pair(x_seen, f_seen)
                loss_d = None if self.closed_form else self.d_loss(real_scores, fake_scores)
        self.steps += 1
        if not record:
            return None
        if not do_g and not self.closed_form:
            with torch.no_grad():
                loss_g = self.g_loss(fake_scores)
        if self.closed_form:  # worked out from the scores in records()
            loss_g = loss_d = None
        return Raw(real_scores, fake_scores, fake0[..., -1] < 0.5, self._kept(grad_g),
                   self._kept(grad_d),
                   None if loss_g is None else loss_g.detach(),
                   None if loss_d is None else loss_d.detach())

    def records(self, raws: list[Raw]) -> torch.Tensor:
        """Records (k, R, len(RECORD_COLUMNS)) of k steps: the losses, D's mean verdicts on
        the real and fake batches, the fake batch's even share, and the gradient norms."""
        with torch.no_grad():
            def stacked(name, part=None):
                return torch.stack([getattr(r, name) if part is None else
                                    getattr(getattr(r, name), part) for r in raws])

            real, fake = (Scores(*(None if getattr(raws[0].real, f) is None else
                                   stacked(side, f) for f in Scores.FIELDS))
                          for side in ("real", "fake"))
            if self.closed_form:
                real, fake = self._with_softplus(real), self._with_softplus(fake)
                loss_g, loss_d = self.g_loss(fake), self.d_loss(real, fake)
            else:
                loss_g, loss_d = stacked("loss_g"), stacked("loss_d")
            judged = self._mean(torch.stack([real.judged, fake.judged], dim=-2))  # (k, R, 2)
            even = self._mean(stacked("fake_even").to(torch.float32))
            norms = []
            for name in ("grad_g", "grad_d"):
                grads = None if getattr(raws[0], name) is None else stacked(name)
                if grads is None:
                    norms.append(self._nan.expand(len(raws), self.R))
                elif grads.dim() == 2:  # (k, R): squared norms already, see _kept()
                    norms.append(grads.sqrt())
                else:
                    norms.append(self._norm(grads))
            return torch.cat([loss_g[..., None], loss_d[..., None], judged, even[..., None],
                              norms[0][..., None], norms[1][..., None]], dim=-1)

    def _with_softplus(self, scores: Scores) -> Scores:
        """Adds softplus(s) and softplus(-s) from the exp(-|s|) the step kept: one log."""
        if scores.e is None:
            return scores
        lp = ex.log(1.0 + scores.e)
        return Scores(scores.s, scores.sigmoid, scores.s.clamp(min=0.0) + lp,
                      (-scores.s).clamp(min=0.0) + lp, scores.e)

    def _kept(self, grad: torch.Tensor | None) -> torch.Tensor | None:
        """What a step keeps of a gradient for its record: itself while small, else its
        squared norm per run (R,), so that many steps of a wide network hold little."""
        if grad is None or grad.shape[1] <= _KEEP_GRAD:
            return grad
        return ex.tree_sum(grad * grad, -1) if self.closed_form else (grad * grad).sum(-1)

    def _norm(self, grad: torch.Tensor) -> torch.Tensor:
        """Euclidean norm of flat gradients (..., P)."""
        if self.closed_form:
            return ex.tree_sum(grad * grad, -1).sqrt()
        return torch.linalg.vector_norm(grad, dim=-1)

    def _g_grad(self, z: torch.Tensor, blur):
        """G's gradient with D held fixed: (grad (R, P), loss (R,) or None, fakes (R, B, n))."""
        if not self.closed_form:
            fake = self.generate(z)
            loss = self.g_loss(self.judge(self.score(fake + blur, self.d.detach())))
            (grad,) = torch.autograd.grad(loss.sum(), self.g)
            return grad, loss.detach(), fake.detach()
        logits, g_tape = self.g_spec.trace(self.g_views, z, True)
        fake = ex.sigmoid(logits)
        s, d_tape = self.d_spec.trace(self.d_views, self._pack(fake + blur), True)
        s_fake = self.judge(s[..., 0])
        grad = self._g_grad_through_d(g_tape, fake, s_fake, d_tape)
        return grad, None, fake  # records() works the loss out

    def _joint_grads(self, z, x_real, blur_r, blur_f):
        """Closed-form G and D gradients of the tutorial's step from one D pass.

        Returns ((grad_g, grad_d), loss_g, loss_d, s_real, s_fake, fakes).
        """
        logits, g_tape = self.g_spec.trace(self.g_views, z, True)
        fake = ex.sigmoid(logits)
        s_real, s_fake, d_tape = self._d_pass(x_real + blur_r, fake + blur_f)
        grad_d = self._d_param_grad(s_real, s_fake, d_tape)
        half = s_fake.s.shape[1]
        fake_tape = [[x[:, half:] for x in part] for part in d_tape]  # the fake half only
        grad_g = self._g_grad_through_d(g_tape, fake, s_fake, fake_tape)
        return (grad_g, grad_d), None, None, s_real, s_fake, fake  # losses: see records()

    def _d_grad(self, x_real: torch.Tensor, fake: torch.Tensor, h_gp):
        """D's gradient on a real and a fake batch: (grad, loss, s_real, s_fake)."""
        if not self.closed_form:
            s_real, s_fake = self._score_pair(x_real, fake)
            loss = self.d_loss(s_real, s_fake)
            if self.base.loss == "wgan-gp":
                w = self.hp["gp_weight"][:, 0]
                loss = loss + w * self.gradient_penalty(x_real, fake, h_gp)
            (grad,) = torch.autograd.grad(loss.sum(), self.d)
            return grad, loss.detach(), s_real.detach(), s_fake.detach()
        s_real, s_fake, tape = self._d_pass(x_real, fake)
        grad = self._d_param_grad(s_real, s_fake, tape)
        return grad, None, s_real, s_fake

    # The three pieces of the closed-form gradients, shared by the steps above.

    def _d_pass(self, x_real: torch.Tensor, fake: torch.Tensor):
        """One traced D pass over a real and a fake batch: (s_real, s_fake, tape) as Scores."""
        packed = torch.cat([self._pack(x_real), self._pack(fake)], dim=1)
        both, tape = self.d_spec.trace(self.d_views, packed, True)
        both = self.judge(both[..., 0])
        half = both.s.shape[1] // 2
        return both.part(0, half), both.part(half, 2 * half), tape

    def _d_param_grad(self, s_real: Scores, s_fake: Scores, tape) -> torch.Tensor:
        """D's parameter gradient of its loss on both halves of a _d_pass."""
        slope_r, slope_f = self.d_loss_slopes(s_real, s_fake)
        slope = (torch.cat([slope_r, slope_f], dim=1) / float(s_real.s.shape[1]))[..., None]
        grad, _ = self.d_spec.backward(self.d_views, tape, slope)
        return grad

    def _g_grad_through_d(self, g_tape, fake: torch.Tensor, s_fake: Scores,
                          d_tape) -> torch.Tensor:
        """G's parameter gradient of its loss, backpropagated through D (held fixed)."""
        slope = (self.g_loss_slope(s_fake) / float(s_fake.s.shape[1]))[..., None]
        _, d_input = self.d_spec.backward(self.d_views, d_tape, slope, grads=False, inputs=True)
        d_fake = d_input.reshape(fake.shape)
        grad, _ = self.g_spec.backward(self.g_views, g_tape, _sigmoid_backward(d_fake, fake))
        return grad

    def _blur(self, h, j: int, shape):
        """Instance noise for D's step j: Gaussian blur added to what D sees, real and fake."""
        if not self._blurred:
            return 0.0, 0.0
        sigma = self.hp["instance_noise"][:, :, None]
        u = rng.to_uniform(h[f"in{j}"])
        q = u.shape[1] // 4
        noise_r = rng.normal(u[:, :q], u[:, q : 2 * q]).view(shape) * sigma
        noise_f = rng.normal(u[:, 2 * q : 3 * q], u[:, 3 * q :]).view(shape) * sigma
        return noise_r, noise_f

    def _score_pair(self, x_real, fake) -> tuple[Scores, Scores]:
        """D's scores of a real and a fake batch; one forward pass where D judges samples alone."""
        if self.base.mbstd:  # the spread feature must see each batch apart
            return self.judge(self.score(x_real)), self.judge(self.score(fake))
        both = self.score(torch.cat([x_real, fake], dim=1))
        half = both.shape[1] // 2
        return self.judge(both[:, :half]), self.judge(both[:, half:])

    def _step_hashes(self, do_g: bool, do_d: bool, peek: bool = False) -> dict[str, torch.Tensor]:
        """Every random number of one step from a single hash call, cut into named pieces.

        Pieces that need only fair bits (binary noise, real numbers) share 32-bit words, one
        bit each; the rest get a 32-bit hash per number. With peek, the numbers the next step
        will draw, without drawing them.
        """
        plan = self._plans.get((do_g, do_d))
        if plan is None:
            plan = self._plans[(do_g, do_d)] = self._plan(do_g, do_d)
        pieces, n_hash, n_words = plan
        keys = rng.draw_keys(self._seed_keys, self.counters + 1) if peek else self._keys()
        h = rng.hashed(keys, n_hash + n_words, self.device)
        bits = None
        if n_words:
            words = h[:, n_hash:]
            bits = ((words[..., None] >> self._bit_shifts) & 1).flatten(1).to(torch.float32)
        return {name: (bits if kind == "bits" else h)[:, a:b] for name, kind, a, b in pieces}

    def peek_inputs(self, mode: str = "both") -> tuple[torch.Tensor, torch.Tensor]:
        """The noise and real batch the next step(mode) will use: (z, real)."""
        h = self._step_hashes(mode in ("both", "g"), mode in ("both", "d"), peek=True)
        return self.noise(h["z0"]), self.real(h["x0"])

    def _plan(self, do_g: bool, do_d: bool):
        """The random pieces a step needs: ([(name, kind, start, stop)], hashes, bit words)."""
        cfg, B, n = self.base, self.batch, self.n
        sizes = [("z0", *self._noise_piece()), ("x0", *self._real_piece())]
        sizes += [(f"zg{j}", *self._noise_piece()) for j in range(1, cfg.g_steps if do_g else 1)]
        for j in range(cfg.d_steps if do_d else 1):
            if j > 0:
                sizes += [(f"x{j}", *self._real_piece()), (f"zd{j}", *self._noise_piece())]
            if self._blurred:
                sizes.append((f"in{j}", "hash", 4 * B * n))
            if cfg.loss == "wgan-gp":
                sizes.append((f"gp{j}", "hash", B))
        pieces, used = [], {"hash": 0, "bits": 0}
        for name, kind, size in sizes:
            pieces.append((name, kind, used[kind], used[kind] + size))
            used[kind] += size
        return pieces, used["hash"], -(-used["bits"] // 32)

    # ---- looking at the networks --------------------------------------------------------

    def eval_noise(self) -> tuple[torch.Tensor, bool]:
        """The evaluation noise set and whether it is the whole (enumerated) noise space."""
        if self.base.noise == "binary" and 2**self.z_dim <= 2**16:
            ints = torch.arange(2**self.z_dim, device=self.device)
            return ints_to_bits(ints, self.z_dim).to(torch.float32), True
        keys = rng.seed_keys([_EVAL_KEY])
        factor = 2 if self.base.noise == "gaussian" else 1
        u = rng.uniform(keys, _EVAL_DRAWS * self.z_dim * factor, self.device)[0]
        if self.base.noise == "binary":
            z = (u < 0.5).to(torch.float32)
        elif self.base.noise == "uniform":
            z = u
        else:
            half = u.shape[0] // 2
            z = rng.normal(u[:half], u[half:])
        return z.view(_EVAL_DRAWS, self.z_dim), False

    def display_noise(self, k: int = 32) -> torch.Tensor:
        """A fixed set of at most k noise vectors, the same at every step (rows of the heatmap)."""
        z, exhaustive = self.eval_noise()
        if len(z) <= k:
            return z
        if not exhaustive:
            return z[:k]
        idx = torch.linspace(0, len(z) - 1, k).round().long()
        return z[idx]

    def probabilities(self, z: torch.Tensor) -> torch.Tensor:
        """G's bit probabilities of every run on one shared noise set: (R, k, n)."""
        with torch.no_grad():
            return self.generate(z.expand(self.R, *z.shape))

    def landscape(self) -> torch.Tensor:
        """D's output for every integer x, as D sees a batch made of x alone: (R, 2^n).

        That is what D says to a generator collapsed onto x; the minibatch spread of such a
        batch is 0, and a PacGAN group holds `pack` copies of x.
        """
        x = ints_to_bits(torch.arange(2**self.n, device=self.device), self.n).to(torch.float32)
        x = x.repeat(1, self.base.pack)
        if self.base.mbstd:
            x = torch.cat([x, torch.zeros(x.shape[0], 1, device=self.device)], dim=1)
        with torch.no_grad():
            s = self.d_spec.forward(self.d, x.expand(self.R, *x.shape), self.closed_form)[..., 0]
            return self.squash(s) if self.squash else s

    def evaluate(self, per_run: bool = False) -> dict[str, torch.Tensor | bool]:
        """Exact metrics of every run (README, "Exact metrics"): tensors with a leading run
        dimension.

        per_run: the float64 summaries (entropy, JS) are taken one run at a time, so each run's
        figures are those it gets alone (with threshold decoding on the batch-invariant path,
        the rest already is).
        """
        z, exhaustive = self.eval_noise()
        probs = self.probabilities(z)
        if self.base.decode == "threshold":
            q, exact = metrics.threshold_distribution(probs, self.n), True
        else:
            q, exact = metrics.sample_distribution(probs, self.n)
        if per_run and self.R > 1:
            rows = [metrics.summarize(q[r : r + 1], self.base.upper) for r in range(self.R)]
            summary = {k: torch.cat([row[k] for row in rows]) for k in rows[0]}
        else:
            summary = metrics.summarize(q, self.base.upper)
        out: dict[str, torch.Tensor | bool] = dict(summary)
        out.update(
            distribution=q,
            d_values=self.landscape(),
            bit_marginals=ex.mean(probs, 1) if self.closed_form else probs.mean(dim=1),
            exhaustive=exhaustive and exact,
        )
        return out

    def weight(self, net: str, layer: int, run: int = 0) -> torch.Tensor:
        """One run's layer weight (fan_in, fan_out), a detached view: out = x @ weight + b."""
        spec, flat = (self.g_spec, self.g) if net == "g" else (self.d_spec, self.d)
        return spec.views(flat.detach()[run : run + 1])[layer][0][0]

    def module(self, net: str, run: int = 0) -> StackedNet:
        """One run's G or D as an nn.Module over the live weights."""
        if net == "g":
            return StackedNet(self.g_spec, self.g, run, squash=torch.sigmoid)
        return StackedNet(self.d_spec, self.d, run, squash=self.squash, features=self.features)

    # ---- state --------------------------------------------------------------------------

    def state(self) -> dict:
        """Everything needed to resume: weights, optimiser moments, counters (copies)."""
        out = {"counter": self.counters.copy(), "steps": self.steps}
        for net in ("g", "d"):
            out[net] = getattr(self, net).detach().clone()
            out[net + "_m"] = self.opt[net]["m"].clone()
            out[net + "_v"] = self.opt[net]["v"].clone()
            out[net + "_t"] = self.opt[net]["t"].copy()
        return out

    def load_state(self, state: dict) -> None:
        """Takes a state() back; counters and step counts may be one int for every run."""
        self.counters[:] = np.asarray(state["counter"], dtype=np.int64)
        self.steps = int(state["steps"])
        for net in ("g", "d"):
            flat = getattr(self, net)
            src = torch.as_tensor(state[net], dtype=torch.float32, device=self.device)
            if src.shape != flat.shape:
                raise ValueError(f"checkpoint {net} weights have shape {tuple(src.shape)}, "
                                 f"expected {tuple(flat.shape)}")
            with torch.no_grad():
                flat.copy_(src)
                self.opt[net]["m"].copy_(torch.as_tensor(state[net + "_m"]))
                self.opt[net]["v"].copy_(torch.as_tensor(state[net + "_v"]))
            self.opt[net]["t"][:] = np.asarray(state[net + "_t"], dtype=np.int64)

    def finite(self) -> torch.Tensor:
        """Per-run flag: every weight of G and D is finite."""
        with torch.no_grad():
            return torch.isfinite(self.g).all(dim=1) & torch.isfinite(self.d).all(dim=1)


@dataclass(frozen=True)
class Scores:
    """D's raw scores of a batch (R, k), and for the BCE losses their sigmoid and softplus."""

    FIELDS = ("s", "sigmoid", "softplus", "softplus_neg", "e")
    s: torch.Tensor
    sigmoid: torch.Tensor | None = None
    softplus: torch.Tensor | None = None  # log(1 + e**s)
    softplus_neg: torch.Tensor | None = None  # log(1 + e**-s)
    e: torch.Tensor | None = None  # e**-|s|, kept by the batch-invariant path

    @property
    def judged(self) -> torch.Tensor:
        """What D says in its own units: a probability for BCE, the raw score otherwise."""
        return self.s if self.sigmoid is None else self.sigmoid

    def part(self, lo: int, hi: int) -> Scores:
        return Scores(*(None if x is None else x[:, lo:hi] for x in self._fields()))

    def detach(self) -> Scores:
        return Scores(*(None if x is None else x.detach() for x in self._fields()))

    def _fields(self) -> tuple:
        return tuple(getattr(self, f) for f in self.FIELDS)


@dataclass(frozen=True)
class Raw:
    """What one step's records are made of, kept until records() works them out."""

    real: Scores
    fake: Scores
    fake_even: torch.Tensor  # whether each fake's last bit reads 0
    grad_g: torch.Tensor | None  # None where the network was not updated
    grad_d: torch.Tensor | None
    loss_g: torch.Tensor | None  # given by the autograd path, worked out later otherwise
    loss_d: torch.Tensor | None


def _sigmoid_backward(grad: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """The gradient before a sigmoid from the one after it: grad * out * (1 - out)."""
    return grad * (out * (1.0 - out))
