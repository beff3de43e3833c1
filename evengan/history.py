"""A columnar, bounded log of per-step numbers that keeps every era of a run.

Rows are numbered 0, 1, 2, ... as they come. The log keeps the rows whose number is a
multiple of its stride, and the newest row whatever its number. When it is full, the stride
doubles and every other kept row goes. A run of any length is so kept at one resolution from
its first step to its last (a chart of step 20,000 shows steps 0-2,000 as densely as the
rest), in a few hundred kilobytes.

Worked example, capacity 8: after rows 0..9 the log holds rows 0, 2, 4, 6, 8 and 9 (stride 2,
row 9 as the newest); after rows 0..16 it holds 0, 4, 8, 12, 16 (stride 4).
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
        self._len = 0  # rows held on the stride
        self._count = 0  # rows ever appended
        self._stride = 1
        # The newest row where it is off the stride, apart from _data: it is replaced, not
        # written over, so that a frozen() view never changes.
        self._tail: np.ndarray | None = None

    def __len__(self) -> int:
        return self._len + (self._tail is not None)

    @property
    def count(self) -> int:
        """Rows ever appended (a checkpoint keeps it, so a loaded log thins as the original)."""
        return self._count

    def append(self, rows: np.ndarray) -> None:
        """Adds rows of shape (k, len(columns)), the step number first.

        What the log keeps depends on the row numbers alone, not on how the rows were handed
        in: a run trained in chunks of any size (Play, Run N, a link's replay) keeps the same
        history.
        """
        rows = np.atleast_2d(np.asarray(rows, dtype=np.float64))
        if not len(rows):
            return
        self._tail = None  # the newest row gives way to newer ones
        numbers = np.arange(self._count, self._count + len(rows))
        start = 0
        while True:
            on = np.flatnonzero(numbers[start:] % self._stride == 0) + start
            fits = on[: self.capacity - self._len]
            self._put(rows[fits])
            if len(fits) == len(on):
                break
            start = int(on[len(fits)])
            self._thin()
        self._count += len(rows)
        if (self._count - 1) % self._stride:  # keep the newest row too
            if self._len == self.capacity:
                self._thin()
            self._tail = rows[-1:].copy()

    def _put(self, rows: np.ndarray) -> None:
        end = self._len + len(rows)
        if end > len(self._data):
            size = len(self._data)
            while size < end:
                size = min(2 * size, self.capacity)
            data = np.empty((size, len(self.columns)), dtype=np.float64)
            data[: self._len] = self._data[: self._len]
            self._data = data
        self._data[self._len : end] = rows
        self._len = end

    def _thin(self) -> None:
        # Into a new array: rows already written are never changed in place, so a frozen()
        # view of the log stays true while the log goes on. Row 0 is held, so the held rows
        # are the multiples of the stride in order, and every other one is a multiple of twice
        # the stride.
        kept = self._data[0 : self._len : 2]
        data = np.empty_like(self._data)
        data[: len(kept)] = kept
        self._data, self._len, self._stride = data, len(kept), 2 * self._stride

    def frozen(self) -> tuple:
        """The log as it stands, without a copy: appends write only past its rows and
        thinning writes a new array, so it never changes. restore() takes it back."""
        return self._data, self._len, self._count, self._stride, self._tail

    def restore(self, frozen: tuple) -> None:
        """Takes back a frozen() state, into an array of its own."""
        data, self._len, self._count, self._stride, self._tail = frozen
        self._data = data.copy()

    def _rows(self) -> np.ndarray:
        held = self._data[: self._len]
        return held if self._tail is None else np.concatenate([held, self._tail])

    def __getitem__(self, name: str) -> np.ndarray:
        i = self.columns.index(name)
        held = self._data[: self._len, i]
        return held.copy() if self._tail is None else np.append(held, self._tail[0, i])

    def replace_last(self, row) -> None:
        """Puts `row` in place of the newest row, into a new array (or a new tail): a frozen()
        view taken before still reads the old row."""
        row = np.asarray(row, dtype=np.float64).reshape(1, len(self.columns))  # [row] too
        if self._tail is not None:
            self._tail = row.copy()
            return
        if not self._len:
            raise ValueError("an empty log has no row to replace")
        data = self._data.copy()
        data[self._len - 1] = row[0]
        self._data = data

    def last(self) -> dict[str, float] | None:
        if not len(self):
            return None
        row = self._data[self._len - 1] if self._tail is None else self._tail[0]
        return dict(zip(self.columns, row.tolist(), strict=False))

    def array(self) -> np.ndarray:
        return self._rows().copy()

    def load(self, array: np.ndarray, count: int | None = None) -> None:
        """Takes rows back from array() with the count of rows they were kept from (count():
        None for as many as there are rows, a log that never thinned); ValueError where the
        two do not fit together."""
        array = np.asarray(array, dtype=np.float64)
        if array.ndim != 2 or array.shape[1] != len(self.columns) or len(array) > self.capacity:
            raise ValueError(f"history must have shape (k <= {self.capacity}, "
                             f"{len(self.columns)}), got {array.shape}")
        count = len(array) if count is None else count
        stride, held, tail = layout(count, self.capacity)
        if held != len(array):
            raise ValueError(f"a history of {count:,} rows keeps {held:,} of them, "
                             f"not {len(array):,}")
        held = len(array) - tail
        data = np.empty((self.capacity, len(self.columns)))  # never in place: see frozen()
        data[:held] = array[:held]
        self._data, self._len, self._count, self._stride = data, held, count, stride
        self._tail = array[held:].copy() if tail else None

    def thinned(self, points: int = 2000) -> dict[str, np.ndarray]:
        """At most `points` evenly spaced rows (always the last), as float32, for plotting."""
        rows = self._rows()
        idx = np.arange(len(rows))
        if len(rows) > points:
            idx = np.unique(np.linspace(0, len(rows) - 1, points).round().astype(int))
        return {name: rows[idx, i].astype(np.float32) for i, name in enumerate(self.columns)}


def layout(count: int, capacity: int) -> tuple[int, int, bool]:
    """(stride, rows held, newest held off the stride) of a log of `capacity` after `count`
    rows: the stride is the smallest power of two at which they fit, as the log only thins
    when it must."""
    stride = 1
    while True:
        on = -(-count // stride)  # rows 0, stride, 2 stride, ... below count
        tail = count > 0 and (count - 1) % stride != 0
        if on + tail <= capacity:
            return stride, on + tail, tail
        stride *= 2
