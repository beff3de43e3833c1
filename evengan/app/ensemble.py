"""The seed ensemble beside the main run: K other seeds, trained in lockstep, as quantiles."""

from __future__ import annotations

import streamlit as st

from .. import plots
from ..plots import lab as lab_plots
from ..scheduler import kind
from ..sweep import COLLAPSE_COVERAGE, Ensemble
from ..trainer import Trainer
from .charts import CHART_CONFIG, chart
from .state import chart_points, exact, loss_family, num, refusal, scheduler, t
from .text import plain


def current() -> Ensemble | None:
    return st.session_state.get("ensemble") if st.session_state.get("w_ensemble") else None


def sync(trainer: Trainer) -> None:
    """Creates, follows or drops the ensemble to match the toggle and the main run's config."""
    ss = st.session_state
    if not ss.get("w_ensemble"):
        if ss.pop("ensemble", None) is not None:
            scheduler().release(ss.uid, "ensemble")
        return
    k = int(ss.get("w_ensemble_k", 16))
    ens: Ensemble | None = ss.get("ensemble")
    if ens is None or ens.k != k or ens.config.needs_reset(trainer.config):
        too_big = refusal(trainer.config, k, kind="ensemble")
        if too_big:
            st.warning(t("bad_config", error=plain(too_big)))
            ss.pop("ensemble", None)
            return
    with ss.lock:
        if ens is None or ens.k != k:
            ens = ss.ensemble = Ensemble(trainer.config, k)
        else:
            ens.update_config(trainer.config)
        if ens.step_count > trainer.step_count:  # the main run was reset
            ens.reset()
    behind = trainer.step_count - ens.step_count
    if behind > 0:
        bar = st.progress(0.0, text=t("ensemble_catchup", step=trainer.step_count))

        def advance(n: int) -> int:
            ens.run(n)
            return n

        with ss.lock:
            scheduler().train(ss.uid, kind(trainer.config, "both", k), advance,
                              behind, lambda done: bar.progress(done / behind, text=t(
                                  "ensemble_catchup", step=trainer.step_count)))
        bar.empty()


def advance(trainer: Trainer, ens: Ensemble | None, n: int, mode: str = "both") -> int:
    """Trains the main run n steps, and the ensemble, if there is one, the same steps. Reads
    no session state, so the scheduler's class thread may call it."""
    taken = trainer.run(n, mode)
    if ens is not None and taken:
        ens.run(taken, mode)
    return taken


def reset(trainer: Trainer) -> None:
    trainer.reset()
    ens = current()
    if ens is not None:
        ens.reset()


def panel() -> None:
    ens = current()
    if ens is None:
        return
    h, e = ens.history.thinned(chart_points()), ens.evals.thinned(chart_points())
    st.subheader(t("ensemble_title", k=ens.k))
    st.metric(t("m_collapse"), num(ens.collapse_probability(), ".2f"),
              help=t("m_collapse_help", t=COLLAPSE_COVERAGE))
    left, right = st.columns(2)

    def band(source, name):
        return tuple(source[f"{name}_{q}"] for q in ("q1", "med", "q3"))

    with left:
        chart(lab_plots.band_figure(
            h["step"], {t("g_loss"): band(h, "loss_g"), t("d_loss"): band(h, "loss_d")},
            t("ens_losses"), {"x": t("x_step")},
            reference=plots.LN2 if loss_family(ens.config) == "prob" else None),
            key="chart_ens_losses", config=CHART_CONFIG)
    with right:
        chart(lab_plots.band_figure(
            e["step"], {t(exact("exact_ratio", ens.config)): band(e, "ratio"),
                        t("coverage"): band(e, "coverage")},
            t(exact("ens_ratio", ens.config)), {"x": t("x_step")}, yrange=(-0.02, 1.02),
            colors=(plots.EVEN_COLOR, plots.COVERAGE_COLOR)),
            key="chart_ens_ratio", config=CHART_CONFIG)
    st.caption(t("c_ensemble"))
