"""Checkpoints: everything a Trainer needs to resume bit for bit, in a file that holds no code.

The file is a zip archive (NumPy's .npz layout) of plain float64 arrays and one JSON text
(config, counters, format version), exactly as `write` makes it. Reading trusts nothing in it:

- the zip directory is read first, and a file with unknown, repeated or oddly stored members,
  or more directory than a checkpoint has, is refused before any member is inflated;
- each member's .npy header is parsed from a short prefix, and its dtype, shape and byte size
  must be exactly what the config in the JSON header implies before its data is read;
- every member is read with a bounded read, so no file can inflate to more than the largest
  valid checkpoint (MAX_INFLATED_BYTES), and pickles are never unpickled;
- every header field and every number is checked (types, ranges, finite, consistent).

Anything else raises ValueError with one sentence saying what is wrong.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Mapping
from typing import IO, Any

import numpy as np

# The format's public names are this module's too (checkpoint.LOGS, checkpoint.Header...).
from .checkpoint_format import (  # noqa: F401
    _F32_MAX,
    _FLOAT64,
    _UINT8,
    ADDED_COLUMNS,
    ARRAYS,
    FORMAT,
    LOGS,
    MAX_BYTES,
    MAX_HEADER_BYTES,
    MAX_INFLATED_BYTES,
    MAX_RECIPE_CHARS,
    META,
    NPY_HEADER_MAX,
    PARAMS,
    VERSION,
    Header,
    InvalidCheckpoint,
    _bounded_bytes,
    _check_end_record,
    _exact_shape,
    _log_shape,
    _member_key,
    _meta_shape,
    _npy_header,
    _parse_header,
    _refuse,
    _short,
)
from .config import GANConfig
from .history import History, layout
from .models import net_specs


def write(target: str | IO[bytes], meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Writes a checkpoint: the arrays as float64 members, meta as the JSON header."""
    payload = {name: np.ascontiguousarray(arrays[name], dtype=np.float64) for name in ARRAYS
               if name in arrays}
    header = json.dumps({"format": FORMAT, "version": VERSION, **meta}, sort_keys=True)
    payload["meta"] = np.frombuffer(header.encode("utf-8"), dtype=np.uint8)
    np.savez_compressed(target, **payload)


def param_counts(config: GANConfig) -> tuple[int, int]:
    """(G, D) parameter counts of one run, built as the engine builds its networks."""
    g, d = net_specs(config)
    return g.n_params, d.n_params


def max_payload_bytes(config: GANConfig, logs: Mapping[str, History]) -> int:
    """The most bytes a valid checkpoint of this config inflates to (headers included)."""
    g, d = param_counts(config)
    floats = 3 * g + 3 * d + sum(log.capacity * len(log.columns) for log in logs.values())
    members = len(PARAMS) + len(logs) + 1
    return 8 * floats + MAX_HEADER_BYTES + members * NPY_HEADER_MAX


class Reader:
    """A checkpoint opened for checking.

    Construction reads the file (at most MAX_BYTES), its zip directory and its JSON header;
    `arrays` then reads and checks every array against the shapes of the config's histories.
    Both raise ValueError for anything that is not a valid checkpoint.
    """

    def __init__(self, source: str | os.PathLike | bytes | bytearray | IO[bytes]):
        data = _bounded_bytes(source)
        _check_end_record(data)
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error,
                UnicodeDecodeError, NotImplementedError, OverflowError) as exc:
            raise _refuse(f"its zip directory is damaged ({_short(exc)})") from None
        self._members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            self._members[_member_key(info, self._members)] = info
        if sum(info.file_size for info in infos) > MAX_INFLATED_BYTES:
            raise _refuse(f"it would inflate to more than {MAX_INFLATED_BYTES // 2**20} MiB, "
                          "more than any checkpoint")
        if META not in self._members:
            raise _refuse("it has no evengan header")
        raw = self._read(META, _UINT8, _meta_shape)
        self.header = _parse_header(raw.tobytes())

    def arrays(self, logs: Mapping[str, History]) -> dict[str, np.ndarray]:
        """Every array, checked: `logs` are the histories the arrays will be loaded into."""
        head, config = self.header, self.header.config
        wanted = {META, *PARAMS, *logs}
        missing = sorted(wanted - set(self._members))
        if missing:
            raise _refuse(f"the member {missing[0]!r} is missing")
        extra = sorted(set(self._members) - wanted)
        if extra:
            raise _refuse(f"the member {extra[0]!r} does not belong to a checkpoint of this "
                          "config")
        g, d = param_counts(config)
        out: dict[str, np.ndarray] = {}
        for name in PARAMS:
            size = g if name.startswith("g") else d
            arr = self._read(name, _FLOAT64, _exact_shape(name, (1, size)))
            # The weights are float32 in the engine: a float64 beyond float32's range would
            # become inf there, and the moments are squared gradients, never negative.
            if not np.all(np.abs(arr) <= _F32_MAX):
                raise _refuse(f"the array {name!r} holds a number that is not finite in float32")
            if name.endswith("_v") and np.any(arr < 0):
                raise _refuse(f"the optimiser moment {name!r} holds a negative number, and "
                              "second moments are squares")
            out[name] = arr
        for name, log in logs.items():
            arr = self._read(name, _FLOAT64, _log_shape(name, log))
            _check_log(name, arr, log.columns[: arr.shape[1]], head.steps, config.n_bits)
            arr = _pad_log(name, arr, log.columns, config)
            count = (head.rows or {}).get(name, len(arr))
            if layout(count, log.capacity)[1] != len(arr):
                raise _refuse(f"its {name} has {len(arr):,} rows, which a log of {count:,} "
                              "rows does not keep")
            out[name] = arr
        return out

    def _read(self, name: str, dtype: np.dtype, check_shape) -> np.ndarray:
        """One member as an array: header first, then exactly the bytes it declares."""
        info = self._members[name]
        try:
            with self._zip.open(info) as fh:
                prefix = fh.read(min(info.file_size, NPY_HEADER_MAX))
                stream = io.BytesIO(prefix)
                shape, fortran, found = _npy_header(name, stream)
                if found != dtype:
                    kind = "Python objects" if found.hasobject else f"dtype {found.str}"
                    raise _refuse(f"the array {name!r} holds {kind}, not {dtype.str}")
                if fortran:
                    raise _refuse(f"the array {name!r} is stored in Fortran order")
                check_shape(shape)
                size = math.prod(shape) * dtype.itemsize
                start = stream.tell()
                if info.file_size != start + size:
                    raise _refuse(f"the member {name!r} is {info.file_size} bytes but its "
                                  f"header declares {start + size}")
                # file_size caps what zipfile inflates; reading to its end checks the CRC.
                body = prefix[start:] + fh.read(start + size - len(prefix))
        except InvalidCheckpoint:
            raise
        except (ValueError, zipfile.BadZipFile, zlib.error, OSError, EOFError, struct.error,
                NotImplementedError, RuntimeError, OverflowError) as exc:
            raise _refuse(f"the member {name!r} is damaged ({_short(exc)})") from None
        if len(body) != size:
            raise _refuse(f"the member {name!r} ends before its data does")
        return np.frombuffer(body, dtype=dtype).reshape(shape)


