"""What a run costs before it is built: memory and time per step, from its config alone.

A class server has 2.7 GB and two cores for thirty students. Work is refused before anything
is allocated when its estimate passes a budget, with a message that says what to make smaller.
The estimates are deliberately on the generous side; tests check them against measurements.
"""

from __future__ import annotations

import os

from . import rewind
from .config import GANConfig
from .draws import EVAL_DRAWS
from .exact import PRODUCTS_PER_RUN as _CHUNK_FLOATS
from .losses import LOSSES
from .models import net_specs

MB = 1 << 20
# The library's own guard: Trainer and run_sweep refuse work above this (about 1.5 GB).
DEFAULT_MAX_BYTES = 1536 * MB
# History rows a Trainer keeps: step records and evaluations (see _log_bytes for the rest).
_HISTORY_BYTES = 8 * (4096 * 8 + 1024 * 6)


def _layers(cfg: GANConfig) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(fan_in, fan_out) of G's and D's layers."""
    return tuple([(i, o) for _, i, o in spec.layers] for spec in net_specs(cfg))


def step_floats(cfg: GANConfig) -> float:
    """Multiply-adds of one training step (forward and backward, every k step), per run."""
    g, d = _layers(cfg)
    rows_g, rows_d = cfg.batch_size, 2 * cfg.batch_size // cfg.pack
    g_mac = sum(i * o for i, o in g) * rows_g
    d_mac = sum(i * o for i, o in d) * rows_d
    # G's update runs G and D forward and back (3 passes each); D's, D's passes and G forward.
    g_step = 3 * (g_mac + d_mac / 2)
    d_step = 3 * d_mac + g_mac
    # A penalty (WGAN-GP, R1) differentiates through D again; unrolling runs k more D steps,
    # each with its penalty and a second derivative, inside G's update.
    extra = 2 if LOSSES[cfg.loss].penalty or cfg.r1_weight > 0 else 1
    g_step += cfg.unroll_steps * 2 * d_step * extra
    return cfg.g_steps * g_step + cfg.d_steps * d_step * extra


def _contract_floats(rows: int, layers: list[tuple[int, int]]) -> int:
    """Floats the largest batch-invariant contraction of these layers holds at once: its
    products, cut into chunks of at most _CHUNK_FLOATS where it can be (evengan.exact)."""
    most = 0
    for i, o in layers:
        products = rows * (i + 1) * o
        most = max(most, min(products, max(_CHUNK_FLOATS, products // (i + 1))))
    return most


def _log_bytes(cfg: GANConfig) -> int:
    """A Trainer's logs, full: step records, evaluations, weights, and the timeline."""
    weights = 8 * 1024 * (1 + 2 * cfg.n_bits)
    timeline = 8 * 512 * (1 + 2**cfg.n_bits) if cfg.n_bits <= 10 else 0
    return _HISTORY_BYTES + weights + timeline


def rewind_bytes(cfg: GANConfig) -> int:
    """The most a Trainer's rewind snapshots may hold (evengan.rewind): room kept for a long
    run, which a short one does not use. Two snapshots are always kept, whatever their size."""
    pg, pd = (spec.n_params for spec in net_specs(cfg))
    one = 4 * 3 * (pg + pd) + 4 * cfg.batch_size * cfg.n_bits  # weights, moments, last batch
    return rewind.MAX_BYTES + rewind.LOG_COPIES * _log_bytes(cfg) + 2 * one


def kept_bytes(cfg: GANConfig) -> int:
    """Memory a Trainer that is not training holds (a branch set aside): weights and Adam
    moments, its logs, its rewind snapshots; no step or evaluation in flight."""
    pg, pd = (spec.n_params for spec in net_specs(cfg))
    return 4 * 3 * (pg + pd) + _log_bytes(cfg) + rewind_bytes(cfg)


