"""The mode-collapse lab: views that show why G collapses, slow motion, and hand edits."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ..encoding import bits_to_ints, convert_float_matrix_to_int_list
from ..metrics import detect_collapse, target_marginals
from ..plots import lab as lab_plots
from ..trainer import Trainer
from .charts import CHART_CONFIG, chart
from .state import SESSION_STEP_CAP, bound_t, chart_points, exact, loss_family, num, scheduler, t
from .text import plain

VIEWS = ("v_timeline", "v_noise", "v_landscape", "v_gweights", "v_dynamics", "v_slowmo",
         "v_edit")


def collapse(trainer: Trainer):
    """The collapse detector's verdict on the run's evaluations (evengan.metrics)."""
    ev = trainer.evals
    return detect_collapse(ev["step"], ev["coverage"], ev["entropy_bits"],
                           trainer.config.target_size)


def collapse_notice(trainer: Trainer, ev: dict) -> None:
    """A warning while the run is collapsed (and only then), saying since when and how far."""
    found = collapse(trainer)
    if found.collapsed:
        evens = trainer.config.target_size
        st.warning(t(exact("collapse_now", trainer.config), step=num(int(found.since), ","),
                     used=round(ev["coverage"] * evens), evens=evens,
                     modes=num(2 ** ev['entropy_bits'], ".1f")), icon=":material/warning:")


def view_picker() -> str:
    if "w_view" not in st.session_state:
        st.session_state.w_view = VIEWS[0]
    choice = st.segmented_control(t("view"), VIEWS, key="w_view", format_func=bound_t())
    return choice or VIEWS[0]


def render_view(trainer: Trainer, view: str, mode: str | None, ev: dict) -> None:
    """Draws one lab view; `ev` is this tick's evaluation, so no view evaluates again. Its
    container's key names it for a lesson step that points to it (evengan.app.lessons)."""
    with st.container(key="look_" + view[2:]):
        _VIEW_DRAW[view](trainer, ev, mode)


_VIEW_DRAW = {
    "v_timeline": lambda tr, ev, mode: timeline(tr),
    "v_noise": lambda tr, ev, mode: noise_map(tr),
    "v_landscape": lambda tr, ev, mode: landscape(tr, ev),
    "v_gweights": lambda tr, ev, mode: g_weights(tr, ev),
    "v_dynamics": lambda tr, ev, mode: dynamics(tr),
    "v_slowmo": lambda tr, ev, mode: slow_motion(tr, mode),
    "v_edit": lambda tr, ev, mode: edit(tr),
}


def _chart(fig, key: str, caption: str) -> None:
    chart(fig, key=key, config=CHART_CONFIG)
    st.caption(caption)


def timeline(trainer: Trainer) -> None:
    if trainer.timeline is None:
        st.info(t("timeline_off"))
        return
    rows = trainer.timeline.array()
    keep = chart_points() // 8  # a column per integer makes each row heavy: 62 while playing
    if len(rows) > keep:
        rows = rows[np.unique(np.linspace(0, len(rows) - 1, keep).round().astype(int))]
    labels = {"title": t("v_timeline"), "x": t("x_step"), "y": t("integer"),
              "collapse": t("ev_collapse"), "recovered": t("ev_recovered")}
    cfg = trainer.config
    whole = cfg.noise == "binary" and cfg.decode == "threshold" and cfg.z_dim <= 16
    labels["count"] = t("noise_vectors")
    _chart(lab_plots.timeline_heatmap(rows[:, 0], rows[:, 1:], collapse(trainer).events, labels,
                                  draws=2**cfg.z_dim if whole else 0),
           "chart_timeline", t("c_timeline"))


def noise_map(trainer: Trainer) -> None:
    engine = trainer.engine
    z, exhaustive = engine.eval_noise()
    probs = engine.probabilities(z)[0]
    outs = bits_to_ints(probs >= 0.5).numpy()
    ids = bits_to_ints(z >= 0.5).numpy() if exhaustive else np.arange(len(z))
    labels = {"title": t("v_noise"), "x": t("noise_vector"), "y": t("integer"),
              "x2": t("count"), "points": t("v_noise"), "counts": t("count")}
    _chart(lab_plots.noise_map(ids, outs, trainer.config.n_bits, labels), "chart_noise",
           t("c_noise"))


