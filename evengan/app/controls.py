"""The sidebar and the training buttons."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ..config import DECODES, FIELD_NAMES, NOISES, OPTIMIZERS
from ..losses import LOSSES
from ..presets import PRESETS
from . import targets
from .state import bound_t, refusal, set_widgets, t, widget_config
from .text import LANGUAGES, plain

LR_CHOICES = [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1]
BATCH_CHOICES = [1, 2, 4, 8, 16, 32, 64, 128, 256]
TICK_CHOICES = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]


@dataclass
class ViewPrefs:
    """How the page draws and plays, not part of the run's config."""

    steps_per_tick: int = 1000
    smoothing: float = 0.0
    freeze_d: bool = False
    freeze_g: bool = False

    @property
    def mode(self) -> str | None:
        """The step mode that Play uses: None when both networks are frozen."""
        if self.freeze_d and self.freeze_g:
            return None
        return "g" if self.freeze_d else "d" if self.freeze_g else "both"


# The variant controls: (group, field, kind, options). Kinds: "choice" (a selectbox whose
# options are translated as <prefix>_<value>), "int" (number input), "float" (slider),
# "bool" (checkbox).
VARIANTS = [
    ("group_loss", "loss", "choice", (tuple(LOSSES), "loss")),
    ("group_loss", "d_steps", "int", (1, 10)),
    ("group_loss", "g_steps", "int", (1, 10)),
    ("group_loss", "label_smoothing", "float", (0.0, 0.5, 0.05)),
    ("group_loss", "instance_noise", "float", (0.0, 1.0, 0.05)),
    ("group_loss", "clip", "float", (0.001, 0.1, 0.001)),
    ("group_loss", "gp_weight", "float", (0.0, 50.0, 0.5)),
    ("group_loss", "r1_weight", "float", (0.0, 20.0, 0.5)),
    ("group_loss", "unroll_steps", "int", (0, 10)),
    ("group_opt", "optimizer_g", "choice", (OPTIMIZERS, None)),
    ("group_opt", "optimizer_d", "choice", (OPTIMIZERS, None)),
    ("group_opt", "beta1", "float", (0.0, 0.99, 0.01)),
    ("group_opt", "beta2", "float", (0.9, 0.9999, 0.0001)),
    ("group_opt", "momentum", "float", (0.0, 0.99, 0.01)),
    ("group_d", "d_hidden", "choice", ((0, 4, 8, 16, 32, 64, 128), None)),
    ("group_d", "d_depth", "int", (1, 3)),
    ("group_d", "pack", "choice", ((1, 2, 4, 8), None)),
    ("group_d", "mbstd", "bool", None),
    ("group_g", "g_hidden", "choice", ((0, 4, 8, 16, 32, 64, 128), None)),
    ("group_g", "g_depth", "int", (1, 3)),
    ("group_g", "noise", "choice", (NOISES, "noise")),
    ("group_g", "noise_dim", "int", (0, 16)),
    ("group_view", "decode", "choice", (DECODES, "decode_opt")),
]


def _option_text(tr, prefix: str, value) -> str:
    """An option's words; a loss the translations do not know yet shows its table label."""
    key = f"{prefix}_{value}"
    text = tr(key)
    return LOSSES[value].label if text == key and prefix == "loss" else text


def _variant_widget(name: str, kind: str, options) -> None:
    ss, key, label = st.session_state, "w_" + name, t("f_" + name)
    if kind == "choice":
        values, prefix = options
        values = _choices(list(values), ss[key]) if not isinstance(values[0], str) else values
        tr = bound_t()
        fmt = (lambda v, p=prefix: _option_text(tr, p, v)) if prefix else str
        st.selectbox(label, values, key=key, format_func=fmt)
    elif kind == "int":
        value = int(ss[key])
        st.number_input(label, min(options[0], value), max(options[1], value), step=1, key=key)
    elif kind == "float":
        low, high, step = options
        value = float(ss[key])  # a share link may hold a value outside the usual range
        st.slider(label, min(low, value), max(high, value), step=step, key=key, format="%.4g")
    else:
        st.checkbox(label, key=key)


def _choices(options: list, value) -> list:
    """The options plus the current value, so a share link's odd value still shows."""
    return sorted(set(options) | {value})


def _set_language() -> None:
    st.session_state.lang = st.session_state.w_lang


def _apply_preset() -> None:
    name = st.session_state.w_preset
    if name in PRESETS:
        set_widgets(PRESETS[name].config.replace(seed=st.session_state.w_seed))


def sidebar() -> ViewPrefs:
    """Draws the sidebar; widget values land in session state under w_<field>."""
    ss = st.session_state
    hidden = ss.get("hidden", set())
    if ss.pop("revert_widgets", False):
        set_widgets(ss.trainer.config)
    # Streamlit drops a widget's state on a page that does not draw it (the Sweep page):
    # put the run's config back, or the sliders would come back at their minimums.
    for name in FIELD_NAMES:
        if "w_" + name not in ss:
            ss["w_" + name] = getattr(ss.trainer.config, name)
    with st.sidebar:
        if "language" not in hidden:
            if "w_lang" not in ss:
                ss.w_lang = ss.get("lang", "en")
            st.selectbox(t("language"), list(LANGUAGES), key="w_lang",
                         format_func=LANGUAGES.get, on_change=_set_language)
        st.header(t("sidebar_title"))
        _run_controls(hidden)
        _view_controls(hidden)
    return ViewPrefs(steps_per_tick=int(ss.w_steps_per_tick), smoothing=float(ss.w_smoothing),
                     freeze_d=bool(ss.w_freeze_d), freeze_g=bool(ss.w_freeze_g))


