"""What the page says follows its language and the run it describes (AppTest).

In Portuguese no English phrase of the translation tables may show: not as a label, an option,
a caption, a message or a chart title. Captions, axes and labels follow the loss (a critic's
scores are not probabilities) and D's architecture; numbers follow the language (1.200,5).
"""

import json

import pytest

from evengan.app.text import STRINGS
from tests.test_app import start, trainer

VIEWS = ["v_timeline", "v_noise", "v_landscape", "v_gweights", "v_dynamics", "v_slowmo",
         "v_edit"]


def _english_only() -> set[str]:
    """The English texts that their Portuguese differs from (names like "D(x)" are shared)."""
    en, pt = STRINGS["en"], STRINGS["pt"]
    return {en[k] for k in en if en[k] != pt[k] and "{" not in en[k] and len(en[k]) > 3}


def _shown(at) -> list[str]:
    """Every word the page shows: labels, options, captions, messages, chart titles, axes and
    legends."""
    out = []
    for kind in ("button", "selectbox", "slider", "select_slider", "number_input", "checkbox",
                 "toggle", "text_input", "multiselect", "radio", "metric"):
        for widget in getattr(at, kind):
            out.append(widget.label)
            out.extend(str(o) for o in getattr(widget, "options", []) or [])
    for kind in ("caption", "markdown", "warning", "info", "success", "error", "subheader",
                 "title"):
        out.extend(e.value for e in getattr(at, kind))
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        layout = spec.get("layout", {})
        out.append(layout.get("title", {}).get("text", ""))
        for key, axis in layout.items():
            if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
                out.append((axis.get("title") or {}).get("text", ""))
        out.extend(d.get("name", "") for d in spec.get("data", []))
        out.extend(a.get("text", "") for a in layout.get("annotations", []))
    return [s for s in out if s]


@pytest.mark.parametrize("preset", ["tutorial", "wgan-gp"])
def test_the_portuguese_page_shows_no_english_phrase_in_any_view(preset):
    at = start({"lang": "pt", "preset": preset})
    at.number_input(key="w_n").set_value(300)
    at.button(key="btn_run_n").click().run()
    english = _english_only()
    for view in VIEWS:
        at.session_state["w_view"] = view
        at.run()
        assert not at.exception
        leaks = {s for s in _shown(at) if s in english}
        assert not leaks, (view, leaks)


def test_numbers_follow_the_language():
    at = start({"lang": "pt"})
    at.number_input(key="w_n").set_value(1200)
    at.button(key="btn_run_n").click().run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Passo"] == "1.200"
    assert "," in metrics["Cobertura (exata)"] and "." not in metrics["Cobertura (exata)"]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["separators"] == ",."  # Plotly's axes: 0,5 and 1.000
    en = start()
    en.number_input(key="w_n").set_value(1200)
    en.button(key="btn_run_n").click().run()
    assert {m.label: m.value for m in en.metric}["Step"] == "1,200"


def _loss_chart(at) -> dict:
    return next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                if '"Losses"' in c.proto.spec)


def _ln2(at) -> bool:
    return any(a["text"] == "ln 2" for a in _loss_chart(at)["layout"].get("annotations", []))


def _stepped(query: dict | None = None):
    """A page after one step (before the first step the loss chart says so, with no line)."""
    at = start(query)
    assert not _ln2(at)
    return at.button(key="btn_step").click().run()


def test_captions_and_axes_follow_the_loss():
    tutorial = _stepped()
    assert _ln2(tutorial)
    assert any("settle near ln 2" in c.value for c in tutorial.caption)
    assert "D(real) / D(fake)" in {m.label for m in tutorial.metric}
    critic = _stepped({"preset": "wgan-gp"})
    assert not _ln2(critic)  # no ln 2 for a critic
    assert not any("ln 2 when" in c.value for c in critic.caption)
    assert any("not probabilities" in c.value for c in critic.caption)
    assert "critic(real) / critic(fake)" in {m.label for m in critic.metric}
    squares = _stepped({"loss": "lsgan"})
    assert not _ln2(squares)
    assert any("Least-squares" in c.value for c in squares.caption)


@pytest.mark.parametrize("d_hidden, words", [("0", "A linear D can only rank bits"),
                                             ("32", "An MLP D can score")])
def test_the_landscape_caption_follows_d(d_hidden, words):
    at = start({"d_hidden": d_hidden})
    at.session_state["w_view"] = "v_landscape"
    at.run()
    captions = " ".join(c.value for c in at.caption)
    assert words in captions
    assert ("per-bit means" in captions) == (d_hidden == "0")


def test_estimated_metrics_are_not_called_exact():
    at = start({"noise": "gaussian"})
    labels = {m.label for m in at.metric}
    assert "Even ratio (est.)" in labels and "Even ratio (exact)" not in labels
    assert trainer(at).config.noise == "gaussian"


def test_the_loss_caption_says_what_this_run_s_losses_do():
    healthy = start({"preset": "healthy"})
    healthy.number_input(key="w_n").set_value(1500)
    healthy.button(key="btn_run_n").click().run()
    g = trainer(healthy).history["loss_g"][-100:].mean()
    assert g > 1.0  # this run's D keeps winning
    captions = " ".join(c.value for c in healthy.caption)
    assert "away from ln 2" in captions and "settle near ln 2" not in captions
