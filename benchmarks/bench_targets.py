"""What a target costs a step: a Trainer's steps/s on other targets, as ratios to the
tutorial's evens (whose real batch is fair bits with the last one zeroed, where any other
target looks its numbers up in a table and checks each fake against it).

    python -m benchmarks.bench_targets [--rounds 5] [--steps 300]
"""

from __future__ import annotations

from benchmarks.bench_trainer import interleaved, rounds_and_steps
from evengan import GANConfig

SETTINGS = {
    "even (the tutorial)": GANConfig(),
    "odd": GANConfig(target="odd"),
    "multiples:3": GANConfig(target="multiples:3"),
    "primes": GANConfig(target="primes"),
    "set:1=2,5,9": GANConfig(target="set:1=2,5,9"),
    "even, max_int 100": GANConfig(max_int=100),
}


def main(argv: list[str] | None = None) -> dict:
    args = rounds_and_steps(__doc__, argv, 5, 300)
    out = interleaved(SETTINGS, args.rounds, args.steps)
    base = out["even (the tutorial)"]
    for name, value in out.items():
        print(f"{name:24s} {value:8,.0f} steps/s   {base / value:5.2f}x the time of a step")
    return out


if __name__ == "__main__":
    main()
