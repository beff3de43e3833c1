"""Rewind, branch and compare: the run's past, its branches, and branches side by side.

A branch is a run of its own (a Trainer) that shares its past with the run it came from up to
the step where it was taken. Going back is exact (Trainer.rewind / fork): the same bits a fresh
replay of the recipe would give. Only the current branch trains; the others wait, each with its
own share link.
"""

from __future__ import annotations

import re
import time

import streamlit as st

from .. import budget, plots
from .. import recipe as recipes
from ..metrics import shown_ratio, target_distribution
from ..scheduler import kind
from ..trainer import Trainer
from .charts import CHART_CONFIG, chart
from .share import share_link
from .state import (
    SERVER_BYTES,
    SESSION_BYTES,
    SESSION_STEP_CAP,
    chart_points,
    exact,
    num,
    scheduler,
    session_alive,
    t,
)
from .text import plain

MAX_BRANCHES = 4  # per session: each is a whole run in memory
_NAMES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def runs() -> dict[str, Trainer]:
    """This session's branches by name, the current run (st.session_state.trainer) among
    them under st.session_state.branch."""
    ss = st.session_state
    if "branches" not in ss:
        ss.branches, ss.branch = {}, "A"
    if ss.branches.get(ss.branch) is not ss.trainer:  # a link, a file or a new config
        ss.branches[ss.branch] = ss.trainer
    return ss.branches


def clean_name(raw: object) -> str:
    """A branch name as the page shows it: letters, digits, spaces and - _ . + only, at
    most 24 characters (names land in chart legends, where Plotly reads some HTML)."""
    return re.sub(r"[^\w \-.+]", "", str(raw), flags=re.UNICODE).strip()[:24]


def _md(name: str) -> str:
    """A clean_name() shown in Markdown as typed (its punctuation escaped)."""
    return re.sub(r"([\\\-_.+])", r"\\\1", name)


def _free_name(taken) -> str:
    for name in _NAMES:
        if name not in taken:
            return name
    return f"run {len(taken) + 1}"


def _room(extra: int) -> str | None:
    """Why this session may not keep `extra` more branches like the current one, or None
    (then booked)."""
    ss = st.session_state
    branches = runs()
    if len(branches) + extra > MAX_BRANCHES:
        return t("branch_full", n=MAX_BRANCHES)
    # The run that trains is booked as such (state.refusal); the others only keep memory.
    kept = sum(budget.kept_bytes(tr.config) for name, tr in branches.items()
               if name != ss.branch) + extra * budget.kept_bytes(ss.trainer.config)
    if budget.estimate_bytes(ss.trainer.config) + kept > SESSION_BYTES:
        return t("branch_memory", mb=SESSION_BYTES >> 20)
    return scheduler().reserve(ss.uid, kept, SERVER_BYTES, session_alive(), "branches")


# ---- the callbacks: they only ask; the work happens in pending(), with a progress bar ----

def _ask(what: str, key: str | None = None) -> None:
    ss = st.session_state
    step = int(ss.get(key, ss.trainer.step_count)) if key else ss.trainer.step_count
    seed = int(ss.get("w_branch_seed", 0))
    ss.pending_branch = (what, step, seed)


def _open(name: str) -> None:
    ss = st.session_state
    if name in runs() and name != ss.branch:
        ss.playing = False
        scheduler().stop(ss.uid)
        ss.branch, ss.trainer = name, ss.branches[name]
        ss.revert_widgets = True  # the sidebar shows the opened branch's settings
        ss.page_rerun = True


def _delete(name: str) -> None:
    ss = st.session_state
    branches = runs()
    if name not in branches or len(branches) == 1:
        return
    if name == ss.branch:
        _open(next(n for n in branches if n != name))
    del branches[name]
    _room(0)  # books less
    ss.page_rerun = True


def _rename() -> None:
    ss = st.session_state
    new = clean_name(ss.get("w_branch_name", ""))
    branches = runs()
    if not new or (new in branches and new != ss.branch):
        ss.notices.append(("warning", t("branch_bad_name", name=plain(new or "–"))))
        return
    ss.branches = {new if n == ss.branch else n: tr for n, tr in branches.items()}
    ss.branch = new
    ss.page_rerun = True


# ---- the work ------------------------------------------------------------------------------

