"""Lessons on the page: the Lessons page (every lesson, to start one) and, while a lesson is
open, its card at the top of the Train page: the step's words, what to do, the chart to look
at (outlined), a question with a hidden answer, back / next and the step's link.

A step's link (?lesson=ID:STEP) opens that step for anyone: its settings and recorded actions
are replayed as a run link's are, so a projected step and a student's tab show the same run.
"""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from .. import lesson_figures as figs
from ..lesson import Lesson, lessons, locate
from ..lesson import problems as lesson_problems
from ..metrics import COLLAPSE_SHARE
from ..plots import lessons as lesson_plots
from ..trainer import Trainer
from .charts import chart
from .state import bound_t, load_recipe, num, scheduler, set_widgets, t

LAB_LOOKS = ("timeline", "noise", "landscape", "gweights", "dynamics", "slowmo", "edit")
_OUTLINE = ("outline: 3px solid #f5b301; outline-offset: 4px; border-radius: 6px;")


def current() -> tuple[Lesson, int] | None:
    """The open lesson and step index, or None."""
    at = st.session_state.get("lesson")
    if not at:
        return None
    found = lessons().get(at[0])
    return (found, at[1]) if found and 0 <= at[1] < len(found.steps) else None


def query_value() -> str | None:
    """The open step as a link writes it (lesson=ID:STEP, steps from 1), or None."""
    at = current()
    return f"{at[0].id}:{at[1] + 1}" if at else None


def follow_query() -> None:
    """The session's first page: a lesson link (?lesson=ID or ID:STEP) opens that step,
    unless the link also carries a recorded run (r=), which then is the run shown. Read once:
    afterwards the address bar follows the page, not the other way round."""
    ss = st.session_state
    if ss.get("lesson_link_read"):
        return
    ss.lesson_link_read = True
    raw = st.query_params.get("lesson")
    if raw is None:
        return
    try:
        found, index = locate(raw)
    except ValueError as exc:
        ss.notices.append(("warning", t("bad_query", field="lesson", error=str(exc))))
        return
    if st.query_params.get("r"):
        ss.lesson = (found.id, index)  # the link's run is already open
        return
    open_step(found, index)


def open_step(found: Lesson, index: int) -> None:
    """Loads a step's run (replayed by the page, with a progress bar and Cancel) and makes it
    the session's current one."""
    ss = st.session_state
    step = found.steps[index]
    scheduler().stop(ss.uid)
    ss.playing = False
    key = (found.id, index)
    kept = _kept_run(*key)
    if kept is not None:  # the step's run, replayed once for the whole server: a copy
        ss.trainer, ss.pending_recipe, ss.pending_run = kept, None, None
        set_widgets(kept.config)
    elif _claim(key):
        problem = load_recipe(step.recipe())
        if problem:  # the run stays as it was, and so does the card
            _release(key)
            ss.notices.append(("warning", t("lesson_refused", error=problem)))
            return
    else:  # another tab is replaying this very run: wait for its copy (wait_for_step)
        ss.lesson_wait = key
    ss.lesson = key
    if ss.pop("ensemble", None) is not None:
        scheduler().release(ss.uid, "ensemble")
    if step.look in LAB_LOOKS:
        ss.w_view = "v_" + step.look


# Each step's run as the first session that replayed it left it, never trained again: a
# class opening the step the teacher opened gets copies instead of thirty replays. The copy
# kept holds a snapshot at its last step, so a fork of it replays nothing (a millisecond).
_KEPT: dict[tuple[str, int], Trainer] = {}
# The step runs being replayed now: key -> (the replaying session's id, when it began). A
# class opening a step at once waits for one replay instead of running thirty side by side.
_REPLAYING: dict[tuple[str, int], tuple[str, float]] = {}
_KEPT_LOCK = threading.Lock()
WAIT_SECONDS = 60.0  # past this a replay is taken as abandoned (its tab closed, say)


def _claim(key: tuple[str, int]) -> bool:
    """True when this session is to replay the step's run; False when another one is."""
    uid, now = st.session_state.uid, time.monotonic()
    with _KEPT_LOCK:
        other = _REPLAYING.get(key)
        if other and other[0] != uid and now - other[1] < WAIT_SECONDS:
            return False
        _REPLAYING[key] = (uid, now)
        return True


def _release(key: tuple[str, int]) -> None:
    with _KEPT_LOCK:
        if _REPLAYING.get(key, ("",))[0] == st.session_state.uid:
            del _REPLAYING[key]


