"""What the lessons' remedies cost: a Trainer's steps/s with G unrolled k steps, and with R1,
as ratios to the same settings without them.

Every setting runs in this process, on one thread, interleaved round by round, so the
machine's load hits all alike; the figures are medians over the rounds.

    python -m benchmarks.bench_remedies [--rounds 5] [--steps 200]
"""

from __future__ import annotations

from benchmarks.bench_trainer import interleaved, rounds_and_steps
from evengan import GANConfig
from evengan.lesson_figures import UNROLLING

SETTINGS = {
    "unrolling lesson, k = 0": UNROLLING,
    "unrolling lesson, k = 1": UNROLLING.replace(unroll_steps=1),
    "unrolling lesson, k = 5": UNROLLING.replace(unroll_steps=5),
    "unrolling lesson, k = 10": UNROLLING.replace(unroll_steps=10),
    "tutorial": GANConfig(),
    "tutorial + R1 (closed form)": GANConfig(r1_weight=1.0),
    "D of 16 units": GANConfig(d_hidden=16),
    "D of 16 units + R1 (autograd)": GANConfig(d_hidden=16, r1_weight=1.0),
}


def main(argv: list[str] | None = None) -> dict:
    args = rounds_and_steps(__doc__, argv, 5, 200)
    out = interleaved(SETTINGS, args.rounds, args.steps)
    base = {"unrolling": out["unrolling lesson, k = 0"], "tutorial": out["tutorial"],
            "D of": out["D of 16 units"]}
    for name, value in out.items():
        ref = next(v for k, v in base.items() if name.startswith(k))
        print(f"{name:32s} {value:8,.0f} steps/s   {ref / value:5.1f}x the time of a step")
    return out


if __name__ == "__main__":
    main()
