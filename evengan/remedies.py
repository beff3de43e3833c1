"""The lessons' two remedies, as parts of the Engine (evengan.engine.Engine): R1, the
zero-centred gradient penalty on real data (Mescheder et al. 2018), and the unrolled G (Metz
et al. 2016). tests/test_remedies.py checks both against plain PyTorch references.
"""

from __future__ import annotations

import numpy as np
import torch

from . import optim


class Remedies:
    """R1 and the unrolled D (a part of evengan.engine.Engine; reads what Gradients does)."""

    def r1_penalty(self, x_real: torch.Tensor, s_real: torch.Tensor) -> torch.Tensor:
        """R1: r1_weight / 2 * |grad_x s(x)|^2 over D's real inputs (a packed input's gradient
        spans its samples), per run (R,). s_real are D's raw scores of x_real."""
        (grad,) = torch.autograd.grad(s_real.sum(), x_real, create_graph=True)
        per_input = (grad * grad).sum(-1).reshape(self.R, s_real.shape[1], -1).sum(-1)
        return 0.5 * self.hp["r1_weight"][:, 0] * per_input.mean(dim=1)

    def _r1_closed(self, grad: torch.Tensor) -> torch.Tensor:
        """R1 on a linear D in closed form: grad_x s = w, D's weights, so the penalty is
        r1_weight / 2 * |w|^2 and adds r1_weight * w to their gradient (the bias has none).
        Elementwise, so batch-invariant."""
        if self.base.r1_weight <= 0:
            return grad
        n_in = self.d_spec.sizes[0]
        w = self.d.detach()[:, :n_in]
        return torch.cat([grad[:, :n_in] + self.hp["r1_weight"] * w, grad[:, n_in:]], dim=1)

    def _unrolled_d(self, x_real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """Unrolled GAN: D's weights after unroll_steps more of its own updates on this
        step's batches (the real batch, and G's fakes as a function of G's weights), kept in
        the graph so that G's gradient sees how D would answer its move. The updates are
        D's optimiser's (Adam from its current moments, or SGD with momentum), WGAN's
        clipping included, and R1 where it is on; WGAN-GP's penalty is left out, its random
        points being D's own step's. The live D is untouched."""
        cfg, opt = self.base, self.opt["d"]
        d = self.d.detach().requires_grad_(True)
        m, v = opt["m"].detach(), opt["v"].detach()
        lr = self.hp["lr_d"]
        for j in range(1, cfg.unroll_steps + 1):
            loss, r1, _, _ = self._d_objective(d, x_real.detach(), fake, None)
            (g,) = torch.autograd.grad((loss + r1).sum(), d, create_graph=True)
            if cfg.optimizer_d == "adam":
                t = opt["t"] + j
                m = self.hp["beta1"] * m + self._one_minus["beta1"] * g
                v = self.hp["beta2"] * v + self._one_minus["beta2"] * g * g
                size = self._per_run(self._hp64["lr_d"] / (1 - self._hp64["beta1"] ** t))
                root = self._per_run(np.sqrt(1 - self._hp64["beta2"] ** t))
                # clamp: sqrt's slope at 0 is infinite, and a weight no sample moves has v = 0
                d = d - m / (v.clamp_min(1e-30).sqrt() / root + optim.EPS) * size
            else:
                m = self.hp["momentum"] * m + g
                d = d - lr * m
            if self.loss.clip:
                d = torch.maximum(torch.minimum(d, self.hp["clip"]), -self.hp["clip"])
        return d
