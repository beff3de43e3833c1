"""Every random number of a training step, drawn in one place (the Engine's Draws).

A step's draws are one hash call on (seed, counter): the plan cuts its output into named
pieces (z0 for G's noise, x0 for the real batch, zg1.. and x1../zd1.. for extra G and D steps,
in0.. for instance noise, gp0.. for the gradient penalty's mixing), so a run's numbers depend
on its seed and step only, never on the batch it trains in. The evaluation noise is fixed and
seed-independent, so every run is judged on the same vectors.
"""

from __future__ import annotations

import torch

from . import rng
from .encoding import ints_to_bits

EVAL_DRAWS = 4096  # evaluation set size when the noise space is too big or continuous
_EVAL_KEY = 0x5EED  # fixed, seed-independent, so every run is judged on the same noise


class Draws:
    """The Engine's random numbers (a part of evengan.engine.Engine)."""

    def _keys(self):
        self.counters += 1
        return rng.draw_keys(self._seed_keys, self.counters)

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
        """A batch of real numbers as bits, shape (R, B, n), from its random piece.

        An even number of n bits is n - 1 fair bits and a 0: the piece is bits and the last
        one is multiplied away. Any other target picks an entry of its sampling table (each
        number repeated by its weight, evengan.target) by multiply-shift of a hash.
        """
        if self._parity is not None:
            return piece.view(self.R, self.batch, self.n) * self._parity
        picked = self._table[rng.below(piece, len(self._table))]
        return ints_to_bits(picked, self.n).to(torch.float32)

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
            if self.loss.penalty:
                sizes.append((f"gp{j}", "hash", B))
        pieces, used = [], {"hash": 0, "bits": 0}
        for name, kind, size in sizes:
            pieces.append((name, kind, used[kind], used[kind] + size))
            used[kind] += size
        return pieces, used["hash"], -(-used["bits"] // 32)

    def eval_noise(self) -> tuple[torch.Tensor, bool]:
        """The evaluation noise set and whether it is the whole (enumerated) noise space."""
        if self.base.noise == "binary" and 2**self.z_dim <= 2**16:
            ints = torch.arange(2**self.z_dim, device=self.device)
            return ints_to_bits(ints, self.z_dim).to(torch.float32), True
        keys = rng.seed_keys([_EVAL_KEY])
        factor = 2 if self.base.noise == "gaussian" else 1
        u = rng.uniform(keys, EVAL_DRAWS * self.z_dim * factor, self.device)[0]
        if self.base.noise == "binary":
            z = (u < 0.5).to(torch.float32)
        elif self.base.noise == "uniform":
            z = u
        else:
            half = u.shape[0] // 2
            z = rng.normal(u[:half], u[half:])
        return z.view(EVAL_DRAWS, self.z_dim), False

    def display_noise(self, k: int = 32) -> torch.Tensor:
        """A fixed set of at most k noise vectors, the same at every step (rows of the heatmap)."""
        z, exhaustive = self.eval_noise()
        if len(z) <= k:
            return z
        if not exhaustive:
            return z[:k]
        idx = torch.linspace(0, len(z) - 1, k).round().long()
        return z[idx]
