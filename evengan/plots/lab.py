"""Plotly figures of the mode-collapse lab, the seed ensemble and the sweep, from plain arrays
(no Streamlit; the shared look and helpers are evengan.plots')."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from . import (
    D_COLOR,
    EVEN_COLOR,
    G_COLOR,
    HEIGHT,
    ODD_COLOR,
    TARGET_COLOR,
    _event_marks,
    _f32,
    _line,
    figure,
)

# ---- the mode-collapse lab --------------------------------------------------------------


def timeline_heatmap(steps, q_rows, events=(), labels=None, draws: int = 0) -> go.Figure:
    """Step x integer map of G's exact output distribution: modes hopping over time.

    With `draws` (the 2**z_dim noise vectors of a thresholded G), q * draws are whole counts
    and travel as one or two bytes each instead of four: a playing class sends this chart
    every second.
    """
    labels = labels or {}
    q_rows = np.asarray(q_rows, dtype=np.float64)
    shapes, notes = _event_marks(events, labels)
    z = q_rows.T if q_rows.ndim == 2 else np.zeros((0, 0))
    text, hover = "q", "step %{x}<br>%{y}: %{z:.3f}<extra></extra>"
    if draws:
        z = np.rint(z * draws).astype(np.uint8 if draws <= 255 else np.uint16)
        text = labels.get("count", "noise vectors")
        hover = f"step %{{x}}<br>%{{y}}: %{{z}} / {draws}<extra></extra>"
    else:
        z = z.astype(np.float32)
    data = [{"type": "heatmap", "x": _f32(steps), "y": np.arange(z.shape[0]),
             "z": z, "colorscale": "Viridis",
             "colorbar": {"title": {"text": text}, "thickness": 12},
             "hovertemplate": hover}]
    layout = {"xaxis": {"title": {"text": labels.get("x", "step")}},
              "yaxis": {"title": {"text": labels.get("y", "integer")}},
              "shapes": shapes, "annotations": notes}
    return figure(data, layout, labels.get("title", "Mode timeline"), height=HEIGHT + 80)


def noise_map(noise_ids, out_ints, n_bits: int, labels=None) -> go.Figure:
    """Every noise vector and the number it lands on; stacks of points are collisions."""
    labels = labels or {}
    out = np.asarray(out_ints)
    counts = np.bincount(out, minlength=2**n_bits)
    data = [
        {"type": "scatter", "mode": "markers", "x": _f32(noise_ids), "y": _f32(out),
         "marker": {"color": np.where(out % 2 == 0, EVEN_COLOR, ODD_COLOR).tolist(), "size": 6},
         "name": labels.get("points", "noise vector → number"),
         "hovertemplate": "z=%{x} → %{y}<extra></extra>"},
        {"type": "bar", "y": np.arange(2**n_bits), "x": counts.astype(np.float32),
         "orientation": "h", "xaxis": "x2", "yaxis": "y",
         "marker": {"color": np.where(np.arange(2**n_bits) % 2 == 0, EVEN_COLOR,
                                      ODD_COLOR).tolist()},
         "name": labels.get("counts", "noise vectors per number"),
         "hovertemplate": "%{y}: %{x}<extra></extra>"},
    ]
    layout = {"xaxis": {"domain": [0, 0.72], "title": {"text": labels.get("x", "noise vector")}},
              "xaxis2": {"domain": [0.76, 1.0], "title": {"text": labels.get("x2", "count")}},
              "yaxis": {"title": {"text": labels.get("y", "output number")},
                        "range": [-1, 2**n_bits]}}
    return figure(data, layout, labels.get("title", "Noise → output map"), height=HEIGHT + 80)


def landscape_figure(d_values, labels=None) -> go.Figure:
    """D(x) for every integer, evens and odds coloured apart, D's favourite number marked."""
    labels = labels or {}
    d = _f32(d_values)
    xs = np.arange(len(d))
    best = int(np.argmax(d))
    data = [{"type": "bar", "x": xs, "y": d, "name": "D(x)",
             "marker": {"color": np.where(xs % 2 == 0, EVEN_COLOR, ODD_COLOR).tolist()},
             "hovertemplate": "D(%{x}) = %{y:.3f}<extra></extra>"}]
    layout = {"xaxis": {"title": {"text": labels.get("x", "integer")}},
              "yaxis": {"title": {"text": labels.get("y", "D(x)")}},
              "annotations": [{"x": best, "y": float(d[best]), "text":
                               labels.get("favourite", "D's favourite") + f": {best}",
                               "showarrow": True, "arrowhead": 2}], "bargap": 0.05}
    return figure(data, layout, labels.get("title", "D landscape"))