def landscape(trainer: Trainer, ev: dict) -> None:
    family, cfg = loss_family(trainer.config), trainer.config
    arch = "linear" if cfg.d_hidden == 0 else "mlp"
    _chart(lab_plots.landscape_figure(ev["d_values"], {
        "title": t("v_landscape"), "x": t("integer"),
        "favourite": t("favourite_critic" if family == "critic" else "favourite"),
        "y": "critic(x)" if family == "critic" else "D(x)"}),
           "chart_landscape", t("c_landscape_" + family) + " " + t("c_landscape_" + arch))
    w = trainer.weights.thinned(chart_points())
    n = cfg.n_bits
    series = {f"b{n - 1 - i}": w[f"d_bit{i}"] for i in range(n)}  # as the heatmap names bits
    _chart(lab_plots.lines_figure(w["step"], series, t("dweights_" + arch), {"x": t("x_step")},
                                  reference=0.0 if arch == "linear" else None),
           "chart_dweights", t("c_dweights" if arch == "linear" else "c_dweights_mlp"))


def g_weights(trainer: Trainer, ev: dict) -> None:
    g = trainer.generator
    last = len(g.spec.layers) - 1
    left, right = st.columns(2)
    with left:
        n = trainer.config.n_bits
        chart(lab_plots.matrix_figure(g.weight(last).detach().numpy(), t("v_gweights"), {
            "x_names": [f"b{n - 1 - j}" for j in range(n)], "in": t("input")}),
            key="chart_gmatrix")
    with right:
        w = trainer.weights.thinned(chart_points())
        n = trainer.config.n_bits
        series = {f"{t('sv')} {i + 1}": w[f"g_sv{i}"] for i in range(n)}
        chart(lab_plots.lines_figure(w["step"], series, t("sv_title"), {"x": t("x_step")}),
                        key="chart_gsv", config=CHART_CONFIG)
    st.caption(t("c_gweights"))
    cfg = trainer.config
    chart(lab_plots.marginals_figure(
        ev["bit_marginals"],
        target_marginals(cfg.n_bits, cfg.upper, cfg.target).numpy(),
        {"title": t("marginals_title"), "g": "G", "target": t("target")}),
        key="chart_marginals", config=CHART_CONFIG)
    st.caption(t("c_marginals" if trainer.config.d_hidden == 0 else "c_marginals_mlp"))


def dynamics(trainer: Trainer) -> None:
    h = trainer.history.thinned(chart_points())
    critic = loss_family(trainer.config) == "critic"
    left, right = st.columns(2)
    with left:
        chart(lab_plots.lines_figure(h["step"], {t("grad_g"): h["grad_g"],
                                                 t("grad_d"): h["grad_d"]},
                                     t("v_dynamics"), {"x": t("x_step")}),
              key="chart_grads")
    with right:
        real, fake = t("m_d_critic").split(" / ") if critic else (t("d_real"), t("d_fake"))
        chart(lab_plots.lines_figure(h["step"], {real: h["d_real"], fake: h["d_fake"]},
                                     t("m_d_critic" if critic else "m_d"), {"x": t("x_step")},
                                     reference=None if critic else 0.5),
              key="chart_dout")
    st.caption(t("c_dynamics_critic" if critic else "c_dynamics"))


def slow_motion(trainer: Trainer, mode: str | None) -> None:
    """Walks one training step through its parts, with the numbers of each part."""
    ss = st.session_state
    # A callback runs before the page redraws, so the metrics above already show the step.
    st.button(t("slowmo_button"), icon=":material/slow_motion_video:", key="btn_slowmo",
              disabled=mode is None or bool(trainer.diverged), on_click=_narrate,
              args=(trainer, mode or "both"))
    story = ss.get("narration")
    if not story:
        st.caption(t("slowmo_help"))
        return
    rec, k = story["record"], len(story["noise"])
    st.markdown(t("slowmo_intro", mode=t("mode_" + story["mode"]))
                + f" — {t('m_step')} {num(int(rec['step']), ',')}")
    show = min(k, 6)
    st.markdown(t("slow_1", k=k))
    noise = np.asarray(story["noise"][:show], dtype=int)
    st.dataframe({f"z{j}": noise[:, j] for j in range(noise.shape[1])}, height=250)
    st.markdown(t("slow_2", ints=story["fake_ints"][:12]))
    probs = np.round(story["fake_probs"][:show], 3)
    n = probs.shape[1]  # bits named as in the heatmap: b(n-1), the most significant, first
    st.dataframe({f"b{n - 1 - j}": probs[:, j] for j in range(n)}, height=250)
    st.markdown(t("slow_3", d_fake=float(np.mean(story["d_fake"])),
                  scale=t("scale_" + loss_family(trainer.config))))
    _part("slow_4", story, "g", loss_g=rec["loss_g"], grad_g=rec["grad_g"],
          g_change=story["g_change"])
    st.markdown(t("slow_5", real=story["real_ints"][:12], d_real=float(np.mean(story["d_real"])),
                  d_fake=float(np.mean(story["d_fake"]))))
    _part("slow_6", story, "d", loss_d=rec["loss_d"], grad_d=rec["grad_d"],
          d_change=story["d_change"])


