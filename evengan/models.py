"""The networks: the tutorial's two modules, and the stacked form the engine trains.

The engine keeps each network's parameters of R runs in one flat (R, P) tensor; a layer's
weight is a view into it. One batched contraction then evaluates R networks, and one
elementwise optimiser update covers every parameter of every run.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import exact as ex

_LEAK = 0.2  # LeakyReLU slope of hidden layers; keeps gradients alive on dead units


class Generator(nn.Module):
    """The tutorial's G: one Linear layer and a Sigmoid, n bits of noise to n bit probabilities."""

    def __init__(self, input_length: int):
        super().__init__()
        self.dense_layer = nn.Linear(int(input_length), int(input_length))
        self.activation = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(self.dense_layer(x))


class Discriminator(nn.Module):
    """The tutorial's D: one Linear layer to a single Sigmoid, the probability of "real"."""

    def __init__(self, input_length: int):
        super().__init__()
        self.dense = nn.Linear(int(input_length), 1)
        self.activation = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(self.dense(x))


@dataclass(frozen=True)
class NetSpec:
    """Layer sizes of a stacked MLP; hidden layers use LeakyReLU, the last is left raw."""

    sizes: tuple[int, ...]

    @functools.cached_property
    def layers(self) -> list[tuple[int, int, int]]:
        """(offset, fan_in, fan_out) of each layer's weight; its bias follows the weight."""
        out, offset = [], 0
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:], strict=False):
            out.append((offset, fan_in, fan_out))
            offset += fan_in * fan_out + fan_out
        return out

    @property
    def n_params(self) -> int:
        return sum(i * o + o for _, i, o in self.layers)

    def views(self, flat: torch.Tensor) -> list[tuple[torch.Tensor, ...]]:
        """Each layer's (weight (R, fan_in, fan_out), bias (R, 1, fan_out), both as one
        (R, fan_in + 1, fan_out) matrix whose last row is the bias) as views of flat.

        The bias follows the weight in the flat layout, so the two stack into one matrix: with
        a column of ones appended to its input, a layer is one contraction, and its weight and
        bias gradients come out of one contraction in the flat layout. Views share the flat
        tensor's storage, so they stay live through in-place updates and can be made once.
        """
        out = []
        for off, i, o in self.layers:
            w = flat[:, off : off + i * o].view(-1, i, o)
            b = flat[:, off + i * o : off + i * o + o].view(-1, 1, o)
            out.append((w, b, flat[:, off : off + (i + 1) * o].view(-1, i + 1, o)))
        return out

    def forward(self, params, x: torch.Tensor, exact: bool = False) -> torch.Tensor:
        """x: (R, B, fan_in) to (R, B, fan_out), pre-activation of the last layer.

        params is a flat (R, P) tensor or its views(). exact: batch-invariant arithmetic
        (evengan.exact) instead of batched matmuls, for the closed-form training step.
        """
        return self.trace(params, x, exact)[0]

    def trace(self, params, x: torch.Tensor, exact: bool = False) -> tuple[torch.Tensor, list]:
        """forward(), also keeping what backward() needs: layer inputs and pre-activations."""
        if isinstance(params, torch.Tensor):
            params = self.views(params)
        last = len(params) - 1
        inputs, pre = [], []
        for k, (w, b, wb) in enumerate(params):
            if exact:  # the bias rides on a column of ones (see views())
                x = torch.cat([x, x.new_ones(x.shape[:-1] + (1,))], dim=-1)
            inputs.append(x)
            y = ex.matmul(x, wb) if exact else _affine(x, w, b)
            if k < last:
                pre.append(y)
                y = torch.where(y > 0, y, y * _LEAK) if exact else F.leaky_relu(y, _LEAK)
            x = y
        return x, [inputs, pre]

    def backward(self, params, tape: list, grad_out: torch.Tensor,
                 grads: bool = True, inputs: bool = False):
        """Hand-written backpropagation through the MLP for a gradient at its output.

        Returns (grad of the flat parameters or None, grad of the input or None). It is the
        chain rule for matmul + bias + LeakyReLU in batch-invariant arithmetic, from a tape of
        trace(exact=True), checked against autograd in the tests.
        """
        layer_inputs, pre = tape
        parts: list[torch.Tensor] = []
        g = grad_out
        for k in range(len(params) - 1, -1, -1):
            w = params[k][0]
            single = w.shape[2] == 1  # one output: the products need no contraction
            if grads:  # the inputs carry their column of ones: weight and bias in one go
                parts.append(ex.matmul_tn(layer_inputs[k], g).flatten(1))
            if k > 0 or inputs:
                g = g * w.transpose(1, 2) if single else ex.matmul_nt(g, w)
            if k > 0:
                g = torch.where(pre[k - 1] > 0, g, g * _LEAK)
        grad = torch.cat(parts[::-1], dim=1) if grads else None
        return grad, (g if inputs else None)

    def init_bounds(self) -> torch.Tensor:
        """Per-parameter bound b of nn.Linear's default init, U(-b, b) with b = 1/sqrt(fan_in)."""
        parts = [torch.full((i * o + o,), fan_in_bound(i)) for _, i, o in self.layers]
        return torch.cat(parts)


