"""Figures: valid Plotly (validated in full here), fixed height, constant uirevision."""

import numpy as np
import plotly.graph_objects as go
import pytest

from evengan import plots
from evengan.plots import lab as lab_plots
from evengan.plots import targets as targets_plots
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


def test_lab_figures_are_valid_plotly():
    q_rows = np.eye(8)[[0, 0, 2, 4]]
    validated(lab_plots.timeline_heatmap([0, 50, 100, 150], q_rows, [(100.0, "coverage")]))
    fig = validated(lab_plots.noise_map(np.arange(8), [2, 2, 2, 4, 6, 2, 2, 1], 3))
    counts = as_array(fig.data[1].x)
    assert counts[2] == 5 and counts[1] == 1  # five noise vectors collide on 2
    fig = validated(lab_plots.landscape_figure([0.1, 0.9, 0.3, 0.2]))
    assert fig.layout.annotations[0].x == 1  # D's favourite is marked
    validated(lab_plots.marginals_figure([0.5, 0.4, 0.1], [0.5, 0.5, 0.0]))
    validated(lab_plots.matrix_figure(np.eye(3), "W"))
    validated(lab_plots.band_figure([1, 2, 3], {"x": ([0, 0, 0], [1, 1, 1], [2, 2, 2])}, "b"))
    fig = validated(lab_plots.sweep_heatmap("lr_g", [1e-3, 1e-2], "lr_d", [1e-3],
                                        [[0.5, 0.25]], [[[0.4, 0.6], [0.2, 0.3]]], "cov"))
    assert list(fig.data[0].customdata[0]) == ["0.40, 0.60", "0.20, 0.30"]


def test_timeline_sends_whole_counts_in_bytes_when_the_noise_is_enumerated():
    q_rows = np.zeros((3, 8))
    q_rows[:, 2] = 100 / 128
    q_rows[:, 4] = 28 / 128
    fig = validated(lab_plots.timeline_heatmap([0, 50, 100], q_rows, draws=128))
    z = fig.data[0].z
    assert z["dtype"] == "u1"  # one byte a cell on the wire, not four
    z = as_array(z)
    assert z[2].tolist() == [100, 100, 100] and z[4].tolist() == [28] * 3
    assert "/ 128" in fig.data[0].hovertemplate
    plain = validated(lab_plots.timeline_heatmap([0], q_rows[:1])).data[0].z
    assert plain["dtype"] == "f4"


