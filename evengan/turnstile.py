"""The server's one turn for training, handed out fairly by CPU time used.

Every piece of training runs inside a turn of about `slice_seconds`, and only one turn is held
at a time. The next turn goes to the waiting session that has used the least CPU, so a
session that pushes hard waits its turn like any other. The turnstile also keeps the book of
memory each session's work holds, against the server's budget. See evengan.scheduler for
Play, which trains the whole class in the same turns.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager

_RECENT = 10.0  # seconds: sessions that asked for a turn this recently set the fairness floor
_FORGET = 600.0  # seconds: the accounts of a session silent this long are dropped


class Cancelled(Exception):
    """The work's session is gone or asked it to stop."""


class Turnstile:
    """The server's single turn for training, given fairly by CPU time used, and its book of
    memory held by each session's work."""

    def __init__(self, slice_seconds: float = 0.05):
        self.slice_seconds = slice_seconds
        self._mutex = threading.Lock()
        self._busy = False
        self._queue: list = []
        self._seq = itertools.count()
        self._used: dict[str, float] = {}
        self._asked: dict[str, float] = {}
        self._per_step: dict[tuple, float] = {}
        self._books: dict[tuple[str, str], tuple[int, Callable[[], bool]]] = {}

    @contextmanager
    def turn(self, sids: Iterable[str]):
        """Holds the one training turn; its CPU time is charged in equal parts to `sids`.
        Not reentrant: work inside a turn must not ask for another."""
        sids = list(sids)
        with self._mutex:
            now = time.monotonic()
            for sid, asked in list(self._asked.items()):
                if now - asked > _FORGET:
                    del self._asked[sid], self._used[sid]
            # A newcomer starts level with the sessions at work now, not ahead of them.
            floor = min((self._used[s] for s, a in self._asked.items() if now - a < _RECENT),
                        default=0.0)
            for sid in sids:
                self._used[sid] = max(self._used.get(sid, 0.0), floor)
                self._asked[sid] = now
            if self._busy:
                ready = threading.Event()
                priority = min(self._used[s] for s in sids)
                heapq.heappush(self._queue, (priority, next(self._seq), ready))
            else:
                self._busy, ready = True, None
        if ready is not None:
            ready.wait()  # the turn's holder hands it over by setting this
        start = time.thread_time()
        try:
            yield
        finally:
            cost = (time.thread_time() - start) / len(sids)
            with self._mutex:
                for sid in sids:
                    self._used[sid] = self._used.get(sid, 0.0) + cost
                if self._queue:
                    heapq.heappop(self._queue)[2].set()
                else:
                    self._busy = False

    def steps_per_slice(self, key: tuple, runs: int = 1) -> int:
        """How many steps of this kind of work fit in one slice, from what they took before
        (one step until then)."""
        per_step = self._per_step.get((key, runs))
        if per_step is None:
            return 1
        return max(1, int(self.slice_seconds / max(per_step, 1e-6)))

    def _measured(self, key: tuple, runs: int, steps: int, seconds: float) -> None:
        if steps:
            old, new = self._per_step.get((key, runs)), seconds / steps
            self._per_step[(key, runs)] = new if old is None else 0.7 * old + 0.3 * new

    def train(self, sid: str, key: tuple, advance: Callable[[int], int], n: int,
              progress: Callable[[int], None] | None = None,
              stop: Callable[[], bool] = lambda: False) -> int:
        """Runs advance(k) in fair slices until n steps are done; returns the steps taken.

        `key` names the kind of step (see kind()), `progress(done)` is called after every
        slice, outside the turn, and `stop()` ends the work early.
        """
        done = 0
        while done < n and not stop():
            k = min(n - done, self.steps_per_slice(key))
            with self.turn([sid]):
                start = time.thread_time()
                taken = advance(k)
                self._measured(key, 1, taken, time.thread_time() - start)
            done += taken
            if progress is not None:
                progress(done)
            if taken < k:
                break
        return done

    def gate(self, sid: str, stop: Callable[[], bool] = lambda: False) -> Callable[[], None]:
        """A callback for work that runs in its own loop (a sweep): each call ends the slice
        once it has lasted slice_seconds and waits for the next turn; raises Cancelled once
        stop() says so. Call its close() when the work ends, however it ends."""
        held: list = []

        def step() -> None:
            if held and time.perf_counter() - held[0][1] < self.slice_seconds:
                return
            close()
            if stop():
                raise Cancelled
            ctx = self.turn([sid])
            ctx.__enter__()
            held.append((ctx, time.perf_counter()))

        def close() -> None:
            if held:
                held.pop()[0].__exit__(None, None, None)

        step.close = close  # type: ignore[attr-defined]
        return step

    def reserve(self, sid: str, nbytes: int, limit: int, alive: Callable[[], bool],
                kind: str = "run") -> str | None:
        """Books the memory of a session's work of one kind (its run, its ensemble, a sweep);
        returns why not when the server's total would pass `limit`. Gone sessions' books
        are dropped first."""
        with self._mutex:
            self._books = {k: v for k, v in self._books.items() if answers(v[1])}
            others = sum(b for k, (b, _) in self._books.items() if k != (sid, kind))
            if others + nbytes > limit:
                return (f"the server is full: the class's runs hold about {others >> 20:,} MB "
                        f"of the {limit >> 20:,} MB it has; make this smaller or wait")
            self._books[(sid, kind)] = (nbytes, alive)
        return None

    def release(self, sid: str, kind: str | None = "run") -> None:
        """Gives back a booking (a finished sweep, an ensemble turned off); kind None gives
        back every booking of the session (one that has ended)."""
        with self._mutex:
            self._books = {k: v for k, v in self._books.items()
                           if k[0] != sid or (kind is not None and k[1] != kind)}


def answers(alive: Callable[[], bool]) -> bool:
    """Whether a session's liveness check says yes; one that fails to answer says no."""
    try:
        return bool(alive())
    except Exception:  # a session manager that fails to answer: the tab is gone
        return False
