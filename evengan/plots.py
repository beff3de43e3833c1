"""Plotly figures from plain arrays. No Streamlit here: every figure is testable on its own.

Figures are written as plain dicts and wrapped without Plotly's per-call validation: the
validated builder calls cost ~250 ms per redraw, the dicts ~5 ms. The tests validate every
figure in full. Each has a fixed height and a constant uirevision, so a live redraw keeps the
viewer's zoom and does not make the page jump.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

HEIGHT = 320
EVEN_COLOR = "#1f77b4"
ODD_COLOR = "#d62728"
G_COLOR = "#2ca02c"
D_COLOR = "#9467bd"
COVERAGE_COLOR = "#ff7f0e"
TARGET_COLOR = "#444444"
LN2 = math.log(2.0)


def figure(data: list[dict], layout: dict, title: str, height: int = HEIGHT) -> go.Figure:
    """A figure with the shared look, built without per-property validation."""
    base = {
        "title": {"text": title, "x": 0.01, "font": {"size": 16}},
        "height": height,
        "margin": {"l": 55, "r": 15, "t": 40, "b": 75},
        "uirevision": "evengan",
        # At the foot of the figure, below the x axis and its title, never on them.
        "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom",
                   "x": 0},
        "template": _TEMPLATE,
    }
    base.update(layout)
    return go.Figure({"data": data, "layout": base}, _validate=False)


# plotly_white's look, taken once (the template object is slow to build per figure).
_TEMPLATE = go.layout.Template(layout={
    "plot_bgcolor": "white", "paper_bgcolor": "white", "font": {"size": 13},
    "xaxis": {"gridcolor": "#e8e8e8", "zeroline": False},
    "yaxis": {"gridcolor": "#e8e8e8", "zeroline": False},
}).to_plotly_json()


def _f32(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def smooth(values, amount: float) -> np.ndarray:
    """Exponential moving average (TensorBoard's smoothing); amount 0 leaves values as they are."""
    values = np.asarray(values, dtype=np.float64)
    if amount <= 0 or len(values) == 0:
        return values
    out = np.empty_like(values)
    acc = values[0]
    for i, v in enumerate(values):
        acc = amount * acc + (1 - amount) * v
        out[i] = acc
    return out


def _line(x, y, name: str, color: str, width: float = 2, **extra) -> dict:
    """A line; with under three points, markers too (a lone point draws no line at all)."""
    mode = "lines" if len(x) > 2 else "lines+markers"
    return {"type": "scatter", "mode": mode, "x": _f32(x), "y": _f32(y), "name": name,
            "line": {"color": color, "width": width}, "marker": {"color": color, "size": 7},
            **extra}


def loss_figure(steps, loss_g, loss_d, smoothing: float = 0.0, labels=None,
                reference: float | None = LN2) -> go.Figure:
    """G and D losses over steps, with the ln 2 line both BCE losses settle at when D is
    fooled (reference None: no line, for losses that have no such level)."""
    labels = labels or {}
    data = [_line(steps, smooth(loss_g, smoothing), labels.get("g", "G loss"), G_COLOR),
            _line(steps, smooth(loss_d, smoothing), labels.get("d", "D loss"), D_COLOR)]
    layout = {
        "xaxis": {"title": {"text": labels.get("x", "step")}},
        "yaxis": {"title": {"text": labels.get("y", "loss")}},
    }
    if reference is not None:
        layout["shapes"] = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1,
                             "y0": reference, "y1": reference,
                             "line": {"dash": "dash", "color": TARGET_COLOR, "width": 1}}]
        layout["annotations"] = [{"xref": "paper", "x": 0, "y": reference, "text": "ln 2",
                                  "showarrow": False, "xanchor": "left",
                                  "yanchor": "bottom"}]
    return figure(data, layout, labels.get("title", "Losses"))


