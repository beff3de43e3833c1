"""Targets: which integers are real, and how often, written as a short string.

    even            the tutorial's target: every even number, equally often
    odd             every odd number
    multiples:K     0, K, 2K, ...  (multiples:2 is even)
    range:A-B       A, A+1, ..., B, both ends included
    primes          2, 3, 5, 7, 11, ...
    set:1,5,9       those numbers, equally often; an item may be a run A-B
    set:1=2,5,9     with whole-number weights: 1 twice as often as 5 or 9

Every target is cut to the integers below the config's upper bound (2**n_bits, or max_int),
and must keep at least one of them. Worked example, 3 bits (upper 8):

    >>> weights("set:1=2,5,9", 8).tolist()
    [0, 2, 0, 0, 0, 1, 0, 0]
    >>> canonical("set:9,5,1=2"), canonical("multiples:2"), canonical("set:3,1,2,7,5")
    ('set:1=2,5,9', 'even', 'set:1-3,5,7')
    >>> sampling_table("set:1=2,5,9", 8).tolist()   # a uniform pick from it draws p exactly
    [1, 1, 5]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

DEFAULT = "even"
# The longest target string a link or a flag may carry (every integer of 12 bits as a set of
# single numbers is about 20,000 characters; runs A-B keep real sets far shorter).
MAX_LENGTH = 20_000
# A weighted target is sampled from a table that holds each number `weight` times.
MAX_TABLE = 2**16
MAX_WEIGHT = 1000
# The largest number a target may name: the biggest upper bound a config allows.
MAX_NUMBER = 2**16 - 1
# The targets offered in a list on the page, in this order.
CHOICES = ("even", "odd", "multiples:3", "multiples:4", "primes", "range:32-95")


def _short(spec: str) -> str:
    return repr(spec if len(spec) <= 40 else spec[:37] + "...")


def _number(text: str, spec: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"target {_short(spec)}: {_short(text)} is not a whole number"
                         + (" (no number may be negative)" if text.startswith("-") else ""))
    if len(text.lstrip("0")) > 5:  # before int(): Python refuses over 4,300 digits, wordily
        raise ValueError(f"target {_short(spec)}: {_short(text)} is above {MAX_NUMBER}")
    value = int(text)
    if value > MAX_NUMBER:
        raise ValueError(f"target {_short(spec)}: {value} is above {MAX_NUMBER}")
    return value


def _run(text: str, spec: str) -> tuple[int, int]:
    """'A-B' or 'A' as an inclusive pair."""
    if text.startswith("-"):
        raise ValueError(f"target {_short(spec)}: {_short(text)}: no number may be negative")
    a, dash, b = text.partition("-")
    lo, hi = _number(a.strip(), spec), _number(b.strip(), spec) if dash else None
    hi = lo if hi is None else hi
    if hi < lo:
        raise ValueError(f"target {_short(spec)}: the run {_short(text)} ends below its start")
    return lo, hi


def _parsed(spec: str) -> tuple[str, tuple]:
    """(kind, arguments) of a target string; ValueError, in one sentence, when it is not one."""
    if not isinstance(spec, str):
        raise ValueError(f"target must be a string such as 'even' or 'set:1,5,9', got {spec!r}")
    if len(spec) > MAX_LENGTH:
        raise ValueError(f"target must be at most {MAX_LENGTH:,} characters")
    return _parse(spec)


@lru_cache(maxsize=64)
def _parse(spec: str) -> tuple[str, tuple]:
    text = spec.strip().lower()
    kind, colon, rest = text.partition(":")
    kind = kind.strip()
    if kind in ("even", "odd", "primes") and not colon:
        return kind, ()
    if kind == "multiples" and colon:
        k = _number(rest.strip(), spec)
        if k < 1:
            raise ValueError(f"target {_short(spec)}: K must be at least 1")
        return ("even", ()) if k == 2 else (kind, (k,))
    if kind == "range" and "-" in rest:
        return kind, _run(rest.strip(), spec)
    if kind == "set" and colon:
        return kind, _intervals(rest, spec)
    raise ValueError(f"target must be even, odd, multiples:K, range:A-B, primes or set:1,5,9 "
                     f"(weights as set:1=2,5=1), got {_short(spec)}")


def _intervals(rest: str, spec: str) -> tuple[tuple[int, int, int], ...]:
    """A set's items as (first, last, weight) runs: sorted, weights divided by their common
    factor, neighbouring runs of one weight joined. Kept as runs, not number by number, so a
    set of thousands of numbers costs a few tuples."""
    runs = []
    for item in rest.split(","):
        run, eq, w = item.partition("=")
        weight = _number(w.strip(), spec) if eq else 1
        if not 1 <= weight <= MAX_WEIGHT:
            raise ValueError(f"target {_short(spec)}: a weight must be 1..{MAX_WEIGHT}")
        runs.append((*_run(run.strip(), spec), weight))
    runs.sort()
    for (_, hi, _), (lo, _, _) in zip(runs, runs[1:]):
        if lo <= hi:
            raise ValueError(f"target {_short(spec)}: {lo} is named twice")
    g = math.gcd(*(w for _, _, w in runs))
    out: list[tuple[int, int, int]] = []
    for lo, hi, w in runs:
        if out and out[-1][1] + 1 == lo and out[-1][2] == w // g:
            out[-1] = (out[-1][0], hi, w // g)
        else:
            out.append((lo, hi, w // g))
    return tuple(out)


def parse(spec: str) -> tuple[str, tuple]:
    """(kind, arguments): ("multiples", (3,)), ("range", (4, 9)), or for a set its runs
    ((1, 1, 2), (5, 5, 1), (8, 12, 1)) as (first, last, weight), weights divided by their
    common factor; ValueError for a bad string."""
    return _parsed(spec)


def check(spec: str) -> None:
    """ValueError, in one sentence, unless spec is a target string."""
    _parsed(spec)


def canonical(spec: str) -> str:
    """One spelling per target: sorted, weights divided by their common factor, weight 1
    left out, runs of three or more numbers of one weight written A-B. Kept for the last
    targets seen: a config checks its target at every replace(), a recipe thousands of times."""
    _parsed(spec)  # the type and length checks, before the cache hashes the string
    return _canonical(spec)


@lru_cache(maxsize=64)
def _canonical(spec: str) -> str:
    text = _spelled(spec)
    if len(text) > MAX_LENGTH:  # "a-b=w" is written "a=w,b=w": the standard form can grow
        raise ValueError(f"target written in its standard form takes {len(text):,} "
                         f"characters, more than the {MAX_LENGTH:,} a target may")
    return text


def _spelled(spec: str) -> str:
    kind, args = _parsed(spec)
    if kind in ("even", "odd", "primes"):
        return kind
    if kind == "multiples":
        return f"multiples:{args[0]}"
    if kind == "range":
        return f"range:{args[0]}-{args[1]}"
    return "set:" + _set_text(args)


def _set_text(runs) -> str:
    """Runs as a set's items: three numbers or more as A-B, fewer one by one, "=w" after
    each item of weight w > 1."""
    parts = []
    for lo, hi, w in runs:
        tail = f"={w}" if w > 1 else ""
        if hi - lo >= 2:
            parts.append(f"{lo}-{hi}{tail}")
        else:
            parts.extend(f"{x}{tail}" for x in range(lo, hi + 1))
    return ",".join(parts)


def _primes_below(upper: int) -> np.ndarray:
    sieve = np.ones(max(upper, 2), dtype=bool)
    sieve[:2] = False
    for k in range(2, math.isqrt(upper - 1) + 1 if upper > 2 else 2):
        if sieve[k]:
            sieve[k * k :: k] = False
    return sieve[:upper]


@lru_cache(maxsize=32)
def _weights(spec: str, upper: int) -> np.ndarray:
    kind, args = _parsed(spec)
    x = np.arange(upper)
    if kind == "even":
        w = x % 2 == 0
    elif kind == "odd":
        w = x % 2 == 1
    elif kind == "multiples":
        w = x % args[0] == 0
    elif kind == "range":
        w = (x >= args[0]) & (x <= args[1])
    elif kind == "primes":
        w = _primes_below(upper)
    else:
        w = np.zeros(upper, dtype=np.int64)
        for lo, hi, weight in args:
            w[lo : hi + 1] = weight  # a slice past upper stops at it
    out = np.asarray(w, dtype=np.int64)
    out.flags.writeable = False
    return out


def weights(spec: str, upper: int) -> np.ndarray:
    """Whole-number weight of each integer 0..upper-1 (0: not in the target), int64."""
    if not 1 <= int(upper) <= MAX_NUMBER + 1:
        raise ValueError(f"the upper bound must be 1..{MAX_NUMBER + 1}, got {upper}")
    return _weights(canonical(spec), int(upper))


def check_fits(spec: str, upper: int) -> None:
    """ValueError unless the target keeps a number below upper and its table fits."""
    why = _misfit(canonical(spec), int(upper))
    if why:
        raise ValueError(why)


@lru_cache(maxsize=64)
def _misfit(spec: str, upper: int) -> str | None:
    w = _weights(spec, upper)
    if not w.any():
        return f"target {_short(spec)} has no number below {upper}"
    if w.sum() > MAX_TABLE:
        return (f"target {_short(spec)} weighs {int(w.sum()):,} table entries; at most "
                f"{MAX_TABLE:,}")
    return None


def distribution(spec: str, upper: int, size: int | None = None) -> np.ndarray:
    """p: the target as probabilities over 0..size-1 (size defaults to upper), float64."""
    w = weights(spec, upper).astype(np.float64)
    p = np.zeros(size or upper)
    p[:upper] = w / w.sum()
    return p


def sampling_table(spec: str, upper: int) -> np.ndarray:
    """Each target number repeated `weight` times, ascending: a uniform index into it draws
    the target exactly (up to the multiply-shift's 2**-32 rounding, see evengan.rng.below)."""
    w = weights(spec, upper)
    return np.repeat(np.arange(upper), w)


def support_size(spec: str, upper: int) -> int:
    """How many numbers below upper the target holds."""
    return int(np.count_nonzero(weights(spec, upper)))


def entropy_bits(spec: str, upper: int) -> float:
    """The target's own entropy: what G's entropy should reach."""
    return _entropy_bits(canonical(spec), int(upper))


@lru_cache(maxsize=32)  # the page shows it at every redraw
def _entropy_bits(spec: str, upper: int) -> float:
    p = distribution(spec, upper)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum()) + 0.0


