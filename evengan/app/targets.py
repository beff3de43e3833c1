"""The run's target on the page: the picker in the sidebar, bars clicked on the distribution
chart, and what a one-layer G can reach for it (evengan.target, evengan.reach)."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from functools import lru_cache

import numpy as np
import streamlit as st

from .. import plots, reach
from .. import target as targets
from ..config import GANConfig
from ..plots.targets import reach_figure
from ..trainer import Trainer
from ..turnstile import Cancelled, answers
from .charts import CHART_CONFIG, chart
from .state import bound_t, exact, num, refusal, scheduler, session_alive, t
from .text import plain

# Measurements kept for the whole server, by the settings they train (a few kB each): a
# class that looks at the same target measures it once.
_MEASURED: OrderedDict[str, dict] = OrderedDict()
_KEEP = 64
# Settings being measured now, and the event their measurer sets when it ends.
_CLAIMS: dict[str, threading.Event] = {}
_MUTEX = threading.Lock()


def name(spec: str, tr=t) -> str:
    """The target in the page's words: "multiples of 3", "primes", "your set: 1,5,9"; `tr`
    translates (a widget's format_func takes one bound to the language it was drawn in)."""
    kind, args = targets.parse(spec)
    if kind == "multiples":
        return tr("tgt_multiples", k=args[0])
    if kind == "range":
        return tr("tgt_range", a=args[0], b=args[1])
    if kind == "set":  # a long set is shortened: the page names it, the link carries it
        text = targets.canonical(spec)[4:]
        return tr("tgt_set", spec=text if len(text) <= 40 else text[:37] + "…")
    return tr("tgt_" + kind)


def member(config: GANConfig, ints) -> list[bool]:
    """Whether each number is in the run's target."""
    w = targets.weights(config.target, config.upper)
    return [0 <= v < len(w) and bool(w[v]) for v in ints]


def _typed() -> None:
    ss = st.session_state
    text = ss.get("w_target_text", "").strip()
    if not text:
        return
    try:  # checked against the sidebar's bound too: a target it empties is not taken
        spec = targets.canonical(text)
        targets.check_fits(spec, ss.get("w_max_int") or 2 ** int(ss.get("w_n_bits", 7)))
        ss.w_target = spec
        ss.w_target_text = ""
    except ValueError as exc:  # the text stays in the box, to be mended
        ss.notices.append(("warning", t("target_bad", error=plain(exc))))


def picker() -> None:
    """The sidebar's target: a list of common ones (and the current one), and a box to type
    any; the config takes it from w_target like every other setting."""
    ss = st.session_state
    options = list(targets.CHOICES)
    if ss.w_target not in options:
        options.append(ss.w_target)
    tr = bound_t()
    st.selectbox(t("f_target"), options, key="w_target", format_func=lambda s: name(s, tr),
                 help=t("target_help"))
    st.text_input(t("target_type"), key="w_target_text", on_change=_typed,
                  placeholder="set:1,5,9", max_chars=targets.MAX_LENGTH)


def distribution_chart(trainer: Trainer, ev: dict) -> None:
    """G's distribution over the target; a click on a bar (shift-click for several) takes its
    numbers out of the target when all are in it, or puts them in. (Streamlit selects points
    on a click when the chart's drag mode is its own, pan: a figure set to box-select would
    take clicks as events only.)"""
    ss = st.session_state
    cfg = trainer.config
    key = f"chart_distribution_{ss.get('pick_round', 0)}"  # a new key clears the selection
    fig = plots.distribution_figure(
        ev["distribution"], targets.distribution(cfg.target, cfg.upper, 2**cfg.n_bits),
        {"title": t(exact("dist_title", cfg)), "q": t("q"), "target": t("target"),
         "x": t("integer")}, clickable=True,
        inside=np.arange(2**cfg.n_bits) % 2 == 0 if cfg.is_even else None)
    chart(fig, key=key, on_select=lambda: _picked(key), selection_mode="points")
    st.caption(t(exact("c_distribution", cfg)))


def clicked_numbers(points) -> list[int]:
    """The integers a chart selection names. The browser sends it, so anything but a list of
    points whose x is a whole, finite number is dropped, not trusted."""
    if not isinstance(points, list):
        return []
    xs = [p.get("x") for p in points if isinstance(p, dict)]
    return [int(x) for x in xs if isinstance(x, int | float) and not isinstance(x, bool)
            and math.isfinite(x) and x == int(x)]


def _picked(key: str) -> None:
    ss = st.session_state
    state = ss.get(key) or {}
    numbers = clicked_numbers((state.get("selection") or {}).get("points"))
    ss.pick_round = ss.get("pick_round", 0) + 1
    if not numbers:
        return
    trainer: Trainer = ss.trainer
    try:
        config = trainer.config.replace(
            target=targets.toggled(trainer.config.target, numbers, trainer.config.upper))
    except ValueError as exc:
        ss.notices.append(("warning", t("target_bad", error=plain(exc))))
    else:
        with ss.lock:  # the class thread may be training this run
            trainer.update_config(config)
        ss.w_target = config.target
    ss.page_rerun = True  # the sidebar and the notices show it


@lru_cache(maxsize=64)
def _frontier(spec: str, upper: int, n: int) -> tuple[tuple[float, float], ...] | None:
    return tuple(reach.frontier(spec, upper, n)) if n <= reach.MAX_EXACT_BITS else None


def _key(config: GANConfig) -> str:
    return reach.measure_config(config).to_json()


def reach_panel(trainer: Trainer, ev: dict) -> None:
    """The exact frontier of independent bits, the measured seeds once asked for, and this
    run as a star, in one chart."""
    cfg = trainer.config
    # Open by itself for a target of one's own. Keyed, so that it says whether it is open: a
    # closed one draws nothing at the redraws of a playing run. (The key follows the kind of
    # target, so that picking one's own opens it.)
    box = st.expander(t("reach_title"), expanded=not cfg.is_even, on_change="rerun",
                      key=f"x_reach_{'even' if cfg.is_even else 'own'}")
    with box:
        if not box.open:
            return
        st.caption(t("reach_intro"))
        points = _frontier(cfg.target, cfg.upper, cfg.n_bits)
        size = cfg.target_size
        if points is None:
            st.caption(t("reach_no_exact", bits=reach.MAX_EXACT_BITS))
        else:
            st.markdown(t("reach_exact", k=round(reach.clean_best(points) * size), size=size))
        with _MUTEX:
            measured = _MEASURED.get(_key(cfg))
        if measured is None:
            st.button(t("reach_measure", seeds=reach.SEEDS), key="btn_reach",
                      icon=":material/science:", on_click=_ask)
        else:
            s = reach.summary(measured)
            words = "reach_measured" if s["clean_seeds"] else "reach_measured_none"
            st.markdown(t(words, seeds=measured["seeds"], steps=num(
                measured["steps"], ","), best=num(s["best"], ".2f"), clean=s["clean_seeds"],
                best_clean=num(s["best_clean"], ".2f"), ratio=num(s["median_ratio"], ".2f"),
                units=reach.MEASURE["d_hidden"], bar=num(reach.CLEAN, ".2f")))
        chart(reach_figure(points, measured, (ev["coverage"], ev["target_ratio"]), {
            "title": t("reach_chart"), "frontier": t("reach_frontier"),
            "seeds": t("reach_seeds"), "run": t("reach_run"), "x": t("reach_x"),
            "y": t("reach_y")}), key="chart_reach", config=CHART_CONFIG)
        st.caption(t("c_reach"))


def _ask() -> None:
    st.session_state.pending_reach = True
    st.session_state.page_rerun = True


def measure_pending(trainer: Trainer) -> None:
    """The measurement a click asked for, in this run of the whole page, with a progress bar
    and a Stop (any click reruns the page and ends it at its next slice). A tab that finds
    another measuring the same settings waits for its result instead."""
    ss = st.session_state
    if not ss.pop("pending_reach", False):
        return
    config, key = trainer.config, _key(trainer.config)
    st.toast(t("reach_toast"), icon=":material/science:")  # the bar is at the top
    holder = st.empty()
    with holder.container():
        bar = st.progress(0.0, text=t("reach_running", seeds=reach.SEEDS,
                                      steps=num(reach.STEPS, ",")))
        st.button(t("reach_stop"), key="btn_reach_stop", icon=":material/stop:")
    while True:
        with _MUTEX:
            if key in _MEASURED:
                break
            waiting = _CLAIMS.get(key)
            if waiting is None:
                done = _CLAIMS[key] = threading.Event()
        if waiting is None:
            try:
                _measure(config, key, bar)
            finally:
                with _MUTEX:
                    _CLAIMS.pop(key, None)
                done.set()
            break
        bar.progress(0.0, text=t("reach_waiting"))
        while not waiting.wait(0.25):
            bar.progress(0.0, text=t("reach_waiting"))  # a redraw: a Stop ends the wait here
    holder.empty()


def _measure(config: GANConfig, key: str, bar) -> None:
    ss = st.session_state
    full = refusal(reach.measure_config(config), reach.SEEDS, kind="reach")
    if full:  # the notices of this page run are already drawn: say it here
        st.warning(t("bad_config", error=plain(full)))
        return
    uid, alive = ss.uid, session_alive()
    gate = scheduler().gate(uid, stop=lambda: not answers(alive))
    last = [0.0]

    def progress(done: int, total: int) -> None:
        gate()  # a slice of the server's time at a time
        now = time.perf_counter()
        if now - last[0] > 0.1:  # a redraw lets a click stop the work here
            last[0] = now
            bar.progress(min(done / max(total, 1), 1.0), text=t(
                "reach_running", seeds=reach.SEEDS, steps=num(reach.STEPS, ",")))

    try:
        result = reach.measure(config, progress=progress)
    except Cancelled:
        return
    finally:
        gate.close()
        scheduler().release(uid, "reach")
    with _MUTEX:
        _MEASURED[key] = result
        while len(_MEASURED) > _KEEP:
            _MEASURED.popitem(last=False)