def bits_heatmap(probs, ints: Sequence[int], labels=None) -> go.Figure:
    """G's output on a fixed noise batch: soft probabilities, thresholded bits, parity.

    Rows are fixed noise vectors, so a row means the same input at every step; each is labelled
    with the number it decodes to.
    """
    labels = labels or {}
    probs = _f32(probs)
    k, n = probs.shape
    even_word, odd_word = labels.get("even", "even"), labels.get("odd", "odd")
    rows = [f"z{i:02d} → {v} ({even_word if v % 2 == 0 else odd_word})"
            for i, v in enumerate(ints)]
    bits = [f"b{n - 1 - j}" for j in range(n)]
    hover = "%{y}<br>%{x}: %{z:.2f}<extra></extra>"
    grey = [[0, "#ffffff"], [1, "#111111"]]
    common = {"type": "heatmap", "y": rows, "zmin": 0, "zmax": 1, "showscale": False}
    data = [
        {**common, "z": probs, "x": bits, "colorscale": grey, "hovertemplate": hover,
         "xaxis": "x", "yaxis": "y"},
        {**common, "z": (probs >= 0.5).astype(np.float32), "x": bits, "colorscale": grey,
         "hovertemplate": hover, "xaxis": "x2", "yaxis": "y"},
        {**common, "z": _f32([[v % 2] for v in ints]), "x": [labels.get("parity", "parity")],
         "colorscale": [[0, EVEN_COLOR], [1, ODD_COLOR]], "hovertemplate": "%{y}<extra></extra>",
         "xaxis": "x3", "yaxis": "y"},
    ]
    def axis(domain: list[float], title: str) -> dict:
        return {"domain": domain, "title": {"text": title, "font": {"size": 12}},
                "tickangle": 0}

    layout = {
        "xaxis": axis([0, 0.46], labels.get("soft", "G(z): probability of 1")),
        "xaxis2": axis([0.48, 0.86], labels.get("hard", "bits (≥ 0.5 is 1)")),
        "xaxis3": {**axis([0.92, 1.0], ""), "tickfont": {"size": 11}},
        # Every row named, dark and legible on a projector (Plotly would skip every other).
        "yaxis": {"autorange": "reversed", "tickfont": {"size": 12, "color": "#222222"},
                  "tickmode": "array", "tickvals": rows, "ticktext": rows},
        "margin": {"l": 150, "r": 15, "t": 40, "b": 50},
    }
    return figure(data, layout, labels.get("title", "Generated bit patterns (fixed noise)"),
                  height=max(HEIGHT, 125 + 16 * k))


def ratio_figure(batch_steps, even_batch, eval_steps, even_exact, coverage,
                 labels=None) -> go.Figure:
    """Even ratio over time: the noisy batch figure and the exact one, with exact coverage."""
    labels = labels or {}
    data = [
        _line(batch_steps, even_batch, labels.get("batch", "even ratio (batch, noisy)"),
              EVEN_COLOR, 1, opacity=0.35),
        _line(eval_steps, even_exact, labels.get("exact", "even ratio (exact)"), EVEN_COLOR, 3),
        _line(eval_steps, coverage, labels.get("coverage", "coverage (exact)"), COVERAGE_COLOR,
              3),
    ]
    layout = {"xaxis": {"title": {"text": labels.get("x", "step")}},
              "yaxis": {"range": [-0.02, 1.02]}}
    return figure(data, layout, labels.get("title", "Even ratio and coverage"))


def distribution_figure(q, target, labels=None) -> go.Figure:
    """G's exact output distribution over every integer against the uniform-over-evens target."""
    labels = labels or {}
    q = _f32(q)
    xs = np.arange(len(q))
    data = [
        {"type": "bar", "x": xs, "y": q, "name": labels.get("q", "G's output q"),
         "marker": {"color": np.where(xs % 2 == 0, EVEN_COLOR, ODD_COLOR).tolist()},
         "hovertemplate": "%{x}: %{y:.4f}<extra></extra>"},
        _target_line(target, labels.get("target", "target p"), "x", "y", True),
    ]
    layout = {"xaxis": {"title": {"text": labels.get("x", "integer")}},
              "yaxis": {"title": {"text": "q"}}, "bargap": 0.05}
    return figure(data, layout, labels.get("title", "Output distribution (exact)"))


def _target_line(target, name: str, xaxis: str, yaxis: str, legend: bool) -> dict:
    """The target as one flat dotted line at its level on the numbers it covers (the evens):
    drawn through every integer it would zig-zag between that level and 0."""
    target = _f32(target)
    level = float(target.max()) if len(target) else 0.0
    covered = np.flatnonzero(target > 0)
    x = [covered[0] - 0.5, covered[-1] + 0.5] if len(covered) else []
    return {"type": "scatter", "mode": "lines", "x": x, "y": [level] * len(x), "name": name,
            "line": {"color": TARGET_COLOR, "dash": "dot", "width": 2}, "hoverinfo": "skip",
            "showlegend": legend, "xaxis": xaxis, "yaxis": yaxis}


# ---- the mode-collapse lab --------------------------------------------------------------


# The colours of events on a step axis: a collapse red, a recovery green, others grey.
EVENT_COLORS = {"collapse": ODD_COLOR, "recovered": G_COLOR}