def pending() -> None:
    """Carries out a rewind, branch or other-seed run asked for by a click: in a run of the
    whole page, through the scheduler's fair slices, with a progress bar and a Cancel (which
    leaves every branch as it was)."""
    ss = st.session_state
    job = ss.pop("pending_branch", None)
    if not job:
        return
    what, step, seed = job
    current = ss.trainer
    if what != "rewind":
        too_many = _room(1)
        if too_many:
            st.warning(too_many)
            return
    ss.playing = False
    scheduler().stop(ss.uid)
    holder, done = st.empty(), False
    try:
        if what == "seed":
            data = current.recipe()
            config, log = recipes.check({**data, "config": {**data["config"], "seed": seed}},
                                        SESSION_STEP_CAP)
            total = recipes.steps(log)
        else:
            snap = current.snapshots.nearest(step)
            total = step - (snap.step if snap is not None else 0)
        with holder.container():
            bar = st.progress(0.0, text=t("branch_working", done=0, total=num(total, ",")))
            st.button(t("cancel"), key="btn_cancel_branch", icon=":material/cancel:")
        train = _fair_train(bar, total)
        if what == "seed":
            new = Trainer(config, eval_every=current.eval_every, max_bytes=current.max_bytes)
            recipes.apply(new, log, train=train)
        else:
            new = current.fork(step, train=train)
        holder.empty()
        done = True
    except ValueError as exc:  # a run without a known past, a step out of reach
        holder.empty()
        st.warning(t("branch_failed", error=plain(exc)))
        return
    finally:
        if not done:  # failed or cancelled: the branch booked for is not there
            _room(0)
    branches = runs()
    if what == "rewind":
        branches[ss.branch] = new
    else:
        name = _free_name(branches)
        branches[name] = new
        ss.branch = name
    ss.trainer = new
    ss.revert_widgets = True
    ss.x_branches = True  # the branches are what the student looks at next
    st.rerun()


