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
TARGET_FILL = "#d0d0d0"
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
    if reference is not None and len(steps):  # before any step the message stands alone
        layout["shapes"] = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1,
                             "y0": reference, "y1": reference,
                             "line": {"dash": "dash", "color": TARGET_COLOR, "width": 1}}]
        layout["annotations"] = [{"xref": "paper", "x": 1, "y": reference, "text": "ln 2",
                                  "showarrow": False, "xanchor": "right", "yanchor": "bottom",
                                  "bgcolor": "rgba(255,255,255,0.8)"}]
    if not len(steps):  # before the first step: say so, rather than show an empty frame
        layout.setdefault("annotations", []).append(
            {"xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5, "showarrow": False,
             "text": labels.get("empty", "no steps yet"),
             "font": {"size": 15, "color": TARGET_COLOR}})
    return figure(data, layout, labels.get("title", "Losses"))


def bits_heatmap(probs, ints: Sequence[int], labels=None, push=None,
                 member: Sequence[bool] | None = None) -> go.Figure:
    """G's output on a fixed noise batch: soft probabilities, thresholded bits, where D pushes
    each bit (`push`, red towards 1, blue towards 0; optional), and whether each number is in
    the target (`member`; by default, whether it is even: the parity column).

    Rows are fixed noise vectors, so a row means the same input at every step; each is labelled
    with the number it decodes to.
    """
    labels = labels or {}
    probs = _f32(probs)
    k, n = probs.shape
    even_word, odd_word = labels.get("even", "even"), labels.get("odd", "odd")
    inside = [v % 2 == 0 for v in ints] if member is None else [bool(m) for m in member]
    rows = [f"z{i:02d} → {v} ({even_word if ok else odd_word})"
            for i, (v, ok) in enumerate(zip(ints, inside, strict=True))]
    bits = [f"b{n - 1 - j}" for j in range(n)]
    hover = "%{y}<br>%{x}: %{z:.2f}<extra></extra>"
    grey = [[0, "#ffffff"], [1, "#111111"]]
    common = {"type": "heatmap", "y": rows, "zmin": 0, "zmax": 1, "showscale": False}
    data = [
        {**common, "z": probs, "x": bits, "colorscale": grey, "hovertemplate": hover,
         "xaxis": "x", "yaxis": "y"},
        {**common, "z": (probs >= 0.5).astype(np.float32), "x": bits, "colorscale": grey,
         "hovertemplate": hover, "xaxis": "x2", "yaxis": "y"},
        *([] if push is None else [_push_panel(_f32(push), bits, rows)]),
        {**common, "z": _f32([[0 if ok else 1] for ok in inside]),
         "x": [labels.get("parity", "parity")],
         "colorscale": [[0, EVEN_COLOR], [1, ODD_COLOR]], "hovertemplate": "%{y}<extra></extra>",
         "xaxis": "x3", "yaxis": "y"},
    ]

    def axis(domain: list[float], title: str) -> dict:
        return {"domain": domain, "title": {"text": title, "font": {"size": 12}},
                "tickangle": 0, "tickmode": "array", "tickvals": bits, "ticktext": bits,
                "tickfont": {"size": 10}}

    soft, hard = ([0, 0.46], [0.48, 0.86]) if push is None else ([0, 0.29], [0.31, 0.58])
    layout = {
        "xaxis": axis(soft, labels.get("soft", "G(z): probability of 1")),
        "xaxis2": axis(hard, labels.get("hard", "bits (≥ 0.5 is 1)")),
        "xaxis3": {**axis([0.92, 1.0], ""), "tickfont": {"size": 11},
                   "tickvals": [labels.get("parity", "parity")],
                   "ticktext": [labels.get("parity", "parity")]},
        # Every row named, dark and legible on a projector (Plotly would skip every other).
        "yaxis": {"autorange": "reversed", "tickfont": {"size": 12, "color": "#222222"},
                  "tickmode": "array", "tickvals": rows, "ticktext": rows},
        "margin": {"l": 150, "r": 15, "t": 40, "b": 50},
    }
    if push is not None:
        layout["xaxis4"] = axis([0.60, 0.88], labels.get("push", "D's push on each bit"))
    return figure(data, layout, labels.get("title", "Generated bit patterns (fixed noise)"),
                  height=max(HEIGHT, 125 + 16 * k))


def _push_panel(push: np.ndarray, bits: list[str], rows: list[str]) -> dict:
    """Where D pushes each bit: minus G's loss gradient, red towards 1, blue towards 0, on a
    scale symmetric about 0 (the largest push of this batch at either end). The colour is
    the square root of the push's share of the largest, signed: one bit pushed hard (b0, early
    on) would otherwise wash out pushes a tenth its size; hovering gives the push itself."""
    push = np.asarray(push, dtype=np.float64)
    bound = float(np.abs(push).max()) or 1.0
    shade = np.sign(push) * np.sqrt(np.abs(push) / bound)
    return {"type": "heatmap", "z": _f32(shade), "customdata": _f32(push), "x": bits,
            "y": rows, "zmin": -1.0, "zmax": 1.0,
            "colorscale": [[0, "#2166ac"], [0.5, "#ffffff"], [1, "#b2182b"]],
            "showscale": False, "xaxis": "x4", "yaxis": "y",
            "hovertemplate": "%{y}<br>%{x}: %{customdata:.3g}<extra></extra>"}


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


