"""Share, save and restore: the share link, checkpoint download and upload, CSV and JSON."""

from __future__ import annotations

import io
import json
from functools import partial
from urllib.parse import urlencode

import numpy as np
import streamlit as st

from .. import checkpoint, export
from ..trainer import Trainer
from .state import EVAL_EVERY, link_query, refusal, scheduler, set_widgets, t
from .text import plain


def share_link(trainer: Trainer) -> str:
    """The page URL that rebuilds this run (see state.link_query)."""
    query = link_query(trainer)
    try:
        base = st.context.url or ""
    except Exception:  # outside a browser session (tests)
        base = ""
    return f"{base or 'http://localhost:8501/'}?{urlencode(query)}" if query else base


# The download callables run on another thread at click time, so they get the trainer and
# its lock rather than reading session state; the lock keeps the class thread from training
# the run halfway through its snapshot.
def _locked(lock, make, trainer: Trainer):
    with lock:
        return make(trainer)


def _checkpoint_bytes(trainer: Trainer) -> bytes:
    buf = io.BytesIO()
    trainer.save(buf)
    return buf.getvalue()


def _history_csv(trainer: Trainer) -> str:
    h = trainer.history
    rows = h.array()
    out = io.StringIO()
    np.savetxt(out, rows, delimiter=",", header=",".join(h.columns), comments="", fmt="%.9g")
    return out.getvalue()


def _config_json(trainer: Trainer) -> str:
    return json.dumps(trainer.config.to_dict(), indent=2, sort_keys=True)


def _plain(trainer: Trainer) -> bool:
    """Whether the run is its current settings trained from step 0 and nothing else, which is
    what an exported script replays."""
    actions = trainer.actions
    return (actions is not None and trainer.origin == trainer.config
            and all(a["do"] == "run" and a["mode"] == "both" for a in actions))


def _export_steps(trainer: Trainer) -> int:
    return trainer.step_count or 500  # an untrained run exports the tutorial's 500 steps


def _script(trainer: Trainer) -> str:
    return export.script(trainer.config, _export_steps(trainer))


def _notebook(trainer: Trainer) -> str:
    return export.notebook(trainer.config, _export_steps(trainer))


def _load_upload() -> None:
    ss = st.session_state
    upload = ss.get("w_upload")
    if upload is None:
        return
    data = upload.getvalue()
    try:
        with scheduler().turn([ss.uid]):  # reading and checking a file is work too
            too_big = refusal(checkpoint.Reader(data).header.config)  # before building it
            if too_big:
                raise ValueError(too_big)
            trainer = Trainer.load(data)
    except ValueError as exc:
        ss.notices.append(("warning", t("upload_bad", error=plain(exc))))
        return
    trainer.eval_every = EVAL_EVERY  # the page's, not the file's: evaluations cost time
    scheduler().stop(ss.uid)
    ss.trainer = trainer
    ss.playing = False
    if ss.pop("ensemble", None) is not None:
        scheduler().release(ss.uid, "ensemble")
    set_widgets(trainer.config)
    ss.notices.append(("success", t("upload_done", step=trainer.step_count)))


def panel(trainer: Trainer) -> None:
    """The sidebar's share and save section."""
    with st.expander(t("share_title")):
        st.caption(t("share_help"))
        link = share_link(trainer)
        st.code(link, language=None, wrap_lines=True)
        if "r=" not in link and trainer.step_count:
            st.caption(t("no_recipe_link"))
        downloads = [
            ("dl_checkpoint", _checkpoint_bytes, "evengan.npz", "application/octet-stream"),
            ("dl_history", _history_csv, "evengan_history.csv", "text/csv"),
            ("dl_config", _config_json, "evengan_config.json", "application/json"),
        ]
        missing = export.unsupported_settings(trainer.config)
        if not missing:
            downloads += [
                ("dl_script", _script, "evengan_run.py", "text/x-python"),
                ("dl_notebook", _notebook, "evengan_run.ipynb", "application/x-ipynb+json"),
            ]
        for label, make, name, mime in downloads:
            st.download_button(t(label), partial(_locked, st.session_state.lock, make, trainer),
                               file_name=name, mime=mime,
                               key="btn_" + label, on_click="ignore", width="stretch")
        if missing:
            st.caption(t("export_no", what=", ".join(missing)))
        elif not _plain(trainer):
            st.caption(t("export_partial"))
        st.file_uploader(t("upload"), type=["npz"], key="w_upload", on_change=_load_upload,
                         max_upload_size=5)
