"""The optimisers, one step of every run at once, elementwise (so a run's update is the same
alone and in any batch): Adam and SGD with momentum, and WGAN's weight clipping.

Adam is torch.optim.Adam's formula, equal to float rounding (torch's own kernels fuse some of
its operations): the bias corrections of each run's own step count are taken in float64, as
torch does in Python, then applied in float32. tests/test_engine.py checks a step of each
against torch.optim. No private torch call is used.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

EPS = 1e-8  # Adam's epsilon, as in torch.optim.Adam


def new_state(flat: torch.Tensor, runs: int) -> dict:
    """Zero moments and a step count per run."""
    return {"m": torch.zeros_like(flat), "v": torch.zeros_like(flat),
            "t": np.zeros(runs, dtype=np.int64)}


def step(kind: str, net: str, flat: torch.Tensor, grad: torch.Tensor, state: dict, hp: dict,
         hp64: dict, one_minus: dict, per_run: Callable[[np.ndarray], torch.Tensor]) -> None:
    """Updates `flat` (R, P) in place by one step of "adam" or "sgd" on `grad`. hp holds each
    run's numbers as (R, 1) float32 tensors, hp64 the same in float64, one_minus 1 - beta1 and
    1 - beta2 (taken in float64, as torch does); per_run turns float64 values back into such
    tensors."""
    lr = hp["lr_" + net]
    state["t"] += 1
    with torch.no_grad():
        if kind == "adam":
            t = state["t"]
            step_size = per_run(hp64["lr_" + net] / (1 - hp64["beta1"] ** t))
            root_bc2 = per_run(np.sqrt(1 - hp64["beta2"] ** t))
            m, v = state["m"], state["v"]
            m.mul_(hp["beta1"]).add_(grad * one_minus["beta1"])
            v.mul_(hp["beta2"]).add_(grad * grad * one_minus["beta2"])
            denom = (v.sqrt() / root_bc2).add_(EPS)
            flat.sub_(m / denom * step_size)
        else:
            buf = state["m"].mul_(hp["momentum"]).add_(grad)
            flat.sub_(buf * lr)


def clip(flat: torch.Tensor, bound: torch.Tensor) -> None:
    """WGAN's Lipschitz constraint: every weight into [-bound, bound], in place."""
    with torch.no_grad():
        flat.copy_(torch.maximum(torch.minimum(flat, bound), -bound))
