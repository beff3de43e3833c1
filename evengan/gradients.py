"""The losses of a step and their gradients, two ways (the Engine's Gradients).

The closed form traces G and D once and runs each layer's backward by hand
(evengan.models.NetSpec.backward), with batch-invariant arithmetic (evengan.exact); autograd
takes the minibatch-std feature and WGAN-GP. tests/test_engine.py checks the two against each
other on every variant. The losses themselves are the table in evengan.losses.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from . import exact as ex
from . import rng
from .losses import Scores

_KEEP_GRAD = 4096  # parameters up to which a step keeps its gradient until records()


@dataclass(frozen=True)
class Raw:
    """What one step's records are made of, kept until records() works them out."""

    real: Scores
    fake: Scores
    fake_in: torch.Tensor  # whether each fake reads as a target number (even, by default)
    grad_g: torch.Tensor | None  # None where the network was not updated
    grad_d: torch.Tensor | None
    loss_g: torch.Tensor | None  # given by the autograd path, worked out later otherwise
    loss_d: torch.Tensor | None


@dataclass(frozen=True)
class Seen:
    """What a step's first G and D passes saw (run-first tensors): the noise, the real batch,
    G's fakes (bit probabilities) and D's scores of the real and fake batches as D saw them,
    instance noise included, before D's update."""

    z: torch.Tensor
    real: torch.Tensor
    fake: torch.Tensor
    s_real: Scores
    s_fake: Scores