def distribution_figure(q, target, labels=None, clickable: bool = False,
                        inside=None) -> go.Figure:
    """G's exact output distribution over every integer, drawn over the target p (grey bars
    under G's): G's bars blue on the numbers `inside` (by default the target's), red
    elsewhere; the page passes the evens for the tutorial's target, so even and odd keep their
    colours whatever max_int. clickable: a clear bar the full height of every integer, so that
    a click anywhere in its column picks it (the page toggles it in the target)."""
    labels = labels or {}
    q, target = _f32(q), _f32(target)
    xs = np.arange(len(q))
    data = [
        {"type": "bar", "x": xs, "y": q, "name": labels.get("q", "G's output q"), "zorder": 2,
         "width": 0.6,
         "marker": {"color": _member_colors(target if inside is None else inside)},
         "hovertemplate": "%{x}: %{y:.4f}<extra></extra>"},
        _target_bars(target, labels.get("target", "target p"), "x", "y", True),
    ]
    if clickable:  # the clear column alone answers the pointer, so a click picks its number
        top = 1.05 * max(float(q.max(initial=0)), float(target.max(initial=0)), 1e-9)
        for trace in data:
            trace["hoverinfo"] = "skip"
            trace.pop("hovertemplate")
        data.append({"type": "bar", "x": xs, "y": np.full(len(xs), top, np.float32),
                     "zorder": 0, "width": 1.0, "marker": {"color": "rgba(0,0,0,0)"},
                     "customdata": np.stack([q, target], axis=1), "showlegend": False,
                     "name": "pick", "hovertemplate": "%{x}: q = %{customdata[0]:.4f}, "
                     "p = %{customdata[1]:.4f}<extra></extra>"})
    layout = {"xaxis": {"title": {"text": labels.get("x", "integer")}},
              "yaxis": {"title": {"text": "q"}}, "barmode": "overlay", "bargap": 0.0,
              "hovermode": "closest"}
    if clickable:  # a drag would pan the chart away from the bars being picked
        layout["xaxis"]["fixedrange"] = layout["yaxis"]["fixedrange"] = True
    return figure(data, layout, labels.get("title", "Output distribution (exact)"))


def _member_colors(target) -> list[str]:
    """Blue for the target's numbers, red for the rest."""
    return np.where(_f32(target) > 0, EVEN_COLOR, ODD_COLOR).tolist()


def _target_bars(target, name: str, xaxis: str, yaxis: str, legend: bool) -> dict:
    """The target p as light grey bars, under G's bars, one per integer."""
    target = _f32(target)
    return {"type": "bar", "x": np.arange(len(target)), "y": target, "name": name,
            "zorder": 1, "width": 1.0, "marker": {"color": TARGET_FILL},
            "hovertemplate": "%{x}: p = %{y:.4f}<extra></extra>", "showlegend": legend,
            "xaxis": xaxis, "yaxis": yaxis}


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


def distributions_figure(names: Sequence[str], qs, targets, labels=None) -> go.Figure:
    """Runs' exact output distributions side by side: one row of bars per run, on one
    integer axis, over the run's target (grey; `targets` one per run, or one for all), G's
    bars blue on the target's numbers and red elsewhere."""
    labels = labels or {}
    rows = len(names)
    targets = list(targets) if rows and np.ndim(targets) == 2 else [targets] * rows
    top_q = max(max(float(np.max(q)), float(np.max(p))) for q, p in zip(qs, targets,
                                                                      strict=True)) \
        if rows else 1.0
    data, layout = [], {}
    for i, (name, q, target) in enumerate(zip(names, qs, targets, strict=True)):
        axis = "" if i == 0 else str(i + 1)
        data.append({"type": "bar", "x": np.arange(len(q)), "y": _f32(q), "name": name,
                     "showlegend": False, "zorder": 2, "width": 0.6,
                     "marker": {"color": _member_colors(target)}, "xaxis": f"x{axis}",
                     "yaxis": f"y{axis}",
                     "hovertemplate": f"{name}<br>" + "%{x}: %{y:.4f}<extra></extra>"})
        data.append(_target_bars(target, labels.get("target", "target p"), f"x{axis}",
                                 f"y{axis}", i == 0))
        layout[f"yaxis{axis}"] = {"domain": _band(i, rows, 0.06), "range": [0, 1.05 * top_q],
                                  "title": {"text": name, "font": {"size": 12}}}
        layout[f"xaxis{axis}"] = {"anchor": f"y{axis}", "showticklabels": i == rows - 1,
                                  **({"matches": "x"} if i else {})}
    if rows:
        layout[f"xaxis{rows if rows > 1 else ''}"]["title"] = {
            "text": labels.get("x", "integer")}
    layout.update(barmode="overlay", bargap=0.0, legend={"orientation": "h", "y": -0.12})
    return figure(data, layout, labels.get("title", "Output distributions (exact)"),
                  height=max(HEIGHT, 150 * rows + 90))
