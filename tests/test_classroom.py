"""The class benchmark end to end: a real server and three protocol-level students.

Skips only where the Streamlit server itself cannot start. Eight seconds of Play: a playing
page redraws twice a second, and the first second after Play goes to whole-page reruns, so
"at least two redraws" keeps a wide margin.
"""

import json

import pytest

from benchmarks import classroom
from benchmarks.browser import ServerError


def test_three_students_play_and_redraw(capsys):
    try:
        result = classroom.main(["--students", "3", "--seconds", "8", "--json"])
    except ServerError as exc:
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
