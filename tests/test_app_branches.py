"""Rewind, branch and compare on the page (AppTest): exact, each with its own link."""

import json

import numpy as np
import torch

from evengan import Trainer
from evengan.recipe import prefix, split_step
from tests.test_app import start, trainer


def _same(a: Trainer, b: Trainer) -> None:
    assert a.step_count == b.step_count and a.config == b.config
    assert torch.equal(a.engine.g, b.engine.g) and torch.equal(a.engine.d, b.engine.d)
    assert np.array_equal(a.history.array(), b.history.array(), equal_nan=True)
    assert np.array_equal(a.evals.array(), b.evals.array(), equal_nan=True)
    assert a.recipe() == b.recipe()


def _replayed_to(t: Trainer, step: int) -> Trainer:
    data = t.recipe()
    return Trainer.from_recipe({**data, "log": prefix(data["log"], step)}, eval_every=50)


def _trained(n: int = 300):
    at = start()
    at.number_input(key="w_n").set_value(n)
    at.button(key="btn_run_n").click().run()
    return at


def _go_back(at, step: int, button: str):
    slider = next(s for s in at.slider if s.key and s.key.startswith("w_rewind_"))
    slider.set_value(step)
    return at.button(key=button).click().run()


def test_rewind_on_the_page_equals_a_fresh_replay_and_its_link_follows():
    at = _trained()
    at.select_slider(key="w_lr_g").set_value(1e-2).run()
    at.button(key="btn_run_n").click().run()
    before = trainer(at)
    expected = _replayed_to(before, 450)
    _go_back(at, 450, "btn_rewind")
    assert not at.exception
    now = trainer(at)
    _same(now, expected)
    assert len(at.session_state["branches"]) == 1  # a rewind keeps no old branch
    assert at.session_state["w_lr_g"] == 1e-2  # the sidebar shows the rewound run's rate
    # The address bar is the rewound run's link.
    query = {k: at.query_params[k] for k in at.query_params}
    _same(trainer(start(query)), expected)


def test_a_branch_keeps_the_old_run_and_both_show_in_the_comparison():
    at = _trained()
    old = trainer(at)
    old_g = old.engine.g.detach().clone()
    _go_back(at, 200, "btn_fork")
    branches = at.session_state["branches"]
    assert list(branches) == ["A", "B"] and at.session_state["branch"] == "B"
    assert trainer(at).step_count == 200 and branches["A"] is old
    assert old.step_count == 300 and torch.equal(old.engine.g, old_g)  # untouched
    at.select_slider(key="w_lr_d").set_value(1e-2).run()
    at.button(key="btn_run_n").click().run()
    b = trainer(at)
    assert b.step_count == 500 and b.config.lr_d == 1e-2
    assert split_step(old.recipe(), b.recipe()) == 200
    charts = {c.proto.id: c for c in at.get("plotly_chart")}
    compare = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                   if '"Branches compared"' in c.proto.spec)
    assert [s["x0"] for s in compare["layout"]["shapes"]] == [200]
    assert "lr_d=0.001" in compare["layout"]["annotations"][0]["text"]  # what A does apart
    assert {d["name"] for d in compare["data"]} == {"A", "B"}
    assert len(charts) >= 7
    # Open A again: the page's run is A, its settings in the sidebar.
    at.button(key="btn_open_A").click().run()
    assert trainer(at) is old and at.session_state["w_lr_d"] == old.config.lr_d
    at.button(key="btn_del_B").click().run()
    assert list(at.session_state["branches"]) == ["A"]


def test_the_same_actions_with_another_seed_is_a_branch_of_its_own():
    at = _trained(120)
    at.number_input(key="w_branch_seed").set_value(9)
    at.button(key="btn_seed_branch").click().run()
    assert not at.exception
    other = trainer(at)
    data = at.session_state["branches"]["A"].recipe()
    expected = Trainer.from_recipe({**data, "config": {**data["config"], "seed": 9}},
                                   eval_every=50)
    _same(other, expected)


def test_branch_names_are_checked_and_branches_are_capped():
    at = _trained(60)
    at.text_input(key="w_branch_name").set_value("<b>x</b>").run()
    assert at.session_state["branch"] == "bxb"  # markup is dropped, never shown
    for _ in range(3):
        _go_back(at, 30, "btn_fork")
    assert len(at.session_state["branches"]) == 4
    _go_back(at, 30, "btn_fork")
    assert len(at.session_state["branches"]) == 4
    assert any("at most 4 branches" in w.value for w in at.warning)
    at.text_input(key="w_branch_name").set_value("A").run()  # taken
    assert any("must be new" in w.value for w in at.warning)


def test_a_new_branch_joins_the_comparison_and_a_change_just_made_is_kept():
    at = _trained(200)
    at.select_slider(key="w_lr_g").set_value(1e-2).run()  # at step 200, then Branch here
    at.button(key="btn_fork").click().run()
    assert trainer(at).config.lr_g == 1e-2 and at.session_state["w_lr_g"] == 1e-2
    _go_back(at, 100, "btn_fork")
    assert list(at.session_state["branches"]) == ["A", "B", "C"]
    compare = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                   if '"Branches compared"' in c.proto.spec)
    assert {d["name"] for d in compare["data"]} == {"A", "B", "C"}
