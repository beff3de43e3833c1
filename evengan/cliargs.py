"""The command line's argument plumbing: one-line errors, flags given once, grid axes and
step counts (evengan.cli builds the commands from them)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from .config import FIELD_NAMES, MAX_STEPS


class Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line in one line, without the usage block, and
    takes no abbreviations: `--step` is not `--steps` and `--lr-` is no flag at all."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {one_line(message)}\n")


def one_line(text: str) -> str:
    """text with newlines and other control characters escaped, so a message stays one line
    whatever the user typed into it."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def claim(parser: argparse.ArgumentParser, namespace: argparse.Namespace,
           names: Sequence[str], flag: str) -> None:
    """Records that `flag` sets the fields `names`; a second flag setting any of them (or the
    same flag twice) is an error instead of the last one silently winning."""
    given = getattr(namespace, "given", None)
    if given is None:
        given = namespace.given = {}
    for name in names:
        other = given.get(name)
        if other == flag:
            parser.error(f"{flag} is given twice")
        if other is not None:
            parser.error(f"{flag} clashes with {other}: both set {name}")
    for name in names:
        given[name] = flag


class Once(argparse.Action):
    """Stores a flag's value; `sets` names the fields it sets (its dest by default)."""

    def __init__(self, option_strings: list[str], dest: str, sets: Sequence[str] = (),
                 **kwargs: Any):
        super().__init__(option_strings, dest, **kwargs)
        self.sets = tuple(sets) or (dest,)

    def __call__(self, parser, namespace, values, option_string=None):
        claim(parser, namespace, self.sets, option_string or self.dest)
        setattr(namespace, self.dest, values)


class GridAxis(argparse.Action):
    """Appends a --grid spec; the field it sweeps may be set by no other flag."""

    def __call__(self, parser, namespace, values, option_string=None):
        name = str(values).partition("=")[0].strip().replace("-", "_")
        if name in FIELD_NAMES:  # other names are refused with the reason by parse_grid
            claim(parser, namespace, (name,), f"--grid {name}")
        specs = list(getattr(namespace, self.dest, None) or [])
        setattr(namespace, self.dest, [*specs, values])


def step_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_STEPS:
        raise argparse.ArgumentTypeError(
            f"must be an integer in 0..{MAX_STEPS:_}, got {one_line(repr(text))}")
    return value
