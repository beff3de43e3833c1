"""Every piece of a browser session's state, declared once: its key in st.session_state, its
first value, and the modules that may change it (tests/test_app_keys.py holds the app to it).

Widgets keep their own values under their keys: w_<name> for inputs (w_<GANConfig field> for
the sidebar's settings), btn_ for buttons, chart_ for charts, x_ for expanders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WIDGET_PREFIXES = ("w_", "btn_", "chart_", "x_")


@dataclass(frozen=True)
class Key:
    what: str
    writers: tuple[str, ...]  # modules of evengan.app that assign it
    default: Any = None  # set by state.init_session; None: built there, or absent until set


KEYS: dict[str, Key] = {
    # The run and its session
    "uid": Key("this session's id with the server's scheduler", ("state",)),
    "lock": Key("held by whoever reads or trains this session's run", ("state",)),
    "trainer": Key("the run on the page (the current branch)",
                   ("state", "share", "branches", "lessons")),
    "branches": Key("name -> Trainer: the session's branches, the current one included",
                    ("branches",)),
    "branch": Key("the current branch's name", ("branches",)),
    "ensemble": Key("the seed ensemble beside the run, while it is on",
                    ("ensemble", "share", "lessons")),
    "sweep": Key("the Sweep page's last table, stopped or whole", ("sweep_page",)),
    "sweep_job": Key("the sweep training on its own thread, while it runs", ("sweep_page",)),
    "sweep_error": Key("why the last sweep could not run, shown once", ("sweep_page",)),
    # Playing
    "playing": Key("Play is on", ("state", "page", "controls", "share", "branches",
                                  "lessons"), False),
    "tick": Key("seconds between two redraws while playing", ("page",), 0.5),
    "_timer_on": Key("the fragment's timer was set by the last whole-page run", ("page",),
                     False),
    "shown_step": Key("the step the page last drew, where a Pause lands", ("page",)),
    # Work asked for by a click, done in a whole-page run (where Cancel works)
    "pending_run": Key("Run N (n, mode), or a link's step= to replay",
                       ("state", "page", "lessons")),
    "pending_recipe": Key("a link's (or a lesson step's) recipe log to replay",
                          ("state", "page", "lessons")),
    "pending_branch": Key("(what, step, seed): a rewind, branch or other-seed run",
                          ("branches",)),
    "page_rerun": Key("a fragment's click that needs the whole page redrawn",
                      ("branches", "page", "targets")),
    "pending_reach": Key("measure what a one-layer G reaches for the run's target",
                         ("targets",)),
    "pick_round": Key("clicks on the distribution chart so far: its key, so that a handled "
                      "selection is cleared", ("targets",)),
    "revert_widgets": Key("put the run's config back into the sidebar",
                          ("controls", "page", "branches")),
    # What the page says and how
    "notices": Key("(level, message) to show once at the top",
                   ("state", "page", "controls", "share", "branches", "targets"), []),
    "lang": Key("the page's language", ("state", "controls"), "en"),
    "preset": Key("the preset a link named", ("state",)),
    "hidden": Key("sidebar controls a presenter link hides", ("state",)),
    "hide_names": Key("those names as the link gave them, for the address bar", ("state",)),
    "narration": Key("the last slow-motion step's story", ("lab",)),
    "lesson": Key("(lesson id, step index) of the open lesson step, or None",
                  ("lessons",)),
    "lesson_wait": Key("a lesson step another tab is replaying, whose copy this one awaits",
                       ("lessons",)),
    "lesson_link_read": Key("the first page's lesson link was read (it is read once)",
                            ("lessons",)),
    "edit_message": Key("the outcome of the last hand edit or re-initialisation", ("lab",)),
}