def _part(key: str, story: dict, net: str, **values) -> None:
    """An update's sentence; for a frozen network its gradient and change read 0, with a note."""
    ran = story["mode"] in ("both", net)
    if not ran:
        values = {k: (v if k.startswith("loss") else 0.0) for k, v in values.items()}
    st.markdown(t(key, **values) + ("" if ran else " " + t("slow_skip")))


# The lab's callbacks change the run: under the session's lock (the class thread may be
# training it), and a step through the scheduler's turn like any other training.
def _narrate(trainer: Trainer, mode: str) -> None:
    ss = st.session_state
    if trainer.step_count >= SESSION_STEP_CAP:
        return
    with ss.lock, scheduler().turn([ss.uid]):
        ss.narration = trainer.narrated_step(mode)


def _reinit(trainer: Trainer, net: str) -> None:
    ss = st.session_state
    with ss.lock:
        trainer.reinit(net)
    ss.edit_message = ("success", t("reinit_done", net=net.upper(),
                                    step=num(trainer.step_count, ",")))


def _apply_edit(trainer: Trainer) -> None:
    ss = st.session_state
    net, layer = ss.w_edit_net, int(ss.w_edit_layer)
    row, col, value = int(ss.w_edit_row), int(ss.w_edit_col), float(ss.w_edit_value)
    try:
        with ss.lock:
            trainer.set_weight(net.lower(), layer, row, col, value)
        ss.edit_message = ("success", t("edit_done", net=net, layer=layer, row=row, col=col,
                                        value=value))
    except ValueError as exc:
        ss.edit_message = ("warning", t("edit_bad", error=plain(exc)))


def edit(trainer: Trainer) -> None:
    """Re-initialise one network, or set one weight by hand and watch the consequence."""
    ss = st.session_state
    left, right = st.columns(2)
    left.button(t("reinit_g"), key="btn_reinit_g", width="stretch",
                on_click=_reinit, args=(trainer, "g"))
    right.button(t("reinit_d"), key="btn_reinit_d", width="stretch",
                 on_click=_reinit, args=(trainer, "d"))
    cols = st.columns(5)
    net = cols[0].selectbox(t("edit_net"), ["G", "D"], key="w_edit_net")
    engine = trainer.engine
    spec = engine.g_spec if net == "G" else engine.d_spec
    layer = cols[1].number_input(t("edit_layer"), 0, len(spec.layers) - 1, key="w_edit_layer")
    _, fan_in, fan_out = spec.layers[int(layer)]
    # Row fan_in, one past the inputs, is the bias (Trainer.set_weight).
    row = cols[2].number_input(t("edit_row"), 0, fan_in, key="w_edit_row",
                               help=t("edit_row_help", bias=fan_in))
    col = cols[3].number_input(t("edit_col"), 0, fan_out - 1, key="w_edit_col")
    module = trainer.generator if net == "G" else trainer.discriminator
    row, col = min(int(row), fan_in), int(col)
    current = float(module.bias(int(layer))[col] if row == fan_in
                    else module.weight(int(layer))[row, col])
    cols[4].number_input(t("edit_value"), -100.0, 100.0, value=0.0, step=0.5,
                         key="w_edit_value")  # read by the callback from session state
    st.caption(t("current_value", value=current))
    st.button(t("edit_apply"), key="btn_edit", on_click=_apply_edit, args=(trainer,))
    message = ss.pop("edit_message", None)
    if message:
        getattr(st, message[0])(message[1])
    ints = convert_float_matrix_to_int_list(
        engine.probabilities(engine.display_noise(8))[0].numpy())
    st.caption(f"G → {ints}")
