"""Looking at the networks: the exact metrics, D's landscape, one run's weights and modules
(the Engine's Evaluation)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from . import exact as ex
from . import metrics
from .encoding import ints_to_bits
from .losses import Scores
from .models import StackedNet


class Evaluation:
    """What the Engine's networks do, without training them (a part of Engine)."""

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

    def push(self, z: torch.Tensor) -> torch.Tensor:
        """Where D pushes each of G's outputs on a fixed noise set z (k, z_dim): minus the
        gradient of G's loss on each output bit, (R, k, n). Positive: D would have the bit
        nearer 1; negative: nearer 0. The k outputs are judged as one batch, as a step judges
        G's fakes (PacGAN groups and the minibatch spread included).

        For the tutorial's linear D every row is the same direction, D's weights on the bits,
        scaled: the drag that pulls G's weights towards rank one.
        """
        with torch.enable_grad():
            x = self.probabilities(z).detach().requires_grad_(True)
            s = self.d_spec.forward(self.d.detach(), self.features(x), False)[..., 0]
            scores = (Scores(s, torch.sigmoid(s), F.softplus(s), F.softplus(-s))
                      if self.loss.probability else Scores(s))
            (grad,) = torch.autograd.grad(self.loss.g(scores).sum(), x)
        return -grad

    def d_bit_weights(self, run: int = 0) -> np.ndarray:
        """What D's first layer puts on each bit: the weight itself for the tutorial's linear D,
        the norm of the bit's outgoing weights for an MLP (PacGAN copies summed)."""
        cfg = self.base
        w = self.weight("d", 0, run)[: cfg.n_bits * cfg.pack]
        w = w.reshape(cfg.pack, cfg.n_bits, -1)
        per_bit = w.sum(0)[:, 0] if cfg.d_hidden == 0 else w.norm(dim=2).sum(0)
        return per_bit.numpy().astype(np.float64)

    def g_singular_values(self, run: int = 0) -> np.ndarray:
        """Singular values of G's last layer (its only layer in the tutorial), largest first,
        padded to n_bits. One large value and the rest near 0 is the drift to rank one."""
        w = self.weight("g", -1, run).to(torch.float64)
        sv = torch.linalg.svdvals(w).numpy()
        out = np.zeros(self.base.n_bits)
        out[: min(len(sv), len(out))] = sv[: len(out)]
        return out

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
            cfg = self.base
            rows = [metrics.summarize(q[r : r + 1], cfg.upper, cfg.target) for r in range(self.R)]
            summary = {k: torch.cat([row[k] for row in rows]) for k in rows[0]}
        else:
            summary = metrics.summarize(q, self.base.upper, self.base.target)
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
