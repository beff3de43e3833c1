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
        # Grown by doubling up to capacity: a short log (and a snapshot of it, see frozen())
        # holds little memory.
        self._data = np.empty((min(capacity, 64), len(self.columns)), dtype=np.float64)
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
            if self._len + take > len(self._data):
                self._grow(self._len + take)
            self._data[self._len : self._len + take] = rows[start : start + take]
            self._len += take
            start += take

    def _grow(self, rows: int) -> None:
        size = len(self._data)
        while size < rows:
            size = min(2 * size, self.capacity)
        data = np.empty((size, len(self.columns)), dtype=np.float64)
        data[: self._len] = self._data[: self._len]
        self._data = data

    def _thin(self) -> None:
        # Into a new array: rows already written are never changed in place, so a frozen()
        # view of the log stays true while the log goes on.
        half = self._len // 2
        kept, rest = self._data[0:half:2], self._data[half : self._len]
        data = np.empty_like(self._data)
        data[: len(kept)] = kept
        data[len(kept) : len(kept) + len(rest)] = rest
        self._data, self._len = data, len(kept) + len(rest)

    def frozen(self) -> tuple[np.ndarray, int]:
        """The log as it stands, without a copy: appends write only past its rows and
        thinning writes a new array, so it never changes. restore() takes it back."""
        return self._data, self._len

    def restore(self, frozen: tuple[np.ndarray, int]) -> None:
        data, length = frozen
        self._data, self._len = data.copy(), length

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
        data = np.empty((self.capacity, len(self.columns)))  # never in place: see frozen()
        data[: len(array)] = array
        self._data, self._len = data, len(array)

    def thinned(self, points: int = 2000) -> dict[str, np.ndarray]:
        """At most `points` evenly spaced rows (always the last), as float32, for plotting."""
        idx = np.arange(self._len)
        if self._len > points:
            idx = np.unique(np.linspace(0, self._len - 1, points).round().astype(int))
        return {name: self._data[idx, i].astype(np.float32) for i, name in enumerate(self.columns)}