def wait_for_step() -> None:
    """A step another tab is replaying: waits for its copy (a click stops the wait), or,
    should that replay stop, replays the step here. Called before the sidebar is drawn."""
    ss = st.session_state
    key = ss.pop("lesson_wait", None)
    if key is None:
        return
    holder = st.empty()
    while True:
        kept = _kept_run(*key)
        if kept is not None:
            ss.trainer, ss.pending_recipe, ss.pending_run = kept, None, None
            set_widgets(kept.config)
            holder.empty()
            return
        with _KEPT_LOCK:
            other = _REPLAYING.get(key)
        if other is None or time.monotonic() - other[1] > WAIT_SECONDS:
            break
        holder.info(t("lesson_waiting"), icon=":material/hourglass_top:")
        time.sleep(0.25)
    holder.empty()
    found = lessons().get(key[0])
    if found is not None and key[1] < len(found.steps) and _claim(key):
        problem = load_recipe(found.steps[key[1]].recipe())
        if problem:
            _release(key)
            ss.notices.append(("warning", t("lesson_refused", error=problem)))


def _kept_run(lesson_id: str, index: int) -> Trainer | None:
    with _KEPT_LOCK:
        run = _KEPT.get((lesson_id, index))
    return None if run is None else run.fork(run.step_count)


def keep_replayed(trainer: Trainer) -> None:
    """Once a step's run is replayed whole (the page's progress bar has finished), keeps a copy
    of it for the next session that opens the step."""
    at = current()
    if at is None or st.session_state.get("pending_recipe"):
        return  # nothing replayed yet
    key = (at[0].id, at[1])
    step = at[0].steps[at[1]]
    if (key in _KEPT or trainer.actions is None or trainer.origin != step.config
            or [dict(a) for a in trainer.actions] != list(step.log)):
        _release(key)  # kept already, or cancelled partway: a waiting tab replays it itself
        return
    copy = trainer.fork(trainer.step_count)
    if step.log and step.log[-1]["do"] == "run":  # its state is the run's as it got there
        copy.snapshots.take(copy, now=True)
    with _KEPT_LOCK:
        _KEPT.setdefault(key, copy)
    _release(key)


def leave() -> None:
    st.session_state.lesson = None


def step_link(found: Lesson, index: int) -> str:
    """The link that opens this step for anyone, in the page's language."""
    query = {"lesson": f"{found.id}:{index + 1}"}
    if st.session_state.get("lang", "en") != "en":
        query["lang"] = st.session_state.lang
    try:
        base = st.context.url or ""
    except Exception:  # outside a browser session (tests)
        base = ""
    base = (base or "http://localhost:8501/").split("?")[0]  # the Train page, the app's root
    return f"{base.rstrip('/')}/?{urlencode(query, safe=':')}"


def outline_css() -> str:
    """CSS that outlines the chart the open step points to (its container's key)."""
    at = current()
    look = at[0].steps[at[1]].look if at else None
    return f".st-key-look_{look} {{{_OUTLINE}}}" if look else ""


def card(trainer: Trainer) -> None:
    """The open step, at the top of the Train page."""
    at = current()
    if at is None:
        return
    found, index = at
    with st.session_state.lock:
        keep_replayed(trainer)
    step, lang, n = found.steps[index], st.session_state.get("lang", "en"), len(found.steps)
    order = list(lessons()).index(found.id) + 1
    with st.container(border=True, key="lesson_card"):
        st.caption(t("lesson_where", i=order, title=found.title[lang], k=index + 1, n=n))
        st.progress((index + 1) / n)
        st.markdown(f"#### {step.title[lang]}")
        st.markdown(step.text[lang])
        if step.do:
            st.info(step.do[lang], icon=":material/touch_app:")
        if step.look:
            name = t("v_" + step.look) if step.look in LAB_LOOKS else t("look_" + step.look)
            st.caption(t("lesson_look", chart=name))
        if step.figure:
            _figure(step.figure)
        if step.question:
            st.markdown(f"**{t('lesson_question')}** {step.question[lang]}")
            with st.expander(t("lesson_answer"), key=f"x_answer_{found.id}_{index}"):
                st.markdown(step.answer[lang])
        # Callbacks: they run before the next script run, where a step may set the sidebar.
        cols = st.columns([1, 1, 1, 1])
        cols[0].button(t("lesson_back"), key="btn_lesson_back", disabled=index == 0,
                       icon=":material/arrow_back:", width="stretch", on_click=open_step,
                       args=(found, max(index - 1, 0)))
        cols[1].button(t("lesson_next"), key="btn_lesson_next", disabled=index == n - 1,
                       icon=":material/arrow_forward:", width="stretch", type="primary",
                       on_click=open_step, args=(found, min(index + 1, n - 1)))
        with cols[2].popover(t("lesson_link"), icon=":material/link:", width="stretch"):
            st.caption(t("lesson_link_help"))
            st.code(step_link(found, index), language=None, wrap_lines=True)
        cols[3].button(t("lesson_leave"), key="btn_lesson_leave", icon=":material/close:",
                       width="stretch", on_click=leave)
    css = outline_css()
    if css:
        st.html(f"<style>{css}</style>")


