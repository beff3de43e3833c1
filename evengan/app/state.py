"""Per-browser-session state: the Trainer, the play flag, and the URL that reproduces them.

Each session keeps its own Trainer in st.session_state. Nothing is shared between students:
st.cache_resource would give the whole class one generator.
"""

from __future__ import annotations

import threading
import time
import uuid

import streamlit as st
import torch

from ..config import FIELD_NAMES, GANConfig, parse_field
from ..trainer import Trainer
from .text import LANGUAGES, translate

# One student's run must not take the server's cores from the others.
torch.set_num_threads(1)

TICK_SECONDS = 0.5  # how often a playing page trains and redraws, when it plays alone
SLICE_SECONDS = 0.4  # training CPU time per tick; the rest of the tick is left for drawing
MAX_TICK_SECONDS = 5.0
SESSION_STEP_CAP = 1_000_000  # per-session ceiling, so one tab cannot train forever
QUERY_STEP_CAP = 20_000  # a share link may ask to train this far on open


# Sessions playing now, across the whole server: uid -> (last tick, its interval). With k of
# them sharing the cores, each tick is given k times the wall time, so that every session gets
# the same CPU per tick and the server redraws no more often in total than for one.
_PLAYERS: dict[str, tuple[float, float]] = {}
_PLAYERS_LOCK = threading.Lock()


def note_playing(uid: str, interval: float) -> None:
    with _PLAYERS_LOCK:
        _PLAYERS[uid] = (time.monotonic(), interval)


def drop_player(uid: str) -> None:
    with _PLAYERS_LOCK:
        _PLAYERS.pop(uid, None)


def playing_sessions(include: str | None = None) -> int:
    """How many sessions play now; `include` counts one that is about to start."""
    now = time.monotonic()
    with _PLAYERS_LOCK:
        for uid, (last, interval) in list(_PLAYERS.items()):
            if now - last > 2 * interval + 2.0:  # a closed tab stops ticking
                del _PLAYERS[uid]
        return len(_PLAYERS) + (include is not None and include not in _PLAYERS)


def tick_seconds(players: int) -> float:
    """The tick interval with `players` sessions playing. Each tick needs SLICE_SECONDS of CPU
    and the cores are shared, so the interval grows with them; a timer that fired before the
    last tick ended would cut its drawing short and favour the fastest timers."""
    if players <= 1:
        return TICK_SECONDS
    return min(MAX_TICK_SECONDS, 1.5 * SLICE_SECONDS * players)


def t(key: str, **values) -> str:
    return translate(st.session_state.get("lang", "en"), key, **values)


def bound_t():
    """t() fixed to the current language, for format functions Streamlit may call later,
    outside this script run."""
    lang = st.session_state.get("lang", "en")
    return lambda key, **values: translate(lang, key, **values)


def config_from_query(params: dict) -> tuple[GANConfig, list[tuple[str, str]]]:
    """The config a URL asks for, skipping bad values: (config, [(field, error), ...])."""
    from ..presets import PRESETS

    problems: list[tuple[str, str]] = []
    base = GANConfig()
    preset = params.get("preset")
    if preset is not None:
        if preset in PRESETS:
            base = PRESETS[preset].config
        else:
            problems.append(("preset", f"unknown preset {preset!r}"))
    changes = {}
    for name in FIELD_NAMES:
        if name in params:
            try:
                changes[name] = parse_field(name, params[name])
            except ValueError as exc:
                problems.append((name, str(exc)))
    try:
        return base.replace(**changes), problems
    except ValueError as exc:  # values fine alone but not together (pack vs batch size)
        problems.append(("config", str(exc)))
        return base, problems


def query_step(params: dict) -> tuple[int, str | None]:
    raw = params.get("step")
    if raw is None:
        return 0, None
    try:
        step = int(raw)
        if not 0 <= step <= QUERY_STEP_CAP:
            raise ValueError
    except ValueError:
        return 0, f"step must be an integer in 0..{QUERY_STEP_CAP:,}, got {raw!r}"
    return step, None


def init_session() -> None:
    """First run of a session: build the Trainer from the URL; later runs change nothing."""
    ss = st.session_state
    if "trainer" in ss:
        return
    params = st.query_params.to_dict()
    lang = params.get("lang", "en")
    ss.lang = lang if lang in LANGUAGES else "en"
    config, problems = config_from_query(params)
    if lang not in LANGUAGES:
        problems.append(("lang", f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}"))
    step, step_problem = query_step(params)
    if step_problem:
        problems.append(("step", step_problem))
    ss.notices = [("warning", t("bad_query", field=f, error=e)) for f, e in problems]
    ss.trainer = Trainer(config)
    ss.playing = False
    ss.uid = uuid.uuid4().hex
    ss.preset = params.get("preset") if params.get("preset") else None
    ss.hidden = presenter_hidden(params.get("hide"))
    ss.target_step = step
    set_widgets(config)


# Names the presenter flag (?hide=...) understands, beside the config fields' own names.
HIDEABLE = ("all", "preset", "variants", "ensemble", "share", "steps_per_tick", "smoothing",
            "freeze_d", "freeze_g", "language", "n_bits", "batch_size", "lr_g", "lr_d", "seed")


def presenter_hidden(raw) -> set[str]:
    """The sidebar controls a presenter link hides; "all" hides the whole sidebar."""
    names = {n.strip() for n in str(raw or "").split(",")} - {""}
    if "all" in names:
        return set(HIDEABLE) | set(FIELD_NAMES)
    return names & (set(HIDEABLE) | set(FIELD_NAMES))


def set_widgets(config: GANConfig) -> None:
    """Puts a config's values into the sidebar widgets' state."""
    for name in FIELD_NAMES:
        st.session_state["w_" + name] = getattr(config, name)


def widget_config() -> GANConfig:
    """The config the sidebar widgets describe now (ValueError if they clash)."""
    current = st.session_state.trainer.config
    values = {name: st.session_state.get("w_" + name, getattr(current, name))
              for name in FIELD_NAMES}
    return GANConfig(**values)


def sync_query(config: GANConfig) -> None:
    """Keeps the URL a share link: the config's non-default fields, plus language and flags."""
    ss = st.session_state
    wanted = config.to_query()
    if ss.get("lang", "en") != "en":
        wanted["lang"] = ss.lang
    if ss.get("hidden"):
        wanted["hide"] = ",".join(sorted(ss.hidden))
    current = st.query_params.to_dict()
    current.pop("step", None)
    current.pop("preset", None)
    if current != wanted:
        st.query_params.from_dict(wanted)
