"""Budgets: what work costs, known before it is built, and the take-downs they refuse.

A class server has 2.7 GB and two cores for thirty students; these tests are the ways one
student could once take it down, each now refused with a sentence that says what to shrink.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from evengan import GANConfig, Trainer, budget
from evengan.sweep import run_sweep

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
# The heaviest config a URL could ask for (every field at its maximum that matters).
WORST = {"n_bits": "16", "batch_size": "4096", "g_hidden": "256", "g_depth": "4",
         "d_hidden": "256", "d_depth": "4", "d_steps": "20", "g_steps": "20", "loss": "wgan-gp"}

_MEASURE = """
import json, os, sys, threading, time, torch
torch.set_num_threads(1)
from evengan import GANConfig, Trainer
from evengan.sweep import run_sweep
page = os.sysconf("SC_PAGE_SIZE")
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * page
cfg, runs = GANConfig(**json.loads(sys.argv[1])), int(sys.argv[2])
Trainer(GANConfig()).run(2)  # first use of every kernel, before the baseline
before, peak, done = rss(), [0], threading.Event()
def watch():
    while not done.is_set():
        peak[0] = max(peak[0], rss())
        time.sleep(0.0005)
watcher = threading.Thread(target=watch)
watcher.start()
if runs == 1:
    t = Trainer(cfg)
    t.run(3)
    t.evaluate()
else:
    run_sweep(cfg, {}, runs, 2)
done.set()
watcher.join()
print(max(peak[0], rss()) - before)
"""


@pytest.mark.parametrize("changes,runs", [
    ({}, 1),
    ({"batch_size": 4096, "d_hidden": 128}, 1),
    ({"n_bits": 16}, 1),
    ({"n_bits": 12, "decode": "sample"}, 1),
    ({"batch_size": 1024, "g_hidden": 256, "d_hidden": 256, "d_depth": 2}, 1),
    ({"batch_size": 512, "d_hidden": 64}, 64),
    ({}, 1024),
], ids=lambda v: json.dumps(v) if isinstance(v, dict) else str(v))
def test_the_memory_estimate_stays_above_the_measured_peak(changes, runs):
    """Peak resident growth (sampled every half millisecond) of a fresh process that builds,
    trains and evaluates the work."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, json.dumps(changes), str(runs)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300, check=True)
    measured = int(out.stdout.strip().splitlines()[-1])
    estimate = budget.estimate_bytes(GANConfig(**changes), runs)
    assert measured < estimate, (measured >> 20, estimate >> 20)
    # Generous, not absurd; a Trainer's room for rewind snapshots fills only on long runs
    # (tests/test_rewind.py checks that they stay within it).
    reserve = budget.rewind_bytes(GANConfig(**changes)) if runs == 1 else 0
    assert estimate - reserve < 3 * measured + 32 * budget.MB


def test_the_library_refuses_oversized_work_before_allocating():
    worst = GANConfig(**{k: type(getattr(GANConfig(), k))(v) if k != "loss" else v
                         for k, v in WORST.items()})
    start = time.perf_counter()
    with pytest.raises(ValueError, match="MB"):
        Trainer(worst)
    # The sweep that once allocated 4 GB: batch 4096, D 256 wide, 64 seeds.
    with pytest.raises(ValueError, match="fewer seeds"):
        run_sweep(GANConfig(batch_size=4096, d_hidden=256), {}, 64, 10)
    assert time.perf_counter() - start < 1.0  # refused, not attempted
    assert Trainer(GANConfig(), max_bytes=10**9).config == GANConfig()
    with pytest.raises(ValueError):
        Trainer(GANConfig(), max_bytes=1000)


def test_a_refusal_says_what_to_make_smaller():
    slow = GANConfig(batch_size=1024, d_hidden=128, d_depth=3, d_steps=20)
    why = budget.refusal(slow, max_step_seconds=0.05)
    assert "ms" in why and "batch_size" in why and "d_steps" in why
    assert budget.refusal(GANConfig(), max_step_seconds=0.05) is None


def test_budgets_come_from_the_environment_with_sane_fallbacks(monkeypatch):
    monkeypatch.setenv("EVENGAN_SESSION_MB", "123")
    assert budget.setting("session_mb", 300) == 123
    for bad in ("lots", "-5", "0", "nan"):
        monkeypatch.setenv("EVENGAN_SESSION_MB", bad)
        assert budget.setting("session_mb", 300) == 300


def test_the_worst_link_is_refused_on_the_page_and_the_default_run_offered():
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    for key, value in WORST.items():
        at.query_params[key] = value
    start = time.perf_counter()
    at.run()
    assert time.perf_counter() - start < 30
    assert not at.exception
    assert any("MB" in w.value or " ms" in w.value for w in at.warning)
    assert at.session_state["trainer"].config == GANConfig()


def test_the_worst_sidebar_settings_are_refused_and_the_run_kept():
    at = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    before = at.session_state["trainer"]
    at.select_slider(key="w_batch_size").set_value(256)
    at.selectbox(key="w_d_hidden").set_value(128)
    at.number_input(key="w_d_depth").set_value(3)
    at.selectbox(key="w_g_hidden").set_value(128)
    at.number_input(key="w_g_depth").set_value(3)
    at.number_input(key="w_d_steps").set_value(10)
    at.number_input(key="w_g_steps").set_value(10)
    at.slider(key="w_n_bits").set_value(12)
    at.selectbox(key="w_loss").set_value("wgan-gp").run()
    assert not at.exception
    assert any(" ms" in w.value or "MB" in w.value for w in at.warning)
    assert at.session_state["trainer"] is before and before.config == GANConfig()
    assert at.session_state["w_batch_size"] == 16  # the widgets went back to the run's config


def _sweep_script():
    from evengan.app import sweep_page
    from evengan.app.state import init_session

    init_session()
    sweep_page.render()


def test_the_worst_sweep_is_refused_before_it_starts():
    at = AppTest.from_function(_sweep_script, default_timeout=60).run()
    at.selectbox(key="w_sweep_x").set_value("batch_size").run()
    at.text_input(key="w_sx_batch_size").set_value("4096")
    at.selectbox(key="w_sweep_y").set_value("d_hidden").run()
    at.text_input(key="w_sy_d_hidden").set_value("256")
    at.number_input(key="w_sweep_seeds").set_value(64)
    at.number_input(key="w_sweep_steps").set_value(10).run()
    assert not at.exception
    assert any("MB" in w.value for w in at.warning)
    assert at.button(key="btn_sweep").disabled


def test_an_evaluation_too_slow_for_a_slice_is_refused_too():
    # Steps fast (a linear D), but 65,536 noise vectors through a 64-wide G take ~160 ms.
    wide_noise = GANConfig(n_bits=14, noise_dim=16, g_hidden=64)
    assert budget.estimate_step_seconds(wide_noise) < 0.05
    assert "evaluating" in budget.refusal(wide_noise, max_step_seconds=0.05)
    assert budget.refusal(GANConfig(n_bits=16), max_step_seconds=0.05) is None
