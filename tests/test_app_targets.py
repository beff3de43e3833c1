"""The target on the page (AppTest): chosen by a link, the list or typing, spoken of in the
target's words, and the reach of a one-layer G measured once for the whole server.

A click on a bar is a Plotly selection, which AppTest cannot make: tests/test_browser.py
clicks bars in Chromium, and tests/test_targets.py checks the toggling against a set model.
"""

from evengan import reach
from evengan.app import targets as app_targets
from tests.test_app import metric, start, trainer
from tests.test_app_words import _english_only, _shown


def test_a_link_s_target_is_the_run_s_and_the_page_speaks_of_it():
    at = start({"target": "multiples:3", "d_hidden": "16"})
    assert not at.exception
    assert trainer(at).config.target == "multiples:3"
    assert at.selectbox(key="w_target").value == "multiples:3"
    assert any("the target, multiples of 3" in c.value for c in at.caption)  # the intro
    ev = trainer(at).evaluate()
    assert metric(at, "In-target ratio (exact)") == f"{ev['target_ratio']:.3f}"
    assert "Even ratio (exact)" not in {m.label for m in at.metric}
    assert any("at most 1 of the 43 target numbers" in m.value for m in at.markdown)


def test_the_evens_keep_the_tutorials_words():
    at = start()
    assert {"Even ratio (exact)"} <= {m.label for m in at.metric}
    assert not any("In-target" in m.label for m in at.metric)
    # the reach panel is closed for the evens and draws nothing while it is
    assert "chart_reach" not in {c.key for c in at.get("plotly_chart")}
    assert "chart_reach" in {c.key for c in start({"target": "odd"}).get("plotly_chart")}


def test_a_typed_target_applies_and_a_bad_one_is_one_warning():
    at = start()
    at.text_input(key="w_target_text").input("set:1=2,5,9").run()
    assert trainer(at).config.target == "set:1=2,5,9"
    at.text_input(key="w_target_text").input("set:1,1").run()
    assert trainer(at).config.target == "set:1=2,5,9"  # unchanged
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 1 and "1 is named twice" in warnings[0]
    assert "\n" not in warnings[0] and not at.exception


def test_fewer_bits_that_leave_the_target_empty_keep_the_run_and_say_why():
    at = start({"target": "set:200", "n_bits": "8"})
    at.slider(key="w_n_bits").set_value(7).run()
    assert not at.exception
    assert trainer(at).config.n_bits == 8  # the run stays
    assert any("has no number below 128" in w.value for w in at.warning)


def test_the_reach_is_measured_once_for_the_server_and_shown_in_portuguese():
    # A target no other test measures, so this test's click is the one that trains.
    query = {"target": "set:3,5,6,9", "n_bits": "4", "lang": "pt"}
    at = start(query)
    key = app_targets._key(trainer(at).config)
    app_targets._MEASURED.pop(key, None)
    at.button(key="btn_reach").click().run()
    assert not at.exception
    measured = app_targets._MEASURED[key]
    assert len(measured["coverage"]) == reach.SEEDS and measured["steps"] == reach.STEPS
    assert any("sementes" in m.value and "taxa no alvo mediana" in m.value
               for m in at.markdown)
    leaks = {s for s in _shown(at) if s in _english_only()}
    assert not leaks, leaks
    other = start(query)  # another student: the figures are there, no button to press
    assert all(b.key != "btn_reach" for b in other.button)


def test_a_chart_selection_is_trusted_only_for_whole_finite_numbers():
    points = [{"x": 6}, {"x": 7.0}, {"x": 2.5}, {"x": float("inf")}, {"x": float("nan")},
              {"x": "3"}, {"x": None}, {"x": [1]}, {"x": True}, {"y": 4}, "x", 9]
    assert app_targets.clicked_numbers(points) == [6, 7]
    assert app_targets.clicked_numbers({"x": 1}) == [] == app_targets.clicked_numbers(None)


def test_a_typed_target_the_bits_leave_empty_is_refused_and_the_evens_keep_their_words():
    at = start({"max_int": "100"})
    at.text_input(key="w_target_text").input("set:120").run()
    assert trainer(at).config.target == "even" and at.selectbox(key="w_target").value == "even"
    assert any("has no number below 100" in w.value for w in at.warning)
    ev = trainer(at).evaluate()  # max_int cuts the evens; the page still shows the even ratio
    assert metric(at, "Even ratio (exact)") == f"{ev['even_ratio']:.3f}"


def test_a_link_whose_bits_empty_its_target_keeps_everything_else():
    at = start({"target": "range:100-120", "n_bits": "6", "lr_g": "0.01", "seed": "5"})
    cfg = trainer(at).config
    assert (cfg.n_bits, cfg.lr_g, cfg.seed, cfg.target) == (6, 0.01, 5, "even")
    assert any("has no number below 64" in w.value for w in at.warning)
