"""The lessons' figures: the papers' results measured on the even GAN, with the batched sweep.

- packing (PacGAN, Lin et al. 2018): evens captured against D's pack degree and D's width;
- unrolling (Metz et al. 2016): evens captured against G's unrolled D steps;
- seeds (Lucic et al. 2018): one config over many seeds, and the share that collapses;
- convergence (Mescheder et al. 2018): runs' paths towards the target (evengan.trajectory).

"Modes captured" is exact here: the evens G emits for at least one of its noise vectors (the
coverage, times the 64 evens), out of 64; the papers count the modes of a 2-D mixture that
samples land near. `python -m evengan lesson-figures` prints the tables (the README's) and,
with --write, keeps them in evengan/lessons/figures.json for the Lessons page, which so
shows them without training anything.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from .config import GANConfig
from .metrics import COLLAPSE_SHARE
from .progressbar import Progress
from .sweep import run_sweep
from .trajectory import trace
from .writable import check_writable

FIGURES_FILE = Path(__file__).with_name("lessons") / "figures.json"

# Lin et al. 2018's synthetic mixtures (a 2-D grid of 25 Gaussians, a ring of 8): modes
# captured by the plain GAN (pack 1) and by PacGAN2, 3 and 4, averaged over their trials.
PAPER_PACGAN = {"grid": {"modes": 25, "captured": {1: 17.3, 2: 23.8, 3: 24.6, 4: 24.8}},
                "ring": {"modes": 8, "captured": {1: 6.3, 2: 7.9, 3: 7.8, 4: 7.8}}}

# The settings each figure varies one field of, and the values it takes.
PACKING = GANConfig(batch_size=48, noise_dim=10, d_hidden=32)  # 48: a multiple of 1, 2, 3, 4
PACKS, WIDTHS = (1, 2, 3, 4), (0, 8, 16, 32)
# An MLP G against an MLP D, Adam with beta1 = 0.5 as GAN papers use: it collapses to one or
# two evens unrolled 0 or 1 steps.
UNROLLING = GANConfig(g_hidden=32, d_hidden=32, lr_g=0.01, lr_d=0.01, beta1=0.5)
UNROLLS = (0, 1, 5, 10)
# A small MLP D (4 units): about a third of its seeds collapse.
SEEDS = GANConfig(d_hidden=4)

# How many seeds and steps the stored figures use (the command's defaults).
DEFAULTS = {"packing": (24, 3000), "unrolling": (20, 2000), "seeds": (64, 3000),
            "convergence": (1, 4000)}
OnProgress = Callable[[int, int], None] | None


def modes(coverage: np.ndarray, config: GANConfig) -> list[int]:
    """Target numbers captured per run (the evens, in the lessons), from exact coverage."""
    return [int(round(c * config.target_size)) for c in np.asarray(coverage, dtype=np.float64)]


def mean_se(values: Sequence[float]) -> tuple[float, float]:
    """Mean and its standard error (sample standard deviation / sqrt(n)); 0 for one value."""
    x = np.asarray(values, dtype=np.float64)
    se = float(x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else 0.0
    return float(x.mean()), se


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson's 95 % interval for a proportion k / n: honest at 0 and n, unlike p +- 2 se."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    mid = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, mid - half), min(1.0, mid + half)


def packing(seeds: int, steps: int, progress: OnProgress = None) -> dict[str, Any]:
    """Evens captured per seed for every D width x pack degree."""
    table = run_sweep(PACKING, {"d_hidden": list(WIDTHS), "pack": list(PACKS)}, seeds, steps,
                      progress=progress)
    width, pack, cov = (table.column(c) for c in ("d_hidden", "pack", "coverage"))
    cells = {f"{w}:{p}": modes(cov[(width == w) & (pack == p)], PACKING)
             for w in WIDTHS for p in PACKS}
    return {"config": PACKING.to_query(), "seeds": seeds, "steps": steps, "cells": cells}


def unrolling(seeds: int, steps: int, progress: OnProgress = None) -> dict[str, Any]:
    """Evens captured per seed for every number of unrolled D steps."""
    table = run_sweep(UNROLLING, {"unroll_steps": list(UNROLLS)}, seeds, steps,
                      progress=progress)
    k, cov = table.column("unroll_steps"), table.column("coverage")
    return {"config": UNROLLING.to_query(), "seeds": seeds, "steps": steps,
            "cells": {str(u): modes(cov[k == u], UNROLLING) for u in UNROLLS}}


def seed_spread(seeds: int, steps: int, progress: OnProgress = None) -> dict[str, Any]:
    """One config's final coverage on each of `seeds` seeds."""
    table = run_sweep(SEEDS, {}, seeds, steps, progress=progress)
    return {"config": SEEDS.to_query(), "seeds": seeds, "steps": steps,
            "coverage": [round(float(c), 6) for c in table.column("coverage")]}


# The convergence lesson's runs: the tutorial's settings, seed 0, and one change each.
CONVERGENCE = (("plain", {}), ("noise", {"instance_noise": 1.0}), ("r1", {"r1_weight": 1.0}),
               ("wgan1", {"loss": "wgan"}), ("wgan5", {"loss": "wgan", "d_steps": 5}))