def _fair_train(bar, total: int):
    """train(trainer, n, mode) for recipes.apply: the scheduler's fair slices, the bar moved
    after each (where a click, Cancel included, stops the work)."""
    ss = st.session_state
    done, last = [0], [0.0]

    def progress(k: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 0.1:
            last[0] = now
            at = done[0] + k
            bar.progress(min(at / max(total, 1), 1.0),
                         text=t("branch_working", done=num(at, ","), total=num(total, ",")))

    def train(trainer: Trainer, n: int, mode: str) -> int:
        with ss.lock:
            taken = scheduler().train(ss.uid, kind(trainer.config, mode, 0),
                                      lambda k: trainer.run(k, mode), n, progress)
        done[0] += taken
        return taken

    return train


# ---- the panel -----------------------------------------------------------------------------

def panel(prefs) -> None:
    """Below the charts: go back, branch, the branches with their links, and the comparison
    (with the page's loss smoothing, prefs.smoothing)."""
    ss = st.session_state
    branches = runs()
    trainer: Trainer = ss.trainer
    # Keyed, so that it stays open through the reruns its own slider and buttons cause.
    with st.expander(t("branch_title"), expanded=len(branches) > 1, key="x_branches",
                     on_change="rerun", icon=":material/fork_right:"):
        st.caption(t("branch_help"))
        if ss.get("playing"):  # the class thread trains the run: nothing here may read it
            st.info(t("branch_pause_first"))
            return
        if trainer.actions is None:
            st.info(t("branch_no_past"))
        elif trainer.step_count == 0:
            st.caption(t("branch_train_first"))
        else:
            key = f"w_rewind_{trainer.step_count}"  # a new slider whenever the run moves
            st.slider(t("branch_step"), 0, trainer.step_count, trainer.step_count, key=key)
            left, right = st.columns(2)
            left.button(t("branch_rewind"), on_click=_ask, args=("rewind", key),
                        icon=":material/fast_rewind:", width="stretch", key="btn_rewind")
            right.button(t("branch_fork"), on_click=_ask, args=("branch", key),
                         icon=":material/fork_right:", width="stretch", key="btn_fork")
        _branch_list(branches)
        if trainer.actions is not None:
            seed_col, button_col = st.columns([1, 2], vertical_alignment="bottom")
            seed_col.number_input(t("branch_seed"), 0, 2**31 - 1,
                                  (trainer.origin.seed + 1) % 2**31, key="w_branch_seed")
            button_col.button(t("branch_other_seed"), on_click=_ask, args=("seed",),
                              icon=":material/casino:", width="stretch", key="btn_seed_branch")
        if len(branches) > 1:
            _compare(branches, prefs.smoothing)


def _branch_list(branches: dict[str, Trainer]) -> None:
    ss = st.session_state
    for name, tr in branches.items():
        ev = tr.evaluate()
        here = name == ss.branch
        cols = st.columns([3, 1, 1], vertical_alignment="center")
        cols[0].markdown(t(exact("branch_row", tr.config), mark="●" if here else "○",
                           name=_md(name), step=num(tr.step_count, ","),
                           even=num(ev[shown_ratio(tr.config.target)], ".3f"),
                           coverage=num(ev['coverage'], ".3f")))
        cols[1].button(t("branch_open"), key=f"btn_open_{name}", on_click=_open,
                       args=(name,), disabled=here, width="stretch")
        cols[2].button(t("branch_delete"), key=f"btn_del_{name}", on_click=_delete,
                       args=(name,), disabled=len(branches) == 1, width="stretch")
        if "share" not in ss.get("hidden", set()):
            with st.popover(t("branch_link", name=name)):
                st.code(share_link(tr), language=None, wrap_lines=True)
    ss.w_branch_name = ss.branch
    st.text_input(t("branch_name"), key="w_branch_name", on_change=_rename, max_chars=24)


def _differences(base: Trainer, other: Trainer, name: str) -> str:
    """What `other`'s settings are where they differ from `base`'s now (" · B: lr_g=0.005"),
    so a comparison says what changed, not only where."""
    mine, theirs = base.config.to_dict(), other.config.to_dict()
    changed = [f"{k}={theirs[k]:g}" if isinstance(theirs[k], float) else f"{k}={theirs[k]}"
               for k in theirs if theirs[k] != mine[k]]
    return f" · {name}: {', '.join(changed)}" if changed else ""


def _compare(branches: dict[str, Trainer], smoothing: float) -> None:
    ss = st.session_state
    # Keyed by the names, so that a new or renamed branch joins the comparison.
    names = st.multiselect(t("branch_compare"), list(branches), default=list(branches),
                           key="w_compare_" + "|".join(branches),
                           max_selections=len(plots.BRANCH_COLORS))
    if len(names) < 2:
        st.caption(t("branch_pick_two"))
        return
    points = chart_points()
    chosen = [branches[n] for n in names]
    data = []
    for name, tr in zip(names, chosen, strict=True):
        h, e = tr.history.thinned(points), tr.evals.thinned(points)
        data.append({"name": name, "step": h["step"], "loss_g": h["loss_g"],
                     "loss_d": h["loss_d"], "eval_step": e["step"],
                     "even_ratio": e[shown_ratio(tr.config.target)],  # the plot's key
                     "coverage": e["coverage"]})
    splits = []
    base = ss.branch if ss.branch in names else names[0]
    for name, tr in zip(names, chosen, strict=True):
        if name != base and tr.actions is not None and branches[base].actions is not None:
            at = recipes.split_step(branches[base].recipe(), tr.recipe())
            label = t("branch_split", a=base, b=name, step=num(at, ","))
            splits.append((at, label + _differences(branches[base], tr, name)))
    # each run's ratio is against its own target: "even" only when every target is
    other = next((tr.config for tr in chosen if not tr.config.is_even), chosen[0].config)
    labels = {"title": t("branch_compare_title"), "loss_g": t("g_loss"),
              "loss_d": t("d_loss"), "even_ratio": t(exact("exact_ratio", other)),
              "coverage": t("coverage"), "x": t("x_step")}
    chart(plots.compare_figure(data, splits, smoothing, labels),
                    key="chart_compare", config=CHART_CONFIG)
    cfg = branches[base].config
    alike = [(n, tr) for n, tr in zip(names, chosen, strict=True)
             if (tr.config.n_bits, tr.config.upper) == (cfg.n_bits, cfg.upper)]
    if len(alike) < len(names):
        st.caption(t("branch_other_numbers"))
    chart(plots.distributions_figure(
        [n for n, _ in alike], [tr.evaluate()["distribution"] for _, tr in alike],
        [target_distribution(cfg.n_bits, cfg.upper, tr.config.target).numpy()
         for _, tr in alike],
        {"title": t("branch_dist_title"), "target": t("target"), "x": t("integer")}),
        key="chart_compare_dist", config=CHART_CONFIG)
    st.caption(t("branch_compare_caption"))
