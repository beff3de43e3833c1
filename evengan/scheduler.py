"""One scheduler for all the training a server does, so no session can starve the others.

Every piece of training (Play, Step, Run N, a link's replay, an ensemble, a sweep) runs in
the turns of evengan.turnstile: slices of about `slice_seconds` of work, one at a time, the
next to the session that has used the least CPU, so thirty students each get a thirtieth of
the server however hard one of them pushes. Between slices the work looks at its clock and at
whether its tab is still there.

Play does not run in the students' script threads at all: one class thread trains every
playing run, and runs that share a batch key train together in one batched call
(evengan.lockstep), bit-identical to training alone. The pages only draw.

No Streamlit here: the app hands in callables (is the tab alive) and the session's lock.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from . import budget
from .config import GANConfig
from .lockstep import class_key, run_together
from .trainer import Trainer
from .turnstile import Cancelled, Turnstile, answers

__all__ = ["Cancelled", "Player", "Scheduler", "Turnstile", "kind", "server"]

_LOG = logging.getLogger("evengan.scheduler")


def kind(config: GANConfig, mode: str, beside: int = 0) -> tuple:
    """What a step of this work is, for the slice sizes learnt from measured steps: the batch
    key, the mode, and how many ensemble runs train beside the main one."""
    return (config.batch_key(), mode, beside)


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
    # Steps between two redraws of the page at most (0: as many as the turns allow).
    per_tick: int = 0
    # How many ensemble runs advance() trains beside the main one (for the slice sizes).
    beside: int = 0
    seen: float = field(default_factory=time.monotonic)
    since_seen: int = 0

    def __post_init__(self) -> None:
        self.engine = self.trainer.engine  # a reset makes a new one: that play is over


class Scheduler(Turnstile):
    """The turnstile, plus Play: a class thread that trains every playing session."""

    def __init__(self, slice_seconds: float = 0.05, idle_seconds: float = 15.0):
        super().__init__(slice_seconds)
        # A player whose page has not drawn for this long has lost its tab.
        self.idle_seconds = idle_seconds
        self._players: dict[str, Player] = {}
        self._errors: dict[str, str] = {}
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closing = False

    def play(self, player: Player) -> None:
        """Starts (or refreshes, at each redraw) a session's Play in the class thread."""
        with self._mutex:
            self._closing = False
            self._players[player.sid] = player
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._class_loop, name="evengan-class",
                                                daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self, sid: str) -> None:
        """Ends a session's Play; returns once a slice in flight has finished, so the run
        stands still from then on. For script threads: the class thread uses _drop()."""
        with self._mutex:
            player = self._players.pop(sid, None)
        if player is not None:
            with player.lock:
                pass

    def seen(self, sid: str) -> None:
        """The session's page drew: its tab is there, and it may train per_tick more steps."""
        player = self._players.get(sid)
        if player is not None:
            player.seen = time.monotonic()
            player.since_seen = 0
            self._wake.set()

    def is_playing(self, sid: str) -> bool:
        return sid in self._players

    def playing(self) -> int:
        return len(self._players)

    def pop_error(self, sid: str) -> str | None:
        """Why the class thread stopped this session's Play, once, if it failed."""
        with self._mutex:
            return self._errors.pop(sid, None)

    def close(self) -> None:
        """Stops Play for everyone and waits for the class thread to end (at exit: torch must
        not be mid-step while the interpreter tears down)."""
        self._closing = True
        with self._mutex:
            self._players.clear()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _drop(self, player: Player, error: str | None = None) -> None:
        """Unregisters this very play (not one the page has since registered again), without
        waiting for any lock: the class thread must never block on a page."""
        with self._mutex:
            if self._players.get(player.sid) is player:
                del self._players[player.sid]
            if error:
                self._errors[player.sid] = error

    def _live_players(self) -> list[Player]:
        now, out = time.monotonic(), []
        for player in list(self._players.values()):
            t = player.trainer
            if (now - player.seen > self.idle_seconds or t.diverged or t.engine is not
                    player.engine or t.step_count >= player.cap or not answers(player.alive)):
                self._drop(player)
            elif not player.per_tick or player.since_seen < player.per_tick:
                out.append(player)
        return out

    def _class_loop(self) -> None:
        while not self._closing:
            players = self._live_players()
            if not players:  # nobody, or everyone waits for a redraw
                self._wake.clear()
                self._wake.wait(1.0 if not self._players else 0.02)
                continue
            trained = False
            for group in self._groups(players):
                if self._closing:
                    return
                try:
                    trained |= self._train_group(group)
                except Exception as exc:  # one broken run must not stop the class
                    _LOG.exception("training a group failed")
                    for player in group:
                        self._drop(player, f"training stopped: {exc}")
            if not trained:  # every page is drawing: let them, rather than spin on the GIL
                self._wake.clear()
                self._wake.wait(0.005)

    def _groups(self, players: list[Player]) -> list[tuple[tuple | None, list[Player]]]:
        """(key, players) that can share a batch, at most a slice's worth of runs each; runs
        that train alone (an ensemble beside them, or the autograd path) one by one."""
        groups: dict[object, list[Player]] = {}
        for p in players:
            t = p.trainer
            key = None if p.advance else class_key(t.config, p.mode, t.step_count, t.eval_every)
            groups.setdefault(key if key is not None else ("alone", p.sid), []).append(p)
        out = []
        for key, members in groups.items():
            one = budget.estimate_step_seconds(members[0].trainer.config)
            size = max(1, int(self.slice_seconds / one))
            shared = key if key[0] != "alone" else None
            out += [(shared, members[i : i + size]) for i in range(0, len(members), size)]
        return out

    def _train_group(self, keyed: tuple[tuple | None, list[Player]]) -> bool:
        """One slice of training for players that train together (or one that trains alone);
        returns whether it trained."""
        key, group = keyed
        held = [p for p in group if p.lock.acquire(blocking=False)]  # a busy page waits
        try:
            for p in [p for p in held if not self._still_playing(p, key)]:
                held.remove(p)
                p.lock.release()
            if not held:
                return False
            first = held[0]
            t = first.trainer
            work = kind(t.config, first.mode, first.beside)
            room = [p.cap - p.trainer.step_count for p in held]
            room += [p.per_tick - p.since_seen for p in held if p.per_tick]
            k = min(self.steps_per_slice(work, len(held)), *room)
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
                self._measured(work, len(held), max(taken), time.thread_time() - start)
            for player, steps in zip(held, taken, strict=True):
                player.since_seen += steps
            return True
        finally:
            for player in held:
                player.lock.release()

    def _still_playing(self, player: Player, key: tuple | None) -> bool:
        """Checked with the session's lock held: the play is still asked for (stop() takes
        that lock after it unregisters, so a Pause is never followed by a step), its run was
        not reset, and it still fits its group (no Step or config change in between)."""
        current = self._players.get(player.sid)
        t = player.trainer
        if (current is None or current.trainer is not t or current.mode != player.mode
                or t.engine is not player.engine):
            return False
        return key is None or key == class_key(t.config, player.mode, t.step_count,
                                               t.eval_every)


_SERVER: Scheduler | None = None
_SERVER_LOCK = threading.Lock()


def server(slice_seconds: float = 0.05) -> Scheduler:
    """The process's one scheduler (created on first use, closed at exit)."""
    global _SERVER
    with _SERVER_LOCK:
        if _SERVER is None:
            _SERVER = Scheduler(slice_seconds)
            atexit.register(_SERVER.close)
        return _SERVER
