"""Per-browser-session state: the Trainer, the play flag, and the URL that reproduces them.

Each session keeps its own Trainer in st.session_state. Nothing is shared between students:
st.cache_resource would give the whole class one generator.
"""

from __future__ import annotations

import copy
import threading
import uuid

import streamlit as st
import torch
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from .. import budget
from .. import recipe as recipes
from ..config import FIELD_NAMES, GANConfig
from ..losses import LOSSES
from ..parse import config_from_strings
from ..presets import PRESETS
from ..scheduler import Scheduler, server
from ..trainer import Trainer
from .keys import KEYS
from .text import LANGUAGES, STRINGS, number, plain, translate

# One student's run must not take the server's cores from the others.
torch.set_num_threads(1)

SESSION_STEP_CAP = 1_000_000  # per-session ceiling, so one tab cannot train forever
EVAL_EVERY = 50  # steps between exact evaluations of a page's run

# Budgets of the class server (environment variables EVENGAN_<NAME>), sized for Community
# Cloud's 2.7 GB and two cores shared by a class of thirty.
SLICE_SECONDS = budget.setting("slice_ms", 50) / 1000  # training between two clock checks
STEP_SECONDS = budget.setting("step_ms", 50) / 1000  # longest single step a config may take
SESSION_BYTES = int(budget.setting("session_mb", 300) * budget.MB)  # one student's runs
SERVER_BYTES = int(budget.setting("server_mb", 1500) * budget.MB)  # all students together


def scheduler() -> Scheduler:
    """The server's one training scheduler (evengan.scheduler)."""
    return server(SLICE_SECONDS)


# Players at which a page's redraws go from twice a second to once, and back.
CLASS_PLAYERS, FEW_PLAYERS = 15, 10


def tick_seconds(players: int, current: float | None = None) -> float:
    """How often a playing page redraws: twice a second, once a second for a class (so that
    thirty redraws leave the server time to train). Two levels with a gap between them: a
    class pressing Play at once changes each page's tick once, not at every arrival (each
    change is a whole-page run, and thirty of them in a row starve the training)."""
    if current == 1.0 and players >= FEW_PLAYERS:
        return 1.0
    return 1.0 if players >= CLASS_PLAYERS else 0.5


def chart_points() -> int:
    """Points per chart line: fewer while playing, when a class redraws every second and the
    bytes add up; the full 2,000 when the run stands still."""
    return 500 if st.session_state.get("playing") else 2000


def session_alive():
    """A check, usable from any thread, that this browser session is still connected."""
    ctx = get_script_run_ctx()
    sid = ctx.session_id if ctx is not None else None

    def alive() -> bool:
        if sid is None or not Runtime.exists():
            return True  # headless tests: the idle timeout still ends a forgotten Play
        return Runtime.instance().is_active_session(sid)

    return alive


def refusal(config: GANConfig, runs: int = 1, kind: str = "run") -> str | None:
    """Why this session may not train `runs` runs of this config here, or None; books the
    memory with the server when it may."""
    why = budget.refusal(config, runs, SESSION_BYTES, STEP_SECONDS)
    if why is None:
        why = scheduler().reserve(st.session_state.get("uid", ""),
                                  budget.estimate_bytes(config, runs), SERVER_BYTES,
                                  session_alive(), kind)
    return why


def t(key: str, **values) -> str:
    return translate(st.session_state.get("lang", "en"), key, **values)


def loss_family(config: GANConfig) -> str:
    """What D's scores are, for captions and axes: "prob" (a probability, the BCE losses),
    "ls" (least squares' targets 0 and 1) or "critic" (a Wasserstein critic's raw score)."""
    return LOSSES[config.loss].family


def exact(key: str, config: GANConfig) -> str:
    """A label's key for this config: its "_t" form (in the target, not even) for a target
    other than the evens, then its "_est" form where the metrics come from a fixed set of
    draws rather than every noise vector; each where the words have that form."""
    if not config.is_even and key + "_t" in STRINGS["en"]:
        key += "_t"
    if config.noise != "binary" and key + "_est" in STRINGS["en"]:
        key += "_est"
    return key


def num(value: float, spec: str = "") -> str:
    """A number as the page's language writes it (1,234.5 or 1.234,5)."""
    return number(st.session_state.get("lang", "en"), value, spec)


def bound_t():
    """t() fixed to the current language, for format functions Streamlit may call later,
    outside this script run."""
    lang = st.session_state.get("lang", "en")
    return lambda key, **values: translate(lang, key, **values)


def config_from_query(params: dict) -> tuple[GANConfig, list[tuple[str, str]]]:
    """The config a URL asks for, skipping bad values: (config, [(field, error), ...])."""
    return config_from_strings(params, strict=False)


def query_step(params: dict) -> tuple[int, str | None]:
    raw = params.get("step")
    if raw is None:
        return 0, None
    try:
        step = int(raw)
        if not 0 <= step <= SESSION_STEP_CAP:  # replayed in fair slices, with a Cancel
            raise ValueError
    except ValueError:
        return 0, f"step must be an integer in 0..{SESSION_STEP_CAP:,}, got {raw!r}"
    return step, None


