"""The checkpoint format and the checks a file must pass (evengan.checkpoint reads with them).

Every function here refuses, with InvalidCheckpoint and one sentence, what is not exactly what
Trainer.save writes: the zip directory, each member's .npy header, the JSON header's fields,
and the numbers of the logs.
"""


from __future__ import annotations

import io
import json
import math
import os
import re
import stat
import struct
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib import format as npy

from .config import _RULES, MAX_STEPS, GANConfig
from .history import History

FORMAT = "evengan-checkpoint"
VERSION = 1
MAX_BYTES = 5 * 1024 * 1024  # the app's upload limit; a real checkpoint is a few hundred kB
PARAMS = ("g", "d", "g_m", "g_v", "d_m", "d_v")
LOGS = ("history", "evals", "weights", "timeline")
ARRAYS = PARAMS + LOGS
META = "meta"
HEADER_KEYS = frozenset(
    {"format", "version", "config", "counter", "steps", "g_t", "d_t", "diverged", "eval_every"})
# Keys a header may hold: the run's recipe (evengan.recipe, as a link encodes it), or null;
# rows: for each log, the rows it was kept from (History.count), so it thins on as it would
# have. Without rows a log is taken as one that never thinned.
OPTIONAL_KEYS = frozenset({"recipe", "rows"})
MAX_RECIPE_CHARS = 20_000
MAX_LOG_ROWS = 1 << 40  # far above any run's rows (a step or an evaluation each)

# The JSON header of a real checkpoint is about 600 bytes; 64 kB leaves room for any config.
MAX_HEADER_BYTES = 64 * 1024
# np.save pads a member's .npy header to 128 bytes; anything past this is not ours.
NPY_HEADER_MAX = 1024
# The largest valid checkpoint, inflated, is 14.2 MiB: G and D of the widest config
# (g_hidden = d_hidden = 256, depth 4, pack 8, mbstd, noise_dim 16) at n_bits = 10, the most
# bits that still keep the 512 x 1025 timeline, each with its two optimiser moments, plus the
# full histories (max_payload_bytes computes it; a test checks that this bound covers every
# config and is not far above it). Nothing is inflated beyond this, whatever a file claims.
MAX_INFLATED_BYTES = 15 * 1024 * 1024
# A checkpoint's zip directory lists 11 members at ~60 bytes each.
MAX_DIRECTORY_BYTES = 4096
# Highest eval_every accepted: evaluating less often than once a session is pointless.
MAX_EVAL_EVERY = MAX_STEPS
# Draws beyond one a step come from re-initialising a network by hand, one per click.
MAX_COUNTER = 2 * MAX_STEPS + 2
# G or D may take this many optimiser updates a step (GANConfig's bound on g_steps, d_steps);
# a run whose g_steps changed on the fly can have used the maximum at every step.
MAX_UPDATES_PER_STEP = max(_RULES["g_steps"][2], _RULES["d_steps"][2])
# The note a Trainer writes when training diverges is one plain sentence. The app shows it as
# Markdown, so only letters, digits, spaces and plain punctuation: no link, HTML, LaTeX ($)
# or emphasis can ride in on a file.
_DIVERGED_TEXT = re.compile(r"(?:[^\W_]|[ .,:;()'\"!?%/=+-]){1,300}")
_FLOAT64 = np.dtype("<f8")
_UINT8 = np.dtype("|u1")
_F32_MAX = float(np.finfo(np.float32).max)


class InvalidCheckpoint(ValueError):
    """A file refused as a checkpoint; the message is one sentence saying why."""


@dataclass(frozen=True)
class Header:
    """The checked JSON header of a checkpoint."""

    config: GANConfig
    counter: int
    steps: int
    g_t: int
    d_t: int
    eval_every: int
    diverged: str | None
    recipe: str | None = None  # encoded; Trainer.load checks it against the steps
    rows: dict | None = None  # log name -> rows ever appended; History.load checks the fit


def _refuse(reason: str) -> InvalidCheckpoint:
    return InvalidCheckpoint(f"not a valid evengan checkpoint: {reason}")


