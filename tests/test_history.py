"""A log's newest row can be redone (after a hand change at an evaluated step) without
changing what an older frozen view of the log reads."""

import numpy as np
import pytest

from evengan import GANConfig, Trainer
from evengan.history import History


@pytest.mark.parametrize("rows", [5, 9])  # the newest row in the array, or held apart
def test_replace_last_leaves_a_frozen_view_as_it_was(rows):
    log = History(["x"], capacity=8)
    for i in range(rows):
        log.append([[i, 10.0 * i]])
    before = log.array()
    frozen = log.frozen()
    log.replace_last([rows - 1, -1.0])
    assert log.last() == {"step": rows - 1, "x": -1.0}
    assert np.array_equal(log.array()[:-1], before[:-1])
    other = History(["x"], capacity=8)
    other.restore(frozen)
    assert np.array_equal(other.array(), before)  # the snapshot still reads the old row


def test_a_hand_edit_at_an_evaluated_step_redoes_that_evaluation():
    t = Trainer(GANConfig(seed=0))
    assert t.evals.last()["even_ratio"] == 0.0  # seed 0 starts all odd
    t.set_weight("g", 0, 7, 6, -10.0)  # the bias of b0, far below 0: every output even
    assert t.evals.last()["even_ratio"] == 1.0 == t.evaluate()["even_ratio"]
    assert len(t.evals) == 1  # redone, not added
    assert t.timeline.array()[-1, 1:].tolist() == t.evaluate()["distribution"].tolist()
    replay = Trainer.from_recipe(t.recipe())
    assert np.array_equal(replay.evals.array(), t.evals.array())