def convergence(seeds: int, steps: int, progress: OnProgress = None) -> dict[str, Any]:
    """Seed 0's path (G's mean of b6, D's weight on it, JS to the target) every 20 steps for
    each of CONVERGENCE's settings; `seeds` is unused (one seed draws one path a panel)."""
    runs = trace([GANConfig(seed=0, **changes) for _, changes in CONVERGENCE], steps,
                 every=20, progress=progress)
    out = {"steps": steps, "seeds": 1, "marks": runs[0].steps.tolist(), "runs": {}}
    for (name, changes), run in zip(CONVERGENCE, runs, strict=True):
        out["runs"][name] = {"config": GANConfig(seed=0, **changes).to_query(),
                             **{k: [round(float(v), 6) for v in getattr(run, k)]
                                for k in ("g_mean", "d_weight", "distance")}}
    return out


def collapse_count(figure: dict[str, Any]) -> int:
    return sum(c < COLLAPSE_SHARE for c in figure["coverage"])


MAKERS = {"packing": packing, "unrolling": unrolling, "seeds": seed_spread,
          "convergence": convergence}


def compute(which: Sequence[str] = tuple(MAKERS), seeds: int | None = None,
            steps: int | None = None, progress: OnProgress = None) -> dict[str, Any]:
    """The named figures, each with its default seeds and steps unless given."""
    return {name: MAKERS[name](seeds or DEFAULTS[name][0], steps or DEFAULTS[name][1], progress)
            for name in which}


def stored(path: Path = FIGURES_FILE) -> dict[str, Any]:
    """The figures kept in the repo ({} when the file is missing or unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _pm(values) -> str:
    m, se = mean_se(values)
    return f"{m:.1f} ± {se:.1f}"


def markdown(figures: dict[str, Any]) -> str:
    """The README's tables: ours beside the papers'."""
    out = []
    if "packing" in figures:
        f = figures["packing"]
        out.append(f"**Packing** (PacGAN): evens captured of 64, mean ± standard error over "
                   f"{f['seeds']} seeds, {f['steps']:,} steps; settings "
                   f"`{_link(f['config'])}`, D's width and pack varied.\n")
        out.append("| D | pack 1 | pack 2 | pack 3 | pack 4 |\n|---|---|---|---|---|")
        for w in WIDTHS:
            name = "linear" if w == 0 else f"MLP, {w} units"
            out.append(f"| {name} | " + " | ".join(_pm(f["cells"][f"{w}:{p}"]) for p in PACKS)
                       + " |")
        for key, label in (("grid", "paper: 2-D grid, of 25"), ("ring", "paper: ring, of 8")):
            paper = PAPER_PACGAN[key]["captured"]
            out.append(f"| {label} | " + " | ".join(f"{paper[p]}" for p in PACKS) + " |")
        out.append("")
    if "unrolling" in figures:
        f = figures["unrolling"]
        out.append(f"**Unrolling**: evens captured of 64, mean ± standard error over "
                   f"{f['seeds']} seeds, {f['steps']:,} steps; settings "
                   f"`{_link(f['config'])}`.\n")
        out.append("| unrolled D steps | " + " | ".join(str(k) for k in UNROLLS) + " |")
        out.append("|---|" + "---|" * len(UNROLLS))
        out.append("| evens captured | " + " | ".join(_pm(f["cells"][str(k)]) for k in UNROLLS)
                   + " |\n")
    if "seeds" in figures:
        f = figures["seeds"]
        k, n = collapse_count(f), len(f["coverage"])
        lo, hi = wilson(k, n)
        cov = np.asarray(f["coverage"])
        out.append(f"**Seeds**: `{_link(f['config'])}` on {n} seeds, {f['steps']:,} steps: "
                   f"{k} collapse (coverage under {COLLAPSE_SHARE}), p = {k / n:.2f}, 95 % "
                   f"interval {lo:.2f} to {hi:.2f}; coverage from {cov.min():.2f} to "
                   f"{cov.max():.2f}.\n")
    return "\n".join(out)


def command(only: str | None, seeds: int | None, steps: int | None, as_json: bool,
            write: bool, quiet: bool, out: TextIO, err: TextIO) -> int:
    """`python -m evengan lesson-figures`: computes the figures and prints their tables (or
    JSON); --write keeps them in FIGURES_FILE for the Lessons page."""
    which = tuple(MAKERS) if only is None else tuple(w.strip() for w in only.split(","))
    bad = [w for w in which if w not in MAKERS]
    if bad or not which:
        raise ValueError(f"--only takes a comma-separated list of {', '.join(MAKERS)}")
    if write and (seeds or steps):  # the stored figures are the ones the lessons quote
        raise ValueError("--write keeps the figures the lessons quote: use it without --seeds "
                         "and --steps")
    if write:
        check_writable("--write", str(FIGURES_FILE))
    figures = {}
    for name in which:
        n, k = seeds or DEFAULTS[name][0], steps or DEFAULTS[name][1]
        runs = {"packing": n * len(WIDTHS) * len(PACKS), "unrolling": n * len(UNROLLS),
                "seeds": n, "convergence": len(CONVERGENCE)}[name]
        bar = Progress(runs * k, err, enabled=not (quiet or as_json), label=f"{name} GAN-steps")
        figures[name] = MAKERS[name](n, k, lambda done, _total, bar=bar: bar.update(done))
        bar.close()
    if as_json:
        out.write(json.dumps(figures, sort_keys=True) + "\n")
    else:
        out.write(markdown(figures) + "\n")
    if write:
        kept = {**stored(), **figures}
        FIGURES_FILE.write_text(json.dumps(kept, indent=1, sort_keys=True) + "\n",
                                encoding="utf-8")
        err.write(f"wrote {FIGURES_FILE}\n")
    return 0


def _link(query: dict[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in query.items())
