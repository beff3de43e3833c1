"""A run's state: its weights, optimiser moments and draw counters, and what may change them
besides training (a hand edit, a re-initialisation, a checkpoint). The Engine's RunState."""

from __future__ import annotations

import math

import numpy as np
import torch

from . import optim, rng
from .models import NetSpec


class RunState:
    """The Engine's weights, moments and counters (a part of evengan.engine.Engine)."""

    @property
    def counter(self) -> int:
        """The first run's draw counter (the only one of a Trainer's engine)."""
        return int(self.counters[0])

    def _init_params(self, spec: NetSpec) -> torch.Tensor:
        u = rng.uniform(self._keys(), spec.n_params, self.device)
        bound = spec.init_bounds().to(self.device)
        return ((2 * u - 1) * bound).requires_grad_(True)

    def _opt_state(self, flat: torch.Tensor) -> dict:
        return optim.new_state(flat, self.R)

    def set_weight(self, net: str, layer: int, row: int, col: int, value: float) -> None:
        """Sets one weight of one layer by hand (every run): out = x @ W + b, W[row, col];
        row fan_in is the bias b[col] (the bias is the last row of the layer's matrix, see
        NetSpec.views)."""
        spec, flat = (self.g_spec, self.g) if net == "g" else (self.d_spec, self.d)
        if not 0 <= layer < len(spec.layers):
            raise ValueError(f"layer must be in 0..{len(spec.layers) - 1}, got {layer}")
        _, fan_in, fan_out = spec.layers[layer]
        if not (0 <= row <= fan_in and 0 <= col < fan_out):
            raise ValueError(f"weight index must be within {fan_in + 1} x {fan_out} (row "
                             f"{fan_in} the bias), got ({row}, {col})")
        if not math.isfinite(value):
            raise ValueError(f"a weight must be a finite number, got {value}")
        with torch.no_grad():
            spec.views(flat.detach())[layer][2][:, row, col] = value

    def reinit(self, net: str) -> None:
        """Fresh weights and optimiser state for "g" or "d", drawn from the run's own stream."""
        spec = self.g_spec if net == "g" else self.d_spec
        flat = self._init_params(spec)
        setattr(self, net, flat)
        self.opt[net] = self._opt_state(flat)
        self._refresh_views()

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
