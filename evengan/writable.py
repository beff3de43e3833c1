"""Checking, before any work, that a result file can be written."""

from __future__ import annotations

import os
import stat


def check_writable(flag: str, path: str) -> None:
    """Fails now, not after the training, when `path` cannot be written.

    The file is really opened for writing and left as it was: a new file is removed again,
    an existing one is opened for appending, so it is not truncated. Only plain files are
    accepted: a folder, a device or a file under /proc is not a place for results.
    """
    if not path:
        raise ValueError(f"{flag} needs a file name")
    try:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            info = None
        if info is not None:
            if not stat.S_ISREG(info.st_mode):
                raise ValueError(f"{flag} {path!r} is not a plain file")
            with open(path, "ab"):
                pass
            return
        with open(path, "xb"):
            pass
        os.remove(path)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ValueError(f"{flag}: cannot write {path!r} ({reason})") from None