def toggled(spec: str, numbers: Sequence[int], upper: int) -> str:
    """The target with `numbers` taken out when all of them are in it, else put in (weight 1),
    as a set; ValueError when nothing would be left. Clicking bars on the page does this:

    >>> toggled("multiples:4", [6], 16), toggled("multiples:4", [4, 8], 16)
    ('set:0,4,6,8,12', 'set:0,12')
    >>> toggled("set:0,4,6,8,12", [6], 16)  # back where it was: its name again
    'multiples:4'

    """
    w = weights(spec, upper).copy()
    picked = sorted({int(x) for x in numbers if 0 <= int(x) < upper})
    if not picked:
        return canonical(spec)
    w[picked] = 0 if all(w[x] > 0 for x in picked) else np.maximum(w[picked], 1)
    if not w.any():
        raise ValueError("a target needs at least one number")
    for named in (spec, *CHOICES):  # clicked back to a named target: keep its name
        if np.array_equal(weights(named, upper), w):
            return canonical(named)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], w, [0]])))  # where the weight changes
    runs = [(int(a), int(b) - 1, int(w[a])) for a, b in zip(edges[:-1], edges[1:]) if w[a]]
    if len(runs) * 2 > MAX_LENGTH:  # two characters a run at the least: no need to write it
        raise ValueError(f"written as a set this target would take more than the "
                         f"{MAX_LENGTH:,} characters a target may; type a shorter one")
    text = "set:" + _set_text(runs)
    if len(text) > MAX_LENGTH:
        raise ValueError(f"written as a set this target would take {len(text):,} characters, "
                         f"more than the {MAX_LENGTH:,} a target may; type a shorter one")
    return canonical(text)