def _pad_log(name: str, arr: np.ndarray, columns: tuple[str, ...], config: GANConfig
             ) -> np.ndarray:
    """A log from before its newest columns, with them added: the in-target ratio of a file
    that predates targets is the even ratio where the evens fill n bits (the same sum), and
    unknown (NaN, a gap in the charts) where max_int cuts them. Such a file's target can only
    be the evens; a file that says otherwise was made by hand and gets NaN too."""
    if arr.shape[1] == len(columns):
        return arr
    if ADDED_COLUMNS.get(name) != ("target_ratio",):  # a new added column needs its own rule
        raise _refuse(f"the history {name!r} lacks columns this version cannot fill in")
    known = config.is_even and config.upper == 2**config.n_bits
    extra = arr[:, columns.index("even_ratio")] if known else np.full(len(arr), np.nan)
    return np.column_stack([arr, extra])


# Columns (by name) whose numbers are shares in [0, 1]; float sums may pass 1 by rounding.
_FRACTIONS = {"even_batch", "even_ratio", "coverage", "js_bits", "target_ratio"}
_ROUNDING = 1e-6


def _check_log(name: str, arr: np.ndarray, columns: tuple[str, ...], steps: int,
               n_bits: int) -> None:
    """Column by column: finite (a skipped network's gradient norm may be NaN), in range, and
    step numbers that never go back nor pass the checkpoint's step."""
    for j, col in enumerate(columns):
        v = arr[:, j]
        # a frozen network has no gradient to measure; a file from before targets may not
        # know its in-target ratio
        nan_ok = col.startswith("grad_") or col == "target_ratio"
        values = v[~np.isnan(v)] if nan_ok else v
        if not np.all(np.isfinite(values)):
            raise _refuse(f"the history {name!r} has a value of {col} that is not finite")
        whole = col in ("step", "distinct")
        if whole and np.any(values != np.floor(values)):
            raise _refuse(f"the history {name!r} has a value of {col} that is not a whole "
                          "number")
        if col == "step":
            if np.any(v < 0) or np.any(v > steps):
                raise _refuse(f"the history {name!r} has a step outside 0..{steps}, the "
                              "checkpoint's step")
            if np.any(np.diff(v) < 0):
                raise _refuse(f"the steps of the history {name!r} go backwards")
            continue
        low, high = _column_range(col, n_bits)
        if np.any(values < low) or np.any(values > high):
            where = f"below {low:g}" if high == math.inf else f"outside {low:g}..{high:g}"
            raise _refuse(f"the history {name!r} has a value of {col} {where}")


def _column_range(col: str, n_bits: int) -> tuple[float, float]:
    """The range a column's numbers can take, with room for float rounding where it matters."""
    if col in _FRACTIONS or re.fullmatch(r"q\d+", col):
        return 0.0, 1.0 + _ROUNDING
    if col == "distinct":
        return 0.0, float(2**n_bits)
    if col == "entropy_bits":
        return 0.0, n_bits + _ROUNDING
    if col.startswith(("grad_", "g_sv")):
        return 0.0, math.inf
    return -math.inf, math.inf
