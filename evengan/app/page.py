"""The page: sidebar, buttons, and the live fragment that trains and redraws."""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from .. import recipe as recipes
from ..scheduler import Player, kind
from ..trainer import Trainer
from . import branches, controls, ensemble, lab, lessons, panels, share, sweep_page, targets
from .state import (
    SESSION_STEP_CAP,
    exact,
    init_session,
    num,
    scheduler,
    session_alive,
    sync_query,
    t,
    tick_seconds,
)
from .text import plain

ICON = Path(__file__).with_name("icon.png")  # four bits, the last 0: an even number


def train(trainer: Trainer, n: int, mode: str = "both", progress=None) -> int:
    """Trains this session's run (and its ensemble) n steps through the server's scheduler,
    in fair slices; returns the steps taken."""
    ss = st.session_state
    n = min(n, max(0, SESSION_STEP_CAP - trainer.step_count))
    if n <= 0:
        return 0
    ens = ensemble.current()
    with ss.lock:
        return scheduler().train(ss.uid, kind(trainer.config, mode, ens.k if ens else 0),
                                 lambda k: ensemble.advance(trainer, ens, k, mode), n, progress)


def run_with_progress(trainer: Trainer, n: int, mode: str = "both") -> None:
    """Run N (or a link's replay) with a progress bar and a Cancel button; any click on the
    page, Cancel included, reruns the script, which ends this work at its next slice."""
    n = min(n, max(0, SESSION_STEP_CAP - trainer.step_count))
    if n <= 0:
        return
    holder = st.empty()
    with holder.container():
        bar = st.progress(0.0, text=t("running", done=0, total=num(n, ",")))
        st.button(t("cancel"), key="btn_cancel", icon=":material/cancel:")
    last = [0.0]

    def progress(done: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 0.1 or done >= n:  # a few redraws a second are plenty
            last[0] = now
            bar.progress(done / n, text=t("running", done=num(done, ","), total=num(n, ",")))

    train(trainer, n, mode, progress)
    holder.empty()


def replay_with_progress(trainer: Trainer, log: list[dict]) -> None:
    """A link's recipe, replayed into the page's run through the scheduler, with a progress
    bar and a Cancel; stopped partway, the run holds a prefix of it and its link says so."""
    ss = st.session_state
    total = recipes.steps(log)
    holder = st.empty()
    with holder.container():
        bar = st.progress(0.0, text=t("replaying", done=0, total=num(total, ",")))
        st.button(t("cancel"), key="btn_cancel_replay", icon=":material/cancel:")
    last, base = [0.0], [0]

    def progress(done: int) -> None:  # after every slice: a click can stop the replay here
        now = time.perf_counter()
        if now - last[0] > 0.1 or done >= total:
            last[0] = now
            bar.progress(min(done / max(total, 1), 1.0),
                         text=t("replaying", done=num(done, ","), total=num(total, ",")))

    def train_part(tr: Trainer, n: int, mode: str) -> int:
        taken = train(tr, n, mode, lambda d: progress(base[0] + d))
        base[0] += taken
        return taken

    # However the replay ends (done, cancelled), the sidebar must show the run's settings, or
    # the next run of the page would take the widgets' old values for a change.
    ss.revert_widgets = True
    try:
        recipes.apply(trainer, log, train=train_part)
    except ValueError as exc:  # a log that does not replay as written
        holder.empty()
        st.warning(t("bad_recipe", error=plain(exc)))
        return
    holder.empty()
    st.rerun()


def do_action(trainer: Trainer, action: str | None, n: int, mode: str | None = "both") -> None:
    ss = st.session_state
    if action in ("step", "step_d", "step_g"):
        train(trainer, 1, {"step": "both", "step_d": "d", "step_g": "g"}[action])
    elif action == "run_n" and mode is not None:
        ss.pending_run = (n, mode)
        st.rerun(scope="app")  # see train_page
    elif action == "reset":
        ss.playing = False
        scheduler().stop(ss.uid)
        with ss.lock:
            ensemble.reset(trainer)
    elif action in ("play", "pause"):
        ss.playing = action == "play"
        if action == "pause":
            scheduler().stop(ss.uid)
            back_to_shown(trainer)
        st.rerun(scope="app")  # the fragment's timer is set by a run of the whole page


def back_to_shown(trainer: Trainer) -> None:
    """Pause stops on the step the page showed when it was clicked: the class thread trains
    on between two redraws (up to a second of them), and those steps are undone exactly
    (Trainer.rewind), so the run, its link and the picture agree."""
    ss = st.session_state
    shown = ss.pop("shown_step", None)
    if (shown is None or shown >= trainer.step_count or trainer.actions is None
            or trainer.diverged or ensemble.current() is not None):
        return  # an ensemble would have to go back too: it keeps its steps

    def train(tr: Trainer, n: int, mode: str) -> int:
        return scheduler().train(ss.uid, kind(tr.config, mode, 0), lambda k: tr.run(k, mode), n)

    with ss.lock:
        trainer.rewind(shown, train)


# A playing page is always "running": its spinning status icon and the fading of stale
# charts would have every open tab redraw at full frame rate, for nothing. On a phone the
# controls and metrics wrap into short rows (not one full-width row each), so the step, the
# metrics and the loss chart share the first screen.
_STYLE = """
[data-testid='stStatusWidget']{visibility:hidden}
.stale-element,[data-stale='true']{opacity:1 !important;transition:none !important}
@media (max-width: 640px) {
  h1 {font-size: 1.3rem !important; padding: 0 0 0.2rem 0 !important}
  [data-testid='stMainBlockContainer'] {padding-top: 3rem !important}
  .st-key-intro {display: none}
  .st-key-controls_row [data-testid='stHorizontalBlock'],
  .st-key-metrics_row [data-testid='stHorizontalBlock'] {flex-wrap: wrap; gap: 0.4rem}
  .st-key-controls_row [data-testid='stColumn'] {min-width: calc(25% - 0.4rem) !important;
    flex: 1 1 calc(25% - 0.4rem) !important; width: auto !important}
  .st-key-metrics_row [data-testid='stColumn'] {min-width: calc(33% - 0.4rem) !important;
    flex: 1 1 calc(33% - 0.4rem) !important; width: auto !important}
  .st-key-metrics_row [data-testid='stMetricValue'] {font-size: 1.35rem}
  .st-key-metrics_row [data-testid='stMetricLabel'] p {font-size: 0.78rem}
  .st-key-controls_row button {padding-left: 0.3rem; padding-right: 0.3rem}
  /* a lesson's figure keeps the width its panels need, and scrolls sideways on a phone */
  .st-key-chart_lesson_fig {overflow-x: auto}
  .st-key-chart_lesson_fig > div {min-width: 760px}
}
"""


def render() -> None:
    """The app: a Train page (the default, at the root URL) and a Sweep page."""
    presenting = "all" in str(st.query_params.get("hide", "")).split(",")
    # A file beside the code: a material icon as favicon is fetched from the web.
    st.set_page_config(page_title="evengan", page_icon=str(ICON),
                       layout="wide",
                       initial_sidebar_state="collapsed" if presenting else "auto")
    init_session()
    st.html(f"<style>{_STYLE}</style>")
    train = st.Page(train_page, title=t("page_train"), icon=":material/play_circle:",
                    url_path="train", default=True)
    pages = [train,
             st.Page(lambda: lessons.page(train), title=t("page_lessons"),
                     icon=":material/school:", url_path="lessons"),
             st.Page(sweep_page.render, title=t("page_sweep"), icon=":material/grid_on:",
                     url_path="sweep")]
    st.navigation(pages).run()


def train_page() -> None:
    ss = st.session_state
    lessons.follow_query()  # before the sidebar: a step sets its widgets
    lessons.wait_for_step()
    prefs = controls.sidebar()
    controls.apply_sidebar()
    trainer: Trainer = ss.trainer

    st.title(t("title"))
    lessons.card(trainer)
    st.container(key="intro").caption(t(exact("intro", trainer.config),
                                        name=targets.name(trainer.config.target)))
    with st.expander(t("teach_title")):
        st.markdown(t("teach_body"))
    for level, message in ss.notices:
        getattr(st, level)(message)
    ss.notices = []
    # Long work runs here, in a run of the whole page, where a click (Cancel) stops it; a
    # fragment's run would finish first. Taken off the list before it starts: a Cancel ends it.
    pending = ss.pop("pending_run", None)
    if pending:
        run_with_progress(trainer, *pending)
    log = ss.pop("pending_recipe", None)
    if log:
        replay_with_progress(trainer, log)
    targets.measure_pending(trainer)
    branches.runs()  # before a rewind, so the run it leaves keeps its branch
    branches.pending()
    ensemble.sync(trainer)
    if "share" not in ss.get("hidden", set()):
        with st.sidebar:  # after any training a link asked for, so the link has its step
            share.panel(trainer)

    live(prefs)


def _play(trainer: Trainer, prefs: controls.ViewPrefs) -> None:
    """Hands this session's Play to the scheduler's class thread (again at every redraw, which
    also tells it that the tab is still there)."""
    ss = st.session_state
    sched = scheduler()
    if trainer.diverged or trainer.step_count >= SESSION_STEP_CAP or prefs.mode is None:
        ss.playing = False
        sched.stop(ss.uid)
        return
    mode = prefs.mode
    ens = ensemble.current()  # read here: the class thread has no session state
    advance = (lambda k: ensemble.advance(trainer, ens, k, mode)) if ens is not None else None
    sched.play(Player(ss.uid, trainer, mode, ss.lock, session_alive(), advance,
                      cap=SESSION_STEP_CAP, per_tick=prefs.steps_per_tick,
                      beside=ens.k if ens is not None else 0))


def live(prefs: controls.ViewPrefs) -> None:
    ss = st.session_state
    sched = scheduler()
    ss._timer_on = ss.playing
    if ss.playing:
        ss.tick = tick_seconds(sched.playing() + (not sched.is_playing(ss.uid)),
                               ss.get("tick"))
    else:
        sched.stop(ss.uid)

    @st.fragment(run_every=ss.tick if ss.playing else None)
    def _tick() -> None:
        trainer: Trainer = ss.trainer
        with st.container(key="controls_row"):
            action, n = controls.buttons(prefs.mode is None, prefs.freeze_d, prefs.freeze_g)
        do_action(trainer, action, n, prefs.mode)
        failed = scheduler().pop_error(ss.uid)
        if failed:
            ss.playing = False
            st.error(plain(failed))
        if ss.playing:
            _play(trainer, prefs)
        with ss.lock:  # the class thread may be training this run: draw a still picture
            if not ss.playing:  # at every action and at Pause; not each tick of Play, whose
                sync_query(trainer)  # every new address would be a browser-history entry
            if trainer.diverged:
                st.error(t("diverged", message=plain(trainer.diverged)))
            if trainer.step_count >= SESSION_STEP_CAP:
                st.info(t("cap_reached", cap=SESSION_STEP_CAP))
            ev = trainer.evaluate()  # recorded only every eval_every steps, as in a replay
            drawn = trainer.step_count
            with st.container(key="metrics_row"):
                panels.metrics_row(trainer, ev)
            st.caption(panels.space_note(trainer, ev))
            if prefs.mode is None:
                st.info(t("frozen_both"))
            lab.collapse_notice(trainer, ev)
            panels.charts(trainer, ev, prefs.smoothing)
            ensemble.panel()
            st.divider()
            lab.render_view(trainer, lab.view_picker(), prefs.mode, ev)
            branches.panel(prefs)  # in the fragment, so that its slider and links stay current
        # Where a Pause lands: set once this redraw is whole, so a redraw cut short by the
        # click itself (never shown) does not count.
        ss.shown_step = drawn
        if ss.pop("page_rerun", False) or ss.get("pending_branch"):
            st.rerun(scope="app")  # a branch opened, renamed or asked for: the whole page
        if ss.get("_timer_on") and not ss.playing:
            st.rerun(scope="app")  # training stopped itself: a whole-page run stops the timer
        if ss.playing and tick_seconds(sched.playing(), ss.tick) != ss.tick:
            st.rerun(scope="app")  # more or fewer sessions play now: set a new tick

    _tick()
