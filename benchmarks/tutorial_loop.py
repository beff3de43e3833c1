"""A faithful re-implementation of the tutorial's training loop, the speed baseline.

It keeps what makes the tutorial slow on purpose: Python-list data built per step, tensors made
from those lists, nn.Module layers and torch.optim.Adam. Only the BCELoss shape error is fixed
(targets get the outputs' shape), since the original does not run at all.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn as nn

from evengan.models import Discriminator, Generator


def _even_batch(max_int: int, batch_size: int, gen: np.random.Generator) -> list[list[int]]:
    width = int(math.log(max_int, 2))
    picks = gen.integers(0, max_int // 2, batch_size)
    rows = [[int(c) for c in bin(int(v) * 2)[2:]] for v in picks]
    return [[0] * (width - len(r)) + r for r in rows]


class TutorialLoop:
    """The tutorial's models, optimisers and per-step work, stepped on demand."""

    def __init__(self, max_int: int = 128, batch_size: int = 16, lr: float = 1e-3, seed: int = 0):
        self.max_int, self.batch = max_int, batch_size
        self.width = int(math.log(max_int, 2))
        self.torch_gen = torch.Generator().manual_seed(seed)
        self.np_gen = np.random.default_rng(seed)
        self.g, self.d = Generator(self.width), Discriminator(self.width)
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=lr)
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=lr)
        self.loss = nn.BCELoss()

    def step(self) -> None:
        self.opt_g.zero_grad()
        noise = torch.randint(0, 2, (self.batch, self.width), generator=self.torch_gen).float()
        fake = self.g(noise)
        labels = torch.tensor([1] * self.batch).float()
        real = torch.tensor(_even_batch(self.max_int, self.batch, self.np_gen)).float()
        g_loss = self.loss(self.d(fake), labels.view(-1, 1))
        g_loss.backward()
        self.opt_g.step()
        self.opt_d.zero_grad()
        real_loss = self.loss(self.d(real), labels.view(-1, 1))
        fake_loss = self.loss(self.d(fake.detach()), torch.zeros(self.batch, 1))
        ((real_loss + fake_loss) / 2).backward()
        self.opt_d.step()