def _event_marks(events, labels) -> tuple[list[dict], list[dict]]:
    """Vertical dashed lines (and labels) at the steps of events: (step, kind) pairs, a kind
    shown as labels[kind] (or as itself)."""
    shapes, notes = [], []
    for step, kind in events:
        color = EVENT_COLORS.get(kind, TARGET_COLOR)
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": step, "x1": step,
                       "y0": 0, "y1": 1, "line": {"color": color, "dash": "dash",
                                                  "width": 2}})
        notes.append({"xref": "x", "yref": "paper", "x": step, "y": 1.0, "showarrow": False,
                      "text": labels.get(kind, kind), "font": {"color": color},
                      "yanchor": "bottom"})
    return shapes, notes


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


# ---- branches compared ------------------------------------------------------------------

# One colour per compared run, none of them the even/odd pair of the distributions.
BRANCH_COLORS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d")


def _band(i: int, rows: int, gap: float) -> list[float]:
    """The vertical domain of panel i of `rows` stacked panels, top first."""
    height = (1 - gap * (rows - 1)) / rows
    top = 1 - i * (height + gap)
    return [max(0.0, round(top - height, 6)), min(1.0, round(top, 6))]


def compare_figure(runs: Sequence[dict], splits: Sequence[tuple[int, str]] = (),
                   smoothing: float = 0.0, labels=None) -> go.Figure:
    """Several runs overlaid on one step axis: G's loss, D's loss, the exact even ratio and
    the coverage, one panel each, with a dashed line where two runs part.

    Each run is {"name", "step", "loss_g", "loss_d", "eval_step", "even_ratio", "coverage"};
    splits are (step, label) pairs.
    """
    labels = labels or {}
    panels = [("loss_g", "G loss"), ("loss_d", "D loss"), ("even_ratio", "even ratio"),
              ("coverage", "coverage")]
    rows = len(panels)
    data, layout = [], {}
    for i, (column, default) in enumerate(panels):
        axis = "" if i == 0 else str(i + 1)
        layout[f"yaxis{axis}"] = {"domain": _band(i, rows, 0.05),
                                  "title": {"text": labels.get(column, default),
                                            "font": {"size": 12}}}
        if column in ("even_ratio", "coverage"):
            layout[f"yaxis{axis}"]["range"] = [-0.02, 1.02]
        layout[f"xaxis{axis}"] = {"anchor": f"y{axis}", "showticklabels": i == rows - 1,
                                  **({"matches": "x"} if i else {})}
        for j, run in enumerate(runs):
            x = run["step"] if column.startswith("loss") else run["eval_step"]
            y = smooth(run[column], smoothing) if column.startswith("loss") else run[column]
            data.append(_line(x, y, run["name"], BRANCH_COLORS[j % len(BRANCH_COLORS)],
                              legendgroup=run["name"], showlegend=i == 0,
                              xaxis=f"x{axis}", yaxis=f"y{axis}"))
    layout[f"xaxis{rows}"]["title"] = {"text": labels.get("x", "step")}
    shapes, notes = _event_marks(splits, {})
    layout.update(shapes=shapes, annotations=notes, legend={"orientation": "h", "y": -0.08})
    return figure(data, layout, labels.get("title", "Runs compared"), height=620)


def distributions_figure(names: Sequence[str], qs, target, labels=None) -> go.Figure:
    """Runs' exact output distributions side by side: one row of bars per run, on one
    integer axis, even bars blue and odd bars red, the target dotted in each."""
    labels = labels or {}
    rows = len(names)
    xs = np.arange(len(target))
    colors = np.where(xs % 2 == 0, EVEN_COLOR, ODD_COLOR).tolist()
    top_q = max(float(np.max(q)) for q in qs) if rows else 1.0
    data, layout = [], {}
    for i, (name, q) in enumerate(zip(names, qs, strict=True)):
        axis = "" if i == 0 else str(i + 1)
        data.append({"type": "bar", "x": xs, "y": _f32(q), "name": name, "showlegend": False,
                     "marker": {"color": colors}, "xaxis": f"x{axis}", "yaxis": f"y{axis}",
                     "hovertemplate": f"{name}<br>" + "%{x}: %{y:.4f}<extra></extra>"})
        data.append(_target_line(target, labels.get("target", "target p"), f"x{axis}",
                                 f"y{axis}", i == 0))
        layout[f"yaxis{axis}"] = {"domain": _band(i, rows, 0.06), "range": [0, 1.05 * top_q],
                                  "title": {"text": name, "font": {"size": 12}}}
        layout[f"xaxis{axis}"] = {"anchor": f"y{axis}", "showticklabels": i == rows - 1,
                                  **({"matches": "x"} if i else {})}
    if rows:
        layout[f"xaxis{rows if rows > 1 else ''}"]["title"] = {
            "text": labels.get("x", "integer")}
    layout.update(bargap=0.05, legend={"orientation": "h", "y": -0.12})
    return figure(data, layout, labels.get("title", "Output distributions (exact)"),
                  height=max(HEIGHT, 150 * rows + 90))
