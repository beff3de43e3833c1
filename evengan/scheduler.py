"""One scheduler for all the training a server does, so no session can starve the others.

Every piece of training (Play, Step, Run N, a link's replay, an ensemble, a sweep) runs in
slices of at most `slice_seconds` of work, and only one slice runs at a time. The next slice
goes to the waiting session that has used the least CPU time, so thirty students each get a
thirtieth of the server however hard one of them pushes. Between slices the work looks at its
clock and at whether its tab is still there.

Play does not run in the students' script threads at all: one class thread trains every
playing run, and runs that share a structure train together in one batched call
(evengan.lockstep), bit-identical to training alone. The pages only draw.

No Streamlit here: the app hands in callables (is the tab alive, the session's lock).
"""

from __future__ import annotations

import atexit
import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from .lockstep import class_key, run_together
from .trainer import Trainer


class Cancelled(Exception):
    """The work's session is gone or asked it to stop."""


@dataclass
class Player:
    """A session that plays: its run, how it steps, and how to tell that its tab is gone."""

    sid: str
    trainer: Trainer
    mode: str
    lock: threading.RLock
    alive: Callable[[], bool] = lambda: True
    # Trains k steps itself (a run with an ensemble beside it); None: batched with the class.
    advance: Callable[[int], int] | None = None
    # Play stops at this step (the per-session cap).
    cap: int = 1_000_000
    # Steps between two redraws of the page at most (0: as many as the turn allows).
    per_tick: int = 0
    seen: float = field(default_factory=time.monotonic)
    steps: int = 0
    since_seen: int = 0