def _figure(name: str) -> None:
    """A step's lesson figure, as `python -m evengan lesson-figures --write` stored it."""
    tr = bound_t()
    data = figs.stored().get(name)
    if not data:
        st.info(t("fig_missing"))
        return
    if name == "convergence":
        paths = [{"name": tr("conv_" + key), "steps": data["marks"], **data["runs"][key]}
                 for key, _ in figs.CONVERGENCE if key in data["runs"]]
        chart(lesson_plots.convergence_figure(paths, {
            "title": tr("fig_paths"), "g_axis": tr("fig_g_axis"), "d_axis": tr("fig_d_axis"),
            "hover_step": tr("x_step"),
            "x": tr("x_step"), "distance": tr("fig_distance"), "target": tr("target")}),
            key="chart_lesson_fig")
        st.caption(tr("fig_paths_caption"))
        return
    if name == "packing":
        fig = lesson_plots.packing_figure(
            data["cells"], figs.WIDTHS, figs.PACKS, 64, figs.PAPER_PACGAN,
            {"title": tr("fig_packing"), "linear": tr("fig_linear"), "mlp": tr("fig_mlp"),
             "paper_grid": tr("fig_paper_grid"), "paper_ring": tr("fig_paper_ring"),
             "x": tr("fig_pack_x"), "y": tr("fig_share_y")})
    elif name == "unrolling":
        fig = lesson_plots.unrolling_figure(
            data["cells"], figs.UNROLLS, 64,
            {"title": tr("fig_unrolling"), "mean": tr("fig_mean_se"), "seed": tr("fig_seed"),
             "x": tr("fig_unroll_x"), "y": tr("fig_evens_y")})
    else:
        cov = data["coverage"]
        intervals = [figs.wilson(sum(c < COLLAPSE_SHARE for c in cov[:k]), k)
                     for k in range(1, len(cov) + 1)]
        k = figs.collapse_count(data)
        lo, hi = intervals[-1]
        fig = lesson_plots.seeds_figure(cov, COLLAPSE_SHARE, intervals, {
            "title": tr("fig_seeds", k=k, n=len(cov), lo=num(lo, ".2f"), hi=num(hi, ".2f")),
            "coverage": tr("coverage"), "threshold": tr("fig_collapse_line"),
            "band": tr("fig_band"), "estimate": tr("fig_estimate"), "p": tr("fig_p"),
            "seeds_x": tr("fig_seed_x"), "n_x": tr("fig_n_x"), "hover_seed": tr("fig_seed_x")})
    chart(fig, key="chart_lesson_fig")
    st.caption(tr("fig_caption_" + name, seeds=data["seeds"], steps=num(data["steps"], ",")))


def page(train_page: Any) -> None:
    """The Lessons page: every lesson with its length, and a button that starts it.
    train_page is the Train page's st.Page, where a lesson's card is."""
    lang = st.session_state.get("lang", "en")
    st.title(t("lessons_title"))
    st.caption(t("lessons_intro"))
    for problem in lesson_problems():  # a teacher's broken file, named; the rest still load
        st.warning(t("lesson_file_bad", error=problem))
    for i, found in enumerate(lessons().values(), start=1):
        with st.container(border=True):
            st.markdown(f"#### {i}. {found.title[lang]}")
            st.caption(t("lesson_length", n=len(found.steps), m=found.minutes))
            st.markdown(found.summary[lang])
            if st.button(t("lesson_start"), key=f"btn_start_{found.id}",
                         icon=":material/school:"):
                open_step(found, 0)
                st.switch_page(train_page)
