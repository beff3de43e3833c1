"""Plotly figures of the lessons: modes captured against a remedy (ours beside the papers'),
one config over many seeds, and runs' paths towards the target (no Streamlit)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ..lesson_figures import mean_se
from . import BRANCH_COLORS, EVEN_COLOR, HEIGHT, ODD_COLOR, TARGET_COLOR, _band, _line, figure


def packing_figure(cells: dict[str, list[int]], widths: Sequence[int], packs: Sequence[int],
                   total: int, paper: dict, labels: dict | None = None) -> go.Figure:
    """Share of modes captured against the pack degree: one line per D width (mean and its
    standard error over seeds), and the paper's two mixtures dashed, on one 0..1 scale."""
    labels = labels or {}
    data = []
    for i, w in enumerate(widths):
        stats = [mean_se(cells[f"{w}:{p}"]) for p in packs]
        name = labels.get("linear", "linear D") if w == 0 else labels.get(
            "mlp", "MLP D, {w} units").format(w=w)
        data.append(_line(list(packs), [m / total for m, _ in stats], name,
                          BRANCH_COLORS[i % len(BRANCH_COLORS)], mode="lines+markers",
                          error_y={"type": "data", "array": [s / total for _, s in stats],
                                   "visible": True}))
    for key, dash in (("grid", "dash"), ("ring", "dot")):
        modes = paper[key]["modes"]
        ys = [paper[key]["captured"][p] / modes for p in packs]
        name = labels.get("paper_" + key, f"paper: {key} ({modes} modes)")
        data.append(_line(list(packs), ys, name, TARGET_COLOR, width=1.5, mode="lines+markers",
                          line={"dash": dash, "color": TARGET_COLOR, "width": 1.5}))
    x_title = labels.get("x", "pack degree (samples D judges at once)")
    layout = {"xaxis": {"title": {"text": x_title}, "tickvals": list(packs)},
              "yaxis": {"title": {"text": labels.get("y", "share of modes captured")},
                        "range": [0, 1.02]}}
    return figure(data, layout, labels.get("title", "Packing: modes captured"),
                  height=HEIGHT + 60)


def unrolling_figure(cells: dict[str, list[int]], unrolls: Sequence[int], total: int,
                     labels: dict | None = None) -> go.Figure:
    """Evens captured against unrolled D steps: each seed a dot, the mean and its standard
    error a bar."""
    labels = labels or {}
    xs = [str(k) for k in unrolls]
    stats = [mean_se(cells[str(k)]) for k in unrolls]
    data = [{"type": "bar", "x": xs, "y": [m for m, _ in stats], "name": labels.get(
                 "mean", "mean ± standard error"), "marker": {"color": EVEN_COLOR,
                                                              "opacity": 0.45},
             "error_y": {"type": "data", "array": [s for _, s in stats], "visible": True}}]
    dots_x, dots_y = [], []
    for k in unrolls:
        dots_x += [str(k)] * len(cells[str(k)])
        dots_y += list(cells[str(k)])
    data.append({"type": "scatter", "mode": "markers", "x": dots_x, "y": dots_y,
                 "name": labels.get("seed", "one seed"),
                 "marker": {"color": EVEN_COLOR, "size": 6, "opacity": 0.8}})
    layout = {"xaxis": {"title": {"text": labels.get("x", "unrolled D steps in G's update")},
                        "type": "category"},
              "yaxis": {"title": {"text": labels.get("y", "evens captured")},
                        "range": [0, total + 1]}}
    return figure(data, layout, labels.get("title", "Unrolling: evens captured"),
                  height=HEIGHT + 60)


