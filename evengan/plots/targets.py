"""The reach of a one-layer G for a target (evengan.reach): coverage against in-target ratio."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from . import COVERAGE_COLOR, EVEN_COLOR, TARGET_COLOR, figure


def reach_figure(frontier: Sequence[tuple[float, float]] | None,
                 measured: dict | None, run: tuple[float, float] | None,
                 labels: dict | None = None) -> go.Figure:
    """Coverage of the target (x) against the share of G's output in it (y): the top right
    corner is a G that covers the target and never leaves it.

    frontier: what independent fair bits reach (exact), a staircase of (coverage, ratio);
    measured: {"coverage": [...], "target_ratio": [...]} of the tutorial's G, a dot a seed;
    run: this run now, a star."""
    labels = labels or {}
    data = []
    if frontier:
        xs = [0.0] + [c for c, _ in frontier]
        ys = [frontier[0][1]] + [r for _, r in frontier]
        data.append({"type": "scatter", "mode": "lines+markers", "x": xs, "y": ys,
                     "line": {"shape": "vh", "color": TARGET_COLOR, "dash": "dot"},
                     "marker": {"size": 7}, "name": labels.get("frontier", "independent bits"),
                     "hovertemplate": "%{x:.3f}, %{y:.3f}<extra></extra>"})
    if measured:
        data.append({"type": "scatter", "mode": "markers", "x": measured["coverage"],
                     "y": measured["target_ratio"], "name": labels.get("seeds", "seeds"),
                     "marker": {"size": 9, "color": EVEN_COLOR, "opacity": 0.55},
                     "hovertemplate": "%{x:.3f}, %{y:.3f}<extra></extra>"})
    if run:
        data.append({"type": "scatter", "mode": "markers", "x": [run[0]], "y": [run[1]],
                     "name": labels.get("run", "this run"),
                     "marker": {"size": 16, "symbol": "star", "color": COVERAGE_COLOR,
                                "line": {"width": 1, "color": "#333"}},
                     "hovertemplate": "%{x:.3f}, %{y:.3f}<extra></extra>"})
    layout = {"xaxis": {"title": {"text": labels.get("x", "coverage of the target")},
                        "range": [-0.02, 1.04]},
              "yaxis": {"title": {"text": labels.get("y", "in-target ratio")},
                        "range": [-0.02, 1.06]}}
    return figure(data, layout, labels.get("title", "What a one-layer G can reach"))
