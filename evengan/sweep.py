"""Many GANs at once: seed ensembles and hyperparameter sweeps on the batched engine.

Runs that share a batch key (GANConfig.batch_key: shapes, loss, optimisers, k steps, ...)
train as one batch of stacked weights; a grid over such a field (batch size, D's width,
d_steps) gives one batch per value. Every variant the Trainer knows is expressible in the
batched form, so no run needs to fall back to a loop of single Trainers. On the hand-written
gradient path a run in a sweep ends with the very bits of a Trainer with its seed.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import numbers
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from . import budget
from .config import FIELD_NAMES, GANConfig, parse_field
from .engine import RECORD_COLUMNS, Engine
from .history import History
from .metrics import COLLAPSE_SHARE, SCALARS, shown_ratio
from .trainer import steps_to_eval

METRICS = SCALARS
MAX_BATCH = 4096  # runs per engine; larger groups are split
COLLAPSE_COVERAGE = COLLAPSE_SHARE  # below this coverage a run counts as collapsed


@dataclass
class SweepTable:
    """One row per run: the grid values, the seed, the final exact metrics."""

    axes: list[str]
    rows: list[dict]
    steps: int
    seconds: float = 0.0
    # Optional per-run curves: metric -> array (runs, evaluations), with their steps.
    curves: dict[str, np.ndarray] = field(default_factory=dict)
    curve_steps: np.ndarray | None = None
    # The ratio to show: the even ratio when every run's target is the evens, else in-target.
    ratio: str = "even_ratio"

    @property
    def columns(self) -> list[str]:
        return [*self.axes, "seed", *METRICS, "diverged"]

    def column(self, name: str) -> np.ndarray:
        return np.array([row[name] for row in self.rows])

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=self.columns, lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({k: row[k] for k in self.columns})
        return out.getvalue()

    def cells(self) -> list[dict]:
        """Per grid cell: the values, median metrics, collapse probability, per-seed lists."""
        groups: dict[tuple, list[dict]] = {}
        for row in self.rows:
            groups.setdefault(tuple(row[a] for a in self.axes), []).append(row)
        out = []
        for key, rows in groups.items():
            cell = dict(zip(self.axes, key))
            for m in METRICS:
                values = np.array([r[m] for r in rows], dtype=np.float64)
                cell[m] = float(np.nanmedian(values)) if np.isfinite(values).any() else math.nan
                cell[m + "_all"] = values.tolist()
            cov = np.array([r["coverage"] for r in rows], dtype=np.float64)
            cell["collapse_probability"] = float(np.mean(~(cov >= COLLAPSE_COVERAGE)))
            cell["seeds"] = len(rows)
            out.append(cell)
        return out


# Bounds on what a grid and a seed list may ask for, checked before anything is built.
MAX_GRID_VALUES = 64  # values on one axis
MAX_GRID_CELLS = 4096  # cells of the whole grid (the product of its axes)
MAX_SEEDS = 4096  # seeds per cell, as a count or a list


def parse_grid(specs: Sequence[str]) -> dict[str, list]:
    """["lr_g=1e-4,1e-3", "batch_size=16,64"] -> {"lr_g": [1e-4, 1e-3], "batch_size": [16, 64]}.
    Targets may be separated by ";" (the only way to sweep sets): "target=even;set:1,5,9".

    Raises ValueError for an unknown field, a field named twice, an empty or repeated value,
    or more than MAX_GRID_VALUES values on an axis or MAX_GRID_CELLS cells in all.
    """
    grid: dict[str, list] = {}
    for spec in specs:
        name, sep, values = spec.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or not values.strip():
            raise ValueError(f"--grid takes FIELD=V1,V2,..., got {spec!r}")
        if name not in FIELD_NAMES or name == "seed":
            raise ValueError(f"--grid field must be a config field other than seed, got {name!r}")
        if name in grid:
            raise ValueError(f"--grid names {name} twice")
        # A set's own commas would split it: targets may be separated by ";" instead.
        sep = ";" if name == "target" and ";" in values else ","
        items = [v.strip() for v in values.split(sep)]
        if len(items) > MAX_GRID_VALUES:
            raise ValueError(f"--grid {name} has {len(items)} values; the most is "
                             f"{MAX_GRID_VALUES}")
        if not all(items):  # "lr_g=1e-3,,1e-2" is a typo, not two values
            raise ValueError(f"--grid {name} has an empty value in {values!r}")
        parsed: list = []
        for item in items:
            value = parse_field(name, item)
            if value in parsed:  # the same cell twice would merge its seeds into one
                raise ValueError(f"--grid {name} lists {item} twice")
            parsed.append(value)
        grid[name] = parsed
    cells = math.prod(len(v) for v in grid.values())
    if cells > MAX_GRID_CELLS:
        raise ValueError(f"the grid has {cells:_} cells; the most is {MAX_GRID_CELLS:_}")
    return grid


def seed_list(seeds: int | Sequence[int]) -> list[int]:
    """The seeds a sweep trains: 0..seeds-1 for a count, else the list as given.

    Raises ValueError for a count outside 1..MAX_SEEDS, an empty or too long list, a seed
    that is not a valid config seed, or a seed listed twice.
    """
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        if not 1 <= seeds <= MAX_SEEDS:
            raise ValueError(f"seeds must be a count in 1..{MAX_SEEDS} or a list, got {seeds}")
        return list(range(int(seeds)))
    if not 1 <= len(seeds) <= MAX_SEEDS:
        raise ValueError(f"a seed list holds 1..{MAX_SEEDS} seeds, got {len(seeds)}")
    out: list[int] = []
    for s in seeds:
        # A bool or a float is no seed, even where int() would take it.
        value = parse_field("seed", s) if not isinstance(s, bool | float) else None
        if value is None:
            raise ValueError(f"seed must be an integer, got {s!r}")
        if value in out:  # two runs with one seed are one run counted twice
            raise ValueError(f"seed {value} is listed twice")
        out.append(value)
    return out


def keep_freed_memory() -> None:
    """Asks glibc to reuse freed blocks instead of returning them to the OS.

    A batched step allocates and frees tensors of a few hundred kB; by default glibc maps each
    anew and the page faults cost about as much as the arithmetic (measured: 110k -> 147k
    GAN-steps/s at R = 1,024). Elsewhere this does nothing.
    """
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 30)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


def run_sweep(
    base: GANConfig,
    grid: dict[str, list],
    seeds: int | Sequence[int],
    steps: int,
    device: str | torch.device = "cpu",
    curves_every: int = 0,
    progress: Callable[[int, int], None] | None = None,
    max_bytes: int = budget.DEFAULT_MAX_BYTES,
    stopped: dict | None = None,
) -> SweepTable:
    """Trains every grid cell x seed for `steps` steps and returns their final exact metrics.

    `progress(done, total)` is called as run-steps complete; `curves_every` > 0 also keeps
    each run's metrics every that many steps. Raises ValueError before allocating when a
    batch of runs would pass max_bytes (evengan.budget). `progress` may raise to stop; then
    `stopped["table"]`, if given, receives what was done: the finished runs, and the runs in
    training evaluated where they stood (the table's steps says at which step).
    """
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    keep_freed_memory()
    axes = list(grid)
    cells = [dict(zip(axes, values)) for values in itertools.product(*grid.values())]
    runs = [(cell, base.replace(**cell, seed=s)) for cell in cells for s in seed_list(seeds)]
    ratio = ("even_ratio" if all(cfg.is_even for _, cfg in runs) else "target_ratio")
    groups: dict[tuple, list[int]] = {}
    for i, (_, cfg) in enumerate(runs):
        groups.setdefault(cfg.batch_key(), []).append(i)
    for members in groups.values():  # the largest batch each structure will train at once
        budget.check(runs[members[0]][1], min(len(members), MAX_BATCH), max_bytes)
    results: list[dict | None] = [None] * len(runs)
    n_evals = steps // curves_every + 1 if curves_every else 0
    curves = {m: np.full((len(runs), n_evals), np.nan) for m in METRICS} if n_evals else {}
    total, done = len(runs) * steps, 0
    start = time.perf_counter()
    for members in groups.values():
        for lo in range(0, len(members), MAX_BATCH):
            chunk = members[lo : lo + MAX_BATCH]
            engine = Engine([runs[i][1] for i in chunk], device=device)
            try:
                done = _train(engine, steps, curves, chunk, curves_every, done, total, progress)
            except BaseException:  # stopped (a Stop click, a page left): keep what was done
                if stopped is not None:
                    _final_rows(engine, chunk, runs, results)
                    stopped["table"] = SweepTable(
                        axes=axes, rows=[r for r in results if r is not None],
                        steps=engine.steps, seconds=time.perf_counter() - start, ratio=ratio)
                raise
            _final_rows(engine, chunk, runs, results)
    if progress:
        progress(total, total)
    return SweepTable(axes=axes, rows=[r for r in results if r is not None], steps=steps,
                      seconds=time.perf_counter() - start, curves=curves,
                      curve_steps=np.arange(n_evals) * curves_every if n_evals else None,
                      ratio=ratio)


def _train(engine: Engine, steps: int, curves: dict, chunk: list[int], curves_every: int,
           done: int, total: int, progress) -> int:
    """Trains one batch of runs `steps` steps, their curves kept every curves_every steps;
    returns the run-steps done so far in the sweep."""
    for t in range(steps + 1):
        if curves_every and t % curves_every == 0:
            ev = engine.evaluate()
            for m in METRICS:
                curves[m][chunk, t // curves_every] = ev[m].cpu().numpy()
        if t == steps:
            break
        engine.step(record=False)
        done += len(chunk)
        if progress:
            progress(done, total)
    return done


def _final_rows(engine: Engine, chunk: list[int], runs: list, results: list) -> None:
    """Each run of an engine, evaluated where it stands, as its row of the table."""
    final = engine.evaluate()
    finite = engine.finite().cpu().numpy()
    for j, i in enumerate(chunk):
        cell, cfg = runs[i]
        row = {**cell, "seed": cfg.seed, "diverged": not bool(finite[j])}
        for m in METRICS:
            row[m] = float(final[m][j]) if finite[j] else math.nan
        results[i] = row


class Ensemble:
    """K seeds of one config trained in lockstep with a main run, summarised by quantiles."""

    QUANTILES = (0.25, 0.5, 0.75)

    def __init__(self, config: GANConfig, k: int, eval_every: int = 50):
        if not 1 <= k <= 256:
            raise ValueError(f"an ensemble holds 1..256 seeds, got {k}")
        self.k, self.eval_every = k, eval_every
        self.config = config
        self.reset()

    def _configs(self, config: GANConfig) -> list[GANConfig]:
        # Seeds after the main run's, so the ensemble is K other runs of the same setting.
        return [config.replace(seed=(config.seed + 1 + i) % 2**31) for i in range(self.k)]

    def reset(self) -> None:
        self.engine = Engine(self._configs(self.config))
        cols = [f"{c}_{q}" for c in RECORD_COLUMNS[:4] for q in ("q1", "med", "q3")]
        self.history = History(cols, 2048)
        # ratio_*: the even ratio for the evens, the in-target ratio for another target
        ecols = [f"{m}_{q}" for m in ("ratio", "coverage") for q in ("q1", "med", "q3")]
        self.evals = History([*ecols, "collapse_probability"], 1024)
        self.last_coverage = np.full(self.k, np.nan)
        self._evaluate()

    @property
    def step_count(self) -> int:
        return self.engine.steps

    def update_config(self, config: GANConfig) -> None:
        """Follows the main run's config: live numbers stay live, structure resets."""
        reset = self.config.needs_reset(config)
        self.config = config
        if reset:
            self.reset()
        else:
            self.engine.set_hyper(self._configs(config))

    def run(self, n: int, mode: str = "both") -> None:
        """n steps of every seed; the quantiles are logged once per stretch between evaluations,
        not once per step."""
        done = 0
        while done < n:
            every = self.eval_every
            k = steps_to_eval(self.engine.steps, every, n - done)
            first = self.engine.steps
            recs = self.engine.run_steps(k, mode)[..., :4]  # (k, K, 4)
            q = torch.tensor(self.QUANTILES, dtype=torch.float64)
            stats = torch.nanquantile(recs.to(torch.float64), q, dim=1)  # (3, k, 4)
            rows = stats.permute(1, 2, 0).reshape(k, -1).numpy()  # per column: q1, med, q3
            steps = np.arange(first + 1, first + k + 1, dtype=np.float64)
            self.history.append(np.column_stack([steps, rows]))
            done += k
            if every and self.engine.steps % every == 0:
                self._evaluate()

    def _evaluate(self) -> None:
        ev = self.engine.evaluate()
        finite = self.engine.finite().numpy()
        row = [self.engine.steps]
        for m in (shown_ratio(self.config.target), "coverage"):
            values = np.where(finite, ev[m].numpy(), np.nan)
            if finite.any():
                row += np.nanquantile(values, self.QUANTILES).tolist()
            else:
                row += [math.nan] * 3
        cov = np.where(finite, ev["coverage"].numpy(), np.nan)
        self.last_coverage = cov
        row.append(float(np.mean(~(cov >= COLLAPSE_COVERAGE))))
        self.evals.append([row])

    def collapse_probability(self, threshold: float = COLLAPSE_COVERAGE) -> float:
        """Share of the K seeds whose exact coverage is below the threshold now."""
        return float(np.mean(~(self.last_coverage >= threshold)))
