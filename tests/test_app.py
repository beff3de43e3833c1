"""The dashboard driven headless through Streamlit's AppTest.

run_every never fires in AppTest; each run() stands for one tick. Play trains in the server's
class thread (evengan.scheduler), so a test waits for it with until().
"""

import re
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import OPENED_SESSIONS, as_array

DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")


def start(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    OPENED_SESSIONS.append(at)
    return at.run()


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def trainer(at: AppTest):
    return at.session_state["trainer"]


def until(condition, seconds: float = 30.0) -> None:
    """Waits for the class thread to make condition() true (generous: CI machines vary)."""
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "the class thread did not train in time"
        time.sleep(0.02)


def test_page_loads_with_metrics_and_charts():
    at = start()
    assert not at.exception
    assert metric(at, "Step") == "0"
    labels = {m.label for m in at.metric}
    assert {"Even ratio (exact)", "Coverage (exact)", "Entropy (bits)",
            "D(real) / D(fake)"} <= labels
    charts = at.get("plotly_chart")
    assert len(charts) == 5  # four main charts and the lab view (the reach panel is closed)


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
    until(lambda: trainer(at).step_count > 0)
    at.run()  # a tick
    after_tick = trainer(at).step_count
    assert after_tick > 0
    at.button(key="btn_pause").click().run()
    assert not at.session_state["playing"]
    stopped = trainer(at).step_count
    at.run()
    assert trainer(at).step_count == stopped


def test_pause_lands_on_the_step_the_page_showed_exactly():
    from evengan import Trainer

    at = start()
    at.button(key="btn_play").click().run()
    until(lambda: trainer(at).step_count > 0)
    at.run()  # a tick: the page shows this step
    shown = at.session_state["shown_step"]
    until(lambda: trainer(at).step_count > shown)  # the class thread trains on
    at.button(key="btn_pause").click().run()
    t = trainer(at)
    assert t.step_count == shown
    assert at.metric[0].value == f"{shown:,}"
    again = Trainer.from_recipe(t.recipe())  # the steps past it are undone, not hidden
    assert (again.engine.g == t.engine.g).all() and again.step_count == shown


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


# ---- the lab ---------------------------------------------------------------------------


def test_live_variant_change_keeps_the_run_structural_one_resets():
    at = start()
    at.button(key="btn_step").click().run()
    at.slider(key="w_label_smoothing").set_value(0.2).run()
    t = trainer(at)
    assert t.step_count == 1 and t.config.label_smoothing == 0.2
    at.selectbox(key="w_loss").set_value("lsgan").run()
    t = trainer(at)
    assert t.config.loss == "lsgan" and t.step_count == 0
    assert any("loss" in i.value for i in at.info)


def test_settings_that_clash_warn_and_keep_the_old_config():
    at = start()
    at.selectbox(key="w_pack").set_value(8).run()
    at.select_slider(key="w_batch_size").set_value(4).run()  # 4 is not a multiple of 8
    assert any("multiple of pack" in w.value for w in at.warning)
    assert trainer(at).config.batch_size == 16 and not at.exception


def test_freeze_d_trains_only_g():
    at = start()
    at.checkbox(key="w_freeze_d").check().run()
    d0 = trainer(at).engine.d.detach().clone()
    at.number_input(key="w_n").set_value(30)
    at.button(key="btn_run_n").click().run()
    t = trainer(at)
    assert t.step_count == 30 and bool((t.engine.d == d0).all())


def test_preset_selector_loads_the_preset():
    at = start()
    at.selectbox(key="w_preset").set_value("healthy").run()
    cfg = trainer(at).config
    assert (cfg.d_hidden, cfg.pack, cfg.batch_size, cfg.noise_dim) == (64, 4, 64, 10)


@pytest.mark.parametrize("view", ["v_timeline", "v_noise", "v_landscape", "v_gweights",
                                  "v_dynamics", "v_slowmo", "v_edit"])
def test_every_lab_view_renders(view):
    at = start()
    at.number_input(key="w_n").set_value(100)
    at.button(key="btn_run_n").click().run()
    at.session_state["w_view"] = view
    at.run()
    assert not at.exception
    assert len(at.get("plotly_chart")) >= 4


def test_slow_motion_step_tells_the_six_parts_and_takes_one_step():
    at = start()
    at.session_state["w_view"] = "v_slowmo"
    at.run()
    at.button(key="btn_slowmo").click().run()
    text = " ".join(m.value for m in at.markdown)
    for part in ("1. Sample noise", "2. G's output", "3. D on the fakes", "4. G's update",
                 "5. D on real and fake", "6. D's update"):
        assert part in text
    assert trainer(at).step_count == 1 and metric(at, "Step") == "1"


def test_editing_a_weight_by_hand():
    at = start()
    at.session_state["w_view"] = "v_edit"
    at.run()
    at.number_input(key="w_edit_row").set_value(2)
    at.number_input(key="w_edit_col").set_value(6)
    at.number_input(key="w_edit_value").set_value(-8.0)
    at.button(key="btn_edit").click().run()
    assert float(trainer(at).generator.weight(0)[2, 6]) == -8.0
    assert any("-8" in s.value for s in at.success)


def test_collapse_warning_appears_for_the_collapse_preset_and_not_for_a_healthy_run():
    at = start({"preset": "collapse", "seed": "2"})
    at.number_input(key="w_n").set_value(600)
    at.button(key="btn_run_n").click().run()
    assert any("Mode collapse since step" in w.value for w in at.warning)
    healthy = start({"preset": "healthy", "seed": "0"})
    healthy.number_input(key="w_n").set_value(3000)
    healthy.button(key="btn_run_n").click().run()
    assert trainer(healthy).evaluate()["coverage"] == 1.0
    assert not any("collapse" in w.value for w in healthy.warning)


# ---- seeds and sweeps ------------------------------------------------------------------


def test_seed_ensemble_trains_alongside_and_shows_the_spread():
    at = start()
    at.number_input(key="w_n").set_value(100)
    at.button(key="btn_run_n").click().run()
    at.toggle(key="w_ensemble").set_value(True).run()  # catches up to the main run
    ens = at.session_state["ensemble"]
    assert ens.step_count == 100 and ens.k == 16
    at.button(key="btn_step").click().run()
    assert ens.step_count == 101
    assert any(m.label == "Collapse probability" for m in at.metric)
    assert len(at.get("plotly_chart")) >= 7
    at.button(key="btn_reset").click().run()
    assert at.session_state["ensemble"].step_count == 0


def _sweep_script():
    from evengan.app import sweep_page
    from evengan.app.state import init_session

    init_session()
    sweep_page.render()


def test_sweep_page_runs_a_grid_and_offers_the_csv():
    at = AppTest.from_function(_sweep_script, default_timeout=120).run()
    assert not at.exception
    at.text_input(key="w_sx_lr_g").set_value("1e-3,1e-2")
    at.text_input(key="w_sy_lr_d").set_value("1e-3,5e-3,1e-2")
    at.number_input(key="w_sweep_seeds").set_value(4)
    at.number_input(key="w_sweep_steps").set_value(100)
    at.button(key="btn_sweep").click().run()
    job = at.session_state["sweep_job"]  # trains on its own thread; the page watches it
    assert at.button(key="btn_sweep_cancel")
    until(job.finished.is_set, 120)
    at.run()
    table = at.session_state["sweep"]["table"]
    assert len(table.rows) == 2 * 3 * 4 and table.steps == 100
    assert len(at.get("plotly_chart")) == 2
    assert len(at.get("download_button")) == 2  # the table shown, and every run


def test_a_stopped_sweep_shows_what_it_did():
    at = AppTest.from_function(_sweep_script, default_timeout=120).run()
    at.number_input(key="w_sweep_seeds").set_value(64)
    at.number_input(key="w_sweep_steps").set_value(10_000)
    at.button(key="btn_sweep").click().run()
    job = at.session_state["sweep_job"]
    until(lambda: job.done > 0, 60)
    at.button(key="btn_sweep_cancel").click().run()  # Stop
    until(job.finished.is_set, 60)
    at.run()
    result = at.session_state["sweep"]
    assert result["of"] == 10_000 and 0 < result["table"].steps < 10_000
    assert len(result["table"].rows) == 5 * 5 * 64  # every run, where it stood
    assert any("stopped" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 2


def test_sweep_page_warns_on_bad_values_and_oversized_grids():
    at = AppTest.from_function(_sweep_script, default_timeout=60).run()
    at.text_input(key="w_sx_lr_g").set_value("1e-3,abc").run()
    assert any("lr_g" in w.value for w in at.warning)
    at.text_input(key="w_sx_lr_g").set_value("1e-3").run()
    at.number_input(key="w_sweep_steps").set_value(10_000)
    at.number_input(key="w_sweep_seeds").set_value(64)
    at.text_input(key="w_sy_lr_d").set_value(",".join(["1e-3"] * 40)).run()
    assert any("limit" in w.value for w in at.warning)
    assert not at.exception


# ---- share, save, survive ----------------------------------------------------------------


def test_share_link_query_rebuilds_the_same_trajectory():
    at = start({"n_bits": "6", "lr_g": "0.002", "seed": "5", "step": "150"})
    t = trainer(at)
    assert (t.config.n_bits, t.config.lr_g, t.config.seed) == (6, 0.002, 5)
    assert t.step_count == 150
    from evengan import GANConfig, Trainer

    ref = Trainer(GANConfig(n_bits=6, lr_g=0.002, seed=5))
    ref.run(150)
    assert np.array_equal(t.history.array(), ref.history.array())
    assert at.query_params["n_bits"] in ("6", ["6"]) and at.query_params["seed"] in ("5", ["5"])
    link = at.get("code")[0].value
    for part in ("n_bits=6", "lr_g=0.002", "seed=5", "r="):  # r: the recipe of 150 steps
        assert part in link


def _query_of(link: str) -> dict:
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(link).query))


