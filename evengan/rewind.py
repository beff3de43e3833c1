"""Rewind: a run's earlier states, kept along the way, so that going back to any step is a
short replay rather than one from step 0.

A snapshot is the run as it stood the moment it first reached a step: weights, optimiser
moments, draw counters, the config, and its logs. The logs cost nothing to keep: a History
never changes a row it has written (evengan.history), so a snapshot holds the log's array as
it is. Trainer.rewind(step) starts from the nearest snapshot at or before the step and replays
the recipe's actions from there; because replays are exact, the result is the run a fresh
replay to that step would give, bit for bit.

Snapshots are taken every `every` steps. When there are too many, or they hold too much memory,
every other one goes and the spacing doubles: a long run keeps a few dozen, evenly spread, and
a rewind replays at most one spacing: on a tutorial run, 500 steps (0.2 s) at step 20,000,
4,000 (2 s) at step 60,000.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from . import recipe as recipes
from .config import GANConfig
from .engine import Engine

EVERY = 250  # steps between snapshots at first: a replay of at most this many is ~0.1 s
MAX_SNAPSHOTS = 48
# Memory snapshots may hold (weights, moments, log arrays), beyond LOG_COPIES full copies of
# the run's logs: a run of 10-bit numbers keeps a 4 MB timeline, a tutorial run 1 MB in all.
MAX_BYTES = 8 << 20
LOG_COPIES = 3
_LOGS = ("history", "evals", "weights", "timeline")


@dataclass(frozen=True)
class Snapshot:
    """One run at one step: enough to go on from there exactly."""

    step: int
    config: GANConfig
    engine: dict  # Engine.state(): copies, never written to
    logs: dict  # log name -> History.frozen()
    last_fake: torch.Tensor | None

    def nbytes(self) -> int:
        fake = 0 if self.last_fake is None else self.last_fake.nbytes
        return fake + sum(v.nbytes for v in self.engine.values() if hasattr(v, "nbytes"))


class Snapshots:
    """A run's snapshots, oldest first (one per Trainer, shared in part by its forks)."""

    def __init__(self, kept: list[Snapshot] | None = None, every: int = EVERY):
        self.kept = list(kept or [])
        self.every = every

    def take(self, trainer: Any, now: bool = False) -> None:
        """Keeps the trainer's state if a snapshot is due, or at once with `now` (call it where
        a chunk of training ends: the state must be the one the run had when it first reached
        this step)."""
        step = trainer.step_count
        if self.kept and self.kept[-1].step == step and now:
            return
        if trainer.diverged or (not now and self.kept
                                and step < self.kept[-1].step + self.every):
            return
        logs = {name: getattr(trainer, name).frozen() for name in _LOGS
                if getattr(trainer, name) is not None}
        fake = getattr(trainer.engine, "last_fake", None)
        self.kept.append(Snapshot(step, trainer.config, trainer.engine.state(), logs,
                                  None if fake is None else fake.clone()))
        limit = MAX_BYTES + LOG_COPIES * sum(
            8 * log.capacity * len(log.columns) for log in
            (getattr(trainer, name) for name in _LOGS) if log is not None)
        while len(self.kept) > 2 and (len(self.kept) > MAX_SNAPSHOTS
                                      or self.nbytes() > limit):
            self.kept = self.kept[::2]
            self.every *= 2

    def nbytes(self) -> int:
        """Memory the snapshots hold: their states, and each log array once."""
        arrays = {id(log[0]): log[0].nbytes for s in self.kept for log in s.logs.values()}
        return sum(s.nbytes() for s in self.kept) + sum(arrays.values())

    def nearest(self, step: int) -> Snapshot | None:
        """The latest snapshot at or before `step`."""
        best = None
        for snap in self.kept:
            if snap.step <= step:
                best = snap
        return best

    def until(self, step: int) -> Snapshots:
        """The snapshots up to `step` (shared, not copied: they never change)."""
        return Snapshots([s for s in self.kept if s.step <= step], self.every)


def restore(trainer: Any, snap: Snapshot) -> None:
    """Puts a snapshot's state into a trainer, in fresh objects (the snapshot stays as is)."""
    trainer.config = snap.config
    engine = Engine([snap.config], init=False)
    engine.load_state(snap.engine)
    if snap.last_fake is not None:
        engine.last_fake = snap.last_fake.clone()
    trainer.engine = engine
    for name, frozen in snap.logs.items():
        log = copy.copy(getattr(trainer, name))  # a new object: a fork shares the old one
        log.restore(frozen)
        setattr(trainer, name, log)
    trainer.diverged = None
    trainer._eval_cache = None


def rewind(trainer: Any, step: int, train=None, progress=None) -> None:
    """Takes a Trainer back to `step`, exactly: as a fresh replay of its recipe up to that
    step would leave it (recipe.prefix: actions done at an earlier step after reaching it are
    undone too; at the current step everything done stays). Replays from the nearest
    snapshot; `train` and `progress` as in evengan.recipe.apply. ValueError for a step the
    run has not reached or a run whose past is not known."""
    log = recipes.recipe(trainer)["log"]
    step = _reachable(trainer, step)
    # A run that blew up logs the step it attempted: its prefix leaves that out.
    whole = step == trainer.step_count and not trainer.diverged
    target = log if whole else recipes.prefix(log, step)
    snap = trainer.snapshots.nearest(step)
    if snap is None:  # a run from a checkpoint file: from its recipe's step 0
        trainer.config = trainer.origin
        trainer.reset()
        start = 0
    else:
        restore(trainer, snap)
        trainer.actions = recipes.prefix(target, snap.step)
        trainer.snapshots = trainer.snapshots.until(snap.step)
        start = snap.step
    recipes.apply(trainer, recipes.after(target, start), progress, train)


def fork(trainer: Any, step: int, train=None, progress=None) -> Any:
    """A new Trainer that is this one taken back to `step` (see rewind()); this one goes on
    as it was. The two share their snapshots up to the step."""
    _reachable(trainer, step)
    new = copy.copy(trainer)  # engine, logs and actions: replaced by rewind(), never written
    rewind(new, step, train, progress)
    return new


def _reachable(trainer: Any, step: int) -> int:
    if trainer.actions is None:
        recipes.recipe(trainer)  # raises: the past is not known
    if not isinstance(step, (int, np.integer)) or not 0 <= step <= trainer.step_count:
        raise ValueError(f"step must be in 0..{trainer.step_count:,}, got {step!r}")
    return int(step)