def _run_controls(hidden: set[str]) -> None:
    """The run's settings: preset, bits, batch, learning rates, seed and the variants."""
    ss = st.session_state
    if "preset" not in hidden:
        names = list(PRESETS)
        if "w_preset" not in ss:
            ss.w_preset = ss.get("preset") or names[0]
        tr = bound_t()
        st.selectbox(t("preset"), names, key="w_preset", on_change=_apply_preset,
                     format_func=lambda name: tr("preset_name_" + name))
        st.caption(t(f"preset_{ss.w_preset}") if ss.w_preset in PRESETS else "")
    if "n_bits" not in hidden:
        st.slider(t("n_bits"), 3, max(12, int(ss.w_n_bits)), key="w_n_bits")
    if "target" not in hidden:
        targets.picker()
    if "batch_size" not in hidden:
        st.select_slider(t("batch_size"), _choices(BATCH_CHOICES, ss.w_batch_size),
                         key="w_batch_size")
    for name in ("lr_g", "lr_d"):
        if name not in hidden:
            st.select_slider(t(name), _choices(LR_CHOICES, ss["w_" + name]), key="w_" + name,
                             format_func=lambda v: f"{v:g}")
    if "seed" not in hidden:
        st.number_input(t("seed"), 0, 2**31 - 1, step=1, key="w_seed")
    if "w_steps_per_tick" not in ss:
        ss.w_steps_per_tick = 1000
        ss.w_smoothing = 0.0
    hidden_variants = "variants" in hidden
    if not hidden_variants:
        with st.expander(t("variants")):
            group = None
            for grp, name, kind, options in VARIANTS:
                if name in hidden:
                    continue
                if grp != group:
                    st.markdown(f"**{t(grp)}**")
                    group = grp
                _variant_widget(name, kind, options)


def _view_controls(hidden: set[str]) -> None:
    """How the page trains and draws: freezes, the seed ensemble, steps per tick, smoothing."""
    ss = st.session_state
    for flag in ("freeze_d", "freeze_g"):
        if "w_" + flag not in ss:
            ss["w_" + flag] = False
        if flag not in hidden:
            st.checkbox(t(flag), key="w_" + flag)
    if "ensemble" not in hidden:
        if "w_ensemble" not in ss:
            ss.w_ensemble, ss.w_ensemble_k = False, 16
        st.toggle(t("ensemble"), key="w_ensemble")
        if ss.w_ensemble:
            st.select_slider(t("ensemble_k"), [4, 8, 16, 32, 64], key="w_ensemble_k")
    if "steps_per_tick" not in hidden:
        st.select_slider(t("steps_per_tick"), TICK_CHOICES, key="w_steps_per_tick")
    if "smoothing" not in hidden:
        st.slider(t("smoothing"), 0.0, 0.99, step=0.01, key="w_smoothing")


def apply_sidebar() -> None:
    """Hands the widgets' config to the Trainer: live where it can, resetting where it must."""
    ss = st.session_state
    trainer = ss.trainer
    try:
        config = widget_config()
    except ValueError as exc:
        st.warning(t("bad_config", error=plain(exc)))
        return
    if config == trainer.config:
        return
    too_big = refusal(config)
    if too_big:  # keep the run; the widgets go back to its config on the next run
        ss.notices.append(("warning", t("bad_config", error=plain(too_big))))
        ss.revert_widgets = True
        st.rerun()
    changed = [name for name in config.structure_fields() if
               getattr(config, name) != getattr(trainer.config, name)]
    with ss.lock:  # the class thread may be training this run
        reset = trainer.update_config(config)
    if reset:
        ss.playing = False
        ss.notices.append(("info", t("reset_notice", field=", ".join(changed) or "seed")))


def buttons(frozen: bool = False, freeze_d: bool = False,
            freeze_g: bool = False) -> tuple[str | None, int]:
    """The training controls; returns (action, n) for the page to carry out. A frozen
    network's own Step is off; with both frozen (`frozen`) Step, Play and Run N would only
    count steps: they are off too.

    They live inside the live fragment, so a Step click reruns only the fragment. Play and
    Pause return "play" / "pause": the page then reruns whole to start or stop the timer.
    """
    ss = st.session_state
    cols = st.columns([1, 1, 1, 1.2, 1, 1.4, 1])
    action = None
    if cols[0].button(t("step"), icon=":material/skip_next:", key="btn_step", width="stretch",
                      disabled=frozen):
        action = "step"
    if cols[1].button(t("step_d"), key="btn_step_d", width="stretch", disabled=freeze_d):
        action = "step_d"
    if cols[2].button(t("step_g"), key="btn_step_g", width="stretch", disabled=freeze_g):
        action = "step_g"
    if ss.playing:
        if cols[3].button(t("pause"), icon=":material/pause:", key="btn_pause",
                          type="primary", width="stretch"):
            action = "pause"
    elif cols[3].button(t("play"), icon=":material/play_arrow:", key="btn_play",
                        type="primary", width="stretch", disabled=frozen):
        action = "play"
    n = cols[4].number_input(t("n_steps"), 1, 100_000, value=500, step=100, key="w_n",
                             label_visibility="collapsed")
    if cols[5].button(t("run_n"), key="btn_run_n", width="stretch", disabled=frozen):
        action = "run_n"
    if cols[6].button(t("reset"), icon=":material/restart_alt:", key="btn_reset",
                      width="stretch"):
        action = "reset"
    return action, int(n)