def test_a_link_after_changes_and_a_reinit_rebuilds_the_run_bit_for_bit():
    at = start()
    at.number_input(key="w_n").set_value(300)
    at.button(key="btn_run_n").click().run()
    at.select_slider(key="w_lr_g").set_value(1e-2).run()  # a live change, mid-run
    at.segmented_control(key="w_view").set_value("v_edit").run()
    at.button(key="btn_reinit_g").click().run()
    at.button(key="btn_run_n").click().run()
    t = trainer(at)
    assert t.step_count == 600 and t.config.lr_g == 1e-2
    query = {k: at.query_params[k] for k in at.query_params}  # the address bar, now
    assert "r" in query and query["lr_g"] == "0.01"
    again = start(query)
    u = trainer(again)
    assert not [w for w in again.warning if "link" in w.value], [w.value for w in again.warning]
    assert u.step_count == 600 and u.config == t.config
    assert np.array_equal(u.history.array(), t.history.array())
    assert (u.engine.g == t.engine.g).all() and (u.engine.d == t.engine.d).all()


def test_a_tampered_recipe_link_keeps_the_plain_settings_and_says_why():
    at = start({"n_bits": "6", "r": "not-a-recipe"})
    assert not at.exception
    assert any("recorded run" in w.value for w in at.warning)
    assert trainer(at).config.n_bits == 6 and trainer(at).step_count == 0


