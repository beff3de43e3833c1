"""The command line: `python -m evengan train ...` and `python -m evengan sweep ...`."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import fields
from typing import TextIO

import torch

from .config import FIELD_NAMES, GANConfig, allowed, parse_field
from .trainer import Trainer

# Short spellings of the most used fields.
_ALIASES = {"n_bits": ["--bits"]}
_SUMMARY = ("even_ratio", "coverage", "distinct", "entropy_bits", "effective_modes", "js_bits")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line in one line, without the usage block."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    defaults = GANConfig()
    for f in fields(GANConfig):
        flag = "--" + f.name.replace("_", "-")
        parser.add_argument(
            flag, *_ALIASES.get(f.name, []), dest=f.name, metavar="V", default=None,
            help=f"{allowed(f.name)} (default {getattr(defaults, f.name)})",
        )
    parser.add_argument("--lr", dest="lr", metavar="V", default=None,
                        help="sets both --lr-g and --lr-d")
    parser.add_argument("--preset", default=None, help="start from a named preset")


def config_from_args(args: argparse.Namespace) -> GANConfig:
    """The GANConfig a parsed command line asks for; ValueError names the bad flag's field."""
    base = GANConfig()
    if getattr(args, "preset", None):
        from .presets import PRESETS

        if args.preset not in PRESETS:
            raise ValueError(f"unknown preset {args.preset!r}; choose from {', '.join(PRESETS)}")
        base = PRESETS[args.preset].config
    changes = {}
    if args.lr is not None:
        changes["lr_g"] = changes["lr_d"] = parse_field("lr_g", args.lr)
    for name in FIELD_NAMES:
        raw = getattr(args, name, None)
        if raw is not None:
            changes[name] = parse_field(name, raw)
    return base.replace(**changes)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="evengan",
                     description="Train the even-number GAN and measure it exactly.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    tr = sub.add_parser("train", help="train one GAN and print its exact metrics")
    _add_config_flags(tr)
    tr.add_argument("--steps", type=int, default=500, help="training steps (default 500)")
    tr.add_argument("--json", action="store_true", help="print the metrics as one JSON line")
    tr.add_argument("--quiet", action="store_true", help="no progress bar")
    tr.add_argument("--save", metavar="FILE", default=None, help="write a checkpoint at the end")
    sw = sub.add_parser("sweep", help="train many GANs at once over a grid and seeds")
    _add_config_flags(sw)
    sw.add_argument("--grid", action="append", default=[], metavar="FIELD=V1,V2,...",
                    help="a hyperparameter and its values; repeat for more axes")
    sw.add_argument("--seeds", default="8", help="a count (8) or a list (0,1,5)")
    sw.add_argument("--steps", type=int, default=500)
    sw.add_argument("--csv", metavar="FILE", default=None, help="write the table as CSV")
    sw.add_argument("--json", action="store_true", help="print the table as JSON lines")
    sw.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


class Progress:
    """A one-line text progress bar on a stream; silent when disabled."""

    def __init__(self, total: int, stream: TextIO, enabled: bool = True, label: str = "steps"):
        self.total, self.stream, self.enabled, self.label = total, stream, enabled, label
        self.start = self._last = time.perf_counter()

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if done < self.total and now - self._last < 0.1:  # at most ten redraws a second
            return
        self._last = now
        width = 30
        filled = int(width * done / max(self.total, 1))
        rate = done / max(time.perf_counter() - self.start, 1e-9)
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} "
                          f"{self.label} ({rate:.0f}/s)")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def cmd_train(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.steps < 0:
        raise ValueError(f"--steps must be a non-negative integer, got {args.steps}")
    config = config_from_args(args)
    if args.save:  # fail before training, not after
        folder = os.path.dirname(os.path.abspath(args.save))
        if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
            raise ValueError(f"--save: cannot write into {folder}")
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
    if args.save:
        trainer.save(args.save)
    if args.json:
        out.write(json.dumps(summary) + "\n")
    else:
        space = f"all 2^{config.z_dim} noise vectors" if ev["exhaustive"] else "4096 fixed draws"
        out.write(f"evengan: {trainer.step_count} steps, n_bits={config.n_bits}, "
                  f"seed={config.seed} (exact metrics over {space})\n")
        out.write(f"  even ratio     {ev['even_ratio']:.3f}\n")
        out.write(f"  coverage       {ev['coverage']:.3f} of {(config.upper + 1) // 2} evens\n")
        out.write(f"  distinct       {ev['distinct']}\n")
        out.write(f"  entropy        {ev['entropy_bits']:.3f} bits "
                  f"(target {_target_entropy(config):.3f}), "
                  f"{ev['effective_modes']:.1f} effective modes\n")
        out.write(f"  JS divergence  {ev['js_bits']:.3f} bits\n")
        if last:
            out.write(f"  losses         G {last['loss_g']:.4f}, D {last['loss_d']:.4f} "
                      f"(ln 2 = 0.6931)\n")
    if trainer.diverged:
        err.write(f"evengan: {trainer.diverged}\n")
        return 1
    return 0


def _target_entropy(config: GANConfig) -> float:
    return math.log2((config.upper + 1) // 2)


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
        from .sweep import cmd_sweep

        return cmd_sweep(args, out, err)
    except (ValueError, OSError) as exc:
        err.write(f"evengan: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        err.write("evengan: interrupted\n")
        return 130