# Above this many runs, bmm + add beats baddbmm on the CPU (its broadcast bias is slow there);
# below it baddbmm's single call wins. Same arithmetic, so the choice changes only rounding.
_BADDBMM_MAX_RUNS = 64


def _affine(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    if x.shape[0] <= _BADDBMM_MAX_RUNS:
        return torch.baddbmm(b, x, w)
    return torch.bmm(x, w) + b


def net_specs(config) -> tuple[NetSpec, NetSpec]:
    """G's and D's layer sizes for a GANConfig: noise to bits, and (packed samples, plus the
    minibatch-spread column) to one score. The one place they are worked out."""
    g = NetSpec(mlp_sizes(config.z_dim, config.n_bits, config.g_hidden, config.g_depth))
    d_in = config.n_bits * config.pack + (1 if config.mbstd else 0)
    return g, NetSpec(mlp_sizes(d_in, 1, config.d_hidden, config.d_depth))


def fan_in_bound(fan_in: int) -> float:
    return 1.0 / fan_in**0.5


def mlp_sizes(n_in: int, n_out: int, hidden: int, depth: int) -> tuple[int, ...]:
    """Sizes of an MLP; hidden == 0 is a single linear layer, as in the tutorial."""
    if hidden == 0:
        return (n_in, n_out)
    return (n_in, *([hidden] * depth), n_out)


class StackedNet(nn.Module):
    """One run of a stacked network as an ordinary module, sharing the engine's live weights.

    Its layers are nn.Linear modules whose parameters are views of the run's weights at the
    time the module was made: parameters(), state_dict() and load_state_dict() read and write
    the live run (`torch.save(trainer.generator.state_dict(), ...)` saves what the run has).
    A reset or re-initialisation gives the run new tensors; ask the Trainer for the module
    again after one. `squash` is the output nonlinearity (sigmoid for G's bits and for a BCE
    discriminator); `features` turns raw samples into D's input (packing, minibatch std).
    """

    def __init__(self, spec: NetSpec, flat: torch.Tensor, run: int, squash=None, features=None):
        super().__init__()
        self.spec, self._flat, self.run = spec, flat, run
        self.squash, self.features = squash, features
        self.layers = nn.ModuleList()
        for w, b, _ in spec.views(self.flat):
            # skip_init: no initial weights drawn (from torch's global RNG), ours replace them.
            layer = nn.utils.skip_init(nn.Linear, w.shape[1], w.shape[2], device=w.device)
            # nn.Linear keeps (out, in); ours is (in, out): the transpose, sharing storage.
            layer.weight = nn.Parameter(w[0].t())
            layer.bias = nn.Parameter(b[0, 0])
            self.layers.append(layer)

    @property
    def flat(self) -> torch.Tensor:
        """This run's flat parameters, shape (1, P), outside autograd; writes reach the live
        network."""
        return self._flat.detach()[self.run : self.run + 1]

    def weight(self, layer: int) -> torch.Tensor:
        """Layer weight as (fan_in, fan_out): out = x @ weight + bias."""
        return self.spec.views(self.flat)[layer][0][0]

    def bias(self, layer: int) -> torch.Tensor:
        return self.spec.views(self.flat)[layer][1][0, 0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.as_tensor(x, dtype=torch.float32)
        single = x.dim() == 1
        x = x.reshape(1, -1, x.shape[-1])
        if self.features is not None:
            x = self.features(x)
        out = self.spec.forward(self.flat, x)[0]
        if self.squash is not None:
            out = self.squash(out)
        return out[0] if single else out