def _run(name: str, steps: int, level: float) -> dict:
    return {"name": name, "step": np.arange(1, steps + 1), "loss_g": np.full(steps, level),
            "loss_d": np.full(steps, 0.69), "eval_step": np.arange(0, steps + 1, 50),
            "even_ratio": np.linspace(0.5, 1, steps // 50 + 1),
            "coverage": np.linspace(0.1, 0.2, steps // 50 + 1)}


def test_compare_overlays_every_run_in_four_panels_and_marks_the_split():
    runs = [_run("A", 300, 0.7), _run("B", 500, 0.9), _run("C", 200, 0.8)]
    fig = validated(plots.compare_figure(runs, [(200, "A and B part at step 200")]))
    assert len(fig.data) == 4 * 3  # four panels, one line per run in each
    assert [d.name for d in fig.data if d.showlegend] == ["A", "B", "C"]  # one legend entry
    assert [s.x0 for s in fig.layout.shapes] == [200]
    assert fig.layout.annotations[0].text == "A and B part at step 200"
    domains = [fig.layout[f"yaxis{i if i > 1 else ''}"].domain for i in range(1, 5)]
    assert all(0 <= lo < hi <= 1 for lo, hi in domains)
    assert all(domains[i][0] > domains[i + 1][1] for i in range(3))  # stacked, no overlap


def test_distributions_side_by_side_share_one_axis_and_one_scale():
    target = np.array([0.5, 0, 0.5, 0])
    fig = validated(plots.distributions_figure(
        ["A", "B"], [np.array([1.0, 0, 0, 0]), np.array([0.25, 0.25, 0.25, 0.25])], target))
    bars = [d for d in fig.data if d.type == "bar" and d.name in ("A", "B")]
    assert [as_array(b.y).tolist() for b in bars] == [[1, 0, 0, 0], [0.25] * 4]
    assert fig.layout.yaxis.range == fig.layout.yaxis2.range  # heights compare across rows
    assert fig.layout.xaxis2.matches == "x"
    assert list(bars[0].marker.color) == [plots.EVEN_COLOR, plots.ODD_COLOR] * 2
    # each row over its own target, grey and under G's bars
    fig = validated(plots.distributions_figure(
        ["A", "B"], [np.ones(4) / 4] * 2, [target, np.array([0, 0, 0, 1.0])]))
    under = [d for d in fig.data if d.name == "target p"]
    assert [as_array(d.y).tolist() for d in under] == [[0.5, 0, 0.5, 0], [0, 0, 0, 1]]
    assert all(d.zorder < b.zorder for d, b in zip(under, fig.data[::2], strict=True))
    assert list(fig.data[2].marker.color) == [plots.ODD_COLOR] * 3 + [plots.EVEN_COLOR]


def test_the_distribution_is_drawn_over_its_target_and_every_integer_can_be_clicked():
    q = np.array([0.5, 0.5, 0, 0, 0, 0, 0, 0])
    p = np.array([0, 0.25, 0, 0.5, 0, 0.25, 0, 0])  # a weighted set: 1, 3 twice, 5
    fig = validated(plots.distribution_figure(q, p, clickable=True))
    g, target, pick = fig.data
    inside, outside = plots.EVEN_COLOR, plots.ODD_COLOR
    assert list(g.marker.color) == [outside, inside, outside, inside, outside, inside,
                                    outside, outside]
    assert as_array(target.y).tolist() == p.tolist() and target.zorder < g.zorder
    assert as_array(pick.x).tolist() == list(range(8)) and min(as_array(pick.y)) >= 0.5
    # only the clear column answers the pointer (a click picks the number under it, not the
    # nearest bar G emits), and its hover tells both heights
    assert g.hoverinfo == target.hoverinfo == "skip"
    assert as_array(pick.customdata).tolist()[3] == [0.0, 0.5]
    assert fig.layout.xaxis.fixedrange and fig.layout.yaxis.fixedrange
    assert len(validated(plots.distribution_figure(q, p)).data) == 2  # not clickable: no layer


def test_the_reach_figure_draws_the_staircase_the_seeds_and_the_run():
    fig = validated(targets_plots.reach_figure([(0.25, 1.0), (1.0, 0.5)],
                                               {"coverage": [0.5, 0.9],
                                                "target_ratio": [0.4, 0.3]}, (0.7, 0.6)))
    stairs, seeds, run = fig.data
    assert as_array(stairs.x).tolist() == [0, 0.25, 1.0] and stairs.line.shape == "vh"
    assert as_array(seeds.y).tolist() == [0.4, 0.3] and run.marker.symbol == "star"
    assert len(validated(targets_plots.reach_figure(None, None, (0.1, 0.2))).data) == 1


def test_a_loss_chart_before_the_first_step_says_so():
    fig = validated(plots.loss_figure([], [], [], labels={"empty": "no steps yet"}))
    assert [a.text for a in fig.layout.annotations] == ["no steps yet"]  # no ln 2 line yet
    assert not any(a.text == "no steps yet" for a in validated(
        plots.loss_figure([1], [0.7], [0.7])).layout.annotations)


def test_the_bits_heatmap_shows_d_s_push_on_a_symmetric_scale():
    probs = np.array([[0.9, 0.2, 0.1], [0.6, 0.7, 0.4]])
    push = np.array([[0.5, -0.25, 0.0], [-1.0, 0.1, 0.2]])
    fig = validated(plots.bits_heatmap(probs, [4, 6], push=push))
    panel = next(d for d in fig.data if d.xaxis == "x4")
    assert (panel.zmin, panel.zmax) == (-1.0, 1.0)  # white is no push at all
    # the shade is the signed square root of the push's share of the largest; the hover
    # gives the push itself
    assert as_array(panel.z) == pytest.approx(np.sign(push) * np.sqrt(np.abs(push)))
    assert as_array(panel.customdata) == pytest.approx(push)
    assert fig.layout.xaxis4.domain[0] > fig.layout.xaxis2.domain[1]
    assert len(validated(plots.bits_heatmap(probs, [4, 6])).data) == 3  # without: as before


# ---- the lessons' figures -------------------------------------------------------------------


def test_lesson_figures_draw_ours_beside_the_papers():
    from evengan import lesson_figures as figs
    from evengan.plots import lessons as lp

    stored = figs.stored()
    fig = lp.packing_figure(stored["packing"]["cells"], figs.WIDTHS, figs.PACKS, 64,
                            figs.PAPER_PACGAN)
    names = [t.name for t in fig.data]
    assert len(names) == len(figs.WIDTHS) + 2 and "paper: grid (25 modes)" in names
    grid = next(t for t in fig.data if t.name == "paper: grid (25 modes)")
    assert list(grid.y) == pytest.approx([17.3 / 25, 23.8 / 25, 24.6 / 25, 24.8 / 25])
    cov = [0.1, 0.3, 0.2, 0.5]
    seeds = lp.seeds_figure(cov, 0.25, [figs.wilson(int(k), n) for n, k in
                                        enumerate(np.cumsum(np.array(cov) < 0.25), 1)])
    bars = seeds.data[0]
    assert list(bars.x) == [0, 1, 2, 3]  # seeds as numbered
    assert bars.marker.color[0] != bars.marker.color[1]  # collapsed seeds stand out
    runs = stored["convergence"]
    paths = [{"name": k, "steps": runs["marks"], **runs["runs"][k]} for k, _ in figs.CONVERGENCE]
    conv = lp.convergence_figure(paths)
    assert sum(1 for t in conv.data if t.name == "target") == len(paths)
    assert len(conv.layout.annotations) == len(paths)