def lines_figure(steps, series: dict, title: str, labels=None, yrange=None,
                 reference: float | None = None) -> go.Figure:
    """Several named series over steps (weights per bit, singular values, grad norms...)."""
    labels = labels or {}
    palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
               "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39",
               "#7b4173", "#3182bd"]
    data = [_line(steps, values, name, palette[i % len(palette)])
            for i, (name, values) in enumerate(series.items())]
    layout: dict = {"xaxis": {"title": {"text": labels.get("x", "step")}}}
    if yrange:
        layout["yaxis"] = {"range": list(yrange)}
    if reference is not None:
        layout["shapes"] = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": reference,
                             "y1": reference, "line": {"dash": "dot", "color": TARGET_COLOR}}]
    return figure(data, layout, title)


def matrix_figure(w, title: str, labels=None) -> go.Figure:
    """A weight matrix as a diverging heatmap (rows: inputs, columns: outputs)."""
    labels = labels or {}
    w = _f32(w)
    bound = float(np.abs(w).max()) or 1.0
    data = [{"type": "heatmap", "z": w, "zmin": -bound, "zmax": bound, "colorscale": "RdBu",
             "reversescale": True, "colorbar": {"thickness": 12},
             "x": labels.get("x_names") or [f"{labels.get('out', 'out')} {j}"
                                            for j in range(w.shape[1])],
             "y": [f"{labels.get('in', 'in')} {i}" for i in range(w.shape[0])],
             "hovertemplate": "%{y} → %{x}: %{z:.3f}<extra></extra>"}]
    layout = {"yaxis": {"autorange": "reversed"}}
    return figure(data, layout, title)


# ---- seeds and sweeps -------------------------------------------------------------------


def band_figure(steps, series: dict, title: str, labels=None, yrange=None,
                reference: float | None = None, colors=(G_COLOR, D_COLOR)) -> go.Figure:
    """Median lines with their quartile bands: series maps a name to (q1, median, q3)."""
    labels = labels or {}
    palette = list(colors)
    data = []
    x = _f32(steps)
    for i, (name, (q1, med, q3)) in enumerate(series.items()):
        color = palette[i % len(palette)]
        data.append({"type": "scatter", "mode": "lines", "x": x, "y": _f32(q3),
                     "line": {"width": 0, "color": color}, "showlegend": False,
                     "hoverinfo": "skip", "legendgroup": name})
        data.append({"type": "scatter", "mode": "lines", "x": x, "y": _f32(q1),
                     "fill": "tonexty", "line": {"width": 0, "color": color}, "opacity": 0.25,
                     "showlegend": False, "hoverinfo": "skip", "legendgroup": name})
        data.append(_line(x, med, name, color, legendgroup=name))
    layout: dict = {"xaxis": {"title": {"text": labels.get("x", "step")}}}
    if yrange:
        layout["yaxis"] = {"range": list(yrange)}
    if reference is not None:
        layout["shapes"] = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": reference,
                             "y1": reference, "line": {"dash": "dash", "color": TARGET_COLOR,
                                                       "width": 1}}]
    return figure(data, layout, title)


def sweep_heatmap(x_name: str, x_values, y_name: str | None, y_values, z, per_seed,
                  title: str, zrange=(0.0, 1.0)) -> go.Figure:
    """A grid of medians; hovering a cell lists every seed's value."""
    z = np.asarray(z, dtype=np.float32)
    text = [[", ".join(f"{v:.2f}" for v in cell) for cell in row] for row in per_seed]
    xs = [str(v) for v in x_values]
    ys = [str(v) for v in y_values] if y_name else [""]
    data = [{"type": "heatmap", "x": xs, "y": ys, "z": z, "zmin": zrange[0], "zmax": zrange[1],
             "colorscale": "Viridis", "customdata": text, "colorbar": {"thickness": 12},
             "texttemplate": "%{z:.2f}",
             "hovertemplate": f"{x_name}=%{{x}}" + (f", {y_name}=%{{y}}" if y_name else "")
             + "<br>median %{z:.3f}<br>seeds: %{customdata}<extra></extra>"}]
    layout = {"xaxis": {"title": {"text": x_name}, "type": "category"},
              "yaxis": {"title": {"text": y_name or ""}, "type": "category"}}
    return figure(data, layout, title, height=HEIGHT + 60)


def marginals_figure(marginals, target, labels=None) -> go.Figure:
    """G's mean output per bit (soft) against the target's: what a linear D can see."""
    labels = labels or {}
    n = len(marginals)
    bits = [f"b{n - 1 - j}" for j in range(n)]
    data = [{"type": "bar", "x": bits, "y": _f32(marginals), "name": labels.get("g", "G"),
             "marker": {"color": G_COLOR}},
            {"type": "bar", "x": bits, "y": _f32(target), "name": labels.get("target", "target"),
             "marker": {"color": TARGET_COLOR}}]
    return figure(data, {"yaxis": {"range": [0, 1]}, "barmode": "group"},
                  labels.get("title", "Bit marginals"))


