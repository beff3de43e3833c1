"""The dashboard driven headless through Streamlit's AppTest.

run_every never fires in AppTest; each run() stands for one tick.
"""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import as_array

DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")


def start(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def trainer(at: AppTest):
    return at.session_state["trainer"]


def test_page_loads_with_metrics_and_charts():
    at = start()
    assert not at.exception
    assert metric(at, "Step") == "0"
    labels = {m.label for m in at.metric}
    assert {"Even ratio (exact)", "Coverage (exact)", "Entropy (bits)",
            "D(real) / D(fake)"} <= labels
    charts = at.get("plotly_chart")
    assert len(charts) == 5  # four main charts and the selected lab view


def test_step_advances_exactly_one_step_and_reset_returns_to_zero():
    at = start()
    at.button(key="btn_step").click().run()
    assert metric(at, "Step") == "1"
    at.button(key="btn_step").click().run()
    assert metric(at, "Step") == "2"
    assert trainer(at).step_count == 2
    at.button(key="btn_reset").click().run()
    assert metric(at, "Step") == "0" and trainer(at).step_count == 0


def test_reset_keeps_the_seed_so_the_run_replays():
    at = start()
    at.number_input(key="w_n").set_value(50)
    at.button(key="btn_run_n").click().run()
    first = trainer(at).history.array().copy()
    at.button(key="btn_reset").click().run()
    at.button(key="btn_run_n").click().run()
    assert metric(at, "Step") == "50"
    assert np.array_equal(trainer(at).history.array(), first)


def test_run_n_steps_and_metrics_match_the_trainer():
    at = start()
    at.number_input(key="w_n").set_value(300)
    at.button(key="btn_run_n").click().run()
    t = trainer(at)
    assert t.step_count == 300 and metric(at, "Step") == "300"
    ev = t.evaluate()
    assert metric(at, "Even ratio (exact)") == f"{ev['even_ratio']:.3f}"
    assert metric(at, "Coverage (exact)") == f"{ev['coverage']:.3f}"


def test_step_d_and_step_g_update_one_network():
    at = start()
    t = trainer(at)
    g0, d0 = t.engine.g.detach().clone(), t.engine.d.detach().clone()
    at.button(key="btn_step_d").click().run()
    assert bool((t.engine.g == g0).all()) and not bool((t.engine.d == d0).all())
    assert metric(at, "Step") == "1"


def test_learning_rate_change_applies_live_without_reset():
    at = start()
    at.number_input(key="w_n").set_value(40)
    at.button(key="btn_run_n").click().run()
    at.select_slider(key="w_lr_g").set_value(0.01).run()
    t = trainer(at)
    assert t.step_count == 40 and t.config.lr_g == 0.01
    assert t.engine.hp["lr_g"] == 0.01
    assert not any("restarted" in i.value for i in at.info)


def test_bits_change_resets_and_says_so():
    at = start()
    at.button(key="btn_step").click().run()
    at.slider(key="w_n_bits").set_value(5).run()
    t = trainer(at)
    assert t.config.n_bits == 5 and t.step_count == 0
    assert any("n_bits" in i.value and "step 0" in i.value for i in at.info)
    assert metric(at, "Step") == "0"


def test_play_sets_the_timer_and_a_tick_trains_pause_stops():
    at = start()
    at.button(key="btn_play").click().run()
    assert at.session_state["playing"]
    at.run()  # a tick
    after_tick = trainer(at).step_count
    assert after_tick > 0
    at.button(key="btn_pause").click().run()
    assert not at.session_state["playing"]
    stopped = trainer(at).step_count
    at.run()
    assert trainer(at).step_count == stopped


def test_chart_data_follow_the_history():
    at = start()
    at.number_input(key="w_n").set_value(120)
    at.button(key="btn_run_n").click().run()
    import json

    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    losses = next(s for s in specs if s["data"][0].get("name") == "G loss")
    steps = as_array(losses["data"][0]["x"])
    assert steps[-1] == 120 and len(steps) == 120


@pytest.mark.parametrize("seed", [3, 8])
def test_seed_input_changes_the_run(seed):
    at = start()
    at.number_input(key="w_seed").set_value(seed).run()
    assert trainer(at).config.seed == seed and trainer(at).step_count == 0
