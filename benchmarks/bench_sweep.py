"""The batched engine's GAN-steps/s against the tutorial's loop, in one process.

    python -m benchmarks.bench_sweep [--steps 500] [--threads 1] [--device cpu]

Reports the headline figure (1,024 tutorial GANs x 500 steps through run_sweep, the ratio to
the tutorial loop measured in the same process), then how the rate scales with R and n.
"""

from __future__ import annotations

import argparse
import time

import torch

from benchmarks.tutorial_loop import TutorialLoop
from evengan import GANConfig
from evengan.engine import Engine
from evengan.sweep import keep_freed_memory, run_sweep


def tutorial_rate(steps: int = 600) -> float:
    """The tutorial loop's steps/s on one thread (more threads only slow its tiny ops)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    loop = TutorialLoop()
    for _ in range(50):
        loop.step()
    start = time.perf_counter()
    for _ in range(steps):
        loop.step()
    rate = steps / (time.perf_counter() - start)
    torch.set_num_threads(threads)
    return rate


def engine_rate(R: int, n: int, steps: int, device: str) -> float:
    engine = Engine([GANConfig(n_bits=n, seed=s) for s in range(R)], device=device)
    for _ in range(3):
        engine.step(record=False)
    if device != "cpu":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        engine.step(record=False)
    if device != "cpu":
        torch.cuda.synchronize()
    return R * steps / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(),
                        help="threads for the sweep (default: all cores)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--scaling", action="store_true", help="also R and n scaling")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    keep_freed_memory()
    before = tutorial_rate()
    table = run_sweep(GANConfig(), {}, 1024, args.steps, device=args.device)
    after = tutorial_rate()
    base = (before + after) / 2  # the tutorial loop, timed before and after the sweep
    rate = 1024 * args.steps / table.seconds
    print(f"tutorial loop: {base:,.0f} steps/s (before {before:,.0f}, after {after:,.0f})")
    print(f"run_sweep, 1,024 GANs x {args.steps} steps on {args.device} "
          f"({args.threads} thread(s)): {table.seconds:.2f} s, {rate:,.0f} GAN-steps/s, "
          f"{rate / base:.0f}x the tutorial loop")
    if args.scaling:
        for R in (1, 16, 256, 1024, 4096):
            steps = max(20, min(300, 20_000 // R))
            r = engine_rate(R, 7, steps, args.device)
            print(f"  R={R:5d}, n=7: {r:12,.0f} GAN-steps/s ({r / base:6.1f}x)")
        for n in (3, 5, 7, 10, 12):
            r = engine_rate(1024, n, 40, args.device)
            print(f"  R= 1024, n={n:2d}: {r:11,.0f} GAN-steps/s ({r / base:6.1f}x)")


if __name__ == "__main__":
    main()