class Gradients:
    """The Engine's losses, scores and gradients (a part of evengan.engine.Engine)."""

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

    # The losses and their slopes come from the table in evengan.losses; the engine adds the
    # batch mean (batch-invariant on the closed-form path) and the per-run label smoothing.

    def g_loss(self, fake: Scores) -> torch.Tensor:
        """Per-run generator loss from D's scores of the fakes, shape (R,)."""
        return self._mean(self.loss.g(fake))

    def d_loss(self, real: Scores, fake: Scores) -> torch.Tensor:
        """Per-run discriminator loss, shape (R,)."""
        smooth = self.hp["label_smoothing"]
        return self.loss.d(real, fake, 1 - smooth, smooth if self._smoothing else None,
                           self._mean)

    def g_loss_slope(self, fake: Scores) -> torch.Tensor:
        """d g_loss / d s_fake, per sample (before the 1/B of the mean)."""
        return self.loss.g_slope(fake)

    def d_loss_slopes(self, real: Scores, fake: Scores):
        """(d d_loss / d s_real, d d_loss / d s_fake), per sample, before the 1/B of the means."""
        return self.loss.d_slopes(real, fake, 1 - self.hp["label_smoothing"])

    def gradient_penalty(self, real: torch.Tensor, fake: torch.Tensor, h: torch.Tensor,
                         d: torch.Tensor | None = None) -> torch.Tensor:
        """WGAN-GP: (|grad_x D(x)| - 1)^2 at random points between real and fake samples,
        under D's weights d (default the live ones)."""
        eps = rng.to_uniform(h)[..., None]
        mid = (eps * real + (1 - eps) * fake).requires_grad_(True)
        (grad,) = torch.autograd.grad(self.score(mid, d).sum(), mid, create_graph=True)
        return ((grad.norm(dim=-1) - 1) ** 2).mean(dim=1)

    def records(self, raws: list[Raw]) -> torch.Tensor:
        """Records (k, R, len(RECORD_COLUMNS)) of k steps: the losses, D's mean verdicts on
        the real and fake batches, the fake batch's in-target share (the column even_batch:
        its even share for the tutorial's target), and the gradient norms."""
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
            even = self._mean(stacked("fake_in").to(torch.float32))
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

    def _g_grad(self, z: torch.Tensor, blur, x_real: torch.Tensor):
        """G's gradient with D held fixed, or unrolled (on the real batch x_real, as D sees
        it): (grad (R, P), loss (R,) or None, fakes (R, B, n)). The loss reported is against
        the live D, unrolled or not, so that it reads as every other run's."""
        if not self.closed_form:
            fake = self.generate(z)
            live = self.d.detach()
            d = self._unrolled_d(x_real, fake + blur) if self.base.unroll_steps else live
            loss = self.g_loss(self.judge(self.score(fake + blur, d)))
            (grad,) = torch.autograd.grad(loss.sum(), self.g)
            if self.base.unroll_steps:
                with torch.no_grad():
                    loss = self.g_loss(self.judge(self.score(fake + blur, live)))
            return grad, loss.detach(), fake.detach()
        logits, g_tape = self.g_spec.trace(self.g_views, z, True)
        fake = ex.sigmoid(logits)
        s, d_tape = self.d_spec.trace(self.d_views, self._pack(fake + blur), True)
        s_fake = self.judge(s[..., 0])
        grad = self._g_grad_through_d(g_tape, fake, s_fake, d_tape)
        return grad, None, fake  # records() works the loss out

    def _joint_grads(self, z, x_real, blur_r, blur_f):
        """Closed-form G and D gradients of the tutorial's step from one D pass: what
        _g_grad and _d_grad return, ((grad_g, None, fakes), (grad_d, None, s_real, s_fake));
        the losses are worked out in records()."""
        logits, g_tape = self.g_spec.trace(self.g_views, z, True)
        fake = ex.sigmoid(logits)
        s_real, s_fake, d_tape = self._d_pass(x_real + blur_r, fake + blur_f)
        grad_d = self._r1_closed(self._d_param_grad(s_real, s_fake, d_tape))
        half = s_fake.s.shape[1]
        fake_tape = [[x[:, half:] for x in part] for part in d_tape]  # the fake half only
        grad_g = self._g_grad_through_d(g_tape, fake, s_fake, fake_tape)
        return (grad_g, None, fake), (grad_d, None, s_real, s_fake)

    def _d_grad(self, x_real: torch.Tensor, fake: torch.Tensor, h_gp):
        """D's gradient on a real and a fake batch: (grad, loss, s_real, s_fake)."""
        if not self.closed_form:
            loss, r1, s_real, s_fake = self._d_objective(self.d, x_real, fake, h_gp)
            (grad,) = torch.autograd.grad((loss + r1).sum(), self.d)
            return grad, loss.detach(), s_real.detach(), s_fake.detach()
        s_real, s_fake, tape = self._d_pass(x_real, fake)
        grad = self._r1_closed(self._d_param_grad(s_real, s_fake, tape))
        return grad, None, s_real, s_fake

    def _d_objective(self, d: torch.Tensor, x_real: torch.Tensor, fake: torch.Tensor, h_gp):
        """D's loss under weights d on the autograd path: (loss with WGAN-GP's penalty where
        h_gp gives its random points, R1's penalty apart, s_real, s_fake). The records report
        the loss without R1, so that a BCE loss still reads against ln 2. Both penalties keep
        their graphs, so the unrolled G can differentiate them once more."""
        x_real = x_real.requires_grad_(True) if self.base.r1_weight > 0 else x_real
        if self.base.mbstd:
            s_real, s_fake = (self.judge(self.score(x, d)) for x in (x_real, fake))
        else:
            both = self.score(torch.cat([x_real, fake], dim=1), d)
            half = both.shape[1] // 2
            s_real, s_fake = self.judge(both[:, :half]), self.judge(both[:, half:])
        loss = self.d_loss(s_real, s_fake)
        if self.loss.penalty and h_gp is not None:
            gp = self.gradient_penalty(x_real, fake, h_gp, d)
            loss = loss + self.hp["gp_weight"][:, 0] * gp
        r1 = torch.zeros_like(loss)
        if self.base.r1_weight > 0:
            r1 = self.r1_penalty(x_real, s_real.s)
        return loss, r1, s_real, s_fake

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

    def _score_pair(self, x_real, fake) -> tuple[Scores, Scores]:
        """D's scores of a real and a fake batch; one forward pass where D judges samples alone."""
        if self.base.mbstd:  # the spread feature must see each batch apart
            return self.judge(self.score(x_real)), self.judge(self.score(fake))
        both = self.score(torch.cat([x_real, fake], dim=1))
        half = both.shape[1] // 2
        return self.judge(both[:, :half]), self.judge(both[:, half:])

    # ---- the networks' forward passes, and what a step keeps for its records ----

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

    def _raw(self, s_real: Scores, s_fake: Scores, fake: torch.Tensor, grad_g, grad_d,
             loss_g, loss_d) -> Raw:
        """A step's record material. The closed form works its losses out in records(), from
        the scores; the autograd path has them, but for a network it did not update."""
        if self.closed_form:
            loss_g = loss_d = None
        else:
            with torch.no_grad():
                loss_g = self.g_loss(s_fake) if loss_g is None else loss_g
                loss_d = self.d_loss(s_real, s_fake) if loss_d is None else loss_d
        return Raw(s_real, s_fake, self._in_target(fake), self._kept(grad_g), self._kept(grad_d),
                   None if loss_g is None else loss_g.detach(),
                   None if loss_d is None else loss_d.detach())


def _sigmoid_backward(grad: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """The gradient before a sigmoid from the one after it: grad * out * (1 - out)."""
    return grad * (out * (1.0 - out))
