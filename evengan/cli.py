"""The command line: `python -m evengan train ...` and `python -m evengan sweep ...`.

Every bad command line fails before any work, with status 2 and one line on stderr: unknown or
abbreviated flags, two flags that set the same field, values out of range, grids and seed
lists that are malformed or too big, and output files that cannot be written.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import fields
from typing import Any, TextIO

import torch

from . import reach
from .cliargs import GridAxis, Once, Parser, one_line, step_count
from .config import MAX_STEPS, GANConfig, allowed
from .draws import EVAL_DRAWS
from .losses import LOSSES
from .parse import config_from_strings
from .progressbar import Progress
from .trainer import Trainer
from .writable import check_writable

# Short spellings of the most used fields.
_ALIASES = {"n_bits": ["--bits"]}
_SUMMARY = ("target_ratio", "even_ratio", "coverage", "distinct", "entropy_bits",
            "effective_modes", "js_bits")

# Bounds on one sweep, checked before anything is built. Runs: 16 seeds on a 64 x 64 grid.
MAX_SWEEP_RUNS = 65_536
# GAN-steps (runs x steps): about an hour at the fastest rate measured here (350k/s).
MAX_SWEEP_GAN_STEPS = 1_000_000_000


def _add_config_flags(parser: argparse.ArgumentParser,
                      only: Sequence[str] | None = None) -> None:
    """A flag for every config field, or for the fields `only` names (then no --lr and no
    --preset): a command that would ignore a flag does not take it."""
    defaults = GANConfig()
    for f in fields(GANConfig):
        if only is not None and f.name not in only:
            continue
        flag = "--" + f.name.replace("_", "-")
        parser.add_argument(
            flag, *_ALIASES.get(f.name, []), dest=f.name, metavar="V", default=None,
            action=Once, help=f"{allowed(f.name)} (default {getattr(defaults, f.name)})",
        )
    if only is not None:
        return
    parser.add_argument("--lr", dest="lr", metavar="V", default=None, action=Once,
                        sets=("lr_g", "lr_d"), help="sets both --lr-g and --lr-d")
    parser.add_argument("--preset", default=None, action=Once,
                        help="start from a named preset")


def config_from_args(args: argparse.Namespace) -> GANConfig:
    """The GANConfig a parsed command line asks for (evengan.parse); ValueError names the bad
    flag's field."""
    given = {k: v for k, v in vars(args).items() if v is not None}
    return config_from_strings(given, strict=True)[0]


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="evengan",
                     description="Train the even-number GAN and measure it exactly.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    tr = sub.add_parser("train", help="train one GAN and print its exact metrics")
    _add_config_flags(tr)
    tr.add_argument("--steps", type=step_count, default=500, action=Once,
                    help=f"training steps, at most {MAX_STEPS:_} (default 500)")
    tr.add_argument("--json", action="store_true", help="print the metrics as one JSON line")
    tr.add_argument("--quiet", action="store_true", help="no progress bar")
    tr.add_argument("--save", metavar="FILE", default=None, action=Once,
                    help="write a checkpoint at the end")
    sw = sub.add_parser("sweep", help="train many GANs at once over a grid and seeds")
    _add_config_flags(sw)
    sw.add_argument("--grid", action=GridAxis, default=[], metavar="FIELD=V1,V2,...",
                    help="a hyperparameter and its values; repeat for more axes")
    # --seeds sets every run's seed, so it clashes with --seed.
    sw.add_argument("--seeds", default="8", action=Once, sets=("seed",),
                    help="a count (8) or a list (0,1,5)")
    sw.add_argument("--steps", type=step_count, default=500, action=Once,
                    help=f"training steps per run, at most {MAX_STEPS:_} (default 500)")
    sw.add_argument("--csv", metavar="FILE", default=None, action=Once,
                    help="write the table as CSV")
    sw.add_argument("--json", action="store_true", help="print the table as JSON lines")
    sw.add_argument("--quiet", action="store_true", help="no progress bar")
    ex = sub.add_parser("export", help="the run as a plain PyTorch script (or notebook) on "
                        "standard output, needing only torch")
    _add_config_flags(ex)
    ex.add_argument("--steps", type=step_count, default=500, action=Once,
                    help=f"training steps, at most {MAX_STEPS:_} (default 500)")
    ex.add_argument("--notebook", action="store_true", help="a Jupyter notebook instead")
    rc = sub.add_parser("reach", help="what a one-layer G can reach for a target: exact for "
                        "independent bits, measured over seeds for the tutorial's G")
    _add_config_flags(rc, only=reach.FROM_RUN)
    rc.add_argument("--seeds", type=step_count, default=reach.SEEDS, action=Once,
                    help=f"seeds to measure, 1..{reach.MAX_SEEDS} (default {reach.SEEDS})")
    rc.add_argument("--steps", type=step_count, default=2000, action=Once,
                    help="steps per seed (default 2000)")
    rc.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    rc.add_argument("--quiet", action="store_true", help="no progress bar")
    lf = sub.add_parser("lesson-figures", help="the lessons' tables: packing (PacGAN), "
                        "unrolling and seeds, beside the papers' numbers")
    lf.add_argument("--only", default=None, action=Once, metavar="NAMES",
                    help="some of packing,unrolling,seeds,convergence (default all)")
    lf.add_argument("--seeds", type=step_count, default=None, action=Once,
                    help="seeds per setting (default each figure's own)")
    lf.add_argument("--steps", type=step_count, default=None, action=Once,
                    help="steps per run (default each figure's own)")
    lf.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    lf.add_argument("--write", action="store_true",
                    help="keep them in evengan/lessons/figures.json for the Lessons page")
    lf.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def json_safe(value: Any) -> Any:
    """value with every non-finite float as None, so that the output is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def cmd_train(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    config = config_from_args(args)
    if args.save is not None:  # fail before training, not after
        check_writable("--save", args.save)
    trainer = Trainer(config)
    bar = Progress(args.steps, err, enabled=not (args.quiet or args.json))
    chunk = max(1, args.steps // 20)
    done = 0
    while done < args.steps:
        taken = trainer.run(min(chunk, args.steps - done))
        done += taken
        bar.update(done)
        if trainer.diverged:
            break
    bar.close()
    ev = trainer.evaluate()
    summary = {"step": trainer.step_count, **{k: ev[k] for k in _SUMMARY}}
    last = trainer.history.last() or {}
    summary.update({k: last.get(k) for k in ("loss_g", "loss_d", "d_real", "d_fake")})
    summary["exhaustive"] = ev["exhaustive"]
    summary["config"] = config.to_dict()
    if args.save is not None:
        trainer.save(args.save)
    if args.json:
        out.write(json.dumps(json_safe(summary), allow_nan=False) + "\n")
    else:
        space = (f"all 2^{config.z_dim} noise vectors" if ev["exhaustive"]
                 else f"{EVAL_DRAWS} fixed draws")
        out.write(f"evengan: {trainer.step_count} steps, n_bits={config.n_bits}, "
                  f"seed={config.seed} (exact metrics over {space})\n")
        if config.is_even:
            out.write(f"  even ratio     {ev['even_ratio']:.3f}\n")
        else:
            out.write(f"  target         {config.target}\n"
                      f"  in-target      {ev['target_ratio']:.3f}\n")
        words = "evens" if config.is_even else "target numbers"
        out.write(f"  coverage       {ev['coverage']:.3f} of {config.target_size} {words}\n")
        out.write(f"  distinct       {ev['distinct']}\n")
        out.write(f"  entropy        {ev['entropy_bits']:.3f} bits "
                  f"(target {config.target_entropy:.3f}), "
                  f"{ev['effective_modes']:.1f} effective modes\n")
        out.write(f"  JS divergence  {ev['js_bits']:.3f} bits\n")
        if last:
            out.write(f"  losses         G {last['loss_g']:.4f}, D {last['loss_d']:.4f}"
                      + (" (ln 2 = 0.6931)" if LOSSES[config.loss].probability else "") + "\n")
    if trainer.diverged:
        err.write(f"evengan: {trainer.diverged}\n")
        return 1
    return 0


def parse_seeds(raw: str) -> int | list[int]:
    """--seeds: a count ("8") or a comma-separated list of seeds ("0,1,5")."""
    items = [s.strip() for s in str(raw).split(",")]
    if any(not s for s in items):
        raise ValueError(f"--seeds has an empty item in {raw!r}")
    try:
        values = [int(s) for s in items]
    except ValueError:
        raise ValueError(
            f"--seeds takes a count or a comma-separated list of seeds, got {raw[:60]!r}"
        ) from None
    return values if len(values) > 1 else values[0]


def check_sweep_size(cells: int, seeds: int, steps: int) -> None:
    """Refuses, before anything is built, a sweep with too many runs or too much work.

    (Whether the networks of a batch fit in memory is evengan.sweep's to judge.)
    """
    runs = cells * seeds
    if runs > MAX_SWEEP_RUNS:
        raise ValueError(f"the sweep has {runs:_} runs ({cells} cells x {seeds} seeds); "
                         f"the most is {MAX_SWEEP_RUNS:_}")
    if runs * steps > MAX_SWEEP_GAN_STEPS:
        raise ValueError(f"the sweep asks for {runs * steps:_} GAN-steps ({runs} runs x {steps} "
                         f"steps); the most is {MAX_SWEEP_GAN_STEPS:_}")


def cmd_sweep(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """`python -m evengan sweep ...`: prints a line per grid cell, optionally writes CSV."""
    from .sweep import COLLAPSE_COVERAGE, parse_grid, run_sweep, seed_list

    base = config_from_args(args)
    grid = parse_grid(args.grid)
    seeds = seed_list(parse_seeds(args.seeds))
    check_sweep_size(math.prod(len(v) for v in grid.values()), len(seeds), args.steps)
    # Every cell's config is built (and so checked: pack against batch_size, ...) up front.
    cells = [base.replace(**dict(zip(grid, values, strict=True)))
             for values in itertools.product(*grid.values())]
    if args.csv is not None:
        check_writable("--csv", args.csv)
    n_runs = len(cells) * len(seeds)
    bar = Progress(n_runs * args.steps, err, enabled=not (args.quiet or args.json),
                   label="GAN-steps")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    table = run_sweep(base, grid, seeds, args.steps, device=device,
                      progress=lambda done, total: bar.update(done))
    bar.close()
    if args.csv is not None:
        with open(args.csv, "w", encoding="utf-8") as fh:
            fh.write(table.to_csv())
    if args.json:
        for row in table.rows:
            out.write(json.dumps(json_safe(row), allow_nan=False) + "\n")
        return 0
    rate = n_runs * args.steps / max(table.seconds, 1e-9)
    out.write(f"evengan sweep: {n_runs} runs x {args.steps} steps in {table.seconds:.1f} s "
              f"({rate:,.0f} GAN-steps/s)\n")
    head = "".join(f"{a:>14}" for a in table.axes)
    ratio = "even" if table.ratio == "even_ratio" else "target"
    out.write(f"{head}{'seeds':>7}{ratio:>8}{'coverage':>10}{'entropy':>9}{'collapse':>10}\n")
    for cell in table.cells():
        vals = "".join(f"{cell[a]!s:>14}" for a in table.axes)
        out.write(f"{vals}{cell['seeds']:>7}{cell[table.ratio]:>8.3f}"
                  f"{cell['coverage']:>10.3f}"
                  f"{cell['entropy_bits']:>9.2f}{cell['collapse_probability']:>10.2f}\n")
    out.write("(medians over seeds; collapse = share of seeds with coverage < "
              f"{COLLAPSE_COVERAGE})\n")
    if args.csv is not None:
        out.write(f"wrote {len(table.rows)} rows to {args.csv}\n")
    return 0


def main(argv: list[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse's exit, message already written
        return int(stop.code or 0)
    torch.set_num_threads(1)
    try:
        if args.command == "train":
            return cmd_train(args, out, err)
        if args.command == "export":
            from . import export

            config = config_from_args(args)
            make = export.notebook if args.notebook else export.script
            out.write(make(config, args.steps))
            return 0
        if args.command == "reach":
            check_sweep_size(1, args.seeds, args.steps)
            return reach.command(config_from_args(args), args.seeds, args.steps, args.json,
                                 args.quiet, out, err)
        if args.command == "lesson-figures":
            from . import lesson_figures

            return lesson_figures.command(args.only, args.seeds or None, args.steps or None,
                                          args.json, args.write, args.quiet, out, err)
        return cmd_sweep(args, out, err)
    except (ValueError, OSError) as exc:
        err.write(f"evengan: error: {one_line(str(exc))}\n")
        return 2
    except KeyboardInterrupt:
        err.write("evengan: interrupted\n")
        return 130
