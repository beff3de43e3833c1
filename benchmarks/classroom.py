"""A class on one dashboard server: N students speaking Streamlit's protocol, no browser.

Starts `streamlit run dashboard.py` on a free local port and connects N websocket clients at
once. Each does what a browser tab does: asks for the first run, presses Play, then sends the
fragment's auto-reruns at the interval the server asks for, keeping the browser's ForwardMsg
cache so that the server may send cache references as it would to a browser. It reports each
student's training rate, redraw interval, first render and bytes per redraw, and the server's
CPU and peak memory while the class plays.

- first render: from connect to the end of the first whole-page run that drew the Step metric.
- steps/s: the Step metric gained in the student's own window, Play to Play + seconds.
- redraw: a run that finished and brought a new Step value. A run stopped early by the tab's
  next auto-rerun draws no charts; it is counted apart. Bytes per redraw are all the bytes
  received since the previous redraw.
- server CPU: from the first Play until every student's window has ended.

Unlike a browser, a rerun request carries only the clicked button's state: the server keeps
every other widget's value, so nothing changes but a few bytes upstream.

    python -m benchmarks.classroom --students 30 --seconds 20 [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import signal
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from benchmarks.browser import dashboard_process

STEP_LABEL, PLAY_LABEL = "Step", "Play"
FINISHED = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)


# -- the server --------------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()  # the name before ")" may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


# -- the browser's message cache ---------------------------------------------------------------

class MessageCache:
    """The frontend's ForwardMsg cache. The browser names the cached hashes in every rerun
    request, and the server then sends a big element it already sent as a `ref_hash`."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[bytes, int, str]] = {}  # hash -> (msg, last run, fragment)
        self.runs = 0
        self.hits = 0

    def resolve(self, msg: ForwardMsg, raw: bytes) -> ForwardMsg:
        if msg.WhichOneof("type") == "ref_hash":
            raw_full, _, fragment = self.entries[msg.ref_hash]  # a miss is a protocol error
            self.entries[msg.ref_hash] = (raw_full, self.runs, fragment)
            self.hits += 1
            full = ForwardMsg.FromString(raw_full)
            full.metadata.CopyFrom(msg.metadata)
            return full
        if msg.metadata.cacheable and msg.hash:
            old = self.entries.get(msg.hash)
            self.entries[msg.hash] = (old[0] if old else raw, self.runs, msg.delta.fragment_id)
        return msg

    def run_finished(self, max_age: int, fragment_ids: list[str]) -> None:
        """Ages the entries; a fragment run ages only that fragment's entries."""
        self.runs += 1
        for key, (_, last, fragment) in list(self.entries.items()):
            if fragment_ids and fragment not in fragment_ids:
                continue
            if self.runs - last > max_age:
                del self.entries[key]


# -- a student ---------------------------------------------------------------------------------

def _kind(msg: ForwardMsg) -> str:
    kind = msg.WhichOneof("type") or "none"
    if kind == "delta":
        kind = msg.delta.WhichOneof("type") or "delta"
        if kind == "new_element":
            kind = msg.delta.new_element.WhichOneof("type") or "element"
    return kind


