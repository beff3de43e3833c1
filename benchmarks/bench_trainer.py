"""Trainer steps/s against the tutorial's own loop, on the tutorial's setting.

Both run in this process, on one thread, interleaved round by round, so the machine's load
hits both alike; the figure reported is the median of the per-round ratios.

    python -m benchmarks.bench_trainer [--rounds 15] [--steps 300]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from benchmarks.tutorial_loop import TutorialLoop
from evengan import GANConfig, Trainer


def rate(fn, steps: int) -> float:
    start = time.perf_counter()
    fn(steps)
    return steps / (time.perf_counter() - start)


def interleaved(settings: dict, rounds: int, steps: int) -> dict[str, float]:
    """A Trainer per config, run `steps` steps a round, every setting each round so the
    machine's load hits all alike: each setting's median steps/s."""
    trainers = {name: Trainer(cfg) for name, cfg in settings.items()}
    rates: dict[str, list[float]] = {name: [] for name in settings}
    for _ in range(rounds):
        for name, trainer in trainers.items():
            rates[name].append(rate(trainer.run, steps))
    return {name: statistics.median(r) for name, r in rates.items()}


def rounds_and_steps(doc: str, argv: list[str] | None, rounds: int, steps: int):
    """A benchmark's --rounds and --steps, its description the docstring's first line; one
    thread, as the server gives each session."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--steps", type=int, default=steps)
    torch.set_num_threads(1)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = rounds_and_steps(__doc__, argv, 15, 300)
    trainer, tutorial = Trainer(GANConfig()), TutorialLoop()

    def run_tutorial(k: int) -> None:
        for _ in range(k):
            tutorial.step()

    rate(trainer.run, 50)  # warm-up: first calls allocate and fill caches
    rate(run_tutorial, 50)
    ours, theirs = [], []
    for _ in range(args.rounds):
        ours.append(rate(trainer.run, args.steps))
        theirs.append(rate(run_tutorial, args.steps))
    ratios = [a / b for a, b in zip(ours, theirs, strict=False)]
    result = {
        "trainer_steps_per_s": statistics.median(ours),
        "tutorial_steps_per_s": statistics.median(theirs),
        "ratio_median": statistics.median(ratios),
        "ratio_min": min(ratios),
    }
    print(
        f"Trainer {result['trainer_steps_per_s']:.0f} steps/s, tutorial loop "
        f"{result['tutorial_steps_per_s']:.0f} steps/s: ratio {result['ratio_median']:.2f}x "
        f"(worst round {result['ratio_min']:.2f}x, {args.rounds} rounds of {args.steps} steps)"
    )
    return result


if __name__ == "__main__":
    main()