class Scheduler:
    """The server's single turnstile for training, fair by CPU time used."""

    def __init__(self, slice_seconds: float = 0.05, idle_seconds: float = 15.0):
        self.slice_seconds = slice_seconds
        # A player whose page has not drawn for this long has lost its tab.
        self.idle_seconds = idle_seconds
        self._mutex = threading.Lock()
        self._busy = False
        self._queue: list = []
        self._seq = itertools.count()
        self._used: dict[str, float] = {}
        self._players: dict[str, Player] = {}
        self._wake = threading.Event()
        self._per_step: dict[tuple, float] = {}
        self._books: dict[tuple[str, str], tuple[int, Callable[[], bool]]] = {}
        self._thread: threading.Thread | None = None
        self._closing = False
        atexit.register(self.close)

    # ---- the turnstile ------------------------------------------------------------------

    def used(self, sid: str) -> float:
        """CPU seconds of training this session has had."""
        return self._used.get(sid, 0.0)

    @contextmanager
    def turn(self, sids: Iterable[str]):
        """Holds the one training turn; its CPU time is charged in equal parts to `sids`."""
        sids = list(sids)
        with self._mutex:
            floor = min(self._used.values(), default=0.0)
            for sid in sids:  # a newcomer starts level with the others, not ahead of them
                self._used[sid] = max(self._used.get(sid, 0.0), floor)
            priority = min(self._used[s] for s in sids)
            if self._busy:
                ready = threading.Event()
                heapq.heappush(self._queue, (priority, next(self._seq), ready))
            else:
                self._busy, ready = True, None
        if ready is not None:
            ready.wait()  # release() hands the turn over by setting this
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

    def reserve(self, sid: str, nbytes: int, limit: int, alive: Callable[[], bool],
                kind: str = "run") -> str | None:
        """Books the memory of a session's work of one kind (its run, its ensemble, ...);
        returns why not when the server's total would pass `limit`. Gone sessions' books
        are dropped first."""
        with self._mutex:
            self._books = {k: v for k, v in self._books.items() if _answers(v[1])}
            others = sum(b for k, (b, _) in self._books.items() if k != (sid, kind))
            if others + nbytes > limit:
                return (f"the server is full: the class's runs hold about {others >> 20:,} MB "
                        f"of the {limit >> 20:,} MB it has; make this smaller or wait")
            self._books[(sid, kind)] = (nbytes, alive)
        return None

    def release(self, sid: str, kind: str = "run") -> None:
        """Gives back a booking (a finished sweep, an ensemble turned off)."""
        with self._mutex:
            self._books.pop((sid, kind), None)

    def forget(self, sid: str) -> None:
        """Drops a finished session's accounts."""
        self.stop(sid)
        with self._mutex:
            self._used.pop(sid, None)

    def steps_per_slice(self, key: tuple, runs: int = 1) -> int:
        """How many steps of this kind of work fit in one slice, from what it took before."""
        per_step = self._per_step.get((key, runs))
        if per_step is None:
            return 1
        return max(1, int(self.slice_seconds / max(per_step, 1e-6)))

    def _measured(self, key: tuple, runs: int, steps: int, seconds: float) -> None:
        if steps:
            old = self._per_step.get((key, runs))
            new = seconds / steps
            self._per_step[(key, runs)] = new if old is None else 0.7 * old + 0.3 * new

    # ---- work from a script thread ------------------------------------------------------

    def train(self, sid: str, key: tuple, advance: Callable[[int], int], n: int,
              progress: Callable[[int], None] | None = None,
              stop: Callable[[], bool] = lambda: False) -> int:
        """Runs advance(k) in fair slices until n steps are done; returns the steps taken.

        `key` names the kind of step (for the slice size), `progress(done)` is called after
        every slice, and `stop()` ends the work early (raise Cancelled from it to abort).
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
        """A callback for work that runs in its own loop (a sweep): each call ends one slice
        and waits for the next turn; raises Cancelled once stop() says so."""
        state = {"held": None}

        def step() -> None:
            now = time.perf_counter()
            held = state["held"]
            if held is not None and now - held[1] < self.slice_seconds:
                return
            if held is not None:
                held[0].__exit__(None, None, None)
                state["held"] = None
            if stop():
                raise Cancelled
            ctx = self.turn([sid])
            ctx.__enter__()
            state["held"] = (ctx, time.perf_counter())

        def close() -> None:
            if state["held"] is not None:
                state["held"][0].__exit__(None, None, None)
                state["held"] = None

        step.close = close  # type: ignore[attr-defined]
        return step

    # ---- Play ---------------------------------------------------------------------------

    def play(self, player: Player) -> None:
        """Starts (or refreshes) a session's Play; the class thread trains it from now on."""
        with self._mutex:
            old = self._players.get(player.sid)
            if old is not None:
                player.steps = old.steps
            self._players[player.sid] = player
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._class_loop, name="evengan-class",
                                                daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self, sid: str) -> None:
        """Ends a session's Play; returns once a slice in flight has finished, so the run
        stands still from then on."""
        with self._mutex:
            player = self._players.pop(sid, None)
        if player is not None:
            with player.lock:
                pass

    def seen(self, sid: str) -> None:
        """The session's page drew: its tab is there."""
        player = self._players.get(sid)
        if player is not None:
            player.seen = time.monotonic()
            player.since_seen = 0
            self._wake.set()

    def is_playing(self, sid: str) -> bool:
        return sid in self._players

    def playing(self) -> int:
        return len(self._players)

    def _live_players(self) -> list[Player]:
        now, out = time.monotonic(), []
        for player in list(self._players.values()):
            t = player.trainer
            gone = (now - player.seen > self.idle_seconds or t.diverged
                    or t.step_count >= player.cap or not _answers(player.alive))
            if gone:
                self.stop(player.sid)
            elif not player.per_tick or player.since_seen < player.per_tick:
                out.append(player)
        return out

    def close(self) -> None:
        """Stops Play for everyone and waits for the class thread to end (at exit: torch must
        not be mid-step while the interpreter tears down)."""
        self._closing = True
        with self._mutex:
            self._players.clear()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _class_loop(self) -> None:
        while not self._closing:
            players = self._live_players()
            if not players:  # nobody, or everyone waits for a redraw
                self._wake.clear()
                self._wake.wait(1.0 if not self._players else 0.02)
                continue
            trained = False
            for group in _groups(players):
                if self._closing:
                    return
                trained |= self._train_group(group)
            if not trained:  # every page is drawing: let them, rather than spin on the GIL
                self._wake.clear()
                self._wake.wait(0.005)

    def _still_playing(self, player: Player) -> bool:
        """Whether this play is still asked for; checked with the session's lock held, which
        stop() takes after it unregisters, so a Pause is never followed by a step."""
        return _same_play(player, self._players.get(player.sid))

    def _train_group(self, group: list[Player]) -> bool:
        """One slice of training for players that train together (or one that trains alone);
        returns whether it trained."""
        held = [p for p in group if p.lock.acquire(blocking=False)]  # a busy page waits
        try:
            for p in [p for p in held if not self._still_playing(p)]:  # paused meanwhile
                held.remove(p)
                p.lock.release()
            if not held:
                return False
            first = held[0]
            t = first.trainer
            key = class_key(t.config, first.mode, 0, 0) or ("alone", t.config.structure())
            room = [p.cap - p.trainer.step_count for p in held]
            room += [p.per_tick - p.since_seen for p in held if p.per_tick]
            k = min(self.steps_per_slice(key, len(held)), *room)
            every = t.eval_every
            if every:  # end on an evaluation step, where runs of other phases can join in
                to_next = every - t.step_count % every
                if k >= to_next:
                    k = to_next + (k - to_next) // every * every
            with self.turn([p.sid for p in held]):
                start = time.thread_time()
                if first.advance is not None:
                    taken = [first.advance(k)]
                else:
                    taken = run_together([p.trainer for p in held], k, first.mode)
                self._measured(key, len(held), max(taken), time.thread_time() - start)
            for player, steps in zip(held, taken, strict=True):
                player.steps += steps
                player.since_seen += steps
            return True
        finally:
            for player in held:
                player.lock.release()


def _same_play(a: Player, b: Player | None) -> bool:
    return b is not None and a.trainer is b.trainer and a.mode == b.mode


def _answers(alive: Callable[[], bool]) -> bool:
    try:
        return bool(alive())
    except Exception:  # a session manager that fails to answer: the tab is gone
        return False


def _groups(players: list[Player]) -> list[list[Player]]:
    """Players that can share a batch, together; the rest one by one."""
    groups: dict[object, list[Player]] = {}
    for p in players:
        t = p.trainer
        key = None if p.advance else class_key(t.config, p.mode, t.step_count, t.eval_every)
        groups.setdefault(key if key is not None else ("alone", p.sid), []).append(p)
    return list(groups.values())


_SERVER: Scheduler | None = None
_SERVER_LOCK = threading.Lock()


def server(slice_seconds: float = 0.05) -> Scheduler:
    """The process's one scheduler (created on first use)."""
    global _SERVER
    with _SERVER_LOCK:
        if _SERVER is None:
            _SERVER = Scheduler(slice_seconds)
        return _SERVER