@dataclass
class Student:
    """One tab's protocol session and what it measured; times are time.monotonic()."""

    port: int
    seconds: float
    connected_at: float = 0.0
    first_render: float | None = None  # seconds from connect to a full run with the Step metric
    play_at: float | None = None
    start_step: int = 0
    redraws: list[tuple[float, int, int]] = field(default_factory=list)  # (time, step, bytes)
    kind_bytes: Counter = field(default_factory=Counter)  # bytes by element kind, while playing
    refs: int = 0
    cut_runs: int = 0  # runs stopped early by this tab's next rerun request, while playing
    error: str | None = None
    # protocol state
    ws: ClientConnection | None = None
    cache: MessageCache = field(default_factory=MessageCache)
    max_age: int = 2
    page_hash: str = ""
    query: str = ""
    got_new_session: bool = False
    asked_mid_run: bool = False  # a rerun was requested since this run started
    play: tuple[str, str] | None = None  # the Play button's (widget id, fragment id)
    step: int | None = None  # the newest Step metric value
    run_step: int | None = None  # the Step value this run delivered
    pending_bytes: int = 0  # received since the last redraw
    timers: dict[str, tuple[float, asyncio.Task]] = field(default_factory=dict)
    followed: asyncio.Event = field(default_factory=asyncio.Event)

    async def attend(self, render_by: float, first_play: asyncio.Event) -> None:
        """Connects, waits for the page, presses Play, follows for `seconds`, then keeps
        watching (the class stays) until the benchmark closes the socket."""
        try:
            self.connected_at = time.monotonic()
            self.ws = await connect(f"ws://127.0.0.1:{self.port}/_stcore/stream",
                                    subprotocols=[Subprotocol("streamlit")], compression=None,
                                    max_size=None,
                                    open_timeout=max(1.0, render_by - time.monotonic()))
            await self._rerun()  # the browser asks for the first run as soon as it connects
            await self._listen(lambda: self.first_render is not None and bool(self.play),
                               render_by)
            if self.play is None:
                raise TimeoutError("no first render with the Step metric and a Play button")
            self.play_at, self.start_step = time.monotonic(), self.step or 0
            self.pending_bytes = 0  # the first render's bytes are not a redraw's
            first_play.set()
            trigger = WidgetState(id=self.play[0], trigger_value=True)
            await self._rerun((trigger,), fragment_id=self.play[1])
            await self._listen(lambda: False, self.play_at + self.seconds)
            self.followed.set()
            await self._listen(lambda: False, self.play_at + self.seconds + 600)
        except Exception as exc:  # one student's failure is a figure, not the end of the run
            if not self.followed.is_set():
                self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.followed.set()
            for _, task in self.timers.values():
                task.cancel()

    async def _listen(self, done: Callable[[], bool], deadline: float) -> None:
        """Handles messages until done() or the deadline (a closed socket ends it too)."""
        while not done() and (left := deadline - time.monotonic()) > 0:
            try:
                raw = await asyncio.wait_for(self.ws.recv(), left)
            except TimeoutError:
                return
            self._handle(raw)

    async def _rerun(self, widgets: tuple[WidgetState, ...] = (), fragment_id: str = "",
                     auto: bool = False) -> None:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string, state.page_script_hash = self.query, self.page_hash
        state.widget_states.widgets.extend(widgets)
        state.fragment_id, state.is_auto_rerun = fragment_id, auto
        state.cached_message_hashes.extend(self.cache.entries)
        info = state.context_info
        info.timezone, info.timezone_offset, info.locale = "UTC", 0, "en-US"
        info.url, info.is_embedded = f"http://127.0.0.1:{self.port}/", False
        info.color_scheme = "light"
        self.got_new_session, self.asked_mid_run = False, True
        await self.ws.send(msg.SerializeToString())

    def _handle(self, raw: bytes) -> None:
        now = time.monotonic()
        msg = ForwardMsg.FromString(raw)
        is_ref = msg.WhichOneof("type") == "ref_hash"
        self.refs += is_ref
        msg = self.cache.resolve(msg, raw)
        kind = msg.WhichOneof("type")
        self.pending_bytes += len(raw)
        playing = self.play_at is not None and now <= self.play_at + self.seconds
        if playing:
            self.kind_bytes["ref_hash" if is_ref else _kind(msg)] += len(raw)
        if kind == "new_session":
            self.got_new_session, self.asked_mid_run = True, False
            self.page_hash = msg.new_session.page_script_hash
            self.max_age = msg.new_session.config.max_cached_message_age
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string  # the browser's URL follows it
        elif kind == "auto_rerun":
            self._start_timer(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment_id in msg.stop_auto_rerun.fragment_ids:
                self._stop_timer(fragment_id)
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            which = element.WhichOneof("type")
            if which == "metric" and element.metric.label == STEP_LABEL:
                with contextlib.suppress(ValueError):
                    self.run_step = int(element.metric.body.replace(",", "").strip())
            elif which == "button" and element.button.label == PLAY_LABEL:
                self.play = (element.button.id, msg.delta.fragment_id)
        elif kind == "script_finished" and msg.script_finished in FINISHED:
            self._run_finished(msg, now)
        elif kind == "script_finished" and playing and self.asked_mid_run:
            # Stopped by our own request (the timer fired mid-run), not by the app's st.rerun.
            self.cut_runs += msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN

    def _run_finished(self, msg: ForwardMsg, now: float) -> None:
        fragment_ids = list(msg.metadata.run.fragment_ids)
        if msg.metadata.HasField("run") and self.got_new_session:
            self.cache.run_finished(self.max_age, fragment_ids)
        if self.run_step is None:
            return
        if self.first_render is None and not fragment_ids:
            self.first_render = now - self.connected_at
        if self.play_at is not None and self.run_step != self.step:
            self.redraws.append((now, self.run_step, self.pending_bytes))
            self.pending_bytes = 0
        self.step, self.run_step = self.run_step, None

    def _start_timer(self, fragment_id: str, interval: float) -> None:
        """The browser's setInterval: same interval, same timer; a new one replaces it."""
        if not fragment_id or self.timers.get(fragment_id, (None,))[0] == interval:
            return
        self._stop_timer(fragment_id)
        task = asyncio.create_task(self._tick(fragment_id, interval))
        self.timers[fragment_id] = (interval, task)

    def _stop_timer(self, fragment_id: str) -> None:
        entry = self.timers.pop(fragment_id, None)
        if entry:
            entry[1].cancel()

    async def _tick(self, fragment_id: str, interval: float) -> None:
        # Fixed rate, as setInterval: a slow server does not stretch the browser's clock.
        next_at = time.monotonic() + interval
        with contextlib.suppress(Exception):
            while True:
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                next_at = max(next_at + interval, time.monotonic())
                await self._rerun(fragment_id=fragment_id, auto=True)


# -- the class ---------------------------------------------------------------------------------

async def run_class(port: int, pid: int, students: int, seconds: float,
                    render_timeout: float, query: str = "", teacher: bool = False) -> dict:
    """Connects the class at once (each student opening the link's `query`), lets it play,
    and returns the figures. With `teacher`, one more tab opens the link and draws it before
    the class connects, as a teacher projecting a lesson step does."""
    if teacher:  # renders, presses Play and stops at once: its run stays the step's
        first = Student(port, 0.01, query=query)
        task = asyncio.create_task(first.attend(time.monotonic() + render_timeout,
                                                asyncio.Event()))
        await asyncio.wait_for(first.followed.wait(), render_timeout + 10)
        if first.ws is not None:
            await first.ws.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    first_play = asyncio.Event()
    render_by = time.monotonic() + render_timeout
    class_ = [Student(port, seconds, query=query) for _ in range(students)]
    tasks = [asyncio.create_task(s.attend(render_by, first_play)) for s in class_]
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(first_play.wait(), render_timeout)
        cpu0, wall0, client0 = cpu_seconds(pid), time.monotonic(), time.process_time()
        # The CPU window ends when every student's own window has: all of them still play.
        end = time.monotonic() + render_timeout + seconds + 30
        while not all(s.followed.is_set() for s in class_) and time.monotonic() < end:
            await asyncio.sleep(0.1)
        cpu1, wall1, client1 = cpu_seconds(pid), time.monotonic(), time.process_time()
        closing = [s.ws.close() for s in class_ if s.ws is not None]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*closing, return_exceptions=True), 10)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    wall = max(wall1 - wall0, 1e-9)
    return summarize(class_, seconds, 100 * (cpu1 - cpu0) / wall,
                     100 * (client1 - client0) / wall, peak_rss_mb(pid))


