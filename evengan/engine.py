"""The one GAN training step, over R runs stacked along a leading dimension.

The Trainer is this engine at R = 1; the sweep runs it at R = 1024. There is no second copy of
the step: a sweep's run and a Trainer with the same config replay the same arithmetic, and
because the random numbers are hashes of (seed, counter), the same numbers too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from . import exact as ex
from . import optim, rng
from . import target as targets
from .config import GANConfig
from .draws import Draws
from .encoding import bits_to_ints
from .evaluation import Evaluation
from .gradients import _KEEP_GRAD, Gradients, Raw, Seen
from .losses import LOSSES
from .models import net_specs
from .remedies import Remedies
from .runstate import RunState

# Record columns returned by step(), one row per run. even_batch keeps its name (logs and
# checkpoints carry it): the fake batch's in-target share, its even share for the evens.
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
    "r1_weight",
)
_RAW_FLOATS = 1 << 21  # floats that steps may keep for their records before they are made


class Engine(RunState, Draws, Gradients, Remedies, Evaluation):
    """R GANs sharing one structure (shapes, loss, optimisers), each with its own seed.

    Its parts live beside it: RunState (weights, moments, counters), Draws (random numbers),
    Gradients (losses, scores, gradients, records), Remedies (R1, the unrolled D) and
    Evaluation (metrics). They all read what __init__ and set_hyper set here: base, R, n,
    batch, z_dim, loss, closed_form,
    squash, hp, the specs and views of G and D.
    """

    def __init__(self, configs: Sequence[GANConfig], device: str | torch.device = "cpu",
                 init: bool = True):
        """init=False leaves the weights at zero and draws nothing (stack() fills them)."""
        if not configs:
            raise ValueError("an engine needs at least one config")
        first = configs[0]
        if any(c.batch_key() != first.batch_key() for c in configs):
            raise ValueError("configs in one engine must share their batch key (GANConfig."
                             "batch_key: shapes, k steps, noise and smoothing on/off, decoding)")
        self.configs = list(configs)
        self.base = first
        self.device = torch.device(device)
        self.R = len(configs)
        self.n, self.batch, self.z_dim = first.n_bits, first.batch_size, first.z_dim
        self.g_spec, self.d_spec = net_specs(first)
        self.loss = LOSSES[first.loss]
        # The score is a logit for the BCE losses, a raw critic value for LSGAN and WGAN.
        self.squash = self._sigmoid if self.loss.probability else None
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
        self._bit_shifts = torch.arange(32, device=self.device)
        self.last_fake: torch.Tensor | None = None  # G's latest fake batch, for the page
        self.seen: Seen | None = None  # what the latest recorded step saw (slow motion)

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
        # Hand-written gradients wherever GANConfig.autograd allows; tests compare the two
        # paths on every variant. The hand-written path is also batch-invariant arithmetic
        # (evengan.exact), so a run's bits never depend on its batch; the autograd path uses
        # torch's own kernels. Unrolling and R1 may be switched on mid-run, hence here.
        self.closed_form = not self.base.autograd
        self._hp64 = {name: np.array([float(getattr(c, name)) for c in configs])
                      for name in PER_RUN}
        self.hp = {name: self._per_run(values) for name, values in self._hp64.items()}
        self._one_minus = {name: self._per_run(1.0 - self._hp64[name])
                           for name in ("beta1", "beta2")}
        self._smoothing = any(c.label_smoothing > 0 for c in configs)
        # Instance noise adds random draws to a step, so turning it on changes the step's plan.
        self._blurred = any(c.instance_noise > 0 for c in configs)
        self._plans: dict = {}
        self._set_target(self.base)

    def _set_target(self, config: GANConfig) -> None:
        """How real batches are drawn and fakes judged: the evens of n bits are n - 1 fair bits
        and a 0 (a mask on the parity bit); any other target is picked from its sampling table
        (integers, 8 bytes an entry: a table may hold 65,536), and a fake is in it by a lookup.
        The evens below max_int are picked from the table but still judged by their last bit."""
        self._parity = self._member = self._table = None
        if config.is_even and config.upper == 2**self.n:
            self._parity = torch.ones(self.n, device=self.device)
            self._parity[-1] = 0.0
            return
        table = targets.sampling_table(config.target, config.upper)
        self._table = torch.from_numpy(table).to(self.device)
        if not config.is_even:
            weights = targets.weights(config.target, config.upper)
            self._member = torch.zeros(2**self.n, dtype=torch.bool, device=self.device)
            self._member[: config.upper] = torch.from_numpy(weights > 0).to(self.device)

    def _in_target(self, fake: torch.Tensor) -> torch.Tensor:
        """Whether each fake (bit probabilities, thresholded at 0.5) is a target number; for
        the tutorial's evens, whether it is even (its last bit reads 0), below max_int or not,
        so the batch's even share means what it always did."""
        if self._member is None:
            return fake[..., -1] < 0.5
        return self._member[bits_to_ints(fake >= 0.5)]

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

    # ---- the step's pieces: the networks' updates ------------------------------------

    def _update(self, net: str, grad: torch.Tensor) -> None:
        """One optimiser step of every run (evengan.optim), then WGAN's clipping of D."""
        kind = self.base.optimizer_g if net == "g" else self.base.optimizer_d
        optim.step(kind, net, getattr(self, net), grad, self.opt[net], self.hp, self._hp64,
                   self._one_minus, self._per_run)
        if net == "d" and self.loss.clip:
            optim.clip(self.d, self.hp["clip"])

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
        """One training step of every run; returns what its records are made of, and keeps
        what D saw in self.seen (slow motion tells those very numbers).

        mode "both" is the tutorial's step: (1) update G against D, (2) update D on a real batch
        and that same fake batch. "g" and "d" update one network only. `z` and `real` replace
        the first noise and data draws (to feed identical inputs to a reference). With
        record=False (sweeps, which only read the final metrics) nothing is logged and the
        step skips the loss values and norms it would only have reported; the updates are
        the same.
        """
        do_g, do_d = mode in ("both", "g"), mode in ("both", "d")
        if not (do_g or do_d):
            raise ValueError(f"mode must be 'both', 'g' or 'd', got {mode!r}")
        h = self._step_hashes(do_g, do_d)
        z = self.noise(h["z0"]) if z is None else z
        x_real = self.real(h["x0"]) if real is None else real
        blur_r, blur_f = self._blur(h, 0, x_real.shape)  # instance noise: what D sees
        # The closed form takes both gradients from one pass of D over the real and fake
        # batch: G's update does not change D, and D's step judges G's fakes from before it.
        joint = (self._joint_grads(z, x_real, blur_r, blur_f)
                 if self.closed_form and do_g and do_d else None)

        # (1) update G against the current D
        grad_g = loss_g = None
        if do_g:
            grad_g, loss_g, fake = joint[0] if joint else self._g_grad(z, blur_f, x_real + blur_r)
            self._update("g", grad_g)
            self._more_g_steps(h, x_real)
        else:
            with torch.no_grad():
                fake = self.generate(z)
        self.last_fake = fake

        # (2) update D on the real batch and the fake batch G made before its update
        x_seen, f_seen = x_real + blur_r, fake + blur_f
        grad_d = loss_d = None
        if do_d:
            grad_d, loss_d, s_real, s_fake = joint[1] if joint else self._d_grad(
                x_seen, f_seen, h.get("gp0"))
            self._update("d", grad_d)
            self._more_d_steps(h, x_real.shape)
        elif record:
            with torch.no_grad():
                s_real, s_fake = self._score_pair(x_seen, f_seen)
        self.steps += 1
        if not record:
            return None
        self.seen = Seen(z, x_real, fake, s_real, s_fake)
        return self._raw(s_real, s_fake, fake, grad_g, grad_d, loss_g, loss_d)

    def _more_g_steps(self, h: dict, x_real: torch.Tensor) -> None:
        """G's updates 2..g_steps of a step, each on fresh noise against the same D (unrolled
        on the step's real batch)."""
        for j in range(1, self.base.g_steps):  # no instance noise: its draws are D's steps'
            grad, _, _ = self._g_grad(self.noise(h[f"zg{j}"]), 0.0, x_real)
            self._update("g", grad)

    def _more_d_steps(self, h: dict, shape) -> None:
        """D's updates 2..d_steps of a step, each on a fresh real batch and fresh fakes."""
        for j in range(1, self.base.d_steps):
            with torch.no_grad():
                fake = self.generate(self.noise(h[f"zd{j}"]))
            blur_r, blur_f = self._blur(h, j, shape)
            grad, _, _, _ = self._d_grad(self.real(h[f"x{j}"]) + blur_r, fake + blur_f,
                                         h.get(f"gp{j}"))
            self._update("d", grad)
