"""The metrics row and the charts, drawn from the session's Trainer."""

from __future__ import annotations

import numpy as np
import streamlit as st

from .. import plots
from ..encoding import convert_float_matrix_to_int_list
from ..metrics import target_distribution
from ..trainer import Trainer
from .state import chart_points, t

CHART_CONFIG = {"displayModeBar": False}


def metrics_row(trainer: Trainer, ev: dict) -> None:
    """Step, the exact metrics and D's verdicts."""
    last = trainer.history.last() or {}
    cols = st.columns(5)
    cols[0].metric(t("m_step"), f"{trainer.step_count:,}")
    cols[1].metric(t("m_even"), f"{ev['even_ratio']:.3f}", help=t("m_even_help"))
    cols[2].metric(t("m_coverage"), f"{ev['coverage']:.3f}", help=t("m_coverage_help"))
    target = np.log2((trainer.config.upper + 1) // 2)
    cols[3].metric(t("m_entropy"), f"{ev['entropy_bits']:.2f} / {target:.0f}",
                   help=t("m_entropy_help"))
    d_real, d_fake = last.get("d_real"), last.get("d_fake")
    value = "–" if d_real is None else f"{d_real:.2f} / {d_fake:.2f}"
    cols[4].metric(t("m_d"), value, help=t("m_d_help"))


def _labels(*pairs: tuple[str, str]) -> dict:
    return {k: t(v) for k, v in pairs}


def charts(trainer: Trainer, ev: dict, smoothing: float) -> None:
    hist = trainer.history.thinned(chart_points())
    evals = trainer.evals.thinned(chart_points())
    left, right = st.columns(2)
    with left:
        st.plotly_chart(
            plots.loss_figure(hist["step"], hist["loss_g"], hist["loss_d"], smoothing,
                              _labels(("title", "loss_title"), ("g", "g_loss"),
                                      ("d", "d_loss"), ("x", "x_step"))),
            key="chart_losses", config=CHART_CONFIG)
        st.caption(t("c_losses"))
        st.plotly_chart(
            plots.ratio_figure(hist["step"], hist["even_batch"], evals["step"],
                               evals["even_ratio"], evals["coverage"],
                               _labels(("title", "ratio_title"), ("batch", "batch_ratio"),
                                       ("exact", "exact_ratio"), ("coverage", "coverage"),
                                       ("x", "x_step"))),
            key="chart_ratio", config=CHART_CONFIG)
        st.caption(t("c_ratio"))
    with right:
        engine = trainer.engine
        probs = engine.probabilities(engine.display_noise())[0].numpy()
        ints = convert_float_matrix_to_int_list(probs)
        st.plotly_chart(
            plots.bits_heatmap(probs, ints, _labels(
                ("title", "heat_title"), ("soft", "soft"), ("hard", "hard"),
                ("parity", "parity"), ("even", "even"), ("odd", "odd"))),
            key="chart_heatmap", config=CHART_CONFIG)
        st.caption(t("c_heatmap"))
        cfg = trainer.config
        st.plotly_chart(
            plots.distribution_figure(ev["distribution"],
                                      target_distribution(cfg.n_bits, cfg.upper).numpy(),
                                      _labels(("title", "dist_title"), ("q", "q"),
                                              ("target", "target"), ("x", "integer"))),
            key="chart_distribution", config=CHART_CONFIG)
        st.caption(t("c_distribution"))


def space_note(trainer: Trainer, ev: dict) -> str:
    cfg = trainer.config
    exhaustive = cfg.noise == "binary"  # binary noise (at most 16 bits) is enumerated
    k = 2**cfg.z_dim if exhaustive else 4096
    space = t("exact_over" if exhaustive else "estimated_over", k=f"{k:,}")
    return f"{space} {t('decode_' + trainer.config.decode)}"
