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
import zlib
from collections.abc import Callable
from typing import Any

from .config import FIELD_NAMES, MAX_STEPS, GANConfig
from .models import net_specs

VERSION = 1
MAX_ACTIONS = 5_000  # entries a recipe may hold
MAX_LINK_CHARS = 20_000  # the encoded form, as a link carries it
_MAX_JSON_BYTES = 1 << 20
_MODES = ("both", "g", "d")


def recipe(trainer: Any) -> dict:
    """A Trainer's recipe as plain JSON data (Trainer.recipe()); ValueError for a run whose
    past is not known."""
    if trainer.origin is None or trainer.actions is None:
        raise ValueError("this run's past is not known: it was loaded from a checkpoint "
                         f"file that holds no recipe, or took more than {MAX_ACTIONS:,} "
                         "actions")
    return {"v": VERSION, "config": trainer.origin.to_dict(),
            "log": [dict(a) for a in trainer.actions]}


def merged(log: list[dict]) -> list[dict]:
    """A log with runs of one mode in a row made one, as a Trainer notes them: the form a
    replayed run's own recipe has. Worked example: run both 100, run both 200, run d 5 ->
    run both 300, run d 5."""
    out: list[dict] = []
    for action in log:
        last = out[-1] if out else None
        if (action["do"] == "run" and last and last["do"] == "run"
                and last["mode"] == action["mode"]):
            out[-1] = {**last, "n": last["n"] + action["n"]}
        else:
            out.append(dict(action))
    return out


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
            if taken < action["n"] and not (trainer.diverged and taken == action["n"] - 1):
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


def prefix(log: list[dict], step: int) -> list[dict]:
    """The log up to the moment its run first reached `step`: the run that crosses it is cut
    there, and nothing done at that step afterwards is kept.

    With log = [run 500, config lr_g, run 500]: prefix(log, 500) is [run 500] and
    prefix(log, 700) is [run 500, config lr_g, run 200].
    """
    out, done = [], 0
    for action in log:
        if done >= step:
            break
        if action["do"] == "run":
            take = min(action["n"], step - done)
            out.append({**action, "n": take})
            done += take
        else:
            out.append(dict(action))
    return out


def after(log: list[dict], step: int) -> list[dict]:
    """What the log does from the moment its run first reached `step`: prefix(log, step)
    followed by after(log, step) is the log again (a run cut in two, merged back)."""
    out, done = [], 0
    for action in log:
        if done >= step:
            out.append(dict(action))
        elif action["do"] == "run":
            done += action["n"]
            if done > step:
                out.append({**action, "n": done - step})
    return out


def split_step(a: dict, b: dict) -> int:
    """The last step two recipes share: up to it their runs are one and the same, bit for
    bit; from it they differ (or one ends). 0 for runs of different configs at step 0."""
    if a["config"] != b["config"]:
        return 0
    low, high = 0, min(steps(a["log"]), steps(b["log"]))
    while low < high:  # prefixes that agree at s agree at every step before it
        mid = (low + high + 1) // 2
        if prefix(a["log"], mid) == prefix(b["log"], mid):
            low = mid
        else:
            high = mid - 1
    return low


def check(data: object, max_steps: int = MAX_STEPS) -> tuple[GANConfig, list[dict]]:
    """(config at step 0, log) of a well-formed recipe that replays as written; ValueError,
    naming the first thing wrong, for anything else. Everything is checked before a step is
    taken: each action's fields, the configs it passes through, and each weight edit's place
    in its layer."""
    if not isinstance(data, dict) or set(data) != {"v", "config", "log"}:
        raise ValueError("a recipe is an object with exactly v, config and log")
    if data["v"] != VERSION:
        raise ValueError(f"this recipe is version {_short(data['v'])}; this evengan reads "
                         f"{VERSION}")
    if not isinstance(data["config"], dict):
        raise ValueError("a recipe's config must be an object of GANConfig fields")
    config = GANConfig.from_dict(data["config"])
    log = data["log"]
    if not isinstance(log, list) or len(log) > MAX_ACTIONS:
        raise ValueError(f"a recipe's log must be a list of at most {MAX_ACTIONS:,} actions")
    steps, current = 0, config
    for i, action in enumerate(log):
        where = f"action {i + 1} of the recipe"
        _check_action(action, where)
        if action["do"] == "run":
            steps += action["n"]
            if steps > max_steps:
                raise ValueError(f"the recipe trains more than the {max_steps:,} steps "
                                 "allowed here")
        elif action["do"] == "config":
            new = current.replace(**action["set"])  # ValueError names a bad value
            if current.needs_reset(new):
                raise ValueError(f"{where} changes the networks or the seed, which no live "
                                 "change does")
            current = new
        elif action["do"] == "set_weight":
            spec = net_specs(current)[0 if action["net"] == "g" else 1]
            if action["layer"] >= len(spec.layers):
                raise ValueError(f"{where} edits a layer the network does not have")
            _, fan_in, fan_out = spec.layers[action["layer"]]
            if action["row"] > fan_in or action["col"] >= fan_out:  # row fan_in: the bias
                raise ValueError(f"{where} edits a weight outside its layer")
    return config, log


def configs(config: GANConfig, log: list[dict]) -> list[GANConfig]:
    """Every config a checked recipe passes through, the first included (for budgets)."""
    out = [config]
    for action in log:
        if action["do"] == "config":
            out.append(out[-1].replace(**action["set"]))
    return out


_SHAPES = {
    "run": {"do", "mode", "n"},
    "config": {"do", "set"},
    "reinit": {"do", "net"},
    "set_weight": {"do", "net", "layer", "row", "col", "value"},
}
# The weight a hand edit may set, as the page's own control allows and then some.
_MAX_WEIGHT = 1e6


def _check_action(action: object, where: str) -> None:
    do = action.get("do") if isinstance(action, dict) else None
    if not isinstance(do, str) or do not in _SHAPES:
        raise ValueError(f"{where} is not one of {', '.join(_SHAPES)}")
    if set(action) != _SHAPES[do]:
        raise ValueError(f"{where} must have exactly {', '.join(sorted(_SHAPES[do]))}")
    if do == "run":
        if action["mode"] not in _MODES or not _whole(action["n"], 1, MAX_STEPS):
            raise ValueError(f"{where} must run 1..{MAX_STEPS:,} steps of mode both, g or d")
    elif do == "config":
        changes = action["set"]
        if not isinstance(changes, dict) or not changes or set(changes) - set(FIELD_NAMES):
            raise ValueError(f"{where} must set some GANConfig fields")
    elif not isinstance(action["net"], str) or action["net"] not in ("g", "d"):
        raise ValueError(f"{where} must name net g or d")
    elif do == "set_weight":
        whole = all(_whole(action[k], 0, 4096) for k in ("layer", "row", "col"))
        value = action["value"]
        if not whole or not isinstance(value, (int, float)) or isinstance(value, bool) \
                or not abs(value) <= _MAX_WEIGHT:
            raise ValueError(f"{where} must give whole layer, row, col and a value within "
                             f"±{_MAX_WEIGHT:g}")


def _whole(x: object, low: int, high: int) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and low <= x <= high


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


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
