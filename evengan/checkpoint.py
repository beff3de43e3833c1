"""Checkpoints: everything a Trainer needs to resume bit for bit, in a file that holds no code.

The file is a NumPy .npz archive read with allow_pickle=False: plain numeric arrays and one
JSON text (config, counters, format version). Nothing in it is ever executed; anything that
is not exactly this layout raises ValueError.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import IO, Any

import numpy as np

FORMAT = "evengan-checkpoint"
VERSION = 1
MAX_BYTES = 5 * 1024 * 1024  # far above any real checkpoint (a few hundred kB)
ARRAYS = ("g", "d", "g_m", "g_v", "d_m", "d_v", "history", "evals", "weights", "timeline")


def write(target: str | IO[bytes], meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    payload = {name: np.ascontiguousarray(arrays[name], dtype=np.float64) for name in ARRAYS
               if name in arrays}
    header = json.dumps({"format": FORMAT, "version": VERSION, **meta}, sort_keys=True)
    payload["meta"] = np.frombuffer(header.encode("utf-8"), dtype=np.uint8)
    np.savez_compressed(target, **payload)


def read(source: str | bytes | IO[bytes]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(meta, arrays) of a checkpoint; ValueError for anything that is not one."""
    if isinstance(source, bytes | bytearray):
        if len(source) > MAX_BYTES:
            raise ValueError(f"a checkpoint is at most {MAX_BYTES // 1024 // 1024} MB")
        source = io.BytesIO(source)
    try:
        with np.load(source, allow_pickle=False) as archive:
            names = set(archive.files)
            if "meta" not in names or not names <= {"meta", *ARRAYS}:
                raise ValueError("not an evengan checkpoint (unexpected contents)")
            raw = archive["meta"]
            if raw.dtype != np.uint8 or raw.ndim != 1:
                raise ValueError("not an evengan checkpoint (bad header)")
            meta = json.loads(raw.tobytes().decode("utf-8"))
            arrays = {name: archive[name] for name in names - {"meta"}}
    except ValueError as exc:  # numpy's refusal of pickled objects lands here too
        raise ValueError(f"not a valid evengan checkpoint: {exc}") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError, UnicodeDecodeError) as exc:
        raise ValueError(f"not a valid evengan checkpoint: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError("not an evengan checkpoint (no evengan header)")
    if meta.get("version") != VERSION:
        raise ValueError(f"checkpoint version {meta.get('version')!r} is not supported")
    for name, arr in arrays.items():
        if arr.dtype.kind not in "fiu":
            raise ValueError(f"checkpoint array {name!r} is not numbers")
        # weights must be finite; histories may hold NaN (a skipped network's gradient norm)
        if name in ("g", "d", "g_m", "g_v", "d_m", "d_v") and not np.isfinite(arr).all():
            raise ValueError(f"checkpoint array {name!r} is not finite")
    return meta, arrays
