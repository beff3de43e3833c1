"""The page: sidebar, buttons, and the live fragment that trains and redraws."""

from __future__ import annotations

import time

import streamlit as st

from ..trainer import Trainer
from . import controls, ensemble, lab, panels, share, sweep_page
from .state import (
    MAX_TICK_SECONDS,
    SESSION_STEP_CAP,
    SLICE_SECONDS,
    drop_player,
    init_session,
    note_playing,
    playing_sessions,
    sync_query,
    t,
    tick_seconds,
)

_CHUNK = 25  # steps between clock checks inside a tick


def train_slice(trainer: Trainer, max_steps: int, seconds: float = SLICE_SECONDS,
                mode: str = "both", wall_limit: float = MAX_TICK_SECONDS) -> int:
    """Trains up to max_steps for `seconds` of this thread's CPU time; returns steps taken.

    CPU time rather than wall time: when several sessions share the cores each still gets the
    same training per tick, and a tick just takes longer. wall_limit bounds it regardless.
    """
    cpu0, wall0, done = time.thread_time(), time.perf_counter(), 0
    room = max(0, SESSION_STEP_CAP - trainer.step_count)
    max_steps = min(max_steps, room)
    while (done < max_steps and time.thread_time() - cpu0 < seconds
           and time.perf_counter() - wall0 < wall_limit):
        taken = ensemble.advance(trainer, min(_CHUNK, max_steps - done), mode)
        done += taken
        if taken == 0:
            break
    return done


def run_with_progress(trainer: Trainer, n: int, mode: str = "both") -> None:
    n = min(n, max(0, SESSION_STEP_CAP - trainer.step_count))
    bar = st.progress(0.0, text=t("running", done=0, total=n))
    done, chunk = 0, max(1, n // 50)
    while done < n:
        taken = ensemble.advance(trainer, min(chunk, n - done), mode)
        done += taken
        bar.progress(done / n, text=t("running", done=f"{done:,}", total=f"{n:,}"))
        if taken == 0:
            break
    bar.empty()


def do_action(trainer: Trainer, action: str | None, n: int, mode: str | None = "both") -> None:
    if action == "step":
        ensemble.advance(trainer, 1)
    elif action == "step_d":
        ensemble.advance(trainer, 1, "d")
    elif action == "step_g":
        ensemble.advance(trainer, 1, "g")
    elif action == "run_n" and mode is not None:
        run_with_progress(trainer, n, mode)
    elif action == "reset":
        ensemble.reset(trainer)
        st.session_state.playing = False
    elif action in ("play", "pause"):
        st.session_state.playing = action == "play"
        if action == "pause":
            drop_player(st.session_state.uid)
        st.rerun(scope="app")  # the fragment's timer is set by a run of the whole page


def render() -> None:
    """The app: a Train page (the default, at the root URL) and a Sweep page."""
    presenting = "all" in str(st.query_params.get("hide", "")).split(",")
    st.set_page_config(page_title="evengan", page_icon=":material/exposure_plus_2:",
                       layout="wide",
                       initial_sidebar_state="collapsed" if presenting else "auto")
    init_session()
    # A playing page is always "running": its spinning status icon and the fading of stale
    # charts would have every open tab redraw at full frame rate, for nothing.
    st.html("<style>[data-testid='stStatusWidget']{visibility:hidden}"
            ".stale-element,[data-stale='true']{opacity:1 !important;"
            "transition:none !important}</style>")
    pages = [st.Page(train_page, title=t("page_train"), icon=":material/play_circle:",
                     url_path="train", default=True),
             st.Page(sweep_page.render, title=t("page_sweep"), icon=":material/grid_on:",
                     url_path="sweep")]
    st.navigation(pages).run()


def train_page() -> None:
    ss = st.session_state
    prefs = controls.sidebar()
    controls.apply_sidebar()
    trainer: Trainer = ss.trainer
    sync_query(trainer.config)

    st.title(t("title"))
    st.caption(t("intro"))
    with st.expander(t("teach_title")):
        st.markdown(t("teach_body"))
    for kind, message in ss.notices:
        getattr(st, kind)(message)
    ss.notices = []
    if ss.get("target_step"):
        run_with_progress(trainer, ss.target_step - trainer.step_count)
        ss.target_step = 0
    ensemble.sync(trainer)
    if "share" not in ss.get("hidden", set()):
        with st.sidebar:  # after any training a link asked for, so the link has its step
            share.panel(trainer)

    live(prefs)


def live(prefs: controls.ViewPrefs) -> None:
    ss = st.session_state

    ss._timer_on = ss.playing
    if ss.playing:
        ss.tick = tick_seconds(playing_sessions(include=ss.uid))
    else:
        drop_player(ss.uid)

    @st.fragment(run_every=ss.tick if ss.playing else None)
    def _tick() -> None:
        trainer: Trainer = ss.trainer
        action, n = controls.buttons()
        do_action(trainer, action, n, prefs.mode)
        if ss.playing and action is None and prefs.mode is not None:
            note_playing(ss.uid, ss.tick)
            train_slice(trainer, prefs.steps_per_tick, mode=prefs.mode,
                        wall_limit=0.9 * ss.tick)
            if trainer.diverged or trainer.step_count >= SESSION_STEP_CAP:
                ss.playing = False
        if trainer.diverged:
            st.error(t("diverged", message=trainer.diverged))
        if trainer.step_count >= SESSION_STEP_CAP:
            st.info(t("cap_reached", cap=SESSION_STEP_CAP))
        ev = trainer.record_eval()
        panels.metrics_row(trainer, ev)
        st.caption(panels.space_note(trainer, ev))
        if prefs.mode is None:
            st.info(t("frozen_both"))
        lab.collapse_notice(trainer)
        panels.charts(trainer, ev, prefs.smoothing)
        ensemble.panel()
        st.divider()
        lab.render_view(trainer, lab.view_picker(), prefs.mode, ev)
        if ss.get("_timer_on") and not ss.playing:
            st.rerun(scope="app")  # training stopped itself: a whole-page run stops the timer
        if ss.playing and abs(tick_seconds(playing_sessions()) - ss.tick) > 0.3 * ss.tick:
            st.rerun(scope="app")  # more or fewer sessions play now: set a new tick

    _tick()