@pytest.mark.parametrize("query, field", [
    ({"n_bits": "99"}, "n_bits"), ({"lr_g": "fast"}, "lr_g"), ({"loss": "nope"}, "loss"),
    ({"step": "-4"}, "step"), ({"lang": "klingon"}, "lang"), ({"preset": "nope"}, "preset"),
    ({"pack": "8", "batch_size": "12"}, "multiple of pack"), ({"hide": "lr_g,bogus"}, "bogus")])
def test_bad_url_values_warn_and_are_ignored(query, field):
    at = start(query)
    assert not at.exception
    assert any(field in w.value for w in at.warning), [w.value for w in at.warning]
    assert trainer(at).config.n_bits == 7  # the rest of the page still works


def test_language_switch_translates_the_page():
    at = start({"lang": "pt"})
    labels = {m.label for m in at.metric}
    assert "Passo" in labels and "Cobertura (exata)" in labels
    assert at.button(key="btn_step").label == "Passo"
    at.selectbox(key="w_lang").set_value("en").run()
    assert "Step" in {m.label for m in at.metric}


def test_every_text_has_both_languages():
    from evengan.app.text import STRINGS

    assert set(STRINGS["en"]) == set(STRINGS["pt"])
    assert all(STRINGS["pt"][k].strip() for k in STRINGS["pt"])


def test_presenter_flag_hides_the_named_controls():
    at = start({"hide": "lr_g,lr_d,variants"})
    keys = {w.key for w in at.select_slider}
    assert "w_lr_g" not in keys and "w_lr_d" not in keys and "w_batch_size" in keys
    assert not at.selectbox(key="w_preset").disabled
    at = start({"hide": "all"})
    assert len(at.sidebar.slider) == 0 and len(at.sidebar.select_slider) == 0
    assert metric(at, "Step") == "0"


def test_a_blown_up_run_pauses_with_a_message_and_keeps_the_last_finite_state():
    at = start({"loss": "lsgan", "lr_g": "10", "lr_d": "10", "optimizer_g": "sgd",
                "optimizer_d": "sgd", "d_hidden": "32"})
    at.button(key="btn_play").click().run()

    def ticked_until_diverged() -> bool:
        at.run()  # a tick: the page draws, and so lets the class thread train on
        return bool(trainer(at).diverged)

    until(ticked_until_diverged)
    at.run()  # the tick after: the page sees it and pauses
    t = trainer(at)
    assert t.diverged
    assert any("Paused" in e.value for e in at.error)
    assert not at.session_state["playing"]
    assert bool(t.engine.finite().all())


