"""Figures: valid Plotly (validated in full here), fixed height, constant uirevision."""

import numpy as np
import plotly.graph_objects as go
import pytest

from evengan import plots
from tests.conftest import as_array


def validated(fig: go.Figure) -> go.Figure:
    return go.Figure(fig.to_dict())  # raises on any invalid property


def test_loss_figure_has_both_curves_and_the_ln2_line():
    steps = np.arange(1, 101)
    fig = validated(plots.loss_figure(steps, np.full(100, 0.7), np.full(100, 0.69), 0.5))
    assert [tr.name for tr in fig.data] == ["G loss", "D loss"]
    assert fig.layout.shapes[0].y0 == pytest.approx(np.log(2))
    assert fig.layout.height == plots.HEIGHT and fig.layout.uirevision == "evengan"


@pytest.mark.parametrize("amount", [0.0, 0.5, 0.9])
def test_smoothing_is_an_ema(amount):
    values = np.array([1.0, 0.0, 0.0, 1.0])
    out = plots.smooth(values, amount)
    ref, acc = [], values[0]
    for v in values:
        acc = amount * acc + (1 - amount) * v
        ref.append(acc)
    assert np.allclose(out, ref)


def test_heatmap_rows_are_labelled_with_their_numbers_and_parity():
    probs = np.array([[0.9, 0.2, 0.1], [0.2, 0.7, 0.6]])
    fig = validated(plots.bits_heatmap(probs, [4, 3]))
    soft, hard, parity = fig.data
    assert list(soft.y) == ["z00 → 4 (even)", "z01 → 3 (odd)"]
    assert np.array_equal(as_array(hard.z), [[1, 0, 0], [0, 1, 1]])
    assert np.array_equal(as_array(parity.z).ravel(), [0, 1])


def test_ratio_and_distribution_figures():
    fig = validated(plots.ratio_figure([1, 2], [1.0, 0.5], [2], [0.75], [0.25]))
    assert len(fig.data) == 3 and list(fig.layout.yaxis.range) == [-0.02, 1.02]
    q = np.zeros(8)
    q[[2, 3]] = 0.5
    target = np.array([0.25, 0, 0.25, 0, 0.25, 0, 0.25, 0])
    fig = validated(plots.distribution_figure(q, target))
    bars = fig.data[0]
    assert list(bars.marker.color[:2]) == [plots.EVEN_COLOR, plots.ODD_COLOR]
    assert np.allclose(as_array(bars.y), q)
