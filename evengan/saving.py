"""Checkpoints of a Trainer: what save() writes and load() trusts (see evengan.checkpoint for
the file format and its reader)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from . import checkpoint, rewind
from . import recipe as recipes
from .config import GANConfig


def save(trainer: Any, file) -> None:
    """Writes config, weights, optimiser moments, RNG counter, step and histories.

    `file` is a path or a binary file object. See evengan.checkpoint for the format.
    """
    state = trainer.engine.state()
    meta = {
        "config": trainer.config.to_dict(),
        "counter": int(state["counter"][0]),
        "steps": state["steps"],
        "g_t": int(state["g_t"][0]),
        "d_t": int(state["d_t"][0]),
        "diverged": trainer.diverged,
        "eval_every": trainer.eval_every,
        "recipe": _encoded_recipe(trainer),
        "rows": {name: log.count for name, log in _logs(trainer).items()},
    }
    arrays = {name: state[name].numpy() for name in ("g", "d", "g_m", "g_v", "d_m", "d_v")}
    arrays.update({name: log.array() for name, log in _logs(trainer).items()})
    checkpoint.write(file, meta, arrays)


def load(cls: type, file) -> Any:
    """A Trainer restored from save(): training resumes as if it had never stopped.

    `file` is a path, bytes or a binary file object. Raises ValueError, with one sentence
    saying why, for a file that is not a valid checkpoint (see evengan.checkpoint); nothing
    in it is run, and no file of at most 5 MB takes a second or 100 MB to load or refuse.
    """
    reader = checkpoint.Reader(file)
    head = reader.header
    # No step-0 evaluation: the file's own histories replace it, and skipping it keeps
    # the load of the largest config fast.
    trainer = cls(head.config, eval_every=0)
    logs = _logs(trainer)
    arrays = reader.arrays(logs)
    # Building the networks drew the first random numbers and every step draws once more,
    # so a counter behind that would make the run replay draws it has already used.
    first = trainer.engine.counter
    if head.counter < first + head.steps:
        raise ValueError(f"not a valid evengan checkpoint: its counter {head.counter} is "
                         f"below {first + head.steps}, the draws of {head.steps} steps")
    trainer.engine.load_state({
        "counter": head.counter, "steps": head.steps, "g_t": head.g_t, "d_t": head.d_t,
        **{name: torch.from_numpy(arrays[name].astype(np.float32))
           for name in checkpoint.PARAMS},
    })
    for name, hist in logs.items():
        hist.load(arrays[name], (head.rows or {}).get(name))
    trainer.eval_every = head.eval_every
    trainer.diverged = head.diverged
    trainer.origin, trainer.actions = _file_recipe(head)
    # Its step-0 snapshot is of another state; rewind() replays the file's recipe instead.
    trainer.snapshots = rewind.Snapshots()
    return trainer


def _logs(trainer: Any) -> dict:
    logs = {"history": trainer.history, "evals": trainer.evals, "weights": trainer.weights}
    if trainer.timeline is not None:
        logs["timeline"] = trainer.timeline
    return logs


def _encoded_recipe(trainer: Any) -> str | None:
    """The recipe as a checkpoint keeps it: as a link encodes it, or None where it is not
    known or too long to keep."""
    if trainer.actions is None:
        return None
    text = recipes.encode(trainer.recipe())
    return text if len(text) <= min(checkpoint.MAX_RECIPE_CHARS,
                                    recipes.MAX_LINK_CHARS) else None


def _file_recipe(head: checkpoint.Header) -> tuple[GANConfig | None, list | None]:
    """(origin, actions) of a checkpoint's recipe, checked against the file's steps; (None,
    None) for a file without one."""
    if head.recipe is None:
        return None, None
    try:
        origin, log = recipes.check(recipes.decode(head.recipe))
    except ValueError as exc:
        raise checkpoint.InvalidCheckpoint(f"not a valid evengan checkpoint: its recipe is "
                                           f"damaged ({exc})") from None
    # The recipe must lead to this very file: its steps (a run that blew up logs the step it
    # attempted), its final settings, and its draws (two initial networks, one draw a step
    # and one a re-initialisation).
    total = recipes.steps(log)
    steps_fit = head.steps == total or (head.diverged and head.steps == total - 1)
    draws = 2 + head.steps + sum(a["do"] == "reinit" for a in log)
    if (not steps_fit or recipes.configs(origin, log)[-1] != head.config
            or draws != head.counter):
        raise checkpoint.InvalidCheckpoint("not a valid evengan checkpoint: its recipe does "
                                           "not lead to its step, settings and draws")
    return origin, [dict(a) for a in log]