def seeds_figure(coverage: Sequence[float], threshold: float, intervals,
                 labels: dict | None = None) -> go.Figure:
    """One config over many seeds. Top: each seed's final coverage, collapsed ones red.
    Bottom: the collapse probability estimated from the first n seeds, with its 95 % band
    (intervals[n - 1] = (low, high)): what one run, or five, can and cannot tell."""
    labels = labels or {}
    cov = np.asarray(coverage, dtype=np.float64)
    order = np.arange(1, len(cov) + 1)
    collapsed = cov < threshold
    running = np.cumsum(collapsed) / order
    lo, hi = (np.asarray(v) for v in zip(*intervals, strict=True))
    seeds = order - 1
    data = [
        {"type": "bar", "x": seeds, "y": cov, "name": labels.get("coverage", "coverage"),
         "marker": {"color": np.where(collapsed, ODD_COLOR, EVEN_COLOR).tolist()},
         "hovertemplate": labels.get("hover_seed", "seed") + " %{x}: %{y:.3f}<extra></extra>",
         "showlegend": False},
        _line([-0.5, len(cov) - 0.5], [threshold, threshold], labels.get(
            "threshold", "collapse line"), TARGET_COLOR, width=1.5, mode="lines",
            line={"dash": "dot", "color": TARGET_COLOR, "width": 1.5}),
        _line(order, hi, labels.get("band", "95 % interval"), "#9ecae1", width=0,
              xaxis="x2", yaxis="y2", showlegend=False),
        _line(order, lo, labels.get("band", "95 % interval"), "#9ecae1", width=0,
              xaxis="x2", yaxis="y2", fill="tonexty", fillcolor="rgba(158,202,225,0.5)"),
        _line(order, running, labels.get("estimate", "collapse probability so far"),
              ODD_COLOR, xaxis="x2", yaxis="y2"),
    ]
    layout = {
        "yaxis": {"domain": _band(0, 2, 0.14), "range": [0, 1.02],
                  "title": {"text": labels.get("coverage", "coverage"), "font": {"size": 12}}},
        "xaxis": {"anchor": "y", "title": {"text": labels.get("seeds_x", "seed")}},
        "yaxis2": {"domain": _band(1, 2, 0.14), "range": [0, 1.02],
                   "title": {"text": labels.get("p", "P(collapse)"), "font": {"size": 12}}},
        "xaxis2": {"anchor": "y2", "title": {"text": labels.get("n_x", "seeds run")}},
    }
    return figure(data, layout, labels.get("title", "One config, many seeds"), height=560)


def convergence_figure(paths: Sequence[dict], labels: dict | None = None) -> go.Figure:
    """Runs' paths in the game's own two coordinates (G's mean of one bit, D's weight on it),
    one panel each, and every run's distance to the target over time below. Each path is
    {"name", "steps", "g_mean", "d_weight", "distance"}."""
    labels = labels or {}
    cols = max(1, len(paths))
    data, layout, notes = [], {}, []
    gap = 0.04
    width = (1 - gap * (cols - 1)) / cols
    for i, p in enumerate(paths):
        axis = "" if i == 0 else str(i + 1)
        color = BRANCH_COLORS[i % len(BRANCH_COLORS)]
        left = i * (width + gap)
        steps = np.asarray(p["steps"])
        data.append({"type": "scatter", "mode": "lines+markers", "x": p["g_mean"],
                     "y": p["d_weight"], "name": p["name"],
                     "line": {"color": color, "width": 1},
                     "marker": {"size": 4, "color": steps, "colorscale": "Viridis"},
                     "customdata": steps, "showlegend": False,
                     "hovertemplate": labels.get("hover_step", "step")
                     + " %{customdata}<br>G %{x:.3f}, D %{y:.3f}<extra></extra>",
                     "xaxis": f"x{axis}", "yaxis": f"y{axis}"})
        data.append({"type": "scatter", "mode": "markers", "x": [0.5], "y": [0.0],
                     "marker": {"symbol": "x", "size": 11, "color": TARGET_COLOR},
                     "name": labels.get("target", "target"), "showlegend": i == 0,
                     "xaxis": f"x{axis}", "yaxis": f"y{axis}", "hoverinfo": "skip"})
        layout[f"xaxis{axis}"] = {"domain": [left, left + width], "anchor": f"y{axis}",
                                  "title": {"text": labels.get("g_axis", "G's mean of the bit"),
                                            "font": {"size": 11}}}
        notes.append({"text": f"<b>{p['name']}</b>", "x": left + width / 2, "y": 1.0,
                      "xref": "paper", "yref": "paper", "yanchor": "bottom",
                      "showarrow": False, "font": {"size": 12, "color": color}})
        layout[f"yaxis{axis}"] = {"domain": [0.58, 1.0], "anchor": f"x{axis}",
                                  **({"title": {"text": labels.get("d_axis", "D's weight"),
                                                "font": {"size": 12}}} if i == 0 else {})}
    below = str(cols + 1)
    for i, p in enumerate(paths):
        data.append(_line(p["steps"], p["distance"], p["name"],
                          BRANCH_COLORS[i % len(BRANCH_COLORS)],
                          xaxis=f"x{below}", yaxis=f"y{below}"))
    layout[f"xaxis{below}"] = {"domain": [0, 1], "anchor": f"y{below}",
                               "title": {"text": labels.get("x", "step")}}
    layout[f"yaxis{below}"] = {"domain": [0.08, 0.4], "anchor": f"x{below}", "rangemode": "tozero",
                               "title": {"text": labels.get("distance", "JS to target (bits)"),
                                         "font": {"size": 12}}}
    layout["annotations"] = notes
    layout["margin"] = {"l": 55, "r": 15, "t": 70, "b": 75}
    layout["legend"] = {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom",
                        "x": 0, "entrywidth": 150}
    return figure(data, layout, labels.get("title", "Paths to the target"), height=640)