def test_uploading_a_checkpoint_resumes_it():
    import io

    from evengan import GANConfig, Trainer

    saved = Trainer(GANConfig(n_bits=5, seed=9))
    saved.run(80)
    buf = io.BytesIO()
    saved.save(buf)
    at = start()
    at.file_uploader(key="w_upload").upload("run.npz", buf.getvalue()).run()
    t = trainer(at)
    assert t.config == saved.config and t.step_count == 80
    assert metric(at, "Step") == "80"
    assert at.session_state["w_n_bits"] == 5  # the sidebar follows the loaded config
    assert any("step 80" in s.value for s in at.success)
    at.button(key="btn_step").click().run()
    saved.run(1)
    assert np.array_equal(trainer(at).history.array(), saved.history.array())


def test_uploading_junk_warns_and_keeps_the_run():
    at = start()
    at.button(key="btn_step").click().run()
    at.file_uploader(key="w_upload").upload("evil.npz", b"not a checkpoint at all").run()
    assert any("not loaded" in w.value for w in at.warning)
    assert trainer(at).step_count == 1 and not at.exception


def test_slow_motion_with_d_frozen_says_d_was_skipped():
    at = start()
    at.checkbox(key="w_freeze_d").check().run()
    at.session_state["w_view"] = "v_slowmo"
    at.run()
    d0 = trainer(at).engine.d.detach().clone()
    at.button(key="btn_slowmo").click().run()
    text = " ".join(m.value for m in at.markdown)
    assert "frozen" in text and "nan" not in text.lower()
    assert bool((trainer(at).engine.d == d0).all())


def test_a_link_cannot_put_markup_on_the_page():
    at = start({"loss": "[Click to log in](https://evil.example/x)", "preset": "**boo**",
                "lang": "<img src=x onerror=alert(1)>"})
    assert not at.exception
    shown = " ".join(w.value for w in at.warning)
    assert "click to log in" in shown.lower()  # the value is shown, as text
    outside_code = re.sub(r"`[^`]*`", "", shown)  # all Markdown still reads as markup
    for markup in ("](", "https:", "**", "<img", "www.", "@"):
        assert markup not in outside_code
    from evengan.app.text import plain

    assert plain("[a](https://b.c) `x`\nwww.d.e") == "`[a](https://b.c) \u02cbx\u02cb www.d.e`"


def test_an_opened_link_keeps_its_live_changes_through_the_next_action():
    at = start()
    at.number_input(key="w_n").set_value(100)
    at.button(key="btn_run_n").click().run()
    at.select_slider(key="w_lr_g").set_value(1e-2).run()
    at.button(key="btn_run_n").click().run()
    query = {k: at.query_params[k] for k in at.query_params}
    again = start(query)
    assert trainer(again).config.lr_g == 1e-2
    assert again.session_state["w_lr_g"] == 1e-2  # the sidebar shows the run's settings
    again.number_input(key="w_n").set_value(100)
    again.button(key="btn_run_n").click().run()
    t = trainer(again)
    assert t.config.lr_g == 1e-2 and t.step_count == 300
    assert not [a for a in t.actions if a["do"] == "config" and a["set"] == {"lr_g": 1e-3}]


@pytest.mark.parametrize("log", [
    [{"do": ["run"]}],
    [{"do": "run", "mode": "both", "n": 5},
     {"do": "set_weight", "net": "g", "layer": 0, "row": 0, "col": 0, "value": 1e300}],
    [{"do": "config", "set": {"d_steps": 20, "g_steps": 20, "batch_size": 4096}}],
    [{"do": "config", "set": {"d_steps": 20, "g_steps": 20}}],
])
def test_crafted_recipe_links_are_named_and_refused(log):
    from evengan import GANConfig
    from evengan.recipe import encode

    cfg = GANConfig(batch_size=1024, d_hidden=64)
    link = encode({"v": 1, "config": cfg.to_dict(), "log": log})
    at = start({"r": link})
    assert not at.exception
    assert any("recorded run" in w.value for w in at.warning)
    assert trainer(at).step_count == 0


def test_the_redraw_tick_has_two_levels_and_a_gap_between_them():
    """A class pressing Play at once changes each page's tick once: twice a second below 15
    players, once a second from 15, and a page at once a second keeps it down to 10."""
    from evengan.app.state import tick_seconds

    assert [tick_seconds(n) for n in (0, 1, 14, 15, 30)] == [0.5, 0.5, 0.5, 1.0, 1.0]
    assert tick_seconds(12, current=1.0) == 1.0 and tick_seconds(9, current=1.0) == 0.5
    assert tick_seconds(14, current=0.5) == 0.5
    # Players arriving one by one: the tick changes once on the way up, once on the way down.
    tick, changes = 0.5, 0
    for n in [*range(1, 31), *range(30, 0, -1)]:
        new = tick_seconds(n, tick)
        changes += new != tick
        tick = new
    assert changes == 2