def _short(exc: BaseException) -> str:
    """An exception's text, on one line and short: part of a sentence, not a traceback."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:120]


def _bounded_bytes(source) -> bytes:
    """At most MAX_BYTES + 1 bytes of a path, bytes or binary file object."""
    limit = MAX_BYTES + 1
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source[:limit])
    elif isinstance(source, str | os.PathLike):
        try:
            # Non-blocking, so that a FIFO is refused below instead of waiting for a writer.
            fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            with os.fdopen(fd, "rb") as fh:
                info = os.fstat(fh.fileno())
                # A FIFO or a device could block or never end; a checkpoint is a plain file.
                if not stat.S_ISREG(info.st_mode):
                    raise _refuse("it is not a regular file")
                # No more than the file holds (one byte more shows one still growing), so a
                # small file needs no 5 MB buffer.
                data = _read_up_to(fh, min(info.st_size + 1, limit))
        except OSError as exc:
            raise ValueError(f"cannot read the checkpoint: {exc.strerror or _short(exc)}") \
                from None
    elif hasattr(source, "read"):
        data = _read_up_to(source, limit)
    else:
        raise TypeError(f"a checkpoint is a path, bytes or a binary file, not "
                        f"{type(source).__name__}")
    if len(data) > MAX_BYTES:
        raise _refuse(f"a checkpoint is at most {MAX_BYTES // 2**20} MB and this file is larger")
    return data


def _read_up_to(fh, limit: int) -> bytes:
    parts, got = [], 0
    while got < limit:
        chunk = fh.read(limit - got)
        if not chunk:
            break
        if not isinstance(chunk, bytes | bytearray):
            raise _refuse("it was opened as text, not as bytes")
        parts.append(bytes(chunk))
        got += len(chunk)
    return b"".join(parts)


def _check_end_record(data: bytes) -> None:
    """Checks the zip's end record before zipfile reads the directory it points to.

    zipfile would parse a directory of any size (a 5 MB file can list 100,000 members, which
    takes seconds and tens of MB), follow a zip64 record anywhere, or look for the end record
    inside a trailing comment. A checkpoint has none of these.
    """
    end = 22
    if len(data) < end or data[-end:-end + 4] != b"PK\x05\x06" or data[:4] != b"PK\x03\x04":
        raise _refuse("it is not a zip archive, or one with something before or after it")
    disk, cd_disk, on_disk, total, cd_size, cd_offset, comment = struct.unpack(
        "<4H2LH", data[-end + 4:])
    if comment:
        raise _refuse("its zip archive carries a comment")
    if len(data) >= end + 20 and data[-end - 20:-end - 16] == b"PK\x06\x07":
        raise _refuse("it is a zip64 archive, which a checkpoint never needs")
    if disk or cd_disk or on_disk != total:
        raise _refuse("it is a multi-part zip archive")
    if not 1 <= total <= len(ARRAYS) + 1:
        raise _refuse(f"it lists {total} members; a checkpoint has at most {len(ARRAYS) + 1}")
    # np.savez puts the directory right before the end record and nothing before the first
    # member; a file with bytes in front (a polyglot) or a gap is not one it wrote.
    if cd_size > MAX_DIRECTORY_BYTES or cd_offset + cd_size != len(data) - end:
        raise _refuse("its zip directory is larger than a checkpoint's or not where it belongs")


def _member_key(info: zipfile.ZipInfo, seen: Mapping[str, zipfile.ZipInfo]) -> str:
    """The array name of one zip member, after checking how it is stored."""
    name = info.orig_filename  # zipfile cuts filename at a NUL; the original has it
    key = name[:-4] if name.endswith(".npy") else ""
    if key not in (META, *ARRAYS) or name != key + ".npy":
        raise _refuse(f"it holds an unknown member {name[:60]!r}")
    if key in seen:
        raise _refuse(f"the member {name!r} appears twice")
    # Unix file-type bits, where the writer set any (np.savez sets none).
    kind = stat.S_IFMT(info.external_attr >> 16)
    if info.is_dir() or kind not in (0, stat.S_IFREG):
        raise _refuse(f"the member {name!r} is a link or a folder, not a file")
    if info.flag_bits & 0x1:
        raise _refuse(f"the member {name!r} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _refuse(f"the member {name!r} uses a compression a checkpoint never uses")
    return key


def _npy_header(name: str, stream: io.BytesIO) -> tuple[tuple, bool, np.dtype]:
    """(shape, fortran_order, dtype) from a .npy header in a bounded prefix."""
    try:
        version = npy.read_magic(stream)
        if version == (1, 0):
            return npy.read_array_header_1_0(stream, max_header_size=NPY_HEADER_MAX)
        if version == (2, 0):
            return npy.read_array_header_2_0(stream, max_header_size=NPY_HEADER_MAX)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError, OverflowError,
            KeyError, AttributeError):
        # numpy's own messages would suggest allow_pickle; ours says what the file is.
        raise _refuse(f"the member {name!r} is not a well-formed array") from None
    raise _refuse(f"the member {name!r} uses .npy version {version}, which a checkpoint does "
                  "not")


def _meta_shape(shape: tuple) -> None:
    if len(shape) != 1:
        raise _refuse("its header is not a string of bytes")
    if not 2 <= shape[0] <= MAX_HEADER_BYTES:
        raise _refuse(f"its header is {shape[0]} bytes; a header is 2 to {MAX_HEADER_BYTES}")


def _exact_shape(name: str, want: tuple[int, ...]):
    def check(shape: tuple) -> None:
        if tuple(shape) != want:
            raise _refuse(f"the array {name!r} has shape {_shape_text(shape)}; this config "
                          f"needs {want}")
    return check


# Columns added to a log since the format began, last first; a file written before a column
# existed has the log without it, and is read with it padded (see evengan.checkpoint).
ADDED_COLUMNS = {"evals": ("target_ratio",)}


def _log_shape(name: str, log: History):
    cols = len(log.columns)
    older = cols - len(ADDED_COLUMNS.get(name, ()))

    def check(shape: tuple) -> None:
        if (len(shape) != 2 or shape[1] not in (cols, older)
                or not 0 <= shape[0] <= log.capacity):
            raise _refuse(f"the history {name!r} has shape {_shape_text(shape)}; it needs "
                          f"{cols} columns and at most {log.capacity} rows")
    return check


def _shape_text(shape: tuple) -> str:
    text = str(tuple(shape))
    return text if len(text) <= 60 else text[:57] + "..."


# ---- the JSON header --------------------------------------------------------------------


def _parse_header(raw: bytes) -> Header:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse("its header is not UTF-8 text") from None
    try:
        meta = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant,
                          parse_float=_finite_float, parse_int=_bounded_int)
    except RecursionError:
        raise _refuse("its header nests too deeply") from None
    except ValueError as exc:  # JSONDecodeError is a ValueError, as are the hooks' refusals
        raise _refuse(f"its header is not valid JSON ({_short(exc)})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _refuse("it has no evengan header")
    if meta.get("version") != VERSION:
        raise _refuse(f"its version {_short_repr(meta.get('version'))} is not {VERSION}, the "
                      "one this evengan reads")
    unknown = sorted(set(meta) - HEADER_KEYS - OPTIONAL_KEYS)
    if unknown:
        raise _refuse(f"its header has an unknown field {unknown[0][:40]!r}")
    missing = sorted(HEADER_KEYS - set(meta))
    if missing:
        raise _refuse(f"its header lacks the field {missing[0]!r}")
    if not isinstance(meta["config"], dict):
        raise _refuse("its config is not a JSON object")
    try:
        config = GANConfig.from_dict(meta["config"])
    except (ValueError, TypeError) as exc:
        raise _refuse(f"its config is invalid ({_short(exc)})") from None
    steps = _int_field(meta, "steps", 0, MAX_STEPS)
    counter = _int_field(meta, "counter", steps, MAX_COUNTER)
    g_t = _int_field(meta, "g_t", 0, steps * MAX_UPDATES_PER_STEP)
    d_t = _int_field(meta, "d_t", 0, steps * MAX_UPDATES_PER_STEP)
    eval_every = _int_field(meta, "eval_every", 0, MAX_EVAL_EVERY)
    diverged = meta["diverged"]
    if diverged is not None and not (isinstance(diverged, str)
                                     and _DIVERGED_TEXT.fullmatch(diverged)):
        raise _refuse("its divergence note is not a short plain sentence")
    recipe = meta.get("recipe")
    if recipe is not None and not (isinstance(recipe, str)
                                   and 0 < len(recipe) <= MAX_RECIPE_CHARS):
        raise _refuse(f"its recipe is not a string of at most {MAX_RECIPE_CHARS:,} characters")
    rows = meta.get("rows")
    if rows is not None and not (isinstance(rows, dict) and set(rows) <= set(LOGS) and all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_LOG_ROWS
            for v in rows.values())):
        raise _refuse("its row counts are not whole numbers for its logs")
    return Header(config, counter, steps, g_t, d_t, eval_every, diverged, recipe, rows)


def _int_field(meta: dict, name: str, low: int, high: int) -> int:
    value = meta[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _refuse(f"its {name} must be an integer in {low}..{high}, got "
                      f"{_short_repr(value)}")
    return value


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key[:40]!r} appears twice")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is out of range")
    return value


def _bounded_int(text: str) -> int:
    # Parsing a long run of digits costs time quadratic in its length; a hundred digits are
    # cheap and still let the range checks say what is wrong with a count of 10**30.
    if len(text) > 100:
        raise ValueError("a number has more than 100 digits")
    return int(text)


# ---- the histories ----------------------------------------------------------------------
