"""The lessons on the page, through Streamlit's AppTest: every step of every lesson opened
end to end with Next, a step's link, Back, both languages, and bad links."""

import pytest

from evengan.app import lessons as page_lessons
from evengan.lesson import lessons
from tests.test_app import start, trainer


@pytest.fixture(autouse=True)
def _no_kept_runs():
    """Each test replays its steps itself: the server-wide copies start empty."""
    page_lessons._KEPT.clear()
    page_lessons._REPLAYING.clear()
    yield
    page_lessons._KEPT.clear()
    page_lessons._REPLAYING.clear()


def _card_text(at) -> str:
    return " ".join(m.value for m in at.markdown) + " " + " ".join(c.value for c in at.caption)


@pytest.mark.parametrize("lesson_id", list(lessons()))
def test_a_lesson_runs_end_to_end_with_next(lesson_id):
    lesson = lessons()[lesson_id]
    at = start({"lesson": lesson_id})
    for i, step in enumerate(lesson.steps):
        assert not at.exception, at.exception
        text = _card_text(at)
        assert step.title["en"] in text and f"step {i + 1} of {len(lesson.steps)}" in text
        run = trainer(at)
        assert run.config == step.config
        assert run.step_count == sum(a["n"] for a in step.log if a["do"] == "run")
        assert at.query_params["lesson"] == f"{lesson_id}:{i + 1}"
        if step.look:  # the chart it points to is outlined
            assert any(f".st-key-look_{step.look}" in h.proto.body for h in at.get("html"))
        if step.figure:
            assert any(c.key == "chart_lesson_fig" for c in at.get("plotly_chart"))
        if step.question:
            assert any(e.label == "Answer" for e in at.expander)
        if i < len(lesson.steps) - 1:
            at.button(key="btn_lesson_next").click().run()
    assert at.button(key="btn_lesson_next").disabled


def test_a_step_link_opens_that_step_and_back_goes_one_back():
    at = start({"lesson": "last-bit:3"})
    assert trainer(at).step_count == 300
    assert at.button(key="btn_lesson_back").disabled is False
    at.button(key="btn_lesson_back").click().run()
    assert trainer(at).step_count == 0 and at.query_params["lesson"] == "last-bit:2"
    assert "step 2 of 4" in _card_text(at)


def test_the_card_speaks_portuguese():
    at = start({"lesson": "packing:2", "lang": "pt"})
    step = lessons()["packing"].steps[1]
    text = _card_text(at)
    assert step.title["pt"] in text and step.text["pt"] in text
    assert step.title["en"] not in text
    assert any(b.label == "Avançar" for b in at.button)


def test_a_bad_lesson_link_warns_and_opens_the_page():
    at = start({"lesson": "packing:99"})
    assert not at.exception
    assert any("lesson" in w.value for w in at.warning)
    assert at.session_state["lesson"] is None if "lesson" in at.session_state else True


def test_leaving_the_lesson_removes_the_card_and_its_link():
    at = start({"lesson": "seeds:1"})
    at.button(key="btn_lesson_leave").click().run()
    assert "lesson" not in at.query_params
    assert not any(b.key == "btn_lesson_next" for b in at.button)
    assert trainer(at).step_count == 3000  # the run stays


def test_a_link_with_a_run_keeps_that_run_and_shows_the_step():
    at = start({"lesson": "last-bit:3"})
    query = dict(at.query_params.items())
    at2 = start(query)
    assert trainer(at2).step_count == 300 and "step 3 of 4" in _card_text(at2)


def _lessons_page_script():
    import streamlit as st

    from evengan.app import lessons, page
    from evengan.app.state import init_session

    init_session()
    train = st.Page(page.train_page, title="Train", url_path="train", default=True)
    st.navigation([train, st.Page(lambda: None, title="Lessons", url_path="lessons")],
                  position="hidden")
    lessons.page(train)


def test_the_lessons_page_lists_every_lesson_and_starts_one():
    from streamlit.testing.v1 import AppTest

    from tests.conftest import OPENED_SESSIONS

    at = AppTest.from_function(_lessons_page_script, default_timeout=60)
    OPENED_SESSIONS.append(at)
    at.run()
    text = " ".join(m.value for m in at.markdown)
    for i, lesson in enumerate(lessons().values(), start=1):
        assert f"{i}. {lesson.title['en']}" in text
    at.button(key="btn_start_packing").click().run()
    assert at.session_state["lesson"] == ("packing", 0)
    assert trainer(at).config == lessons()["packing"].steps[0].config


def test_a_step_replayed_once_is_copied_to_the_next_sessions_exactly():
    import torch

    first = start({"lesson": "last-bit:3"})  # replays 300 steps, then keeps a copy
    kept = page_lessons._KEPT[("last-bit", 2)]
    assert kept.snapshots.nearest(300).step == 300  # a fork of it replays nothing
    second = start({"lesson": "last-bit:3"})
    a, b = trainer(first), trainer(second)
    assert a is not b and b.step_count == 300
    assert torch.equal(a.engine.g, b.engine.g) and torch.equal(a.engine.d, b.engine.d)
    assert b.recipe() == a.recipe()
    second.button(key="btn_step").click().run()  # the copy trains on its own
    assert trainer(second).step_count == 301
    assert page_lessons._KEPT[("last-bit", 2)].step_count == 300


def test_a_tab_waits_for_the_step_another_tab_is_replaying_and_takes_its_copy():
    import threading
    import time

    from evengan.trainer import Trainer

    key = ("last-bit", 2)
    page_lessons._REPLAYING[key] = ("another tab", time.monotonic())
    ready = Trainer.from_recipe(lessons()["last-bit"].steps[2].recipe(),
                                eval_every=50)

    def other_tab_finishes():
        time.sleep(1.0)
        with page_lessons._KEPT_LOCK:
            page_lessons._KEPT[key] = ready
            del page_lessons._REPLAYING[key]

    threading.Thread(target=other_tab_finishes).start()
    at = start({"lesson": "last-bit:3"})
    run = trainer(at)
    assert run is not ready and run.step_count == 300  # a copy of the other tab's run
    assert run.recipe() == ready.recipe()
    assert "step 3 of 4" in _card_text(at)


def test_a_replay_abandoned_by_its_tab_is_done_here():
    import time

    key = ("last-bit", 2)
    long_ago = time.monotonic() - 2 * page_lessons.WAIT_SECONDS
    page_lessons._REPLAYING[key] = ("a closed tab", long_ago)
    at = start({"lesson": "last-bit:3"})
    assert trainer(at).step_count == 300
    assert key in page_lessons._KEPT and key not in page_lessons._REPLAYING
