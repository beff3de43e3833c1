"""Many Trainers trained in one batched call, each exactly as it would train alone.

A class of thirty playing the same preset is thirty runs of one structure. Stacked in one
engine, one step costs little more than one run's step (the per-op overhead dominates at this
size), and because the step is batch-invariant (evengan.exact) each run gets the bits it gets
alone: its share link still reproduces it. Evaluations happen at the same steps as alone, so
runs that share a batch must also be at the same phase of their evaluation period.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from .config import GANConfig
from .engine import Engine
from .trainer import Trainer, finite_records, run_metrics, steps_to_eval


def class_key(config: GANConfig, mode: str, step: int, eval_every: int) -> tuple | None:
    """Runs with equal keys can train together; None for a run that must train alone.

    GANConfig.batch_key says what one batched engine needs (shapes, the plan of random draws,
    the D loss's form, the decoding); a class also shares the step mode and the phase of the
    evaluation period, so that its slices end on the same evaluation steps.
    """
    if config.autograd:  # torch's autograd kernels are not batch-invariant
        return None
    return (config.batch_key(), mode, eval_every, step % eval_every if eval_every else 0)


def run_together(trainers: Sequence[Trainer], n: int, mode: str = "both") -> list[int]:
    """Trains every trainer up to n steps in one batch; returns the steps each took.

    The trainers must share a class_key. Results are bit-identical to `t.run(n, mode)` for
    each t alone: the same records, evaluations and weights. A run that blows up is replayed
    alone from the chunk's start and stops at its last finite step, as Trainer.run does.
    """
    if len(trainers) == 1:
        return [trainers[0].run(n, mode)]
    keys = {class_key(t.config, mode, t.step_count, t.eval_every) for t in trainers}
    if len(keys) != 1 or None in keys:
        raise ValueError("these runs cannot share a batch (see class_key)")
    taken = [0] * len(trainers)
    live = [i for i, t in enumerate(trainers) if not t.diverged]
    every = trainers[0].eval_every
    while live and taken[live[0]] < n:
        first = trainers[live[0]]
        k = steps_to_eval(first.step_count, every, n - taken[live[0]])
        group = [trainers[i] for i in live]
        at = first.step_count + k  # where the slots stand after this chunk
        starts = [t.engine.state() for t in group]
        batch = stack([t.engine for t in group])
        records = batch.run_steps(k, mode)  # (k, R, columns)
        finite = batch.finite()
        unstack(batch, [t.engine for t in group])
        evals = None
        if every and at % every == 0 and first.config.decode == "threshold":
            evals = batch.evaluate(per_run=True)  # one call for the class, as exact as alone
        for j, i in enumerate(live):
            t, rec = trainers[i], records[:, j]
            if finite_records(rec) and bool(finite[j]):
                t._log(rec, t.step_count - k)
                steps = k
                ev = None if evals is None else run_metrics(evals, j, t.step_count)
            else:
                steps = t._replay_finite(starts[j], k, mode)
                ev = None
            taken[i] += steps
            t.note("run", mode=mode, n=steps + (1 if t.diverged else 0))  # see Trainer.run
            if every and t.step_count % every == 0:
                t.record_eval(ev)
            t.snapshots.take(t)
        live = [i for i in live if not trainers[i].diverged]
    return taken


def stack(engines: Sequence[Engine]) -> Engine:
    """One engine over the runs of several, each keeping its own slot, weights, optimiser
    state and draw counter, to train them all in one batched call.

    The step is batch-invariant (evengan.exact), so every slot's bits are those the run
    would get alone. Put the results back with unstack().
    """
    if not all(e.closed_form for e in engines):
        raise ValueError("only engines on the closed-form path can share a batch")
    out = Engine([c for e in engines for c in e.configs], engines[0].device, init=False)
    with torch.no_grad():
        for net in ("g", "d"):
            setattr(out, net, torch.cat([getattr(e, net).detach() for e in engines])
                    .requires_grad_(True))
            for key in ("m", "v"):
                out.opt[net][key] = torch.cat([e.opt[net][key] for e in engines])
            out.opt[net]["t"] = np.concatenate([e.opt[net]["t"] for e in engines])
    out.counters = np.concatenate([e.counters for e in engines])
    out._refresh_views()
    return out


def unstack(batch: Engine, engines: Sequence[Engine]) -> None:
    """Copies each slot of a stack() back into the engine it came from."""
    lo = 0
    with torch.no_grad():
        for e in engines:
            hi = lo + e.R
            for net in ("g", "d"):
                getattr(e, net).copy_(getattr(batch, net)[lo:hi])
                for key in ("m", "v"):
                    e.opt[net][key].copy_(batch.opt[net][key][lo:hi])
                e.opt[net]["t"][:] = batch.opt[net]["t"][lo:hi]
            e.counters[:] = batch.counters[lo:hi]
            e.steps += batch.steps
            if getattr(batch, "last_fake", None) is not None:
                e.last_fake = batch.last_fake[lo:hi]
            lo = hi