def estimate_bytes(cfg: GANConfig, runs: int = 1) -> int:
    """Peak memory of `runs` runs of this config training and being evaluated, in bytes.

    One run is a Trainer with its histories; several are the slots of one batched engine
    (a sweep, an ensemble), which keep none. Generous by design: measured peaks (resident
    memory growth) stay below it, see tests/test_budget.py.
    """
    g, d = _layers(cfg)
    pg, pd = (spec.n_params for spec in net_specs(cfg))
    rows_g, rows_d = cfg.batch_size, 2 * cfg.batch_size // cfg.pack
    state = 4 * 5 * (pg + pd)  # weights, two Adam moments, a gradient, a saved copy
    acts = 4 * 4 * (rows_g * sum(i + o for i, o in g) + rows_d * sum(i + o for i, o in d))
    if cfg.autograd:  # autograd keeps its graph: say thrice, and once more per unrolled step
        acts *= 3 * (1 + cfg.unroll_steps)
    # The products and the first level of their tree sum.
    contract = 4 * 2 * max(_contract_floats(rows_g, g), _contract_floats(rows_d, d))
    # Evaluation: every noise vector (at most 2**16, or 4096 draws) through G, every
    # integer through D, and the output distribution.
    k = min(2**cfg.z_dim, 2**16) if cfg.noise == "binary" else EVAL_DRAWS
    outs = 2**cfg.n_bits
    evaluate = 4 * 3 * (k * sum(i + o for i, o in g) + outs * sum(i + o for i, o in d))
    evaluate += 4 * 2 * max(_contract_floats(k, g), _contract_floats(outs, d)) + 8 * 4 * outs
    if cfg.decode == "sample" and k * outs <= 2**24:  # the exact Bernoulli table
        evaluate += 8 * 3 * k * outs
    per_run = state + max(acts + contract, evaluate)
    if runs == 1:  # a Trainer's histories, the timeline of whole distributions, snapshots
        per_run += _log_bytes(cfg) + rewind_bytes(cfg)
    return int(1.5 * runs * per_run + 24 * MB)  # slack for the allocator and first use


def estimate_step_seconds(cfg: GANConfig, runs: int = 1) -> float:
    """Rough CPU seconds of one step of `runs` runs on one core, on the generous side.

    About 0.35 ms of small tensor operations per network update, and the arithmetic at
    1.2 ns per multiply-add (the tree sums of the batch-invariant path make extra passes).
    Measured here: the tutorial 0.7 ms (estimated 1.0), batch 4096 2.7 ms (2.3), a 128-wide
    two-layer D at batch 1024 101 ms (190).
    """
    return 3e-4 + 3.5e-4 * (cfg.g_steps + cfg.d_steps) + runs * step_floats(cfg) * 1.2e-9


def estimate_eval_seconds(cfg: GANConfig, runs: int = 1) -> float:
    """Rough CPU seconds of one exact evaluation of `runs` runs: every noise vector (at most
    2**16, or 4096 draws) through G and every integer through D, at the step's rate, and the
    table of exact Bernoulli decoding where it is built."""
    g, d = _layers(cfg)
    k = min(2**cfg.z_dim, 2**16) if cfg.noise == "binary" else EVAL_DRAWS
    outs = 2**cfg.n_bits
    macs = k * sum((i + 1) * o for i, o in g) + outs * sum((i + 1) * o for i, o in d)
    if cfg.decode == "sample" and k * outs <= 2**24:
        macs += 2 * k * outs * cfg.n_bits
    return 1e-3 + runs * macs * 1.2e-9


def refusal(cfg: GANConfig, runs: int = 1, max_bytes: int = DEFAULT_MAX_BYTES,
            max_step_seconds: float | None = None) -> str | None:
    """Why this work is too big, in one sentence that says what to shrink; None if it fits."""
    need = estimate_bytes(cfg, runs)
    shrink = "make batch_size, the hidden widths and depths, n_bits or noise_dim smaller"
    if runs > 1:
        shrink = "use fewer seeds or grid values, or " + shrink
    if need > max_bytes:
        return (f"this needs about {need / MB:,.0f} MB, over the {max_bytes / MB:,.0f} MB "
                f"allowed: {shrink}")
    if max_step_seconds is not None:
        took = estimate_step_seconds(cfg, runs)
        if took > max_step_seconds:
            return (f"one step of this takes about {took * 1e3:,.0f} ms, over the "
                    f"{max_step_seconds * 1e3:,.0f} ms a step may take here: {shrink}, or "
                    "lower d_steps and g_steps")
        took = estimate_eval_seconds(cfg, runs)
        if took > max_step_seconds:
            return (f"evaluating this exactly takes about {took * 1e3:,.0f} ms, over the "
                    f"{max_step_seconds * 1e3:,.0f} ms a piece of work may take here: make "
                    "noise_dim, n_bits or G's width smaller, or decode by threshold")
    return None


def check(cfg: GANConfig, runs: int = 1, max_bytes: int = DEFAULT_MAX_BYTES,
          max_step_seconds: float | None = None) -> None:
    """Raises ValueError (see refusal()) before anything is allocated."""
    why = refusal(cfg, runs, max_bytes, max_step_seconds)
    if why:
        raise ValueError(why)


def setting(name: str, default: float) -> float:
    """A budget from the environment (EVENGAN_<NAME>), or the default when unset or bad."""
    raw = os.environ.get("EVENGAN_" + name.upper())
    try:
        value = float(raw) if raw is not None else default
    except ValueError:
        return default
    return value if value > 0 else default