def _pct(values: list[float], q: float) -> float | None:
    """The q-quantile by nearest rank; None for no values (JSON has no NaN)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def summarize(class_: list[Student], seconds: float, server_cpu: float, client_cpu: float,
              rss_mb: float) -> dict:
    """The figures of one run, as plain JSON values."""
    per_student, gaps, sizes, kinds = [], [], [], Counter()
    for s in class_:
        end = (s.play_at or 0.0) + seconds
        shown = [r for r in s.redraws if r[0] <= end]
        steps = (shown[-1][1] - s.start_step) if shown else 0
        gaps += [b[0] - a[0] for a, b in zip(shown, shown[1:])]
        sizes += [r[2] for r in shown]
        kinds.update(s.kind_bytes)
        per_student.append({"steps": steps, "steps_per_s": round(steps / seconds, 1),
                            "redraws": len(shown), "first_render_s": _round(s.first_render),
                            "runs_cut_short": s.cut_runs, "cache_refs": s.refs,
                            "error": s.error})
    rates = [p["steps_per_s"] for p in per_student]
    renders = [p["first_render_s"] for p in per_student if p["first_render_s"] is not None]
    total = sum(kinds.values()) or 1
    return {
        "students": len(class_), "seconds": seconds,
        "steps_per_s": {"min": min(rates), "median": statistics.median(rates),
                        "max": max(rates)},
        "zero_step_students": sum(p["steps"] <= 0 for p in per_student),
        "redraw_interval_s": {"median": _round(_pct(gaps, 0.5)), "p90": _round(_pct(gaps, 0.9))},
        "first_render_s": {"median": _round(_pct(renders, 0.5)),
                           "max": _round(max(renders, default=None))},
        "server_cpu_pct": round(server_cpu, 1), "server_max_rss_mb": round(rss_mb, 1),
        "client_cpu_pct": round(client_cpu, 1),
        "bytes_per_redraw": {"median": _pct(sizes, 0.5)},
        "bytes_share": {k: round(v / total, 3) for k, v in kinds.most_common(6)},
        "runs_cut_short": sum(s.cut_runs for s in class_),
        "cache_refs": sum(s.refs for s in class_),
        "errors": sum(s.error is not None for s in class_),
        "per_student": per_student,
    }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _s(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds:.2f} s"


def report(r: dict) -> str:
    """The figures as a few lines of text."""
    sps, gap, fr = r["steps_per_s"], r["redraw_interval_s"], r["first_render_s"]
    share = ", ".join(f"{k} {v:.0%}" for k, v in r["bytes_share"].items())
    return "\n".join([
        f"{r['students']} students, {r['seconds']:g} s of Play each",
        f"  steps/s per student: min {sps['min']:.0f}, median {sps['median']:.0f}, "
        f"max {sps['max']:.0f}; {r['zero_step_students']} got 0 steps, {r['errors']} errors",
        f"  redraw interval: median {_s(gap['median'])}, p90 {_s(gap['p90'])}",
        f"  first render: median {_s(fr['median'])}, max {_s(fr['max'])}",
        f"  server: {r['server_cpu_pct']:.0f} % of one core, max RSS "
        f"{r['server_max_rss_mb']:.0f} MB (this client: {r['client_cpu_pct']:.0f} %)",
        f"  bytes per redraw: median {r['bytes_per_redraw']['median']}; {share}; "
        f"{r['cache_refs']} cache references",
        f"  runs cut short by the tab's next auto-rerun: {r['runs_cut_short']} "
        f"(redraws: {sum(p['redraws'] for p in r['per_student'])})",
    ])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--render-timeout", type=float, default=None,
                        help="seconds the class may wait for its first render "
                             "(default 60 + 2 per student)")
    parser.add_argument("--query", default="",
                        help="the link's query every student opens, e.g. lesson=packing:2")
    parser.add_argument("--teacher", action="store_true",
                        help="one tab opens the link before the class (a projected step)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.students < 1 or args.seconds <= 0:
        parser.error("--students and --seconds must be positive")
    render_timeout = args.render_timeout or 60.0 + 2.0 * args.students
    # A TERM (a CI timeout) unwinds like Ctrl-C, so the server is stopped either way.
    old_handler = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        with dashboard_process() as (port, pid):
            result = asyncio.run(run_class(port, pid, args.students, args.seconds,
                                           render_timeout, args.query, args.teacher))
    finally:
        signal.signal(signal.SIGTERM, old_handler)
    print(json.dumps(result, allow_nan=False) if args.json else report(result), flush=True)
    return result


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)  # the server is stopped by then; a Ctrl-C needs no traceback