def init_session() -> None:
    """First run of a session: build the Trainer from the URL; later runs change nothing."""
    ss = st.session_state
    if "trainer" in ss:
        return
    for name, key in KEYS.items():  # the declared first values (evengan.app.keys)
        if key.default is not None:
            ss[name] = copy.copy(key.default)
    params = st.query_params.to_dict()
    lang = params.get("lang", "en")
    ss.lang = lang if lang in LANGUAGES else "en"
    config, problems = config_from_query(params)
    if lang not in LANGUAGES:
        problems.append(("lang", f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}"))
    step, step_problem = query_step(params)
    if step_problem:
        problems.append(("step", step_problem))
    ss.uid = uuid.uuid4().hex
    ss.lock = threading.RLock()  # held by whoever reads or trains this session's run
    too_big = refusal(config)
    if too_big:
        problems.append(("config", too_big))
        config = GANConfig()
    ss.notices = [("warning", t("bad_query", field=f, error=plain(e)))
                  for f, e in problems]
    ss.trainer = Trainer(config, eval_every=EVAL_EVERY, max_bytes=SESSION_BYTES)
    ss.playing = False
    ss.preset = params.get("preset") if params.get("preset") else None
    ss.hidden = presenter_hidden(params.get("hide"))
    # The names as the link gave them (the known ones): "all" stays "all" in the address bar.
    ss.hide_names = sorted({n.strip() for n in str(params.get("hide") or "").split(",")}
                           & (set(HIDEABLE) | set(FIELD_NAMES)))
    unknown = {n.strip() for n in str(params.get("hide") or "").split(",")} - {""} - set(
        HIDEABLE) - set(FIELD_NAMES)
    if unknown:
        ss.notices.append(("warning", t("bad_query", field="hide", error=plain(
            "unknown names " + ", ".join(sorted(unknown))))))
    ss.pending_run = (step, "both") if step else None
    ss.pending_recipe = None
    if params.get("r"):
        _open_recipe(str(params["r"]), config)
    set_widgets(ss.trainer.config)


def _open_recipe(text: str, shown: GANConfig) -> None:
    """A link's recipe: a fresh run of its config, whose actions the page then replays (with a
    progress bar and Cancel); a bad one is named, and the link's plain settings kept."""
    ss = st.session_state
    try:
        data = recipes.decode(text)
    except Exception as exc:  # anything a crafted link holds: named, never a traceback
        ss.notices.append(("warning", t("bad_recipe", error=plain(exc))))
        return
    problem = load_recipe(data, shown)
    if problem:
        ss.notices.append(("warning", t("bad_recipe", error=problem)))


def load_recipe(data: object, shown: GANConfig | None = None) -> str | None:
    """Makes a recipe the session's run: a fresh run of its config, whose actions the page
    then replays (with a progress bar and Cancel). Every config the recipe passes through
    must fit the budgets; returns why not (the run is then left as it was), else None."""
    ss = st.session_state
    try:
        config, log = recipes.check(data, SESSION_STEP_CAP)
        passes = recipes.configs(config, log)
        for step_config in passes:
            too_big = budget.refusal(step_config, 1, SESSION_BYTES, STEP_SECONDS)
            if too_big:
                raise ValueError(too_big)
        too_big = refusal(config)
        if too_big:
            raise ValueError(too_big)
    except Exception as exc:  # anything a crafted link holds: named, never a traceback
        return plain(exc)
    if shown is not None and passes[-1] != shown:
        ss.notices.append(("info", t("recipe_wins")))
    ss.trainer = Trainer(config, eval_every=EVAL_EVERY, max_bytes=SESSION_BYTES)
    ss.pending_recipe, ss.pending_run = log or None, None
    set_widgets(config)
    return None


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


def link_query(trainer: Trainer) -> dict[str, str]:
    """The query of the link that rebuilds this run: the current config's non-default fields
    (readable), the run's recipe (r: every action since step 0, evengan.recipe), language and
    hidden controls. A run from a checkpoint file has no recipe: its link gives the step."""
    ss = st.session_state
    query = trainer.config.to_query()
    encoded = recipes.encode(recipes.recipe(trainer)) if trainer.actions else None
    if encoded and len(encoded) <= recipes.MAX_LINK_CHARS:
        query["r"] = encoded
    elif trainer.step_count:  # no recipe, or one too long for a link: settings and step
        query["step"] = str(trainer.step_count)
    if ss.get("lang", "en") != "en":
        query["lang"] = ss.lang
    if ss.get("hide_names"):
        query["hide"] = ",".join(ss.hide_names)
    at = ss.get("lesson")
    if at:  # the open lesson step stays in the address bar (evengan.app.lessons)
        query["lesson"] = f"{at[0]}:{at[1] + 1}"
    return query


def sync_query(trainer: Trainer) -> None:
    """Keeps the address bar a share link of the run as it is now."""
    wanted = link_query(trainer)
    current = st.query_params.to_dict()
    if current.get("preset") in PRESETS:  # a preset's name may stay; an unknown one goes
        current.pop("preset")
    if current != wanted:
        st.query_params.from_dict(wanted)
