"""The metrics row and the charts, drawn from the session's Trainer."""

from __future__ import annotations

import streamlit as st

from .. import plots
from ..draws import EVAL_DRAWS
from ..encoding import convert_float_matrix_to_int_list
from ..metrics import shown_ratio
from ..trainer import Trainer
from . import targets
from .charts import chart
from .state import chart_points, exact, loss_family, num, t


def metrics_row(trainer: Trainer, ev: dict) -> None:
    """Step, the exact metrics and D's verdicts."""
    last = trainer.history.last() or {}
    cols = st.columns(5)
    cols[0].metric(t("m_step"), num(trainer.step_count, ","))
    cfg = trainer.config
    cols[1].metric(t(exact("m_even", cfg)), num(ev[shown_ratio(cfg.target)], ".3f"),
                   help=t(exact("m_even_help", cfg)))
    cols[2].metric(t(exact("m_coverage", cfg)), num(ev['coverage'], ".3f"),
                   help=t(exact("m_coverage_help", cfg)))
    target = cfg.target_entropy
    cols[3].metric(t("m_entropy"), f"{num(ev['entropy_bits'], '.2f')} / {num(target, '.3g')}",
                   help=t(exact("m_entropy_help", cfg)))
    d_real, d_fake = last.get("d_real"), last.get("d_fake")
    value = "–" if d_real is None else f"{num(d_real, '.2f')} / {num(d_fake, '.2f')}"
    family = loss_family(cfg)
    cols[4].metric(t("m_d_critic" if family == "critic" else "m_d"), value,
                   help=t("m_d_help" if family == "prob" else "m_d_help_" + family))


def _labels(*pairs: tuple[str, str]) -> dict:
    return {k: t(v) for k, v in pairs}


def charts(trainer: Trainer, ev: dict, smoothing: float) -> None:
    cfg = trainer.config
    hist = trainer.history.thinned(chart_points())
    evals = trainer.evals.thinned(chart_points())
    family = loss_family(cfg)
    left, right = st.columns(2)
    with left, st.container(key="look_losses"):
        chart(
            plots.loss_figure(hist["step"], hist["loss_g"], hist["loss_d"], smoothing,
                              _labels(("title", "loss_title"), ("g", "g_loss"),
                                      ("d", "d_loss"), ("x", "x_step"), ("y", "loss_axis"),
                                      ("empty", "no_steps")),
                              reference=plots.LN2 if family == "prob" else None),
            key="chart_losses")
        st.caption(loss_caption(trainer, family))
    with left, st.container(key="look_ratio"):
        chart(
            plots.ratio_figure(hist["step"], hist["even_batch"], evals["step"],
                               evals[shown_ratio(cfg.target)], evals["coverage"],
                               _labels(("title", exact("ratio_title", cfg)),
                                       ("batch", exact("batch_ratio", cfg)),
                                       ("exact", exact("exact_ratio", cfg)),
                                       ("coverage", exact("coverage", cfg)),
                                       ("x", "x_step"))),
            key="chart_ratio")
        st.caption(t(exact("c_ratio", cfg)))
    with right, st.container(key="look_heatmap"):
        engine = trainer.engine
        z = engine.display_noise()
        probs = engine.probabilities(z)[0].numpy()
        ints = convert_float_matrix_to_int_list(probs)
        words = (("parity", "parity"), ("even", "even"), ("odd", "odd")) if cfg.is_even else \
            (("parity", "heat_member"), ("even", "heat_in"), ("odd", "heat_out"))
        chart(
            plots.bits_heatmap(probs, ints, _labels(
                ("title", "heat_title"), ("soft", "soft"), ("hard", "hard"), ("push", "push"),
                *words), push=engine.push(z)[0].numpy(),
                member=None if cfg.is_even else targets.member(cfg, ints)),
            key="chart_heatmap")
        st.caption(t("c_heatmap"))
    with right, st.container(key="look_distribution"):
        targets.distribution_chart(trainer, ev)
    with right, st.container(key="look_reach"):
        targets.reach_panel(trainer, ev)


def loss_caption(trainer: Trainer, family: str) -> str:
    """What the loss chart says about this run: a BCE run's losses near ln 2 (D fooled), or
    apart from it (D still tells real from fake); other losses have no such level."""
    if family != "prob":
        return t("c_losses_" + family)
    g, d = (trainer.history[name][-100:] for name in ("loss_g", "loss_d"))
    if not len(g) or max(abs(g.mean() - plots.LN2), abs(d.mean() - plots.LN2)) < 0.1:
        return t("c_losses")
    return t("c_losses_apart", g=num(g.mean(), ".2f"), d=num(d.mean(), ".2f"))


def space_note(trainer: Trainer, ev: dict) -> str:
    cfg = trainer.config
    exhaustive = cfg.noise == "binary"  # binary noise (at most 16 bits) is enumerated
    k = 2**cfg.z_dim if exhaustive else EVAL_DRAWS
    space = t("exact_over" if exhaustive else "estimated_over", k=num(k, ","))
    return f"{space} {t('decode_' + trainer.config.decode)}"
