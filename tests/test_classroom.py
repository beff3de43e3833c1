"""The class benchmark end to end: a real server and three protocol-level students.

Skips only where the Streamlit server itself cannot start. Twenty seconds of Play, not four:
with three students playing the app's tick is 1.8 s, the first seconds after Play go to whole-page
reruns, and a tick cut short by the next one draws nothing, so a short window can hold a single
redraw.
"""

import json

import pytest

from benchmarks import classroom


def test_three_students_play_and_redraw(capsys):
    try:
        result = classroom.main(["--students", "3", "--seconds", "20", "--json"])
    except classroom.ServerError as exc:
        pytest.skip(f"the dashboard server cannot start here: {exc}")
    printed = json.loads(capsys.readouterr().out)
    assert printed == result
    assert printed["students"] == 3 and len(printed["per_student"]) == 3
    for student in printed["per_student"]:
        assert student["error"] is None, student
        assert student["first_render_s"] is not None, student
        assert student["steps"] > 0, student
        assert student["redraws"] >= 2, student
    assert printed["zero_step_students"] == 0
    assert printed["bytes_per_redraw"]["median"] > 0
