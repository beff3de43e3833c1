"""A run as a recipe: its config at step 0, and every action since, in order.

Because a config and a seed fix every random draw, the recipe rebuilds the run bit for bit:
the same weights, optimiser state, draw counters and records. Worked example:

    {"v": 1, "config": {...GANConfig fields...},
     "log": [{"do": "run", "mode": "both", "n": 500},
             {"do": "config", "set": {"lr_g": 0.01}},
             {"do": "run", "mode": "both", "n": 500},
             {"do": "reinit", "net": "g"},
             {"do": "run", "mode": "d", "n": 3}]}

A share link carries it as one URL-safe parameter (encode() / decode()), and a checkpoint
keeps it too. Recipes come from links and files, so check() trusts nothing: every field is
checked and the steps are bounded before anything is trained (Trainer.from_recipe).
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from collections.abc import Callable
from typing import Any

from .config import FIELD_NAMES, MAX_STEPS, GANConfig

VERSION = 1
MAX_ACTIONS = 5_000  # entries a recipe may hold
MAX_LINK_CHARS = 20_000  # the encoded form, as a link carries it
_MAX_JSON_BYTES = 1 << 20
_MODES = ("both", "g", "d")


def recipe(trainer: Any) -> dict:
    """A Trainer's recipe as plain JSON data (Trainer.recipe()); ValueError for a run whose
    past is not known."""
    if trainer.origin is None or trainer.actions is None:
        raise ValueError("this run was loaded from a checkpoint file that holds no recipe: "
                         "its past is not known")
    return {"v": VERSION, "config": trainer.origin.to_dict(),
            "log": [dict(a) for a in trainer.actions]}


def steps(log: list[dict]) -> int:
    """The training steps a checked log takes."""
    return sum(a["n"] for a in log if a["do"] == "run")


def apply(trainer: Any, log: list[dict], progress: Callable[[int, int], None] | None = None,
          train: Callable[[Any, int, str], int] | None = None) -> None:
    """Carries out a checked log (see check()) on a Trainer, in order; `train(trainer, n,
    mode)` trains (a scheduler's fair slices, say; default trainer.run) and `progress(done,
    total)` hears of the steps. Stopped partway (an exception from either), the run holds a
    prefix of the log, itself a recipe. ValueError where the log does not replay as written.
    """
    total = steps(log)
    done = 0
    for action in log:
        if action["do"] == "run":
            taken = (train or type(trainer).run)(trainer, action["n"], action["mode"])
            done += taken
            if taken < action["n"]:
                raise ValueError(f"the recipe's run blew up at step {trainer.step_count}, "
                                 "before its recorded steps")
            if progress is not None:
                progress(done, total)
        elif action["do"] == "config":
            new = trainer.config.replace(**action["set"])
            if trainer.config.needs_reset(new):
                raise ValueError("a recipe's config change may not change the networks")
            trainer.update_config(new)
        elif action["do"] == "reinit":
            trainer.reinit(action["net"])
        else:
            trainer.set_weight(action["net"], action["layer"], action["row"], action["col"],
                               action["value"])


def check(data: object, max_steps: int = MAX_STEPS) -> tuple[GANConfig, list[dict]]:
    """(config, log) of a well-formed recipe; ValueError naming the first thing wrong."""
    if not isinstance(data, dict) or set(data) != {"v", "config", "log"}:
        raise ValueError("a recipe is an object with exactly v, config and log")
    if data["v"] != VERSION:
        raise ValueError(f"this recipe is version {data['v']!r}; this evengan reads {VERSION}")
    if not isinstance(data["config"], dict):
        raise ValueError("a recipe's config must be an object of GANConfig fields")
    config = GANConfig.from_dict(data["config"])
    log = data["log"]
    if not isinstance(log, list) or len(log) > MAX_ACTIONS:
        raise ValueError(f"a recipe's log must be a list of at most {MAX_ACTIONS:,} actions")
    steps = 0
    for i, action in enumerate(log):
        where = f"action {i + 1} of the recipe"
        _check_action(action, where)
        if action["do"] == "run":
            steps += action["n"]
            if steps > max_steps:
                raise ValueError(f"the recipe trains more than the {max_steps:,} steps "
                                 "allowed here")
    return config, log


_SHAPES = {
    "run": {"do", "mode", "n"},
    "config": {"do", "set"},
    "reinit": {"do", "net"},
    "set_weight": {"do", "net", "layer", "row", "col", "value"},
}


def _check_action(action: object, where: str) -> None:
    if not isinstance(action, dict) or action.get("do") not in _SHAPES:
        raise ValueError(f"{where} is not one of {', '.join(_SHAPES)}")
    if set(action) != _SHAPES[action["do"]]:
        raise ValueError(f"{where} must have exactly {', '.join(sorted(_SHAPES[action['do']]))}")
    do = action["do"]
    if do == "run":
        if action["mode"] not in _MODES or not _whole(action["n"], 1, MAX_STEPS):
            raise ValueError(f"{where} must run 1..{MAX_STEPS:,} steps of mode both, g or d")
    elif do == "config":
        changes = action["set"]
        if not isinstance(changes, dict) or not changes or set(changes) - set(FIELD_NAMES):
            raise ValueError(f"{where} must set some GANConfig fields")
    elif action["net"] not in ("g", "d"):
        raise ValueError(f"{where} must name net g or d")
    elif do == "set_weight":
        whole = all(_whole(action[k], 0, 4096) for k in ("layer", "row", "col"))
        value = action["value"]
        if not whole or not isinstance(value, (int, float)) or isinstance(value, bool) \
                or not math.isfinite(value):
            raise ValueError(f"{where} must give whole layer, row, col and a finite value")


def _whole(x: object, low: int, high: int) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and low <= x <= high


def encode(data: dict) -> str:
    """A recipe as one URL-safe string: compact JSON, deflated, base64url without padding."""
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def decode(text: str) -> object:
    """encode()'s inverse, bounded in size at every stage; ValueError for anything else."""
    if not isinstance(text, str) or len(text) > MAX_LINK_CHARS:
        raise ValueError(f"a recipe link must be at most {MAX_LINK_CHARS:,} characters")
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, _MAX_JSON_BYTES)
        if inflater.unconsumed_tail or not inflater.eof:
            raise ValueError
        return json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, zlib.error, UnicodeDecodeError, RecursionError):
        raise ValueError("the link's recipe is damaged or not a recipe") from None


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a recipe may hold")
