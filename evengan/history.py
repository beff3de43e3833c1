"""A columnar, bounded log of per-step numbers.

When the log is full, its older half is thinned to every other row while the newest rows stay
at full resolution. Old training is then kept at ever coarser steps and a session can train for
hours in a few hundred kilobytes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class History:
    """Rows of named float columns, at most `capacity` of them."""

    def __init__(self, columns: Sequence[str], capacity: int = 4096):
        if capacity < 8:
            raise ValueError("a history needs a capacity of at least 8 rows")
        self.columns = ("step", *columns)
        self.capacity = capacity
        self._data = np.empty((capacity, len(self.columns)), dtype=np.float64)
        self._len = 0

    def __len__(self) -> int:
        return self._len

    def append(self, rows: np.ndarray) -> None:
        """Adds rows of shape (k, len(columns)), the step number first.

        The log thins exactly when it is full, so what it keeps depends on the rows alone, not
        on how they were handed in: a run trained in chunks of any size (Play, Run N, a
        link's replay) keeps the same history.
        """
        rows = np.atleast_2d(np.asarray(rows, dtype=np.float64))
        start = 0
        while start < len(rows):
            if self._len == self.capacity:
                self._thin()
            take = min(self.capacity - self._len, len(rows) - start)
            self._data[self._len : self._len + take] = rows[start : start + take]
            self._len += take
            start += take

    def _thin(self) -> None:
        half = self._len // 2
        kept = self._data[0:half:2].copy()
        rest = self._data[half : self._len].copy()
        self._data[: len(kept)] = kept
        self._data[len(kept) : len(kept) + len(rest)] = rest
        self._len = len(kept) + len(rest)

    def __getitem__(self, name: str) -> np.ndarray:
        return self._data[: self._len, self.columns.index(name)].copy()

    def last(self) -> dict[str, float] | None:
        if not self._len:
            return None
        return dict(zip(self.columns, self._data[self._len - 1].tolist(), strict=False))

    def array(self) -> np.ndarray:
        return self._data[: self._len].copy()

    def load(self, array: np.ndarray) -> None:
        array = np.asarray(array, dtype=np.float64)
        if array.ndim != 2 or array.shape[1] != len(self.columns) or len(array) > self.capacity:
            raise ValueError(f"history must have shape (k <= {self.capacity}, "
                             f"{len(self.columns)}), got {array.shape}")
        self._data[: len(array)] = array
        self._len = len(array)

    def thinned(self, points: int = 2000) -> dict[str, np.ndarray]:
        """At most `points` evenly spaced rows (always the last), as float32, for plotting."""
        idx = np.arange(self._len)
        if self._len > points:
            idx = np.unique(np.linspace(0, self._len - 1, points).round().astype(int))
        return {name: self._data[idx, i].astype(np.float32) for i, name in enumerate(self.columns)}
