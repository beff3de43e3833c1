"""A one-line text progress bar for the command line."""

from __future__ import annotations

import time
from typing import TextIO


class Progress:
    """A one-line text progress bar on a stream; silent when disabled."""

    def __init__(self, total: int, stream: TextIO, enabled: bool = True, label: str = "steps"):
        self.total, self.stream, self.enabled, self.label = total, stream, enabled, label
        self.start = self._last = time.perf_counter()

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if done < self.total and now - self._last < 0.1:  # at most ten redraws a second
            return
        self._last = now
        width = 30
        filled = int(width * done / max(self.total, 1))
        rate = done / max(time.perf_counter() - self.start, 1e-9)
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} "
                          f"{self.label} ({rate:.0f}/s)")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
