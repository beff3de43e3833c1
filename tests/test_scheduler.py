"""The server's scheduler: fair turns, Play in one batched class thread, tabs that go away.

Threads make timing part of some of these tests; each waits with a generous deadline for what
must happen, and asserts latencies an order of magnitude above what they measure here.
"""

import threading
import time

import pytest

from evengan import GANConfig, budget
from evengan.scheduler import Player, Scheduler
from evengan.trainer import Trainer


def until(condition, seconds: float = 30.0) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


@pytest.fixture
def sched():
    s = Scheduler(slice_seconds=0.05, idle_seconds=60)
    yield s
    s.close()


def _player(sid, trainer, **kw):
    return Player(sid, trainer, "both", threading.RLock(), **kw)


def test_play_trains_a_class_in_one_batch_bit_identical_to_alone(sched):
    runs = [Trainer(GANConfig(seed=s)) for s in range(6)]
    players = [_player(f"s{i}", t) for i, t in enumerate(runs)]
    for p in players:
        sched.play(p)
    until(lambda: min(t.step_count for t in runs) >= 300)
    for p in players:
        sched.stop(p.sid)  # returns once a slice in flight is done: the runs stand still
    steps = [t.step_count for t in runs]
    time.sleep(0.2)
    assert [t.step_count for t in runs] == steps
    for t in runs:  # each, replayed alone to the same step, has the very same weights
        alone = Trainer(t.config)
        alone.run(t.step_count)
        assert (alone.engine.g == t.engine.g).all() and (alone.engine.d == t.engine.d).all()
        assert (alone.history.array() == t.history.array()).all()


def test_a_closed_tab_stops_its_play(sched):
    t = Trainer()
    open_ = {"yes": True}
    sched.play(_player("gone", t, alive=lambda: open_["yes"]))
    until(lambda: t.step_count > 0)
    open_["yes"] = False
    until(lambda: not sched.is_playing("gone"))
    stopped = t.step_count
    time.sleep(0.3)
    assert t.step_count == stopped


def test_a_page_that_stops_drawing_stops_playing():
    sched = Scheduler(idle_seconds=0.3)
    t = Trainer()
    sched.play(_player("quiet", t))
    until(lambda: not sched.is_playing("quiet"), seconds=10)


def test_steps_per_tick_caps_training_between_redraws(sched):
    t = Trainer()
    p = _player("slow", t, per_tick=10)
    sched.play(p)
    until(lambda: t.step_count == 10)
    time.sleep(0.3)
    assert t.step_count == 10  # no redraw, no more steps
    sched.seen("slow")
    until(lambda: t.step_count == 20)


def test_a_step_answers_fast_while_another_session_does_the_heaviest_allowed_work(sched):
    # The heaviest config the class server allows: about as slow a step as the budget lets.
    heavy = GANConfig(n_bits=12, batch_size=1024, d_hidden=128, g_hidden=64)
    assert budget.refusal(heavy, max_step_seconds=0.05) is None
    big = Trainer(heavy)
    hog = threading.Thread(target=sched.train, args=("hog", ("heavy",), big.run, 10_000),
                           kwargs={"stop": lambda: done.is_set()}, daemon=True)
    done = threading.Event()
    hog.start()
    until(lambda: big.step_count > 3)
    small = Trainer()
    waits = []
    for _ in range(5):
        start = time.perf_counter()
        sched.train("student", ("tutorial",), small.run, 1)
        waits.append(time.perf_counter() - start)
    done.set()
    hog.join(30)
    assert small.step_count == 5
    assert max(waits) < 0.5, waits


def test_turns_alternate_between_a_hog_and_a_light_session(sched):
    stop, hog_turns = threading.Event(), []

    def busy(seconds: float) -> None:
        end = time.thread_time() + seconds
        while time.thread_time() < end:
            pass

    def hog() -> None:
        while not stop.is_set():
            with sched.turn(["hog"]):
                hog_turns.append(time.perf_counter())
                busy(0.03)

    thread = threading.Thread(target=hog, daemon=True)
    thread.start()
    until(lambda: len(hog_turns) > 3)
    waits = []
    for _ in range(10):
        asked = time.perf_counter()
        with sched.turn(["light"]):
            waits.append(time.perf_counter() - asked)
            busy(0.01)
    stop.set()
    thread.join(10)
    # The light session waits at most for the hog's turn in flight, never behind a queue of
    # them; and the hog still gets turns in between.
    assert max(waits) < 0.25, waits
    assert len(hog_turns) > 8


def test_train_runs_in_slices_and_reports_progress(sched):
    t = Trainer()
    seen = []
    assert sched.train("a", ("k",), t.run, 400, progress=seen.append) == 400
    assert seen[-1] == 400 and len(seen) > 1 and seen == sorted(seen)
    assert sched.train("a", ("k",), t.run, 400, stop=lambda: True) == 0


def test_the_server_memory_book_refuses_past_its_limit(sched):
    alive = {"a": True}
    assert sched.reserve("a", 600, 1000, lambda: alive["a"]) is None
    assert sched.reserve("b", 300, 1000, lambda: True) is None
    assert "server is full" in sched.reserve("c", 200, 1000, lambda: True)
    assert sched.reserve("a", 500, 1000, lambda: alive["a"]) is None  # rebooks its own
    alive["a"] = False  # the first tab closes: its booking goes
    assert sched.reserve("c", 600, 1000, lambda: True) is None
    assert sched.reserve("d", 200, 1000, lambda: True, kind="sweep") is not None
    sched.release("c")  # a finished piece of work gives its memory back
    assert sched.reserve("d", 200, 1000, lambda: True, kind="sweep") is None
    assert sched.reserve("d", 300, 1000, lambda: True, kind="branches") is None
    assert sched.reserve("e", 600, 1000, lambda: True) is not None
    sched.release("d", None)  # a session that ends gives back every kind it booked
    assert sched.reserve("e", 600, 1000, lambda: True) is None
