"""The tutorial's entry points, working: train() and its Generator / Discriminator modules."""

from __future__ import annotations

import os

import torch

from .config import GANConfig
from .data import even_bit_length
from .models import Discriminator, Generator
from .trainer import Trainer


def train(
    max_int: int = 128,
    batch_size: int = 16,
    training_steps: int = 500,
    learning_rate: float = 0.001,
    print_output_every_n_steps: int = 10,
    seed: int | None = None,
) -> tuple[Generator, Discriminator]:
    """The tutorial's entry point, working: trains the even GAN and returns (G, D) modules.

    With a seed the result is reproducible; without one a fresh seed is drawn from the OS,
    never from the global RNG. A print interval <= 0 prints nothing.
    """
    n = even_bit_length(max_int)
    if seed is None:
        seed = int.from_bytes(os.urandom(4), "little") & 0x7FFFFFFF
    config = GANConfig(
        n_bits=n,
        max_int=0 if max_int == 2**n else int(max_int),
        batch_size=batch_size,
        lr_g=learning_rate,
        lr_d=learning_rate,
        seed=seed,
    )
    trainer = Trainer(config)
    every = print_output_every_n_steps
    for i in range(training_steps):
        trainer.step()
        if every and every > 0 and i % every == 0:
            print(trainer.last_batch())
    if trainer.diverged:
        raise RuntimeError(trainer.diverged)
    return to_tutorial_modules(trainer)


def to_tutorial_modules(trainer: Trainer) -> tuple[Generator, Discriminator]:
    """Copies a linear Trainer's weights into the tutorial's Generator and Discriminator."""
    cfg = trainer.config
    if cfg.g_hidden or cfg.d_hidden or cfg.pack > 1 or cfg.mbstd or cfg.z_dim != cfg.n_bits:
        raise ValueError("only the tutorial's linear architecture maps onto its modules")
    g, d = Generator(cfg.n_bits), Discriminator(cfg.n_bits)
    gm, dm = trainer.generator, trainer.discriminator
    with torch.no_grad():
        g.dense_layer.weight.copy_(gm.weight(0).T)
        g.dense_layer.bias.copy_(gm.bias(0))
        d.dense.weight.copy_(dm.weight(0).T)
        d.dense.bias.copy_(dm.bias(0))
    return g, d
