"""The Trainer: one GAN run, stepped on demand, with its history and exact evaluation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn as nn

from . import budget, rewind, saving, slowmo
from . import recipe as recipes
from .config import MAX_STEPS, GANConfig
from .encoding import convert_float_matrix_to_int_list
from .engine import RECORD_COLUMNS, Engine
from .history import History
from .metrics import SCALARS

EVAL_COLUMNS = SCALARS  # evengan.metrics
# The step x integer timeline keeps G's whole distribution, affordable up to this many bits.
TIMELINE_MAX_BITS = 10
_LOSS_COLUMNS = 4  # loss_g, loss_d, d_real, d_fake: must stay finite (grad norms may be NaN)


class Trainer:
    """Trains one GAN step by step; the same config always gives the same history."""

    def __init__(self, config: GANConfig | None = None, history_capacity: int = 4096,
                 eval_every: int = 50, max_bytes: int = budget.DEFAULT_MAX_BYTES):
        """Raises ValueError, before allocating, when the config's estimated memory
        (evengan.budget) passes max_bytes."""
        self.config = config or GANConfig()
        budget.check(self.config, 1, max_bytes)
        self.max_bytes = max_bytes
        self._capacity = history_capacity
        # Exact metrics are taken every eval_every steps (0: only on record_eval()).
        self.eval_every = eval_every
        self.reset()

    def reset(self) -> None:
        """Back to step 0: the seed's initial weights, empty histories."""
        self.engine = Engine([self.config])
        self.history = History(RECORD_COLUMNS, self._capacity)
        self.evals = History(EVAL_COLUMNS, 1024)
        n = self.config.n_bits
        self.timeline = (
            History([f"q{i}" for i in range(2**n)], 512) if n <= TIMELINE_MAX_BITS else None
        )
        # D's weight on each bit and G's singular values, over time.
        self.weights = History([f"d_bit{i}" for i in range(n)]
                               + [f"g_sv{i}" for i in range(n)], 1024)
        self.diverged: str | None = None
        self._eval_cache: tuple | None = None
        # The recipe (evengan.recipe): the config at step 0 and every action since; None
        # where a run came from a checkpoint file, whose past is not known.
        self.origin: GANConfig | None = self.config
        self.actions: list[dict] | None = []
        if self.eval_every:
            self.record_eval()  # step 0, so a collapse in the first steps shows as a fall
        self.snapshots = rewind.Snapshots()  # for rewind(): states along the way
        self.snapshots.take(self)

    # ---- training -----------------------------------------------------------------------

    @property
    def step_count(self) -> int:
        return self.engine.steps

    @property
    def generator(self) -> nn.Module:
        """G as a module over the live weights: generator(z) gives (k, n_bits) probabilities."""
        return self.engine.module("g")

    @property
    def discriminator(self) -> nn.Module:
        return self.engine.module("d")

    def step(self, mode: str = "both") -> dict[str, float]:
        """One training step; returns its record (losses, D(real), D(fake), batch even ratio)."""
        self.run(1, mode)
        return self.history.last() or {}

    def run(self, n: int, mode: str = "both") -> int:
        """Runs up to n steps; stops early, keeping the last finite state, if training blows up.

        Every eval_every steps the exact metrics are recorded. Returns the number of steps taken.
        """
        done, was_fine = 0, not self.diverged
        while done < n and not self.diverged:
            every = self.eval_every
            k = steps_to_eval(self.step_count, every, n - done)
            taken = self._run(k, mode)
            done += taken
            if every and taken and self.step_count % every == 0:
                self.record_eval()
            self.snapshots.take(self)
            if taken < k:
                break
        # A run that blew up logs the step it attempted, so a replay blows up there too.
        self.note("run", mode=mode, n=done + (1 if was_fine and self.diverged else 0))
        return done

    def note(self, do: str, **args) -> None:
        """Adds an action to the run's recipe; runs of one mode in a row merge into one."""
        if self.actions is None or (do == "run" and not args["n"]):
            return
        if len(self.actions) >= recipes.MAX_ACTIONS:  # past what a recipe may hold
            self.origin, self.actions = None, None
            return
        last = self.actions[-1] if self.actions else None
        if do == "run" and last and last["do"] == "run" and last["mode"] == args["mode"]:
            last["n"] += args["n"]
        else:
            self.actions.append({"do": do, **args})

    def reinit(self, net: str) -> None:
        """Fresh weights and optimiser state for "g" or "d", from the run's own draws."""
        if net not in ("g", "d"):
            raise ValueError(f"net must be 'g' or 'd', got {net!r}")
        self.engine.reinit(net)
        self.note("reinit", net=net)
        self.record_eval(redo=True)

    def set_weight(self, net: str, layer: int, row: int, col: int, value: float) -> None:
        """Sets one weight by hand: out = x @ W + b, W[row, col] of that layer; row fan_in
        (one past the last input) is the bias b[col]."""
        if net not in ("g", "d"):
            raise ValueError(f"net must be 'g' or 'd', got {net!r}")
        self.engine.set_weight(net, layer, row, col, value)
        self.note("set_weight", net=net, layer=layer, row=row, col=col, value=float(value))
        self.record_eval(redo=True)

    def _run(self, n: int, mode: str) -> int:
        if n < 1 or self.diverged:
            return 0
        start = self.engine.state()
        records = self.engine.run_steps(int(n), mode)[:, 0]
        if finite_records(records) and bool(self.engine.finite()):
            self._log(records, self.engine.steps - len(records))
            return len(records)
        return self._replay_finite(start, len(records), mode)

    def _replay_finite(self, start: dict, n: int, mode: str) -> int:
        """Goes back to `start` and replays until the step before weights or losses go bad."""
        self.engine.load_state(start)
        for taken in range(n):
            before = self.engine.state()
            rec = self.engine.step(mode)
            if not (finite_records(rec) and bool(self.engine.finite())):
                self.engine.load_state(before)
                self.diverged = (
                    f"training stopped at step {before['steps'] + 1}: a loss or weight became "
                    "infinite or NaN; the last finite state is kept (lower the learning rates)"
                )
                return taken
            self._log(rec, before["steps"])
        return n

    def _log(self, records: torch.Tensor, first_step: int) -> None:
        steps = np.arange(first_step + 1, first_step + 1 + len(records), dtype=np.float64)
        self.history.append(np.column_stack([steps, records.numpy()]))

    def update_config(self, config: GANConfig) -> bool:
        """Adopts a new config; returns True when it needed new networks (and so reset)."""
        reset = self.config.needs_reset(config)
        budget.check(config, 1, self.max_bytes)
        changed = {k: v for k, v in config.to_dict().items() if getattr(self.config, k) != v}
        self.config = config
        if reset:
            self.reset()
        else:
            self.engine.set_hyper([config])
            if changed:
                self.note("config", set=changed)
        return reset

    # ---- the recipe ---------------------------------------------------------------------

    def recipe(self) -> dict:
        """The run as plain JSON data: its config at step 0 and every action since (see
        evengan.recipe); ValueError for a run from a checkpoint that holds no recipe."""
        return recipes.recipe(self)

    @classmethod
    def from_recipe(cls, data: object, max_steps: int = MAX_STEPS, **kwargs) -> Trainer:
        """The run a recipe describes, rebuilt bit for bit; ValueError, in one sentence, for a
        recipe that is malformed, impossible or longer than max_steps steps."""
        config, log = recipes.check(data, max_steps)
        trainer = cls(config, **kwargs)
        recipes.apply(trainer, log)
        return trainer

    def rewind(self, step: int, train: Callable[[Trainer, int, str], int] | None = None,
               progress: Callable[[int, int], None] | None = None) -> None:
        """Takes the run back to `step`, exactly as a fresh replay of its recipe to that step
        would leave it (see evengan.rewind). ValueError for a step the run has not reached or
        a run whose past is not known."""
        rewind.rewind(self, step, train, progress)

    def fork(self, step: int, train: Callable[[Trainer, int, str], int] | None = None,
             progress: Callable[[int, int], None] | None = None) -> Trainer:
        """A new run that is this one taken back to `step` (see rewind()); this one goes on
        as it was. The two share their snapshots up to the step."""
        return rewind.fork(self, step, train, progress)

    # ---- looking ------------------------------------------------------------------------

    def evaluate(self) -> dict:
        """The exact metrics (README, "Exact metrics") of the current G and D.

        Kept until the weights change, so a page that redraws a paused run evaluates once.
        """
        key = self._state_key()
        if self._eval_cache is not None and self._eval_cache[0] == key:
            return self._eval_cache[1]
        ev = run_metrics(self.engine.evaluate(), 0, self.step_count)
        self._eval_cache = (key, ev)
        return ev

    def _state_key(self) -> tuple:
        """Changes whenever the weights do: a step, an in-place edit (version counters), a
        re-initialisation (new tensors); or what they are judged by: the decoding, the target."""
        g, d, c = self.engine.g, self.engine.d, self.config
        return (self.step_count, id(g), g._version, id(d), d._version, c.decode, c.target)

    def record_eval(self, ev: dict | None = None, redo: bool = False) -> dict:
        """Appends the metrics (and timeline row) of the current step, once; `ev` is an
        evaluation of this very state (by a batch, see lockstep). redo, after a hand change,
        replaces an evaluated step's rows, which describe networks that are gone."""
        at_step = bool(len(self.evals)) and self.evals.last()["step"] == self.step_count
        if redo and not at_step:
            return ev
        if ev is None:
            ev = self.evaluate()
        else:  # a page that redraws this step reads it instead of evaluating again
            self._eval_cache = (self._state_key(), ev)
        if at_step and not redo:
            return ev
        put = "replace_last" if redo else "append"
        rows = [(self.evals, [self.step_count, *(ev[c] for c in EVAL_COLUMNS)]),
                (self.weights, [self.step_count, *self.engine.d_bit_weights(),
                                *self.engine.g_singular_values()])]
        if self.timeline is not None:
            rows.append((self.timeline, [self.step_count, *ev["distribution"].tolist()]))
        for log, row in rows:
            getattr(log, put)([row])
        return ev

    def narrated_step(self, mode: str = "both") -> dict:
        """Runs one step and returns its parts for the slow-motion view (evengan.slowmo)."""
        return slowmo.narrated_step(self, mode)

    # ---- checkpoints --------------------------------------------------------------------

    def save(self, file) -> None:
        """Writes config, weights, optimiser moments, RNG counter, step, histories and the
        recipe. `file` is a path or a binary file object (see evengan.saving)."""
        saving.save(self, file)

    @classmethod
    def load(cls, file) -> Trainer:
        """A Trainer restored from save(): training resumes as if it had never stopped.

        `file` is a path, bytes or a binary file object. Raises ValueError, with one sentence
        saying why, for a file that is not a valid checkpoint (see evengan.checkpoint); nothing
        in it is run, and no file of at most 5 MB takes a second or 100 MB to load or refuse.
        """
        return saving.load(cls, file)

    def last_batch(self) -> list[int]:
        """The integers G's latest fake batch decodes to (threshold 0.5)."""
        fake = getattr(self.engine, "last_fake", None)
        return [] if fake is None else convert_float_matrix_to_int_list(fake[0])


def run_metrics(ev: dict, run: int, step: int) -> dict:
    """One run's metrics, as Trainer.evaluate() gives them, from an engine's evaluate()."""
    out: dict = {}
    for key, value in ev.items():
        if isinstance(value, bool):
            out[key] = value
        elif value.dim() == 1:
            out[key] = float(value[run])
        else:
            out[key] = value[run].cpu().numpy()
    out["distinct"] = int(out["distinct"])
    out["step"] = step
    return out


def steps_to_eval(step: int, every: int, n: int) -> int:
    """How many of the next n steps come before an evaluation is due (one every `every`
    steps; 0: none), so that a chunk of training ends exactly on it."""
    return n if not every else min(n, every - step % every)


def finite_records(records: torch.Tensor) -> bool:
    """Whether the losses and D's outputs of records (k, columns) are all finite."""
    return bool(torch.isfinite(records[:, :_LOSS_COLUMNS]).all())
